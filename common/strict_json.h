// Strict JSON reading for every signed or untrusted document: crypto's wire
// formats (DSSE envelopes, receipts, proofs) and registry statement payloads.
// It names Boost.JSON types but includes only <boost/json/fwd.hpp>; include it
// from .cc files, not from headers many files include.
//
// ParseStrictJson rejects input over a size limit, nesting deeper than a
// limit, and objects with duplicate keys (Boost.JSON would silently keep the
// last, while another verifier's parser might keep the first and see a
// different payload). It reads numbers with a fraction or exponent correctly
// rounded (std::from_chars; Boost.JSON 1.81's parser is not), so a document
// read, serialized and read again holds the same doubles.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace signet {

// `what` names the document in error messages ("DSSE envelope"). A duplicate
// key at any depth is an error naming the key. The top level is depth 1.
Result<boost::json::value> ParseStrictJson(std::string_view text, std::size_t max_bytes,
                                           std::string_view what, std::size_t max_depth = 8);

// Error unless `v` is an object holding exactly the `required` keys, plus any
// of `optional`. Messages name the missing or unexpected field under `where`.
Result<const boost::json::object*> ExpectObject(
    const boost::json::value& v, std::string_view where,
    std::initializer_list<std::string_view> required,
    std::initializer_list<std::string_view> optional = {});

// The largest integer every JSON implementation reads exactly (IEEE doubles):
// integers that a document says are at most this are range-checked against it.
inline constexpr std::uint64_t kMaxJsonInteger = std::uint64_t{1} << 53;

// `v` as an integer in [min, max], or nullopt: not an integer (1.0 and 1e3
// are not), or out of range. Boost.JSON reads integers up to 2^63-1 as
// int64, so both of its integer kinds are checked.
std::optional<std::uint64_t> IntegerIn(const boost::json::value& v, std::uint64_t min,
                                       std::uint64_t max);

// The field `key` of `obj` as the given type; the error names `where`.`key`.
// REQUIRES: `key` is present (ExpectObject checked it).
Result<std::string_view> GetString(const boost::json::object& obj, std::string_view key,
                                   std::string_view where);
// An integer from 0 to kMaxJsonInteger.
Result<std::uint64_t> GetUint64(const boost::json::object& obj, std::string_view key,
                                std::string_view where);
Result<const boost::json::array*> GetArray(const boost::json::object& obj, std::string_view key,
                                           std::string_view where);

}  // namespace signet
