// The shard map (docs/CLUSTER.md "The fingerprint index is sharded by work"):
// which shard a work belongs to, and which nodes index which shards. The map
// lives in the cluster's key-value bucket under key "shards" as
//   {"shards": S, "nodes": {"n1": [0], "n2": [1], ...}}
// and is changed only by compare-and-set (cluster/node.cc joins a node).
//
// Thread safety: values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::cluster {

// A work's shard: its id's first 16 hex digits (the id is already a SHA-256
// of artist and recording, registry/statement.h WorkIdFor) as a number, mod
// `shards`. Stable across nodes and versions. REQUIRES: a well-formed work id,
// shards >= 1.
std::uint32_t ShardOf(std::string_view work_id, std::uint32_t shards);

struct ShardMap {
  std::uint32_t shards = 0;
  std::map<std::string, std::vector<std::uint32_t>> nodes;  // node id -> its shards

  // The nodes that index shard k.
  std::vector<std::string> ReplicasOf(std::uint32_t k) const;
  // The `count` shards with the fewest replicas (ties: lowest shard first),
  // for a node joining the map.
  std::vector<std::uint32_t> LeastReplicated(std::size_t count) const;

  std::string Encode() const;
  static Result<ShardMap> Decode(std::string_view json);
  friend bool operator==(const ShardMap&, const ShardMap&) = default;
};

}  // namespace signet::cluster
