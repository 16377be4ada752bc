#pragma once
// The declared shape of the flow: every step's name, kind, subscriptions and
// permitted emits (SPEC §4). Emitting goes through Flow::Emit, which writes
// the event and one delivery per subscriber into the caller's transaction
// (the transactional outbox) and refuses topics the step did not declare.

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

namespace orderflow::engine {

enum class StepKind { kApi, kEvent, kCron };
const char* ToString(StepKind kind);

struct StepSpec {
  std::string name;
  StepKind kind = StepKind::kEvent;
  std::vector<std::string> subscribes;  // topics or patterns ("order.*"); routes for api steps
  std::vector<std::string> emits;
  std::string description;
};

// True when `topic` matches `pattern`: equal, or pattern "a.*" and topic "a.x".
bool TopicMatches(const std::string& pattern, const std::string& topic);

// Decides, inside the emitting transaction, whether a subscriber gets a
// delivery of `event` (the webhook fan-out only for stores with a matching
// endpoint), so that steps with nothing to do cost no delivery at all.
using SubscriptionFilter =
    std::function<Result<bool>(store::WriteTx& tx, const store::Event& event)>;

// An event written by a unit, with the steps that got a delivery of it.
struct EmittedEvent {
  store::Event event;  // id set
  boost::json::object payload;
  std::vector<std::string> steps;     // subscribers that get a delivery
  std::vector<std::string> deferred;  // of those, the ones without a row yet (chain.hpp)
};

// True for a subscriber whose delivery row may wait until the unit knows
// whether it handles the event itself (step chaining).
using DeferDelivery = std::function<bool(const std::string& step)>;

class Flow {
 public:
  // Adds a step; throws std::logic_error on a duplicate name (start-up bug).
  void Add(StepSpec spec);
  const std::vector<StepSpec>& steps() const { return steps_; }
  const StepSpec* Find(const std::string& name) const;
  // Names of the event steps subscribed to `topic`, in declaration order.
  std::vector<std::string> Subscribers(const std::string& topic) const;
  // Sets the filter of an event step (declared before). Start-up only.
  void SetFilter(const std::string& step, SubscriptionFilter filter);

  // Writes `event` (emitted by step `from`) into `tx` with its deliveries;
  // returns the event id, and when `steps` is given, the subscribers that got
  // a delivery. Throws std::logic_error if `from` did not declare the topic:
  // an undeclared emit is a programming error, not a runtime condition.
  Result<std::int64_t> Emit(store::WriteTx& tx, const std::string& from, const store::Event& event,
                            std::vector<std::string>* steps = nullptr) const;
  // Emit, except that subscribers `defer` picks get no delivery row: the
  // caller must add one for each (store::WriteTx::AddDelivery) before the
  // unit ends. `emitted` receives the event, its subscribers and those.
  Status EmitDeferring(store::WriteTx& tx, const std::string& from, EmittedEvent& emitted,
                       const DeferDelivery& defer) const;

 private:
  Result<std::vector<std::string>> Subscribed(store::WriteTx& tx, const std::string& from,
                                              const store::Event& event) const;

  std::vector<StepSpec> steps_;
  std::map<std::string, SubscriptionFilter> filters_;
};

}  // namespace orderflow::engine
