#include "engine/chain.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <iterator>
#include <set>

#include "common/logging.hpp"

namespace orderflow::engine {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// One chained delivery; fills `next` with its emits. A deferred delivery
// gets its record here, as handled; any other is pending already and is
// completed. On failure its writes stay in the unit: the caller must make
// the unit roll back.
Status RunOne(store::WriteTx& tx, const Flow& flow, const DeferDelivery* defer, Step& step,
              const store::Delivery& delivery, bool deferred, const boost::json::object& payload,
              TimeMs now, std::vector<EmittedEvent>& next) {
  if (deferred) {
    OF_RETURN_IF_ERROR(tx.events().AddDelivery(delivery.event, delivery.step, true, now));
  } else {
    OF_RETURN_IF_ERROR(tx.events().CompleteDelivery(delivery.event.id, delivery.step, 1, now));
  }
  try {
    OF_ASSIGN_OR_RETURN(Apply apply, step.Handle(StepInput{delivery, payload, now, 1}));
    StepTx st(tx, flow, delivery.step, &delivery.event, now);
    st.DeferDeliveries(defer);
    OF_RETURN_IF_ERROR(apply(st));
    next = st.TakeEmitted();
    return OkStatus();
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInternal, std::string("step threw: ") + e.what());
  }
}

}  // namespace

Status RunChain(store::WriteTx& tx, const Flow& flow, const StepLookup& steps,
                const DeferDelivery* defer, std::vector<EmittedEvent> emitted, TimeMs now,
                int max_deliveries, ChainReplay& replay, std::vector<store::Delivery>& handled) {
  std::deque<EmittedEvent> queue(std::make_move_iterator(emitted.begin()),
                                 std::make_move_iterator(emitted.end()));
  std::set<std::string>
      held_orders;  // store + order id; a delivery of theirs is left to the dispatcher
  int budget = max_deliveries;
  int position = 0;  // of the chained deliveries tried, in chain order
  // Breadth first: events are taken in the order they were emitted (their
  // id order), as the dispatcher would.
  while (!queue.empty()) {
    EmittedEvent e = std::move(queue.front());
    queue.pop_front();
    const std::string& order_id = e.event.order_id;
    const std::string order_key = e.event.store_id + '\n' + order_id;
    // A timer holds nothing up (the dispatcher delivers it when due).
    const bool due = e.event.due_at <= now;
    bool held = !order_id.empty() && held_orders.count(order_key) != 0;
    for (const std::string& name : e.steps) {
      const bool deferred = Contains(e.deferred, name);
      Step* step = steps(name);
      bool run = due && !held && budget > 0 && step != nullptr && step->runs_inline();
      if (run && replay.left_out.count(position++) != 0) run = false;
      if (run) {
        --budget;
        store::Delivery delivery;
        delivery.event = e.event;
        delivery.step = name;
        std::vector<EmittedEvent> next;
        Status s = RunOne(tx, flow, defer, *step, delivery, deferred, e.payload, now, next);
        if (s.ok()) {
          delivery.attempts = 1;
          handled.push_back(std::move(delivery));
          for (auto& n : next) queue.push_back(std::move(n));
          continue;
        }
        LogOrder(spdlog::level::debug, order_id,
                 "chained step {} failed on event {} ({}), left to the dispatcher: {}", name,
                 e.event.id, e.event.topic, s.error().message);
        replay.left_out.insert(position - 1);
        return MakeError(ErrorCode::kRetryUnit, "chained step " + name + " failed");
      }
      // Left to the dispatcher, and so are the order's later events.
      if (due) held = true;
      if (deferred) OF_RETURN_IF_ERROR(tx.events().AddDelivery(e.event, name, false, now));
    }
    if (held && !order_id.empty()) held_orders.insert(order_key);
  }
  return OkStatus();
}

}  // namespace orderflow::engine
