// Internal to signet_registry: the byte formats of the record values in the
// Store (registry/STORAGE.md is the written-down version; the keys, and the
// values that are plain integers or hashes, are in registry/keys.h). Records
// are compact JSON objects so that `ldb dump` output can be read by a person;
// the fingerprint record is binary. Decoding refuses what it did not write
// (Internal: the database is corrupt) and never reads out of bounds.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fingerprint/landmark.h"
#include "registry/model.h"

namespace signet::registry::records {

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

// kLandmarks value: work id (35 bytes), then the landmark print in its wire
// form (fingerprint/landmark_codec.h: version byte, varints, base64url), as
// the signed statement carried it. Whether it is indexed follows the work's
// kFingerprints live flag.
std::string EncodeLandmark(std::string_view work_id, std::string_view encoded_print);
struct LandmarkRecord {
  std::string work_id;
  fp::LandmarkPrint print;
};
Result<LandmarkRecord> DecodeLandmark(std::string_view v);

// Counters kept in kMeta under "counters".
struct Counters {
  std::uint64_t artists = 0, works = 0, withdrawn_works = 0, disputes = 0, open_disputes = 0;
};
std::string EncodeCounters(const Counters& c);
Result<Counters> DecodeCounters(std::string_view v);

}  // namespace signet::registry::records
