#pragma once
// JSON helpers shared by handlers and the engine. Responses are built as
// boost::json values and written by ToJson, which prints every floating-point
// number in fixed notation with two decimals: in this API doubles only carry
// money (cents / 100) and percentages, and clients of the original system
// expect `99.00`, not Boost's default `9.9E1`.

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace orderflow {

std::string ToJson(const boost::json::value& v);

// Money as a JSON number: cents / 100, printed with two decimals by ToJson.
inline boost::json::value MoneyJson(std::int64_t cents) {
  return boost::json::value(static_cast<double>(cents) / 100.0);
}

}  // namespace orderflow
