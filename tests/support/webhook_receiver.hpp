#pragma once
// A webhook receiver for integration tests: a real http::Server on a
// loopback address (127.0.0.1 or ::1) that records every POST to
// /api/hook/:name with its Host header, and either answers 200 or, while
// held, keeps the request open until Release(), so tests can wait for
// conditions instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/router.hpp"
#include "http/server.hpp"

namespace orderflow::testing {

class WebhookReceiver {
 public:
  struct Request {
    std::string name;
    std::string host;  // the Host header
    std::string body;
    std::string signature;  // the X-OrderFlow-Signature header
  };

  explicit WebhookReceiver(const std::string& address = "127.0.0.1");
  ~WebhookReceiver();  // releases what is held
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  // http://127.0.0.1:PORT/api/hook/NAME (brackets for ::1).
  std::string Url(const std::string& name) const;
  unsigned short port() const;
  // From now on every request stays unanswered until Release().
  void HoldAll();
  // Answers everything held (200) and stops holding.
  void Release();
  // Requests so far (held or answered), in arrival order.
  std::vector<Request> Got() const;
  // Those to /api/hook/`name`.
  std::vector<Request> Received(const std::string& name) const;
  std::size_t held() const;
  // Waits (up to `timeout`) until `count` requests arrived; false on timeout.
  bool WaitForRequests(std::size_t count, std::chrono::milliseconds timeout);

 private:
  std::string address_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable arrived_;
  bool holding_ = false;             // GUARDED_BY(mu_)
  std::vector<http::Respond> held_;  // GUARDED_BY(mu_)
  std::vector<Request> received_;    // GUARDED_BY(mu_)
};

}  // namespace orderflow::testing
