// signet-eval: the matcher evaluated on real recordings (issue 4).
//
// Registers most recordings of a directory (default: the Wesnoth corpus) in an
// in-process Index, holds a few out as unregistered, cuts excerpts at seeded
// random positions, degrades them as ../shared/corpus/README.md lists (ffmpeg
// and sox as subprocesses in a temp dir for codecs and filters; noise, volume
// and mixes in-process on the 44.1 kHz stereo PCM), fingerprints them with the
// library and prints per (length, degradation): top-1 recall, segment accuracy,
// false positives and latency. --calibrate instead prints the brute-force
// score distribution of unrelated query/reference pairs (fingerprint/EVALUATION.md).
//
// Reproducible: the same seed, corpus and options give the same table (query
// generation runs on two threads but each query has its own seed; matching
// runs single-threaded after all queries are made, so latencies are not
// disturbed by the encoders).
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "fingerprint/audio_decoder.h"
#include "fingerprint/extract.h"
#include "fingerprint/index.h"
#include "fingerprint/matcher.h"
#include "tools/eval/timing.h"

namespace fs = std::filesystem;
using signet::eval::CpuMs;
using signet::eval::Percentile;
using signet::fp::Index;
using signet::fp::Match;
using signet::fp::Matcher;

namespace {

constexpr int kRate = 44100;
constexpr int kChannels = 2;
constexpr double kStep = signet::fp::kSecondsPerPosition;

struct Recording {
  std::string name;
  std::string path;
  double seconds = 0;
  std::vector<std::uint32_t> fp;
  bool registered = false;
};

// Pairs that share material: a match to the sibling is correct.
bool Siblings(const std::string& a, const std::string& b) {
  auto pair = [&](const char* x, const char* y) {
    return (a == x && b == y) || (a == y && b == x);
  };
  return a == b || pair("battle", "battle-epic") || pair("frantic", "frantic-old");
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

bool Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

signet::fp::Pcm Decode(const std::string& path) {
  signet::fp::DecodeOptions o;
  o.sample_rate = kRate;
  o.channels = kChannels;
  auto r = signet::fp::DecodeAudio(signet::fp::AudioSource::File(path), o);
  if (!r.ok()) {
    fmt::print(stderr, "decode {}: {}\n", path, r.status().ToString());
    std::exit(2);
  }
  return std::move(r).value();
}

// Cuts [start, start+len) of a recording into a 44.1 kHz stereo WAV.
signet::fp::Pcm Cut(const Recording& r, double start, double len, const std::string& tmp) {
  const std::string out = tmp + "/cut.wav";
  Run(fmt::format("ffmpeg -v error -y -ss {:.3f} -t {:.3f} -i {} -ar {} -ac {} -c:a pcm_s16le {}",
                  start, len, Quote(r.path), kRate, kChannels, Quote(out)));
  return Decode(out);
}

double Rms(const std::vector<std::int16_t>& s) {
  double acc = 0;
  for (auto x : s) acc += static_cast<double>(x) * x;
  return std::sqrt(acc / std::max<std::size_t>(1, s.size()));
}

void AddScaled(std::vector<std::int16_t>& into, const std::vector<float>& add) {
  for (std::size_t i = 0; i < into.size() && i < add.size(); ++i) {
    into[i] = static_cast<std::int16_t>(std::clamp(into[i] + add[i], -32768.0f, 32767.0f));
  }
}

void WriteWav(const signet::fp::Pcm& pcm, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  auto u32 = [&](std::uint32_t v) { std::fwrite(&v, 4, 1, f); };
  auto u16 = [&](std::uint16_t v) { std::fwrite(&v, 2, 1, f); };
  const auto bytes = static_cast<std::uint32_t>(pcm.samples.size() * 2);
  std::fwrite("RIFF", 1, 4, f);
  u32(36 + bytes);
  std::fwrite("WAVEfmt ", 1, 8, f);
  u32(16);
  u16(1);
  u16(static_cast<std::uint16_t>(pcm.channels));
  u32(static_cast<std::uint32_t>(pcm.sample_rate));
  u32(static_cast<std::uint32_t>(pcm.sample_rate * pcm.channels * 2));
  u16(static_cast<std::uint16_t>(pcm.channels * 2));
  u16(16);
  std::fwrite("data", 1, 4, f);
  u32(bytes);
  std::fwrite(pcm.samples.data(), 2, pcm.samples.size(), f);
  std::fclose(f);
}

std::vector<std::uint32_t> FileValues(const std::string& path) {
  auto r = signet::fp::FingerprintFile(path);
  if (!r.ok()) return {};
  return std::move(r).value().fingerprint.values;
}

std::vector<std::uint32_t> PcmValues(const signet::fp::Pcm& pcm) {
  auto r = signet::fp::FingerprintPcm(pcm);
  if (!r.ok()) return {};
  return std::move(r).value().fingerprint.values;
}

// Applies a named degradation (corpus README) and fingerprints the result.
std::vector<std::uint32_t> DegradeOnly(const std::string& deg, signet::fp::Pcm& pcm,
                                       const std::string& tmp, std::mt19937_64& rng);

// `speeds` (optional): also fingerprints the degraded audio slowed down by each
// factor (PCM relabelled at rate / speed: a speed change, tempo and pitch,
// like sox speed) into `variants`, in the same order.
std::vector<std::uint32_t> Degrade(const std::string& deg, signet::fp::Pcm pcm,
                                   const std::string& tmp, std::mt19937_64& rng,
                                   const std::vector<double>& speeds,
                                   std::vector<std::vector<std::uint32_t>>& variants) {
  std::vector<std::uint32_t> fp = DegradeOnly(deg, pcm, tmp, rng);
  if (!speeds.empty() && !deg.starts_with("noise_") && !deg.starts_with("vol_") && deg != "clean") {
    pcm = Decode(tmp + (deg.starts_with("mp3") ? "/out.mp3" : "/out.wav"));
  }
  for (double speed : speeds) {
    signet::fp::Pcm v = pcm;
    v.sample_rate = static_cast<int>(std::lround(pcm.sample_rate / speed));
    variants.push_back(PcmValues(v));
  }
  return fp;
}

std::vector<std::uint32_t> DegradeOnly(const std::string& deg, signet::fp::Pcm& pcm,
                                       const std::string& tmp, std::mt19937_64& rng) {
  const std::string in = tmp + "/in.wav";
  if (deg == "clean") return PcmValues(pcm);
  if (deg.starts_with("noise_")) {
    const double snr = std::stod(deg.substr(6));
    const double sigma = Rms(pcm.samples) / std::pow(10.0, snr / 20.0);
    std::normal_distribution<float> n(0.0f, static_cast<float>(sigma));
    std::vector<float> noise(pcm.samples.size());
    for (auto& x : noise) x = n(rng);
    AddScaled(pcm.samples, noise);
    return PcmValues(pcm);
  }
  if (deg.starts_with("vol_")) {
    const double gain = std::pow(10.0, std::stod(deg.substr(4)) / 20.0);
    for (auto& x : pcm.samples) x = static_cast<std::int16_t>(std::lround(x * gain));
    return PcmValues(pcm);
  }
  WriteWav(pcm, in);
  std::string out, cmd;
  if (deg == "mp3_64k") {
    out = tmp + "/out.mp3";
    cmd = fmt::format("ffmpeg -v error -y -i {} -c:a libmp3lame -b:a 64k {}", in, out);
  } else if (deg == "mp3_32k_mono") {
    out = tmp + "/out.mp3";
    cmd = fmt::format("ffmpeg -v error -y -i {} -c:a libmp3lame -b:a 32k -ac 1 -ar 22050 {}", in,
                      out);
  } else if (deg == "lowpass_3k") {
    out = tmp + "/out.wav";
    cmd = fmt::format("sox {} {} lowpass 3000", in, out);
  } else if (deg.starts_with("speed_")) {  // speed_+3 / speed_-3 (percent)
    out = tmp + "/out.wav";
    cmd = fmt::format("sox {} {} speed {:.4f}", in, out, 1.0 + std::stod(deg.substr(6)) / 100.0);
  } else if (deg.starts_with("pitch_")) {  // pitch_+100 (cents)
    out = tmp + "/out.wav";
    cmd = fmt::format("sox {} {} pitch {}", in, out, deg.substr(6));
  } else {
    fmt::print(stderr, "unknown degradation {}\n", deg);
    std::exit(2);
  }
  if (!Run(cmd)) {
    fmt::print(stderr, "failed: {}\n", cmd);
    std::exit(2);
  }
  return FileValues(out);
}

struct Expect {
  std::size_t rec;
  double query_start, query_end, ref_start;  // seconds, fingerprint time
};

struct Query {
  std::string length, deg;
  std::vector<std::uint32_t> fp;
  std::vector<std::vector<std::uint32_t>> variants;  // one per --speed-variants factor
  std::vector<Expect> expect;                        // empty: unregistered, nothing should match
  bool all_required = false;          // back_to_back: every expected work must be found
  std::size_t background = SIZE_MAX;  // mix_bg: the work mixed under; finding it is right
  std::size_t source = 0;             // the (first) recording the query was cut from
  double source_start = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"signet-eval: matcher recall, segment accuracy, false positives and latency"};
  std::string corpus = "/usr/share/games/wesnoth/1.16/data/core/music";
  std::uint64_t seed = 42;
  int per_cell = 40;
  int per_cell_full = 8;
  int holdout = 8;
  int threads = 2;
  bool calibrate = false;
  bool verbose = false;
  double fp_rate = signet::fp::MatchOptions{}.max_false_positive_rate;
  std::vector<std::string> lengths = {"5", "10", "30", "full"};
  std::vector<std::string> degs = {"clean",      "mp3_64k",    "mp3_32k_mono", "noise_20",
                                   "noise_10",   "noise_5",    "vol_-12",      "vol_-30",
                                   "lowpass_3k", "mix_bg-6dB", "back_to_back"};
  app.add_option("--corpus", corpus, "directory of recordings");
  app.add_option("--seed", seed);
  app.add_option("--per-cell", per_cell, "queries per (length, degradation)");
  app.add_option("--per-cell-full", per_cell_full, "queries per degradation for full length");
  app.add_option("--holdout", holdout, "recordings left unregistered");
  app.add_option("--threads", threads, "threads making queries (matching is single-threaded)");
  app.add_option("--lengths", lengths)->delimiter(',');
  app.add_option("--degradations", degs)->delimiter(',');
  std::vector<double> speeds;
  app.add_option("--speed-variants", speeds,
                 "also query the audio slowed down by these factors, e.g. 1.03,0.97")
      ->delimiter(',');
  app.add_option("--fp-rate", fp_rate, "MatchOptions::max_false_positive_rate");
  double fp_rate_speed = signet::fp::MatchOptions{}.max_false_positive_rate_speed_variant;
  app.add_option("--fp-rate-speed", fp_rate_speed,
                 "MatchOptions::max_false_positive_rate_speed_variant");
  app.add_flag("--calibrate", calibrate, "print unrelated-pair score distributions instead");
  signet::fp::ScoreModel model;
  app.add_option("--null-ber", model.null_ber, "ScoreModel override");
  app.add_option("--null-sigma", model.null_sigma, "ScoreModel override");
  app.add_option("--tests-per-position", model.tests_per_position, "ScoreModel override");
  app.add_flag("--verbose", verbose, "print the unrelated pairs that score well");
  CLI11_PARSE(app, argc, argv);

  std::string cmdline;
  for (int i = 0; i < argc; ++i) cmdline += (i ? " " : "") + std::string(argv[i]);
  fmt::print("command: {}\nseed: {}\n", cmdline, seed);

  std::vector<Recording> recs;
  for (const auto& e : fs::directory_iterator(corpus)) {
    if (!e.is_regular_file()) continue;
    recs.push_back({e.path().stem().string(), e.path().string(), 0, {}, false});
  }
  std::sort(recs.begin(), recs.end(),
            [](const Recording& a, const Recording& b) { return a.name < b.name; });
  double total_seconds = 0;
  {
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (std::size_t i; (i = next++) < recs.size();) {
          auto r = signet::fp::FingerprintFile(recs[i].path);
          if (!r.ok()) continue;
          recs[i].fp = r.value().fingerprint.values;
          recs[i].seconds = static_cast<double>(recs[i].fp.size()) * kStep + 2.6;
        }
      });
    }
    for (auto& t : pool) t.join();
  }
  std::erase_if(recs, [](const Recording& r) { return r.fp.empty(); });
  for (const auto& r : recs) total_seconds += r.seconds;

  std::mt19937_64 rng(seed);
  std::vector<std::size_t> order(recs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  Index index;
  std::vector<std::size_t> registered, unregistered;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    recs[i].registered = k >= static_cast<std::size_t>(holdout);
    if (recs[i].registered) {
      registered.push_back(i);
      if (auto s = index.Add(i, recs[i].fp); !s.ok()) fmt::print("add: {}\n", s.ToString());
    } else {
      unregistered.push_back(i);
    }
  }
  index.Compact();
  std::sort(registered.begin(), registered.end());
  std::sort(unregistered.begin(), unregistered.end());
  fmt::print("corpus: {} ({} recordings, {:.1f} min); registered {}, unregistered:", corpus,
             recs.size(), total_seconds / 60, registered.size());
  for (auto i : unregistered) fmt::print(" {}", recs[i].name);
  const auto stats = index.Stats();
  fmt::print("\nindex: {} positions, {:.2f} posting bytes/position, {:.1f} MB total\n",
             stats.positions, static_cast<double>(stats.posting_bytes) / stats.positions,
             stats.memory_bytes / 1e6);

  auto scratch = signet::TempDir::Create("signet-eval");
  if (!scratch.ok()) {
    fmt::print(stderr, "{}\n", scratch.status().ToString());
    return 1;
  }
  const std::string tmp = scratch->path().string();

  // ---- the queries -----------------------------------------------------------
  struct Job {
    std::string length, deg;
    std::uint64_t seed;
    bool unregistered;
  };
  std::vector<Job> jobs;
  for (const auto& len : lengths) {
    for (const auto& deg : degs) {
      const int n = len == "full" ? per_cell_full : per_cell;
      for (int k = 0; k < n; ++k) jobs.push_back({len, deg, rng(), false});
    }
    // Unregistered recordings: clean and mp3_64k excerpts.
    for (const char* deg : {"clean", "mp3_64k"}) {
      const int n = len == "full" ? static_cast<int>(unregistered.size()) : per_cell;
      for (int k = 0; k < n; ++k) jobs.push_back({len, deg, rng(), true});
    }
  }
  if (calibrate) std::erase_if(jobs, [](const Job& j) { return !j.unregistered; });

  std::vector<Query> queries(jobs.size());
  {
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        const std::string dir = tmp + "/" + std::to_string(t);
        fs::create_directories(dir);
        for (std::size_t j; (j = next++) < jobs.size();) {
          const Job& job = jobs[j];
          std::mt19937_64 r(job.seed);
          const std::vector<std::size_t>& pool_recs = job.unregistered ? unregistered : registered;
          const bool full = job.length == "full";
          const double len = full ? 0 : std::stod(job.length);
          auto pick = [&](double need, std::size_t avoid) {
            for (int tries = 0; tries < 1000; ++tries) {
              const std::size_t i = pool_recs[r() % pool_recs.size()];
              if (recs[i].seconds >= need + 1 && !Siblings(recs[i].name, recs[avoid].name) &&
                  recs[i].name != "silence") {
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
          q.deg = job.unregistered ? "unregistered_" + job.deg : job.deg;
          const std::size_t a = pick(len, pool_recs[0] == 0 ? 1 : 0);
          const double la = full ? recs[a].seconds : len;
          const double sa = start_in(a, la);
          signet::fp::Pcm pcm = Cut(recs[a], sa, la, dir);
          q.source = a;
          q.source_start = sa;
          const double a_fp_end = std::max(0.0, static_cast<double>(pcm.frames()) / kRate - 2.6);
          if (!job.unregistered) q.expect.push_back({a, 0.0, a_fp_end, sa});
          std::string deg = job.deg;
          if (deg == "mix_bg-6dB" || deg == "back_to_back") {
            const std::size_t b = pick(len, a);
            const double lb = full ? std::min(recs[b].seconds, la) : len;
            const double sb = start_in(b, lb);
            signet::fp::Pcm other = Cut(recs[b], sb, lb, dir);
            if (deg == "mix_bg-6dB") {
              q.background = b;
              const double g = Rms(pcm.samples) / std::max(1.0, Rms(other.samples)) * 0.5;
              std::vector<float> add(other.samples.size());
              for (std::size_t k = 0; k < add.size(); ++k)
                add[k] = static_cast<float>(other.samples[k] * g);
              AddScaled(pcm.samples, add);
            } else {
              const double boundary = static_cast<double>(pcm.frames()) / kRate;
              pcm.samples.insert(pcm.samples.end(), other.samples.begin(), other.samples.end());
              q.expect[0].query_end = boundary - 1.1;
              q.expect.push_back(
                  {b, boundary - 1.1, static_cast<double>(pcm.frames()) / kRate - 2.6, sb});
              q.expect[1].ref_start = sb - boundary;  // ref time at query time 0
              q.all_required = true;
            }
            deg = "clean";
          }
          q.fp = Degrade(deg, std::move(pcm), dir, r, speeds, q.variants);
        }
      });
    }
    for (auto& t : pool) t.join();
  }

  if (calibrate) {
    // Brute force: every unregistered query against every registered
    // reference at every diagonal; the best segment per pair.
    std::map<std::string, std::vector<double>> best_fp, best_z;
    for (const Query& q : queries) {
      for (std::size_t i : registered) {
        const auto& ref = recs[i].fp;
        double fp = 1, zmax = -1e9;
        signet::fp::Segment worst;
        for (int d = -static_cast<int>(q.fp.size()); d < static_cast<int>(ref.size()); ++d) {
          for (const auto& s : signet::fp::AlignSegments(q.fp, ref, d, model)) {
            if (s.false_positive_probability < fp) worst = s;
            fp = std::min(fp, s.false_positive_probability);
            zmax = std::max(zmax, (model.null_ber - s.bit_error_rate) *
                                      std::sqrt(s.informative_positions) / model.null_sigma);
          }
        }
        if (verbose && fp < 1e-3) {
          fmt::print(
              "  {} @{:.1f}s ({}) vs {}: q {:.1f}-{:.1f} r {:.1f}-{:.1f} ber {:.3f} n {} fp "
              "{:.1e}\n",
              recs[q.source].name, q.source_start, q.length, recs[i].name, worst.query_start,
              worst.query_end, worst.ref_start, worst.ref_end, worst.bit_error_rate,
              worst.informative_positions, fp);
        }
        best_fp[q.length].push_back(fp);
        best_z[q.length].push_back(zmax);
      }
    }
    fmt::print(
        "\nunrelated pairs, brute force over all diagonals (model null_ber={} sigma={} "
        "tests/position={})\n",
        model.null_ber, model.null_sigma, model.tests_per_position);
    fmt::print("{:>6} {:>7} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}\n", "length", "pairs",
               "P(fp<.1)", "P(<.01)", "P(<1e-3)", "P(<1e-6)", "min_fp", "z_p99", "z_max");
    for (auto& [len, v] : best_fp) {
      auto frac = [&](double x) {
        return static_cast<double>(
                   std::count_if(v.begin(), v.end(), [&](double f) { return f < x; })) /
               v.size();
      };
      fmt::print("{:>6} {:>7} {:>9.4f} {:>9.4f} {:>9.4f} {:>9.4f} {:>8.1e} {:>8.2f} {:>8.2f}\n",
                 len, v.size(), frac(0.1), frac(0.01), frac(1e-3), frac(1e-6),
                 *std::min_element(v.begin(), v.end()), Percentile(best_z[len], 0.99),
                 *std::max_element(best_z[len].begin(), best_z[len].end()));
    }
    return 0;
  }

  // ---- matching ---------------------------------------------------------------
  signet::fp::MatchOptions options;
  options.max_false_positive_rate = fp_rate;
  options.max_false_positive_rate_speed_variant = fp_rate_speed;
  options.score_model = model;
  Matcher matcher(index, options);
  struct Cell {
    int n = 0, top1 = 0, seg_ok = 0, fp_queries = 0, wrong = 0;
    std::vector<double> ms;
  };
  std::map<std::pair<std::string, std::string>, Cell> cells;
  std::vector<std::string> len_order, deg_order;
  for (const Query& q : queries) {
    if (std::find(len_order.begin(), len_order.end(), q.length) == len_order.end())
      len_order.push_back(q.length);
    if (std::find(deg_order.begin(), deg_order.end(), q.deg) == deg_order.end())
      deg_order.push_back(q.deg);
    Cell& c = cells[{q.length, q.deg}];
    const double t0 = CpuMs();
    std::vector<signet::fp::QueryVariant> variants = {{q.fp, 1.0}};
    for (std::size_t k = 0; k < q.variants.size(); ++k)
      variants.push_back({q.variants[k], speeds[k]});
    const std::vector<Match> found = matcher.Find(variants);
    c.ms.push_back(CpuMs() - t0);
    ++c.n;
    auto correct_for = [&](const Match& m, const Expect& e) {
      return Siblings(recs[m.ref_id].name, recs[e.rec].name);
    };
    bool any_wrong = false;
    for (const Match& m : found) {
      bool ok = false;
      for (const Expect& e : q.expect) ok = ok || correct_for(m, e);
      if (q.background != SIZE_MAX && Siblings(recs[m.ref_id].name, recs[q.background].name))
        ok = true;
      // A registered sibling of an unregistered query's recording shares material.
      if (q.expect.empty() && !found.empty()) ok = false;
      if (!ok) {
        any_wrong = true;
        if (verbose && !q.expect.empty()) {
          fmt::print(
              "  wrong: {} {} from {} @{:.1f}: {} score {:.1f} seg q {:.1f}-{:.1f} r {:.1f} ber "
              "{:.3f}\n",
              q.length, q.deg, recs[q.source].name, q.source_start, recs[m.ref_id].name, m.score,
              m.segments[0].query_start, m.segments[0].query_end, m.segments[0].ref_start,
              m.segments[0].bit_error_rate);
        }
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
    // Segment accuracy: for every expected work, a found segment whose
    // diagonal is right (or lands on a repeat of the same passage) and whose
    // union of query ranges has boundaries within 2 s of the expected ones.
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
      const auto& ref = recs[e.rec].fp;
      for (const auto& s : it->segments) {
        qs = std::min(qs, s.query_start);
        qe = std::max(qe, s.query_end);
        const double offset = s.ref_start - s.query_start;
        if (std::abs(offset - e.ref_start) < 1.0) {
          diag_ok = true;
        } else {
          // A repeat: the reference at the reported offset equals itself at the true one.
          const int d1 = static_cast<int>(std::lround(offset / kStep));
          const int d0 = static_cast<int>(std::lround(e.ref_start / kStep));
          const int i0 = static_cast<int>(s.query_start / kStep),
                    i1 = static_cast<int>(s.query_end / kStep);
          int errs = 0, n = 0;
          for (int i = i0; i < i1; ++i) {
            if (i + d1 < 0 || i + d0 < 0 || i + d1 >= static_cast<int>(ref.size()) ||
                i + d0 >= static_cast<int>(ref.size()))
              continue;
            errs += std::popcount(ref[i + d1] ^ ref[i + d0]);
            ++n;
          }
          if (n > 0 && errs < 0.25 * 32 * n) diag_ok = true;
        }
      }
      seg_ok = diag_ok && std::abs(qs - e.query_start) <= 2.0 && std::abs(qe - e.query_end) <= 2.0;
    }
    if (seg_ok) ++c.seg_ok;
  }

  fmt::print("\n{:>6} {:<24} {:>5} {:>8} {:>8} {:>7} {:>7} {:>8} {:>8}\n", "length", "degradation",
             "n", "top1%", "seg_ok%", "wrong", "fp_q", "p50_ms", "p99_ms");
  for (const auto& len : len_order) {
    for (const auto& deg : deg_order) {
      auto it = cells.find({len, deg});
      if (it == cells.end()) continue;
      const Cell& c = it->second;
      const bool unreg = deg.starts_with("unregistered");
      fmt::print("{:>6} {:<24} {:>5} {:>8} {:>8} {:>7} {:>7} {:>8.3f} {:>8.3f}\n", len, deg, c.n,
                 unreg ? std::string("-") : fmt::format("{:.1f}", 100.0 * c.top1 / c.n),
                 unreg ? std::string("-") : fmt::format("{:.1f}", 100.0 * c.seg_ok / c.n), c.wrong,
                 c.fp_queries, Percentile(c.ms, 0.5), Percentile(c.ms, 0.99));
    }
  }
  fmt::print(
      "\ntop1%: the best match is the excerpt's work (or its sibling); back_to_back: both works "
      "found. wrong: queries with any match to another work (the background of a mix is not "
      "wrong). fp_q: unregistered queries "
      "with any match. Latency: Matcher::Find, thread CPU time.\n");
  return 0;
}
