#pragma once
// The engine's count of deliveries in flight per bulkheaded step and per
// (step, store): the admission rule of Bulkhead (step.hpp), kept apart from
// the dispatcher so that it can be tested on its own. Not thread-safe: the
// engine guards it with its mutex.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/step.hpp"
#include "store/store.hpp"

namespace orderflow::engine {

class BulkheadSlots {
 public:
  // Takes a slot of `step` for `store_id` when both the step's capacity and
  // the store's share of it have room; false (nothing taken) otherwise.
  bool TryAcquire(const std::string& step, const std::string& store_id, const Bulkhead& limits);
  // Gives back a slot TryAcquire took.
  void Release(const std::string& step, const std::string& store_id);
  // What the next claim should leave alone: steps at capacity (every
  // store) and (step, store) pairs at their per-store cap.
  std::vector<store::ClaimSkip> Full(const std::map<std::string, Bulkhead>& limits) const;
  // Slots taken over all steps.
  int taken() const { return taken_; }
  int taken(const std::string& step, const std::string& store_id) const;

 private:
  std::map<std::string, int> per_step_;
  std::map<std::pair<std::string, std::string>, int> per_store_;
  int taken_ = 0;
};

}  // namespace orderflow::engine
