#include "cluster/stream_writer.h"

#include <charconv>
#include <vector>

#include "cluster/wire.h"

namespace signet::cluster {
namespace {

constexpr const char* kGroupHeader = "Signet-Group";
constexpr const char* kExpectedHeader = "Nats-Expected-Last-Sequence";

std::uint64_t ParseU64(const std::optional<std::string>& s) {
  std::uint64_t v = 0;
  if (s) std::from_chars(s->data(), s->data() + s->size(), v);
  return v;
}

}  // namespace

// One group in flight: which of its messages JetStream has answered.
struct StreamWriter::Group {
  std::uint64_t first = 0;  // log index of its first statement
  std::size_t remaining = 0;
  Status error;  // the first failure
};

Result<std::unique_ptr<StreamWriter>> StreamWriter::Create(const NatsClient& nats,
                                                           Options options) {
  std::unique_ptr<StreamWriter> w(new StreamWriter(nats, std::move(options)));
  SIGNET_ASSIGN_OR_RETURN(w->js_, nats.JetStream(&StreamWriter::OnAck, w.get()));
  return w;
}

StreamWriter::StreamWriter(const NatsClient& nats, Options options)
    : nats_(nats), options_(std::move(options)) {}

StreamWriter::~StreamWriter() {
  // Pending publishes are dropped; their acks find no group.
  natsMsgList pending;
  if (js_ && js_PublishAsyncGetPendingList(&pending, js_.get()) == NATS_OK) {
    natsMsgList_Destroy(&pending);
  }
}

void StreamWriter::set_caught_up(std::uint64_t position) {
  position_ = position;
  caught_up_ = true;
}

Status StreamWriter::MayDecide(std::uint64_t log_size) {
  if (!leader_) {
    return Status::Unavailable("this node is not the sequencer (it does not hold the lease)");
  }
  if (!caught_up_ || log_size != position_) {
    caught_up_ = false;  // the control loop checks the stream again
    return Status::Unavailable("the sequencer is catching up with the stream; retry");
  }
  return Status::Ok();
}

void StreamWriter::OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* self = static_cast<StreamWriter*>(closure);
  const std::uint64_t group_id = ParseU64(Header(msg, kGroupHeader));
  const std::uint64_t expected = ParseU64(Header(msg, kExpectedHeader));
  natsMsg_Destroy(msg);
  std::lock_guard lock(self->mu_);
  auto it = self->groups_.find(group_id);
  if (it == self->groups_.end()) return;  // a group given up on
  Group& g = *it->second;
  if (g.remaining == 0) return;
  --g.remaining;
  if (g.error.ok()) {
    if (!pa) {
      g.error = Status::Unavailable(
          std::string("the stream did not store log entry ") + std::to_string(expected) + ": " +
          (pae && pae->ErrText ? pae->ErrText : natsStatus_GetText(pae ? pae->Err : NATS_ERR)) +
          (pae && pae->ErrCode == JSStreamWrongLastSequenceErr
               ? " (another sequencer appended first)"
               : ""));
    } else if (pa->Sequence != expected + 1) {
      g.error = Status::Internal("the stream stored log entry " + std::to_string(expected) +
                                 " as message " + std::to_string(pa->Sequence));
    }
  }
  if (g.remaining == 0) self->cv_.notify_all();
}

Status StreamWriter::Replicate(std::span<const registry::Replicated> group) {
  auto g = std::make_shared<Group>();
  g->first = group.front().decision.log_index;
  g->remaining = group.size();
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_group_++;
    groups_[id] = g;
  }
  const std::string id_text = std::to_string(id);
  Status st = Status::Ok();
  std::size_t sent = 0;
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = options_.ack_timeout.count();
  po.ExpectStream = options_.stream.c_str();
  for (const registry::Replicated& r : group) {
    const std::string data = EncodeStreamRecord(r);
    if (static_cast<std::int64_t>(data.size()) > nats_.max_payload()) {
      st = Status::ResourceExhausted("log entry " + std::to_string(r.decision.log_index) + " is " +
                                     std::to_string(data.size()) +
                                     " bytes, more than NATS max_payload");
      break;
    }
    // The expected last sequence of message s + 1 is s: its log index.
    auto msg =
        MakeMsg(options_.subject, data,
                {{kExpectedHeader, std::to_string(r.decision.log_index)}, {kGroupHeader, id_text}});
    if (!msg.ok()) {
      st = msg.status();
      break;
    }
    natsMsg* raw = msg->release();
    natsStatus s = js_PublishMsgAsync(js_.get(), &raw, &po);
    natsMsg_Destroy(raw);  // null unless the library refused it
    if (s != NATS_OK) {
      st = FromNats(s, "publishing to the stream");
      break;
    }
    ++sent;
  }
  {
    std::unique_lock lock(mu_);
    // Messages never sent will not be answered.
    g->remaining -= group.size() - sent;
    cv_.wait_for(lock, options_.ack_timeout + std::chrono::seconds(1),
                 [&] { return g->remaining == 0; });
    if (st.ok()) st = g->error;
    if (st.ok() && g->remaining > 0) {
      st = Status::Unavailable("the stream did not answer within " +
                               std::to_string(options_.ack_timeout.count()) + " ms");
    }
    groups_.erase(id);
  }
  if (!st.ok()) {
    // Some of the group may be stored: decide nothing until the node has
    // applied the stream again.
    caught_up_ = false;
    return st.WithContext("the statements may or may not be in the log; retry with the same bytes");
  }
  position_ = group.back().decision.log_index + 1;
  return Status::Ok();
}

}  // namespace signet::cluster
