// Matching for readers: which registered works a query fingerprint contains,
// described as match results show them (artist name, open disputes, terms in
// force), and the dataset check of one item (registry/registry.h Match,
// CheckItem). The fingerprint search itself is fingerprint/matcher.h over
// the registry's WorkIndex; the records come from Queries.
//
// Thread safety: pure functions over thread-safe readers.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "fingerprint/matcher.h"
#include "registry/model.h"
#include "registry/queries.h"
#include "registry/work_index.h"

namespace signet::registry {

// Live works found in the query's variants, best first; times in the
// segments are the original query's. With `landmark` (the query's landmark
// print) both prints are matched and fused per work (WorkIndex::FindFused).
Result<std::vector<WorkMatch>> MatchWorks(const Queries& queries, const WorkIndex& index,
                                          std::span<const fp::QueryVariant> variants,
                                          const fp::LandmarkPrint* landmark = nullptr);

// By sha256 (exact) and/or fingerprint, each work with its verdict for the
// request's purpose, and the combined verdict.
Result<CheckResult> CheckItem(const Queries& queries, const WorkIndex& index,
                              const CheckRequest& request);

}  // namespace signet::registry
