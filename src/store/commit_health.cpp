#include "store/commit_health.hpp"

#include <spdlog/spdlog.h>

#include <string>

namespace orderflow::store {

CommitHealth::CommitHealth(const Clock& clock, Options options)
    : clock_(clock), options_(options) {}

void CommitHealth::RecordAndLog(const Status& outcome, LogLimiter& log) {
  const std::int64_t failed_before = Record(outcome);
  if (!outcome.ok()) {
    LogLimited(log, "commit", spdlog::level::err, "", "group commit failed: {}",
               outcome.error().message);
  } else if (failed_before > 0) {
    spdlog::info("commits succeed again after {} failed{}", failed_before,
                 LogLimiter::Note(log.Suppressed("commit")));
  }
}

std::int64_t CommitHealth::Record(const Status& outcome) {
  const TimeMs now = clock_.NowMs();
  std::int64_t failed_before = 0;
  {
    std::lock_guard lock(mu_);
    failed_before = failed_run_;
    failed_run_ = outcome.ok() ? 0 : failed_run_ + 1;
    latest_ = outcome;
    latest_at_ = now;
    ++seq_;
    probing_ = false;
  }
  recorded_.notify_all();
  return failed_before;
}

Status CommitHealth::Check(const std::function<void()>& probe) {
  std::uint64_t seen = 0;
  bool start_probe = false;
  {
    std::lock_guard lock(mu_);
    const TimeMs now = clock_.NowMs();
    if (seq_ > 0 && now - latest_at_ < options_.fresh_ms && now >= latest_at_) return latest_;
    seen = seq_;
    if (!probing_ || now - probe_started_at_ >= options_.fresh_ms || now < probe_started_at_) {
      probing_ = true;
      probe_started_at_ = now;
      start_probe = true;
    }
  }
  // Outside the lock: the probe may be answered at once, on this thread.
  if (start_probe) probe();
  std::unique_lock lock(mu_);
  if (!recorded_.wait_for(lock, options_.probe_wait, [&] { return seq_ > seen; })) {
    return MakeError(ErrorCode::kUnavailable,
                     "no commit finished within " + std::to_string(options_.probe_wait.count()) +
                         " ms (the database writer is stuck or overloaded)");
  }
  return latest_;
}

std::int64_t CommitHealth::failures_in_a_row() const {
  std::lock_guard lock(mu_);
  return failed_run_;
}

}  // namespace orderflow::store
