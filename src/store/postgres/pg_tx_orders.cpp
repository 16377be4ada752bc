// PgTx: orders and their counters (their history goes with the unit's
// events, pg_tx_engine.cpp), idempotency records, notifications.
#include <algorithm>
#include <limits>
#include <optional>

#include "store/postgres/order_sql.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {
namespace {

using domain::Order;

}  // namespace

Result<Order> PgTx::GetOrder(const std::string& store_id, const std::string& order_id) {
  if (const Order* cached = orders_.Find(store_id, order_id)) return *cached;
  // The batch's copy, unless this unit already wrote the order (its moves
  // are then only in the database, once FlushOrders sent them).
  std::optional<Order> prefetched;
  if (unit_orders_.insert(OrderKey(store_id, order_id)).second) {
    OF_ASSIGN_OR_RETURN(prefetched, Prefetched(store_id, order_id));
  }
  if (prefetched) {
    AppendPendingHistory(history_, store_id, order_id, prefetched->history);
    orders_.Put(*prefetched);
    return std::move(*prefetched);
  }
  OF_RETURN_IF_ERROR(SeeKeptRowsOfOrder(store_id, order_id));
  OF_RETURN_IF_ERROR(FlushOrders());
  // Both statements go out together: one round trip in pipeline mode.
  std::optional<Rows> found;
  OrderQuery q = GetOrderQuery(store_id, order_id);
  OF_RETURN_IF_ERROR(conn_.Send(q.sql, q.params, [&found](Rows& rows) {
    found.emplace(std::move(rows));
    return OkStatus();
  }));
  // The history is the order's events that carry an entry (events_by_order).
  OF_ASSIGN_OR_RETURN(
      Rows h, conn_.Query("SELECT history_status, history_detail, history_at FROM events "
                          "WHERE store_id = $1 AND order_id = $2 AND history_status IS NOT NULL "
                          "ORDER BY id",
                          {store_id, order_id}));
  if (!found) return MakeError(ErrorCode::kInternal, "postgresql: the order query had no answer");
  if (found->empty()) return NotFound("order '" + order_id + "'");
  OF_ASSIGN_OR_RETURN(Order order, ReadOrder(*found, 0));
  for (int r = 0; r < h.size(); ++r) {
    order.history.push_back(domain::HistoryEntry{h.Text(r, 0), h.Int(r, 2), h.Text(r, 1)});
  }
  AppendPendingHistory(history_, store_id, order_id, order.history);
  orders_.Put(order);
  return order;
}

Result<OrderPage> PgTx::ListOrders(const OrderFilter& f) {
  // The statement text depends only on which filters are present, so each
  // connection prepares a bounded number of variants.
  OF_RETURN_IF_ERROR(FlushOrders());
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
  // Plus the deltas FlushBatch has not written yet (a write unit's view).
  std::map<std::string, StatsDelta> sums;
  for (int r = 0; r < rows.size(); ++r) {
    sums[rows.Text(r, 0)] = StatsDelta{rows.Int(r, 1), rows.Int(r, 2)};
  }
  for (const Deltas* d : {&batch_, &unit_}) {
    for (const auto& [key, delta] : d->stats) {
      if (std::get<0>(key) != store_id || std::get<1>(key) < since / kHourMs) continue;
      StatsDelta& sum = sums[std::get<2>(key)];
      sum.orders += delta.orders;
      sum.amount += delta.amount;
    }
  }
  std::vector<StatusTotals> out;
  for (const auto& [name, sum] : sums) {
    auto status = domain::ParseOrderStatus(name);
    if (status) out.push_back(StatusTotals{*status, sum.orders, sum.amount});
  }
  return out;
}

Result<std::int64_t> PgTx::CountCustomerOrders(const std::string& store_id,
                                               const std::string& customer, TimeMs since) {
  OF_ASSIGN_OR_RETURN(
      CustomerActivity a,
      CountCustomerActivity(store_id, customer, since, std::numeric_limits<TimeMs>::max()));
  return a.orders;
}

Result<std::int64_t> PgTx::CountCustomerFailedPayments(const std::string& store_id,
                                                       const std::string& customer, TimeMs since) {
  OF_ASSIGN_OR_RETURN(
      CustomerActivity a,
      CountCustomerActivity(store_id, customer, std::numeric_limits<TimeMs>::max(), since));
  return a.failed_payments;
}

// The stored rows' counts plus the unit's buffered inserts, so that the
// intake's order is not written before the fraud guard reads.
Result<OrderReader::CustomerActivity> PgTx::CountCustomerActivity(const std::string& store_id,
                                                                  const std::string& customer,
                                                                  TimeMs orders_since,
                                                                  TimeMs failed_since) {
  // A buffered payment failure of a stored order is written out first
  // (rare: nothing checks fraud in a payment's unit); a buffered update
  // changes neither the customer nor created_at.
  const bool stale =
      std::any_of(order_updates_.begin(), order_updates_.end(),
                  [](const BufferedOrderUpdate& u) { return !u.insert && u.failed_at; });
  if (stale) OF_RETURN_IF_ERROR(FlushOrders());
  const std::string key = CustomerKey(customer);
  CustomerActivity a;
  for (const BufferedOrderUpdate& u : order_updates_) {
    if (!u.insert || u.order.store_id != store_id || CustomerKey(u.order.customer_name) != key) {
      continue;
    }
    if (u.order.created_at >= orders_since) ++a.orders;
    if (u.failed_at && *u.failed_at >= failed_since) ++a.failed_payments;
  }
  OrderQuery q = CountCustomerActivityQuery(store_id, customer, orders_since, failed_since);
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(q.sql, q.params));
  if (!rows.empty()) {
    a.orders += rows.Int(0, 0);
    a.failed_payments += rows.Int(0, 1);
  }
  return a;
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
  OF_RETURN_IF_ERROR(SeeOwnWrites());
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
  return (rows.empty() ? 0 : rows.Int(0, 0)) + PendingCounter(store_id, "unread_alerts");
}

void PgTx::AddStats(const std::string& store_id, TimeMs created_at, domain::OrderStatus status,
                    std::int64_t orders, domain::Cents amount) {
  StatsDelta& d =
      unit_.stats[StatsKey{store_id, created_at / kHourMs, std::string(domain::ToString(status))}];
  d.orders += orders;
  d.amount += amount;
}

void PgTx::AddCounter(const std::string& store_id, const std::string& name, std::int64_t delta) {
  unit_.counters[CounterKey{store_id, name}] += delta;
}

std::int64_t PgTx::PendingCounter(const std::string& store_id, const std::string& name) const {
  std::int64_t pending = 0;
  for (const Deltas* d : {&batch_, &unit_}) {
    auto it = d->counters.find(CounterKey{store_id, name});
    if (it != d->counters.end()) pending += it->second;
  }
  return pending;
}

void PgTx::BeginUnit() {
  ++unit_seq_;
  orders_.Clear();
  order_updates_.clear();
  events_.clear();
  unit_events_ = 0;
  history_.clear();
  webhooks_changed_ = false;
  unit_ = Deltas{};
}

void PgTx::ForgetReads() {
  orders_.Clear();
  products_.clear();
  stores_.clear();
}

void PgTx::EndUnit(bool committed) {
  ++unit_seq_;
  // What the unit read or wrote of an order may differ from the prefetch
  // now (its moves, its history entries).
  for (const std::string& key : unit_orders_) {
    prefetch_keys_.erase(key);
    prefetched_.erase(key);
  }
  unit_orders_.clear();
  order_updates_.clear();
  if (!committed) ForgetReads();
  if (committed) {
    for (const auto& [key, d] : unit_.stock) {
      StockDelta& sum = batch_.stock[key];
      sum.stock += d.stock;
      sum.reserved += d.reserved;
      sum.at = std::max(sum.at, d.at);
    }
    for (const auto& [key, delta] : unit_.counters) batch_.counters[key] += delta;
    for (const auto& [key, d] : unit_.stats) {
      StatsDelta& sum = batch_.stats[key];
      sum.orders += d.orders;
      sum.amount += d.amount;
    }
  }
  unit_ = Deltas{};
}

Status PgTx::FlushBatch() {
  if (!batch_.stock.empty()) {
    // Locks the products in key order first, so concurrent writers cannot
    // deadlock on them, then moves them; a change the CHECK constraints
    // refuse (another instance took the stock meanwhile) fails the batch.
    std::vector<std::string> stores;
    std::vector<std::string> products;
    std::vector<std::int64_t> stock;
    std::vector<std::int64_t> reserved;
    std::vector<std::int64_t> at;
    for (const auto& [key, d] : batch_.stock) {
      stores.push_back(key.first);
      products.push_back(key.second);
      stock.push_back(d.stock);
      reserved.push_back(d.reserved);
      at.push_back(d.at);
    }
    OF_RETURN_IF_ERROR(
        conn_.Send("SELECT 1 FROM products p JOIN unnest($1::text[], $2::text[]) AS k(s, id) "
                   "ON p.store_id = k.s AND p.product_id = k.id "
                   "ORDER BY p.store_id, p.product_id FOR UPDATE OF p",
                   {TextArray(stores), TextArray(products)}));
    OF_RETURN_IF_ERROR(conn_.Send(
        "UPDATE products p SET stock = p.stock + d.ds, reserved = p.reserved + d.dr, "
        "updated_at = d.at FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], "
        "$5::bigint[]) AS d(s, id, ds, dr, at) WHERE p.store_id = d.s AND p.product_id = d.id",
        {TextArray(stores), TextArray(products), IntArray(stock), IntArray(reserved),
         IntArray(at)}));
  }
  std::vector<std::string> stores;
  std::vector<std::string> names;
  std::vector<std::int64_t> values;
  for (const auto& [key, delta] : batch_.counters) {
    if (delta == 0) continue;
    stores.push_back(key.first);
    names.push_back(key.second);
    values.push_back(delta);
  }
  if (!stores.empty()) {
    OF_RETURN_IF_ERROR(
        conn_.Send("INSERT INTO counters (store_id, name, value) "
                   "SELECT s, n, v FROM unnest($1::text[], $2::text[], $3::bigint[]) "
                   "WITH ORDINALITY AS t(s, n, v, i) ORDER BY i "
                   "ON CONFLICT (store_id, name) DO UPDATE SET value = counters.value + "
                   "excluded.value",
                   {TextArray(stores), TextArray(names), IntArray(values)}));
  }
  stores.clear();
  std::vector<std::int64_t> hours;
  std::vector<std::string> statuses;
  std::vector<std::int64_t> orders;
  std::vector<std::int64_t> amounts;
  for (const auto& [key, d] : batch_.stats) {
    if (d.orders == 0 && d.amount == 0) continue;
    stores.push_back(std::get<0>(key));
    hours.push_back(std::get<1>(key));
    statuses.push_back(std::get<2>(key));
    orders.push_back(d.orders);
    amounts.push_back(d.amount);
  }
  if (!stores.empty()) {
    OF_RETURN_IF_ERROR(
        conn_.Send("INSERT INTO order_stats (store_id, hour, status, orders, amount) "
                   "SELECT s, h, st, o, a FROM unnest($1::text[], $2::bigint[], $3::text[], "
                   "$4::bigint[], $5::bigint[]) WITH ORDINALITY AS t(s, h, st, o, a, i) "
                   "ORDER BY i ON CONFLICT (store_id, hour, status) DO UPDATE "
                   "SET orders = order_stats.orders + excluded.orders, "
                   "amount = order_stats.amount + excluded.amount",
                   {TextArray(stores), IntArray(hours), TextArray(statuses), IntArray(orders),
                    IntArray(amounts)}));
  }
  batch_ = Deltas{};
  return OkStatus();
}

Status PgTx::InsertOrder(const Order& o) {
  // One statement, at the unit's end in a pipelined batch (FlushOrders,
  // with the moves of the steps chained after the intake); the history
  // goes with the unit's events (FlushLog), the hourly counter is a delta
  // written by FlushBatch. A taken id fails the unit, so the history is
  // then not written either.
  unit_orders_.insert(OrderKey(o.store_id, o.order_id));
  std::optional<TimeMs> failed_at;
  if (o.payment_status == "failed") failed_at = o.updated_at;
  if (Deferring()) {
    order_updates_.push_back(BufferedOrderUpdate{o, o.status, failed_at, true});
  } else {
    OF_RETURN_IF_ERROR(SendOrderInsert(o, failed_at));
  }
  AddStats(o.store_id, o.created_at, o.status, 1, o.total);
  for (const domain::HistoryEntry& h : o.history) {
    history_.push_back(PendingHistory{o.store_id, o.order_id, h, unit_events_});
  }
  // The steps chained after the intake read it back from here (its `seq`,
  // which the database assigns, stays 0: no step uses it).
  orders_.Put(o);
  return OkStatus();
}

Status PgTx::SendOrderInsert(const Order& o, std::optional<TimeMs> failed_at) {
  return conn_.Send(
      "WITH o AS (INSERT INTO orders (order_id, store_id, customer_name, customer_email, "
      "customer_key, items, total, currency, status, payment_status, fulfillment_status, "
      "failure_reason, tracking_number, carrier, payment_token, request_hash, created_at, "
      "updated_at, email_key, payment_failed_at) VALUES ($1::text, $2::text, $3, $4, $5, $6, "
      "$7::bigint, $8, $9::text, $10::text, $11, $12, $13, $14, $15, $16, $17, $18::bigint, $19, "
      "$20::bigint) "
      "ON CONFLICT DO NOTHING RETURNING order_id) "
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
       failed_at ? Param(*failed_at) : Param(std::nullopt)},
      [order_id = o.order_id](Rows& rows) -> Status {
        if (rows.Int(0, 0) == 0) {
          return MakeError(ErrorCode::kConflict, "order '" + order_id + "' already exists",
                           "orderId");
        }
        return OkStatus();
      });
}

Status PgTx::UpdateOrder(const Order& o, domain::OrderStatus previous,
                         const std::vector<domain::HistoryEntry>& new_history) {
  // The order moves at once in the statement-by-statement run; in a
  // pipelined batch the unit's moves of one order are merged and written by
  // FlushOrders, so chained steps that move it several times cost one
  // UPDATE of its (indexed) row. The history goes with the unit's events
  // (FlushLog; a refused guard fails the unit, so it is then not written
  // either). When the status moved, the two hourly counters are deltas
  // written by FlushBatch.
  unit_orders_.insert(OrderKey(o.store_id, o.order_id));
  std::optional<TimeMs> failed_at;
  if (o.payment_status == "failed") failed_at = o.updated_at;
  // A refused update changes nothing, counters and cache included. (In a
  // pipelined batch a refusal fails the attempt and the batch runs again
  // statement by statement, where it is refused here.)
  if (!Deferring()) {
    OF_RETURN_IF_ERROR(SendOrderUpdate(BufferedOrderUpdate{o, previous, failed_at}));
  } else {
    OF_RETURN_IF_ERROR(BufferOrderUpdate(o, previous, failed_at));
  }
  if (o.status != previous) {
    AddStats(o.store_id, o.created_at, previous, -1, -o.total);
    AddStats(o.store_id, o.created_at, o.status, 1, o.total);
  }
  orders_.Updated(o, new_history);
  for (const domain::HistoryEntry& h : new_history) {
    history_.push_back(PendingHistory{o.store_id, o.order_id, h, unit_events_});
  }
  return OkStatus();
}

Status PgTx::BufferOrderUpdate(const Order& o, domain::OrderStatus previous,
                               std::optional<TimeMs> failed_at) {
  for (BufferedOrderUpdate& u : order_updates_) {
    if (u.order.store_id != o.store_id || u.order.order_id != o.order_id) continue;
    if (u.order.status != previous) {
      // Not a continuation of the merged move: the guard the database
      // would check is the merged status, so write that first.
      OF_RETURN_IF_ERROR(FlushOrders());
      break;
    }
    if (u.insert) {
      ApplyOrderUpdate(o, {}, u.order);
    } else {
      u.order = o;
    }
    if (!u.failed_at) u.failed_at = failed_at;
    return OkStatus();
  }
  order_updates_.push_back(BufferedOrderUpdate{o, previous, failed_at});
  return OkStatus();
}

Status PgTx::FlushOrders() {
  std::vector<BufferedOrderUpdate> updates;
  updates.swap(order_updates_);
  for (const BufferedOrderUpdate& u : updates) OF_RETURN_IF_ERROR(SendOrderUpdate(u));
  return OkStatus();
}

Status PgTx::SendOrderUpdate(const BufferedOrderUpdate& u) {
  if (u.insert) return SendOrderInsert(u.order, u.failed_at);
  // One statement: the update guarded by the status the first move started
  // from.
  const Order& o = u.order;
  return conn_.Send(
      "WITH u AS (UPDATE orders SET status = $1::text, payment_status = $2::text, "
      "fulfillment_status = $3, failure_reason = $4, tracking_number = $5, carrier = $6, "
      "updated_at = $7::bigint, payment_failed_at = COALESCE(payment_failed_at, $11::bigint) "
      "WHERE order_id = $8::text AND store_id = $9::text AND status = $10::text "
      "RETURNING order_id) "
      "SELECT COUNT(*) FROM u",
      {domain::ToString(o.status), o.payment_status, o.fulfillment_status, o.failure_reason,
       o.tracking_number, o.carrier, o.updated_at, o.order_id, o.store_id,
       domain::ToString(u.guard), u.failed_at ? Param(*u.failed_at) : Param(std::nullopt)},
      [order_id = o.order_id, previous = u.guard](Rows& rows) -> Status {
        if (rows.Int(0, 0) == 0) {
          return MakeError(ErrorCode::kConflict, "order '" + order_id + "' is no longer " +
                                                     std::string(domain::ToString(previous)));
        }
        return OkStatus();
      });
}

Status PgTx::PutIdempotency(const std::string& store_id, const std::string& key,
                            const IdempotencyRecord& r) {
  return conn_.Send(
      "INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, body, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
      {store_id, key, r.request_hash, r.status_code, r.body, r.created_at},
      [key](Rows& rows) -> Status {
        if (rows.Affected() == 0) {
          return MakeError(ErrorCode::kConflict, "idempotency key '" + key + "' already exists");
        }
        return OkStatus();
      });
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
  if (lean_) {
    kept_.notifications.push_back(n);
    if (!n.read) AddCounter(n.store_id, "unread_alerts", 1);
    return OkStatus();
  }
  OF_RETURN_IF_ERROR(
      conn_.Send("INSERT INTO notifications (notification_id, store_id, order_id, type, title, "
                 "message, read, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                 "ON CONFLICT DO NOTHING",
                 {n.notification_id, n.store_id, n.order_id, domain::ToString(n.type), n.title,
                  n.message, n.read ? 1 : 0, n.created_at},
                 [id = n.notification_id](Rows& rows) -> Status {
                   if (rows.Affected() == 0) {
                     return MakeError(ErrorCode::kConflict, "alert '" + id + "' already exists");
                   }
                   return OkStatus();
                 }));
  if (!n.read) AddCounter(n.store_id, "unread_alerts", 1);
  return OkStatus();
}

Status PgTx::MarkNotificationRead(const std::string& store_id, const std::string& id) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("UPDATE notifications SET read = 1 WHERE store_id = $1 "
                                  "AND notification_id = $2 AND read = 0",
                                  {store_id, id}));
  if (rows.Affected() > 0) {
    AddCounter(store_id, "unread_alerts", -1);
    return OkStatus();
  }
  OF_ASSIGN_OR_RETURN(Rows exists, conn_.Query("SELECT 1 FROM notifications WHERE store_id = $1 "
                                               "AND notification_id = $2",
                                               {store_id, id}));
  if (exists.empty()) return NotFound("alert '" + id + "'");
  return OkStatus();
}

Result<std::int64_t> PgTx::MarkAllNotificationsRead(const std::string& store_id) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query("UPDATE notifications SET read = 1 WHERE store_id = $1 AND read = 0",
                             {store_id}));
  OF_ASSIGN_OR_RETURN(Rows reset,
                      conn_.Query("INSERT INTO counters (store_id, name, value) "
                                  "VALUES ($1, 'unread_alerts', 0) "
                                  "ON CONFLICT (store_id, name) DO UPDATE SET value = 0",
                                  {store_id}));
  // The row is 0 now; the deltas still pending would move it again.
  AddCounter(store_id, "unread_alerts", -PendingCounter(store_id, "unread_alerts"));
  return rows.Affected();
}

}  // namespace orderflow::store::pg
