#include "store/sqlite/order_sql.hpp"

namespace orderflow::store::sqlite {

const char* GetOrderSql() {
  static const std::string sql =
      std::string("SELECT ") + kOrderColumns + " FROM orders WHERE order_id = ?1 AND store_id = ?2";
  return sql.c_str();
}

std::string ListOrdersSql(const OrderFilter& f) {
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders WHERE store_id = :store";
  if (f.status) sql += " AND status = :status";
  if (!f.payment_status.empty()) sql += " AND payment_status = :payment";
  if (!f.fulfillment_status.empty()) sql += " AND fulfillment_status = :fulfillment";
  if (!f.customer.empty()) {
    sql += f.customer.find('@') != std::string::npos ? " AND email_key = :customer"
                                                     : " AND customer_key = :customer";
  }
  if (f.from) sql += " AND created_at >= :from";
  if (f.to) sql += " AND created_at < :to";
  if (!f.q.empty()) {
    sql += " AND (order_id LIKE :qprefix ESCAPE '\\' OR customer_name LIKE :qany ESCAPE '\\')";
  }
  if (f.before_seq > 0) sql += " AND seq < :before";
  sql += " ORDER BY seq DESC LIMIT :limit";
  return sql;
}

const char* CountCustomerOrdersSql() {
  // The customer's newest 1000 orders only: enough for any sane fraud
  // threshold, and bounded for customers with a long history.
  return "SELECT COUNT(*) FROM (SELECT created_at FROM orders WHERE store_id = ?1 "
         "AND customer_key = ?2 ORDER BY seq DESC LIMIT 1000) WHERE created_at >= ?3";
}

const char* CountCustomerFailedPaymentsSql() {
  return "SELECT COUNT(*) FROM orders WHERE store_id = ?1 AND customer_key = ?2 "
         "AND payment_failed_at IS NOT NULL AND payment_failed_at >= ?3";
}

std::string UpdateOrderSql(bool status, bool payment, bool fulfillment) {
  std::string sql =
      "UPDATE orders SET failure_reason = :failure, tracking_number = :tracking, "
      "carrier = :carrier, updated_at = :updated";
  if (status) sql += ", status = :status";
  if (payment) {
    sql +=
        ", payment_status = :payment, payment_failed_at = CASE WHEN :payment = 'failed' "
        "THEN COALESCE(payment_failed_at, :updated) ELSE payment_failed_at END";
  }
  if (fulfillment) sql += ", fulfillment_status = :fulfillment";
  return sql + " WHERE order_id = :order AND store_id = :store AND status = :previous";
}

}  // namespace orderflow::store::sqlite
