#pragma once
// The HTTP/1.1 server: one io_context per thread, each with its own
// SO_REUSEPORT acceptor; keep-alive and pipelining, bounded bodies, timeouts,
// unambiguous framing (http/framing.hpp), CORS, static files, bounded
// connections and streams, and a clean stop. Beast stays inside session.cpp,
// wire.cpp and serve_bytes.cpp; server.cpp (the listener) needs only Asio.

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"

namespace orderflow::http {

struct ServerConfig {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0 = pick a free port
  int threads = 2;
  std::size_t body_limit = std::size_t{64} * 1024;
  int read_timeout_seconds = 30;          // whole request, headers and body
  int idle_timeout_seconds = 60;          // keep-alive between requests
  std::vector<std::string> cors_origins;  // exact origins allowed; "*" allows any
  std::string static_dir;                 // served for non-/api GET paths; empty: none
  // Open connections per client address; more are answered 503 and closed
  // at once. 0: no limit.
  int max_connections_per_address = 256;
  // Streams (Server-Sent Events) end cleanly after this many seconds, less
  // up to a tenth, and the client reconnects. 0: never.
  double stream_lifetime_seconds = 0;
  // Bytes queued for one stream client before it is dropped.
  std::size_t stream_backlog_limit = std::size_t{4} * 1024 * 1024;
  // Bytes queued for all stream clients together; beyond it the clients
  // with the longest queues (the slowest readers) are dropped. 0: no limit.
  std::size_t stream_buffer_limit = std::size_t{64} * 1024 * 1024;
};

class Server {
 public:
  // Binds the listening sockets; throws std::runtime_error with a clear
  // message when the address cannot be bound.
  Server(ServerConfig config, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful with port 0).
  unsigned short port() const;
  // Runs the I/O threads until Stop(); blocks the caller.
  void Run();
  // Stops accepting, closes connections and makes Run() return. Thread-safe.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serves `bytes` as if one client had sent them on a connection, minus the
// socket: the session's parser, limits and header checks, target decoding,
// CORS, routing and handlers, for each pipelined request until the input
// ends, a request cannot be read or is refused (its error response is the
// last), the connection would close, or a stream starts (returned
// unstarted). Waits for handlers that
// answer later, so it blocks; for fuzzing and tests, not for serving.
std::vector<Response> ServeBytes(const ServerConfig& config, const Router& router,
                                 std::string_view bytes);

}  // namespace orderflow::http
