#include "fingerprint/chroma_segment.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "fingerprint/index.h"

namespace signet::fp::internal {
namespace {

std::size_t Blocks(std::uint64_t length) { return (length + kValueBlock - 1) / kValueBlock; }

static_assert(kPostingKeyBits == kIndexKeyBits);

// Stable LSD radix sort of (key << 32 | position) by the key (two digits of
// 14 bits: up to 28-bit keys): positions are appended in ascending order, so
// the result is in (key, position) order.
void SortByKey(std::vector<std::uint64_t>& v) {
  constexpr int kDigit = 14;
  static_assert(2 * kDigit >= kIndexKeyBits);
  constexpr std::uint64_t kMask = (std::uint64_t{1} << kDigit) - 1;
  std::vector<std::uint64_t> tmp(v.size());
  for (int shift : {32, 32 + kDigit}) {
    std::vector<std::size_t> count(kMask + 2, 0);
    for (std::uint64_t x : v) ++count[((x >> shift) & kMask) + 1];
    for (std::size_t i = 1; i < count.size(); ++i) count[i] += count[i - 1];
    for (std::uint64_t x : v) tmp[count[(x >> shift) & kMask]++] = x;
    v.swap(tmp);
  }
}

Result<std::shared_ptr<const ChromaSegment>> FinishAndOpen(std::unique_ptr<SegmentFileWriter> w) {
  SIGNET_ASSIGN_OR_RETURN(
      auto file, FinishAndOpenSegment(std::move(w), kChromaSegmentKind, kChromaSegmentVersion));
  return ChromaSegment::Open(std::move(file));
}

// Streams the postings of `entries` entries into two sections of `w` and
// adds the skip table.
struct PostingSections {
  SegmentFileWriter::Section* low = nullptr;
  SegmentFileWriter::Section* high = nullptr;
  PostingParams params;

  static Result<PostingSections> Open(SegmentFileWriter& w, const PostingParams& p) {
    PostingSections s;
    s.params = p;
    SIGNET_ASSIGN_OR_RETURN(s.low,
                            w.OpenSection("post_low", SectionType::kU8, 1, p.LowBytes(p.entries)));
    SIGNET_ASSIGN_OR_RETURN(
        s.high, w.OpenSection("post_high", SectionType::kU64, 8, p.HighWords(p.entries) * 8));
    return s;
  }
  PostingWriter Writer() {
    return PostingWriter(
        params, [this](const void* d, std::size_t n) { return low->Append(d, n); },
        [this](const void* d, std::size_t n) { return high->Append(d, n); });
  }
  Status Close(SegmentFileWriter& w, PostingWriter& pw) {
    SIGNET_ASSIGN_OR_RETURN(std::vector<std::uint32_t> skip, pw.Finish());
    SIGNET_RETURN_IF_ERROR(low->Close());
    SIGNET_RETURN_IF_ERROR(high->Close());
    return w.AddArray<std::uint32_t>("post_skip", skip);
  }
};

Status AddMeta(SegmentFileWriter& w, std::uint64_t first_slot, std::uint64_t refs,
               std::uint64_t positions, std::uint64_t entries, const PostingParams& p,
               std::uint64_t value_bytes) {
  SegmentMeta m{};
  m.first_slot = first_slot;
  m.refs = refs;
  m.positions = positions;
  m.entries = entries;
  m.pos_bits = static_cast<std::uint32_t>(p.pos_bits);
  m.low_bits = static_cast<std::uint32_t>(p.low_bits);
  m.skip_bits = static_cast<std::uint32_t>(p.skip_bits);
  m.value_block = kValueBlock;
  m.value_bytes = value_bytes;
  m.key_bits = kIndexKeyBits;
  SIGNET_RETURN_IF_ERROR(w.AddArray<SegmentMeta>("meta", std::span(&m, 1)));
  return w.AddArray<std::uint8_t>("value_code", ValueCodec::Default().lengths());
}

constexpr std::uint64_t kMaxSegmentPositions = 0xffffffffu;

}  // namespace

Result<std::shared_ptr<const ChromaSegment>> ChromaSegment::Open(
    std::shared_ptr<const SegmentFile> file) {
  auto s = std::shared_ptr<ChromaSegment>(new ChromaSegment());
  const std::string& name = file->name();
  auto bad = [&name](const std::string& what) {
    return Status::Internal("chromaprint segment " + name + ": " + what);
  };
  SIGNET_ASSIGN_OR_RETURN(auto meta, file->Array<SegmentMeta>("meta"));
  if (meta.size() != 1) return bad("no meta record");
  s->meta_ = meta[0];
  const SegmentMeta& m = s->meta_;
  if (m.value_block != kValueBlock) return bad("value block " + std::to_string(m.value_block));
  if (m.key_bits != kIndexKeyBits) return bad("key of " + std::to_string(m.key_bits) + " bits");
  SIGNET_ASSIGN_OR_RETURN(s->refs_, file->Array<RefRecord>("refs"));
  SIGNET_ASSIGN_OR_RETURN(s->values_, file->Array<std::uint8_t>("values"));
  SIGNET_ASSIGN_OR_RETURN(s->blocks_, file->Array<std::uint32_t>("value_blocks"));
  SIGNET_ASSIGN_OR_RETURN(auto code, file->Array<std::uint8_t>("value_code"));
  if (s->refs_.size() != m.refs || s->values_.size() != m.value_bytes ||
      code.size() != kValueSymbols || m.positions > kMaxSegmentPositions) {
    return bad("sections disagree with the meta record");
  }
  ValueCodeLengths lengths;
  std::copy(code.begin(), code.end(), lengths.begin());
  auto codec = ValueCodec::Create(lengths);
  if (!codec.ok()) return bad(codec.status().message());
  s->codec_.emplace(std::move(*codec));
  // Every reference lies inside the segment, one after the other.
  std::uint64_t pos = 0, bytes = 0, blocks = 0;
  for (const RefRecord& r : s->refs_) {
    if (r.start != pos || r.value_offset < bytes || r.value_offset > m.value_bytes ||
        r.first_block != blocks || r.first_block + Blocks(r.length) > s->blocks_.size() ||
        ((r.flags & kRefDropped) != 0 && r.length != 0)) {
      return bad("reference " + std::to_string(r.ref_id) + " is out of place");
    }
    pos += r.length;
    bytes = r.value_offset;
    blocks += Blocks(r.length);
  }
  if (pos != m.positions) return bad("references do not cover the positions");
  PostingParams p;
  p.pos_bits = static_cast<int>(m.pos_bits);
  p.low_bits = static_cast<int>(m.low_bits);
  p.skip_bits = static_cast<int>(m.skip_bits);
  p.entries = m.entries;
  SIGNET_ASSIGN_OR_RETURN(auto low, file->Array<std::uint8_t>("post_low"));
  SIGNET_ASSIGN_OR_RETURN(auto high, file->Array<std::uint64_t>("post_high"));
  SIGNET_ASSIGN_OR_RETURN(auto skip, file->Array<std::uint32_t>("post_skip"));
  auto reader = PostingReader::Create(p, m.positions, low, high, skip);
  if (!reader.ok()) return bad(reader.status().message());
  s->postings_ = *reader;
  s->file_ = std::move(file);
  return std::shared_ptr<const ChromaSegment>(std::move(s));
}

std::size_t ChromaSegment::RefOfPosition(std::uint32_t pos) const {
  auto it = std::upper_bound(refs_.begin(), refs_.end(), pos,
                             [](std::uint32_t p, const RefRecord& r) { return p < r.start; });
  return static_cast<std::size_t>(it - refs_.begin()) - 1;
}

std::span<const std::uint8_t> ChromaSegment::ValueBytes(std::size_t r) const {
  const std::uint64_t begin = refs_[r].value_offset;
  const std::uint64_t end = r + 1 < refs_.size() ? refs_[r + 1].value_offset : values_.size();
  return values_.subspan(begin, end - begin);
}

std::span<const std::uint32_t> ChromaSegment::BlockOffsets(std::size_t r) const {
  return blocks_.subspan(refs_[r].first_block, Blocks(refs_[r].length));
}

void ChromaSegment::PrefetchValues(std::size_t r, std::uint32_t from, std::uint32_t to,
                                   int stage) const {
  const std::span<const std::uint32_t> blocks = BlockOffsets(r);
  const std::size_t b0 = from / kValueBlock,
                    b1 = std::min<std::size_t>((to - 1) / kValueBlock + 1, blocks.size());
  if (b0 >= b1) return;
  if (stage == 0) {
    __builtin_prefetch(&blocks[b0]);
    return;
  }
  const std::span<const std::uint8_t> bytes = ValueBytes(r);
  for (std::size_t b = b0; b < b1; ++b) {
    // A block is ~70 bytes: its first two cache lines.
    if (blocks[b] < bytes.size()) __builtin_prefetch(bytes.data() + blocks[b]);
    if (blocks[b] + 64 < bytes.size()) __builtin_prefetch(bytes.data() + blocks[b] + 64);
  }
}

void ChromaSegment::DecodeValues(std::size_t r, std::uint32_t from, std::uint32_t to,
                                 std::uint32_t* out) const {
  const std::span<const std::uint8_t> bytes = ValueBytes(r);
  const std::span<const std::uint32_t> blocks = BlockOffsets(r);
  const std::uint32_t length = refs_[r].length;
  // Block b's bytes, its value count, and where it decodes to: into `out`
  // when the block lies inside [from, to), else into tmp[k] and copied.
  struct Job {
    std::span<const std::uint8_t> bytes;
    std::size_t count = 0, first = 0;
    std::uint32_t* dst = nullptr;
    bool direct = false;
  };
  std::uint32_t tmp[2][kValueBlock];
  auto job = [&](std::size_t b, int k) {
    Job j;
    j.first = b * kValueBlock;
    j.count = std::min<std::size_t>(kValueBlock, length - j.first);
    const std::size_t begin = std::min<std::size_t>(blocks[b], bytes.size());
    const std::size_t end = std::clamp<std::size_t>(
        b + 1 < blocks.size() ? blocks[b + 1] : bytes.size(), begin, bytes.size());
    j.bytes = bytes.subspan(begin, end - begin);
    j.direct = j.first >= from && j.first + j.count <= to;
    j.dst = j.direct ? out + (j.first - from) : tmp[k];
    return j;
  };
  auto finish = [&](const Job& j) {
    if (!j.direct) {
      const std::size_t lo = std::max<std::size_t>(from, j.first);
      const std::size_t hi = std::min<std::size_t>(to, j.first + j.count);
      std::memcpy(out + (lo - from), j.dst + (lo - j.first), (hi - lo) * 4);
    }
  };
  std::size_t b = from / kValueBlock;
  for (; (b + 1) * kValueBlock < to; b += 2) {
    const Job a = job(b, 0), c = job(b + 1, 1);
    codec_->DecodeBlocks(a.bytes, a.count, a.dst, c.bytes, c.count, c.dst);
    finish(a);
    finish(c);
  }
  if (b * kValueBlock < to) {
    const Job a = job(b, 0);
    codec_->DecodeBlock(a.bytes, a.count, a.dst);
    finish(a);
  }
}

Result<std::shared_ptr<const ChromaSegment>> WriteChromaSegment(const SegmentTarget& target,
                                                                std::uint64_t first_slot,
                                                                std::span<const RefSource> refs) {
  const ValueCodec& codec = ValueCodec::Default();
  std::vector<RefRecord> records;
  records.reserve(refs.size());
  std::vector<std::uint8_t> values;
  std::vector<std::uint32_t> blocks;
  std::vector<std::uint64_t> entries;
  std::uint64_t pos = 0;
  for (const RefSource& r : refs) {
    RefRecord rec{};
    rec.ref_id = r.ref_id;
    rec.tag = r.tag;
    rec.start = static_cast<std::uint32_t>(pos);
    rec.value_offset = values.size();
    rec.first_block = static_cast<std::uint32_t>(blocks.size());
    if (r.dropped) {
      rec.flags = kRefDropped;
    } else {
      if (pos + r.values.size() > kMaxSegmentPositions) {
        return Status::ResourceExhausted("a segment holds at most 2^32 - 1 positions");
      }
      rec.length = static_cast<std::uint32_t>(r.values.size());
      codec.Encode(r.values, values, blocks);
      const std::vector<bool> low = LowInformationMask(r.values);
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        if (!low[i]) entries.push_back(std::uint64_t{IndexKey(r.values[i])} << 32 | (pos + i));
      }
      pos += r.values.size();
    }
    records.push_back(rec);
  }
  SortByKey(entries);
  SIGNET_ASSIGN_OR_RETURN(auto w,
                          CreateSegmentWriter(target, kChromaSegmentKind, kChromaSegmentVersion));
  const PostingParams params = PostingParams::For(pos, entries.size());
  SIGNET_ASSIGN_OR_RETURN(PostingSections ps, PostingSections::Open(*w, params));
  PostingWriter pw = ps.Writer();
  for (std::uint64_t e : entries) {
    SIGNET_RETURN_IF_ERROR(
        pw.Add(static_cast<std::uint32_t>(e >> 32), static_cast<std::uint32_t>(e)));
  }
  SIGNET_RETURN_IF_ERROR(ps.Close(*w, pw));
  SIGNET_RETURN_IF_ERROR(w->AddArray<RefRecord>("refs", records));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint8_t>("values", values));
  SIGNET_RETURN_IF_ERROR(w->AddArray<std::uint32_t>("value_blocks", blocks));
  SIGNET_RETURN_IF_ERROR(
      AddMeta(*w, first_slot, refs.size(), pos, entries.size(), params, values.size()));
  return FinishAndOpen(std::move(w));
}

namespace {

// Maps an input segment's positions to the merged segment's, dropping those
// of references withdrawn since the input was written.
class PositionMap {
 public:
  PositionMap(const ChromaSegment& s, std::uint64_t out_base,
              const std::function<bool(std::uint64_t)>& live)
      : out_base_(out_base) {
    std::uint64_t dead = 0;
    for (std::size_t r = 0; r < s.refs().size(); ++r) {
      const RefRecord& rec = s.refs()[r];
      if (rec.length == 0 || live(s.first_slot() + r)) continue;
      starts_.push_back(rec.start);
      ends_.push_back(rec.start + rec.length);
      dead_before_.push_back(dead);
      dead += rec.length;
    }
  }
  // False when `pos` belongs to a dropped reference.
  bool Map(std::uint32_t pos, std::uint64_t* out) const {
    if (starts_.empty()) {
      *out = out_base_ + pos;
      return true;
    }
    auto it = std::upper_bound(starts_.begin(), starts_.end(), pos);
    if (it == starts_.begin()) {
      *out = out_base_ + pos;
      return true;
    }
    const std::size_t k = static_cast<std::size_t>(it - starts_.begin()) - 1;
    if (pos < ends_[k]) return false;
    *out = out_base_ + pos - (dead_before_[k] + (ends_[k] - starts_[k]));
    return true;
  }

 private:
  std::uint64_t out_base_;
  std::vector<std::uint32_t> starts_, ends_;
  std::vector<std::uint64_t> dead_before_;
};

}  // namespace

Result<std::shared_ptr<const ChromaSegment>> MergeChromaSegments(
    const SegmentTarget& target, std::span<const std::shared_ptr<const ChromaSegment>> inputs,
    const std::function<bool(std::uint64_t slot)>& live, const std::atomic<bool>* cancel) {
  const Status cancelled = Status::Unavailable("merge cancelled");
  auto stop = [cancel] { return cancel != nullptr && cancel->load(std::memory_order_relaxed); };
  if (inputs.empty()) return Status::Internal("merge of no segments");
  std::uint64_t value_cap = 0, block_cap = 0, entry_cap = 0, out_positions = 0, refs = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ChromaSegment& s = *inputs[i];
    if (i > 0 && inputs[i - 1]->end_slot() != s.first_slot()) {
      return Status::Internal("merge of segments that do not hold consecutive slots");
    }
    value_cap += s.meta().value_bytes;
    block_cap += s.file().Find("value_blocks")->size;
    entry_cap += s.meta().entries;
    refs += s.refs().size();
    for (std::size_t r = 0; r < s.refs().size(); ++r) {
      if (live(s.first_slot() + r)) out_positions += s.refs()[r].length;
    }
  }
  if (out_positions > kMaxSegmentPositions) {
    return Status::ResourceExhausted("a segment holds at most 2^32 - 1 positions");
  }
  SIGNET_ASSIGN_OR_RETURN(auto w,
                          CreateSegmentWriter(target, kChromaSegmentKind, kChromaSegmentVersion));
  const PostingParams params = PostingParams::For(out_positions, entry_cap);
  SIGNET_ASSIGN_OR_RETURN(PostingSections ps, PostingSections::Open(*w, params));
  SIGNET_ASSIGN_OR_RETURN(auto* values,
                          w->OpenSection("values", SectionType::kU8, 1, value_cap + 1));
  SIGNET_ASSIGN_OR_RETURN(auto* blocks,
                          w->OpenSection("value_blocks", SectionType::kU32, 4, block_cap + 4));

  // References and values, in slot order.
  const ValueCodec& codec = ValueCodec::Default();
  std::vector<RefRecord> records;
  records.reserve(refs);
  std::vector<PositionMap> maps;
  std::uint64_t pos = 0, block_count = 0;
  std::vector<std::uint32_t> decoded;
  std::vector<std::uint8_t> recoded;
  std::vector<std::uint32_t> recoded_blocks;
  for (const auto& in : inputs) {
    maps.emplace_back(*in, pos, live);
    const bool same_code = std::equal(
        codec.lengths().begin(), codec.lengths().end(), in->file().Bytes("value_code")->begin(),
        [](std::uint8_t a, std::byte b) { return a == static_cast<std::uint8_t>(b); });
    for (std::size_t r = 0; r < in->refs().size(); ++r) {
      if (r % 4096 == 0 && stop()) return cancelled;
      RefRecord rec = in->refs()[r];
      rec.start = static_cast<std::uint32_t>(pos);
      rec.value_offset = values->size();
      rec.first_block = static_cast<std::uint32_t>(block_count);
      if (rec.length > 0 && !live(in->first_slot() + r)) {
        rec.length = 0;
        rec.flags |= kRefDropped;
      }
      if (rec.length > 0) {
        if (same_code) {
          const auto bytes = in->ValueBytes(r);
          const auto offs = in->BlockOffsets(r);
          SIGNET_RETURN_IF_ERROR(values->Append(bytes.data(), bytes.size()));
          SIGNET_RETURN_IF_ERROR(blocks->AppendArray(offs));
        } else {
          decoded.resize(rec.length);
          in->DecodeValues(r, 0, rec.length, decoded.data());
          recoded.clear();
          recoded_blocks.clear();
          codec.Encode(decoded, recoded, recoded_blocks);
          SIGNET_RETURN_IF_ERROR(values->Append(recoded.data(), recoded.size()));
          SIGNET_RETURN_IF_ERROR(blocks->AppendArray<std::uint32_t>(recoded_blocks));
        }
        block_count += Blocks(rec.length);
        pos += rec.length;
      }
      records.push_back(rec);
    }
  }
  const std::uint64_t value_bytes = values->size();
  SIGNET_RETURN_IF_ERROR(values->Close());
  SIGNET_RETURN_IF_ERROR(blocks->Close());

  // Postings: a k-way merge by key; within a key, inputs in slot order keep
  // the merged positions ascending.
  PostingWriter pw = ps.Writer();
  std::vector<PostingReader::Cursor> cursors;
  for (const auto& in : inputs) cursors.emplace_back(in->postings());
  for (std::uint64_t round = 0;; ++round) {
    if (round % 65536 == 0 && stop()) return cancelled;
    std::uint32_t key = 0;
    bool any = false;
    for (const auto& c : cursors) {
      if (!c.done() && (!any || c.key() < key)) {
        key = c.key();
        any = true;
      }
    }
    if (!any) break;
    for (std::size_t i = 0; i < cursors.size(); ++i) {
      auto& c = cursors[i];
      for (; !c.done() && c.key() == key; c.Next()) {
        std::uint64_t out;
        if (c.position() < inputs[i]->positions() && maps[i].Map(c.position(), &out)) {
          SIGNET_RETURN_IF_ERROR(pw.Add(key, static_cast<std::uint32_t>(out)));
        }
      }
    }
  }
  const std::uint64_t entries = pw.entries();
  SIGNET_RETURN_IF_ERROR(ps.Close(*w, pw));
  SIGNET_RETURN_IF_ERROR(w->AddArray<RefRecord>("refs", records));
  SIGNET_RETURN_IF_ERROR(
      AddMeta(*w, inputs.front()->first_slot(), refs, pos, entries, params, value_bytes));
  return FinishAndOpen(std::move(w));
}

}  // namespace signet::fp::internal
