// libFuzzer target: segment files (fingerprint/segment_file.h) and what the
// Chromaprint index and the landmark index read from them (chroma_segment.h,
// posting_codec.h, value_codec.h; landmark_segment.h). A file on disk can be damaged in ways its
// CRCs catch, but the decoders behind them must also stay in bounds on any content a CRC vouches
// for (a bug that wrote it, say). So the harness first makes the input's checksums match (header,
// table, every section inside the input), then opens it as a chromaprint segment, a landmark
// segment and a manifest and, when that succeeds, reads every part: key lookups, a full cursor,
// every reference's values; every landmark entry, the row of its frame and
// every row's peaks. ASan and UBSan judge.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "fingerprint/chroma_segment.h"
#include "fingerprint/landmark_segment.h"
#include "fingerprint/segment_file.h"

namespace {

using signet::fp::SegmentBytes;

std::uint32_t Crc(const std::byte* p, std::size_t n) {
  return static_cast<std::uint32_t>(crc32_z(0, reinterpret_cast<const Bytef*>(p), n));
}

template <typename T>
T Load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The layout of INDEX.md "Segment files": fix what the input's own table
// says where it can, leave the rest to the parser.
void FixChecksums(SegmentBytes& b) {
  if (b.size() < 64) return;
  std::byte* h = b.data();
  const auto count = Load<std::uint32_t>(h + 36);
  const auto table = Load<std::uint64_t>(h + 40);
  if (table <= b.size() && count <= 1024 && (b.size() - table) / 64 >= count) {
    for (std::uint32_t i = 0; i < count; ++i) {
      std::byte* e = b.data() + table + i * 64;
      const auto off = Load<std::uint64_t>(e + 32), size = Load<std::uint64_t>(e + 40);
      if (off <= b.size() && size <= b.size() - off) {
        const std::uint32_t c = Crc(b.data() + off, size);
        std::memcpy(e + 48, &c, 4);
      }
    }
    const std::uint32_t t = Crc(b.data() + table, count * 64);
    std::memcpy(h + 56, &t, 4);
  }
  const std::uint32_t hc = Crc(h, 60);
  std::memcpy(h + 60, &hc, 4);
}

void Exercise(const signet::fp::internal::ChromaSegment& s) {
  std::uint64_t sink = 0;
  const auto& p = s.postings();
  for (std::uint32_t key : {0u, 1u, 0x123456u, 0xffffffu}) {
    p.ForKey(key, [&](std::uint32_t pos) { sink += pos; });
  }
  p.ForKeys(0, 1u << 24, [&](std::uint32_t pos) {
    if (pos >= s.positions()) __builtin_trap();  // the reader's promise
    sink += s.RefOfPosition(pos);
  });
  std::size_t n = 0;
  for (signet::fp::internal::PostingReader::Cursor c(p); !c.done() && n < 100000; c.Next(), ++n) {
    sink += c.key() + c.position();
  }
  std::vector<std::uint32_t> out;
  for (std::size_t r = 0; r < s.refs().size() && r < 256; ++r) {
    const std::uint32_t len = s.refs()[r].length;
    if (len == 0) continue;
    out.resize(len);
    s.DecodeValues(r, 0, len, out.data());
    sink += out[len / 2];
  }
  volatile std::uint64_t keep = sink;
  (void)keep;
}

void Exercise(const signet::fp::internal::LandmarkBase& b) {
  std::uint64_t sink = 0;
  const std::uint64_t frame_mask = (std::uint64_t{1} << b.frame_bits) - 1;
  for (std::size_t i = 0; i < b.postings && i < 100000; ++i) {
    const std::uint64_t frame = b.Entry(i) & frame_mask;
    if (frame >= b.total_frames) continue;  // as the matcher does
    const std::uint32_t row = b.RefOfFrame(frame);
    if (row >= b.refs.size()) __builtin_trap();
    sink += b.refs[row].frames;
  }
  for (std::size_t k = 0; k <= (std::size_t{1} << b.bucket_bits); k += 1 + k / 4096)
    if (b.bucket_start[k] > b.postings) __builtin_trap();
  std::vector<signet::fp::LandmarkPeak> peaks;
  for (std::uint32_t r = 0; r < b.refs.size() && r < 256; ++r) {
    peaks.clear();
    signet::fp::internal::DecodePeaks(b.CodesOf(r), b.CheckpointsOf(r), 0, b.refs[r].frames, peaks);
    sink += peaks.size();
  }
  volatile std::uint64_t keep = sink;
  (void)keep;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  SegmentBytes bytes(size);
  if (size != 0) std::memcpy(bytes.data(), data, size);  // data may be null when size is 0
  FixChecksums(bytes);
  SegmentBytes copy = bytes;
  SegmentBytes landmark = bytes;
  auto f = signet::fp::SegmentFile::FromBytes(std::move(bytes), "fuzz", "chromaprint",
                                              signet::fp::internal::kChromaSegmentVersion,
                                              signet::fp::internal::kChromaSegmentVersion);
  if (f.ok()) {
    auto s = signet::fp::internal::ChromaSegment::Open(*f);
    if (s.ok()) Exercise(**s);
  }
  auto l = signet::fp::SegmentFile::FromBytes(std::move(landmark), "fuzz", "landmark",
                                              signet::fp::internal::kLandmarkSegmentVersion,
                                              signet::fp::internal::kLandmarkSegmentVersion);
  if (l.ok()) {
    auto b = signet::fp::internal::OpenLandmarkSegment(*l);
    if (b.ok()) Exercise(**b);
  }
  auto m = signet::fp::SegmentFile::FromBytes(std::move(copy), "fuzz", "manifest", 1, 1);
  if (m.ok()) {
    for (const auto& sec : (*m)->sections()) (void)(*m)->Bytes(sec.name);
  }
  return 0;
}
