#include "tools/signet/terms_format.h"

#include <cmath>
#include <cstdio>

#include "tools/signet/statements.h"

namespace signet::cli {
namespace json = boost::json;

namespace {

constexpr const char* kPurposes[] = {"ai_generative_training", "ai_training", "ai_inference",
                                     "data_mining", "search"};

// The value of one resolved purpose, whatever nesting the server uses:
// {"use": ...}, {"value": ...}, {"terms": {"use": ...}} or a plain string.
std::string UseOf(const json::value& v, std::string* source) {
  if (v.is_string()) return std::string(v.get_string());
  if (!v.is_object()) return {};
  const json::object& o = v.get_object();
  if (source) *source = JsonString(o, "source");
  for (const char* k : {"use", "value"}) {
    if (std::string s = JsonString(o, k); !s.empty()) return s;
  }
  if (const json::object* t = JsonObject(o, "terms")) return UseOf(json::value(*t), nullptr);
  return {};
}

const json::object* PurposeMap(const json::value* v) {
  if (!v || !v->is_object()) return nullptr;
  const json::object& o = v->get_object();
  if (const json::object* p = JsonObject(o, "purposes")) return p;
  return &o;
}

}  // namespace

std::string FormatClock(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  char buf[32];
  const int m = static_cast<int>(seconds / 60);
  std::snprintf(buf, sizeof buf, "%d:%04.1f", m, seconds - 60.0 * m);
  return buf;
}

std::string TermsSummary(const json::value* effective) {
  const json::object* map = PurposeMap(effective);
  if (!map) return "no terms";
  std::string out;
  for (const char* p : kPurposes) {
    const json::value* v = map->if_contains(p);
    if (!v || v->is_null()) continue;
    std::string source;
    std::string use = UseOf(*v, &source);
    if (use.empty() || use == "unset") continue;
    if (!out.empty()) out += ", ";
    out += std::string(p) + "=" + use;
    if (source == "artist_default") out += " (catalogue default)";
  }
  return out.empty() ? "no reservation expressed" : out;
}

std::string FormatTermsAnswer(const json::object& answer) {
  std::string out = "terms of " + JsonString(answer, "work_id");
  if (std::string at = JsonString(answer, "at"); !at.empty()) out += " at " + at;
  out += ":\n";
  const json::object* map = PurposeMap(answer.if_contains("effective"));
  for (const char* p : kPurposes) {
    std::string source;
    std::string use;
    if (map) {
      if (const json::value* v = map->if_contains(p); v && !v->is_null()) use = UseOf(*v, &source);
    }
    if (use.empty()) use = "unset";
    char line[160];
    std::snprintf(line, sizeof line, "  %-24s %s", p, use.c_str());
    out += line;
    if (source == "work") {
      out += "  (the work's own terms)";
    } else if (source == "artist_default") {
      out += "  (the catalogue default)";
    }
    out += "\n";
  }
  for (const char* k : {"work_terms", "default_terms"}) {
    if (const json::object* src = JsonObject(answer, k)) {
      out += std::string("  ") + (k[0] == 'w' ? "the work's own terms" : "the catalogue default") +
             " in force since " + JsonString(*src, "since") + "\n";
    }
  }
  return out;
}

}  // namespace signet::cli
