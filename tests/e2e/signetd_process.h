// Test support: runs the real signetd binary on 127.0.0.1:0 with a data
// directory, reads the port it prints, and stops it with SIGTERM (checking
// the exit status). stderr (the access log) goes to a file in the data dir's
// parent so a failing test can show it.
//
// Thread safety: one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace signet::testing {

class SignetdProcess {
 public:
  // REQUIRES: `binary` is signetd; `env` entries are "NAME=value".
  SignetdProcess(std::filesystem::path binary, std::filesystem::path data_dir,
                 std::vector<std::string> env = {});
  ~SignetdProcess();  // SIGKILL if still running
  SignetdProcess(const SignetdProcess&) = delete;
  SignetdProcess& operator=(const SignetdProcess&) = delete;

  // Starts and waits for the "listening on" line; false on failure/timeout.
  bool Start();
  // SIGTERM, then waits up to `timeout`; returns the exit status (-1 on
  // signal/timeout).
  int Stop(std::chrono::seconds timeout = std::chrono::seconds(30));
  // SIGKILL, then waits (a crash).
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  const std::string& stdout_text() const { return stdout_; }
  std::string StderrText() const;

 private:
  std::filesystem::path binary_, data_dir_, stderr_path_;
  std::vector<std::string> env_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string stdout_;
};

}  // namespace signet::testing
