// ClusterHandler: what a node's HTTP transport calls in cluster mode, around
// the API (api/api.h), which stays as it is on one machine:
//
//   POST /v1/statements  decided here on the sequencer; forwarded to it from
//                        a follower (ClusterNode::Forward), also when the
//                        local attempt finds this node no longer is it;
//                        statements too big to travel as one NATS message 413;
//   GET /healthz         the API's answer plus role, node id, stream head,
//                        how far behind, the lease holder and the shards;
//   every answer         Signet-Log-Size (statements this node has applied)
//                        and Signet-Stream-Head (the stream's last sequence
//                        as last seen), so a reader knows how far behind the
//                        node it asked is; a 503 gets Retry-After if it has none.
//
// Thread safety: as api::Handler; both dependencies must outlive it.
#pragma once

#include "api/http.h"
#include "cluster/node.h"

namespace signet::cluster {

class ClusterHandler : public api::Handler {
 public:
  ClusterHandler(api::Handler& api, ClusterNode& node) : api_(api), node_(node) {}

  api::RouteInfo Classify(std::string_view method, std::string_view target) const override {
    return api_.Classify(method, target);
  }
  api::Response Handle(const api::Request& request) override;
  api::Response HandleStream(const api::Request& head, api::BodyReader& body,
                             api::ResponseStream& out) override;
  void Observe(const api::Completed& completed) override { api_.Observe(completed); }

 private:
  api::Response Submit(const api::Request& request);
  api::Response Health(const api::Request& request);
  void Decorate(api::Headers& headers, int status) const;

  api::Handler& api_;
  ClusterNode& node_;
};

}  // namespace signet::cluster
