#include "crypto/cosignature.h"

#include <set>

#include "crypto/encoding.h"

namespace signet::crypto::cosig {
namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::size_t kCosignatureBytes = 8 + kEd25519SignatureSize;
constexpr std::uint64_t kMaxTimestamp = (std::uint64_t{1} << 63) - 1;

}  // namespace

CosignatureVerifier::CosignatureVerifier(std::string name, const PublicKey& pk)
    : name_(std::move(name)), key_id_(note::KeyId(name_, kAlgCosignatureV1, pk)), public_key_(pk) {}

Result<CosignatureVerifier> CosignatureVerifier::Create(std::string_view name,
                                                        const PublicKey& public_key) {
  if (!note::IsValidKeyName(name)) {
    return Status::InvalidArgument("witness name \"" + std::string(name) +
                                   "\" is invalid: non-empty UTF-8 without spaces or '+'");
  }
  return CosignatureVerifier(std::string(name), public_key);
}

Result<CosignatureVerifier> CosignatureVerifier::Parse(std::string_view vkey_text) {
  Result<note::VerifierKeyParts> parts = note::ParseVerifierKeyText(vkey_text, kAlgCosignatureV1);
  if (!parts.ok()) return parts.status().WithContext("witness key");
  return CosignatureVerifier(std::move(parts->name), parts->public_key);
}

std::string CosignatureVerifier::ToText() const {
  return note::FormatVerifierKeyText(name_, kAlgCosignatureV1, public_key_);
}

Cosigner::Cosigner(std::string name, SecretKey key)
    : name_(std::move(name)),
      key_id_(note::KeyId(name_, kAlgCosignatureV1, key.public_key())),
      key_(std::move(key)) {}

Result<Cosigner> Cosigner::Create(std::string_view name, SecretKey key) {
  SIGNET_RETURN_IF_ERROR(CosignatureVerifier::Create(name, key.public_key()).status());
  return Cosigner(std::string(name), std::move(key));
}

CosignatureVerifier Cosigner::verifier() const {
  return CosignatureVerifier::Create(name_, key_.public_key()).value();
}

std::string CosignedMessage(std::string_view body, std::uint64_t timestamp) {
  std::string m = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  m += body;
  return m;
}

Result<std::string> Cosigner::Cosign(std::string_view body, std::uint64_t timestamp) const {
  if (timestamp > kMaxTimestamp) return Status::InvalidArgument("timestamp exceeds 2^63-1");
  SIGNET_RETURN_IF_ERROR(ParseCheckpointBody(body).status());
  const Signature sig = key_.Sign(CosignedMessage(body, timestamp));
  Bytes raw;
  for (int shift = 24; shift >= 0; shift -= 8) {
    raw.push_back(static_cast<std::uint8_t>(key_id_ >> shift));
  }
  for (int shift = 56; shift >= 0; shift -= 8) {
    raw.push_back(static_cast<std::uint8_t>(timestamp >> shift));
  }
  raw.insert(raw.end(), sig.begin(), sig.end());
  return std::string(kSigPrefix) + name_ + " " + Base64Encode(raw) + "\n";
}

Result<std::vector<Cosignature>> VerifyCosignatures(
    const note::Note& note, std::span<const CosignatureVerifier> witnesses) {
  std::vector<Cosignature> out;
  for (const CosignatureVerifier& w : witnesses) {
    bool found = false;
    for (const note::NoteSignature& s : note.signatures) {
      if (s.name != w.name() || s.key_id != w.key_id()) continue;
      const std::string who =
          "the cosignature by witness " + w.name() + " (" + note::KeyIdHex(w.key_id()) + ")";
      if (s.signature.size() != kCosignatureBytes) {
        return Status::Unauthenticated(who + " is " + std::to_string(s.signature.size() + 4) +
                                       " bytes; cosignature/v1 lines hold 76");
      }
      std::uint64_t ts = 0;
      for (int i = 0; i < 8; ++i) ts = (ts << 8) | s.signature[static_cast<std::size_t>(i)];
      if (ts > kMaxTimestamp) return Status::Unauthenticated(who + " has a timestamp over 2^63-1");
      Status st = VerifySignature(w.public_key(), CosignedMessage(note.text, ts),
                                  ByteView(s.signature).subspan(8));
      if (!st.ok()) {
        return Status::Unauthenticated(who +
                                       " does not verify: the checkpoint or the line was "
                                       "altered");
      }
      if (!found) out.push_back({w.name(), ts});
      found = true;
    }
  }
  return out;
}

Result<WitnessedCheckpoint> OpenWitnessedCheckpoint(std::string_view signed_note,
                                                    const note::Verifier& log,
                                                    const WitnessPolicy& policy,
                                                    std::string_view expected_origin) {
  WitnessedCheckpoint out;
  SIGNET_ASSIGN_OR_RETURN(out.checkpoint, OpenCheckpoint(signed_note, log, expected_origin));
  if (policy.witnesses.empty() && policy.required == 0) return out;
  SIGNET_ASSIGN_OR_RETURN(note::Note parsed, note::Parse(signed_note));
  SIGNET_ASSIGN_OR_RETURN(out.cosignatures, VerifyCosignatures(parsed, policy.witnesses));
  if (out.cosignatures.size() < policy.required) {
    std::string have, missing;
    for (const CosignatureVerifier& w : policy.witnesses) {
      bool signed_it = false;
      for (const Cosignature& c : out.cosignatures) signed_it |= c.witness == w.name();
      std::string& list = signed_it ? have : missing;
      list += (list.empty() ? "" : ", ") + w.name();
    }
    return Status::Unauthenticated(
        "the checkpoint of size " + std::to_string(out.checkpoint.size) + " is cosigned by " +
        std::to_string(out.cosignatures.size()) + " of the " + std::to_string(policy.required) +
        " required witnesses (cosigned: " + (have.empty() ? "none" : have) +
        "; missing: " + (missing.empty() ? "none" : missing) +
        "); fetch a newer checkpoint, or wait for the witnesses to catch up");
  }
  return out;
}

Result<std::string> AppendSignatureLines(std::string_view signed_note,
                                         std::string_view signature_lines) {
  SIGNET_RETURN_IF_ERROR(note::Parse(signed_note).status());
  if (!signed_note.ends_with('\n')) return Status::InvalidArgument("signed note must end in \\n");
  std::set<std::string_view> have;
  {
    const std::size_t split = signed_note.rfind("\n\n");
    for (std::string_view rest = signed_note.substr(split + 2); !rest.empty();) {
      const std::size_t nl = rest.find('\n');
      have.insert(rest.substr(0, nl));
      rest.remove_prefix(nl + 1);
    }
  }
  std::string out(signed_note);
  for (std::string_view rest = signature_lines; !rest.empty();) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      return Status::InvalidArgument("signature lines must each end in a newline");
    }
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (!line.starts_with(kSigPrefix)) {
      return Status::InvalidArgument("a signature line must start with \"\xE2\x80\x94 \"");
    }
    if (have.insert(line).second) {
      out += line;
      out += '\n';
    }
  }
  SIGNET_RETURN_IF_ERROR(note::Parse(out).status());
  return out;
}

std::string AddCheckpointRequest(std::uint64_t old_size, std::span<const Digest> proof,
                                 std::string_view signed_checkpoint) {
  std::string out = "old " + std::to_string(old_size) + "\n";
  for (const Digest& h : proof) out += Base64Encode(ByteView(h)) + "\n";
  out += "\n";
  out += signed_checkpoint;
  return out;
}

Result<std::uint64_t> ParseTlogSize(std::string_view body) {
  if (body.ends_with('\n')) body.remove_suffix(1);
  std::uint64_t v = 0;
  const bool digits = !body.empty() && body.size() <= 20 &&
                      body.find_first_not_of("0123456789") == std::string_view::npos &&
                      (body.size() == 1 || body[0] != '0');
  if (digits) {
    for (char c : body) {
      const auto d = static_cast<std::uint64_t>(c - '0');
      if (v > (~std::uint64_t{0} - d) / 10) return Status::InvalidArgument("tree size overflows");
      v = v * 10 + d;
    }
    return v;
  }
  return Status::InvalidArgument(
      "a text/x.tlog.size answer is a decimal tree size and \\n, got \"" +
      std::string(body.substr(0, 40)) + "\"");
}

}  // namespace signet::crypto::cosig
