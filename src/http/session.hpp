#pragma once
// Internal to the server (server.cpp: the listener; session.cpp: the
// connections): what both share. It brings in Asio, so nothing else may
// include it.
//
// Threading model: one io_context per I/O thread (a Worker), each with its
// own SO_REUSEPORT acceptor, so a connection lives on one thread from accept
// to close and session state needs no locks. The only cross-thread entry
// points are Respond callbacks, StreamWriter::Send and the stream buffer
// budget's drops, which post to the session's io_context through a PostGate
// that refuses once the server is destroyed. The per-address connection
// counts and the stream buffer budget are shared by all threads and lock
// inside.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>

#include "http/connection_limits.hpp"
#include "http/dispatch.hpp"
#include "http/server.hpp"

namespace orderflow::http::internal {

// Lets other threads post to an io_context only while it exists: Respond
// callbacks and stream writers may outlive the server.
class PostGate {
 public:
  explicit PostGate(boost::asio::io_context::executor_type executor)
      : executor_(std::move(executor)) {}

  template <typename Function>
  bool Post(Function&& function) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!open_) return false;
    boost::asio::post(executor_, std::forward<Function>(function));
    return true;
  }

  void Close() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  bool open_ = true;  // GUARDED_BY(mutex_)
  boost::asio::io_context::executor_type executor_;
};

// Everything shared by all sessions. `config` and `site` are read-only
// while the server runs; the limiters are thread-safe.
struct Core {
  // Copies the router, so the server does not depend on the caller keeping
  // it alive.
  Core(ServerConfig server_config, const Router& router);

  ServerConfig config;
  Site site;
  AddressLimiter connections;
  BacklogBudget backlog;
  // The whole 503 for a connection over the per-address cap, built once.
  const std::string refusal;
};

class Session;

// One I/O thread's world. Destruction order matters: the acceptor goes before
// the io_context, and `sessions` outlives the io_context because destroying
// the context destroys suspended session coroutines, which unregister.
struct Worker {
  std::unordered_set<Session*> sessions;  // touched only on this worker's thread
  boost::asio::io_context context{1};
  std::shared_ptr<PostGate> gate = std::make_shared<PostGate>(context.get_executor());
  boost::asio::ip::tcp::acceptor acceptor{context};
};

// Serves the connection on the worker's thread until it ends; the session
// holds `lease`, its place among its address's connections, until then.
void StartSession(Core& core, Worker& worker, boost::asio::ip::tcp::socket socket,
                  std::string remote_address, AddressLimiter::Lease lease);

// Ends every connection of the worker. Worker thread only.
void CloseSessions(Worker& worker);

}  // namespace orderflow::http::internal
