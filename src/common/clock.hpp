#pragma once
// Time source injected everywhere time matters, so tests can control it.

#include <chrono>
#include <cstdint>
#include <string>

namespace orderflow {

// Milliseconds since the Unix epoch, UTC.
using TimeMs = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time. Thread-safe.
  virtual TimeMs NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimeMs NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// "2026-11-25T17:50:00.123Z".
std::string FormatIso8601(TimeMs ms);
// Parses ISO 8601 UTC ("2026-11-25", "2026-11-25T17:50:00Z", with optional
// fraction) or a plain integer of epoch milliseconds. Returns false if invalid.
bool ParseTime(const std::string& text, TimeMs& out);

}  // namespace orderflow
