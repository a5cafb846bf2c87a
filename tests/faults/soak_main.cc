// fault_soak: the crash test of faults_test.cc for as long as you like
// (scripts/soak.sh). Concurrent clients submit signed registrations to the
// real signetd while it is killed with SIGKILL at random moments and
// restarted; at the end every acknowledged statement must be in the log
// verbatim, the root recomputed from the leaves must match the signed
// checkpoint, and /v1/match must find every registered work.
//
// Usage: fault_soak SIGNETD DATA_DIR SECONDS [CLIENTS]
// Prints one line of figures; exits 0 when every check passed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "tests/e2e/signetd_process.h"
#include "tests/faults/fault_support.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: fault_soak SIGNETD DATA_DIR SECONDS [CLIENTS]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  using signet::testing::SignetdProcess;
  const fs::path signetd = argv[1], data = argv[2];
  const double seconds = std::atof(argv[3]);
  const int clients = argc > 4 ? std::atoi(argv[4]) : 8;
  // Its clients and verifier share 127.0.0.1: no per-client request rate.
  const std::vector<std::string> env = {"SIGNET_ACCESS_LOG=0", "SIGNET_RATE_LIMIT=0"};
  std::mt19937 rng(std::random_device{}());

  signet::faults::RegistrationLoad load(clients, 10, 120);
  auto server = std::make_unique<SignetdProcess>(signetd, data, env);
  if (!server->Start()) {
    std::fprintf(stderr, "signetd did not start: %s\n", server->StderrText().c_str());
    return 1;
  }
  load.set_port(server->port());
  load.Start();
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  int kills = 0, restarts = 0;
  double down_seconds = 0;
  // Each restart's time to listening, with the log size it started from:
  // the index no longer grows it (it opens its segments and replays a tail).
  std::vector<std::pair<double, std::uint64_t>> restart_times;
  while (std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 3000)(rng)));
    load.set_port(0);  // requests already sent stay in flight and die with it
    server.reset();    // SIGKILL
    ++kills;
    auto down = std::chrono::steady_clock::now();
    server = std::make_unique<SignetdProcess>(signetd, data, env);
    if (!server->Start()) {
      std::fprintf(stderr, "restart %d failed: %s\n", restarts + 1, server->StderrText().c_str());
      load.Stop();
      return 1;
    }
    ++restarts;
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - down).count();
    down_seconds += took;
    restart_times.emplace_back(took, load.figures().acknowledged);
    load.set_port(server->port());
  }
  load.Stop();
  const double ran =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  server.reset();
  server = std::make_unique<SignetdProcess>(signetd, data, env);
  if (!server->Start()) {
    std::fprintf(stderr, "final restart failed: %s\n", server->StderrText().c_str());
    return 1;
  }
  auto figures = load.figures();
  auto v = signet::faults::VerifyAcknowledged(server->port(), load.acknowledged());
  int rc = server->Stop();
  std::printf(
      "soak: %.0f s, %d clients, %llu statements acknowledged (%.0f/s), %llu refused, "
      "%llu unanswered, %d kills, %d restarts (%.2f s down in total), log size %llu, "
      "%llu statements checked, %llu works matched, clean stop exit %d: %s\n",
      ran, clients, static_cast<unsigned long long>(figures.acknowledged),
      static_cast<double>(figures.acknowledged) / ran,
      static_cast<unsigned long long>(figures.refused),
      static_cast<unsigned long long>(figures.no_answer), kills, restarts, down_seconds,
      static_cast<unsigned long long>(v.log_size),
      static_cast<unsigned long long>(v.statements_checked),
      static_cast<unsigned long long>(v.works_matched), rc, v.ok && rc == 0 ? "PASS" : "FAIL");
  if (!restart_times.empty()) {
    // Mean restart time per fifth of the restarts, with the log size they
    // started from: a restart replays at most the index's cover lag, so the
    // time should level off once the log is past it instead of growing.
    std::printf("restarts (mean s at ~statements, per fifth):");
    const std::size_t n = restart_times.size();
    double worst = 0;
    for (std::size_t f = 0; f < 5 && f < n; ++f) {
      const std::size_t from = f * n / 5, to = std::max(from + 1, (f + 1) * n / 5);
      double t = 0;
      for (std::size_t i = from; i < to; ++i) {
        t += restart_times[i].first;
        worst = std::max(worst, restart_times[i].first);
      }
      std::printf(" %.2f s at ~%llu;", t / static_cast<double>(to - from),
                  static_cast<unsigned long long>(restart_times[(from + to) / 2].second));
    }
    std::printf(" slowest %.2f s\n", worst);
  }
  for (const auto& p : v.problems) std::printf("  %s\n", p.c_str());
  return v.ok && rc == 0 ? 0 : 1;
}
