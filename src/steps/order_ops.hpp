#pragma once
// Order state changes shared by the steps and the order actions API: every
// change goes through the transition table and appends one history entry.

#include <map>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "domain/order.hpp"
#include "store/store.hpp"

namespace orderflow::steps {

// Moves `order` to `to` (kInvalidTransition when the table forbids it),
// records `history_status` with `detail`, and persists, guarded against a
// concurrent change of the stored status. Set sub-statuses on `order` before.
Status Transition(store::Orders& orders, domain::Order& order, domain::OrderStatus to,
                  const std::string& history_status, const std::string& detail, TimeMs now);
// Persists sub-status changes of `order` without a status change.
Status Record(store::Orders& orders, domain::Order& order, const std::string& history_status,
              const std::string& detail, TimeMs now);
// Applies one movement per order line (reserve, release or commit). With
// `after`, fills in each moved product as the movement left it (no reread).
Status MoveStock(store::Catalogue& catalogue, const domain::Order& order, store::MovementKind kind,
                 TimeMs now, std::map<std::string, domain::Product>* after = nullptr);
// "Order 1A2B3C4D".
std::string OrderLabel(const std::string& order_id);
// The idempotency key of an order's charge and refund at the payment
// gateway: "storeId/orderId", since order ids are unique per store only.
std::string PaymentIdempotencyKey(const domain::Order& order);

}  // namespace orderflow::steps
