// The registry's side of a replicated log (registry/replication.h): a
// sequencer registry that hands its decided statements to a Replicator, and a
// replica registry that applies them with ApplyReplicated. Both over in-memory
// Stores, compared column family by column family.
#include "registry/replication.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "registry/registry.h"
#include "registry/testing/memory_store.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

using ::testing::HasSubstr;
using testing::kTestNow;
using testing::MemoryStore;
using testing::RandomFingerprint;
using testing::TestArtist;
using testing::WorkSpec;
using Code = Status::Code;

// Keeps what it was asked to replicate; refuses when told to.
class RecordingReplicator : public Replicator {
 public:
  Status MayDecide(std::uint64_t log_size) override {
    asked_sizes.push_back(log_size);
    return may_decide;
  }
  Status Replicate(std::span<const Replicated> group) override {
    if (!replicate.ok()) return replicate;
    stream.insert(stream.end(), group.begin(), group.end());
    return Status::Ok();
  }

  Status may_decide = Status::Ok();
  Status replicate = Status::Ok();
  std::vector<std::uint64_t> asked_sizes;
  std::vector<Replicated> stream;
};

class ReplicationTest : public ::testing::Test {
 protected:
  ReplicationTest() : key_(std::make_shared<crypto::SecretKey>(testing::KeyFromSeedByte(201))) {
    sequencer_ = Open(&sequencer_store_, &replicator_, [this] { return now_ += 1000; });
    replica_ = Open(&replica_store_, nullptr, [] { return kTestNow + 1; });
  }

  std::unique_ptr<Registry> Open(MemoryStore** store, Replicator* replicator, Clock clock) {
    auto s = std::make_unique<MemoryStore>();
    *store = s.get();
    RegistryOptions o;
    o.log_origin = "signet.test/log";
    o.server_key = key_;
    o.clock = std::move(clock);
    o.replicator = replicator;
    auto r = Registry::Open(std::move(s), std::move(o));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }

  std::shared_ptr<crypto::SecretKey> key_;
  Micros now_ = kTestNow;
  RecordingReplicator replicator_;
  MemoryStore* sequencer_store_ = nullptr;
  MemoryStore* replica_store_ = nullptr;
  std::unique_ptr<Registry> sequencer_, replica_;
};

TEST_F(ReplicationTest, ReplicaApplyingTheDecidedStatementsIsByteIdentical) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  TestArtist bob = TestArtist::FromSeedByte(2, "Bob");
  const auto song = RandomFingerprint(7, 400);
  ASSERT_TRUE(sequencer_->Submit(alice.Register()).ok());
  ASSERT_TRUE(sequencer_->Submit(bob.Register()).ok());
  WorkSpec original;
  original.title = "Song";
  original.values = song;
  auto a = sequencer_->Submit(alice.RegisterWork(original));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  // Bob registers the same recording: the sequencer opens a dispute, with a score.
  WorkSpec copy = original;
  copy.title = "Copy";
  auto b = sequencer_->Submit(bob.RegisterWork(copy));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->opened_disputes.size(), 1u);
  ASSERT_TRUE(sequencer_
                  ->Submit(alice.SetWorkTerms(*a->work_id,
                                              R"({"ai_generative_training":{"use":"notAllowed"}})"))
                  .ok());
  ASSERT_TRUE(sequencer_->Submit(bob.Withdraw(*b->work_id)).ok());
  ASSERT_EQ(replicator_.stream.size(), 6u);
  EXPECT_EQ(replicator_.stream[3].decision.disputes.size(), 1u);

  // Applied in two batches, the first one twice (a redelivery is skipped).
  std::vector<Replicated> first(replicator_.stream.begin(), replicator_.stream.begin() + 4);
  std::vector<Replicated> rest(replicator_.stream.begin() + 2, replicator_.stream.end());
  ASSERT_TRUE(replica_->ApplyReplicated(first).ok());
  EXPECT_EQ(replica_->LogSize(), 4u);
  ASSERT_TRUE(replica_->ApplyReplicated(first).ok());
  Status st = replica_->ApplyReplicated(rest);
  ASSERT_TRUE(st.ok()) << st.ToString();

  EXPECT_EQ(replica_->LogSize(), 6u);
  EXPECT_EQ(replica_->Checkpoint(), sequencer_->Checkpoint());
  EXPECT_EQ(replica_store_->contents(), sequencer_store_->contents());
  // The replica's index holds what the sequencer's does: the live work only.
  auto found = replica_->Match(song);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].work.id, *a->work_id);
  // Each entry travelled with the checkpoint of the tree it ends.
  EXPECT_THAT(replicator_.stream[0].checkpoint, HasSubstr("\n1\n"));
  EXPECT_THAT(replicator_.stream[5].checkpoint, HasSubstr("\n6\n"));
}

TEST_F(ReplicationTest, ReplicaRefusesGapsAndCheckpointsThatDoNotSignItsRoot) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  ASSERT_TRUE(sequencer_->Submit(alice.Register()).ok());
  WorkSpec work;
  work.values = RandomFingerprint(3, 200);
  ASSERT_TRUE(sequencer_->Submit(alice.RegisterWork(work)).ok());
  ASSERT_EQ(replicator_.stream.size(), 2u);

  std::vector<Replicated> gap(replicator_.stream.begin() + 1, replicator_.stream.end());
  Status st = replica_->ApplyReplicated(gap);
  EXPECT_EQ(st.code(), Code::kFailedPrecondition) << st.ToString();

  // The second entry's checkpoint on the first: another root for size 1.
  std::vector<Replicated> forged = {replicator_.stream[0]};
  forged[0].checkpoint = replicator_.stream[1].checkpoint;
  st = replica_->ApplyReplicated(forged);
  EXPECT_EQ(st.code(), Code::kInternal) << st.ToString();
  EXPECT_EQ(replica_->LogSize(), 0u);
  EXPECT_EQ(replica_store_->size(Column::kArtists), 0u) << "nothing of a refused batch is applied";

  ASSERT_TRUE(replica_->ApplyReplicated(replicator_.stream).ok());
  EXPECT_EQ(replica_->Checkpoint(), sequencer_->Checkpoint());
}

TEST_F(ReplicationTest, SequencerStoresNothingTheStreamDidNotTake) {
  TestArtist alice = TestArtist::FromSeedByte(1, "Alice");
  replicator_.may_decide = Status::Unavailable("not the sequencer");
  auto r = sequencer_->Submit(alice.Register());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  replicator_.may_decide = Status::Ok();

  replicator_.replicate = Status::Unavailable("no quorum");
  r = sequencer_->Submit(alice.Register());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(sequencer_->LogSize(), 0u);
  EXPECT_EQ(sequencer_store_->size(Column::kArtists), 0u);

  // What a lost answer looks like to a retry: nothing was stored, so it is new.
  replicator_.replicate = Status::Ok();
  const std::string statement = alice.Register();
  ASSERT_TRUE(sequencer_->Submit(statement).ok());
  EXPECT_EQ(replicator_.asked_sizes.back(), 0u);
  auto at = sequencer_->FindAccepted(statement);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, std::optional<std::uint64_t>(0));
  EXPECT_FALSE(*sequencer_->FindAccepted("{}"));
}

}  // namespace
}  // namespace signet::registry
