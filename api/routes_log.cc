// The transparency log routes (issue 6): checkpoint, verifier key, entries,
// inclusion and consistency proofs. Hashes are standard base64, as in
// checkpoints and receipts (crypto/receipt.h).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/api.h"
#include "api/json_mapping.h"
#include "crypto/encoding.h"
#include "crypto/receipt.h"

namespace signet::api {
namespace bj = boost::json;

namespace {

Result<std::uint64_t> RequiredUint(const Target& t, std::string_view name, std::string_view use) {
  auto v = t.Query(name);
  if (!v) {
    return Status::InvalidArgument(fmt::format("parameter \"{}\" is required: {}", name, use));
  }
  return json::ParseUint(*v, name);
}

}  // namespace

Response Api::LogCheckpoint(const Request&, const Params&) const {
  return Response::Text(200, registry_.Checkpoint());
}

Response Api::LogKey(const Request&, const Params&) const {
  return Response::Text(200, registry_.VerifierKey() + "\n");
}

Response Api::LogEntry(const Request&, const Params& p) const {
  auto index = json::ParseUint(p.Param("index"), "index");
  if (!index.ok()) return Response::Problem(index.status());
  std::uint64_t size = registry_.LogSize();
  if (*index >= size) {
    return Response::Problem(Status::NotFound(
        fmt::format("the log has {} entries (indexes 0 to {}); entry {} does not exist yet", size,
                    size == 0 ? 0 : size - 1, *index)));
  }
  auto entry = registry_.LogEntry(*index);
  if (!entry.ok()) return Response::Problem(entry.status());
  // The envelope bytes verbatim: the leaf hash is SHA-256(0x00 || these bytes).
  return Response::Json(200, std::move(*entry));
}

Response Api::InclusionProof(const Request&, const Params& p) const {
  auto index = RequiredUint(p.target, "index", "the leaf index to prove");
  if (!index.ok()) return Response::Problem(index.status());
  auto size = RequiredUint(p.target, "size", "the tree size of the checkpoint you hold");
  if (!size.ok()) return Response::Problem(size.status());
  std::uint64_t log_size = registry_.LogSize();
  if (!(*index < *size && *size <= log_size)) {
    return Response::Problem(Status::InvalidArgument(
        fmt::format("need index < size <= {} (the current log size); got index={} size={}",
                    log_size, *index, *size)));
  }
  auto proof = registry_.InclusionProof(*index, *size);
  if (!proof.ok()) return Response::Problem(proof.status());
  bj::object o;
  o["leaf_index"] = *index;
  o["tree_size"] = *size;
  bj::array hashes;
  for (const auto& h : *proof) hashes.emplace_back(crypto::Base64Encode(crypto::ByteView(h)));
  o["inclusion_proof"] = std::move(hashes);
  return json::JsonResponse(200, o);
}

Response Api::ConsistencyProof(const Request&, const Params& p) const {
  auto old_size = RequiredUint(p.target, "old", "the tree size of the checkpoint you saved");
  if (!old_size.ok()) return Response::Problem(old_size.status());
  auto new_size = RequiredUint(p.target, "new", "the tree size of the newer checkpoint");
  if (!new_size.ok()) return Response::Problem(new_size.status());
  std::uint64_t log_size = registry_.LogSize();
  if (!(*old_size <= *new_size && *new_size <= log_size)) {
    return Response::Problem(Status::InvalidArgument(
        fmt::format("need old <= new <= {} (the current log size); got old={} new={}", log_size,
                    *old_size, *new_size)));
  }
  auto proof = registry_.ConsistencyProof(*old_size, *new_size);
  if (!proof.ok()) return Response::Problem(proof.status());
  return Response::Json(200, crypto::ConsistencyProofToJson({*old_size, *new_size, *proof}));
}

}  // namespace signet::api
