#include "tools/signet/terms_format.h"

#include <cmath>
#include <cstdio>

namespace signet::cli {

std::string FormatClock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  char buf[32];
  const int m = static_cast<int>(seconds / 60);
  std::snprintf(buf, sizeof buf, "%d:%04.1f", m, seconds - 60.0 * m);
  return buf;
}

std::string TermsSummary(const protocol::EffectiveTerms& effective) {
  std::string out;
  for (protocol::Purpose p : protocol::kAllPurposes) {
    const protocol::ResolvedPurpose& r = effective.at(p);
    if (!r.terms) continue;
    if (!out.empty()) out += ", ";
    out.append(protocol::PurposeKey(p))
        .append("=")
        .append(protocol::PermissionName(r.terms->value));
    if (r.source == protocol::TermsSource::kArtistDefault) out += " (catalogue default)";
  }
  return out.empty() ? "no reservation expressed" : out;
}

std::string FormatTermsAnswer(const protocol::TermsAnswer& answer) {
  std::string out =
      "terms of " + answer.work_id + " at " + protocol::FormatRfc3339Utc(answer.at) + ":\n";
  for (protocol::Purpose p : protocol::kAllPurposes) {
    const protocol::ResolvedPurpose& r = answer.effective.at(p);
    const std::string_view use = r.terms ? protocol::PermissionName(r.terms->value) : "unset";
    char line[160];
    std::snprintf(line, sizeof line, "  %-24.*s %.*s",
                  static_cast<int>(protocol::PurposeKey(p).size()), protocol::PurposeKey(p).data(),
                  static_cast<int>(use.size()), use.data());
    out += line;
    if (r.source == protocol::TermsSource::kWork) {
      out += "  (the work's own terms)";
    } else if (r.source == protocol::TermsSource::kArtistDefault) {
      out += "  (the catalogue default)";
    }
    out += "\n";
  }
  auto since = [](const protocol::TermsInForce& t) {
    return t.since ? protocol::FormatRfc3339Utc(*t.since) : std::string();
  };
  if (answer.work_terms) {
    out += "  the work's own terms in force since " + since(*answer.work_terms) + "\n";
  }
  if (answer.default_terms) {
    out += "  the catalogue default in force since " + since(*answer.default_terms) + "\n";
  }
  return out;
}

}  // namespace signet::cli
