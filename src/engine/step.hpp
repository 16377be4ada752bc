#pragma once
// What a step of the flow implements. The engine calls Handle() on a worker
// thread, outside any transaction; Handle may read through the store and
// make idempotent external calls (payment with the order id as idempotency
// key), then returns the transactional part, which the engine runs in one
// unit of work together with the record that this (event, step) is handled.
// That pairing is what makes the step's effect happen exactly once.

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "common/task_runner.hpp"
#include "engine/flow.hpp"
#include "engine/retry_policy.hpp"
#include "store/store.hpp"

namespace orderflow::engine {

struct EmitOptions {
  // Initialised so that designated initialisers may leave them out.
  std::string store_id{};     // default: the cause's store
  std::string order_id{};     // default: the cause's order
  std::int64_t delay_ms = 0;  // > 0: a durable timer, delivered no earlier than now + delay
  // A store-level event outside its order's sequence: the engine neither
  // waits for nor holds up the order's other events (webhook sends).
  bool detach_from_order = false;
};

// The transaction a step writes through. Emits are checked against the
// step's declaration and stored in the same transaction (outbox).
class StepTx {
 public:
  StepTx(store::WriteTx& tx, const Flow& flow, std::string step, const store::Event* cause,
         TimeMs now)
      : tx_(tx), flow_(flow), step_(std::move(step)), cause_(cause), now_(now) {}

  // Due events' deliveries to steps `defer` picks get no row at emit time;
  // whoever sets this must hand TakeEmitted() to RunChain (chain.hpp),
  // which adds them. `defer` must outlive this object.
  void DeferDeliveries(const DeferDelivery* defer) { defer_ = defer; }

  // The roles a step reads and writes through. The event log is not among
  // them: a step reaches it only by Emit (its own delivery's outcome is the
  // engine's business).
  store::Orders& orders() { return tx_.orders(); }
  store::Catalogue& catalogue() { return tx_.catalogue(); }
  store::Notifications& notifications() { return tx_.notifications(); }
  store::Webhooks& webhooks() { return tx_.webhooks(); }
  TimeMs now() const { return now_; }
  const store::Event* cause() const { return cause_; }

  Result<std::int64_t> Emit(const std::string& topic, boost::json::object payload,
                            const EmitOptions& options = {});
  // What this transaction emitted so far, in order (the engine chains them).
  std::vector<EmittedEvent> TakeEmitted() { return std::move(emitted_); }

 private:
  store::WriteTx& tx_;
  const Flow& flow_;
  std::string step_;
  const store::Event* cause_;
  TimeMs now_;
  const DeferDelivery* defer_ = nullptr;
  std::vector<EmittedEvent> emitted_;
};

using Apply = std::function<Status(StepTx&)>;

struct StepInput {
  const store::Delivery& delivery;
  const boost::json::object& payload;  // the event's payload
  TimeMs now = 0;
  int attempt = 1;  // 1 for the first try
};

// Where a step that waits on other services runs its Handle(), and how many
// of its deliveries may be in flight at once. The engine claims and starts
// a delivery only when its step and store are under the caps; the others
// stay due, untouched (no attempt counted), until a slot frees. So a slow
// endpoint never occupies the flow's workers, and one store's backlog
// never takes every slot of the others.
struct Bulkhead {
  TaskRunner* runner = nullptr;  // must outlive the engine
  int capacity = 1;              // over all stores (size `runner` to match)
  int per_store = 0;             // per store; 0: only `capacity`
};

class Step {
 public:
  virtual ~Step() = default;
  virtual const StepSpec& spec() const = 0;
  virtual RetryPolicy retry_policy() const { return {}; }
  // An error schedules a retry (or dead-letters after the last attempt).
  virtual Result<Apply> Handle(const StepInput& input) = 0;
  // True when Handle() does no I/O of its own (its whole effect is the
  // Apply): the engine may then run it right inside the unit that emitted
  // the event, instead of as a delivery of its own (see chain.hpp).
  virtual bool runs_inline() const { return false; }
  // A pool and caps of the step's own (see Bulkhead); nullopt: the
  // engine's workers, under EngineOptions::max_in_flight.
  virtual std::optional<Bulkhead> bulkhead() const { return std::nullopt; }
};

// A step run on a schedule rather than by an event. Run() is one unit of work.
class CronStep {
 public:
  virtual ~CronStep() = default;
  virtual const StepSpec& spec() const = 0;
  virtual std::int64_t interval_ms() const = 0;
  virtual Status Run(StepTx& tx) = 0;
};

// An Apply that writes nothing (the event needs no action in this state).
inline Apply NoOp() {
  return [](StepTx&) { return OkStatus(); };
}

}  // namespace orderflow::engine
