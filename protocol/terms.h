// The training-consent vocabulary and the shape of terms, as statements carry
// them and answers report them: purposes, permissions, where a resolved value
// came from, verdicts and export formats. Defined once here and used by the
// registry (validation, resolution, exports: registry/terms.h), the API
// (answers) and the CLI (what `terms set` and `check --purpose` accept).
// The mapping to CAWG, AIPREF, PLUS and TDMRep is registry/STATEMENTS.md's.
//
// Thread safety: values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::protocol {

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

// "ai_generative_training", "ai_training", "ai_inference", "data_mining", "search".
std::string_view PurposeKey(Purpose p);
std::optional<Purpose> ParsePurpose(std::string_view key);
// The keys from kAllPurposes[from] on, for messages: separated by ", ", the
// last two by `last_separator` ("a, b or c" with " or ").
std::string PurposeList(std::string_view last_separator = ", ", std::size_t from = 0);

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

// Where the value in force for a purpose came from.
enum class TermsSource : std::uint8_t { kUnset = 0, kWork, kArtistDefault };
std::string_view TermsSourceName(TermsSource s);  // "unset" / "work" / "artist_default"
std::optional<TermsSource> ParseTermsSource(std::string_view name);

struct ResolvedPurpose {
  std::optional<PurposeTerms> terms;  // nullopt: unset
  TermsSource source = TermsSource::kUnset;
  std::optional<Purpose> decided_by;  // the purpose whose entry gave the value
  friend bool operator==(const ResolvedPurpose&, const ResolvedPurpose&) = default;
};

// The terms in force for every purpose (registry/terms.h ResolveTerms).
struct EffectiveTerms {
  std::array<ResolvedPurpose, kPurposeCount> purposes;
  const ResolvedPurpose& at(Purpose p) const { return purposes[static_cast<std::size_t>(p)]; }
  ResolvedPurpose& at(Purpose p) { return purposes[static_cast<std::size_t>(p)]; }
  friend bool operator==(const EffectiveTerms&, const EffectiveTerms&) = default;
};

// A dataset check's answer for one item (registry/terms.h DecideVerdict).
enum class Verdict : std::uint8_t {
  kAllowed = 0,
  kNotAllowed,
  kConstrained,
  kDisputed,
  kUnregistered,
};
// "allowed" / "notAllowed" / "constrained" / "disputed" / "unregistered".
std::string_view VerdictName(Verdict v);
std::optional<Verdict> ParseVerdict(std::string_view name);

// The standards a work's terms are exported to (GET .../terms/export?format=).
// kTdmPolicy is the TDMRep TDM Policy (ODRL) document a tdmrep rule's
// tdm-policy points at.
enum class ExportFormat : std::uint8_t { kTdmRep = 0, kCawg, kPlus, kAipref, kTdmPolicy };
inline constexpr std::array<ExportFormat, 5> kAllExportFormats = {
    ExportFormat::kTdmRep, ExportFormat::kCawg, ExportFormat::kPlus, ExportFormat::kAipref,
    ExportFormat::kTdmPolicy};
// "tdmrep" / "cawg" / "plus" / "aipref" / "tdm-policy".
std::string_view ExportFormatName(ExportFormat f);
std::optional<ExportFormat> ParseExportFormat(std::string_view name);
// The media type an export is served with.
std::string_view ExportContentType(ExportFormat f);

}  // namespace signet::protocol
