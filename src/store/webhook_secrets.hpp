#pragma once
// Webhook signing secrets at rest: both back ends keep them sealed
// (AES-256-GCM, common/sealed_text) under the server's secret key, bound to
// the webhook id so that a sealed value copied to another row does not open.

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace orderflow::store {

// The stored form of `secret`. An empty key stores it as given: tools and
// tests that open a store without a key (the server always has one).
std::string SealWebhookSecret(std::string_view key, const std::string& webhook_id,
                              const std::string& secret);

// The secret from its stored form. A value written in the clear by an older
// version is returned as is (start-up seals those). kInternal when a sealed
// value does not open under `key` (another key, or none): nothing is ever
// signed with a wrong secret.
Result<std::string> OpenWebhookSecret(std::string_view key, const std::string& webhook_id,
                                      const std::string& stored);

}  // namespace orderflow::store
