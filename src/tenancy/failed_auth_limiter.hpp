#pragma once
// Token bucket per client address for failed authentications (SPEC §12):
// each request whose credential is wrong takes a token; once the address's
// bucket is empty its further wrong credentials are answered 429 instead of
// 401. Requests with a valid credential never reach it, so they are never
// limited by it. IPv6 addresses count per /64, the block one client usually
// holds. The table is bounded: past `max_addresses` the address touched
// least recently is forgotten (a forgotten bucket starts full again).

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.hpp"

namespace orderflow::tenancy {

class FailedAuthLimiter {
 public:
  struct Options {
    double per_minute = 20;  // refill rate; 0 turns the limiter off
    double burst = 20;       // bucket size (at least 1)
    std::size_t max_addresses = 10000;
  };

  FailedAuthLimiter(Options options, const Clock& clock);

  // Records a failed authentication from `address`. True when the address
  // still had a token (answer 401 as usual); false when its bucket is empty
  // (answer 429), with `retry_after_seconds` set to when the next failure
  // is accepted again. Thread-safe.
  bool RecordFailure(std::string_view address, int& retry_after_seconds);

  // Addresses currently tracked (at most max_addresses).
  std::size_t tracked() const;

  // The table key of an address: IPv6 reduced to its /64 (IPv4-mapped IPv6
  // to the IPv4 address), anything else unchanged.
  static std::string AddressKey(std::string_view address);

 private:
  struct Bucket {
    std::string key;
    double tokens = 0;
    TimeMs refilled_at = 0;
  };
  using Lru = std::list<Bucket>;  // most recently touched first

  const Options options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  Lru lru_;                                                // GUARDED_BY(mu_)
  std::unordered_map<std::string, Lru::iterator> by_key_;  // GUARDED_BY(mu_)
};

}  // namespace orderflow::tenancy
