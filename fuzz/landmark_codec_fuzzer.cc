// libFuzzer target for the landmark print's wire format
// (fingerprint/landmark_codec.h), which the server decodes from every signed
// work registration that carries one, and for what it then does with a
// decoded print: index it and match against it.
//
// Invariants checked on every input, beyond "no crash, no out-of-bounds read":
//  - an accepted string is canonical: encoding what it decodes to gives the
//    same string back;
//  - an accepted print is accepted by LandmarkIndex::Add (the decoder checks
//    everything the index needs), and matching it against itself finds it.
#include <cstdint>
#include <string_view>

#include "fingerprint/landmark_codec.h"
#include "fingerprint/landmark_index.h"
#include "fingerprint/landmark_matcher.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto decoded = signet::fp::DecodeLandmarkPrint(text);
  if (!decoded.ok()) return 0;
  if (signet::fp::EncodeLandmarkPrint(*decoded) != text) __builtin_trap();
  signet::fp::LandmarkIndex index;
  if (!index.Add(7, *decoded).ok()) __builtin_trap();
  signet::fp::LandmarkMatcher matcher(index);
  (void)matcher.Find(*decoded);
  if (!index.Remove(7)) __builtin_trap();
  return 0;
}
