#include "protocol/statement_payload.h"

#include <array>
#include <boost/json.hpp>

#include "crypto/dsse.h"

namespace signet::protocol {
namespace {

constexpr std::array<std::string_view, 8> kTypeNames = {
    "artist.register", "artist.rotate_key", "artist.default_terms", "work.register",
    "work.terms",      "work.withdraw",     "dispute.open",         "dispute.resolve"};

}  // namespace

std::string_view StatementTypeName(StatementType t) {
  return kTypeNames[static_cast<std::size_t>(t)];
}

std::optional<StatementType> ParseStatementType(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) return static_cast<StatementType>(i);
  }
  return std::nullopt;
}

std::string StatementTypeList() {
  std::string out;
  for (std::string_view name : kTypeNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

std::string StatementPayload(StatementType type, std::string_view artist, std::uint64_t seq,
                             std::string_view issued_at, const boost::json::object& body) {
  boost::json::object o;
  o["type"] = StatementTypeName(type);
  o["artist"] = artist;
  o["seq"] = seq;
  o["issued_at"] = issued_at;
  for (const auto& kv : body) o[kv.key()] = kv.value();
  return boost::json::serialize(o);
}

std::string SignStatement(const crypto::SecretKey& key, std::string_view payload) {
  return crypto::dsse::ToJson(crypto::dsse::Sign(kStatementPayloadType, payload, key));
}

}  // namespace signet::protocol
