// signet_bench: signetd on loopback growing from 0 to N registered
// recordings (default 100,000 of 3.5 minutes) through its HTTP API, then
// restarted and queried. Every phase is bounded; prints one table with the
// command that made it (fingerprint/INDEX.md quotes them).
//
//  1. Statements: N signed work.register envelopes of synthetic prints
//     (fingerprint/testing/synthetic.h, recording i = seed 0x5167 + i) for R artists,
//     one per registration client; generated once per (N, positions, R) into
//     --cache and reused (signing is the artists' work, not the server's).
//  2. Load: signetd starts on an empty data dir; R clients POST
//     /v1/statements until every recording is registered, while one paced
//     client POSTs /v1/match with 10 s excerpts of recordings already
//     registered (latency while the index grows and merges).
//  3. Settle: until the index has no flush or merge to do (it merges into one
//     segment once idle), at most --settle-seconds.
//  4. Restarts: SIGTERM then start, and kill -9 then start; each timed from
//     the spawn to the first correct answer of POST /v1/match.
//  5. Match: C clients, then one client, POST /v1/match for --seconds each.
//     Baseline in the same run: a brute-force scan of --brute recordings in
//     this process, extrapolated to N.
//  6. Check: one POST /v1/check stream of --check-items NDJSON items.
//  Memory: signetd's VmHWM through the load and after the restarts.
//
// Usage: signet_bench --signetd PATH [--recordings N] [--positions P]
//   [--clients C] [--reg-clients R<=128] [--seconds S] [--brute B]
//   [--check-items K] [--data DIR] [--cache DIR] [--workers W]
//   [--probe-ms MS] [--settle-seconds S]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.h"
#include "registry/testing/statements.h"
#include "tests/e2e/signetd_process.h"

namespace {

namespace fs = std::filesystem;
using namespace signet;
using bench::Clock;
using bench::Since;

constexpr std::size_t kQueryValues = 81;  // 10 s at 8.08/s
constexpr double kSecondsPerPosition = 1365.0 / 11025.0;

struct Args {
  std::string signetd;
  std::size_t recordings = 100000;
  std::size_t positions = 1697;  // 3.5 minutes
  int clients = 16;
  int reg_clients = 64;
  double seconds = 10;
  std::size_t brute = 1000;
  std::size_t check_items = 20000;
  std::string data, cache = "/tmp/signet_bench_cache";
  int workers = 0;
  int probe_ms = 10;
  double settle_seconds = 300;
  std::string command;
};

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) a.command += ' ';
    a.command += argv[i];
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--signetd")
      a.signetd = v;
    else if (k == "--recordings")
      a.recordings = std::stoul(v);
    else if (k == "--positions")
      a.positions = std::stoul(v);
    else if (k == "--clients")
      a.clients = std::stoi(v);
    else if (k == "--reg-clients")
      a.reg_clients = std::stoi(v);
    else if (k == "--seconds")
      a.seconds = std::stod(v);
    else if (k == "--brute")
      a.brute = std::stoul(v);
    else if (k == "--check-items")
      a.check_items = std::stoul(v);
    else if (k == "--data")
      a.data = v;
    else if (k == "--cache")
      a.cache = v;
    else if (k == "--workers")
      a.workers = std::stoi(v);
    else if (k == "--probe-ms")
      a.probe_ms = std::stoi(v);
    else if (k == "--settle-seconds")
      a.settle_seconds = std::stod(v);
    else {
      std::fprintf(stderr, "unknown option %s; see the top of bench/signet_bench.cc\n", k.c_str());
      std::exit(2);
    }
  }
  if (a.signetd.empty() || a.positions < 4 * kQueryValues || a.reg_clients < 1 ||
      a.reg_clients > 128 || a.recordings < static_cast<std::size_t>(a.reg_clients)) {
    std::fprintf(stderr,
                 "usage: signet_bench --signetd PATH [--recordings N>=R] [--positions P>=324] "
                 "[--reg-clients 1<=R<=128] ... (see bench/signet_bench.cc)\n");
    std::exit(2);
  }
  return a;
}

bool HasTitle(const testing::HttpReply& r, std::size_t i) {
  // Best match first: its title is the first "title" in the answer.
  std::string want = "\"";
  want += bench::Title(i);
  want += '"';
  const auto at = r.body.find("\"title\":");
  return at != std::string::npos && r.body.compare(at + 8, want.size(), want) == 0;
}

// Best bit error rate of `q` at every alignment of every reference.
std::size_t BruteForce(const std::vector<std::uint32_t>& q,
                       const std::vector<std::vector<std::uint32_t>>& refs) {
  std::size_t best = 0;
  std::uint32_t best_bits = ~0u;
  for (std::size_t r = 0; r < refs.size(); ++r) {
    for (std::size_t off = 0; off + q.size() <= refs[r].size(); ++off) {
      std::uint32_t bits = 0;
      for (std::size_t i = 0; i < q.size() && bits < best_bits; ++i) {
        bits += static_cast<std::uint32_t>(std::popcount(q[i] ^ refs[r][off + i]));
      }
      if (bits < best_bits) {
        best_bits = bits;
        best = r;
      }
    }
  }
  return best;
}

// POST /v1/check with `lines` over one chunked connection while reading the
// streamed verdicts. Returns the verdict lines read.
std::size_t CheckStream(std::uint16_t port, const std::vector<std::string>& lines,
                        double max_seconds, double* seconds) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  const auto start = Clock::now();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto send_all = [fd](const std::string& s) {
      for (std::size_t sent = 0; sent < s.size();) {
        const ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
      }
      return true;
    };
    if (!send_all("POST /v1/check?purpose=ai_generative_training HTTP/1.1\r\nHost: bench\r\n"
                  "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n")) {
      return;
    }
    std::string chunk;
    for (std::size_t i = 0; i < lines.size() && !stop; ++i) {
      chunk += lines[i];
      if (chunk.size() > (32 << 10) || i + 1 == lines.size()) {
        char len[32];
        std::snprintf(len, sizeof len, "%zx\r\n", chunk.size());
        if (!send_all(len + chunk + "\r\n")) return;
        chunk.clear();
      }
    }
    send_all("0\r\n\r\n");
  });
  std::size_t verdicts = 0;
  std::string carry;
  char buf[1 << 16];
  const std::string needle = "\"line\":";
  while (Since(start) < max_seconds) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    carry.append(buf, static_cast<std::size_t>(n));
    for (std::size_t at = 0; (at = carry.find(needle, at)) != std::string::npos;
         at += needle.size()) {
      ++verdicts;
    }
    const bool done = carry.find("\"summary\"") != std::string::npos;
    // Keep one byte less than the needle: a split needle is completed next time.
    carry.erase(0, carry.size() > needle.size() - 1 ? carry.size() - (needle.size() - 1) : 0);
    if (done) break;
  }
  *seconds = Since(start);
  stop = true;
  ::shutdown(fd, SHUT_RDWR);
  writer.join();
  ::close(fd);
  return verdicts;
}

// From the spawn to the first POST /v1/match that names recording `probe`.
struct Restart {
  double listening_s = 0, first_match_s = 0;
  std::uint64_t rss_kb = 0;
  bool ok = false;
};
Restart TimedStart(testing::SignetdProcess& server, const std::string& probe_body,
                   std::size_t probe) {
  Restart r;
  const auto t0 = Clock::now();
  if (!server.Start()) return r;
  r.listening_s = Since(t0);
  while (Since(t0) < 600) {
    const testing::HttpReply rep = testing::Fetch(server.port(), "POST", "/v1/match", probe_body,
                                                  {{"Content-Type", "application/json"}});
    if (rep.status == 200 && HasTitle(rep, probe)) {
      r.first_match_s = Since(t0);
      r.ok = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.rss_kb = bench::ProcStatusKb(server.pid(), "VmRSS");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = Parse(argc, argv);
  const unsigned cores = std::thread::hardware_concurrency();
  const int workers = a.workers > 0 ? a.workers : static_cast<int>(cores);
  const std::size_t n = a.recordings, r_clients = static_cast<std::size_t>(a.reg_clients);
  const fs::path data =
      a.data.empty() ? fs::temp_directory_path() / ("signet_bench_" + std::to_string(::getpid()))
                     : fs::path(a.data);
  std::fprintf(stderr, "statements: %zu recordings of %zu positions for %d clients in %s...\n", n,
               a.positions, a.reg_clients, a.cache.c_str());
  const bench::StatementCache cache =
      bench::PrepareStatements(a.cache, n, a.positions, r_clients, static_cast<int>(cores));
  fs::remove_all(data);
  fs::create_directories(data);
  testing::SignetdProcess server(
      a.signetd, data,
      {"SIGNET_ACCESS_LOG=0", "SIGNET_RATE_LIMIT=0", "SIGNET_MAX_CONNECTIONS_PER_CLIENT=0",
       "SIGNET_IO_THREADS=1", "SIGNET_WORKER_THREADS=" + std::to_string(workers)});
  if (!server.Start()) {
    std::fprintf(stderr, "signetd did not start: %s\n", server.StderrText().c_str());
    return 1;
  }
  std::vector<std::unique_ptr<bench::StatementReader>> readers;
  for (std::size_t c = 0; c < r_clients; ++c) {
    readers.push_back(std::make_unique<bench::StatementReader>(cache, c));
    std::string artist;
    if (!readers.back()->Next(artist)) return 1;
    testing::Fetch(server.port(), "POST", "/v1/statements", artist,
                   {{"Content-Type", "application/json"}});
  }

  // ---- 2. load, with a paced query probe ------------------------------------
  std::vector<std::atomic<std::size_t>> acked(r_clients);  // registrations per client
  std::atomic<bool> load_done{false};
  std::vector<double> probe_ms;
  std::size_t probe_found = 0;
  std::thread probe([&] {
    std::mt19937_64 rng(3);
    testing::TestConnection conn(server.port());
    std::map<std::size_t, std::string> bodies;
    while (!load_done) {
      const std::size_t c = rng() % r_clients;
      const std::size_t k = acked[c].load();
      if (k == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      // One of client c's registered recordings.
      const std::size_t j = std::min(k - 1, (rng() % 64) * std::max<std::size_t>(1, k / 64));
      const std::size_t i = c + r_clients * j;
      if (bodies.size() > 4096) bodies.clear();
      auto& body = bodies[i];
      if (body.empty()) body = bench::MatchBody(bench::Excerpt(i, a.positions, kQueryValues));
      const auto t0 = Clock::now();
      if (!conn.Send(testing::BuildRequest("POST", "/v1/match", body,
                                           {{"Content-Type", "application/json"}}))) {
        break;
      }
      auto rep = conn.Read(std::chrono::seconds(60));
      probe_ms.push_back(Since(t0) * 1000);
      if (rep && rep->status == 200 && HasTitle(*rep, i)) ++probe_found;
      std::this_thread::sleep_for(std::chrono::milliseconds(a.probe_ms));
    }
  });
  std::vector<double> decile_rate;  // registrations/s in each tenth of the load
  std::thread monitor([&] {
    std::size_t next = 1, last_count = 0;
    auto last_t = Clock::now();
    while (!load_done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      std::size_t total = 0;
      for (const auto& x : acked) total += x.load();
      if (total * 10 >= next * n) {
        decile_rate.push_back(static_cast<double>(total - last_count) / Since(last_t));
        last_count = total;
        last_t = Clock::now();
        std::fprintf(stderr, "  %zu%%: %zu registered, %.0f/s\n", next * 10, total,
                     decile_rate.back());
        ++next;
      }
    }
  });
  std::fprintf(stderr, "load: %d clients registering %zu recordings...\n", a.reg_clients, n);
  const double load_cpu0 = bench::ProcCpuSeconds(server.pid());
  std::vector<std::string> next_statement(r_clients);
  const bench::Rate load = bench::Hammer(
      server.port(), a.reg_clients, 1e9, "/v1/statements", 201,
      [&](int c, std::size_t) {
        const auto cc = static_cast<std::size_t>(c);
        return readers[cc]->Next(next_statement[cc]) ? next_statement[cc] : std::string();
      },
      [&](const testing::HttpReply&, int c, std::size_t) {
        ++acked[static_cast<std::size_t>(c)];
        return true;
      });
  load_done = true;
  const double load_cpu = bench::ProcCpuSeconds(server.pid()) - load_cpu0;
  probe.join();
  monitor.join();

  // ---- 3. settle --------------------------------------------------------------
  std::fprintf(stderr, "settle: waiting for the index's merges...\n");
  const auto settle_t0 = Clock::now();
  int quiet = 0;
  while (Since(settle_t0) < a.settle_seconds && quiet < 3) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto busy = bench::Metric(server.port(), "signet_index_busy");
    const auto segs = bench::Metric(server.port(), "signet_index_segments");
    quiet = busy && *busy == 0 && segs && *segs <= 1 ? quiet + 1 : 0;
  }
  const double settle_s = Since(settle_t0);
  auto metric = [&](const char* name) { return bench::Metric(server.port(), name).value_or(-1); };
  const double positions = metric("signet_index_positions");
  const double segments = metric("signet_index_segments");
  const double index_memory = metric("signet_index_memory_bytes");
  const double posting_bytes = metric("signet_index_posting_bytes");
  const double value_bytes = metric("signet_index_value_bytes");
  const double index_disk = metric("signet_index_disk_bytes");
  const std::uint64_t load_hwm_kb = bench::ProcStatusKb(server.pid(), "VmHWM");
  const std::uint64_t data_bytes = bench::DiskBytes(data);
  const std::uint64_t index_dir_bytes = bench::DiskBytes(data / "registry" / "index");

  // ---- 4. restarts --------------------------------------------------------------
  const std::size_t probe_rec = n / 2;
  const std::string probe_body =
      bench::MatchBody(bench::Excerpt(probe_rec, a.positions, kQueryValues));
  std::fprintf(stderr, "restart after SIGTERM...\n");
  const int stop_status = server.Stop(std::chrono::seconds(300));
  const Restart clean = TimedStart(server, probe_body, probe_rec);
  std::fprintf(stderr, "restart after kill -9...\n");
  server.Kill();
  const Restart crash = TimedStart(server, probe_body, probe_rec);

  // ---- 5. match ------------------------------------------------------------------
  std::vector<std::size_t> pool_rec;
  std::vector<std::string> pool;
  std::mt19937_64 rng(42);
  for (int q = 0; q < 2048; ++q) {
    pool_rec.push_back(rng() % n);
    pool.push_back(bench::MatchBody(bench::Excerpt(pool_rec.back(), a.positions, kQueryValues)));
  }
  auto match_body = [&](int c, std::size_t k) {
    return pool[(static_cast<std::size_t>(c) * 977 + k) % pool.size()];
  };
  auto match_found = [&](const testing::HttpReply& rep, int c, std::size_t k) {
    return HasTitle(rep, pool_rec[(static_cast<std::size_t>(c) * 977 + k) % pool.size()]);
  };
  std::fprintf(stderr, "match: %d clients for %.0f s, then 1 client...\n", a.clients, a.seconds);
  const double match_cpu0 = bench::ProcCpuSeconds(server.pid());
  const bench::Rate match =
      bench::Hammer(server.port(), a.clients, a.seconds, "/v1/match", 200, match_body, match_found);
  const double match_cpu = bench::ProcCpuSeconds(server.pid()) - match_cpu0;
  const bench::Rate single =
      bench::Hammer(server.port(), 1, a.seconds, "/v1/match", 200, match_body, match_found);

  // Brute force over a slice of the references, extrapolated to all.
  std::vector<std::vector<std::uint32_t>> refs;
  const std::size_t brute_n = std::min(a.brute, n);
  for (std::size_t i = 0; i < brute_n; ++i) refs.push_back(bench::Recording(i, a.positions));
  std::size_t brute_found = 0, brute_queries = 0;
  const auto brute_t0 = Clock::now();
  while (brute_queries < 20 && Since(brute_t0) < 10) {
    const std::size_t i = rng() % brute_n;
    brute_found += BruteForce(bench::Excerpt(i, a.positions, kQueryValues), refs) == i;
    ++brute_queries;
  }
  const double brute_ms = Since(brute_t0) * 1000 / static_cast<double>(brute_queries) *
                          static_cast<double>(n) / static_cast<double>(brute_n);

  // ---- 6. check --------------------------------------------------------------------
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < a.check_items; ++i) {
    const auto v =
        i % 2 == 0 ? bench::Excerpt(pool_rec[i / 2 % pool_rec.size()], a.positions, kQueryValues)
                   : registry::testing::RandomFingerprint((1ull << 50) + i, kQueryValues);
    lines.push_back("{\"id\":\"" + std::to_string(i) + "\",\"fingerprint\":\"" +
                    registry::testing::CompressFingerprint(v) + "\"}\n");
  }
  double check_s = 0;
  const std::size_t checked = a.check_items ? CheckStream(server.port(), lines, 300, &check_s) : 0;
  const std::uint64_t hwm_kb = bench::ProcStatusKb(server.pid(), "VmHWM");
  const std::uint64_t rss_kb = bench::ProcStatusKb(server.pid(), "VmRSS");
  const int final_stop = server.Stop(std::chrono::seconds(300));

  // ---- table -------------------------------------------------------------------------
  const double hours = positions * kSecondsPerPosition / 3600;
  const double load_hwm = static_cast<double>(load_hwm_kb) * 1024;
  std::printf("\ncommand: %s\n", a.command.c_str());
  std::printf(
      "signet_bench: %u cores, signetd with %d workers + 1 I/O thread (+ its commit pool), "
      "loopback; %zu recordings x %zu sub-fingerprints (%.1f min) = %.0f positions, %.0f hours\n",
      cores, workers, n, a.positions, static_cast<double>(a.positions) * kSecondsPerPosition / 60,
      positions, hours);
  std::printf("| measure | result | target |\n|---|---|---|\n");
  std::printf(
      "| signed registrations prepared | %zu, %s | - |\n", n,
      cache.reused ? "reused from the cache" : (std::to_string(cache.seconds) + " s").c_str());
  double slowest = 0;
  if (!decile_rate.empty()) slowest = *std::min_element(decile_rate.begin(), decile_rate.end());
  std::printf(
      "| POST /v1/statements, %d clients, the index growing 0 -> %zu | %.0f registered/s (%zu of "
      "%zu 201 in %.0f s), slowest tenth %.0f/s; p50 %.1f ms, p99 %.1f ms, max %.0f ms; signetd "
      "CPU %.2f ms per registration (%.0f/s on %u dedicated cores) | >= 2,000/s |\n",
      a.reg_clients, n, load.per_second(), load.ok, load.requests, load.seconds, slowest,
      load.p50_ms, load.p99_ms, load.max_ms, 1000 * load_cpu / static_cast<double>(load.ok),
      cores * static_cast<double>(load.ok) / load_cpu, cores);
  std::printf(
      "| 10 s query during the load (1 client, %d ms apart) | %zu queries, p50 %.2f ms, p99 %.2f "
      "ms, max %.1f ms, %.1f%% found | p99 <= 5 ms |\n",
      a.probe_ms, probe_ms.size(), bench::Percentile(probe_ms, 0.5),
      bench::Percentile(probe_ms, 0.99),
      probe_ms.empty() ? 0.0 : *std::max_element(probe_ms.begin(), probe_ms.end()),
      probe_ms.empty()
          ? 0.0
          : 100.0 * static_cast<double>(probe_found) / static_cast<double>(probe_ms.size()));
  std::printf("| index after the load | %.0f segment(s), settled in %.0f s | - |\n", segments,
              settle_s);
  std::printf(
      "| signetd peak RSS through the load (VmHWM) | %.0f MB = %.3f MB per indexed hour = %.1f B "
      "per position | <= 12 B/position (100k); <= 0.35 MB/hour with both prints (1M) |\n",
      load_hwm / 1e6, load_hwm / 1e6 / hours, load_hwm / positions);
  std::printf(
      "| index: postings + verification copy / everything (mapped segments, delta, maps) | %.2f + "
      "%.2f = %.2f B / %.2f B per position | <= 6 B/position |\n",
      posting_bytes / positions, value_bytes / positions, (posting_bytes + value_bytes) / positions,
      index_memory / positions);
  std::printf("| disk | data dir %.2f GB, of which index %.2f GB (segments %.2f GB) | - |\n",
              static_cast<double>(data_bytes) / 1e9, static_cast<double>(index_dir_bytes) / 1e9,
              index_disk / 1e9);
  std::printf(
      "| restart after SIGTERM (exit %d): listening / first correct match | %.2f s / %.2f s%s | "
      "<= 1 s (1M) |\n",
      stop_status, clean.listening_s, clean.first_match_s, clean.ok ? "" : " (NO MATCH)");
  std::printf(
      "| restart after kill -9: listening / first correct match | %.2f s / %.2f s%s | <= 1 s "
      "(1M) |\n",
      crash.listening_s, crash.first_match_s, crash.ok ? "" : " (NO MATCH)");
  std::printf(
      "| POST /v1/match, 10 s queries, %d clients | %.0f req/s, p50 %.2f ms, p99 %.2f ms, %zu/%zu "
      "ok, %.1f%% found; signetd CPU %.3f ms per request (%.0f/s on %u dedicated cores) | >= "
      "10,000 req/s (1M) |\n",
      a.clients, match.per_second(), match.p50_ms, match.p99_ms, match.ok, match.requests,
      match.ok ? 100.0 * static_cast<double>(match.found) / static_cast<double>(match.ok) : 0.0,
      1000 * match_cpu / static_cast<double>(match.ok),
      cores * static_cast<double>(match.ok) / match_cpu, cores);
  std::printf(
      "| POST /v1/match, 10 s queries, 1 client (HTTP round trip) | p50 %.2f ms, p99 %.2f ms, "
      "%.1f%% "
      "found | p99 <= 2 ms (1M) |\n",
      single.p50_ms, single.p99_ms,
      single.ok ? 100.0 * static_cast<double>(single.found) / static_cast<double>(single.ok) : 0.0);
  std::printf(
      "| brute-force baseline (this process, %zu queries over %zu refs, extrapolated) | %.0f ms "
      "per "
      "query, %zu/%zu found: the index answers %.0fx faster (1 client) | - |\n",
      brute_queries, brute_n, brute_ms, brute_found, brute_queries, brute_ms / single.p50_ms);
  std::printf("| POST /v1/check stream | %.0f items/s (%zu of %zu verdicts) | - |\n",
              check_s > 0 ? static_cast<double>(checked) / check_s : 0.0, checked, lines.size());
  std::printf(
      "| signetd after the restarts and the queries | VmHWM %.0f MB, VmRSS %.0f MB (after the "
      "kill -9 restart %.0f MB) | - |\n",
      static_cast<double>(hwm_kb) / 1e3, static_cast<double>(rss_kb) / 1e3,
      static_cast<double>(crash.rss_kb) / 1e3);
  std::printf("signetd stop: exit %d\n", final_stop);
  if (!load.other.empty())
    std::printf("first non-201 registration answer: %s\n", load.other.c_str());
  if (!match.other.empty()) std::printf("first non-200 match answer: %s\n", match.other.c_str());
  std::error_code ec;
  if (a.data.empty()) fs::remove_all(data, ec);
  fs::remove(data.string() + ".stderr", ec);
  return final_stop == 0 && clean.ok && crash.ok ? 0 : 1;
}
