#pragma once
// The dashboard statistics (SPEC §7), shared by GET /api/dashboard/stats
// and the live stream.

#include <boost/json/value.hpp>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "store/store.hpp"

namespace orderflow::http::handlers {

// 7-day window from the status counters; with `include_recent` the first
// page of orders in the original `recentOrders` shape and its nextCursor.
Result<boost::json::value> StatsJson(store::ReadTx& tx, const std::string& store_id, TimeMs now,
                                     bool include_recent);

}  // namespace orderflow::http::handlers
