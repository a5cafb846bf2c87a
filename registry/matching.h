// Matching for readers: which registered works a query fingerprint contains,
// described as match results show them (artist name, open disputes, terms in
// force), and the dataset check of one item (registry/registry.h Match,
// CheckItem). The fingerprint search itself is fingerprint/matcher.h over
// the registry's index backend (registry/index_backend.h: one WorkIndex, or a
// sharded index across machines); the records come from Queries.
//
// Thread safety: pure functions over thread-safe readers.
#pragma once

#include <span>
#include <vector>

#include "common/status.h"
#include "fingerprint/matcher.h"
#include "registry/index_backend.h"
#include "registry/model.h"
#include "registry/queries.h"

namespace signet::registry {

// Live works found in the query's variants, best first; times in the
// segments are the original query's. With `landmark` (the query's landmark
// print) both prints are matched and fused per work (WorkIndex::FindFused)
// where the backend holds landmark prints. `coverage` (optional) says how
// much of the index was searched.
Result<std::vector<WorkMatch>> MatchWorks(const Queries& queries, const IndexBackend& index,
                                          std::span<const fp::QueryVariant> variants,
                                          const fp::LandmarkPrint* landmark = nullptr,
                                          SearchCoverage* coverage = nullptr);

// By sha256 (exact) and/or fingerprint, each work with its verdict for the
// request's purpose, and the combined verdict. Unavailable when part of the
// index could not be searched and the verdict is not already notAllowed.
Result<CheckResult> CheckItem(const Queries& queries, const IndexBackend& index,
                              const CheckRequest& request);

}  // namespace signet::registry
