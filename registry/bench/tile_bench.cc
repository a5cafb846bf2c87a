// tile_bench: how long serving a C2SP tlog-tiles hash tile or entry bundle
// takes from RocksDB (TransparencyLog::NodeHashes / Leaves, one range scan
// each), against two baselines measured in the same run on the same data:
// reading the tile's 256 stored nodes with one Get each, and recomputing the
// tile from its leaves (what a log that stores no node hashes must do; for a
// level-1 tile that is 65,536 leaves). Prints one table.
//
//   tile_bench [--leaves N] [--leaf-bytes B] [--reads R] [--dir D]
//
// The log is built directly through TransparencyLog (no statements, no
// signatures), in synced groups of 4,096 leaves, then reopened so that reads
// come from RocksDB's files rather than its memtable.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crypto/merkle.h"
#include "crypto/tiles.h"
#include "registry/log_signer.h"
#include "registry/overlay.h"
#include "registry/rocksdb_store.h"
#include "registry/testing/statements.h"
#include "registry/transparency_log.h"

namespace {

namespace fs = std::filesystem;
namespace registry = signet::registry;
namespace tiles = signet::crypto::tiles;
namespace merkle = signet::crypto::merkle;
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what, const signet::Status& s) {
  std::fprintf(stderr, "tile_bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(signet::Result<T> r, const std::string& what) {
  if (!r.ok()) Die(what, r.status());
  return std::move(*r);
}

registry::LogSigner Signer() {
  return Must(registry::LogSigner::Create("signet.bench/log", "signet.bench/log",
                                          registry::testing::KeyFromSeedByte(9)),
              "signer");
}

struct Timing {
  double p50_us = 0, p99_us = 0, mean_us = 0;
};

template <typename Fn>
Timing Measure(int reads, Fn fn) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(reads));
  for (int i = 0; i < reads; ++i) {
    const auto t0 = Clock::now();
    fn(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  Timing t;
  t.p50_us = us[us.size() / 2];
  t.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  for (double v : us) t.mean_us += v / static_cast<double>(us.size());
  return t;
}

void Row(const char* what, const Timing& t, const Timing* baseline) {
  std::printf("| %s | %.1f | %.1f | %.1f |", what, t.p50_us, t.p99_us, t.mean_us);
  if (baseline) {
    std::printf(" %.1fx |\n", baseline->mean_us / t.mean_us);
  } else {
    std::printf(" 1 (baseline) |\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t leaves = 262144;
  std::size_t leaf_bytes = 600;
  int reads = 2000;
  std::string dir = (fs::temp_directory_path() / "signet_tile_bench").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--leaves") {
      leaves = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (a == "--leaf-bytes") {
      leaf_bytes = std::strtoull(argv[i + 1], nullptr, 10);
    } else if (a == "--reads") {
      reads = std::atoi(argv[i + 1]);
    } else if (a == "--dir") {
      dir = argv[i + 1];
    } else {
      std::fprintf(stderr,
                   "usage: tile_bench [--leaves N] [--leaf-bytes B] [--reads R] [--dir D]\n");
      return 2;
    }
  }
  if (leaves < 65536) {
    std::fprintf(stderr, "tile_bench: --leaves must be at least 65536 (one full level-1 tile)\n");
    return 2;
  }
  fs::remove_all(dir);
  std::mt19937_64 rng(1);
  auto leaf = [&](std::uint64_t i) {
    std::string s(leaf_bytes, 'x');
    std::snprintf(s.data(), s.size(), "leaf %llu ", static_cast<unsigned long long>(i));
    return s;
  };

  const auto build0 = Clock::now();
  {
    auto store = Must(registry::RocksDbStore::Open(dir), "open");
    auto log = Must(registry::TransparencyLog::Open(store.get(), Signer()), "log");
    for (std::uint64_t start = 0; start < leaves; start += 4096) {
      registry::Overlay o(store.get());
      const std::uint64_t end = std::min(leaves, start + 4096);
      for (std::uint64_t i = start; i < end; ++i) {
        if (auto s = registry::TransparencyLog::AppendLeaf(o, i, leaf(i)); !s.ok())
          Die("append", s);
      }
      std::string cp = Must(log->SignTree(o, end), "sign");
      registry::WriteSet ws;
      o.AppendTo(ws);
      if (auto s = store->Write(ws); !s.ok()) Die("write", s);
      log->Publish(end, cp);
    }
  }
  const double build_s = std::chrono::duration<double>(Clock::now() - build0).count();

  auto store = Must(registry::RocksDbStore::Open(dir), "reopen");
  auto log = Must(registry::TransparencyLog::Open(store.get(), Signer()), "log");
  const std::uint64_t full0 = leaves / 256;
  std::uniform_int_distribution<std::uint64_t> pick(0, full0 - 1);
  std::vector<std::uint64_t> tiles_read(static_cast<std::size_t>(reads));
  for (auto& t : tiles_read) t = pick(rng);
  std::size_t sink = 0;

  const Timing scan = Measure(reads, [&](int i) {
    sink += Must(log->NodeHashes(0, tiles_read[i] * 256, 256), "tile").size();
  });
  const Timing gets = Measure(reads, [&](int i) {
    for (std::uint32_t k = 0; k < 256; ++k) {
      sink += Must(log->NodeHash(0, tiles_read[i] * 256 + k), "node")[0];
    }
  });
  const Timing recompute0 = Measure(reads, [&](int i) {
    auto ls = Must(log->Leaves(tiles_read[i] * 256, 256), "leaves");
    std::string out;
    for (const auto& l : ls) {
      const auto h = merkle::LeafHash(l);
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
    sink += out.size();
  });
  const Timing bundle = Measure(reads, [&](int i) {
    auto ls = Must(log->Leaves(tiles_read[i] * 256, 256), "leaves");
    sink += Must(tiles::EncodeBundle(ls), "bundle").size();
  });
  // Level 1: a full tile's 256 hashes are roots of 65,536-leaf subtrees.
  const int reads1 = std::max(3, reads / 200);
  const std::uint64_t full1 = leaves / 65536;
  const Timing scan1 = Measure(reads, [&](int i) {
    sink += Must(log->NodeHashes(
                     8, 0, static_cast<std::uint32_t>(std::min<std::uint64_t>(full1 * 256, 256))),
                 "tile1")
                .size();
    (void)i;
  });
  const Timing recompute1 = Measure(reads1, [&](int i) {
    // The 256 hashes of a full level-1 tile are the roots of 256 level-0
    // tiles: the tree over their 65,536 leaves.
    merkle::MemoryTree t;
    const std::uint64_t base = static_cast<std::uint64_t>(i % static_cast<int>(full1)) * 65536;
    for (std::uint64_t b = 0; b < 256; ++b) {
      for (const auto& l : Must(log->Leaves(base + b * 256, 256), "leaves")) t.Append(l);
    }
    sink += t.size();
  });

  std::printf(
      "tile_bench: %llu leaves of %zu bytes in RocksDB (built in %.1f s, reopened), %d "
      "random full tiles per row, 1 thread, %u cores\n",
      static_cast<unsigned long long>(leaves), leaf_bytes, build_s, reads,
      std::thread::hardware_concurrency());
  std::printf("| read | p50 µs | p99 µs | mean µs | vs baseline |\n|---|---|---|---|---|\n");
  Row("level-0 hash tile, 256 single-node Gets", gets, nullptr);
  Row("level-0 hash tile, recomputed from its 256 leaves", recompute0, &gets);
  Row("level-0 hash tile, one range scan (served)", scan, &gets);
  Row("entry bundle, one range scan + encode (served)", bundle, &gets);
  Row("level-1 hash tile, recomputed from 65,536 leaves", recompute1, nullptr);
  Row("level-1 hash tile, one range scan (served)", scan1, &recompute1);
  std::printf("(checksum %zu)\n", sink);
  fs::remove_all(dir);
  return 0;
}
