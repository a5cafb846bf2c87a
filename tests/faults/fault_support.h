// Test support for the fault tests (tests/faults) and the soak driver
// (tests/faults/soak_main.cc, run by scripts/soak.sh): concurrent clients that submit signed work
// registrations to a signetd whose port may change (it is killed and
// restarted), a record of every acknowledged (201) statement, and the checks
// that must hold afterwards: every acknowledged statement is in the log
// verbatim and its work readable, the log root recomputed from the leaves
// equals the signed checkpoint's, and /v1/match finds every registered work.
//
// Thread safety: RegistrationLoad runs its own client threads; port() may be
// changed from any thread. VerifyAcknowledged is single-threaded.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace signet::faults {

struct Acknowledged {
  std::string envelope;  // the exact bytes that were acknowledged
  std::uint64_t log_index = 0;
  std::string work_id;
  std::vector<std::uint32_t> fingerprint;
};

struct LoadFigures {
  std::uint64_t acknowledged = 0;  // 201
  std::uint64_t refused = 0;       // any other HTTP answer (409 after a lost ack, 503, ...)
  std::uint64_t no_answer = 0;     // connection refused/reset/timed out (server down)
};

// Clients, each its own artist (seed bytes first_seed..), registering works
// with distinct random fingerprints of `fingerprint_values` values, as fast
// as the server answers, against whatever port() says (0: server down, wait).
class RegistrationLoad {
 public:
  RegistrationLoad(int clients, std::uint8_t first_seed, std::size_t fingerprint_values);
  ~RegistrationLoad();  // Stop()
  RegistrationLoad(const RegistrationLoad&) = delete;
  RegistrationLoad& operator=(const RegistrationLoad&) = delete;

  void set_port(std::uint16_t port) { port_.store(port); }
  // Each client waits this long after each answer (bounds the test's size).
  void set_pause(std::chrono::milliseconds pause) { pause_ = pause; }
  void Start();
  void Stop();
  LoadFigures figures() const;
  // Every acknowledged statement so far (artist registrations included).
  std::vector<Acknowledged> acknowledged() const;

 private:
  void Client(int n);

  int clients_;
  std::uint8_t first_seed_;
  std::size_t fingerprint_values_;
  std::chrono::milliseconds pause_{0};
  std::atomic<std::uint16_t> port_{0};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> refused_{0}, no_answer_{0};
  mutable std::mutex mu_;
  std::vector<Acknowledged> acked_;
  std::vector<std::thread> threads_;
};

struct Verification {
  bool ok = true;
  std::vector<std::string> problems;  // one line per failed check
  std::uint64_t log_size = 0;
  std::uint64_t statements_checked = 0;
  std::uint64_t works_matched = 0;
};

// Runs every check against the signetd on `port`. At most `max_match`
// works are matched (0: all).
Verification VerifyAcknowledged(std::uint16_t port, const std::vector<Acknowledged>& acked,
                                std::size_t max_match = 0);

}  // namespace signet::faults
