// libFuzzer target for the HTTP request path as signetd runs it, minus the
// socket: raw bytes -> Beast's request parser with the transport's limits
// (header limit, then the route's body limit from Classify, as
// server/http_server.cc does) -> api::Api (router, handlers) -> a real
// Registry in a temporary RocksDB directory, populated with one artist and
// one work so that reads, matches and checks reach real records.
//
// Streaming routes (/v1/check) get the body through an in-memory BodyReader
// in small pieces and answer into an in-memory ResponseStream.
//
// Invariants beyond "no crash, no UB, no leak":
//  - every answer has a status in 200..599, and every 4xx/5xx is
//    application/problem+json (or AcoustID's own error JSON on /v2/lookup);
//  - no input makes a handler fail internally (500): a user can only cause
//    4xx answers. (The registry is on a healthy local disk here.)
#include <stdlib.h>
#include <unistd.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/api.h"
#include "common/temp_dir.h"
#include "crypto/ed25519.h"
#include "crypto/note.h"
#include "registry/registry.h"
#include "registry/testing/statements.h"

namespace {

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace signet;

constexpr std::uint32_t kHeaderLimit = 16 << 10;  // signetd's default

// Lives until the process exits (reachable, so not a leak): closing RocksDB
// from an atexit handler crashes inside RocksDB's logger, whose statics may
// already be gone. Only the directory is removed at exit.
struct World {
  std::optional<TempDir> scratch;
  fs::path dir;
  std::unique_ptr<crypto::note::Signer> signer;
  std::unique_ptr<registry::Registry> registry;
  std::unique_ptr<api::Api> api;
};

World* world = nullptr;

void Die(const char* what, const Status& st) {
  std::fprintf(stderr, "http_handler_fuzzer: %s: %s\n", what, st.ToString().c_str());
  std::abort();
}

void RemoveWorldDir() { world->scratch.reset(); }

class StringBodyReader : public api::BodyReader {
 public:
  explicit StringBodyReader(std::string_view body) : body_(body) {}
  Result<bool> Read(std::string& piece) override {
    if (body_.empty()) return false;
    // Small pieces so that lines split across reads are exercised.
    std::size_t n = std::min<std::size_t>(body_.size(), 97);
    piece.assign(body_.substr(0, n));
    body_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view body_;
};

class StringResponseStream : public api::ResponseStream {
 public:
  Status Begin(int status, api::Headers headers) override {
    if (begun_) __builtin_trap();  // REQUIRES: at most once
    begun_ = true;
    status_ = status;
    headers_ = std::move(headers);
    return Status::Ok();
  }
  Status Write(std::string data) override {
    if (!begun_) __builtin_trap();
    body_bytes_ += data.size();
    return Status::Ok();
  }
  bool begun() const override { return begun_; }
  int status() const { return status_; }

 private:
  bool begun_ = false;
  int status_ = 0;
  api::Headers headers_;
  std::size_t body_bytes_ = 0;
};

[[noreturn]] void Fail(const api::Response& r, std::string_view why) {
  std::fprintf(stderr, "http_handler_fuzzer: %.*s: %d %s\n", static_cast<int>(why.size()),
               why.data(), r.status, r.body.substr(0, 500).c_str());
  __builtin_trap();
}

void CheckResponse(const api::Response& r, std::string_view route) {
  if (r.status < 200 || r.status > 599) Fail(r, "status out of range");
  if (r.status == 500) Fail(r, "internal error");
  if (r.status >= 400) {
    auto type = r.headers.Get("Content-Type");
    const bool problem = type && type->find("application/problem+json") == 0;
    // /v2/lookup's handler speaks AcoustID's dialect, {"status":"error",...};
    // a target the router cannot parse is still answered problem+json.
    const bool acoustid = route == "/v2/lookup" && type && type->find("application/json") == 0 &&
                          r.body.find("\"status\":\"error\"") != std::string::npos;
    if (!problem && !acoustid) Fail(r, "error without its content type");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  world = new World;
  auto scratch = TempDir::Create("signet_http_fuzz");
  if (!scratch.ok()) Die("temp dir", scratch.status());
  world->dir = scratch->path();
  world->scratch = std::move(*scratch);
  std::atexit(RemoveWorldDir);

  auto key = crypto::SecretKey::FromSeed(std::vector<std::uint8_t>(32, 7));
  if (!key.ok()) Die("key", key.status());
  auto signer_key = crypto::SecretKey::FromSeed(key->seed());
  if (!signer_key.ok()) Die("key", signer_key.status());
  auto signer = crypto::note::Signer::Create("fuzz.signet/log", std::move(*signer_key));
  if (!signer.ok()) Die("signer", signer.status());
  world->signer = std::make_unique<crypto::note::Signer>(std::move(*signer));
  registry::RegistryOptions o;
  o.log_origin = "fuzz.signet/log";
  o.server_key = std::make_shared<const crypto::SecretKey>(std::move(*key));
  o.clock = [] { return registry::testing::kTestNow; };
  auto r = registry::Registry::Open(world->dir / "registry", std::move(o));
  if (!r.ok()) Die("open", r.status());
  world->registry = std::move(*r);

  // The same artist and work the seed generator signs (seed byte 1), so the
  // seed requests that name them reach real records.
  auto artist = registry::testing::TestArtist::FromSeedByte(1, "Fuzz Artist");
  if (auto a = world->registry->Submit(artist.Register()); !a.ok()) Die("artist", a.status());
  registry::testing::WorkSpec spec;
  spec.title = "Fuzz work";
  spec.values = registry::testing::RandomFingerprint(1, 400);
  if (auto w = world->registry->Submit(artist.RegisterWork(spec)); !w.ok()) Die("work", w.status());
  // Shorter audio limits than signetd's defaults keep one input well inside
  // libFuzzer's 10 s timeout (an input may decode to long audio, which is then
  // fingerprinted once plus once per speed variant); the limits themselves
  // are tested in tests/faults (audio bombs).
  api::ApiOptions options;
  options.max_audio_seconds = 120;
  options.max_audio_decode_time = std::chrono::seconds(3);
  options.speed_variant_seconds = 15;
  world->api = std::make_unique<api::Api>(*world->registry, world->signer.get(), options);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;  // the transport waits for bytes; memcpy(nullptr) is UB
  boost::beast::flat_buffer buffer;
  auto in = buffer.prepare(size);
  std::memcpy(in.data(), data, size);
  buffer.commit(size);

  http::request_parser<http::empty_body> head;
  head.header_limit(kHeaderLimit);
  head.body_limit(boost::none);
  head.eager(false);
  boost::beast::error_code ec;
  while (!head.is_header_done()) {
    std::size_t n = head.put(buffer.data(), ec);
    buffer.consume(n);
    if (ec == http::error::need_more) return 0;  // the transport would wait, then time out
    if (ec) return 0;                            // answered 400/431 by the transport
    if (n == 0) return 0;
  }
  const auto& req = head.get();
  const std::string method(req.method_string());
  const std::string target(req.target());
  api::RouteInfo info = world->api->Classify(method, target);
  if (!info.streaming && head.content_length() && *head.content_length() > info.body_limit) {
    return 0;  // 413 from the transport
  }

  // A streaming route has no total limit in the transport, which reads it in
  // bounded pieces; this harness collects it into one string, whose reader
  // reserves the declared Content-Length up front (a 12 GB malloc, found by
  // this fuzzer; the limit set below is not re-checked against a header that
  // is already parsed). A body longer than the whole input is a truncated
  // request the transport would time out on.
  if (info.streaming && head.content_length() && *head.content_length() > size) return 0;

  http::request_parser<http::string_body> parser{std::move(head)};
  parser.body_limit(info.streaming ? std::uint64_t{size} : info.body_limit);
  parser.eager(true);
  while (!parser.is_done()) {
    std::size_t n = parser.put(buffer.data(), ec);
    buffer.consume(n);
    if (ec == http::error::need_more || (!ec && n == 0)) {
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return 0;  // truncated body: the transport times out
      break;
    }
    if (ec) return 0;  // 400/413 from the transport
  }

  api::Request request;
  request.method = method;
  request.target = target;
  request.remote = "127.0.0.1:4242";
  for (const auto& f : parser.get()) {
    request.headers.Add(std::string(f.name_string()), std::string(f.value()));
  }
  if (info.streaming) {
    StringBodyReader body(parser.get().body());
    StringResponseStream out;
    api::Response res = world->api->HandleStream(request, body, out);
    if (out.begun()) {
      if (out.status() < 200 || out.status() > 599) __builtin_trap();
    } else {
      CheckResponse(res, info.route);
    }
  } else {
    request.body = std::move(parser.get().body());
    CheckResponse(world->api->Handle(request), info.route);
  }
  return 0;
}
