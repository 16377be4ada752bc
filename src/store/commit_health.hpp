#pragma once
// Write health for readiness (GET /readyz), shared by the back ends: the
// writer records the outcome of every commit, and Check() answers from the
// latest one, or, when no commit finished lately (an idle server, or one
// just restarted on a full disk), has the writer commit a tiny write first.
// A read proves nothing here: a full disk, a read-only file system or a
// failing device still serve reads.
//
// Thread-safety: Record is called by the writer thread, Check by any
// thread (it blocks while it waits for a probe).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "common/clock.hpp"
#include "common/log_limiter.hpp"
#include "common/result.hpp"

namespace orderflow::store {

class CommitHealth {
 public:
  struct Options {
    // An outcome younger than this answers Check; older, a probe runs. Also
    // the least time between two probes.
    TimeMs fresh_ms = 1000;
    // How long Check waits for the probe's commit.
    std::chrono::milliseconds probe_wait{2000};
  };

  CommitHealth(const Clock& clock, Options options);
  explicit CommitHealth(const Clock& clock) : CommitHealth(clock, Options{}) {}
  CommitHealth(const CommitHealth&) = delete;
  CommitHealth& operator=(const CommitHealth&) = delete;

  // The writer committed a batch (`outcome` ok), or could not (the error,
  // whose message is the reason readiness gives). Returns how many
  // outcomes in a row had failed before this one (to log a recovery once).
  std::int64_t Record(const Status& outcome);
  // Record, then log a failure (rate-limited under the kind "commit") or
  // the first success after failures.
  void RecordAndLog(const Status& outcome, LogLimiter& log);

  // Whether commits succeed: the latest outcome when it is fresh. Otherwise
  // calls `probe`, which must queue a tiny write unit (the writer then
  // records its commit), unless a probe started within fresh_ms is still
  // unanswered, and waits up to probe_wait for an outcome recorded after
  // this call began. kUnavailable when commits fail or none finished in
  // time (the writer is stuck).
  Status Check(const std::function<void()>& probe);

  // Outcomes that failed in a row up to now (0 once one succeeds).
  std::int64_t failures_in_a_row() const;

 private:
  const Clock& clock_;
  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable recorded_;
  std::uint64_t seq_ = 0;        // GUARDED_BY(mu_): outcomes recorded so far
  Status latest_;                // GUARDED_BY(mu_)
  TimeMs latest_at_ = 0;         // GUARDED_BY(mu_)
  std::int64_t failed_run_ = 0;  // GUARDED_BY(mu_)
  bool probing_ = false;         // GUARDED_BY(mu_): a probe is queued, unanswered
  TimeMs probe_started_at_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace orderflow::store
