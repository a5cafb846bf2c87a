#include "cluster/write_forwarder.h"

#include <boost/asio/post.hpp>
#include <charconv>
#include <thread>

namespace signet::cluster {
namespace {

constexpr const char* kStatusHeader = "Signet-Status";
constexpr const char* kRetryHeader = "Signet-Retry";
// Headers of the API's answer that travel back.
constexpr const char* kAnswerHeaders[] = {"Content-Type", "Location", "Retry-After"};

using Steady = std::chrono::steady_clock;

}  // namespace

api::Response WriteForwarder::Forward(const api::Request& request) const {
  const auto deadline = Steady::now() + options_.deadline;
  bool retry = request.headers.Get(kRetryHeader).value_or("") == "1";
  std::string last = "no sequencer answered";
  while (Steady::now() < deadline) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type",
         std::string(request.headers.Get("Content-Type").value_or("application/json"))}};
    if (retry) headers.emplace_back(kRetryHeader, "1");
    auto msg = MakeMsg(options_.subject, request.body, headers);
    if (!msg.ok()) return api::Response::Problem(msg.status());
    natsMsg* raw = nullptr;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Steady::now());
    const auto wait =
        std::max(std::chrono::milliseconds(1), std::min(options_.attempt_timeout, left));
    natsStatus s = natsConnection_RequestMsg(&raw, nats_.connection(), msg->get(), wait.count());
    MsgPtr reply(raw);
    if (s == NATS_OK) {
      int status = 0;
      const std::string code = Header(reply.get(), kStatusHeader).value_or("");
      std::from_chars(code.data(), code.data() + code.size(), status);
      if (status < 100 || status > 599) {
        return api::Response::Problem(502, "bad gateway",
                                      "the sequencer's answer to a forwarded write is malformed");
      }
      if (status == 503 && Steady::now() < deadline) {
        // Not ready, no quorum, or its group failed: what it tried may be
        // stored, so the next attempt is a retry.
        retry = true;
        last = "the sequencer answered 503: " + std::string(Data(reply.get()));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      api::Response r;
      r.status = status;
      for (const char* h : kAnswerHeaders) {
        if (auto v = Header(reply.get(), h)) r.headers.Set(h, *v);
      }
      r.body = std::string(Data(reply.get()));
      return r;
    }
    if (s == NATS_TIMEOUT) {
      retry = true;  // it may have reached a sequencer that died meanwhile
      last = "the sequencer did not answer within " + std::to_string(wait.count()) + " ms";
      continue;
    }
    last = s == NATS_NO_RESPONDERS ? "there is no sequencer right now (failover in progress?)"
                                   : FromNats(s, "forwarding the write").message();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  api::Response r = api::Response::Problem(
      Status::Unavailable("the write could not reach the sequencer within " +
                          std::to_string(options_.deadline.count()) + " ms (" + last +
                          "); retry it with the same bytes and the header Signet-Retry: 1"));
  r.headers.Set("Retry-After", "1");
  return r;
}

WriteService::WriteService(const NatsClient& nats, std::string subject, api::Handler& api,
                           int threads)
    : nats_(nats), subject_(std::move(subject)), api_(api), threads_(threads) {}

WriteService::~WriteService() { Stop(); }

Status WriteService::Start() {
  if (sub_) return Status::Ok();
  {
    std::lock_guard lock(pool_mu_);
    pool_ = std::make_unique<boost::asio::thread_pool>(static_cast<std::size_t>(threads_));
  }
  natsSubscription* raw = nullptr;
  natsStatus s = natsConnection_QueueSubscribe(&raw, nats_.connection(), subject_.c_str(),
                                               "sequencer", &WriteService::OnRequest, this);
  if (s != NATS_OK) {
    Stop();
    return FromNats(s, "serving " + subject_);
  }
  sub_.reset(raw);
  return FromNats(natsConnection_Flush(nats_.connection()), "serving " + subject_);
}

void WriteService::Stop() {
  if (sub_) natsSubscription_Unsubscribe(sub_.get());
  std::unique_ptr<boost::asio::thread_pool> pool;
  {
    std::lock_guard lock(pool_mu_);
    pool = std::move(pool_);
  }
  if (pool) pool->join();
  sub_.reset();
}

void WriteService::OnRequest(natsConnection*, natsSubscription*, natsMsg* raw, void* closure) {
  auto* self = static_cast<WriteService*>(closure);
  auto msg = std::make_shared<MsgPtr>(raw);
  std::lock_guard lock(self->pool_mu_);
  if (!self->pool_) return;  // stepping down: the forwarder times out and retries
  boost::asio::post(*self->pool_, [self, msg] { self->Answer(std::move(*msg)); });
}

void WriteService::Answer(MsgPtr msg) {
  const char* reply_to = natsMsg_GetReply(msg.get());
  if (!reply_to) return;
  api::Request req;
  req.method = "POST";
  req.target = "/v1/statements";
  req.remote = "nats";
  req.body = std::string(Data(msg.get()));
  for (const char* h : {"Content-Type", kRetryHeader}) {
    if (auto v = Header(msg.get(), h)) req.headers.Set(h, *v);
  }
  api::Response res = api_.Handle(req);
  std::vector<std::pair<std::string, std::string>> headers = {
      {kStatusHeader, std::to_string(res.status)}};
  for (const char* h : kAnswerHeaders) {
    if (auto v = res.headers.Get(h)) headers.emplace_back(h, std::string(*v));
  }
  auto out = MakeMsg(reply_to, res.body, headers);
  if (out.ok()) natsConnection_PublishMsg(nats_.connection(), out->get());
}

}  // namespace signet::cluster
