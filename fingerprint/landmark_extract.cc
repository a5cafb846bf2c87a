// Landmark analysis: STFT with FFmpeg's av_tx real DFT, a log-frequency
// filterbank, local maxima with their salience, and the density rule.
// Parameters and why: fingerprint/LANDMARK.md, "Signal chain".
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "fingerprint/landmark.h"

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/tx.h>
}

namespace signet::fp {
namespace {

constexpr int kFftSize = 2048;  // 186 ms: resolves a semitone from ~180 Hz up
constexpr int kSpectrumBins = kFftSize / 2 + 1;
// Log-frequency bins: a third of a semitone each, 110 Hz .. 4.4 kHz.
constexpr int kBinsPerSemitone = 3;
constexpr int kBins = 64 * kBinsPerSemitone;
constexpr int kPitchPerBin = kLandmarkUnitsPerSemitone / kBinsPerSemitone;
// A peak is the maximum of its +-kMaxFrames x +-kMaxBins neighbourhood.
constexpr int kMaxFrames = 5;  // +-116 ms
constexpr int kMaxBins = 4;    // +-1.33 semitones
// Salience: level minus the mean level of +-kMeanFrames x +-kMeanBins.
constexpr int kMeanFrames = 21;  // +-0.5 s
constexpr int kMeanBins = 12;    // +-4 semitones
constexpr int kLag = std::max(kMaxFrames, kMeanFrames);
constexpr int kRing = 2 * kLag + 2;
// Levels in dB relative to a full-scale sine; below the floor nothing is a peak.
constexpr float kFloorDb = -100.0f;
constexpr float kMinPeakDb = -85.0f;
constexpr float kMinSalienceDb = 2.0f;
constexpr float kSalienceStep = 0.5f;  // the print carries 0..kLandmarkMaxSalience

struct TxDeleter {
  void operator()(AVTXContext* c) const { av_tx_uninit(&c); }
};
struct AvFree {
  void operator()(void* p) const { av_free(p); }
};

// Triangular weights of one log bin over the power spectrum.
struct Filter {
  int first = 0;
  std::vector<float> weights;
};

std::vector<Filter> MakeFilterbank() {
  std::vector<Filter> bank(kBins);
  const double hz_per_bin = static_cast<double>(kLandmarkSampleRate) / kFftSize;
  for (int k = 0; k < kBins; ++k) {
    const double center = kLandmarkMinHz * std::exp2(k / (12.0 * kBinsPerSemitone));
    const double c = center / hz_per_bin;  // in FFT bins
    // Half-width: one log bin, but never under one FFT bin (at the bottom
    // the filter interpolates between FFT bins).
    const double half = std::max(1.0, c * (std::exp2(1.0 / (12.0 * kBinsPerSemitone)) - 1.0));
    const int lo = std::max(0, static_cast<int>(std::ceil(c - half)));
    const int hi = std::min(kSpectrumBins - 1, static_cast<int>(std::floor(c + half)));
    Filter& f = bank[k];
    f.first = lo;
    double sum = 0;
    for (int j = lo; j <= hi; ++j) {
      const double w = std::max(0.0, 1.0 - std::abs(j - c) / half);
      f.weights.push_back(static_cast<float>(w));
      sum += w;
    }
    for (auto& w : f.weights) w = static_cast<float>(w / sum);
  }
  return bank;
}

const std::vector<Filter>& Filterbank() {
  static const std::vector<Filter> bank = MakeFilterbank();
  return bank;
}

const std::vector<float>& Window() {
  static const std::vector<float> w = [] {
    std::vector<float> v(kFftSize);
    for (int i = 0; i < kFftSize; ++i)
      v[i] = static_cast<float>(0.5 - 0.5 * std::cos(2 * std::numbers::pi * i / kFftSize));
    return v;
  }();
  return w;
}

}  // namespace

struct LandmarkExtractor::State {
  std::unique_ptr<AVTXContext, TxDeleter> tx;
  av_tx_fn fn = nullptr;
  std::unique_ptr<float, AvFree> in;   // kFftSize floats
  std::unique_ptr<float, AvFree> out;  // kSpectrumBins complex values
  Status status;
  // Samples not yet consumed by a frame; frame t is centred on sample t * hop,
  // so the stream starts with kFftSize / 2 zeros.
  std::vector<float> pending = std::vector<float>(kFftSize / 2, 0.0f);
  std::uint32_t frames = 0;   // frames computed
  std::uint32_t decided = 0;  // frames whose candidates are final
  std::uint64_t samples = 0;  // fed
  // Ring of the last kRing frames: level, max over +-kMaxBins, prefix sums.
  std::vector<float> level = std::vector<float>(kRing * kBins);
  std::vector<float> fmax = std::vector<float>(kRing * kBins);
  std::vector<double> prefix = std::vector<double>(kRing * (kBins + 1));
  std::vector<float> power = std::vector<float>(kSpectrumBins);
  LandmarkCandidates result;

  State() {
    AVTXContext* ctx = nullptr;
    const float scale = 1.0f;
    if (av_tx_init(&ctx, &fn, AV_TX_FLOAT_RDFT, 0, kFftSize, &scale, 0) < 0 || ctx == nullptr) {
      status = Status::Internal("FFmpeg av_tx_init failed for a real DFT of " +
                                std::to_string(kFftSize) + " points");
      return;
    }
    tx.reset(ctx);
    in.reset(static_cast<float*>(av_malloc(sizeof(float) * (kFftSize + 2))));
    out.reset(static_cast<float*>(av_malloc(sizeof(float) * 2 * kSpectrumBins)));
    if (!in || !out) status = Status::Internal("out of memory for the landmark transform");
  }

  float* Level(std::uint32_t t) { return &level[(t % kRing) * kBins]; }
  float* FMax(std::uint32_t t) { return &fmax[(t % kRing) * kBins]; }
  double* Prefix(std::uint32_t t) { return &prefix[(t % kRing) * (kBins + 1)]; }

  // Computes frame `frames` from src[0 .. kFftSize).
  void ComputeFrame(const float* src) {
    const auto& window = Window();
    float* x = in.get();
    for (int i = 0; i < kFftSize; ++i) x[i] = src[i] * window[i];
    fn(tx.get(), out.get(), x, sizeof(float));
    const float* c = out.get();
    // A full-scale sine gives |X| = kFftSize / 4 under a Hann window.
    const float norm = 1.0f / (0.25f * kFftSize * 0.25f * kFftSize);
    for (int j = 0; j < kSpectrumBins; ++j)
      power[j] = (c[2 * j] * c[2 * j] + c[2 * j + 1] * c[2 * j + 1]) * norm;
    const auto& bank = Filterbank();
    float* l = Level(frames);
    for (int k = 0; k < kBins; ++k) {
      const Filter& f = bank[k];
      float acc = 0;
      for (std::size_t j = 0; j < f.weights.size(); ++j) acc += f.weights[j] * power[f.first + j];
      l[k] = std::max(kFloorDb, 10.0f * std::log10(acc + 1e-12f));
    }
    float* m = FMax(frames);
    double* p = Prefix(frames);
    p[0] = 0;
    for (int k = 0; k < kBins; ++k) {
      float best = l[k];
      for (int d = std::max(0, k - kMaxBins); d <= std::min(kBins - 1, k + kMaxBins); ++d)
        best = std::max(best, l[d]);
      m[k] = best;
      p[k + 1] = p[k] + l[k];
    }
    ++frames;
  }

  // Candidates of frame t; every frame within kLag of t that exists is in the ring.
  void Decide(std::uint32_t t) {
    const std::uint32_t t0 = t >= static_cast<std::uint32_t>(kLag) ? t - kLag : 0;
    const std::uint32_t t1 = std::min<std::uint32_t>(frames - 1, t + kLag);
    const std::uint32_t m0 = t >= static_cast<std::uint32_t>(kMaxFrames) ? t - kMaxFrames : 0;
    const std::uint32_t m1 = std::min<std::uint32_t>(frames - 1, t + kMaxFrames);
    const float* l = Level(t);
    for (int k = 0; k < kBins; ++k) {
      const float v = l[k];
      if (v < kMinPeakDb || v < FMax(t)[k]) continue;
      bool is_max = true;
      for (std::uint32_t u = m0; u <= m1 && is_max; ++u) {
        if (u == t) continue;
        // Ties go to the earlier frame, so a flat ridge yields one peak.
        const float o = FMax(u)[k];
        is_max = u < t ? o < v : o <= v;
      }
      if (!is_max) continue;
      // Ties within the frame go to the lower bin.
      bool lower_tie = false;
      for (int d = std::max(0, k - kMaxBins); d < k; ++d) lower_tie = lower_tie || l[d] == v;
      if (lower_tie) continue;
      const int b0 = std::max(0, k - kMeanBins), b1 = std::min(kBins - 1, k + kMeanBins);
      double sum = 0;
      for (std::uint32_t u = t0; u <= t1; ++u) sum += Prefix(u)[b1 + 1] - Prefix(u)[b0];
      const double mean = sum / ((t1 - t0 + 1) * static_cast<double>(b1 - b0 + 1));
      const double salience = v - mean;
      if (salience < kMinSalienceDb) continue;
      // Parabolic interpolation of the peak's log frequency.
      double delta = 0;
      if (k > 0 && k < kBins - 1) {
        const double a = l[k - 1], b = v, c = l[k + 1];
        const double den = a - 2 * b + c;
        if (den < 0) delta = std::clamp(0.5 * (a - c) / den, -0.5, 0.5);
      }
      const long pitch = std::lround((k + delta) * kPitchPerBin);
      LandmarkPeak peak;
      peak.frame = t;
      peak.pitch = static_cast<std::uint16_t>(std::clamp<long>(pitch, 0, kLandmarkMaxPitch));
      peak.salience = static_cast<std::uint8_t>(
          std::clamp<long>(std::lround(salience / kSalienceStep), 0, kLandmarkMaxSalience));
      result.peaks.push_back(peak);
    }
  }

  void Push(const float* x, std::size_t n) {
    pending.insert(pending.end(), x, x + n);
    samples += n;
    std::size_t pos = 0;
    for (; pending.size() - pos >= kFftSize; pos += kLandmarkHop) {
      ComputeFrame(pending.data() + pos);
      while (decided + kLag < frames) Decide(decided++);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(pos));
  }
};

LandmarkExtractor::LandmarkExtractor() : state_(std::make_unique<State>()) {}
LandmarkExtractor::~LandmarkExtractor() = default;

void LandmarkExtractor::Feed(std::span<const std::int16_t> samples) {
  if (!state_->status.ok()) return;
  float buf[4096];
  while (!samples.empty()) {
    const std::size_t n = std::min<std::size_t>(samples.size(), 4096);
    for (std::size_t i = 0; i < n; ++i) buf[i] = samples[i] * (1.0f / 32768.0f);
    state_->Push(buf, n);
    samples = samples.subspan(n);
  }
}

Result<LandmarkCandidates> LandmarkExtractor::Finish() {
  State& s = *state_;
  if (!s.status.ok()) return s.status;
  // Frames are centred on multiples of the hop up to the last sample: pad with
  // zeros until the frame centred on the last hop boundary is computed.
  const std::uint32_t want = static_cast<std::uint32_t>(s.samples / kLandmarkHop) + 1;
  const std::vector<float> zeros(kLandmarkHop, 0.0f);
  while (s.frames < want) s.Push(zeros.data(), zeros.size());
  while (s.decided < s.frames) s.Decide(s.decided++);
  s.result.frames = s.frames;
  std::sort(s.result.peaks.begin(), s.result.peaks.end(),
            [](const LandmarkPeak& a, const LandmarkPeak& b) {
              return a.frame != b.frame ? a.frame < b.frame : a.pitch < b.pitch;
            });
  return std::move(s.result);
}

LandmarkPrint SelectLandmarks(const LandmarkCandidates& candidates,
                              const LandmarkOptions& options) {
  LandmarkPrint print;
  print.frames = candidates.frames;
  const auto& c = candidates.peaks;
  const auto window = static_cast<std::uint32_t>(
      std::lround(options.density_window_seconds / kLandmarkFrameSeconds));
  const auto quota = static_cast<std::size_t>(
      std::lround(options.peaks_per_second * 2 * options.density_window_seconds));
  // Candidates are ordered by frame: [lo, hi) is the window of candidate i.
  std::size_t lo = 0, hi = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    while (c[lo].frame + window < c[i].frame) ++lo;
    while (hi < c.size() && c[hi].frame <= c[i].frame + window) ++hi;
    std::size_t above = 0;
    for (std::size_t j = lo; j < hi && above < quota; ++j) {
      // Ties broken by position so that the rule is a strict order.
      const bool stronger = c[j].salience != c[i].salience ? c[j].salience > c[i].salience : j < i;
      above += stronger;
    }
    if (above < quota) print.peaks.push_back(c[i]);
  }
  return print;
}

Result<LandmarkPrint> ExtractLandmarks(std::span<const std::int16_t> mono,
                                       const LandmarkOptions& options) {
  LandmarkExtractor extractor;
  extractor.Feed(mono);
  auto candidates = extractor.Finish();
  if (!candidates.ok()) return candidates.status();
  return SelectLandmarks(*candidates, options);
}

}  // namespace signet::fp
