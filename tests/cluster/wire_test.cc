// The cluster's wire formats (cluster/wire.h) and shard map (cluster/shard_map.h).
#include "cluster/wire.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <map>

#include "cluster/shard_map.h"
#include "registry/statement.h"
#include "registry/testing/statements.h"

namespace signet::cluster {
namespace {

using registry::testing::RandomFingerprint;
using Code = Status::Code;

registry::Replicated SampleRecord() {
  registry::Replicated r;
  r.envelope_json = R"({"payloadType":"x","payload":"eyJ9","signatures":[{"sig":"\"q\\"}]})";
  r.decision.log_index = 41;
  r.decision.accepted_at = 1767323045123456;
  // Doubles that a decimal round trip may not preserve exactly.
  r.decision.disputes = {{"wk_" + std::string(32, 'a'), 0.1 + 0.2},
                         {"wk_" + std::string(32, 'b'), std::nextafter(48.6, 100.0)}};
  r.checkpoint = "signet.test/log\n42\nroot=\n\n\xe2\x80\x94 sig\n";
  return r;
}

TEST(StreamRecordTest, RoundTripsEveryFieldBitForBit) {
  const registry::Replicated r = SampleRecord();
  auto back = DecodeStreamRecord(EncodeStreamRecord(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
  for (std::size_t i = 0; i < r.decision.disputes.size(); ++i) {
    EXPECT_EQ(std::bit_cast<std::uint64_t>(back->decision.disputes[i].score),
              std::bit_cast<std::uint64_t>(r.decision.disputes[i].score));
  }
}

TEST(StreamRecordTest, RefusesWhatIsNotARecord) {
  const std::string good = EncodeStreamRecord(SampleRecord());
  for (
      const std::string& bad : std::vector<std::string>{
          "{}", good.substr(0, good.size() / 2), "[1]",
          R"({"v":2,"log_index":0,"accepted_at":0,"disputes":[],"checkpoint":"","envelope":""})",
          R"({"v":1,"log_index":-1,"accepted_at":0,"disputes":[],"checkpoint":"","envelope":""})",
          R"({"v":1,"log_index":0,"accepted_at":0,"disputes":[{"work":"wk_x","score":"0000000000000000"}],"checkpoint":"","envelope":""})",
          R"({"v":1,"log_index":0,"accepted_at":0,"disputes":[],"checkpoint":"","envelope":"","x":1})"}) {
    auto r = DecodeStreamRecord(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    }
  }
}

TEST(SearchWireTest, RequestAndReplyRoundTrip) {
  SearchRequest req;
  req.kind = SearchKind::kDispute;
  req.shard = 3;
  req.as_of = 123456789;
  req.variants = {{1.0, RandomFingerprint(1, 300)}, {1.03, RandomFingerprint(2, 280)}};
  auto back = DecodeSearchRequest(EncodeSearchRequest(req));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->kind, req.kind);
  EXPECT_EQ(back->shard, 3u);
  EXPECT_EQ(back->as_of, req.as_of);
  ASSERT_EQ(back->variants.size(), 2u);
  EXPECT_EQ(back->variants[1].values, req.variants[1].values);
  EXPECT_EQ(back->variants[1].speed, 1.03);

  SearchReply reply;
  reply.log_size = 77;
  reply.references = 250000;
  registry::WorkIndex::Found f;
  f.work_id = "wk_" + std::string(32, 'c');
  f.match.ref_id = 9;
  f.match.score = 31.25;
  f.match.e_value = 5.6e-32;
  f.match.speed = 0.97;
  fp::Segment seg;
  seg.query_start = 1.5, seg.query_end = 12.25, seg.ref_start = 30, seg.ref_end = 40.75;
  seg.bit_error_rate = 0.125, seg.informative_positions = 5, seg.e_value = 1e-20;
  f.match.segments = {seg};
  reply.found = {f};
  auto rb = DecodeSearchReply(EncodeSearchReply(reply));
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_TRUE(rb->ok);
  EXPECT_EQ(rb->log_size, 77u);
  EXPECT_EQ(rb->references, 250000u);
  ASSERT_EQ(rb->found.size(), 1u);
  EXPECT_EQ(rb->found[0].work_id, f.work_id);
  EXPECT_EQ(rb->found[0].match.score, 31.25);
  ASSERT_EQ(rb->found[0].match.segments.size(), 1u);
  EXPECT_EQ(rb->found[0].match.segments[0].ref_end, 40.75);
  EXPECT_EQ(rb->found[0].match.segments[0].informative_positions, 5);

  SearchReply refused;
  refused.ok = false;
  refused.error = "behind";
  refused.log_size = 3;
  auto rr = DecodeSearchReply(EncodeSearchReply(refused));
  ASSERT_TRUE(rr.ok());
  EXPECT_FALSE(rr->ok);
  EXPECT_EQ(rr->error, "behind");
}

TEST(SearchWireTest, RefusesTruncatedOrOversizedMessages) {
  SearchRequest req;
  req.variants = {{1.0, RandomFingerprint(1, 10)}};
  const std::string good = EncodeSearchRequest(req);
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeSearchRequest(good.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(DecodeSearchRequest(good + "x").ok());
  // A count that promises more values than the message holds.
  std::string lying = good;
  lying[good.size() - 10 * 4 - 1] = '\x7f';
  EXPECT_FALSE(DecodeSearchRequest(lying).ok());
  req.variants[0].speed = 9;
  EXPECT_FALSE(DecodeSearchRequest(EncodeSearchRequest(req)).ok());
}

TEST(ShardMapTest, ShardOfIsStableAndSpreadsWorks) {
  // Fixed: a work's shard never changes between versions or nodes.
  EXPECT_EQ(ShardOf("wk_0000000000000005ffffffffffffffff", 4), 1u);
  EXPECT_EQ(ShardOf("wk_ffffffffffffffff0000000000000000", 3), 0u);
  std::map<std::uint32_t, int> count;
  for (int i = 0; i < 4000; ++i) {
    const std::string id = registry::WorkIdFor("ar_x", RandomFingerprint(i, 8));
    ++count[ShardOf(id, 4)];
  }
  ASSERT_EQ(count.size(), 4u);
  for (const auto& [k, n] : count) EXPECT_NEAR(n, 1000, 150) << "shard " << k;
}

TEST(ShardMapTest, JoiningNodesTakeTheLeastReplicatedShards) {
  ShardMap m;
  m.shards = 2;
  for (const char* n : {"n1", "n2", "n3", "n4"}) m.nodes[n] = m.LeastReplicated(1);
  EXPECT_EQ(m.ReplicasOf(0), (std::vector<std::string>{"n1", "n3"}));
  EXPECT_EQ(m.ReplicasOf(1), (std::vector<std::string>{"n2", "n4"}));
  ShardMap four;
  four.shards = 4;
  for (const char* n : {"a", "b", "c", "d"}) four.nodes[n] = four.LeastReplicated(2);
  for (std::uint32_t k = 0; k < 4; ++k) EXPECT_EQ(four.ReplicasOf(k).size(), 2u) << k;

  auto back = ShardMap::Decode(m.Encode());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
  EXPECT_FALSE(ShardMap::Decode(R"({"shards":2,"nodes":{"n1":[2]}})").ok());
  EXPECT_FALSE(ShardMap::Decode(R"({"shards":0,"nodes":{}})").ok());
}

}  // namespace
}  // namespace signet::cluster
