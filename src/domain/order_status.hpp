#pragma once
// The order state machine: status vocabulary and the explicit transition
// table of SPEC §3. Any transition not in the table is refused.

#include <optional>
#include <string_view>

namespace orderflow::domain {

enum class OrderStatus {
  kPending,
  kFlagged,
  kPaid,
  kFailed,
  kFulfilled,
  kShipped,
  kDelivered,
  kCancelled,
};

std::string_view ToString(OrderStatus s);
std::optional<OrderStatus> ParseOrderStatus(std::string_view s);
// True if `from -> to` is an edge of the transition table.
bool CanTransition(OrderStatus from, OrderStatus to);
// True for states no step moves out of (delivered, failed, cancelled).
bool IsTerminal(OrderStatus s);
// Bucket used by the original dashboard: pending | processing | completed | failed.
std::string_view DashboardBucket(OrderStatus s);

// Payment and fulfilment sub-statuses shown on the order.
inline constexpr std::string_view kPaymentPending = "pending";
inline constexpr std::string_view kPaymentPaid = "paid";
inline constexpr std::string_view kPaymentFailed = "failed";
inline constexpr std::string_view kPaymentRefunded = "refunded";
inline constexpr std::string_view kFulfillmentUnfulfilled = "unfulfilled";
inline constexpr std::string_view kFulfillmentReserved = "reserved";
inline constexpr std::string_view kFulfillmentReleased = "released";
inline constexpr std::string_view kFulfillmentFulfilled = "fulfilled";
inline constexpr std::string_view kFulfillmentShipped = "shipped";
inline constexpr std::string_view kFulfillmentDelivered = "delivered";

bool IsPaymentStatus(std::string_view s);
bool IsFulfillmentStatus(std::string_view s);

}  // namespace orderflow::domain
