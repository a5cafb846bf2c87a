// The registry end to end below the API: real RocksDB in a temp dir, real
// Ed25519 signatures, real corpus recordings, the real fingerprint matcher.
#include "registry/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "common/temp_dir.h"
#include "crypto/checkpoint.h"
#include "crypto/dsse.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "crypto/receipt.h"
#include "fingerprint/extract.h"
#include "fingerprint/landmark_codec.h"
#include "registry/rocksdb_store.h"
#include "registry/store.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

using ::testing::HasSubstr;
using testing::kTestNow;
using testing::RandomFingerprint;
using testing::TestArtist;
using testing::WorkSpec;
using Code = Status::Code;

constexpr Micros kSecond = 1000000;
constexpr const char* kCorpus = "/usr/share/games/wesnoth/1.16/data/core/music/";

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest()
      : server_key_(std::make_shared<crypto::SecretKey>(testing::KeyFromSeedByte(200))),
        alice_(TestArtist::FromSeedByte(1, "Alice")),
        bob_(TestArtist::FromSeedByte(2, "Bob")) {
    Reopen();
  }

  void Reopen() {
    reg_.reset();
    RegistryOptions o;
    o.log_origin = "signet.test/log";
    o.server_key = server_key_;
    o.clock = [this] { return now_.load(); };
    auto r = Registry::Open(dir_.path(), std::move(o));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    reg_ = std::move(*r);
  }

  Accepted MustSubmit(const std::string& envelope) {
    auto r = reg_->Submit(envelope);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : Accepted{};
  }

  // Submits, expects rejection with `code`, and checks that nothing changed.
  Status MustReject(const std::string& envelope, Code code) {
    const std::uint64_t size = reg_->LogSize();
    const std::string checkpoint = reg_->Checkpoint();
    auto r = reg_->Submit(envelope);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return Status::Ok();
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_EQ(reg_->LogSize(), size);
    EXPECT_EQ(reg_->Checkpoint(), checkpoint);
    return r.status();
  }

  void ExpectReceiptVerifies(const Accepted& a, const std::string& envelope) {
    auto cp = crypto::VerifyReceipt(a.receipt, envelope, reg_->VerifierKey());
    EXPECT_TRUE(cp.ok()) << cp.status().ToString();
    EXPECT_EQ(a.receipt.leaf_index, a.log_index);
  }

  TempDir dir_ = *TempDir::Create("signet-registry");
  std::shared_ptr<crypto::SecretKey> server_key_;
  std::atomic<Micros> now_{kTestNow};
  std::unique_ptr<Registry> reg_;
  TestArtist alice_;
  TestArtist bob_;
};

TEST_F(RegistryTest, RegisterArtistWithReceipt) {
  EXPECT_EQ(reg_->LogSize(), 0u);
  const std::string env = alice_.Register(R"("isni":"0000 0001 2103 2683")");
  Accepted a = MustSubmit(env);
  EXPECT_EQ(a.type, StatementType::kArtistRegister);
  EXPECT_EQ(a.artist_id, alice_.id());
  EXPECT_EQ(a.log_index, 0u);
  ASSERT_TRUE(a.artist.has_value());
  EXPECT_EQ(a.artist->display_name, "Alice");
  EXPECT_EQ(a.artist->isni, "0000000121032683");
  ExpectReceiptVerifies(a, env);
  EXPECT_EQ(*reg_->LogEntry(0), env);

  auto got = reg_->GetArtist(alice_.id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->current_key, alice_.key().public_key());
  EXPECT_EQ(got->last_seq, 1u);
  EXPECT_EQ(reg_->GetArtist("ar_nobody").status().code(), Code::kNotFound);

  // A second registration of the same id.
  MustReject(alice_.Register(), Code::kAlreadyExists);
}

TEST_F(RegistryTest, EveryStatementType) {
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());
  Accepted def = MustSubmit(alice_.SetDefaultTerms(R"({"data_mining":{"use":"notAllowed"}})"));
  ASSERT_TRUE(def.artist->default_terms.has_value());

  WorkSpec spec;
  spec.values = RandomFingerprint(10, 400);
  spec.isrc = "US-RC1-76-07839";
  spec.iswc = "T-034.524.680-1";
  spec.sha256 = std::string(64, 'b');
  Accepted w = MustSubmit(alice_.RegisterWork(spec));
  ASSERT_TRUE(w.work_id.has_value());
  EXPECT_EQ(*w.work_id, WorkIdFor(alice_.id(), spec.values));
  EXPECT_EQ(w.work->isrc, "USRC17607839");
  EXPECT_EQ(w.work->fingerprint_length, 400u);
  EXPECT_TRUE(w.opened_disputes.empty());
  EXPECT_EQ(reg_->GetArtist(alice_.id())->work_count, 1u);

  Accepted t = MustSubmit(alice_.SetWorkTerms(*w.work_id, R"({"search":{"use":"allowed"}})"));
  ASSERT_TRUE(t.work->terms.has_value());

  WorkSpec bspec;
  bspec.values = RandomFingerprint(11, 300);
  Accepted bw = MustSubmit(bob_.RegisterWork(bspec));
  Accepted open = MustSubmit(bob_.OpenDispute(*bw.work_id, *w.work_id, "I wrote this melody"));
  ASSERT_TRUE(open.dispute.has_value());
  EXPECT_EQ(open.dispute->state, DisputeState::kOpen);
  EXPECT_EQ(open.dispute->opened_by, bob_.id());
  EXPECT_EQ(open.dispute->work_a, *w.work_id);  // registered first
  EXPECT_EQ(reg_->GetWork(*w.work_id)->open_disputes, std::vector<std::string>{open.dispute->id});
  MustReject(bob_.OpenDispute(*bw.work_id, *w.work_id, "again"), Code::kAlreadyExists);

  // A third artist is no party.
  TestArtist carol = TestArtist::FromSeedByte(3, "Carol");
  MustSubmit(carol.Register());
  MustReject(carol.ResolveDispute(open.dispute->id, "mine now"), Code::kPermissionDenied);
  Accepted resolved = MustSubmit(alice_.ResolveDispute(open.dispute->id, "co-written"));
  EXPECT_EQ(resolved.dispute->state, DisputeState::kResolved);
  EXPECT_EQ(resolved.dispute->resolved_by, alice_.id());
  EXPECT_TRUE(reg_->GetWork(*w.work_id)->open_disputes.empty());
  EXPECT_TRUE(reg_->GetWork(*bw.work_id)->open_disputes.empty());
  MustReject(bob_.ResolveDispute(open.dispute->id, "again"), Code::kFailedPrecondition);

  Accepted wd = MustSubmit(alice_.Withdraw(*w.work_id));
  EXPECT_TRUE(wd.work->withdrawn);
  EXPECT_EQ(reg_->GetArtist(alice_.id())->work_count, 0u);
  MustReject(alice_.SetWorkTerms(*w.work_id, "{}"), Code::kFailedPrecondition);

  Accepted rot = MustSubmit(alice_.RotateKey(testing::KeyFromSeedByte(50)));
  EXPECT_EQ(rot.artist->current_key, testing::KeyFromSeedByte(50).public_key());
  EXPECT_EQ(rot.artist->previous_keys.size(), 1u);
  EXPECT_EQ(reg_->GetArtist(alice_.id())->id, alice_.id());  // stable across rotation

  // The history of Alice's work: register, terms, dispute open/resolve, withdraw.
  auto h = reg_->WorkHistory(*w.work_id);
  ASSERT_TRUE(h.ok());
  std::vector<StatementType> types;
  for (const auto& e : *h) types.push_back(e.type);
  EXPECT_EQ(types,
            (std::vector<StatementType>{StatementType::kWorkRegister, StatementType::kWorkTerms,
                                        StatementType::kDisputeOpen, StatementType::kDisputeResolve,
                                        StatementType::kWorkWithdraw}));
  for (const auto& e : *h) {
    auto entry = reg_->LogEntry(e.log_index);
    ASSERT_TRUE(entry.ok());
  }

  Stats s = reg_->GetStats();
  EXPECT_EQ(s.artists, 3u);
  EXPECT_EQ(s.works, 1u);
  EXPECT_EQ(s.withdrawn_works, 1u);
  EXPECT_EQ(s.disputes, 1u);
  EXPECT_EQ(s.open_disputes, 0u);
  EXPECT_EQ(s.statements, reg_->LogSize());
  EXPECT_EQ(s.indexed_works, 1u);
  EXPECT_GT(s.index_positions, 0u);
  EXPECT_EQ(s.index_memory_bytes, 0u);
  EXPECT_GT(reg_->GetStats(true).index_memory_bytes, 0u);
}

TEST_F(RegistryTest, ReplayAndReorderAreRejected) {
  MustSubmit(alice_.Register());
  const std::string first = alice_.SetDefaultTerms("{}");  // seq 2
  MustSubmit(first);
  Status dup = MustReject(first, Code::kAlreadyExists);
  EXPECT_THAT(dup.message(), HasSubstr("already accepted at log index 1"));

  // Seq 4 is accepted, then a statement with seq 3 arrives (reordered).
  alice_.set_last_seq(3);
  MustSubmit(alice_.SetDefaultTerms("{}"));
  alice_.set_last_seq(2);
  Status reordered = MustReject(alice_.SetDefaultTerms(R"({"search":{"use":"allowed"}})"),
                                Code::kFailedPrecondition);
  EXPECT_THAT(reordered.message(), HasSubstr("use seq 5 or higher"));
  // Same seq with different content (a replayed seq).
  alice_.set_last_seq(3);
  MustReject(alice_.SetDefaultTerms(R"({"search":{"use":"notAllowed"}})"),
             Code::kFailedPrecondition);
  EXPECT_EQ(reg_->GetArtist(alice_.id())->last_seq, 4u);
}

TEST_F(RegistryTest, StatementsTooLargeForAnEntryBundleAreRefused) {
  MustSubmit(alice_.Register());
  // Random sub-fingerprints compress worse than music's (about 11 bytes each
  // in the envelope, music about 5): 4,000 fit, 20,000 do not.
  WorkSpec fits;
  fits.values = testing::RandomFingerprint(1, 4000);
  const std::string small = alice_.RegisterWork(fits);
  ASSERT_LE(small.size(), 65535u);
  MustSubmit(small);
  WorkSpec whole;
  whole.values = testing::RandomFingerprint(2, 20000);
  const std::string big = alice_.RegisterWork(whole);
  ASSERT_GT(big.size(), 65535u);
  Status st = MustReject(big, Code::kResourceExhausted);
  EXPECT_THAT(st.message(), HasSubstr("at most 65535 bytes"));
  EXPECT_THAT(st.message(), HasSubstr("about 25 minutes"));
}

TEST_F(RegistryTest, SignatureAndKeyRules) {
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());
  // Unknown artist.
  TestArtist ghost = TestArtist::FromSeedByte(9, "Ghost");
  ghost.set_last_seq(1);
  MustReject(ghost.SetDefaultTerms("{}"), Code::kFailedPrecondition);

  // Forged: Alice's statement signed by Bob's key.
  const std::string payload = testing::Payload("artist.default_terms", alice_.id(), 10,
                                               "2026-01-02T03:04:05Z", R"("terms":{})");
  MustReject(testing::SignEnvelope(payload, bob_.key()), Code::kUnauthenticated);
  // Forged: a valid envelope whose signature bytes were altered.
  std::string env = alice_.SetDefaultTerms("{}");
  const auto sig = env.find("\"sig\":\"") + 7;
  env[sig] = env[sig] == 'A' ? 'B' : 'A';
  MustReject(env, Code::kUnauthenticated);
  // Self-registration signed by another key.
  TestArtist dave = TestArtist::FromSeedByte(4, "Dave");
  const std::string reg_payload =
      testing::Payload("artist.register", dave.id(), 1, "2026-01-02T03:04:05Z",
                       R"("public_key":")" + crypto::PublicKeyToText(dave.key().public_key()) +
                           R"(","display_name":"Dave")");
  MustReject(testing::SignEnvelope(reg_payload, bob_.key()), Code::kUnauthenticated);

  // After rotation the old key is refused with 403, the new one accepted.
  crypto::SecretKey old_key = testing::KeyFromSeedByte(1);
  MustSubmit(alice_.RotateKey(testing::KeyFromSeedByte(60)));
  const std::string stale =
      testing::SignEnvelope(testing::Payload("artist.default_terms", alice_.id(), 100,
                                             "2026-01-02T03:04:05Z", R"("terms":{})"),
                            old_key);
  Status s = MustReject(stale, Code::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("rotated"));
  MustSubmit(alice_.SetDefaultTerms("{}"));
  // Rotating back to a key already used.
  MustReject(alice_.RotateKey(testing::KeyFromSeedByte(1)), Code::kFailedPrecondition);
}

TEST_F(RegistryTest, MalformedInputIsInvalidArgument) {
  MustSubmit(alice_.Register());
  MustReject("", Code::kInvalidArgument);
  MustReject("{\"payloadType\":1}", Code::kInvalidArgument);
  const std::string payload = testing::Payload("artist.default_terms", alice_.id(), 2,
                                               "2026-01-02T03:04:05Z", R"("terms":{})");
  MustReject(crypto::dsse::ToJson(crypto::dsse::Sign("text/plain", payload, alice_.key())),
             Code::kInvalidArgument);
  alice_.set_issued_at(kTestNow + 6 * 60 * kSecond);
  Status future = MustReject(alice_.SetDefaultTerms("{}"), Code::kInvalidArgument);
  EXPECT_THAT(future.message(), HasSubstr("issued_at"));
  alice_.set_issued_at(kTestNow);
  Status unknown = MustReject(alice_.Sign("artist.delete", ""), Code::kInvalidArgument);
  EXPECT_THAT(unknown.message(), HasSubstr("unknown type"));
  Status extra = MustReject(alice_.Sign("artist.default_terms", R"("terms":{},"x":1)"),
                            Code::kInvalidArgument);
  EXPECT_THAT(extra.message(), HasSubstr("unknown field \"x\""));
}

// A duplicate key makes a payload mean different things to parsers that keep
// the first or the last value; the signature over it must not make it valid.
TEST_F(RegistryTest, DuplicateKeysAreRejectedDespiteAValidSignature) {
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());
  const auto rejected_with_valid_signature = [&](const std::string& payload, std::string_view key) {
    const crypto::dsse::Envelope env =
        crypto::dsse::Sign(kStatementPayloadType, payload, alice_.key());
    ASSERT_TRUE(crypto::dsse::Verify(env, alice_.key().public_key()).ok());
    Status s = MustReject(crypto::dsse::ToJson(env), Code::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("duplicate key \"" + std::string(key) + "\"")) << payload;
  };
  // Two "artist" fields: which artist signed depends on the parser.
  std::string two_artists = testing::Payload("artist.default_terms", alice_.id(), 2,
                                             "2026-01-02T03:04:05Z", R"("terms":{})");
  two_artists.insert(two_artists.size() - 1, ",\"artist\":\"" + bob_.id() + "\"");
  rejected_with_valid_signature(two_artists, "artist");
  // Two "title" fields in a work registration body.
  WorkSpec spec;
  spec.values = RandomFingerprint(21, 200);
  const std::string work_payload = testing::Payload(
      "work.register", alice_.id(), 2, "2026-01-02T03:04:05Z",
      R"("title":"First","title":"Second","credits":[{"name":"A","role":"composer"}],)"
      R"("duration":12.5,"fingerprint":")" +
          testing::CompressFingerprint(spec.values) + "\"");
  rejected_with_valid_signature(work_payload, "title");
  // Nested: two "use" keys inside one terms entry.
  rejected_with_valid_signature(
      testing::Payload("artist.default_terms", alice_.id(), 2, "2026-01-02T03:04:05Z",
                       R"("terms":{"search":{"use":"allowed","use":"notAllowed"}})"),
      "use");
  // The same sequence number is still free: nothing was accepted.
  MustSubmit(alice_.SetDefaultTerms("{}"));
}

TEST_F(RegistryTest, OneArtistCannotChangeAnothersWork) {
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());
  WorkSpec spec;
  spec.values = RandomFingerprint(20, 200);
  const std::string work = *MustSubmit(alice_.RegisterWork(spec)).work_id;
  MustReject(bob_.SetWorkTerms(work, R"({"ai_training":{"use":"allowed"}})"),
             Code::kPermissionDenied);
  MustReject(bob_.Withdraw(work), Code::kPermissionDenied);
  MustReject(bob_.OpenDispute(work, "wk_00000000000000000000000000000000", "not mine"),
             Code::kPermissionDenied);
  MustReject(bob_.SetWorkTerms("wk_00000000000000000000000000000000", "{}"), Code::kNotFound);
  EXPECT_FALSE(reg_->GetWork(work)->terms.has_value());
  EXPECT_FALSE(reg_->GetWork(work)->withdrawn);
}

TEST_F(RegistryTest, ReRegistrationIsIdempotent) {
  MustSubmit(alice_.Register());
  WorkSpec spec;
  spec.values = RandomFingerprint(30, 300);
  Accepted first = MustSubmit(alice_.RegisterWork(spec));
  spec.title = "Better title";
  Accepted again = MustSubmit(alice_.RegisterWork(spec));
  EXPECT_EQ(again.work_id, first.work_id);
  EXPECT_EQ(again.work->title, "Better title");
  EXPECT_EQ(again.work->register_log_index, first.log_index);
  EXPECT_EQ(reg_->GetStats().works, 1u);
  EXPECT_EQ(reg_->GetArtist(alice_.id())->work_count, 1u);
  // Withdrawn, then registered again: live again under the same id.
  MustSubmit(alice_.Withdraw(*first.work_id));
  EXPECT_TRUE(reg_->Match(spec.values)->empty());
  Accepted revived = MustSubmit(alice_.RegisterWork(spec));
  EXPECT_EQ(revived.work_id, first.work_id);
  EXPECT_FALSE(revived.work->withdrawn);
  EXPECT_EQ(reg_->GetStats().works, 1u);
  EXPECT_EQ(reg_->Match(spec.values)->size(), 1u);
}

TEST_F(RegistryTest, TermsHistoryAndInheritance) {
  MustSubmit(alice_.Register());
  WorkSpec spec;
  spec.values = RandomFingerprint(40, 300);
  const std::string work = *MustSubmit(alice_.RegisterWork(spec)).work_id;
  const Micros t0 = now_;

  now_ = t0 + 10 * kSecond;
  MustSubmit(alice_.SetDefaultTerms(R"({"ai_training":{"use":"notAllowed"}})"));
  now_ = t0 + 20 * kSecond;
  MustSubmit(alice_.SetWorkTerms(
      work, R"({"ai_generative_training":{"use":"constrained","constraint_info":)"
            R"({"licences":["https://alice.example/licence"]}},"search":{"use":"allowed"}})"));
  now_ = t0 + 30 * kSecond;
  MustSubmit(alice_.SetWorkTerms(work, R"({"data_mining":{"use":"allowed"}})"));

  auto at = [&](Micros t) {
    auto a = reg_->TermsAt(work, t);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return *a;
  };
  auto value = [](const TermsAnswer& a, Purpose p) -> std::string {
    const auto& r = a.effective.at(p);
    return r.terms ? std::string(PermissionName(r.terms->value)) : "unset";
  };
  TermsAnswer before = at(t0 + 5 * kSecond);
  EXPECT_EQ(value(before, Purpose::kAiTraining), "unset");
  EXPECT_FALSE(before.work_terms.has_value());

  TermsAnswer by_default = at(t0 + 15 * kSecond);
  EXPECT_EQ(value(by_default, Purpose::kAiGenerativeTraining), "notAllowed");  // inherited
  EXPECT_EQ(by_default.effective.at(Purpose::kAiGenerativeTraining).source,
            TermsSource::kArtistDefault);

  TermsAnswer constrained = at(t0 + 25 * kSecond);
  EXPECT_EQ(value(constrained, Purpose::kAiGenerativeTraining), "constrained");
  // The work speaks only for the gen chain's leaf; ai_training falls to the default.
  EXPECT_EQ(value(constrained, Purpose::kAiTraining), "notAllowed");
  EXPECT_EQ(value(constrained, Purpose::kSearch), "allowed");
  EXPECT_EQ(*constrained.work_terms_since, t0 + 20 * kSecond);

  TermsAnswer latest = at(t0 + 35 * kSecond);
  EXPECT_EQ(value(latest, Purpose::kAiGenerativeTraining), "allowed");
  EXPECT_EQ(value(latest, Purpose::kSearch), "unset");  // nothing overwritten, but replaced
  // History is kept: the earlier answer is unchanged.
  EXPECT_EQ(value(at(t0 + 25 * kSecond), Purpose::kAiGenerativeTraining), "constrained");

  auto exported = reg_->ExportTerms(work, ExportFormat::kAipref, {});
  ASSERT_TRUE(exported.ok());
  EXPECT_EQ(*exported, "train-ai=y");
  EXPECT_EQ(reg_->TermsAt("wk_00000000000000000000000000000000", now_).status().code(),
            Code::kNotFound);
}

TEST_F(RegistryTest, CheckItemVerdicts) {
  MustSubmit(alice_.Register());
  WorkSpec spec;
  spec.values = RandomFingerprint(50, 600);
  spec.sha256 = std::string(64, 'c');
  const std::string work = *MustSubmit(alice_.RegisterWork(spec)).work_id;
  MustSubmit(alice_.SetWorkTerms(
      work, R"({"ai_training":{"use":"constrained","constraint_info":)"
            R"({"licences":["https://alice.example/l1"]}},"ai_inference":{"use":"notAllowed"}})"));

  CheckRequest req;
  req.sha256 = std::string(64, 'c');
  req.purpose = Purpose::kAiGenerativeTraining;
  auto r = reg_->CheckItem(req);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->verdict.verdict, Verdict::kConstrained);
  ASSERT_EQ(r->works.size(), 1u);
  EXPECT_EQ(r->works[0].match.work.id, work);

  req.licences = {"https://alice.example/l1"};
  EXPECT_EQ(reg_->CheckItem(req)->verdict.verdict, Verdict::kAllowed);
  req.purpose = Purpose::kAiInference;
  EXPECT_EQ(reg_->CheckItem(req)->verdict.verdict, Verdict::kNotAllowed);

  // By fingerprint: a 20 s excerpt from the middle.
  CheckRequest by_fp;
  by_fp.fingerprint =
      std::vector<std::uint32_t>(spec.values.begin() + 200, spec.values.begin() + 360);
  by_fp.purpose = Purpose::kSearch;
  auto f = reg_->CheckItem(by_fp);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->works.size(), 1u);
  EXPECT_EQ(f->verdict.verdict, Verdict::kAllowed);  // unset: no reservation
  ASSERT_FALSE(f->works[0].match.segments.empty());
  EXPECT_NEAR(f->works[0].match.segments[0].ref_start, 200 * fp::kSecondsPerPosition, 1.0);

  CheckRequest unknown;
  unknown.fingerprint = RandomFingerprint(51, 200);
  EXPECT_EQ(reg_->CheckItem(unknown)->verdict.verdict, Verdict::kUnregistered);
  EXPECT_EQ(reg_->CheckItem(CheckRequest{}).status().code(), Code::kInvalidArgument);
}

const fp::RawFingerprint& CorpusFingerprint(const std::string& name) {
  static std::map<std::string, fp::RawFingerprint> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    auto r = fp::FingerprintFile(std::string(kCorpus) + name);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
    it = cache.emplace(name, r.ok() ? r->fingerprint : fp::RawFingerprint{}).first;
  }
  return it->second;
}

TEST_F(RegistryTest, DisputeBetweenTwoArtistsOnARealRecording) {
  const auto& wanderer = CorpusFingerprint("wanderer.ogg");
  const auto& knolls = CorpusFingerprint("knolls.ogg");
  ASSERT_GT(wanderer.values.size(), 500u);
  ASSERT_GT(knolls.values.size(), 500u);
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());

  WorkSpec a;
  a.title = "Wanderer";
  a.values = wanderer.values;
  Accepted aw = MustSubmit(alice_.RegisterWork(a));
  EXPECT_TRUE(aw.opened_disputes.empty());

  // Bob registers an unrelated recording: no dispute.
  WorkSpec k;
  k.title = "Knolls";
  k.values = knolls.values;
  EXPECT_TRUE(MustSubmit(bob_.RegisterWork(k)).opened_disputes.empty());

  // Bob registers a 60 s stretch of Alice's recording as his own.
  WorkSpec b;
  b.title = "Not the Wanderer";
  b.values.assign(wanderer.values.begin() + 300, wanderer.values.begin() + 300 + 485);
  Accepted bw = MustSubmit(bob_.RegisterWork(b));
  ASSERT_EQ(bw.opened_disputes.size(), 1u);
  const Dispute& d = bw.opened_disputes[0];
  EXPECT_EQ(d.opened_by, "registry");
  EXPECT_EQ(d.work_a, *aw.work_id);
  EXPECT_EQ(d.artist_a, alice_.id());
  EXPECT_EQ(d.work_b, *bw.work_id);
  EXPECT_GT(d.match_score, 0);
  // Both works are kept, both show the dispute.
  EXPECT_EQ(reg_->GetWork(*aw.work_id)->open_disputes, std::vector<std::string>{d.id});
  EXPECT_EQ(reg_->GetWork(*bw.work_id)->open_disputes, std::vector<std::string>{d.id});
  EXPECT_EQ(reg_->GetStats().open_disputes, 1u);

  // Every match shows it: a 10 s excerpt of the shared stretch finds both works.
  std::vector<std::uint32_t> excerpt(wanderer.values.begin() + 400, wanderer.values.begin() + 481);
  auto m = reg_->Match(excerpt);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  for (const auto& wm : *m) {
    ASSERT_EQ(wm.disputes.size(), 1u);
    EXPECT_EQ(wm.disputes[0].id, d.id);
  }
  CheckRequest req;
  req.fingerprint = excerpt;
  EXPECT_EQ(reg_->CheckItem(req)->verdict.verdict, Verdict::kDisputed);

  Page page;
  auto listed =
      reg_->ListDisputes("", 10, DisputeFilter{DisputeState::kOpen, alice_.id(), {}}, &page);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(page.next_cursor.empty());

  // Bob withdraws: the dispute ends, matches show Alice's work alone.
  MustSubmit(bob_.Withdraw(*bw.work_id));
  EXPECT_EQ(reg_->GetDispute(d.id)->state, DisputeState::kResolved);
  auto after = reg_->Match(excerpt);
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].work.id, *aw.work_id);
  EXPECT_TRUE((*after)[0].disputes.empty());
}

TEST_F(RegistryTest, LogSurvivesReopenAndProofsVerify) {
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());
  std::vector<std::string> envelopes;
  for (int i = 0; i < 20; ++i) {
    WorkSpec s;
    s.values = RandomFingerprint(100 + i, 120);
    envelopes.push_back((i % 2 ? bob_ : alice_).RegisterWork(s));
    MustSubmit(envelopes.back());
  }
  const std::uint64_t size = reg_->LogSize();
  EXPECT_EQ(size, 22u);
  const std::string checkpoint = reg_->Checkpoint();
  const std::uint64_t old_size = 7;
  auto old_root = crypto::merkle::MemoryTree();
  for (std::uint64_t i = 0; i < old_size; ++i) old_root.Append(*reg_->LogEntry(i));

  Reopen();  // Open recomputes the root from stored nodes and checks the checkpoint
  EXPECT_EQ(reg_->LogSize(), size);
  EXPECT_EQ(reg_->Checkpoint(), checkpoint);
  EXPECT_EQ(reg_->GetStats().indexed_works, 20u);

  // The root recomputed independently from the stored leaves.
  crypto::merkle::MemoryTree tree;
  for (std::uint64_t i = 0; i < size; ++i) tree.Append(*reg_->LogEntry(i));
  auto cp = crypto::OpenCheckpoint(checkpoint, *crypto::note::Verifier::Parse(reg_->VerifierKey()),
                                   "signet.test/log");
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->size, size);
  EXPECT_EQ(cp->root, tree.Root());

  for (std::uint64_t i = 0; i < size; i += 5) {
    auto proof = reg_->InclusionProof(i, size);
    ASSERT_TRUE(proof.ok());
    EXPECT_TRUE(crypto::merkle::VerifyInclusion(crypto::merkle::LeafHash(*reg_->LogEntry(i)), i,
                                                size, *proof, tree.Root())
                    .ok());
  }
  auto consistency = reg_->ConsistencyProof(old_size, size);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(
      crypto::merkle::VerifyConsistency(old_size, size, old_root.Root(), tree.Root(), *consistency)
          .ok());
  auto receipt = reg_->ReceiptFor(5);
  ASSERT_TRUE(receipt.ok());
  EXPECT_TRUE(crypto::VerifyReceipt(*receipt, envelopes[3], reg_->VerifierKey()).ok());
  EXPECT_FALSE(crypto::VerifyReceipt(*receipt, envelopes[4], reg_->VerifierKey()).ok());
  EXPECT_EQ(reg_->InclusionProof(size, size).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(reg_->LogEntry(size).status().code(), Code::kNotFound);

  // State survives too: works still match, seq continues.
  WorkSpec s;
  s.values = RandomFingerprint(100, 120);
  EXPECT_EQ(reg_->Match(s.values)->size(), 1u);
  MustSubmit(alice_.SetDefaultTerms("{}"));
}

TEST_F(RegistryTest, OpenRefusesAnotherServerKey) {
  MustSubmit(alice_.Register());
  reg_.reset();
  RegistryOptions o;
  o.log_origin = "signet.test/log";
  o.server_key = std::make_shared<crypto::SecretKey>(testing::KeyFromSeedByte(201));
  auto r = Registry::Open(dir_.path(), std::move(o));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("server key"));
  Reopen();
}

TEST_F(RegistryTest, Pagination) {
  MustSubmit(alice_.Register());
  std::set<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    WorkSpec s;
    s.values = RandomFingerprint(300 + i, 100);
    ids.insert(*MustSubmit(alice_.RegisterWork(s)).work_id);
  }
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Page page;
    auto works = reg_->ListArtistWorks(alice_.id(), cursor, 3, &page);
    ASSERT_TRUE(works.ok());
    EXPECT_LE(works->size(), 3u);
    for (const auto& w : *works) EXPECT_TRUE(seen.insert(w.id).second);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(reg_->ListArtistWorks("ar_nobody", "", 3, nullptr).status().code(), Code::kNotFound);
}

TEST_F(RegistryTest, ConcurrentSubmittersAreGroupCommitted) {
  constexpr int kArtists = 8;
  constexpr int kWorksEach = 25;
  std::vector<TestArtist> artists;
  for (int i = 0; i < kArtists; ++i) {
    artists.push_back(TestArtist::FromSeedByte(static_cast<std::uint8_t>(100 + i), "A"));
    MustSubmit(artists.back().Register());
  }
  std::vector<std::vector<std::string>> envs(kArtists);
  for (int i = 0; i < kArtists; ++i) {
    for (int j = 0; j < kWorksEach; ++j) {
      WorkSpec s;
      s.values = RandomFingerprint(1000 + i * 100 + j, 60);
      envs[i].push_back(artists[i].RegisterWork(s));
    }
  }
  const std::uint64_t groups_before = reg_->GetStats().commit_groups;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kArtists; ++i) {
    threads.emplace_back([&, i] {
      for (const auto& e : envs[i]) {
        if (!reg_->Submit(e).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Stats s = reg_->GetStats();
  EXPECT_EQ(s.works, static_cast<std::uint64_t>(kArtists * kWorksEach));
  EXPECT_EQ(s.statements, static_cast<std::uint64_t>(kArtists * (kWorksEach + 1)));
  // With 8 concurrent submitters, groups hold more than one statement.
  EXPECT_LT(s.commit_groups - groups_before, static_cast<std::uint64_t>(kArtists * kWorksEach));
}

// Groups mix the statements of many submitters: a statement the writer
// rejects (a stale seq, a replay) must leave nothing behind in the group it
// was decided in, while the others of that group commit, and the log and
// the counters stay exactly the accepted statements, across a restart too.
TEST_F(RegistryTest, ConcurrentGroupsKeepTheAcceptedAndNothingOfTheRejected) {
  constexpr int kArtists = 8;
  constexpr int kWorksEach = 15;
  enum class Want { kOk, kReplay, kStale };
  std::vector<TestArtist> artists;
  std::vector<std::vector<std::pair<std::string, Want>>> envs(kArtists);
  for (int i = 0; i < kArtists; ++i) {
    artists.push_back(TestArtist::FromSeedByte(static_cast<std::uint8_t>(180 + i), "G"));
    MustSubmit(artists.back().Register());
    TestArtist& a = artists.back();
    for (int j = 0; j < kWorksEach; ++j) {
      WorkSpec w;
      w.values = RandomFingerprint(5000 + i * 100 + j, 60);
      const std::string ok = a.RegisterWork(w);
      envs[i].push_back({ok, Want::kOk});
      envs[i].push_back({ok, Want::kReplay});
      const std::uint64_t seq = a.last_seq();
      a.set_last_seq(seq - 1);  // the same seq again, with other content
      WorkSpec other;
      other.values = RandomFingerprint(9000 + i * 100 + j, 60);
      envs[i].push_back({a.RegisterWork(other), Want::kStale});
      a.set_last_seq(seq);
    }
  }
  const std::uint64_t groups_before = reg_->GetStats().commit_groups;
  const std::uint64_t size_before = reg_->LogSize();
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kArtists; ++i) {
    threads.emplace_back([&, i] {
      for (const auto& [envelope, want] : envs[i]) {
        auto r = reg_->Submit(envelope);
        const bool as_wanted = want == Want::kOk ? r.ok()
                               : want == Want::kReplay
                                   ? !r.ok() && r.status().code() == Code::kAlreadyExists
                                   : !r.ok() && r.status().code() == Code::kFailedPrecondition;
        if (!as_wanted) {
          ++unexpected;
          ADD_FAILURE() << "artist " << i << ": " << (r.ok() ? "accepted" : r.status().ToString());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  const Stats s = reg_->GetStats();
  const auto accepted = static_cast<std::uint64_t>(kArtists * kWorksEach);
  EXPECT_EQ(reg_->LogSize() - size_before, accepted);
  EXPECT_EQ(s.works, accepted);
  EXPECT_EQ(s.statements, reg_->LogSize());
  EXPECT_LT(s.commit_groups - groups_before, accepted) << "no group held two statements";
  for (const TestArtist& a : artists) {
    EXPECT_EQ(reg_->GetArtist(a.id())->last_seq, a.last_seq());
  }
  const std::string checkpoint = reg_->Checkpoint();
  Reopen();
  EXPECT_EQ(reg_->LogSize(), size_before + accepted);
  EXPECT_EQ(reg_->Checkpoint(), checkpoint);
  EXPECT_EQ(reg_->GetStats().works, accepted);
}

TEST_F(RegistryTest, ConcurrentRegistrationsOfOneRecordingAllDisputeEachOther) {
  // The dispute search runs on each submitter's thread before the statement is
  // queued, so all eight see an index without the others; the writer must
  // still find every earlier one (Matcher::FindAddedSince): 8 * 7 / 2 pairs.
  constexpr int kArtists = 8;
  std::vector<TestArtist> artists;
  std::vector<std::string> envs;
  WorkSpec s;
  s.values = RandomFingerprint(4242, 240);
  for (int i = 0; i < kArtists; ++i) {
    artists.push_back(TestArtist::FromSeedByte(static_cast<std::uint8_t>(150 + i), "Copycat"));
    MustSubmit(artists.back().Register());
    s.title = "Same recording " + std::to_string(i);
    envs.push_back(artists.back().RegisterWork(s));
  }
  std::atomic<int> ready{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kArtists; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kArtists) std::this_thread::yield();
      if (!reg_->Submit(envs[static_cast<std::size_t>(i)]).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  const Stats st = reg_->GetStats();
  EXPECT_EQ(st.works, static_cast<std::uint64_t>(kArtists));
  EXPECT_EQ(st.open_disputes, static_cast<std::uint64_t>(kArtists * (kArtists - 1) / 2));
}

// RocksDB whose writes can be made to fail as a full disk does.
class FailingStore : public Store {
 public:
  FailingStore(std::unique_ptr<Store> inner, std::shared_ptr<std::atomic<bool>> fail)
      : inner_(std::move(inner)), fail_(std::move(fail)) {}
  Result<std::optional<std::string>> Get(Column c, std::string_view key) const override {
    return inner_->Get(c, key);
  }
  Status Scan(Column c, std::string_view prefix, std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) const override {
    return inner_->Scan(c, prefix, start, visit);
  }
  Result<std::optional<std::pair<std::string, std::string>>> FindLastAtOrBefore(
      Column c, std::string_view prefix, std::string_view upper) const override {
    return inner_->FindLastAtOrBefore(c, prefix, upper);
  }
  Status Write(const WriteSet& batch) override {
    if (*fail_) return Status::Unavailable("no space left on device (injected)");
    return inner_->Write(batch);
  }

 private:
  std::unique_ptr<Store> inner_;
  std::shared_ptr<std::atomic<bool>> fail_;
};

TEST_F(RegistryTest, FailedWriteAcknowledgesNothingAndRecovers) {
  MustSubmit(alice_.Register());
  reg_.reset();
  auto fail = std::make_shared<std::atomic<bool>>(false);
  auto inner = RocksDbStore::Open(dir_.path());
  ASSERT_TRUE(inner.ok());
  RegistryOptions o;
  o.log_origin = "signet.test/log";
  o.server_key = server_key_;
  o.clock = [this] { return now_.load(); };
  auto r = Registry::Open(std::make_unique<FailingStore>(std::move(*inner), fail), std::move(o));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  reg_ = std::move(*r);

  WorkSpec spec;
  spec.values = RandomFingerprint(500, 200);
  const std::string env = alice_.RegisterWork(spec);
  *fail = true;
  Status s = MustReject(env, Code::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("no space"));
  EXPECT_TRUE(reg_->Match(spec.values)->empty());  // the index addition was rolled back
  EXPECT_EQ(reg_->GetStats().works, 0u);

  *fail = false;  // space is back: the same statement now goes through
  Accepted a = MustSubmit(env);
  EXPECT_EQ(a.log_index, 1u);
  ExpectReceiptVerifies(a, env);
  EXPECT_EQ(reg_->Match(spec.values)->size(), 1u);
  Reopen();
  EXPECT_EQ(reg_->LogSize(), 2u);
}

}  // namespace
}  // namespace signet::registry

namespace signet::registry {
namespace {

// Both prints of a corpus recording from one decode, as `signet register` makes them.
fp::SpeedVariantFingerprints BothPrints(const std::string& file, const fp::LandmarkOptions& density,
                                        double seconds = 0) {
  fp::DecodeLimits limits;
  if (seconds > 0) {
    limits.max_duration_seconds = seconds;
    limits.truncate_at_max_duration = true;
  }
  fp::AudioPrintOptions o;
  o.landmark = &density;
  auto r =
      fp::FingerprintAudioPrints(fp::AudioSource::File(std::string(kCorpus) + file), limits, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : fp::SpeedVariantFingerprints{};
}

TEST_F(RegistryTest, AWorkGainsItsLandmarkPrintWithoutADisputeAndKeepsItThroughItsLife) {
  MustSubmit(alice_.Register());
  MustSubmit(bob_.Register());
  const auto prints = BothPrints("wanderer.ogg", fp::LandmarkOptions::Reference());
  ASSERT_TRUE(prints.landmark);
  WorkSpec spec;
  spec.title = "Wanderer";
  spec.values = prints.original.fingerprint.values;
  spec.duration = prints.original.duration_seconds;
  Accepted first = MustSubmit(alice_.RegisterWork(spec));  // before landmark prints
  const std::string id = *first.work_id;
  MustSubmit(alice_.SetWorkTerms(id, R"({"ai_training":{"use":"notAllowed"}})"));
  WorkSpec stretch;  // Bob's claim on a minute of it: one dispute
  stretch.values.assign(spec.values.begin() + 300, spec.values.begin() + 785);
  ASSERT_EQ(MustSubmit(bob_.RegisterWork(stretch)).opened_disputes.size(), 1u);
  EXPECT_EQ(reg_->GetWork(id)->landmark_peaks, 0u);
  EXPECT_EQ(reg_->GetStats().landmark_works, 0u);

  spec.landmark = fp::EncodeLandmarkPrint(*prints.landmark);
  Accepted amended = MustSubmit(alice_.RegisterWork(spec));
  EXPECT_EQ(*amended.work_id, id);
  EXPECT_TRUE(amended.opened_disputes.empty());
  Work w = *reg_->GetWork(id);
  EXPECT_EQ(w.landmark_peaks, prints.landmark->peaks.size());
  EXPECT_EQ(w.register_log_index, first.log_index) << "the same work, the same index ref";
  ASSERT_TRUE(w.terms);
  EXPECT_EQ(reg_->TermsAt(id, now_.load())->effective.at(Purpose::kAiTraining).terms->value,
            Permission::kNotAllowed)
      << "terms untouched";
  EXPECT_EQ(reg_->GetStats().open_disputes, 1u);
  EXPECT_EQ(reg_->GetStats().landmark_works, 1u);

  // A query's landmark print finds it, fused with Chromaprint.
  const auto query = BothPrints("wanderer.ogg", fp::LandmarkOptions::Query(), 20);
  const fp::QueryVariant variant{query.original.fingerprint.values, 1.0};
  auto found = reg_->Match(std::span<const fp::QueryVariant>(&variant, 1), &*query.landmark);
  ASSERT_TRUE(found.ok());
  ASSERT_FALSE(found->empty());
  EXPECT_EQ((*found)[0].work.id, id);
  EXPECT_TRUE((*found)[0].landmark);
  // A bare fingerprint is matched by Chromaprint alone, as before.
  auto bare = reg_->Match(query.original.fingerprint.values);
  ASSERT_TRUE(bare.ok());
  ASSERT_FALSE(bare->empty());
  EXPECT_FALSE((*bare)[0].landmark);

  Reopen();  // rebuilt from RocksDB
  EXPECT_EQ(reg_->GetStats().landmark_works, 1u);

  MustSubmit(alice_.Withdraw(id));
  EXPECT_EQ(reg_->GetStats().landmark_works, 0u);
  // Registered again without the field: the stored print comes back.
  spec.landmark.reset();
  MustSubmit(alice_.RegisterWork(spec));
  EXPECT_EQ(reg_->GetStats().landmark_works, 1u);
  EXPECT_EQ(reg_->GetWork(id)->landmark_peaks, prints.landmark->peaks.size());
  Reopen();
  EXPECT_EQ(reg_->GetStats().landmark_works, 1u);
}

}  // namespace
}  // namespace signet::registry
