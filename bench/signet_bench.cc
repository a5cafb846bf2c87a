// signet_bench: signetd under load on loopback, with an index of N recordings
// (default 100,000), each phase bounded in time. Prints one table.
//
//  1. Bulk load (in-process, before the server starts): N synthetic
//     recordings (fingerprint/testing/synthetic.h) of --positions sub-fingerprints
//     plus the real corpus (every *.ogg in --music), registered as signed
//     work.register statements through Registry::Submit by concurrent
//     loader threads, into DATA/registry with the server key in
//     DATA/server.key: exactly what signetd opens. This is the fast way to
//     get a big registry: no HTTP, but every statement is still verified,
//     matched for disputes, logged and fsynced in groups.
//  2. signetd is started on 127.0.0.1:0 over that data dir.
//  3. Match: C keep-alive clients POST /v1/match with 10 s excerpts (81
//     sub-fingerprints at a random offset of a random registered recording)
//     for --seconds; requests/s, p50/p99 latency, share found. Baseline in
//     the same run: a brute-force scan (no index) of the same queries over
//     --brute recordings in this process, extrapolated to N.
//  4. Registrations: R clients POST pre-signed work.register statements of
//     --reg-values synthetic sub-fingerprints each (default 160 = 20 s; 1450
//     is a 3-minute track) for --seconds (signing is the artists' work, done
//     before the clock starts).
//  5. Check: one POST /v1/check streaming --check-items NDJSON items (10 s
//     fingerprints, half registered, half not) while reading the verdicts.
//  6. signetd's memory: VmHWM and VmRSS from /proc/PID/status.
//
// Usage: signet_bench --signetd PATH [--recordings N] [--positions P]
//   [--seconds S] [--clients C] [--reg-clients R] [--reg-values V] [--check-items K] [--brute B]
//   [--data DIR] [--music DIR] [--workers W] [--port P --pid PID]
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/ed25519.h"
#include "fingerprint/extract.h"
#include "fingerprint/testing/synthetic.h"
#include "registry/registry.h"
#include "registry/testing/statements.h"
#include "tests/e2e/signetd_process.h"
#include "tests/server/test_client.h"

namespace {

namespace fs = std::filesystem;
using namespace signet;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string signetd;
  std::size_t recordings = 100000;
  std::size_t positions = 485;  // 60 s of audio
  double seconds = 10;
  int clients = 16;
  int reg_clients = 64;          // group commit: more in flight, bigger groups
  std::size_t reg_values = 160;  // sub-fingerprints per registered work (20 s)
  std::size_t check_items = 100000;
  std::size_t brute = 2000;
  std::string data;
  std::string music = "/usr/share/games/wesnoth/1.16/data/core/music";
  int workers = 0;  // 0: nproc
  // A signetd already running over a data dir this program loaded earlier
  // (--data DIR kept, same --recordings/--positions): skip steps 1-2.
  int port = 0;
  int pid = 0;
};

constexpr std::size_t kArtists = 128;     // seed bytes 0..127; registration clients use 128..255
constexpr std::size_t kQueryValues = 81;  // 10 s at 8.08/s

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Recording i: synthetic seed i, registered by artist i % kArtists.
std::vector<std::uint32_t> Synthetic(std::size_t i, std::size_t positions) {
  return fp::SyntheticFingerprints(0x5167 + i).Recording(positions);
}

struct Corpus {
  std::vector<std::vector<std::uint32_t>> values;  // real recordings
  std::vector<std::string> names;
};

Corpus LoadCorpus(const std::string& dir) {
  Corpus c;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".ogg") continue;
    auto r = fp::FingerprintFile(e.path().string());
    if (!r.ok() || r->fingerprint.values.size() < 2 * kQueryValues) continue;
    c.values.push_back(r->fingerprint.values);
    c.names.push_back(e.path().filename().string());
  }
  return c;
}

struct LoadResult {
  std::size_t accepted = 0;
  double seconds = 0;
  std::vector<std::string> artist_ids;
};

LoadResult BulkLoad(const Args& a, const fs::path& data, const Corpus& corpus) {
  auto key = crypto::SecretKey::Generate();
  if (!key.ok() || !crypto::WriteSecretKeyFile(data / "server.key", *key).ok()) {
    std::fprintf(stderr, "cannot write the server key\n");
    std::exit(1);
  }
  registry::RegistryOptions o;
  o.log_origin = "signet.localhost/log";  // signetd's default
  o.server_key = std::make_shared<const crypto::SecretKey>(std::move(*key));
  auto reg = registry::Registry::Open(data / "registry", std::move(o));
  if (!reg.ok()) {
    std::fprintf(stderr, "open: %s\n", reg.status().ToString().c_str());
    std::exit(1);
  }
  LoadResult out;
  std::vector<TestArtist> artists;
  for (std::size_t i = 0; i < kArtists; ++i) {
    artists.push_back(
        TestArtist::FromSeedByte(static_cast<std::uint8_t>(i), "Bench " + std::to_string(i)));
    out.artist_ids.push_back(artists.back().id());
  }
  const int threads = 64;  // big commit groups; most of them wait on fsync
  std::atomic<std::size_t> accepted{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      // Thread t owns the artists a with a % threads == t.
      for (std::size_t ai = static_cast<std::size_t>(t); ai < kArtists;
           ai += static_cast<std::size_t>(threads)) {
        if (!(*reg)->Submit(artists[ai].Register()).ok()) failed = true;
        for (std::size_t i = ai; i < a.recordings; i += kArtists) {
          WorkSpec spec;
          spec.title = "synthetic " + std::to_string(i);
          spec.values = Synthetic(i, a.positions);
          auto r = (*reg)->Submit(artists[ai].RegisterWork(spec));
          if (r.ok()) {
            ++accepted;
          } else if (!failed.exchange(true)) {
            std::fprintf(stderr, "load: %s\n", r.status().ToString().c_str());
          }
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  TestArtist& corpus_artist = artists.back();
  for (std::size_t i = 0; i < corpus.values.size(); ++i) {
    WorkSpec spec;
    spec.title = corpus.names[i];
    spec.values = corpus.values[i];
    if ((*reg)->Submit(corpus_artist.RegisterWork(spec)).ok()) ++accepted;
  }
  out.seconds = Since(start);
  out.accepted = accepted;
  if (failed) std::fprintf(stderr, "load: some registrations failed\n");
  return out;
}

std::string MatchBody(const std::vector<std::uint32_t>& q) {
  std::string s = "{\"fingerprint\":[";
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(q[i]);
  }
  return s + "]}";
}

// A 10 s query: an excerpt of a registered recording (synthetic or real).
struct Query {
  std::vector<std::uint32_t> values;
  std::size_t recording;  // index: synthetic < N, then corpus
};

Query MakeQuery(std::mt19937_64& rng, const Args& a, const Corpus& corpus) {
  std::size_t total = a.recordings + corpus.values.size();
  std::size_t r = std::uniform_int_distribution<std::size_t>(0, total - 1)(rng);
  std::vector<std::uint32_t> full =
      r < a.recordings ? Synthetic(r, a.positions) : corpus.values[r - a.recordings];
  std::size_t off = std::uniform_int_distribution<std::size_t>(0, full.size() - kQueryValues)(rng);
  return {
      std::vector<std::uint32_t>(full.begin() + static_cast<std::ptrdiff_t>(off),
                                 full.begin() + static_cast<std::ptrdiff_t>(off + kQueryValues)),
      r};
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

struct Rate {
  std::size_t requests = 0, ok = 0, found = 0;
  std::string other;  // the first answer that was not ok_status, for the report
  double seconds = 0, p50_ms = 0, p99_ms = 0;
};

// C keep-alive clients sending `body_of(client, n)` for `seconds`; a reply
// counts as ok when its status is `ok_status`; `found(reply, client, n)`.
template <typename BodyFn, typename FoundFn>
Rate Hammer(std::uint16_t port, int clients, double seconds, const std::string& target,
            int ok_status, BodyFn body_of, FoundFn found) {
  std::mutex mu;
  std::vector<double> lat;
  Rate rate;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int c = 0; c < clients; ++c) {
    pool.emplace_back([&, c] {
      std::vector<double> mine;
      std::size_t ok = 0, hits = 0;
      std::string mine_other;
      auto conn = std::make_unique<testing::TestConnection>(port);
      for (std::size_t n = 0; Clock::now() < end; ++n) {
        std::string body = body_of(c, n);
        if (body.empty()) break;
        auto t0 = Clock::now();
        std::optional<testing::HttpReply> r;
        if (conn->Send(testing::BuildRequest("POST", target, body,
                                             {{"Content-Type", "application/json"}}))) {
          r = conn->Read();
        }
        mine.push_back(Since(t0) * 1000);
        if (!r || !r->keep_alive) conn = std::make_unique<testing::TestConnection>(port);
        if (r && r->status == ok_status) {
          ++ok;
          if (found(*r, c, n)) ++hits;
        } else if (mine_other.empty()) {
          mine_other = r ? std::to_string(r->status) + " " + r->body.substr(0, 300) : "no answer";
        }
      }
      std::lock_guard lock(mu);
      lat.insert(lat.end(), mine.begin(), mine.end());
      rate.ok += ok;
      rate.found += hits;
      if (rate.other.empty()) rate.other = mine_other;
    });
  }
  for (auto& t : pool) t.join();
  rate.seconds = Since(start);
  rate.requests = lat.size();
  rate.p50_ms = Percentile(lat, 0.50);
  rate.p99_ms = Percentile(lat, 0.99);
  return rate;
}

// The brute-force baseline: best bit error rate of the query at every
// alignment of every reference; the reference with the lowest wins.
std::size_t BruteForce(const std::vector<std::uint32_t>& q,
                       const std::vector<std::vector<std::uint32_t>>& refs) {
  std::size_t best = 0;
  std::uint32_t best_bits = ~0u;
  for (std::size_t r = 0; r < refs.size(); ++r) {
    const auto& ref = refs[r];
    for (std::size_t off = 0; off + q.size() <= ref.size(); ++off) {
      std::uint32_t bits = 0;
      for (std::size_t i = 0; i < q.size() && bits < best_bits; ++i) {
        bits += static_cast<std::uint32_t>(std::popcount(q[i] ^ ref[off + i]));
      }
      if (bits < best_bits) {
        best_bits = bits;
        best = r;
      }
    }
  }
  return best;
}

// POST /v1/check with `items` lines over one connection, chunked, reading the
// streamed verdicts at the same time. Returns verdict lines read.
std::size_t CheckStream(std::uint16_t port, const std::vector<std::string>& lines,
                        double max_seconds, double* seconds) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
  auto start = Clock::now();
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::string head =
        "POST /v1/check?purpose=ai_generative_training HTTP/1.1\r\nHost: bench\r\n"
        "Content-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n";
    auto send_all = [fd](const std::string& s) {
      std::size_t sent = 0;
      while (sent < s.size()) {
        ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return false;
        sent += static_cast<std::size_t>(n);
      }
      return true;
    };
    if (!send_all(head)) return;
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
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    carry.append(buf, static_cast<std::size_t>(n));
    std::size_t at = 0;
    while ((at = carry.find(needle, at)) != std::string::npos) {
      ++verdicts;
      at += needle.size();
    }
    bool done = carry.find("\"summary\"") != std::string::npos;
    // Keep one byte less than the needle: a needle split by the read is
    // completed next time, and a whole one already counted is not kept.
    const std::size_t keep = needle.size() - 1;
    carry.erase(0, carry.size() > keep ? carry.size() - keep : 0);
    if (done) break;
  }
  *seconds = Since(start);
  stop = true;
  ::shutdown(fd, SHUT_RDWR);
  writer.join();
  ::close(fd);
  return verdicts;
}

pid_t ChildNamed(const std::string& comm) {
  DIR* d = ::opendir("/proc");
  pid_t found = -1;
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    pid_t pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto l = line.find('('), r = line.rfind(')');
    if (l == std::string::npos || r == std::string::npos) continue;
    int ppid = std::atoi(line.c_str() + r + 4);
    if (line.substr(l + 1, r - l - 1) == comm && ppid == ::getpid()) found = pid;
  }
  if (d) ::closedir(d);
  return found;
}

std::string ProcStatus(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      auto v = line.substr(field.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "?";
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--signetd")
      a.signetd = v;
    else if (k == "--recordings")
      a.recordings = std::stoul(v);
    else if (k == "--positions")
      a.positions = std::stoul(v);
    else if (k == "--seconds")
      a.seconds = std::stod(v);
    else if (k == "--clients")
      a.clients = std::stoi(v);
    else if (k == "--reg-clients")
      a.reg_clients = std::stoi(v);
    else if (k == "--reg-values")
      a.reg_values = std::stoul(v);
    else if (k == "--check-items")
      a.check_items = std::stoul(v);
    else if (k == "--brute")
      a.brute = std::stoul(v);
    else if (k == "--data")
      a.data = v;
    else if (k == "--music")
      a.music = v;
    else if (k == "--workers")
      a.workers = std::stoi(v);
    else if (k == "--port")
      a.port = std::stoi(v);
    else if (k == "--pid")
      a.pid = std::stoi(v);
    else {
      std::fprintf(stderr,
                   "unknown option %s; see the comment at the top of bench/signet_bench.cc\n",
                   k.c_str());
      std::exit(2);
    }
  }
  if (a.signetd.empty() || a.positions < 2 * kQueryValues || a.reg_clients < 1 ||
      a.reg_values < 40) {
    std::fprintf(
        stderr,
        "usage: signet_bench --signetd PATH [--recordings N] [--positions P>=%zu] "
        "[--seconds S] [--clients C] [--reg-clients R>=1] [--reg-values V>=40] [--check-items K] "
        "[--brute B] [--data DIR] [--music DIR] [--workers W] [--port P --pid PID]\n",
        2 * kQueryValues);
    std::exit(2);
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args a = Parse(argc, argv);
  const unsigned cores = std::thread::hardware_concurrency();
  const int workers = a.workers > 0 ? a.workers : static_cast<int>(cores);
  fs::path data = a.data.empty()
                      ? fs::temp_directory_path() / ("signet_bench_" + std::to_string(::getpid()))
                      : fs::path(a.data);
  if (a.port == 0) {
    fs::remove_all(data);
    fs::create_directories(data);
  }

  std::fprintf(stderr, "fingerprinting the corpus in %s...\n", a.music.c_str());
  Corpus corpus = LoadCorpus(a.music);
  std::fprintf(stderr, "bulk-loading %zu synthetic + %zu real recordings...\n", a.recordings,
               corpus.values.size());
  LoadResult load;
  if (a.port == 0) {
    load = BulkLoad(a, data, corpus);
    std::fprintf(stderr, "loaded %zu in %.1f s\n", load.accepted, load.seconds);
  } else {
    load.accepted = a.recordings + corpus.values.size();
    load.seconds = 1e-9;
  }

  testing::SignetdProcess server(
      a.signetd, data,
      {"SIGNET_ACCESS_LOG=0", "SIGNET_RATE_LIMIT=0", "SIGNET_MAX_CONNECTIONS_PER_CLIENT=0",
       "SIGNET_IO_THREADS=1", "SIGNET_WORKER_THREADS=" + std::to_string(workers)});
  auto open_start = Clock::now();
  if (a.port == 0 && !server.Start()) {
    std::fprintf(stderr, "signetd did not start: %s\n", server.StderrText().c_str());
    return 1;
  }
  const double open_seconds = a.port == 0 ? Since(open_start) : 0;
  const std::uint16_t port = a.port == 0 ? server.port() : static_cast<std::uint16_t>(a.port);
  const pid_t pid = a.port == 0 ? ChildNamed("signetd") : a.pid;
  const std::string rss_idle = pid > 0 ? ProcStatus(pid, "VmRSS") : "?";

  // Match.
  std::vector<std::vector<Query>> queries(static_cast<std::size_t>(a.clients));
  std::mt19937_64 rng(42);
  for (auto& qs : queries) {
    for (int i = 0; i < 4096; ++i) qs.push_back(MakeQuery(rng, a, corpus));
  }
  std::vector<std::vector<std::string>> bodies(queries.size());
  for (std::size_t c = 0; c < queries.size(); ++c) {
    for (const auto& q : queries[c]) bodies[c].push_back(MatchBody(q.values));
  }
  std::fprintf(stderr, "match: %d clients for %.0f s...\n", a.clients, a.seconds);
  Rate match = Hammer(
      port, a.clients, a.seconds, "/v1/match", 200,
      [&](int c, std::size_t n) { return bodies[static_cast<std::size_t>(c)][n % 4096]; },
      [&](const testing::HttpReply& r, int c, std::size_t n) {
        const Query& q = queries[static_cast<std::size_t>(c)][n % 4096];
        std::string title = q.recording < a.recordings
                                ? "\"synthetic " + std::to_string(q.recording) + "\""
                                : "\"" + corpus.names[q.recording - a.recordings] + "\"";
        // Best match first: its title is the first "title" in the answer.
        auto at = r.body.find("\"title\":");
        return at != std::string::npos && r.body.compare(at + 8, title.size(), title) == 0;
      });

  // Brute-force baseline over a slice of the references, extrapolated.
  std::vector<std::vector<std::uint32_t>> refs;
  const std::size_t brute_n = std::min(a.brute, a.recordings);
  for (std::size_t i = 0; i < brute_n; ++i) refs.push_back(Synthetic(i, a.positions));
  std::size_t brute_found = 0, brute_queries = 0;
  auto brute_start = Clock::now();
  std::mt19937_64 brng(7);
  while (brute_queries < 20 && Since(brute_start) < 5) {
    std::size_t r = std::uniform_int_distribution<std::size_t>(0, brute_n - 1)(brng);
    std::size_t off =
        std::uniform_int_distribution<std::size_t>(0, a.positions - kQueryValues)(brng);
    std::vector<std::uint32_t> q(refs[r].begin() + static_cast<std::ptrdiff_t>(off),
                                 refs[r].begin() + static_cast<std::ptrdiff_t>(off + kQueryValues));
    brute_found += BruteForce(q, refs) == r;
    ++brute_queries;
  }
  const double brute_per_query = Since(brute_start) / static_cast<double>(brute_queries) *
                                 static_cast<double>(a.recordings) / static_cast<double>(brute_n);
  const double brute_rps = static_cast<double>(cores) / brute_per_query;

  // Registrations: pre-signed, new artists (registered first, untimed).
  std::fprintf(stderr, "registrations: signing...\n");
  const std::size_t per_client = static_cast<std::size_t>(a.seconds * 4000 / a.reg_clients) + 64;
  std::vector<std::vector<std::string>> regs(static_cast<std::size_t>(a.reg_clients));
  {
    std::vector<std::thread> signers;
    for (int c = 0; c < a.reg_clients; ++c) {
      signers.emplace_back([&, c] {
        TestArtist artist =
            TestArtist::FromSeedByte(static_cast<std::uint8_t>(128 + c % 128), "Reg");
        auto& out = regs[static_cast<std::size_t>(c)];
        out.push_back(artist.Register());
        for (std::size_t i = 0; i < per_client; ++i) {
          WorkSpec spec;
          spec.title = "reg";
          // Music-like (fingerprint/testing/synthetic.h), not uniform noise: the
          // dispute search of a registration costs what a real track's does.
          spec.values = fp::SyntheticFingerprints((std::uint64_t{1} << 40) +
                                                  static_cast<std::uint64_t>(c) * per_client + i)
                            .Recording(a.reg_values);
          out.push_back(artist.RegisterWork(spec));
        }
      });
    }
    for (auto& t : signers) t.join();
  }
  for (auto& r : regs) {
    testing::Fetch(port, "POST", "/v1/statements", r.front(),
                   {{"Content-Type", "application/json"}});
  }
  std::fprintf(stderr, "registrations: %d clients for %.0f s...\n", a.reg_clients, a.seconds);
  Rate reg = Hammer(
      port, a.reg_clients, a.seconds, "/v1/statements", 201,
      [&](int c, std::size_t n) {
        auto& r = regs[static_cast<std::size_t>(c)];
        return n + 1 < r.size() ? r[n + 1] : std::string();
      },
      [](const testing::HttpReply&, int, std::size_t) { return true; });

  // Check: a stream of items, half excerpts of registered recordings.
  std::vector<std::string> lines;
  std::mt19937_64 crng(99);
  for (std::size_t i = 0; i < a.check_items; ++i) {
    std::vector<std::uint32_t> v = i % 2 == 0 ? MakeQuery(crng, a, corpus).values
                                              : registry::testing::RandomFingerprint(
                                                    (std::uint64_t{1} << 50) + i, kQueryValues);
    lines.push_back("{\"id\":\"" + std::to_string(i) + "\",\"fingerprint\":\"" +
                    registry::testing::CompressFingerprint(v) + "\"}\n");
  }
  std::fprintf(stderr, "check: %zu items...\n", lines.size());
  double check_seconds = 0;
  std::size_t checked = CheckStream(port, lines, std::max(150.0, a.seconds * 15), &check_seconds);

  const std::string hwm = pid > 0 ? ProcStatus(pid, "VmHWM") : "?";
  const std::string rss = pid > 0 ? ProcStatus(pid, "VmRSS") : "?";
  int stop = a.port == 0 ? server.Stop() : 0;

  std::printf(
      "\nsignet_bench: %u cores, signetd with %d worker + 1 I/O thread (+ its commit pool for "
      "writes), loopback, %d clients\n",
      cores, workers, a.clients);
  std::printf(
      "index: %zu recordings (%zu synthetic x %zu sub-fingerprints = %.0f s each, + %zu real)\n",
      load.accepted, a.recordings, a.positions, static_cast<double>(a.positions) / 8.08,
      corpus.values.size());
  std::printf("| measure | result | target (2 cores) |\n|---|---|---|\n");
  if (a.port == 0) {
    std::printf(
        "| bulk load (in-process Registry::Submit, 64 threads) | %.0f registrations/s (%.1f s) | "
        "- |\n",
        static_cast<double>(load.accepted) / load.seconds, load.seconds);
    std::printf("| signetd start (open + index rebuild) | %.1f s | - |\n", open_seconds);
  } else {
    std::printf(
        "| bulk load, signetd start | not measured: --port %d names a server started elsewhere | "
        "- |\n",
        a.port);
  }
  std::printf(
      "| POST /v1/match, 10 s queries | %.0f req/s, p50 %.1f ms, p99 %.1f ms, %zu/%zu ok, %.1f%% "
      "found | >= 2,000 req/s at p99 <= 20 ms |\n",
      static_cast<double>(match.requests) / match.seconds, match.p50_ms, match.p99_ms, match.ok,
      match.requests,
      match.ok ? 100.0 * static_cast<double>(match.found) / static_cast<double>(match.ok) : 0.0);
  std::printf(
      "| brute-force baseline (no index, %u cores, from %zu queries over %zu refs) | %.2f req/s, "
      "%.0f ms/query/core, %zu/%zu found | - |\n",
      cores, brute_queries, brute_n, brute_rps, brute_per_query * 1000, brute_found, brute_queries);
  std::printf(
      "| POST /v1/statements, signed work.register of %zu sub-fingerprints, %d clients | %.0f "
      "accepted/s (%zu of %zu 201), p50 %.1f ms, p99 %.1f ms | >= 2,000/s |\n",
      a.reg_values, a.reg_clients, static_cast<double>(reg.ok) / reg.seconds, reg.ok, reg.requests,
      reg.p50_ms, reg.p99_ms);
  std::printf(
      "| POST /v1/check stream | %.0f items/s (%zu of %zu verdicts in %.1f s) | >= 1,000 items/s "
      "|\n",
      static_cast<double>(checked) / check_seconds, checked, lines.size(), check_seconds);
  std::printf("| signetd memory | VmHWM %s, VmRSS %s (after start: %s) | - |\n", hwm.c_str(),
              rss.c_str(), rss_idle.c_str());
  std::printf("signetd clean stop: exit %d\n", stop);
  if (!match.other.empty()) std::printf("first non-200 match answer: %s\n", match.other.c_str());
  if (!reg.other.empty()) std::printf("first non-201 registration answer: %s\n", reg.other.c_str());
  std::error_code ec;
  if (a.data.empty() && a.port == 0) fs::remove_all(data, ec);
  fs::remove(data.string() + ".stderr", ec);
  return stop == 0 ? 0 : 1;
}
