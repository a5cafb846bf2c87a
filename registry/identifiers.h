// Music-industry identifiers carried by statements, validated with their
// check digits before anything is stored:
//   ISRC  ISO 3901 recording code  CC-XXX-YY-NNNNN (hyphens optional)
//   ISWC  ISO 15707 musical work   T-DDD.DDD.DDD-C (weighted mod-10 check digit)
//   ISNI  ISO 27729 party id       16 characters, ISO 7064 MOD 11-2 ("X" = 10)
//   IPI   CISAC IPI name number    11 digits, the last two a mod-101 check
// Each Normalize* function accepts the common written forms and returns the
// one canonical form the registry stores (shown per function), or an
// InvalidArgument whose message says what is wrong. Sources for the check
// rules are cited in registry/STATEMENTS.md.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace signet::registry {

// Canonical form: 12 characters, upper case, no hyphens ("USRC17607839").
Result<std::string> NormalizeIsrc(std::string_view text);

// Canonical form: "T-034.524.680-1". Also accepts "T0345246801".
Result<std::string> NormalizeIswc(std::string_view text);

// Canonical form: 16 characters without spaces ("0000000121032683").
// Accepts groups of four separated by single spaces, and a lower-case "x".
Result<std::string> NormalizeIsni(std::string_view text);

// Canonical form: 11 digits ("00014107338"). Shorter numbers must be padded
// with leading zeros by the caller: the registry does not guess.
Result<std::string> NormalizeIpiNameNumber(std::string_view text);

}  // namespace signet::registry
