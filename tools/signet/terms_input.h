// The terms a user gives the CLI, turned into a statement's terms object
// (registry/STATEMENTS.md "Terms"): `signet terms set PURPOSE=VALUE ...` and
// `signet register --terms FILE`. Purposes and permissions are the protocol's
// (protocol/terms.h); the objects keep the order the user wrote them in.
//
// Thread safety: pure functions (LoadTermsFile reads one file).
#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"

namespace signet::cli {

// Builds a terms object from "PURPOSE=VALUE" items, VALUE one of allowed,
// notAllowed, constrained (case-insensitive; not_allowed too). constrained
// needs at least one of `licences` or `contact`, which go into its
// constraint_info.
Result<boost::json::object> TermsFromAssignments(const std::vector<std::string>& items,
                                                 const std::vector<std::string>& licences,
                                                 const std::string& contact,
                                                 const std::string& conditions);

// Reads a terms file: either the statement form
//   {"ai_generative_training": {"use": "notAllowed"}, ...}
// or the short form {"ai_generative_training": "notAllowed", ...}.
Result<boost::json::object> LoadTermsFile(const std::filesystem::path& path);

}  // namespace signet::cli
