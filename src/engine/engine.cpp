#include "engine/engine.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <stdexcept>

#include "common/logging.hpp"
#include "engine/chain.hpp"

namespace orderflow::engine {
namespace {

// Order ids are unique per store only: per-order ordering keys on both.
std::string OrderKey(const store::Event& event) { return event.store_id + '\n' + event.order_id; }

}  // namespace

Engine::Engine(store::Store& store, const Flow& flow, TaskRunner& workers, const Clock& clock,
               EngineOptions options)
    : store_(store),
      flow_(flow),
      workers_(workers),
      clock_(clock),
      options_(options),
      rng_(std::random_device{}()) {
  chainable_ = [this](const std::string& name) {
    Step* step = FindStep(name);
    return step != nullptr && step->runs_inline();
  };
}

Engine::~Engine() { Stop(); }

void Engine::AddStep(std::unique_ptr<Step> step) {
  const StepSpec* declared = flow_.Find(step->spec().name);
  if (declared == nullptr || declared->kind != StepKind::kEvent) {
    throw std::logic_error("step " + step->spec().name + " is not declared as an event step");
  }
  std::string name = step->spec().name;
  if (auto bulkhead = step->bulkhead()) {
    if (bulkhead->runner == nullptr || bulkhead->capacity < 1) {
      throw std::logic_error("step " + name + " has a bulkhead without a runner or capacity");
    }
    bulkheads_[name] = *bulkhead;
  }
  steps_[name] = std::move(step);
}

void Engine::AddCron(std::unique_ptr<CronStep> cron) {
  const StepSpec* declared = flow_.Find(cron->spec().name);
  if (declared == nullptr || declared->kind != StepKind::kCron) {
    throw std::logic_error("step " + cron->spec().name + " is not declared as a cron step");
  }
  crons_.push_back(Cron{std::move(cron), 0, false});
}

void Engine::SetObserver(std::function<void(const store::Delivery&)> observer) {
  observer_ = std::move(observer);
}

void Engine::SetFailureObserver(
    std::function<void(const store::Delivery&, bool dead_lettered)> observer) {
  failure_observer_ = std::move(observer);
}

void Engine::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  TimeMs now = clock_.NowMs();
  for (auto& c : crons_) c.next_run = now + c.step->interval_ms();
  thread_ = std::thread([this] { Loop(); });
}

void Engine::Stop() {
  {
    std::unique_lock lock(mu_);
    if (!running_) return;
    running_ = false;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] {
    bool crons_running = false;
    for (const auto& c : crons_) crons_running = crons_running || c.running;
    return in_flight_.empty() && !crons_running;
  });
}

void Engine::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  idle_ = false;
  cv_.notify_all();
}

bool Engine::WaitIdle(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool quiet = false;
    {
      std::unique_lock lock(mu_);
      quiet = in_flight_.empty() && idle_ && !woken_;
    }
    if (quiet) {
      // Confirm against the database: nothing due now.
      bool none_due = false;
      Status s = store_.Read([&](store::ReadTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(auto due, tx.ListDueDeliveries(clock_.NowMs(), 1));
        none_due = due.empty();
        return OkStatus();
      });
      if (s.ok() && none_due) {
        std::lock_guard lock(mu_);
        if (in_flight_.empty()) return true;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    Wake();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mu_);
  return EngineStats{handled_.load(), chained_.load(), retried_.load(), dead_.load(),
                     static_cast<std::int64_t>(in_flight_.size())};
}

double Engine::Random() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void Engine::Loop() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (!running_) return;
      woken_ = false;
    }
    TimeMs now = clock_.NowMs();
    int dispatched = DispatchDue(now);
    RunDueCrons(now);

    // Sleep until woken by a commit or a finished delivery, the next timer,
    // the next cron run, or the idle poll interval, whichever comes first.
    TimeMs wake_at = now + options_.idle_poll_ms;
    if (dispatched == 0) {
      bool held_back = false;
      {
        std::lock_guard lock(mu_);
        held_back = held_back_;
      }
      Status s = store_.Read([&](store::ReadTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(auto next, tx.NextDueTime());
        if (next) {
          TimeMs due = std::max(*next, now + 1);
          if (*next <= now) {
            // Deliveries held back by a full bulkhead are due already; a
            // freed slot wakes the loop (Finish), and a gentle poll
            // meanwhile keeps the timers of others on time. Due in the
            // database but held here (unrecorded failures): due when their
            // in-memory backoff ends. Anything else due now is in flight,
            // and its end wakes the loop.
            if (held_back) due = now + kHeldBackPollMs;
            if (auto held = unrecorded_.EarliestDue(now)) {
              due = held_back ? std::min(due, std::max(*held, now + 1)) : std::max(due, *held);
            }
          }
          wake_at = std::min(wake_at, due);
        }
        return OkStatus();
      });
      if (!s.ok()) {
        LogLimited(log_, "timers", spdlog::level::warn, "", "engine: cannot read timers: {}",
                   s.error().message);
      }
    }
    std::unique_lock lock(mu_);
    for (const auto& c : crons_) wake_at = std::min(wake_at, c.next_run);
    if (dispatched == 0) {
      idle_ = true;
      idle_cv_.notify_all();
    }
    TimeMs wait_ms = std::max<TimeMs>(0, wake_at - clock_.NowMs());
    cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [this] { return woken_ || !running_; });
    // Under load every finished delivery wakes the loop; a short pause lets
    // those wake-ups coalesce into one poll instead of one query each.
    if (running_ && !in_flight_.empty()) {
      cv_.wait_for(lock, std::chrono::microseconds(500), [this] { return !running_; });
    }
  }
}

int Engine::DispatchDue(TimeMs now) {
  int room = 0;
  std::vector<store::ClaimSkip> full;
  {
    std::lock_guard lock(mu_);
    // The workers' room, and the bulkheads' own: deliveries held back by a
    // full bulkhead are left unclaimed, so they cannot fill the batch.
    room = options_.max_in_flight - WorkerLoad();
    int bulkhead_room = 0;
    for (const auto& [name, b] : bulkheads_) bulkhead_room += b.capacity;
    bulkhead_room -= slots_.taken();
    full = slots_.Full(bulkheads_);
    held_back_ = !full.empty();
    if (room <= 0 && bulkhead_room <= 0) return 0;
    room = std::max(room, 0) + std::max(bulkhead_room, 0);
    recently_finished_.clear();
  }
  auto claimed =
      store_.ClaimDueDeliveries(now, std::min(options_.batch, room), options_.claim_lease_ms, full);
  if (!claimed.ok()) {
    LogLimited(log_, "claim", spdlog::level::warn, "", "engine: cannot claim due deliveries: {}",
               claimed.error().message);
    return 0;
  }
  std::vector<store::Delivery> due = std::move(claimed).value();
  // An order's events are handled in event order: only its oldest due
  // event is eligible in this round.
  std::map<std::string, std::int64_t> oldest_event;
  for (const auto& d : due) {
    if (d.event.order_id.empty()) continue;
    auto [it, inserted] = oldest_event.emplace(OrderKey(d.event), d.event.id);
    if (!inserted) it->second = std::min(it->second, d.event.id);
  }
  int dispatched = 0;
  std::vector<store::Delivery> skipped;  // claimed, but not ours to run now
  // Failures the store could not record wait out their backoff here.
  unrecorded_.TakeHeld(due, now, skipped);
  for (auto& d : due) {
    TaskRunner* runner = &workers_;
    {
      std::lock_guard lock(mu_);
      Key key{d.event.id, d.step};
      if (in_flight_.count(key) != 0) continue;
      auto bulkhead = bulkheads_.find(d.step);
      if (recently_finished_.count(key) != 0 ||
          (bulkhead == bulkheads_.end() && WorkerLoad() >= options_.max_in_flight) ||
          (!d.event.order_id.empty() && (busy_orders_.count(OrderKey(d.event)) != 0 ||
                                         oldest_event[OrderKey(d.event)] != d.event.id))) {
        skipped.push_back(std::move(d));
        continue;
      }
      if (bulkhead != bulkheads_.end()) {
        if (!slots_.TryAcquire(d.step, d.event.store_id, bulkhead->second)) {
          held_back_ = true;
          skipped.push_back(std::move(d));
          continue;
        }
        runner = bulkhead->second.runner;
      }
      in_flight_.insert(key);
      if (!d.event.order_id.empty()) busy_orders_.insert(OrderKey(d.event));
      idle_ = false;
    }
    ++dispatched;
    runner->Post([this, d = std::move(d)]() mutable { Process(std::move(d)); });
  }
  store_.ReleaseClaims(skipped);
  return dispatched;
}

void Engine::RunDueCrons(TimeMs now) {
  for (auto& cron : crons_) {
    {
      std::lock_guard lock(mu_);
      if (cron.running || cron.next_run > now) continue;
      cron.running = true;
      cron.next_run = now + cron.step->interval_ms();
    }
    workers_.Post([this, &cron] {
      TimeMs at = clock_.NowMs();
      Status s = store::WriteSync(store_, [&](store::WriteTx& tx) -> Status {
        // Another instance on the same database may have this run already.
        OF_ASSIGN_OR_RETURN(bool won, tx.events().ClaimCronRun(cron.step->spec().name, at,
                                                               at + cron.step->interval_ms()));
        if (!won) return OkStatus();
        StepTx st(tx, flow_, cron.step->spec().name, nullptr, at);
        return cron.step->Run(st);
      });
      if (!s.ok()) {
        LogLimited(log_, "cron:" + cron.step->spec().name, spdlog::level::warn, "",
                   "cron {} failed: {}", cron.step->spec().name, s.error().message);
      }
      std::lock_guard lock(mu_);
      cron.running = false;
      idle_cv_.notify_all();
    });
  }
}

void Engine::Process(store::Delivery delivery) {
  const int attempt = unrecorded_.Attempts(delivery) + 1;
  auto it = steps_.find(delivery.step);
  if (it == steps_.end()) {
    Fail(delivery, std::numeric_limits<int>::max() / 2,
         MakeError(ErrorCode::kInternal, "no handler for step " + delivery.step));
    return;
  }
  Step& step = *it->second;
  std::error_code ec;
  boost::json::value payload = boost::json::parse(delivery.event.payload, ec);
  if (ec || !payload.is_object()) {
    Fail(delivery, step.retry_policy().max_attempts,
         MakeError(ErrorCode::kInternal, "event payload is not a JSON object"));
    return;
  }
  TimeMs now = clock_.NowMs();
  StepInput input{delivery, payload.get_object(), now, attempt};
  Result<Apply> apply = MakeError(ErrorCode::kInternal, "step threw");
  try {
    apply = step.Handle(input);
  } catch (const std::exception& e) {
    apply = MakeError(ErrorCode::kInternal, std::string("step threw: ") + e.what());
  }
  if (!apply.ok()) {
    Fail(delivery, attempt, apply.error());
    return;
  }
  auto shared = std::make_shared<store::Delivery>(std::move(delivery));
  auto already_handled = std::make_shared<bool>(false);
  auto chained = std::make_shared<std::vector<store::Delivery>>();
  // The unit itself succeeded: a failure is then the commit's (the store's).
  auto unit_ok = std::make_shared<bool>(false);
  auto replay = std::make_shared<ChainReplay>();
  const std::string store_id = shared->event.store_id;
  const std::string order_id = shared->event.order_id;
  store_.WriteForOrder(
      store_id, order_id,
      [this, shared, already_handled, chained, unit_ok, replay, attempt,
       apply = std::move(apply).value()](store::WriteTx& tx) -> Status {
        TimeMs at = clock_.NowMs();
        // The unit may run again (a retried batch): start clean.
        *already_handled = false;
        *unit_ok = false;
        chained->clear();
        Status done = tx.events().CompleteDelivery(shared->event.id, shared->step, attempt, at);
        if (!done.ok()) {
          // Redelivery of a handled event: nothing to do, nothing written.
          if (done.code() == ErrorCode::kConflict) *already_handled = true;
          *unit_ok = *already_handled;
          return done.code() == ErrorCode::kConflict ? OkStatus() : done;
        }
        StepTx st(tx, flow_, shared->step, &shared->event, at);
        st.DeferDeliveries(ChainDeferral());
        OF_RETURN_IF_ERROR(apply(st));
        Status chain = Chain(tx, st.TakeEmitted(), at, *replay, *chained);
        *unit_ok = chain.ok();
        return chain;
      },
      [this, shared, already_handled, chained, unit_ok, attempt](const Status& s) {
        if (!s.ok()) {
          Fail(*shared, attempt, s.error(), *unit_ok ? FailedBy::kStore : FailedBy::kStep);
          return;
        }
        unrecorded_.Forget(*shared);
        if (!*already_handled) Handled(*shared);
        ReportChained(*chained);
        Finish(*shared);
      });
}

Status Engine::Chain(store::WriteTx& tx, std::vector<EmittedEvent> emitted, TimeMs now,
                     ChainReplay& replay, std::vector<store::Delivery>& handled) const {
  // Deferred deliveries exist only when chaining is on (see Process).
  if (options_.max_chain <= 0 || emitted.empty()) return OkStatus();
  return RunChain(
      tx, flow_, [this](const std::string& name) { return FindStep(name); }, &chainable_,
      std::move(emitted), now, options_.max_chain, replay, handled);
}

void Engine::ReportChained(const std::vector<store::Delivery>& handled) {
  chained_ += static_cast<std::int64_t>(handled.size());
  for (const auto& d : handled) Handled(d);
}

void Engine::Handled(const store::Delivery& delivery) {
  ++handled_;
  LogOrder(spdlog::level::debug, delivery.event.order_id, "step {} handled event {} ({})",
           delivery.step, delivery.event.id, delivery.event.topic);
  if (observer_) observer_(delivery);
}

Step* Engine::FindStep(const std::string& name) const {
  auto it = steps_.find(name);
  return it == steps_.end() ? nullptr : it->second.get();
}

void Engine::Fail(const store::Delivery& delivery, int attempt, const Error& error, FailedBy by) {
  auto it = steps_.find(delivery.step);
  RetryPolicy policy = it != steps_.end() ? it->second->retry_policy() : RetryPolicy{};
  const bool dead = by == FailedBy::kStep && attempt >= policy.max_attempts;
  TimeMs now = clock_.NowMs();
  TimeMs next_at = now + policy.DelayMs(attempt, Random());
  std::string message = std::string(ErrorCodeName(error.code)) + ": " + error.message;
  const int recorded_attempts = dead ? std::min(attempt, policy.max_attempts) : attempt;
  if (dead) {
    LogLimited(log_, "dead:" + delivery.step, spdlog::level::warn, delivery.event.order_id,
               "dead-lettered event {} ({}) for step {} after {} attempts: {}", delivery.event.id,
               delivery.event.topic, delivery.step, recorded_attempts, message);
  } else {
    LogLimited(log_, "failed:" + delivery.step, spdlog::level::info, delivery.event.order_id,
               "step {} failed on event {} (attempt {}), retrying in {} ms: {}", delivery.step,
               delivery.event.id, attempt, next_at - now, message);
  }
  auto shared = std::make_shared<store::Delivery>(delivery);
  store_.Write(
      [shared, dead, recorded_attempts, next_at, message, now](store::WriteTx& tx) {
        if (dead)
          return tx.events().DeadLetterDelivery(shared->event.id, shared->step, recorded_attempts,
                                                message, now);
        return tx.events().RetryDelivery(shared->event.id, shared->step, recorded_attempts, next_at,
                                         message, now);
      },
      [this, shared, dead, recorded_attempts, next_at](const Status& s) {
        if (!s.ok()) {
          // Not written down, the delivery would be due again at once: keep
          // its attempts and backoff here until a commit about it succeeds.
          unrecorded_.Remember(*shared, recorded_attempts, next_at);
          LogLimited(log_, "unrecorded", spdlog::level::err, shared->event.order_id,
                     "cannot record failure of event {} for {} (attempt {}); due again in {} ms "
                     "(kept in memory): {}",
                     shared->event.id, shared->step, recorded_attempts,
                     std::max<TimeMs>(0, next_at - clock_.NowMs()), s.error().message);
        } else {
          unrecorded_.Forget(*shared);
          if (dead) {
            ++dead_;
          } else {
            ++retried_;
          }
        }
        if (s.ok() && failure_observer_) failure_observer_(*shared, dead);
        Finish(*shared);
      });
}

void Engine::Finish(const store::Delivery& delivery) {
  std::lock_guard lock(mu_);
  in_flight_.erase(Key{delivery.event.id, delivery.step});
  if (bulkheads_.count(delivery.step) != 0) slots_.Release(delivery.step, delivery.event.store_id);
  recently_finished_.insert(Key{delivery.event.id, delivery.step});
  if (!delivery.event.order_id.empty()) busy_orders_.erase(OrderKey(delivery.event));
  woken_ = true;
  idle_ = false;
  cv_.notify_all();
  idle_cv_.notify_all();
}

}  // namespace orderflow::engine
