#include "crypto/checkpoint.h"

#include <gtest/gtest.h>

#include "crypto/merkle.h"
#include "crypto/receipt.h"

namespace signet::crypto {
namespace {

constexpr std::string_view kOrigin = "signet.test/log";

note::Signer NewSigner(std::string_view name = kOrigin) {
  return std::move(note::Signer::Create(name, SecretKey::Generate().value())).value();
}

TEST(Checkpoint, FormatParseRoundTrip) {
  Checkpoint c{std::string(kOrigin), 42, merkle::LeafHash("x"), {"ext one", "ext2"}};
  Result<std::string> body = FormatCheckpointBody(c);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "signet.test/log\n42\n" + Base64Encode(ByteView(c.root)) + "\next one\next2\n");
  EXPECT_EQ(*ParseCheckpointBody(*body), c);
  Checkpoint empty{std::string(kOrigin), 0, merkle::EmptyRoot(), {}};
  EXPECT_EQ(*ParseCheckpointBody(*FormatCheckpointBody(empty)), empty);
  EXPECT_FALSE(FormatCheckpointBody({"", 1, {}, {}}).ok());
  EXPECT_FALSE(FormatCheckpointBody({"a\nb", 1, {}, {}}).ok());
  EXPECT_FALSE(FormatCheckpointBody({"a", 1, {}, {""}}).ok());
}

TEST(Checkpoint, ParseRejectsMalformedBodies) {
  const std::string root = Base64Encode(ByteView(merkle::LeafHash("x")));
  const std::string cases[] = {
      "",
      "o\n1\n" + root,          // no final newline
      "o\n1\n",                 // no root
      "\n1\n" + root + "\n",    // empty origin
      "o\n01\n" + root + "\n",  // leading zero
      "o\n-1\n" + root + "\n",  // sign
      "o\n+1\n" + root + "\n",
      "o\n 1\n" + root + "\n",
      "o\n18446744073709551616\n" + root + "\n",  // 2^64
      "o\n1\n" + root.substr(4) + "\n",           // short root
      "o\n1\n" + Base64Encode(std::string(33, 'a')) + "\n",
      "o\n1\n" + root + "\n\n",  // empty extension line
  };
  for (const std::string& c : cases) EXPECT_FALSE(ParseCheckpointBody(c).ok()) << c;
  EXPECT_EQ(ParseCheckpointBody("o\n18446744073709551615\n" + root + "\n")->size,
            18446744073709551615ull);
}

TEST(Checkpoint, SignAndOpen) {
  note::Signer s = NewSigner();
  Checkpoint c{std::string(kOrigin), 7, merkle::LeafHash("y"), {}};
  Result<std::string> n = SignCheckpoint(c, s);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*OpenCheckpoint(*n, s.verifier()), c);
  EXPECT_EQ(*OpenCheckpoint(*n, s.verifier(), kOrigin), c);
  EXPECT_EQ(OpenCheckpoint(*n, s.verifier(), "other/log").status().code(),
            Status::Code::kFailedPrecondition);
  EXPECT_FALSE(OpenCheckpoint(*n, NewSigner().verifier()).ok());
}

// Builds a log of `n` statements and a receipt for leaf `index`.
struct Log {
  note::Signer signer = NewSigner();
  merkle::MemoryTree tree;
  std::vector<std::string> leaves;
  explicit Log(int n) {
    for (int i = 0; i < n; ++i) {
      leaves.push_back("{\"statement\":" + std::to_string(i) + "}");
      tree.Append(leaves.back());
    }
  }
  std::string CheckpointNote() const {
    return *SignCheckpoint({std::string(kOrigin), tree.size(), tree.Root(), {}}, signer);
  }
  Receipt ReceiptFor(std::uint64_t index) const {
    return {index, tree.size(), merkle::LeafHash(leaves[index]),
            *merkle::InclusionProof(index, tree.size(), tree.Reader()), CheckpointNote()};
  }
};

TEST(Receipt, JsonRoundTripAndOfflineVerification) {
  Log log(13);
  const std::string vkey = log.signer.verifier().ToText();
  for (std::uint64_t i = 0; i < 13; ++i) {
    Receipt r = log.ReceiptFor(i);
    const std::string json = ReceiptToJson(r);
    Result<Receipt> back = ParseReceiptJson(json);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, r);
    Result<Checkpoint> cp = VerifyReceipt(*back, log.leaves[i], vkey);
    ASSERT_TRUE(cp.ok()) << cp.status().ToString();
    EXPECT_EQ(cp->size, 13u);
    EXPECT_TRUE(VerifyReceipt(*back, std::nullopt, vkey).ok());
    EXPECT_FALSE(VerifyReceipt(*back, log.leaves[(i + 1) % 13], vkey).ok()) << "other statement";
  }
}

TEST(Receipt, TamperedReceiptsRejected) {
  Log log(9);
  const note::Verifier v = log.signer.verifier();
  const Receipt good = log.ReceiptFor(4);
  ASSERT_TRUE(VerifyReceipt(good, log.leaves[4], v).ok());

  Receipt r = good;
  r.leaf_index = 5;
  EXPECT_FALSE(VerifyReceipt(r, std::nullopt, v).ok()) << "index";
  r = good;
  r.tree_size = 8;
  EXPECT_FALSE(VerifyReceipt(r, std::nullopt, v).ok()) << "size differs from checkpoint";
  r = good;
  r.inclusion_proof[1][0] ^= 1;
  EXPECT_FALSE(VerifyReceipt(r, std::nullopt, v).ok()) << "proof bit";
  r = good;
  r.inclusion_proof.pop_back();
  EXPECT_FALSE(VerifyReceipt(r, std::nullopt, v).ok()) << "proof short";
  r = good;
  r.leaf_hash = merkle::LeafHash("forged");
  EXPECT_FALSE(VerifyReceipt(r, std::nullopt, v).ok()) << "leaf";
  // A checkpoint re-signed by another key for a forged tree does not pass.
  Log forged(9);
  r = good;
  r.checkpoint = forged.CheckpointNote();
  EXPECT_FALSE(VerifyReceipt(r, std::nullopt, v).ok()) << "other log key";
  EXPECT_FALSE(VerifyReceipt(good, std::nullopt, "not a key").ok());
}

TEST(Receipt, StrictJson) {
  Log log(3);
  const std::string json = ReceiptToJson(log.ReceiptFor(1));
  ASSERT_TRUE(ParseReceiptJson(json).ok());
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string s = json;
    const std::size_t p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    return s.replace(p, from.size(), to);
  };
  const std::pair<std::string, std::string> cases[] = {
      {replace("\"leaf_index\":1", "\"leaf_index\":-1"), "leaf_index"},
      {replace("\"leaf_index\":1", "\"leaf_index\":1.5"), "leaf_index"},
      {replace("\"leaf_index\":1", "\"leaf_index\":\"1\""), "leaf_index"},
      {replace("\"leaf_index\":1,", ""), "leaf_index"},
      {replace("\"tree_size\":3", "\"tree_size\":3,\"extra\":0"), "extra"},
      {replace("\"leaf_index\":1", "\"leaf_index\":1,\"leaf_index\":2"), "duplicate"},
      {replace("\"inclusion_proof\":[", "\"inclusion_proof\":[1,"), "inclusion_proof[0]"},
      {replace("\"inclusion_proof\":[\"", "\"inclusion_proof\":[\"AAAA"), "inclusion_proof[0]"},
      {replace("\"checkpoint\":\"", "\"checkpoint\":[\"").insert(json.size(), "]"), "checkpoint"},
  };
  for (const auto& [doc, name] : cases) {
    Result<Receipt> r = ParseReceiptJson(doc);
    ASSERT_FALSE(r.ok()) << doc;
    EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status().message();
  }
}

TEST(Consistency, CheckpointsAndProofDocument) {
  Log log(20);
  const note::Verifier v = log.signer.verifier();
  merkle::MemoryTree old_tree;
  for (int i = 0; i < 11; ++i) old_tree.Append(log.leaves[static_cast<std::size_t>(i)]);
  const std::string old_note =
      *SignCheckpoint({std::string(kOrigin), 11, old_tree.Root(), {}}, log.signer);
  const std::string new_note = log.CheckpointNote();
  ConsistencyProofDoc doc{11, 20, *merkle::ConsistencyProof(11, 20, log.tree.Reader())};
  Result<ConsistencyProofDoc> parsed = ParseConsistencyProofJson(ConsistencyProofToJson(doc));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, doc);
  EXPECT_TRUE(VerifyCheckpointConsistency(old_note, new_note, doc, v).ok());

  // The wrong way round, with wrong sizes, or with a bad hash: rejected.
  EXPECT_FALSE(VerifyCheckpointConsistency(new_note, old_note, doc, v).ok());
  ConsistencyProofDoc wrong = doc;
  wrong.old_size = 10;
  EXPECT_FALSE(VerifyCheckpointConsistency(old_note, new_note, wrong, v).ok());
  wrong = doc;
  wrong.proof[0][5] ^= 0x40;
  EXPECT_FALSE(VerifyCheckpointConsistency(old_note, new_note, wrong, v).ok());

  // A fork: a size-20 tree whose first 11 leaves differ is not consistent.
  merkle::MemoryTree fork;
  for (int i = 0; i < 20; ++i) fork.Append(i == 3 ? std::string("forged") : log.leaves[i]);
  const std::string fork_note =
      *SignCheckpoint({std::string(kOrigin), 20, fork.Root(), {}}, log.signer);
  ConsistencyProofDoc fork_doc{11, 20, *merkle::ConsistencyProof(11, 20, fork.Reader())};
  EXPECT_FALSE(VerifyCheckpointConsistency(old_note, fork_note, fork_doc, v).ok());

  // Checkpoints of another log (other origin) do not mix.
  note::Signer other_origin =
      std::move(note::Signer::Create("other.log", SecretKey::Generate().value())).value();
  EXPECT_FALSE(VerifyCheckpointConsistency(old_note, new_note, doc, other_origin.verifier()).ok());
}

}  // namespace
}  // namespace signet::crypto
