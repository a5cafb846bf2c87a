// The cluster's wire formats (docs/CLUSTER.md), owned here. Decoders are
// bounds-checked and strict, and fuzzed (fuzz/cluster_wire_fuzzer.cc): bytes
// from NATS are not trusted further than the code that reads them.
//
// Stream record: the data of stream message s (log index s - 1), compact JSON
//   {"v":1,"log_index":N,"accepted_at":MICROS,
//    "disputes":[{"work":"wk_...","score":"<16 hex digits>"},...],
//    "checkpoint":"<C2SP signed note>","envelope":"<the envelope bytes>"}
//   A dispute's score is the IEEE-754 bit pattern of the double, in hex, so
//   that every replica stores exactly the double the sequencer computed.
//
// Shard search (request/reply on <name>.shard.<k>.search), little-endian binary:
//   request  u8 version=2 | u8 kind (1 match, 2 dispute) | u32 shard
//            | u64 as_of (dispute: the log size the replica must have applied)
//            | u16 variants (1..64) | per variant: f64 speed | u32 n (<= 2^20)
//            | n x u32 sub-fingerprints
//   reply    u8 version=2 | u8 ok | u64 log size of the replica
//            | ok: u64 live works the shard searched (N of its E-values)
//                  | u16 matches (<= 1024) | per match: u64 ref | u16 n | n bytes work id
//                  | f64 score | f64 e_value (over the shard's references) | f64 speed
//                  | u16 segments (<= 4096) | per segment: f64 query_start, query_end,
//                  ref_start, ref_end, bit_error_rate, e_value
//                  | i32 informative_positions
//            | not ok: u32 n | n bytes: why (the replica is behind, shutting down)
//   Version 2 added the reply's work count; nodes of one cluster run one version.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fingerprint/matcher.h"
#include "registry/replication.h"
#include "registry/work_index.h"

namespace signet::cluster {

std::string EncodeStreamRecord(const registry::Replicated& r);
Result<registry::Replicated> DecodeStreamRecord(std::string_view data);

enum class SearchKind : std::uint8_t { kMatch = 1, kDispute = 2 };

struct SearchRequest {
  SearchKind kind = SearchKind::kMatch;
  std::uint32_t shard = 0;
  std::uint64_t as_of = 0;
  struct Variant {
    double speed = 1.0;
    std::vector<std::uint32_t> values;
  };
  std::vector<Variant> variants;
};
std::string EncodeSearchRequest(const SearchRequest& r);
// Also encodes straight from the caller's spans, without copying them first.
std::string EncodeSearchRequest(SearchKind kind, std::uint32_t shard, std::uint64_t as_of,
                                std::span<const fp::QueryVariant> variants);
Result<SearchRequest> DecodeSearchRequest(std::string_view data);

struct SearchReply {
  bool ok = true;
  std::string error;  // !ok: why
  std::uint64_t log_size = 0;
  // The live works the shard searched: N of its matches' E-values, which the
  // querying node rescales to the whole registry's (cluster/sharded_index.h).
  std::uint64_t references = 0;
  std::vector<registry::WorkIndex::Found> found;  // the matcher's order
};
std::string EncodeSearchReply(const SearchReply& r);
Result<SearchReply> DecodeSearchReply(std::string_view data);

}  // namespace signet::cluster
