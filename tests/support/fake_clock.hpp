#pragma once
// A clock the test moves by hand (thread-safe), starting at 2026-01-01.

#include <atomic>

#include "common/clock.hpp"

namespace orderflow::testing {

class FakeClock final : public Clock {
 public:
  TimeMs NowMs() const override { return now_.load(); }
  void Advance(TimeMs ms) { now_ += ms; }

 private:
  std::atomic<TimeMs> now_{1'767'225'600'000};  // 2026-01-01T00:00:00Z
};

}  // namespace orderflow::testing
