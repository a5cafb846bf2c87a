// registry_bench: signed registrations accepted per second through
// Registry::Submit (group commit, synced batches), the time Open takes to
// verify the log and rebuild the fingerprint index, and the time it takes
// when it must also build the search index (a data directory from before
// search: its entries and version removed first). Prints one table.
//
//   registry_bench [--works N] [--artists A] [--clients C] [--values V] [--dir D]
//
// Envelopes are signed before the clock starts (signing is the client's work);
// the timed part is parse + verify + validate + match + apply + fsync.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "registry/keys.h"
#include "registry/registry.h"
#include "registry/rocksdb_store.h"
#include "registry/testing/statements.h"

namespace {

using signet::registry::Registry;
using signet::registry::RegistryOptions;
namespace testing = signet::registry::testing;

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU seconds (user + system) this process has used: unlike the wall clock,
// barely moved by other work on a shared machine.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

std::unique_ptr<Registry> OpenOrDie(const std::string& dir) {
  RegistryOptions o;
  o.log_origin = "signet.bench/log";
  o.server_key = std::make_shared<signet::crypto::SecretKey>(testing::KeyFromSeedByte(77));
  auto r = Registry::Open(dir, std::move(o));
  if (!r.ok()) {
    std::fprintf(stderr, "open: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t works = 20000, artists = 64, clients = 64, values = 240;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::size_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--works")
      works = v;
    else if (flag == "--artists")
      artists = v;
    else if (flag == "--clients")
      clients = v;
    else if (flag == "--values")
      values = v;
    else if (flag == "--dir")
      dir = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 1;
    }
  }
  std::optional<signet::TempDir> own_dir;  // removed at exit
  if (dir.empty()) {
    auto made = signet::TempDir::Create("signet-bench");
    if (!made.ok()) {
      std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
      return 1;
    }
    own_dir = std::move(*made);
    dir = own_dir->path().string();
  }

  // Sign everything first.
  std::vector<testing::TestArtist> people;
  std::vector<std::string> registrations;
  for (std::size_t a = 0; a < artists; ++a) {
    people.push_back(testing::TestArtist::FromSeedByte(static_cast<std::uint8_t>(a), "Bench"));
    registrations.push_back(people.back().Register());
  }
  std::vector<std::vector<std::string>> per_client(clients);
  for (std::size_t w = 0; w < works; ++w) {
    testing::WorkSpec spec;
    spec.values = testing::RandomFingerprint(w + 1, values);
    // Each artist's statements must arrive in seq order: one client per artist.
    const std::size_t a = w % artists;
    per_client[a % clients].push_back(people[a].RegisterWork(spec));
  }

  auto reg = OpenOrDie(dir);
  for (const auto& r : registrations) {
    if (!reg->Submit(r).ok()) return 1;
  }
  const auto groups0 = reg->GetStats().commit_groups;
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  std::vector<std::thread> threads;
  std::atomic<std::size_t> failed{0};
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (const auto& e : per_client[c]) {
        auto r = reg->Submit(e);
        if (!r.ok()) {
          if (failed++ == 0) std::fprintf(stderr, "submit: %s\n", r.status().ToString().c_str());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double submit_s = Seconds(std::chrono::steady_clock::now() - t0);
  const double submit_cpu = CpuSeconds() - cpu0;
  const auto stats = reg->GetStats();
  const double groups = static_cast<double>(stats.commit_groups - groups0);
  reg.reset();

  const auto t1 = std::chrono::steady_clock::now();
  reg = OpenOrDie(dir);
  const double open_s = Seconds(std::chrono::steady_clock::now() - t1);
  const auto after = reg->GetStats();
  reg.reset();

  // The same directory as one from before search: no entries, no version.
  std::size_t search_keys = 0;
  {
    auto store = signet::registry::RocksDbStore::Open(dir);
    if (!store.ok()) return 1;
    signet::registry::WriteSet ws;
    auto st = (*store)->Scan(signet::registry::Column::kSearch, "", "",
                             [&](std::string_view k, std::string_view) {
                               ws.Delete(signet::registry::Column::kSearch, std::string(k));
                               ++search_keys;
                               return true;
                             });
    ws.Delete(signet::registry::Column::kMeta,
              std::string(signet::registry::keys::kSearchIndexVersion));
    if (!st.ok() || !(*store)->Write(ws).ok()) return 1;
  }
  const auto t2 = std::chrono::steady_clock::now();
  reg = OpenOrDie(dir);
  const double backfill_open_s = Seconds(std::chrono::steady_clock::now() - t2);
  const auto backfilled = reg->GetStats();
  reg.reset();

  std::printf("registry_bench (%u hardware threads)\n", std::thread::hardware_concurrency());
  std::printf("%-44s %12s\n", "measure", "value");
  std::printf("%-44s %12zu\n", "work.register statements", works);
  std::printf("%-44s %12zu\n", "sub-fingerprints per work", values);
  std::printf("%-44s %12zu\n", "concurrent clients", clients);
  std::printf("%-44s %12zu\n", "rejected", failed.load());
  std::printf("%-44s %12.0f\n", "accepted registrations / s", works / submit_s);
  std::printf("%-44s %12.1f\n", "statements per synced batch (mean)", works / groups);
  std::printf("%-44s %12.0f\n", "CPU per accepted registration (us)", submit_cpu / works * 1e6);
  std::printf("%-44s %12.3f\n", "Open: verify log + rebuild index (s)", open_s);
  std::printf("%-44s %12llu\n", "works indexed after Open",
              static_cast<unsigned long long>(after.indexed_works));
  std::printf("%-44s %12zu\n", "search index entries", search_keys);
  std::printf("%-44s %12.3f\n", "Open with a search-index backfill (s)", backfill_open_s);
  std::printf("%-44s %12.3f\n", "  of which the backfill (s)",
              backfilled.search_index_backfill_seconds);
  std::printf("%-44s %12llu\n", "  works backfilled",
              static_cast<unsigned long long>(backfilled.search_index_backfilled_works));
  return failed.load() == 0 ? 0 : 1;
}
