#include "tenancy/store_admin.hpp"

#include <array>

#include "common/ids.hpp"
#include "domain/order_request.hpp"
#include "tenancy/tenant_directory.hpp"

namespace orderflow::tenancy {

Status ValidateNewStore(const NewStore& spec) {
  if (spec.store_id.empty() || spec.store_id.size() > 32 ||
      spec.store_id.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
          std::string::npos) {
    return MakeError(ErrorCode::kValidation, "storeId must be 1-32 letters, digits, '_' or '-'",
                     "storeId");
  }
  OF_RETURN_IF_ERROR(domain::ValidateText(spec.name, "name", 100, true));
  if (spec.currency.size() != 3 ||
      spec.currency.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos) {
    return MakeError(ErrorCode::kValidation, "currency must be a 3-letter ISO 4217 code",
                     "currency");
  }
  if (spec.color.size() != 7 || spec.color[0] != '#' ||
      spec.color.find_first_not_of("0123456789abcdefABCDEF", 1) != std::string::npos) {
    return MakeError(ErrorCode::kValidation, "color must look like #2563eb", "color");
  }
  if (!(spec.rate_limit >= 0 && spec.rate_limit <= 1e6)) {
    return MakeError(ErrorCode::kValidation, "rateLimit must be from 0 to 1000000", "rateLimit");
  }
  return OkStatus();
}

Result<IssuedKey> CreateStore(store::Store& store, const NewStore& spec, const Clock& clock) {
  OF_RETURN_IF_ERROR(ValidateNewStore(spec));
  IssuedKey issued;
  issued.api_key = TenantDirectory::NewApiKey(spec.store_id);
  domain::StoreInfo& info = issued.store;
  info.store_id = spec.store_id;
  info.name = spec.name;
  info.color = spec.color;
  info.currency = spec.currency;
  info.rate_limit = spec.rate_limit;
  info.burst = spec.burst > 0 ? spec.burst : spec.rate_limit * 2;
  info.api_key_hash = Sha256Hex(issued.api_key);
  info.created_at = clock.NowMs();
  OF_RETURN_IF_ERROR(
      store::WriteSync(store, [&info](store::WriteTx& tx) { return tx.InsertStore(info); }));
  return issued;
}

Result<IssuedKey> RotateKey(store::Store& store, const std::string& store_id) {
  IssuedKey issued;
  issued.api_key = TenantDirectory::NewApiKey(store_id);
  OF_RETURN_IF_ERROR(store::WriteSync(store, [&](store::WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(issued.store, tx.GetStore(store_id));
    issued.store.api_key_hash = Sha256Hex(issued.api_key);
    return tx.UpdateStore(issued.store);
  }));
  return issued;
}

Status ValidateRateLimitChange(const RateLimitChange& change) {
  if (!change.rate_limit && !change.burst) {
    return MakeError(ErrorCode::kValidation, "send rateLimit, burst or both", "rateLimit");
  }
  // Written so that NaN fails too.
  if (change.rate_limit && !(*change.rate_limit >= 0 && *change.rate_limit <= 1e6)) {
    return MakeError(ErrorCode::kValidation,
                     "rateLimit must be from 0 (unlimited) to 1000000 requests/s", "rateLimit");
  }
  if (change.burst && !(*change.burst >= 1 && *change.burst <= 2e6)) {
    return MakeError(ErrorCode::kValidation, "burst must be from 1 to 2000000 requests", "burst");
  }
  return OkStatus();
}

Result<domain::StoreInfo> SetRateLimit(store::Store& store, const std::string& store_id,
                                       const RateLimitChange& change) {
  OF_RETURN_IF_ERROR(ValidateRateLimitChange(change));
  domain::StoreInfo info;
  OF_RETURN_IF_ERROR(store::WriteSync(store, [&](store::WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(info, tx.GetStore(store_id));
    if (change.rate_limit) {
      info.rate_limit = *change.rate_limit;
      info.burst = change.burst ? *change.burst : *change.rate_limit * 2;
    } else {
      info.burst = *change.burst;
    }
    return tx.UpdateStore(info);
  }));
  return info;
}

Result<int> SeedDemo(store::Store& store, const Clock& clock) {
  struct DemoStore {
    const char* id;
    const char* name;
    const char* color;
    std::array<int, 4> stock;
  };
  static constexpr std::array<DemoStore, 3> kStores{{
      {"X", "Motia Prime", "#2563eb", {50, 30, 25, 15}},
      {"Y", "Nexus Shop", "#059669", {35, 18, 12, 9}},
      {"Z", "Aura Luxe", "#e11d48", {70, 45, 33, 22}},
  }};
  static constexpr std::array<std::pair<const char*, int>, 4> kProducts{{
      {"Motia Smartwatch V2", 15},
      {"Motia IoT Sensor Kit", 10},
      {"Motia Pro Headset", 20},
      {"Motia AI Dev Board", 5},
  }};
  int created = 0;
  TimeMs now = clock.NowMs();
  Status s = store::WriteSync(store, [&](store::WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(auto existing, tx.ListStores());
    if (!existing.empty()) return OkStatus();
    for (const auto& ds : kStores) {
      domain::StoreInfo info;
      info.store_id = ds.id;
      info.name = ds.name;
      info.color = ds.color;
      // Demo stores get a key nobody knows; use the admin token or rotate.
      info.api_key_hash = Sha256Hex(RandomHex(32));
      info.created_at = now;
      OF_RETURN_IF_ERROR(tx.InsertStore(info));
      for (std::size_t i = 0; i < kProducts.size(); ++i) {
        domain::Product p;
        p.store_id = ds.id;
        p.product_id = NewUuid(now);
        p.product_name = kProducts[i].first;
        std::string sku = std::string("MOT-") + ds.id + "-" + std::to_string(i + 1);
        p.sku = sku;
        p.price = 9900;
        p.stock = ds.stock[i];
        p.threshold = kProducts[i].second;
        p.created_at = p.updated_at = now;
        OF_RETURN_IF_ERROR(tx.InsertProduct(p));
      }
      ++created;
    }
    return OkStatus();
  });
  // Several instances starting on one empty database race to seed it; the
  // losers find the stores taken, which is what they wanted.
  if (!s.ok() && s.code() == ErrorCode::kConflict) return 0;
  if (!s.ok()) return s.error();
  return created;
}

}  // namespace orderflow::tenancy
