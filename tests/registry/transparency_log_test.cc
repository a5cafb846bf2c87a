// The transparency log on its own over an in-memory Store: what Open accepts
// and refuses, and that its proofs, node hashes and receipts agree with an
// independent in-memory tree (crypto/merkle.h MemoryTree).
#include "registry/transparency_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/note.h"
#include "crypto/receipt.h"
#include "registry/keys.h"
#include "registry/testing/memory_store.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

using ::testing::HasSubstr;
using testing::MemoryStore;
using Code = Status::Code;
namespace merkle = crypto::merkle;

constexpr std::string_view kOrigin = "signet.test/log";

LogSigner Signer(std::uint8_t seed = 200) {
  return std::move(
      LogSigner::Create(std::string(kOrigin), kOrigin, testing::KeyFromSeedByte(seed)).value());
}

std::string LeafData(std::uint64_t i) { return "statement " + std::to_string(i); }

class TransparencyLogTest : public ::testing::Test {
 protected:
  void SetUp() override { log_ = Open(); }

  std::unique_ptr<TransparencyLog> Open(std::uint8_t seed = 200) {
    auto r = TransparencyLog::Open(&store_, Signer(seed));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }

  // Appends `n` leaves in one commit group, as the writer does.
  void AppendGroup(std::uint64_t n) {
    Overlay o(&store_);
    const std::uint64_t start = log_->Size();
    for (std::uint64_t i = start; i < start + n; ++i) {
      ASSERT_TRUE(TransparencyLog::AppendLeaf(o, i, LeafData(i)).ok());
      tree_.Append(LeafData(i));
    }
    auto cp = log_->SignTree(o, start + n);
    ASSERT_TRUE(cp.ok()) << cp.status().ToString();
    WriteSet ws;
    o.AppendTo(ws);
    ASSERT_TRUE(store_.Write(ws).ok());
    log_->Publish(start + n, *cp);
  }

  crypto::Checkpoint Verified(const std::string& note) {
    auto v = crypto::note::Verifier::Parse(log_->VerifierKey());
    EXPECT_TRUE(v.ok());
    auto cp = crypto::OpenCheckpoint(note, *v, kOrigin);
    EXPECT_TRUE(cp.ok()) << cp.status().ToString();
    return cp.ok() ? *cp : crypto::Checkpoint{};
  }

  MemoryStore store_;
  std::unique_ptr<TransparencyLog> log_;
  merkle::MemoryTree tree_;
};

TEST_F(TransparencyLogTest, AnEmptyStoreGetsASignedEmptyTree) {
  EXPECT_EQ(log_->Size(), 0u);
  const crypto::Checkpoint cp = Verified(log_->Checkpoint());
  EXPECT_EQ(cp.size, 0u);
  EXPECT_EQ(cp.root, merkle::EmptyRoot());
  EXPECT_EQ(*store_.Get(Column::kMeta, keys::kCheckpoint), log_->Checkpoint());
  EXPECT_EQ(log_->Leaf(0).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->NodeHash(0, 0).status().code(), Code::kNotFound);
}

TEST_F(TransparencyLogTest, ProofsAndNodesAgreeWithAnIndependentTree) {
  for (std::uint64_t n : {1, 2, 5, 1, 8, 20}) AppendGroup(n);  // 37 leaves, groups of any size
  const std::uint64_t size = log_->Size();
  ASSERT_EQ(size, 37u);
  const crypto::Checkpoint cp = Verified(log_->Checkpoint());
  EXPECT_EQ(cp.size, size);
  EXPECT_EQ(cp.root, tree_.Root());

  for (std::uint64_t i = 0; i < size; ++i) {
    EXPECT_EQ(*log_->Leaf(i), LeafData(i));
    for (std::uint64_t at : {i + 1, size}) {
      auto proof = log_->InclusionProof(i, at);
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, *merkle::InclusionProof(i, at, tree_.Reader()));
    }
  }
  for (std::uint64_t old_size = 0; old_size <= size; old_size += 3) {
    auto proof = log_->ConsistencyProof(old_size, size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, *merkle::ConsistencyProof(old_size, size, tree_.Reader()));
  }
  // Every complete subtree is served from storage, nothing else is.
  for (std::uint32_t level = 0; level <= 6; ++level) {
    const std::uint64_t complete = size >> level;
    for (std::uint64_t index = 0; index <= complete; ++index) {
      auto h = log_->NodeHash(level, index);
      if (index < complete) {
        ASSERT_TRUE(h.ok()) << level << "," << index << ": " << h.status().ToString();
        EXPECT_EQ(*h, *tree_.Reader()(level, index));
      } else {
        EXPECT_EQ(h.status().code(), Code::kNotFound) << level << "," << index;
      }
    }
  }
  EXPECT_EQ(log_->NodeHash(64, 0).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->Leaf(size).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->InclusionProof(size, size).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->InclusionProof(0, size + 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->ConsistencyProof(5, 4).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log_->ConsistencyProof(1, size + 1).status().code(), Code::kInvalidArgument);

  auto receipt = log_->ReceiptFor(11);
  ASSERT_TRUE(receipt.ok());
  EXPECT_TRUE(crypto::VerifyReceipt(*receipt, LeafData(11), log_->VerifierKey()).ok());
  EXPECT_FALSE(crypto::VerifyReceipt(*receipt, LeafData(12), log_->VerifierKey()).ok());
  EXPECT_EQ(log_->ReceiptFor(size).status().code(), Code::kNotFound);
}

TEST_F(TransparencyLogTest, ReadersSeeOnlyThePublishedTree) {
  AppendGroup(3);
  const std::string published = log_->Checkpoint();
  Overlay o(&store_);
  ASSERT_TRUE(TransparencyLog::AppendLeaf(o, 3, LeafData(3)).ok());
  ASSERT_TRUE(log_->SignTree(o, 4).ok());
  WriteSet ws;
  o.AppendTo(ws);
  ASSERT_TRUE(store_.Write(ws).ok());  // written, not yet published
  EXPECT_EQ(log_->Size(), 3u);
  EXPECT_EQ(log_->Checkpoint(), published);
  EXPECT_EQ(log_->Leaf(3).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->NodeHash(2, 0).status().code(), Code::kNotFound);
}

TEST_F(TransparencyLogTest, OpenAcceptsWhatItWrote) {
  AppendGroup(6);
  const std::string checkpoint = log_->Checkpoint();
  auto again = Open();
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->Size(), 6u);
  EXPECT_EQ(again->Checkpoint(), checkpoint);
}

TEST_F(TransparencyLogTest, OpenRefusesAnotherKey) {
  AppendGroup(2);
  auto r = TransparencyLog::Open(&store_, Signer(201));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("server key"));
}

TEST_F(TransparencyLogTest, OpenRefusesALogThatDisagreesWithItsCheckpoint) {
  AppendGroup(6);
  auto refuse = [&](WriteSet change, std::string_view says) {
    MemoryStore copy;
    WriteSet all;
    for (std::size_t c = 0; c < kColumnCount; ++c) {
      ASSERT_TRUE(store_
                      .Scan(static_cast<Column>(c), "", "",
                            [&](std::string_view k, std::string_view v) {
                              all.Put(static_cast<Column>(c), std::string(k), std::string(v));
                              return true;
                            })
                      .ok());
    }
    ASSERT_TRUE(copy.Write(all).ok());
    ASSERT_TRUE(copy.Write(change).ok());
    auto r = TransparencyLog::Open(&copy, Signer());
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_EQ(r.status().code(), Code::kInternal);
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(says)));
  };
  WriteSet truncated;
  truncated.Put(Column::kMeta, std::string(keys::kTreeSize), keys::U64Key(5));
  refuse(std::move(truncated), "does not match its signed checkpoint");
  WriteSet lost_node;
  lost_node.Delete(Column::kLogNodes, keys::NodeKey(2, 0));
  refuse(std::move(lost_node), "log node (2, 0) is missing");
  WriteSet bad_node;
  bad_node.Put(Column::kLogNodes, keys::NodeKey(1, 2), "short");
  refuse(std::move(bad_node), "log node (1, 2) is missing");
  WriteSet edited_leaf;
  edited_leaf.Put(Column::kLogLeaves, keys::LeafKey(5), "another statement");
  refuse(std::move(edited_leaf), "does not match its leaf hash");
  WriteSet no_checkpoint;
  no_checkpoint.Delete(Column::kMeta, std::string(keys::kCheckpoint));
  refuse(std::move(no_checkpoint), "no checkpoint");
}

}  // namespace
}  // namespace signet::registry

namespace signet::registry {
namespace {

TEST_F(TransparencyLogTest, TileReadsAreTheStoredNodesInOneScan) {
  AppendGroup(300);
  AppendGroup(70);
  // Hash tile (0, 1) of width 114 and (1, 0) of width 1: the stored nodes.
  auto tile0 = log_->NodeHashes(0, 256, 114);
  ASSERT_TRUE(tile0.ok()) << tile0.status().ToString();
  std::string expect;
  for (std::uint64_t i = 256; i < 370; ++i) {
    const crypto::Digest d = *tree_.Reader()(0, i);
    expect.append(reinterpret_cast<const char*>(d.data()), d.size());
  }
  EXPECT_EQ(*tile0, expect);
  auto tile1 = log_->NodeHashes(8, 0, 1);
  ASSERT_TRUE(tile1.ok());
  const crypto::Digest top = *tree_.Reader()(8, 0);
  EXPECT_EQ(*tile1, std::string(reinterpret_cast<const char*>(top.data()), 32));
  EXPECT_EQ(log_->NodeHashes(0, 256, 115).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->NodeHashes(8, 0, 2).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->NodeHashes(64, 0, 1).status().code(), Code::kNotFound);
  EXPECT_EQ(log_->NodeHashes(0, 0, 257).status().code(), Code::kInvalidArgument);

  auto leaves = log_->Leaves(256, 114);
  ASSERT_TRUE(leaves.ok()) << leaves.status().ToString();
  ASSERT_EQ(leaves->size(), 114u);
  EXPECT_EQ(leaves->front(), LeafData(256));
  EXPECT_EQ(leaves->back(), LeafData(369));
  EXPECT_EQ(log_->Leaves(369, 2).status().code(), Code::kNotFound);
  // A node missing from the database is an internal error, not a short tile.
  WriteSet ws;
  ws.Delete(Column::kLogNodes, keys::NodeKey(0, 300));
  ASSERT_TRUE(store_.Write(ws).ok());
  auto broken = log_->NodeHashes(0, 256, 114);
  EXPECT_EQ(broken.status().code(), Code::kInternal);
  EXPECT_THAT(broken.status().message(), HasSubstr("(0, 300)"));
}

TEST_F(TransparencyLogTest, TheWitnessedCheckpointIsCheckedDurableAndNeverGoesBack) {
  EXPECT_EQ(log_->WitnessedCheckpoint(), "");
  AppendGroup(10);
  const std::string at10 = log_->Checkpoint();
  AppendGroup(5);
  const std::string at15 = log_->Checkpoint();
  ASSERT_TRUE(log_->PublishWitnessed(at10).ok());
  ASSERT_TRUE(log_->PublishWitnessed(at15).ok());
  EXPECT_EQ(log_->PublishWitnessed(at10).code(), Code::kFailedPrecondition);
  EXPECT_EQ(log_->WitnessedCheckpoint(), at15);
  // Signed by another key, or a tree the log does not hold: refused.
  LogSigner other = Signer(7);
  EXPECT_FALSE(log_->PublishWitnessed(*other.SignCheckpoint(15, tree_.Root())).ok());
  LogSigner mine = Signer();
  EXPECT_EQ(log_->PublishWitnessed(*mine.SignCheckpoint(15, merkle::LeafHash("x"))).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(log_->PublishWitnessed(*mine.SignCheckpoint(16, tree_.Root())).code(),
            Code::kInvalidArgument);
  // Survives a reopen.
  auto reopened = Open();
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->WitnessedCheckpoint(), at15);
}

}  // namespace
}  // namespace signet::registry
