// The access log and request metrics of the transport: every answered
// exchange is counted once through api::Handler::Observe and, when a sink is
// configured, written as one JSON line:
//   {"time":"2026-01-02T03:04:05.678Z","remote":"127.0.0.1:5555","method":"GET",
//    "target":"/v1/works/wk_..","route":"/v1/works/{id}","status":200,"bytes":312,
//    "duration_ms":1.234}
// Strings are escaped by Boost.JSON's serializer (targets come from clients).
//
// Thread safety: Record may be called from any thread; the sink must be too.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "api/http.h"

namespace signet::server {

// One request/response exchange, from the end of its head to its answer.
// method is empty for answers given before a request was read (accept-time
// refusals): those are logged but not observed as a route's request.
struct Exchange {
  std::string method;
  std::string target;
  std::string route;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
};

class AccessLog {
 public:
  using Sink = std::function<void(std::string_view line)>;
  // `handler` must outlive the log; an empty sink writes no lines.
  AccessLog(api::Handler& handler, Sink sink) : handler_(handler), sink_(std::move(sink)) {}

  // Counts the exchange and writes its line. `bytes` is the body sent;
  // `refusal` is why the transport refused it, if it did (api::Completed).
  void Record(std::string_view remote, const Exchange& exchange, int status, std::size_t bytes,
              std::string_view refusal = {});

  // The line for one exchange, ending with '\n'.
  static std::string Line(std::chrono::system_clock::time_point time, std::string_view remote,
                          const Exchange& exchange, int status, std::size_t bytes,
                          double duration_ms);

 private:
  api::Handler& handler_;
  Sink sink_;
};

}  // namespace signet::server
