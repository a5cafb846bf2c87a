// Strict JSON reading for every signed or untrusted document: crypto's wire
// formats (DSSE envelopes, receipts, proofs) and registry statement payloads.
// It names Boost.JSON types but includes only <boost/json/fwd.hpp>; include it
// from .cc files, not from headers many files include.
//
// ParseStrictJson rejects, before building any value: input over a size limit,
// nesting deeper than a limit, and objects with duplicate keys (Boost.JSON
// would silently keep the last, while another verifier's parser might keep
// the first and see a different payload).
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
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

// The field `key` of `obj` as the given type; the error names `where`.`key`.
// REQUIRES: `key` is present (ExpectObject checked it).
Result<std::string_view> GetString(const boost::json::object& obj, std::string_view key,
                                   std::string_view where);
Result<std::uint64_t> GetUint64(const boost::json::object& obj, std::string_view key,
                                std::string_view where);
Result<const boost::json::array*> GetArray(const boost::json::object& obj, std::string_view key,
                                           std::string_view where);

}  // namespace signet
