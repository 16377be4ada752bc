#include "engine/retry_policy.hpp"

#include <algorithm>

namespace orderflow::engine {

std::int64_t RetryPolicy::DelayMs(int attempt, double unit_random) const {
  int shift = std::clamp(attempt - 1, 0, 30);
  std::int64_t delay = std::min(max_delay_ms, base_delay_ms << shift);
  double r = std::clamp(unit_random, 0.0, 1.0);
  return delay / 2 + static_cast<std::int64_t>(static_cast<double>(delay / 2) * r);
}

}  // namespace orderflow::engine
