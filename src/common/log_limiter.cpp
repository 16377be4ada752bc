#include "common/log_limiter.hpp"

namespace orderflow {
namespace {

// Kinds past Options::max_kinds are counted together here.
constexpr std::string_view kOverflowKind = "(other)";

}  // namespace

LogLimiter::LogLimiter(const Clock& clock, Options options) : clock_(clock), options_(options) {}

std::optional<std::int64_t> LogLimiter::Admit(std::string_view kind) {
  const TimeMs now = clock_.NowMs();
  std::lock_guard lock(mu_);
  auto it = kinds_.find(kind);
  if (it == kinds_.end()) {
    if (kinds_.size() >= options_.max_kinds) kind = kOverflowKind;
    it = kinds_.try_emplace(std::string(kind), Window{now, 0, 0}).first;
  }
  Window& w = it->second;
  if (now - w.start >= options_.interval_ms || now < w.start) {
    w.start = now;
    w.lines = 0;
  }
  if (w.lines >= options_.burst) {
    ++w.suppressed;
    return std::nullopt;
  }
  ++w.lines;
  return std::exchange(w.suppressed, 0);
}

std::int64_t LogLimiter::Suppressed(std::string_view kind) const {
  std::lock_guard lock(mu_);
  auto it = kinds_.find(kind);
  return it == kinds_.end() ? 0 : it->second.suppressed;
}

std::string LogLimiter::Note(std::int64_t suppressed) {
  if (suppressed <= 0) return {};
  return " (suppressed " + std::to_string(suppressed) + " similar line" +
         (suppressed == 1 ? "" : "s") + ")";
}

}  // namespace orderflow
