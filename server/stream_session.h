// Internal to the transport. One exchange on a streaming route (POST
// /v1/check): the handler runs on the stream pool with an api::BodyReader and
// an api::ResponseStream that are bounded queues (server/stream_pipe.h) to
// this connection's strand, where one coroutine reads the body into the first
// and another writes the second out as a chunked response, both at once.
#pragma once

#include "server/transport.h"

namespace signet::server {

// Serves one streaming request whose head `head` has been read; `request`
// is its head for the handler. Sets `keep` false when the connection cannot
// carry another request. False when the exchange failed (the connection
// should be closed with a lingering close).
// REQUIRES: on the connection's strand; a stream slot is free.
awaitable<bool> ServeStream(Transport& t, Connection& c, beast::flat_buffer& buffer,
                            http::request_parser<http::empty_body>&& head, api::Request request,
                            Exchange& ex, bool& keep);

}  // namespace signet::server
