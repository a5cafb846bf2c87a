// Internal to signet_registry: the byte formats of keys and values in the
// Store (registry/STORAGE.md is the written-down version). Values are compact
// JSON objects so that `ldb dump` output can be read by a person; keys are
// binary where they must sort (big-endian integers).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "registry/registry.h"

namespace signet::registry::records {

// Big-endian so that byte order is numeric order.
std::string U64Key(std::uint64_t v);
Result<std::uint64_t> ParseU64Key(std::string_view bytes);

// Log nodes: 1 byte level + 8 bytes index.
std::string NodeKey(std::uint32_t level, std::uint64_t index);

// (owner, accepted_at, log index) for kTermsHistory. owner is "w/<work id>"
// or "a/<artist id>"; accepted_at is offset so that it sorts as unsigned.
std::string TermsOwnerWork(std::string_view work_id);
std::string TermsOwnerArtist(std::string_view artist_id);
std::string TermsHistoryKey(std::string_view owner, Micros accepted_at, std::uint64_t log_index);

struct TermsRecord {
  Terms terms;
  std::uint64_t log_index = 0;
  Micros accepted_at = 0;
};

std::string EncodeArtist(const Artist& a);
Result<Artist> DecodeArtist(std::string_view v);
std::string EncodeWork(const Work& w);
Result<Work> DecodeWork(std::string_view v);
std::string EncodeDispute(const Dispute& d);
Result<Dispute> DecodeDispute(std::string_view v);
std::string EncodeTermsRecord(const TermsRecord& t);
Result<TermsRecord> DecodeTermsRecord(std::string_view v);
std::string EncodeHistoryEntry(const HistoryEntry& h);
Result<HistoryEntry> DecodeHistoryEntry(std::string_view v);

// kFingerprints value: work id (35 bytes), live flag ('1'/'0'), then the raw
// sub-fingerprints as little-endian uint32.
std::string EncodeFingerprint(std::string_view work_id, bool live,
                              std::span<const std::uint32_t> values);
struct FingerprintRecord {
  std::string work_id;
  bool live = false;
  std::vector<std::uint32_t> values;
};
Result<FingerprintRecord> DecodeFingerprint(std::string_view v);

// Counters kept in kMeta under "counters".
struct Counters {
  std::uint64_t artists = 0, works = 0, withdrawn_works = 0, disputes = 0, open_disputes = 0;
};
std::string EncodeCounters(const Counters& c);
Result<Counters> DecodeCounters(std::string_view v);

}  // namespace signet::registry::records
