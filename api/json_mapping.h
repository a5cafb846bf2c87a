// Internal to api/ (includes Boost.JSON; never include it from a public
// header): registry objects as the API serves them, and strict parsing helpers
// for request bodies and parameters. Answers that clients read back are the
// protocol's wire types (protocol/answers.h): Wire() fills one from a registry
// object and protocol/answers_json.h serializes it, so the CLI parses what is
// served with the same types. The shapes are the ones api/openapi.json declares.
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
#include "fingerprint/landmark.h"
#include "protocol/answers.h"
#include "registry/registry.h"

namespace signet::api::json {

protocol::Artist Wire(const registry::Artist& artist);
protocol::Work Wire(const registry::Work& work);
protocol::Dispute Wire(const registry::Dispute& dispute);
protocol::WorkMatch Wire(const registry::WorkMatch& match);
protocol::Accepted Wire(const registry::Accepted& accepted);
protocol::TermsAnswer Wire(const registry::TermsAnswer& answer);

// Registry objects as JSON: protocol::ToJson(Wire(x)).
boost::json::object ArtistJson(const registry::Artist& artist);
boost::json::object WorkJson(const registry::Work& work);
boost::json::object DisputeJson(const registry::Dispute& dispute);
boost::json::object AcceptedJson(const registry::Accepted& accepted);
// Only the API serves it; no client reads it back.
boost::json::object HistoryEntryJson(const registry::HistoryEntry& entry);

Response JsonResponse(int status, const boost::json::value& value);

// Parses `body` as a JSON object; the error says where it broke and `what` it
// should have been.
Result<boost::json::object> ParseObject(std::string_view body, std::string_view what);
// A fingerprint given as the compressed string fpcalc prints or as a raw array
// of unsigned 32-bit integers. `field` names it in messages.
Result<std::vector<std::uint32_t>> FingerprintFromJson(const boost::json::value& value,
                                                       std::string_view field);
// A query's landmark print (fingerprint/landmark_codec.h: the base64url
// string `signet check` sends) covering at most `max_seconds` of audio.
// Errors name `field` (Status::field() too) and say what to send.
Result<fp::LandmarkPrint> LandmarkFromJson(const boost::json::value& value, std::string_view field,
                                           double max_seconds);
// A decimal unsigned integer query parameter.
Result<std::uint64_t> ParseUint(std::string_view text, std::string_view name);

}  // namespace signet::api::json
