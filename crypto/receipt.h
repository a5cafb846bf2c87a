// Receipts and proof documents of the transparency log, as JSON.
//
// Receipt: what the registry returns for every accepted statement; with it and
// the log's verifier key anyone can check OFFLINE that the statement is leaf
// `leaf_index` of the tree the signed checkpoint commits to:
//   {"leaf_index": N, "tree_size": M, "leaf_hash": "<base64>",
//    "inclusion_proof": ["<base64>", ...], "checkpoint": "<signed note text>"}
// Consistency proof document:
//   {"old_size": M, "new_size": N, "proof": ["<base64>", ...]}
// Hashes are 32 bytes, standard base64 (as in checkpoints). Parsers are strict
// (crypto/dsse.h rules: exact fields, no duplicates, canonical base64, bounded).
//
// Thread safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "crypto/checkpoint.h"
#include "crypto/encoding.h"
#include "crypto/note.h"
#include "crypto/sha256.h"

namespace signet::crypto {

struct Receipt {
  std::uint64_t leaf_index = 0;
  std::uint64_t tree_size = 0;
  Digest leaf_hash{};
  std::vector<Digest> inclusion_proof;
  std::string checkpoint;  // signed note
  friend bool operator==(const Receipt&, const Receipt&) = default;
};

struct ConsistencyProofDoc {
  std::uint64_t old_size = 0;
  std::uint64_t new_size = 0;
  std::vector<Digest> proof;
  friend bool operator==(const ConsistencyProofDoc&, const ConsistencyProofDoc&) = default;
};

inline constexpr std::size_t kMaxReceiptJsonBytes = 256 * 1024;
inline constexpr std::size_t kMaxProofHashes = 128;  // 2 * 64 levels

std::string ReceiptToJson(const Receipt& receipt);
Result<Receipt> ParseReceiptJson(std::string_view json);

std::string ConsistencyProofToJson(const ConsistencyProofDoc& proof);
Result<ConsistencyProofDoc> ParseConsistencyProofJson(std::string_view json);

// Offline receipt check: the checkpoint is signed by `verifier`, its size is
// `tree_size`, and the inclusion proof leads from `leaf_hash` at `leaf_index`
// to its root. With `envelope_bytes`, also checks leaf_hash ==
// SHA-256(0x00 || envelope_bytes), i.e. that the receipt is for THAT statement.
// Returns the verified checkpoint.
Result<Checkpoint> VerifyReceipt(const Receipt& receipt,
                                 std::optional<std::string_view> envelope_bytes,
                                 const note::Verifier& verifier);
Result<Checkpoint> VerifyReceipt(const Receipt& receipt,
                                 std::optional<std::string_view> envelope_bytes,
                                 std::string_view verifier_key_text);

// Offline consistency check between two signed checkpoints of the same log
// (same origin, both signed by `verifier`): `proof` must be for exactly their
// sizes and show that the newer tree extends the older one. Returns both.
Result<std::pair<Checkpoint, Checkpoint>> VerifyCheckpointConsistency(
    std::string_view old_checkpoint_note, std::string_view new_checkpoint_note,
    const ConsistencyProofDoc& proof, const note::Verifier& verifier);

}  // namespace signet::crypto
