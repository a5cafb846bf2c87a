#include "registry/terms.h"

#include <algorithm>
#include <boost/json.hpp>

namespace signet::registry {
namespace {

namespace json = boost::json;

// Higher is more restrictive.
int Strictness(Permission p) {
  switch (p) {
    case Permission::kAllowed:
      return 0;
    case Permission::kConstrained:
      return 1;
    case Permission::kNotAllowed:
      return 2;
  }
  return 2;
}

// Most restrictive value set on p or its ancestors in `terms`; unset if none.
ResolvedPurpose ResolveIn(const Terms& terms, Purpose p, TermsSource source) {
  ResolvedPurpose out;
  for (std::optional<Purpose> q = p; q; q = ParentPurpose(*q)) {
    const auto& entry = terms.at(*q);
    if (!entry) continue;
    if (!out.terms || Strictness(entry->value) > Strictness(out.terms->value)) {
      out.terms = entry;
      out.source = source;
      out.decided_by = *q;
    }
  }
  return out;
}

bool HoldsLicence(const ConstraintInfo& info, std::span<const std::string> licences) {
  for (const auto& held : licences) {
    if (std::find(info.licences.begin(), info.licences.end(), held) != info.licences.end()) {
      return true;
    }
  }
  return false;
}

int VerdictRank(Verdict v) {
  switch (v) {
    case Verdict::kUnregistered:
      return 0;
    case Verdict::kAllowed:
      return 1;
    case Verdict::kConstrained:
      return 2;
    case Verdict::kDisputed:
      return 3;
    case Verdict::kNotAllowed:
      return 4;
  }
  return 4;
}

std::string ConstraintText(const ConstraintInfo& info) {
  std::string out;
  auto add = [&out](std::string_view label, std::string_view value) {
    if (value.empty()) return;
    if (!out.empty()) out += "; ";
    out.append(label).append(": ").append(value);
  };
  for (const auto& l : info.licences) add("licence", l);
  add("contact", info.contact);
  add("conditions", info.conditions);
  return out;
}

bool Is(const EffectiveTerms& t, Purpose p, Permission v) {
  const auto& r = t.at(p);
  return r.terms && r.terms->value == v;
}

// No reservation: allowed, or nothing expressed.
bool Free(const EffectiveTerms& t, Purpose p) {
  const auto& r = t.at(p);
  return !r.terms || r.terms->value == Permission::kAllowed;
}

// The purposes TDMRep's one "TDM" right covers: text and data mining and the
// AI training that is a kind of it.
constexpr Purpose kMiningChain[] = {Purpose::kDataMining, Purpose::kAiTraining,
                                    Purpose::kAiGenerativeTraining};

// How a TDM Policy names a purpose: its CAWG label, a published identifier.
std::string PurposeLabel(Purpose p) { return "cawg." + std::string(PurposeKey(p)); }

json::object PurposeConstraint(std::string_view op, const std::vector<Purpose>& purposes) {
  json::array labels;
  for (Purpose p : purposes) labels.emplace_back(PurposeLabel(p));
  return json::object{{"leftOperand", "purpose"}, {"operator", op}, {"rightOperand", labels}};
}

// W3C TDMRep final report (2024-05-10), "Expressing a TDM Policy": an ODRL
// 2.2 Offer in TDMRep's profile with one assigner and permissions whose
// action is tdm:mine. TDMRep's right is all-or-nothing; the purposes of a
// narrower reservation are said with ODRL purpose constraints (isNoneOf /
// isAnyOf over the CAWG labels): one free permission for what needs no
// licence, one with duty obtainConsent for what a licence unlocks.
// Nullopt when every mining purpose is notAllowed: there is nothing to offer
// and a policy must offer a permission.
std::optional<std::string> ExportTdmPolicy(const EffectiveTerms& t, const ExportContext& c) {
  std::vector<Purpose> free, constrained, denied;
  const ConstraintInfo* info = nullptr;
  for (Purpose p : kMiningChain) {
    if (Free(t, p)) {
      free.push_back(p);
    } else if (Is(t, p, Permission::kConstrained)) {
      constrained.push_back(p);
      if (!info) info = &t.at(p).terms->constraint_info;
    } else {
      denied.push_back(p);
    }
  }
  if (free.empty() && constrained.empty()) return std::nullopt;
  auto permission = [&](const std::vector<Purpose>& granted, std::vector<Purpose> excluded) {
    json::object perm{{"target", c.work_url}, {"action", "tdm:mine"}};
    if (granted.front() == Purpose::kDataMining) {
      if (!excluded.empty()) perm["constraint"] = {PurposeConstraint("isNoneOf", excluded)};
    } else {
      perm["constraint"] = {PurposeConstraint("isAnyOf", granted)};
    }
    return perm;
  };
  json::array permissions;
  if (!free.empty()) {
    std::vector<Purpose> reserved = constrained;
    reserved.insert(reserved.end(), denied.begin(), denied.end());
    permissions.push_back(permission(free, reserved));
  }
  if (!constrained.empty()) {
    json::object perm = permission(constrained, denied);
    perm["duty"] = {json::object{{"action", "obtainConsent"}}};
    permissions.push_back(std::move(perm));
  }
  json::object assigner{{"uid", c.artist_url}, {"vcard:fn", c.artist_name}};
  if (info && info->contact.starts_with("mailto:")) assigner["vcard:hasEmail"] = info->contact;
  if (info && !info->licences.empty()) assigner["vcard:hasURL"] = info->licences.front();
  json::object policy{
      {"@context", {"http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"}},
      {"@type", "Offer"},
      {"profile", "http://www.w3.org/ns/tdmrep"},
      {"uid", c.policy_url},
      {"assigner", std::move(assigner)},
      {"permission", std::move(permissions)}};
  return json::serialize(policy);
}

std::string ExportTdmRep(const EffectiveTerms& t, const ExportContext& c) {
  // W3C TDMRep final report (2024-05-10), "TDM File on the Origin Server":
  // an array of rules {location, tdm-reservation: 0|1, tdm-policy?}. The one
  // TDM right is reserved when any mining purpose is not plainly allowed: 0
  // would free generative training an artist reserved, so a narrower
  // reservation is 1 here and its policy says what stays free.
  bool reserved = false;
  for (Purpose p : kMiningChain) reserved = reserved || !Free(t, p);
  json::object rule;
  rule["location"] = c.location;
  rule["tdm-reservation"] = reserved ? 1 : 0;
  if (reserved && ExportTdmPolicy(t, c)) rule["tdm-policy"] = c.policy_url;
  json::array rules;
  rules.push_back(std::move(rule));
  return json::serialize(rules);
}

std::string ExportCawg(const EffectiveTerms& t) {
  // CAWG Training and Data Mining assertion 1.1: label "cawg.training-mining",
  // a map of one or more entries keyed "cawg.<purpose>" with "use" and an
  // optional non-empty "constraint_info" string. CAWG's ai_training is
  // non-generative training; ours covers it (and generative training, which
  // inherits from it), so the resolved values map one to one.
  constexpr Purpose kCawgPurposes[] = {Purpose::kAiGenerativeTraining, Purpose::kAiTraining,
                                       Purpose::kAiInference, Purpose::kDataMining};
  json::object entries;
  for (Purpose p : kCawgPurposes) {
    const auto& r = t.at(p);
    if (!r.terms) continue;
    json::object entry;
    entry["use"] = PermissionName(r.terms->value);
    if (r.terms->value == Permission::kConstrained) {
      std::string text = ConstraintText(r.terms->constraint_info);
      if (!text.empty()) entry["constraint_info"] = text;
    }
    entries[PurposeLabel(p)] = std::move(entry);
  }
  if (entries.empty()) {
    // No terms for any CAWG purpose, and the assertion needs an entry: none
    // of these uses has been granted ("constrained": ask the rights holder).
    for (Purpose p : kCawgPurposes) {
      entries[PurposeLabel(p)] = json::object{
          {"use", "constrained"},
          {"constraint_info",
           "the artist has set no terms for this use in the Signet registry; permission has "
           "not been granted: ask the artist"}};
    }
  }
  json::object data;
  data["entries"] = std::move(entries);
  json::object assertion;
  assertion["label"] = "cawg.training-mining";
  assertion["data"] = std::move(data);
  return json::serialize(assertion);
}

std::string ExportPlus(const EffectiveTerms& t) {
  // IPTC Photo Metadata 2023.1+ / PLUS LDF: plus:DataMining takes one value
  // of the http://ns.useplus.org/ldf/vocab/ DMI- vocabulary;
  // DMI-PROHIBITED-SEECONSTRAINT means "see plus:OtherConstraints", which
  // then carries the terms as text. The exact values are used when they say
  // the whole of the terms; anything else is SEECONSTRAINT with the text.
  std::vector<Purpose> restricted;
  for (Purpose p : kAllPurposes) {
    if (!Free(t, p)) restricted.push_back(p);
  }
  auto only = [&](std::initializer_list<Purpose> ps) {
    if (restricted.size() != ps.size()) return false;
    for (Purpose p : ps) {
      if (!Is(t, p, Permission::kNotAllowed)) return false;
    }
    return true;
  };
  std::string_view code;
  if (Is(t, Purpose::kDataMining, Permission::kNotAllowed)) {
    code = Is(t, Purpose::kSearch, Permission::kAllowed)
               ? "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"
               : "DMI-PROHIBITED";
  } else if (restricted.empty()) {
    code = Is(t, Purpose::kDataMining, Permission::kAllowed) ? "DMI-ALLOWED" : "DMI-UNSPECIFIED";
  } else if (only({Purpose::kAiGenerativeTraining})) {
    code = "DMI-PROHIBITED-GENAIMLTRAINING";
  } else if (only({Purpose::kAiGenerativeTraining, Purpose::kAiTraining})) {
    code = "DMI-PROHIBITED-AIMLTRAINING";
  } else {
    code = "DMI-PROHIBITED-SEECONSTRAINT";
  }
  json::object out;
  out["plus:DataMining"] = std::string("http://ns.useplus.org/ldf/vocab/").append(code);
  if (code == "DMI-PROHIBITED-SEECONSTRAINT") {
    std::string text;
    for (Purpose p : restricted) {
      const auto& r = t.at(p);
      if (!text.empty()) text += "; ";
      text.append(PurposeKey(p)).append(": ").append(PermissionName(r.terms->value));
      if (r.terms->value == Permission::kConstrained) {
        text.append(" (").append(ConstraintText(r.terms->constraint_info)).append(")");
      }
    }
    out["plus:OtherConstraints"] = text;
  }
  return json::serialize(out);
}

// IETF AIPREF, draft-ietf-aipref-vocab-08 (the same two categories and
// processing as -07): the usage-category labels and the purpose whose
// resolved value each carries. The ONE table of this mapping
// (registry/STATEMENTS.md, "Exports", says why each row is what it is).
// train-ai is "AI Model Training" (training a model that generates synthetic
// content): our ai_generative_training, whose resolved value already carries
// every reservation of ai_training and data_mining above it.
struct AiprefLabel {
  std::string_view label;
  Purpose carries;
};
constexpr AiprefLabel kAiprefLabels[] = {
    {"train-ai", Purpose::kAiGenerativeTraining},
    {"search", Purpose::kSearch},
};

std::string ExportAipref(const EffectiveTerms& t) {
  // The Content-Usage value: an RFC 9651 Dictionary of label=y|n tokens. A
  // label absent means "unknown" (no grant). constrained is n: the licence
  // it needs cannot be shown in this vocabulary. search=y would also allow
  // training models used only for search (-08 "Search"), of any kind, so it
  // is emitted only when no training purpose is reserved (the resolved
  // ai_generative_training, which inherits them all, is free); else search
  // is left unknown.
  std::string out;
  for (const AiprefLabel& k : kAiprefLabels) {
    const auto& r = t.at(k.carries);
    if (!r.terms) continue;
    bool yes = r.terms->value == Permission::kAllowed;
    if (yes && k.carries == Purpose::kSearch && !Free(t, Purpose::kAiGenerativeTraining)) continue;
    if (!out.empty()) out += ", ";
    out.append(k.label).append(yes ? "=y" : "=n");
  }
  return out;
}

}  // namespace

std::optional<Purpose> ParentPurpose(Purpose p) {
  switch (p) {
    case Purpose::kAiGenerativeTraining:
      return Purpose::kAiTraining;
    case Purpose::kAiTraining:
      return Purpose::kDataMining;
    default:
      return std::nullopt;
  }
}

EffectiveTerms ResolveTerms(const Terms* work_terms, const Terms* artist_default) {
  EffectiveTerms out;
  for (Purpose p : kAllPurposes) {
    ResolvedPurpose r;
    if (work_terms) r = ResolveIn(*work_terms, p, TermsSource::kWork);
    if (!r.terms && artist_default) r = ResolveIn(*artist_default, p, TermsSource::kArtistDefault);
    out.purposes[static_cast<std::size_t>(p)] = std::move(r);
  }
  return out;
}

VerdictResult DecideVerdict(const EffectiveTerms& terms, Purpose purpose,
                            std::span<const std::string> licences, bool disputed) {
  const ResolvedPurpose& r = terms.at(purpose);
  const std::string key(PurposeKey(purpose));
  if (r.terms && r.terms->value == Permission::kNotAllowed) {
    std::string why = key + " is notAllowed";
    if (r.decided_by && *r.decided_by != purpose) {
      why.append(" (inherited from ").append(PurposeKey(*r.decided_by)).append(")");
    }
    return {Verdict::kNotAllowed, why};
  }
  if (disputed) {
    return {Verdict::kDisputed,
            "the work is in an open dispute between two artists; who may grant " + key +
                " is contested"};
  }
  if (!r.terms) {
    return {Verdict::kAllowed, "no terms set for " + key + ": the artist expressed no reservation"};
  }
  if (r.terms->value == Permission::kConstrained) {
    if (HoldsLicence(r.terms->constraint_info, licences)) {
      return {Verdict::kAllowed, key + " is constrained and a licence the terms name was stated"};
    }
    return {Verdict::kConstrained,
            key + " needs a licence: " + ConstraintText(r.terms->constraint_info)};
  }
  return {Verdict::kAllowed, key + " is allowed"};
}

VerdictResult CombineVerdicts(std::span<const VerdictResult> per_work) {
  if (per_work.empty()) return {Verdict::kUnregistered, "no registered work matched"};
  const VerdictResult* worst = &per_work.front();
  for (const auto& v : per_work) {
    if (VerdictRank(v.verdict) > VerdictRank(worst->verdict)) worst = &v;
  }
  return *worst;
}

Status CheckTdmLocation(std::string_view location) {
  if (location.empty() || location.front() != '/' || location.size() > 1024) {
    return Status::InvalidArgument(
        "location must be the path pattern, on the web server that serves the work's files, "
        "that the TDMRep rule covers: it starts with \"/\" (e.g. /music/song.flac or "
        "/music/*) and is at most 1024 bytes");
  }
  for (char ch : location) {
    if (ch <= ' ' || ch > '~') {
      return Status::InvalidArgument(
          "location must be printable ASCII without spaces; percent-encode other bytes "
          "(TDMRep matches the encoded path)");
    }
  }
  return Status::Ok();
}

std::optional<std::string> ExportTerms(const EffectiveTerms& terms, ExportFormat format,
                                       const ExportContext& context) {
  switch (format) {
    case ExportFormat::kTdmRep:
      return ExportTdmRep(terms, context);
    case ExportFormat::kTdmPolicy:
      return ExportTdmPolicy(terms, context);
    case ExportFormat::kCawg:
      return ExportCawg(terms);
    case ExportFormat::kPlus:
      return ExportPlus(terms);
    case ExportFormat::kAipref:
      return ExportAipref(terms);
  }
  return {};
}

}  // namespace signet::registry
