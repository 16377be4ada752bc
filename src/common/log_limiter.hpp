#pragma once
// Caps repeated log lines of one kind (commit failures, delivery failures),
// so that an outage costs a bounded number of lines instead of one per
// failed attempt: at most `burst` lines of a kind per `interval_ms`; the
// others are counted, and the next line of that kind that is let through
// reports them ("suppressed N similar lines").
//
// A kind is a short key chosen by the call site ("commit", "step:payment").
// Kinds come from a fixed set of call sites and step names, so the table
// stays small; past `max_kinds` new kinds share one overflow entry.
//
// Thread-safe. Time comes from the injected Clock (tests use a fake one).

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/clock.hpp"
#include "common/logging.hpp"

namespace orderflow {

class LogLimiter {
 public:
  struct Options {
    TimeMs interval_ms = 10'000;
    int burst = 5;  // lines of one kind per interval
    std::size_t max_kinds = 256;
  };

  LogLimiter(const Clock& clock, Options options);
  explicit LogLimiter(const Clock& clock) : LogLimiter(clock, Options{}) {}
  LogLimiter(const LogLimiter&) = delete;
  LogLimiter& operator=(const LogLimiter&) = delete;

  // Whether a line of `kind` may be written now. When it may, the result is
  // the number of lines of that kind suppressed since the last one let
  // through (usually 0), for the caller to report; nullopt: drop the line
  // (it is counted).
  std::optional<std::int64_t> Admit(std::string_view kind);

  // Lines of `kind` suppressed so far and not yet reported.
  std::int64_t Suppressed(std::string_view kind) const;

  // "" for 0, else " (suppressed N similar lines)".
  static std::string Note(std::int64_t suppressed);

 private:
  struct Window {
    TimeMs start = 0;
    int lines = 0;                // let through in this window
    std::int64_t suppressed = 0;  // since the last line let through
  };

  const Clock& clock_;
  const Options options_;
  mutable std::mutex mu_;
  std::map<std::string, Window, std::less<>> kinds_;  // GUARDED_BY(mu_)
};

// Logs like LogOrder (with the order's fields when `order_id` is not empty)
// if `limiter` admits a line of `kind`, with the count of suppressed lines
// appended. Lines below the logger's level are neither written nor counted.
template <typename... Args>
void LogLimited(LogLimiter& limiter, std::string_view kind, spdlog::level::level_enum level,
                std::string_view order_id, fmt::format_string<Args...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;
  std::optional<std::int64_t> admitted = limiter.Admit(kind);
  if (!admitted) return;
  std::string message = fmt::format(format, std::forward<Args>(args)...);
  message += LogLimiter::Note(*admitted);
  LogOrder(level, order_id, "{}", message);
}

}  // namespace orderflow
