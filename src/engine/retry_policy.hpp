#pragma once
// Exponential backoff with jitter for failed deliveries (SPEC §5).

#include <cstdint>

namespace orderflow::engine {

struct RetryPolicy {
  int max_attempts = 8;  // then the delivery is dead-lettered
  std::int64_t base_delay_ms = 200;
  std::int64_t max_delay_ms = 60'000;

  // Delay before attempt `attempt + 1`, after `attempt` (>= 1) failures:
  // base * 2^(attempt-1), capped, then "equal jitter": half fixed, half
  // random, so retries of many events spread out. `unit_random` in [0, 1).
  std::int64_t DelayMs(int attempt, double unit_random) const;
};

}  // namespace orderflow::engine
