#include "domain/order_status.hpp"

#include <array>
#include <utility>

namespace orderflow::domain {
namespace {

using S = OrderStatus;

constexpr std::array<std::pair<S, S>, 10> kTransitions{{
    {S::kPending, S::kFlagged},    // fraud rules hit
    {S::kFlagged, S::kPending},    // review approved
    {S::kPending, S::kFailed},     // insufficient stock or payment declined
    {S::kPending, S::kPaid},       // payment captured
    {S::kPaid, S::kFulfilled},     // reserved stock committed
    {S::kFulfilled, S::kShipped},  // handed to carrier
    {S::kShipped, S::kDelivered},  // carrier delivered
    {S::kPending, S::kCancelled},  // customer/admin cancel
    {S::kFlagged, S::kCancelled},  // review rejected or cancel
    {S::kPaid, S::kCancelled},     // cancel before fulfilment, refunded
}};

constexpr std::array<std::string_view, 8> kNames{"pending",   "flagged", "paid",      "failed",
                                                 "fulfilled", "shipped", "delivered", "cancelled"};

}  // namespace

std::string_view ToString(OrderStatus s) { return kNames[static_cast<std::size_t>(s)]; }

std::optional<OrderStatus> ParseOrderStatus(std::string_view s) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == s) return static_cast<OrderStatus>(i);
  }
  return std::nullopt;
}

bool CanTransition(OrderStatus from, OrderStatus to) {
  for (const auto& [f, t] : kTransitions) {
    if (f == from && t == to) return true;
  }
  return false;
}

bool IsTerminal(OrderStatus s) {
  return s == S::kDelivered || s == S::kFailed || s == S::kCancelled;
}

std::string_view DashboardBucket(OrderStatus s) {
  switch (s) {
    case S::kPending:
    case S::kFlagged:
      return "pending";
    case S::kPaid:
    case S::kFulfilled:
    case S::kShipped:
      return "processing";
    case S::kDelivered:
      return "completed";
    case S::kFailed:
    case S::kCancelled:
      return "failed";
  }
  return "pending";
}

bool IsPaymentStatus(std::string_view s) {
  return s == kPaymentPending || s == kPaymentPaid || s == kPaymentFailed || s == kPaymentRefunded;
}

bool IsFulfillmentStatus(std::string_view s) {
  return s == kFulfillmentUnfulfilled || s == kFulfillmentReserved || s == kFulfillmentReleased ||
         s == kFulfillmentFulfilled || s == kFulfillmentShipped || s == kFulfillmentDelivered;
}

}  // namespace orderflow::domain
