// Internal to the transport. One HTTP/1.1 connection, as in Beast's advanced
// server: requests are read one after the other (keep-alive), each with a
// fresh parser, a deadline on every read and write, the per-client request
// rate, the route's body limit, and the handler run on a worker pool. A
// streaming route's exchange is handed to server/stream_session.h.
#pragma once

#include <cstdint>
#include <memory>

#include "server/transport.h"

namespace signet::server {

// Serves `c` until it should close, then closes it (draining what the client
// still sends after an early answer), releases its per-client count and
// removes `id` from the open connections. Runs on the connection's strand.
awaitable<void> RunHttpSession(Transport& t, std::shared_ptr<Connection> c, std::uint64_t id);

}  // namespace signet::server
