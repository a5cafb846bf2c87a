// DSSE envelopes (Dead Simple Signing Envelope, secure-systems-lab/dsse,
// protocol v1): a payload, its type, and Ed25519 signatures over the
// pre-authentication encoding PAE(type, payload), so that no JSON
// canonicalisation is ever needed. The JSON form is
//   {"payloadType": "...", "payload": "<std base64>",
//    "signatures": [{"keyid": "...", "sig": "<std base64>"}]}
//
// ParseEnvelopeJson reads untrusted bytes: sizes are bounded (EnvelopeLimits),
// and a missing, repeated, unknown or wrong-typed field is an error naming it.
// `keyid` is an unauthenticated hint and may be empty; verification never
// trusts it.
//
// Thread safety: pure functions over values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/ed25519.h"
#include "crypto/encoding.h"

namespace signet::crypto::dsse {

struct EnvelopeSignature {
  std::string keyid;
  Bytes sig;
};

struct Envelope {
  std::string payload_type;
  std::string payload;  // raw bytes (decoded from base64 in the JSON form)
  std::vector<EnvelopeSignature> signatures;
};

struct EnvelopeLimits {
  std::size_t max_json_bytes = 8u << 20;
  std::size_t max_payload_type_bytes = 256;
  std::size_t max_signatures = 16;
  std::size_t max_keyid_bytes = 256;
};

// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in ASCII decimal.
std::string Pae(std::string_view payload_type, std::string_view payload);

// One signature by `key`, keyid = DsseKeyId(key.public_key()).
Envelope Sign(std::string_view payload_type, std::string_view payload, const SecretKey& key);

// OK iff at least one signature in `envelope` is a valid signature of
// PAE(payload_type, payload) by `public_key`. Unauthenticated otherwise.
Status Verify(const Envelope& envelope, const PublicKey& public_key);

// Compact JSON in the field order above.
std::string ToJson(const Envelope& envelope);

// Strict parse of the JSON form. REQUIRES: nothing; any input is safe.
Result<Envelope> ParseJson(std::string_view json, const EnvelopeLimits& limits = {});

}  // namespace signet::crypto::dsse
