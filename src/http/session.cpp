// One connection each: a coroutine on its worker's thread that reads
// requests (keep-alive, pipelining, bounded, header checked before the
// body), answers them in order (handlers may answer from any thread), and
// streams Server-Sent Events with heartbeats, a lifetime and bounded
// buffers. See session.hpp for the threading model.

#include "http/session.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/static_files.hpp"
#include "http/strings.hpp"
#include "http/wire.hpp"

namespace orderflow::http::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using wire::ReplyContext;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kReadChunk = std::size_t{8} * 1024;
constexpr auto kHeartbeat = std::chrono::seconds(15);
// After an error response the client may still be sending the body; reading it
// for a moment before closing avoids a TCP reset that would destroy the
// response in the client's receive buffer.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = std::size_t{1024} * 1024;

Response ErrorOf(ErrorCode code, std::string message) {
  return ErrorResponse(MakeError(code, std::move(message)));
}

bool IsBodilessStatus(int status) { return status < 200 || status == 204 || status == 304; }

std::string RefusalBytes() {
  Response refusal = ErrorOf(ErrorCode::kUnavailable, "too many connections from this address");
  bhttp::response<bhttp::string_body> res;
  res.version(11);
  res.result(static_cast<unsigned>(refusal.status));
  res.set(bhttp::field::server, "orderflow");
  res.set(bhttp::field::content_type, refusal.content_type);
  res.set(bhttp::field::retry_after, "1");
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(false);
  res.body() = std::move(refusal.body);
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  return std::move(out).str();
}

// Where a handler's response lands. The session parks on its wake timer when
// the handler returns without having responded; Complete wakes it.
struct ResponseSlot {
  std::mutex mutex;
  bool done = false;                 // GUARDED_BY(mutex)
  bool waiting = false;              // GUARDED_BY(mutex)
  std::optional<Response> response;  // GUARDED_BY(mutex)
  std::shared_ptr<PostGate> gate;
  std::weak_ptr<Session> session;

  // False when a response was already given.
  bool Complete(Response value);

  bool Done() {
    std::lock_guard<std::mutex> lock(mutex);
    return done;
  }

  // The response if it is there; otherwise marks the session as waiting so
  // that Complete will wake it.
  std::optional<Response> TakeOrWait() {
    std::lock_guard<std::mutex> lock(mutex);
    if (response) {
      std::optional<Response> out = std::move(response);
      response.reset();
      return out;
    }
    waiting = true;
    return std::nullopt;
  }
};

// Shared by all copies of one Respond callback. A handler that drops every
// copy without responding would leave the client hanging; the destructor
// answers 500 instead.
struct RespondToken {
  std::shared_ptr<ResponseSlot> slot;
  std::string description;  // "GET /path", for logs

  ~RespondToken() {
    // Checked first so the common case does not build an unused envelope.
    if (slot->Done()) return;
    if (slot->Complete(ErrorOf(ErrorCode::kInternal, "the request was not answered"))) {
      spdlog::error("handler for {} dropped its Respond callback without responding", description);
    }
  }
};

class SessionStreamWriter final : public StreamWriter {
 public:
  SessionStreamWriter(std::shared_ptr<PostGate> gate, std::weak_ptr<Session> session,
                      std::shared_ptr<std::atomic<bool>> closed)
      : gate_(std::move(gate)), session_(std::move(session)), closed_(std::move(closed)) {}

  bool Send(std::string data) override;
  bool Closed() const override { return closed_->load(std::memory_order_acquire); }

 private:
  std::shared_ptr<PostGate> gate_;
  std::weak_ptr<Session> session_;
  std::shared_ptr<std::atomic<bool>> closed_;
};

// When a stream ends: its lifetime less up to a tenth, so that streams
// opened together (after a restart) do not all reconnect together.
std::chrono::steady_clock::time_point StreamDeadline(double lifetime_seconds) {
  if (lifetime_seconds <= 0) return std::chrono::steady_clock::time_point::max();
  thread_local std::mt19937 engine{std::random_device{}()};
  double seconds = lifetime_seconds * std::uniform_real_distribution<double>(0.9, 1.0)(engine);
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(seconds));
}

}  // namespace

// ---------------------------------------------------------------------------
// Session: one connection, served by one coroutine on its worker's thread.

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Core& core, Worker& worker, tcp::socket socket, std::string remote_address,
          AddressLimiter::Lease lease)
      : core_(core),
        worker_(worker),
        stream_(std::move(socket)),
        wake_(stream_.get_executor()),
        closed_(std::make_shared<std::atomic<bool>>(false)),
        remote_address_(std::move(remote_address)),
        lease_(std::move(lease)) {
    worker_.sessions.insert(this);
  }

  ~Session() {
    if (stream_id_ != 0) core_.backlog.Unregister(stream_id_);
    worker_.sessions.erase(this);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  asio::awaitable<void> Run();

  // Ends the connection: pending operations complete with errors and the
  // coroutine unwinds. Worker thread only.
  void Close() {
    closed_->store(true, std::memory_order_release);
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    wake_.cancel();
  }

  void Wake() { wake_.cancel(); }

  // Queues stream data. A client that stops reading is dropped rather than
  // buffered forever: past its own limit, or when the streams together are
  // over theirs and its queue is the longest. Worker thread only.
  void Enqueue(std::string data) {
    if (closed()) return;
    queued_bytes_ += data.size();
    if (queued_bytes_ > core_.config.stream_backlog_limit) {
      spdlog::debug("dropping stream client {}: it stopped reading", remote_address_);
      Close();
      return;
    }
    if (!core_.backlog.Add(stream_id_, data.size())) {
      DropSlowest();
      return;
    }
    backlog_.push_back(std::move(data));
    wake_.cancel();
  }

  void DropSlowest() {
    if (closed()) return;
    spdlog::info("dropping stream client {}: stream buffers are full and it reads slowest",
                 remote_address_);
    Close();
  }

 private:
  friend asio::awaitable<void> WatchPeer(std::shared_ptr<Session> session);

  bool closed() const { return closed_->load(std::memory_order_acquire); }
  std::chrono::seconds ReadTimeout() const {
    return std::chrono::seconds(core_.config.read_timeout_seconds);
  }

  asio::awaitable<void> FailRead(beast::error_code ec, wire::RequestParser& parser);
  // Answers a request that cannot be served and ends the connection.
  asio::awaitable<void> Reject(Response response, const wire::RequestMessage& partial);
  asio::awaitable<bool> Serve(wire::RequestMessage message);
  Response Dispatch(Request& request, const ReplyContext& context, bool& deferred,
                    std::shared_ptr<ResponseSlot>& slot);
  asio::awaitable<bool> Reply(Response response, const ReplyContext& context);
  asio::awaitable<void> Stream(Response response, const ReplyContext& context);
  asio::awaitable<void> LingeringClose();

  template <typename Body>
  void Decorate(bhttp::response<Body>& res, const Response& response,
                const ReplyContext& context) const;

  Core& core_;
  Worker& worker_;
  beast::tcp_stream stream_;
  // Cancelled to resume the coroutine when a response or stream data arrives.
  asio::steady_timer wake_;
  std::shared_ptr<std::atomic<bool>> closed_;
  std::string remote_address_;
  AddressLimiter::Lease lease_;            // this connection's place among its address's
  std::deque<std::string> backlog_;        // stream data not yet written
  std::size_t queued_bytes_ = 0;           // in backlog_ and being written
  BacklogBudget::StreamId stream_id_ = 0;  // 0 until the stream starts
};

bool ResponseSlot::Complete(Response value) {
  std::lock_guard<std::mutex> lock(mutex);
  if (done) return false;
  done = true;
  response = std::move(value);
  if (waiting) {
    gate->Post([weak = session] {
      if (auto s = weak.lock()) s->Wake();
    });
  }
  return true;
}

bool SessionStreamWriter::Send(std::string data) {
  if (Closed()) return false;
  if (data.empty()) return true;
  return gate_->Post([weak = session_, data = std::move(data)]() mutable {
    if (auto s = weak.lock()) s->Enqueue(std::move(data));
  });
}

// Detects a stream client going away: it never sends anything meaningful
// after the request, so any read completion ends the stream.
asio::awaitable<void> WatchPeer(std::shared_ptr<Session> session) {
  std::array<char, 512> sink;
  while (!session->closed()) {
    auto [ec, n] = co_await session->stream_.socket().async_read_some(asio::buffer(sink), kTuple);
    if (ec) break;
  }
  if (!session->closed()) session->Close();
}

asio::awaitable<void> RunSession(std::shared_ptr<Session> session) {
  try {
    co_await session->Run();
  } catch (const std::exception& e) {
    spdlog::error("http session failed: {}", e.what());
  }
}

template <typename Body>
void Session::Decorate(bhttp::response<Body>& res, const Response& response,
                       const ReplyContext& context) const {
  res.set(bhttp::field::server, "orderflow");
  for (const auto& [name, value] : response.headers) res.insert(name, value);
  res.set("X-Request-Id", context.request_id);
  if (!context.cors_origin.empty()) {
    res.set(bhttp::field::access_control_allow_origin, context.cors_origin);
    res.set(bhttp::field::vary, "Origin");
    res.set(bhttp::field::access_control_expose_headers, "Retry-After, X-Request-Id");
  }
}

asio::awaitable<void> Session::Run() {
  beast::flat_buffer buffer;
  bool first = true;
  while (!closed()) {
    if (buffer.size() == 0) {
      // Waiting for the next request on a kept-alive connection is governed
      // by the idle timeout; once bytes arrive the read timeout takes over.
      stream_.expires_after(first ? ReadTimeout()
                                  : std::chrono::seconds(core_.config.idle_timeout_seconds));
      auto [ec, n] = co_await stream_.async_read_some(buffer.prepare(kReadChunk), kTuple);
      if (ec) {
        if (ec != asio::error::eof)
          spdlog::debug("connection {}: {}", remote_address_, ec.message());
        co_return;
      }
      buffer.commit(n);
    }
    first = false;

    wire::RequestParser parser;
    wire::ConfigureParser(parser, core_.config.body_limit);
    stream_.expires_after(ReadTimeout());
    auto [header_ec, header_n] = co_await bhttp::async_read_header(stream_, buffer, parser, kTuple);
    if (header_ec) {
      co_await FailRead(header_ec, parser);
      co_return;
    }

    // Before any body byte is read: an ambiguous end of the request would
    // let the bytes after it be taken for another request.
    if (auto rejected = wire::CheckHeader(parser.get())) {
      spdlog::debug("connection {}: rejecting request: {}", remote_address_, rejected->body);
      co_await Reject(std::move(*rejected), parser.get());
      co_return;
    }

    if (!parser.is_done()) {
      const auto& header = parser.get();
      // Without the interim response, curl and others wait a second before
      // sending bodies over 1 KiB.
      if (header.version() == 11 && IEquals(header[bhttp::field::expect], "100-continue")) {
        bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, 11};
        auto [continue_ec, continue_n] = co_await bhttp::async_write(stream_, proceed, kTuple);
        if (continue_ec) co_return;
      }
      auto [body_ec, body_n] = co_await bhttp::async_read(stream_, buffer, parser, kTuple);
      if (body_ec) {
        co_await FailRead(body_ec, parser);
        co_return;
      }
    }

    bool keep_alive = co_await Serve(parser.release());
    if (!keep_alive) break;
  }
  if (!closed()) {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.close();
  }
}

asio::awaitable<void> Session::FailRead(beast::error_code ec, wire::RequestParser& parser) {
  std::optional<Response> response = wire::ReadFailureResponse(ec);
  if (!response) {
    if (ec != bhttp::error::end_of_stream) {
      spdlog::debug("connection {}: {}", remote_address_, ec.message());
    }
    co_return;
  }
  spdlog::debug("connection {}: rejecting request: {}", remote_address_, ec.message());
  co_await Reject(std::move(*response), parser.get());
}

asio::awaitable<void> Session::Reject(Response response, const wire::RequestMessage& partial) {
  ReplyContext context = wire::MakeReplyContext(core_.site.cors_origins, partial);
  context.keep_alive = false;
  co_await Reply(std::move(response), context);
  co_await LingeringClose();
}

asio::awaitable<void> Session::LingeringClose() {
  if (closed()) co_return;
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.expires_after(kLingerTime);
  std::array<char, 8192> sink;
  std::size_t drained = 0;
  while (drained < kLingerBytes) {
    auto [read_ec, n] = co_await stream_.async_read_some(asio::buffer(sink), kTuple);
    if (read_ec) break;
    drained += n;
  }
  stream_.close();
}

asio::awaitable<bool> Session::Serve(wire::RequestMessage message) {
  ReplyContext context = wire::MakeReplyContext(core_.site.cors_origins, message);

  Request request;
  if (auto invalid = wire::ToRequest(message, remote_address_, request)) {
    co_return co_await Reply(std::move(*invalid), context);
  }

  bool deferred = false;
  std::shared_ptr<ResponseSlot> slot;
  Response response = Dispatch(request, context, deferred, slot);
  if (deferred) {
    std::optional<Response> answer = slot->TakeOrWait();
    while (!answer && !closed()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(kTuple);
      {
        std::lock_guard<std::mutex> lock(slot->mutex);
        answer = std::move(slot->response);
        slot->response.reset();
      }
    }
    if (!answer) co_return false;
    response = std::move(*answer);
  }

  if (response.stream) {
    co_await Stream(std::move(response), context);
    co_return false;
  }
  co_return co_await Reply(std::move(response), context);
}

// Decides the response without suspending. Handler responses may arrive
// later: then `deferred` is set and the answer comes through `slot`.
Response Session::Dispatch(Request& request, const ReplyContext& context, bool& deferred,
                           std::shared_ptr<ResponseSlot>& slot) {
  const Handler* handler = nullptr;
  if (auto decided = Route(core_.site, request, context.cors_origin, handler)) {
    return std::move(*decided);
  }

  slot = std::make_shared<ResponseSlot>();
  slot->gate = worker_.gate;
  slot->session = weak_from_this();
  {
    auto token = std::make_shared<RespondToken>();
    token->slot = slot;
    token->description = request.method + " " + request.path;
    Respond respond = [token = std::move(token)](Response value) {
      if (!token->slot->Complete(std::move(value))) {
        spdlog::warn("handler for {} responded more than once", token->description);
      }
    };
    if (!CallHandler(*handler, request, respond)) {
      slot->Complete(ErrorOf(ErrorCode::kInternal, "internal error"));
    }
  }
  deferred = true;
  return {};
}

asio::awaitable<bool> Session::Reply(Response response, const ReplyContext& context) {
  if (closed()) co_return false;
  if (response.status < 100 || response.status > 999) {
    spdlog::error("handler produced invalid status {}", response.status);
    response = ErrorOf(ErrorCode::kInternal, "internal error");
  }
  bhttp::response<bhttp::string_body> res;
  res.version(context.version);
  res.result(static_cast<unsigned>(response.status));
  Decorate(res, response, context);
  res.keep_alive(context.keep_alive);
  if (!IsBodilessStatus(response.status)) {
    if (!response.content_type.empty()) res.set(bhttp::field::content_type, response.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    if (context.head) {
      res.content_length(response.body.size());
    } else {
      res.body() = std::move(response.body);
      res.prepare_payload();
    }
  }
  stream_.expires_after(ReadTimeout());
  auto [ec, n] = co_await bhttp::async_write(stream_, res, kTuple);
  if (ec) {
    spdlog::debug("connection {}: write failed: {}", remote_address_, ec.message());
    co_return false;
  }
  co_return context.keep_alive;
}

asio::awaitable<void> Session::Stream(Response response, const ReplyContext& context) {
  bhttp::response<bhttp::empty_body> res;
  res.version(context.version);
  res.result(static_cast<unsigned>(response.status));
  Decorate(res, response, context);
  res.set(bhttp::field::content_type, "text/event-stream");
  res.set(bhttp::field::cache_control, "no-cache");
  // The stream ends with the connection; HTTP/1.0 clients get the raw bytes
  // delimited by the close.
  bool chunked = context.version == 11;
  res.keep_alive(false);
  if (chunked) res.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer{res};
  stream_.expires_after(ReadTimeout());
  auto [header_ec, header_n] = co_await bhttp::async_write_header(stream_, serializer, kTuple);
  if (header_ec || context.head) co_return;

  stream_.expires_never();
  asio::co_spawn(stream_.get_executor(), WatchPeer(shared_from_this()), asio::detached);
  stream_id_ = core_.backlog.Register([gate = worker_.gate, weak = weak_from_this()] {
    gate->Post([weak] {
      if (auto s = weak.lock()) s->DropSlowest();
    });
  });
  auto writer = std::make_shared<SessionStreamWriter>(worker_.gate, weak_from_this(), closed_);
  try {
    response.stream(writer);
  } catch (const std::exception& e) {
    spdlog::error("stream handler threw: {}", e.what());
    Close();
    co_return;
  }

  // Past its lifetime the stream ends cleanly (the last chunk), and the
  // client reconnects: no stream holds a descriptor forever.
  const auto deadline = StreamDeadline(core_.config.stream_lifetime_seconds);
  bool ended = false;
  while (!closed()) {
    bool expired = std::chrono::steady_clock::now() >= deadline;
    if (backlog_.empty()) {
      if (expired) {
        ended = true;
        break;
      }
      wake_.expires_at(std::min(std::chrono::steady_clock::now() + kHeartbeat, deadline));
      auto [ec] = co_await wake_.async_wait(kTuple);
      // A completed wait (not cancelled by new data) means the line was quiet:
      // a comment keeps proxies and the client's connection alive.
      if (!ec && backlog_.empty() && std::chrono::steady_clock::now() < deadline) {
        Enqueue(":\n\n");
      }
      continue;
    }
    std::string data;
    for (auto& item : backlog_) data += item;
    backlog_.clear();
    stream_.expires_after(ReadTimeout());
    beast::error_code ec;
    if (chunked) {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream_, bhttp::make_chunk(asio::buffer(data)), kTuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, asio::buffer(data), kTuple);
    }
    if (ec) break;
    queued_bytes_ -= std::min(queued_bytes_, data.size());
    core_.backlog.Remove(stream_id_, data.size());
    stream_.expires_never();
    if (expired) {
      ended = true;
      break;
    }
  }
  if (ended && !closed()) {
    spdlog::debug("stream to {} reached its lifetime", remote_address_);
    if (chunked) {
      stream_.expires_after(ReadTimeout());
      co_await asio::async_write(stream_, bhttp::make_chunk_last(), kTuple);
    }
  }
  if (!closed()) Close();
}

Core::Core(ServerConfig server_config, const Router& router)
    : config(std::move(server_config)),
      connections(config.max_connections_per_address),
      backlog(config.stream_buffer_limit),
      refusal(RefusalBytes()) {
  site.router = router;
  site.static_root = CanonicalStaticRoot(config.static_dir);
  site.cors_origins = config.cors_origins;
}

void StartSession(Core& core, Worker& worker, tcp::socket socket, std::string remote_address,
                  AddressLimiter::Lease lease) {
  auto session = std::make_shared<Session>(core, worker, std::move(socket),
                                           std::move(remote_address), std::move(lease));
  asio::co_spawn(worker.context, RunSession(std::move(session)), asio::detached);
}

void CloseSessions(Worker& worker) {
  std::vector<Session*> sessions(worker.sessions.begin(), worker.sessions.end());
  for (Session* session : sessions) session->Close();
}

}  // namespace orderflow::http::internal
