// The JSON of protocol/answers.h: encoders the API serves with and decoders
// clients read the answers with. Internal to code that speaks JSON (api/,
// tools/signet/): it names Boost.JSON types, so keep it out of other headers.
//
// Encoders write exactly the members signetd serves, in its order (absent
// optionals are omitted; work_terms/default_terms are null). Decoders read
// those members and ignore others, so a newer server's additions do not break
// an older client; a missing required member or a member of the wrong type is
// InvalidArgument naming its path: `member "matches[0].work.title" must be a string`.
//
// Thread safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "common/status.h"
#include "protocol/answers.h"

namespace signet::protocol {

boost::json::object ToJson(const Terms& terms);
boost::json::object ToJson(const EffectiveTerms& terms);
boost::json::object ToJson(const Artist& artist);
boost::json::object ToJson(const Work& work);
boost::json::object ToJson(const Dispute& dispute);
boost::json::object ToJson(const Accepted& accepted);
boost::json::object ToJson(const TermsAnswer& answer);
boost::json::object ToJson(const WorkMatch& match);
boost::json::object ToJson(const MatchAnswer& answer);
boost::json::object ToJson(const CheckLine& line);

Result<Terms> TermsFromJson(const boost::json::value& value);
Result<EffectiveTerms> EffectiveTermsFromJson(const boost::json::value& value);
Result<Artist> ArtistFromJson(const boost::json::value& value);
Result<Work> WorkFromJson(const boost::json::value& value);
Result<Dispute> DisputeFromJson(const boost::json::value& value);
Result<Accepted> AcceptedFromJson(const boost::json::value& value);
Result<TermsAnswer> TermsAnswerFromJson(const boost::json::value& value);
Result<WorkMatch> WorkMatchFromJson(const boost::json::value& value);
Result<MatchAnswer> MatchAnswerFromJson(const boost::json::value& value);
Result<CheckLine> CheckLineFromJson(const boost::json::value& value);

// Parses `text` as JSON, then decodes it with `decode`; a syntax error is
// InvalidArgument too.
template <typename T>
Result<T> ParseAnswer(std::string_view text, Result<T> (*decode)(const boost::json::value&));
Result<boost::json::value> ParseJsonText(std::string_view text);

template <typename T>
Result<T> ParseAnswer(std::string_view text, Result<T> (*decode)(const boost::json::value&)) {
  SIGNET_ASSIGN_OR_RETURN(boost::json::value v, ParseJsonText(text));
  return decode(v);
}

}  // namespace signet::protocol
