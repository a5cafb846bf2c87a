// Writes on any node (docs/CLUSTER.md "Writes on any node"): a follower
// forwards POST /v1/statements over NATS request/reply to <name>.submit,
// which only the sequencer serves (queue group "sequencer").
//
//   WriteForwarder  the follower's side. It keeps trying until a deadline
//                   while there is no sequencer (no responders: nobody got the
//                   request), the sequencer answers 503 (not ready, no quorum,
//                   a shard down) or does not answer in time. Every retry after
//                   an attempt that may have reached a sequencer carries
//                   Signet-Retry: 1, so that a statement appended by a
//                   sequencer that died before answering comes back as 200
//                   with its receipt (api: PostStatement) instead of 409.
//   WriteService    the sequencer's side: runs each forwarded request through
//                   the API handler on a pool of threads sized for waiting on
//                   the group commit, and replies with its status, headers and
//                   body.
//
// The reply: headers Signet-Status (the HTTP status), Content-Type, Location,
// Retry-After as the API set them; data: the body.
//
// Thread safety: Forward may be called from many threads; Start/Stop of the
// service from one thread.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "api/http.h"
#include "cluster/nats_client.h"

namespace signet::cluster {

class WriteForwarder {
 public:
  struct Options {
    std::string subject;
    std::chrono::milliseconds deadline{std::chrono::seconds(10)};
    std::chrono::milliseconds attempt_timeout{std::chrono::seconds(2)};
  };
  // REQUIRES: `nats` outlives the forwarder.
  WriteForwarder(const NatsClient& nats, Options options)
      : nats_(nats), options_(std::move(options)) {}

  api::Response Forward(const api::Request& request) const;

 private:
  const NatsClient& nats_;
  const Options options_;
};

class WriteService {
 public:
  // REQUIRES: `nats` and `api` outlive the service.
  WriteService(const NatsClient& nats, std::string subject, api::Handler& api, int threads);
  ~WriteService();  // Stop()
  WriteService(const WriteService&) = delete;
  WriteService& operator=(const WriteService&) = delete;

  Status Start();
  // Leaves the queue group, then answers what is in flight.
  void Stop();
  bool serving() const { return sub_ != nullptr; }

 private:
  static void OnRequest(natsConnection*, natsSubscription*, natsMsg* msg, void* closure);
  void Answer(MsgPtr msg);

  const NatsClient& nats_;
  const std::string subject_;
  api::Handler& api_;
  const int threads_;
  std::mutex pool_mu_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  SubPtr sub_;
};

}  // namespace signet::cluster
