// Encoders of protocol/answers_json.h: the members and order signetd serves.
#include <boost/json.hpp>
#include <cmath>
#include <utility>

#include "protocol/answers_json.h"

namespace signet::protocol {
namespace {

namespace json = boost::json;

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

template <typename T>
void SetOptional(json::object& o, std::string_view key, const std::optional<T>& v) {
  if (v) o[key] = *v;
}

json::object PurposeTermsJson(const PurposeTerms& t) {
  json::object o;
  o["use"] = PermissionName(t.value);
  if (t.value == Permission::kConstrained) {
    json::object c;
    c["licences"] = Strings(t.constraint_info.licences);
    if (!t.constraint_info.contact.empty()) c["contact"] = t.constraint_info.contact;
    if (!t.constraint_info.conditions.empty()) c["conditions"] = t.constraint_info.conditions;
    o["constraint_info"] = std::move(c);
  }
  return o;
}

json::object SegmentJson(const Segment& s) {
  json::object o;
  o["query_start"] = s.query_start;
  o["query_end"] = s.query_end;
  o["ref_start"] = s.ref_start;
  o["ref_end"] = s.ref_end;
  if (s.bit_error_rate) o["bit_error_rate"] = *s.bit_error_rate;
  o["prints"] = Strings(s.prints);
  return o;
}

json::value TermsInForceJson(const std::optional<TermsInForce>& t) {
  if (!t) return nullptr;
  json::object o;
  o["terms"] = ToJson(t->terms);
  if (t->log_index) o["log_index"] = *t->log_index;
  if (t->since) o["since"] = FormatRfc3339Utc(*t->since);
  return o;
}

void SetId(json::object& o, const CheckItemId& id) {
  if (const auto* s = std::get_if<std::string>(&id)) o["id"] = *s;
  if (const auto* i = std::get_if<std::int64_t>(&id)) o["id"] = *i;
  if (const auto* u = std::get_if<std::uint64_t>(&id)) o["id"] = *u;
}

json::object LineJson(const CheckVerdictLine& l) {
  json::object o;
  SetId(o, l.id);
  o["line"] = l.line;
  o["verdict"] = VerdictName(l.verdict);
  o["reason"] = l.reason;
  json::array works;
  for (const auto& w : l.works) {
    json::object wo;
    wo["work_id"] = w.work_id;
    wo["title"] = w.title;
    wo["artist"] = w.artist;
    wo["artist_name"] = w.artist_name;
    wo["score"] = w.score;
    wo["e_value"] = EValueOfScore(w.score);
    wo["verdict"] = VerdictName(w.verdict);
    wo["reason"] = w.reason;
    wo["disputed"] = w.disputed;
    works.emplace_back(std::move(wo));
  }
  o["works"] = std::move(works);
  if (l.searched_fraction) {
    o["partial"] = true;
    o["searched_fraction"] = *l.searched_fraction;
  }
  if (!l.index_complete) o["index_complete"] = false;
  return o;
}

json::object LineJson(const CheckErrorLine& l) {
  json::object o;
  SetId(o, l.id);
  o["line"] = l.line;
  o["error"] = json::object{{"status", l.status}, {"detail", l.detail}};
  return o;
}

json::object LineJson(const CheckSummaryLine& l) {
  json::object summary;
  summary["purpose"] = PurposeKey(l.purpose);
  summary["items"] = l.items;
  summary["errors"] = l.errors;
  json::object verdicts;
  for (const auto& [k, n] : l.verdicts) verdicts[k] = n;
  summary["verdicts"] = std::move(verdicts);
  summary["checkpoint_size"] = l.checkpoint_size;
  json::object o;
  o["summary"] = std::move(summary);
  if (l.receipt) {
    o["receipt"] =
        json::object{{"answer_sha256", l.receipt->answer_sha256}, {"note", l.receipt->note}};
  }
  if (l.receipt_error) o["receipt_error"] = *l.receipt_error;
  return o;
}

}  // namespace

double EValueOfScore(double score) { return std::pow(10.0, -score); }

json::object ToJson(const Terms& t) {
  json::object o;
  for (Purpose p : kAllPurposes) {
    if (t.at(p)) o[PurposeKey(p)] = PurposeTermsJson(*t.at(p));
  }
  return o;
}

json::object ToJson(const EffectiveTerms& t) {
  json::object o;
  for (Purpose p : kAllPurposes) {
    const ResolvedPurpose& r = t.at(p);
    json::object po;
    if (r.terms) {
      po = PurposeTermsJson(*r.terms);
    } else {
      po["use"] = "unset";
    }
    po["source"] = TermsSourceName(r.source);
    if (r.decided_by) po["decided_by"] = PurposeKey(*r.decided_by);
    o[PurposeKey(p)] = std::move(po);
  }
  return o;
}

json::object ToJson(const Artist& a) {
  json::object o;
  o["id"] = a.id;
  o["display_name"] = a.display_name;
  o["public_key"] = a.public_key;
  o["previous_keys"] = Strings(a.previous_keys);
  SetOptional(o, "isni", a.isni);
  SetOptional(o, "ipi", a.ipi);
  o["links"] = Strings(a.links);
  o["last_seq"] = a.last_seq;
  o["registered_at"] = FormatRfc3339Utc(a.registered_at);
  o["register_log_index"] = a.register_log_index;
  if (a.default_terms) o["default_terms"] = ToJson(*a.default_terms);
  o["work_count"] = a.work_count;
  return o;
}

json::object ToJson(const Work& w) {
  json::object o;
  o["id"] = w.id;
  o["artist"] = w.artist;
  o["title"] = w.title;
  json::array credits;
  for (const Credit& c : w.credits) {
    json::object co;
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
  o["landmark_peaks"] = w.landmark_peaks;
  o["withdrawn"] = w.withdrawn;
  o["registered_at"] = FormatRfc3339Utc(w.registered_at);
  o["updated_at"] = FormatRfc3339Utc(w.updated_at);
  o["register_log_index"] = w.register_log_index;
  o["open_disputes"] = Strings(w.open_disputes);
  if (w.terms) o["terms"] = ToJson(*w.terms);
  return o;
}

json::object ToJson(const Dispute& d) {
  json::object o;
  o["id"] = d.id;
  o["work_a"] = d.work_a;
  o["artist_a"] = d.artist_a;
  o["work_b"] = d.work_b;
  o["artist_b"] = d.artist_b;
  o["state"] = d.state;
  o["opened_by"] = d.opened_by;
  if (!d.reason.empty()) o["reason"] = d.reason;
  o["match_score"] = d.match_score;
  o["opened_at"] = FormatRfc3339Utc(d.opened_at);
  o["open_log_index"] = d.open_log_index;
  if (d.resolved) {
    o["resolved_by"] = d.resolved->resolved_by;
    o["resolution"] = d.resolved->resolution;
    o["resolved_at"] = FormatRfc3339Utc(d.resolved->resolved_at);
    o["resolve_log_index"] = d.resolved->resolve_log_index;
  }
  return o;
}

json::object ToJson(const Accepted& a) {
  json::object o;
  o["statement_id"] = a.statement_id;
  o["type"] = StatementTypeName(a.type);
  o["artist_id"] = a.artist_id;
  SetOptional(o, "work_id", a.work_id);
  SetOptional(o, "dispute_id", a.dispute_id);
  o["log_index"] = a.log_index;
  o["accepted_at"] = FormatRfc3339Utc(a.accepted_at);
  if (a.artist) o["artist"] = ToJson(*a.artist);
  if (a.work) o["work"] = ToJson(*a.work);
  if (a.dispute) o["dispute"] = ToJson(*a.dispute);
  json::array opened;
  for (const auto& d : a.opened_disputes) opened.emplace_back(ToJson(d));
  o["opened_disputes"] = std::move(opened);
  o["receipt"] = json::parse(crypto::ReceiptToJson(a.receipt));
  return o;
}

json::object ToJson(const TermsAnswer& a) {
  json::object o;
  o["work_id"] = a.work_id;
  o["at"] = FormatRfc3339Utc(a.at);
  o["effective"] = ToJson(a.effective);
  o["work_terms"] = TermsInForceJson(a.work_terms);
  o["default_terms"] = TermsInForceJson(a.default_terms);
  return o;
}

json::object ToJson(const WorkMatch& m) {
  json::object o;
  o["work"] = ToJson(m.work);
  o["artist"] = json::object{{"id", m.artist.id}, {"display_name", m.artist.display_name}};
  o["score"] = m.score;
  o["e_value"] = m.e_value;
  o["speed"] = m.speed;
  o["tempo"] = m.tempo;
  o["pitch_semitones"] = m.pitch_semitones;
  o["prints"] = Strings(m.prints);
  json::array segs;
  for (const auto& s : m.segments) segs.emplace_back(SegmentJson(s));
  o["segments"] = std::move(segs);
  o["disputed"] = !m.disputes.empty();
  json::array disputes;
  for (const auto& d : m.disputes) disputes.emplace_back(ToJson(d));
  o["disputes"] = std::move(disputes);
  o["terms"] = ToJson(m.terms);
  return o;
}

json::object ToJson(const MatchAnswer& a) {
  json::object query;
  query["source"] = a.query.source;
  if (a.query.duration) query["duration"] = *a.query.duration;
  if (a.query.speed_variants) {
    json::array sv;
    for (double s : *a.query.speed_variants) sv.emplace_back(s);
    query["speed_variants"] = std::move(sv);
  }
  if (a.query.speed_variant_seconds)
    query["speed_variant_seconds"] = *a.query.speed_variant_seconds;
  query["fingerprint_length"] = a.query.fingerprint_length;
  if (a.query.landmark_peaks) query["landmark_peaks"] = *a.query.landmark_peaks;
  json::array matches;
  for (const auto& m : a.matches) matches.emplace_back(ToJson(m));
  json::object o;
  o["query"] = std::move(query);
  o["matches"] = std::move(matches);
  if (a.searched_fraction) {
    o["partial"] = true;
    o["searched_fraction"] = *a.searched_fraction;
  }
  if (a.index) {
    o["index"] = json::object{
        {"complete", false}, {"indexed_works", a.index->indexed_works}, {"works", a.index->works}};
  }
  return o;
}

json::object ToJson(const CheckLine& line) {
  return std::visit([](const auto& l) { return LineJson(l); }, line);
}

}  // namespace signet::protocol
