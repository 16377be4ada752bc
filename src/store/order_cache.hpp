#pragma once
// Orders read inside one unit of work. A unit that chains steps reads the
// same order once per step (chain.hpp); the transaction keeps what it read
// or wrote here and answers repeats from memory. The owning transaction
// updates an entry on its own writes and clears the cache at the start of
// each unit and whenever a savepoint rolls back, so an entry is always what
// the database would answer inside the unit.

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/order.hpp"

namespace orderflow::store {

// Copies what UpdateOrder persists (status, sub-statuses, failure reason,
// tracking, carrier, updated_at) from `changed` into `into`, and appends
// `new_history`.
void ApplyOrderUpdate(const domain::Order& changed,
                      const std::vector<domain::HistoryEntry>& new_history, domain::Order& into);

class OrderCache {
 public:
  const domain::Order* Find(const std::string& store_id, const std::string& order_id) const;
  void Put(const domain::Order& order);
  // After an UpdateOrder of `order` committed to the transaction: the
  // persisted fields and `new_history` (the caller's copy may lack history).
  void Updated(const domain::Order& order, const std::vector<domain::HistoryEntry>& new_history);
  // Length of a cached order's history: the index its next entry gets.
  std::optional<std::size_t> HistorySize(const std::string& store_id,
                                         const std::string& order_id) const;
  void Clear() { orders_.clear(); }

 private:
  // Order ids are unique per store only.
  static std::string Key(const std::string& store_id, const std::string& order_id) {
    return store_id + '\n' + order_id;
  }
  std::unordered_map<std::string, domain::Order> orders_;  // by Key()
};

}  // namespace orderflow::store
