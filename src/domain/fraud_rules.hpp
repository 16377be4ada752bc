#pragma once
// The four fraud rules of the original system (SPEC §4). An order is flagged
// for review when at least `hits_to_flag` rules hit. Pure.

#include <cstdint>
#include <string>
#include <vector>

#include "domain/order.hpp"

namespace orderflow::domain {

struct FraudSignals {
  std::int64_t earlier_orders_last_hour = 0;  // same customer, same store, excluding this order
  std::int64_t failed_payments_last_day = 0;  // same customer, same store
};

struct FraudVerdict {
  std::vector<std::string> hits;  // human-readable reasons
  bool flagged = false;
};

FraudVerdict EvaluateFraud(const Order& order, const FraudSignals& signals,
                           const FraudSettings& settings);

}  // namespace orderflow::domain
