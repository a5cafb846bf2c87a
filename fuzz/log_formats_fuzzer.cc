// libFuzzer target for the transparency-log formats clients and the CLI read:
// signed notes (crypto/note.h), checkpoint bodies (crypto/checkpoint.h) and
// receipt / consistency-proof JSON (crypto/receipt.h). The first byte picks
// the parser, the rest is its input.
//
// Invariant for each: an accepted input is canonical, i.e. re-serialising
// what was parsed reproduces it (or, for JSON, parses back to the same value).
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/note.h"
#include "crypto/receipt.h"

namespace {

namespace crypto = signet::crypto;

std::string SerializeNote(const crypto::note::Note& n) {
  std::string out = n.text + "\n";
  for (const auto& s : n.signatures) {
    crypto::Bytes raw = {
        static_cast<std::uint8_t>(s.key_id >> 24), static_cast<std::uint8_t>(s.key_id >> 16),
        static_cast<std::uint8_t>(s.key_id >> 8), static_cast<std::uint8_t>(s.key_id)};
    raw.insert(raw.end(), s.signature.begin(), s.signature.end());
    out += "\xE2\x80\x94 " + s.name + " " + crypto::Base64Encode(raw) + "\n";
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto n = crypto::note::Parse(text);
      if (n.ok() && SerializeNote(*n) != text) __builtin_trap();
      break;
    }
    case 1: {
      auto c = crypto::ParseCheckpointBody(text);
      if (c.ok()) {
        auto body = crypto::FormatCheckpointBody(*c);
        if (!body.ok() || *body != text) __builtin_trap();
      }
      break;
    }
    case 2: {
      auto r = crypto::ParseReceiptJson(text);
      if (r.ok()) {
        auto again = crypto::ParseReceiptJson(crypto::ReceiptToJson(*r));
        if (!again.ok() || !(*again == *r)) __builtin_trap();
      }
      break;
    }
    case 3: {
      auto p = crypto::ParseConsistencyProofJson(text);
      if (p.ok()) {
        auto again = crypto::ParseConsistencyProofJson(crypto::ConsistencyProofToJson(*p));
        if (!again.ok() || !(*again == *p)) __builtin_trap();
      }
      break;
    }
    case 4: {
      (void)crypto::note::Verifier::Parse(text);
      (void)crypto::note::Signer::Parse(text);
      break;
    }
  }
  return 0;
}
