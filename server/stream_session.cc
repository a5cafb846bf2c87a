#include "server/stream_session.h"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "server/stream_pipe.h"

namespace signet::server {
namespace {

// What a streaming handler sends to the socket side.
struct OutMsg {
  enum Kind { kHead, kData, kEnd, kFull } kind = kData;
  api::Response response;  // kHead: status + headers; kFull: everything
  std::string data;        // kData
};

// The two queues between the socket and the handler.
struct Bridge : Abortable {
  Bridge(net::any_io_executor strand, std::size_t capacity)
      : in(std::make_shared<StreamPipe<std::string>>(strand, capacity)),
        out(std::make_shared<StreamPipe<OutMsg>>(strand, capacity)) {}
  void Abort(const std::string& why) override {
    in->Close(why);
    out->Close(why);
  }
  std::shared_ptr<StreamPipe<std::string>> in;
  std::shared_ptr<StreamPipe<OutMsg>> out;
};

class PipeBodyReader : public api::BodyReader {
 public:
  explicit PipeBodyReader(StreamPipe<std::string>& pipe) : pipe_(pipe) {}
  Result<bool> Read(std::string& piece) override {
    auto v = pipe_.Pop();
    if (v) {
      piece = std::move(*v);
      return true;
    }
    std::string err = pipe_.error();
    if (!err.empty()) return Status::Unavailable("request body: " + err);
    return false;
  }

 private:
  StreamPipe<std::string>& pipe_;
};

class PipeResponseStream : public api::ResponseStream {
 public:
  explicit PipeResponseStream(StreamPipe<OutMsg>& pipe) : pipe_(pipe) {}
  Status Begin(int status, api::Headers headers) override {
    OutMsg m;
    m.kind = OutMsg::kHead;
    m.response.status = status;
    m.response.headers = std::move(headers);
    begun_ = true;
    return pipe_.Push(std::move(m)) ? Status::Ok() : Gone();
  }
  Status Write(std::string data) override {
    if (data.empty()) return Status::Ok();
    OutMsg m;
    m.kind = OutMsg::kData;
    m.data = std::move(data);
    return pipe_.Push(std::move(m)) ? Status::Ok() : Gone();
  }
  bool begun() const override { return begun_; }

 private:
  static Status Gone() { return Status::Unavailable("the client went away"); }
  StreamPipe<OutMsg>& pipe_;
  bool begun_ = false;
};

using BodyParser = http::request_parser<http::buffer_body>;

class StreamSession {
 public:
  StreamSession(Transport& t, Connection& c, beast::flat_buffer& buffer, Exchange& ex)
      : t_(t), c_(c), buffer_(buffer), ex_(ex) {}

  // Runs the handler on the stream pool; it ends by pushing its last message.
  void StartHandler(std::shared_ptr<Bridge> bridge, api::Request request) {
    ++t_.streams;
    net::post(t_.stream_workers, [&t = t_, bridge, request = std::move(request)] {
      PipeBodyReader reader(*bridge->in);
      PipeResponseStream writer(*bridge->out);
      api::Response res;
      try {
        res = t.handler.HandleStream(request, reader, writer);
      } catch (const std::exception& e) {
        res = api::Response::Problem(Status::Internal(std::string("handler failed: ") + e.what()));
      }
      bridge->in->Close();  // the handler reads no more
      OutMsg last;
      if (writer.begun()) {
        last.kind = OutMsg::kEnd;
      } else {
        last.kind = OutMsg::kFull;
        last.response = std::move(res);
      }
      bridge->out->Push(std::move(last));
      --t.streams;
    });
  }

  // Socket -> handler, in pieces of at most stream_read_piece_bytes.
  awaitable<bool> ReadBody(BodyParser& parser, Bridge& bridge) {
    while (!parser.is_done()) {
      std::string piece(t_.opts.stream_read_piece_bytes, '\0');
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      parser.get().body().more = true;
      c_.stream.expires_after(t_.opts.body_timeout);
      auto [ec, n] = co_await http::async_read_some(c_.stream, buffer_, parser, kNoThrow);
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        bridge.in->Close(ec == beast::error::timeout ? "the client stalled past the body timeout"
                                                     : "the connection failed: " + ec.message());
        co_return ec == net::error::operation_aborted;  // cancelled by the writer: fine
      }
      piece.resize(piece.size() - parser.get().body().size);
      if (!piece.empty() && !co_await bridge.in->AsyncPush(std::move(piece))) {
        co_return true;  // the handler stopped reading; the connection closes after the answer
      }
    }
    bridge.in->Close();
    co_return true;
  }

  // Handler -> socket: the head, then one chunk per piece, then the last chunk;
  // or one ordinary response when the handler never began the stream.
  awaitable<bool> WriteAnswer(BodyParser& parser, Bridge& bridge, bool& keep) {
    int status = 0;
    std::size_t bytes = 0;
    bool ok = true;
    for (;;) {
      auto msg = co_await bridge.out->AsyncPop();
      if (!msg) {
        ok = false;
        break;
      }
      if (msg->kind == OutMsg::kFull) {
        if (!parser.is_done()) keep = false;
        ok = co_await WriteResponse(c_, t_.opts.write_timeout, t_.access_log, ex_,
                                    std::move(msg->response), keep && !t_.stopping);
        status = -1;  // logged by WriteResponse
        break;
      }
      if (msg->kind == OutMsg::kHead) {
        status = msg->response.status;
        ok = co_await WriteHead(msg->response, keep);
        if (!ok) break;
        continue;
      }
      c_.stream.expires_after(t_.opts.write_timeout);
      if (msg->kind == OutMsg::kData) {
        bytes += msg->data.size();
        auto [ec, n] = co_await net::async_write(
            c_.stream, http::make_chunk(net::buffer(msg->data)), kNoThrow);
        ok = !ec;
        if (!ok) break;
        continue;
      }
      auto [ec, n] = co_await net::async_write(c_.stream, http::make_chunk_last(), kNoThrow);
      ok = !ec;
      break;
    }
    if (!ok) bridge.out->Close("the client went away");
    if (status > 0) t_.access_log.Record(c_.remote, ex_, status, bytes);
    if (!parser.is_done()) {
      // The answer is complete (or failed) before the body: stop reading it.
      keep = false;
      bridge.in->Close("the answer was already sent");
      c_.stream.socket().cancel();
    }
    co_return ok;
  }

 private:
  awaitable<bool> WriteHead(const api::Response& head, bool keep) {
    http::response<http::empty_body> res;
    res.version(11);
    res.result(static_cast<unsigned>(head.status));
    CopyHeaders(head.headers, res.base());
    res.keep_alive(keep);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    c_.stream.expires_after(t_.opts.write_timeout);
    auto [ec, n] = co_await http::async_write_header(c_.stream, sr, kNoThrow);
    co_return !ec;
  }

  Transport& t_;
  Connection& c_;
  beast::flat_buffer& buffer_;
  Exchange& ex_;
};

}  // namespace

awaitable<bool> ServeStream(Transport& t, Connection& c, beast::flat_buffer& buffer,
                            http::request_parser<http::empty_body>&& head, api::Request request,
                            Exchange& ex, bool& keep) {
  BodyParser parser{std::move(head)};
  parser.body_limit(boost::none);
  auto bridge = std::make_shared<Bridge>(c.stream.get_executor(), t.opts.stream_queue_pieces);
  t.connections.AddAbortable(bridge);
  StreamSession session(t, c, buffer, ex);
  session.StartHandler(bridge, std::move(request));

  using namespace net::experimental::awaitable_operators;
  auto [read_ok, write_ok] =
      co_await (session.ReadBody(parser, *bridge) && session.WriteAnswer(parser, *bridge, keep));
  bridge->Abort("");
  t.connections.RemoveAbortable(bridge);
  if (!parser.is_done()) keep = false;
  keep = keep && !t.stopping;
  co_return read_ok&& write_ok;
}

}  // namespace signet::server
