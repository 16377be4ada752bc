#include "store/recent_orders.hpp"

#include <utility>

namespace orderflow::store {

const domain::Order* RecentOrders::Find(const std::string& store_id,
                                        const std::string& order_id) const {
  if (capacity_ == 0) return nullptr;
  const std::string key = Key(store_id, order_id);
  if (auto it = batch_.find(key); it != batch_.end()) return &it->second;
  if (auto it = committed_.find(key); it != committed_.end()) return &it->second;
  return nullptr;
}

void RecentOrders::Stage(domain::Order order) {
  if (capacity_ == 0) return;
  std::string key = Key(order.store_id, order.order_id);
  unit_.insert_or_assign(std::move(key), std::move(order));
}

void RecentOrders::KeepUnit() {
  for (auto& [key, order] : unit_) batch_.insert_or_assign(key, std::move(order));
  unit_.clear();
}

void RecentOrders::Committed() {
  unit_.clear();
  for (auto& [key, order] : batch_) {
    auto [it, inserted] = committed_.insert_or_assign(key, std::move(order));
    if (inserted) published_.push_back(it->first);
  }
  batch_.clear();
  while (committed_.size() > capacity_) {
    committed_.erase(published_.front());
    published_.pop_front();
  }
}

void RecentOrders::Clear() {
  unit_.clear();
  batch_.clear();
  committed_.clear();
  published_.clear();
}

}  // namespace orderflow::store
