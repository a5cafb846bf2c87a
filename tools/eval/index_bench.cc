// signet-index-bench: query latency and memory of the fingerprint index at
// 1k, 10k and 100k recordings of synthetic fingerprints (fingerprint/testing/synthetic.h),
// against a brute-force scan measured in the same run, plus start-up (build)
// time. With --corpus it first compares the generator with real fingerprints
// (bit frequencies, neighbour flips, posting-list lengths per lookup).
// Single thread. Figures are quoted in fingerprint/EVALUATION.md.
#include <fmt/format.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fingerprint/extract.h"
#include "fingerprint/index.h"
#include "fingerprint/matcher.h"
#include "fingerprint/testing/synthetic.h"
#include "tools/eval/timing.h"

namespace {

using Clock = std::chrono::steady_clock;
using signet::fp::Index;
using signet::fp::Matcher;
using Fp = std::vector<std::uint32_t>;
using signet::eval::CpuMs;
using signet::eval::Percentile;

double Ms(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

// Flips each bit with probability p: a degraded query (BER ~ p).
Fp Degrade(Fp v, double p, std::mt19937_64& rng) {
  std::bernoulli_distribution flip(p);
  for (auto& x : v) {
    for (int b = 0; b < 32; ++b) {
      if (flip(rng)) x ^= 1u << b;
    }
  }
  return v;
}

// Best BER of `q` against every diagonal of every reference: the brute force.
std::size_t BruteForce(const std::vector<Fp>& refs, std::size_t count, const Fp& q) {
  std::size_t best_ref = 0;
  long best = 1L << 40;
  const long nq = static_cast<long>(q.size());
  for (std::size_t r = 0; r < count; ++r) {
    const Fp& ref = refs[r];
    for (long d = 0; d + nq <= static_cast<long>(ref.size()); ++d) {
      long e = 0;
      for (long i = 0; i < nq && e < best; ++i) e += std::popcount(q[i] ^ ref[d + i]);
      if (e < best) {
        best = e;
        best_ref = r;
      }
    }
  }
  return best_ref;
}

struct Stats {
  double ones[32] = {};
  double flips_mean = 0;
  double list_mean = 0;  // posting-list entries per lookup of a random indexed value
};

Stats Measure(const std::vector<Fp>& recs) {
  Stats s;
  std::size_t n = 0, steps = 0;
  for (const Fp& r : recs) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      for (int b = 0; b < 32; ++b) s.ones[b] += (r[i] >> b) & 1;
      ++n;
      if (i > 0) {
        s.flips_mean += std::popcount(r[i] ^ r[i - 1]);
        ++steps;
      }
    }
  }
  for (double& o : s.ones) o /= static_cast<double>(n);
  s.flips_mean /= static_cast<double>(steps);
  // Key-list lengths at the full 24-bit key, as the index sees them at scale.
  std::vector<std::uint32_t> keys;
  for (const Fp& r : recs) {
    const auto low = signet::fp::LowInformationMask(r);
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (!low[i]) keys.push_back(signet::fp::IndexKey(r[i]));
    }
  }
  std::sort(keys.begin(), keys.end());
  double sq = 0;
  for (std::size_t i = 0; i < keys.size();) {
    std::size_t j = i;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    sq += static_cast<double>(j - i) * static_cast<double>(j - i);
    i = j;
  }
  s.list_mean = sq / static_cast<double>(keys.size());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"signet-index-bench: index latency and memory at 1k-100k recordings"};
  std::uint64_t seed = 7;
  std::vector<std::size_t> sizes = {1000, 10000, 100000};
  int queries = 1000;
  int brute_queries = 20;
  double query_seconds = 10;
  double flip = 0.1;
  std::string corpus;
  std::vector<int> probe_bits = {0, signet::fp::MatchOptions{}.probe_bits};
  std::vector<int> key_bits = {0};
  bool warmup = true;
  std::size_t growth = 0;
  std::string dir;
  app.add_option("--seed", seed);
  app.add_option("--probe-bits", probe_bits,
                 "MatchOptions::probe_bits settings measured on the same index and queries (the "
                 "first is the baseline)")
      ->delimiter(',');
  app.add_option("--key-bits", key_bits,
                 "MatchOptions::key_bits settings, each with every --probe-bits (0: by index size; "
                 "24: the lookups of the 24-bit key before issue 15)")
      ->delimiter(',');
  app.add_option("--warmup", warmup,
                 "run each setting's queries once untimed before timing them (default true)");
  app.add_option("--growth", growth,
                 "then add this many recordings one by one to a fresh index while a thread "
                 "queries it: the longest Add and query waits");
  app.add_option("--dir", dir, "persist segments here (default: in memory)");
  app.add_option("--sizes", sizes)->delimiter(',');
  app.add_option("--queries", queries);
  app.add_option("--brute-queries", brute_queries, "queries for the brute-force scan");
  app.add_option("--query-seconds", query_seconds);
  app.add_option("--flip", flip, "bit flip probability applied to queries");
  app.add_option("--corpus", corpus, "compare the generator with these recordings first");
  CLI11_PARSE(app, argc, argv);
  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  fmt::print("command: {}\nseed: {}\n", cmdline, seed);

  signet::fp::SyntheticFingerprints gen(seed);
  std::mt19937_64 rng(seed + 1);

  if (!corpus.empty()) {
    std::vector<Fp> real, synth;
    for (const auto& e : std::filesystem::directory_iterator(corpus)) {
      auto r = signet::fp::FingerprintFile(e.path().string());
      if (!r.ok() || e.path().stem() == "silence") continue;
      real.push_back(r.value().fingerprint.values);
      synth.push_back(gen.Recording(real.back().size()));
    }
    const Stats a = Measure(real), b = Measure(synth);
    double max_dev = 0;
    for (int i = 0; i < 32; ++i) max_dev = std::max(max_dev, std::abs(a.ones[i] - b.ones[i]));
    fmt::print(
        "generator vs {} real recordings (same lengths): bit-1 frequency max |diff| {:.3f}; "
        "neighbour flips/step real {:.2f} synthetic {:.2f}; entries per 24-bit key lookup "
        "real {:.2f} synthetic {:.2f}\n",
        real.size(), max_dev, a.flips_mean, b.flips_mean, a.list_mean, b.list_mean);
  }

  const std::size_t max_n = std::max(*std::max_element(sizes.begin(), sizes.end()), growth);
  std::vector<Fp> recs(max_n);
  std::uniform_int_distribution<std::size_t> len(static_cast<std::size_t>(180 * 8.077),
                                                 static_cast<std::size_t>(240 * 8.077));
  const auto g0 = Clock::now();
  for (auto& r : recs) r = gen.Recording(len(rng));
  fmt::print("generated {} recordings (3-4 min each) in {:.1f} s\n\n", max_n,
             Ms(g0, Clock::now()) / 1000);
  const auto qlen = static_cast<std::size_t>(query_seconds * 8.077);

  fmt::print("{:>7} {:>8} {:>13} {:>9} {:>10} {:>10} {:>4} {:>6} {:>8} {:>8} {:>7} {:>9} {:>11}\n",
             "recs", "hours", "build_s(cpu)", "MB/hour", "post_B/pos", "total_B/pos", "key",
             "probes", "p50_ms", "p99_ms", "recall", "miss_p99", "brute_ms");
  signet::fp::IndexOptions index_options;
  index_options.directory = dir;
  for (const std::size_t n : sizes) {
    if (!dir.empty()) std::filesystem::remove_all(dir);
    Index index(index_options);
    const auto b0 = Clock::now();
    const double c0 = CpuMs();
    index.BeginBulkLoad();
    for (std::size_t i = 0; i < n; ++i) {
      if (!index.Add(i, recs[i]).ok()) return 1;
    }
    index.Compact();
    const double build_s = Ms(b0, Clock::now()) / 1000;
    const double build_cpu_s = (CpuMs() - c0) / 1000;
    const auto st = index.Stats();
    const double hours = static_cast<double>(st.positions) * signet::fp::kSecondsPerPosition / 3600;
    std::vector<std::pair<std::size_t, Fp>> qs;
    for (int k = 0; k < queries; ++k) {
      const std::size_t r = rng() % n;
      const std::size_t start = rng() % (recs[r].size() - qlen);
      qs.emplace_back(r, Degrade(Fp(recs[r].begin() + static_cast<long>(start),
                                    recs[r].begin() + static_cast<long>(start + qlen)),
                                 flip, rng));
    }
    // Misses: queries of music that is not indexed (what most queries are).
    std::vector<Fp> misses;
    for (int k = 0; k < queries; ++k) misses.push_back(gen.Recording(qlen));
    struct Run {
      int key_bits;
      int probes;
      std::vector<double> ms, miss_ms;
      int hits = 0;
    };
    std::vector<Run> runs;
    for (const int kb : key_bits) {
      for (const int probes : probe_bits) {
        signet::fp::MatchOptions options;
        options.probe_bits = probes;
        options.key_bits = kb;
        Matcher matcher(index, options);
        Run run{kb > 0 ? kb : st.key_bits, probes, {}, {}};
        // An untimed pass first: at 1M recordings the first pass over the
        // segments faults in pages the page cache had dropped (92 ms p99 in
        // the first 1M run), which would go to whichever setting runs first.
        if (warmup) {
          for (const auto& [r, q] : qs) (void)matcher.Find(q);
          for (const auto& q : misses) (void)matcher.Find(q);
        }
        for (const auto& [r, q] : qs) {
          const double t0 = CpuMs();
          const auto found = matcher.Find(q);
          run.ms.push_back(CpuMs() - t0);
          if (!found.empty() && found[0].ref_id == r) ++run.hits;
        }
        for (const auto& q : misses) {
          const double t0 = CpuMs();
          (void)matcher.Find(q);
          run.miss_ms.push_back(CpuMs() - t0);
        }
        runs.push_back(std::move(run));
      }
    }
    // Brute force over a sample of the references, scaled to all of them.
    const std::size_t scan = std::min<std::size_t>(n, 1000);
    const double f0 = CpuMs();
    std::size_t brute_hits = 0;
    for (int k = 0; k < brute_queries; ++k) {
      brute_hits += BruteForce(recs, scan, qs[k].second) == qs[k].first ? 1 : 0;
    }
    const double brute =
        (CpuMs() - f0) / brute_queries * static_cast<double>(n) / static_cast<double>(scan);
    for (const Run& run : runs) {
      fmt::print(
          "{:>7} {:>8.0f} {:>6.1f}({:>5.1f}) {:>9.2f} {:>10.2f} {:>10.2f} {:>4} {:>6} {:>8.3f} "
          "{:>8.3f} {:>6.1f}% {:>9.3f} {:>10.0f}{} brute recall {}/{}\n",
          n, hours, build_s, build_cpu_s, static_cast<double>(st.memory_bytes) / 1e6 / hours,
          static_cast<double>(st.posting_bytes) / static_cast<double>(st.positions),
          static_cast<double>(st.memory_bytes) / static_cast<double>(st.positions), run.key_bits,
          run.probes, Percentile(run.ms, 0.5), Percentile(run.ms, 0.99), 100.0 * run.hits / queries,
          Percentile(run.miss_ms, 0.99), brute, scan < n ? " (scaled from 1k)" : "", brute_hits,
          brute_queries);
    }
  }
  if (growth > 0) {
    // Adds one by one (no bulk load) while a reader queries: flushes and
    // tiered merges run meanwhile; wall-clock waits of both sides.
    if (!dir.empty()) std::filesystem::remove_all(dir);
    Index index(index_options);
    Matcher matcher(index);
    std::atomic<bool> done{false};
    std::vector<double> qms;
    std::size_t found = 0;
    std::thread reader([&] {
      std::mt19937_64 qr(seed + 2);
      while (!done) {
        const std::size_t have = index.size();
        if (have == 0) continue;
        const std::size_t r = qr() % have;
        const std::size_t start = qr() % (recs[r].size() - qlen);
        const Fp q(recs[r].begin() + static_cast<long>(start),
                   recs[r].begin() + static_cast<long>(start + qlen));
        const auto t0 = Clock::now();
        const auto m = matcher.Find(q);
        qms.push_back(Ms(t0, Clock::now()));
        if (!m.empty() && m[0].ref_id == r) ++found;
      }
    });
    std::vector<double> add_ms;
    std::size_t peak_delta = 0, peak_memory = 0, peak_positions = 0;
    const auto grow0 = Clock::now();
    for (std::size_t i = 0; i < growth; ++i) {
      const auto t0 = Clock::now();
      if (!index.Add(i, recs[i]).ok()) return 1;
      add_ms.push_back(Ms(t0, Clock::now()));
      if (i % 2000 == 1999) {
        const auto st = index.Stats();
        if (st.memory_bytes > peak_memory) {
          peak_memory = st.memory_bytes;
          peak_positions = st.positions;
        }
        peak_delta = std::max(peak_delta, st.delta_positions);
      }
    }
    const double add_s = Ms(grow0, Clock::now()) / 1000;
    index.WaitForMerge();
    done = true;
    reader.join();
    const auto st = index.Stats();
    auto max_of = [](const std::vector<double>& v) {
      return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
    };
    fmt::print(
        "\ngrowth: {} recordings added one by one in {:.1f} s ({:.0f}/s) with a reader querying: "
        "Add p50 {:.3f} ms, p99.9 {:.2f} ms, max {:.1f} ms; {} queries (10 s, exact), p50 {:.3f} "
        "ms, p99 {:.2f} ms, p99.9 {:.2f} ms, max {:.1f} ms, {:.1f}% found; {} flushes, {} merges, "
        "{} segment(s) at the end; peak delta {} positions; peak memory {:.2f} B/position\n",
        growth, add_s, static_cast<double>(growth) / add_s, Percentile(add_ms, 0.5),
        Percentile(add_ms, 0.999), max_of(add_ms), qms.size(), Percentile(qms, 0.5),
        Percentile(qms, 0.99), Percentile(qms, 0.999), max_of(qms),
        qms.empty() ? 0.0 : 100.0 * static_cast<double>(found) / static_cast<double>(qms.size()),
        st.flushes, st.merges, st.segments, peak_delta,
        static_cast<double>(peak_memory) /
            static_cast<double>(std::max<std::size_t>(peak_positions, 1)));
  }
  fmt::print(
      "\nqueries: {} s ({} positions), each bit flipped with p={}; latency of Matcher::Find, "
      "one thread, thread CPU time; miss_p99: the same for queries of unindexed synthetic music. "
      "{}"
      "key: the key prefix looked up (MatchOptions::key_bits; by size unless --key-bits). probes: "
      "MatchOptions::probe_bits (0: exact keys only). post_B/pos: postings, total_B/pos: "
      "everything (postings, verification copy, refs, deltas). build: BeginBulkLoad, Add of every "
      "recording, Compact (wall, CPU). brute_ms: best-BER scan of every diagonal of every "
      "reference.\n",
      query_seconds, qlen, flip,
      warmup ? "Each setting's queries ran once untimed first (--warmup). " : "");
  return 0;
}
