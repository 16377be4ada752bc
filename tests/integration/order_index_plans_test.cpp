// Every index of the orders table earns its place: at 1M orders, the plan of
// each statement the stores run on `orders` (ListOrders with every filter,
// paged or not; the fraud-window counts; the lookup by order id) reads
// through its intended index, never scans the table and, for the
// newest-first list, never sorts. The statements come from the stores' own
// catalogues (src/store/sqlite/order_sql.cpp, src/store/postgres/order_sql.cpp),
// so a change to a query is a change to what is tested. The pages the
// stores return are compared with a reference query that reads no index.
//
// The rows are written by one set-based statement straight into the
// migrated schema, then ANALYZEd. Runs on SQLite as integration.* and on
// PostgreSQL as postgres.* (ORDERFLOW_TEST_BACKEND=postgres).

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/migrations.hpp"
#include "store/postgres/order_sql.hpp"
#include "store/sqlite/order_sql.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using store::OrderFilter;
using store::OrderPage;
using store::ReadTx;
using store::Store;

namespace json = boost::json;

constexpr std::int64_t kOrders = 1'000'000;
constexpr std::int64_t kBase = 1'700'000'000'000;  // created_at of order i: kBase + 600 i
constexpr int kLimit = 50;
constexpr std::int64_t kHourMs = 3'600'000;

// Order i (1-based, seq i) belongs to store 'B' when i % 100 = 0, else 'A'.
// The newest 100 are pending (payment pending, stock reserved); of the
// rest, i % 1000 = 7 are cancelled and refunded, i % 12 = 0 failed their
// payment, and the others are delivered. Customer 'Cust <i % 50000>'
// (about 20 orders each), email 'cust.<i % 50000>@example.com'.
std::string GenerateRows(const std::string& series) {
  return "INSERT INTO orders (order_id, store_id, customer_name, customer_email, customer_key, "
         "email_key, items, total, currency, status, payment_status, fulfillment_status, "
         "failure_reason, request_hash, created_at, updated_at, payment_failed_at) "
         "SELECT 'o-' || i, "
         "CASE WHEN i % 100 = 0 THEN 'B' ELSE 'A' END, "
         "'Cust ' || (i % 50000), 'cust.' || (i % 50000) || '@example.com', "
         "'cust ' || (i % 50000), 'cust.' || (i % 50000) || '@example.com', '[]', 1250, 'USD', "
         "CASE WHEN i > " +
         std::to_string(kOrders - 100) +
         " THEN 'pending' WHEN i % 1000 = 7 THEN 'cancelled' "
         "WHEN i % 12 = 0 THEN 'failed' ELSE 'delivered' END, "
         "CASE WHEN i > " +
         std::to_string(kOrders - 100) +
         " THEN 'pending' WHEN i % 1000 = 7 THEN 'refunded' "
         "WHEN i % 12 = 0 THEN 'failed' ELSE 'paid' END, "
         "CASE WHEN i > " +
         std::to_string(kOrders - 100) +
         " THEN 'reserved' WHEN i % 1000 = 7 THEN 'released' "
         "WHEN i % 12 = 0 THEN 'released' ELSE 'delivered' END, "
         "'', 'h', " +
         std::to_string(kBase) + " + 600 * i, " + std::to_string(kBase) + " + 600 * i + 100, " +
         "CASE WHEN i <= " + std::to_string(kOrders - 100) +
         " AND i % 1000 <> 7 AND i % 12 = 0 THEN " + std::to_string(kBase) +
         " + 600 * i + 90 END FROM " + series;
}

TimeMs CreatedAt(std::int64_t i) { return kBase + 600 * i; }

// One filter of GET /api/orders, the index meant to serve it and the same
// condition on literals for the reference query.
struct ListCase {
  std::string name;
  OrderFilter filter;
  std::string index;
  std::string reference;  // appended to "WHERE store_id = 'A'"
};

std::vector<ListCase> ListCases() {
  std::vector<ListCase> out;
  auto add = [&out](std::string name, std::string index, std::string reference, auto set) {
    ListCase c{std::move(name), OrderFilter{}, std::move(index), std::move(reference)};
    c.filter.store_id = "A";
    c.filter.limit = kLimit;
    set(c.filter);
    out.push_back(std::move(c));
  };
  add("newest", "orders_by_store", "", [](OrderFilter&) {});
  add("status", "orders_by_status", " AND status = 'cancelled'",
      [](OrderFilter& f) { f.status = domain::OrderStatus::kCancelled; });
  add("rare status", "orders_by_status", " AND status = 'flagged'",
      [](OrderFilter& f) { f.status = domain::OrderStatus::kFlagged; });
  add("payment", "orders_by_payment", " AND payment_status = 'refunded'",
      [](OrderFilter& f) { f.payment_status = "refunded"; });
  add("fulfillment", "orders_by_fulfillment", " AND fulfillment_status = 'reserved'",
      [](OrderFilter& f) { f.fulfillment_status = "reserved"; });
  add("customer name", "orders_by_customer", " AND customer_key = 'cust 4242'",
      [](OrderFilter& f) { f.customer = "CUST 4242"; });
  add("customer email", "orders_by_email", " AND email_key = 'cust.4242@example.com'",
      [](OrderFilter& f) { f.customer = "Cust.4242@Example.com"; });
  // from/to keep the newest-first walk of orders_by_store (or of the other
  // filter's index) and check created_at on the way: no sort, whatever the
  // window's size.
  add("from", "orders_by_store", " AND created_at >= " + std::to_string(CreatedAt(500'000)),
      [](OrderFilter& f) { f.from = CreatedAt(500'000); });
  add("to", "orders_by_store", " AND created_at < " + std::to_string(CreatedAt(999'000)),
      [](OrderFilter& f) { f.to = CreatedAt(999'000); });
  add("from and to", "orders_by_store",
      " AND created_at >= " + std::to_string(CreatedAt(998'000)) + " AND created_at < " +
          std::to_string(CreatedAt(999'000)),
      [](OrderFilter& f) {
        f.from = CreatedAt(998'000);
        f.to = CreatedAt(999'000);
      });
  add("status, from and to", "orders_by_status",
      " AND status = 'failed' AND created_at >= " + std::to_string(CreatedAt(900'000)) +
          " AND created_at < " + std::to_string(CreatedAt(999'000)),
      [](OrderFilter& f) {
        f.status = domain::OrderStatus::kFailed;
        f.from = CreatedAt(900'000);
        f.to = CreatedAt(999'000);
      });
  add("q", "orders_by_store", " AND (order_id LIKE 'o-99%' OR customer_name LIKE '%o-99%')",
      [](OrderFilter& f) { f.q = "o-99"; });
  return out;
}

// The same cases, each also on its second page (a keyset cursor).
std::vector<ListCase> PagedCases() {
  std::vector<ListCase> out;
  for (ListCase c : ListCases()) {
    out.push_back(c);
    c.name += ", paged";
    c.filter.before_seq = 990'000;
    c.reference += " AND seq < 990000";
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<std::int64_t> Seqs(const OrderPage& page) {
  std::vector<std::int64_t> out;
  for (const auto& o : page.items) out.push_back(o.seq);
  return out;
}

template <typename T, typename F>
Result<T> ReadWith(Store& store, F f) {
  std::optional<Result<T>> out;
  Status s = store.Read([&](ReadTx& tx) -> Status {
    out.emplace(f(tx));
    return OkStatus();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

// A database as today's main writes it (schema version 3, with
// orders_by_created) holding two orders of store A, an hour apart.
std::string SchemaThreeWithTwoOrders(const std::string& backend, const std::string& ddl) {
  std::string sql = ddl;
  for (const store::Migration& m : store::Migrations(backend)) {
    if (m.version > 3) continue;
    sql += m.sql;
    sql += ";\nINSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) +
           ", '" + m.name + "');\n";
  }
  for (int i = 1; i <= 2; ++i) {
    sql +=
        "INSERT INTO orders (order_id, store_id, customer_name, customer_email, customer_key, "
        "email_key, items, total, currency, status, payment_status, fulfillment_status, "
        "request_hash, created_at, updated_at) VALUES ('up-" +
        std::to_string(i) +
        "', 'A', 'Ada', 'ada@example.com', 'ada', 'ada@example.com', '[]', 500, 'USD', "
        "'delivered', 'paid', 'delivered', 'h', " +
        std::to_string(kBase + kHourMs * i) + ", " + std::to_string(kBase + kHourMs * i) + ");\n";
  }
  return sql;
}

// After the upgrade: every order is still there and the from filter, no
// longer served by orders_by_created, still selects by created_at.
void ExpectUpgraded(Store& store) {
  OrderFilter all;
  all.store_id = "A";
  auto page = ReadWith<OrderPage>(store, [&](ReadTx& tx) { return tx.ListOrders(all); });
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].order_id, "up-2");
  OrderFilter from = all;
  from.from = kBase + kHourMs * 2;
  page = ReadWith<OrderPage>(store, [&](ReadTx& tx) { return tx.ListOrders(from); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].order_id, "up-2");
  auto order = ReadWith<domain::Order>(store, [](ReadTx& tx) { return tx.GetOrder("A", "up-1"); });
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->customer_name, "Ada");
}

// --- SQLite ------------------------------------------------------------------

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

std::unique_ptr<Store> OpenSqlite(const std::string& path) {
  store::SqliteConfig config;
  config.path = path;
  config.secret_key = kConformanceSecretKey;
  auto opened = store::SqliteStore::Open(config);
  if (!opened.ok()) {
    ADD_FAILURE() << "SqliteStore::Open: " << opened.error().message;
    return nullptr;
  }
  return std::unique_ptr<Store>(std::move(opened).value());
}

// One database for the suite: filling it is the slow part.
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

// --- PostgreSQL --------------------------------------------------------------

class PgDb {
 public:
  explicit PgDb(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) ADD_FAILURE() << PQerrorMessage(conn_);
  }
  ~PgDb() { PQfinish(conn_); }
  PgDb(const PgDb&) = delete;
  PgDb& operator=(const PgDb&) = delete;

  bool Exec(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    if (!ok) ADD_FAILURE() << PQresultErrorMessage(res) << " in " << sql;
    PQclear(res);
    return ok;
  }
  // The first column of every row of `sql` run with `params`, as text.
  std::vector<std::string> Column(const std::string& sql,
                                  const std::vector<store::pg::Param>& params = {}) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.value ? p.value->c_str() : nullptr);
    PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    std::vector<std::string> out;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << PQresultErrorMessage(res) << " in " << sql;
    } else {
      for (int r = 0; r < PQntuples(res); ++r) out.emplace_back(PQgetvalue(res, r, 0));
    }
    PQclear(res);
    return out;
  }
  // The JSON plan of the prepared `sql` with `params`, as the server plans
  // it for a prepared statement in `mode` (force_custom_plan: for these
  // values; force_generic_plan: for any values, as after five executions).
  json::value Plan(const std::string& sql, const std::vector<store::pg::Param>& params,
                   const char* mode) {
    Exec(std::string("SET plan_cache_mode = ") + mode);
    Exec("DEALLOCATE ALL");
    PGresult* prep = PQprepare(conn_, "q", sql.c_str(), 0, nullptr);
    EXPECT_EQ(PQresultStatus(prep), PGRES_COMMAND_OK) << PQresultErrorMessage(prep) << sql;
    PQclear(prep);
    std::string explain = "EXPLAIN (FORMAT JSON) EXECUTE q(";
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (i > 0) explain += ", ";
      if (!params[i].value) {
        explain += "NULL";
        continue;
      }
      char* literal = PQescapeLiteral(conn_, params[i].value->c_str(), params[i].value->size());
      explain += literal;
      PQfreemem(literal);
    }
    explain += ")";
    auto rows = Column(explain);
    return rows.empty() ? json::value() : json::parse(rows[0]);
  }

 private:
  PGconn* conn_;
};

// Every node of a plan tree, depth first.
void Nodes(const json::value& node, std::vector<const json::object*>& out) {
  if (!node.is_object()) return;
  out.push_back(&node.as_object());
  if (const auto* plans = node.as_object().if_contains("Plans")) {
    for (const auto& child : plans->as_array()) Nodes(child, out);
  }
}

std::string Str(const json::object& node, const char* key) {
  const auto* v = node.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

class PgOrderIndexPlans : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!ServerProcess::OnPostgres()) return;
    dir_ = new TempDir();
    if (auto migrated = OpenPgStore(dir_->path(), 1); migrated == nullptr) return;
    url_ = PgSchemaUrl(dir_->path());
    PgDb db(url_);
    db.Exec("SET synchronous_commit = off; SET maintenance_work_mem = '128MB'");
    // The secondary indexes are dropped for the fill and built again from
    // their own definitions (a bulk build is much faster than a million
    // inserts into each); ExpectOnlyTheLeanIndexes checks the result.
    const std::string secondary =
        " FROM pg_indexes i WHERE schemaname = current_schema() AND tablename = 'orders' "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
        "ORDER BY indexname";
    auto names = db.Column("SELECT indexname" + secondary);
    auto definitions = db.Column("SELECT indexdef" + secondary);
    const std::string unique =
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conname = 'orders_store_order_key' "
        "AND connamespace = current_schema()::regnamespace";
    auto constraint = db.Column(unique);
    if (constraint.size() != 1) return;
    db.Exec("ALTER TABLE orders DROP CONSTRAINT orders_store_order_key");
    definitions.push_back("ALTER TABLE orders ADD CONSTRAINT orders_store_order_key " +
                          constraint[0]);
    for (const auto& name : names) db.Exec("DROP INDEX " + name);
    filled_ = db.Exec(GenerateRows("generate_series(1, " + std::to_string(kOrders) + ") AS n(i)"));
    for (const auto& definition : definitions) filled_ = db.Exec(definition) && filled_;
    filled_ = db.Exec("ANALYZE orders") && filled_;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!ServerProcess::OnPostgres()) GTEST_SKIP() << "the PostgreSQL plans run as postgres.*";
    if (TestPgUrl().empty()) {
      const char* require = std::getenv("ORDERFLOW_REQUIRE_PG");
      if (require != nullptr && std::string(require) == "1") FAIL() << "ORDERFLOW_TEST_PG unset";
      GTEST_SKIP() << "ORDERFLOW_TEST_PG is not set";
    }
    ASSERT_TRUE(filled_);
    db_ = std::make_unique<PgDb>(url_);
  }

  // Asserts that `query` never scans orders sequentially and, unless
  // `may_sort`, never sorts: planned for these values (a custom plan) and
  // for any values (the generic plan a prepared statement may switch to
  // after five executions, when it costs no more than the custom ones). The
  // custom plan must read through `index`; for orders_by_store the primary
  // key is the same newest-first walk (store_id checked on the rows), which
  // the planner prefers when the store holds most of the orders.
  void ExpectPlan(const std::string& name, const store::pg::OrderQuery& query,
                  const std::string& index, bool may_sort = false) {
    for (const char* mode : {"force_custom_plan", "force_generic_plan"}) {
      json::value plan = db_->Plan(query.sql, query.params, mode);
      ASSERT_TRUE(plan.is_array()) << name;
      std::vector<const json::object*> nodes;
      Nodes(plan.as_array().at(0).as_object().at("Plan"), nodes);
      bool uses = false;
      bool indexed = false;
      for (const json::object* node : nodes) {
        std::string type = Str(*node, "Node Type");
        EXPECT_FALSE(type == "Seq Scan" && Str(*node, "Relation Name") == "orders")
            << name << " (" << mode << "): full scan in\n"
            << json::serialize(plan);
        if (!may_sort) {
          EXPECT_EQ(type.find("Sort"), std::string::npos) << name << " (" << mode << "): sorts in\n"
                                                          << json::serialize(plan);
        }
        std::string used = Str(*node, "Index Name");
        indexed = indexed || !used.empty();
        uses = uses || used == index || (index == "orders_by_store" && used == "orders_pkey");
      }
      EXPECT_TRUE(indexed) << name << " (" << mode << "): no index in\n" << json::serialize(plan);
      if (std::string(mode) == "force_custom_plan") {
        EXPECT_TRUE(uses) << name << ": expected " << index << " in\n" << json::serialize(plan);
      }
    }
  }

  void ExpectOnlyTheLeanIndexes();
  void ExpectPagesMatchAReferenceThatReadsNoIndex();

  static TempDir* dir_;
  static std::string url_;
  static bool filled_;
  std::unique_ptr<PgDb> db_;
};

TempDir* PgOrderIndexPlans::dir_ = nullptr;
std::string PgOrderIndexPlans::url_;
bool PgOrderIndexPlans::filled_ = false;

// One test, so that ctest (a process per test) fills the database once.
TEST_F(PgOrderIndexPlans, AtOneMillionOrders) {
  for (const ListCase& c : PagedCases()) {
    ExpectPlan(c.name, store::pg::ListOrdersQuery(c.filter), c.index);
  }
  ExpectPlan("customer orders", store::pg::CountCustomerOrdersQuery("A", "Cust 4242", kBase),
             "orders_by_customer");
  ExpectPlan("failed payments",
             store::pg::CountCustomerFailedPaymentsQuery("A", "Cust 4242", kBase),
             "orders_failed_payments", /*may_sort=*/true);
  ExpectPlan("lookup", store::pg::GetOrderQuery("A", "o-1"), "orders_store_order_key");
  ExpectOnlyTheLeanIndexes();
  ExpectPagesMatchAReferenceThatReadsNoIndex();
}

void PgOrderIndexPlans::ExpectOnlyTheLeanIndexes() {
  auto names = db_->Column(
      "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes "
      "WHERE schemaname = current_schema() AND tablename = 'orders'");
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(names[0],
            "orders_by_customer,orders_by_email,orders_by_fulfillment,orders_by_payment,"
            "orders_by_status,orders_by_store,orders_failed_payments,orders_pkey,"
            "orders_store_order_key");
}

void PgOrderIndexPlans::ExpectPagesMatchAReferenceThatReadsNoIndex() {
  auto store = OpenPgStore(dir_->path(), 1);
  ASSERT_NE(store, nullptr);
  db_->Exec("SET enable_indexscan = off");
  db_->Exec("SET enable_indexonlyscan = off");
  db_->Exec("SET enable_bitmapscan = off");
  for (const ListCase& c : PagedCases()) {
    auto page = ReadWith<OrderPage>(*store, [&](ReadTx& tx) { return tx.ListOrders(c.filter); });
    ASSERT_TRUE(page.ok()) << c.name << ": " << page.error().message;
    std::string reference = c.reference;
    // The store's q matches lower(order_id) by prefix and customer_key by
    // substring; the literal reference says the same.
    if (!c.filter.q.empty()) {
      reference = " AND (lower(order_id) LIKE 'o-99%' OR customer_key LIKE '%o-99%')" +
                  (c.filter.before_seq > 0 ? std::string(" AND seq < 990000") : std::string());
    }
    std::vector<std::int64_t> expected;
    for (const auto& v : db_->Column("SELECT seq FROM orders WHERE store_id = 'A'" + reference +
                                     " ORDER BY seq DESC LIMIT " + std::to_string(kLimit))) {
      expected.push_back(std::stoll(v));
    }
    EXPECT_EQ(Seqs(*page), expected) << c.name;
  }
  auto failed = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerFailedPayments("A", "Cust 4248", CreatedAt(4248 + 50'000 * 10));
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(std::to_string(*failed),
            db_->Column("SELECT COUNT(*) FROM orders WHERE store_id = 'A' AND customer_key = "
                        "'cust 4248' AND payment_failed_at >= " +
                        std::to_string(CreatedAt(4248 + 50'000 * 10)))
                .at(0));
  EXPECT_EQ(*failed, 3);
  auto orders = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerOrders("A", "cust 4248", CreatedAt(4248 + 50'000 * 10));
  });
  ASSERT_TRUE(orders.ok());
  EXPECT_EQ(*orders, 10);
  std::string id = db_->Column("SELECT order_id FROM orders WHERE seq = 123457").at(0);
  auto order = ReadWith<domain::Order>(*store, [&](ReadTx& tx) { return tx.GetOrder("A", id); });
  ASSERT_TRUE(order.ok()) << id;
  EXPECT_EQ(order->seq, 123457);
}

// Migration 005 upgrades a database written by today's main in place.
TEST(PgLeanOrderIndexes, UpgradeADatabaseOfSchemaThreeInPlace) {
  if (!ServerProcess::OnPostgres()) GTEST_SKIP() << "PostgreSQL runs as postgres.*";
  TempDir dir;
  const std::string url = PgSchemaUrl(dir.path());
  if (url.empty()) return;
  {
    PgDb db(url);
    ASSERT_TRUE(db.Exec(SchemaThreeWithTwoOrders(
        "postgres",
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TIMESTAMPTZ NOT NULL DEFAULT now());\n")));
    EXPECT_EQ(db.Column("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() "
                        "AND indexname = 'orders_by_created'"),
              std::vector<std::string>{"1"});
  }
  auto store = OpenPgStore(dir.path(), 1);
  ASSERT_NE(store, nullptr);
  ExpectUpgraded(*store);
  PgDb db(url);
  EXPECT_EQ(db.Column("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() "
                      "AND indexname = 'orders_by_created'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(db.Column("SELECT MAX(version) FROM schema_migrations"),
            std::vector<std::string>{std::to_string(store::Migrations("postgres").back().version)});
}

// UpdateOrder assigns only the indexed columns that changed when the unit
// read the order first (SQLite); every change still lands, on both back
// ends, and each filter index finds the order under its new values only.
TEST(LeanOrderIndexes, UpdatesAfterAReadPersistEveryChangedColumn) {
  TempDir dir;
  std::unique_ptr<Store> store;
  if (ServerProcess::OnPostgres()) {
    if (PgSchemaUrl(dir.path()).empty()) return;
    store = OpenPgStore(dir.path(), 1);
  } else {
    store = OpenSqlite(dir.File("u.db"));
  }
  ASSERT_NE(store, nullptr);
  domain::Order order;
  order.store_id = "A";
  order.order_id = "u-1";
  order.customer_name = "Ada Lovelace";
  order.customer_email = "ada@example.com";
  order.items = {domain::OrderLine{"p-1", "Widget", "W-1", 1, 500, 500}};
  order.total = 500;
  order.currency = "USD";
  order.request_hash = "h";
  order.created_at = order.updated_at = kBase;
  order.history = {domain::HistoryEntry{"ORDER_CREATED", kBase, "Order received"}};
  ASSERT_TRUE(
      store::WriteSync(*store, [&](store::WriteTx& tx) { return tx.InsertOrder(order); }).ok());
  // Each unit reads the order, changes some columns and writes it back.
  auto change = [&](domain::OrderStatus previous, auto edit) {
    return store::WriteSync(*store, [&](store::WriteTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(domain::Order o, tx.GetOrder("A", "u-1"));
      edit(o);
      return tx.UpdateOrder(o, previous, {});
    });
  };
  ASSERT_TRUE(change(domain::OrderStatus::kPending, [](domain::Order& o) {
                o.fulfillment_status = "reserved";
                o.updated_at = kBase + 1;
              }).ok());
  ASSERT_TRUE(change(domain::OrderStatus::kPending, [](domain::Order& o) {
                o.status = domain::OrderStatus::kFailed;
                o.payment_status = "failed";
                o.failure_reason = "payment_declined";
                o.updated_at = kBase + 2;
              }).ok());
  ASSERT_TRUE(change(domain::OrderStatus::kFailed, [](domain::Order& o) {
                o.fulfillment_status = "released";
                o.updated_at = kBase + 3;
              }).ok());
  // The lost-update guard still holds.
  EXPECT_EQ(change(domain::OrderStatus::kPending, [](domain::Order&) {}).code(),
            ErrorCode::kConflict);

  auto read = ReadWith<domain::Order>(*store, [](ReadTx& tx) { return tx.GetOrder("A", "u-1"); });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, domain::OrderStatus::kFailed);
  EXPECT_EQ(read->payment_status, "failed");
  EXPECT_EQ(read->fulfillment_status, "released");
  EXPECT_EQ(read->failure_reason, "payment_declined");
  EXPECT_EQ(read->updated_at, kBase + 3);
  auto count = [&](auto set) {
    OrderFilter f;
    f.store_id = "A";
    set(f);
    auto page = ReadWith<OrderPage>(*store, [&](ReadTx& tx) { return tx.ListOrders(f); });
    return page.ok() ? page->items.size() : 99u;
  };
  EXPECT_EQ(count([](OrderFilter& f) { f.status = domain::OrderStatus::kFailed; }), 1u);
  EXPECT_EQ(count([](OrderFilter& f) { f.status = domain::OrderStatus::kPending; }), 0u);
  EXPECT_EQ(count([](OrderFilter& f) { f.payment_status = "failed"; }), 1u);
  EXPECT_EQ(count([](OrderFilter& f) { f.payment_status = "pending"; }), 0u);
  EXPECT_EQ(count([](OrderFilter& f) { f.fulfillment_status = "released"; }), 1u);
  EXPECT_EQ(count([](OrderFilter& f) { f.fulfillment_status = "reserved"; }), 0u);
  // The payment failed at kBase + 2, and the later update kept that time.
  auto failed = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerFailedPayments("A", "Ada Lovelace", kBase + 2);
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 1);
  failed = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerFailedPayments("A", "Ada Lovelace", kBase + 3);
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 0);
}

}  // namespace
}  // namespace orderflow::testing
