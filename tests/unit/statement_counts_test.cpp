// Statement counters in the stores (store.hpp StatementCounts): the
// classification of SQL text and of prepared SQLite statements, counting per
// execution on a real SQLite file, and the exact statements and round trips
// one unit of work costs on SQLite and on PostgreSQL (ORDERFLOW_TEST_PG).

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "common/ids.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/statement_tally.hpp"
#include "support/pg_test_db.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::store {
namespace {

constexpr TimeMs kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

TEST(StatementCounts, SqlIsClassifiedByItsLeadingKeyword) {
  EXPECT_EQ(ClassifySql("INSERT INTO t VALUES (1)"), StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("  update t SET a = 1"), StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("DELETE FROM t"), StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("REPLACE INTO t VALUES (1)"), StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("INSERT INTO c VALUES (1) ON CONFLICT (k) DO UPDATE SET v = v + 1"),
            StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("-- a comment\n/* and another */ SELECT 1"), StatementKind::kRead);
  EXPECT_EQ(ClassifySql("(SELECT 1) UNION (SELECT 2)"), StatementKind::kRead);
  EXPECT_EQ(ClassifySql("BEGIN IMMEDIATE"), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql("commit"), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql("ROLLBACK TO unit"), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql("SAVEPOINT unit"), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql("RELEASE SAVEPOINT unit"), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql("PRAGMA wal_checkpoint(TRUNCATE)"), StatementKind::kOther);
  EXPECT_EQ(ClassifySql("CREATE TABLE t (a INTEGER)"), StatementKind::kOther);
  EXPECT_EQ(ClassifySql("NOTIFY orderflow_events"), StatementKind::kOther);
  EXPECT_EQ(ClassifySql(""), StatementKind::kOther);
  // WITH: a write when a data-modifying keyword follows; quoted words and
  // column names that merely contain one do not count.
  EXPECT_EQ(ClassifySql("WITH d AS (SELECT 1) UPDATE t SET updated_at = 2"), StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d"),
            StatementKind::kWrite);
  EXPECT_EQ(ClassifySql("WITH d AS (SELECT 'DELETE' AS w, updated_at FROM t) SELECT * FROM d"),
            StatementKind::kRead);
}

TEST(StatementCounts, ScriptsSplitOutsideQuotesAndComments) {
  std::vector<std::string> got;
  ForEachSqlStatement(
      "BEGIN; SAVEPOINT unit;\n"
      "INSERT INTO t VALUES ('a;b', \"c;d\"); -- trailing; comment\n"
      "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n"
      "/* only; a comment */ ;  ",
      [&got](std::string_view s) { got.emplace_back(s); });
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(ClassifySql(got[0]), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql(got[1]), StatementKind::kTxControl);
  EXPECT_EQ(ClassifySql(got[2]), StatementKind::kWrite);
  EXPECT_NE(got[2].find("'a;b'"), std::string::npos);
  EXPECT_EQ(ClassifySql(got[3]), StatementKind::kOther);
  EXPECT_NE(got[3].find("SELECT 1; $body$"), std::string::npos);
}

class SqliteConnectionCounts : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = sqlite::Connection::Open(dir_.File("counts.db"), false);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    conn_ = std::move(opened).value();
    ASSERT_TRUE(conn_->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER)").ok());
    conn_->CountInto(&tally_);
  }

  testing::TempDir dir_;
  std::unique_ptr<sqlite::Connection> conn_;
  StatementTally tally_;
};

TEST_F(SqliteConnectionCounts, PreparedStatementsAreClassifiedOnce) {
  EXPECT_EQ(conn_->Prepare("SELECT v FROM t").kind(), StatementKind::kRead);
  EXPECT_EQ(conn_->Prepare("INSERT INTO t (v) VALUES (1) RETURNING k").kind(),
            StatementKind::kWrite);
  EXPECT_EQ(conn_
                ->Prepare("INSERT INTO t (k, v) VALUES (1, 1) ON CONFLICT (k) DO UPDATE SET "
                          "v = v + 1")
                .kind(),
            StatementKind::kWrite);
  EXPECT_EQ(conn_->Prepare("SAVEPOINT s").kind(), StatementKind::kTxControl);
  EXPECT_EQ(conn_->Prepare("BEGIN").kind(), StatementKind::kTxControl);
  EXPECT_EQ(conn_->Prepare("PRAGMA user_version").kind(), StatementKind::kOther);
  // Preparing counts nothing.
  auto counted = tally_.Snapshot();
  EXPECT_EQ(counted.write + counted.read + counted.tx_control + counted.other, 0);
}

TEST_F(SqliteConnectionCounts, EachExecutionCountsOnceWhateverItsRows) {
  auto insert = conn_->Prepare("INSERT INTO t (v) VALUES (?)");
  for (int i = 0; i < 3; ++i) {
    insert.Bind(1, i);
    ASSERT_TRUE(insert.Run().ok());  // Run resets: three executions
  }
  {
    auto select = conn_->Prepare("SELECT v FROM t ORDER BY k");
    int rows = 0;
    for (;;) {
      auto row = select.Step();
      ASSERT_TRUE(row.ok());
      if (!*row) break;
      ++rows;
    }
    EXPECT_EQ(rows, 3);  // one execution over three rows
  }
  {
    auto first = conn_->Prepare("SELECT v FROM t ORDER BY k");
    ASSERT_TRUE(first.Step().ok());  // one row read, then reset by the destructor
  }
  ASSERT_TRUE(conn_->Exec("BEGIN; UPDATE t SET v = v + 1; DELETE FROM t WHERE k = 1; COMMIT").ok());
  auto counted = tally_.Snapshot();
  EXPECT_EQ(counted.write, 5);
  EXPECT_EQ(counted.read, 2);
  EXPECT_EQ(counted.tx_control, 2);
  EXPECT_EQ(counted.other, 0);
  EXPECT_EQ(counted.round_trips, 0);
}

TEST_F(SqliteConnectionCounts, ExecReportsTheFailingStatement) {
  Status s = conn_->Exec("SELECT 1; SELECT * FROM missing_table; SELECT 2");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("missing_table"), std::string::npos) << s.error().message;
  EXPECT_EQ(tally_.Snapshot().read, 1);  // the failing one did not compile, the rest never ran
}

domain::StoreInfo MakeStoreInfo() {
  domain::StoreInfo s;
  s.store_id = "A";
  s.name = "Store A";
  s.api_key_hash = Sha256Hex("key-A");
  s.created_at = kNow;
  return s;
}

domain::Product MakeProduct(const std::string& name) {
  domain::Product p;
  p.store_id = "A";
  p.product_id = NewUuid(kNow);
  p.product_name = name;
  p.price = 1000;
  p.stock = 0;  // no stock movement: the unit is the product's INSERT alone
  p.created_at = p.updated_at = kNow;
  return p;
}

StatementCounts::Kinds Minus(const StatementCounts::Kinds& a, const StatementCounts::Kinds& b) {
  return {a.write - b.write,
          a.read - b.read,
          a.tx_control - b.tx_control,
          a.other - b.other,
          a.round_trips - b.round_trips,
          a.commits - b.commits,
          a.pages_written - b.pages_written};
}

// Inserts the store, then one product as a warm-up (prepares its
// statements), then measures one more InsertProduct unit and one Read.
struct UnitCosts {
  StatementCounts::Kinds write_unit;  // writer connection
  StatementCounts::Kinds read;        // the other connections
};

UnitCosts MeasureUnits(Store& store) {
  UnitCosts out;
  EXPECT_TRUE(WriteSync(store, [](WriteTx& tx) { return tx.InsertStore(MakeStoreInfo()); }).ok());
  const domain::Product warm = MakeProduct("Warm-up");
  EXPECT_TRUE(WriteSync(store, [&warm](WriteTx& tx) { return tx.InsertProduct(warm); }).ok());
  auto get = [&store, &warm] {
    return store.Read([&warm](ReadTx& tx) -> Status {
      auto product = tx.GetProduct("A", warm.product_id);
      if (!product.ok()) return product.error();
      return OkStatus();
    });
  };
  EXPECT_TRUE(get().ok());

  const StatementCounts before = store.statement_counts();
  const domain::Product p = MakeProduct("Measured");
  EXPECT_TRUE(WriteSync(store, [&p](WriteTx& tx) { return tx.InsertProduct(p); }).ok());
  const StatementCounts written = store.statement_counts();
  EXPECT_TRUE(get().ok());
  const StatementCounts after = store.statement_counts();
  out.write_unit = Minus(written.writer, before.writer);
  out.read = Minus(after.readers, written.readers);
  EXPECT_EQ(written.readers.write + written.readers.read,
            before.readers.write + before.readers.read)
      << "the write unit ran on the writer alone";
  return out;
}

TEST(SqliteStatementCounts, OneInsertProductUnitAndOneRead) {
  testing::TempDir dir;
  SqliteConfig config;
  config.path = dir.File("orderflow.db");
  config.secret_key = orderflow::testing::kConformanceSecretKey;
  auto opened = SqliteStore::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  const StatementCounts at_open = (*opened)->statement_counts();
  EXPECT_GT(at_open.writer.other, 0) << "the migrations' DDL ran on the writer";

  UnitCosts costs = MeasureUnits(**opened);
  // The INSERT; BEGIN IMMEDIATE, SAVEPOINT unit, RELEASE unit, COMMIT.
  EXPECT_EQ(costs.write_unit.write, 1);
  EXPECT_EQ(costs.write_unit.read, 0);
  EXPECT_EQ(costs.write_unit.tx_control, 4);
  EXPECT_EQ(costs.write_unit.round_trips, 0);
  // One group commit, which wrote two pages to the WAL: the products
  // table's leaf and products_by_name's (no sku, so the partial sku index
  // has no entry).
  EXPECT_EQ(costs.write_unit.commits, 1);
  EXPECT_EQ(costs.write_unit.pages_written, 2);
  // BEGIN, the product's SELECT, COMMIT on a reader.
  EXPECT_EQ(costs.read.write, 0);
  EXPECT_EQ(costs.read.read, 1);
  EXPECT_EQ(costs.read.tx_control, 2);
  EXPECT_EQ(costs.read.round_trips, 0);
}

TEST(PostgresStatementCounts, OneInsertProductUnitAndOneRead) {
  testing::TempDir dir;
  std::unique_ptr<Store> store = orderflow::testing::OpenPgStore(dir.path());
  if (!store) return;  // skipped or failed by OpenPgStore
  UnitCosts costs = MeasureUnits(*store);
  // The batch runs lean: pipelined, without savepoints. Statements: BEGIN,
  // the INSERT (prepared by the warm-up) and COMMIT. Round trips are the
  // writer's waits: the INSERT's answer (BEGIN was queued before it), and
  // the Sync that ends the pipeline with the COMMIT.
  EXPECT_EQ(costs.write_unit.write, 1);
  EXPECT_EQ(costs.write_unit.read, 0);
  EXPECT_EQ(costs.write_unit.tx_control, 2);
  EXPECT_EQ(costs.write_unit.other, 0);
  EXPECT_EQ(costs.write_unit.round_trips, 2);
  EXPECT_EQ(costs.write_unit.commits, 1);
  EXPECT_EQ(costs.write_unit.pages_written, 0) << "counted on SQLite only";
  // BEGIN … READ ONLY, the SELECT (prepared by the warm-up), COMMIT, in
  // one round trip: BEGIN goes out with the SELECT, and nobody waits for
  // the COMMIT (its answer is read when the connection is next used).
  EXPECT_EQ(costs.read.write, 0);
  EXPECT_EQ(costs.read.read, 1);
  EXPECT_EQ(costs.read.tx_control, 2);
  EXPECT_EQ(costs.read.round_trips, 1);
}

}  // namespace
}  // namespace orderflow::store
