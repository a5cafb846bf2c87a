#include "tools/signet/terms_input.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <optional>

#include "protocol/terms.h"
#include "tools/signet/whole_file.h"

namespace signet::cli {
namespace {

namespace json = boost::json;

bool IsPurpose(std::string_view key) { return protocol::ParsePurpose(key).has_value(); }

// The permission `v` names, forgiving case and "not_allowed".
std::optional<protocol::Permission> CanonicalUse(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (v == "not_allowed") v = "notallowed";
  for (auto p : {protocol::Permission::kAllowed, protocol::Permission::kNotAllowed,
                 protocol::Permission::kConstrained}) {
    std::string name(protocol::PermissionName(p));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (v == name) return p;
  }
  return std::nullopt;
}

std::string PurposeHelp() { return protocol::PurposeList(" or "); }

}  // namespace

Result<json::object> TermsFromAssignments(const std::vector<std::string>& items,
                                          const std::vector<std::string>& licences,
                                          const std::string& contact,
                                          const std::string& conditions) {
  json::object terms;
  bool any_constrained = false;
  for (const std::string& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      return Status::InvalidArgument(
          "'" + item + "' is not PURPOSE=VALUE, e.g. ai_generative_training=notAllowed");
    }
    const std::string purpose = item.substr(0, eq);
    if (!IsPurpose(purpose)) {
      return Status::InvalidArgument("unknown purpose '" + purpose + "'; use " + PurposeHelp());
    }
    auto use = CanonicalUse(item.substr(eq + 1));
    if (!use) {
      return Status::InvalidArgument("unknown value '" + item.substr(eq + 1) + "' for " + purpose +
                                     "; use allowed, notAllowed or constrained");
    }
    json::object entry;
    entry["use"] = protocol::PermissionName(*use);
    if (*use == protocol::Permission::kConstrained) {
      any_constrained = true;
      json::object ci;
      json::array l;
      for (const auto& x : licences) l.emplace_back(x);
      if (!l.empty()) ci["licences"] = std::move(l);
      if (!contact.empty()) ci["contact"] = contact;
      if (!conditions.empty()) ci["conditions"] = conditions;
      if (licences.empty() && contact.empty()) {
        return Status::InvalidArgument(purpose +
                                       "=constrained needs --licence URL or --contact "
                                       "so that users know how to get permission");
      }
      entry["constraint_info"] = std::move(ci);
    }
    if (terms.contains(purpose)) {
      return Status::InvalidArgument("purpose " + purpose + " is given twice");
    }
    terms[purpose] = std::move(entry);
  }
  if (terms.empty()) return Status::InvalidArgument("give at least one PURPOSE=VALUE");
  if (!any_constrained && (!licences.empty() || !contact.empty() || !conditions.empty())) {
    return Status::InvalidArgument(
        "--licence/--contact/--conditions only apply to a purpose set "
        "to constrained");
  }
  return terms;
}

Result<json::object> LoadTermsFile(const std::filesystem::path& path) {
  SIGNET_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return Status::InvalidArgument(path.string() +
                                   " is not a JSON object like "
                                   "{\"ai_generative_training\": \"notAllowed\"}");
  }
  json::object out;
  for (auto& kv : v.as_object()) {
    const std::string purpose(kv.key());
    if (!IsPurpose(purpose)) {
      return Status::InvalidArgument(path.string() + ": unknown purpose '" + purpose + "'; use " +
                                     PurposeHelp());
    }
    if (kv.value().is_string()) {
      auto use = CanonicalUse(std::string(kv.value().get_string()));
      if (!use || *use == protocol::Permission::kConstrained) {
        return Status::InvalidArgument(path.string() + ": " + purpose +
                                       " must be \"allowed\" or \"notAllowed\" in the short "
                                       "form; constrained needs {\"use\": \"constrained\", "
                                       "\"constraint_info\": {\"licences\": [URL]}}");
      }
      out[purpose] = json::object{{"use", protocol::PermissionName(*use)}};
    } else if (kv.value().is_object()) {
      out[purpose] = kv.value();  // the registry validates the full form
    } else {
      return Status::InvalidArgument(path.string() + ": " + purpose +
                                     " must be a string or an object");
    }
  }
  if (out.empty()) return Status::InvalidArgument(path.string() + " sets no purpose");
  return out;
}

}  // namespace signet::cli
