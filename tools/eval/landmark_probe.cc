// signet-landmark-probe: how many reference landmark peaks survive each
// degradation (fingerprint/LANDMARK.md, "Peak survival"). For excerpts of real
// recordings it degrades the audio with sox/ffmpeg (corpus README), extracts
// the query's dense peaks, maps them back through the known transform (time
// factor, pitch shift) and counts the reference peaks (from the whole
// recording) that have a query peak within a tolerance; the same count at a
// wrong offset is the chance rate.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "fingerprint/audio_decoder.h"
#include "fingerprint/landmark.h"
#include "fingerprint/landmark_hash.h"
#include "fingerprint/landmark_index.h"
#include "fingerprint/landmark_matcher.h"
#include "tools/eval/degrade.h"
#include "tools/eval/timing.h"

namespace fs = std::filesystem;
using signet::fp::LandmarkPeak;
using signet::fp::LandmarkPrint;

namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }
bool Run(const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0; }

std::vector<std::int16_t> Mono(const std::string& path) {
  signet::fp::DecodeOptions o;
  o.sample_rate = signet::fp::kLandmarkSampleRate;
  o.channels = 1;
  auto r = signet::fp::DecodeAudio(signet::fp::AudioSource::File(path), o);
  if (!r.ok()) return {};
  return std::move(r->samples);
}

LandmarkPrint Print(const std::vector<std::int16_t>& s, double pps) {
  signet::fp::LandmarkExtractor x;
  x.Feed(s);
  auto c = x.Finish();
  signet::fp::LandmarkOptions o;
  o.peaks_per_second = pps;
  return signet::fp::SelectLandmarks(*c, o);
}

struct Transform {
  double time = 1;   // reference seconds per query second
  double shift = 0;  // query pitch - reference pitch, semitones
};

// sox command for a degradation, its transform; "" for mixes handled apart.
std::string SoxEffect(const std::string& d, Transform& t) {
  auto num = [&](std::size_t at) { return std::stod(d.substr(at)); };
  if (d == "clean") return "";
  if (d.starts_with("speed_")) {
    const double s = num(6);
    t = {s, 12 * std::log2(s)};
    return fmt::format("speed {}", s);
  }
  if (d.starts_with("tempo_")) {
    const double s = 1 + num(6) / 100;
    t = {s, 0};
    return fmt::format("tempo {}", s);
  }
  if (d.starts_with("pitch_")) {
    t = {1, num(6) / 100};
    return fmt::format("pitch {}", num(6));
  }
  if (d.starts_with("reverb_")) return fmt::format("reverb {}", num(7));
  if (d == "slowed_reverb") {
    t = {0.88, 12 * std::log2(0.88)};
    return "speed 0.88 reverb 50";
  }
  return "";
}

// Degrades tmp/cut.wav as `d` says (corpus README), returns the file.
std::string Degrade(const std::string& d, const std::string& tmp, const std::string& other,
                    double seconds, Transform& t) {
  std::string in = tmp + "/cut.wav", out = tmp + "/out.wav";
  if (d == "mp3_64k") {
    Run(fmt::format("ffmpeg -v error -y -i {} -c:a libmp3lame -b:a 64k {}/out.mp3", in, tmp));
    out = tmp + "/out.mp3";
  } else if (d == "noise_10") {
    Run(fmt::format("sox {} -p synth whitenoise vol 0.1 | sox -m {} - {}", in, in, out));
    // approximately 10 dB below typical music RMS; the eval does it exactly
  } else if (d.starts_with("mix_")) {
    const bool speech = d.starts_with("mix_speech");
    const double db = std::stod(d.substr(d.rfind('_') + 1));
    const std::string src = speech ? tmp + "/speech.wav" : other;
    Run(fmt::format("ffmpeg -v error -y -ss {} -t {:.3f} -i {} -ar 44100 -ac 2 {}/bg.wav",
                    speech ? 0 : 30, seconds, Quote(src), tmp));
    // Equal RMS then the offset in dB.
    auto rms = [&](const std::string& f) {
      auto s = Mono(f);
      double a = 0;
      for (auto x : s) a += double(x) * x;
      return std::sqrt(a / std::max<std::size_t>(1, s.size()));
    };
    const double g = rms(in) / std::max(1.0, rms(tmp + "/bg.wav")) * std::pow(10, db / 20);
    Run(fmt::format("sox -m -v 1 {} -v {:.4f} {}/bg.wav {}", in, g, tmp, out));
  } else {
    const std::string fx = SoxEffect(d, t);
    if (fx.empty()) {
      out = in;
    } else {
      Run(fmt::format("sox {} {} {}", in, out, fx));
    }
  }
  return out;
}

// --match: registers the corpus (minus `holdout`) in a LandmarkIndex and
// matches degraded excerpts of registered recordings and excerpts of
// unregistered ones.
int RunMatch(const std::vector<std::string>& files, const std::vector<std::string>& others,
             const std::vector<std::string>& degs, int per_cell, double seconds, int holdout,
             double ref_pps, double query_pps, std::uint64_t seed, const std::string& tmp,
             const signet::fp::LandmarkMatchOptions& options, bool verbose) {
  std::mt19937_64 rng(seed);
  signet::fp::LandmarkIndex index;
  std::vector<double> dur(files.size());
  index.BeginBulkLoad();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto s = Mono(files[i]);
    dur[i] = s.size() / double(signet::fp::kLandmarkSampleRate);
    if (static_cast<int>(i) < holdout) continue;
    if (auto st = index.Add(i, Print(s, ref_pps)); !st.ok()) fmt::print("add: {}\n", st.ToString());
  }
  index.Compact();
  const auto stats = index.Stats();
  fmt::print(
      "index: {} recordings, {:.0f} s, {:.1f} peaks/s, {:.1f} postings/s, {:.2f} B/posting "
      "(postings {:.0f} KB, peaks {:.0f} KB, all {:.0f} KB: {:.3f} MB/hour)\n",
      stats.recordings, stats.seconds, stats.peaks / stats.seconds, stats.postings / stats.seconds,
      double(stats.posting_bytes) / stats.postings, stats.posting_bytes / 1e3,
      stats.peak_bytes / 1e3, stats.memory_bytes / 1e3,
      stats.memory_bytes / 1e6 / (stats.seconds / 3600));
  signet::fp::LandmarkMatcher matcher(index, options);
  std::vector<std::string> cells = degs;
  cells.push_back("unregistered");
  fmt::print("{:<16} {:>4} {:>7} {:>7} {:>9} {:>9} {:>8} {:>8}\n", "degradation", "n", "top1%",
             "wrong", "p50_lg10", "worst_lg", "tempo", "p50_ms");
  for (const auto& d : cells) {
    const bool unreg = d == "unregistered";
    int n = 0, top1 = 0, wrong = 0;
    std::vector<double> lg, ms, tempo;
    for (int k = 0; k < per_cell; ++k) {
      std::size_t i;
      for (int tries = 0;; ++tries) {
        i = unreg ? rng() % std::max(1, holdout) : holdout + rng() % (files.size() - holdout);
        if (dur[i] > seconds + 4 || tries > 100) break;
      }
      if (dur[i] <= seconds + 4) continue;
      std::uniform_real_distribution<double> u(1, dur[i] - seconds - 1);
      const double start = u(rng);
      Run(fmt::format("ffmpeg -v error -y -ss {:.3f} -t {:.3f} -i {} -ar 44100 -ac 2 {}/cut.wav",
                      start, seconds, Quote(files[i]), tmp));
      Transform t;
      const std::string out =
          Degrade(unreg ? "clean" : d, tmp, others[rng() % others.size()], seconds, t);
      const auto q = Print(Mono(out), query_pps);
      const double t0 = signet::eval::CpuMs();
      const auto found = matcher.Find(q);
      ms.push_back(signet::eval::CpuMs() - t0);
      ++n;
      if (unreg) {
        if (!found.empty()) ++wrong;
        // Best pair probability over everything verified, threshold or not.
        double best = 0;
        for (const auto& a : matcher.Alignments(q))
          for (const auto& sg : a.segments) best = std::min(best, sg.log10_pair_probability);
        lg.push_back(best);
        if (verbose && best < -6)
          fmt::print("  unregistered {} @{:.1f}: best {:.1f}\n", files[i], start, best);
        continue;
      }
      if (!found.empty() && found[0].ref_id == i) {
        ++top1;
        lg.push_back(found[0].log10_pair_probability);
        tempo.push_back(found[0].tempo);
      } else if (verbose) {
        double best = 0;
        for (const auto& a : matcher.Alignments(q))
          if (a.ref_id == i)
            for (const auto& sg : a.segments) best = std::min(best, sg.log10_pair_probability);
        fmt::print(
            "  miss {} {} (id {}, offset {:.0f} frames) @{:.1f}: true best {:.1f}, {} found\n", d,
            files[i], i, start / signet::fp::kLandmarkFrameSeconds, start, best, found.size());
      }
      for (const auto& m : found) wrong += m.ref_id != i;
    }
    std::sort(lg.begin(), lg.end());
    fmt::print("{:<16} {:>4} {:>7.1f} {:>7} {:>9.1f} {:>9.1f} {:>8.3f} {:>8.2f}\n", d, n,
               unreg ? 0.0 : 100.0 * top1 / std::max(1, n), wrong,
               signet::eval::Percentile(lg, 0.5),
               lg.empty() ? 0.0 : (unreg ? lg.front() : lg.back()),
               signet::eval::Percentile(tempo, 0.5), signet::eval::Percentile(ms, 0.5));
  }
  return 0;
}

// --calibrate: the landmark null model on unrelated pairs. Every recording of
// the corpus is a reference; excerpts (clean, in-process) of the negative
// packages are the queries; for every (query, reference) pair the best
// segment over every alignment the matcher verifies. Prints, per length, the
// fraction of pairs whose pair probability is below x (calibrated: <= x).
int RunCalibrate(const std::vector<std::string>& refs, const std::vector<std::string>& queries,
                 const std::vector<std::string>& lengths, int per_length, double ref_pps,
                 double query_pps, std::uint64_t seed, signet::fp::LandmarkMatchOptions options,
                 bool verbose) {
  std::mt19937_64 rng(seed);
  signet::fp::LandmarkIndex index;
  index.BeginBulkLoad();
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const auto s = Mono(refs[i]);
    if (!s.empty()) (void)index.Add(i, Print(s, ref_pps));
  }
  index.Compact();
  options.max_candidates = 1000;  // every reference's lines
  signet::fp::LandmarkMatcher matcher(index, options);
  std::vector<std::vector<std::int16_t>> audio(queries.size());
  for (std::size_t i = 0; i < queries.size(); ++i) audio[i] = Mono(queries[i]);
  struct Row {
    double lp, tail, looks_frames;
    int k, n;
    double lambda;
  };
  std::map<std::string, std::vector<Row>> rows;  // per length: best per pair
  const double rate = signet::fp::kLandmarkSampleRate;
  for (const auto& len : lengths) {
    const bool full = len == "full";
    const int count = full ? static_cast<int>(queries.size()) : per_length;
    for (int k = 0; k < count; ++k) {
      const std::size_t qi = full ? k : rng() % queries.size();
      const auto& a = audio[qi];
      const double dur = a.size() / rate;
      const double l = full ? dur : std::stod(len);
      if (a.empty() || (!full && dur < l + 1)) continue;
      std::uniform_real_distribution<double> u(0, dur - l);
      const double start = full ? 0 : u(rng);
      const auto from = static_cast<std::size_t>(start * rate);
      std::vector<std::int16_t> cut(
          a.begin() + from,
          a.begin() + std::min(a.size(), from + static_cast<std::size_t>(l * rate)));
      // Degradation: clean, white noise at 10 dB, reverb 50 or speed 1.1 (sox),
      // or another negative recording mixed in at equal level.
      const int deg = static_cast<int>(rng() % 5);
      if (deg == 1 || deg == 4) {
        std::vector<double> add(cut.size());
        double rms = 0, arms = 0;
        for (auto x : cut) rms += double(x) * x;
        if (deg == 1) {
          std::normal_distribution<double> nd(0, 1);
          for (auto& x : add) x = nd(rng);
        } else {
          const auto& b = audio[rng() % audio.size()];
          for (std::size_t i = 0; i < add.size() && !b.empty(); ++i)
            add[i] = b[(i + b.size() / 3) % b.size()];
        }
        for (auto x : add) arms += x * x;
        const double g =
            std::sqrt(rms / std::max(1.0, arms)) * (deg == 1 ? std::pow(10, -10 / 20.0) : 1.0);
        for (std::size_t i = 0; i < cut.size(); ++i)
          cut[i] = static_cast<std::int16_t>(std::clamp(cut[i] + g * add[i], -32768.0, 32767.0));
      } else if (deg == 2 || deg == 3) {
        signet::fp::Pcm pcm;
        pcm.sample_rate = static_cast<int>(rate);
        pcm.channels = 1;
        pcm.samples = cut;
        const std::string dir = "/tmp/landmark-cal-" + std::to_string(getpid());
        fs::create_directories(dir);
        const auto bytes = signet::eval::WavBytes(pcm);
        std::FILE* f = std::fopen((dir + "/in.wav").c_str(), "wb");
        std::fwrite(bytes.data(), 1, bytes.size(), f);
        std::fclose(f);
        Run(fmt::format("sox {0}/in.wav {0}/out.wav {1}", dir,
                        deg == 2 ? "reverb 50" : "speed 1.1"));
        cut = Mono(dir + "/out.wav");
        fs::remove_all(dir);
      }
      const auto q = Print(cut, query_pps);
      std::map<std::uint64_t, Row> best;
      for (const auto& al : matcher.Alignments(q)) {
        for (const auto& sg : al.segments) {
          auto [it, fresh] = best.try_emplace(al.ref_id, Row{0, 0, 0, 0, 0, 0});
          if (sg.log10_pair_probability < it->second.lp)
            it->second = {sg.log10_pair_probability, sg.log10_tail, 0,
                          sg.matched_peaks,          sg.ref_peaks,  sg.expected_chance};
        }
      }
      for (std::size_t r = 0; r < refs.size(); ++r) {
        auto it = best.find(r);
        rows[len].push_back(it == best.end() ? Row{0, 0, 0, 0, 0, 0} : it->second);
        if (verbose && it != best.end() && it->second.lp < -3)
          fmt::print(
              "  {} @{:.1f} ({} s) vs {}: lg10 pair {:.1f} tail {:.1f} k {} of {} lambda {:.1f}\n",
              queries[qi], start, len, refs[r], it->second.lp, it->second.tail, it->second.k,
              it->second.n, it->second.lambda);
      }
    }
  }
  fmt::print("best log10 tail per pair: fraction of pairs below\n{:>6}", "length");
  for (int e = 2; e <= 16; e += 2) fmt::print(" {:>8}", -e);
  fmt::print("\n");
  for (const auto& len : lengths) {
    const auto& v = rows[len];
    if (v.empty()) continue;
    fmt::print("{:>6}", len);
    for (int e = 2; e <= 16; e += 2) {
      const auto c = std::count_if(v.begin(), v.end(), [&](const Row& r) { return r.tail < -e; });
      fmt::print(" {:>8.2e}", double(c) / v.size());
    }
    fmt::print("\n");
  }
  fmt::print("{:>6} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8}\n", "length", "pairs", "P(<1e-1)",
             "P(<1e-2)", "P(<1e-3)", "P(<1e-4)", "P(<1e-5)", "min_lg");
  for (const auto& len : lengths) {
    const auto& v = rows[len];
    if (v.empty()) continue;
    fmt::print("{:>6} {:>7}", len, v.size());
    double mn = 0;
    for (const auto& r : v) mn = std::min(mn, r.lp);
    for (int e = 1; e <= 5; ++e) {
      const auto c = std::count_if(v.begin(), v.end(), [&](const Row& r) { return r.lp < -e; });
      fmt::print(" {:>9.2e}", double(c) / v.size());
    }
    fmt::print(" {:>8.1f}\n", mn);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"signet-landmark-probe: landmark peak survival under degradations"};
  std::string corpus = "/usr/share/games/supertux2/music";
  std::string other_corpus = "/usr/share/hyperrogue/music";
  int tracks = 12;
  double seconds = 10;
  double ref_pps = 12, query_pps = 36;
  std::uint64_t seed = 1;
  std::vector<std::string> degs = {"clean",         "mp3_64k",     "noise_10",     "reverb_50",
                                   "reverb_80",     "tempo_+5",    "tempo_-10",    "pitch_+100",
                                   "pitch_-50",     "speed_0.85",  "speed_1.04",   "speed_1.25",
                                   "slowed_reverb", "mix_music_0", "mix_music_-6", "mix_speech_0"};
  app.add_option("--corpus", corpus);
  app.add_option("--other", other_corpus, "music mixed into mix_music queries");
  app.add_option("--tracks", tracks);
  app.add_option("--seconds", seconds);
  app.add_option("--ref-pps", ref_pps);
  app.add_option("--query-pps", query_pps);
  app.add_option("--seed", seed);
  app.add_option("--degradations", degs)->delimiter(',');
  signet::fp::LandmarkHashParams hp;
  app.add_option("--partners", hp.partners);
  app.add_option("--min-dt", hp.min_dt);
  app.add_option("--max-dt", hp.max_dt);
  app.add_option("--max-dpitch", hp.max_dpitch);
  app.add_option("--min-dpitch", hp.min_dpitch);
  app.add_option("--pitch-cell", hp.pitch_cell);
  app.add_option("--ratio-cells", hp.ratio_cells);
  app.add_option("--anchor-cell", hp.anchor_cell);
  app.add_option("--span-step", hp.span_step);
  app.add_option("--pitch-tol", hp.pitch_tolerance);
  app.add_option("--time-tol", hp.time_tolerance);
  app.add_option("--query-candidates", hp.query_candidates);
  app.add_flag("--order", hp.salience_order);
  app.add_option("--max-shift", hp.max_pitch_shift);
  bool match = false, verbose = false, calibrate = false;
  std::vector<std::string> cal_lengths = {"5", "10", "30", "full"};
  app.add_flag("--calibrate", calibrate, "null model on unrelated pairs (corpus x --negatives)");
  app.add_option("--cal-lengths", cal_lengths)->delimiter(',');
  std::vector<std::string> negatives = {"/usr/share/hyperrogue/music",
                                        "/usr/share/games/singularity/music",
                                        "/usr/share/games/supertux2/music"};
  app.add_option("--negatives", negatives)->delimiter(',');

  int per_cell = 20, holdout = 8;
  signet::fp::LandmarkMatchOptions mo;
  app.add_flag("--match", match, "index the corpus and match degraded excerpts");
  app.add_flag("--verbose", verbose);
  app.add_option("--per-cell", per_cell);
  app.add_option("--holdout", holdout);
  app.add_option("--log10-a", mo.model.log10_a);
  app.add_option("--gamma", mo.model.gamma);
  app.add_option("--bar", mo.max_pair_probability);
  app.add_option("--min-votes", mo.min_votes);
  app.add_option("--match-candidates", mo.query_candidates);

  std::vector<std::string> pair;
  app.add_option("--pair", pair,
                 "query,start,seconds,reference: debug one pair (LANDMARK_DEBUG_REF=0)")
      ->delimiter(',');
  bool dump_hist = false;
  app.add_flag("--dpitch-hist", dump_hist,
               "print the histogram of partner pitch differences and exit");
  CLI11_PARSE(app, argc, argv);
  if (dump_hist) {
    std::vector<double> h(2 * hp.max_dpitch / hp.pitch_cell + 1, 0);
    double n = 0;
    for (const char* dir : {"/usr/share/hyperrogue/music", "/usr/share/games/supertux2/music",
                            "/usr/share/games/singularity/music"}) {
      for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file() || e.path().extension() != ".ogg") continue;
        const auto pr = Print(Mono(e.path().string()), ref_pps);
        for (std::size_t i = 0; i < pr.peaks.size(); ++i)
          for (std::size_t j = i + 1;
               j < pr.peaks.size() && pr.peaks[j].frame <= pr.peaks[i].frame + hp.max_dt; ++j) {
            if (pr.peaks[j].frame == pr.peaks[i].frame) continue;
            const int d = int(pr.peaks[j].pitch) - int(pr.peaks[i].pitch);
            if (std::abs(d) > hp.max_dpitch) continue;
            h[(d + hp.max_dpitch) / hp.pitch_cell] += 1, n += 1;
          }
      }
    }
    for (std::size_t k = 0; k < h.size(); ++k)
      fmt::print("{} {:.5f}\n", int(k) * hp.pitch_cell - hp.max_dpitch, h[k] / n);
    return 0;
  }
  std::vector<std::uint32_t> all_hashes;  // (for collisions) hash per reference group
  std::vector<std::uint32_t> all_owner;
  // Chance entries: reference groups of every track of --index-corpus, to count
  // what each query lookup would hit among unrelated recordings.
  std::string index_corpus = "/usr/share/hyperrogue/music";
  std::vector<signet::fp::ReferenceHash> index_sorted;
  double index_seconds = 0;
  if (!match && !calibrate) {
    for (const auto& e : fs::recursive_directory_iterator(index_corpus)) {
      if (!e.is_regular_file() || e.path().extension() != ".ogg") continue;
      const auto s2 = Mono(e.path().string());
      const auto pr = Print(s2, ref_pps);
      index_seconds += s2.size() / double(signet::fp::kLandmarkSampleRate);
      for (const auto& h : signet::fp::ReferenceHashes(pr, hp)) index_sorted.push_back(h);
    }
    std::sort(index_sorted.begin(), index_sorted.end(),
              [](const auto& x, const auto& y) { return x.hash < y.hash; });
    fmt::print("chance index: {} groups over {:.0f} s of {}\n", index_sorted.size(), index_seconds,
               index_corpus);
  }

  auto list = [](const std::string& dir) {
    std::vector<std::string> v;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      if (e.is_regular_file() && e.path().extension() == ".ogg") v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    return v;
  };
  std::vector<std::string> files = list(corpus), others = list(other_corpus);
  std::mt19937_64 rng(seed);
  std::shuffle(files.begin(), files.end(), rng);
  char tmpl[] = "/tmp/landmark-probe-XXXXXX";
  const std::string tmp = mkdtemp(tmpl);
  auto speech = [&] {
    Run(fmt::format("espeak-ng -w {}/speech.wav -s 160 {}", tmp,
                    Quote("The committee met on Tuesday to discuss the new budget for the library. "
                          "Several members asked why the roof repairs had been delayed again, and "
                          "the treasurer explained that the contractor had not yet sent a final "
                          "quote. After a long debate they agreed to ask two other firms. The "
                          "meeting ended with a short report on the summer reading programme.")));
  };

  if (!pair.empty()) {
    signet::fp::LandmarkIndex index;
    (void)index.Add(0, Print(Mono(pair[3]), ref_pps));
    index.Compact();
    const auto a = Mono(pair[0]);
    const auto from =
        static_cast<std::size_t>(std::stod(pair[1]) * signet::fp::kLandmarkSampleRate);
    const auto len = static_cast<std::size_t>(std::stod(pair[2]) * signet::fp::kLandmarkSampleRate);
    std::vector<std::int16_t> cut(a.begin() + from, a.begin() + std::min(a.size(), from + len));
    const auto q = Print(cut, query_pps);
    fmt::print("query peaks {}\n", q.peaks.size());
    for (const auto& p : q.peaks) fmt::print("q {} {}\n", p.frame, p.pitch);
    signet::fp::LandmarkMatcher m(index, mo);
    for (const auto& al : m.Alignments(q))
      for (const auto& sg : al.segments)
        fmt::print(
            "segment q {:.1f}-{:.1f} r {:.1f}-{:.1f} k {} of {} lambda {:.2f} tail {:.1f} pair "
            "{:.1f}\n",
            sg.query_start, sg.query_end, sg.ref_start, sg.ref_end, sg.matched_peaks, sg.ref_peaks,
            sg.expected_chance, sg.log10_tail, sg.log10_pair_probability);
    return 0;
  }
  if (calibrate) {
    std::vector<std::string> nq;
    for (const auto& d : negatives)
      for (const auto& f : list(d)) nq.push_back(f);
    std::vector<std::string> refs = list(corpus);
    return RunCalibrate(refs, nq, cal_lengths, per_cell, ref_pps, query_pps, seed, mo, verbose);
  }
  if (match) {
    speech();
    const int rc = RunMatch(files, others, degs, per_cell, seconds, holdout, ref_pps, query_pps,
                            seed, tmp, mo, verbose);
    fs::remove_all(tmp);
    return rc;
  }
  speech();

  // Per degradation, per tolerance: survived / total reference peaks; chance.
  struct Acc {
    double hit[3] = {0, 0, 0}, chance[3] = {0, 0, 0}, total = 0, qpeaks = 0, qsec = 0;
    std::vector<double> dt, dp;  // residuals of matched peaks (query - predicted)
    double hashes = 0, hashes_found = 0, lookups = 0, scanned = 0;
  };
  std::map<std::string, Acc> acc;
  double ref_peaks = 0, ref_sec = 0, cand = 0;
  int used = 0;
  for (const auto& path : files) {
    if (used >= tracks) break;
    const auto full = Mono(path);
    const double dur = full.size() / static_cast<double>(signet::fp::kLandmarkSampleRate);
    if (dur < seconds + 20) continue;
    ++used;
    signet::fp::LandmarkExtractor rx;
    rx.Feed(full);
    auto rc = rx.Finish();
    cand += rc->peaks.size();
    signet::fp::LandmarkOptions ro;
    ro.peaks_per_second = ref_pps;
    const LandmarkPrint ref = signet::fp::SelectLandmarks(*rc, ro);
    ref_peaks += ref.peaks.size();
    const auto ref_hashes = signet::fp::ReferenceHashes(ref, hp);
    for (const auto& h : ref_hashes) all_hashes.push_back(h.hash), all_owner.push_back(used);
    ref_sec += dur;
    std::uniform_real_distribution<double> u(5, dur - seconds - 10);
    const double start = u(rng);
    Run(fmt::format("ffmpeg -v error -y -ss {:.3f} -t {:.3f} -i {} -ar 44100 -ac 2 {}/cut.wav",
                    start, seconds, Quote(path), tmp));
    const std::string other = others[rng() % others.size()];
    for (const auto& d : degs) {
      Transform t;
      const std::string out = Degrade(d, tmp, other, seconds, t);
      const auto qaudio = Mono(out);
      const LandmarkPrint qp = Print(qaudio, query_pps);
      Acc& a = acc[d];
      a.qpeaks += qp.peaks.size();
      a.qsec += qaudio.size() / double(signet::fp::kLandmarkSampleRate);
      // Reference peaks inside the excerpt (0.5 s margins).
      const double f0 = start / signet::fp::kLandmarkFrameSeconds;
      const double qlen = qaudio.size() / double(signet::fp::kLandmarkSampleRate);
      std::vector<LandmarkPeak> inside;
      for (const auto& p : ref.peaks) {
        const double rt = p.frame * signet::fp::kLandmarkFrameSeconds - start;
        if (rt > 0.5 && rt < std::min(seconds, qlen * t.time) - 0.5) inside.push_back(p);
      }
      // Best small residual offset (effects may delay), then count at each tolerance.
      auto count = [&](double extra_frames, int tt, int tp) {
        int n = 0;
        for (const auto& p : inside) {
          const double qt = (p.frame - f0) / t.time + extra_frames;
          const double qpitch = p.pitch + t.shift * signet::fp::kLandmarkUnitsPerSemitone;
          bool found = false;
          for (const auto& x : qp.peaks) {
            if (std::abs(x.frame - qt) <= tt && std::abs(x.pitch - qpitch) <= tp) {
              found = true;
              break;
            }
          }
          n += found;
        }
        return n;
      };
      auto residuals = [&](double extra_frames) {
        for (const auto& p : inside) {
          const double qt = (p.frame - f0) / t.time + extra_frames;
          const double qpitch = p.pitch + t.shift * signet::fp::kLandmarkUnitsPerSemitone;
          double bt = 9, bp = 9;
          for (const auto& x : qp.peaks) {
            if (std::abs(x.frame - qt) <= 2 && std::abs(x.pitch - qpitch) <= 6 &&
                std::abs(x.pitch - qpitch) + std::abs(x.frame - qt) < std::abs(bp) + std::abs(bt)) {
              bt = x.frame - qt, bp = x.pitch - qpitch;
            }
          }
          if (bt < 9) acc[d].dt.push_back(bt), acc[d].dp.push_back(bp);
        }
      };
      int best_extra = 0, best = -1;
      for (int e = -6; e <= 6; ++e) {
        const int n = count(e, 1, 3);
        if (n > best) best = n, best_extra = e;
      }
      residuals(best_extra);
      const int tts[3] = {1, 2, 2}, tps[3] = {3, 3, 6};
      for (int k = 0; k < 3; ++k) {
        a.hit[k] += count(best_extra, tts[k], tps[k]);
        a.chance[k] += count(best_extra + 150, tts[k], tps[k]);
      }
      a.total += inside.size();
      {
        const auto qh = signet::fp::QueryHashes(qp, hp);
        std::unordered_multimap<std::uint32_t, const signet::fp::QueryHash*> qs;
        for (const auto& h : qh) qs.emplace(h.hash, &h);
        a.lookups += qh.size();
        for (const auto& q : qh) {
          auto it = std::lower_bound(index_sorted.begin(), index_sorted.end(), q.hash,
                                     [](const auto& e, std::uint32_t h) { return e.hash < h; });
          for (; it != index_sorted.end() && it->hash == q.hash; ++it)
            a.scanned += it->pitch_class >= q.pitch_lo && it->pitch_class <= q.pitch_hi &&
                         it->span_class >= q.span_lo && it->span_class <= q.span_hi;
        }
        for (const auto& h : ref_hashes) {
          const double rt = ref.peaks[h.anchor].frame * signet::fp::kLandmarkFrameSeconds - start;
          if (rt < 0.5 || rt > std::min(seconds, qlen * t.time) - 1.6) continue;
          a.hashes += 1;
          auto [b, e] = qs.equal_range(h.hash);
          bool f = false;
          for (; b != e && !f; ++b) {
            const auto& q = *b->second;
            f = h.pitch_class >= q.pitch_lo && h.pitch_class <= q.pitch_hi &&
                h.span_class >= q.span_lo && h.span_class <= q.span_hi;
          }
          a.hashes_found += f;
        }
      }
    }
  }
  fs::remove_all(tmp);
  fmt::print("corpus {} ({} tracks, {:.0f} s), excerpts {} s, seed {}\n", corpus, used, ref_sec,
             seconds, seed);
  fmt::print("candidates {:.1f}/s, reference peaks {:.1f}/s (target {}), query target {}/s\n",
             cand / ref_sec, ref_peaks / ref_sec, ref_pps, query_pps);
  {
    // Cross-recording collisions: expected equal hashes per lookup against N postings = N * sum
    // p^2. Scanned per lookup at N postings: N * P(same invariant hash) * fraction of classes
    // scanned.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> v;
    for (std::size_t i = 0; i < all_hashes.size(); ++i) v.push_back({all_hashes[i], all_owner[i]});
    std::sort(v.begin(), v.end());
    double same = 0;
    for (std::size_t i = 0; i < v.size();) {
      std::size_t j = i;
      std::map<std::uint32_t, double> per;
      while (j < v.size() && v[j].first == v[i].first) per[v[j].second] += 1, ++j;
      double tot = j - i, within = 0;
      for (auto& [o, c] : per) within += c * (c - 1);
      same += tot * (tot - 1) - within;
      i = j;
    }
    const double n = v.size();
    fmt::print("reference groups {:.1f}/s; cross-recording collision rate {:.3g} -> {:.1f} bits\n",
               n / ref_sec, same / (n * n), std::log2(n * n / std::max(1.0, same)));
  }
  fmt::print("{:<16} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8} {:>8}\n", "degradation", "q_pk/s",
             "surv±1/3", "surv±2/3", "surv±2/6", "ch±1/3", "ch±2/3", "ch±2/6");
  auto sd = [](std::vector<double> v, double q) {
    for (auto& x : v) x = std::abs(x);
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[static_cast<std::size_t>(q * (v.size() - 1))];
  };
  for (const auto& d : degs) {
    const Acc& a = acc[d];
    fmt::print("{:<16} {:>7.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>8.3f} {:>8.3f} {:>8.3f}\n", d,
               a.qpeaks / a.qsec, a.hit[0] / a.total, a.hit[1] / a.total, a.hit[2] / a.total,
               a.chance[0] / a.total, a.chance[1] / a.total, a.chance[2] / a.total);
    fmt::print(
        "{:<16} groups found {:.3f} of {:.0f}, lookups {:.0f}/s, chance hits per lookup per 1M "
        "postings {:.2f}\n",
        "", a.hashes_found / a.hashes, a.hashes, a.lookups / a.qsec,
        a.scanned / a.lookups / index_sorted.size() * 1e6);
    fmt::print("{:<16} |dt| p50 {:.2f} p90 {:.2f} frames; |dp| p50 {:.2f} p90 {:.2f} units\n", "",
               sd(a.dt, 0.5), sd(a.dt, 0.9), sd(a.dp, 0.5), sd(a.dp, 0.9));
  }
  return 0;
}
