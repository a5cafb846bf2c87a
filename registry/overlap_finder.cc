#include "registry/overlap_finder.h"

#include <algorithm>

namespace signet::registry {

double UnionLength(std::vector<std::pair<double, double>> spans) {
  std::sort(spans.begin(), spans.end());
  double total = 0;
  double end = 0;
  bool any = false;
  for (const auto& [a, b] : spans) {
    const double from = any ? std::max(a, end) : a;
    if (b > from) total += b - from;
    end = any ? std::max(end, b) : b;
    any = true;
  }
  return total;
}

double SharedSeconds(const fp::Match& match) {
  std::vector<std::pair<double, double>> spans;
  for (const fp::Segment& s : match.segments) spans.emplace_back(s.query_start, s.query_end);
  return UnionLength(std::move(spans));
}

}  // namespace signet::registry
