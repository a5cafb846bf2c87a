// libFuzzer target for witnessed checkpoints (crypto/cosignature.h): what
// `signet verify --witness`, `signet mirror` and signetd's witness publisher
// read from the network. The input is a cosigned checkpoint note checked
// against fixed keys (the log's and three witnesses', deterministic, so the
// seed corpus holds notes that really verify); a second part after a NUL byte
// is a witness's add-checkpoint answer to append, or a 409 body.
//
// Invariants: a policy that accepts a note accepts it again after the same
// signature lines are appended twice (AppendSignatureLines skips duplicates);
// no cosignature is counted for a witness whose line is not in the note.
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/cosignature.h"

namespace crypto = signet::crypto;
namespace cosig = signet::crypto::cosig;

namespace {

crypto::PublicKey KeyOf(std::uint8_t b) {
  return crypto::SecretKey::FromSeed(crypto::Bytes(32, b)).value().public_key();
}

struct Keys {
  crypto::note::Verifier log = crypto::note::Verifier::Create("fuzz.test/log", KeyOf(1)).value();
  cosig::WitnessPolicy policy{{cosig::CosignatureVerifier::Create("w1.test", KeyOf(2)).value(),
                               cosig::CosignatureVerifier::Create("w2.test", KeyOf(3)).value(),
                               cosig::CosignatureVerifier::Create("w3.test", KeyOf(4)).value()},
                              2};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Keys keys;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = all.find('\0');
  const std::string_view note = all.substr(0, nul);
  const std::string_view extra =
      nul == std::string_view::npos ? std::string_view() : all.substr(nul + 1);

  auto witnessed = cosig::OpenWitnessedCheckpoint(note, keys.log, keys.policy);
  if (witnessed.ok()) {
    if (witnessed->cosignatures.size() < 2) __builtin_trap();
    for (const auto& c : witnessed->cosignatures) {
      if (note.find("\xE2\x80\x94 " + c.witness + " ") == std::string_view::npos) __builtin_trap();
    }
  }
  (void)cosig::ParseTlogSize(extra);
  (void)cosig::CosignatureVerifier::Parse(extra);
  auto appended = cosig::AppendSignatureLines(note, extra);
  if (appended.ok()) {
    auto twice = cosig::AppendSignatureLines(*appended, extra);
    if (!twice.ok() || *twice != *appended) __builtin_trap();
    if (witnessed.ok()) {
      // Appending can only add cosignatures, or make a matching line fail to verify.
      auto after = cosig::OpenWitnessedCheckpoint(*appended, keys.log, keys.policy);
      if (after.ok() && after->cosignatures.size() < witnessed->cosignatures.size()) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
