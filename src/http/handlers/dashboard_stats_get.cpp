// GET /api/dashboard/stats: the original dashboard's numbers from counters
// (never a scan of the orders table) plus the first page of orders.

#include <boost/json.hpp>
#include <cmath>

#include "common/json.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/stats.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;
using domain::OrderStatus;

constexpr TimeMs kWindowMs = 7LL * 24 * 3600 * 1000;
constexpr OrderStatus kStatuses[] = {OrderStatus::kPending,   OrderStatus::kFlagged,
                                     OrderStatus::kPaid,      OrderStatus::kFailed,
                                     OrderStatus::kFulfilled, OrderStatus::kShipped,
                                     OrderStatus::kDelivered, OrderStatus::kCancelled};

}  // namespace

Result<json::value> StatsJson(store::ReadTx& tx, const std::string& store_id, TimeMs now,
                              bool include_recent) {
  OF_ASSIGN_OR_RETURN(auto totals, tx.OrderTotals(store_id, now - kWindowMs));
  std::int64_t total_orders = 0;
  std::int64_t fulfilled = 0;
  domain::Cents revenue = 0;
  json::object by_status;
  for (OrderStatus s : kStatuses) by_status[domain::ToString(s)] = 0;
  for (const auto& t : totals) {
    total_orders += t.orders;
    by_status[domain::ToString(t.status)] = t.orders;
    switch (t.status) {
      case OrderStatus::kFulfilled:
      case OrderStatus::kShipped:
      case OrderStatus::kDelivered:
        fulfilled += t.orders;
        [[fallthrough]];
      case OrderStatus::kPaid:
        revenue += t.amount;
        break;
      default:
        break;
    }
  }
  double rate = total_orders > 0 ? std::round(static_cast<double>(fulfilled) * 1000.0 /
                                              static_cast<double>(total_orders)) /
                                       10.0
                                 : 100.0;
  OF_ASSIGN_OR_RETURN(std::int64_t unread, tx.CountUnreadNotifications(store_id));
  json::object out{{"storeId", store_id},
                   {"totalOrders", total_orders},
                   {"revenue", MoneyJson(revenue)},
                   {"revenueCents", revenue},
                   {"activeAlerts", unread},
                   {"fulfillmentRate", rate},
                   {"ordersByStatus", std::move(by_status)},
                   {"windowDays", 7},
                   {"generatedAt", FormatIso8601(now)}};
  if (include_recent) {
    store::OrderFilter filter;
    filter.store_id = store_id;
    filter.limit = 50;
    OF_ASSIGN_OR_RETURN(auto page, tx.ListOrders(filter));
    json::array recent;
    for (const auto& o : page.items) recent.push_back(RecentOrderJson(o, now));
    out["recentOrders"] = std::move(recent);
    out["nextCursor"] = CursorJson(page.next_seq);
  }
  return json::value(std::move(out));
}

void RegisterDashboardRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/dashboard/stats", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    TimeMs now = services.clock.NowMs();
    ReadJson(services, std::move(respond),
             [store_id = principal->store_id, now](store::ReadTx& tx) {
               return StatsJson(tx, store_id, now, true);
             });
  });
}

}  // namespace orderflow::http::handlers
