// The HTTP/1.1 server. Every Beast and Asio header of the project is included
// here (and in the test client) because they dominate compile time.
//
// Threading model: one io_context per I/O thread, each with its own
// SO_REUSEPORT acceptor, so a connection lives on one thread from accept to
// close and session state needs no locks. The only cross-thread entry points
// are Respond callbacks and StreamWriter::Send, which post to the session's
// io_context through a PostGate that refuses once the server is destroyed.

#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace orderflow::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kReadChunk = 8 * 1024;
constexpr auto kHeartbeat = std::chrono::seconds(15);
// After an error response the client may still be sending the body; reading it
// for a moment before closing avoids a TCP reset that would destroy the
// response in the client's receive buffer.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr std::size_t kLingerBytes = 1024 * 1024;
// A stream client that stops reading is dropped rather than buffered forever.
constexpr std::size_t kMaxStreamBacklog = 4 * 1024 * 1024;
constexpr std::string_view kPreflightMethods = "GET, POST, PATCH, DELETE, OPTIONS";
constexpr std::string_view kPreflightHeaders =
    "Content-Type, Authorization, X-Store-ID, Idempotency-Key";

// ---------------------------------------------------------------------------
// Small helpers

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ToLower);
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ToLower(x) == ToLower(y);
         });
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// "application/json" with optional parameters ("; charset=utf-8"), any case.
bool IsJsonContentType(std::string_view value) {
  return IEquals(TrimSpaces(value.substr(0, value.find(';'))), "application/json");
}

// Incoming ids are echoed only when they cannot smuggle anything into logs
// or headers.
bool IsSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_' || c == '.';
  });
}

// Request ids need uniqueness, not secrecy, so a per-thread PRNG is enough
// and keeps the CSPRNG off the hot path.
std::string NewRequestId() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = engine();
  std::string id(16, '0');
  for (char& c : id) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

Response ErrorOf(ErrorCode code, std::string message, std::string field = {}) {
  return ErrorResponse(MakeError(code, std::move(message), std::move(field)));
}

bool IsRoutedPath(std::string_view path) {
  return path.rfind("/api/", 0) == 0 || path == "/api" || path == "/healthz" || path == "/readyz" ||
         path == "/metrics";
}

bool IsBodilessStatus(int status) { return status < 200 || status == 204 || status == 304; }

// ---------------------------------------------------------------------------
// Static files

std::string_view ContentTypeFor(const fs::path& file) {
  std::string ext = Lower(file.extension().string());
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool IsWithin(const fs::path& root, const fs::path& candidate) {
  auto [root_end, ignored] =
      std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
  return root_end == root.end();
}

bool ReadFile(const fs::path& file, std::string& out) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return false;
  out = std::move(content).str();
  return true;
}

// Serves `request.path` from `root` (canonical). Traversal attempts, hidden
// characters and escapes through symlinks all answer 404, never 403, so the
// response does not reveal what exists outside the root.
Response ServeStatic(const fs::path& root, const Request& request) {
  const std::string& path = request.path;
  Response not_found = ErrorOf(ErrorCode::kNotFound, "not found");
  if (path.empty() || path.front() != '/' || path.find('\0') != std::string::npos ||
      path.find('\\') != std::string::npos) {
    return not_found;
  }

  fs::path relative;
  std::string_view rest = path;
  std::string_view last;
  while (!rest.empty()) {
    rest.remove_prefix(1);
    auto slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    if (segment == "..") return not_found;
    if (segment.empty() || segment == ".") continue;
    relative /= std::string(segment);
    last = segment;
  }

  std::error_code ec;
  fs::path file = root / relative;
  if (path.back() == '/' || relative.empty() || fs::is_directory(file, ec)) {
    file /= "index.html";
  }
  if (!fs::is_regular_file(file, ec)) {
    // Client-side routes of the single-page app ("/orders/123") have no
    // extension; real assets do, and a missing asset must stay a 404.
    if (last.find('.') != std::string_view::npos) return not_found;
    file = root / "index.html";
    if (!fs::is_regular_file(file, ec)) return not_found;
  }
  fs::path resolved = fs::weakly_canonical(file, ec);
  if (ec || !IsWithin(root, resolved)) return not_found;

  Response response;
  if (!ReadFile(resolved, response.body)) return not_found;
  response.content_type = std::string(ContentTypeFor(resolved));
  bool html = response.content_type.rfind("text/html", 0) == 0;
  // Pages must pick up new deployments at once; assets may be cached briefly.
  response.headers.emplace_back("Cache-Control", html ? "no-cache" : "public, max-age=300");
  return response;
}

// ---------------------------------------------------------------------------
// Cross-thread plumbing

// Lets other threads post to an io_context only while it exists: Respond
// callbacks and stream writers may outlive the server.
class PostGate {
 public:
  explicit PostGate(asio::io_context::executor_type executor) : executor_(std::move(executor)) {}

  template <typename Function>
  bool Post(Function&& function) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!open_) return false;
    asio::post(executor_, std::forward<Function>(function));
    return true;
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  bool open_ = true;  // GUARDED_BY(mutex_)
  asio::io_context::executor_type executor_;
};

class Session;

// Everything shared by all sessions; read-only while the server runs.
struct Core {
  ServerConfig config;
  Router router;
  fs::path static_root;  // canonical; empty when static files are off
};

// One I/O thread's world. Destruction order matters: the acceptor goes before
// the io_context, and `sessions` outlives the io_context because destroying
// the context destroys suspended session coroutines, which unregister.
struct Worker {
  std::unordered_set<Session*> sessions;  // touched only on this worker's thread
  asio::io_context context{1};
  std::shared_ptr<PostGate> gate = std::make_shared<PostGate>(context.get_executor());
  tcp::acceptor acceptor{context};
};

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

// What the response needs to know about the request it answers.
struct ReplyContext {
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;
  std::string request_id;
  std::string cors_origin;  // echoed in Access-Control-Allow-Origin; empty: no CORS
};

// The steps of serving one request that need no socket. Sessions and
// ServeBytes share them, so the fuzzed path is the served path.

ReplyContext MakeReplyContext(const ServerConfig& config,
                              const bhttp::request<bhttp::string_body>& message) {
  ReplyContext context;
  context.version = message.version() == 10 ? 10 : 11;
  context.keep_alive = message.keep_alive();
  context.head = message.method() == bhttp::verb::head;
  std::string_view incoming_id = message["X-Request-Id"];
  context.request_id = IsSaneRequestId(incoming_id) ? std::string(incoming_id) : NewRequestId();
  std::string_view origin = message[bhttp::field::origin];
  if (!origin.empty()) {
    for (const std::string& allowed : config.cors_origins) {
      if (allowed == "*" || allowed == origin) {
        context.cors_origin = std::string(origin);
        break;
      }
    }
  }
  return context;
}

void ConfigureParser(bhttp::request_parser<bhttp::string_body>& parser,
                     const ServerConfig& config) {
  parser.header_limit(kHeaderLimit);
  parser.body_limit(config.body_limit);
}

// The answer to a request that could not be read, or nullopt when the
// connection just ended (the client went away or sent half a request).
std::optional<Response> ReadFailureResponse(beast::error_code ec) {
  bool parse_error = ec.category() == beast::error_code(bhttp::error::end_of_stream).category() &&
                     ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
  if (!parse_error) return std::nullopt;
  return ec == bhttp::error::body_limit
             ? ErrorOf(ErrorCode::kPayloadTooLarge, "request body too large")
         : ec == bhttp::error::header_limit
             ? ErrorOf(ErrorCode::kValidation, "request header too large")
             : ErrorOf(ErrorCode::kValidation, "invalid request");
}

std::optional<Response> UnsupportedVersion(const bhttp::request<bhttp::string_body>& message) {
  if (message.version() == 10 || message.version() == 11) return std::nullopt;
  return ErrorOf(ErrorCode::kValidation, "unsupported HTTP version");
}

// Fills `request` from the parsed message (consuming its body); an error
// response when the target cannot be decoded.
std::optional<Response> ToRequest(bhttp::request<bhttp::string_body>& message,
                                  std::string remote_address, Request& request) {
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.remote_address = std::move(remote_address);
  auto url = boost::urls::parse_origin_form(message.target());
  if (!url) return ErrorOf(ErrorCode::kValidation, "invalid request target", "path");
  request.path = url->path();
  for (auto param : url->params(boost::urls::encoding_opts(/*space_as_plus=*/true))) {
    request.query.emplace(std::move(param.key), std::move(param.value));
  }
  request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return std::nullopt;
}

// Decides everything before a handler runs: CORS preflight, static files,
// routing (404/405), the JSON content type. Sets `handler` and returns
// nullopt when a handler should answer.
std::optional<Response> Route(const Core& core, Request& request, const ReplyContext& context,
                              const Handler*& handler) {
  handler = nullptr;
  if (request.method == "OPTIONS" && !request.Header("origin").empty()) {
    if (context.cors_origin.empty()) {
      return ErrorOf(ErrorCode::kForbidden, "origin not allowed");
    }
    if (!request.Header("access-control-request-method").empty()) {
      Response preflight;
      preflight.status = 204;
      preflight.content_type.clear();
      preflight.headers = {
          {"Access-Control-Allow-Methods", std::string(kPreflightMethods)},
          {"Access-Control-Allow-Headers", std::string(kPreflightHeaders)},
          {"Access-Control-Max-Age", "600"},
      };
      return preflight;
    }
  }

  bool head = request.method == "HEAD";
  if (!IsRoutedPath(request.path)) {
    if ((request.method == "GET" || head) && !core.static_root.empty()) {
      return ServeStatic(core.static_root, request);
    }
    return ErrorOf(ErrorCode::kNotFound, "not found");
  }

  std::string allowed;
  auto match = core.router.Match(request, &handler, &allowed);
  if (match == Router::MatchResult::kMethodNotAllowed && head) {
    // HEAD is GET without the body; Reply drops the body.
    request.method = "GET";
    std::string allowed_for_get;
    match = core.router.Match(request, &handler, &allowed_for_get);
    if (match != Router::MatchResult::kFound) request.method = "HEAD";
  }
  if (match == Router::MatchResult::kNotFound) {
    return ErrorOf(ErrorCode::kNotFound, "no such route");
  }
  if (match == Router::MatchResult::kMethodNotAllowed) {
    return MethodNotAllowedResponse(allowed);
  }

  if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") &&
      !request.body.empty() && !IsJsonContentType(request.Header("content-type"))) {
    handler = nullptr;
    return ErrorOf(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json");
  }
  return std::nullopt;
}

// Runs the handler; false (after logging) when it threw, and the caller
// answers 500.
bool CallHandler(const Handler& handler, Request& request, const Respond& respond) {
  try {
    // A copy, not a move: if the handler throws, the caller answers before
    // the token can report a dropped callback.
    handler(request, respond);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", request.method, request.path, e.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception", request.method, request.path);
  }
  return false;
}

fs::path CanonicalStaticRoot(const std::string& static_dir) {
  if (static_dir.empty()) return {};
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(static_dir, ec), ec);
  if (ec) root = fs::absolute(static_dir);
  return root;
}

// ---------------------------------------------------------------------------
// Session: one connection, served by one coroutine on its worker's thread.

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(const Core& core, Worker& worker, tcp::socket socket)
      : core_(core),
        worker_(worker),
        stream_(std::move(socket)),
        wake_(stream_.get_executor()),
        closed_(std::make_shared<std::atomic<bool>>(false)) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
    worker_.sessions.insert(this);
  }

  ~Session() { worker_.sessions.erase(this); }

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

  void Enqueue(std::string data) {
    if (closed()) return;
    backlog_bytes_ += data.size();
    if (backlog_bytes_ > kMaxStreamBacklog) {
      spdlog::debug("dropping stream client {}: it stopped reading", remote_address_);
      Close();
      return;
    }
    backlog_.push_back(std::move(data));
    wake_.cancel();
  }

 private:
  friend asio::awaitable<void> WatchPeer(std::shared_ptr<Session> session);

  bool closed() const { return closed_->load(std::memory_order_acquire); }
  std::chrono::seconds ReadTimeout() const {
    return std::chrono::seconds(core_.config.read_timeout_seconds);
  }

  asio::awaitable<void> FailRead(beast::error_code ec,
                                 bhttp::request_parser<bhttp::string_body>& parser);
  // Answers a request that cannot be served and ends the connection.
  asio::awaitable<void> Reject(Response response,
                               const bhttp::request<bhttp::string_body>& partial);
  asio::awaitable<bool> Serve(bhttp::request<bhttp::string_body> message);
  Response Dispatch(Request& request, const ReplyContext& context, bool& deferred,
                    std::shared_ptr<ResponseSlot>& slot);
  asio::awaitable<bool> Reply(Response response, const ReplyContext& context);
  asio::awaitable<void> Stream(Response response, const ReplyContext& context);
  asio::awaitable<void> LingeringClose();

  template <typename Body>
  void Decorate(bhttp::response<Body>& res, const Response& response,
                const ReplyContext& context) const;

  const Core& core_;
  Worker& worker_;
  beast::tcp_stream stream_;
  // Cancelled to resume the coroutine when a response or stream data arrives.
  asio::steady_timer wake_;
  std::shared_ptr<std::atomic<bool>> closed_;
  std::string remote_address_;
  std::deque<std::string> backlog_;  // stream data not yet written
  std::size_t backlog_bytes_ = 0;
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

    bhttp::request_parser<bhttp::string_body> parser;
    ConfigureParser(parser, core_.config);
    stream_.expires_after(ReadTimeout());
    auto [header_ec, header_n] = co_await bhttp::async_read_header(stream_, buffer, parser, kTuple);
    if (header_ec) {
      co_await FailRead(header_ec, parser);
      co_return;
    }

    if (auto unsupported = UnsupportedVersion(parser.get())) {
      co_await Reject(std::move(*unsupported), parser.get());
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

asio::awaitable<void> Session::FailRead(beast::error_code ec,
                                        bhttp::request_parser<bhttp::string_body>& parser) {
  std::optional<Response> response = ReadFailureResponse(ec);
  if (!response) {
    if (ec != bhttp::error::end_of_stream) {
      spdlog::debug("connection {}: {}", remote_address_, ec.message());
    }
    co_return;
  }
  spdlog::debug("connection {}: rejecting request: {}", remote_address_, ec.message());
  co_await Reject(std::move(*response), parser.get());
}

asio::awaitable<void> Session::Reject(Response response,
                                      const bhttp::request<bhttp::string_body>& partial) {
  // The context comes from whatever part of the header was parsed, so that
  // an allowed origin can still read the error.
  ReplyContext context = MakeReplyContext(core_.config, partial);
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

asio::awaitable<bool> Session::Serve(bhttp::request<bhttp::string_body> message) {
  ReplyContext context = MakeReplyContext(core_.config, message);

  Request request;
  if (auto invalid = ToRequest(message, remote_address_, request)) {
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
  if (auto decided = Route(core_, request, context, handler)) return std::move(*decided);

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
  // The stream only ends when the connection does; HTTP/1.0 clients get the
  // raw bytes delimited by the close.
  bool chunked = context.version == 11;
  res.keep_alive(false);
  if (chunked) res.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer{res};
  stream_.expires_after(ReadTimeout());
  auto [header_ec, header_n] = co_await bhttp::async_write_header(stream_, serializer, kTuple);
  if (header_ec || context.head) co_return;

  stream_.expires_never();
  asio::co_spawn(stream_.get_executor(), WatchPeer(shared_from_this()), asio::detached);
  auto writer = std::make_shared<SessionStreamWriter>(worker_.gate, weak_from_this(), closed_);
  try {
    response.stream(writer);
  } catch (const std::exception& e) {
    spdlog::error("stream handler threw: {}", e.what());
    Close();
    co_return;
  }

  while (!closed()) {
    if (backlog_.empty()) {
      wake_.expires_after(kHeartbeat);
      auto [ec] = co_await wake_.async_wait(kTuple);
      // A completed wait (not cancelled by new data) means the line was quiet:
      // a comment keeps proxies and the client's connection alive.
      if (!ec && backlog_.empty()) backlog_.push_back(":\n\n");
      continue;
    }
    std::string data;
    for (auto& item : backlog_) data += item;
    backlog_.clear();
    backlog_bytes_ = 0;
    stream_.expires_after(ReadTimeout());
    beast::error_code ec;
    if (chunked) {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream_, bhttp::make_chunk(asio::buffer(data)), kTuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, asio::buffer(data), kTuple);
    }
    if (ec) break;
    stream_.expires_never();
  }
  if (!closed()) Close();
}

// ---------------------------------------------------------------------------
// Listening

asio::awaitable<void> Accept(const Core& core, Worker& worker) {
  while (true) {
    auto [ec, socket] = co_await worker.acceptor.async_accept(kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !worker.acceptor.is_open()) co_return;
      spdlog::debug("accept failed: {}", ec.message());
      // Out of descriptors: back off instead of spinning on the error.
      asio::steady_timer pause(worker.context, std::chrono::milliseconds(50));
      co_await pause.async_wait(kTuple);
      continue;
    }
    beast::error_code option_ec;
    socket.set_option(tcp::no_delay(true), option_ec);
    auto session = std::make_shared<Session>(core, worker, std::move(socket));
    asio::co_spawn(worker.context, RunSession(std::move(session)), asio::detached);
  }
}

[[noreturn]] void ThrowListenError(const ServerConfig& config, const std::string& reason) {
  throw std::runtime_error("cannot listen on " + config.host + ":" + std::to_string(config.port) +
                           ": " + reason);
}

asio::ip::address ResolveHost(const ServerConfig& config) {
  beast::error_code ec;
  auto address = asio::ip::make_address(config.host, ec);
  if (!ec) return address;
  asio::io_context context;
  tcp::resolver resolver(context);
  auto results = resolver.resolve(config.host, std::to_string(config.port), ec);
  if (ec || results.empty()) ThrowListenError(config, ec ? ec.message() : "host not found");
  return results.begin()->endpoint().address();
}

// SO_REUSEPORT would let us silently share the port with another running
// instance of the same user; a plain bind fails if anyone listens there.
void ProbePortIsFree(const ServerConfig& config, const tcp::endpoint& endpoint) {
  asio::io_context context;
  tcp::acceptor probe(context);
  beast::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec) ThrowListenError(config, ec.message());
}

void StopWorker(Worker& worker) {
  beast::error_code ec;
  worker.acceptor.close(ec);
  std::vector<Session*> sessions(worker.sessions.begin(), worker.sessions.end());
  for (Session* session : sessions) session->Close();
  worker.context.stop();
}

void RunContext(asio::io_context& context) {
  while (true) {
    try {
      context.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("I/O thread: {}", e.what());
    }
  }
}

}  // namespace

struct Server::Impl {
  Core core;
  std::vector<std::unique_ptr<Worker>> workers;
  unsigned short port = 0;

  ~Impl() {
    // Late Respond and Send calls must not touch contexts about to vanish.
    for (auto& worker : workers) worker->gate->Close();
  }
};

Server::Server(ServerConfig config, const Router& router) : impl_(std::make_unique<Impl>()) {
  Core& core = impl_->core;
  // The router is copied so the server does not depend on the caller keeping
  // it alive; it is read-only from here on.
  core.router = router;
  core.config = std::move(config);
  const ServerConfig& cfg = core.config;
  core.static_root = CanonicalStaticRoot(cfg.static_dir);

  tcp::endpoint endpoint(ResolveHost(cfg), cfg.port);
  if (cfg.port != 0) ProbePortIsFree(cfg, endpoint);
  int threads = std::max(1, cfg.threads);
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<Worker>();
    beast::error_code ec;
    worker->acceptor.open(endpoint.protocol(), ec);
    if (!ec) worker->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) worker->acceptor.set_option(ReusePort(true), ec);
    if (!ec) worker->acceptor.bind(endpoint, ec);
    if (!ec) worker->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) ThrowListenError(cfg, ec.message());
    // With port 0 the first acceptor picks the port and the others join it.
    if (endpoint.port() == 0) endpoint.port(worker->acceptor.local_endpoint().port());
    impl_->workers.push_back(std::move(worker));
  }
  impl_->port = endpoint.port();
  for (auto& worker : impl_->workers) {
    asio::co_spawn(worker->context, Accept(core, *worker), asio::detached);
  }
}

Server::~Server() = default;

unsigned short Server::port() const { return impl_->port; }

void Server::Run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->workers.size(); ++i) {
    threads.emplace_back([worker = impl_->workers[i].get()] { RunContext(worker->context); });
  }
  RunContext(impl_->workers.front()->context);
  for (auto& thread : threads) thread.join();
}

void Server::Stop() {
  for (auto& worker : impl_->workers) {
    asio::post(worker->context, [w = worker.get()] { StopWorker(*w); });
  }
}

namespace {

// One handler answer, waited for by ServeBytes. As with RespondToken, a
// handler that drops every copy of its callback gets a 500 instead of a hang.
struct AnswerWaiter {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<Response> response;  // GUARDED_BY(mutex)

  void Complete(Response value) {
    std::lock_guard<std::mutex> lock(mutex);
    if (response) return;
    response = std::move(value);
    answered.notify_all();
  }
};

struct AnswerToken {
  std::shared_ptr<AnswerWaiter> waiter;
  ~AnswerToken() {
    waiter->Complete(ErrorOf(ErrorCode::kInternal, "the request was not answered"));
  }
};

}  // namespace

std::vector<Response> ServeBytes(const ServerConfig& config, const Router& router,
                                 std::string_view bytes) {
  Core core;
  core.config = config;
  core.router = router;
  core.static_root = CanonicalStaticRoot(config.static_dir);

  std::vector<Response> responses;
  while (!bytes.empty()) {
    bhttp::request_parser<bhttp::string_body> parser;
    ConfigureParser(parser, config);
    beast::error_code ec;
    // The whole input is available at once, so no progress means the client
    // stopped sending (Beast answers an empty buffer with neither progress
    // nor "need more").
    while (!parser.is_done()) {
      std::size_t used = parser.put(asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec == bhttp::error::need_more) ec = {};
      if (ec) break;
      if (used == 0) {
        parser.put_eof(ec);
        if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
        break;
      }
    }
    if (ec) {
      if (auto rejected = ReadFailureResponse(ec)) responses.push_back(std::move(*rejected));
      break;
    }
    if (auto unsupported = UnsupportedVersion(parser.get())) {
      responses.push_back(std::move(*unsupported));
      break;
    }

    bhttp::request<bhttp::string_body> message = parser.release();
    ReplyContext context = MakeReplyContext(config, message);
    Request request;
    const Handler* handler = nullptr;
    std::optional<Response> decided = ToRequest(message, "127.0.0.1", request);
    if (!decided) decided = Route(core, request, context, handler);
    if (!decided) {
      auto waiter = std::make_shared<AnswerWaiter>();
      {
        auto token = std::make_shared<AnswerToken>();
        token->waiter = waiter;
        Respond respond = [token = std::move(token)](Response value) {
          token->waiter->Complete(std::move(value));
        };
        if (!CallHandler(*handler, request, respond)) {
          waiter->Complete(ErrorOf(ErrorCode::kInternal, "internal error"));
        }
      }
      std::unique_lock<std::mutex> lock(waiter->mutex);
      waiter->answered.wait(lock, [&waiter] { return waiter->response.has_value(); });
      decided = std::move(waiter->response);
    }
    bool streaming = static_cast<bool>(decided->stream);
    responses.push_back(std::move(*decided));
    if (!context.keep_alive || streaming) break;
  }
  return responses;
}

}  // namespace orderflow::http
