// PgTx: orders and their history and counters, idempotency records,
// notifications.
#include "store/postgres/order_sql.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {
namespace {

using domain::Order;

// The history entries as three parallel arrays for unnest(...).
struct HistoryArrays {
  std::string status;
  std::string detail;
  std::string at;
};

HistoryArrays ToArrays(const std::vector<domain::HistoryEntry>& entries) {
  std::vector<std::string> status;
  std::vector<std::string> detail;
  std::vector<std::int64_t> at;
  for (const auto& e : entries) {
    status.push_back(e.status);
    detail.push_back(e.detail);
    at.push_back(e.at);
  }
  return {TextArray(status), TextArray(detail), IntArray(at)};
}

}  // namespace

Result<Order> PgTx::GetOrder(const std::string& store_id, const std::string& order_id) {
  if (const Order* cached = orders_.Find(store_id, order_id)) return *cached;
  OrderQuery q = GetOrderQuery(store_id, order_id);
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(q.sql, q.params));
  if (rows.empty()) return NotFound("order '" + order_id + "'");
  OF_ASSIGN_OR_RETURN(Order order, ReadOrder(rows, 0));
  OF_ASSIGN_OR_RETURN(
      Rows h, conn_.Query("SELECT status, detail, at FROM order_history WHERE store_id = $1 "
                          "AND order_id = $2 ORDER BY idx",
                          {store_id, order_id}));
  for (int r = 0; r < h.size(); ++r) {
    order.history.push_back(domain::HistoryEntry{h.Text(r, 0), h.Int(r, 2), h.Text(r, 1)});
  }
  orders_.Put(order);
  return order;
}

Result<OrderPage> PgTx::ListOrders(const OrderFilter& f) {
  // The statement text depends only on which filters are present, so each
  // connection prepares a bounded number of variants.
  OrderQuery q = ListOrdersQuery(f);
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(q.sql, q.params));
  OrderPage page;
  for (int r = 0; r < rows.size(); ++r) {
    OF_ASSIGN_OR_RETURN(Order o, ReadOrder(rows, r));
    page.items.push_back(std::move(o));
  }
  if (page.items.size() > static_cast<std::size_t>(f.limit)) {
    page.items.pop_back();
    page.next_seq = page.items.back().seq;
  }
  return page;
}

Result<std::vector<StatusTotals>> PgTx::OrderTotals(const std::string& store_id, TimeMs since) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("SELECT status, SUM(orders), SUM(amount) FROM order_stats "
                                  "WHERE store_id = $1 AND hour >= $2 GROUP BY status",
                                  {store_id, since / kHourMs}));
  std::vector<StatusTotals> out;
  for (int r = 0; r < rows.size(); ++r) {
    auto status = domain::ParseOrderStatus(rows.Text(r, 0));
    if (status) out.push_back(StatusTotals{*status, rows.Int(r, 1), rows.Int(r, 2)});
  }
  return out;
}

Result<std::int64_t> PgTx::CountCustomerOrders(const std::string& store_id,
                                               const std::string& customer, TimeMs since) {
  OrderQuery q = CountCustomerOrdersQuery(store_id, customer, since);
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(q.sql, q.params));
  return rows.empty() ? 0 : rows.Int(0, 0);
}

Result<std::int64_t> PgTx::CountCustomerFailedPayments(const std::string& store_id,
                                                       const std::string& customer, TimeMs since) {
  OrderQuery q = CountCustomerFailedPaymentsQuery(store_id, customer, since);
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(q.sql, q.params));
  return rows.empty() ? 0 : rows.Int(0, 0);
}

Result<std::optional<IdempotencyRecord>> PgTx::GetIdempotency(const std::string& store_id,
                                                              const std::string& key) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("SELECT request_hash, status_code, body, created_at "
                                  "FROM idempotency_keys WHERE store_id = $1 AND key = $2",
                                  {store_id, key}));
  if (rows.empty()) return std::optional<IdempotencyRecord>{};
  return std::optional<IdempotencyRecord>(IdempotencyRecord{
      rows.Text(0, 0), static_cast<int>(rows.Int(0, 1)), rows.Text(0, 2), rows.Int(0, 3)});
}

Result<NotificationPage> PgTx::ListNotifications(const NotificationFilter& f) {
  std::string sql =
      std::string("SELECT ") + kNotificationColumns + " FROM notifications WHERE store_id = $1";
  std::vector<Param> params{f.store_id};
  if (f.unread_only) sql += " AND read = 0";
  if (f.before_seq > 0) {
    params.emplace_back(f.before_seq);
    sql += " AND seq < $" + std::to_string(params.size());
  }
  params.emplace_back(static_cast<std::int64_t>(f.limit) + 1);
  sql += " ORDER BY seq DESC LIMIT $" + std::to_string(params.size());
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(sql, params));
  NotificationPage page;
  for (int r = 0; r < rows.size(); ++r) page.items.push_back(ReadNotification(rows, r));
  if (page.items.size() > static_cast<std::size_t>(f.limit)) {
    page.items.pop_back();
    page.next_seq = page.items.back().seq;
  }
  return page;
}

Result<std::int64_t> PgTx::CountUnreadNotifications(const std::string& store_id) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("SELECT value FROM counters WHERE store_id = $1 AND name = 'unread_alerts'",
                  {store_id}));
  return rows.empty() ? 0 : rows.Int(0, 0);
}

Status PgTx::AddStats(const std::string& store_id, TimeMs created_at, domain::OrderStatus status,
                      std::int64_t orders, domain::Cents amount) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("INSERT INTO order_stats (store_id, hour, status, orders, amount) "
                  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (store_id, hour, status) DO UPDATE "
                  "SET orders = order_stats.orders + excluded.orders, "
                  "amount = order_stats.amount + excluded.amount",
                  {store_id, created_at / kHourMs, domain::ToString(status), orders, amount}));
  return OkStatus();
}

Status PgTx::AddCounter(const std::string& store_id, const char* name, std::int64_t delta) {
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query("INSERT INTO counters (store_id, name, value) VALUES ($1, $2, $3) "
                             "ON CONFLICT (store_id, name) DO UPDATE "
                             "SET value = counters.value + excluded.value",
                             {store_id, name, delta}));
  return OkStatus();
}

Status PgTx::InsertOrder(const Order& o) {
  // One statement: the order, its history (array parameters) and the hourly
  // counter; the history and counter follow only when the order was new.
  HistoryArrays h = ToArrays(o.history);
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(
          "WITH o AS (INSERT INTO orders (order_id, store_id, customer_name, customer_email, "
          "customer_key, items, total, currency, status, payment_status, fulfillment_status, "
          "failure_reason, tracking_number, carrier, payment_token, request_hash, created_at, "
          "updated_at, email_key) VALUES ($1::text, $2::text, $3, $4, $5, $6, $7::bigint, $8, "
          "$9::text, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
          "ON CONFLICT DO NOTHING RETURNING order_id), "
          "h AS (INSERT INTO order_history (store_id, order_id, idx, status, detail, at) "
          "SELECT $2::text, o.order_id, t.i - 1, t.status, t.detail, t.at FROM o, "
          "unnest($20::text[], $21::text[], $22::bigint[]) WITH ORDINALITY AS t(status, detail, "
          "at, i)), "
          "s AS (INSERT INTO order_stats (store_id, hour, status, orders, amount) "
          "SELECT $2::text, $23::bigint, $9::text, 1, $7::bigint FROM o "
          "ON CONFLICT (store_id, hour, status) DO UPDATE "
          "SET orders = order_stats.orders + excluded.orders, "
          "amount = order_stats.amount + excluded.amount) "
          "SELECT COUNT(*) FROM o",
          {o.order_id,
           o.store_id,
           o.customer_name,
           o.customer_email,
           CustomerKey(o.customer_name),
           EncodeItems(o.items),
           o.total,
           o.currency,
           domain::ToString(o.status),
           o.payment_status,
           o.fulfillment_status,
           o.failure_reason,
           o.tracking_number,
           o.carrier,
           o.payment_token,
           o.request_hash,
           o.created_at,
           o.updated_at,
           CustomerKey(o.customer_email),
           h.status,
           h.detail,
           h.at,
           o.created_at / kHourMs}));
  if (rows.Int(0, 0) == 0) {
    return MakeError(ErrorCode::kConflict, "order '" + o.order_id + "' already exists", "orderId");
  }
  return OkStatus();
}

Status PgTx::UpdateOrder(const Order& o, domain::OrderStatus previous,
                         const std::vector<domain::HistoryEntry>& new_history) {
  // One statement: the guarded update, the appended history and, when the
  // status moved, the two hourly counters.
  HistoryArrays h = ToArrays(new_history);
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(
          "WITH u AS (UPDATE orders SET status = $1::text, payment_status = $2::text, "
          "fulfillment_status = $3, failure_reason = $4, tracking_number = $5, carrier = $6, "
          "updated_at = $7::bigint, payment_failed_at = CASE WHEN $2::text = 'failed' "
          "THEN COALESCE(payment_failed_at, $7::bigint) ELSE payment_failed_at END "
          "WHERE order_id = $8::text AND store_id = $9::text AND status = $10::text "
          "RETURNING order_id), "
          "h AS (INSERT INTO order_history (store_id, order_id, idx, status, detail, at) "
          "SELECT $9::text, u.order_id, (SELECT COUNT(*) FROM order_history "
          "WHERE store_id = $9::text AND order_id = $8::text) "
          "+ t.i - 1, t.status, t.detail, t.at FROM u, "
          "unnest($11::text[], $12::text[], $13::bigint[]) WITH ORDINALITY AS t(status, detail, "
          "at, i)), "
          "s AS (INSERT INTO order_stats (store_id, hour, status, orders, amount) "
          "SELECT $9::text, $14::bigint, v.status, v.n, v.n * $15::bigint FROM u, "
          "(VALUES ($10::text, -1), ($1::text, 1)) AS v(status, n) WHERE $10::text <> $1::text "
          "ON CONFLICT (store_id, hour, status) DO UPDATE "
          "SET orders = order_stats.orders + excluded.orders, "
          "amount = order_stats.amount + excluded.amount) "
          "SELECT COUNT(*) FROM u",
          {domain::ToString(o.status), o.payment_status, o.fulfillment_status, o.failure_reason,
           o.tracking_number, o.carrier, o.updated_at, o.order_id, o.store_id,
           domain::ToString(previous), h.status, h.detail, h.at, o.created_at / kHourMs, o.total}));
  if (rows.Int(0, 0) == 0) {
    return MakeError(ErrorCode::kConflict, "order '" + o.order_id + "' is no longer " +
                                               std::string(domain::ToString(previous)));
  }
  orders_.Updated(o, new_history);
  return OkStatus();
}

Status PgTx::PutIdempotency(const std::string& store_id, const std::string& key,
                            const IdempotencyRecord& r) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, body, "
                  "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                  {store_id, key, r.request_hash, r.status_code, r.body, r.created_at}));
  if (rows.Affected() == 0) {
    return MakeError(ErrorCode::kConflict, "idempotency key '" + key + "' already exists");
  }
  return OkStatus();
}

Status PgTx::CompleteIdempotency(const std::string& store_id, const std::string& key,
                                 const IdempotencyRecord& r) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("UPDATE idempotency_keys SET status_code = $1, body = $2 "
                                  "WHERE store_id = $3 AND key = $4 AND request_hash = $5 "
                                  "AND status_code = 0",
                                  {r.status_code, r.body, store_id, key, r.request_hash}));
  if (rows.Affected() == 0) return NotFound("idempotency claim '" + key + "'");
  return OkStatus();
}

Status PgTx::InsertNotification(const domain::Notification& n) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("INSERT INTO notifications (notification_id, store_id, order_id, type, title, "
                  "message, read, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "ON CONFLICT DO NOTHING",
                  {n.notification_id, n.store_id, n.order_id, domain::ToString(n.type), n.title,
                   n.message, n.read ? 1 : 0, n.created_at}));
  if (rows.Affected() == 0) {
    return MakeError(ErrorCode::kConflict, "alert '" + n.notification_id + "' already exists");
  }
  if (!n.read) return AddCounter(n.store_id, "unread_alerts", 1);
  return OkStatus();
}

Status PgTx::MarkNotificationRead(const std::string& store_id, const std::string& id) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("UPDATE notifications SET read = 1 WHERE store_id = $1 "
                                  "AND notification_id = $2 AND read = 0",
                                  {store_id, id}));
  if (rows.Affected() > 0) return AddCounter(store_id, "unread_alerts", -1);
  OF_ASSIGN_OR_RETURN(Rows exists, conn_.Query("SELECT 1 FROM notifications WHERE store_id = $1 "
                                               "AND notification_id = $2",
                                               {store_id, id}));
  if (exists.empty()) return NotFound("alert '" + id + "'");
  return OkStatus();
}

Result<std::int64_t> PgTx::MarkAllNotificationsRead(const std::string& store_id) {
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query("UPDATE notifications SET read = 1 WHERE store_id = $1 AND read = 0",
                             {store_id}));
  OF_ASSIGN_OR_RETURN(Rows reset,
                      conn_.Query("INSERT INTO counters (store_id, name, value) "
                                  "VALUES ($1, 'unread_alerts', 0) "
                                  "ON CONFLICT (store_id, name) DO UPDATE SET value = 0",
                                  {store_id}));
  return rows.Affected();
}

}  // namespace orderflow::store::pg
