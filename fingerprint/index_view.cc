#include <algorithm>
#include <bit>
#include <mutex>
#include <shared_mutex>

#include "fingerprint/index_internal.h"

namespace signet::fp::internal {

void LiveBitmap::Set(std::uint64_t slot, bool live) {
  auto& c = chunks_[slot / 64 / kChunkWords];
  if (!c) {
    c = std::make_unique<std::atomic<std::uint64_t>[]>(kChunkWords);
    for (std::size_t i = 0; i < kChunkWords; ++i) c[i].store(0, std::memory_order_relaxed);
  }
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  auto& word = c[slot / 64 % kChunkWords];
  if (live) {
    word.fetch_or(bit, std::memory_order_release);
  } else {
    word.fetch_and(~bit, std::memory_order_release);
  }
}

IndexView::IndexView(const Index& index) : index_(index), state_(index.Snapshot()) {
  std::uint64_t v = 0;
  for (const auto& s : state_->segments) {
    parts_.push_back({v, v + s->positions(), s->first_slot(), s->end_slot(), s.get(), nullptr, {}});
    v += s->positions();
  }
  auto add_delta = [&](const DeltaSegment* d) {
    const DeltaSegment::Watermark w = d->Published();
    parts_.push_back(
        {v, v + w.positions, d->first_slot(), d->first_slot() + w.refs, nullptr, d, w});
    v += w.positions;
  };
  for (const auto& d : state_->frozen) add_delta(d.get());
  add_delta(state_->delta.get());
  end_slot_ = parts_.back().end_slot;
  key_bits_ = KeyBitsFor(v);
}

std::uint64_t IndexView::VposOfSlot(std::uint64_t slot) const {
  // Slots and virtual positions ascend together.
  for (const Part& p : parts_) {
    if (slot >= p.end_slot) continue;
    const std::uint64_t local = slot > p.first_slot ? slot - p.first_slot : 0;
    return p.vbase + (p.segment ? p.segment->refs()[local].start : p.delta->Ref(local).start);
  }
  return parts_.back().vend;
}

void IndexView::OnlyAddedSince(const IndexMark& since) {
  // Everything from the first position of slot `since.next_slot` on.
  min_vpos_ = VposOfSlot(since.next_slot);
}

void IndexView::OnlyBefore(const IndexMark& until) { max_vpos_ = VposOfSlot(until.next_slot); }

void IndexView::Vote(std::span<const std::uint32_t> q, const std::vector<bool>& qlow,
                     std::size_t max_list, std::span<const std::uint32_t> probe_masks,
                     const std::vector<bool>& probed, std::vector<std::uint64_t>& votes,
                     bool keys) const {
  const int shift = kIndexKeyBits - key_bits_;
  // key_lo, key_hi: the prefix's range of full keys; flip: the key bit a
  // probe flipped (counted from the key's least significant bit), or
  // kIndexKeyBits for the key itself.
  struct Lookup {
    std::uint32_t i, key_lo, key_hi;
    int flip;
  };
  std::vector<Lookup> lookups;
  lookups.reserve(q.size());
  auto add = [&](std::size_t i, std::uint32_t key_lo, int flip) {
    lookups.push_back(
        {static_cast<std::uint32_t>(i), key_lo, key_lo + (std::uint32_t{1} << shift), flip});
  };
  // A probed position's lookups follow its own, so that lookups (and votes)
  // still come by ascending query position.
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (qlow[i]) continue;
    const std::uint32_t key_lo = IndexKey(q[i]) >> shift << shift;
    if (keys) add(i, key_lo, kIndexKeyBits);
    if (!probed.empty() && probed[i]) {
      for (const std::uint32_t m : probe_masks) {
        add(i, key_lo ^ (m << shift), std::countr_zero(m) + shift);
      }
    }
  }
  std::vector<PostingReader::Start> starts;
  starts.reserve(lookups.size());
  // Part after part (in ascending virtual positions), all lookups of a part
  // with their cache misses prefetched in batches. Votes of one diagonal
  // still come by ascending query position: a diagonal's votes in a later
  // part come from later query positions.
  for (const Part& p : parts_) {
    if (p.vend <= min_vpos_ || p.vbase >= max_vpos_) continue;
    const PostingReader* post = p.segment ? &p.segment->postings() : nullptr;
    // The part's keys are the top `width` bits of the full key.
    const int narrow = kIndexKeyBits - (post != nullptr ? kIndexKeyBits : DeltaSegment::kKeyBits);
    auto lo = [narrow](const Lookup& l) { return l.key_lo >> narrow; };
    auto hi = [narrow](const Lookup& l) { return ((l.key_hi - 1) >> narrow) + 1; };
    if (post != nullptr) {
      for (const Lookup& l : lookups) post->PrefetchSkip(l.key_lo);
      for (const Lookup& l : lookups) post->PrefetchStreams(l.key_lo);
      starts.clear();
      // A segment keeps every key bit (narrow is 0): no lookup is skipped.
      for (const Lookup& l : lookups) starts.push_back(post->StartAt(l.key_lo));
    } else {
      // A bucket is a chain of blocks (2, 4, 8, 16, 32 entries): each a
      // miss behind the previous one. The first four blocks of every
      // lookup's chain are prefetched round by round.
      for (const Lookup& l : lookups) p.delta->Prefetch(lo(l), p.watermark);
      for (std::uint32_t depth = 0; depth < 4; ++depth) {
        for (const Lookup& l : lookups) p.delta->PrefetchBlock(lo(l), p.watermark, depth);
      }
    }
    for (std::size_t k = 0; k < lookups.size(); ++k) {
      const Lookup& l = lookups[k];
      if (l.flip < narrow) continue;
      const std::size_t before = votes.size();
      const std::uint64_t i = l.i;
      auto emit = [&](std::uint32_t pos) {
        const std::uint64_t vp = p.vbase + pos;
        if (vp >= min_vpos_ && vp < max_vpos_) votes.push_back((vp + kVoteBias - i) << 16 | i);
      };
      if (post != nullptr) {
        post->Continue(starts[k], l.key_lo, l.key_hi, emit);
      } else {
        p.delta->ForKeys(lo(l), hi(l), p.watermark, emit);
      }
      if (votes.size() - before > max_list) votes.resize(before);
    }
  }
}

VoteTarget IndexView::Resolve(std::uint64_t vote) const {
  const std::uint64_t i = vote & 0xffff;
  const std::uint64_t vp = (vote >> 16) - kVoteBias + i;
  auto it = std::upper_bound(parts_.begin(), parts_.end(), vp,
                             [](std::uint64_t v, const Part& p) { return v < p.vbase; });
  const Part& p = *(it - 1);
  const auto pos = static_cast<std::uint32_t>(vp - p.vbase);
  std::uint64_t local, start;
  if (p.segment != nullptr) {
    local = p.segment->RefOfPosition(pos);
    start = p.segment->refs()[local].start;
  } else {
    local = p.delta->RefOfPosition(pos, p.watermark);
    start = p.delta->Ref(local).start;
  }
  return {p.first_slot + local,
          static_cast<int>(static_cast<long>(pos - start) - static_cast<long>(i))};
}

const IndexView::Part& IndexView::PartOfSlot(std::uint64_t slot) const {
  auto it = std::upper_bound(parts_.begin(), parts_.end(), slot,
                             [](std::uint64_t s, const Part& p) { return s < p.first_slot; });
  return *(it - 1);
}

bool IndexView::Live(std::uint64_t slot) const { return state_->live->Get(slot); }

IndexTag IndexView::Tag(std::uint64_t slot) const {
  const Part& p = PartOfSlot(slot);
  const std::uint64_t local = slot - p.first_slot;
  return p.segment ? p.segment->refs()[local].tag : p.delta->Ref(local).tag;
}

std::uint64_t IndexView::RefId(std::uint64_t slot) const {
  const Part& p = PartOfSlot(slot);
  const std::uint64_t local = slot - p.first_slot;
  return p.segment ? p.segment->refs()[local].ref_id : p.delta->Ref(local).ref_id;
}

std::optional<std::uint64_t> IndexView::SlotOf(std::uint64_t ref_id) const {
  std::uint64_t slot;
  {
    std::shared_lock m(index_.map_mu_);
    auto it = index_.slot_of_.find(ref_id);
    if (it == index_.slot_of_.end()) return std::nullopt;
    slot = it->second;
  }
  if (slot >= end_slot_ || !Live(slot)) return std::nullopt;
  return slot;
}

long IndexView::Length(std::uint64_t slot) const {
  const Part& p = PartOfSlot(slot);
  const std::uint64_t local = slot - p.first_slot;
  return p.segment ? p.segment->refs()[local].length : p.delta->Ref(local).length;
}

void IndexView::PrefetchWindow(std::uint64_t slot, long from, long to, int stage) const {
  const Part& p = PartOfSlot(slot);
  const std::uint64_t local = slot - p.first_slot;
  const long length = p.segment ? p.segment->refs()[local].length : p.delta->Ref(local).length;
  const long begin = std::clamp(from, 0L, length), end = std::clamp(to, begin, length);
  if (begin >= end) return;
  if (p.segment != nullptr) {
    p.segment->PrefetchValues(local, static_cast<std::uint32_t>(begin),
                              static_cast<std::uint32_t>(end), stage);
  } else if (stage == 1) {
    __builtin_prefetch(p.delta->Values(local).data() + begin);
    __builtin_prefetch(p.delta->Values(local).data() + end - 1);
  }
}

RefWindow IndexView::Window(std::uint64_t slot, long from, long to, WindowBuffer& buf) const {
  const Part& p = PartOfSlot(slot);
  const std::uint64_t local = slot - p.first_slot;
  RefWindow w;
  w.length = p.segment ? p.segment->refs()[local].length : p.delta->Ref(local).length;
  w.begin = std::clamp(from, 0L, w.length);
  w.end = std::clamp(to, w.begin, w.length);
  if (p.segment == nullptr) {
    w.data = p.delta->Values(local).data() + w.begin;
    return w;
  }
  const auto length = static_cast<std::size_t>(w.length);
  const std::size_t lo = static_cast<std::size_t>(w.begin) / kValueBlock;
  const std::size_t hi = (static_cast<std::size_t>(w.end) + kValueBlock - 1) / kValueBlock;
  const bool same = buf.slot == slot && buf.hi_block >= lo && buf.lo_block <= hi;
  if (!same || lo < buf.lo_block || hi > buf.hi_block) {
    // Decode the union with what is cached, copying the cached blocks.
    const std::size_t nlo = same ? std::min(lo, buf.lo_block) : lo;
    const std::size_t nhi = same ? std::max(hi, buf.hi_block) : hi;
    std::vector<std::uint32_t> vals(std::min(nhi * kValueBlock, length) - nlo * kValueBlock);
    auto decode = [&](std::size_t b0, std::size_t b1) {  // blocks [b0, b1)
      if (b0 >= b1) return;
      const std::size_t v0 = b0 * kValueBlock, v1 = std::min(b1 * kValueBlock, length);
      p.segment->DecodeValues(local, static_cast<std::uint32_t>(v0), static_cast<std::uint32_t>(v1),
                              vals.data() + (v0 - nlo * kValueBlock));
    };
    if (same) {
      decode(nlo, buf.lo_block);
      std::copy(buf.values.begin(), buf.values.end(),
                vals.begin() + static_cast<long>((buf.lo_block - nlo) * kValueBlock));
      decode(buf.hi_block, nhi);
    } else {
      decode(nlo, nhi);
    }
    buf.slot = slot;
    buf.lo_block = nlo;
    buf.hi_block = nhi;
    buf.values = std::move(vals);
  }
  w.data = buf.values.data() + (static_cast<std::size_t>(w.begin) - buf.lo_block * kValueBlock);
  return w;
}

}  // namespace signet::fp::internal
