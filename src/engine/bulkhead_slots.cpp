#include "engine/bulkhead_slots.hpp"

namespace orderflow::engine {

bool BulkheadSlots::TryAcquire(const std::string& step, const std::string& store_id,
                               const Bulkhead& limits) {
  int& all = per_step_[step];
  if (all >= limits.capacity) return false;
  int& mine = per_store_[{step, store_id}];
  if (limits.per_store > 0 && mine >= limits.per_store) return false;
  ++all;
  ++mine;
  ++taken_;
  return true;
}

void BulkheadSlots::Release(const std::string& step, const std::string& store_id) {
  auto all = per_step_.find(step);
  auto mine = per_store_.find({step, store_id});
  if (all == per_step_.end() || mine == per_store_.end() || mine->second <= 0) return;
  --all->second;
  --taken_;
  if (--mine->second == 0) per_store_.erase(mine);
}

std::vector<store::ClaimSkip> BulkheadSlots::Full(
    const std::map<std::string, Bulkhead>& limits) const {
  std::vector<store::ClaimSkip> out;
  for (const auto& [step, limit] : limits) {
    auto all = per_step_.find(step);
    if (all != per_step_.end() && all->second >= limit.capacity) {
      out.push_back({step, ""});
      continue;
    }
    if (limit.per_store <= 0) continue;
    for (auto it = per_store_.lower_bound({step, ""});
         it != per_store_.end() && it->first.first == step; ++it) {
      if (it->second >= limit.per_store) out.push_back({step, it->first.second});
    }
  }
  return out;
}

int BulkheadSlots::taken(const std::string& step, const std::string& store_id) const {
  auto it = per_store_.find({step, store_id});
  return it == per_store_.end() ? 0 : it->second;
}

}  // namespace orderflow::engine
