#include "support/invariants.hpp"

#include <gtest/gtest.h>

namespace orderflow::testing {

void ExpectFlowInvariants(const QueryIntFn& query, const std::string& store_id) {
  EXPECT_EQ(query("SELECT COUNT(*) FROM deliveries WHERE state <> 1"), 0)
      << "pending or dead deliveries left";
  // Stock equals the ledger, nothing oversold, nothing left reserved.
  EXPECT_EQ(query("SELECT COUNT(*) FROM products p WHERE "
                  "p.stock <> (SELECT COALESCE(SUM(stock_delta), 0) FROM stock_movements m "
                  "            WHERE m.store_id = p.store_id AND m.product_id = p.product_id) OR "
                  "p.reserved <> (SELECT COALESCE(SUM(reserved_delta), 0) FROM stock_movements m "
                  "               WHERE m.store_id = p.store_id AND m.product_id = p.product_id)"),
            0);
  EXPECT_EQ(
      query("SELECT COUNT(*) FROM products WHERE stock < 0 OR reserved < 0 OR reserved > stock"),
      0);
  EXPECT_EQ(
      query("SELECT COALESCE(SUM(reserved), 0) FROM products WHERE store_id = '" + store_id + "'"),
      0);
  // Exactly one payment per delivered order; no history entry twice. The
  // history is the event log's rows with history_status set (migration 006).
  EXPECT_EQ(query("SELECT COUNT(*) FROM orders o WHERE o.status = 'delivered' AND "
                  "(SELECT COUNT(*) FROM events h WHERE h.store_id = o.store_id "
                  " AND h.order_id = o.order_id AND h.history_status = 'PAYMENT_RECEIVED') <> 1"),
            0);
  EXPECT_EQ(query("SELECT COUNT(*) FROM (SELECT order_id, history_status FROM events "
                  "WHERE history_status IS NOT NULL "
                  "GROUP BY order_id, history_status HAVING COUNT(*) > 1) AS dup"),
            0);
  // The flat view agrees with the log: one row per entry.
  EXPECT_EQ(query("SELECT COUNT(*) FROM order_history"),
            query("SELECT COUNT(*) FROM events WHERE history_status IS NOT NULL"));
  // Each order reserved, released and committed each product at most once;
  // stock was committed for delivered orders only.
  EXPECT_EQ(
      query("SELECT COUNT(*) FROM (SELECT order_id, product_id, kind FROM stock_movements "
            "WHERE order_id <> '' GROUP BY order_id, product_id, kind HAVING COUNT(*) > 1) AS dup"),
      0);
  EXPECT_EQ(
      query(
          "SELECT COUNT(*) FROM orders o WHERE o.status = 'delivered' AND NOT EXISTS "
          "(SELECT 1 FROM stock_movements m WHERE m.order_id = o.order_id AND m.kind = 'commit')"),
      0);
  EXPECT_EQ(query("SELECT COUNT(*) FROM stock_movements m JOIN orders o ON o.order_id = m.order_id "
                  "WHERE m.kind = 'commit' AND o.status <> 'delivered'"),
            0);
  // One notification of each kind per order.
  EXPECT_EQ(query("SELECT COUNT(*) FROM (SELECT order_id, title FROM notifications "
                  "WHERE order_id <> '' AND title <> 'Low Inventory Alert' "
                  "GROUP BY order_id, title HAVING COUNT(*) > 1) AS dup"),
            0);
  EXPECT_EQ(query("SELECT COUNT(*) FROM orders o WHERE o.status = 'delivered' AND NOT EXISTS "
                  "(SELECT 1 FROM notifications n WHERE n.order_id = o.order_id "
                  " AND n.title = 'Order Delivered')"),
            0);
}

}  // namespace orderflow::testing
