// Everything a cluster node decodes from NATS (cluster/wire.h, cluster/
// shard_map.h): a stream record, a shard search request and reply, the shard
// map. Decoding must never crash, hang or allocate beyond the input's promise;
// whatever decodes must encode and decode to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cluster/shard_map.h"
#include "cluster/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  using namespace signet::cluster;
  switch (data[0] % 4) {
    case 0:
      if (auto r = DecodeStreamRecord(in); r.ok()) {
        auto again = DecodeStreamRecord(EncodeStreamRecord(*r));
        if (!again.ok() || !(*again == *r)) __builtin_trap();
      }
      break;
    case 1:
      if (auto r = DecodeSearchRequest(in); r.ok()) {
        auto again = DecodeSearchRequest(EncodeSearchRequest(*r));
        if (!again.ok() || again->variants.size() != r->variants.size()) __builtin_trap();
      }
      break;
    case 2:
      if (auto r = DecodeSearchReply(in); r.ok()) {
        auto again = DecodeSearchReply(EncodeSearchReply(*r));
        if (!again.ok() || again->found.size() != r->found.size()) __builtin_trap();
      }
      break;
    case 3:
      if (auto m = ShardMap::Decode(in); m.ok()) {
        for (std::uint32_t k = 0; k < m->shards && k < 64; ++k) (void)m->ReplicasOf(k);
        auto again = ShardMap::Decode(m->Encode());
        if (!again.ok() || !(*again == *m)) __builtin_trap();
      }
      break;
  }
  return 0;
}
