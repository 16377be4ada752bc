#pragma once
// JSON shapes of the API resources (field names kept from the original
// system, SPEC §7).

#include <boost/json/value.hpp>
#include <optional>

#include "common/clock.hpp"
#include "domain/order.hpp"

namespace orderflow::http::handlers {

boost::json::object OrderJson(const domain::Order& order, bool with_history);
boost::json::object TrackingJson(const domain::Order& order);
boost::json::array HistoryJson(const domain::Order& order);
boost::json::object ProductJson(const domain::Product& product);
boost::json::object AlertJson(const domain::Notification& n);
boost::json::object StoreJson(const domain::StoreInfo& store);
// The original dashboard's row: {id, customer, amount, status, time} plus
// orderId and createdAt.
boost::json::object RecentOrderJson(const domain::Order& order, TimeMs now);
// "Just now", "5 mins ago", "1 hour ago", "3 days ago".
std::string RelativeTime(TimeMs then, TimeMs now);
boost::json::value CursorJson(const std::optional<std::int64_t>& cursor);

}  // namespace orderflow::http::handlers
