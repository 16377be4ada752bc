#pragma once
// Who is calling and for which store. Holds every store's public settings
// and key hash in memory (loaded at start-up, updated when this instance
// changes a store and replaced by a periodic reload of the stores table, see
// TenantRefresher) so authentication and rate limiting never touch the
// database.

#include <cstdint>
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

  // Adds or replaces a store (after this instance wrote it). Thread-safe.
  void Upsert(const domain::StoreInfo& store);

  // What Replace() did.
  struct ReplaceResult {
    int stores = 0;  // in the directory afterwards
    int added = 0;
    int changed = 0;  // key, rate limit or any other setting
    int removed = 0;
  };
  // Counts Upsert() calls. Read it before reading the stores table and pass
  // it to Replace().
  std::uint64_t LocalVersion() const;
  // Makes the directory hold exactly `stores` (a full read of the stores
  // table), atomically: a replaced key stops working and a new store starts
  // working with the same lock. Stores upserted after `read_started` keep
  // their local version, because the read may predate that write (a key
  // rotated here must not come back from an older read). Token buckets of
  // stores that remain are kept (Admit clamps them to a changed burst);
  // those of removed stores are dropped.
  ReplaceResult Replace(const std::vector<domain::StoreInfo>& stores, std::uint64_t read_started);
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
  std::map<std::string, domain::StoreInfo> stores_;   // GUARDED_BY(mu_)
  std::map<std::string, std::string> store_by_key_;   // key hash -> store id; GUARDED_BY(mu_)
  std::map<std::string, Bucket> buckets_;             // GUARDED_BY(mu_)
  std::uint64_t local_version_ = 0;                   // Upsert() calls; GUARDED_BY(mu_)
  std::map<std::string, std::uint64_t> upserted_at_;  // store id -> local_version_; GUARDED_BY(mu_)
};

}  // namespace orderflow::tenancy
