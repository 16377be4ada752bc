#include "domain/fraud_rules.hpp"

namespace orderflow::domain {

FraudVerdict EvaluateFraud(const Order& order, const FraudSignals& signals,
                           const FraudSettings& settings) {
  FraudVerdict v;
  if (order.total > settings.max_total) {
    v.hits.push_back("total " + FormatCents(order.total) + " over " +
                     FormatCents(settings.max_total));
  }
  std::int64_t units = 0;
  for (const auto& line : order.items) units += line.quantity;
  if (units > settings.max_units) {
    v.hits.push_back(std::to_string(units) + " units, more than " +
                     std::to_string(settings.max_units));
  }
  if (signals.earlier_orders_last_hour >= settings.max_orders_per_hour) {
    v.hits.push_back(std::to_string(signals.earlier_orders_last_hour) +
                     " earlier orders by this customer in the last hour");
  }
  if (signals.failed_payments_last_day >= settings.max_failed_payments) {
    v.hits.push_back(std::to_string(signals.failed_payments_last_day) +
                     " failed payments by this customer in 24 h");
  }
  v.flagged = static_cast<int>(v.hits.size()) >= settings.hits_to_flag;
  return v;
}

}  // namespace orderflow::domain
