// Internal to the transport (includes Asio; include only from server/*.cc).
// What the listener and every session share, in the shape of Beast's advanced
// server: the io_context and its threads' work, the pools handlers run on, the
// per-client limiter, the open connections and the access log. HttpServer owns
// one; it outlives every session (Run joins them all before returning).
//
// Thread safety: the members are themselves thread-safe; `stopping` and
// `streams` are atomics read on any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <cstddef>

#include "api/http.h"
#include "server/access_log.h"
#include "server/connection.h"
#include "server/http_server.h"
#include "server/memory_budget.h"
#include "server/rate_limiter.h"

namespace signet::server {

struct Transport {
  Transport(ServerOptions options, api::Handler& h)
      : opts(std::move(options)),
        handler(h),
        ioc(std::max(1, opts.io_threads)),
        workers(static_cast<std::size_t>(std::max(1, opts.worker_threads))),
        stream_workers(static_cast<std::size_t>(std::max(1, opts.stream_threads))),
        commit_workers(static_cast<std::size_t>(std::max(1, opts.commit_threads))),
        limiter(opts.rate),
        connections(ioc),
        body_memory(opts.max_body_memory),
        access_log(h, opts.access_log) {}

  const ServerOptions opts;
  api::Handler& handler;
  net::io_context ioc;
  net::thread_pool workers;         // ordinary handlers
  net::thread_pool stream_workers;  // streaming handlers; also their limit
  net::thread_pool commit_workers;  // handlers that wait for a durable commit
  RateLimiter limiter;
  ConnectionSet connections;
  MemoryBudget body_memory;  // ordinary request bodies in flight
  AccessLog access_log;
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> streams{0};  // streaming handlers running
};

}  // namespace signet::server
