// Training-consent terms: resolution of the terms in force for one work, the
// verdict a dataset check gets, and exports to the existing standards
// (TDMRep, CAWG training-mining, IPTC PLUS, IETF AIPREF). The vocabulary they
// are written in (purposes, permissions, verdicts) is protocol/terms.h's.
// The rules and the export formats, with their sources, are written down in
// registry/STATEMENTS.md ("Terms"); this file is the one place they are coded.
//
// Resolution, for purpose P:
//   1. the work's own terms: the most restrictive value set on P or on an
//      ancestor of P (notAllowed > constrained > allowed): a prohibition of
//      data mining also prohibits AI training, which is a kind of it, and a
//      narrower "allowed" cannot loosen it ("notAllowed wins");
//   2. if nothing on that chain is set in the work's terms, the same over the
//      artist's catalogue default;
//   3. else unset.
// The chain is data_mining > ai_training > ai_generative_training;
// ai_inference and search stand alone, so that "no mining, but search
// indexing is fine" (PLUS DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING,
// AIPREF "all=n, search=y") can be said.
//
// Thread safety: values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "protocol/terms.h"

namespace signet::registry {

// The vocabulary and the shape of terms are the protocol's
// (protocol/terms.h); the registry uses them under these names.
using protocol::ConstraintInfo;
using protocol::EffectiveTerms;
using protocol::ExportContentType;
using protocol::ExportFormat;
using protocol::ExportFormatName;
using protocol::kAllPurposes;
using protocol::kPurposeCount;
using protocol::ParseExportFormat;
using protocol::ParsePermission;
using protocol::ParsePurpose;
using protocol::Permission;
using protocol::PermissionName;
using protocol::Purpose;
using protocol::PurposeKey;
using protocol::PurposeTerms;
using protocol::ResolvedPurpose;
using protocol::Terms;
using protocol::TermsSource;
using protocol::TermsSourceName;
using protocol::Verdict;
using protocol::VerdictName;

// The broader purpose P inherits from; nullopt for data_mining, ai_inference, search.
std::optional<Purpose> ParentPurpose(Purpose p);

// Either pointer may be null (no terms statement in force).
EffectiveTerms ResolveTerms(const Terms* work_terms, const Terms* artist_default);

struct VerdictResult {
  Verdict verdict = Verdict::kUnregistered;
  std::string reason;  // one sentence for the report the checker keeps
};

// The verdict for one registered work. A stated licence reference unlocks a
// constrained purpose when it equals one of the licences the terms name
// (exact string match). notAllowed beats a dispute (the answer is no either
// way); a dispute beats allowed/constrained (who may grant it is contested).
// Unset terms give kAllowed with a reason saying no reservation was expressed.
VerdictResult DecideVerdict(const EffectiveTerms& terms, Purpose purpose,
                            std::span<const std::string> licences, bool disputed);

// Combines the verdicts for the several works one item matched: the most
// restrictive wins (notAllowed > disputed > constrained > allowed);
// an empty list is kUnregistered.
VerdictResult CombineVerdicts(std::span<const VerdictResult> per_work);

// What an export names besides the terms. The caller (api/) knows its URL
// scheme and the work's artist; the exports do not.
struct ExportContext {
  // TDMRep: the path pattern, on the web server that serves the work's
  // files, that the rule applies to (TDMRep "location": "/music/song.flac",
  // "/music/*"); CheckTdmLocation.
  std::string location = "/";
  std::string work_url;     // absolute URL of the work (TDM Policy permission target)
  std::string policy_url;   // absolute URL of the work's TDM Policy (tdm-policy, policy uid)
  std::string artist_url;   // absolute URL of the artist (TDM Policy assigner uid)
  std::string artist_name;  // the artist's display name (assigner vcard:fn)
};

// OK when `location` is a TDMRep rule pattern: starts with "/", at most 1024
// bytes of printable ASCII without spaces ("*" and a final "$" allowed).
Status CheckTdmLocation(std::string_view location);

// Nullopt when the format cannot say anything true about these terms:
// only kTdmPolicy, when no mining purpose can be licensed or is free
// (TDMRep: a policy must offer a permission; a plain reservation has none).
std::optional<std::string> ExportTerms(const EffectiveTerms& terms, ExportFormat format,
                                       const ExportContext& context);

}  // namespace signet::registry
