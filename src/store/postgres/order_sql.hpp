#pragma once
// The statements PgTx runs to read `orders`, in one place so that the
// query-plan tests (tests/integration/order_index_plans_pg_test.cpp) EXPLAIN
// the exact text, with the exact parameters, that the store executes. Each
// comment names the index of migrations/postgres/005_lean_order_indexes.sql
// that serves the statement.

#include <string>
#include <vector>

#include "store/postgres/connection.hpp"
#include "store/store.hpp"

namespace orderflow::store::pg {

struct OrderQuery {
  std::string sql;
  std::vector<Param> params;
};

// One order by id: $1 order_id, $2 store_id. The unique (store_id, order_id)
// index.
OrderQuery GetOrderQuery(const std::string& store_id, const std::string& order_id);

// Several orders by id, in no particular order: $1 store ids, $2 order ids
// (arrays of equal length). The same index, once per pair.
OrderQuery GetOrdersQuery(const std::vector<std::string>& store_ids,
                          const std::vector<std::string>& order_ids);

// A page of ListOrders, newest first (ORDER BY seq DESC), asking for one row
// more than `filter.limit` (the cursor of the next page). The text depends
// only on which filters are set. Served by orders_by_store (store_id, seq)
// or, when the filter has one, the status, payment, fulfilment, customer or
// email index, each ending in seq so that no filter sorts. from/to and q
// are checked on the rows the index yields.
OrderQuery ListOrdersQuery(const OrderFilter& filter);

// orders_by_customer.
OrderQuery CountCustomerOrdersQuery(const std::string& store_id, const std::string& customer,
                                    TimeMs since);

// orders_failed_payments (partial: only orders whose payment failed).
OrderQuery CountCustomerFailedPaymentsQuery(const std::string& store_id,
                                            const std::string& customer, TimeMs since);
// Both, in one statement (PgTx::CountCustomerActivity).
OrderQuery CountCustomerActivityQuery(const std::string& store_id, const std::string& customer,
                                      TimeMs orders_since, TimeMs failed_since);

}  // namespace orderflow::store::pg
