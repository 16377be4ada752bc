#include "store/postgres/order_sql.hpp"

#include "store/codec.hpp"
#include "store/postgres/pg_rows.hpp"

namespace orderflow::store::pg {

OrderQuery GetOrderQuery(const std::string& store_id, const std::string& order_id) {
  return {
      std::string("SELECT ") + kOrderColumns + " FROM orders WHERE order_id = $1 AND store_id = $2",
      {order_id, store_id}};
}

OrderQuery GetOrdersQuery(const std::vector<std::string>& store_ids,
                          const std::vector<std::string>& order_ids) {
  // LATERAL: one index lookup per pair, whatever the statistics say (a
  // semi-join may be planned as a scan of the whole table).
  return {std::string("SELECT o.* FROM unnest($1::text[], $2::text[]) AS k(s, i) CROSS JOIN "
                      "LATERAL (SELECT ") +
              kOrderColumns + " FROM orders WHERE store_id = k.s AND order_id = k.i) o",
          {TextArray(store_ids), TextArray(order_ids)}};
}

OrderQuery ListOrdersQuery(const OrderFilter& f) {
  OrderQuery q{std::string("SELECT ") + kOrderColumns + " FROM orders WHERE store_id = $1",
               {f.store_id}};
  auto next = [&q](Param p) {
    q.params.push_back(std::move(p));
    return "$" + std::to_string(q.params.size());
  };
  std::string& sql = q.sql;
  if (f.status) sql += " AND status = " + next(std::string(domain::ToString(*f.status)));
  if (!f.payment_status.empty()) sql += " AND payment_status = " + next(f.payment_status);
  if (!f.fulfillment_status.empty()) {
    sql += " AND fulfillment_status = " + next(f.fulfillment_status);
  }
  if (!f.customer.empty()) {
    sql +=
        (f.customer.find('@') != std::string::npos ? " AND email_key = " : " AND customer_key = ") +
        next(CustomerKey(f.customer));
  }
  if (f.from) sql += " AND created_at >= " + next(*f.from);
  if (f.to) sql += " AND created_at < " + next(*f.to);
  if (!f.q.empty()) {
    // SQLite's LIKE ignores ASCII case only; lower() under COLLATE "C" and
    // the ASCII-lower-cased customer_key give exactly that.
    std::string prefix = next(LikeEscape(CustomerKey(f.q)) + "%");
    std::string any = next("%" + LikeEscape(CustomerKey(f.q)) + "%");
    sql += " AND (lower(order_id) LIKE " + prefix + " ESCAPE '\\' OR customer_key LIKE " + any +
           " ESCAPE '\\')";
  }
  if (f.before_seq > 0) sql += " AND seq < " + next(f.before_seq);
  sql += " ORDER BY seq DESC LIMIT " + next(static_cast<std::int64_t>(f.limit) + 1);
  return q;
}

OrderQuery CountCustomerOrdersQuery(const std::string& store_id, const std::string& customer,
                                    TimeMs since) {
  // The customer's newest 1000 orders only, like the SQLite store.
  return {
      "SELECT COUNT(*) FROM (SELECT created_at FROM orders WHERE store_id = $1 "
      "AND customer_key = $2 ORDER BY seq DESC LIMIT 1000) c WHERE created_at >= $3",
      {store_id, CustomerKey(customer), since}};
}

OrderQuery CountCustomerFailedPaymentsQuery(const std::string& store_id,
                                            const std::string& customer, TimeMs since) {
  return {
      "SELECT COUNT(*) FROM orders WHERE store_id = $1 AND customer_key = $2 "
      "AND payment_failed_at IS NOT NULL AND payment_failed_at >= $3",
      {store_id, CustomerKey(customer), since}};
}

OrderQuery CountCustomerActivityQuery(const std::string& store_id, const std::string& customer,
                                      TimeMs orders_since, TimeMs failed_since) {
  // The two counts above as scalar subqueries, each with its own plan.
  OrderQuery orders = CountCustomerOrdersQuery(store_id, customer, orders_since);
  std::string failed = CountCustomerFailedPaymentsQuery(store_id, customer, failed_since).sql;
  failed.replace(failed.rfind("$3"), 2, "$4");
  orders.sql = "SELECT (" + orders.sql + "), (" + failed + ")";
  orders.params.emplace_back(failed_since);
  return orders;
}

}  // namespace orderflow::store::pg
