// ShardedIndex (cluster/sharded_index.h) under a real Registry on one
// machine: every shard indexed here, no NATS. What a replica's search found
// must decide disputes exactly as the local index does.

#include "cluster/sharded_index.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/temp_dir.h"
#include "registry/registry.h"
#include "registry/testing/statements.h"

namespace signet::cluster {
namespace {

using registry::testing::RandomFingerprint;
using registry::testing::TestArtist;
using registry::testing::WorkSpec;

// The dispute rules need the seconds two recordings share
// (registry/overlap_finder.h); the shards' matches carry them in their
// segments. Without them every overlap found in a shard counted as 0 s, and
// no dispute opened in cluster mode once the original left the recent index.
TEST(ShardedIndexTest, ACopyFoundInAShardOpensADisputeAndAnUnrelatedTrackDoesNot) {
  auto dir = TempDir::Create("sharded_index_test");
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  ShardedIndex::Options io;
  io.shards = 2;
  io.mine = {0, 1};
  ShardedIndex index(io);  // not the sequencer: no recent index, every search goes to the shards
  registry::RegistryOptions o;
  o.log_origin = "signet.test/log";
  o.server_key = std::make_shared<crypto::SecretKey>(registry::testing::KeyFromSeedByte(201));
  o.clock = [] { return registry::testing::kTestNow; };
  o.index_backend = &index;
  auto reg = registry::Registry::Open(dir->path(), std::move(o));
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  TestArtist alice = TestArtist::FromSeedByte(11, "Alice");
  TestArtist bob = TestArtist::FromSeedByte(12, "Bob");
  ASSERT_TRUE((*reg)->Submit(alice.Register()).ok());
  ASSERT_TRUE((*reg)->Submit(bob.Register()).ok());
  WorkSpec original;
  original.title = "original";
  original.values = RandomFingerprint(1, 1450);  // 3 minutes
  auto a = (*reg)->Submit(alice.RegisterWork(original));
  ASSERT_TRUE(a.ok()) << a.status().ToString();

  WorkSpec copy = original;
  copy.title = "copy";
  copy.values[0] ^= 1;  // another work id, the same recording
  auto c = (*reg)->Submit(bob.RegisterWork(copy));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->opened_disputes.size(), 1u);
  EXPECT_EQ(c->opened_disputes[0].work_a, *a->work_id);

  WorkSpec other;
  other.title = "other";
  other.values = RandomFingerprint(5, 1450);
  auto u = (*reg)->Submit(bob.RegisterWork(other));
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_TRUE(u->opened_disputes.empty());
}

}  // namespace
}  // namespace signet::cluster
