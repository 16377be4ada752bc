#include "http/handlers/views.hpp"

#include "common/json.hpp"

namespace orderflow::http::handlers {

namespace json = boost::json;

json::array HistoryJson(const domain::Order& order) {
  json::array history;
  for (const auto& h : order.history) {
    history.push_back(json::object{
        {"status", h.status}, {"timestamp", FormatIso8601(h.at)}, {"detail", h.detail}});
  }
  return history;
}

json::object OrderJson(const domain::Order& o, bool with_history) {
  json::array items;
  for (const auto& l : o.items) {
    items.push_back(json::object{{"productId", l.product_id},
                                 {"productName", l.product_name},
                                 {"sku", l.sku.empty() ? json::value(nullptr) : json::value(l.sku)},
                                 {"quantity", l.quantity},
                                 {"unitPrice", MoneyJson(l.unit_price)},
                                 {"lineTotal", MoneyJson(l.line_total)}});
  }
  auto opt = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
  json::object out{{"orderId", o.order_id},
                   {"storeId", o.store_id},
                   {"customerName", o.customer_name},
                   {"customerEmail", opt(o.customer_email)},
                   {"items", std::move(items)},
                   {"totalAmount", MoneyJson(o.total)},
                   {"totalCents", o.total},
                   {"currency", o.currency},
                   {"status", domain::ToString(o.status)},
                   {"paymentStatus", o.payment_status},
                   {"fulfillmentStatus", o.fulfillment_status},
                   {"failureReason", opt(o.failure_reason)},
                   {"trackingNumber", opt(o.tracking_number)},
                   {"carrier", opt(o.carrier)},
                   {"createdAt", FormatIso8601(o.created_at)},
                   {"updatedAt", FormatIso8601(o.updated_at)}};
  if (with_history) out["history"] = HistoryJson(o);
  return out;
}

json::object TrackingJson(const domain::Order& o) {
  json::object out{{"orderId", o.order_id}, {"status", domain::ToString(o.status)}};
  if (!o.tracking_number.empty()) out["trackingNumber"] = o.tracking_number;
  if (!o.carrier.empty()) out["carrier"] = o.carrier;
  out["history"] = HistoryJson(o);
  return out;
}

json::object ProductJson(const domain::Product& p) {
  return json::object{{"productId", p.product_id},
                      {"storeId", p.store_id},
                      {"productName", p.product_name},
                      {"sku", p.sku.empty() ? json::value(nullptr) : json::value(p.sku)},
                      {"price", MoneyJson(p.price)},
                      {"priceCents", p.price},
                      {"stock", p.stock},
                      {"reserved", p.reserved},
                      {"available", p.available()},
                      {"threshold", p.threshold},
                      {"status", domain::ToString(p.status)},
                      {"lowStock", p.available() <= p.threshold},
                      {"createdAt", FormatIso8601(p.created_at)},
                      {"updatedAt", FormatIso8601(p.updated_at)}};
}

json::object AlertJson(const domain::Notification& n) {
  return json::object{
      {"notificationId", n.notification_id},
      {"id", n.notification_id},
      {"type", domain::ToString(n.type)},
      {"title", n.title},
      {"message", n.message},
      {"orderId", n.order_id.empty() ? json::value(nullptr) : json::value(n.order_id)},
      {"read", n.read},
      {"timestamp", n.created_at},
      {"createdAt", FormatIso8601(n.created_at)}};
}

namespace {

// Whole rates (the usual case) as integers; ToJson prints the rare
// fractional one with two decimals.
json::value RateJson(double v) {
  if (v == static_cast<double>(static_cast<std::int64_t>(v))) return static_cast<std::int64_t>(v);
  return v;
}

}  // namespace

json::object StoreJson(const domain::StoreInfo& s) {
  return json::object{{"storeId", s.store_id},
                      {"name", s.name},
                      {"color", s.color},
                      {"currency", s.currency},
                      {"rateLimit", RateJson(s.rate_limit)},
                      {"burst", RateJson(s.burst)},
                      {"createdAt", FormatIso8601(s.created_at)}};
}

std::string RelativeTime(TimeMs then, TimeMs now) {
  std::int64_t minutes = std::max<std::int64_t>(0, now - then) / 60000;
  std::int64_t hours = minutes / 60;
  if (minutes < 1) return "Just now";
  if (minutes < 60) return std::to_string(minutes) + (minutes == 1 ? " min ago" : " mins ago");
  if (hours < 24) return std::to_string(hours) + (hours == 1 ? " hour ago" : " hours ago");
  std::int64_t days = hours / 24;
  return std::to_string(days) + (days == 1 ? " day ago" : " days ago");
}

json::object RecentOrderJson(const domain::Order& o, TimeMs now) {
  std::string id = o.order_id.substr(0, 8);
  for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return json::object{{"id", id},
                      {"customer", o.customer_name},
                      {"amount", MoneyJson(o.total)},
                      {"status", domain::DashboardBucket(o.status)},
                      {"time", RelativeTime(o.created_at, now)},
                      {"orderId", o.order_id},
                      {"orderStatus", domain::ToString(o.status)},
                      {"createdAt", FormatIso8601(o.created_at)}};
}

json::value CursorJson(const std::optional<std::int64_t>& cursor) {
  if (!cursor) return nullptr;
  return json::value(std::to_string(*cursor));
}

}  // namespace orderflow::http::handlers
