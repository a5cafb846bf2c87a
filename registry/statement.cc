#include "registry/statement.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "common/strict_json.h"
#include "crypto/encoding.h"
#include "fingerprint/codec.h"
#include "fingerprint/extract.h"
#include "fingerprint/landmark_codec.h"
#include "registry/identifiers.h"

namespace signet::registry {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxPayloadDepth = 16;  // STATEMENTS.md: "at most 16 levels deep"

// Counts UTF-8 code points; nullopt if `s` is not valid UTF-8 or holds
// control characters (other than none at all: names and texts are one line,
// except free texts where newlines are allowed).
std::optional<std::size_t> CountChars(std::string_view s, bool allow_newlines) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len;
    std::uint32_t cp;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + len > s.size()) return std::nullopt;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and out-of-range code points.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return std::nullopt;
    }
    if (cp < 0x20 || cp == 0x7F) {
      if (!(allow_newlines && (cp == '\n' || cp == '\t'))) return std::nullopt;
    }
    i += len;
    ++n;
  }
  return n;
}

// Reads the fields of one JSON object, remembering which were used so that
// unknown fields can be rejected, and builds error messages that name the
// field with its full path.
class ObjectReader {
 public:
  ObjectReader(const json::object& obj, std::string_view type, std::string prefix)
      : obj_(obj), type_(type), prefix_(std::move(prefix)) {}

  Status Error(std::string_view field, std::string_view what) const {
    std::string m(type_);
    m.append(": field \"").append(prefix_).append(field).append("\" ").append(what);
    return Status::InvalidArgument(std::move(m)).WithField(Path(field));
  }

  std::string Path(std::string_view field) const { return prefix_ + std::string(field); }

  const json::value* Find(std::string_view field) {
    used_.emplace_back(field);
    return obj_.if_contains(field);
  }

  Result<const json::value*> Require(std::string_view field) {
    const json::value* v = Find(field);
    if (!v) return Error(field, "is required");
    return v;
  }

  // A string of 1..max_chars characters; nullopt when absent and optional.
  Result<std::optional<std::string>> String(std::string_view field, std::size_t max_chars,
                                            bool required, bool allow_newlines = false,
                                            bool allow_empty = false) {
    const json::value* v = Find(field);
    if (!v) {
      if (required) return Error(field, "is required");
      return std::optional<std::string>();
    }
    const std::string what = "must be a string of at most " + std::to_string(max_chars) +
                             " characters" + (allow_empty ? "" : " (not empty)");
    if (!v->is_string()) return Error(field, what);
    std::string_view s = v->get_string();
    auto n = CountChars(s, allow_newlines);
    if (!n) return Error(field, "must be valid UTF-8 text without control characters");
    if (*n > max_chars || (*n == 0 && !allow_empty)) return Error(field, what);
    return std::optional<std::string>(std::string(s));
  }

  Result<std::string> RequiredString(std::string_view field, std::size_t max_chars,
                                     bool allow_newlines = false, bool allow_empty = false) {
    SIGNET_ASSIGN_OR_RETURN(auto s, String(field, max_chars, true, allow_newlines, allow_empty));
    return std::move(*s);
  }

  Status NoUnknownFields() const {
    for (const auto& kv : obj_) {
      bool known = false;
      for (const auto& u : used_) known = known || u == kv.key();
      if (!known) {
        std::string m(type_);
        m.append(": unknown field \"").append(prefix_).append(kv.key()).append("\"");
        return Status::InvalidArgument(std::move(m)).WithField(Path(kv.key()));
      }
    }
    return Status::Ok();
  }

  const std::string& type() const { return type_; }
  const std::string& prefix() const { return prefix_; }

 private:
  const json::object& obj_;
  std::string type_;
  std::string prefix_;
  std::vector<std::string> used_;
};

// An identifier field checked with a Normalize* function.
Result<std::optional<std::string>> Identifier(ObjectReader& r, std::string_view field,
                                              Result<std::string> (*normalize)(std::string_view)) {
  SIGNET_ASSIGN_OR_RETURN(auto s, r.String(field, 40, false));
  if (!s) return s;
  auto n = normalize(*s);
  if (!n.ok()) return r.Error(field, "is invalid: " + n.status().message());
  return std::optional<std::string>(std::move(*n));
}

Result<crypto::PublicKey> PublicKeyField(ObjectReader& r, std::string_view field) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, r.RequiredString(field, 64));
  auto key = crypto::ParsePublicKey(text);
  if (!key.ok() || text.size() != 44) {
    return r.Error(field, "must be an Ed25519 public key: standard base64 of 32 bytes");
  }
  return *key;
}

Result<std::string> WorkIdField(ObjectReader& r, std::string_view field) {
  SIGNET_ASSIGN_OR_RETURN(std::string id, r.RequiredString(field, 64));
  if (!IsWellFormedWorkId(id)) return r.Error(field, "must be a work id (wk_ + 32 hex digits)");
  return id;
}

bool IsHttpUrl(std::string_view s) {
  return s.starts_with("https://") || s.starts_with("http://") || s.starts_with("mailto:") ||
         s.starts_with("urn:");
}

Result<std::vector<std::string>> UrlArray(ObjectReader& r, std::string_view field,
                                          std::size_t max_items, std::size_t max_chars) {
  std::vector<std::string> out;
  const json::value* v = r.Find(field);
  if (!v) return out;
  const std::string what = "must be an array of at most " + std::to_string(max_items) +
                           " URLs (https://, http://, mailto: or urn:) of at most " +
                           std::to_string(max_chars) + " characters";
  if (!v->is_array() || v->get_array().size() > max_items) return r.Error(field, what);
  const auto& arr = v->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string item = std::string(field) + "[" + std::to_string(i) + "]";
    if (!arr[i].is_string()) return r.Error(item, what);
    std::string_view s = arr[i].get_string();
    auto n = CountChars(s, false);
    if (!n || *n == 0 || *n > max_chars || !IsHttpUrl(s) || s.find(' ') != s.npos) {
      return r.Error(item, what);
    }
    out.emplace_back(s);
  }
  return out;
}

Result<Terms> ParseTermsObject(ObjectReader& parent, std::string_view field,
                               const StatementLimits& limits) {
  SIGNET_ASSIGN_OR_RETURN(const json::value* v, parent.Require(field));
  if (!v->is_object()) {
    return parent.Error(field,
                        "must be an object keyed by purpose (" + protocol::PurposeList() + ")");
  }
  Terms terms;
  const std::string base = parent.prefix() + std::string(field) + ".";
  for (const auto& kv : v->get_object()) {
    auto purpose = ParsePurpose(kv.key());
    if (!purpose) {
      std::string m(parent.type());
      m.append(": unknown purpose \"")
          .append(base)
          .append(kv.key())
          .append("\" (use ")
          .append(protocol::PurposeList(" or "))
          .append(")");
      return Status::InvalidArgument(std::move(m)).WithField(base + std::string(kv.key()));
    }
    const std::string path = base + std::string(kv.key());
    if (!kv.value().is_object()) {
      return parent.Error(std::string(field) + "." + std::string(kv.key()),
                          "must be an object {\"use\": ..., \"constraint_info\": ...}");
    }
    ObjectReader r(kv.value().get_object(), parent.type(), path + ".");
    SIGNET_ASSIGN_OR_RETURN(std::string use, r.RequiredString("use", 20));
    auto permission = ParsePermission(use);
    if (!permission)
      return r.Error("use", "must be \"allowed\", \"notAllowed\" or \"constrained\"");
    PurposeTerms pt;
    pt.value = *permission;
    const json::value* ci = r.Find("constraint_info");
    if (*permission == Permission::kConstrained) {
      if (!ci) return r.Error("constraint_info", "is required when use is \"constrained\"");
      if (!ci->is_object()) {
        return r.Error("constraint_info", "must be an object {licences, contact, conditions}");
      }
      ObjectReader cr(ci->get_object(), parent.type(), path + ".constraint_info.");
      SIGNET_ASSIGN_OR_RETURN(pt.constraint_info.licences,
                              UrlArray(cr, "licences", limits.max_licences, limits.max_url_chars));
      SIGNET_ASSIGN_OR_RETURN(auto contact, cr.String("contact", limits.max_url_chars, false));
      SIGNET_ASSIGN_OR_RETURN(auto conditions,
                              cr.String("conditions", limits.max_text_chars, false, true));
      if (contact) pt.constraint_info.contact = std::move(*contact);
      if (conditions) pt.constraint_info.conditions = std::move(*conditions);
      SIGNET_RETURN_IF_ERROR(cr.NoUnknownFields());
      if (pt.constraint_info.licences.empty() && pt.constraint_info.contact.empty()) {
        return r.Error("constraint_info",
                       "must name at least one licence URL or a contact, so a user can comply");
      }
    } else if (ci) {
      return r.Error("constraint_info", "is only allowed when use is \"constrained\"");
    }
    SIGNET_RETURN_IF_ERROR(r.NoUnknownFields());
    terms.at(*purpose) = std::move(pt);
  }
  return terms;
}

Result<std::vector<Credit>> ParseCredits(ObjectReader& r, const StatementLimits& limits) {
  SIGNET_ASSIGN_OR_RETURN(const json::value* v, r.Require("credits"));
  if (!v->is_array() || v->get_array().empty() || v->get_array().size() > limits.max_credits) {
    return r.Error("credits", "must be an array of 1 to " + std::to_string(limits.max_credits) +
                                  " objects {name, role, isni?, ipi?}");
  }
  std::vector<Credit> out;
  const auto& arr = v->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string item = "credits[" + std::to_string(i) + "]";
    if (!arr[i].is_object()) return r.Error(item, "must be an object {name, role, isni?, ipi?}");
    ObjectReader cr(arr[i].get_object(), r.type(), item + ".");
    Credit c;
    SIGNET_ASSIGN_OR_RETURN(c.name, cr.RequiredString("name", limits.max_name_chars));
    SIGNET_ASSIGN_OR_RETURN(c.role, cr.RequiredString("role", limits.max_role_chars));
    SIGNET_ASSIGN_OR_RETURN(c.isni, Identifier(cr, "isni", NormalizeIsni));
    SIGNET_ASSIGN_OR_RETURN(c.ipi, Identifier(cr, "ipi", NormalizeIpiNameNumber));
    SIGNET_RETURN_IF_ERROR(cr.NoUnknownFields());
    out.push_back(std::move(c));
  }
  return out;
}

// work.register's optional "landmark": the reference print of the same
// recording as "fingerprint" (STATEMENTS.md).
Status ParseLandmark(ObjectReader& r, const StatementLimits& limits, WorkRegisterBody& b) {
  const json::value* v = r.Find("landmark");
  if (!v) return Status::Ok();
  const std::string what = "must be the landmark print `signet register` computes (base64url, " +
                           std::string("format version ") +
                           std::to_string(fp::kLandmarkFormatVersion) + ", at most " +
                           std::to_string(limits.max_landmark_chars) + " characters)";
  if (!v->is_string() || v->get_string().empty()) return r.Error("landmark", what);
  if (v->get_string().size() > limits.max_landmark_chars) {
    return r.Error("landmark", "is too large (" + std::to_string(v->get_string().size()) +
                                   " characters); at most " +
                                   std::to_string(limits.max_landmark_chars) +
                                   " are accepted (about 6 hours of audio)");
  }
  auto print = fp::DecodeLandmarkPrint(v->get_string());
  if (!print.ok()) return r.Error("landmark", "is malformed: " + print.status().message());
  const double seconds = print->DurationSeconds();
  const auto timing = fp::GetFingerprintTiming();
  const double fingerprint_seconds =
      timing.delay_seconds + timing.item_seconds * static_cast<double>(b.fingerprint_values.size());
  if (std::abs(seconds - fingerprint_seconds) > limits.max_landmark_length_difference_seconds) {
    char m[200];
    std::snprintf(m, sizeof m,
                  "covers %.1f s of audio but \"fingerprint\" covers %.1f s; compute both from "
                  "the same file",
                  seconds, fingerprint_seconds);
    return r.Error("landmark", m);
  }
  if (static_cast<double>(print->peaks.size()) >
      limits.max_landmark_peaks_per_second * std::max(seconds, 1.0)) {
    char m[200];
    std::snprintf(m, sizeof m,
                  "holds %.1f peaks per second, more than %.0f: register the reference print "
                  "(LandmarkOptions::Reference()), not a query print",
                  print->peaks.size() / std::max(seconds, 1.0),
                  limits.max_landmark_peaks_per_second);
    return r.Error("landmark", m);
  }
  b.landmark = std::string(v->get_string());
  b.landmark_print = std::move(*print);
  return Status::Ok();
}

// work.register's optional "musicbrainz_recording_ids" (STATEMENTS.md).
Status ParseMusicBrainzIds(ObjectReader& r, const StatementLimits& limits, WorkRegisterBody& b) {
  constexpr std::string_view kField = "musicbrainz_recording_ids";
  const json::value* v = r.Find(kField);
  if (!v) return Status::Ok();
  const std::string what = "must be an array of at most " +
                           std::to_string(limits.max_musicbrainz_recording_ids) +
                           " distinct MusicBrainz recording ids (lowercase UUIDs, "
                           "e.g. \"b9ad642e-b012-41c7-b72a-42cf4911f9ff\")";
  if (!v->is_array() || v->get_array().size() > limits.max_musicbrainz_recording_ids) {
    return r.Error(kField, what);
  }
  std::vector<std::string> ids;
  const auto& arr = v->get_array();
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string item = std::string(kField) + "[" + std::to_string(i) + "]";
    if (!arr[i].is_string()) return r.Error(item, "must be a string: a MusicBrainz recording id");
    std::string_view id = arr[i].get_string();
    if (!protocol::IsMusicBrainzId(id)) {
      std::string shown(id.substr(0, 40));
      if (CountChars(shown, false) != std::nullopt) {
        shown = " \"" + shown + "\"";
      } else {
        shown.clear();
      }
      return r.Error(item, "is not a MusicBrainz recording id" + shown +
                               ": write the 36-character lowercase UUID MusicBrainz shows "
                               "(8-4-4-4-12 hex digits)");
    }
    for (const std::string& seen : ids) {
      if (seen == id) return r.Error(item, "repeats " + seen);
    }
    ids.emplace_back(id);
  }
  b.musicbrainz_recording_ids = std::move(ids);
  return Status::Ok();
}

Result<StatementBody> ParseBody(StatementType type, ObjectReader& r, const std::string& artist,
                                const StatementLimits& limits) {
  switch (type) {
    case StatementType::kArtistRegister: {
      ArtistRegisterBody b;
      SIGNET_ASSIGN_OR_RETURN(b.public_key, PublicKeyField(r, "public_key"));
      SIGNET_ASSIGN_OR_RETURN(b.display_name,
                              r.RequiredString("display_name", limits.max_name_chars));
      SIGNET_ASSIGN_OR_RETURN(b.isni, Identifier(r, "isni", NormalizeIsni));
      SIGNET_ASSIGN_OR_RETURN(b.ipi, Identifier(r, "ipi", NormalizeIpiNameNumber));
      SIGNET_ASSIGN_OR_RETURN(b.links,
                              UrlArray(r, "links", limits.max_links, limits.max_url_chars));
      if (crypto::ArtistId(b.public_key) != artist) {
        return r.Error("artist", "must be the artist id of public_key (" +
                                     crypto::ArtistId(b.public_key) + ")");
      }
      return StatementBody(std::move(b));
    }
    case StatementType::kArtistRotateKey: {
      ArtistRotateKeyBody b;
      SIGNET_ASSIGN_OR_RETURN(b.new_public_key, PublicKeyField(r, "new_public_key"));
      return StatementBody(b);
    }
    case StatementType::kArtistDefaultTerms: {
      ArtistDefaultTermsBody b;
      SIGNET_ASSIGN_OR_RETURN(b.terms, ParseTermsObject(r, "terms", limits));
      return StatementBody(std::move(b));
    }
    case StatementType::kWorkRegister: {
      WorkRegisterBody b;
      SIGNET_ASSIGN_OR_RETURN(b.title, r.RequiredString("title", limits.max_name_chars));
      SIGNET_ASSIGN_OR_RETURN(b.credits, ParseCredits(r, limits));
      SIGNET_ASSIGN_OR_RETURN(const json::value* d, r.Require("duration"));
      const std::string dur_what = "must be a number of seconds greater than 0 and at most " +
                                   std::to_string(static_cast<int>(limits.max_duration_seconds));
      if (!d->is_number()) return r.Error("duration", dur_what);
      b.duration_seconds = d->to_number<double>();
      if (!std::isfinite(b.duration_seconds) || b.duration_seconds <= 0 ||
          b.duration_seconds > limits.max_duration_seconds) {
        return r.Error("duration", dur_what);
      }
      SIGNET_ASSIGN_OR_RETURN(const json::value* f, r.Require("fingerprint"));
      if (!f->is_string() || f->get_string().empty() ||
          f->get_string().size() > limits.max_fingerprint_chars) {
        return r.Error("fingerprint",
                       "must be the compressed fingerprint string fpcalc prints, "
                       "at most " +
                           std::to_string(limits.max_fingerprint_chars) + " characters");
      }
      b.fingerprint = std::string(f->get_string());
      auto raw = fp::DecodeFingerprint(b.fingerprint);
      if (!raw.ok()) return r.Error("fingerprint", "is malformed: " + raw.status().message());
      if (raw->values.size() < limits.min_fingerprint_values) {
        return r.Error("fingerprint", "is too short (" + std::to_string(raw->values.size()) +
                                          " sub-fingerprints; register the whole recording)");
      }
      b.fingerprint_values = std::move(raw->values);
      SIGNET_ASSIGN_OR_RETURN(b.sha256, r.String("sha256", 64, false));
      if (b.sha256) {
        auto bytes = crypto::HexDecode(*b.sha256);
        if (b.sha256->size() != 64 || !bytes.ok()) {
          return r.Error("sha256", "must be 64 lowercase hex digits (SHA-256 of the file)");
        }
      }
      SIGNET_ASSIGN_OR_RETURN(b.isrc, Identifier(r, "isrc", NormalizeIsrc));
      SIGNET_ASSIGN_OR_RETURN(b.iswc, Identifier(r, "iswc", NormalizeIswc));
      SIGNET_RETURN_IF_ERROR(ParseLandmark(r, limits, b));
      SIGNET_RETURN_IF_ERROR(ParseMusicBrainzIds(r, limits, b));
      return StatementBody(std::move(b));
    }
    case StatementType::kWorkTerms: {
      WorkTermsBody b;
      SIGNET_ASSIGN_OR_RETURN(b.work, WorkIdField(r, "work"));
      SIGNET_ASSIGN_OR_RETURN(b.terms, ParseTermsObject(r, "terms", limits));
      return StatementBody(std::move(b));
    }
    case StatementType::kWorkWithdraw: {
      WorkWithdrawBody b;
      SIGNET_ASSIGN_OR_RETURN(b.work, WorkIdField(r, "work"));
      SIGNET_ASSIGN_OR_RETURN(auto reason, r.String("reason", limits.max_text_chars, false, true));
      if (reason) b.reason = std::move(*reason);
      return StatementBody(std::move(b));
    }
    case StatementType::kDisputeOpen: {
      DisputeOpenBody b;
      SIGNET_ASSIGN_OR_RETURN(b.work, WorkIdField(r, "work"));
      SIGNET_ASSIGN_OR_RETURN(b.other_work, WorkIdField(r, "other_work"));
      SIGNET_ASSIGN_OR_RETURN(b.reason, r.RequiredString("reason", limits.max_text_chars, true));
      if (b.work == b.other_work) return r.Error("other_work", "must differ from \"work\"");
      return StatementBody(std::move(b));
    }
    case StatementType::kDisputeResolve: {
      DisputeResolveBody b;
      SIGNET_ASSIGN_OR_RETURN(b.dispute, r.RequiredString("dispute", 64));
      if (!IsWellFormedDisputeId(b.dispute)) {
        return r.Error("dispute", "must be a dispute id (dp_ + 32 hex digits)");
      }
      SIGNET_ASSIGN_OR_RETURN(b.resolution,
                              r.RequiredString("resolution", limits.max_text_chars, true));
      return StatementBody(std::move(b));
    }
  }
  return Status::Internal("unhandled statement type");
}

}  // namespace

Result<Statement> ParseStatement(std::string_view payload_json, Micros now, Micros max_skew_micros,
                                 const StatementLimits& limits) {
  if (payload_json.size() > limits.max_payload_bytes) {
    return Status::InvalidArgument("statement payload is larger than " +
                                   std::to_string(limits.max_payload_bytes) + " bytes");
  }
  // Strict parsing rejects duplicate keys at any depth: Boost.JSON would keep
  // the last, another verifier's parser the first, and both would accept the
  // same signature over two different statements.
  SIGNET_ASSIGN_OR_RETURN(json::value root, ParseStrictJson(payload_json, limits.max_payload_bytes,
                                                            "statement payload", kMaxPayloadDepth));
  if (!root.is_object()) return Status::InvalidArgument("statement payload must be a JSON object");
  const json::object& obj = root.get_object();

  const json::value* tv = obj.if_contains("type");
  if (!tv)
    return Status::InvalidArgument("statement: field \"type\" is required").WithField("type");
  if (!tv->is_string()) {
    return Status::InvalidArgument("statement: field \"type\" must be a string").WithField("type");
  }
  auto type = ParseStatementType(tv->get_string());
  if (!type) {
    std::string m = "statement: unknown type \"";
    m.append(std::string_view(tv->get_string()).substr(0, 64));
    m.append("\" (one of ").append(protocol::StatementTypeList()).append(")");
    return Status::InvalidArgument(std::move(m)).WithField("type");
  }

  Statement st;
  st.type = *type;
  ObjectReader r(obj, StatementTypeName(*type), "");
  r.Find("type");
  SIGNET_ASSIGN_OR_RETURN(st.artist, r.RequiredString("artist", 100));
  if (!crypto::IsWellFormedArtistId(st.artist)) {
    return r.Error("artist", "must be an artist id as returned by artist registration");
  }
  SIGNET_ASSIGN_OR_RETURN(const json::value* seq, r.Require("seq"));
  // Boost.JSON reads 2^53+1 .. 2^63-1 as int64: both integer kinds are
  // bounded, or a seq near 2^63 would leave the artist no next seq to write.
  if (auto n = IntegerIn(*seq, 1, kMaxJsonInteger)) {
    st.seq = *n;
  } else {
    return r.Error("seq", "must be an integer from 1 to 2^53 (9007199254740992)");
  }
  SIGNET_ASSIGN_OR_RETURN(std::string issued, r.RequiredString("issued_at", 40));
  auto t = ParseRfc3339Utc(issued);
  if (!t.ok()) return r.Error("issued_at", t.status().message());
  if (*t > now + max_skew_micros) {
    return r.Error("issued_at", "is in the future (more than " +
                                    std::to_string(max_skew_micros / 1000000) +
                                    " s ahead of the server clock " + FormatRfc3339Utc(now) +
                                    "); check your clock");
  }
  st.issued_at = *t;
  SIGNET_ASSIGN_OR_RETURN(st.body, ParseBody(*type, r, st.artist, limits));
  SIGNET_RETURN_IF_ERROR(r.NoUnknownFields());
  return st;
}

}  // namespace signet::registry
