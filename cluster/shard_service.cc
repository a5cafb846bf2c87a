#include "cluster/shard_service.h"

#include <boost/asio/post.hpp>
#include <charconv>
#include <optional>
#include <thread>

namespace signet::cluster {

// One Search call: a slot per shard, filled by OnReply.
struct ShardClient::Call {
  std::condition_variable cv;
  std::vector<std::optional<Result<SearchReply>>> slots;
  std::size_t remaining = 0;
};

Result<std::unique_ptr<ShardClient>> ShardClient::Create(const NatsClient& nats,
                                                         std::string subject_prefix,
                                                         std::chrono::milliseconds timeout) {
  std::unique_ptr<ShardClient> c(new ShardClient(nats, std::move(subject_prefix), timeout));
  natsInbox* inbox = nullptr;
  if (natsStatus s = natsInbox_Create(&inbox); s != NATS_OK) {
    return FromNats(s, "creating an inbox");
  }
  c->inbox_ = reinterpret_cast<const char*>(inbox);
  natsInbox_Destroy(inbox);
  natsSubscription* raw = nullptr;
  natsStatus s = natsConnection_Subscribe(&raw, nats.connection(), (c->inbox_ + ".*").c_str(),
                                          &ShardClient::OnReply, c.get());
  if (s != NATS_OK) return FromNats(s, "subscribing to shard search replies");
  c->sub_.reset(raw);
  return c;
}

ShardClient::~ShardClient() {
  if (sub_) natsSubscription_Unsubscribe(sub_.get());
}

void ShardClient::OnReply(natsConnection*, natsSubscription*, natsMsg* raw, void* closure) {
  MsgPtr msg(raw);
  auto* self = static_cast<ShardClient*>(closure);
  std::string_view subject = natsMsg_GetSubject(msg.get());
  std::uint64_t token = 0;
  const std::string_view tail = subject.substr(subject.rfind('.') + 1);
  std::from_chars(tail.data(), tail.data() + tail.size(), token);
  std::lock_guard lock(self->mu_);
  auto it = self->waiting_.find(token);
  if (it == self->waiting_.end()) return;  // late: the call gave up on it
  auto [call, slot] = it->second;
  self->waiting_.erase(it);
  if (natsMsg_IsNoResponders(msg.get())) {
    call->slots[slot] = Status::Unavailable("no live replica");
  } else {
    call->slots[slot] = DecodeSearchReply(Data(msg.get()));
  }
  if (--call->remaining == 0) call->cv.notify_all();
}

std::vector<Result<SearchReply>> ShardClient::Search(SearchKind kind, std::uint64_t as_of,
                                                     std::span<const fp::QueryVariant> variants,
                                                     std::span<const std::uint32_t> shards,
                                                     const std::function<void()>& meanwhile) {
  Call call;
  call.slots.resize(shards.size());
  // A replica that timed out or refused (behind, stopping) gets a second
  // chance: the queue group may pick its sibling. No responders is final.
  auto retry = [](const std::optional<Result<SearchReply>>& slot) {
    return !slot || (slot->ok() && !(*slot)->ok);
  };
  std::vector<std::string> requests;  // encoded once, outside the lock
  for (std::uint32_t k : shards) requests.push_back(EncodeSearchRequest(kind, k, as_of, variants));
  bool ran = false;  // meanwhile, exactly once
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::uint64_t> tokens;
    const auto sent = std::chrono::steady_clock::now();
    {
      std::unique_lock lock(mu_);
      for (std::size_t i = 0; i < shards.size(); ++i) {
        if (!retry(call.slots[i])) continue;
        call.slots[i].reset();
        const std::uint64_t token = next_token_++;
        waiting_[token] = {&call, i};
        tokens.push_back(token);
        ++call.remaining;
        const std::string reply = inbox_ + "." + std::to_string(token);
        natsStatus s = natsConnection_PublishRequest(
            nats_.connection(), Subject(prefix_, shards[i]).c_str(), reply.c_str(),
            requests[i].data(), static_cast<int>(requests[i].size()));
        if (s != NATS_OK) {
          waiting_.erase(token);
          --call.remaining;
          call.slots[i] = FromNats(s, "sending a shard search");
        }
      }
      if (tokens.empty()) break;
      if (meanwhile && !ran) {
        ran = true;
        lock.unlock();
        meanwhile();
        lock.lock();
      }
      call.cv.wait_until(lock, sent + timeout_, [&] { return call.remaining == 0; });
      for (std::uint64_t t : tokens) waiting_.erase(t);  // unanswered: given up
      call.remaining = 0;
    }
  }
  if (meanwhile && !ran) meanwhile();
  std::vector<Result<SearchReply>> out;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    auto& slot = call.slots[i];
    const std::string shard = "shard " + std::to_string(shards[i]);
    if (!slot) {
      out.push_back(Status::Unavailable(shard + " did not answer within " +
                                        std::to_string(timeout_.count()) + " ms"));
    } else if (!slot->ok()) {
      out.push_back(slot->status().WithContext(shard));
    } else if (!(*slot)->ok) {
      out.push_back(Status::Unavailable(shard + ": " + (*slot)->error));
    } else {
      out.push_back(std::move(**slot));
    }
  }
  return out;
}

ShardServer::ShardServer(const NatsClient& nats, Options options, Searcher searcher,
                         std::function<std::uint64_t()> log_size)
    : nats_(nats),
      options_(std::move(options)),
      searcher_(std::move(searcher)),
      log_size_(std::move(log_size)) {}

ShardServer::~ShardServer() { Stop(); }

Status ShardServer::Start(std::span<const std::uint32_t> shards) {
  {
    std::lock_guard lock(pool_mu_);
    pool_ = std::make_unique<boost::asio::thread_pool>(static_cast<std::size_t>(options_.threads));
  }
  for (std::uint32_t k : shards) {
    natsSubscription* raw = nullptr;
    const std::string subject = ShardClient::Subject(options_.subject_prefix, k);
    const std::string group = "shard-" + std::to_string(k);
    natsStatus s = natsConnection_QueueSubscribe(&raw, nats_.connection(), subject.c_str(),
                                                 group.c_str(), &ShardServer::OnRequest, this);
    if (s != NATS_OK) {
      Stop();
      return FromNats(s, "serving " + subject);
    }
    subs_.emplace_back(raw);
  }
  return FromNats(natsConnection_Flush(nats_.connection()), "serving the shards");
}

void ShardServer::Stop() {
  for (auto& s : subs_) natsSubscription_Unsubscribe(s.get());
  std::unique_ptr<boost::asio::thread_pool> pool;
  {
    std::lock_guard lock(pool_mu_);
    pool = std::move(pool_);
  }
  if (pool) pool->join();
  subs_.clear();
}

void ShardServer::OnRequest(natsConnection*, natsSubscription*, natsMsg* raw, void* closure) {
  auto* self = static_cast<ShardServer*>(closure);
  auto msg = std::make_shared<MsgPtr>(raw);
  std::lock_guard lock(self->pool_mu_);
  if (!self->pool_) return;  // stopping: the client asks a sibling
  boost::asio::post(*self->pool_, [self, msg] { self->Answer(std::move(*msg)); });
}

void ShardServer::Answer(MsgPtr msg) {
  const char* reply_to = natsMsg_GetReply(msg.get());
  if (!reply_to) return;
  SearchReply reply;
  auto req = DecodeSearchRequest(Data(msg.get()));
  if (!req.ok()) {
    reply.ok = false;
    reply.error = req.status().message();
  } else {
    if (req->kind == SearchKind::kDispute) {
      // The sequencer needs every work registered before as_of.
      const auto deadline = std::chrono::steady_clock::now() + options_.catch_up_wait;
      while (log_size_() < req->as_of && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    if (req->kind == SearchKind::kDispute && log_size_() < req->as_of) {
      reply.ok = false;
      reply.error = "this replica holds " + std::to_string(log_size_()) + " of the " +
                    std::to_string(req->as_of) + " statements asked for";
    } else if (auto r = searcher_(*req); r.ok()) {
      reply = std::move(*r);
    } else {
      reply.ok = false;
      reply.error = r.status().message();
    }
  }
  reply.log_size = log_size_();
  const std::string data = EncodeSearchReply(reply);
  natsConnection_Publish(nats_.connection(), reply_to, data.data(), static_cast<int>(data.size()));
}

}  // namespace signet::cluster
