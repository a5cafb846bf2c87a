// Timing helpers shared by signet-eval and signet-index-bench.
// Thread safety: pure functions.
#pragma once

#include <time.h>

#include <algorithm>
#include <vector>

namespace signet::eval {

// Thread CPU time in milliseconds: the machine is shared, so wall-clock
// percentiles would measure the neighbours.
inline double CpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// REQUIRES: 0 <= p <= 1. Returns 0 for no samples.
inline double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace signet::eval
