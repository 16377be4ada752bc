#include "store/webhook_secrets.hpp"

#include "common/sealed_text.hpp"

namespace orderflow::store {
namespace {

std::string Aad(const std::string& webhook_id) { return "orderflow-webhook-secret|" + webhook_id; }

}  // namespace

std::string SealWebhookSecret(std::string_view key, const std::string& webhook_id,
                              const std::string& secret) {
  if (key.empty()) return secret;
  return SealText(key, secret, Aad(webhook_id));
}

Result<std::string> OpenWebhookSecret(std::string_view key, const std::string& webhook_id,
                                      const std::string& stored) {
  if (!IsSealedText(stored)) return stored;
  if (key.empty()) {
    return MakeError(ErrorCode::kInternal, "the secret of webhook '" + webhook_id +
                                               "' is sealed and this process has no secret key");
  }
  auto opened = OpenSealedText(key, stored, Aad(webhook_id));
  if (!opened) {
    return MakeError(ErrorCode::kInternal, "the secret of webhook '" + webhook_id +
                                               "' does not open with this secret key");
  }
  return std::move(*opened);
}

}  // namespace orderflow::store
