#pragma once
// Orders as the writer's last commits left them. Nearly every step
// delivery's unit (payment, then fulfilment, shipping and delivery chained
// behind it) works on an order that a unit wrote milliseconds earlier; with
// this copy it finds the order, with its history, without reading the row
// and the order's events back.
//
// Only for a back end whose writer owns every write to the database (SQLite:
// a commit by another process clears the cache, SqliteStore's
// SeeOtherWriters). Entries become visible only once the batch that wrote
// them commits, so a rolled-back unit or batch never leaves one behind:
// - a unit's final order rows are staged (Stage);
// - kept at the unit's end (KeepUnit), where later units of the same batch
//   see them (their writes are in the batch's transaction);
// - or dropped when the unit rolls back (DropUnit);
// - published when the batch commits (Committed), or all dropped when the
//   commit fails (Clear).
// Bounded: once full, the entries published first go first. Not
// thread-safe: the writer thread owns it.

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "domain/order.hpp"

namespace orderflow::store {

class RecentOrders {
 public:
  explicit RecentOrders(std::size_t capacity) : capacity_(capacity) {}

  // The order as the batch's ended units or the last commits left it;
  // nullptr when not held. Valid until the next non-const call.
  const domain::Order* Find(const std::string& store_id, const std::string& order_id) const;
  // The running unit's final row of `order` (a later Stage of the same order
  // replaces it).
  void Stage(domain::Order order);
  void KeepUnit();
  void DropUnit() { unit_.clear(); }
  void Committed();
  void Clear();

  std::size_t size() const { return committed_.size(); }

 private:
  static std::string Key(const std::string& store_id, const std::string& order_id) {
    return store_id + '\n' + order_id;
  }
  using Orders = std::unordered_map<std::string, domain::Order>;

  const std::size_t capacity_;
  Orders unit_;
  Orders batch_;
  Orders committed_;
  std::deque<std::string> published_;  // committed_'s keys, oldest first
};

}  // namespace orderflow::store
