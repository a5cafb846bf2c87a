#include "bench/bench_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "fingerprint/testing/synthetic.h"
#include "registry/testing/statements.h"

namespace signet::bench {

namespace fs = std::filesystem;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<std::uint32_t> Recording(std::size_t i, std::size_t positions) {
  return fp::SyntheticFingerprints(0x5167 + i).Recording(positions);
}

std::size_t QueryOffset(std::size_t i, std::size_t positions) {
  return (i * 2654435761u) % (positions - 81);
}

std::vector<std::uint32_t> Excerpt(std::size_t i, std::size_t positions, std::size_t length) {
  const auto r = Recording(i, positions);
  const std::size_t off = std::min(QueryOffset(i, positions), positions - length);
  return {r.begin() + static_cast<long>(off), r.begin() + static_cast<long>(off + length)};
}

std::string MatchBody(const std::vector<std::uint32_t>& q) {
  std::string s = "{\"fingerprint\":[";
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(q[i]);
  }
  return s + "]}";
}

std::string Title(std::size_t i) { return "synthetic " + std::to_string(i); }

namespace {

fs::path ClientFile(const fs::path& dir, std::size_t c) {
  return dir / ("client-" + std::to_string(c) + ".bin");
}

void Put(std::FILE* f, const std::string& s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  std::fwrite(&n, sizeof n, 1, f);
  std::fwrite(s.data(), 1, s.size(), f);
}

}  // namespace

StatementCache PrepareStatements(const fs::path& dir, std::size_t recordings, std::size_t positions,
                                 std::size_t clients, int threads) {
  StatementCache c{dir, recordings, positions, clients, false, 0};
  std::ostringstream meta;
  meta << "signet_bench statements v1 recordings=" << recordings << " positions=" << positions
       << " clients=" << clients << "\n";
  {
    std::ifstream in(dir / "meta.txt");
    std::stringstream have;
    have << in.rdbuf();
    if (have.str() == meta.str()) {
      c.reused = true;
      return c;
    }
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto t0 = Clock::now();
  std::atomic<std::size_t> done{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t client = static_cast<std::size_t>(t); client < clients;
           client += static_cast<std::size_t>(threads)) {
        auto artist = registry::testing::TestArtist::FromSeedByte(
            static_cast<std::uint8_t>(client), "Bench " + std::to_string(client));
        std::FILE* f = std::fopen(ClientFile(dir, client).c_str(), "wb");
        if (f == nullptr) std::abort();
        Put(f, artist.Register());
        for (std::size_t i = client; i < recordings; i += clients) {
          registry::testing::WorkSpec spec;
          spec.title = Title(i);
          spec.values = Recording(i, positions);
          Put(f, artist.RegisterWork(spec));
          const std::size_t n = ++done;
          if (n % 50000 == 0) {
            std::fprintf(stderr, "  signed %zu of %zu registrations (%.0f s)\n", n, recordings,
                         Since(t0));
          }
        }
        std::fclose(f);
      }
    });
  }
  for (auto& th : pool) th.join();
  std::ofstream(dir / "meta.txt") << meta.str();
  c.seconds = Since(t0);
  return c;
}

StatementReader::StatementReader(const StatementCache& cache, std::size_t client)
    : f_(std::fopen(ClientFile(cache.dir, client).c_str(), "rb")) {}

StatementReader::~StatementReader() {
  if (f_ != nullptr) std::fclose(f_);
}

bool StatementReader::Next(std::string& out) {
  std::uint32_t n = 0;
  if (f_ == nullptr || std::fread(&n, sizeof n, 1, f_) != 1) return false;
  out.resize(n);
  return std::fread(out.data(), 1, n, f_) == n;
}

Rate Hammer(std::uint16_t port, int clients, double seconds, const std::string& target,
            int ok_status, const std::function<std::string(int, std::size_t)>& body_of,
            const std::function<bool(const testing::HttpReply&, int, std::size_t)>& found,
            std::chrono::microseconds pause) {
  return RunClients(
      clients, seconds,
      [&](int c) {
        auto conn = std::make_shared<std::unique_ptr<testing::TestConnection>>(
            std::make_unique<testing::TestConnection>(port));
        return [&, c, conn](std::size_t n) -> std::optional<Outcome> {
          std::string body = body_of(c, n);
          if (body.empty()) return std::nullopt;
          std::optional<testing::HttpReply> r;
          if ((*conn)->Send(testing::BuildRequest("POST", target, body,
                                                  {{"Content-Type", "application/json"}}))) {
            r = (*conn)->Read(std::chrono::seconds(60));
          }
          if (!r || !r->keep_alive) *conn = std::make_unique<testing::TestConnection>(port);
          if (r && r->status == ok_status) return Outcome{true, found(*r, c, n), ""};
          return Outcome{
              false, false,
              r ? std::to_string(r->status) + " " + r->body.substr(0, 300) : "no answer"};
        };
      },
      pause);
}

std::uint64_t ProcStatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0)
      return std::strtoull(line.c_str() + field.size() + 1, nullptr, 10);
  }
  return 0;
}

double ProcCpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto r = line.rfind(')');
  if (r == std::string::npos) return 0;
  std::istringstream fields(line.substr(r + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int k = 3; fields >> f; ++k) {  // field 3 is the state; 14 utime, 15 stime
    if (k == 14) utime = std::stoull(f);
    if (k == 15) {
      stime = std::stoull(f);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<double> Metric(std::uint16_t port, const std::string& name) {
  const testing::HttpReply r = testing::Fetch(port, "GET", "/metrics");
  if (r.status != 200) return std::nullopt;
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return std::nullopt;
}

std::uint64_t DiskBytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

}  // namespace signet::bench
