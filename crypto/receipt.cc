#include "crypto/receipt.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "common/strict_json.h"
#include "crypto/merkle.h"

namespace signet::crypto {
namespace json = boost::json;
namespace {

json::array HashesToJson(const std::vector<Digest>& hashes) {
  json::array a;
  for (const Digest& d : hashes) a.emplace_back(Base64Encode(ByteView(d)));
  return a;
}

Result<Digest> DigestFromBase64(std::string_view b64, const std::string& field) {
  Result<Bytes> raw = Base64Decode(b64);
  if (!raw.ok()) return raw.status().WithContext("field \"" + field + "\"");
  if (raw->size() != 32) {
    return Status::InvalidArgument("field \"" + field + "\" must be a 32-byte hash, got " +
                                   std::to_string(raw->size()) + " bytes");
  }
  Digest d{};
  std::copy(raw->begin(), raw->end(), d.begin());
  return d;
}

Result<std::vector<Digest>> HashesFromJson(const json::object& obj, std::string_view key) {
  SIGNET_ASSIGN_OR_RETURN(const json::array* a, GetArray(obj, key, ""));
  if (a->size() > kMaxProofHashes) {
    return Status::InvalidArgument("field \"" + std::string(key) + "\" has " +
                                   std::to_string(a->size()) + " hashes; at most " +
                                   std::to_string(kMaxProofHashes) + " are possible");
  }
  std::vector<Digest> out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const std::string field = std::string(key) + "[" + std::to_string(i) + "]";
    const json::string* s = (*a)[i].if_string();
    if (s == nullptr) return Status::InvalidArgument("field \"" + field + "\" must be a string");
    SIGNET_ASSIGN_OR_RETURN(Digest d,
                            DigestFromBase64(std::string_view(s->data(), s->size()), field));
    out.push_back(d);
  }
  return out;
}

}  // namespace

std::string ReceiptToJson(const Receipt& r) {
  json::object o;
  o["leaf_index"] = r.leaf_index;
  o["tree_size"] = r.tree_size;
  o["leaf_hash"] = Base64Encode(ByteView(r.leaf_hash));
  o["inclusion_proof"] = HashesToJson(r.inclusion_proof);
  o["checkpoint"] = r.checkpoint;
  return json::serialize(o);
}

Result<Receipt> ParseReceiptJson(std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(json::value doc, ParseStrictJson(text, kMaxReceiptJsonBytes, "receipt"));
  SIGNET_ASSIGN_OR_RETURN(
      const json::object* o,
      ExpectObject(doc, "",
                   {"leaf_index", "tree_size", "leaf_hash", "inclusion_proof", "checkpoint"}));
  Receipt r;
  SIGNET_ASSIGN_OR_RETURN(r.leaf_index, GetUint64(*o, "leaf_index", ""));
  SIGNET_ASSIGN_OR_RETURN(r.tree_size, GetUint64(*o, "tree_size", ""));
  SIGNET_ASSIGN_OR_RETURN(std::string_view leaf, GetString(*o, "leaf_hash", ""));
  SIGNET_ASSIGN_OR_RETURN(r.leaf_hash, DigestFromBase64(leaf, "leaf_hash"));
  SIGNET_ASSIGN_OR_RETURN(r.inclusion_proof, HashesFromJson(*o, "inclusion_proof"));
  SIGNET_ASSIGN_OR_RETURN(std::string_view cp, GetString(*o, "checkpoint", ""));
  r.checkpoint = std::string(cp);
  return r;
}

std::string ConsistencyProofToJson(const ConsistencyProofDoc& p) {
  json::object o;
  o["old_size"] = p.old_size;
  o["new_size"] = p.new_size;
  o["proof"] = HashesToJson(p.proof);
  return json::serialize(o);
}

Result<ConsistencyProofDoc> ParseConsistencyProofJson(std::string_view text) {
  SIGNET_ASSIGN_OR_RETURN(json::value doc,
                          ParseStrictJson(text, kMaxReceiptJsonBytes, "consistency proof"));
  SIGNET_ASSIGN_OR_RETURN(const json::object* o,
                          ExpectObject(doc, "", {"old_size", "new_size", "proof"}));
  ConsistencyProofDoc p;
  SIGNET_ASSIGN_OR_RETURN(p.old_size, GetUint64(*o, "old_size", ""));
  SIGNET_ASSIGN_OR_RETURN(p.new_size, GetUint64(*o, "new_size", ""));
  SIGNET_ASSIGN_OR_RETURN(p.proof, HashesFromJson(*o, "proof"));
  return p;
}

Result<Checkpoint> VerifyReceipt(const Receipt& receipt,
                                 std::optional<std::string_view> envelope_bytes,
                                 const note::Verifier& verifier) {
  Result<Checkpoint> cp = OpenCheckpoint(receipt.checkpoint, verifier);
  if (!cp.ok()) return cp.status().WithContext("receipt checkpoint");
  if (cp->size != receipt.tree_size) {
    return Status::Unauthenticated("receipt says tree size " + std::to_string(receipt.tree_size) +
                                   " but its checkpoint is for size " + std::to_string(cp->size));
  }
  if (envelope_bytes.has_value() && merkle::LeafHash(*envelope_bytes) != receipt.leaf_hash) {
    return Status::Unauthenticated(
        "the statement is not the one this receipt is for (its leaf hash differs); pass the "
        "envelope bytes exactly as the registry stored them");
  }
  Status st = merkle::VerifyInclusion(receipt.leaf_hash, receipt.leaf_index, receipt.tree_size,
                                      receipt.inclusion_proof, cp->root);
  if (!st.ok()) return st.WithContext("receipt");
  return cp;
}

Result<Checkpoint> VerifyReceipt(const Receipt& receipt,
                                 std::optional<std::string_view> envelope_bytes,
                                 std::string_view verifier_key_text) {
  SIGNET_ASSIGN_OR_RETURN(note::Verifier v, note::Verifier::Parse(verifier_key_text));
  return VerifyReceipt(receipt, envelope_bytes, v);
}

Result<std::pair<Checkpoint, Checkpoint>> VerifyCheckpointConsistency(
    std::string_view old_checkpoint_note, std::string_view new_checkpoint_note,
    const ConsistencyProofDoc& proof, const note::Verifier& verifier) {
  Result<Checkpoint> old_cp = OpenCheckpoint(old_checkpoint_note, verifier);
  if (!old_cp.ok()) return old_cp.status().WithContext("old checkpoint");
  Result<Checkpoint> new_cp = OpenCheckpoint(new_checkpoint_note, verifier, old_cp->origin);
  if (!new_cp.ok()) return new_cp.status().WithContext("new checkpoint");
  if (proof.old_size != old_cp->size || proof.new_size != new_cp->size) {
    return Status::InvalidArgument(
        "the proof is for sizes " + std::to_string(proof.old_size) + " -> " +
        std::to_string(proof.new_size) + " but the checkpoints have sizes " +
        std::to_string(old_cp->size) + " -> " + std::to_string(new_cp->size) +
        "; fetch the proof for exactly these sizes");
  }
  Status st = merkle::VerifyConsistency(old_cp->size, new_cp->size, old_cp->root, new_cp->root,
                                        proof.proof);
  if (!st.ok()) return st;
  return std::make_pair(std::move(old_cp).value(), std::move(new_cp).value());
}

}  // namespace signet::crypto
