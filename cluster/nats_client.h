// The edge between Signet and the NATS C client (libnats 3.4): RAII owners for
// its handles, natsStatus translated into Status in one place, one connection
// with the reconnection policy the cluster needs, and the JetStream resources
// (stream, key-value buckets) created if absent. Nothing here knows what the
// cluster puts in them (docs/CLUSTER.md).
//
// Ownership: a NatsClient owns its connection; handles returned by it must be
// destroyed before it. Thread safety: the C client's connection, JetStream
// context and key-value handles are thread-safe; so is NatsClient.
#pragma once

#include <nats/nats.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace signet::cluster {

// natsStatus -> Status: lost connections, timeouts, no responders and
// JetStream without quorum are Unavailable (retry), NATS_NOT_FOUND NotFound,
// the rest Internal. `what` says what was being done; the C client's last
// error text is appended.
Status FromNats(natsStatus s, std::string_view what);

struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
struct SubDeleter {
  void operator()(natsSubscription* s) const { natsSubscription_Destroy(s); }
};
struct JsDeleter {
  void operator()(jsCtx* js) const { jsCtx_Destroy(js); }
};
struct KvDeleter {
  void operator()(kvStore* kv) const { kvStore_Destroy(kv); }
};
struct KvEntryDeleter {
  void operator()(kvEntry* e) const { kvEntry_Destroy(e); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;
using SubPtr = std::unique_ptr<natsSubscription, SubDeleter>;
using JsPtr = std::unique_ptr<jsCtx, JsDeleter>;
using KvPtr = std::unique_ptr<kvStore, KvDeleter>;
using KvEntryPtr = std::unique_ptr<kvEntry, KvEntryDeleter>;

// A message with `data` and headers (name, value) for `subject`.
Result<MsgPtr> MakeMsg(const std::string& subject, std::string_view data,
                       const std::vector<std::pair<std::string, std::string>>& headers = {},
                       const char* reply = nullptr);
// The first value of header `name`, if the message has it.
std::optional<std::string> Header(natsMsg* msg, const char* name);
inline std::string_view Data(natsMsg* msg) {
  return {natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg))};
}

class NatsClient {
 public:
  struct Options {
    std::vector<std::string> urls;  // every server of the NATS cluster
    std::string name;               // shown by the server (the node id)
    // How long Connect keeps trying when no server answers yet.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
  };
  // Connects to one of `urls`, reconnecting forever (to any of them) after a
  // loss; requests fail at once while disconnected.
  static Result<std::unique_ptr<NatsClient>> Connect(const Options& options);
  ~NatsClient();
  NatsClient(const NatsClient&) = delete;
  NatsClient& operator=(const NatsClient&) = delete;

  natsConnection* connection() const { return nc_; }
  bool connected() const { return natsConnection_Status(nc_) == NATS_CONN_STATUS_CONNECTED; }
  std::int64_t max_payload() const { return natsConnection_GetMaxPayload(nc_); }

  // A JetStream context; `ack` (optional) receives the outcome of every
  // asynchronous publish made through it.
  Result<JsPtr> JetStream(jsPubAckHandler ack = nullptr, void* ack_closure = nullptr,
                          std::int64_t max_pending = 16384) const;

  // Creates the stream (file storage, no limits) or checks the existing one
  // has `subject`; retried until `timeout` while JetStream elects its leaders.
  Status EnsureStream(jsCtx* js, const std::string& name, const std::string& subject, int replicas,
                      std::chrono::milliseconds timeout) const;
  // The stream's last sequence (0 when empty).
  Result<std::uint64_t> LastSequence(jsCtx* js, const std::string& stream) const;
  // Opens the bucket, creating it (history 1, MaxAge `max_age`, 0: none) if
  // absent; retried until `timeout`.
  Result<KvPtr> EnsureBucket(jsCtx* js, const std::string& bucket, int replicas,
                             std::chrono::milliseconds max_age,
                             std::chrono::milliseconds timeout) const;

 private:
  explicit NatsClient(natsConnection* nc) : nc_(nc) {}
  natsConnection* nc_;
};

// The value of `key` and its revision; nullopt when absent (never written,
// deleted, or expired).
struct KvValue {
  std::string value;
  std::uint64_t revision = 0;
};
Result<std::optional<KvValue>> KvGet(kvStore* kv, const std::string& key);
// Compare-and-set: writes `value` if the key's last revision is `revision`
// (0: the key must be absent). FailedPrecondition when someone else wrote it
// first. Returns the new revision.
Result<std::uint64_t> KvSwap(kvStore* kv, const std::string& key, std::string_view value,
                             std::uint64_t revision);

}  // namespace signet::cluster
