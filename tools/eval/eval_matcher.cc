#include "tools/eval/eval_matcher.h"

#include <fmt/format.h>

#include "fingerprint/extract.h"
#include "fingerprint/index.h"
#include "fingerprint/testing/synthetic.h"
#include "tools/eval/eval_landmark.h"

namespace signet::eval {
namespace {

// Chromaprint alone, as signetd matches an audio query: FingerprintAudioAtSpeeds
// then Matcher::Find over the query and its speed variants.
class ChromaprintMatcher : public EvalMatcher {
 public:
  explicit ChromaprintMatcher(const EvalMatcherOptions& options)
      : options_(options), matcher_(index_, options.match) {
    if (options.filler_recordings > 0) index_.BeginBulkLoad();
  }

  std::string Describe() const override {
    return fmt::format(
        "chromaprint: {} speed variants over {} s, max E-value {:g} counting at least {:g} "
        "references; index: {} recordings ({} synthetic filler), {}-bit keys{}; probes {} bits "
        "at up to {} positions",
        options_.speed_variants.size(), options_.speed_variant_seconds, options_.match.max_e_value,
        options_.match.min_references, index_.size(), options_.filler_recordings,
        options_.match.key_bits > 0 ? options_.match.key_bits : index_.Stats().key_bits,
        options_.in_delta ? ", the corpus in the delta" : "", options_.match.probe_bits,
        options_.match.max_probed_positions);
  }
  Status Register(const Reference& ref) override {
    if (options_.in_delta) {
      later_.push_back({ref.id, {ref.chromaprint.begin(), ref.chromaprint.end()}});
      return Status::Ok();
    }
    return index_.Add(ref.id, ref.chromaprint);
  }
  void Finish() override {
    constexpr std::uint64_t kFillerIds = std::uint64_t{1} << 40;
    fp::SyntheticFingerprints gen(20240611);
    for (std::size_t k = 0; k < options_.filler_recordings; ++k) {
      (void)index_.Add(kFillerIds + k, gen.Recording(1450));
    }
    index_.Compact();
    for (const auto& [id, values] : later_) (void)index_.Add(id, values);
    later_.clear();
  }

  Result<std::unique_ptr<PreparedQuery>> Prepare(
      std::span<const std::uint8_t> audio) const override {
    SIGNET_ASSIGN_OR_RETURN(
        fp::SpeedVariantFingerprints f,
        fp::FingerprintAudioAtSpeeds(fp::AudioSource::Bytes(audio), {}, options_.speed_variants,
                                     options_.speed_variant_seconds));
    auto q = std::make_unique<Prepared>();
    q->prints.push_back({1.0, std::move(f.original.fingerprint.values)});
    for (auto& v : f.variants) q->prints.push_back({v.speed, std::move(v.values)});
    return std::unique_ptr<PreparedQuery>(std::move(q));
  }

  std::vector<fp::Match> Match(const PreparedQuery& query) const override {
    const auto& q = static_cast<const Prepared&>(query);
    std::vector<fp::QueryVariant> variants;
    for (const auto& p : q.prints) variants.push_back({p.values, p.speed});
    return matcher_.Find(variants);
  }

 private:
  struct Prepared : PreparedQuery {
    std::vector<fp::SpeedVariant> prints;  // the query itself first (speed 1)
  };

  EvalMatcherOptions options_;
  std::vector<std::pair<std::uint64_t, std::vector<std::uint32_t>>> later_;  // in_delta
  fp::Index index_;
  fp::Matcher matcher_;
};

}  // namespace

std::vector<std::string> EvalMatcherNames() { return {"chromaprint", "landmark", "fused"}; }

Result<std::unique_ptr<EvalMatcher>> MakeEvalMatcher(std::string_view name,
                                                     const EvalMatcherOptions& options) {
  if (name == "chromaprint") return std::unique_ptr<EvalMatcher>(new ChromaprintMatcher(options));
  if (name == "landmark") return MakeLandmarkEvalMatcher(options);
  if (name == "fused") return MakeFusedEvalMatcher(options);
  return Status::InvalidArgument(
      fmt::format("unknown matcher \"{}\"; known: {}", name, fmt::join(EvalMatcherNames(), ", ")));
}

}  // namespace signet::eval
