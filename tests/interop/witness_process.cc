#include "tests/interop/witness_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace signet::testing {

WitnessProcess::WitnessProcess(std::filesystem::path binary, std::filesystem::path state_dir,
                               std::string name, std::vector<std::string> log_vkeys,
                               std::vector<std::string> extra_args)
    : binary_(std::move(binary)),
      state_dir_(std::move(state_dir)),
      name_(std::move(name)),
      log_vkeys_(std::move(log_vkeys)),
      extra_args_(std::move(extra_args)) {}

WitnessProcess::~WitnessProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

bool WitnessProcess::Start() {
  int out[2];
  if (::pipe(out) != 0) return false;
  std::vector<std::string> args = {binary_.string(),    "-listen", "127.0.0.1:0", "-state",
                                   state_dir_.string(), "-name",   name_};
  for (const auto& k : log_vkeys_) {
    args.push_back("-log");
    args.push_back(k);
  }
  for (const auto& a : extra_args_) args.push_back(a);
  const std::string log_path = state_dir_.string() + ".log";
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    const int err = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err >= 0) ::dup2(err, 2);
    ::close(out[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool ok = false;
  while (!ok && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 200) > 0) {
      char buf[1024];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    const auto v = text.find("vkey ");
    const auto l = text.find("listening on ");
    if (v != std::string::npos && l != std::string::npos &&
        text.find('\n', l) != std::string::npos) {
      vkey_ = text.substr(v + 5, text.find('\n', v) - v - 5);
      url_ = text.substr(l + 13, text.find('\n', l) - l - 13);
      ok = true;
    }
  }
  ::close(out[0]);
  return ok;
}

void WitnessProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string WitnessProcess::LogText() const {
  std::ifstream in(state_dir_.string() + ".log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace signet::testing
