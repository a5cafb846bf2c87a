// Helpers for index and matcher tests. Test-only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "fingerprint/matcher.h"

namespace signet::fp::testing {

// The reference ids of `found`, ascending.
inline std::vector<std::uint64_t> RefIds(const std::vector<Match>& found) {
  std::vector<std::uint64_t> ids;
  for (const Match& m : found) ids.push_back(m.ref_id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace signet::fp::testing
