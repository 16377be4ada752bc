#pragma once
// The statements SqliteTx runs on `orders`, in one place so that the
// query-plan tests (tests/integration/order_index_plans_sqlite_test.cpp) EXPLAIN
// the exact text the store executes. Each comment names the index of
// migrations/sqlite/005_lean_order_indexes.sql that serves the statement.

#include <string>

#include "store/store.hpp"

namespace orderflow::store::sqlite {

// The columns ReadOrder (sqlite_tx.cpp) reads, in its order.
inline constexpr const char* kOrderColumns =
    "seq, order_id, store_id, customer_name, customer_email, items, total, currency, status, "
    "payment_status, fulfillment_status, failure_reason, tracking_number, carrier, payment_token, "
    "request_hash, created_at, updated_at";

// One order by id. Binds ?1 order_id, ?2 store_id. The unique
// (store_id, order_id) index.
const char* GetOrderSql();

// A page of ListOrders, newest first (ORDER BY seq DESC). The text depends
// only on which filters of `filter` are set; named parameters :store,
// :status, :payment, :fulfillment, :customer, :from, :to, :qprefix, :qany,
// :before, :limit. Served by orders_by_store (store_id, seq) or, when the
// filter has one, the status, payment, fulfilment, customer or email index,
// each ending in seq so that no filter sorts. from/to and q are checked on
// the rows the index yields.
std::string ListOrdersSql(const OrderFilter& filter);

// Binds ?1 store_id, ?2 customer_key, ?3 since. orders_by_customer.
const char* CountCustomerOrdersSql();

// Binds ?1 store_id, ?2 customer_key, ?3 since. orders_failed_payments
// (partial: only orders whose payment failed).
const char* CountCustomerFailedPaymentsSql();

// The guarded status update of UpdateOrder. Sets failure_reason,
// tracking_number, carrier and updated_at always, and the indexed columns
// only when they change: SQLite rewrites the entry of every index whose
// column is assigned, changed or not. `payment` also sets payment_failed_at
// (orders_failed_payments) when the payment status is 'failed'. Named
// parameters :status, :payment, :fulfillment, :failure, :tracking,
// :carrier, :updated, :order, :store, :previous (the status read).
std::string UpdateOrderSql(bool status, bool payment, bool fulfillment);

}  // namespace orderflow::store::sqlite
