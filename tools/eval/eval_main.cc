// signet-eval: the matcher evaluated on real recordings (issues 4 and 11).
//
// Registers most recordings of a directory (default: the Wesnoth corpus) with
// the matcher under test (--matcher, eval_matcher.h), holds a few out as
// unregistered (same album), takes unrelated music from other Debian packages
// (--negative), cuts excerpts at seeded random positions, degrades them as
// ../shared/corpus/README.md says (degrade.h; --help lists every degradation
// and how it is made), hands each degraded file to the matcher and prints per
// (length, degradation): top-1 recall, segment accuracy, wrong matches, false
// positives and latency. --calibrate instead measures the null model on
// brute-force unrelated pairs (calibrate.h; EVALUATION.md in fingerprint/).
//
// Reproducible: the same seed, corpus and options give the same table (query
// making runs on --threads threads but each query has its own seed; matching
// runs on one thread after all queries are made, so its latencies are not
// disturbed by the encoders).
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "fingerprint/extract.h"
#include "fingerprint/fusion.h"
#include "fingerprint/index.h"
#include "fingerprint/matcher.h"
#include "tools/eval/calibrate.h"
#include "tools/eval/corpus.h"
#include "tools/eval/degrade.h"
#include "tools/eval/eval_matcher.h"
#include "tools/eval/timing.h"

namespace fs = std::filesystem;
using signet::eval::CpuMs;
using signet::eval::Percentile;
using signet::eval::Recording;
using signet::fp::Match;

namespace {

constexpr double kStep = signet::fp::kSecondsPerPosition;

struct Expect {
  std::size_t rec;
  double query_start, query_end;  // query seconds
  double ref_start;               // reference seconds at query time 0
  double time_scale = 1.0;        // reference seconds per query second
};

enum class Kind { kRegistered, kHoldout, kNegative };

struct Query {
  std::string length, deg;
  std::unique_ptr<signet::eval::PreparedQuery> prepared;
  double prep_ms = 0;
  std::vector<Expect> expect;  // empty: unregistered, nothing should match
  bool all_required = false;   // back_to_back: every expected work must be found
  std::size_t background =
      SIZE_MAX;            // mix_bg: the registered work mixed under; finding it is right
  std::size_t source = 0;  // the (first) recording the query was cut from
  double source_start = 0;
  std::string how;
  // --brute-force: the plain query's best segment against its source over
  // every diagonal, and how the index keys fared on that alignment.
  struct BruteForce {
    bool found = false;  // a segment below kBruteForceBer
    int positions = 0;   // informative query positions of that segment
    int exact = 0;       // ... whose key (all kIndexKeyBits) equals the reference's on the diagonal
    int exact3 = 0;      // ... on one of the diagonals d-1, d, d+1
    int within1 = 0;     // ... within one key bit on one of them
    std::array<int, signet::fp::kIndexKeyBits> flips{};  // per key bit (0: most robust)
  } bf;
};

// What the brute-force check counts as findable (issue 11's measure).
constexpr double kBruteForceBer = 0.30;

Query::BruteForce BruteForceCheck(std::span<const std::uint32_t> q,
                                  std::span<const std::uint32_t> ref) {
  using signet::fp::IndexKey;
  Query::BruteForce bf;
  const signet::fp::Segment s = signet::fp::BestSegmentAnyDiagonal(q, ref);
  if (s.informative_positions == 0 || s.bit_error_rate >= kBruteForceBer) return bf;
  bf.found = true;
  const long d = std::lround((s.ref_start - s.query_start) / kStep);
  const long a = std::lround(s.query_start / kStep), b = std::lround(s.query_end / kStep);
  const std::vector<bool> low = signet::fp::LowInformationMask(q);
  const long nr = static_cast<long>(ref.size());
  for (long i = std::max(0L, a); i < std::min<long>(b, static_cast<long>(q.size())); ++i) {
    if (low[i] || i + d < 0 || i + d >= nr) continue;
    ++bf.positions;
    const std::uint32_t k = IndexKey(q[i]);
    const std::uint32_t x = k ^ IndexKey(ref[i + d]);
    bf.exact += x == 0;
    bool e3 = false, w1 = false;
    for (long dd = -1; dd <= 1; ++dd) {
      if (i + d + dd < 0 || i + d + dd >= nr) continue;
      const int bits = std::popcount(k ^ IndexKey(ref[i + d + dd]));
      e3 = e3 || bits == 0;
      w1 = w1 || bits <= 1;
    }
    bf.exact3 += e3;
    bf.within1 += w1;
    for (int j = 0; j < signet::fp::kIndexKeyBits; ++j) {
      bf.flips[j] += (x >> (signet::fp::kIndexKeyBits - 1 - j)) & 1;
    }
  }
  return bf;
}

struct Cell {
  int n = 0, top1 = 0, seg_ok = 0, fp_queries = 0, wrong = 0;
  int bf_found = 0, bf_missed = 0;  // --brute-force: findable, and of those not top-1
  Query::BruteForce bf;             // summed over the findable queries
  std::vector<double> ms, prep_ms;
};

// A found segment lies on the expected alignment, or on a repeat of the same
// passage in the reference (the reference equals itself at both offsets).
bool AlignedAsExpected(const signet::fp::Segment& s, const Expect& e,
                       const std::vector<std::uint32_t>& ref) {
  const double offset = s.ref_start - s.query_start * e.time_scale;
  if (std::abs(offset - e.ref_start) < 1.0) return true;
  if (e.time_scale != 1.0) return false;
  const long d1 = std::lround(offset / kStep), d0 = std::lround(e.ref_start / kStep);
  const long i0 = std::lround(s.query_start / kStep), i1 = std::lround(s.query_end / kStep);
  int errs = 0, n = 0;
  for (long i = i0; i < i1; ++i) {
    if (std::min(i + d0, i + d1) < 0 || std::max(i + d0, i + d1) >= static_cast<long>(ref.size()))
      continue;
    errs += std::popcount(ref[i + d1] ^ ref[i + d0]);
    ++n;
  }
  return n > 0 && errs < 0.25 * 32 * n;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace signet::eval;
  CLI::App app{"signet-eval: matcher recall, segment accuracy, false positives and latency"};
  std::string corpus = "/usr/share/games/wesnoth/1.16/data/core/music";
  std::vector<std::string> negative = {"hyperrogue-music", "singularity-music", "supertux-data"};
  std::uint64_t seed = 42;
  int per_cell = 40, per_cell_full = 8, negative_per_cell = -1, holdout = 8, threads = 2;
  bool calibrate = false, verbose = false, brute_force = false;
  std::string matcher_name = "chromaprint";
  std::vector<std::string> lengths = {"5", "10", "30", "full"};
  std::vector<std::string> degs = DefaultDegradations();
  std::vector<std::string> negative_degs = {"clean", "mp3_64k"};
  std::vector<std::string> speed_arg = {"default"};
  EvalMatcherOptions mopt;
  CalibrationOptions copt;
  app.add_option("--corpus", corpus, "directory of registered recordings");
  app.add_option("--negative", negative,
                 "Debian packages of unregistered music (dpkg -L, files under music/); 'none'")
      ->delimiter(',');
  app.add_option("--seed", seed);
  app.add_option("--per-cell", per_cell, "queries per (length, degradation)");
  app.add_option("--per-cell-full", per_cell_full, "queries per degradation for full length");
  app.add_option("--negative-per-cell", negative_per_cell,
                 "unregistered queries per (length, degradation); default --per-cell; full "
                 "length: each negative recording at most once");
  app.add_option("--negative-degradations", negative_degs,
                 "degradations of the unregistered queries; 'none'")
      ->delimiter(',');
  app.add_option("--holdout", holdout, "registered-corpus recordings left unregistered");
  app.add_option("--threads", threads, "threads making queries (matching is single-threaded)");
  app.add_option("--lengths", lengths, "excerpt lengths in seconds, or full")->delimiter(',');
  app.add_option("--degradations", degs, "rows (see below)")->delimiter(',');
  app.add_option("--matcher", matcher_name, "the matcher under test: chromaprint");
  app.add_option("--speed-variants", speed_arg,
                 "also fingerprint the query audio at these speeds (e.g. 1.03,0.97); 'default': "
                 "signetd's 12 (0.94-1.06); 'none'")
      ->delimiter(',');
  app.add_option("--speed-variant-seconds", mopt.speed_variant_seconds);
  app.add_option(
      "--filler", mopt.filler_recordings,
      "chromaprint: synthetic 3-minute recordings indexed beside the corpus (an index "
      "of registry size: 100000 gives 24-bit keys, 750000 27-bit keys; or see --key-bits)");
  app.add_option(
      "--landmark-filler", mopt.landmark_filler_recordings,
      "fused, landmark: recordings' landmark prints indexed beside the corpus, copies of "
      "the real music under --landmark-filler-corpus (lists and lookups of a large "
      "registry)");
  app.add_option("--landmark-scan-budget", mopt.landmark_scan_budget,
                 "fused, landmark: LandmarkMatchOptions::max_scanned_postings_per_second (0: the "
                 "default)");
  app.add_option("--landmark-filler-corpus", mopt.landmark_filler_corpus,
                 "music the landmark filler copies (not the negative packages)");
  app.add_option("--max-e-value", mopt.match.max_e_value, "MatchOptions::max_e_value");
  app.add_option("--probe-bits", mopt.match.probe_bits, "MatchOptions::probe_bits (0: exact keys)");
  app.add_option("--key-bits", mopt.match.key_bits,
                 "MatchOptions::key_bits: the key prefix looked up (0: by index size)");
  app.add_option("--max-probed-positions", mopt.match.max_probed_positions,
                 "MatchOptions::max_probed_positions");
  app.add_flag("--delta", mopt.in_delta,
               "chromaprint: leave the registered works in the index's delta, as works registered "
               "while signetd runs are (looked up with the same key prefix as the segments)");
  mopt.match.min_references = 1e6;
  app.add_option("--as-if-references", mopt.match.min_references,
                 "E-values count at least this many registered works (MatchOptions::"
                 "min_references; 0: the index's own count)");
  app.add_flag("--calibrate", calibrate,
               "measure the null model on brute-force unrelated pairs instead (EVALUATION.md)");
  app.add_option("--calibration-queries", copt.queries_per_cell,
                 "--calibrate: unrelated excerpts per (set, length, degradation)");
  app.add_option("--calibration-degradations", copt.degradations)->delimiter(',');
  app.add_option("--calibration-lengths", copt.lengths)->delimiter(',');
  app.add_option("--calibration-dump", copt.dump_path,
                 "--calibrate: write every scored segment of the unrelated pairs to this CSV");
  signet::fp::ScoreModel& model = mopt.match.score_model;
  app.add_option("--null-ber", model.null_ber, "ScoreModel override");
  app.add_option("--null-sigma", model.null_sigma, "ScoreModel override");
  app.add_option("--tests-per-position", model.tests_per_position, "ScoreModel override");
  app.add_option("--sigma-growth", model.sigma_growth, "ScoreModel override");
  app.add_option("--correlated-positions", model.correlated_positions, "ScoreModel override");
  app.add_flag("--brute-force", brute_force,
               "also align each registered query's plain fingerprint with its source over every "
               "diagonal: bf% findable (BER < 0.30), bf_miss of those not top-1, and key survival");
  app.add_option("--null-tally", mopt.null_tally,
                 "fused/landmark: also count, over every (negative_* query, registered work) "
                 "pair, the pairs whose fused pair probability is below 1e-2 .. 1e-6 (both "
                 "prints' bars loosened to this value, e.g. 1e-2; calibrated: the fraction below "
                 "x is <= x); the table still counts matches at the default bar");
  app.add_option("--landmark-query-candidates", mopt.landmark_query_candidates,
                 "fused/landmark: partners per zone a query peak looks up "
                 "(LandmarkMatchOptions::query_candidates; 0: the default)");
  app.add_option("--landmark-max-candidates", mopt.landmark_max_candidates,
                 "fused/landmark: lines verified per query (LandmarkMatchOptions::"
                 "max_candidates; 0: the default)");
  bool no_agreement_look = false;
  app.add_flag("--no-agreement-look", no_agreement_look,
               "fused: leave out Chromaprint's look along the landmark print's lines "
               "(fp::LookAlongLandmarkLines), to measure what it adds");
  app.add_flag("--verbose", verbose, "print wrong matches and the unrelated pairs that score well");
  std::string footer = "Degradations (each applied to the excerpt; ../shared/corpus/README.md):\n";
  for (const auto& d : DegradationCatalogue())
    footer += fmt::format("  {:<16} {}\n", d.name, d.how);
  footer +=
      "Default rows: " + fmt::format("{}", fmt::join(DefaultDegradations(), " ")) +
      "\nUnregistered queries: unregistered_* are --holdout recordings of the registered corpus "
      "(same album), negative_* come from the --negative packages.";
  app.footer(footer);
  CLI11_PARSE(app, argc, argv);
  mopt.diagnose = verbose;
  copt.model = model;
  mopt.agreement_look = !no_agreement_look;
  if (mopt.null_tally > 0 && matcher_name == "chromaprint") {
    fmt::print(stderr,
               "--null-tally needs --matcher fused or landmark (--calibrate for chromaprint)\n");
    return 2;
  }
  if (negative_per_cell < 0) negative_per_cell = per_cell;
  if (negative.size() == 1 && negative[0] == "none") negative.clear();
  if (negative_degs.size() == 1 && negative_degs[0] == "none") negative_degs.clear();
  for (const auto& d : degs) {
    if (auto n = WhatItNeeds(d); !n.ok()) {
      fmt::print(stderr, "{}\n", n.status().message());
      return 2;
    }
  }
  for (const auto& d : negative_degs) {
    if (auto n = WhatItNeeds(d); !n.ok()) {
      fmt::print(stderr, "{}\n", n.status().message());
      return 2;
    }
  }
  if (speed_arg.size() == 1 && speed_arg[0] == "default") {
    mopt.speed_variants.assign(signet::fp::kDefaultSpeedVariants.begin(),
                               signet::fp::kDefaultSpeedVariants.end());
  } else if (!(speed_arg.size() == 1 && speed_arg[0] == "none")) {
    for (const auto& s : speed_arg) mopt.speed_variants.push_back(std::stod(s));
  }

  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  fmt::print("command: {}\nseed: {}\n", cmdline, seed);

  std::vector<Recording> recs = LoadRecordings(AudioFilesUnder(corpus), corpus, "wesnoth", threads);
  if (recs.size() <= static_cast<std::size_t>(std::max(holdout, 0))) {
    fmt::print(stderr,
               "--corpus {}: {} decodable recordings; the evaluation registers all but --holdout "
               "{} of them, so it needs more (is the directory right? `make eval` installs the "
               "default corpus)\n",
               corpus, recs.size(), holdout);
    return 2;
  }
  double total_seconds = 0;
  for (const auto& r : recs) total_seconds += r.seconds;
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> order(recs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<std::size_t> registered, unregistered, negatives;
  for (std::size_t k = 0; k < order.size(); ++k) {
    (k >= static_cast<std::size_t>(holdout) ? registered : unregistered).push_back(order[k]);
  }
  std::sort(registered.begin(), registered.end());
  std::sort(unregistered.begin(), unregistered.end());
  double negative_seconds = 0;
  for (const auto& pkg : negative) {
    auto files = PackageMusicFiles(pkg);
    if (!files.ok()) {
      fmt::print(stderr, "{}\n", files.status().message());
      return 2;
    }
    const std::string root = fs::path(files->front()).parent_path().string();
    std::string common = root;  // the package's music directory: the files' common prefix
    for (const auto& f : *files) {
      while (!f.starts_with(common + "/")) common = fs::path(common).parent_path().string();
    }
    for (auto& r : LoadRecordings(*files, common, pkg, threads)) {
      negatives.push_back(recs.size());
      negative_seconds += r.seconds;
      recs.push_back(std::move(r));
    }
  }
  fmt::print("corpus: {} ({} recordings, {:.1f} min); registered {}, unregistered:", corpus,
             registered.size() + unregistered.size(), total_seconds / 60, registered.size());
  for (auto i : unregistered) fmt::print(" {}", recs[i].name);
  fmt::print("\nnegative: {} ({} recordings, {:.1f} min)\n", fmt::join(negative, ", "),
             negatives.size(), negative_seconds / 60);

  auto scratch = signet::TempDir::Create("signet-eval");
  if (!scratch.ok()) {
    fmt::print(stderr, "{}\n", scratch.status().ToString());
    return 1;
  }
  const std::string tmp = scratch->path().string();
  if (calibrate) {
    return RunCalibration(recs, registered, unregistered, negatives, copt, tmp, seed, threads,
                          verbose);
  }

  auto made = MakeEvalMatcher(matcher_name, mopt);
  if (!made.ok()) {
    fmt::print(stderr, "{}\n", made.status().message());
    return 2;
  }
  std::unique_ptr<EvalMatcher> matcher = std::move(made).value();
  for (std::size_t i : registered) {
    const signet::Status st = matcher->Register({i, recs[i].name, recs[i].path, recs[i].fp});
    if (!st.ok()) fmt::print(stderr, "register {}: {}\n", recs[i].name, st.ToString());
  }
  matcher->Finish();
  fmt::print("matcher: {}\n", matcher->Describe());
  auto speech = MakeSpeech(tmp);

  // ---- the queries -----------------------------------------------------------
  struct Job {
    std::string length, deg;
    std::uint64_t seed;
    Kind kind;
    std::size_t rec = SIZE_MAX;  // full-length unregistered queries: each recording once
  };
  std::vector<Job> jobs;
  for (const auto& len : lengths) {
    for (const auto& deg : degs) {
      const int n = len == "full" ? per_cell_full : per_cell;
      for (int k = 0; k < n; ++k) jobs.push_back({len, deg, rng(), Kind::kRegistered});
    }
    for (const auto& deg : negative_degs) {
      if (len == "full") {
        for (std::size_t i : unregistered) jobs.push_back({len, deg, rng(), Kind::kHoldout, i});
        std::vector<std::size_t> some = negatives;
        std::shuffle(some.begin(), some.end(), rng);
        some.resize(std::min<std::size_t>(some.size(), negative_per_cell));
        for (std::size_t i : some) jobs.push_back({len, deg, rng(), Kind::kNegative, i});
        continue;
      }
      for (int k = 0; k < per_cell; ++k) jobs.push_back({len, deg, rng(), Kind::kHoldout});
      for (int k = 0; k < negative_per_cell && !negatives.empty(); ++k)
        jobs.push_back({len, deg, rng(), Kind::kNegative});
    }
  }
  std::vector<Query> queries(jobs.size());
  std::atomic<bool> failed{false};
  {
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const std::string dir = tmp + "/" + std::to_string(t);
        fs::create_directories(dir);
        for (std::size_t j; (j = next++) < jobs.size() && !failed;) {
          const Job& job = jobs[j];
          std::mt19937_64 r(job.seed);
          const std::vector<std::size_t>& from = job.kind == Kind::kRegistered ? registered
                                                 : job.kind == Kind::kHoldout  ? unregistered
                                                                               : negatives;
          const bool full = job.length == "full";
          const double len = full ? 0 : std::stod(job.length);
          auto pick = [&](const std::vector<std::size_t>& pool_recs, double need,
                          std::size_t avoid) {
            for (int tries = 0; tries < 1000; ++tries) {
              const std::size_t i = pool_recs[r() % pool_recs.size()];
              if (recs[i].seconds >= need + 1 && recs[i].name != "silence" &&
                  (avoid == SIZE_MAX || !Siblings(recs[i].name, recs[avoid].name))) {
                return i;
              }
            }
            return pool_recs[0];
          };
          auto start_in = [&](std::size_t i, double l) {
            std::uniform_real_distribution<double> u(0.0, std::max(0.0, recs[i].seconds - l - 0.5));
            return full ? 0.0 : u(r);
          };
          Query& q = queries[j];
          q.length = job.length;
          q.deg = job.kind == Kind::kRegistered ? job.deg
                  : job.kind == Kind::kHoldout  ? "unregistered_" + job.deg
                                                : "negative_" + job.deg;
          const std::size_t a = job.rec != SIZE_MAX ? job.rec : pick(from, len, SIZE_MAX);
          const double la = full ? recs[a].seconds : len;
          const double sa = start_in(a, la);
          auto pcm = Cut(recs[a], sa, la, dir);
          if (!pcm.ok()) {
            fmt::print(stderr, "{}\n", pcm.status().ToString());
            failed = true;
            return;
          }
          q.source = a;
          q.source_start = sa;
          const double a_seconds = pcm->DurationSeconds();
          DegradeInputs in;
          in.tmp_dir = dir;
          signet::fp::Pcm other;
          const Needs needs = WhatItNeeds(job.deg).value();
          double boundary = 0, sb = 0;
          std::size_t b = SIZE_MAX;
          if (needs == Needs::kRegisteredBackground || needs == Needs::kSecondRegistered ||
              needs == Needs::kUnregisteredMusic) {
            const auto& pool_b = needs == Needs::kUnregisteredMusic
                                     ? (negatives.empty() ? unregistered : negatives)
                                     : registered;
            b = pick(pool_b, len, a);
            const double lb = full ? std::min(recs[b].seconds, la) : len;
            sb = start_in(b, lb);
            auto cut = Cut(recs[b], sb, lb, dir);
            if (cut.ok()) other = std::move(cut).value();
            in.other = &other;
            boundary = a_seconds;
          } else if (needs == Needs::kSpeech && speech.ok()) {
            const std::size_t n = speech->samples.size();
            const std::size_t from_sample =
                (r() % std::max<std::size_t>(1, n / 2)) & ~std::size_t{1};
            other = *speech;
            std::rotate(other.samples.begin(),
                        other.samples.begin() + static_cast<long>(from_sample),
                        other.samples.end());
            in.other = &other;
          }
          auto degraded = Degrade(job.deg, std::move(pcm).value(), in, r);
          if (!degraded.ok()) {
            fmt::print(stderr, "{}\n", degraded.status().ToString());
            failed = true;
            return;
          }
          q.how = degraded->how;
          const double scale = degraded->time_scale;
          if (job.kind == Kind::kRegistered) {
            const double short_end = matcher->SegmentEndShortfall();
            q.expect.push_back({a, 0.0, std::max(0.0, a_seconds / scale - short_end), sa, scale});
            if (needs == Needs::kRegisteredBackground) q.background = b;
            if (needs == Needs::kSecondRegistered) {
              const double total = boundary + other.DurationSeconds();
              // Chromaprint's 2.6 s windows that straddle the seam match
              // partly on either side, so its segments meet ~1.1 s before
              // it; matchers that report audio seconds meet at the seam.
              const double seam = boundary - std::min(1.1, short_end);
              q.expect[0].query_end = seam;
              q.expect.push_back({b, seam, total - short_end, sb - boundary, 1.0});
              q.all_required = true;
            }
          }
          const double t0 = CpuMs();
          auto prepared = matcher->Prepare(degraded->file);
          q.prep_ms = CpuMs() - t0;
          if (!prepared.ok()) {
            fmt::print(stderr, "prepare {} {}: {}\n", q.length, q.deg,
                       prepared.status().ToString());
            failed = true;
            return;
          }
          q.prepared = std::move(prepared).value();
          if (brute_force && job.kind == Kind::kRegistered && scale == 1.0) {
            auto plain = signet::fp::FingerprintBuffer(degraded->file);
            if (plain.ok()) q.bf = BruteForceCheck(plain->fingerprint.values, recs[a].fp);
          }
        }
      });
    }
    for (auto& t : pool) t.join();
  }
  if (failed) return 2;

  // ---- matching ---------------------------------------------------------------
  std::map<std::pair<std::string, std::string>, Cell> cells;
  std::vector<std::string> len_order, deg_order;
  // --null-tally: per length, the fused log10 pair probability of every
  // (negative query, registered work) pair reported, and the queries.
  std::map<std::string, std::vector<double>> null_pairs;
  std::map<std::string, int> null_queries;
  const double default_bar = signet::fp::FusionLog10Bar(registered.size());
  for (const Query& q : queries) {
    if (std::find(len_order.begin(), len_order.end(), q.length) == len_order.end())
      len_order.push_back(q.length);
    if (std::find(deg_order.begin(), deg_order.end(), q.deg) == deg_order.end())
      deg_order.push_back(q.deg);
    Cell& c = cells[{q.length, q.deg}];
    const double t0 = CpuMs();
    std::vector<Match> found = matcher->Match(*q.prepared);
    c.ms.push_back(CpuMs() - t0);
    if (mopt.null_tally > 0) {
      const bool negative_query = q.deg.starts_with("negative_");
      if (negative_query) ++null_queries[q.length];
      std::erase_if(found, [&](const Match& m) {
        const double lp =
            m.segments.empty() ? 0.0 : std::log10(std::max(1e-300, m.segments[0].pair_probability));
        if (negative_query) {
          null_pairs[q.length].push_back(lp);
          if (verbose && lp < -4)
            fmt::print("  null pair: {} {} from {} @{:.1f} vs {}: {}\n", q.length, q.deg,
                       recs[q.source].name, q.source_start, recs[m.ref_id].name,
                       matcher->Why(m.ref_id));
        }
        return lp > default_bar;  // the table: the default bar only
      });
    }
    c.prep_ms.push_back(q.prep_ms);
    ++c.n;
    auto name_of = [&](std::uint64_t id) {
      return id < recs.size()                 ? recs[id].name
             : id >= (std::uint64_t{1} << 41) ? std::string("landmark filler")
                                              : std::string("synthetic filler");
    };
    auto correct_for = [&](const Match& m, const Expect& e) {
      return Siblings(name_of(m.ref_id), recs[e.rec].name);
    };
    bool any_wrong = false;
    for (const Match& m : found) {
      bool ok = false;
      for (const Expect& e : q.expect) ok = ok || correct_for(m, e);
      if (q.background != SIZE_MAX && Siblings(name_of(m.ref_id), recs[q.background].name))
        ok = true;
      if (ok) continue;
      any_wrong = true;
      if (verbose && !m.segments.empty()) {
        const auto& s = m.segments[0];
        fmt::print(
            "  {}: {} {} from {} @{:.1f}: {} score {:.1f} speed {:.2f} seg q {:.1f}-{:.1f} "
            "r {:.1f} ber {:.3f} n {}\n",
            q.expect.empty() ? "false positive" : "wrong", q.length, q.deg, recs[q.source].name,
            q.source_start, name_of(m.ref_id), m.score, m.speed, s.query_start, s.query_end,
            s.ref_start, s.bit_error_rate, s.informative_positions);
        if (const std::string why = matcher->Why(m.ref_id); !why.empty())
          fmt::print("    {}\n", why);
      }
    }
    if (q.expect.empty()) {
      if (!found.empty()) ++c.fp_queries;
      continue;
    }
    if (any_wrong) ++c.wrong;
    bool hit;
    if (q.all_required) {
      hit = std::all_of(q.expect.begin(), q.expect.end(), [&](const Expect& e) {
        return std::any_of(found.begin(), found.end(),
                           [&](const Match& m) { return correct_for(m, e); });
      });
    } else {
      hit = !found.empty() && correct_for(found[0], q.expect[0]);
    }
    if (hit) ++c.top1;
    if (q.bf.found) {
      ++c.bf_found;
      c.bf_missed += !hit;
      c.bf.positions += q.bf.positions;
      c.bf.exact += q.bf.exact;
      c.bf.exact3 += q.bf.exact3;
      c.bf.within1 += q.bf.within1;
      for (std::size_t j = 0; j < c.bf.flips.size(); ++j) c.bf.flips[j] += q.bf.flips[j];
    }
    if (verbose) {
      // What the matcher said about the expected work (present when it was
      // found below the bar, or with a loose --max-e-value for diagnosis).
      const auto it = std::find_if(found.begin(), found.end(),
                                   [&](const Match& m) { return correct_for(m, q.expect[0]); });
      std::string seen = "not returned";
      if (it != found.end() && !it->segments.empty()) {
        const auto best =
            std::min_element(it->segments.begin(), it->segments.end(),
                             [](const auto& a, const auto& b) { return a.e_value < b.e_value; });
        seen = fmt::format(
            "score {:.2f} speed {:.2f} seg q {:.1f}-{:.1f} r {:.1f} ber {:.3f} n {} bg q3 {:.3f} "
            "({} shifts)",
            it->score, it->speed, best->query_start, best->query_end, best->ref_start,
            best->bit_error_rate, best->informative_positions, best->background.upper_quartile,
            best->background.shifts);
      }
      fmt::print("  {}: {} {} from {} @{:.1f}: {}\n", hit ? "hit" : "miss", q.length, q.deg,
                 recs[q.source].name, q.source_start, seen);
      if (!hit) {
        if (const std::string why = matcher->Why(q.expect[0].rec); !why.empty())
          fmt::print("    {}: {}\n", it != found.end() ? "its work" : "below the bar", why);
        if (!found.empty() && it != found.end() && &found[0] != &*it)
          fmt::print("    ranked first: {} score {:.2f}: {}\n", name_of(found[0].ref_id),
                     found[0].score, matcher->Why(found[0].ref_id));
      }
    }
    // Segment accuracy: for every expected work, a found segment on the right
    // alignment (or a repeat of the passage) whose union of query ranges has
    // boundaries within 2 s of the expected ones.
    bool seg_ok = hit;
    for (const Expect& e : q.expect) {
      if (!seg_ok) break;
      const auto it = std::find_if(found.begin(), found.end(),
                                   [&](const Match& m) { return m.ref_id == e.rec; });
      if (it == found.end()) {  // found through the sibling: no segment check
        seg_ok = std::any_of(found.begin(), found.end(),
                             [&](const Match& m) { return correct_for(m, e); });
        continue;
      }
      double qs = 1e9, qe = -1e9;
      bool diag_ok = false;
      for (const auto& s : it->segments) {
        qs = std::min(qs, s.query_start);
        qe = std::max(qe, s.query_end);
        diag_ok = diag_ok || AlignedAsExpected(s, e, recs[e.rec].fp);
      }
      seg_ok = diag_ok && std::abs(qs - e.query_start) <= 2.0 && std::abs(qe - e.query_end) <= 2.0;
    }
    if (seg_ok) ++c.seg_ok;
  }

  fmt::print("\n{:>6} {:<24} {:>5} {:>7} {:>7} {:>6} {:>5} {:>8} {:>8} {:>8}\n", "length",
             "degradation", "n", "top1%", "seg_ok%", "wrong", "fp_q", "prep_ms", "p50_ms",
             "p99_ms");
  int negatives_total = 0, negatives_matched = 0;
  for (const auto& len : len_order) {
    for (const auto& deg : deg_order) {
      auto it = cells.find({len, deg});
      if (it == cells.end()) continue;
      const Cell& c = it->second;
      const bool unreg = deg.starts_with("unregistered") || deg.starts_with("negative");
      if (unreg) {
        negatives_total += c.n;
        negatives_matched += c.fp_queries;
      }
      fmt::print("{:>6} {:<24} {:>5} {:>7} {:>7} {:>6} {:>5} {:>8.2f} {:>8.3f} {:>8.3f}\n", len,
                 deg, c.n, unreg ? std::string("-") : fmt::format("{:.1f}", 100.0 * c.top1 / c.n),
                 unreg ? std::string("-") : fmt::format("{:.1f}", 100.0 * c.seg_ok / c.n), c.wrong,
                 c.fp_queries, Percentile(c.prep_ms, 0.5), Percentile(c.ms, 0.5),
                 Percentile(c.ms, 0.99));
    }
  }
  if (brute_force) {
    fmt::print(
        "\nbrute force (plain query vs its source, every diagonal; cells with timing kept):\n"
        "{:>6} {:<18} {:>5} {:>5} {:>8} {:>7} {:>7} {:>7}  key bit flip % (bit 0 most robust)\n",
        "length", "degradation", "n", "bf%", "bf_miss", "exact", "exact3", "within1");
    for (const auto& len : len_order) {
      for (const auto& deg : deg_order) {
        auto it = cells.find({len, deg});
        if (it == cells.end() || it->second.bf_found == 0) continue;
        const Cell& c = it->second;
        const double np = std::max(1, c.bf.positions);
        std::string flips;
        for (int f : c.bf.flips) flips += fmt::format(" {:.0f}", 100.0 * f / np);
        fmt::print("{:>6} {:<18} {:>5} {:>5.0f} {:>8} {:>7.3f} {:>7.3f} {:>7.3f} {}\n", len, deg,
                   c.n, 100.0 * c.bf_found / c.n, c.bf_missed, c.bf.exact / np, c.bf.exact3 / np,
                   c.bf.within1 / np, flips);
      }
    }
    fmt::print(
        "exact / exact3 / within1: fraction of the segment's informative positions whose {}-bit "
        "key equals the reference's on the diagonal / on d-1..d+1 / within one bit there.\n",
        signet::fp::kIndexKeyBits);
  }
  if (mopt.null_tally > 0) {
    fmt::print(
        "\nfused null on unrelated pairs (--null-tally {:g}): every (negative_* query, "
        "registered work) pair, both prints and every variant; fraction of pairs whose fused pair "
        "probability is below x (calibrated: <= x; the default bar is 10^{:.1f})\n"
        "{:>6} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}\n",
        mopt.null_tally, default_bar, "length", "queries", "pairs", "P(<1e-2)", "P(<1e-3)",
        "P(<1e-4)", "P(<1e-5)", "P(<1e-6)", "min_lg");
    std::vector<double> all;
    int all_queries = 0;
    auto row = [&](const std::string& len, const std::vector<double>& v, int nq) {
      const double pairs = static_cast<double>(nq) * static_cast<double>(registered.size());
      fmt::print("{:>6} {:>7} {:>8.0f}", len, nq, pairs);
      for (int e = 2; e <= 6; ++e) {
        const auto k = std::count_if(v.begin(), v.end(), [&](double lp) { return lp < -e; });
        fmt::print(" {:>9}", k == 0 ? fmt::format("0") : fmt::format("{:.2e}", k / pairs));
      }
      fmt::print(" {:>8.1f}\n", v.empty() ? 0.0 : *std::min_element(v.begin(), v.end()));
    };
    for (const auto& len : len_order) {
      if (!null_queries.contains(len)) continue;
      row(len, null_pairs[len], null_queries[len]);
      all.insert(all.end(), null_pairs[len].begin(), null_pairs[len].end());
      all_queries += null_queries[len];
    }
    row("all", all, all_queries);
  }
  fmt::print(
      "\nunregistered queries matched: {} of {}\n"
      "top1%: the best match is the excerpt's work (or its sibling); back_to_back: both works "
      "found. seg_ok%: and a segment on the right alignment within 2 s of the expected query "
      "range. wrong: queries with any match to another work (the registered background of "
      "mix_bg is not wrong). fp_q: unregistered queries with any match. prep_ms: the matcher's "
      "Prepare (decode, prints, variants), p50; p50/p99_ms: its Match; thread CPU time.\n",
      negatives_matched, negatives_total);
  return 0;
}
