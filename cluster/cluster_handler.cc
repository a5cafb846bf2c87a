#include "cluster/cluster_handler.h"

#include <boost/json.hpp>

namespace signet::cluster {
namespace {

namespace bj = boost::json;

std::string_view Path(std::string_view target) { return target.substr(0, target.find('?')); }

// The most a statement's stream record can add to the envelope bytes: the
// decision and checkpoint (a few hundred bytes, disputes ~100 each), and
// escaping the envelope as a JSON string (up to 6 bytes for a control byte).
std::size_t RecordBound(std::string_view envelope) {
  std::size_t escaped = 0;
  for (unsigned char c : envelope) {
    if (c < 0x20) {
      escaped += 5;
    } else if (c == '"' || c == '\\') {
      escaped += 1;
    }
  }
  return envelope.size() + escaped + (64 << 10);
}

// Adds the header pair of ClusterHandler to a streamed answer.
class DecoratedStream : public api::ResponseStream {
 public:
  DecoratedStream(api::ResponseStream& out, std::function<void(api::Headers&, int)> decorate)
      : out_(out), decorate_(std::move(decorate)) {}
  Status Begin(int status, api::Headers headers) override {
    decorate_(headers, status);
    return out_.Begin(status, std::move(headers));
  }
  Status Write(std::string data) override { return out_.Write(std::move(data)); }
  bool begun() const override { return out_.begun(); }

 private:
  api::ResponseStream& out_;
  std::function<void(api::Headers&, int)> decorate_;
};

}  // namespace

void ClusterHandler::Decorate(api::Headers& headers, int status) const {
  const std::uint64_t size = node_.registry().LogSize();
  headers.Set("Signet-Log-Size", std::to_string(size));
  headers.Set("Signet-Stream-Head", std::to_string(std::max(node_.stream_head(), size)));
  if (status == 503 && !headers.Get("Retry-After")) headers.Set("Retry-After", "1");
}

api::Response ClusterHandler::Handle(const api::Request& request) {
  api::Response r;
  const std::string_view path = Path(request.target);
  if (request.method == "POST" && path == "/v1/statements") {
    r = Submit(request);
  } else if (request.method == "GET" && path == "/healthz") {
    r = Health(request);
  } else {
    r = api_.Handle(request);
  }
  Decorate(r.headers, r.status);
  return r;
}

api::Response ClusterHandler::HandleStream(const api::Request& head, api::BodyReader& body,
                                           api::ResponseStream& out) {
  DecoratedStream decorated(out, [this](api::Headers& h, int status) { Decorate(h, status); });
  api::Response r = api_.HandleStream(head, body, decorated);
  if (!decorated.begun()) Decorate(r.headers, r.status);
  return r;
}

api::Response ClusterHandler::Submit(const api::Request& request) {
  const std::int64_t max_payload = node_.max_payload();
  if (static_cast<std::int64_t>(RecordBound(request.body)) > max_payload) {
    return api::Response::Problem(Status::ResourceExhausted(
        "this statement is too large to travel in the cluster's stream (NATS max_payload is " +
        std::to_string(max_payload) + " bytes); send a shorter one or raise max_payload"));
  }
  if (node_.sequencer()) {
    api::Response r = api_.Handle(request);
    // No longer the sequencer (or its group failed): the forwarder retries
    // until the current sequencer answers.
    if (r.status != 503) return r;
    api::Request retry = request;
    retry.headers.Set("Signet-Retry", "1");
    return node_.Forward(retry);
  }
  return node_.Forward(request);
}

api::Response ClusterHandler::Health(const api::Request& request) {
  api::Response base = api_.Handle(request);
  boost::system::error_code ec;
  bj::value v = bj::parse(base.body, ec);
  if (ec || !v.is_object()) return base;
  bj::object& o = v.as_object();
  const NodeHealth h = node_.health();
  o["role"] = h.sequencer ? "sequencer" : "follower";
  o["node_id"] = h.node_id;
  o["log_size"] = h.log_size;
  const std::uint64_t head = std::max(h.stream_head, h.log_size);
  o["stream_head"] = head;
  o["behind"] = head - h.log_size;
  if (h.lease_holder.empty()) {
    o["sequencer"] = nullptr;
  } else {
    o["sequencer"] = h.lease_holder;
  }
  o["nats"] = h.nats_connected ? "connected" : "disconnected";
  bj::object shards;
  shards["count"] = h.shard_map.shards;
  bj::array indexed;
  for (std::uint32_t k : h.indexed) indexed.emplace_back(k);
  shards["indexed"] = std::move(indexed);
  shards["serving"] = h.serving_shards;
  bj::object replicas;
  for (std::uint32_t k = 0; k < h.shard_map.shards; ++k) {
    bj::array nodes;
    for (const auto& n : h.shard_map.ReplicasOf(k)) nodes.emplace_back(n);
    replicas[std::to_string(k)] = std::move(nodes);
  }
  shards["replicas"] = std::move(replicas);
  o["shards"] = std::move(shards);
  if (!h.last_error.empty()) o["stream_error"] = h.last_error;
  return api::Response::Json(base.status, bj::serialize(o));
}

}  // namespace signet::cluster
