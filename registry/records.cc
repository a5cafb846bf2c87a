#include "registry/records.h"

#include <boost/json.hpp>
#include <cstring>
#include <exception>

#include "crypto/encoding.h"
#include "fingerprint/landmark_codec.h"

namespace signet::registry::records {
namespace {

namespace json = boost::json;

json::value TermsToJson(const Terms& t) {
  json::object o;
  for (Purpose p : kAllPurposes) {
    const auto& e = t.at(p);
    if (!e) continue;
    json::object entry;
    entry["use"] = PermissionName(e->value);
    if (e->value == Permission::kConstrained) {
      json::object ci;
      json::array lic;
      for (const auto& l : e->constraint_info.licences) lic.emplace_back(l);
      ci["licences"] = std::move(lic);
      ci["contact"] = e->constraint_info.contact;
      ci["conditions"] = e->constraint_info.conditions;
      entry["constraint_info"] = std::move(ci);
    }
    o[PurposeKey(p)] = std::move(entry);
  }
  return o;
}

Terms TermsFromJson(const json::value& v) {
  Terms t;
  for (const auto& kv : v.as_object()) {
    auto p = ParsePurpose(kv.key());
    auto use = ParsePermission(json::value_to<std::string>(kv.value().at("use")));
    if (!p || !use) throw std::runtime_error("bad terms entry");
    PurposeTerms pt;
    pt.value = *use;
    if (const auto* ci = kv.value().as_object().if_contains("constraint_info")) {
      for (const auto& l : ci->at("licences").as_array()) {
        pt.constraint_info.licences.push_back(json::value_to<std::string>(l));
      }
      pt.constraint_info.contact = json::value_to<std::string>(ci->at("contact"));
      pt.constraint_info.conditions = json::value_to<std::string>(ci->at("conditions"));
    }
    t.at(*p) = std::move(pt);
  }
  return t;
}

json::value KeyToJson(const crypto::PublicKey& k) {
  return json::value(crypto::PublicKeyToText(k));
}
crypto::PublicKey KeyFromJson(const json::value& v) {
  auto k = crypto::ParsePublicKey(v.as_string());
  if (!k.ok()) throw std::runtime_error("bad key");
  return *k;
}

void PutOpt(json::object& o, std::string_view name, const std::optional<std::string>& v) {
  if (v) o[name] = *v;
}
std::optional<std::string> GetOpt(const json::object& o, std::string_view name) {
  if (const auto* v = o.if_contains(name)) return json::value_to<std::string>(*v);
  return std::nullopt;
}
std::string Str(const json::object& o, std::string_view name) {
  return json::value_to<std::string>(o.at(name));
}
std::uint64_t U64(const json::object& o, std::string_view name) {
  return json::value_to<std::uint64_t>(o.at(name));
}
std::int64_t I64(const json::object& o, std::string_view name) {
  return json::value_to<std::int64_t>(o.at(name));
}
std::vector<std::string> StrArray(const json::object& o, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& v : o.at(name).as_array()) out.push_back(json::value_to<std::string>(v));
  return out;
}
json::array ToArray(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

template <typename T, typename F>
Result<T> Decode(std::string_view v, std::string_view what, F&& f) {
  try {
    json::value root = json::parse(v);
    return f(root.as_object());
  } catch (const std::exception& e) {
    return Status::Internal("corrupt " + std::string(what) +
                            " record in the registry database: " + e.what());
  }
}

}  // namespace

std::string EncodeArtist(const Artist& a) {
  json::object o;
  o["id"] = a.id;
  o["current_key"] = KeyToJson(a.current_key);
  json::array prev;
  for (const auto& k : a.previous_keys) prev.push_back(KeyToJson(k));
  o["previous_keys"] = std::move(prev);
  o["display_name"] = a.display_name;
  PutOpt(o, "isni", a.isni);
  PutOpt(o, "ipi", a.ipi);
  o["links"] = ToArray(a.links);
  o["last_seq"] = a.last_seq;
  o["registered_at"] = a.registered_at;
  o["register_log_index"] = a.register_log_index;
  if (a.default_terms) o["default_terms"] = TermsToJson(*a.default_terms);
  o["work_count"] = a.work_count;
  return json::serialize(o);
}

Result<Artist> DecodeArtist(std::string_view v) {
  return Decode<Artist>(v, "artist", [](const json::object& o) {
    Artist a;
    a.id = Str(o, "id");
    a.current_key = KeyFromJson(o.at("current_key"));
    for (const auto& k : o.at("previous_keys").as_array())
      a.previous_keys.push_back(KeyFromJson(k));
    a.display_name = Str(o, "display_name");
    a.isni = GetOpt(o, "isni");
    a.ipi = GetOpt(o, "ipi");
    a.links = StrArray(o, "links");
    a.last_seq = U64(o, "last_seq");
    a.registered_at = I64(o, "registered_at");
    a.register_log_index = U64(o, "register_log_index");
    if (const auto* t = o.if_contains("default_terms")) a.default_terms = TermsFromJson(*t);
    a.work_count = U64(o, "work_count");
    return a;
  });
}

std::string EncodeWork(const Work& w) {
  json::object o;
  o["id"] = w.id;
  o["artist"] = w.artist;
  o["title"] = w.title;
  json::array credits;
  for (const auto& c : w.credits) {
    json::object co;
    co["name"] = c.name;
    co["role"] = c.role;
    PutOpt(co, "isni", c.isni);
    PutOpt(co, "ipi", c.ipi);
    credits.push_back(std::move(co));
  }
  o["credits"] = std::move(credits);
  o["duration"] = w.duration_seconds;
  PutOpt(o, "sha256", w.sha256);
  PutOpt(o, "isrc", w.isrc);
  PutOpt(o, "iswc", w.iswc);
  o["fingerprint_length"] = w.fingerprint_length;
  if (w.landmark_peaks > 0) o["landmark_peaks"] = w.landmark_peaks;
  if (!w.musicbrainz_recording_ids.empty()) {
    o["musicbrainz_recording_ids"] = ToArray(w.musicbrainz_recording_ids);
  }
  o["withdrawn"] = w.withdrawn;
  o["registered_at"] = w.registered_at;
  o["updated_at"] = w.updated_at;
  o["register_log_index"] = w.register_log_index;
  o["open_disputes"] = ToArray(w.open_disputes);
  if (w.terms) o["terms"] = TermsToJson(*w.terms);
  return json::serialize(o);
}

Result<Work> DecodeWork(std::string_view v) {
  return Decode<Work>(v, "work", [](const json::object& o) {
    Work w;
    w.id = Str(o, "id");
    w.artist = Str(o, "artist");
    w.title = Str(o, "title");
    for (const auto& cv : o.at("credits").as_array()) {
      const auto& co = cv.as_object();
      Credit c;
      c.name = Str(co, "name");
      c.role = Str(co, "role");
      c.isni = GetOpt(co, "isni");
      c.ipi = GetOpt(co, "ipi");
      w.credits.push_back(std::move(c));
    }
    w.duration_seconds = o.at("duration").to_number<double>();
    w.sha256 = GetOpt(o, "sha256");
    w.isrc = GetOpt(o, "isrc");
    w.iswc = GetOpt(o, "iswc");
    w.fingerprint_length = static_cast<std::size_t>(U64(o, "fingerprint_length"));
    if (o.contains("landmark_peaks")) {
      w.landmark_peaks = static_cast<std::size_t>(U64(o, "landmark_peaks"));
    }
    if (o.contains("musicbrainz_recording_ids")) {
      w.musicbrainz_recording_ids = StrArray(o, "musicbrainz_recording_ids");
    }
    w.withdrawn = o.at("withdrawn").as_bool();
    w.registered_at = I64(o, "registered_at");
    w.updated_at = I64(o, "updated_at");
    w.register_log_index = U64(o, "register_log_index");
    w.open_disputes = StrArray(o, "open_disputes");
    if (const auto* t = o.if_contains("terms")) w.terms = TermsFromJson(*t);
    return w;
  });
}

std::string EncodeDispute(const Dispute& d) {
  json::object o;
  o["id"] = d.id;
  o["work_a"] = d.work_a;
  o["artist_a"] = d.artist_a;
  o["work_b"] = d.work_b;
  o["artist_b"] = d.artist_b;
  o["state"] = DisputeStateName(d.state);
  o["opened_by"] = d.opened_by;
  o["reason"] = d.reason;
  o["match_score"] = d.match_score;
  o["opened_at"] = d.opened_at;
  o["open_log_index"] = d.open_log_index;
  o["resolved_by"] = d.resolved_by;
  o["resolution"] = d.resolution;
  o["resolved_at"] = d.resolved_at;
  o["resolve_log_index"] = d.resolve_log_index;
  return json::serialize(o);
}

Result<Dispute> DecodeDispute(std::string_view v) {
  return Decode<Dispute>(v, "dispute", [](const json::object& o) {
    Dispute d;
    d.id = Str(o, "id");
    d.work_a = Str(o, "work_a");
    d.artist_a = Str(o, "artist_a");
    d.work_b = Str(o, "work_b");
    d.artist_b = Str(o, "artist_b");
    d.state = Str(o, "state") == "open" ? DisputeState::kOpen : DisputeState::kResolved;
    d.opened_by = Str(o, "opened_by");
    d.reason = Str(o, "reason");
    d.match_score = o.at("match_score").to_number<double>();
    d.opened_at = I64(o, "opened_at");
    d.open_log_index = U64(o, "open_log_index");
    d.resolved_by = Str(o, "resolved_by");
    d.resolution = Str(o, "resolution");
    d.resolved_at = I64(o, "resolved_at");
    d.resolve_log_index = U64(o, "resolve_log_index");
    return d;
  });
}

std::string EncodeTermsRecord(const TermsRecord& t) {
  json::object o;
  o["terms"] = TermsToJson(t.terms);
  o["log_index"] = t.log_index;
  o["accepted_at"] = t.accepted_at;
  return json::serialize(o);
}

Result<TermsRecord> DecodeTermsRecord(std::string_view v) {
  return Decode<TermsRecord>(v, "terms", [](const json::object& o) {
    TermsRecord t;
    t.terms = TermsFromJson(o.at("terms"));
    t.log_index = U64(o, "log_index");
    t.accepted_at = I64(o, "accepted_at");
    return t;
  });
}

std::string EncodeHistoryEntry(const HistoryEntry& h) {
  json::object o;
  o["log_index"] = h.log_index;
  o["statement_id"] = h.statement_id;
  o["type"] = StatementTypeName(h.type);
  o["artist"] = h.artist;
  o["seq"] = h.seq;
  o["issued_at"] = h.issued_at;
  o["accepted_at"] = h.accepted_at;
  return json::serialize(o);
}

Result<HistoryEntry> DecodeHistoryEntry(std::string_view v) {
  return Decode<HistoryEntry>(v, "history", [](const json::object& o) {
    HistoryEntry h;
    h.log_index = U64(o, "log_index");
    h.statement_id = Str(o, "statement_id");
    auto type = ParseStatementType(Str(o, "type"));
    if (!type) throw std::runtime_error("bad statement type");
    h.type = *type;
    h.artist = Str(o, "artist");
    h.seq = U64(o, "seq");
    h.issued_at = I64(o, "issued_at");
    h.accepted_at = I64(o, "accepted_at");
    return h;
  });
}

std::string EncodeFingerprint(std::string_view work_id, bool live,
                              std::span<const std::uint32_t> values) {
  std::string out(work_id);
  out.push_back(live ? '1' : '0');
  out.reserve(out.size() + values.size() * 4);
  for (std::uint32_t v : values) {
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  }
  return out;
}

Result<FingerprintRecord> DecodeFingerprint(std::string_view v) {
  constexpr std::size_t kIdLen = 35;
  if (v.size() < kIdLen + 1 || (v.size() - kIdLen - 1) % 4 != 0) {
    return Status::Internal("corrupt fingerprint record in the registry database");
  }
  FingerprintRecord r;
  r.work_id = std::string(v.substr(0, kIdLen));
  r.live = v[kIdLen] == '1';
  const std::size_t n = (v.size() - kIdLen - 1) / 4;
  r.values.resize(n);
  const auto* p = reinterpret_cast<const unsigned char*>(v.data() + kIdLen + 1);
  for (std::size_t i = 0; i < n; ++i) {
    r.values[i] = static_cast<std::uint32_t>(p[4 * i]) |
                  (static_cast<std::uint32_t>(p[4 * i + 1]) << 8) |
                  (static_cast<std::uint32_t>(p[4 * i + 2]) << 16) |
                  (static_cast<std::uint32_t>(p[4 * i + 3]) << 24);
  }
  return r;
}

std::string EncodeLandmark(std::string_view work_id, std::string_view encoded_print) {
  std::string out(work_id);
  out.append(encoded_print);
  return out;
}

Result<LandmarkRecord> DecodeLandmark(std::string_view v) {
  constexpr std::size_t kIdLen = 35;
  if (v.size() <= kIdLen)
    return Status::Internal("corrupt landmark record in the registry database");
  LandmarkRecord r;
  r.work_id = std::string(v.substr(0, kIdLen));
  auto print = fp::DecodeLandmarkPrint(v.substr(kIdLen));
  if (!print.ok()) {
    return Status::Internal("corrupt landmark record in the registry database: " +
                            print.status().message());
  }
  r.print = std::move(*print);
  return r;
}

std::string EncodeCounters(const Counters& c) {
  json::object o;
  o["artists"] = c.artists;
  o["works"] = c.works;
  o["withdrawn_works"] = c.withdrawn_works;
  o["disputes"] = c.disputes;
  o["open_disputes"] = c.open_disputes;
  return json::serialize(o);
}

Result<Counters> DecodeCounters(std::string_view v) {
  return Decode<Counters>(v, "counters", [](const json::object& o) {
    Counters c;
    c.artists = U64(o, "artists");
    c.works = U64(o, "works");
    c.withdrawn_works = U64(o, "withdrawn_works");
    c.disputes = U64(o, "disputes");
    c.open_disputes = U64(o, "open_disputes");
    return c;
  });
}

}  // namespace signet::registry::records
