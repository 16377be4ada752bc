// SQLite-only checks beside the conformance suite: every list filter is
// served by an index (EXPLAIN QUERY PLAN), and a schema-2 database keeps its
// rows through migrations 003 (ids per store) and 006 (history in the log).

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "store/migrations.hpp"
#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

// --- SQLite query plans ----------------------------------------------------

// The statements of SqliteTx::ListOrders and friends (src/store/sqlite/sqlite_tx.cpp),
// reproduced to check that every list filter is served by an index (SPEC §10).
const char* kOrderColumns =
    "seq, order_id, store_id, customer_name, customer_email, items, total, currency, status, "
    "payment_status, fulfillment_status, failure_reason, tracking_number, carrier, payment_token, "
    "request_hash, created_at, updated_at";

std::string ListOrdersSql(const std::string& condition, bool paged) {
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders WHERE store_id = :store";
  sql += condition;
  if (paged) sql += " AND seq < :before";
  return sql + " ORDER BY seq DESC LIMIT :limit";
}

std::string Joined(const std::vector<std::string>& plan) {
  std::string out;
  for (const auto& line : plan) out += "\n  " + line;
  return out;
}

class SqliteQueryPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    // Open once so that the schema is migrated, then populate a little.
    store_ = SqliteFactory::Make(dir_.path());
    ASSERT_NE(store_, nullptr);
    Status s = WriteSync(*store_, [](WriteTx& tx) -> Status {
      OF_RETURN_IF_ERROR(tx.InsertStore(MakeStore("A")));
      for (int i = 0; i < 200; ++i) {
        OF_RETURN_IF_ERROR(
            tx.InsertOrder(MakeOrder("A", OrderId(i), "C" + std::to_string(i % 9), kNow + i)));
      }
      return OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
    raw_ = std::make_unique<RawSqlite>(SqlitePath(dir_.path()));
  }

  // True when a plan line reads through `index` ("... USING [COVERING] INDEX name (...)").
  static bool MentionsIndex(const std::string& line, const std::string& index) {
    for (const std::string prefix : {"USING INDEX ", "USING COVERING INDEX "}) {
      std::size_t at = line.find(prefix + index);
      if (at == std::string::npos) continue;
      std::size_t end = at + prefix.size() + index.size();
      if (end == line.size() || line[end] == ' ') return true;
    }
    return false;
  }
  // Asserts that `sql` reads `table` through `index` and never scans it.
  void ExpectIndexed(const std::string& sql, const std::string& table, const std::string& index) {
    auto plan = raw_->Plan(sql);
    ASSERT_FALSE(plan.empty());
    bool uses = false;
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN " + table, 0), 0u)
          << "full scan in" << Joined(plan) << "\nfor " << sql;
      uses = uses || MentionsIndex(line, index);
    }
    EXPECT_TRUE(uses) << "expected index " << index << " in" << Joined(plan) << "\nfor " << sql;
  }
  // Asserts that the plan has no full scan of `table` and, unless allowed, no sort.
  void ExpectNoScanNoSort(const std::string& sql, const std::string& table,
                          bool allow_sort = false) {
    auto plan = raw_->Plan(sql);
    ASSERT_FALSE(plan.empty());
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN " + table, 0), 0u) << "full scan in" << Joined(plan);
      if (!allow_sort) {
        EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << "sorts in" << Joined(plan);
      }
    }
  }

  orderflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RawSqlite> raw_;
};

TEST_F(SqliteQueryPlan, OrderListWithoutFilterWalksTheStoreIndex) {
  for (bool paged : {false, true}) {
    ExpectIndexed(ListOrdersSql("", paged), "orders", "orders_by_store");
    ExpectNoScanNoSort(ListOrdersSql("", paged), "orders");
  }
}

TEST_F(SqliteQueryPlan, StatusPaymentAndFulfillmentFiltersUseTheirIndexes) {
  for (bool paged : {false, true}) {
    SCOPED_TRACE(paged ? "paged" : "first page");
    ExpectIndexed(ListOrdersSql(" AND status = :status", paged), "orders", "orders_by_status");
    ExpectNoScanNoSort(ListOrdersSql(" AND status = :status", paged), "orders");
    ExpectIndexed(ListOrdersSql(" AND payment_status = :payment", paged), "orders",
                  "orders_by_payment");
    ExpectNoScanNoSort(ListOrdersSql(" AND payment_status = :payment", paged), "orders");
    ExpectIndexed(ListOrdersSql(" AND fulfillment_status = :fulfillment", paged), "orders",
                  "orders_by_fulfillment");
    ExpectNoScanNoSort(ListOrdersSql(" AND fulfillment_status = :fulfillment", paged), "orders");
  }
}

TEST_F(SqliteQueryPlan, CustomerNameFilterUsesTheCustomerIndex) {
  for (bool paged : {false, true}) {
    ExpectIndexed(ListOrdersSql(" AND customer_key = :customer", paged), "orders",
                  "orders_by_customer");
  }
}

// ListOrders filters `email_key = :customer` (the lower-cased email) when
// the customer contains '@'.
TEST_F(SqliteQueryPlan, CustomerEmailFilterUsesAnIndexOnTheEmail) {
  for (bool paged : {false, true}) {
    auto plan = raw_->Plan(ListOrdersSql(" AND email_key = :customer", paged));
    bool email_index = false;
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN orders", 0), 0u) << Joined(plan);
      email_index = email_index || line.find("email_key=?") != std::string::npos;
    }
    EXPECT_TRUE(email_index) << "the email filter is not served by an index; it reads every order "
                                "of the store:"
                             << Joined(plan);
  }
}

TEST_F(SqliteQueryPlan, TimeRangeAndSearchFiltersNeverScanTheTable) {
  const std::string conditions[] = {
      " AND created_at >= :from",
      " AND created_at < :to",
      " AND created_at >= :from AND created_at < :to",
      " AND (order_id LIKE :qprefix ESCAPE '\\' OR customer_name LIKE :qany ESCAPE '\\')",
      " AND status = :status AND created_at >= :from AND created_at < :to",
      " AND status = :status AND (order_id LIKE :qprefix ESCAPE '\\' OR customer_name LIKE :qany "
      "ESCAPE '\\')",
  };
  for (const auto& condition : conditions) {
    for (bool paged : {false, true}) {
      auto plan = raw_->Plan(ListOrdersSql(condition, paged));
      ASSERT_FALSE(plan.empty());
      bool indexed = false;
      for (const auto& line : plan) {
        EXPECT_NE(line.rfind("SCAN orders", 0), 0u) << condition << Joined(plan);
        indexed = indexed || line.find("USING INDEX orders_by_") != std::string::npos ||
                  line.find("USING COVERING INDEX orders_by_") != std::string::npos;
      }
      EXPECT_TRUE(indexed) << condition << Joined(plan);
    }
  }
}

TEST_F(SqliteQueryPlan, FraudCountersAndAlertListsUseIndexes) {
  ExpectIndexed(
      "SELECT COUNT(*) FROM (SELECT created_at FROM orders WHERE store_id = ? AND customer_key = ? "
      "ORDER BY seq DESC LIMIT 1000) WHERE created_at >= ?",
      "orders", "orders_by_customer");
  ExpectIndexed(
      "SELECT COUNT(*) FROM orders WHERE store_id = ? AND customer_key = ? "
      "AND payment_failed_at IS NOT NULL AND payment_failed_at >= ?",
      "orders", "orders_failed_payments");
  const std::string notifications =
      "SELECT seq, notification_id, store_id, order_id, type, title, message, read, created_at "
      "FROM notifications WHERE store_id = :store";
  ExpectNoScanNoSort(notifications + " ORDER BY seq DESC LIMIT :limit", "notifications");
  ExpectNoScanNoSort(notifications + " AND seq < :before ORDER BY seq DESC LIMIT :limit",
                     "notifications");
  ExpectIndexed(notifications + " AND read = 0 ORDER BY seq DESC LIMIT :limit", "notifications",
                "notifications_unread");
  ExpectNoScanNoSort(
      notifications + " AND read = 0 AND seq < :before ORDER BY seq DESC LIMIT :limit",
      "notifications");
  ExpectNoScanNoSort(
      "SELECT status, SUM(orders), SUM(amount) FROM order_stats WHERE store_id = ? AND hour >= ? "
      "GROUP BY status",
      "order_stats", /*allow_sort=*/true);
}

TEST_F(SqliteQueryPlan, WebhookListsUseTheirIndexes) {
  ExpectIndexed(
      "SELECT webhook_id FROM webhooks WHERE store_id = ? ORDER BY created_at, webhook_id",
      "webhooks", "webhooks_by_store");
  ExpectNoScanNoSort(
      "SELECT webhook_id FROM webhooks WHERE store_id = ? ORDER BY created_at, webhook_id",
      "webhooks");
  const std::string attempts =
      "SELECT attempt_id, delivery_id, webhook_id, store_id, event_id, topic, attempt, "
      "status_code, error, duration_ms, at, outcome FROM webhook_attempts "
      "WHERE webhook_id = :webhook AND store_id = :store";
  for (const std::string& page : {std::string(), std::string(" AND attempt_id < :before")}) {
    ExpectIndexed(attempts + page + " ORDER BY attempt_id DESC LIMIT :limit", "webhook_attempts",
                  "webhook_attempts_by_webhook");
    ExpectNoScanNoSort(attempts + page + " ORDER BY attempt_id DESC LIMIT :limit",
                       "webhook_attempts");
  }
  ExpectNoScanNoSort("DELETE FROM webhook_deliveries WHERE webhook_id = ? AND store_id = ?",
                     "webhook_deliveries");
}

TEST_F(SqliteQueryPlan, OrderLookupsUseTheStoreAndOrderIdKeys) {
  auto plan = raw_->Plan("SELECT status FROM orders WHERE order_id = 'x' AND store_id = 'A'");
  for (const auto& line : plan) EXPECT_NE(line.rfind("SCAN", 0), 0u) << Joined(plan);
  // An order's history is read from the event log (SqliteTx::GetOrder):
  // one range of events_by_order, already in id order.
  const std::string history =
      "SELECT history_status, history_detail, history_at FROM events "
      "WHERE store_id = 'A' AND order_id = 'x' AND history_status IS NOT NULL ORDER BY id";
  plan = raw_->Plan(history);
  for (const auto& line : plan) {
    EXPECT_NE(line.rfind("SCAN", 0), 0u) << Joined(plan);
    EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << Joined(plan);
  }
  ExpectIndexed(history, "events", "events_by_order");
  ExpectIndexed("SELECT id FROM events WHERE order_id = 'x' AND store_id = 'A' ORDER BY id",
                "events", "events_by_order");
}

// A database of schema version 2 (order ids unique across stores) keeps its
// orders, their history and events when migration 003 makes ids per store.
TEST(SqliteMigration, OrderIdsBecomePerStoreAndKeepTheirRows) {
  orderflow::testing::TempDir dir;
  const std::string path = SqlitePath(dir.path());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL DEFAULT '');";
    for (const Migration& m : Migrations("sqlite")) {
      if (m.version > 2) continue;
      sql += m.sql;
      sql += ";INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) +
             ", '" + m.name + "');";
    }
    sql +=
        "INSERT INTO orders (order_id, store_id, customer_name, customer_email, customer_key, "
        "email_key, items, total, currency, status, payment_status, fulfillment_status, "
        "request_hash, created_at, updated_at) VALUES ('o-1', 'A', 'Ada', 'ada@example.com', "
        "'ada', 'ada@example.com', '[]', 500, 'USD', 'paid', 'paid', 'pending', 'h', 1, 2);"
        "INSERT INTO order_history (order_id, idx, status, detail, at) VALUES "
        "('o-1', 0, 'ORDER_CREATED', 'Order received', 1), ('o-1', 1, 'PAID', 'ok', 2);"
        "INSERT INTO events (store_id, order_id, topic, payload, created_at, due_at) VALUES "
        "('A', 'o-1', 'order.created', '{}', 1, 1);";
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  auto store = SqliteFactory::Make(dir.path());
  ASSERT_NE(store, nullptr);
  auto a = ReadValue(*store, [](ReadTx& tx) { return tx.GetOrder("A", "o-1"); });
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->customer_name, "Ada");
  EXPECT_EQ(a->status, OrderStatus::kPaid);
  ASSERT_EQ(a->history.size(), 2u);
  EXPECT_EQ(a->history[1].status, "PAID");
  auto events = ReadValue(*store, [](ReadTx& tx) { return tx.ListOrderEvents("A", "o-1"); });
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  // Now another store may use the id, and the first keeps its own.
  Status b = WriteSync(
      *store, [](WriteTx& tx) { return tx.InsertOrder(MakeOrder("B", "o-1", "Bob", kNow)); });
  EXPECT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(ReadValue(*store, [](ReadTx& tx) { return tx.GetOrder("A", "o-1"); })->history.size(),
            2u);
  EXPECT_EQ(SqliteFactory::QueryInt(dir.path(), "SELECT MAX(version) FROM schema_migrations"),
            static_cast<std::int64_t>(Migrations("sqlite").back().version));
}

}  // namespace
}  // namespace orderflow::store::conformance
