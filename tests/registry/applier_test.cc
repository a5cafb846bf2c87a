// The statement state machine on its own: StatementApplier over an in-memory
// Store, without the writer thread or a fingerprint index (a fixed
// OverlapFinder stands in), with real Ed25519 signatures.
#include "registry/applier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "registry/keys.h"
#include "registry/records.h"
#include "registry/submission.h"
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

constexpr Micros kSecond = 1000000;
constexpr Micros kSkew = 300 * kSecond;

// The works the index "finds", whatever the query.
class FixedFinder : public OverlapFinder {
 public:
  Result<std::vector<Overlap>> FindOverlaps(std::span<const std::uint32_t>,
                                            const EarlySearch* early) const override {
    ++calls;
    saw_early = early != nullptr;
    return overlaps;
  }
  std::vector<Overlap> overlaps;
  mutable int calls = 0;
  mutable bool saw_early = false;
};

class ApplierTest : public ::testing::Test {
 protected:
  ApplierTest()
      : alice_(TestArtist::FromSeedByte(1, "Alice")),
        bob_(TestArtist::FromSeedByte(2, "Bob")),
        carol_(TestArtist::FromSeedByte(3, "Carol")) {}

  // Decides and applies one statement as the writer does, and stores it.
  Result<Applied> Submit(const std::string& envelope) {
    SIGNET_ASSIGN_OR_RETURN(Submission s, ParseSubmission(envelope, now_, kSkew));
    SIGNET_RETURN_IF_ERROR(PreVerify(s, store_));
    Overlay o(&store_);
    SIGNET_ASSIGN_OR_RETURN(Decision d, applier_.Decide(s, o, size_, now_));
    records::Counters counters = counters_;
    SIGNET_ASSIGN_OR_RETURN(Applied a, applier_.Apply(s, d, o, counters));
    WriteSet ws;
    o.AppendTo(ws);
    SIGNET_RETURN_IF_ERROR(store_.Write(ws));
    counters_ = counters;
    ++size_;
    now_ += kSecond;
    decided_.push_back({envelope, d});
    return a;
  }

  Applied MustApply(const std::string& envelope) {
    auto r = Submit(envelope);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : Applied{};
  }

  // Expects a rejection with `code` whose message contains `says`, and no change.
  void MustReject(const std::string& envelope, Code code, std::string_view says) {
    const MemoryStore::Contents before = store_.contents();
    const std::uint64_t size = size_;
    auto r = Submit(envelope);
    ASSERT_FALSE(r.ok()) << says;
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_THAT(r.status().message(), HasSubstr(std::string(says)));
    EXPECT_EQ(size_, size);
    EXPECT_EQ(store_.contents(), before);
  }

  Work StoredWork(const std::string& id) {
    auto v = store_.Get(Column::kWorks, id);
    EXPECT_TRUE(v.ok() && *v) << id;
    return v.ok() && *v ? *records::DecodeWork(**v) : Work{};
  }
  Artist StoredArtist(const std::string& id) {
    auto v = store_.Get(Column::kArtists, id);
    EXPECT_TRUE(v.ok() && *v) << id;
    return v.ok() && *v ? *records::DecodeArtist(**v) : Artist{};
  }
  Dispute StoredDispute(const std::string& id) {
    auto v = store_.Get(Column::kDisputes, id);
    EXPECT_TRUE(v.ok() && *v) << id;
    return v.ok() && *v ? *records::DecodeDispute(**v) : Dispute{};
  }

  static WorkSpec Spec(std::uint64_t seed) {
    WorkSpec s;
    s.values = RandomFingerprint(seed, 200);
    return s;
  }

  MemoryStore store_;
  FixedFinder finder_;
  StatementApplier applier_{finder_};
  records::Counters counters_;
  std::uint64_t size_ = 0;
  Micros now_ = kTestNow;
  std::vector<std::pair<std::string, Decision>> decided_;
  TestArtist alice_, bob_, carol_;
};

TEST_F(ApplierTest, ArtistStatementsWriteTheArtistTheLeafAndTheStatementId) {
  const std::string env = alice_.Register(R"("isni":"0000 0001 2103 2683")");
  Applied a = MustApply(env);
  EXPECT_EQ(a.accepted.log_index, 0u);
  EXPECT_EQ(a.accepted.accepted_at, kTestNow);
  Artist stored = StoredArtist(alice_.id());
  EXPECT_EQ(stored.display_name, "Alice");
  EXPECT_EQ(stored.isni, "0000000121032683");
  EXPECT_EQ(stored.last_seq, 1u);
  EXPECT_EQ(stored.registered_at, kTestNow);
  EXPECT_EQ(counters_.artists, 1u);
  EXPECT_EQ(*store_.Get(Column::kLogLeaves, keys::LeafKey(0)), env);
  EXPECT_EQ(*store_.Get(Column::kStatementIds, a.accepted.statement_id), keys::U64Key(0));
  EXPECT_EQ(store_.size(Column::kLogNodes), 1u);  // the leaf hash

  MustApply(alice_.SetDefaultTerms(R"({"data_mining":{"use":"notAllowed"}})"));
  EXPECT_TRUE(StoredArtist(alice_.id()).default_terms.has_value());
  EXPECT_EQ(store_.size(Column::kTermsHistory), 1u);

  Applied rot = MustApply(alice_.RotateKey(testing::KeyFromSeedByte(50)));
  EXPECT_EQ(rot.accepted.artist->current_key, testing::KeyFromSeedByte(50).public_key());
  Artist rotated = StoredArtist(alice_.id());
  ASSERT_EQ(rotated.previous_keys.size(), 1u);
  EXPECT_EQ(rotated.previous_keys[0], testing::KeyFromSeedByte(1).public_key());
  EXPECT_EQ(rotated.last_seq, 3u);
  EXPECT_EQ(store_.size(Column::kLogNodes), 4u);  // 3 leaves + node (1, 0)
  EXPECT_FALSE(rot.index.add_ref || rot.index.remove_ref);
}

TEST_F(ApplierTest, EveryRejectionSaysWhyAndChangesNothing) {
  MustApply(alice_.Register());
  MustApply(bob_.Register());
  const std::string a_work = *MustApply(alice_.RegisterWork(Spec(1))).accepted.work_id;
  const std::string a_other = *MustApply(alice_.RegisterWork(Spec(2))).accepted.work_id;
  const std::string a_gone = *MustApply(alice_.RegisterWork(Spec(3))).accepted.work_id;
  MustApply(alice_.Withdraw(a_gone));
  const std::string b_work = *MustApply(bob_.RegisterWork(Spec(4))).accepted.work_id;

  // Who may sign.
  MustReject(alice_.Register(), Code::kAlreadyExists, "already registered");
  MustReject(carol_.SetDefaultTerms("{}"), Code::kFailedPrecondition,
             "not registered; submit artist.register first");
  const std::string forged =
      testing::SignEnvelope(testing::Payload("artist.default_terms", alice_.id(), 99,
                                             "2026-01-02T03:04:05Z", R"("terms":{})"),
                            bob_.key());
  MustReject(forged, Code::kUnauthenticated, "does not verify with the current key");
  const std::string replayed = alice_.SetDefaultTerms("{}");
  MustApply(replayed);
  MustReject(replayed, Code::kAlreadyExists, "already accepted at log index");
  alice_.set_last_seq(2);
  MustReject(alice_.SetDefaultTerms(R"({"search":{"use":"allowed"}})"), Code::kFailedPrecondition,
             "use seq 8 or higher");
  alice_.set_last_seq(7);

  // Works: only the artist's own, live ones.
  MustReject(bob_.SetWorkTerms(a_work, "{}"), Code::kPermissionDenied, "belongs to another artist");
  MustReject(bob_.Withdraw(a_work), Code::kPermissionDenied, "only its artist may withdraw it");
  MustReject(alice_.SetWorkTerms("wk_0123456789abcdef0123456789abcdef", "{}"), Code::kNotFound,
             "is not registered");
  MustReject(alice_.SetWorkTerms(a_gone, "{}"), Code::kFailedPrecondition, "is withdrawn");

  // Disputes.
  MustReject(alice_.OpenDispute(a_work, a_other, "x"), Code::kInvalidArgument, "your own work");
  MustReject(bob_.OpenDispute(b_work, a_gone, "x"), Code::kFailedPrecondition, "is withdrawn");
  MustReject(bob_.OpenDispute(b_work, "wk_0123456789abcdef0123456789abcdef", "x"), Code::kNotFound,
             "is not registered");
  const std::string dispute =
      *MustApply(bob_.OpenDispute(b_work, a_work, "mine")).accepted.dispute_id;
  MustReject(alice_.OpenDispute(a_work, b_work, "no, mine"), Code::kAlreadyExists, "already open");
  MustReject(alice_.ResolveDispute("dp_0123456789abcdef0123456789abcdef", "x"), Code::kNotFound,
             "does not exist");
  MustApply(carol_.Register());
  MustReject(carol_.ResolveDispute(dispute, "x"), Code::kPermissionDenied, "only the two artists");
  MustApply(alice_.ResolveDispute(dispute, "agreed"));
  MustReject(bob_.ResolveDispute(dispute, "again"), Code::kFailedPrecondition, "already resolved");

  // Keys: a rotated-away key, and a rotation to a key used before.
  TestArtist old_alice = TestArtist::FromSeedByte(1, "Alice");
  old_alice.set_last_seq(100);
  MustApply(alice_.RotateKey(testing::KeyFromSeedByte(60)));
  MustReject(old_alice.SetDefaultTerms("{}"), Code::kPermissionDenied, "rotated away from");
  MustReject(alice_.RotateKey(testing::KeyFromSeedByte(1)), Code::kFailedPrecondition,
             "already used by this artist");
}

TEST_F(ApplierTest, WorkRegisterOpensDisputesWithTheOtherArtistsLiveWorks) {
  MustApply(alice_.Register());
  MustApply(bob_.Register());
  MustApply(carol_.Register());
  const std::string a_work = *MustApply(alice_.RegisterWork(Spec(1))).accepted.work_id;
  const std::string a_gone = *MustApply(alice_.RegisterWork(Spec(2))).accepted.work_id;
  MustApply(alice_.Withdraw(a_gone));
  const std::string b_own = *MustApply(bob_.RegisterWork(Spec(3))).accepted.work_id;
  const std::string c_work = *MustApply(carol_.RegisterWork(Spec(4))).accepted.work_id;

  const WorkSpec spec = Spec(5);
  const std::string b_work = WorkIdFor(bob_.id(), spec.values);
  // Spec's recordings are 200 positions (24.8 s): 12 s shared is substantial.
  finder_.overlaps = {{a_work, 40, 24},
                      {b_work, 99, 24},  // itself
                      {a_gone, 30, 24},  // withdrawn
                      {b_own, 20, 12},   // the same artist's, not the same recording
                      {"wk_0123456789abcdef0123456789abcdef", 10, 24},
                      {c_work, 12, 12},
                      {a_work, 5, 24}};  // found twice
  const std::string env = bob_.RegisterWork(spec);
  Applied a = MustApply(env);
  EXPECT_EQ(decided_.back().second.disputes,
            (std::vector<Overlap>{{a_work, 40, 24}, {c_work, 12, 12}}));
  EXPECT_EQ(a.index.add_ref, a.accepted.log_index);
  ASSERT_EQ(a.accepted.opened_disputes.size(), 2u);
  const Dispute& d = a.accepted.opened_disputes[0];
  EXPECT_EQ(d.id, keys::DisputeIdFor(a_work, b_work));
  EXPECT_EQ(d.work_a, a_work);  // the earlier registration
  EXPECT_EQ(d.artist_a, alice_.id());
  EXPECT_EQ(d.work_b, b_work);
  EXPECT_EQ(d.opened_by, "registry");
  EXPECT_EQ(d.match_score, 40);
  EXPECT_EQ(d.open_log_index, a.accepted.log_index);
  EXPECT_THAT(d.reason, HasSubstr(a_work));
  EXPECT_EQ(StoredDispute(d.id).state, DisputeState::kOpen);
  EXPECT_EQ(StoredWork(a_work).open_disputes, std::vector<std::string>{d.id});
  EXPECT_EQ(StoredWork(b_work).open_disputes,
            (std::vector<std::string>{d.id, a.accepted.opened_disputes[1].id}));
  EXPECT_EQ(counters_.disputes, 2u);
  EXPECT_EQ(counters_.open_disputes, 2u);

  // Withdrawing ends the work's disputes and drops it from the index; coming
  // back reopens the same disputes (same ids, not new ones).
  Applied w = MustApply(bob_.Withdraw(b_work));
  EXPECT_EQ(w.index.remove_ref, a.accepted.log_index);
  EXPECT_EQ(StoredDispute(d.id).state, DisputeState::kResolved);
  EXPECT_EQ(StoredDispute(d.id).resolution, "work " + b_work + " withdrawn by its artist");
  EXPECT_TRUE(StoredWork(a_work).open_disputes.empty());
  EXPECT_TRUE(StoredWork(b_work).open_disputes.empty());
  auto fp = records::DecodeFingerprint(
      **store_.Get(Column::kFingerprints, keys::FingerprintKey(a.accepted.log_index)));
  EXPECT_FALSE(fp->live);
  EXPECT_EQ(counters_.open_disputes, 0u);
  EXPECT_EQ(counters_.withdrawn_works, 2u);

  finder_.overlaps = {{a_work, 41, 20}};
  Applied back = MustApply(bob_.RegisterWork(spec));
  EXPECT_EQ(back.index.add_ref, a.accepted.log_index);  // the ref stays the first registration's
  ASSERT_EQ(back.accepted.opened_disputes.size(), 1u);
  EXPECT_EQ(back.accepted.opened_disputes[0].id, d.id);
  EXPECT_EQ(counters_.disputes, 2u);
  EXPECT_EQ(counters_.open_disputes, 1u);
  EXPECT_EQ(counters_.withdrawn_works, 1u);
}

// registry/STATEMENTS.md "Disputes": only substantial overlaps open one
// (>= 10 s and >= 30 % of the shorter recording).
TEST_F(ApplierTest, ADisputeOpensOnlyForASubstantialOverlap) {
  MustApply(alice_.Register());
  MustApply(bob_.Register());
  const std::string a_work = *MustApply(alice_.RegisterWork(Spec(1))).accepted.work_id;
  finder_.overlaps = {{a_work, 30, 3.2}};  // a few seconds in common: nothing
  EXPECT_TRUE(MustApply(bob_.RegisterWork(Spec(2))).accepted.opened_disputes.empty());
  finder_.overlaps = {{a_work, 30, 9.9}};  // just under the 10 s minimum
  EXPECT_TRUE(MustApply(bob_.RegisterWork(Spec(3))).accepted.opened_disputes.empty());
  // Two 247.6 s recordings sharing 20 s: under 30 % of the shorter, nothing.
  WorkSpec a_long, b_long;
  a_long.values = RandomFingerprint(40, 2000);
  b_long.values = RandomFingerprint(41, 2000);
  const std::string a_long_work = *MustApply(alice_.RegisterWork(a_long)).accepted.work_id;
  finder_.overlaps = {{a_long_work, 30, 20}};
  EXPECT_TRUE(MustApply(bob_.RegisterWork(b_long)).accepted.opened_disputes.empty());
  // 10 s of the 24.8 s work (40 %): substantial.
  finder_.overlaps = {{a_work, 30, 10}};
  EXPECT_EQ(MustApply(bob_.RegisterWork(Spec(4))).accepted.opened_disputes.size(), 1u);
}

// The same artist's re-encode of a registered recording is that recording:
// refused as already registered, naming the work, with nothing changed.
TEST_F(ApplierTest, TheSameArtistsReEncodeIsAlreadyRegistered) {
  MustApply(alice_.Register());
  const std::string a_work = *MustApply(alice_.RegisterWork(Spec(1))).accepted.work_id;
  const std::uint64_t size = size_;
  finder_.overlaps = {{a_work, 60, 23.5}};  // covers 95 % of both
  auto s = ParseSubmission(alice_.RegisterWork(Spec(2)), now_, kSkew);
  ASSERT_TRUE(s.ok());
  Overlay o(&store_);
  auto d = applier_.Decide(*s, o, size_, now_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(d.status().field(), "fingerprint");
  EXPECT_THAT(d.status().message(), HasSubstr("same recording as " + a_work));
  EXPECT_EQ(d.status().work_id(), a_work);
  EXPECT_EQ(size_, size);
  finder_.overlaps = {{a_work, 60, 12}};  // half of it: a different recording of hers
  EXPECT_TRUE(MustApply(alice_.RegisterWork(Spec(3))).accepted.work_id.has_value());
}

TEST_F(ApplierTest, ReRegisteringALiveWorkReplacesMetadataWithoutASearch) {
  MustApply(alice_.Register());
  WorkSpec spec = Spec(1);
  const std::string id = *MustApply(alice_.RegisterWork(spec)).accepted.work_id;
  EXPECT_EQ(finder_.calls, 1);
  finder_.overlaps = {{"wk_0123456789abcdef0123456789abcdef", 50}};
  spec.title = "New title";
  Applied again = MustApply(alice_.RegisterWork(spec));
  EXPECT_EQ(finder_.calls, 1);
  EXPECT_EQ(*again.accepted.work_id, id);
  EXPECT_FALSE(again.index.add_ref.has_value());
  EXPECT_EQ(StoredWork(id).title, "New title");
  EXPECT_EQ(StoredWork(id).register_log_index, 1u);
  EXPECT_EQ(counters_.works, 1u);
}

TEST_F(ApplierTest, TheEarlySearchIsHandedToTheFinder) {
  MustApply(alice_.Register());
  auto s = ParseSubmission(alice_.RegisterWork(Spec(1)), now_, kSkew);
  ASSERT_TRUE(s.ok());
  Overlay o(&store_);
  ASSERT_TRUE(applier_.Decide(*s, o, size_, now_).ok());
  EXPECT_FALSE(finder_.saw_early);
  s->early_search = EarlySearch{};
  ASSERT_TRUE(applier_.Decide(*s, o, size_, now_).ok());
  EXPECT_TRUE(finder_.saw_early);
}

// A replica applies the decided statements without deciding (no clock, no
// index, no signature checks) and ends with the same bytes.
TEST_F(ApplierTest, DecidedStatementsReplayToByteIdenticalState) {
  MustApply(alice_.Register());
  MustApply(bob_.Register());
  const std::string a_work = *MustApply(alice_.RegisterWork(Spec(1))).accepted.work_id;
  MustApply(alice_.SetWorkTerms(a_work, R"({"ai_training":{"use":"notAllowed"}})"));
  finder_.overlaps = {{a_work, 33.25, 24}};
  const std::string b_work = *MustApply(bob_.RegisterWork(Spec(1))).accepted.work_id;
  finder_.overlaps.clear();
  const std::string b_two = *MustApply(bob_.RegisterWork(Spec(2))).accepted.work_id;
  const std::string dp = *MustApply(alice_.OpenDispute(a_work, b_two, "x")).accepted.dispute_id;
  MustApply(bob_.ResolveDispute(dp, "fine"));
  MustApply(bob_.Withdraw(b_work));
  MustApply(alice_.RotateKey(testing::KeyFromSeedByte(70)));
  MustApply(alice_.SetDefaultTerms(R"({"search":{"use":"allowed"}})"));

  MemoryStore replica;
  FixedFinder must_not_search;
  StatementApplier follower(must_not_search);
  records::Counters counters;
  for (const auto& [envelope, decision] : decided_) {
    auto s = ParseSubmission(envelope, decision.accepted_at, kSkew);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Overlay o(&replica);
    auto a = follower.Apply(*s, decision, o, counters);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    WriteSet ws;
    o.AppendTo(ws);
    ASSERT_TRUE(replica.Write(ws).ok());
  }
  EXPECT_EQ(must_not_search.calls, 0);
  EXPECT_EQ(replica.contents(), store_.contents());
  EXPECT_EQ(records::EncodeCounters(counters), records::EncodeCounters(counters_));
}

TEST_F(ApplierTest, ApplyOnAStateThatLacksWhatWasDecidedIsInternal) {
  MustApply(alice_.Register());
  const std::string work = *MustApply(alice_.RegisterWork(Spec(1))).accepted.work_id;
  MustApply(alice_.SetWorkTerms(work, "{}"));

  MemoryStore diverged;  // holds nothing
  records::Counters counters;
  const auto& [envelope, decision] = decided_.back();
  auto s = ParseSubmission(envelope, decision.accepted_at, kSkew);
  ASSERT_TRUE(s.ok());
  Overlay o(&diverged);
  auto a = applier_.Apply(*s, decision, o, counters);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kInternal);
  EXPECT_THAT(a.status().message(), HasSubstr("decided against"));
}

}  // namespace
}  // namespace signet::registry
