// PgTx: what a lean batch does once for all its units (pg_tx.hpp,
// KeepRowsForBatchEnd): the rows kept for its end and the multi-row
// statements that write them, and the orders read for the whole batch
// (PrefetchOrders).
#include <string>
#include <vector>

#include "store/postgres/order_sql.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {

Status PgTx::SeeOwnWrites() {
  OF_RETURN_IF_ERROR(FlushLog());
  return FlushBatchRows();
}

Status PgTx::SeeKeptRowsOfOrder(const std::string& store_id, const std::string& order_id) {
  if (kept_.orders.count(OrderKey(store_id, order_id)) == 0) return OkStatus();
  return FlushBatchRows();
}

Status PgTx::SeeKeptRowsOfEvent(std::int64_t event_id) {
  if (kept_.event_ids.count(event_id) == 0) return OkStatus();
  return FlushBatchRows();
}

void PgTx::PrefetchOrders(const std::vector<std::pair<std::string, std::string>>& orders) {
  if (!lean_ || orders.empty()) return;
  std::vector<std::string> stores;
  std::vector<std::string> ids;
  for (const auto& [store_id, order_id] : orders) {
    if (!prefetch_keys_.insert(OrderKey(store_id, order_id)).second) continue;
    stores.push_back(store_id);
    ids.push_back(order_id);
  }
  OrderQuery q = GetOrdersQuery(stores, ids);
  Status sent = conn_.Send(q.sql, q.params, [this](Rows& rows) -> Status {
    for (int r = 0; r < rows.size(); ++r) {
      OF_ASSIGN_OR_RETURN(domain::Order o, ReadOrder(rows, r));
      std::string key = OrderKey(o.store_id, o.order_id);
      prefetched_[key] = std::move(o);
    }
    return OkStatus();
  });
  // The histories, as GetOrder reads them (events_by_order).
  if (sent.ok()) {
    sent = conn_.Send(
        "SELECT h.* FROM unnest($1::text[], $2::text[]) AS k(s, o) CROSS JOIN LATERAL "
        "(SELECT store_id, order_id, history_status, history_detail, history_at, id FROM events "
        "WHERE store_id = k.s AND order_id = k.o AND history_status IS NOT NULL) h ORDER BY h.id",
        {TextArray(stores), TextArray(ids)}, [this](Rows& rows) -> Status {
          for (int r = 0; r < rows.size(); ++r) {
            auto it = prefetched_.find(OrderKey(rows.Text(r, 0), rows.Text(r, 1)));
            if (it == prefetched_.end()) continue;
            it->second.history.push_back(
                domain::HistoryEntry{rows.Text(r, 2), rows.Int(r, 4), rows.Text(r, 3)});
          }
          prefetch_arrived_ = true;
          return OkStatus();
        });
  }
  if (!sent.ok()) prefetch_keys_.clear();
}

Result<std::optional<domain::Order>> PgTx::Prefetched(const std::string& store_id,
                                                      const std::string& order_id) {
  const std::string key = OrderKey(store_id, order_id);
  if (prefetch_keys_.count(key) == 0) return std::optional<domain::Order>();
  if (!prefetch_arrived_) OF_RETURN_IF_ERROR(conn_.Await());
  auto it = prefetched_.find(key);
  if (!prefetch_arrived_ || it == prefetched_.end()) return std::optional<domain::Order>();
  return std::optional<domain::Order>(it->second);
}

Status PgTx::FlushBatchRows() {
  KeptRows kept;
  std::swap(kept, kept_);
  if (!kept.events.empty()) OF_RETURN_IF_ERROR(SendEvents(kept.events));
  if (!kept.notifications.empty()) OF_RETURN_IF_ERROR(SendNotifications(kept.notifications));
  if (!kept.movements.empty()) OF_RETURN_IF_ERROR(SendMovements(kept.movements));
  return OkStatus();
}

Status PgTx::SendNotifications(const std::vector<domain::Notification>& notifications) {
  std::vector<std::string> ids;
  std::vector<std::string> stores;
  std::vector<std::string> orders;
  std::vector<std::string> types;
  std::vector<std::string> titles;
  std::vector<std::string> messages;
  std::vector<std::int64_t> read;
  std::vector<std::int64_t> created;
  for (const domain::Notification& n : notifications) {
    ids.push_back(n.notification_id);
    stores.push_back(n.store_id);
    orders.push_back(n.order_id);
    types.emplace_back(domain::ToString(n.type));
    titles.push_back(n.title);
    messages.push_back(n.message);
    read.push_back(n.read ? 1 : 0);
    created.push_back(n.created_at);
  }
  // A taken id (or one twice in the list) inserts fewer rows than asked:
  // the conflict the single-row insert reports, for the whole statement.
  const auto wanted = static_cast<std::int64_t>(notifications.size());
  return conn_.Send(
      "WITH n AS (INSERT INTO notifications (notification_id, store_id, order_id, type, title, "
      "message, read, created_at) SELECT i, s, o, t, ti, m, r, c FROM unnest($1::text[], "
      "$2::text[], $3::text[], "
      "$4::text[], $5::text[], $6::text[], $7::int[], $8::bigint[]) WITH ORDINALITY "
      "AS u(i, s, o, t, ti, m, r, c, k) ORDER BY k "
      "ON CONFLICT DO NOTHING RETURNING 1) SELECT COUNT(*) FROM n",
      {TextArray(ids), TextArray(stores), TextArray(orders), TextArray(types), TextArray(titles),
       TextArray(messages), IntArray(read), IntArray(created)},
      [wanted](Rows& rows) -> Status {
        if (rows.Int(0, 0) != wanted) return MakeError(ErrorCode::kConflict, "alert id taken");
        return OkStatus();
      });
}

Status PgTx::SendMovements(const std::vector<StockMovement>& movements) {
  std::vector<std::string> stores;
  std::vector<std::string> products;
  std::vector<std::string> kinds;
  std::vector<std::int64_t> stock;
  std::vector<std::int64_t> reserved;
  std::vector<std::string> orders;
  std::vector<std::string> notes;
  std::vector<std::int64_t> at;
  for (const StockMovement& m : movements) {
    stores.push_back(m.store_id);
    products.push_back(m.product_id);
    kinds.emplace_back(ToString(m.kind));
    stock.push_back(m.stock_delta);
    reserved.push_back(m.reserved_delta);
    orders.push_back(m.order_id);
    notes.push_back(m.note);
    at.push_back(m.at);
  }
  // WITH ORDINALITY keeps the ledger's ids in the order of the movements.
  return conn_.Send(
      "INSERT INTO stock_movements (store_id, product_id, kind, stock_delta, reserved_delta, "
      "order_id, note, at) SELECT s, p, k, ds, dr, o, n, a FROM unnest($1::text[], $2::text[], "
      "$3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[]) "
      "WITH ORDINALITY AS u(s, p, k, ds, dr, o, n, a, i) ORDER BY i",
      {TextArray(stores), TextArray(products), TextArray(kinds), IntArray(stock),
       IntArray(reserved), TextArray(orders), TextArray(notes), IntArray(at)});
}

}  // namespace orderflow::store::pg
