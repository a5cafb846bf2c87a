// Internal to api/ (includes Boost.JSON; never include it from a public
// header): the JSON shapes of registry objects as the API serves them, and
// strict parsing helpers for request bodies and parameters. The shapes are the
// ones api/openapi.json declares.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/http.h"
#include "common/status.h"
#include "crypto/receipt.h"
#include "registry/registry.h"

namespace signet::api::json {

boost::json::object ArtistJson(const registry::Artist& artist);
boost::json::object WorkJson(const registry::Work& work);
boost::json::object DisputeJson(const registry::Dispute& dispute);
// A terms statement's object, in the statement's own shape (STATEMENTS.md).
boost::json::object TermsJson(const registry::Terms& terms);
// Per purpose: {"use": ..., "source": ..., "decided_by": ..., "constraint_info": ...}
// or {"use": "unset", "source": "unset"}.
boost::json::object EffectiveTermsJson(const registry::EffectiveTerms& terms);
boost::json::value ReceiptJson(const crypto::Receipt& receipt);
boost::json::object SegmentJson(const registry::MatchSegment& segment);
boost::json::object WorkMatchJson(const registry::WorkMatch& match);
boost::json::object AcceptedJson(const registry::Accepted& accepted);
boost::json::object HistoryEntryJson(const registry::HistoryEntry& entry);

Response JsonResponse(int status, const boost::json::value& value);

// Parses `body` as a JSON object; the error says where it broke and `what` it
// should have been.
Result<boost::json::object> ParseObject(std::string_view body, std::string_view what);
// A fingerprint given as the compressed string fpcalc prints or as a raw array
// of unsigned 32-bit integers. `field` names it in messages.
Result<std::vector<std::uint32_t>> FingerprintFromJson(const boost::json::value& value,
                                                       std::string_view field);
// A decimal unsigned integer query parameter.
Result<std::uint64_t> ParseUint(std::string_view text, std::string_view name);

}  // namespace signet::api::json
