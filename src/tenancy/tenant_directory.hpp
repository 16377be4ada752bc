#pragma once
// Who is calling and for which store. Holds every store's public settings
// and key hash in memory (loaded at start-up, updated when stores change) so
// authentication and rate limiting never touch the database.

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "domain/order.hpp"

namespace orderflow::tenancy {

struct Principal {
  bool admin = false;
  std::string store_id;  // the store acted on; empty for admin without X-Store-ID
};

class TenantDirectory {
 public:
  // `admin_token` may be empty (no admin access). With `auth_enabled` false
  // every caller is trusted and picks its store with X-Store-ID (demo mode).
  TenantDirectory(std::string admin_token, bool auth_enabled, const Clock& clock);

  // Adds or replaces a store. Thread-safe.
  void Upsert(const domain::StoreInfo& store);
  std::optional<domain::StoreInfo> Get(const std::string& store_id) const;
  std::vector<domain::StoreInfo> List() const;
  bool auth_enabled() const { return auth_enabled_; }

  // Resolves the caller from the Authorization and X-Store-ID header values.
  // kUnauthorized: missing or wrong credentials; kForbidden: a store key used
  // for another store; kValidation: missing X-Store-ID where one is needed;
  // kNotFound: unknown store. Keys are compared in constant time.
  Result<Principal> Authenticate(std::string_view authorization, std::string_view store_header,
                                 bool store_required) const;

  // Token-bucket rate limit per store (admin is exempt). On kRateLimited,
  // `retry_after_seconds` says when a request will be accepted again.
  Status Admit(const Principal& principal, int& retry_after_seconds);

  // A new random API key for a store ("ofk_<storeId>_<hex>").
  static std::string NewApiKey(const std::string& store_id);

 private:
  struct Bucket {
    double tokens = 0;
    TimeMs refilled_at = 0;
  };

  const std::string admin_token_hash_;
  const bool auth_enabled_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, domain::StoreInfo> stores_;  // GUARDED_BY(mu_)
  std::map<std::string, std::string> store_by_key_;  // key hash -> store id; GUARDED_BY(mu_)
  std::map<std::string, Bucket> buckets_;            // GUARDED_BY(mu_)
};

}  // namespace orderflow::tenancy
