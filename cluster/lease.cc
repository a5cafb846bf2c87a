#include "cluster/lease.h"

#include <boost/json.hpp>

#include "cluster/nats_client.h"
#include "common/strict_json.h"

namespace signet::cluster {
namespace {

namespace bj = boost::json;

struct Holder {
  std::string node;
  std::int64_t expires_ms = 0;
};

// An unreadable value counts as expired: it can be taken over.
Holder Parse(std::string_view value) {
  Holder h;
  auto v = ParseStrictJson(value, 4096, "lease", 2);
  if (!v.ok() || !v->is_object()) return h;
  const bj::object& o = v->as_object();
  if (auto* n = o.if_contains("node"); n && n->is_string()) h.node = std::string(n->as_string());
  if (auto* e = o.if_contains("expires_ms"); e && e->is_int64()) h.expires_ms = e->as_int64();
  return h;
}

}  // namespace

Lease::Lease(kvStore* kv, std::string key, Options options)
    : kv_(kv), key_(std::move(key)), options_(std::move(options)) {}

std::string Lease::Value(std::int64_t now_ms) const {
  return bj::serialize(
      bj::object{{"node", options_.node_id}, {"expires_ms", now_ms + options_.ttl.count()}});
}

void Lease::Renewed(std::uint64_t revision, Steady::time_point sent) {
  revision_ = revision;
  // From when the value was sent, not when the ack came: the others count the
  // ttl from the expiry written in it. Less a sixth for clocks that differ
  // between machines, so that this node stops before another may start.
  renewed_ = sent;
  held_until_ = (sent + options_.ttl - options_.ttl / 6).time_since_epoch().count();
}

void Lease::Take(std::uint64_t revision, std::int64_t now_ms) {
  const auto sent = Steady::now();
  auto rev = KvSwap(kv_, key_, Value(now_ms), revision);
  if (!rev.ok()) return;  // someone else was quicker, or no quorum: look again next tick
  Renewed(*rev, sent);
  held_ = true;
  std::lock_guard lock(holder_mu_);
  holder_ = options_.node_id;
}

void Lease::Tick() {
  const std::int64_t now_ms = options_.wall_ms();
  if (held_) {
    if (Steady::now() - renewed_ < options_.ttl / 3) return;
    const auto sent = Steady::now();
    auto rev = KvSwap(kv_, key_, Value(now_ms), revision_);
    if (rev.ok()) {
      Renewed(*rev, sent);
      return;
    }
    // Written by someone else: lost. Otherwise (no quorum) it lapses by
    // itself once a ttl has passed without renewal (held()).
    if (rev.status().code() == Status::Code::kFailedPrecondition ||
        Steady::now() - renewed_ >= options_.ttl) {
      held_ = false;
    } else {
      return;
    }
  }
  auto current = KvGet(kv_, key_);
  if (!current.ok()) return;
  if (!*current) {
    {
      std::lock_guard lock(holder_mu_);
      holder_.clear();
    }
    Take(0, now_ms);
    return;
  }
  Holder h = Parse((*current)->value);
  {
    std::lock_guard lock(holder_mu_);
    holder_ = h.expires_ms > now_ms ? h.node : "";
  }
  // Expired, or ours from before a restart (nobody else renewed it since).
  if (h.expires_ms <= now_ms || h.node == options_.node_id) Take((*current)->revision, now_ms);
}

void Lease::Release() {
  if (!held_) return;
  held_ = false;
  // An expired value, by compare-and-set: never clobbers a lease another node
  // took meanwhile (a plain delete would).
  const std::string expired =
      bj::serialize(bj::object{{"node", options_.node_id}, {"expires_ms", 0}});
  (void)KvSwap(kv_, key_, expired, revision_);
}

bool Lease::held() const {
  return held_ && Steady::now().time_since_epoch().count() < held_until_.load();
}

std::string Lease::holder() const {
  std::lock_guard lock(holder_mu_);
  return holder_;
}

}  // namespace signet::cluster
