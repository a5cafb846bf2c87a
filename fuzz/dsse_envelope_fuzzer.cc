// libFuzzer target for crypto/dsse.h ParseJson, which the server runs on every
// statement it receives.
//
// Invariants beyond "no crash, no out-of-bounds read": an accepted envelope
// serialises (ToJson) to JSON that parses back to the same envelope, and
// accepted base64 is canonical (decode then encode gives the input back).
#include <cstdint>
#include <string_view>

#include "crypto/dsse.h"
#include "crypto/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace crypto = signet::crypto;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto env = crypto::dsse::ParseJson(text);
  if (env.ok()) {
    auto again = crypto::dsse::ParseJson(crypto::dsse::ToJson(*env));
    if (!again.ok() || again->payload != env->payload || again->payload_type != env->payload_type ||
        again->signatures.size() != env->signatures.size()) {
      __builtin_trap();
    }
    for (std::size_t i = 0; i < env->signatures.size(); ++i) {
      if (again->signatures[i].sig != env->signatures[i].sig ||
          again->signatures[i].keyid != env->signatures[i].keyid) {
        __builtin_trap();
      }
    }
  }

  if (auto raw = crypto::Base64Decode(text); raw.ok() && crypto::Base64Encode(*raw) != text) {
    __builtin_trap();
  }
  if (auto raw = crypto::Base64UrlDecode(text); raw.ok() && crypto::Base64UrlEncode(*raw) != text) {
    __builtin_trap();
  }
  return 0;
}
