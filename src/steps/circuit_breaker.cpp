#include "steps/circuit_breaker.hpp"

namespace orderflow::steps {

CircuitBreaker::Permit CircuitBreaker::Acquire(const std::string& endpoint, TimeMs now) {
  std::lock_guard lock(mu_);
  auto it = states_.find(endpoint);
  if (it == states_.end() || it->second.open_until == 0) return Permit{};
  State& s = it->second;
  if (now < s.open_until || s.probing) {
    // Open, or half-open with its one probe still out.
    return Permit{false, false, s.probing ? now + options_.cool_down_ms : s.open_until, s.failures};
  }
  s.probing = true;
  return Permit{true, true, 0, s.failures};
}

void CircuitBreaker::Record(const std::string& endpoint, bool transient_failure, TimeMs now) {
  std::lock_guard lock(mu_);
  if (!transient_failure) {
    states_.erase(endpoint);
    return;
  }
  State& s = states_[endpoint];
  ++s.failures;
  if (s.probing || (options_.threshold > 0 && s.failures >= options_.threshold)) {
    s.open_until = now + options_.cool_down_ms;
  }
  s.probing = false;
}

}  // namespace orderflow::steps
