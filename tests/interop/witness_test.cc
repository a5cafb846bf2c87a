// The witness publisher (server/checkpoint_publisher.h) against the Go TEST
// witness (test_witness.go, C2SP tlog-witness + cosignature/v1): cosignatures
// collected and verified, the 409 size exchange, state kept across a witness
// restart, forks refused, quorum counted. The log here is an in-memory tree;
// tests/interop/log_e2e_test.cc runs the same against a real signetd.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "crypto/checkpoint.h"
#include "crypto/cosignature.h"
#include "crypto/merkle.h"
#include "server/checkpoint_publisher.h"
#include "tests/interop/witness_process.h"

namespace signet {
namespace {

namespace fs = std::filesystem;
using server::CheckpointPublisher;
using server::PublisherOptions;
using testing::WitnessProcess;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("signet_witness_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

crypto::SecretKey Key(std::uint8_t b) {
  return crypto::SecretKey::FromSeed(crypto::Bytes(32, b)).value();
}

// A log in memory: signed checkpoints of its current size, proofs, and a
// published checkpoint slot, as the registry offers them to signetd.
class MemoryLog {
 public:
  explicit MemoryLog(std::uint8_t key_byte, std::string leaf_prefix = "leaf ")
      : signer_(crypto::note::Signer::Create("witness.test/log", Key(key_byte)).value()),
        prefix_(std::move(leaf_prefix)) {}
  void Grow(int n) {
    std::lock_guard l(mu_);
    for (int i = 0; i < n; ++i) tree_.Append(prefix_ + std::to_string(tree_.size()));
  }
  server::PublisherLog Access() {
    server::PublisherLog a;
    a.latest_checkpoint = [this] {
      std::lock_guard l(mu_);
      return *crypto::SignCheckpoint({"witness.test/log", tree_.size(), tree_.Root(), {}}, signer_);
    };
    a.consistency_proof = [this](std::uint64_t o, std::uint64_t n) {
      std::lock_guard l(mu_);
      return crypto::merkle::ConsistencyProof(o, n, tree_.Reader());
    };
    a.published_checkpoint = [this] {
      std::lock_guard l(mu_);
      return published_;
    };
    a.publish = [this](const std::string& note) {
      std::lock_guard l(mu_);
      published_ = note;
      return Status::Ok();
    };
    return a;
  }
  crypto::note::Verifier key() const { return signer_.verifier(); }
  std::string published() {
    std::lock_guard l(mu_);
    return published_;
  }
  std::uint64_t size() {
    std::lock_guard l(mu_);
    return tree_.size();
  }

 private:
  std::mutex mu_;
  crypto::note::Signer signer_;
  std::string prefix_;
  crypto::merkle::MemoryTree tree_;
  std::string published_;
};

server::WitnessConfig ConfigFor(const WitnessProcess& w) {
  return *server::ParseWitnessSetting(w.name() + " " + w.vkey() + " " + w.url());
}

PublisherOptions Options(std::vector<server::WitnessConfig> ws, std::size_t quorum) {
  PublisherOptions o;
  o.witnesses = std::move(ws);
  o.quorum = quorum;
  o.request_timeout = std::chrono::seconds(5);
  o.backoff = std::chrono::milliseconds(20);
  o.refresh = std::chrono::hours(1);
  return o;
}

class WitnessTest : public ::testing::Test {
 protected:
  std::unique_ptr<WitnessProcess> StartWitness(const std::string& name,
                                               std::vector<std::string> log_keys,
                                               const std::string& state = "",
                                               std::vector<std::string> extra = {}) {
    auto w = std::make_unique<WitnessProcess>(TEST_WITNESS_BIN,
                                              dir_.path() / (state.empty() ? name : state), name,
                                              std::move(log_keys), std::move(extra));
    EXPECT_TRUE(w->Start()) << name;
    return w;
  }
  TempDir dir_;
};

TEST_F(WitnessTest, CosignaturesAreCollectedVerifiedAndPublished) {
  MemoryLog log(1);
  log.Grow(5);
  auto w1 = StartWitness("w1.test", {log.key().ToText()});
  auto w2 = StartWitness("w2.test", {log.key().ToText()});
  CheckpointPublisher pub(log.Access(), log.key(), Options({ConfigFor(*w1), ConfigFor(*w2)}, 2));
  Status st = pub.PublishOnce();
  ASSERT_TRUE(st.ok()) << st.message();
  crypto::cosig::WitnessPolicy policy{{*crypto::cosig::CosignatureVerifier::Parse(w1->vkey()),
                                       *crypto::cosig::CosignatureVerifier::Parse(w2->vkey())},
                                      2};
  auto cp = crypto::cosig::OpenWitnessedCheckpoint(log.published(), log.key(), policy);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->checkpoint.size, 5u);
  EXPECT_EQ(cp->cosignatures.size(), 2u);

  // The log grows: the witnesses get a consistency proof from size 5.
  log.Grow(300);
  ASSERT_TRUE(pub.PublishOnce().ok());
  cp = crypto::cosig::OpenWitnessedCheckpoint(log.published(), log.key(), policy);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->checkpoint.size, 305u);
  EXPECT_NE(w1->LogText().find("200 witness.test/log size 305 (from 5)"), std::string::npos)
      << w1->LogText();

  // Nothing new: no round trip.
  const std::string before = w1->LogText();
  ASSERT_TRUE(pub.PublishOnce().ok());
  EXPECT_EQ(w1->LogText(), before);
}

TEST_F(WitnessTest, AFreshPublisherLearnsTheWitnessSizeFrom409AndAWitnessRestartKeepsIt) {
  MemoryLog log(1);
  log.Grow(40);
  auto w1 = StartWitness("w1.test", {log.key().ToText()});
  {
    CheckpointPublisher pub(log.Access(), log.key(), Options({ConfigFor(*w1)}, 1));
    ASSERT_TRUE(pub.PublishOnce().ok());
  }
  // The witness restarts on its state; signetd restarts knowing nothing.
  w1->Stop();
  auto again = StartWitness("w1.test", {log.key().ToText()}, "w1.test");
  EXPECT_EQ(again->vkey(), w1->vkey()) << "same key from its state directory";
  log.Grow(10);
  CheckpointPublisher pub(log.Access(), log.key(), Options({ConfigFor(*again)}, 1));
  Status st = pub.PublishOnce();
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << again->LogText();
  EXPECT_NE(again->LogText().find("409 old size 0, latest cosigned 40"), std::string::npos)
      << again->LogText();
  EXPECT_NE(again->LogText().find("size 50 (from 40)"), std::string::npos);
}

TEST_F(WitnessTest, AForkedLogIsRefusedAndItsCheckpointNotPublished) {
  MemoryLog honest(1);
  honest.Grow(20);
  auto w1 = StartWitness("w1.test", {honest.key().ToText()});
  CheckpointPublisher a(honest.Access(), honest.key(), Options({ConfigFor(*w1)}, 1));
  ASSERT_TRUE(a.PublishOnce().ok());

  // Same key and origin, other entries: a split view, larger...
  MemoryLog fork(1, "forked leaf ");
  fork.Grow(30);
  CheckpointPublisher b(fork.Access(), fork.key(), Options({ConfigFor(*w1)}, 1));
  Status st = b.PublishOnce();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("HTTP 422"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("not consistent with what it cosigned"), std::string::npos);
  EXPECT_TRUE(fork.published().empty());
  // ...of the same size (another root)...
  MemoryLog same_size(1, "other leaf ");
  same_size.Grow(20);
  CheckpointPublisher c(same_size.Access(), same_size.key(), Options({ConfigFor(*w1)}, 1));
  st = c.PublishOnce();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("HTTP 422"), std::string::npos) << st.message();
  // ...or smaller than what the witness cosigned.
  MemoryLog smaller(1, "small leaf ");
  smaller.Grow(10);
  CheckpointPublisher d(smaller.Access(), smaller.key(), Options({ConfigFor(*w1)}, 1));
  st = d.PublishOnce();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("larger than this log's 10"), std::string::npos) << st.message();

  // The witness still holds the honest view and goes on cosigning it.
  honest.Grow(5);
  st = a.PublishOnce();
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST_F(WitnessTest, QuorumCountsOnlyWitnessesThatCosigned) {
  MemoryLog log(1);
  log.Grow(3);
  auto w1 = StartWitness("w1.test", {log.key().ToText()});
  // w2 trusts another key for this origin: 403.
  MemoryLog impostor(2);
  auto w2 = StartWitness("w2.test", {impostor.key().ToText()});
  // w3 is not running at all.
  server::WitnessConfig w3 = ConfigFor(*w1);
  w3.name = "w3.test";
  w3.url = "http://127.0.0.1:1";
  {
    CheckpointPublisher pub(log.Access(), log.key(),
                            Options({ConfigFor(*w1), ConfigFor(*w2), w3}, 2));
    Status st = pub.PublishOnce();
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message().find("cosigned by 1 of the 2 witnesses required"), std::string::npos)
        << st.message();
    EXPECT_NE(st.message().find("HTTP 403"), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("w3.test"), std::string::npos) << st.message();
    EXPECT_TRUE(log.published().empty());
    bool counted = false;
    for (const auto& g : pub.Gauges()) {
      if (g.name == "signet_log_witness_failed_rounds") counted = g.value == 1;
      // Every family announces its help with its first series (promtool).
      if (g.name.find('{') == std::string::npos) {
        EXPECT_FALSE(g.help.empty()) << g.name;
      }
    }
    EXPECT_TRUE(counted);
  }
  CheckpointPublisher pub(log.Access(), log.key(),
                          Options({ConfigFor(*w1), ConfigFor(*w2), w3}, 1));
  ASSERT_TRUE(pub.PublishOnce().ok());
  crypto::cosig::WitnessPolicy policy{{*crypto::cosig::CosignatureVerifier::Parse(w1->vkey()),
                                       *crypto::cosig::CosignatureVerifier::Parse(w2->vkey())},
                                      2};
  auto cp = crypto::cosig::OpenWitnessedCheckpoint(log.published(), log.key(), policy);
  EXPECT_FALSE(cp.ok()) << "one cosignature does not satisfy 2 of 2";
  policy.required = 1;
  EXPECT_TRUE(crypto::cosig::OpenWitnessedCheckpoint(log.published(), log.key(), policy).ok());
}

TEST_F(WitnessTest, AWitnessCannotSlipInALineUnderAnotherWitnessName) {
  MemoryLog log(1);
  log.Grow(4);
  auto w2 = StartWitness("w2.test", {log.key().ToText()});
  // w1 answers its cosignature plus a bogus line under w2's name and key id.
  auto w1 = StartWitness("w1.test", {log.key().ToText()}, "", {"-forge", w2->vkey()});
  CheckpointPublisher pub(log.Access(), log.key(), Options({ConfigFor(*w1)}, 1));
  Status st = pub.PublishOnce();
  ASSERT_TRUE(st.ok()) << st.message();
  // The published checkpoint stays verifiable by everyone who trusts w2.
  crypto::cosig::WitnessPolicy policy{{*crypto::cosig::CosignatureVerifier::Parse(w1->vkey()),
                                       *crypto::cosig::CosignatureVerifier::Parse(w2->vkey())},
                                      1};
  auto cp = crypto::cosig::OpenWitnessedCheckpoint(log.published(), log.key(), policy);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString() << "\n" << log.published();
  ASSERT_EQ(cp->cosignatures.size(), 1u);
  EXPECT_EQ(cp->cosignatures[0].witness, "w1.test");
}

TEST(WitnessSetting, ParsesNameKeyAndUrl) {
  auto w = crypto::cosig::Cosigner::Create("w.test", Key(3)).value();
  auto ok = server::ParseWitnessSetting("w1 " + w.verifier().ToText() + " http://127.0.0.1:9/w");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->name, "w1");
  EXPECT_FALSE(server::ParseWitnessSetting("w1 " + w.verifier().ToText()).ok());
  EXPECT_FALSE(server::ParseWitnessSetting("w{1} " + w.verifier().ToText() + " http://h:1").ok());
  EXPECT_FALSE(server::ParseWitnessSetting("w1 notakey http://h:1").ok());
  EXPECT_FALSE(server::ParseWitnessSetting("w1 " + w.verifier().ToText() + " ftp://h").ok());
}

}  // namespace
}  // namespace signet
