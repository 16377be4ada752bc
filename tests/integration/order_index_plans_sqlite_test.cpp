// Every index of the orders table earns its place, on SQLite: at 1M
// orders, the plan of each statement SqliteTx runs on `orders` (ListOrders
// with every filter, paged or not; the fraud-window counts; the lookup by
// order id) reads through its intended index, never scans the table and
// never sorts. The statements come from the store's catalogue
// (src/store/sqlite/order_sql.cpp), so a change to a query is a change to
// what is tested. The pages the store returns are compared with a
// reference query that reads no index. The rows are written by one
// set-based statement into the migrated schema, then ANALYZEd. Runs as
// integration.*; order_index_plans_pg_test.cpp is the PostgreSQL twin.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "integration/order_index_cases.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/order_sql.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using namespace order_index;

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path;
    }
    sqlite3_busy_timeout(db_, 10000);
  }
  ~SqliteDb() { sqlite3_close(db_); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  bool Exec(const std::string& sql) {
    char* error = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) ADD_FAILURE() << (error != nullptr ? error : "?") << " in " << sql;
    sqlite3_free(error);
    return rc == SQLITE_OK;
  }
  // The first column of every row, as integers.
  std::vector<std::int64_t> Ints(const std::string& sql) {
    std::vector<std::int64_t> out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << sql;
      return out;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) out.push_back(sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  }
  // The first column of every row, as text.
  std::vector<std::string> Texts(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << sql;
      return out;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  std::string Text(const std::string& sql) {
    std::string out;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }
  // EXPLAIN QUERY PLAN: the `detail` of each node.
  std::vector<std::string> Plan(const std::string& sql) {
    std::vector<std::string> out;
    sqlite3_stmt* stmt = nullptr;
    std::string explain = "EXPLAIN QUERY PLAN " + sql;
    if (sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << " in " << sql;
      return out;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string Joined(const std::vector<std::string>& plan) {
  std::string out;
  for (const auto& line : plan) out += "\n  " + line;
  return out;
}

class SqliteOrderIndexPlans : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (ServerProcess::OnPostgres()) return;
    dir_ = new TempDir();
    path_ = dir_->File("orders.db");
    if (auto migrated = OpenSqlite(path_); migrated == nullptr) return;
    SqliteDb db(path_);
    db.Exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -131072");
    const std::string series =
        "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        "WHERE i < " +
        std::to_string(kOrders) + ") SELECT i FROM n)";
    // The secondary indexes are dropped for the fill and created again from
    // their own definitions; ExpectOnlyTheLeanIndexes checks the result.
    const std::string secondary =
        " FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders' AND sql IS NOT NULL "
        "ORDER BY name";
    auto names = db.Texts("SELECT name" + secondary);
    auto definitions = db.Texts("SELECT sql" + secondary);
    std::string fill = "BEGIN; ";
    for (const auto& name : names) fill += "DROP INDEX " + name + "; ";
    fill += GenerateRows(series) + "; ";
    for (const auto& definition : definitions) fill += definition + "; ";
    filled_ = db.Exec(fill + "COMMIT; ANALYZE");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (ServerProcess::OnPostgres()) GTEST_SKIP() << "the SQLite plans run as integration.*";
    ASSERT_TRUE(filled_);
    db_ = std::make_unique<SqliteDb>(path_);
  }

  // Asserts that the plan of `sql` reads orders through `index`, never
  // scans orders and never sorts.
  void ExpectPlan(const std::string& name, const std::string& sql, const std::string& index) {
    auto plan = db_->Plan(sql);
    ASSERT_FALSE(plan.empty()) << name;
    bool uses = false;
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN orders", 0), 0u) << name << ": full scan in" << Joined(plan);
      EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos)
          << name << ": sorts in" << Joined(plan);
      for (const std::string prefix : {"USING INDEX ", "USING COVERING INDEX "}) {
        uses = uses || line.find(prefix + index + " ") != std::string::npos;
      }
    }
    EXPECT_TRUE(uses) << name << ": expected " << index << " in" << Joined(plan);
  }

  void ExpectOnlyTheLeanIndexes();
  void ExpectPagesMatchAReferenceThatReadsNoIndex();
  void ExpectFraudCountsAndLookupReturnTheRightRows();

  static TempDir* dir_;
  static std::string path_;
  static bool filled_;
  std::unique_ptr<SqliteDb> db_;
};

TempDir* SqliteOrderIndexPlans::dir_ = nullptr;
std::string SqliteOrderIndexPlans::path_;
bool SqliteOrderIndexPlans::filled_ = false;

// One test, so that ctest (a process per test) fills the database once.
// The plans are checked with statistics (ANALYZE) and without: the store
// never runs ANALYZE, so a database in use plans with SQLite's defaults,
// which read a from/to filter through an index on created_at, when there is
// one, and sort the whole window.
TEST_F(SqliteOrderIndexPlans, AtOneMillionOrders) {
  for (bool analyzed : {true, false}) {
    SCOPED_TRACE(analyzed ? "ANALYZEd" : "no statistics");
    if (!analyzed) {
      ASSERT_TRUE(db_->Exec("BEGIN; DELETE FROM sqlite_stat1; ANALYZE sqlite_schema"));
    }
    for (const ListCase& c : PagedCases()) {
      ExpectPlan(c.name, store::sqlite::ListOrdersSql(c.filter), c.index);
    }
    ExpectPlan("customer orders", store::sqlite::CountCustomerOrdersSql(), "orders_by_customer");
    ExpectPlan("failed payments", store::sqlite::CountCustomerFailedPaymentsSql(),
               "orders_failed_payments");
    ExpectPlan("lookup", store::sqlite::GetOrderSql(), "sqlite_autoindex_orders_1");
    if (!analyzed) {
      ASSERT_TRUE(db_->Exec("ROLLBACK; ANALYZE sqlite_schema"));
    }
  }
  ExpectOnlyTheLeanIndexes();
  ExpectPagesMatchAReferenceThatReadsNoIndex();
  ExpectFraudCountsAndLookupReturnTheRightRows();
}

// Exactly the indexes of migration 005, and no other index keyed by order_id.
void SqliteOrderIndexPlans::ExpectOnlyTheLeanIndexes() {
  std::string names = db_->Text(
      "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master WHERE type = 'index' "
      "AND tbl_name = 'orders' ORDER BY name)");
  EXPECT_EQ(names,
            "orders_by_customer,orders_by_email,orders_by_fulfillment,orders_by_payment,"
            "orders_by_status,orders_by_store,orders_failed_payments,sqlite_autoindex_orders_1");
}

void SqliteOrderIndexPlans::ExpectPagesMatchAReferenceThatReadsNoIndex() {
  auto store = OpenSqlite(path_);
  ASSERT_NE(store, nullptr);
  for (const ListCase& c : PagedCases()) {
    auto page = ReadWith<OrderPage>(*store, [&](ReadTx& tx) { return tx.ListOrders(c.filter); });
    ASSERT_TRUE(page.ok()) << c.name << ": " << page.error().message;
    std::string where = "store_id = 'A'" + c.reference;
    // SQLite's LIKE ignores ASCII case, as the store's q filter does.
    auto expected = db_->Ints("SELECT seq FROM orders NOT INDEXED WHERE " + where +
                              " ORDER BY seq DESC LIMIT " + std::to_string(kLimit));
    EXPECT_EQ(Seqs(*page), expected) << c.name;
    if (expected.size() == static_cast<std::size_t>(kLimit)) {
      EXPECT_EQ(page->next_seq, expected.back()) << c.name;
    }
  }
  // The newest page: the newest 50 orders of store A, all pending.
  OrderFilter newest;
  newest.store_id = "A";
  newest.limit = kLimit;
  auto page = ReadWith<OrderPage>(*store, [&](ReadTx& tx) { return tx.ListOrders(newest); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), static_cast<std::size_t>(kLimit));
  EXPECT_EQ(page->items.front().seq, kOrders - 1);  // kOrders itself is store B's
  EXPECT_EQ(page->items.front().status, domain::OrderStatus::kPending);
  EXPECT_EQ(page->items.front().created_at, CreatedAt(kOrders - 1));
}

void SqliteOrderIndexPlans::ExpectFraudCountsAndLookupReturnTheRightRows() {
  auto store = OpenSqlite(path_);
  ASSERT_NE(store, nullptr);
  // Customer 'Cust 4248': orders i = 4248 + 50000 k, all in store A.
  auto orders = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerOrders("A", "cust 4248", CreatedAt(4248 + 50'000 * 10));
  });
  ASSERT_TRUE(orders.ok());
  EXPECT_EQ(*orders, 10);  // k = 10 .. 19
  // Failed payments: i % 12 = 0 with i = 4248 + 50000 k, i.e. k = 12, 15, 18.
  auto failed = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerFailedPayments("A", "Cust 4248", CreatedAt(4248 + 50'000 * 10));
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, db_->Ints("SELECT COUNT(*) FROM orders NOT INDEXED WHERE store_id = 'A' AND "
                               "customer_key = 'cust 4248' AND payment_failed_at >= " +
                               std::to_string(CreatedAt(4248 + 50'000 * 10)))
                         .at(0));
  EXPECT_EQ(*failed, 3);
  std::string id = db_->Text("SELECT order_id FROM orders WHERE seq = 123457");
  auto order = ReadWith<domain::Order>(*store, [&](ReadTx& tx) { return tx.GetOrder("A", id); });
  ASSERT_TRUE(order.ok()) << id;
  EXPECT_EQ(order->seq, 123457);
  EXPECT_EQ(
      ReadWith<domain::Order>(*store, [&](ReadTx& tx) { return tx.GetOrder("B", id); }).code(),
      ErrorCode::kNotFound);
}

// Migration 005 upgrades a database written by today's main in place.
TEST(SqliteLeanOrderIndexes, UpgradeADatabaseOfSchemaThreeInPlace) {
  if (ServerProcess::OnPostgres()) GTEST_SKIP() << "SQLite runs as integration.*";
  TempDir dir;
  const std::string path = dir.File("v3.db");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(
      raw,
      SchemaThreeWithTwoOrders("sqlite",
                               "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                               "name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT '');\n")
          .c_str(),
      nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(raw);
  ASSERT_EQ(rc, SQLITE_OK) << message;
  {
    SqliteDb db(path);
    ASSERT_EQ(db.Ints("SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_by_created'"),
              std::vector<std::int64_t>{1});
  }
  auto store = OpenSqlite(path);
  ASSERT_NE(store, nullptr);
  ExpectUpgraded(*store);
  SqliteDb db(path);
  EXPECT_EQ(db.Ints("SELECT COUNT(*) FROM sqlite_master WHERE name = 'orders_by_created'"),
            std::vector<std::int64_t>{0});
  EXPECT_EQ(db.Ints("SELECT MAX(version) FROM schema_migrations"),
            std::vector<std::int64_t>{store::Migrations("sqlite").back().version});
}

}  // namespace
}  // namespace orderflow::testing
