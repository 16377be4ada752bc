#pragma once
// Per-endpoint circuit breaking for outbound calls. After `threshold`
// transient failures in a row (timeouts, refused connections, 5xx, 429) an
// endpoint's circuit opens: calls fail fast, without touching the network,
// for `cool_down_ms`. Then one call goes through as a probe (half-open);
// its success closes the circuit, its failure opens it for another
// cool-down. Callers pass the time, so tests drive it with a fake clock.
// Thread-safe. Only endpoints with failures take memory.

#include <map>
#include <mutex>
#include <string>

#include "common/clock.hpp"

namespace orderflow::steps {

class CircuitBreaker {
 public:
  struct Options {
    int threshold = 5;  // 0: never opens
    std::int64_t cool_down_ms = 30'000;
  };

  struct Permit {
    bool allowed = true;
    bool probe = false;     // the half-open trial call
    TimeMs open_until = 0;  // when refused: when the next probe may go
    int failures = 0;       // when refused: the failures in a row that opened it
  };

  explicit CircuitBreaker(Options options) : options_(options) {}

  // Whether a call to `endpoint` may go out at `now`. An allowed call must
  // be followed by Record().
  Permit Acquire(const std::string& endpoint, TimeMs now);
  // The outcome of an allowed call: `transient_failure` when it failed in a
  // way worth retrying; any other outcome (an answer) closes the circuit.
  void Record(const std::string& endpoint, bool transient_failure, TimeMs now);

 private:
  struct State {
    int failures = 0;
    TimeMs open_until = 0;  // > 0: open (or half-open once passed)
    bool probing = false;   // the half-open probe is out
  };

  const Options options_;
  std::mutex mu_;
  std::map<std::string, State> states_;  // GUARDED_BY(mu_)
};

}  // namespace orderflow::steps
