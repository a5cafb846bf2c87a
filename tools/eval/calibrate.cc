#include "tools/eval/calibrate.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "fingerprint/extract.h"
#include "tools/eval/degrade.h"
#include "tools/eval/timing.h"

namespace signet::eval {
namespace {

struct CalQuery {
  std::size_t source;
  std::string set, length, deg;
  double start = 0;
  std::vector<std::uint32_t> fp;
};

struct PairResult {
  std::size_t query, ref;
  fp::Segment best;  // informative_positions == 0: no segment at all
};

constexpr double kThresholds[] = {1e-1, 1e-2, 1e-3, 1e-4, 1e-5};

void PrintHeader(const char* what) {
  fmt::print("{:<34} {:>7}", what, "pairs");
  for (double x : kThresholds) fmt::print(" {:>9}", fmt::format("P(<{:.0e})", x));
  fmt::print(" {:>9} {:>6}\n", "min_p", "ber@min");
}

void PrintRow(const std::string& label, const std::vector<const PairResult*>& rows) {
  if (rows.empty()) return;
  fmt::print("{:<34} {:>7}", label, rows.size());
  for (double x : kThresholds) {
    const auto k = std::count_if(rows.begin(), rows.end(), [&](const PairResult* p) {
      return p->best.false_positive_probability < x;
    });
    fmt::print(" {:>9.2e}", static_cast<double>(k) / static_cast<double>(rows.size()));
  }
  const PairResult* m = *std::min_element(rows.begin(), rows.end(), [](auto* a, auto* b) {
    return a->best.false_positive_probability < b->best.false_positive_probability;
  });
  fmt::print(" {:>9.1e} {:>6.3f}\n", m->best.false_positive_probability, m->best.bit_error_rate);
}

}  // namespace

int RunCalibration(const std::vector<Recording>& recs, const std::vector<std::size_t>& registered,
                   const std::vector<std::size_t>& holdout,
                   const std::vector<std::size_t>& negatives, const CalibrationOptions& options,
                   const std::string& tmp_dir, std::uint64_t seed, int threads, bool verbose) {
  // Query sets: each negative package, and the registered corpus's held-out recordings.
  std::map<std::string, std::vector<std::size_t>> sets;
  for (std::size_t i : negatives) sets[recs[i].set].push_back(i);
  for (std::size_t i : holdout) sets["same-album"].push_back(i);
  std::mt19937_64 rng(seed);
  struct Job {
    std::size_t source;
    std::string set, length, deg;
    std::uint64_t seed;
  };
  std::vector<Job> jobs;
  for (const auto& [set, members] : sets) {
    for (const auto& len : options.lengths) {
      for (std::size_t d = 0; d < options.degradations.size(); ++d) {
        const std::string& deg = options.degradations[d];
        if (len == "full") {
          if (d >= options.full_degradations) continue;
          for (std::size_t i : members) jobs.push_back({i, set, len, deg, rng()});
          continue;
        }
        for (int k = 0; k < options.queries_per_cell; ++k) {
          for (int tries = 0; tries < 100; ++tries) {
            const std::size_t i = members[rng() % members.size()];
            if (recs[i].seconds >= std::stod(len) + 1 && recs[i].name != "silence") {
              jobs.push_back({i, set, len, deg, rng()});
              break;
            }
          }
        }
      }
    }
  }
  std::vector<CalQuery> queries(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const std::string dir = tmp_dir + "/cal" + std::to_string(t);
      std::filesystem::create_directories(dir);
      for (std::size_t j; (j = next++) < jobs.size() && !failed;) {
        const Job& job = jobs[j];
        std::mt19937_64 r(job.seed);
        const Recording& rec = recs[job.source];
        const double len = job.length == "full" ? rec.seconds : std::stod(job.length);
        const double start = job.length == "full"
                                 ? 0.0
                                 : std::uniform_real_distribution<double>(
                                       0, std::max(0.0, rec.seconds - len - 0.5))(r);
        auto pcm = Cut(rec, start, len, dir);
        auto degraded = pcm.ok() ? Degrade(job.deg, std::move(pcm).value(), {nullptr, dir}, r)
                                 : Result<Degraded>(pcm.status());
        if (!degraded.ok()) {
          fmt::print(stderr, "{}\n", degraded.status().ToString());
          failed = true;
          return;
        }
        auto fp = fp::FingerprintBuffer(degraded->file);
        queries[j] = {
            job.source,
            job.set,
            job.length,
            job.deg,
            start,
            fp.ok() ? std::move(fp).value().fingerprint.values : std::vector<std::uint32_t>{}};
      }
    });
  }
  for (auto& th : pool) th.join();
  pool.clear();
  if (failed) return 2;

  // Pairs: a query against every recording of another set; same-album queries
  // against the registered corpus only.
  std::vector<PairResult> pairs;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    if (queries[q].fp.empty()) continue;
    const bool same_album = queries[q].set == "same-album";
    for (std::size_t i : registered) pairs.push_back({q, i, {}});
    if (same_album) continue;
    for (std::size_t i : negatives) {
      if (recs[i].set != queries[q].set) pairs.push_back({q, i, {}});
    }
  }
  const double t0 = CpuMs();
  next = 0;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t k; (k = next++) < pairs.size();) {
        pairs[k].best = fp::BestSegmentAnyDiagonal(queries[pairs[k].query].fp,
                                                   recs[pairs[k].ref].fp, options.model);
      }
    });
  }
  for (auto& th : pool) th.join();
  auto set_of = [&](const PairResult& p) {
    return recs[p.ref].set == "wesnoth" ? std::string("wesnoth") : recs[p.ref].set;
  };

  const auto& m = options.model;
  fmt::print(
      "\nnull model: brute force over every diagonal, {} unrelated pairs ({} queries), "
      "{:.0f} s CPU on this thread\nScoreModel: null_ber {} null_sigma {} tests_per_position {}\n"
      "P(<x): fraction of pairs whose best segment's tail probability is below x (calibrated: "
      "<= x)\n\n",
      pairs.size(), queries.size(), (CpuMs() - t0) / 1e3, m.null_ber, m.null_sigma,
      m.tests_per_position);
  std::vector<const PairResult*> unrelated, same;
  for (const auto& p : pairs) {
    (queries[p.query].set == "same-album" ? same : unrelated).push_back(&p);
  }
  PrintHeader("unrelated, by query length");
  for (const auto& len : options.lengths) {
    std::vector<const PairResult*> rows;
    for (auto* p : unrelated) {
      if (queries[p->query].length == len) rows.push_back(p);
    }
    PrintRow(len, rows);
  }
  PrintRow("all", unrelated);
  fmt::print("\n");
  PrintHeader("unrelated, by degradation");
  for (const auto& deg : options.degradations) {
    std::vector<const PairResult*> rows;
    for (auto* p : unrelated) {
      if (queries[p->query].deg == deg) rows.push_back(p);
    }
    PrintRow(deg, rows);
  }
  fmt::print("\n");
  PrintHeader("unrelated, query set -> reference set");
  std::map<std::string, std::vector<const PairResult*>> by_sets;
  for (auto* p : unrelated) by_sets[queries[p->query].set + " -> " + set_of(*p)].push_back(p);
  for (const auto& [label, rows] : by_sets) PrintRow(label, rows);
  fmt::print("\n");
  PrintHeader("same album (shares passages)");
  for (const auto& len : options.lengths) {
    std::vector<const PairResult*> rows;
    for (auto* p : same) {
      if (queries[p->query].length == len) rows.push_back(p);
    }
    PrintRow(len, rows);
  }
  if (verbose) {
    std::vector<const PairResult*> all(unrelated);
    all.insert(all.end(), same.begin(), same.end());
    std::sort(all.begin(), all.end(), [](auto* a, auto* b) {
      return a->best.false_positive_probability < b->best.false_positive_probability;
    });
    fmt::print("\nbest-scoring pairs:\n");
    for (std::size_t k = 0; k < std::min<std::size_t>(25, all.size()); ++k) {
      const auto& p = *all[k];
      const auto& q = queries[p.query];
      fmt::print(
          "  {} {} {} @{:.1f}s vs {}/{}: q {:.1f}-{:.1f} r {:.1f}-{:.1f} ber {:.3f} n {} p "
          "{:.1e}\n",
          q.length, q.deg, recs[q.source].set + "/" + recs[q.source].name, q.start, recs[p.ref].set,
          recs[p.ref].name, p.best.query_start, p.best.query_end, p.best.ref_start, p.best.ref_end,
          p.best.bit_error_rate, p.best.informative_positions, p.best.false_positive_probability);
    }
  }
  return 0;
}

}  // namespace signet::eval
