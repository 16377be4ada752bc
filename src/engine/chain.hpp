#pragma once
// Step chaining. A unit that emits events runs, before it commits, the
// deliveries of those events whose steps do no I/O of their own
// (Step::runs_inline), then those of the events they emit, and so on. An
// order then costs one unit of work per external call (intake, payment)
// instead of one per step, while every delivery is still recorded as handled
// in the same transaction as its effect: exactly once, as before.
//
// A chained step that fails is left pending for the dispatcher, which
// retries it as usual; later events of that order are then left to the
// dispatcher too, so an order's events keep their order. Chained steps run
// without a savepoint each (two statements a step): a failure instead makes
// the whole unit roll back and run again (kRetryUnit, Store::Write) with
// that chained delivery left out, which `ChainReplay` remembers across the
// runs. Steps are deterministic given the same database state, so the runs
// before it chain the same deliveries again. Timers (events not yet due)
// are never chained.

#include <functional>
#include <set>
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

// What the runs of one unit learnt: the chained deliveries (by position in
// the chain, 0-based) that failed and are left to the dispatcher. Owned by
// the unit's closure so that it outlives a rerun; reset it only for a new
// unit.
struct ChainReplay {
  std::set<int> left_out;
};

// Runs the chain inside `tx`, handling at most `max_deliveries` deliveries,
// and appends each handled delivery to `handled`. Deliveries the emitting
// StepTx deferred (StepTx::DeferDeliveries, with `defer`, which chained
// steps use too) get their row here: handled, or pending for the
// dispatcher. A chained step that fails for the first time adds itself to
// `replay` and makes RunChain return kRetryUnit (the unit must return it
// as is); one that failed before is not run. Any other error means a
// pending row could not be written, and the unit must fail.
Status RunChain(store::WriteTx& tx, const Flow& flow, const StepLookup& steps,
                const DeferDelivery* defer, std::vector<EmittedEvent> emitted, TimeMs now,
                int max_deliveries, ChainReplay& replay, std::vector<store::Delivery>& handled);

}  // namespace orderflow::engine
