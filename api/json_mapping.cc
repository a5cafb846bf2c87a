#include "api/json_mapping.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "common/strict_json.h"
#include "fingerprint/codec.h"
#include "fingerprint/landmark_codec.h"
#include "protocol/answers_json.h"

namespace signet::api::json {
namespace bj = boost::json;
using protocol::FormatRfc3339Utc;

protocol::Artist Wire(const registry::Artist& a) {
  protocol::Artist o;
  o.id = a.id;
  o.display_name = a.display_name;
  o.public_key = crypto::PublicKeyToText(a.current_key);
  for (const auto& k : a.previous_keys) o.previous_keys.push_back(crypto::PublicKeyToText(k));
  o.isni = a.isni;
  o.ipi = a.ipi;
  o.links = a.links;
  o.last_seq = a.last_seq;
  o.registered_at = a.registered_at;
  o.register_log_index = a.register_log_index;
  o.default_terms = a.default_terms;
  o.work_count = a.work_count;
  return o;
}

protocol::Work Wire(const registry::Work& w) {
  protocol::Work o;
  o.id = w.id;
  o.artist = w.artist;
  o.title = w.title;
  for (const auto& c : w.credits) o.credits.push_back({c.name, c.role, c.isni, c.ipi});
  o.duration_seconds = w.duration_seconds;
  o.sha256 = w.sha256;
  o.isrc = w.isrc;
  o.iswc = w.iswc;
  o.fingerprint_length = w.fingerprint_length;
  o.landmark_peaks = w.landmark_peaks;
  o.musicbrainz_recording_ids = w.musicbrainz_recording_ids;
  o.withdrawn = w.withdrawn;
  o.registered_at = w.registered_at;
  o.updated_at = w.updated_at;
  o.register_log_index = w.register_log_index;
  o.open_disputes = w.open_disputes;
  o.terms = w.terms;
  return o;
}

protocol::Dispute Wire(const registry::Dispute& d) {
  protocol::Dispute o;
  o.id = d.id;
  o.work_a = d.work_a;
  o.artist_a = d.artist_a;
  o.work_b = d.work_b;
  o.artist_b = d.artist_b;
  o.state = registry::DisputeStateName(d.state);
  o.opened_by = d.opened_by;
  o.reason = d.reason;
  o.match_score = d.match_score;
  o.opened_at = d.opened_at;
  o.open_log_index = d.open_log_index;
  if (d.state == registry::DisputeState::kResolved) {
    o.resolved = protocol::DisputeResolution{d.resolved_by, d.resolution, d.resolved_at,
                                             d.resolve_log_index};
  }
  return o;
}

namespace {
// "chromaprint", "landmark": which prints found a work or a segment.
std::vector<std::string> PrintNames(bool chromaprint, bool landmark) {
  std::vector<std::string> out;
  if (chromaprint) out.emplace_back("chromaprint");
  if (landmark) out.emplace_back("landmark");
  return out;
}
}  // namespace

protocol::WorkMatch Wire(const registry::WorkMatch& m) {
  protocol::WorkMatch o;
  o.work = Wire(m.work);
  o.artist = {m.work.artist, m.artist_display_name};
  o.score = m.score;
  o.e_value = m.e_value;
  o.speed = m.speed;
  o.tempo = m.tempo;
  o.pitch_semitones = m.pitch_semitones;
  o.prints = PrintNames(m.chromaprint, m.landmark);
  for (const auto& s : m.segments) {
    protocol::Segment seg{s.query_start, s.query_end,  s.ref_start,
                          s.ref_end,     std::nullopt, PrintNames(s.chromaprint, s.landmark)};
    if (s.chromaprint) seg.bit_error_rate = s.bit_error_rate;
    o.segments.push_back(std::move(seg));
  }
  for (const auto& d : m.disputes) o.disputes.push_back(Wire(d));
  o.terms = m.terms;
  return o;
}

protocol::Accepted Wire(const registry::Accepted& a) {
  protocol::Accepted o;
  o.statement_id = a.statement_id;
  o.type = a.type;
  o.artist_id = a.artist_id;
  o.work_id = a.work_id;
  o.dispute_id = a.dispute_id;
  o.log_index = a.log_index;
  o.accepted_at = a.accepted_at;
  if (a.artist) o.artist = Wire(*a.artist);
  if (a.work) o.work = Wire(*a.work);
  if (a.dispute) o.dispute = Wire(*a.dispute);
  for (const auto& d : a.opened_disputes) o.opened_disputes.push_back(Wire(d));
  o.receipt = a.receipt;
  return o;
}

protocol::TermsAnswer Wire(const registry::TermsAnswer& a) {
  protocol::TermsAnswer o;
  o.work_id = a.work_id;
  o.at = a.at;
  o.effective = a.effective;
  if (a.work_terms) {
    o.work_terms =
        protocol::TermsInForce{*a.work_terms, a.work_terms_log_index, a.work_terms_since};
  }
  if (a.default_terms) {
    o.default_terms =
        protocol::TermsInForce{*a.default_terms, a.default_terms_log_index, a.default_terms_since};
  }
  return o;
}

bj::object ArtistJson(const registry::Artist& a) { return protocol::ToJson(Wire(a)); }
bj::object WorkJson(const registry::Work& w) { return protocol::ToJson(Wire(w)); }
bj::object DisputeJson(const registry::Dispute& d) { return protocol::ToJson(Wire(d)); }
bj::object AcceptedJson(const registry::Accepted& a) { return protocol::ToJson(Wire(a)); }

bj::object HistoryEntryJson(const registry::HistoryEntry& e) {
  bj::object o;
  o["log_index"] = e.log_index;
  o["statement_id"] = e.statement_id;
  o["type"] = registry::StatementTypeName(e.type);
  o["artist"] = e.artist;
  o["seq"] = e.seq;
  o["issued_at"] = FormatRfc3339Utc(e.issued_at);
  o["accepted_at"] = FormatRfc3339Utc(e.accepted_at);
  return o;
}

Response JsonResponse(int status, const bj::value& value) {
  return Response::Json(status, bj::serialize(value));
}

Result<bj::object> ParseObject(std::string_view body, std::string_view what) {
  if (body.empty()) return Status::InvalidArgument(fmt::format("the body is empty; send {}", what));
  // The strict reader statements use: a duplicate key is refused, not
  // resolved to its last value (another reader might take the first).
  auto parsed = ParseStrictJson(body, body.size(), "the body", 32);
  if (!parsed.ok()) {
    return Status::InvalidArgument(fmt::format("{}; send {}", parsed.status().message(), what));
  }
  bj::value v = std::move(*parsed);
  if (!v.is_object()) {
    return Status::InvalidArgument(fmt::format("the body must be a JSON object: {}", what));
  }
  return std::move(v.as_object());
}

Result<fp::LandmarkPrint> LandmarkFromJson(const bj::value& value, std::string_view field,
                                           double max_seconds) {
  if (!value.is_string() || value.as_string().empty()) {
    return Status::InvalidArgument(
               fmt::format("\"{}\" must be a landmark print: the base64url string (format "
                           "version {}) that `signet check` computes from the audio",
                           field, fp::kLandmarkFormatVersion))
        .WithField(std::string(field));
  }
  auto print = fp::DecodeLandmarkPrint(value.as_string());
  if (!print.ok()) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not a valid landmark print ({})", field,
                                               print.status().message()))
        .WithField(std::string(field));
  }
  if (print->DurationSeconds() > max_seconds) {
    return Status::InvalidArgument(
               fmt::format("\"{}\" covers {:.0f} s of audio; at most {:.0f} s are matched: send "
                           "the print of the first {:.0f} s",
                           field, print->DurationSeconds(), max_seconds, max_seconds))
        .WithField(std::string(field));
  }
  return std::move(*print);
}

Result<std::vector<std::uint32_t>> FingerprintFromJson(const bj::value& value,
                                                       std::string_view field) {
  if (value.is_string()) {
    auto decoded = fp::DecodeFingerprint(value.as_string());
    if (!decoded.ok()) {
      return Status::InvalidArgument(fmt::format(
          "\"{}\" is not a valid compressed fingerprint ({}); send the whole string fpcalc "
          "prints after FINGERPRINT=, or an array of integers (fpcalc -raw)",
          field, decoded.status().message()));
    }
    return std::move(decoded->values);
  }
  if (value.is_array()) {
    const auto& a = value.as_array();
    if (a.size() > fp::kMaxFingerprintValues) {
      return Status::InvalidArgument(fmt::format("\"{}\" has {} values; at most {} are accepted",
                                                 field, a.size(), fp::kMaxFingerprintValues));
    }
    std::vector<std::uint32_t> out;
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      const auto& e = a[i];
      std::int64_t n = -1;
      if (e.is_uint64() && e.as_uint64() <= 0xffffffffu)
        n = static_cast<std::int64_t>(e.as_uint64());
      if (e.is_int64() && e.as_int64() >= 0 && e.as_int64() <= 0xffffffffLL) n = e.as_int64();
      // fpcalc -raw prints signed 32-bit values: accept those too.
      if (e.is_int64() && e.as_int64() < 0 && e.as_int64() >= -0x80000000LL) {
        n = e.as_int64() + 0x100000000LL;
      }
      if (n < 0) {
        return Status::InvalidArgument(fmt::format(
            "\"{}[{}]\" must be an integer in [-2^31, 2^32) (a 32-bit sub-fingerprint)", field, i));
      }
      out.push_back(static_cast<std::uint32_t>(n));
    }
    return out;
  }
  return Status::InvalidArgument(fmt::format(
      "\"{}\" must be a compressed fingerprint string (fpcalc's FINGERPRINT=) or an array of "
      "32-bit integers (fpcalc -raw)",
      field));
}

Result<std::uint64_t> ParseUint(std::string_view text, std::string_view name) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
    return Status::InvalidArgument(fmt::format(
        "parameter \"{}\" must be a non-negative decimal integer, got \"{}\"", name, text));
  }
  return v;
}

}  // namespace signet::api::json
