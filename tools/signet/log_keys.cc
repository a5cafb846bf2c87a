#include "tools/signet/log_keys.h"

#include <fstream>
#include <sstream>

namespace signet::cli {
namespace {

// A key given inline (it holds '+') unless a file of that name exists.
Result<std::string> KeyText(const std::string& text_or_file) {
  std::ifstream in(text_or_file);
  if (!in) {
    if (text_or_file.find('+') != std::string::npos) return text_or_file;
    return Status::NotFound(text_or_file + " is neither a key (name+hex8+base64) nor a file");
  }
  std::ostringstream s;
  s << in.rdbuf();
  if (s.str().size() > 4096)
    return Status::InvalidArgument(text_or_file + " is too large for a key");
  return s.str();
}

}  // namespace

Result<crypto::note::Verifier> LoadLogVerifier(const std::string& text_or_file) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, KeyText(text_or_file));
  Result<crypto::note::Verifier> v = crypto::note::Verifier::Parse(text);
  if (!v.ok()) return v.status().WithContext("--key " + text_or_file);
  return v;
}

void AddWitnessOptions(CLI::App& cmd, WitnessFlags& flags) {
  cmd.add_option("--witness", flags.witnesses,
                 "A witness whose cosignature counts: its verifier key (name+hex8+base64 of 0x04 "
                 "and the key), or a file holding it; repeat for each witness");
  cmd.add_option("--witnesses-required", flags.required,
                 "How many of the --witness keys must have cosigned the checkpoint (default: all)")
      ->check(CLI::Range(0, 100));
}

Result<crypto::cosig::WitnessPolicy> WitnessPolicyFrom(const WitnessFlags& flags) {
  crypto::cosig::WitnessPolicy policy;
  for (const std::string& w : flags.witnesses) {
    SIGNET_ASSIGN_OR_RETURN(std::string text, KeyText(w));
    Result<crypto::cosig::CosignatureVerifier> v = crypto::cosig::CosignatureVerifier::Parse(text);
    if (!v.ok()) return v.status().WithContext("--witness " + w);
    for (const auto& other : policy.witnesses) {
      if (other.name() == v->name()) {
        return Status::InvalidArgument("--witness " + v->name() + " is given twice");
      }
    }
    policy.witnesses.push_back(std::move(*v));
  }
  policy.required =
      flags.required < 0 ? policy.witnesses.size() : static_cast<std::size_t>(flags.required);
  if (policy.required > policy.witnesses.size()) {
    return Status::InvalidArgument("--witnesses-required " + std::to_string(policy.required) +
                                   " is more than the " + std::to_string(policy.witnesses.size()) +
                                   " --witness keys given");
  }
  return policy;
}

}  // namespace signet::cli
