// The landmark index's segment file (fingerprint/landmark_segment.h): what is
// refused at open, and why, when a file is damaged or was written wrong.
#include "fingerprint/landmark_segment.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fingerprint/landmark_index.h"
#include "tests/fingerprint/audio_test_util.h"
#include "tests/fingerprint/landmark_test_util.h"

namespace signet::fp {
namespace {

namespace fs = std::filesystem;
using testing::RandomPrint;
using testing::TagOf;

// A base of three random prints, one withdrawn, written to `path`.
void WriteSampleBase(const fs::path& path) {
  LandmarkIndex index;
  for (std::uint8_t id = 1; id <= 3; ++id)
    ASSERT_TRUE(index.Add(id, RandomPrint(id, 40), TagOf(id)).ok());
  index.Compact();
  ASSERT_TRUE(index.Remove(3));
  ASSERT_TRUE(index.WriteBase(path).ok());
}

// The file at `path` rewritten with valid checksums, section `name` replaced
// by what `edit` makes of its bytes: contents a CRC vouches for but that a
// bug could have written.
// `version`: the kind version the rewrite declares.
void Rewrite(const fs::path& path, const std::string& name,
             const std::function<void(std::vector<std::byte>&)>& edit,
             std::uint32_t version = internal::kLandmarkSegmentVersion) {
  auto file =
      SegmentFile::Open(path, internal::kLandmarkSegmentKind, internal::kLandmarkSegmentVersion,
                        internal::kLandmarkSegmentVersion);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto w = SegmentFileWriter::CreateInMemory(internal::kLandmarkSegmentKind, version);
  for (const SectionInfo& s : (*file)->sections()) {
    auto bytes = (*file)->Bytes(s.name);
    ASSERT_TRUE(bytes.ok());
    std::vector<std::byte> data(bytes->begin(), bytes->end());
    if (s.name == name) edit(data);
    ASSERT_TRUE(w->AddSection(s.name, s.type, s.element_size, data).ok());
  }
  ASSERT_TRUE(w->Finish().ok());
  const SegmentBytes out = w->TakeBytes();
  testing::WriteFile(path, std::vector<std::uint8_t>(
                               reinterpret_cast<const std::uint8_t*>(out.data()),
                               reinterpret_cast<const std::uint8_t*>(out.data()) + out.size()));
}

template <typename T>
void Poke(std::vector<std::byte>& data, std::size_t offset, T value) {
  ASSERT_LE(offset + sizeof value, data.size());
  std::memcpy(data.data() + offset, &value, sizeof value);
}

TEST(LandmarkSegment, ReopensWithItsRowsTagsAndWithdrawals) {
  testing::TempDir dir;
  const fs::path p = dir.path() / "landmark-1.seg";
  WriteSampleBase(p);
  LandmarkIndex index;
  ASSERT_TRUE(index.OpenBase(p).ok());
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.Tag(1), TagOf(1));
  EXPECT_EQ(index.Tag(2), TagOf(2));
  EXPECT_FALSE(index.Contains(3));
  const LandmarkIndexStats stats = index.Stats();
  EXPECT_GT(stats.postings, 0u);
  EXPECT_NEAR(stats.seconds, 80, 0.1);
}

TEST(LandmarkSegment, DamagedOrInconsistentFilesAreRefusedWithTheReason) {
  testing::TempDir dir;
  const fs::path p = dir.path() / "landmark-1.seg";
  WriteSampleBase(p);
  const std::vector<std::uint8_t> good = testing::ReadFile(p);
  auto expect_refused = [&](const std::string& reason) {
    LandmarkIndex index;
    const Status st = index.OpenBase(p);
    ASSERT_FALSE(st.ok()) << reason;
    EXPECT_EQ(st.code(), Status::Code::kInternal);
    EXPECT_NE(st.message().find(reason), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(p.string()), std::string::npos) << st.message();
    EXPECT_EQ(index.size(), 0u);  // unchanged: nothing half-opened
  };
  {  // damage the container catches: truncation, a flipped byte in a large section
    std::vector<std::uint8_t> b = good;
    b.resize(good.size() - 64);
    testing::WriteFile(p, b);
    expect_refused("truncated");
    b = good;
    b[good.size() / 2] ^= 0x10;
    testing::WriteFile(p, b);
    expect_refused("checksum");
  }
  // Contents the checksums vouch for, checked against each other.
  using internal::LandmarkRefRow;
  const std::size_t row1 = sizeof(LandmarkRefRow);
  const struct {
    std::string section;
    std::function<void(std::vector<std::byte>&)> edit;
    std::string reason;
  } cases[] = {
      {"refs",
       [&](auto& d) {
         Poke<std::uint32_t>(d, row1 + offsetof(LandmarkRefRow, peak_bits), 1u << 30);
       },
       "ref row 1 names peak codes out of order or past the peaks section"},
      {"refs",
       [&](auto& d) { Poke<std::uint64_t>(d, row1 + offsetof(LandmarkRefRow, peak_bit_start), 3); },
       "ref row 1 names peak codes out of order"},
      {"refs",
       [&](auto& d) { Poke<std::uint64_t>(d, row1 + offsetof(LandmarkRefRow, frame_start), 7); },
       "ref row 1 does not start where the previous one ends"},
      {"refs",
       [&](auto& d) {
         Poke<std::uint32_t>(d, offsetof(LandmarkRefRow, checkpoint_start), 1u << 20);
       },
       "ref row 0 names checkpoints"},
      {"refs", [&](auto& d) { d.resize(row1); }, "refs section disagrees with the meta record"},
      {"bucket_start", [&](auto& d) { Poke<std::uint32_t>(d, 4 * 10, 1u << 31); },
       "names an empty or out of order bucket"},
      {"bucket_start", [&](auto& d) { d.resize(d.size() - 4); },
       "has starts for another number of buckets or entries"},
      {"bucket_rank", [&](auto& d) { Poke<std::uint32_t>(d, 4 * 2, 1u); }, "counts word 2 wrong"},
      {"bucket_occupied", [&](auto& d) { d.resize(d.size() - 8); },
       "disagrees with the meta record's bucket bits"},
      {"bucket_occupied", [&](auto& d) { Poke<std::uint64_t>(d, d.size() - 8, 1); },
       "disagrees with the meta record's bucket bits"},
      {"peak_code", [&](auto& d) { Poke<std::uint8_t>(d, 3, 0); }, "symbol 3 has length 0"},
      {"peak_code", [&](auto& d) { Poke<std::uint8_t>(d, 40, 1); }, "pitches is not a prefix code"},
      {"peak_code", [&](auto& d) { d.resize(79); }, "peak code has the wrong number of lengths"},
      {"peaks", [&](auto& d) { d.resize(d.size() - 9); }, "past the peaks section"},
      {"packed", [&](auto& d) { d.resize(d.size() / 2); }, "packed section is shorter"},
      {"dead", [&](auto& d) { Poke<std::uint32_t>(d, 0, 99); }, "dead row 99 past the refs"},
      {"meta",
       [&](auto& d) {
         Poke<std::uint32_t>(d, offsetof(internal::LandmarkSegmentMeta, entry_bits), 60);
       },
       "entry bits out of range"},
      {"meta",
       [&](auto& d) {
         Poke<std::uint32_t>(d, offsetof(internal::LandmarkSegmentMeta, hash_version), 2);
       },
       "hash version 2"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.reason);
    testing::WriteFile(p, good);
    Rewrite(p, c.section, c.edit);
    expect_refused(c.reason);
  }
  // And the rewrite itself keeps a good file good (so each case fails for its edit).
  testing::WriteFile(p, good);
  Rewrite(p, "refs", [](auto&) {});
  LandmarkIndex index;
  EXPECT_TRUE(index.OpenBase(p).ok());
  fs::remove(p);
  expect_refused("");  // missing
}

// A base in the peak codes of a file reads back exactly the peaks it was built
// from, whatever window a query asks for (the checkpoints every 64 peaks).
TEST(LandmarkSegment, PeakCodesDecodeEveryWindowExactly) {
  std::vector<internal::LandmarkSource> refs;
  std::vector<LandmarkPrint> prints;
  for (std::uint8_t id = 1; id <= 4; ++id) prints.push_back(RandomPrint(id, 90));
  // A long gap (escaped), peaks sharing a frame, and the highest pitch.
  prints[1].peaks.push_back({prints[1].frames + 5000, 3, 1});
  prints[1].peaks.push_back({prints[1].frames + 5000, kLandmarkMaxPitch, 1});
  prints[1].frames += 5001;
  for (std::size_t i = 0; i < prints.size(); ++i)
    refs.push_back({i + 1, &prints[i].peaks, prints[i].frames, TagOf(1)});
  auto base = internal::BuildLandmarkBase(refs);
  testing::TempDir dir;
  auto mapped = internal::WriteLandmarkSegment({dir.path() / "landmark-1.seg"}, *base);
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  for (const internal::LandmarkBase* b : {base.get(), mapped->get()}) {
    for (std::uint32_t r = 0; r < prints.size(); ++r) {
      const auto& peaks = prints[r].peaks;
      for (std::uint32_t from : {0u, 1u, 37u, 700u, 2000u}) {
        for (std::uint32_t to : {from + 1, from + 90, prints[r].frames}) {
          std::vector<LandmarkPeak> want, got;
          for (const auto& p : peaks)
            if (p.frame >= from && p.frame < to) want.push_back({p.frame, p.pitch, 0});
          internal::DecodePeaks(b->CodesOf(r), b->CheckpointsOf(r), from, to, got);
          ASSERT_EQ(got, want) << "row " << r << " [" << from << ", " << to << ")";
        }
      }
    }
  }
  // ~13 bits a peak with its checkpoints, against 18 for format 1's u16 codes.
  std::size_t peaks = 0;
  for (const auto& p : prints) peaks += p.peaks.size();
  EXPECT_LT(8.0 * static_cast<double>(base->PeakBytes()) / static_cast<double>(peaks), 15.0);
}

// ---- an index directory (index/landmark/) --------------------------------

IndexCover CoverAt(std::uint64_t position) {
  IndexCover c;
  c.position = position;
  c.digest.fill(static_cast<std::uint8_t>(position));
  return c;
}

std::vector<fs::path> LandmarkFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind("landmark-", 0) == 0) out.push_back(e.path());
  return out;
}

LandmarkIndexOptions InDirectory(const fs::path& dir) {
  LandmarkIndexOptions o;
  o.directory = dir;
  return o;
}

TEST(LandmarkDirectory, AMergedBaseReopensWithItsCoverAndWithoutLaterAdditions) {
  testing::TempDir dir;
  const fs::path d = dir.path() / "landmark";
  LandmarkIndexStats stats;
  {
    LandmarkIndex index(InDirectory(d));
    EXPECT_EQ(index.open_report().state, IndexOpenReport::State::kNone);
    for (std::uint8_t id = 1; id <= 3; ++id)
      ASSERT_TRUE(index.Add(id, RandomPrint(id, 40), TagOf(id)).ok());
    EXPECT_TRUE(index.Remove(3));
    index.SetCover(CoverAt(3));
    index.Compact();  // writes the base with cover 3
    stats = index.Stats();
    EXPECT_EQ(stats.last_error, "");
    ASSERT_TRUE(index.Add(4, RandomPrint(4, 40), TagOf(4)).ok());  // past the cover: replayed
    index.SetCover(CoverAt(4));
    ASSERT_TRUE(index.Add(5, RandomPrint(5, 40), TagOf(5)).ok());
    index.SetCover(CoverAt(5));
    index.Compact();  // a second base replaces the first on disk
    EXPECT_EQ(LandmarkFiles(d).size(), 1u);
    ASSERT_TRUE(index.Add(6, RandomPrint(6, 40), TagOf(6)).ok());  // in the delta only
  }
  LandmarkIndex reopened(InDirectory(d));
  const IndexOpenReport& r = reopened.open_report();
  ASSERT_EQ(r.state, IndexOpenReport::State::kOpened) << r.message;
  EXPECT_EQ(r.cover, CoverAt(5));
  EXPECT_EQ(r.recordings, 4u);
  EXPECT_EQ(reopened.size(), 4u);
  for (std::uint8_t id : {1, 2, 4, 5}) EXPECT_EQ(reopened.Tag(id), TagOf(id)) << int{id};
  EXPECT_FALSE(reopened.Contains(3));
  EXPECT_FALSE(reopened.Contains(6));  // never covered: the owner replays it
  EXPECT_GT(reopened.Stats().postings, stats.postings);
}

TEST(LandmarkDirectory, PersistRecordsWithdrawalsAndTheDeltaSoARestartReplaysNothing) {
  testing::TempDir dir;
  const fs::path d = dir.path() / "landmark";
  {
    LandmarkIndex index(InDirectory(d));
    ASSERT_TRUE(index.Add(1, RandomPrint(1, 30), TagOf(1)).ok());
    ASSERT_TRUE(index.Add(2, RandomPrint(2, 30), TagOf(2)).ok());
    index.SetCover(CoverAt(2));
    index.Compact();
    EXPECT_TRUE(index.Remove(1));
    index.SetCover(CoverAt(3));
    ASSERT_TRUE(index.Persist().ok());  // a manifest with row 0 dead
  }
  {
    LandmarkIndex index(InDirectory(d));
    EXPECT_EQ(index.open_report().cover, CoverAt(3));
    EXPECT_FALSE(index.Contains(1));
    EXPECT_TRUE(index.Contains(2));
    ASSERT_TRUE(index.Add(3, RandomPrint(3, 30), TagOf(3)).ok());
    index.SetCover(CoverAt(4));
    ASSERT_TRUE(index.Persist().ok());  // the delta merged and written
  }
  LandmarkIndex index(InDirectory(d));
  EXPECT_EQ(index.open_report().cover, CoverAt(4));
  EXPECT_EQ(index.size(), 2u);
  EXPECT_EQ(index.Tag(3), TagOf(3));
}

// kill -9 at any moment, merges writing bases all the while: a restart opens
// the last durable manifest's base (never discards it), its cover never goes
// back, and every recording added before its cover is there.
TEST(LandmarkDirectory, KillNineDuringBaseWritesLeavesAConsistentIndex) {
  testing::TempDir dir;
  const fs::path d = dir.path() / "landmark";
  auto options = [&] {
    LandmarkIndexOptions o = InDirectory(d);
    o.merge_min_postings = 4000;  // a merge every few recordings
    return o;
  };
  std::mt19937 rng(23);
  std::uint64_t best = 0;
  int opened = 0;
  for (int round = 0; round < 5; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      LandmarkIndex index(options());
      const auto& r = index.open_report();
      std::uint64_t next = r.cover ? r.cover->position : 0;
      for (;; ++next) {  // recording k is added, then covered by position k + 1
        if (!index
                 .Add(next, RandomPrint(static_cast<std::uint32_t>(next), 20),
                      TagOf(static_cast<std::uint8_t>(next)))
                 .ok()) {
          ::_exit(3);
        }
        index.SetCover(CoverAt(next + 1));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 500));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);

    LandmarkIndex index(options());
    const IndexOpenReport& r = index.open_report();
    ASSERT_NE(r.state, IndexOpenReport::State::kDiscarded) << r.message;
    if (r.state == IndexOpenReport::State::kOpened) ++opened;
    const std::uint64_t covered = r.cover ? r.cover->position : 0;
    if (r.cover) {
      EXPECT_EQ(r.cover->digest, CoverAt(covered).digest);
    }
    EXPECT_GE(covered, best) << "round " << round;  // never goes back
    best = covered;
    // A merge may freeze recording k before its cover k + 1 is set.
    EXPECT_GE(index.size(), covered);
    EXPECT_LE(index.size(), covered + 1);
    for (std::uint64_t id = 0; id < covered; ++id) {
      ASSERT_TRUE(index.Contains(id)) << id << " of " << covered;
      EXPECT_EQ(index.Tag(id), TagOf(static_cast<std::uint8_t>(id)));
    }
    for (const auto& e : fs::directory_iterator(d)) {
      EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
    }
  }
  EXPECT_GT(best, 0u);
  EXPECT_GE(opened, 3);
}

// A directory `d` holding a base of three prints with cover 3.
void WriteBaseOfThree(const fs::path& d) {
  LandmarkIndex index(InDirectory(d));
  for (std::uint8_t id = 1; id <= 3; ++id) ASSERT_TRUE(index.Add(id, RandomPrint(id, 40)).ok());
  index.SetCover(CoverAt(3));
  index.Compact();
}

// `reopened` (opened on `d`, discarded) is given the three prints again as a
// bulk load; the base it writes reopens with them.
void ExpectARebuildPersists(LandmarkIndex& reopened, const fs::path& d) {
  reopened.BeginBulkLoad();
  for (std::uint8_t id = 1; id <= 3; ++id) ASSERT_TRUE(reopened.Add(id, RandomPrint(id, 40)).ok());
  reopened.SetCover(CoverAt(3));
  reopened.Compact();
  LandmarkIndex again(InDirectory(d));
  EXPECT_EQ(again.open_report().state, IndexOpenReport::State::kOpened)
      << again.open_report().message;
  EXPECT_EQ(again.size(), 3u);
}

TEST(LandmarkDirectory, ADamagedBaseIsDiscardedReportedAndRebuilt) {
  testing::TempDir dir;
  const fs::path d = dir.path() / "landmark";
  WriteBaseOfThree(d);
  // A Chromaprint segment in the same directory is not the landmark index's.
  testing::WriteFile(d / "chroma-000000000001.seg", {1, 2, 3});
  const auto files = LandmarkFiles(d);
  ASSERT_EQ(files.size(), 1u);
  std::vector<std::uint8_t> bytes = testing::ReadFile(files[0]);
  bytes[bytes.size() / 2] ^= 0x04;
  testing::WriteFile(files[0], bytes);

  LandmarkIndex reopened(InDirectory(d));
  const IndexOpenReport& r = reopened.open_report();
  EXPECT_EQ(r.state, IndexOpenReport::State::kDiscarded);
  EXPECT_NE(r.message.find(files[0].string()), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("checksum"), std::string::npos) << r.message;
  EXPECT_EQ(reopened.size(), 0u);
  EXPECT_TRUE(LandmarkFiles(d).empty());
  EXPECT_FALSE(fs::exists(d / "MANIFEST"));
  EXPECT_TRUE(fs::exists(d / "chroma-000000000001.seg"));
  // The owner rebuilds; the rebuilt base persists.
  ExpectARebuildPersists(reopened, d);
}

// Bucket and check bits together compare 20 bits of a hash at every size, and
// no more once the bucket alone does (format 1 kept 4 check bits there).
TEST(LandmarkSegment, BucketAndCheckCompareTwentyHashBitsAtEverySize) {
  internal::LandmarkBase b;
  for (const int bucket_bits : {13, 20, 22, 26, 28}) {
    b.bucket_bits = bucket_bits;
    const int hash_bits = bucket_bits - internal::kClassBits;
    EXPECT_EQ(b.CheckBits(), std::max(0, 20 - hash_bits)) << bucket_bits;
    EXPECT_EQ(b.Check(0xffffffffu), (std::uint32_t{1} << b.CheckBits()) - 1) << bucket_bits;
    EXPECT_EQ(b.Check(0x80000000u >> hash_bits), b.CheckBits() > 0 ? 1u << (b.CheckBits() - 1) : 0)
        << bucket_bits;
  }
}

// A base of format 1 (u16 peak codes) is refused with the versions, and its
// directory discarded for the owner to rebuild.
TEST(LandmarkDirectory, ABaseOfTheFirstFormatIsRefusedAndRebuilt) {
  testing::TempDir dir;
  const fs::path d = dir.path() / "landmark";
  WriteBaseOfThree(d);
  const auto files = LandmarkFiles(d);
  ASSERT_EQ(files.size(), 1u);
  Rewrite(
      files[0], "", [](auto&) {}, /*version=*/1);
  LandmarkIndex reopened(InDirectory(d));
  EXPECT_EQ(reopened.open_report().state, IndexOpenReport::State::kDiscarded);
  EXPECT_NE(
      reopened.open_report().message.find("landmark format version 1, this build reads 2 to 2"),
      std::string::npos)
      << reopened.open_report().message;
  EXPECT_EQ(reopened.size(), 0u);
  ExpectARebuildPersists(reopened, d);
}

}  // namespace
}  // namespace signet::fp
