// Signet's HTTP API: every route of /v1, the log routes, the AcoustID-compatible
// /v2/lookup, /healthz, /metrics and /openapi.json, as plain handler functions
// of (Request, dependencies) -> Response. The transport (server/) calls it
// through api::Handler; tests call it directly, without sockets.
//
// The routes, their parameters and every answer they give are described in
// api/openapi.json (served at /openapi.json); the NDJSON format of /v1/check
// and its signed answer receipt are described there and in api/routes_check.cc.
//
// Ownership: Api borrows the Registry and the receipt signer; both must
// outlive it. Thread safety: all members may be called from many threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"
#include "api/metrics.h"
#include "api/router.h"
#include "crypto/note.h"
#include "fingerprint/extract.h"
#include "registry/registry.h"

namespace signet::api {

struct ApiOptions {
  std::uint64_t max_statement_bytes = 4 << 20;            // POST /v1/statements
  std::uint64_t max_fingerprint_request_bytes = 2 << 20;  // JSON fingerprint bodies, /v2/lookup
  std::uint64_t max_audio_bytes = 64 << 20;               // POST /v1/match with audio
  double max_audio_seconds = 30 * 60;                     // decoded duration of match audio
  std::chrono::milliseconds max_audio_decode_time{std::chrono::seconds(30)};
  // POST /v1/match with audio also matches the audio heard at these speeds, so
  // that sped-up or slowed-down copies (+-6 %) are found; each costs one more
  // fingerprinting run over the first speed_variant_seconds of the audio.
  // 1 % steps: with 2 % steps recall at 3 % fell to ~50 % (fingerprint/EVALUATION.md).
  // Empty: off. A request can turn them off with ?speed_variants=off.
  std::vector<double> speed_variants = {fp::kDefaultSpeedVariants.begin(),
                                        fp::kDefaultSpeedVariants.end()};
  double speed_variant_seconds = 120;
  std::size_t max_check_line_bytes = 1 << 20;  // one NDJSON item of /v1/check
  // A /v1/check stream holds one of the few stream slots, so it must make
  // progress: it ends (with an error line and the summary) when no item has
  // arrived for check_item_timeout (blank lines are not items) or when it has
  // run for check_max_duration. Documented in api/openapi.json.
  std::chrono::milliseconds check_item_timeout{std::chrono::seconds(120)};
  std::chrono::milliseconds check_max_duration{std::chrono::hours(6)};
  std::size_t default_page_size = 100;
  std::size_t max_page_size = 1000;
  // Witnesses are configured: /v1/log/checkpoint and /v1/log/receipt serve the
  // witnessed checkpoint (crypto/LOG.md "Witnessing") instead of the latest.
  bool witnessed_checkpoint = false;
  // More gauges for /metrics (the witness publisher's); may be empty.
  std::function<std::vector<Metrics::Gauge>()> extra_gauges;
};

class Api : public Handler {
 public:
  // `receipt_signer` signs /v1/check answer receipts (the log's key and name);
  // null disables ?receipt=1 (answered 501).
  Api(registry::Registry& registry, const crypto::note::Signer* receipt_signer,
      ApiOptions options = {});
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  RouteInfo Classify(std::string_view method, std::string_view target) const override;
  Response Handle(const Request& request) override;
  Response HandleStream(const Request& head, BodyReader& body, ResponseStream& out) override;
  void Observe(const Completed& completed) override;

  // (method, template) of every route served.
  std::vector<std::pair<std::string, std::string>> Routes() const { return router_.Routes(); }
  // The OpenAPI document served at /openapi.json.
  static std::string_view OpenApiDocument();

 private:
  using Params = RouteMatch;
  // Operational.
  Response Healthz(const Request&, const Params&) const;
  Response MetricsText(const Request&, const Params&) const;
  Response OpenApi(const Request&, const Params&) const;
  // Registry reads and writes (routes_registry.cc).
  Response PostStatement(const Request&, const Params&) const;
  // A retried statement that is in the log already: 200 with its receipt.
  Response AlreadyAccepted(std::string_view envelope_json, std::uint64_t log_index) const;
  Response GetArtist(const Request&, const Params&) const;
  Response ListArtistWorks(const Request&, const Params&) const;
  Response GetWork(const Request&, const Params&) const;
  Response SearchWorks(const Request&, const Params&) const;
  Response SearchArtists(const Request&, const Params&) const;
  Response GetTerms(const Request&, const Params&) const;
  Response ExportTerms(const Request&, const Params&) const;
  Response WorkHistory(const Request&, const Params&) const;
  Response ListDisputes(const Request&, const Params&) const;
  Response GetDispute(const Request&, const Params&) const;
  // Matching (routes_match.cc).
  Response PostMatch(const Request&, const Params&) const;
  Response AcoustIdLookup(const Request&, const Params&) const;
  // The dataset check (routes_check.cc).
  Response PostCheck(const Request&, const Params&, BodyReader&, ResponseStream&) const;
  // Transparency log (routes_log.cc).
  Response LogCheckpoint(const Request&, const Params&) const;
  Response LogKey(const Request&, const Params&) const;
  Response LogEntry(const Request&, const Params&) const;
  Response LogTile(const Request&, const Params&) const;
  Response LogReceipt(const Request&, const Params&) const;
  Response InclusionProof(const Request&, const Params&) const;
  Response ConsistencyProof(const Request&, const Params&) const;

  registry::Registry& registry_;
  const crypto::note::Signer* receipt_signer_;
  ApiOptions options_;
  mutable Metrics metrics_;
  Router router_;
};

}  // namespace signet::api
