#pragma once
// The HTTP/1.1 server: one io_context per thread, each with its own
// SO_REUSEPORT acceptor; keep-alive and pipelining, bounded bodies, timeouts,
// CORS, static files, and a clean stop. Beast stays inside server.cpp.

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
  std::size_t body_limit = 64 * 1024;
  int read_timeout_seconds = 30;          // whole request, headers and body
  int idle_timeout_seconds = 60;          // keep-alive between requests
  std::vector<std::string> cors_origins;  // exact origins allowed; "*" allows any
  std::string static_dir;                 // served for non-/api GET paths; empty: none
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
// socket: the session's parser and limits, target decoding, CORS, routing
// and handlers, for each pipelined request until the input ends, a request
// cannot be read (its error response is the last), the connection would
// close, or a stream starts (returned unstarted). Waits for handlers that
// answer later, so it blocks; for fuzzing and tests, not for serving.
std::vector<Response> ServeBytes(const ServerConfig& config, const Router& router,
                                 std::string_view bytes);

}  // namespace orderflow::http
