// Test support: runs the Go TEST witness (tests/interop/test_witness.go) on
// 127.0.0.1:0 with a state directory and the log keys it trusts, reads the
// verifier key and URL it prints, and stops it with SIGTERM. Its stderr (one
// line per add-checkpoint answer) goes to <state dir>.log.
//
// Thread safety: one owner.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace signet::testing {

class WitnessProcess {
 public:
  // `extra_args` are passed on (e.g. {"-forge", VKEY} for a misbehaving witness).
  WitnessProcess(std::filesystem::path binary, std::filesystem::path state_dir, std::string name,
                 std::vector<std::string> log_vkeys, std::vector<std::string> extra_args = {});
  ~WitnessProcess();  // SIGKILL if still running
  WitnessProcess(const WitnessProcess&) = delete;
  WitnessProcess& operator=(const WitnessProcess&) = delete;

  // Starts it and waits for its "listening on" line; false on failure.
  bool Start();
  void Stop();
  const std::string& vkey() const { return vkey_; }  // cosignature/v1 verifier key
  const std::string& url() const { return url_; }    // http://127.0.0.1:PORT
  const std::string& name() const { return name_; }
  std::string LogText() const;  // what it printed on stderr

 private:
  std::filesystem::path binary_, state_dir_;
  std::string name_;
  std::vector<std::string> log_vkeys_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
  std::string vkey_, url_;
};

}  // namespace signet::testing
