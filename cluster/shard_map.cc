#include "cluster/shard_map.h"

#include <algorithm>
#include <boost/json.hpp>
#include <numeric>

#include "common/strict_json.h"

namespace signet::cluster {
namespace {

namespace bj = boost::json;

constexpr std::uint32_t kMaxShards = 4096;

}  // namespace

std::uint32_t ShardOf(std::string_view work_id, std::uint32_t shards) {
  std::uint64_t h = 0;
  // "wk_" then 32 lowercase hex digits.
  for (std::size_t i = 3; i < 19 && i < work_id.size(); ++i) {
    const char c = work_id[i];
    h = (h << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return static_cast<std::uint32_t>(h % shards);
}

std::vector<std::string> ShardMap::ReplicasOf(std::uint32_t k) const {
  std::vector<std::string> out;
  for (const auto& [node, owned] : nodes) {
    if (std::find(owned.begin(), owned.end(), k) != owned.end()) out.push_back(node);
  }
  return out;
}

std::vector<std::uint32_t> ShardMap::LeastReplicated(std::size_t count) const {
  std::vector<std::size_t> replicas(shards, 0);
  for (const auto& [node, owned] : nodes) {
    for (std::uint32_t k : owned) {
      if (k < shards) ++replicas[k];
    }
  }
  std::vector<std::uint32_t> order(shards);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return replicas[a] < replicas[b]; });
  order.resize(std::min<std::size_t>(count, order.size()));
  std::sort(order.begin(), order.end());
  return order;
}

std::string ShardMap::Encode() const {
  bj::object n;
  for (const auto& [node, owned] : nodes) {
    bj::array a;
    for (std::uint32_t k : owned) a.emplace_back(k);
    n[node] = std::move(a);
  }
  return bj::serialize(bj::object{{"shards", shards}, {"nodes", std::move(n)}});
}

Result<ShardMap> ShardMap::Decode(std::string_view json) {
  constexpr std::string_view kWhere = "shard map";
  SIGNET_ASSIGN_OR_RETURN(bj::value v, ParseStrictJson(json, 1 << 20, kWhere, 4));
  SIGNET_ASSIGN_OR_RETURN(const bj::object* o, ExpectObject(v, kWhere, {"shards", "nodes"}));
  ShardMap m;
  SIGNET_ASSIGN_OR_RETURN(std::uint64_t shards, GetUint64(*o, "shards", kWhere));
  if (shards == 0 || shards > kMaxShards) {
    return Status::InvalidArgument("shard map: shards must be between 1 and " +
                                   std::to_string(kMaxShards));
  }
  m.shards = static_cast<std::uint32_t>(shards);
  const bj::object* nodes = o->at("nodes").if_object();
  if (!nodes) return Status::InvalidArgument("shard map: nodes must be an object");
  for (const auto& [node, owned] : *nodes) {
    const bj::array* a = owned.if_array();
    if (!a) return Status::InvalidArgument("shard map: the shards of a node are an array");
    std::vector<std::uint32_t> ks;
    for (const bj::value& k : *a) {
      if (!k.is_uint64() && !k.is_int64()) {
        return Status::InvalidArgument("shard map: a shard is a number");
      }
      const std::int64_t n = k.is_int64() ? k.as_int64() : static_cast<std::int64_t>(k.as_uint64());
      if (n < 0 || n >= static_cast<std::int64_t>(m.shards)) {
        return Status::InvalidArgument("shard map: shard " + std::to_string(n) +
                                       " is out of range");
      }
      ks.push_back(static_cast<std::uint32_t>(n));
    }
    m.nodes[std::string(node)] = std::move(ks);
  }
  return m;
}

}  // namespace signet::cluster
