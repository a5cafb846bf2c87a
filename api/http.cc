#include "api/http.h"

#include <strings.h>

#include "api/problem.h"
#include "protocol/problem.h"

namespace signet::api {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string_view> Headers::Get(std::string_view name) const {
  for (const auto& [k, v] : fields_) {
    if (IEquals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void Headers::Set(std::string_view name, std::string value) {
  std::erase_if(fields_, [&](const auto& f) { return IEquals(f.first, name); });
  fields_.emplace_back(std::string(name), std::move(value));
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::Problem(const Status& status) {
  Response r;
  r.status = HttpStatusFor(status.code());
  r.headers.Set("Content-Type", std::string(protocol::kProblemContentType));
  r.body = ProblemJson(status);
  return r;
}

Response Response::Problem(int http_status, std::string_view title, std::string_view detail) {
  Response r;
  r.status = http_status;
  r.headers.Set("Content-Type", std::string(protocol::kProblemContentType));
  r.body = ProblemJson(http_status, title, detail);
  return r;
}

}  // namespace signet::api
