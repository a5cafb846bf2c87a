// libFuzzer target for what the CLI reads from a registry it does not control:
// the JSON answers (protocol/answers_json.h) and problem documents
// (protocol/problem.h). The first byte picks the decoder, the rest is its input.
//
// Invariant: a decoded answer survives its own JSON, i.e. encoding what was
// decoded and decoding that again gives the same value.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/answers_json.h"
#include "protocol/problem.h"

namespace {

namespace protocol = signet::protocol;

template <typename T>
void RoundTrip(std::string_view text, signet::Result<T> (*decode)(const boost::json::value&)) {
  auto first = protocol::ParseAnswer(text, decode);
  if (!first.ok()) return;
  auto again = protocol::ParseAnswer(boost::json::serialize(protocol::ToJson(*first)), decode);
  if (!again.ok() || !(*again == *first)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > (1u << 20)) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0: {
      auto p = protocol::ParseProblem(text);
      if (p.ok()) {
        auto again = protocol::ParseProblem(protocol::ProblemToJson(*p));
        if (!again.ok() || !(*again == *p)) std::abort();
      }
      break;
    }
    case 1:
      RoundTrip(text, protocol::TermsFromJson);
      break;
    case 2:
      RoundTrip(text, protocol::EffectiveTermsFromJson);
      break;
    case 3:
      RoundTrip(text, protocol::ArtistFromJson);
      break;
    case 4:
      RoundTrip(text, protocol::WorkFromJson);
      break;
    case 5:
      RoundTrip(text, protocol::DisputeFromJson);
      break;
    case 6:
      RoundTrip(text, protocol::AcceptedFromJson);
      break;
    case 7:
      RoundTrip(text, protocol::TermsAnswerFromJson);
      break;
    case 8:
      RoundTrip(text, protocol::MatchAnswerFromJson);
      break;
    case 9:
      RoundTrip(text, protocol::CheckLineFromJson);
      break;
  }
  return 0;
}
