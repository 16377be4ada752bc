#include "store/sqlite/sqlite_tx.hpp"

#include <map>

#include "store/codec.hpp"
#include "store/sqlite/order_sql.hpp"

namespace orderflow::store::sqlite {
namespace {

using domain::Order;

constexpr std::int64_t kHourMs = 3'600'000;

const char* kStoreColumns =
    "store_id, name, color, currency, api_key_hash, rate_limit, burst, settings, created_at";

domain::StoreInfo ReadStore(const Statement& s) {
  domain::StoreInfo info;
  info.store_id = s.Text(0);
  info.name = s.Text(1);
  info.color = s.Text(2);
  info.currency = s.Text(3);
  info.api_key_hash = s.Text(4);
  info.rate_limit = s.Double(5);
  info.burst = s.Double(6);
  info.fraud = DecodeFraudSettings(s.Text(7));
  info.created_at = s.Int(8);
  return info;
}

Result<Order> ReadOrder(const Statement& s) {
  Order o;
  o.seq = s.Int(0);
  o.order_id = s.Text(1);
  o.store_id = s.Text(2);
  o.customer_name = s.Text(3);
  o.customer_email = s.Text(4);
  OF_ASSIGN_OR_RETURN(o.items, DecodeItems(s.Text(5)));
  o.total = s.Int(6);
  o.currency = s.Text(7);
  o.status = domain::ParseOrderStatus(s.Text(8)).value_or(domain::OrderStatus::kPending);
  o.payment_status = s.Text(9);
  o.fulfillment_status = s.Text(10);
  o.failure_reason = s.Text(11);
  o.tracking_number = s.Text(12);
  o.carrier = s.Text(13);
  o.payment_token = s.Text(14);
  o.request_hash = s.Text(15);
  o.created_at = s.Int(16);
  o.updated_at = s.Int(17);
  return o;
}

const char* kNotificationColumns =
    "seq, notification_id, store_id, order_id, type, title, message, read, created_at";

domain::Notification ReadNotification(const Statement& s) {
  domain::Notification n;
  n.seq = s.Int(0);
  n.notification_id = s.Text(1);
  n.store_id = s.Text(2);
  n.order_id = s.Text(3);
  std::string type = s.Text(4);
  n.type = type == "warning"   ? domain::NotificationType::kWarning
           : type == "error"   ? domain::NotificationType::kError
           : type == "success" ? domain::NotificationType::kSuccess
                               : domain::NotificationType::kInfo;
  n.title = s.Text(5);
  n.message = s.Text(6);
  n.read = s.Int(7) != 0;
  n.created_at = s.Int(8);
  return n;
}

}  // namespace

Result<domain::StoreInfo> SqliteTx::GetStore(const std::string& store_id) {
  if (store_infos_ != nullptr) {
    if (auto cached = store_infos_->Find(store_id)) return std::move(*cached);
  }
  auto s =
      conn_.Prepare(std::string("SELECT ") + kStoreColumns + " FROM stores WHERE store_id = ?");
  s.Bind(1, store_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("store '" + store_id + "'");
  domain::StoreInfo store = ReadStore(s);
  if (store_infos_ != nullptr) store_infos_->Put(store_id, store);
  return store;
}

void SqliteTx::StoreChanged(const std::string& store_id) {
  stores_changed_ = true;
  if (store_infos_ != nullptr) store_infos_->Forget(store_id);
}

Result<std::vector<domain::StoreInfo>> SqliteTx::ListStores() {
  auto s = conn_.Prepare(std::string("SELECT ") + kStoreColumns + " FROM stores ORDER BY store_id");
  std::vector<domain::StoreInfo> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(ReadStore(s));
  }
}

Result<std::vector<StockMovement>> SqliteTx::ListMovements(const std::string& store_id,
                                                           const std::string& product_id,
                                                           int limit) {
  OF_RETURN_IF_ERROR(FlushBatchRows());
  auto s = conn_.Prepare(
      "SELECT id, store_id, product_id, kind, stock_delta, reserved_delta, order_id, note, at "
      "FROM stock_movements WHERE store_id = ? AND product_id = ? ORDER BY id DESC LIMIT ?");
  s.Bind(1, store_id).Bind(2, product_id).Bind(3, limit);
  std::vector<StockMovement> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    StockMovement m;
    m.id = s.Int(0);
    m.store_id = s.Text(1);
    m.product_id = s.Text(2);
    std::string kind = s.Text(3);
    for (auto k : {MovementKind::kReserve, MovementKind::kRelease, MovementKind::kCommit,
                   MovementKind::kRestock, MovementKind::kAdjust}) {
      if (kind == ToString(k)) m.kind = k;
    }
    m.stock_delta = s.Int(4);
    m.reserved_delta = s.Int(5);
    m.order_id = s.Text(6);
    m.note = s.Text(7);
    m.at = s.Int(8);
    out.push_back(std::move(m));
  }
}

Result<std::pair<std::int64_t, std::int64_t>> SqliteTx::LedgerTotals(
    const std::string& store_id, const std::string& product_id) {
  OF_RETURN_IF_ERROR(FlushBatchRows());
  auto s = conn_.Prepare(
      "SELECT COALESCE(SUM(stock_delta), 0), COALESCE(SUM(reserved_delta), 0) "
      "FROM stock_movements WHERE store_id = ? AND product_id = ?");
  s.Bind(1, store_id).Bind(2, product_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::pair<std::int64_t, std::int64_t>{0, 0};
  return std::pair<std::int64_t, std::int64_t>{s.Int(0), s.Int(1)};
}

Result<Order> SqliteTx::GetOrder(const std::string& store_id, const std::string& order_id) {
  if (const OrderWrite* w = FindOrderWrite(store_id, order_id)) return w->order;
  if (const Order* cached = orders_.Find(store_id, order_id)) return *cached;
  Order order;
  if (const Order* recent =
          recent_orders_ != nullptr ? recent_orders_->Find(store_id, order_id) : nullptr) {
    order = *recent;
    AppendPendingHistory(history_, store_id, order_id, order.history);
    orders_.Put(order);
    return order;
  }
  {
    auto s = conn_.Prepare(GetOrderSql());
    s.Bind(1, order_id).Bind(2, store_id);
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return NotFound("order '" + order_id + "'");
    OF_ASSIGN_OR_RETURN(order, ReadOrder(s));
  }
  // The history is the order's events that carry an entry (events_by_order).
  auto h = conn_.Prepare(
      "SELECT history_status, history_detail, history_at FROM events "
      "WHERE store_id = ? AND order_id = ? AND history_status IS NOT NULL ORDER BY id");
  h.Bind(1, store_id).Bind(2, order_id);
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, h.Step());
    if (!row) break;
    order.history.push_back(domain::HistoryEntry{h.Text(0), h.Int(2), h.Text(1)});
  }
  AppendPendingHistory(history_, store_id, order_id, order.history);
  orders_.Put(order);
  return order;
}

Result<OrderPage> SqliteTx::ListOrders(const OrderFilter& f) {
  OF_RETURN_IF_ERROR(FlushOrders());
  // The statement text depends only on which filters are present, so the
  // cache holds a bounded number of variants.
  auto s = conn_.Prepare(ListOrdersSql(f));
  s.BindName(":store", f.store_id);
  if (f.status) s.BindName(":status", std::string(domain::ToString(*f.status)));
  s.BindName(":payment", f.payment_status);
  s.BindName(":fulfillment", f.fulfillment_status);
  s.BindName(":customer", CustomerKey(f.customer));
  if (f.from) s.BindName(":from", *f.from);
  if (f.to) s.BindName(":to", *f.to);
  s.BindName(":qprefix", LikeEscape(CustomerKey(f.q)) + "%");
  // Appended, not "%" + …: GCC 12 warns falsely (-Wstringop-overflow) on
  // that form once inlined here.
  std::string qany = "%";
  qany += LikeEscape(f.q);
  qany += '%';
  s.BindName(":qany", qany);
  s.BindName(":before", f.before_seq);
  s.BindName(":limit", static_cast<std::int64_t>(f.limit) + 1);
  OrderPage page;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    OF_ASSIGN_OR_RETURN(Order o, ReadOrder(s));
    page.items.push_back(std::move(o));
  }
  if (page.items.size() > static_cast<std::size_t>(f.limit)) {
    page.items.pop_back();
    page.next_seq = page.items.back().seq;
  }
  return page;
}

Result<std::vector<StatusTotals>> SqliteTx::OrderTotals(const std::string& store_id, TimeMs since) {
  OF_RETURN_IF_ERROR(FlushDeltas());
  auto s = conn_.Prepare(
      "SELECT status, SUM(orders), SUM(amount) FROM order_stats "
      "WHERE store_id = ? AND hour >= ? GROUP BY status");
  s.Bind(1, store_id).Bind(2, since / kHourMs);
  std::vector<StatusTotals> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    auto status = domain::ParseOrderStatus(s.Text(0));
    if (status) out.push_back(StatusTotals{*status, s.Int(1), s.Int(2)});
  }
}

Result<std::optional<IdempotencyRecord>> SqliteTx::GetIdempotency(const std::string& store_id,
                                                                  const std::string& key) {
  auto s = conn_.Prepare(
      "SELECT request_hash, status_code, body, created_at FROM idempotency_keys "
      "WHERE store_id = ? AND key = ?");
  s.Bind(1, store_id).Bind(2, key);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<IdempotencyRecord>{};
  return std::optional<IdempotencyRecord>(
      IdempotencyRecord{s.Text(0), static_cast<int>(s.Int(1)), s.Text(2), s.Int(3)});
}

Result<NotificationPage> SqliteTx::ListNotifications(const NotificationFilter& f) {
  OF_RETURN_IF_ERROR(FlushBatchRows());
  std::string sql =
      std::string("SELECT ") + kNotificationColumns + " FROM notifications WHERE store_id = :store";
  if (f.unread_only) sql += " AND read = 0";
  if (f.before_seq > 0) sql += " AND seq < :before";
  sql += " ORDER BY seq DESC LIMIT :limit";
  auto s = conn_.Prepare(sql);
  s.BindName(":store", f.store_id);
  s.BindName(":before", f.before_seq);
  s.BindName(":limit", static_cast<std::int64_t>(f.limit) + 1);
  NotificationPage page;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    page.items.push_back(ReadNotification(s));
  }
  if (page.items.size() > static_cast<std::size_t>(f.limit)) {
    page.items.pop_back();
    page.next_seq = page.items.back().seq;
  }
  return page;
}

Result<std::int64_t> SqliteTx::CountUnreadNotifications(const std::string& store_id) {
  OF_RETURN_IF_ERROR(FlushDeltas());
  auto s =
      conn_.Prepare("SELECT value FROM counters WHERE store_id = ? AND name = 'unread_alerts'");
  s.Bind(1, store_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.Int(0) : 0;
}

Status SqliteTx::InsertStore(const domain::StoreInfo& st) {
  StoreChanged(st.store_id);
  auto s = conn_.Prepare(std::string("INSERT INTO stores (") + kStoreColumns +
                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, st.store_id).Bind(2, st.name).Bind(3, st.color).Bind(4, st.currency);
  s.Bind(5, st.api_key_hash).Bind(6, st.rate_limit).Bind(7, st.burst);
  s.Bind(8, EncodeFraudSettings(st.fraud)).Bind(9, st.created_at);
  Status r = s.Run();
  if (!r.ok() && r.code() == ErrorCode::kConflict) {
    return MakeError(ErrorCode::kConflict, "store '" + st.store_id + "' already exists", "storeId");
  }
  return r;
}

Status SqliteTx::UpdateStore(const domain::StoreInfo& st) {
  StoreChanged(st.store_id);
  auto s = conn_.Prepare(
      "UPDATE stores SET name = ?, color = ?, currency = ?, api_key_hash = ?, rate_limit = ?, "
      "burst = ?, settings = ? WHERE store_id = ?");
  s.Bind(1, st.name).Bind(2, st.color).Bind(3, st.currency).Bind(4, st.api_key_hash);
  s.Bind(5, st.rate_limit).Bind(6, st.burst).Bind(7, EncodeFraudSettings(st.fraud));
  s.Bind(8, st.store_id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return NotFound("store '" + st.store_id + "'");
  return OkStatus();
}

Status SqliteTx::AddStats(const std::string& store_id, TimeMs created_at,
                          domain::OrderStatus status, std::int64_t orders, domain::Cents amount) {
  StatsDelta& d =
      unit_deltas_.stats[StatsKey{store_id, created_at / kHourMs, domain::ToString(status)}];
  d.orders += orders;
  d.amount += amount;
  return OkStatus();
}

Status SqliteTx::AddCounter(const std::string& store_id, const std::string& name,
                            std::int64_t delta) {
  unit_deltas_.counters[{store_id, name}] += delta;
  return OkStatus();
}

void SqliteTx::Deltas::Add(const Deltas& other) {
  for (const auto& [key, delta] : other.counters) counters[key] += delta;
  for (const auto& [key, d] : other.stats) {
    StatsDelta& mine = stats[key];
    mine.orders += d.orders;
    mine.amount += d.amount;
  }
}

void SqliteTx::BeginUnit() {
  if (recent_orders_ != nullptr) recent_orders_->DropUnit();
  orders_.Clear();
  order_writes_.clear();
  order_write_index_.clear();
  webhooks_changed_ = false;
  stores_changed_ = false;
  unit_deltas_ = {};
  batch_before_flush_.reset();
  events_.clear();
  deliveries_.clear();
  notifications_.BeginUnit();
  movements_.BeginUnit();
  unit_events_ = 0;
  history_.clear();
}

Status SqliteTx::EndUnit() {
  OF_RETURN_IF_ERROR(FlushOrders(/*unit_ends=*/true));
  OF_RETURN_IF_ERROR(FlushLog());
  batch_deltas_.Add(unit_deltas_);
  unit_deltas_ = {};
  batch_before_flush_.reset();
  notifications_.EndUnit();
  movements_.EndUnit();
  if (recent_orders_ != nullptr) recent_orders_->KeepUnit();
  return OkStatus();
}

void SqliteTx::AbortUnit() {
  // The savepoint's rollback undoes what FlushDeltas wrote early.
  if (batch_before_flush_) batch_deltas_ = std::move(*batch_before_flush_);
  if (webhooks_changed_ && webhook_topics_ != nullptr) webhook_topics_->Clear();
  if (stores_changed_ && store_infos_ != nullptr) store_infos_->Clear();
  if (products_ != nullptr) products_->Clear();
  notifications_.AbortUnit();
  movements_.AbortUnit();
  BeginUnit();
}

Status SqliteTx::EndBatch() {
  OF_RETURN_IF_ERROR(FlushBatchRows());
  Status s = WriteDeltas();
  batch_deltas_ = {};
  return s;
}

Status SqliteTx::FlushDeltas() {
  if (unit_deltas_.empty() && batch_deltas_.empty()) return OkStatus();
  if (!batch_before_flush_) batch_before_flush_ = batch_deltas_;
  batch_deltas_.Add(unit_deltas_);
  unit_deltas_ = {};
  Status s = WriteDeltas();
  batch_deltas_ = {};
  return s;
}

Status SqliteTx::WriteDeltas() {
  auto stats = conn_.Prepare(
      "INSERT INTO order_stats (store_id, hour, status, orders, amount) VALUES (?, ?, ?, ?, ?) "
      "ON CONFLICT (store_id, hour, status) DO UPDATE SET orders = orders + excluded.orders, "
      "amount = amount + excluded.amount");
  for (const auto& [key, d] : batch_deltas_.stats) {
    if (d.orders == 0 && d.amount == 0) continue;
    stats.Bind(1, std::get<0>(key)).Bind(2, std::get<1>(key)).Bind(3, std::get<2>(key));
    stats.Bind(4, d.orders).Bind(5, d.amount);
    OF_RETURN_IF_ERROR(stats.Run());
  }
  auto counter = conn_.Prepare(
      "INSERT INTO counters (store_id, name, value) VALUES (?, ?, ?) "
      "ON CONFLICT (store_id, name) DO UPDATE SET value = value + excluded.value");
  for (const auto& [key, delta] : batch_deltas_.counters) {
    if (delta == 0) continue;
    counter.Bind(1, key.first).Bind(2, key.second).Bind(3, delta);
    OF_RETURN_IF_ERROR(counter.Run());
  }
  return OkStatus();
}

Status SqliteTx::PutIdempotency(const std::string& store_id, const std::string& key,
                                const IdempotencyRecord& r) {
  auto s = conn_.Prepare(
      "INSERT INTO idempotency_keys (store_id, key, request_hash, status_code, body, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  s.Bind(1, store_id).Bind(2, key).Bind(3, r.request_hash).Bind(4, r.status_code);
  s.Bind(5, r.body).Bind(6, r.created_at);
  return s.Run();
}

Status SqliteTx::CompleteIdempotency(const std::string& store_id, const std::string& key,
                                     const IdempotencyRecord& r) {
  auto s = conn_.Prepare(
      "UPDATE idempotency_keys SET status_code = ?, body = ? "
      "WHERE store_id = ? AND key = ? AND request_hash = ? AND status_code = 0");
  s.Bind(1, r.status_code).Bind(2, r.body).Bind(3, store_id).Bind(4, key).Bind(5, r.request_hash);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return NotFound("idempotency claim '" + key + "'");
  return OkStatus();
}

Status SqliteTx::InsertNotification(const domain::Notification& n) {
  notifications_.Add(n);
  if (!n.read) return AddCounter(n.store_id, "unread_alerts", 1);
  return OkStatus();
}

Status SqliteTx::MarkNotificationRead(const std::string& store_id, const std::string& id) {
  OF_RETURN_IF_ERROR(FlushBatchRows());
  auto s = conn_.Prepare(
      "UPDATE notifications SET read = 1 WHERE store_id = ? AND notification_id = ? AND read = 0");
  s.Bind(1, store_id).Bind(2, id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() > 0) return AddCounter(store_id, "unread_alerts", -1);
  auto e = conn_.Prepare("SELECT 1 FROM notifications WHERE store_id = ? AND notification_id = ?");
  e.Bind(1, store_id).Bind(2, id);
  OF_ASSIGN_OR_RETURN(bool exists, e.Step());
  if (!exists) return NotFound("alert '" + id + "'");
  return OkStatus();
}

Result<std::int64_t> SqliteTx::MarkAllNotificationsRead(const std::string& store_id) {
  OF_RETURN_IF_ERROR(FlushBatchRows());
  OF_RETURN_IF_ERROR(FlushDeltas());
  auto s = conn_.Prepare("UPDATE notifications SET read = 1 WHERE store_id = ? AND read = 0");
  s.Bind(1, store_id);
  OF_RETURN_IF_ERROR(s.Run());
  std::int64_t changed = conn_.Changes();
  auto c = conn_.Prepare(
      "INSERT INTO counters (store_id, name, value) VALUES (?, 'unread_alerts', 0) "
      "ON CONFLICT (store_id, name) DO UPDATE SET value = 0");
  c.Bind(1, store_id);
  OF_RETURN_IF_ERROR(c.Run());
  return changed;
}

}  // namespace orderflow::store::sqlite
