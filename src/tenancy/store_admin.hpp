#pragma once
// Creating stores, rotating their keys and the demo seed (SPEC §9). Shared by
// the HTTP API and the CLI.

#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

namespace orderflow::tenancy {

struct NewStore {
  std::string store_id;
  std::string name;
  std::string color = "#2563eb";
  std::string currency = "USD";
  double rate_limit = 200;
  double burst = 400;
};

struct IssuedKey {
  domain::StoreInfo store;  // as persisted (key hashed)
  std::string api_key;      // shown once
};

// Validates (storeId 1-32 of [A-Za-z0-9_-], name, currency ISO 4217 letters,
// colour #rrggbb) and creates the store with a fresh API key.
Result<IssuedKey> CreateStore(store::Store& store, const NewStore& spec, const Clock& clock);
Result<IssuedKey> RotateKey(store::Store& store, const std::string& store_id);
Status ValidateNewStore(const NewStore& spec);

// A change of a store's token bucket; a field left empty keeps its value,
// except that a new rate without a burst gets a burst of twice the rate (as
// at creation).
struct RateLimitChange {
  std::optional<double> rate_limit;  // requests/s, 0..1e6; 0 = unlimited
  std::optional<double> burst;       // bucket size, 1..2e6
};
// kValidation (naming the field) for an empty change or a value out of
// range; checked before anything is written.
Status ValidateRateLimitChange(const RateLimitChange& change);
// Validates and persists the change; returns the store as persisted
// (kNotFound for an unknown store). Running servers other than the caller's
// apply it at their next reload of the stores table (TenantRefresher), as
// with RotateKey and CreateStore.
Result<domain::StoreInfo> SetRateLimit(store::Store& store, const std::string& store_id,
                                       const RateLimitChange& change);

// Creates stores X, Y, Z and their catalogue when the database has no store.
// Returns the number of stores created (0 when not empty).
Result<int> SeedDemo(store::Store& store, const Clock& clock);

}  // namespace orderflow::tenancy
