#include "store/postgres/pg_rows.hpp"

namespace orderflow::store::pg {

const char* const kStoreColumns =
    "store_id, name, color, currency, api_key_hash, rate_limit, burst, settings, created_at";

const char* const kProductColumns =
    "store_id, product_id, product_name, sku, price, stock, reserved, threshold, status, "
    "low_stock_alerted, created_at, updated_at";

const char* const kOrderColumns =
    "seq, order_id, store_id, customer_name, customer_email, items, total, currency, status, "
    "payment_status, fulfillment_status, failure_reason, tracking_number, carrier, payment_token, "
    "request_hash, created_at, updated_at";

const char* const kNotificationColumns =
    "seq, notification_id, store_id, order_id, type, title, message, read, created_at";

const char* const kDeliveryColumns =
    "e.id, e.store_id, e.order_id, e.topic, e.payload, e.created_at, e.due_at, d.step, d.state, "
    "d.attempts, d.next_at, d.last_error, d.updated_at, d.started_at, d.finished_at";

domain::StoreInfo ReadStore(const Rows& s, int r) {
  domain::StoreInfo info;
  info.store_id = s.Text(r, 0);
  info.name = s.Text(r, 1);
  info.color = s.Text(r, 2);
  info.currency = s.Text(r, 3);
  info.api_key_hash = s.Text(r, 4);
  info.rate_limit = s.Double(r, 5);
  info.burst = s.Double(r, 6);
  info.fraud = DecodeFraudSettings(s.Text(r, 7));
  info.created_at = s.Int(r, 8);
  return info;
}

domain::Product ReadProduct(const Rows& s, int r) {
  domain::Product p;
  p.store_id = s.Text(r, 0);
  p.product_id = s.Text(r, 1);
  p.product_name = s.Text(r, 2);
  p.sku = s.Text(r, 3);
  p.price = s.Int(r, 4);
  p.stock = s.Int(r, 5);
  p.reserved = s.Int(r, 6);
  p.threshold = s.Int(r, 7);
  p.status = domain::ParseProductStatus(s.Text(r, 8)).value_or(domain::ProductStatus::kActive);
  p.low_stock_alerted = s.Int(r, 9) != 0;
  p.created_at = s.Int(r, 10);
  p.updated_at = s.Int(r, 11);
  return p;
}

Result<domain::Order> ReadOrder(const Rows& s, int r) {
  domain::Order o;
  o.seq = s.Int(r, 0);
  o.order_id = s.Text(r, 1);
  o.store_id = s.Text(r, 2);
  o.customer_name = s.Text(r, 3);
  o.customer_email = s.Text(r, 4);
  OF_ASSIGN_OR_RETURN(o.items, DecodeItems(s.Text(r, 5)));
  o.total = s.Int(r, 6);
  o.currency = s.Text(r, 7);
  o.status = domain::ParseOrderStatus(s.Text(r, 8)).value_or(domain::OrderStatus::kPending);
  o.payment_status = s.Text(r, 9);
  o.fulfillment_status = s.Text(r, 10);
  o.failure_reason = s.Text(r, 11);
  o.tracking_number = s.Text(r, 12);
  o.carrier = s.Text(r, 13);
  o.payment_token = s.Text(r, 14);
  o.request_hash = s.Text(r, 15);
  o.created_at = s.Int(r, 16);
  o.updated_at = s.Int(r, 17);
  return o;
}

domain::Notification ReadNotification(const Rows& s, int r) {
  domain::Notification n;
  n.seq = s.Int(r, 0);
  n.notification_id = s.Text(r, 1);
  n.store_id = s.Text(r, 2);
  n.order_id = s.Text(r, 3);
  std::string type = s.Text(r, 4);
  n.type = type == "warning"   ? domain::NotificationType::kWarning
           : type == "error"   ? domain::NotificationType::kError
           : type == "success" ? domain::NotificationType::kSuccess
                               : domain::NotificationType::kInfo;
  n.title = s.Text(r, 5);
  n.message = s.Text(r, 6);
  n.read = s.Int(r, 7) != 0;
  n.created_at = s.Int(r, 8);
  return n;
}

Delivery ReadDelivery(const Rows& s, int r) {
  Delivery d;
  d.event.id = s.Int(r, 0);
  d.event.store_id = s.Text(r, 1);
  d.event.order_id = s.Text(r, 2);
  d.event.topic = s.Text(r, 3);
  d.event.payload = s.Text(r, 4);
  d.event.created_at = s.Int(r, 5);
  d.event.due_at = s.Int(r, 6);
  d.step = s.Text(r, 7);
  d.state = static_cast<DeliveryState>(s.Int(r, 8));
  d.attempts = static_cast<int>(s.Int(r, 9));
  d.next_at = s.Int(r, 10);
  d.last_error = s.Text(r, 11);
  d.updated_at = s.Int(r, 12);
  d.started_at = s.Int(r, 13);
  d.finished_at = s.Int(r, 14);
  return d;
}

std::vector<Delivery> ReadDeliveries(const Rows& rows) {
  std::vector<Delivery> out;
  out.reserve(static_cast<std::size_t>(rows.size()));
  for (int r = 0; r < rows.size(); ++r) out.push_back(ReadDelivery(rows, r));
  return out;
}

}  // namespace orderflow::store::pg
