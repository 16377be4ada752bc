#include "tenancy/failed_auth_limiter.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace orderflow::tenancy {

FailedAuthLimiter::FailedAuthLimiter(Options options, const Clock& clock)
    : options_(options), clock_(clock) {}

std::string FailedAuthLimiter::AddressKey(std::string_view address) {
  std::string text(address);
  std::array<unsigned char, 16> v6{};
  if (inet_pton(AF_INET6, text.c_str(), v6.data()) != 1) return text;
  static constexpr std::array<unsigned char, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (std::equal(kMapped.begin(), kMapped.end(), v6.begin())) {
    if (inet_ntop(AF_INET, v6.data() + 12, out.data(), out.size()) == nullptr) return text;
    return out.data();
  }
  std::fill(v6.begin() + 8, v6.end(), 0);
  if (inet_ntop(AF_INET6, v6.data(), out.data(), out.size()) == nullptr) return text;
  return std::string(out.data()) + "/64";
}

bool FailedAuthLimiter::RecordFailure(std::string_view address, int& retry_after_seconds) {
  if (options_.per_minute <= 0) return true;
  const double burst = std::max(options_.burst, 1.0);
  const double per_ms = options_.per_minute / 60000.0;
  std::string key = AddressKey(address);
  const TimeMs now = clock_.NowMs();
  std::lock_guard lock(mu_);
  auto found = by_key_.find(key);
  if (found == by_key_.end()) {
    lru_.push_front(Bucket{key, burst, now});
    by_key_.emplace(std::move(key), lru_.begin());
    while (lru_.size() > std::max<std::size_t>(options_.max_addresses, 1)) {
      by_key_.erase(lru_.back().key);
      lru_.pop_back();
    }
  } else {
    lru_.splice(lru_.begin(), lru_, found->second);
  }
  Bucket& b = lru_.front();
  b.tokens = std::min(
      burst, b.tokens + per_ms * static_cast<double>(std::max<TimeMs>(0, now - b.refilled_at)));
  b.refilled_at = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after_seconds =
      std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_ms / 1000.0)));
  return false;
}

std::size_t FailedAuthLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace orderflow::tenancy
