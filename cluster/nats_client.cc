#include "cluster/nats_client.h"

#include <thread>

namespace signet::cluster {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct OptionsDeleter {
  void operator()(natsOptions* o) const { natsOptions_Destroy(o); }
};
struct StreamInfoDeleter {
  void operator()(jsStreamInfo* si) const { jsStreamInfo_Destroy(si); }
};

std::string LastError() {
  const char* text = nats_GetLastError(nullptr);
  return text ? text : "";
}

}  // namespace

Status FromNats(natsStatus s, std::string_view what) {
  if (s == NATS_OK) return Status::Ok();
  std::string m = std::string(what) + ": " + natsStatus_GetText(s);
  if (std::string detail = LastError(); !detail.empty() && detail != natsStatus_GetText(s)) {
    m += " (" + detail + ")";
  }
  switch (s) {
    case NATS_NOT_FOUND:
      return Status::NotFound(m);
    case NATS_TIMEOUT:
    case NATS_NO_RESPONDERS:
    case NATS_NO_SERVER:
    case NATS_IO_ERROR:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_DRAINING:
    case NATS_SLOW_CONSUMER:
    case NATS_ERR:
      return Status::Unavailable(m);
    case NATS_MAX_PAYLOAD:
      return Status::ResourceExhausted(m);
    default:
      return Status::Internal(m);
  }
}

Result<MsgPtr> MakeMsg(const std::string& subject, std::string_view data,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       const char* reply) {
  natsMsg* raw = nullptr;
  natsStatus s =
      natsMsg_Create(&raw, subject.c_str(), reply, data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) return FromNats(s, "creating a NATS message");
  MsgPtr msg(raw);
  for (const auto& [name, value] : headers) {
    s = natsMsgHeader_Set(msg.get(), name.c_str(), value.c_str());
    if (s != NATS_OK) return FromNats(s, "setting a NATS header");
  }
  return msg;
}

std::optional<std::string> Header(natsMsg* msg, const char* name) {
  const char* value = nullptr;
  if (natsMsgHeader_Get(msg, name, &value) != NATS_OK || !value) return std::nullopt;
  return std::string(value);
}

Result<std::unique_ptr<NatsClient>> NatsClient::Connect(const Options& options) {
  if (options.urls.empty()) return Status::InvalidArgument("cluster.nats_urls is empty");
  natsOptions* raw = nullptr;
  if (natsStatus s = natsOptions_Create(&raw); s != NATS_OK) {
    return FromNats(s, "creating NATS options");
  }
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
  std::vector<const char*> urls;
  for (const auto& u : options.urls) urls.push_back(u.c_str());
  natsStatus s = natsOptions_SetServers(opts.get(), urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts.get(), options.name.c_str());
  // A node outlives any one NATS server: reconnect to whichever is up, for
  // ever, and fail requests at once while disconnected instead of letting
  // them wait out their timeouts.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), 200);
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(opts.get(), true);
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), 2000);
  // Requests and publishes go out at once instead of waiting for the
  // flusher: a match fan-out is latency, not bulk.
  if (s == NATS_OK) s = natsOptions_SetSendAsap(opts.get(), true);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts.get(), 2000);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts.get(), 2);
  if (s != NATS_OK) return FromNats(s, "setting NATS options");
  const auto deadline = SteadyClock::now() + options.connect_timeout;
  for (;;) {
    natsConnection* nc = nullptr;
    s = natsConnection_Connect(&nc, opts.get());
    if (s == NATS_OK) return std::unique_ptr<NatsClient>(new NatsClient(nc));
    if (SteadyClock::now() >= deadline) {
      return FromNats(s, "connecting to NATS at " + options.urls.front() + " and the others");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

NatsClient::~NatsClient() {
  natsConnection_Close(nc_);
  natsConnection_Destroy(nc_);
}

Result<JsPtr> NatsClient::JetStream(jsPubAckHandler ack, void* ack_closure,
                                    std::int64_t max_pending) const {
  jsOptions o;
  jsOptions_Init(&o);
  o.Wait = 5000;
  o.PublishAsync.AckHandler = ack;
  o.PublishAsync.AckHandlerClosure = ack_closure;
  o.PublishAsync.MaxPending = max_pending;
  jsCtx* js = nullptr;
  if (natsStatus s = natsConnection_JetStream(&js, nc_, &o); s != NATS_OK) {
    return FromNats(s, "opening a JetStream context");
  }
  return JsPtr(js);
}

Status NatsClient::EnsureStream(jsCtx* js, const std::string& name, const std::string& subject,
                                int replicas, std::chrono::milliseconds timeout) const {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = name.c_str();
  const char* subjects[] = {subject.c_str()};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Replicas = replicas;
  cfg.Storage = js_FileStorage;
  cfg.Retention = js_LimitsPolicy;
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    jsStreamInfo* raw = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&raw, js, &cfg, nullptr, &code);
    std::unique_ptr<jsStreamInfo, StreamInfoDeleter> info(raw);
    if (s == NATS_OK) return Status::Ok();
    if (code == JSStreamNameExistErr) {
      // Created by another node with other settings: use it if it holds our subject.
      jsStreamInfo* got = nullptr;
      s = js_GetStreamInfo(&got, js, name.c_str(), nullptr, &code);
      std::unique_ptr<jsStreamInfo, StreamInfoDeleter> existing(got);
      if (s == NATS_OK) {
        for (int i = 0; i < existing->Config->SubjectsLen; ++i) {
          if (subject == existing->Config->Subjects[i]) return Status::Ok();
        }
        return Status::FailedPrecondition("JetStream stream " + name + " exists without subject " +
                                          subject + "; another cluster uses this name");
      }
    }
    if (SteadyClock::now() >= deadline) return FromNats(s, "creating JetStream stream " + name);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Result<std::uint64_t> NatsClient::LastSequence(jsCtx* js, const std::string& stream) const {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js, stream.c_str(), nullptr, &code);
  std::unique_ptr<jsStreamInfo, StreamInfoDeleter> info(raw);
  if (s != NATS_OK) return FromNats(s, "reading JetStream stream " + stream);
  return info->State.LastSeq;
}

Result<KvPtr> NatsClient::EnsureBucket(jsCtx* js, const std::string& bucket, int replicas,
                                       std::chrono::milliseconds max_age,
                                       std::chrono::milliseconds timeout) const {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    kvStore* kv = nullptr;
    natsStatus s = js_KeyValue(&kv, js, bucket.c_str());
    if (s != NATS_OK) {
      kvConfig cfg;
      kvConfig_Init(&cfg);
      cfg.Bucket = bucket.c_str();
      cfg.History = 1;
      cfg.Replicas = replicas;
      cfg.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(max_age).count();
      s = js_CreateKeyValue(&kv, js, &cfg);
    }
    if (s == NATS_OK) return KvPtr(kv);
    if (SteadyClock::now() >= deadline) {
      return FromNats(s, "creating JetStream key-value bucket " + bucket);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Result<std::optional<KvValue>> KvGet(kvStore* kv, const std::string& key) {
  kvEntry* raw = nullptr;
  natsStatus s = kvStore_Get(&raw, kv, key.c_str());
  if (s == NATS_NOT_FOUND) return std::optional<KvValue>();
  if (s != NATS_OK) return FromNats(s, "reading key " + key);
  KvEntryPtr e(raw);
  KvValue v;
  v.value.assign(static_cast<const char*>(kvEntry_Value(e.get())),
                 static_cast<std::size_t>(kvEntry_ValueLen(e.get())));
  v.revision = kvEntry_Revision(e.get());
  return std::optional<KvValue>(std::move(v));
}

Result<std::uint64_t> KvSwap(kvStore* kv, const std::string& key, std::string_view value,
                             std::uint64_t revision) {
  std::uint64_t rev = 0;
  const int len = static_cast<int>(value.size());
  natsStatus s = revision == 0 ? kvStore_Create(&rev, kv, key.c_str(), value.data(), len)
                               : kvStore_Update(&rev, kv, key.c_str(), value.data(), len, revision);
  // The C client reports a failed compare-and-set (wrong last sequence) as NATS_ERR.
  if (s == NATS_ERR) {
    return Status::FailedPrecondition("key " + key + " was written by someone else first");
  }
  if (s != NATS_OK) return FromNats(s, "writing key " + key);
  return rev;
}

}  // namespace signet::cluster
