#pragma once
// The boundary between the webhook-send step and the network: one signed
// POST to a store's endpoint. The HTTP implementation lives in
// http_webhook_sender.cpp over http/client.hpp, so steps never see Beast and
// tests can point endpoints at a real receiver on loopback.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "http/egress_policy.hpp"

namespace orderflow::steps {

struct WebhookRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int timeout_ms = 5000;
};

struct WebhookResponse {
  int status = 0;
};

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Any HTTP answer is a result; kUnavailable when the endpoint cannot be
  // reached or does not answer within the timeout; kValidation when the URL
  // cannot be sent to (an unsupported scheme); kForbidden when its host
  // resolves only to addresses the egress policy refuses.
  virtual Result<WebhookResponse> Post(const WebhookRequest& request) = 0;
};

// POSTs through the synchronous HTTP client (http:// and https://),
// connecting only to addresses `policy` allows.
std::unique_ptr<WebhookSender> MakeHttpWebhookSender(http::EgressPolicy policy);

}  // namespace orderflow::steps
