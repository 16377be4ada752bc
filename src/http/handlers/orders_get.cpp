// GET /api/orders, GET /api/orders/:id, GET /api/order/tracking/:orderId.

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

Result<store::OrderFilter> ParseFilter(const Request& request, const std::string& store_id) {
  store::OrderFilter f;
  f.store_id = store_id;
  OF_RETURN_IF_ERROR(ParsePaging(request, f.limit, f.before_seq));
  if (const auto& s = request.Query("status"); !s.empty()) {
    f.status = domain::ParseOrderStatus(s);
    if (!f.status) return MakeError(ErrorCode::kValidation, "unknown status '" + s + "'", "status");
  }
  f.payment_status = request.Query("paymentStatus");
  if (!f.payment_status.empty() && !domain::IsPaymentStatus(f.payment_status)) {
    return MakeError(ErrorCode::kValidation, "unknown paymentStatus", "paymentStatus");
  }
  f.fulfillment_status = request.Query("fulfillmentStatus");
  if (!f.fulfillment_status.empty() && !domain::IsFulfillmentStatus(f.fulfillment_status)) {
    return MakeError(ErrorCode::kValidation, "unknown fulfillmentStatus", "fulfillmentStatus");
  }
  f.customer = request.Query("customer");
  f.q = request.Query("q");
  if (f.customer.size() > 254)
    return MakeError(ErrorCode::kValidation, "customer is too long", "customer");
  if (f.q.size() > 200) return MakeError(ErrorCode::kValidation, "q is too long", "q");
  for (const char* name : {"from", "to"}) {
    const std::string& v = request.Query(name);
    if (v.empty()) continue;
    TimeMs t = 0;
    if (!ParseTime(v, t)) {
      return MakeError(ErrorCode::kValidation,
                       std::string(name) + " must be an ISO 8601 time or epoch milliseconds", name);
    }
    (std::string(name) == "from" ? f.from : f.to) = t;
  }
  return f;
}

bool Unfiltered(const store::OrderFilter& f) {
  return f.payment_status.empty() && f.fulfillment_status.empty() && f.customer.empty() &&
         f.q.empty() && !f.from && !f.to;
}

void HandleList(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  auto filter = ParseFilter(request, principal->store_id);
  if (!filter.ok()) return RespondError(respond, filter.error());
  ReadJson(
      services, std::move(respond),
      [f = std::move(filter).value()](store::ReadTx& tx) -> Result<json::value> {
        OF_ASSIGN_OR_RETURN(auto page, tx.ListOrders(f));
        json::array items;
        for (const auto& o : page.items) items.push_back(OrderJson(o, false));
        json::object out{{"items", std::move(items)}, {"nextCursor", CursorJson(page.next_seq)}};
        // The total comes from the status counters, so it is only
        // offered when no other filter narrows the list.
        if (Unfiltered(f)) {
          OF_ASSIGN_OR_RETURN(auto totals, tx.OrderTotals(f.store_id, 0));
          std::int64_t total = 0;
          for (const auto& t : totals) {
            if (!f.status || *f.status == t.status) total += t.orders;
          }
          out["total"] = total;
        }
        return json::value(std::move(out));
      });
}

void HandleGet(Services& services, Request& request, Respond respond, bool tracking) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  std::string order_id = request.Param("id");
  if (!IsUuid(order_id)) {
    return RespondError(
        respond, MakeError(ErrorCode::kNotFound, "order '" + order_id + "' not found", "orderId"));
  }
  for (auto& c : order_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ReadJson(services, std::move(respond),
           [store_id = principal->store_id, order_id,
            tracking](store::ReadTx& tx) -> Result<json::value> {
             OF_ASSIGN_OR_RETURN(auto order, tx.GetOrder(store_id, order_id));
             if (tracking) return json::value(TrackingJson(order));
             return json::value(OrderJson(order, true));
           });
}

}  // namespace

void RegisterOrderGetRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/orders", [&services](Request& request, Respond respond) {
    HandleList(services, request, std::move(respond));
  });
  router.Add("GET", "/api/orders/:id", [&services](Request& request, Respond respond) {
    HandleGet(services, request, std::move(respond), false);
  });
  router.Add("GET", "/api/order/tracking/:id", [&services](Request& request, Respond respond) {
    HandleGet(services, request, std::move(respond), true);
  });
}

}  // namespace orderflow::http::handlers
