// Human-readable rendering of the registry's JSON answers about terms and
// matches, shared by `terms show`, `match` and `check`.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <string>

namespace signet::cli {

// "ai_generative_training=notAllowed, ai_training=allowed (default), ..." for
// an effective-terms object keyed by purpose; unset purposes are left out.
std::string TermsSummary(const boost::json::value* effective);

// The multi-line answer of GET /v1/works/{id}/terms.
std::string FormatTermsAnswer(const boost::json::object& answer);

// "1:05.3" for seconds.
std::string FormatClock(double seconds);

}  // namespace signet::cli
