// HttpClient: the signet CLI's HTTP/1.1 client for a Signet registry.
//
// - Request/Get/Post: one request at a time over a kept-alive connection that
//   is reopened transparently when the server closed it while idle.
// - OpenNdjson: a full-duplex streaming call (POST with a chunked NDJSON body
//   whose answer is read line by line while the body is still being sent), so
//   that `signet check` can push 100k items without holding them in memory and
//   without deadlocking on TCP buffers when the server answers as it reads.
// - http:// and https://: over TLS the server's certificate is verified
//   against the system's trust store, or ClientOptions::ca_file (a private
//   CA), and must name the URL's host; a certificate that does not verify is
//   an error that says why (client/stream.h).
// - Every connect, read and write has a deadline; errors are Status values
//   whose messages say what to do ("cannot connect to http://127.0.0.1:8080:
//   connection refused (is signetd running?)"). Non-2xx answers become a
//   Status built from the RFC 9457 problem document's `detail`.
//
// Ownership: an HttpClient owns its connection and I/O context. An NdjsonCall
// owns its own connection and I/O thread, independent of the HttpClient.
// Thread safety: an HttpClient is used by one thread at a time. NdjsonCall::Send
// and Finish are called by one producer thread; `on_line` runs on the call's
// I/O thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "tools/signet/client/url.h"

namespace signet::client {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  // Per read or write; a streaming call fails after this long without progress.
  std::chrono::milliseconds io_timeout{120'000};
  // Largest response body a plain request accepts.
  std::size_t max_response_bytes = 64u << 20;
  // Bytes of NDJSON an NdjsonCall queues before Send blocks (memory bound).
  std::size_t max_queued_bytes = 4u << 20;
  // An NdjsonCall whose producer has had nothing to send for this long sends
  // an empty line (NDJSON readers skip them), so a server's body-read timeout
  // does not cut a check while a long file is being fingerprinted.
  std::chrono::milliseconds ndjson_keepalive{10'000};
  std::string user_agent = "signet-cli/0.1";
  // https: a PEM file of the CA certificates to trust instead of the
  // system's (a registry behind a proxy with a private CA). Empty: the system's.
  std::string ca_file;
};

struct Response {
  int status = 0;
  std::string content_type;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

// OK for 2xx. Otherwise a Status built from the RFC 9457 problem document
// (protocol/problem.h): its message is the problem's detail (or title), else
// the start of the body; its field() and work_id() are the problem's "field"
// and "work_id" members; its code
// is the one the problem's "code" member names, else follows the HTTP status
// (400 -> kInvalidArgument, 401 -> kUnauthenticated, 403, 404, 409 ->
// kAlreadyExists, 413/429 -> kResourceExhausted, 503 -> kUnavailable, else kInternal).
Status StatusFromResponse(const Response& response);

class NdjsonCall;

class HttpClient {
 public:
  explicit HttpClient(ServerUrl server, ClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  const ServerUrl& server() const;

  // Any status code is a successful Result; transport failures are errors.
  // REQUIRES: path_and_query starts with '/'.
  Result<Response> Request(std::string_view method, std::string_view path_and_query,
                           std::string_view content_type = {}, std::string body = {});

  // The body of a 2xx answer; any other answer is StatusFromResponse.
  Result<std::string> Get(std::string_view path_and_query);
  Result<std::string> Post(std::string_view path_and_query, std::string_view content_type,
                           std::string body);

  // Opens POST path_and_query with a chunked application/x-ndjson body. Each
  // complete line of a 2xx answer is passed to `on_line` (without the newline,
  // empty lines skipped); a non-OK return from it aborts the call with that
  // status. A non-2xx answer fails the call with StatusFromResponse.
  std::unique_ptr<NdjsonCall> OpenNdjson(std::string_view path_and_query,
                                         std::function<Status(std::string_view line)> on_line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class NdjsonCall {
 public:
  ~NdjsonCall();  // Aborts the call when Finish was not called.
  NdjsonCall(const NdjsonCall&) = delete;
  NdjsonCall& operator=(const NdjsonCall&) = delete;

  // Queues one line (a newline is appended). Blocks while max_queued_bytes are
  // waiting to be written. Returns the call's error once it has failed: stop
  // sending and call Finish to learn the full story.
  Status Send(std::string line);

  // Ends the body, waits for the whole answer, and returns the first error
  // (the server's problem detail in preference to a broken pipe).
  Status Finish();

  struct State;

 private:
  friend class HttpClient;
  explicit NdjsonCall(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace signet::client
