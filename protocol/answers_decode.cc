// Decoders of protocol/answers_json.h: what clients read back, with paths in errors.
#include <boost/json.hpp>
#include <utility>

#include "common/strict_json.h"
#include "protocol/answers_json.h"

namespace signet::protocol {
namespace {

namespace json = boost::json;

std::string Join(std::string_view path, std::string_view member) {
  if (path.empty()) return std::string(member);
  std::string out(path);
  if (!member.starts_with('[')) out += '.';
  out += member;
  return out;
}

Status Bad(std::string_view path, std::string_view what) {
  if (path.empty()) return Status::InvalidArgument(std::string("the answer ") + std::string(what));
  return Status::InvalidArgument("member \"" + std::string(path) + "\" " + std::string(what));
}

// One JSON object of an answer, read member by member; errors name the path.
class Obj {
 public:
  static Result<Obj> Of(const json::value& v, std::string path) {
    if (!v.is_object()) return Bad(path, "must be a JSON object");
    return Obj(v.get_object(), std::move(path));
  }

  const std::string& path() const { return path_; }
  std::string Path(std::string_view key) const { return Join(path_, key); }
  const json::value* Find(std::string_view key) const { return o_.if_contains(key); }
  bool Has(std::string_view key) const { return o_.contains(key); }

  Result<const json::value*> Require(std::string_view key) const {
    const json::value* v = Find(key);
    if (!v) return Bad(Path(key), "is missing");
    return v;
  }
  Result<std::string> Str(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(const json::value* v, Require(key));
    return StrOf(*v, Path(key));
  }
  Result<std::optional<std::string>> OptStr(std::string_view key) const {
    const json::value* v = Find(key);
    if (!v) return std::optional<std::string>();
    SIGNET_ASSIGN_OR_RETURN(std::string s, StrOf(*v, Path(key)));
    return std::optional<std::string>(std::move(s));
  }
  Result<double> Num(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(const json::value* v, Require(key));
    if (!v->is_number()) return Bad(Path(key), "must be a number");
    return v->to_number<double>();
  }
  Result<double> NumOr(std::string_view key, double absent) const {
    if (!Find(key)) return absent;
    return Num(key);
  }
  Result<std::uint64_t> U64(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(const json::value* v, Require(key));
    return U64Of(*v, Path(key));
  }
  Result<std::optional<std::uint64_t>> OptU64(std::string_view key) const {
    const json::value* v = Find(key);
    if (!v) return std::optional<std::uint64_t>();
    SIGNET_ASSIGN_OR_RETURN(std::uint64_t n, U64Of(*v, Path(key)));
    return std::optional<std::uint64_t>(n);
  }
  Result<bool> Bool(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(const json::value* v, Require(key));
    if (!v->is_bool()) return Bad(Path(key), "must be true or false");
    return v->get_bool();
  }
  Result<Micros> Time(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(std::string s, Str(key));
    return TimeOf(s, Path(key));
  }
  Result<std::optional<Micros>> OptTime(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(auto s, OptStr(key));
    if (!s) return std::optional<Micros>();
    SIGNET_ASSIGN_OR_RETURN(Micros t, TimeOf(*s, Path(key)));
    return std::optional<Micros>(t);
  }
  Result<std::vector<std::string>> Strings(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(const json::array* a, Array(key));
    std::vector<std::string> out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      SIGNET_ASSIGN_OR_RETURN(std::string s, StrOf((*a)[i], Item(key, i)));
      out.push_back(std::move(s));
    }
    return out;
  }
  Result<const json::array*> Array(std::string_view key) const {
    SIGNET_ASSIGN_OR_RETURN(const json::value* v, Require(key));
    if (!v->is_array()) return Bad(Path(key), "must be an array");
    return &v->get_array();
  }
  std::string Item(std::string_view key, std::size_t i) const {
    return Path(key) + "[" + std::to_string(i) + "]";
  }

  static Result<std::string> StrOf(const json::value& v, std::string_view path) {
    if (!v.is_string()) return Bad(path, "must be a string");
    return std::string(v.get_string());
  }
  static Result<std::uint64_t> U64Of(const json::value& v, std::string_view path) {
    if (v.is_uint64()) return v.get_uint64();
    if (v.is_int64() && v.get_int64() >= 0) return static_cast<std::uint64_t>(v.get_int64());
    return Bad(path, "must be a non-negative integer");
  }
  static Result<Micros> TimeOf(std::string_view text, std::string_view path) {
    auto t = ParseRfc3339Utc(text);
    if (!t.ok()) return Bad(path, t.status().message());
    return *t;
  }

 private:
  Obj(const json::object& o, std::string path) : o_(o), path_(std::move(path)) {}
  const json::object& o_;
  std::string path_;
};

// Decodes every element of array member `key` with `decode`.
template <typename T>
Result<std::vector<T>> ArrayOf(const Obj& o, std::string_view key,
                               Result<T> (*decode)(const json::value&, const std::string&)) {
  SIGNET_ASSIGN_OR_RETURN(const json::array* a, o.Array(key));
  std::vector<T> out;
  out.reserve(a->size());
  for (std::size_t i = 0; i < a->size(); ++i) {
    SIGNET_ASSIGN_OR_RETURN(T t, decode((*a)[i], o.Item(key, i)));
    out.push_back(std::move(t));
  }
  return out;
}

template <typename T>
Result<std::optional<T>> OptionalOf(const Obj& o, std::string_view key,
                                    Result<T> (*decode)(const json::value&, const std::string&)) {
  const json::value* v = o.Find(key);
  if (!v || v->is_null()) return std::optional<T>();
  SIGNET_ASSIGN_OR_RETURN(T t, decode(*v, o.Path(key)));
  return std::optional<T>(std::move(t));
}

Result<Purpose> PurposeOf(std::string_view key, std::string_view path) {
  auto p = ParsePurpose(key);
  if (!p) return Bad(path, "is not a purpose (" + PurposeList() + ")");
  return *p;
}

Result<PurposeTerms> DecodePurposeTerms(const Obj& o) {
  PurposeTerms t;
  SIGNET_ASSIGN_OR_RETURN(std::string use, o.Str("use"));
  auto permission = ParsePermission(use);
  if (!permission) return Bad(o.Path("use"), "must be allowed, notAllowed or constrained");
  t.value = *permission;
  if (t.value == Permission::kConstrained) {
    SIGNET_ASSIGN_OR_RETURN(const json::value* ci, o.Require("constraint_info"));
    SIGNET_ASSIGN_OR_RETURN(Obj c, Obj::Of(*ci, o.Path("constraint_info")));
    SIGNET_ASSIGN_OR_RETURN(t.constraint_info.licences, c.Strings("licences"));
    SIGNET_ASSIGN_OR_RETURN(auto contact, c.OptStr("contact"));
    SIGNET_ASSIGN_OR_RETURN(auto conditions, c.OptStr("conditions"));
    t.constraint_info.contact = contact.value_or("");
    t.constraint_info.conditions = conditions.value_or("");
  }
  return t;
}

Result<Terms> DecodeTerms(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Terms t;
  for (const auto& kv : v.get_object()) {
    const std::string p = o.Path(kv.key());
    SIGNET_ASSIGN_OR_RETURN(Purpose purpose, PurposeOf(kv.key(), p));
    SIGNET_ASSIGN_OR_RETURN(Obj entry, Obj::Of(kv.value(), p));
    SIGNET_ASSIGN_OR_RETURN(PurposeTerms pt, DecodePurposeTerms(entry));
    t.at(purpose) = std::move(pt);
  }
  return t;
}

Result<EffectiveTerms> DecodeEffectiveTerms(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  EffectiveTerms t;
  for (const auto& kv : v.get_object()) {
    const std::string p = o.Path(kv.key());
    SIGNET_ASSIGN_OR_RETURN(Purpose purpose, PurposeOf(kv.key(), p));
    SIGNET_ASSIGN_OR_RETURN(Obj entry, Obj::Of(kv.value(), p));
    ResolvedPurpose& r = t.at(purpose);
    SIGNET_ASSIGN_OR_RETURN(std::string use, entry.Str("use"));
    if (use != "unset") {
      SIGNET_ASSIGN_OR_RETURN(r.terms, DecodePurposeTerms(entry));
    }
    SIGNET_ASSIGN_OR_RETURN(std::string source, entry.Str("source"));
    auto s = ParseTermsSource(source);
    if (!s) return Bad(entry.Path("source"), "must be unset, work or artist_default");
    r.source = *s;
    SIGNET_ASSIGN_OR_RETURN(auto decided_by, entry.OptStr("decided_by"));
    if (decided_by) {
      SIGNET_ASSIGN_OR_RETURN(r.decided_by, PurposeOf(*decided_by, entry.Path("decided_by")));
    }
  }
  return t;
}

Result<Credit> DecodeCredit(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Credit c;
  SIGNET_ASSIGN_OR_RETURN(c.name, o.Str("name"));
  SIGNET_ASSIGN_OR_RETURN(c.role, o.Str("role"));
  SIGNET_ASSIGN_OR_RETURN(c.isni, o.OptStr("isni"));
  SIGNET_ASSIGN_OR_RETURN(c.ipi, o.OptStr("ipi"));
  return c;
}

Result<Artist> DecodeArtist(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Artist a;
  SIGNET_ASSIGN_OR_RETURN(a.id, o.Str("id"));
  SIGNET_ASSIGN_OR_RETURN(a.display_name, o.Str("display_name"));
  SIGNET_ASSIGN_OR_RETURN(a.public_key, o.Str("public_key"));
  SIGNET_ASSIGN_OR_RETURN(a.previous_keys, o.Strings("previous_keys"));
  SIGNET_ASSIGN_OR_RETURN(a.isni, o.OptStr("isni"));
  SIGNET_ASSIGN_OR_RETURN(a.ipi, o.OptStr("ipi"));
  SIGNET_ASSIGN_OR_RETURN(a.links, o.Strings("links"));
  SIGNET_ASSIGN_OR_RETURN(a.last_seq, o.U64("last_seq"));
  SIGNET_ASSIGN_OR_RETURN(a.registered_at, o.Time("registered_at"));
  SIGNET_ASSIGN_OR_RETURN(a.register_log_index, o.U64("register_log_index"));
  SIGNET_ASSIGN_OR_RETURN(a.default_terms, OptionalOf(o, "default_terms", DecodeTerms));
  SIGNET_ASSIGN_OR_RETURN(a.work_count, o.U64("work_count"));
  return a;
}

Result<Work> DecodeWork(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Work w;
  SIGNET_ASSIGN_OR_RETURN(w.id, o.Str("id"));
  SIGNET_ASSIGN_OR_RETURN(w.artist, o.Str("artist"));
  SIGNET_ASSIGN_OR_RETURN(w.title, o.Str("title"));
  SIGNET_ASSIGN_OR_RETURN(w.credits, ArrayOf(o, "credits", DecodeCredit));
  SIGNET_ASSIGN_OR_RETURN(w.duration_seconds, o.Num("duration"));
  SIGNET_ASSIGN_OR_RETURN(w.sha256, o.OptStr("sha256"));
  SIGNET_ASSIGN_OR_RETURN(w.isrc, o.OptStr("isrc"));
  SIGNET_ASSIGN_OR_RETURN(w.iswc, o.OptStr("iswc"));
  SIGNET_ASSIGN_OR_RETURN(w.fingerprint_length, o.U64("fingerprint_length"));
  SIGNET_ASSIGN_OR_RETURN(auto landmark_peaks, o.OptU64("landmark_peaks"));
  w.landmark_peaks = landmark_peaks.value_or(0);
  if (o.Has("musicbrainz_recording_ids")) {
    SIGNET_ASSIGN_OR_RETURN(w.musicbrainz_recording_ids, o.Strings("musicbrainz_recording_ids"));
  }
  SIGNET_ASSIGN_OR_RETURN(w.withdrawn, o.Bool("withdrawn"));
  SIGNET_ASSIGN_OR_RETURN(w.registered_at, o.Time("registered_at"));
  SIGNET_ASSIGN_OR_RETURN(w.updated_at, o.Time("updated_at"));
  SIGNET_ASSIGN_OR_RETURN(w.register_log_index, o.U64("register_log_index"));
  SIGNET_ASSIGN_OR_RETURN(w.open_disputes, o.Strings("open_disputes"));
  SIGNET_ASSIGN_OR_RETURN(w.terms, OptionalOf(o, "terms", DecodeTerms));
  return w;
}

Result<Dispute> DecodeDispute(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Dispute d;
  SIGNET_ASSIGN_OR_RETURN(d.id, o.Str("id"));
  SIGNET_ASSIGN_OR_RETURN(d.work_a, o.Str("work_a"));
  SIGNET_ASSIGN_OR_RETURN(d.artist_a, o.Str("artist_a"));
  SIGNET_ASSIGN_OR_RETURN(d.work_b, o.Str("work_b"));
  SIGNET_ASSIGN_OR_RETURN(d.artist_b, o.Str("artist_b"));
  SIGNET_ASSIGN_OR_RETURN(d.state, o.Str("state"));
  SIGNET_ASSIGN_OR_RETURN(d.opened_by, o.Str("opened_by"));
  SIGNET_ASSIGN_OR_RETURN(auto reason, o.OptStr("reason"));
  d.reason = reason.value_or("");
  SIGNET_ASSIGN_OR_RETURN(d.match_score, o.Num("match_score"));
  SIGNET_ASSIGN_OR_RETURN(d.opened_at, o.Time("opened_at"));
  SIGNET_ASSIGN_OR_RETURN(d.open_log_index, o.U64("open_log_index"));
  if (o.Has("resolved_by")) {
    DisputeResolution r;
    SIGNET_ASSIGN_OR_RETURN(r.resolved_by, o.Str("resolved_by"));
    SIGNET_ASSIGN_OR_RETURN(r.resolution, o.Str("resolution"));
    SIGNET_ASSIGN_OR_RETURN(r.resolved_at, o.Time("resolved_at"));
    SIGNET_ASSIGN_OR_RETURN(r.resolve_log_index, o.U64("resolve_log_index"));
    d.resolved = std::move(r);
  }
  return d;
}

Result<Accepted> DecodeAccepted(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Accepted a;
  SIGNET_ASSIGN_OR_RETURN(a.statement_id, o.Str("statement_id"));
  SIGNET_ASSIGN_OR_RETURN(std::string type, o.Str("type"));
  auto t = ParseStatementType(type);
  if (!t) return Bad(o.Path("type"), "must be a statement type (" + StatementTypeList() + ")");
  a.type = *t;
  SIGNET_ASSIGN_OR_RETURN(a.artist_id, o.Str("artist_id"));
  SIGNET_ASSIGN_OR_RETURN(a.work_id, o.OptStr("work_id"));
  SIGNET_ASSIGN_OR_RETURN(a.dispute_id, o.OptStr("dispute_id"));
  SIGNET_ASSIGN_OR_RETURN(a.log_index, o.U64("log_index"));
  SIGNET_ASSIGN_OR_RETURN(a.accepted_at, o.Time("accepted_at"));
  SIGNET_ASSIGN_OR_RETURN(a.artist, OptionalOf(o, "artist", DecodeArtist));
  SIGNET_ASSIGN_OR_RETURN(a.work, OptionalOf(o, "work", DecodeWork));
  SIGNET_ASSIGN_OR_RETURN(a.dispute, OptionalOf(o, "dispute", DecodeDispute));
  SIGNET_ASSIGN_OR_RETURN(a.opened_disputes, ArrayOf(o, "opened_disputes", DecodeDispute));
  SIGNET_ASSIGN_OR_RETURN(const json::value* receipt, o.Require("receipt"));
  auto r = crypto::ParseReceiptJson(json::serialize(*receipt));
  if (!r.ok()) return Bad(o.Path("receipt"), "is not a log receipt: " + r.status().message());
  a.receipt = std::move(*r);
  return a;
}

Result<TermsInForce> DecodeTermsInForce(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  TermsInForce t;
  SIGNET_ASSIGN_OR_RETURN(const json::value* terms, o.Require("terms"));
  SIGNET_ASSIGN_OR_RETURN(t.terms, DecodeTerms(*terms, o.Path("terms")));
  SIGNET_ASSIGN_OR_RETURN(t.log_index, o.OptU64("log_index"));
  SIGNET_ASSIGN_OR_RETURN(t.since, o.OptTime("since"));
  return t;
}

Result<TermsAnswer> DecodeTermsAnswer(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  TermsAnswer a;
  SIGNET_ASSIGN_OR_RETURN(a.work_id, o.Str("work_id"));
  SIGNET_ASSIGN_OR_RETURN(a.at, o.Time("at"));
  SIGNET_ASSIGN_OR_RETURN(const json::value* effective, o.Require("effective"));
  SIGNET_ASSIGN_OR_RETURN(a.effective, DecodeEffectiveTerms(*effective, o.Path("effective")));
  SIGNET_ASSIGN_OR_RETURN(a.work_terms, OptionalOf(o, "work_terms", DecodeTermsInForce));
  SIGNET_ASSIGN_OR_RETURN(a.default_terms, OptionalOf(o, "default_terms", DecodeTermsInForce));
  return a;
}

Result<Segment> DecodeSegment(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  Segment s;
  SIGNET_ASSIGN_OR_RETURN(s.query_start, o.Num("query_start"));
  SIGNET_ASSIGN_OR_RETURN(s.query_end, o.Num("query_end"));
  SIGNET_ASSIGN_OR_RETURN(s.ref_start, o.Num("ref_start"));
  SIGNET_ASSIGN_OR_RETURN(s.ref_end, o.Num("ref_end"));
  if (o.Has("bit_error_rate")) {
    SIGNET_ASSIGN_OR_RETURN(s.bit_error_rate, o.Num("bit_error_rate"));
  }
  if (o.Has("prints")) {
    SIGNET_ASSIGN_OR_RETURN(s.prints, o.Strings("prints"));
  }
  return s;
}

Result<WorkMatch> DecodeWorkMatch(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  WorkMatch m;
  SIGNET_ASSIGN_OR_RETURN(const json::value* work, o.Require("work"));
  SIGNET_ASSIGN_OR_RETURN(m.work, DecodeWork(*work, o.Path("work")));
  SIGNET_ASSIGN_OR_RETURN(const json::value* artist, o.Require("artist"));
  SIGNET_ASSIGN_OR_RETURN(Obj ar, Obj::Of(*artist, o.Path("artist")));
  SIGNET_ASSIGN_OR_RETURN(m.artist.id, ar.Str("id"));
  SIGNET_ASSIGN_OR_RETURN(m.artist.display_name, ar.Str("display_name"));
  SIGNET_ASSIGN_OR_RETURN(m.score, o.Num("score"));
  SIGNET_ASSIGN_OR_RETURN(m.e_value, o.Num("e_value"));
  SIGNET_ASSIGN_OR_RETURN(m.speed, o.Num("speed"));
  SIGNET_ASSIGN_OR_RETURN(m.tempo, o.NumOr("tempo", m.speed));
  SIGNET_ASSIGN_OR_RETURN(m.pitch_semitones, o.NumOr("pitch_semitones", 0));
  if (o.Has("prints")) {
    SIGNET_ASSIGN_OR_RETURN(m.prints, o.Strings("prints"));
  }
  SIGNET_ASSIGN_OR_RETURN(m.segments, ArrayOf(o, "segments", DecodeSegment));
  SIGNET_ASSIGN_OR_RETURN(m.disputes, ArrayOf(o, "disputes", DecodeDispute));
  SIGNET_ASSIGN_OR_RETURN(const json::value* terms, o.Require("terms"));
  SIGNET_ASSIGN_OR_RETURN(m.terms, DecodeEffectiveTerms(*terms, o.Path("terms")));
  return m;
}

Result<MatchAnswer> DecodeMatchAnswer(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  MatchAnswer a;
  SIGNET_ASSIGN_OR_RETURN(const json::value* query, o.Require("query"));
  SIGNET_ASSIGN_OR_RETURN(Obj q, Obj::Of(*query, o.Path("query")));
  SIGNET_ASSIGN_OR_RETURN(a.query.source, q.Str("source"));
  if (q.Has("duration")) {
    SIGNET_ASSIGN_OR_RETURN(a.query.duration, q.Num("duration"));
  }
  if (q.Has("speed_variants")) {
    SIGNET_ASSIGN_OR_RETURN(const json::array* sv, q.Array("speed_variants"));
    std::vector<double> speeds;
    for (std::size_t i = 0; i < sv->size(); ++i) {
      if (!(*sv)[i].is_number()) return Bad(q.Item("speed_variants", i), "must be a number");
      speeds.push_back((*sv)[i].to_number<double>());
    }
    a.query.speed_variants = std::move(speeds);
  }
  if (q.Has("speed_variant_seconds")) {
    SIGNET_ASSIGN_OR_RETURN(a.query.speed_variant_seconds, q.Num("speed_variant_seconds"));
  }
  SIGNET_ASSIGN_OR_RETURN(a.query.fingerprint_length, q.U64("fingerprint_length"));
  SIGNET_ASSIGN_OR_RETURN(a.query.landmark_peaks, q.OptU64("landmark_peaks"));
  SIGNET_ASSIGN_OR_RETURN(a.matches, ArrayOf(o, "matches", DecodeWorkMatch));
  if (o.Has("searched_fraction")) {
    SIGNET_ASSIGN_OR_RETURN(a.searched_fraction, o.Num("searched_fraction"));
  }
  if (o.Has("index")) {
    SIGNET_ASSIGN_OR_RETURN(const json::value* index, o.Require("index"));
    SIGNET_ASSIGN_OR_RETURN(Obj io, Obj::Of(*index, o.Path("index")));
    PartialIndex p;
    SIGNET_ASSIGN_OR_RETURN(p.indexed_works, io.U64("indexed_works"));
    SIGNET_ASSIGN_OR_RETURN(p.works, io.U64("works"));
    a.index = p;
  }
  return a;
}

Result<CheckItemId> DecodeCheckItemId(const Obj& o) {
  const json::value* id = o.Find("id");
  if (!id) return CheckItemId();
  if (id->is_string()) return CheckItemId(std::string(id->get_string()));
  if (id->is_int64()) return CheckItemId(id->get_int64());
  if (id->is_uint64()) return CheckItemId(id->get_uint64());
  return Bad(o.Path("id"), "must be a string or an integer");
}

Result<Verdict> VerdictOf(const Obj& o) {
  SIGNET_ASSIGN_OR_RETURN(std::string name, o.Str("verdict"));
  auto verdict = ParseVerdict(name);
  if (!verdict) {
    return Bad(o.Path("verdict"),
               "must be allowed, notAllowed, constrained, disputed or unregistered");
  }
  return *verdict;
}

Result<CheckWork> DecodeCheckWork(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  CheckWork w;
  SIGNET_ASSIGN_OR_RETURN(w.work_id, o.Str("work_id"));
  SIGNET_ASSIGN_OR_RETURN(w.title, o.Str("title"));
  SIGNET_ASSIGN_OR_RETURN(w.artist, o.Str("artist"));
  SIGNET_ASSIGN_OR_RETURN(w.artist_name, o.Str("artist_name"));
  SIGNET_ASSIGN_OR_RETURN(w.score, o.Num("score"));
  SIGNET_ASSIGN_OR_RETURN(w.verdict, VerdictOf(o));
  SIGNET_ASSIGN_OR_RETURN(w.reason, o.Str("reason"));
  SIGNET_ASSIGN_OR_RETURN(w.disputed, o.Bool("disputed"));
  return w;
}

Result<CheckLine> DecodeCheckLine(const json::value& v, const std::string& path) {
  SIGNET_ASSIGN_OR_RETURN(Obj o, Obj::Of(v, path));
  if (const json::value* s = o.Find("summary")) {
    CheckSummaryLine l;
    SIGNET_ASSIGN_OR_RETURN(Obj so, Obj::Of(*s, o.Path("summary")));
    SIGNET_ASSIGN_OR_RETURN(std::string purpose, so.Str("purpose"));
    SIGNET_ASSIGN_OR_RETURN(l.purpose, PurposeOf(purpose, so.Path("purpose")));
    SIGNET_ASSIGN_OR_RETURN(l.items, so.U64("items"));
    SIGNET_ASSIGN_OR_RETURN(l.errors, so.U64("errors"));
    SIGNET_ASSIGN_OR_RETURN(const json::value* verdicts, so.Require("verdicts"));
    SIGNET_ASSIGN_OR_RETURN(Obj vo, Obj::Of(*verdicts, so.Path("verdicts")));
    for (const auto& kv : verdicts->get_object()) {
      SIGNET_ASSIGN_OR_RETURN(l.verdicts[std::string(kv.key())],
                              Obj::U64Of(kv.value(), vo.Path(kv.key())));
    }
    SIGNET_ASSIGN_OR_RETURN(l.checkpoint_size, so.U64("checkpoint_size"));
    if (const json::value* r = o.Find("receipt")) {
      SIGNET_ASSIGN_OR_RETURN(Obj ro, Obj::Of(*r, o.Path("receipt")));
      CheckReceipt receipt;
      SIGNET_ASSIGN_OR_RETURN(receipt.answer_sha256, ro.Str("answer_sha256"));
      SIGNET_ASSIGN_OR_RETURN(receipt.note, ro.Str("note"));
      l.receipt = std::move(receipt);
    }
    SIGNET_ASSIGN_OR_RETURN(l.receipt_error, o.OptStr("receipt_error"));
    return CheckLine(std::move(l));
  }
  SIGNET_ASSIGN_OR_RETURN(CheckItemId id, DecodeCheckItemId(o));
  if (const json::value* e = o.Find("error")) {
    CheckErrorLine l;
    l.id = std::move(id);
    SIGNET_ASSIGN_OR_RETURN(l.line, o.U64("line"));
    SIGNET_ASSIGN_OR_RETURN(Obj eo, Obj::Of(*e, o.Path("error")));
    SIGNET_ASSIGN_OR_RETURN(std::uint64_t status, eo.U64("status"));
    if (status < 100 || status > 599) return Bad(eo.Path("status"), "must be an HTTP status code");
    l.status = static_cast<int>(status);
    SIGNET_ASSIGN_OR_RETURN(l.detail, eo.Str("detail"));
    return CheckLine(std::move(l));
  }
  CheckVerdictLine l;
  l.id = std::move(id);
  SIGNET_ASSIGN_OR_RETURN(l.line, o.U64("line"));
  SIGNET_ASSIGN_OR_RETURN(l.verdict, VerdictOf(o));
  SIGNET_ASSIGN_OR_RETURN(l.reason, o.Str("reason"));
  SIGNET_ASSIGN_OR_RETURN(l.works, ArrayOf(o, "works", DecodeCheckWork));
  if (o.Has("searched_fraction")) {
    SIGNET_ASSIGN_OR_RETURN(l.searched_fraction, o.Num("searched_fraction"));
  }
  if (o.Has("index_complete")) {
    SIGNET_ASSIGN_OR_RETURN(l.index_complete, o.Bool("index_complete"));
  }
  return CheckLine(std::move(l));
}

}  // namespace

Result<Terms> TermsFromJson(const json::value& v) { return DecodeTerms(v, ""); }
Result<EffectiveTerms> EffectiveTermsFromJson(const json::value& v) {
  return DecodeEffectiveTerms(v, "");
}
Result<Artist> ArtistFromJson(const json::value& v) { return DecodeArtist(v, ""); }
Result<Work> WorkFromJson(const json::value& v) { return DecodeWork(v, ""); }
Result<Dispute> DisputeFromJson(const json::value& v) { return DecodeDispute(v, ""); }
Result<Accepted> AcceptedFromJson(const json::value& v) { return DecodeAccepted(v, ""); }
Result<TermsAnswer> TermsAnswerFromJson(const json::value& v) { return DecodeTermsAnswer(v, ""); }
Result<WorkMatch> WorkMatchFromJson(const json::value& v) { return DecodeWorkMatch(v, ""); }
Result<MatchAnswer> MatchAnswerFromJson(const json::value& v) { return DecodeMatchAnswer(v, ""); }
Result<CheckLine> CheckLineFromJson(const json::value& v) { return DecodeCheckLine(v, ""); }

// Deepest answer: match -> matches[] -> work -> terms -> purpose ->
// constraint_info -> licences[] is 8 levels; room for additions.
constexpr std::size_t kMaxAnswerDepth = 32;

Result<json::value> ParseJsonText(std::string_view text) {
  // A registry's answers may be long (a mix matching hundreds of works) but
  // not deep; what the client already holds in memory has no size limit.
  auto v = ParseStrictJson(text, text.size(), "the answer", kMaxAnswerDepth);
  if (!v.ok()) {
    return Status::InvalidArgument(v.status().message() + ": " + std::string(text.substr(0, 200)));
  }
  return v;
}

}  // namespace signet::protocol
