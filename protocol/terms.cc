#include "protocol/terms.h"

namespace signet::protocol {
namespace {

constexpr std::array<std::string_view, kPurposeCount> kPurposeKeys = {
    "ai_generative_training", "ai_training", "ai_inference", "data_mining", "search"};

// The enumerator whose name is `name`, over every value of a small enum.
template <typename Enum, std::size_t N, typename NameFn>
std::optional<Enum> ByName(const std::array<Enum, N>& all, NameFn name_of, std::string_view name) {
  for (Enum e : all) {
    if (name_of(e) == name) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view PurposeKey(Purpose p) { return kPurposeKeys[static_cast<std::size_t>(p)]; }

std::optional<Purpose> ParsePurpose(std::string_view key) {
  return ByName(kAllPurposes, PurposeKey, key);
}

std::string PurposeList(std::string_view last_separator, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < kPurposeCount; ++i) {
    if (i > from) out += i + 1 == kPurposeCount ? last_separator : ", ";
    out += kPurposeKeys[i];
  }
  return out;
}

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kAllowed:
      return "allowed";
    case Permission::kNotAllowed:
      return "notAllowed";
    case Permission::kConstrained:
      return "constrained";
  }
  return "notAllowed";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  constexpr std::array<Permission, 3> kAll = {Permission::kAllowed, Permission::kNotAllowed,
                                              Permission::kConstrained};
  return ByName(kAll, PermissionName, name);
}

std::string_view TermsSourceName(TermsSource s) {
  switch (s) {
    case TermsSource::kUnset:
      return "unset";
    case TermsSource::kWork:
      return "work";
    case TermsSource::kArtistDefault:
      return "artist_default";
  }
  return "unset";
}

std::optional<TermsSource> ParseTermsSource(std::string_view name) {
  constexpr std::array<TermsSource, 3> kAll = {TermsSource::kUnset, TermsSource::kWork,
                                               TermsSource::kArtistDefault};
  return ByName(kAll, TermsSourceName, name);
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kAllowed:
      return "allowed";
    case Verdict::kNotAllowed:
      return "notAllowed";
    case Verdict::kConstrained:
      return "constrained";
    case Verdict::kDisputed:
      return "disputed";
    case Verdict::kUnregistered:
      return "unregistered";
  }
  return "unregistered";
}

std::optional<Verdict> ParseVerdict(std::string_view name) {
  constexpr std::array<Verdict, 5> kAll = {Verdict::kAllowed, Verdict::kNotAllowed,
                                           Verdict::kConstrained, Verdict::kDisputed,
                                           Verdict::kUnregistered};
  return ByName(kAll, VerdictName, name);
}

std::string_view ExportFormatName(ExportFormat f) {
  switch (f) {
    case ExportFormat::kTdmRep:
      return "tdmrep";
    case ExportFormat::kCawg:
      return "cawg";
    case ExportFormat::kPlus:
      return "plus";
    case ExportFormat::kAipref:
      return "aipref";
    case ExportFormat::kTdmPolicy:
      return "tdm-policy";
  }
  return "tdmrep";
}

std::optional<ExportFormat> ParseExportFormat(std::string_view name) {
  return ByName(kAllExportFormats, ExportFormatName, name);
}

std::string_view ExportContentType(ExportFormat f) {
  switch (f) {
    case ExportFormat::kTdmRep:
    case ExportFormat::kCawg:
    case ExportFormat::kPlus:
      return "application/json";
    case ExportFormat::kTdmPolicy:
      // TDMRep: a policy is machine-readable when served as application/json
      // or application/ld+json; it is JSON-LD.
      return "application/ld+json";
    case ExportFormat::kAipref:
      return "text/plain; charset=utf-8";
  }
  return "text/plain; charset=utf-8";
}

}  // namespace signet::protocol
