#include "support/webhook_receiver.hpp"

namespace orderflow::testing {

WebhookReceiver::WebhookReceiver(const std::string& address) : address_(address) {
  router_.Add("POST", "/api/hook/:name", [this](http::Request& request, http::Respond respond) {
    {
      std::lock_guard lock(mu_);
      received_.push_back(Request{request.Param("name"), std::string(request.Header("host")),
                                  request.body,
                                  std::string(request.Header("x-orderflow-signature"))});
      arrived_.notify_all();
      if (holding_) {
        held_.push_back(std::move(respond));
        return;
      }
    }
    http::Response res;
    res.body = "{}";
    respond(std::move(res));
  });
  http::ServerConfig config;
  config.host = address;
  config.port = 0;
  config.threads = 2;
  server_ = std::make_unique<http::Server>(config, router_);
  thread_ = std::thread([this] { server_->Run(); });
}

WebhookReceiver::~WebhookReceiver() {
  Release();
  server_->Stop();
  thread_.join();
}

unsigned short WebhookReceiver::port() const { return server_->port(); }

std::string WebhookReceiver::Url(const std::string& name) const {
  const std::string host =
      address_.find(':') != std::string::npos ? "[" + address_ + "]" : address_;
  return "http://" + host + ":" + std::to_string(port()) + "/api/hook/" + name;
}

void WebhookReceiver::HoldAll() {
  std::lock_guard lock(mu_);
  holding_ = true;
}

void WebhookReceiver::Release() {
  std::vector<http::Respond> held;
  {
    std::lock_guard lock(mu_);
    holding_ = false;
    held.swap(held_);
  }
  for (auto& respond : held) {
    http::Response res;
    res.body = "{}";
    respond(std::move(res));
  }
}

std::vector<WebhookReceiver::Request> WebhookReceiver::Got() const {
  std::lock_guard lock(mu_);
  return received_;
}

std::vector<WebhookReceiver::Request> WebhookReceiver::Received(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<Request> out;
  for (const auto& r : received_) {
    if (r.name == name) out.push_back(r);
  }
  return out;
}

std::size_t WebhookReceiver::held() const {
  std::lock_guard lock(mu_);
  return held_.size();
}

bool WebhookReceiver::WaitForRequests(std::size_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return arrived_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
}

}  // namespace orderflow::testing
