// Training-consent terms: the purpose vocabulary, resolution of the terms in
// force for one work, the verdict a dataset check gets, and exports to the
// existing standards (TDMRep, CAWG training-mining, IPTC PLUS, IETF AIPREF).
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

namespace signet::registry {

enum class Purpose : std::uint8_t {
  kAiGenerativeTraining = 0,
  kAiTraining,
  kAiInference,
  kDataMining,
  kSearch,
};
inline constexpr std::size_t kPurposeCount = 5;
inline constexpr std::array<Purpose, kPurposeCount> kAllPurposes = {
    Purpose::kAiGenerativeTraining, Purpose::kAiTraining, Purpose::kAiInference,
    Purpose::kDataMining, Purpose::kSearch};

// "ai_generative_training", ...
std::string_view PurposeKey(Purpose p);
std::optional<Purpose> ParsePurpose(std::string_view key);
// The broader purpose P inherits from; nullopt for data_mining, ai_inference, search.
std::optional<Purpose> ParentPurpose(Purpose p);

enum class Permission : std::uint8_t { kAllowed = 0, kNotAllowed, kConstrained };
// "allowed" / "notAllowed" / "constrained" (the CAWG spelling).
std::string_view PermissionName(Permission p);
std::optional<Permission> ParsePermission(std::string_view name);

struct ConstraintInfo {
  std::vector<std::string> licences;  // licence URLs; a checker holding one may use the work
  std::string contact;                // e.g. "mailto:licensing@example.org"
  std::string conditions;             // free text
  friend bool operator==(const ConstraintInfo&, const ConstraintInfo&) = default;
};

struct PurposeTerms {
  Permission value = Permission::kAllowed;
  ConstraintInfo constraint_info;  // only meaningful for kConstrained
  friend bool operator==(const PurposeTerms&, const PurposeTerms&) = default;
};

// What one statement set: an entry per purpose it mentions, unset otherwise.
struct Terms {
  std::array<std::optional<PurposeTerms>, kPurposeCount> purposes;
  const std::optional<PurposeTerms>& at(Purpose p) const {
    return purposes[static_cast<std::size_t>(p)];
  }
  std::optional<PurposeTerms>& at(Purpose p) { return purposes[static_cast<std::size_t>(p)]; }
  friend bool operator==(const Terms&, const Terms&) = default;
};

enum class TermsSource : std::uint8_t { kUnset = 0, kWork, kArtistDefault };
std::string_view TermsSourceName(TermsSource s);  // "unset" / "work" / "artist_default"

struct ResolvedPurpose {
  std::optional<PurposeTerms> terms;  // nullopt: unset
  TermsSource source = TermsSource::kUnset;
  std::optional<Purpose> decided_by;  // the purpose whose entry gave the value
  friend bool operator==(const ResolvedPurpose&, const ResolvedPurpose&) = default;
};

struct EffectiveTerms {
  std::array<ResolvedPurpose, kPurposeCount> purposes;
  const ResolvedPurpose& at(Purpose p) const { return purposes[static_cast<std::size_t>(p)]; }
};

// Either pointer may be null (no terms statement in force).
EffectiveTerms ResolveTerms(const Terms* work_terms, const Terms* artist_default);

enum class Verdict : std::uint8_t {
  kAllowed = 0,
  kNotAllowed,
  kConstrained,
  kDisputed,
  kUnregistered,
};
// "allowed" / "notAllowed" / "constrained" / "disputed" / "unregistered".
std::string_view VerdictName(Verdict v);

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

enum class ExportFormat : std::uint8_t { kTdmRep = 0, kCawg, kPlus, kAipref };
// "tdmrep" / "cawg" / "plus" / "aipref".
std::optional<ExportFormat> ParseExportFormat(std::string_view name);
std::string_view ExportFormatName(ExportFormat f);
// The media type to serve the export with.
std::string_view ExportContentType(ExportFormat f);

// `location` is the path the TDMRep rule applies to (e.g. "/v1/works/<id>").
std::string ExportTerms(const EffectiveTerms& terms, ExportFormat format,
                        std::string_view location);

}  // namespace signet::registry
