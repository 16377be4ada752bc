#pragma once
// Encodings shared by the store back ends: columns that hold JSON text.

#include <string>
#include <vector>

#include "common/result.hpp"
#include "domain/order.hpp"

namespace orderflow::store {

std::string EncodeItems(const std::vector<domain::OrderLine>& items);
Result<std::vector<domain::OrderLine>> DecodeItems(const std::string& text);
std::string EncodeFraudSettings(const domain::FraudSettings& settings);
domain::FraudSettings DecodeFraudSettings(const std::string& text);
// Lower-cased customer name: the "same customer" of the fraud rules and the
// customer filter of the order list.
std::string CustomerKey(const std::string& customer_name);

}  // namespace orderflow::store
