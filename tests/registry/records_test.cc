// The stored byte formats (registry/STORAGE.md): keys sort as the reads
// need, every record decodes to what was encoded, and bytes the registry did
// not write are refused as corrupt rather than misread.
#include "registry/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "registry/keys.h"
#include "registry/testing/statements.h"

namespace signet::registry {
namespace {

using ::testing::HasSubstr;
using Code = Status::Code;

Terms SampleTerms() {
  Terms t;
  t.at(Purpose::kAiGenerativeTraining) = PurposeTerms{Permission::kNotAllowed, {}};
  t.at(Purpose::kSearch) = PurposeTerms{
      Permission::kConstrained,
      {{"https://example.org/licence", "https://example.org/l2"}, "mailto:x@example.org", "pay"}};
  return t;
}

Artist SampleArtist() {
  Artist a;
  a.id = "ar_sample";
  a.current_key = testing::KeyFromSeedByte(1).public_key();
  a.previous_keys = {testing::KeyFromSeedByte(2).public_key(),
                     testing::KeyFromSeedByte(3).public_key()};
  a.display_name = "Ada \"quoted\" \xC3\xA9";
  a.isni = "0000000121032683";
  a.links = {"https://example.org/a", "https://example.org/b"};
  a.last_seq = 42;
  a.registered_at = -5;  // before 1970 still round-trips
  a.register_log_index = 7;
  a.default_terms = SampleTerms();
  a.work_count = 3;
  return a;
}

Work SampleWork() {
  Work w;
  w.id = "wk_0123456789abcdef0123456789abcdef";
  w.artist = "ar_sample";
  w.title = "Song";
  w.credits = {{"Ada", "composer", "0000000121032683", std::nullopt},
               {"Bo", "performer", std::nullopt, "00000000195"}};
  w.duration_seconds = 182.375;
  w.sha256 = std::string(64, 'c');
  w.isrc = "USRC17607839";
  w.fingerprint_length = 1470;
  w.musicbrainz_recording_ids = {"b9ad642e-b012-41c7-b72a-42cf4911f9ff"};
  w.withdrawn = true;
  w.registered_at = 10;
  w.updated_at = 20;
  w.register_log_index = 9;
  w.open_disputes = {"dp_1", "dp_2"};
  w.terms = SampleTerms();
  return w;
}

TEST(KeysTest, IntegersSortNumerically) {
  EXPECT_EQ(keys::U64Key(0x0102030405060708ULL), std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
  EXPECT_LT(keys::U64Key(255), keys::U64Key(256));
  EXPECT_EQ(*keys::ParseU64Key(keys::U64Key(1234567890123ULL)), 1234567890123ULL);
  EXPECT_EQ(keys::ParseU64Key("1234567").status().code(), Code::kInternal);
  EXPECT_EQ(keys::ParseU64Key("123456789").status().code(), Code::kInternal);
}

TEST(KeysTest, NodesAndPrefixes) {
  EXPECT_EQ(keys::NodeKey(3, 1), std::string("\x03") + keys::U64Key(1));
  crypto::Digest h{};
  h[0] = 9;
  h[31] = 7;
  EXPECT_EQ(keys::ParseNodeValue(keys::NodeValue(h)), h);
  EXPECT_FALSE(keys::ParseNodeValue(std::string(31, 'x')).has_value());
  EXPECT_EQ(keys::ArtistWorksKey("ar_x", "wk_y"), "ar_x/wk_y");
  EXPECT_TRUE(keys::ArtistWorksKey("ar_x", "wk_y").starts_with(keys::ArtistWorksPrefix("ar_x")));
  EXPECT_FALSE(keys::ArtistWorksKey("ar_xy", "wk_y").starts_with(keys::ArtistWorksPrefix("ar_x")));
  EXPECT_LT(keys::WorkHistoryKey("wk_a", 2), keys::WorkHistoryKey("wk_a", 10));
  EXPECT_TRUE(keys::WorkHistoryKey("wk_a", 2).starts_with(keys::WorkHistoryPrefix("wk_a")));
}

TEST(KeysTest, TermsHistorySortsByTimeThenLogIndexEvenBefore1970) {
  const std::string owner = keys::TermsOwnerWork("wk_a");
  EXPECT_EQ(owner, "w/wk_a/");
  EXPECT_EQ(keys::TermsOwnerArtist("ar_b"), "a/ar_b/");
  EXPECT_LT(keys::TermsHistoryKey(owner, -1, 0), keys::TermsHistoryKey(owner, 0, 0));
  EXPECT_LT(keys::TermsHistoryKey(owner, 5, 3), keys::TermsHistoryKey(owner, 5, 4));
  EXPECT_LT(keys::TermsHistoryKey(owner, 5, 99), keys::TermsHistoryKey(owner, 6, 0));
}

TEST(KeysTest, DisputeIdNamesThePairWhicheverOrder) {
  const std::string id = keys::DisputeIdFor("wk_a", "wk_b");
  EXPECT_EQ(id, keys::DisputeIdFor("wk_b", "wk_a"));
  EXPECT_NE(id, keys::DisputeIdFor("wk_a", "wk_c"));
  EXPECT_TRUE(IsWellFormedDisputeId(id)) << id;
}

TEST(RecordsTest, ArtistRoundTrips) {
  const Artist a = SampleArtist();
  const std::string bytes = records::EncodeArtist(a);
  auto back = records::DecodeArtist(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, a.id);
  EXPECT_EQ(back->current_key, a.current_key);
  EXPECT_EQ(back->previous_keys, a.previous_keys);
  EXPECT_EQ(back->display_name, a.display_name);
  EXPECT_EQ(back->isni, a.isni);
  EXPECT_FALSE(back->ipi.has_value());
  EXPECT_EQ(back->links, a.links);
  EXPECT_EQ(back->last_seq, 42u);
  EXPECT_EQ(back->registered_at, -5);
  EXPECT_EQ(back->register_log_index, 7u);
  EXPECT_EQ(back->default_terms, a.default_terms);
  EXPECT_EQ(back->work_count, 3u);
  EXPECT_EQ(records::EncodeArtist(*back), bytes);
}

TEST(RecordsTest, WorkRoundTrips) {
  const Work w = SampleWork();
  const std::string bytes = records::EncodeWork(w);
  auto back = records::DecodeWork(bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->credits, w.credits);
  EXPECT_EQ(back->duration_seconds, w.duration_seconds);
  EXPECT_EQ(back->sha256, w.sha256);
  EXPECT_EQ(back->isrc, w.isrc);
  EXPECT_FALSE(back->iswc.has_value());
  EXPECT_EQ(back->fingerprint_length, 1470u);
  EXPECT_EQ(back->musicbrainz_recording_ids, w.musicbrainz_recording_ids);
  EXPECT_TRUE(back->withdrawn);
  EXPECT_EQ(back->open_disputes, w.open_disputes);
  EXPECT_EQ(back->terms, w.terms);
  EXPECT_EQ(records::EncodeWork(*back), bytes);

  Work bare;
  bare.id = "wk_x";
  auto b = records::DecodeWork(records::EncodeWork(bare));
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->terms.has_value());
  EXPECT_FALSE(b->sha256.has_value());
}

TEST(RecordsTest, DisputeTermsHistoryAndCountersRoundTrip) {
  Dispute d;
  d.id = "dp_x";
  d.work_a = "wk_a";
  d.artist_a = "ar_a";
  d.work_b = "wk_b";
  d.artist_b = "ar_b";
  d.state = DisputeState::kResolved;
  d.opened_by = "registry";
  d.reason = "matches";
  d.match_score = 37.125;
  d.opened_at = 1;
  d.open_log_index = 2;
  d.resolved_by = "ar_a";
  d.resolution = "agreed";
  d.resolved_at = 3;
  d.resolve_log_index = 4;
  const std::string db = records::EncodeDispute(d);
  auto dback = records::DecodeDispute(db);
  ASSERT_TRUE(dback.ok());
  EXPECT_EQ(dback->state, DisputeState::kResolved);
  EXPECT_EQ(dback->match_score, 37.125);
  EXPECT_EQ(dback->resolve_log_index, 4u);
  EXPECT_EQ(records::EncodeDispute(*dback), db);

  auto t = records::DecodeTermsRecord(records::EncodeTermsRecord({SampleTerms(), 5, 6}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->terms, SampleTerms());
  EXPECT_EQ(t->log_index, 5u);
  EXPECT_EQ(t->accepted_at, 6);

  HistoryEntry h{8, "abc", StatementType::kDisputeResolve, "ar_a", 9, 10, 11};
  auto hback = records::DecodeHistoryEntry(records::EncodeHistoryEntry(h));
  ASSERT_TRUE(hback.ok());
  EXPECT_EQ(hback->type, StatementType::kDisputeResolve);
  EXPECT_EQ(hback->seq, 9u);
  EXPECT_EQ(hback->accepted_at, 11);

  records::Counters c{1, 2, 3, 4, 5};
  auto cback = records::DecodeCounters(records::EncodeCounters(c));
  ASSERT_TRUE(cback.ok());
  EXPECT_EQ(cback->withdrawn_works, 3u);
  EXPECT_EQ(cback->open_disputes, 5u);
}

TEST(RecordsTest, FingerprintRecordIsBinaryAndBoundsChecked) {
  const std::string id = "wk_0123456789abcdef0123456789abcdef";
  const std::vector<std::uint32_t> values = {0, 1, 0xdeadbeef, 0xffffffff};
  const std::string bytes = records::EncodeFingerprint(id, true, values);
  EXPECT_EQ(bytes.size(), 35u + 1 + 4 * values.size());
  EXPECT_EQ(bytes.substr(35 + 1 + 8, 4), std::string("\xef\xbe\xad\xde"));  // little-endian
  auto back = records::DecodeFingerprint(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->work_id, id);
  EXPECT_TRUE(back->live);
  EXPECT_EQ(back->values, values);
  EXPECT_FALSE(records::DecodeFingerprint(records::EncodeFingerprint(id, false, {}))->live);

  for (std::size_t cut : {std::size_t{0}, std::size_t{35}, bytes.size() - 1, bytes.size() - 3}) {
    auto r = records::DecodeFingerprint(bytes.substr(0, cut));
    EXPECT_EQ(r.status().code(), Code::kInternal) << cut;
  }
}

TEST(RecordsTest, BytesTheRegistryDidNotWriteAreCorrupt) {
  const std::string artist = records::EncodeArtist(SampleArtist());
  const std::string work = records::EncodeWork(SampleWork());
  const std::vector<std::string> bad_artists = {
      "",
      "not json",
      "[]",
      "{}",
      R"({"id":"ar_x"})",
      // A key that is not a key.
      std::string(artist).replace(artist.find("\"current_key\":\"") + 15, 1, "!"),
      // A number where a string belongs.
      std::string(artist).replace(artist.find("\"display_name\":\"") + 15, 1, "7,\"x\":\""),
  };
  for (const std::string& v : bad_artists) {
    auto r = records::DecodeArtist(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.status().code(), Code::kInternal);
    EXPECT_THAT(r.status().message(), HasSubstr("corrupt artist record"));
  }
  const std::vector<std::string> bad_works = {
      std::string(work).replace(work.find("notAllowed"), 10, "maybe"),       // unknown permission
      std::string(work).replace(work.find("\"search\""), 8, "\"dancing\""),  // unknown purpose
      std::string(work).replace(work.find("\"withdrawn\":true"), 16, "\"withdrawn\":1"),
      std::string(work).replace(work.find("\"fingerprint_length\":1470"), 25,
                                "\"fingerprint_length\":-1"),
  };
  for (const std::string& v : bad_works) {
    auto r = records::DecodeWork(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.status().code(), Code::kInternal);
    EXPECT_THAT(r.status().message(), HasSubstr("corrupt work record"));
  }
  HistoryEntry h{8, "abc", StatementType::kWorkRegister, "ar_a", 9, 10, 11};
  std::string hv = records::EncodeHistoryEntry(h);
  hv.replace(hv.find("work.register"), 13, "work.dance");
  EXPECT_EQ(records::DecodeHistoryEntry(hv).status().code(), Code::kInternal);
  EXPECT_EQ(records::DecodeCounters(R"({"artists":1})").status().code(), Code::kInternal);
  EXPECT_EQ(records::DecodeDispute(R"({"id":5})").status().code(), Code::kInternal);
  EXPECT_EQ(
      records::DecodeTermsRecord(R"({"terms":[],"log_index":1,"accepted_at":2})").status().code(),
      Code::kInternal);
}

}  // namespace
}  // namespace signet::registry
