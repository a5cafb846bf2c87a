#include "api/api.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/json_mapping.h"
#include "common/embedded_file.h"

namespace signet::api {

// api/openapi.json, embedded by api/CMakeLists.txt (cmake/SignetEmbed.cmake).
std::span<const EmbeddedFile> EmbeddedOpenApi();

namespace bj = boost::json;

Api::Api(registry::Registry& registry, const crypto::note::Signer* receipt_signer,
         ApiOptions options)
    : registry_(registry), receipt_signer_(receipt_signer), options_(options) {
  auto bind = [this](auto method) {
    return [this, method](const Request& r, const RouteMatch& m) { return (this->*method)(r, m); };
  };
  const std::uint64_t small = 64 << 10;
  router_.Add("GET", "/healthz", bind(&Api::Healthz), small);
  router_.Add("GET", "/metrics", bind(&Api::MetricsText), small);
  router_.Add("GET", "/openapi.json", bind(&Api::OpenApi), small);
  router_.Add("POST", "/v1/statements", bind(&Api::PostStatement), options_.max_statement_bytes);
  router_.MarkWaitsForCommit("POST", "/v1/statements");
  router_.Add("GET", "/v1/artists", bind(&Api::SearchArtists), small);
  router_.Add("GET", "/v1/artists/{id}", bind(&Api::GetArtist), small);
  router_.Add("GET", "/v1/artists/{id}/works", bind(&Api::ListArtistWorks), small);
  router_.Add("GET", "/v1/works", bind(&Api::SearchWorks), small);
  router_.Add("GET", "/v1/works/{id}", bind(&Api::GetWork), small);
  router_.Add("GET", "/v1/works/{id}/terms", bind(&Api::GetTerms), small);
  router_.Add("GET", "/v1/works/{id}/terms/export", bind(&Api::ExportTerms), small);
  router_.Add("GET", "/v1/works/{id}/history", bind(&Api::WorkHistory), small);
  router_.Add("GET", "/v1/disputes", bind(&Api::ListDisputes), small);
  router_.Add("GET", "/v1/disputes/{id}", bind(&Api::GetDispute), small);
  router_.Add("POST", "/v1/match", bind(&Api::PostMatch),
              std::max(options_.max_audio_bytes, options_.max_fingerprint_request_bytes));
  router_.AddStream("POST", "/v1/check",
                    [this](const Request& r, const RouteMatch& m, BodyReader& b,
                           ResponseStream& o) { return PostCheck(r, m, b, o); });
  router_.Add("GET", "/v1/log/checkpoint", bind(&Api::LogCheckpoint), small);
  router_.Add("GET", "/v1/log/key", bind(&Api::LogKey), small);
  router_.Add("GET", "/v1/log/entries/{index}", bind(&Api::LogEntry), small);
  router_.Add("GET", "/v1/log/tile/{path...}", bind(&Api::LogTile), small);
  router_.Add("GET", "/v1/log/receipt", bind(&Api::LogReceipt), small);
  router_.Add("GET", "/v1/log/proof/inclusion", bind(&Api::InclusionProof), small);
  router_.Add("GET", "/v1/log/proof/consistency", bind(&Api::ConsistencyProof), small);
  router_.Add("GET", "/v2/lookup", bind(&Api::AcoustIdLookup), small);
  router_.Add("POST", "/v2/lookup", bind(&Api::AcoustIdLookup),
              options_.max_fingerprint_request_bytes);
}

RouteInfo Api::Classify(std::string_view method, std::string_view target) const {
  return router_.Classify(method, target);
}

Response Api::Handle(const Request& request) { return router_.Dispatch(request); }

Response Api::HandleStream(const Request& head, BodyReader& body, ResponseStream& out) {
  return router_.DispatchStream(head, body, out);
}

void Api::Observe(const Completed& c) {
  if (!c.refusal.empty()) metrics_.Refused(c.refusal);
  if (!c.method.empty()) metrics_.Observe(c.method, c.route, c.status, c.seconds);
}

Response Api::Healthz(const Request&, const Params&) const {
  registry::Stats s = registry_.GetStats();
  bj::object o;
  o["status"] = "ok";
  o["log_size"] = s.statements;
  o["works"] = s.works;
  o["indexed_works"] = s.indexed_works;
  o["index_complete"] = s.index_complete;
  o["landmark_works"] = s.landmark_works;
  return json::JsonResponse(200, o);
}

Response Api::MetricsText(const Request&, const Params&) const {
  registry::Stats s = registry_.GetStats(/*with_index_memory=*/true);
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  std::vector<Metrics::Gauge> gauges = {
      {"signet_registry_artists", "Artists registered.", d(s.artists)},
      {"signet_registry_works{state=\"live\"}", "Works registered, by state.", d(s.works)},
      {"signet_registry_works{state=\"withdrawn\"}", "", d(s.withdrawn_works)},
      {"signet_registry_disputes{state=\"open\"}", "Disputes: open, and all ever opened.",
       d(s.open_disputes)},
      {"signet_registry_disputes{state=\"all\"}", "", d(s.disputes)},
      {"signet_log_size", "Statements in the transparency log (its tree size).", d(s.statements)},
      {"signet_index_works", "Recordings in the fingerprint index.", d(s.indexed_works)},
      {"signet_index_positions", "Sub-fingerprints of the recordings in the fingerprint index.",
       d(s.index_positions)},
      {"signet_index_complete", "1 when every live work is indexed, 0 while the index is rebuilt.",
       s.index_complete ? 1.0 : 0.0},
      {"signet_index_segments", "Segment files of the fingerprint index.", d(s.index_segments)},
      {"signet_index_disk_bytes", "Bytes of the fingerprint index's segment files.",
       d(s.index_disk_bytes)},
      {"signet_index_memory_bytes", "Bytes the fingerprint index holds in memory.",
       d(s.index_memory_bytes)},
      {"signet_index_posting_bytes", "Bytes of the fingerprint index's postings.",
       d(s.index_posting_bytes)},
      {"signet_index_value_bytes", "Bytes of the fingerprint index's verification copy.",
       d(s.index_value_bytes)},
      {"signet_index_busy", "1 while the fingerprint index flushes or merges.",
       s.index_busy ? 1.0 : 0.0},
      {"signet_landmark_index_works", "Recordings in the landmark print index.",
       d(s.landmark_works)},
      {"signet_registry_commit_groups", "Group commits written since start.", d(s.commit_groups)},
      {"signet_registry_open_seconds", "Seconds the registry took to open at start.",
       s.open_seconds},
  };
  if (options_.extra_gauges) {
    for (auto& g : options_.extra_gauges()) gauges.push_back(std::move(g));
  }
  return Response::Text(200, metrics_.Render(gauges), "text/plain; version=0.0.4; charset=utf-8");
}

std::string_view Api::OpenApiDocument() { return EmbeddedOpenApi().front().content; }

Response Api::OpenApi(const Request&, const Params&) const {
  return Response::Json(200, std::string(OpenApiDocument()));
}

}  // namespace signet::api
