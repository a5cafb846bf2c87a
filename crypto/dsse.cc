#include "crypto/dsse.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/strict_json.h"

namespace signet::crypto::dsse {
namespace json = boost::json;

std::string Pae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(payload_type.size());
  out += ' ';
  out += payload_type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

Envelope Sign(std::string_view payload_type, std::string_view payload, const SecretKey& key) {
  const Signature sig = key.Sign(Pae(payload_type, payload));
  Envelope env;
  env.payload_type = std::string(payload_type);
  env.payload = std::string(payload);
  env.signatures.push_back({DsseKeyId(key.public_key()), Bytes(sig.begin(), sig.end())});
  return env;
}

Status Verify(const Envelope& envelope, const PublicKey& public_key) {
  if (envelope.signatures.empty()) {
    return Status::Unauthenticated("DSSE envelope has no signatures");
  }
  const std::string pae = Pae(envelope.payload_type, envelope.payload);
  for (const EnvelopeSignature& s : envelope.signatures) {
    if (VerifySignature(public_key, pae, s.sig).ok()) return Status::Ok();
  }
  return Status::Unauthenticated(
      "no signature in the DSSE envelope verifies with public key " + PublicKeyToText(public_key) +
      " (payload or payloadType altered, signed by another key, or signature damaged)");
}

std::string ToJson(const Envelope& envelope) {
  json::array sigs;
  for (const EnvelopeSignature& s : envelope.signatures) {
    sigs.push_back(json::object{{"keyid", s.keyid}, {"sig", Base64Encode(s.sig)}});
  }
  // Insertion order is kept by json::object, giving the documented field order.
  json::object obj;
  obj["payloadType"] = envelope.payload_type;
  obj["payload"] = Base64Encode(envelope.payload);
  obj["signatures"] = std::move(sigs);
  return json::serialize(obj);
}

Result<Envelope> ParseJson(std::string_view text, const EnvelopeLimits& limits) {
  SIGNET_ASSIGN_OR_RETURN(json::value doc,
                          ParseStrictJson(text, limits.max_json_bytes, "DSSE envelope"));
  SIGNET_ASSIGN_OR_RETURN(const json::object* obj,
                          ExpectObject(doc, "", {"payloadType", "payload", "signatures"}));
  Envelope env;
  SIGNET_ASSIGN_OR_RETURN(std::string_view type, GetString(*obj, "payloadType", ""));
  if (type.empty() || type.size() > limits.max_payload_type_bytes) {
    return Status::InvalidArgument("field \"payloadType\" must be 1 to " +
                                   std::to_string(limits.max_payload_type_bytes) + " bytes");
  }
  env.payload_type = std::string(type);

  SIGNET_ASSIGN_OR_RETURN(std::string_view payload_b64, GetString(*obj, "payload", ""));
  Result<Bytes> payload = Base64Decode(payload_b64);
  if (!payload.ok()) return payload.status().WithContext("field \"payload\"");
  env.payload = std::string(AsChars(*payload));

  SIGNET_ASSIGN_OR_RETURN(const json::array* sigs, GetArray(*obj, "signatures", ""));
  if (sigs->empty()) {
    return Status::InvalidArgument("field \"signatures\" is empty; a statement must be signed");
  }
  if (sigs->size() > limits.max_signatures) {
    return Status::ResourceExhausted("field \"signatures\" has " + std::to_string(sigs->size()) +
                                     " entries; the limit is " +
                                     std::to_string(limits.max_signatures));
  }
  for (std::size_t i = 0; i < sigs->size(); ++i) {
    const std::string where = "signatures[" + std::to_string(i) + "]";
    SIGNET_ASSIGN_OR_RETURN(const json::object* s,
                            ExpectObject((*sigs)[i], where, {"sig"}, {"keyid"}));
    EnvelopeSignature out;
    if (s->contains("keyid")) {
      SIGNET_ASSIGN_OR_RETURN(std::string_view keyid, GetString(*s, "keyid", where));
      if (keyid.size() > limits.max_keyid_bytes) {
        return Status::InvalidArgument("field \"" + where + ".keyid\" is longer than " +
                                       std::to_string(limits.max_keyid_bytes) + " bytes");
      }
      out.keyid = std::string(keyid);
    }
    SIGNET_ASSIGN_OR_RETURN(std::string_view sig_b64, GetString(*s, "sig", where));
    Result<Bytes> sig = Base64Decode(sig_b64);
    if (!sig.ok()) return sig.status().WithContext("field \"" + where + ".sig\"");
    if (sig->size() != kEd25519SignatureSize) {
      return Status::InvalidArgument("field \"" + where + ".sig\" must be a 64-byte Ed25519 " +
                                     "signature, got " + std::to_string(sig->size()) + " bytes");
    }
    out.sig = std::move(*sig);
    env.signatures.push_back(std::move(out));
  }
  return env;
}

}  // namespace signet::crypto::dsse
