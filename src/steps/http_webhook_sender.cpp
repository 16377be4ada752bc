#include <string>

#include "http/client.hpp"
#include "steps/webhook_sender.hpp"

namespace orderflow::steps {
namespace {

// "POST <url>: connect: Connection refused [system:111 at <source>]" ->
// "connect: Connection refused": the delivery log names the endpoint already.
std::string Shorten(std::string message, const std::string& url) {
  const std::string prefix = "POST " + url + ": ";
  if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
  if (auto at = message.find(" ["); at != std::string::npos) message.erase(at);
  return message;
}

class HttpWebhookSender final : public WebhookSender {
 public:
  explicit HttpWebhookSender(http::EgressPolicy policy) : policy_(std::move(policy)) {}

  Result<WebhookResponse> Post(const WebhookRequest& request) override {
    http::ClientRequest req;
    req.method = "POST";
    req.url = request.url;
    req.headers = request.headers;
    req.body = request.body;
    req.timeout_ms = request.timeout_ms;
    req.policy = &policy_;
    Result<http::ClientResponse> res = http::Send(req);
    if (!res.ok()) return MakeError(res.code(), Shorten(res.error().message, request.url));
    return WebhookResponse{res->status};
  }

 private:
  const http::EgressPolicy policy_;
};

}  // namespace

std::unique_ptr<WebhookSender> MakeHttpWebhookSender(http::EgressPolicy policy) {
  return std::make_unique<HttpWebhookSender>(std::move(policy));
}

}  // namespace orderflow::steps
