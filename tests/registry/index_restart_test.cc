// The registry's fingerprint index across restarts: a persisted index is
// opened and only the log's tail replayed; a damaged or foreign one is
// rebuilt while queries answer (and say they are partial); registrations of
// whole tracks still dispute copies. Real RocksDB in a temp dir.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

#include "fingerprint/chroma_segment.h"
#include "fingerprint/landmark_codec.h"
#include "fingerprint/segment_file.h"
#include "registry/registry.h"
#include "registry/testing/statements.h"
#include "tests/fingerprint/landmark_test_util.h"

namespace signet::registry {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RandomFingerprint;
using testing::TestArtist;
using testing::WorkSpec;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "signet-index-restart-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class IndexRestartTest : public ::testing::Test {
 protected:
  IndexRestartTest()
      : key_(std::make_shared<crypto::SecretKey>(testing::KeyFromSeedByte(201))),
        alice_(TestArtist::FromSeedByte(11, "Alice")),
        bob_(TestArtist::FromSeedByte(12, "Bob")) {}

  std::unique_ptr<Registry> Open(const fs::path& dir, bool wait = true,
                                 std::function<void()> hold = {}) {
    RegistryOptions o;
    o.log_origin = "signet.test/log";
    o.server_key = key_;
    o.clock = [] { return testing::kTestNow; };
    o.wait_for_index = wait;
    o.registration_index_wait = std::chrono::milliseconds(200);
    o.before_index_rebuild = std::move(hold);
    o.log = [this](std::string_view line) {
      std::lock_guard lock(mu_);
      log_.emplace_back(line);
    };
    auto r = Registry::Open(dir, std::move(o));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  std::string LastLog() {
    std::lock_guard lock(mu_);
    return log_.empty() ? "" : log_.back();
  }
  Accepted MustSubmit(Registry& reg, const std::string& envelope) {
    auto r = reg.Submit(envelope);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : Accepted{};
  }
  // A 3-minute recording.
  static std::vector<std::uint32_t> Track(std::uint64_t seed) {
    return RandomFingerprint(seed, 1450);
  }
  std::string Register(Registry& reg, TestArtist& artist, std::uint64_t seed) {
    WorkSpec w;
    w.title = "track " + std::to_string(seed);
    w.values = Track(seed);
    return *MustSubmit(reg, artist.RegisterWork(w)).work_id;
  }
  // The same with a landmark print of the same length.
  std::string RegisterWithLandmark(Registry& reg, TestArtist& artist, std::uint64_t seed) {
    WorkSpec w;
    w.title = "track " + std::to_string(seed);
    w.values = Track(seed);
    w.landmark = fp::EncodeLandmarkPrint(
        fp::testing::RandomPrint(static_cast<std::uint32_t>(seed),
                                 static_cast<double>(w.values.size()) * fp::kSecondsPerPosition));
    return *MustSubmit(reg, artist.RegisterWork(w)).work_id;
  }
  std::vector<std::string> Logged() {
    std::lock_guard lock(mu_);
    return log_;
  }
  static std::vector<std::string> Found(Registry& reg, std::uint64_t seed) {
    const auto t = Track(seed);
    auto m = reg.Match(std::span(t).subspan(700, 81));
    std::vector<std::string> ids;
    if (m.ok()) {
      for (const auto& wm : *m) ids.push_back(wm.work.id);
    }
    return ids;
  }

  std::shared_ptr<crypto::SecretKey> key_;
  TestArtist alice_, bob_;
  std::mutex mu_;
  std::vector<std::string> log_;
};

// A clean restart opens the index from its files and replays nothing; an
// older copy of the index (as a kill -9 leaves it) replays exactly the
// statements after its cover: the registrations and the withdrawal since.
TEST_F(IndexRestartTest, RestartOpensThePersistedIndexAndReplaysOnlyTheTail) {
  TempDir dir, saved;
  std::vector<std::string> works;
  {
    auto reg = Open(dir.path());
    MustSubmit(*reg, alice_.Register());
    for (std::uint64_t s = 1; s <= 5; ++s) works.push_back(Register(*reg, alice_, s));
  }
  fs::copy(dir.path() / "index", saved.path() / "index");
  {
    auto reg = Open(dir.path());
    EXPECT_THAT(LastLog(), HasSubstr("opened 1 segments with 5 recordings"));
    EXPECT_THAT(LastLog(), HasSubstr("replayed statements 6 to 6"));
    EXPECT_EQ(reg->GetStats().indexed_works, 5u);
    for (std::uint64_t s = 6; s <= 8; ++s) works.push_back(Register(*reg, alice_, s));
    MustSubmit(*reg, alice_.Withdraw(works[1]));
    EXPECT_EQ(Found(*reg, 7), std::vector<std::string>{works[6]});
  }
  fs::remove_all(dir.path() / "index");
  fs::copy(saved.path() / "index", dir.path() / "index");  // the index of five works
  auto reg = Open(dir.path());
  EXPECT_THAT(LastLog(), HasSubstr("replayed statements 6 to 10"));
  EXPECT_TRUE(reg->IndexComplete());
  EXPECT_EQ(reg->GetStats().indexed_works, 7u);
  EXPECT_TRUE(Found(*reg, 2).empty());  // withdrawn after the copy
  EXPECT_EQ(Found(*reg, 1), std::vector<std::string>{works[0]});
  EXPECT_EQ(Found(*reg, 8), std::vector<std::string>{works[7]});
}

// A damaged segment: the start-up says why and rebuilds while queries
// answer from what is indexed so far (nothing, here: the rebuild is held),
// flagged partial; registrations wait and then fail with Unavailable; once
// rebuilt, everything is found again.
TEST_F(IndexRestartTest, DamagedIndexIsRebuiltWhileQueriesAnswerPartially) {
  TempDir dir;
  std::vector<std::string> works;
  {
    auto reg = Open(dir.path());
    MustSubmit(*reg, alice_.Register());
    MustSubmit(*reg, bob_.Register());
    for (std::uint64_t s = 1; s <= 4; ++s) works.push_back(Register(*reg, alice_, s));
  }
  for (const auto& e : fs::directory_iterator(dir.path() / "index")) {
    if (e.path().filename().string().rfind("chroma-", 0) != 0) continue;
    auto f = fp::SegmentFile::Open(e.path(), "chromaprint", fp::internal::kChromaSegmentVersion,
                                   fp::internal::kChromaSegmentVersion);
    ASSERT_TRUE(f.ok());
    const std::uint64_t at = (*f)->Find("refs")->offset + 3;
    f->reset();
    std::fstream io(e.path(), std::ios::binary | std::ios::in | std::ios::out);
    io.seekg(static_cast<std::streamoff>(at));
    char c = 0;
    io.read(&c, 1);
    c ^= 0x20;
    io.seekp(static_cast<std::streamoff>(at));
    io.write(&c, 1);
  }
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto reg = Open(dir.path(), /*wait=*/false, [released] { released.wait(); });
  ASSERT_NE(reg, nullptr);
  EXPECT_THAT(LastLog(), HasSubstr("rebuilding from the registry (the persisted index was "
                                   "unusable: segment file"));
  EXPECT_THAT(LastLog(), HasSubstr("checksum mismatch"));
  EXPECT_FALSE(reg->IndexComplete());
  EXPECT_FALSE(reg->GetStats().index_complete);
  EXPECT_TRUE(Found(*reg, 3).empty());  // partial, and it says so
  WorkSpec w;
  w.values = Track(9);
  auto refused = reg->Submit(bob_.RegisterWork(w));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("being rebuilt"));
  // Other statements go on meanwhile.
  MustSubmit(*reg, alice_.Withdraw(works[0]));

  release.set_value();
  for (int i = 0; i < 200 && !reg->IndexComplete(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(reg->IndexComplete());
  EXPECT_THAT(LastLog(), HasSubstr("rebuilt 3 works"));
  EXPECT_TRUE(Found(*reg, 1).empty());
  EXPECT_EQ(Found(*reg, 3), std::vector<std::string>{works[2]});
  Register(*reg, bob_, 9);  // registrations are back
}

// The landmark index persists beside Chromaprint's: a clean restart reads no
// stored landmark print, and one from an older copy of index/ (as kill -9
// leaves it) reads only the prints registered after that copy's cover.
TEST_F(IndexRestartTest, RestartReadsOnlyTheLandmarkPrintsPastItsCover) {
  TempDir dir, saved;
  {
    auto reg = Open(dir.path());
    MustSubmit(*reg, alice_.Register());
    for (std::uint64_t s = 1; s <= 5; ++s) RegisterWithLandmark(*reg, alice_, s);
    EXPECT_EQ(reg->GetStats().landmark_works, 5u);
  }
  fs::copy(dir.path() / "index", saved.path() / "index", fs::copy_options::recursive);
  {
    auto reg = Open(dir.path());
    EXPECT_THAT(LastLog(), HasSubstr("landmark index: opened a landmark base of 5 recordings"));
    EXPECT_THAT(LastLog(), HasSubstr(", 0 stored landmark prints read"));
    EXPECT_EQ(reg->GetStats().landmark_works, 5u);
    for (std::uint64_t s = 6; s <= 7; ++s) RegisterWithLandmark(*reg, alice_, s);
    Register(*reg, alice_, 8);  // no landmark print
  }
  fs::remove_all(dir.path() / "index");
  fs::copy(saved.path() / "index", dir.path() / "index", fs::copy_options::recursive);
  auto reg = Open(dir.path());
  EXPECT_THAT(LastLog(), HasSubstr("replayed statements 6 to 9"));
  EXPECT_THAT(LastLog(), HasSubstr(", 2 stored landmark prints read"));
  EXPECT_EQ(reg->GetStats().landmark_works, 7u);
  EXPECT_EQ(reg->GetStats().indexed_works, 8u);
}

// A damaged landmark segment: the start-up says so, Chromaprint serves at
// once (matches, registrations), and the landmark index is rebuilt from the
// registry in the background, then persisted again.
TEST_F(IndexRestartTest, ADamagedLandmarkSegmentIsRebuiltWhileMatchingGoesOn) {
  TempDir dir;
  std::vector<std::string> works;
  {
    auto reg = Open(dir.path());
    MustSubmit(*reg, alice_.Register());
    for (std::uint64_t s = 1; s <= 4; ++s) works.push_back(RegisterWithLandmark(*reg, alice_, s));
  }
  int damaged = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "index" / "landmark")) {
    if (e.path().filename().string().rfind("landmark-", 0) != 0) continue;
    std::fstream io(e.path(), std::ios::binary | std::ios::in | std::ios::out);
    io.seekg(0, std::ios::end);
    const auto at = static_cast<std::streamoff>(io.tellg()) / 2;
    io.seekg(at);
    char c = 0;
    io.read(&c, 1);
    c ^= 0x20;
    io.seekp(at);
    io.write(&c, 1);
    ++damaged;
  }
  ASSERT_EQ(damaged, 1);
  auto reg = Open(dir.path());
  ASSERT_NE(reg, nullptr);
  const std::vector<std::string> lines = Logged();
  bool said = false;
  for (const auto& l : lines) {
    said |= l.find(
                "landmark index: rebuilding from the registry while Chromaprint serves (the "
                "persisted index was unusable: segment file") != std::string::npos &&
            l.find("checksum mismatch") != std::string::npos;
  }
  EXPECT_TRUE(said) << ::testing::PrintToString(lines);
  EXPECT_TRUE(reg->IndexComplete());  // Chromaprint resumed: matches and registrations go on
  EXPECT_EQ(Found(*reg, 3), std::vector<std::string>{works[2]});
  works.push_back(RegisterWithLandmark(*reg, alice_, 5));
  for (int i = 0; i < 200 && reg->GetStats().landmark_works < 5; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(reg->GetStats().landmark_works, 5u);
  reg.reset();
  reg = Open(dir.path());
  EXPECT_THAT(LastLog(), HasSubstr("landmark index: opened a landmark base of 5 recordings"));
  EXPECT_THAT(LastLog(), HasSubstr(", 0 stored landmark prints read"));
}

// An index directory from another registry (another log) is not trusted.
TEST_F(IndexRestartTest, AnIndexBuiltFromAnotherLogIsRebuilt) {
  TempDir a, b;
  {
    auto reg = Open(a.path());
    MustSubmit(*reg, alice_.Register());
    Register(*reg, alice_, 1);
  }
  {
    auto reg = Open(b.path());
    MustSubmit(*reg, bob_.Register());
    Register(*reg, bob_, 2);
    Register(*reg, bob_, 3);
  }
  fs::remove_all(b.path() / "index");
  fs::copy(a.path() / "index", b.path() / "index");
  auto reg = Open(b.path());
  EXPECT_THAT(log_.at(log_.size() - 2), HasSubstr("built from another log"));
  EXPECT_THAT(LastLog(), HasSubstr("rebuilt 2 works"));
  EXPECT_TRUE(Found(*reg, 1).empty());
  EXPECT_EQ(Found(*reg, 3).size(), 1u);
}

// The dispute search of a 3-minute registration searches windows of it:
// another artist's copy of the whole track (also one that only multi-probe
// finds), or of the minute in its middle, is still disputed; an unrelated
// track is not.
TEST_F(IndexRestartTest, FullTrackRegistrationsStillDisputeCopies) {
  TempDir dir;
  auto reg = Open(dir.path());
  MustSubmit(*reg, alice_.Register());
  MustSubmit(*reg, bob_.Register());
  const std::string original = Register(*reg, alice_, 1);
  WorkSpec copy;
  copy.title = "copy";
  copy.values = Track(1);
  copy.values[0] ^= 1;  // another work id, the same recording
  Accepted c = MustSubmit(*reg, bob_.RegisterWork(copy));
  ASSERT_EQ(c.opened_disputes.size(), 1u);
  EXPECT_EQ(c.opened_disputes[0].work_a, original);
  WorkSpec part;
  part.title = "a minute of it";
  const auto t = Track(1);
  part.values = RandomFingerprint(77, 1450);
  std::copy(t.begin() + 400, t.begin() + 885, part.values.begin() + 480);
  Accepted p = MustSubmit(*reg, bob_.RegisterWork(part));
  ASSERT_EQ(p.opened_disputes.size(), 1u);
  EXPECT_EQ(p.opened_disputes[0].work_a, original);
  WorkSpec other;
  other.values = Track(5);
  EXPECT_TRUE(MustSubmit(*reg, bob_.RegisterWork(other)).opened_disputes.empty());
  // Each window makes multi-probe lookups at only some of its positions
  // (WorkIndexOptions::dispute_probed_positions): a copy whose every key
  // differs from the original's in a bit multi-probe flips back (value bit
  // 20, as in MatcherTest's
  // MultiProbeFindsAQueryWhoseEveryKeyHasItsWeakestBitFlipped) shares no key
  // with it and is still disputed, through the probes alone.
  TestArtist carol = TestArtist::FromSeedByte(13, "Carol");
  MustSubmit(*reg, carol.Register());
  WorkSpec off;
  off.title = "every key one bit off";
  off.values = Track(1);
  for (auto& v : off.values) v ^= std::uint32_t{1} << 20;
  const Accepted o = MustSubmit(*reg, carol.RegisterWork(off));
  EXPECT_TRUE(std::any_of(o.opened_disputes.begin(), o.opened_disputes.end(),
                          [&](const auto& d) { return d.work_a == original; }));
}

// The dispute rules need the seconds two recordings share, which a search in
// windows estimates from what the windows found (STORAGE.md "Dispute
// search"): the same artist's re-encode of a 3-minute track matches in every
// window and counts as the whole track (refused as the same recording, not
// 40 s of it); another artist's track holding one 10 s window of it counts as
// a quarter of a track, under 30 % of the original, so no dispute.
TEST_F(IndexRestartTest, FullTrackSharedSecondsAreScaledFromTheWindows) {
  TempDir dir;
  auto reg = Open(dir.path());
  MustSubmit(*reg, alice_.Register());
  MustSubmit(*reg, bob_.Register());
  const std::string original = Register(*reg, alice_, 1);
  WorkSpec reencode;
  reencode.title = "the same, re-encoded";
  reencode.values = Track(1);
  for (std::size_t i = 0; i < reencode.values.size(); i += 7) reencode.values[i] ^= 1u << (i % 32);
  auto again = reg->Submit(alice_.RegisterWork(reencode));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_THAT(again.status().message(), HasSubstr(original));

  WorkSpec sample;
  sample.title = "ten seconds of it";
  const auto t = Track(1);
  sample.values = RandomFingerprint(78, 1450);
  // (1450 - 81) * 1 / 8 = 171: the first dispute window, exactly.
  std::copy(t.begin() + 400, t.begin() + 481, sample.values.begin() + 171);
  EXPECT_TRUE(MustSubmit(*reg, bob_.RegisterWork(sample)).opened_disputes.empty());
  EXPECT_EQ(reg->GetStats().indexed_works, 2u);
}

}  // namespace
}  // namespace signet::registry
