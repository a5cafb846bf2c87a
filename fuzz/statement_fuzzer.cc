// libFuzzer target for everything the registry runs on the bytes of a
// POST /v1/statements before it looks at its own state: the DSSE envelope
// parser (crypto/dsse.h) and the statement payload parser and validator
// (registry/statement.h ParseStatement: JSON shape, sizes, identifiers with
// their check digits, terms, the compressed fingerprint, RFC 3339 times).
//
// Each input is tried twice: as an envelope (whose payload, if it parses, is
// then validated as a statement, as the registry does) and as a bare payload,
// so that the seeds (fuzz/corpus/statement_fuzzer/) of either kind reach the
// validator.
//
// Invariants beyond "no crash, no UB, no leak":
//  - an accepted statement's type name parses back to the same type;
//  - its issued_at formats as RFC 3339 and parses back to the same instant;
//  - a work.register's decoded fingerprint is not empty;
//  - a work.register's accepted landmark print encodes back to the text sent
//    (fingerprint/landmark_codec.h: one string per print).
#include <cstdint>
#include <string_view>

#include "crypto/dsse.h"
#include "fingerprint/landmark_codec.h"
#include "registry/statement.h"

namespace {

namespace registry = signet::registry;

// A fixed "now" so that a finding replays the same way later: 2026-11-23T12:00:00Z.
constexpr registry::Micros kNow = 1795435200LL * 1000000;
constexpr registry::Micros kSkew = 5LL * 60 * 1000000;

void CheckStatement(std::string_view payload) {
  auto st = registry::ParseStatement(payload, kNow, kSkew);
  if (!st.ok()) return;
  if (registry::ParseStatementType(registry::StatementTypeName(st->type)) != st->type) {
    __builtin_trap();
  }
  auto again = registry::ParseRfc3339Utc(registry::FormatRfc3339Utc(st->issued_at));
  if (!again.ok() || *again != st->issued_at) __builtin_trap();
  if (const auto* work = std::get_if<registry::WorkRegisterBody>(&st->body)) {
    if (work->fingerprint_values.empty()) __builtin_trap();
    if (work->landmark_print &&
        signet::fp::EncodeLandmarkPrint(*work->landmark_print) != *work->landmark) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto env = signet::crypto::dsse::ParseJson(text); env.ok()) CheckStatement(env->payload);
  CheckStatement(text);
  // Timestamps are parsed from several places (issued_at, ?at=): a time that
  // parses must survive formatting.
  if (size <= 64) {
    if (auto t = registry::ParseRfc3339Utc(text); t.ok()) {
      auto again = registry::ParseRfc3339Utc(registry::FormatRfc3339Utc(*t));
      if (!again.ok() || *again != *t) __builtin_trap();
    }
  }
  return 0;
}
