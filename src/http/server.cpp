// The HTTP/1.1 server's listener: binding (SO_REUSEPORT, one acceptor per
// I/O thread), accepting under the per-address connection cap, running the
// I/O threads and stopping them. Connections are served in session.cpp;
// see session.hpp for the threading model.

#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/session.hpp"

namespace orderflow::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
using internal::CloseSessions;
using internal::Core;
using internal::StartSession;
using internal::Worker;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Over the per-address cap: the 503 goes out in one non-blocking write (a
// fresh socket's send buffer takes it whole) and the connection closes at
// once, so a flood of connections costs no coroutine, timer or buffer.
void Refuse(const Core& core, tcp::socket& socket, const std::string& address) {
  spdlog::debug("refusing a connection from {}: too many open", address);
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  if (!ec) socket.write_some(asio::buffer(core.refusal), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

asio::awaitable<void> Accept(Core& core, Worker& worker) {
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
    boost::system::error_code option_ec;
    auto remote = socket.remote_endpoint(option_ec);
    if (option_ec) continue;  // the client is already gone
    std::string address = remote.address().to_string();
    AddressLimiter::Lease lease = core.connections.TryAcquire(address);
    if (!lease) {
      Refuse(core, socket, address);
      continue;
    }
    socket.set_option(tcp::no_delay(true), option_ec);
    StartSession(core, worker, std::move(socket), std::move(address), std::move(lease));
  }
}

[[noreturn]] void ThrowListenError(const ServerConfig& config, const std::string& reason) {
  throw std::runtime_error("cannot listen on " + config.host + ":" + std::to_string(config.port) +
                           ": " + reason);
}

asio::ip::address ResolveHost(const ServerConfig& config) {
  boost::system::error_code ec;
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
  boost::system::error_code ec;
  probe.open(endpoint.protocol(), ec);
  if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) probe.bind(endpoint, ec);
  if (ec) ThrowListenError(config, ec.message());
}

void StopWorker(Worker& worker) {
  boost::system::error_code ec;
  worker.acceptor.close(ec);
  CloseSessions(worker);
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
  // Declared before the workers: their sessions use it until they are gone.
  std::unique_ptr<internal::Core> core;
  std::vector<std::unique_ptr<internal::Worker>> workers;
  unsigned short port = 0;

  ~Impl() {
    // Late Respond and Send calls must not touch contexts about to vanish.
    for (auto& worker : workers) worker->gate->Close();
  }
};

Server::Server(ServerConfig config, const Router& router) : impl_(std::make_unique<Impl>()) {
  impl_->core = std::make_unique<internal::Core>(std::move(config), router);
  internal::Core& core = *impl_->core;
  const ServerConfig& cfg = core.config;

  tcp::endpoint endpoint(ResolveHost(cfg), cfg.port);
  if (cfg.port != 0) ProbePortIsFree(cfg, endpoint);
  int threads = std::max(1, cfg.threads);
  for (int i = 0; i < threads; ++i) {
    auto worker = std::make_unique<internal::Worker>();
    boost::system::error_code ec;
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

}  // namespace orderflow::http
