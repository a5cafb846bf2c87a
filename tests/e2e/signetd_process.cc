#include "tests/e2e/signetd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace signet::testing {

SignetdProcess::SignetdProcess(std::filesystem::path binary, std::filesystem::path data_dir,
                               std::vector<std::string> env)
    : binary_(std::move(binary)),
      data_dir_(std::move(data_dir)),
      stderr_path_(data_dir_.string() + ".stderr"),
      env_(std::move(env)) {}

SignetdProcess::~SignetdProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool SignetdProcess::Start() {
  // A restart: forget the previous run's output.
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  stdout_.clear();
  port_ = 0;
  int out[2];
  if (::pipe(out) != 0) return false;
  std::vector<std::string> args = {binary_.string(), "--data", data_dir_.string(), "--listen",
                                   "127.0.0.1:0"};
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) envs.emplace_back(*e);
  for (const auto& e : env_) envs.push_back(e);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::close(out[0]);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);
  stdout_fd_ = out[0];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[4096];
      ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
      if (n <= 0) break;
      stdout_.append(buf, static_cast<std::size_t>(n));
      auto at = stdout_.find("listening on http://127.0.0.1:");
      if (at != std::string::npos && stdout_.find('\n', at) != std::string::npos) {
        port_ = static_cast<std::uint16_t>(
            std::atoi(stdout_.c_str() + at + std::strlen("listening on http://127.0.0.1:")));
        return port_ != 0;
      }
    }
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
  }
  return false;
}

void SignetdProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  stdout_fd_ = -1;
  stdout_.clear();
}

int SignetdProcess::Stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      char buf[4096];
      ssize_t n;
      while ((n = ::read(stdout_fd_, buf, sizeof buf)) > 0)
        stdout_.append(buf, static_cast<std::size_t>(n));
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string SignetdProcess::StderrText() const {
  std::ifstream in(stderr_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace signet::testing
