#include "cluster/stream_follower.h"

#include <fmt/core.h>

#include <vector>

#include "cluster/wire.h"
#include "registry/replication.h"

namespace signet::cluster {
namespace {

struct MetaDeleter {
  void operator()(jsMsgMetaData* m) const { jsMsgMetaData_Destroy(m); }
};

}  // namespace

StreamFollower::StreamFollower(const NatsClient& nats, registry::Registry& registry,
                               Options options)
    : nats_(nats), registry_(registry), options_(std::move(options)) {}

StreamFollower::~StreamFollower() { Stop(); }

Status StreamFollower::Start() {
  SIGNET_ASSIGN_OR_RETURN(js_, nats_.JetStream());
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void StreamFollower::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StreamFollower::note_head(std::uint64_t head) {
  std::uint64_t h = head_.load();
  while (head > h && !head_.compare_exchange_weak(h, head)) {
  }
}

std::string StreamFollower::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void StreamFollower::set_error(const Status& st) {
  std::lock_guard lock(mu_);
  if (st.ok()) {
    last_error_.clear();
    return;
  }
  if (st.message() != last_error_) fmt::print(stderr, "signetd: stream: {}\n", st.message());
  last_error_ = st.message();
}

Status StreamFollower::Subscribe(SubPtr& sub) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = options_.stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = registry_.LogSize() + 1;
  so.Config.Heartbeat = std::chrono::nanoseconds(std::chrono::seconds(1)).count();
  natsSubscription* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&raw, js_.get(), options_.subject.c_str(), nullptr, &so, &code);
  if (s != NATS_OK) return FromNats(s, "subscribing to the stream");
  sub.reset(raw);
  // The library's default of 65,536 pending messages is far more than a
  // batch; bytes too, for registrations of whole tracks.
  natsSubscription_SetPendingLimits(raw, 65536, 256 << 20);
  return Status::Ok();
}

Status StreamFollower::Pump(natsSubscription* sub, std::chrono::milliseconds wait) {
  std::vector<registry::Replicated> batch;
  natsMsg* raw = nullptr;
  natsStatus s = natsSubscription_NextMsg(&raw, sub, wait.count());
  while (s == NATS_OK) {
    MsgPtr msg(raw);
    jsMsgMetaData* meta_raw = nullptr;
    if (natsStatus ms = natsMsg_GetMetaData(&meta_raw, msg.get()); ms != NATS_OK) {
      return FromNats(ms, "reading a stream message's metadata");
    }
    std::unique_ptr<jsMsgMetaData, MetaDeleter> meta(meta_raw);
    const std::uint64_t seq = meta->Sequence.Stream;
    note_head(seq + meta->NumPending);
    auto record = DecodeStreamRecord(Data(msg.get()));
    if (!record.ok()) {
      return record.status().WithContext("stream message " + std::to_string(seq));
    }
    if (record->decision.log_index + 1 != seq) {
      return Status::Internal("stream message " + std::to_string(seq) + " holds log index " +
                              std::to_string(record->decision.log_index));
    }
    batch.push_back(std::move(*record));
    if (batch.size() >= options_.max_batch) break;
    s = natsSubscription_NextMsg(&raw, sub, 0);
  }
  if (s != NATS_OK && s != NATS_TIMEOUT) return FromNats(s, "reading the stream");
  if (batch.empty()) return Status::Ok();
  return registry_.ApplyReplicated(batch);
}

void StreamFollower::Run() {
  SubPtr sub;
  auto last_progress = std::chrono::steady_clock::now();
  std::uint64_t last_size = registry_.LogSize();
  while (!stop_) {
    Status st = sub ? Status::Ok() : Subscribe(sub);
    if (st.ok()) st = Pump(sub.get(), std::chrono::milliseconds(200));
    const std::uint64_t size = registry_.LogSize();
    const auto now = std::chrono::steady_clock::now();
    if (size != last_size) {
      last_size = size;
      last_progress = now;
    }
    // The ordered consumer recovers from most losses itself; one that sits
    // behind a stream with more in it for seconds is made again.
    if (st.ok() && head_ > size && now - last_progress > std::chrono::seconds(3)) {
      st = Status::Unavailable("no progress for 3 s while the stream is ahead; resubscribing");
      last_progress = now;
    }
    if (st.ok()) {
      if (size >= head_) set_error(Status::Ok());
      continue;
    }
    set_error(st);
    sub.reset();
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_.load(); });
  }
  if (sub) natsSubscription_Unsubscribe(sub.get());
}

}  // namespace signet::cluster
