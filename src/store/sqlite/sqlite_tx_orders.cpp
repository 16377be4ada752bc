// The order side of SqliteTx's unit of work: orders the unit inserts or
// changes are kept in the unit and written once at its end (FlushOrders),
// one statement an order, however many chained steps moved them. Their new
// history entries wait for the unit's events (FlushLog, history_log.hpp).
// The fraud guard's customer counts, which must see those buffered orders,
// are here too.

#include <algorithm>

#include "store/codec.hpp"
#include "store/sqlite/order_sql.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace orderflow::store::sqlite {

using domain::Order;

SqliteTx::OrderWrite* SqliteTx::FindOrderWrite(const std::string& store_id,
                                               const std::string& order_id) {
  auto it = order_write_index_.find(store_id + '\n' + order_id);
  return it == order_write_index_.end() ? nullptr : &order_writes_[it->second];
}

Result<std::int64_t> SqliteTx::NextOrderSeq() {
  // Like event ids: this writer alone inserts orders into the file.
  if (next_order_seq_ == 0) {
    auto s = conn_.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM orders");
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    next_order_seq_ = row ? s.Int(0) : 1;
  }
  return next_order_seq_++;
}

Status SqliteTx::InsertOrder(const Order& o) {
  // A taken id fails the unit when the row is written (FlushOrders): the
  // same kConflict, at the end of the unit instead of here.
  if (FindOrderWrite(o.store_id, o.order_id) != nullptr) {
    return MakeError(ErrorCode::kConflict, "order '" + o.order_id + "' already exists", "orderId");
  }
  OrderWrite w;
  w.order = o;
  OF_ASSIGN_OR_RETURN(w.order.seq, NextOrderSeq());
  w.insert = true;
  order_write_index_[o.store_id + '\n' + o.order_id] = order_writes_.size();
  order_writes_.push_back(std::move(w));
  for (const domain::HistoryEntry& h : o.history) {
    history_.push_back(PendingHistory{o.store_id, o.order_id, h, unit_events_});
  }
  return AddStats(o.store_id, o.created_at, o.status, 1, o.total);
}

Status SqliteTx::UpdateOrder(const Order& o, domain::OrderStatus previous,
                             const std::vector<domain::HistoryEntry>& new_history) {
  OrderWrite* w = FindOrderWrite(o.store_id, o.order_id);
  if (w == nullptr) {
    // What the database holds (one process writes the file, so the unit's
    // read is still current).
    Result<Order> read = GetOrder(o.store_id, o.order_id);
    if (!read.ok() && read.code() == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kConflict,
                       "order '" + o.order_id + "' is not in store '" + o.store_id + "'");
    }
    if (!read.ok()) return read.error();
    Order stored = std::move(read).value();
    OrderWrite fresh;
    fresh.stored_status = std::string(domain::ToString(stored.status));
    fresh.stored_payment = stored.payment_status;
    fresh.stored_fulfillment = stored.fulfillment_status;
    fresh.order = std::move(stored);
    order_write_index_[o.store_id + '\n' + o.order_id] = order_writes_.size();
    w = &order_writes_.emplace_back(std::move(fresh));
  }
  if (w->order.status != previous) {
    return MakeError(ErrorCode::kConflict, "order '" + o.order_id + "' is no longer " +
                                               std::string(domain::ToString(previous)));
  }
  ApplyOrderUpdate(o, new_history, w->order);
  orders_.Updated(o, new_history);
  for (const domain::HistoryEntry& h : new_history) {
    history_.push_back(PendingHistory{o.store_id, o.order_id, h, unit_events_});
  }
  if (previous != o.status) {
    OF_RETURN_IF_ERROR(AddStats(o.store_id, o.created_at, previous, -1, -o.total));
    OF_RETURN_IF_ERROR(AddStats(o.store_id, o.created_at, o.status, 1, o.total));
  }
  return OkStatus();
}

Status SqliteTx::FlushOrders(bool unit_ends) {
  if (order_writes_.empty()) return OkStatus();
  for (const OrderWrite& w : order_writes_) {
    const Order& o = w.order;
    if (w.insert) {
      auto s = conn_.Prepare(
          "INSERT INTO orders (seq, order_id, store_id, customer_name, customer_email, "
          "customer_key, items, total, currency, status, payment_status, fulfillment_status, "
          "failure_reason, tracking_number, carrier, payment_token, request_hash, created_at, "
          "updated_at, email_key, payment_failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
          "?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ?11 = 'failed' THEN ?19 END)");
      s.Bind(1, o.seq).Bind(2, o.order_id).Bind(3, o.store_id).Bind(4, o.customer_name);
      s.Bind(5, o.customer_email).Bind(6, CustomerKey(o.customer_name));
      s.Bind(7, EncodeItems(o.items)).Bind(8, o.total).Bind(9, o.currency);
      s.Bind(10, std::string(domain::ToString(o.status))).Bind(11, o.payment_status);
      s.Bind(12, o.fulfillment_status).Bind(13, o.failure_reason).Bind(14, o.tracking_number);
      s.Bind(15, o.carrier).Bind(16, o.payment_token).Bind(17, o.request_hash);
      s.Bind(18, o.created_at).Bind(19, o.updated_at).Bind(20, CustomerKey(o.customer_email));
      if (Status r = s.Run(); !r.ok()) {
        if (r.code() != ErrorCode::kConflict) return r;
        return MakeError(ErrorCode::kConflict, "order '" + o.order_id + "' already exists",
                         "orderId");
      }
    } else {
      const std::string status(domain::ToString(o.status));
      const bool payment =
          w.stored_payment != o.payment_status || o.payment_status == domain::kPaymentFailed;
      auto s = conn_.Prepare(UpdateOrderSql(w.stored_status != status, payment,
                                            w.stored_fulfillment != o.fulfillment_status));
      s.BindName(":status", status);
      s.BindName(":payment", o.payment_status).BindName(":fulfillment", o.fulfillment_status);
      s.BindName(":failure", o.failure_reason).BindName(":tracking", o.tracking_number);
      s.BindName(":carrier", o.carrier).BindName(":updated", o.updated_at);
      s.BindName(":order", o.order_id).BindName(":store", o.store_id);
      s.BindName(":previous", w.stored_status);
      OF_RETURN_IF_ERROR(s.Run());
      if (conn_.Changes() == 0) {
        return MakeError(ErrorCode::kConflict,
                         "order '" + o.order_id + "' is no longer " + w.stored_status);
      }
    }
  }
  for (OrderWrite& w : order_writes_) {
    if (!unit_ends) orders_.Put(w.order);
    if (recent_orders_ != nullptr) {
      recent_orders_->Stage(unit_ends ? std::move(w.order) : w.order);
    }
  }
  order_writes_.clear();
  order_write_index_.clear();
  return OkStatus();
}

// The counts include the unit's own orders, still buffered (FlushOrders):
// counting those here instead of writing them first keeps an intake to one
// write of its order. Flushing for the fraud check inserted the order
// mid-unit and updated it again at the unit's end.

Result<std::int64_t> SqliteTx::CountCustomerOrders(const std::string& store_id,
                                                   const std::string& customer, TimeMs since) {
  const std::string key = CustomerKey(customer);
  std::int64_t buffered = 0;
  for (const OrderWrite& w : order_writes_) {
    // A buffered update changes neither the customer nor created_at, so the
    // stored row already counts as it will.
    if (w.insert && w.order.store_id == store_id && w.order.created_at >= since &&
        CustomerKey(w.order.customer_name) == key) {
      ++buffered;
    }
  }
  auto s = conn_.Prepare(CountCustomerOrdersSql());
  s.Bind(1, store_id).Bind(2, key).Bind(3, since);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  return (row ? s.Int(0) : 0) + buffered;
}

Result<std::int64_t> SqliteTx::CountCustomerFailedPayments(const std::string& store_id,
                                                           const std::string& customer,
                                                           TimeMs since) {
  const std::string key = CustomerKey(customer);
  auto failed = [](const OrderWrite& w) {
    return w.order.payment_status == domain::kPaymentFailed;
  };
  // A buffered payment failure of a stored order changes the row's
  // payment_failed_at: rare (nothing checks fraud in a payment's unit), so
  // written out first rather than reproduced here.
  const bool stale = std::any_of(order_writes_.begin(), order_writes_.end(), [&](auto& w) {
    return !w.insert && failed(w) && w.stored_payment != domain::kPaymentFailed;
  });
  if (stale) OF_RETURN_IF_ERROR(FlushOrders());
  std::int64_t buffered = 0;
  for (const OrderWrite& w : order_writes_) {
    if (w.insert && failed(w) && w.order.store_id == store_id && w.order.updated_at >= since &&
        CustomerKey(w.order.customer_name) == key) {
      ++buffered;
    }
  }
  auto s = conn_.Prepare(CountCustomerFailedPaymentsSql());
  s.Bind(1, store_id).Bind(2, key).Bind(3, since);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  return (row ? s.Int(0) : 0) + buffered;
}

}  // namespace orderflow::store::sqlite
