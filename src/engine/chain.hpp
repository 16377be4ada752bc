#pragma once
// Step chaining. A unit that emits events runs, before it commits, the
// deliveries of those events whose steps do no I/O of their own
// (Step::runs_inline), then those of the events they emit, and so on. An
// order then costs one unit of work per external call (intake, payment)
// instead of one per step, while every delivery is still recorded as handled
// in the same transaction as its effect: exactly once, as before.
//
// A chained step that fails rolls back alone (a savepoint) and stays pending
// for the dispatcher, which retries it as usual; later events of that order
// are then left to the dispatcher too, so an order's events keep their
// order. Timers (events not yet due) are never chained.

#include <functional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/flow.hpp"
#include "engine/step.hpp"
#include "store/store.hpp"

namespace orderflow::engine {

// The registered step of that name, or nullptr.
using StepLookup = std::function<Step*(const std::string& name)>;

// Runs the chain inside `tx`, handling at most `max_deliveries` deliveries,
// and appends each handled delivery to `handled`. Deliveries the emitting
// StepTx deferred (StepTx::DeferDeliveries, with `defer`, which chained
// steps use too) get their row here: handled, or pending for the
// dispatcher. A failed chained step is not an error of the unit; an error
// means a pending row could not be written, and the unit must fail.
Status RunChain(store::WriteTx& tx, const Flow& flow, const StepLookup& steps,
                const DeferDelivery* defer, std::vector<EmittedEvent> emitted, TimeMs now,
                int max_deliveries, std::vector<store::Delivery>& handled);

}  // namespace orderflow::engine
