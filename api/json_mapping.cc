#include "api/json_mapping.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "common/strict_json.h"
#include "fingerprint/codec.h"

namespace signet::api::json {
namespace bj = boost::json;
using registry::FormatRfc3339Utc;

namespace {

bj::array Strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

bj::object ConstraintJson(const registry::ConstraintInfo& c) {
  bj::object o;
  o["licences"] = Strings(c.licences);
  if (!c.contact.empty()) o["contact"] = c.contact;
  if (!c.conditions.empty()) o["conditions"] = c.conditions;
  return o;
}

bj::object PurposeTermsJson(const registry::PurposeTerms& t) {
  bj::object o;
  o["use"] = registry::PermissionName(t.value);
  if (t.value == registry::Permission::kConstrained)
    o["constraint_info"] = ConstraintJson(t.constraint_info);
  return o;
}

template <typename T>
void SetOptional(bj::object& o, std::string_view key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}

}  // namespace

bj::object ArtistJson(const registry::Artist& a) {
  bj::object o;
  o["id"] = a.id;
  o["display_name"] = a.display_name;
  o["public_key"] = crypto::PublicKeyToText(a.current_key);
  bj::array prev;
  for (const auto& k : a.previous_keys) prev.emplace_back(crypto::PublicKeyToText(k));
  o["previous_keys"] = std::move(prev);
  SetOptional(o, "isni", a.isni);
  SetOptional(o, "ipi", a.ipi);
  o["links"] = Strings(a.links);
  o["last_seq"] = a.last_seq;
  o["registered_at"] = FormatRfc3339Utc(a.registered_at);
  o["register_log_index"] = a.register_log_index;
  if (a.default_terms) o["default_terms"] = TermsJson(*a.default_terms);
  o["work_count"] = a.work_count;
  return o;
}

bj::object WorkJson(const registry::Work& w) {
  bj::object o;
  o["id"] = w.id;
  o["artist"] = w.artist;
  o["title"] = w.title;
  bj::array credits;
  for (const auto& c : w.credits) {
    bj::object co;
    co["name"] = c.name;
    co["role"] = c.role;
    SetOptional(co, "isni", c.isni);
    SetOptional(co, "ipi", c.ipi);
    credits.emplace_back(std::move(co));
  }
  o["credits"] = std::move(credits);
  o["duration"] = w.duration_seconds;
  SetOptional(o, "sha256", w.sha256);
  SetOptional(o, "isrc", w.isrc);
  SetOptional(o, "iswc", w.iswc);
  o["fingerprint_length"] = w.fingerprint_length;
  o["withdrawn"] = w.withdrawn;
  o["registered_at"] = FormatRfc3339Utc(w.registered_at);
  o["updated_at"] = FormatRfc3339Utc(w.updated_at);
  o["register_log_index"] = w.register_log_index;
  o["open_disputes"] = Strings(w.open_disputes);
  if (w.terms) o["terms"] = TermsJson(*w.terms);
  return o;
}

bj::object DisputeJson(const registry::Dispute& d) {
  bj::object o;
  o["id"] = d.id;
  o["work_a"] = d.work_a;
  o["artist_a"] = d.artist_a;
  o["work_b"] = d.work_b;
  o["artist_b"] = d.artist_b;
  o["state"] = registry::DisputeStateName(d.state);
  o["opened_by"] = d.opened_by;
  if (!d.reason.empty()) o["reason"] = d.reason;
  o["match_score"] = d.match_score;
  o["opened_at"] = FormatRfc3339Utc(d.opened_at);
  o["open_log_index"] = d.open_log_index;
  if (d.state == registry::DisputeState::kResolved) {
    o["resolved_by"] = d.resolved_by;
    o["resolution"] = d.resolution;
    o["resolved_at"] = FormatRfc3339Utc(d.resolved_at);
    o["resolve_log_index"] = d.resolve_log_index;
  }
  return o;
}

bj::object TermsJson(const registry::Terms& t) {
  bj::object o;
  for (auto p : registry::kAllPurposes) {
    if (t.at(p)) o[registry::PurposeKey(p)] = PurposeTermsJson(*t.at(p));
  }
  return o;
}

bj::object EffectiveTermsJson(const registry::EffectiveTerms& t) {
  bj::object o;
  for (auto p : registry::kAllPurposes) {
    const auto& r = t.at(p);
    bj::object po;
    if (r.terms) {
      po = PurposeTermsJson(*r.terms);
    } else {
      po["use"] = "unset";
    }
    po["source"] = registry::TermsSourceName(r.source);
    if (r.decided_by) po["decided_by"] = registry::PurposeKey(*r.decided_by);
    o[registry::PurposeKey(p)] = std::move(po);
  }
  return o;
}

bj::value ReceiptJson(const crypto::Receipt& receipt) {
  return bj::parse(crypto::ReceiptToJson(receipt));
}

bj::object SegmentJson(const registry::MatchSegment& s) {
  bj::object o;
  o["query_start"] = s.query_start;
  o["query_end"] = s.query_end;
  o["ref_start"] = s.ref_start;
  o["ref_end"] = s.ref_end;
  o["bit_error_rate"] = s.bit_error_rate;
  return o;
}

bj::object WorkMatchJson(const registry::WorkMatch& m) {
  bj::object o;
  o["work"] = WorkJson(m.work);
  o["artist"] = bj::object{{"id", m.work.artist}, {"display_name", m.artist_display_name}};
  o["score"] = m.score;
  o["speed"] = m.speed;
  bj::array segs;
  for (const auto& s : m.segments) segs.emplace_back(SegmentJson(s));
  o["segments"] = std::move(segs);
  o["disputed"] = !m.disputes.empty();
  bj::array disputes;
  for (const auto& d : m.disputes) disputes.emplace_back(DisputeJson(d));
  o["disputes"] = std::move(disputes);
  o["terms"] = EffectiveTermsJson(m.terms);
  return o;
}

bj::object AcceptedJson(const registry::Accepted& a) {
  bj::object o;
  o["statement_id"] = a.statement_id;
  o["type"] = registry::StatementTypeName(a.type);
  o["artist_id"] = a.artist_id;
  SetOptional(o, "work_id", a.work_id);
  SetOptional(o, "dispute_id", a.dispute_id);
  o["log_index"] = a.log_index;
  o["accepted_at"] = FormatRfc3339Utc(a.accepted_at);
  if (a.artist) o["artist"] = ArtistJson(*a.artist);
  if (a.work) o["work"] = WorkJson(*a.work);
  if (a.dispute) o["dispute"] = DisputeJson(*a.dispute);
  bj::array opened;
  for (const auto& d : a.opened_disputes) opened.emplace_back(DisputeJson(d));
  o["opened_disputes"] = std::move(opened);
  o["receipt"] = ReceiptJson(a.receipt);
  return o;
}

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
