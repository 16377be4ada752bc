#include "tenancy/tenant_directory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/ids.hpp"

namespace orderflow::tenancy {

TenantDirectory::TenantDirectory(std::string admin_token, bool auth_enabled, const Clock& clock)
    : admin_token_hash_(admin_token.empty() ? std::string() : Sha256Hex(admin_token)),
      auth_enabled_(auth_enabled),
      clock_(clock) {}

void TenantDirectory::Upsert(const domain::StoreInfo& store) {
  std::lock_guard lock(mu_);
  auto it = stores_.find(store.store_id);
  if (it != stores_.end()) store_by_key_.erase(it->second.api_key_hash);
  stores_[store.store_id] = store;
  if (!store.api_key_hash.empty()) store_by_key_[store.api_key_hash] = store.store_id;
  upserted_at_[store.store_id] = ++local_version_;
}

std::uint64_t TenantDirectory::LocalVersion() const {
  std::lock_guard lock(mu_);
  return local_version_;
}

TenantDirectory::ReplaceResult TenantDirectory::Replace(
    const std::vector<domain::StoreInfo>& stores, std::uint64_t read_started) {
  std::map<std::string, domain::StoreInfo> next;
  for (const auto& s : stores) next[s.store_id] = s;
  ReplaceResult result;
  std::lock_guard lock(mu_);
  for (const auto& [id, version] : upserted_at_) {
    if (version <= read_started) continue;
    auto local = stores_.find(id);
    if (local != stores_.end()) next[id] = local->second;
  }
  for (const auto& [id, s] : next) {
    auto old = stores_.find(id);
    if (old == stores_.end()) {
      ++result.added;
    } else if (!(old->second == s)) {
      ++result.changed;
    }
  }
  for (const auto& [id, s] : stores_) {
    if (next.count(id) == 0) {
      ++result.removed;
      buckets_.erase(id);
    }
  }
  store_by_key_.clear();
  for (const auto& [id, s] : next) {
    if (!s.api_key_hash.empty()) store_by_key_[s.api_key_hash] = id;
  }
  stores_ = std::move(next);
  result.stores = static_cast<int>(stores_.size());
  return result;
}

std::optional<domain::StoreInfo> TenantDirectory::Get(const std::string& store_id) const {
  std::lock_guard lock(mu_);
  auto it = stores_.find(store_id);
  if (it == stores_.end()) return std::nullopt;
  return it->second;
}

std::vector<domain::StoreInfo> TenantDirectory::List() const {
  std::lock_guard lock(mu_);
  std::vector<domain::StoreInfo> out;
  for (const auto& [id, s] : stores_) out.push_back(s);
  return out;
}

Result<Principal> TenantDirectory::Authenticate(std::string_view authorization,
                                                std::string_view store_header,
                                                bool store_required) const {
  std::string store_id(store_header);
  auto check_store = [&](Principal p) -> Result<Principal> {
    if (p.store_id.empty() && store_required) {
      return MakeError(ErrorCode::kValidation, "the X-Store-ID header is required", "X-Store-ID");
    }
    if (!p.store_id.empty() && !Get(p.store_id)) {
      return MakeError(ErrorCode::kNotFound, "unknown store '" + p.store_id + "'", "X-Store-ID");
    }
    return p;
  };

  if (!auth_enabled_) return check_store(Principal{true, store_id});

  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return MakeError(ErrorCode::kUnauthorized,
                     "missing credentials: send Authorization: Bearer <store API key>");
  }
  std::string hash = Sha256Hex(authorization.substr(kBearer.size()));
  if (!admin_token_hash_.empty() && ConstantTimeEquals(hash, admin_token_hash_)) {
    return check_store(Principal{true, store_id});
  }
  std::string key_store;
  {
    std::lock_guard lock(mu_);
    auto it = store_by_key_.find(hash);
    if (it != store_by_key_.end() && ConstantTimeEquals(it->first, hash)) key_store = it->second;
  }
  if (key_store.empty()) return MakeError(ErrorCode::kUnauthorized, "invalid API key");
  if (!store_id.empty() && store_id != key_store) {
    return MakeError(ErrorCode::kForbidden, "this API key belongs to another store", "X-Store-ID");
  }
  return check_store(Principal{false, key_store});
}

Status TenantDirectory::Admit(const Principal& principal, int& retry_after_seconds) {
  if (principal.admin || principal.store_id.empty()) return OkStatus();
  std::lock_guard lock(mu_);
  auto it = stores_.find(principal.store_id);
  if (it == stores_.end() || it->second.rate_limit <= 0) return OkStatus();
  const double rate = it->second.rate_limit;
  const double burst = std::max(it->second.burst, 1.0);
  TimeMs now = clock_.NowMs();
  Bucket& b = buckets_[principal.store_id];
  if (b.refilled_at == 0) b.tokens = burst;
  b.tokens = std::min(burst, b.tokens + rate * static_cast<double>(now - b.refilled_at) / 1000.0);
  b.refilled_at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return OkStatus();
  }
  retry_after_seconds = std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / rate)));
  return MakeError(ErrorCode::kRateLimited,
                   fmt::format("rate limit of {:g} requests/s exceeded for store '{}'", rate,
                               principal.store_id));
}

std::string TenantDirectory::NewApiKey(const std::string& store_id) {
  return "ofk_" + store_id + "_" + RandomHex(24);
}

}  // namespace orderflow::tenancy
