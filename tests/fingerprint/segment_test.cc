// Segment files (the generic container), the value and posting codecs, and
// Chromaprint segments built, merged and read back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "fingerprint/chroma_segment.h"
#include "fingerprint/index.h"
#include "fingerprint/posting_codec.h"
#include "fingerprint/segment_file.h"
#include "fingerprint/testing/synthetic.h"
#include "fingerprint/value_codec.h"
#include "tests/fingerprint/audio_test_util.h"

namespace signet::fp::internal {
namespace {

namespace fs = std::filesystem;

// A small file with two sections: 1,000 u32 and a 100 MiB u64 (big enough to
// be verified only on request).
fs::path WriteSample(const fs::path& dir, std::uint32_t version = 3) {
  const fs::path p = dir / "sample.seg";
  auto w = SegmentFileWriter::Create(p, "sample", version);
  EXPECT_TRUE(w.ok());
  std::vector<std::uint32_t> small(1000);
  for (std::uint32_t i = 0; i < small.size(); ++i) small[i] = i * 7;
  EXPECT_TRUE((*w)->AddArray<std::uint32_t>("small", small).ok());
  auto big = (*w)->OpenSection("big", SectionType::kU64, 8, 0);
  EXPECT_TRUE(big.ok());
  std::vector<std::uint64_t> chunk(1 << 16);
  for (int c = 0; c < 200; ++c) {
    for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = c * chunk.size() + i;
    EXPECT_TRUE((*big)->AppendArray<std::uint64_t>(chunk).ok());
  }
  EXPECT_TRUE((*big)->Close().ok());
  EXPECT_TRUE((*w)->Finish().ok());
  EXPECT_FALSE(fs::exists((*w)->temp_path()));
  return p;
}

TEST(SegmentFile, RoundTripsTypedSections) {
  testing::TempDir dir;
  const fs::path p = WriteSample(dir.path());
  auto f = SegmentFile::Open(p, "sample", 1, 3, SegmentFile::Verify::kAll);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ((*f)->kind_version(), 3u);
  auto small = (*f)->Array<std::uint32_t>("small");
  ASSERT_TRUE(small.ok());
  ASSERT_EQ(small->size(), 1000u);
  EXPECT_EQ((*small)[999], 999u * 7);
  auto big = (*f)->Array<std::uint64_t>("big");
  ASSERT_TRUE(big.ok());
  ASSERT_EQ(big->size(), 200u << 16);
  EXPECT_EQ((*big)[12345678], 12345678u);
  for (const auto& s : (*f)->sections()) EXPECT_EQ(s.offset % 64, 0u);
  // Wrong type, missing section.
  EXPECT_FALSE((*f)->Array<std::uint64_t>("small").ok());
  EXPECT_FALSE((*f)->Array<std::uint32_t>("nothing").ok());
}

// The damaged-file cases: each is refused at Open with a message naming the
// file and the fault; a flipped byte in a large section is found by VerifyAll.
TEST(SegmentFile, DamagedFilesAreRefusedWithTheReason) {
  testing::TempDir dir;
  const fs::path p = WriteSample(dir.path());
  const std::vector<std::uint8_t> good = testing::ReadFile(p);
  auto open = [&](const std::vector<std::uint8_t>& bytes, SegmentFile::Verify v) {
    testing::WriteFile(p, bytes);
    return SegmentFile::Open(p, "sample", 1, 3, v);
  };
  auto expect_refused = [&](const std::vector<std::uint8_t>& bytes, const std::string& reason) {
    auto f = open(bytes, SegmentFile::Verify::kSmallSections);
    ASSERT_FALSE(f.ok()) << reason;
    EXPECT_EQ(f.status().code(), Status::Code::kInternal);
    EXPECT_NE(f.status().message().find(reason), std::string::npos) << f.status().message();
    EXPECT_NE(f.status().message().find(p.string()), std::string::npos);
  };
  {  // truncated: the last byte, half the file, everything but the header
    std::vector<std::uint8_t> b = good;
    b.pop_back();
    expect_refused(b, "truncated or appended");
    b.resize(good.size() / 2);
    expect_refused(b, "truncated or appended");
    b.resize(10);
    expect_refused(b, "truncated");
  }
  {  // a flipped byte in the header, the section table, a small section
    std::vector<std::uint8_t> b = good;
    b[33] ^= 0x01;  // kind version
    expect_refused(b, "header checksum");
    b = good;
    b[b.size() - 10] ^= 0x40;
    expect_refused(b, "section table checksum");
    auto f = SegmentFile::Open(p, "sample", 1, 3);
    b = good;
    testing::WriteFile(p, good);
    auto ok = SegmentFile::Open(p, "sample", 1, 3);
    ASSERT_TRUE(ok.ok());
    const auto* small = (*ok)->Find("small");
    b[small->offset + 17] ^= 0x04;
    expect_refused(b, "section 'small' checksum mismatch");
  }
  {  // a flipped byte in the big section: opens, and VerifyAll says where
    std::vector<std::uint8_t> b = good;
    testing::WriteFile(p, good);
    auto ok = SegmentFile::Open(p, "sample", 1, 3);
    ASSERT_TRUE(ok.ok());
    const auto* big = (*ok)->Find("big");
    b[big->offset + big->size / 2] ^= 0x80;
    auto f = open(b, SegmentFile::Verify::kSmallSections);
    ASSERT_TRUE(f.ok());
    const Status s = (*f)->VerifyAll();
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find("section 'big' checksum mismatch"), std::string::npos);
    EXPECT_FALSE(open(b, SegmentFile::Verify::kAll).ok());
  }
  {  // wrong version or kind; not a segment at all
    WriteSample(dir.path(), 4);
    auto f = SegmentFile::Open(p, "sample", 1, 3);
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("format version 4, this build reads 1 to 3"),
              std::string::npos);
    WriteSample(dir.path(), 3);
    f = SegmentFile::Open(p, "landmark", 1, 3);
    ASSERT_FALSE(f.ok());
    EXPECT_NE(f.status().message().find("holds a 'sample' segment"), std::string::npos);
    std::vector<std::uint8_t> b(4096, 'x');
    expect_refused(b, "not a segment file");
  }
  EXPECT_FALSE(SegmentFile::Open(dir.path() / "absent", "sample", 1, 3).ok());
}

TEST(SegmentFile, AnUnfinishedWriterLeavesNothingBehind) {
  testing::TempDir dir;
  const fs::path p = dir.path() / "x.seg";
  {
    auto w = SegmentFileWriter::Create(p, "sample", 1);
    ASSERT_TRUE(w.ok());
    std::vector<std::uint32_t> v(100, 1);
    ASSERT_TRUE((*w)->AddArray<std::uint32_t>("v", v).ok());
    EXPECT_TRUE(fs::exists((*w)->temp_path()));
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(SegmentFile, ReservedSectionsCanBeWrittenSideBySide) {
  auto w = SegmentFileWriter::CreateInMemory("sample", 1);
  auto a = w->OpenSection("a", SectionType::kU8, 1, 1000);
  auto b = w->OpenSection("b", SectionType::kU8, 1, 1000);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 300; ++i) {
    const std::uint8_t x = static_cast<std::uint8_t>(i), y = static_cast<std::uint8_t>(255 - i);
    ASSERT_TRUE((*a)->Append(&x, 1).ok());
    ASSERT_TRUE((*b)->Append(&y, 1).ok());
  }
  std::vector<std::uint8_t> over(701, 0);
  EXPECT_FALSE((*a)->Append(over.data(), over.size()).ok());
  ASSERT_TRUE((*a)->Close().ok());
  ASSERT_TRUE((*b)->Close().ok());
  ASSERT_TRUE(w->Finish().ok());
  auto f = SegmentFile::FromBytes(w->TakeBytes(), "mem", "sample", 1, 1);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  auto ra = (*f)->Array<std::uint8_t>("a");
  auto rb = (*f)->Array<std::uint8_t>("b");
  ASSERT_EQ(ra->size(), 300u);
  ASSERT_EQ(rb->size(), 300u);
  EXPECT_EQ((*ra)[299], 299 % 256);
  EXPECT_EQ((*rb)[10], 245);
}

TEST(ValueCodec, RoundTripsAndCompressesMusicLikeValues) {
  const ValueCodec& c = ValueCodec::Default();
  SyntheticFingerprints gen(11);
  std::mt19937 rng(3);
  std::size_t values = 0, bytes = 0;
  for (int r = 0; r < 50; ++r) {
    std::vector<std::uint32_t> v = gen.Recording(1 + rng() % 3000);
    if (r == 0) v = {0xffffffffu};
    if (r == 1) {
      for (auto& x : v) x = static_cast<std::uint32_t>(rng());  // incompressible
    }
    std::vector<std::uint8_t> out;
    std::vector<std::uint32_t> offs;
    c.Encode(v, out, offs);
    ASSERT_EQ(offs.size(), (v.size() + kValueBlock - 1) / kValueBlock);
    std::vector<std::uint32_t> back(v.size());
    for (std::size_t b = 0; b < offs.size(); ++b) {
      const std::size_t end = b + 1 < offs.size() ? offs[b + 1] : out.size();
      c.DecodeBlock({out.data() + offs[b], end - offs[b]},
                    std::min(kValueBlock, v.size() - b * kValueBlock),
                    back.data() + b * kValueBlock);
    }
    ASSERT_EQ(back, v) << r;
    if (r >= 2) {
      values += v.size();
      bytes += out.size();
    }
  }
  EXPECT_LT(static_cast<double>(bytes) / static_cast<double>(values), 2.3);
}

TEST(ValueCodec, DamagedBlocksStayInBounds) {
  const ValueCodec& c = ValueCodec::Default();
  std::mt19937 rng(5);
  std::uint32_t out[kValueBlock];
  for (int t = 0; t < 2000; ++t) {
    std::vector<std::uint8_t> junk(rng() % 12);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    c.DecodeBlock(junk, 1 + rng() % kValueBlock, out);  // ASan checks the reads
  }
}

TEST(ValueCodec, TwoBlocksAtOnceDecodeAsEachOnItsOwn) {
  const ValueCodec& c = ValueCodec::Default();
  SyntheticFingerprints gen(12);
  std::mt19937 rng(6);
  for (int r = 0; r < 20; ++r) {
    const std::vector<std::uint32_t> v = gen.Recording(2 + rng() % 700);
    std::vector<std::uint8_t> out;
    std::vector<std::uint32_t> offs;
    c.Encode(v, out, offs);
    auto block = [&](std::size_t b) -> std::span<const std::uint8_t> {
      const std::size_t end = b + 1 < offs.size() ? offs[b + 1] : out.size();
      return {out.data() + offs[b], end - offs[b]};
    };
    auto count = [&](std::size_t b) { return std::min(kValueBlock, v.size() - b * kValueBlock); };
    std::vector<std::uint32_t> back(v.size());
    // Pairs in any order, the last block (shorter) with any other.
    for (std::size_t b = 0; b < offs.size(); ++b) {
      const std::size_t o = rng() % offs.size();
      std::vector<std::uint32_t> other(kValueBlock);
      c.DecodeBlocks(block(b), count(b), back.data() + b * kValueBlock, block(o), count(o),
                     other.data());
      ASSERT_TRUE(std::equal(other.begin(), other.begin() + static_cast<long>(count(o)),
                             v.begin() + static_cast<long>(o * kValueBlock)))
          << r << " " << o;
    }
    ASSERT_EQ(back, v) << r;
  }
  // Damaged blocks decode to the same (wrong) values either way.
  for (int t = 0; t < 2000; ++t) {
    std::vector<std::uint8_t> a(rng() % 200), b(rng() % 12);
    for (auto& x : a) x = static_cast<std::uint8_t>(rng());
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    const std::size_t na = 1 + rng() % kValueBlock, nb = 1 + rng() % kValueBlock;
    std::uint32_t one_a[kValueBlock], one_b[kValueBlock], two_a[kValueBlock], two_b[kValueBlock];
    c.DecodeBlock(a, na, one_a);
    c.DecodeBlock(b, nb, one_b);
    c.DecodeBlocks(a, na, two_a, b, nb, two_b);
    ASSERT_TRUE(std::equal(one_a, one_a + na, two_a));
    ASSERT_TRUE(std::equal(one_b, one_b + nb, two_b));
  }
}

TEST(ValueCodec, RefusesCodesThatAreNotPrefixCodes) {
  ValueCodeLengths l = DefaultValueCodeLengths();
  EXPECT_TRUE(ValueCodec::Create(l).ok());
  l[5] = 1;  // Kraft sum over 1
  EXPECT_FALSE(ValueCodec::Create(l).ok());
  l = DefaultValueCodeLengths();
  l[700] = 13;
  EXPECT_FALSE(ValueCodec::Create(l).ok());
}

// Postings of random (key, position) sets read back exactly, per key and in
// sequence, at sizes from empty to ~200k entries.
TEST(PostingCodec, RoundTripsPerKeyAndInOrder) {
  constexpr std::uint32_t kKeyMask = (std::uint32_t{1} << kPostingKeyBits) - 1;
  std::mt19937_64 rng(9);
  for (std::uint64_t n : {0ull, 1ull, 5ull, 1000ull, 200000ull}) {
    const std::uint64_t positions = std::max<std::uint64_t>(1, n + rng() % (n + 10));
    std::map<std::uint32_t, std::vector<std::uint32_t>> want;
    std::vector<std::uint64_t> all;
    for (std::uint64_t i = 0; i < n; ++i) {
      // Some keys repeat a lot, most are rare: like real postings.
      // Keys of every width up to kPostingKeyBits, the top bits too.
      const std::uint32_t key = i % 7 == 0   ? 0x123456u
                                : i % 7 == 1 ? kKeyMask - static_cast<std::uint32_t>(rng() % 64)
                                             : static_cast<std::uint32_t>(rng() & kKeyMask);
      all.push_back(std::uint64_t{key} << 32 | (rng() % positions));
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    for (std::uint64_t e : all)
      want[static_cast<std::uint32_t>(e >> 32)].push_back(static_cast<std::uint32_t>(e));
    const PostingParams p = PostingParams::For(positions, all.size());
    std::vector<std::uint8_t> low;
    std::vector<std::uint64_t> high;
    PostingWriter w(
        p,
        [&](const void* d, std::size_t b) {
          low.insert(low.end(), static_cast<const std::uint8_t*>(d),
                     static_cast<const std::uint8_t*>(d) + b);
          return Status::Ok();
        },
        [&](const void* d, std::size_t b) {
          const auto* q = static_cast<const std::uint64_t*>(d);
          high.insert(high.end(), q, q + b / 8);
          return Status::Ok();
        });
    for (std::uint64_t e : all)
      ASSERT_TRUE(w.Add(static_cast<std::uint32_t>(e >> 32), static_cast<std::uint32_t>(e)).ok());
    if (!all.empty()) {
      EXPECT_FALSE(w.Add(0, 0).ok());  // out of order
    }
    auto skip = w.Finish();
    ASSERT_TRUE(skip.ok());
    PostingParams rp = p;
    rp.entries = all.size();
    auto r = PostingReader::Create(rp, positions, low, high, *skip);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (n > 0) {
      const double bits = 8.0 *
                          static_cast<double>(low.size() + high.size() * 8 + skip->size() * 4) /
                          static_cast<double>(all.size());
      if (n >= 1000) {
        EXPECT_LT(bits, kPostingKeyBits + std::log2(double(positions) / all.size()) + 4) << n;
      }
    }
    for (const auto& [key, list] : want) {
      std::vector<std::uint32_t> got;
      r->ForKey(key, [&](std::uint32_t pos) { got.push_back(pos); });
      ASSERT_EQ(got, list) << "key " << key << " n " << n;
    }
    for (int t = 0; t < 2000; ++t) {  // keys with no entries
      const auto key = static_cast<std::uint32_t>(rng() & kKeyMask);
      if (want.contains(key)) continue;
      EXPECT_EQ(r->CountKey(key), 0u);
    }
    std::size_t i = 0;
    for (PostingReader::Cursor c(*r); !c.done(); c.Next(), ++i) {
      ASSERT_LT(i, all.size());
      ASSERT_EQ(std::uint64_t{c.key()} << 32 | c.position(), all[i]);
    }
    EXPECT_EQ(i, all.size());
  }
}

std::vector<RefSource> Sources(const std::vector<std::vector<std::uint32_t>>& recs,
                               std::uint64_t first_id) {
  std::vector<RefSource> s;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    RefSource r;
    r.ref_id = first_id + i;
    r.values = recs[i];
    r.tag[0] = static_cast<std::uint8_t>(i);
    s.push_back(r);
  }
  return s;
}

// Every position of every reference is where the postings say, the values
// decode exactly over any range, and a merge that drops references keeps
// all of this for the others.
void ExpectSegmentHolds(const ChromaSegment& seg,
                        const std::vector<const std::vector<std::uint32_t>*>& live) {
  std::size_t next_live = 0;
  for (std::size_t r = 0; r < seg.refs().size(); ++r) {
    const RefRecord& rec = seg.refs()[r];
    if (rec.length == 0) continue;
    ASSERT_LT(next_live, live.size());
    const auto& v = *live[next_live++];
    ASSERT_EQ(rec.length, v.size());
    std::vector<std::uint32_t> back(v.size());
    seg.DecodeValues(r, 0, rec.length, back.data());
    ASSERT_EQ(back, v);
    if (v.size() > 40) {
      std::vector<std::uint32_t> part(21);
      seg.DecodeValues(r, 19, 40, part.data());
      EXPECT_TRUE(std::equal(part.begin(), part.end(), v.begin() + 19));
    }
    const auto low = LowInformationMask(v);
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::uint32_t pos = rec.start + static_cast<std::uint32_t>(i);
      ASSERT_EQ(seg.RefOfPosition(pos), r);
      bool found = false;
      seg.postings().ForKey(IndexKey(v[i]), [&](std::uint32_t p) { found |= p == pos; });
      EXPECT_EQ(found, !low[i]) << "ref " << r << " offset " << i;
    }
  }
  EXPECT_EQ(next_live, live.size());
}

TEST(ChromaSegment, BuildsMergesAndDropsWithdrawnReferences) {
  testing::TempDir dir;
  SyntheticFingerprints gen(21);
  std::vector<std::vector<std::uint32_t>> a, b;
  for (int i = 0; i < 12; ++i) a.push_back(gen.Recording(300 + 50 * i));
  for (int i = 0; i < 7; ++i) b.push_back(gen.Recording(700));
  b[3].clear();  // an empty fingerprint is a reference with no positions
  auto sa = WriteChromaSegment({dir.path() / "a.seg"}, 100, Sources(a, 1000));
  ASSERT_TRUE(sa.ok()) << sa.status().ToString();
  auto sb = WriteChromaSegment({}, 112, Sources(b, 2000));  // in memory
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  EXPECT_EQ((*sa)->first_slot(), 100u);
  EXPECT_EQ((*sa)->end_slot(), 112u);
  EXPECT_EQ((*sa)->refs()[5].tag[0], 5);
  std::vector<const std::vector<std::uint32_t>*> live;
  for (const auto& v : a) live.push_back(&v);
  ExpectSegmentHolds(**sa, live);

  // Slots 101, 110 and 113 withdrawn.
  auto alive = [](std::uint64_t slot) { return slot != 101 && slot != 110 && slot != 113; };
  std::vector<std::shared_ptr<const ChromaSegment>> inputs = {*sa, *sb};
  auto m = MergeChromaSegments({dir.path() / "m.seg"}, inputs, alive);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ((*m)->first_slot(), 100u);
  EXPECT_EQ((*m)->end_slot(), 119u);
  EXPECT_EQ((*m)->refs()[1].flags & kRefDropped, kRefDropped);
  EXPECT_EQ((*m)->refs()[1].ref_id, 1001u);
  EXPECT_EQ((*m)->refs()[13].tag[0], 1);
  live.clear();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (alive(100 + i)) live.push_back(&a[i]);
  }
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (alive(112 + i) && !b[i].empty()) live.push_back(&b[i]);
  }
  ExpectSegmentHolds(**m, live);
  // Reopened from disk: the same.
  auto f = SegmentFile::Open(dir.path() / "m.seg", kChromaSegmentKind, kChromaSegmentVersion,
                             kChromaSegmentVersion, SegmentFile::Verify::kAll);
  ASSERT_TRUE(f.ok());
  auto reopened = ChromaSegment::Open(*f);
  ASSERT_TRUE(reopened.ok());
  ExpectSegmentHolds(**reopened, live);
  // Merging again, with nothing more dropped, changes nothing.
  std::vector<std::shared_ptr<const ChromaSegment>> again = {*reopened};
  auto m2 = MergeChromaSegments({}, again, alive);
  ASSERT_TRUE(m2.ok());
  ExpectSegmentHolds(**m2, live);
  EXPECT_EQ((*m2)->meta().entries, (*m)->meta().entries);
}

TEST(ChromaSegment, RefusesMergesOfNonAdjacentSegments) {
  SyntheticFingerprints gen(3);
  std::vector<std::vector<std::uint32_t>> a = {gen.Recording(100)};
  auto s1 = WriteChromaSegment({}, 0, Sources(a, 1));
  auto s2 = WriteChromaSegment({}, 5, Sources(a, 2));
  ASSERT_TRUE(s1.ok() && s2.ok());
  std::vector<std::shared_ptr<const ChromaSegment>> in = {*s1, *s2};
  EXPECT_FALSE(MergeChromaSegments({}, in, [](std::uint64_t) { return true; }).ok());
}

}  // namespace
}  // namespace signet::fp::internal
