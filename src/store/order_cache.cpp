#include "store/order_cache.hpp"

namespace orderflow::store {
namespace {
// A unit touches a handful of orders; past this the cache only costs memory.
constexpr std::size_t kMaxOrders = 64;
}  // namespace

const domain::Order* OrderCache::Find(const std::string& store_id,
                                      const std::string& order_id) const {
  auto it = orders_.find(Key(store_id, order_id));
  if (it == orders_.end()) return nullptr;
  return &it->second;
}

void OrderCache::Put(const domain::Order& order) {
  if (orders_.size() >= kMaxOrders) orders_.clear();
  orders_[Key(order.store_id, order.order_id)] = order;
}

void OrderCache::Updated(const domain::Order& order,
                         const std::vector<domain::HistoryEntry>& new_history) {
  auto it = orders_.find(Key(order.store_id, order.order_id));
  if (it == orders_.end()) return;
  ApplyOrderUpdate(order, new_history, it->second);
}

void ApplyOrderUpdate(const domain::Order& changed,
                      const std::vector<domain::HistoryEntry>& new_history, domain::Order& into) {
  into.status = changed.status;
  into.payment_status = changed.payment_status;
  into.fulfillment_status = changed.fulfillment_status;
  into.failure_reason = changed.failure_reason;
  into.tracking_number = changed.tracking_number;
  into.carrier = changed.carrier;
  into.updated_at = changed.updated_at;
  into.history.insert(into.history.end(), new_history.begin(), new_history.end());
}

std::optional<std::size_t> OrderCache::HistorySize(const std::string& store_id,
                                                   const std::string& order_id) const {
  auto it = orders_.find(Key(store_id, order_id));
  if (it == orders_.end()) return std::nullopt;
  return it->second.history.size();
}

}  // namespace orderflow::store
