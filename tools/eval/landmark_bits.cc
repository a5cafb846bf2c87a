// signet-landmark-bits: where the bits of the landmark index go
// (fingerprint/LANDMARK.md, "Index layout"). Extracts the reference prints of
// every recording of a corpus, derives the groups the index would hold, and
// prints the empirical entropy of what a base stores: the peaks' frame gaps
// and pitches (the verification copy) and the postings' keys, spans and
// anchor pitches, next to the bits the layout spends on each.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "fingerprint/audio_decoder.h"
#include "fingerprint/landmark.h"
#include "fingerprint/landmark_hash.h"
#include "fingerprint/landmark_index.h"

namespace fs = std::filesystem;

namespace {

// Empirical entropy in bits per symbol of a histogram.
template <typename Map>
double Entropy(const Map& counts) {
  double n = 0, h = 0;
  for (const auto& [k, c] : counts) n += static_cast<double>(c);
  for (const auto& [k, c] : counts) {
    const double p = static_cast<double>(c) / n;
    h -= p * std::log2(p);
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"signet-landmark-bits: entropy of what the landmark index stores"};
  std::string corpus = "/usr/share/games/wesnoth/1.16/data/core/music";
  app.add_option("--corpus", corpus);
  std::vector<int> replicas = {1};
  app.add_option("--replicate", replicas,
                 "also index every print this many times (comma list), to read the layout's "
                 "bits at larger sizes")
      ->delimiter(',');
  // The hash layout under study (defaults: the index's format); the index
  // lines below always use the index's own.
  signet::fp::LandmarkHashParams params;
  app.add_option("--partners", params.partners, "peaks per group besides the anchor");
  app.add_option("--ratio-cells", params.ratio_cells);
  app.add_option("--pitch-cell", params.pitch_cell);
  app.add_option("--max-dt", params.max_dt);
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(corpus))
    if (e.is_regular_file() && e.path().extension() == ".ogg") files.push_back(e.path().string());
  std::sort(files.begin(), files.end());

  std::map<std::uint32_t, std::size_t> gaps, pitches, same_frame_dpitch, pitch_hi;
  std::unordered_map<std::uint64_t, std::size_t> keys, hashes;
  std::map<int, std::size_t> spans, fine_pitch, span_in_class;
  std::size_t peaks = 0, groups = 0, frames = 0, recordings = 0;
  std::vector<signet::fp::LandmarkPrint> prints;
  for (const std::string& f : files) {
    signet::fp::DecodeOptions o;
    o.sample_rate = signet::fp::kLandmarkSampleRate;
    o.channels = 1;
    auto pcm = signet::fp::DecodeAudio(signet::fp::AudioSource::File(f), o);
    if (!pcm.ok()) continue;
    signet::fp::LandmarkExtractor x;
    x.Feed(pcm->samples);
    auto c = x.Finish();
    if (!c.ok()) continue;
    const signet::fp::LandmarkPrint print =
        signet::fp::SelectLandmarks(*c, signet::fp::LandmarkOptions::Reference());
    ++recordings;
    frames += print.frames;
    prints.push_back(print);
    std::uint32_t prev = 0, prev_pitch = 0;
    for (const auto& p : print.peaks) {
      const std::uint32_t gap = p.frame - prev;
      ++gaps[std::min<std::uint32_t>(gap, 64)];
      ++pitches[p.pitch];
      ++pitch_hi[p.pitch >> 4];
      if (gap == 0 && peaks > 0) ++same_frame_dpitch[p.pitch - prev_pitch];
      prev = p.frame, prev_pitch = p.pitch;
      ++peaks;
    }
    for (const auto& h : signet::fp::ReferenceHashes(print, params)) {
      ++groups;
      ++hashes[h.hash];
      ++keys[static_cast<std::uint64_t>(h.hash) << 8 | h.pitch_class << 4 | h.span_class];
      ++spans[h.span];
      ++fine_pitch[(print.peaks[h.anchor].pitch % params.anchor_cell) / 2];
      ++span_in_class[h.span_class * 64 + h.span];
    }
  }
  const double seconds = static_cast<double>(frames) * signet::fp::kLandmarkFrameSeconds;
  fmt::print("corpus: {} ({} recordings, {:.2f} h, {} frames)\n", corpus, recordings,
             seconds / 3600, frames);
  fmt::print("peaks: {} ({:.2f} per s)\n", peaks, static_cast<double>(peaks) / seconds);
  std::size_t escapes = 0;
  for (const auto& [g, n] : gaps)
    if (g >= 63) escapes += n;
  fmt::print(
      "  frame gap entropy {:.2f} bits (layout: 6 bits, escapes {:.4f} per peak); pitch "
      "entropy {:.2f} bits (layout: 10); pitch >> 4 entropy {:.2f} bits; pitch step within a "
      "frame {:.2f} bits over {:.3f} of peaks\n",
      Entropy(gaps), static_cast<double>(escapes) / static_cast<double>(peaks), Entropy(pitches),
      Entropy(pitch_hi), Entropy(same_frame_dpitch),
      static_cast<double>(gaps[0]) / static_cast<double>(peaks));
  fmt::print("groups (postings): {} ({:.2f} per s)\n", groups,
             static_cast<double>(groups) / seconds);
  fmt::print(
      "  distinct hashes {} (entropy {:.2f} bits), distinct keys (hash, pitch class, span class) "
      "{} (entropy {:.2f} bits)\n",
      hashes.size(), Entropy(hashes), keys.size(), Entropy(keys));
  fmt::print(
      "  span entropy {:.2f} bits (layout: 6); fine anchor pitch entropy {:.2f} bits (layout: 6)\n",
      Entropy(spans), Entropy(fine_pitch));
  // Span given class: H(span, class) - H(class); span determines class.
  std::map<int, std::size_t> span_class;
  for (const auto& [k, n] : span_in_class) span_class[k / 64] += n;
  fmt::print("  span class entropy {:.2f} bits: span given class {:.2f} bits\n",
             Entropy(span_class), Entropy(spans) - Entropy(span_class));
  // Lists a query skips: a key's postings grow with the indexed hours, and
  // the matcher skips a run longer than max_posting_run (4,096) entries. The
  // share of postings in keys that alone exceed it, scaled to N recordings of
  // 3.5 min (a lower bound on what a lookup skips: a run spans span classes).
  for (const double recs : {1e3, 1e4, 1e5, 1e6}) {
    const double scale = recs * 210 / seconds;
    double skipped = 0;
    for (const auto& [k, n] : keys)
      if (static_cast<double>(n) * scale > 4096) skipped += static_cast<double>(n);
    fmt::print(
        "  at {:.0f} recordings of 3.5 min: {:.1f} % of postings in keys longer than 4,096\n", recs,
        100 * skipped / static_cast<double>(groups));
  }
  // What an index of these prints holds, each added `n` times.
  for (const int n : replicas) {
    const auto t0 = std::chrono::steady_clock::now();
    signet::fp::LandmarkIndex index;
    index.BeginBulkLoad();
    std::uint64_t id = 0;
    for (int k = 0; k < n; ++k)
      for (const auto& p : prints) (void)index.Add(++id, p);
    index.Compact();
    const signet::fp::LandmarkIndexStats st = index.Stats();
    const double hours = st.seconds / 3600;
    fmt::print(
        "index x{}: {} recordings, {:.1f} h, {} postings, bucket bits {}, entry bits {}: postings "
        "{:.2f} B each, {:.0f} kB/h; peaks {:.2f} B each, {:.0f} kB/h; everything {:.0f} kB/h "
        "({:.0f} s)\n",
        n, st.recordings, hours, st.postings, st.bucket_bits, st.entry_bits,
        static_cast<double>(st.posting_bytes) / static_cast<double>(st.postings),
        static_cast<double>(st.posting_bytes) / hours / 1e3,
        static_cast<double>(st.peak_bytes) / static_cast<double>(st.peaks),
        static_cast<double>(st.peak_bytes) / hours / 1e3,
        static_cast<double>(st.memory_bytes) / hours / 1e3,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return 0;
}
