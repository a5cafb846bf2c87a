// The landmark index's segment file (fingerprint/landmark_segment.h): what is
// refused at open, and why, when a file is damaged or was written wrong.
#include "fingerprint/landmark_segment.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
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
void Rewrite(const fs::path& path, const std::string& name,
             const std::function<void(std::vector<std::byte>&)>& edit) {
  auto file = SegmentFile::Open(path, internal::kLandmarkSegmentKind, 1, 1);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  auto w = SegmentFileWriter::CreateInMemory(internal::kLandmarkSegmentKind, 1);
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
         Poke<std::uint32_t>(d, row1 + offsetof(LandmarkRefRow, code_count), 1u << 30);
       },
       "ref row 1 names peak codes past the codes section"},
      {"refs",
       [&](auto& d) { Poke<std::uint64_t>(d, row1 + offsetof(LandmarkRefRow, frame_start), 7); },
       "ref row 1 does not start where the previous one ends"},
      {"refs",
       [&](auto& d) {
         Poke<std::uint32_t>(d, offsetof(LandmarkRefRow, checkpoint_start), 1u << 20);
       },
       "ref row 0 names checkpoints"},
      {"refs", [&](auto& d) { d.resize(row1); }, "refs section disagrees with the meta record"},
      {"buckets", [&](auto& d) { Poke<std::uint32_t>(d, 4 * 100, 1u << 31); },
       "starts before the previous one"},
      {"buckets", [&](auto& d) { d.resize(d.size() - 4); }, "bucket table disagrees"},
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

}  // namespace
}  // namespace signet::fp
