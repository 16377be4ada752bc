// Every index of the orders table earns its place, on PostgreSQL: the twin
// of order_index_plans_sqlite_test.cpp with EXPLAIN (FORMAT JSON) of the
// statements of src/store/postgres/order_sql.cpp, with their parameters,
// as a custom and as a generic plan. Runs as postgres.*
// (ORDERFLOW_TEST_BACKEND=postgres).

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "integration/order_index_cases.hpp"
#include "store/migrations.hpp"
#include "store/postgres/order_sql.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using namespace order_index;

namespace json = boost::json;

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
  ExpectPlan("batch prefetch", store::pg::GetOrdersQuery({"A", "A"}, {"o-1", "o-2"}),
             "orders_store_order_key");
  ExpectPlan("customer activity",
             store::pg::CountCustomerActivityQuery("A", "Cust 4242", kBase, kBase),
             "orders_by_customer", /*may_sort=*/true);
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

}  // namespace
}  // namespace orderflow::testing
