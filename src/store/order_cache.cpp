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
  domain::Order& cached = it->second;
  cached.status = order.status;
  cached.payment_status = order.payment_status;
  cached.fulfillment_status = order.fulfillment_status;
  cached.failure_reason = order.failure_reason;
  cached.tracking_number = order.tracking_number;
  cached.carrier = order.carrier;
  cached.updated_at = order.updated_at;
  cached.history.insert(cached.history.end(), new_history.begin(), new_history.end());
}

std::optional<std::size_t> OrderCache::HistorySize(const std::string& store_id,
                                                   const std::string& order_id) const {
  auto it = orders_.find(Key(store_id, order_id));
  if (it == orders_.end()) return std::nullopt;
  return it->second.history.size();
}

}  // namespace orderflow::store
