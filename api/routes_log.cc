// The transparency log routes: checkpoint, verifier key, entries, inclusion
// and consistency proofs (hashes standard base64, as in checkpoints and
// receipts, crypto/receipt.h), and the C2SP tlog-tiles hash tiles and entry
// bundles (crypto/tiles.h; what is served and cached how: crypto/LOG.md).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/api.h"
#include "api/json_mapping.h"
#include "crypto/encoding.h"
#include "crypto/receipt.h"
#include "crypto/tiles.h"

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

// Tiles never change once they exist (every hash in one is a complete
// subtree; a partial tile's path names its width): cache them for a year.
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

}  // namespace

Response Api::LogCheckpoint(const Request&, const Params&) const {
  Response r = Response::Text(200, options_.witnessed_checkpoint ? registry_.WitnessedCheckpoint()
                                                                 : registry_.Checkpoint());
  if (r.body.empty()) {
    r = Response::Problem(Status::Unavailable(
        "no checkpoint has been cosigned by enough witnesses yet; signetd sends one to its "
        "witnesses every checkpoint_interval_ms, retry shortly"));
    r.headers.Set("Retry-After", "5");
  }
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

Response Api::LogTile(const Request&, const Params& p) const {
  const std::string path = "tile/" + p.Param("path");
  Result<crypto::tiles::Tile> tile = crypto::tiles::ParsePath(path);
  if (!tile.ok()) return Response::Problem(tile.status());
  // Every size up to the latest signed checkpoint's has had a checkpoint
  // (one per commit group, and receipts carry them): serve tiles up to it.
  const std::uint64_t size = registry_.LogSize();
  if (!crypto::tiles::InTree(*tile, size)) {
    return Response::Problem(Status::NotFound(
        fmt::format("{} is not in the log: the latest checkpoint has size {}; fetch "
                    "/v1/log/checkpoint first and then only the tiles its size needs",
                    path, size)));
  }
  const std::uint64_t first = tile->index * crypto::tiles::kFullWidth;
  std::string body;
  if (tile->entries) {
    auto entries = registry_.LogEntries(first, tile->width);
    if (!entries.ok()) return Response::Problem(entries.status());
    auto bundle = crypto::tiles::EncodeBundle(*entries);
    if (!bundle.ok()) {
      return Response::Problem(Status::Internal(
          path + " cannot be served: " + bundle.status().message() +
          " (the log holds a statement accepted before signetd refused statements over 65535 "
          "bytes; read it at /v1/log/entries/{index})"));
    }
    body = std::move(*bundle);
  } else {
    auto hashes = registry_.LogNodeHashes(crypto::tiles::kHeight * tile->level, first, tile->width);
    if (!hashes.ok()) return Response::Problem(hashes.status());
    body = std::move(*hashes);
  }
  Response r = Response::Text(200, std::move(body), "application/octet-stream");
  r.headers.Set("Cache-Control", std::string(kImmutable));
  return r;
}

Response Api::LogReceipt(const Request&, const Params& p) const {
  auto index = RequiredUint(p.target, "index", "the leaf index of the statement");
  if (!index.ok()) return Response::Problem(index.status());
  auto receipt = options_.witnessed_checkpoint ? registry_.WitnessedReceiptFor(*index)
                                               : registry_.ReceiptFor(*index);
  if (!receipt.ok()) return Response::Problem(receipt.status());
  Response r = Response::Json(200, crypto::ReceiptToJson(*receipt));
  r.headers.Set("Cache-Control", "no-store");
  return r;
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
