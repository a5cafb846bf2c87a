// Human-readable rendering of the registry's answers about terms and
// matches, shared by `terms show` and `match`.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "protocol/answers.h"

namespace signet::cli {

// "ai_generative_training=notAllowed, ai_training=allowed (catalogue default), ..."
// for the terms in force; unset purposes are left out.
std::string TermsSummary(const protocol::EffectiveTerms& effective);

// The multi-line answer of GET /v1/works/{id}/terms.
std::string FormatTermsAnswer(const protocol::TermsAnswer& answer);

// "1:05.3" for seconds.
std::string FormatClock(double seconds);

}  // namespace signet::cli
