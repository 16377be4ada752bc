#pragma once
// The dispatcher: delivers every pending (event, step) delivery to its step
// with exactly-once effect (see step.hpp and docs/event_log_format.md),
// retries with backoff, dead-letters, runs cron steps, and wakes up on
// commits instead of polling tightly.
//
// Threads: one dispatcher thread owned by the Engine (started by Start(),
// joined by Stop()); step handlers run on the injected worker pool, or on
// the pool of their step's Bulkhead (step.hpp) under its caps. At most
// one delivery of an order is in flight at a time, so an order's events are
// handled in order while different orders proceed in parallel.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "common/log_limiter.hpp"
#include "common/task_runner.hpp"
#include "engine/bulkhead_slots.hpp"
#include "engine/chain.hpp"
#include "engine/flow.hpp"
#include "engine/step.hpp"
#include "engine/unrecorded_failures.hpp"
#include "store/store.hpp"

namespace orderflow::engine {

struct EngineOptions {
  int batch = 256;                   // deliveries fetched per poll
  int max_in_flight = 512;           // deliveries being handled at once by the workers
                                     // (bulkheaded steps have their own caps)
  std::int64_t idle_poll_ms = 1000;  // longest sleep without a wake-up
  // How long a claimed delivery stays with this process on a shared
  // database; after that another instance may take it (crash recovery).
  // Must exceed the slowest step, external calls included.
  std::int64_t claim_lease_ms = 15000;
  // Deliveries a unit may chain (chain.hpp); 0 runs every step as a
  // delivery of its own.
  int max_chain = 64;
};

struct EngineStats {
  std::int64_t handled = 0;  // deliveries completed
  std::int64_t chained = 0;  // of those, handled inside the unit that emitted the event
  std::int64_t retried = 0;  // failed attempts scheduled again
  std::int64_t dead_lettered = 0;
  std::int64_t in_flight = 0;
};

class Engine {
 public:
  Engine(store::Store& store, const Flow& flow, TaskRunner& workers, const Clock& clock,
         EngineOptions options = {});
  ~Engine();  // Stop()s
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Registers a step; its spec must already be in the Flow. Before Start().
  void AddStep(std::unique_ptr<Step> step);
  void AddCron(std::unique_ptr<CronStep> cron);
  // Called after each delivery whose effect committed (writer thread; must
  // not block). Before Start().
  void SetObserver(std::function<void(const store::Delivery&)> observer);
  // Called after a failed attempt was recorded: `dead_lettered`, or due
  // again later (writer thread; must not block). Before Start().
  void SetFailureObserver(std::function<void(const store::Delivery&, bool dead_lettered)> observer);

  void Start();
  // Stops dispatching and waits for the deliveries in flight to finish.
  void Stop();
  // Something may be due now (called on commit). Thread-safe, cheap.
  void Wake();

  // Step chaining for units outside the engine (API steps such as the
  // intake): runs, inside the caller's unit, the deliveries of `emitted`
  // that can be chained (chain.hpp). After the unit commits, pass `handled`
  // to ReportChained. `replay` belongs to the unit and survives its reruns
  // (a kRetryUnit from here must be returned by the unit as is).
  // Thread-safe once started.
  Status Chain(store::WriteTx& tx, std::vector<EmittedEvent> emitted, TimeMs now,
               ChainReplay& replay, std::vector<store::Delivery>& handled) const;
  void ReportChained(const std::vector<store::Delivery>& handled);
  // For the caller's StepTx::DeferDeliveries (nullptr when chaining is off);
  // its emits must then go through Chain.
  const DeferDelivery* ChainDeferral() const {
    return options_.max_chain > 0 ? &chainable_ : nullptr;
  }

  // True once nothing is in flight and no delivery is due (tests, benchmarks).
  bool WaitIdle(std::chrono::milliseconds timeout);
  EngineStats stats() const;

 private:
  struct Key {
    std::int64_t event_id;
    std::string step;
    bool operator<(const Key& o) const {
      return event_id != o.event_id ? event_id < o.event_id : step < o.step;
    }
  };

  void Loop();
  // Fetches due deliveries and hands them to workers; returns how many.
  int DispatchDue(TimeMs now);
  void RunDueCrons(TimeMs now);
  void Process(store::Delivery delivery);
  // Who failed an attempt: the step (its handler or its unit returned an
  // error), or the store, which could not commit the step's effect (disk
  // full, database down). The store's failures back off like the step's and
  // are counted, but never dead-letter a delivery: it runs again once
  // commits succeed.
  enum class FailedBy { kStep, kStore };
  void Fail(const store::Delivery& delivery, int attempt, const Error& error,
            FailedBy by = FailedBy::kStep);
  void Finish(const store::Delivery& delivery);
  void Handled(const store::Delivery& delivery);
  Step* FindStep(const std::string& name) const;
  // Deliveries in flight on the workers (not on a bulkhead's pool).
  int WorkerLoad() const {  // REQUIRES(mu_)
    return static_cast<int>(in_flight_.size()) - slots_.taken();
  }
  static constexpr TimeMs kHeldBackPollMs = 100;
  double Random();

  store::Store& store_;
  const Flow& flow_;
  TaskRunner& workers_;
  const Clock& clock_;
  const EngineOptions options_;
  std::map<std::string, std::unique_ptr<Step>> steps_;  // written before Start() only
  std::map<std::string, Bulkhead> bulkheads_;           // ditto
  DeferDelivery chainable_;  // steps whose deliveries a unit may handle itself
  std::function<void(const store::Delivery&)> observer_;  // written before Start() only
  std::function<void(const store::Delivery&, bool)> failure_observer_;  // ditto
  struct Cron {
    std::unique_ptr<CronStep> step;
    TimeMs next_run = 0;
    bool running = false;
  };
  std::vector<Cron> crons_;  // GUARDED_BY(mu_) for next_run/running

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  bool running_ = false;               // GUARDED_BY(mu_)
  bool woken_ = false;                 // GUARDED_BY(mu_)
  std::set<Key> in_flight_;            // GUARDED_BY(mu_)
  std::set<std::string> busy_orders_;  // store id "\n" order id; GUARDED_BY(mu_)
  BulkheadSlots slots_;                // GUARDED_BY(mu_)
  // The last poll left due deliveries unclaimed because their bulkhead was
  // full: they wake the loop when a slot frees, not by their due time.
  bool held_back_ = false;  // GUARDED_BY(mu_)
  // Finished since the current poll began: the poll may still list them.
  std::set<Key> recently_finished_;  // GUARDED_BY(mu_)
  bool idle_ = false;                // GUARDED_BY(mu_): last poll found nothing due
  std::mt19937_64 rng_;              // GUARDED_BY(mu_)
  std::thread thread_;

  std::atomic<std::int64_t> handled_{0};
  std::atomic<std::int64_t> chained_{0};
  std::atomic<std::int64_t> retried_{0};
  std::atomic<std::int64_t> dead_{0};

  // Disk-full handling (Fail): failures the store could not record, and
  // the limit on repeated failure lines.
  UnrecordedFailures unrecorded_;
  LogLimiter log_{clock_};
};

}  // namespace orderflow::engine
