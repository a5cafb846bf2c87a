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

std::string ExportTdmRep(const EffectiveTerms& t, std::string_view location) {
  // W3C TDMRep final report (2024-05-10), "TDM File on the Origin Server":
  // an array of rules {location, tdm-reservation: 0|1, tdm-policy?}.
  // Rights are reserved when any mining/training purpose is not plainly allowed.
  bool reserved = false;
  std::string policy;
  for (Purpose p : {Purpose::kDataMining, Purpose::kAiTraining, Purpose::kAiGenerativeTraining}) {
    const auto& r = t.at(p);
    if (!r.terms || r.terms->value == Permission::kAllowed) continue;
    reserved = true;
    if (policy.empty() && r.terms->value == Permission::kConstrained &&
        !r.terms->constraint_info.licences.empty()) {
      policy = r.terms->constraint_info.licences.front();
    }
  }
  json::object rule;
  rule["location"] = location;
  rule["tdm-reservation"] = reserved ? 1 : 0;
  if (reserved && !policy.empty()) rule["tdm-policy"] = policy;
  json::array rules;
  rules.push_back(std::move(rule));
  return json::serialize(rules);
}

std::string ExportCawg(const EffectiveTerms& t) {
  // CAWG Training and Data Mining assertion 1.1: label "cawg.training-mining",
  // entries keyed "cawg.<purpose>" with "use" and an optional "constraint_info" string.
  json::object entries;
  for (Purpose p : {Purpose::kAiGenerativeTraining, Purpose::kAiTraining, Purpose::kAiInference,
                    Purpose::kDataMining}) {
    const auto& r = t.at(p);
    if (!r.terms) continue;
    json::object entry;
    entry["use"] = PermissionName(r.terms->value);
    if (r.terms->value == Permission::kConstrained) {
      std::string text = ConstraintText(r.terms->constraint_info);
      if (!text.empty()) entry["constraint_info"] = text;
    }
    entries[std::string("cawg.") + std::string(PurposeKey(p))] = std::move(entry);
  }
  json::object data;
  data["entries"] = std::move(entries);
  json::object assertion;
  assertion["label"] = "cawg.training-mining";
  assertion["data"] = std::move(data);
  return json::serialize(assertion);
}

std::string ExportPlus(const EffectiveTerms& t) {
  // IPTC Photo Metadata / PLUS LDF "Data Mining" property: one value from the
  // http://ns.useplus.org/ldf/vocab/ DMI- vocabulary.
  std::string_view code;
  const bool search_ok = Is(t, Purpose::kSearch, Permission::kAllowed);
  if (Is(t, Purpose::kDataMining, Permission::kNotAllowed)) {
    code = search_ok ? "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING" : "DMI-PROHIBITED";
  } else if (Is(t, Purpose::kAiTraining, Permission::kNotAllowed)) {
    code = "DMI-PROHIBITED-AIMLTRAINING";
  } else if (Is(t, Purpose::kAiGenerativeTraining, Permission::kNotAllowed)) {
    code = "DMI-PROHIBITED-GENAIMLTRAINING";
  } else if (Is(t, Purpose::kDataMining, Permission::kConstrained) ||
             Is(t, Purpose::kAiTraining, Permission::kConstrained) ||
             Is(t, Purpose::kAiGenerativeTraining, Permission::kConstrained)) {
    code = "DMI-PROHIBITED-SEECONSTRAINT";
  } else if (Is(t, Purpose::kDataMining, Permission::kAllowed)) {
    code = "DMI-ALLOWED";
  } else {
    code = "DMI-UNSPECIFIED";
  }
  return std::string("http://ns.useplus.org/ldf/vocab/").append(code);
}

std::string ExportAipref(const EffectiveTerms& t) {
  // IETF AIPREF (draft-ietf-aipref-vocab, draft-ietf-aipref-attach): the
  // Content-Usage field value, a structured-field dictionary of category=y|n.
  // constrained is "n": usage needs a licence the crawler cannot show here.
  struct Key {
    Purpose purpose;
    std::string_view name;
  };
  constexpr Key kKeys[] = {{Purpose::kDataMining, "all"},
                           {Purpose::kAiTraining, "train-ai"},
                           {Purpose::kAiGenerativeTraining, "train-genai"},
                           {Purpose::kAiInference, "ai-use"},
                           {Purpose::kSearch, "search"}};
  std::string out;
  for (const Key& k : kKeys) {
    const auto& r = t.at(k.purpose);
    if (!r.terms) continue;
    if (!out.empty()) out += ", ";
    out.append(k.name).append(r.terms->value == Permission::kAllowed ? "=y" : "=n");
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

std::string ExportTerms(const EffectiveTerms& terms, ExportFormat format,
                        std::string_view location) {
  switch (format) {
    case ExportFormat::kTdmRep:
      return ExportTdmRep(terms, location);
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
