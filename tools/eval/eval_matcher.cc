#include "tools/eval/eval_matcher.h"

#include <fmt/format.h>

#include "fingerprint/extract.h"
#include "fingerprint/index.h"
#include "tools/eval/eval_landmark.h"

namespace signet::eval {
namespace {

// Chromaprint alone, as signetd matches an audio query: FingerprintAudioAtSpeeds
// then Matcher::Find over the query and its speed variants.
class ChromaprintMatcher : public EvalMatcher {
 public:
  explicit ChromaprintMatcher(const EvalMatcherOptions& options)
      : options_(options), matcher_(index_, options.match) {}

  std::string Describe() const override {
    return fmt::format("chromaprint: {} speed variants over {} s, max false-positive rate {:g}",
                       options_.speed_variants.size(), options_.speed_variant_seconds,
                       options_.match.max_false_positive_rate);
  }
  Status Register(const Reference& ref) override { return index_.Add(ref.id, ref.chromaprint); }
  void Finish() override { index_.Compact(); }

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
