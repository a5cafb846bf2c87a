// ShardedIndex (cluster/sharded_index.h) under a real Registry on one
// machine: every shard indexed here, no NATS. What a replica's search found
// must decide disputes exactly as the local index does.

#include "cluster/sharded_index.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

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

// A shard's E-values count only its own works; the merge must report what one
// index of every work would (the same E-value, the same threshold), or a
// cluster of S shards would accept matches S times weaker than one machine.
TEST(ShardedIndexTest, MatchesCarryTheWholeRegistrysEValues) {
  constexpr std::uint32_t kShards = 4;
  constexpr std::uint64_t kWorks = 40;
  auto make_pair = [&](double max_e_value) {
    fp::MatcherOptions m;
    m.max_e_value = max_e_value;
    ShardedIndex::Options io;
    io.shards = kShards;
    io.mine = {0, 1, 2, 3};
    io.matcher = m;
    registry::WorkIndexOptions one;
    one.matcher = m;
    auto sharded = std::make_unique<ShardedIndex>(io);
    auto single = std::make_unique<registry::WorkIndex>(one);
    for (std::uint64_t ref = 1; ref <= kWorks; ++ref) {
      // ShardOf reads the first 16 hex digits: spread the works over the shards.
      const std::string id = fmt::format("wk_{:016x}{:016x}", ref * 0x9e3779b97f4a7c15ull, ref);
      const auto values = RandomFingerprint(ref, 1450);
      EXPECT_TRUE(sharded->Add(ref, id, values).ok());
      EXPECT_TRUE(single->Add(ref, id, values).ok());
    }
    for (std::uint32_t k = 0; k < kShards; ++k) {  // each shard holds some, not all
      SearchRequest none;
      none.shard = k;
      auto reply = sharded->SearchShard(none);
      EXPECT_TRUE(reply.ok() && reply->references > 0 && reply->references < kWorks) << k;
    }
    return std::pair{std::move(sharded), std::move(single)};
  };
  // 12 s of work 7 with a quarter of its bits flipped in every sub-fingerprint:
  // found, but not overwhelmingly.
  std::vector<std::uint32_t> query = RandomFingerprint(7, 1450);
  query = std::vector<std::uint32_t>(query.begin() + 300, query.begin() + 400);
  std::mt19937 rng(5);
  for (std::uint32_t& v : query) {
    for (int b = 0; b < 7; ++b) v ^= 1u << (rng() % 32);
  }
  const fp::QueryVariant variant{query, 1.0};
  const std::span<const fp::QueryVariant> q(&variant, 1);

  auto [sharded, single] = make_pair(1e-3);
  auto expected = single->Find(q);
  ASSERT_EQ(expected.size(), 1u);
  auto got = sharded->Find(q);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->found.size(), 1u);
  EXPECT_EQ(got->found[0].work_id, expected[0].work_id);
  EXPECT_NEAR(got->found[0].match.e_value / expected[0].match.e_value, 1.0, 1e-9)
      << got->found[0].match.e_value << " vs " << expected[0].match.e_value;
  EXPECT_NEAR(got->found[0].match.score, expected[0].match.score, 1e-9);

  // A bar just below this match's E-value: one index refuses it, so must the
  // shards (each of which alone reports an E-value about 4 times smaller).
  const double e = expected[0].match.e_value;
  ASSERT_GT(e, 1e-30) << "the query must be weak enough to sit near a bar";
  auto [sharded_strict, single_strict] = make_pair(e / 2);
  EXPECT_TRUE(single_strict->Find(q).empty());
  auto strict = sharded_strict->Find(q);
  ASSERT_TRUE(strict.ok());
  EXPECT_TRUE(strict->found.empty()) << "a shard's E-value " << strict->found[0].match.e_value;
}

}  // namespace
}  // namespace signet::cluster
