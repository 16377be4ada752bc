// Stores opened read-only (the `export` and `dlq list` commands): nothing is
// created or migrated, reads work, writes fail at once, and SchemaVersion
// says what the database holds. SQLite always; PostgreSQL with
// ORDERFLOW_TEST_PG (see tests/support/pg_test_db.hpp).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/migrations.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/pg_test_db.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::store {
namespace {

int Latest(const std::string& backend) { return Migrations(backend).back().version; }

void ExpectReadsWorkAndWritesFail(Store& store) {
  Status read = store.Read([](ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(auto stores, tx.ListStores());
    (void)stores;
    return OkStatus();
  });
  EXPECT_TRUE(read.ok()) << read.error().message;
  bool ran = false;
  Status written = WriteSync(store, [&ran](WriteTx&) {
    ran = true;
    return OkStatus();
  });
  EXPECT_EQ(written.code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(ran) << "a write unit ran on a read-only store";
}

TEST(ReadOnlySqliteStore, MissingFileIsAnErrorAndStaysMissing) {
  testing::TempDir dir;
  SqliteConfig config;
  config.path = dir.File("missing.db");
  config.read_only = true;
  EXPECT_FALSE(SqliteStore::Open(config).ok());
  EXPECT_FALSE(std::filesystem::exists(config.path));
}

TEST(ReadOnlySqliteStore, ReadsAMigratedDatabaseAndRefusesWrites) {
  testing::TempDir dir;
  SqliteConfig config;
  config.path = dir.File("ro.db");
  ASSERT_TRUE(SqliteStore::Open(config).ok());  // creates and migrates
  config.read_only = true;
  auto opened = SqliteStore::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ((*opened)->SchemaVersion(), Latest("sqlite"));
  ExpectReadsWorkAndWritesFail(**opened);
}

TEST(ReadOnlySqliteStore, EmptyFileHasVersionZeroAndIsNotWritten) {
  testing::TempDir dir;
  SqliteConfig config;
  config.path = dir.File("empty.db");
  { std::ofstream touch(config.path); }
  config.read_only = true;
  auto opened = SqliteStore::Open(config);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ((*opened)->SchemaVersion(), 0);
  opened->reset();
  EXPECT_EQ(std::filesystem::file_size(config.path), 0u);
}

TEST(ReadOnlyPostgresStore, EmptySchemaHasVersionZeroAndGetsNoTables) {
  testing::TempDir dir;
  std::string url = testing::PgSchemaUrl(dir.path());
  if (url.empty()) return;  // skipped (or failed) by PgSchemaUrl
  auto config = ParsePostgresUrl(url);
  ASSERT_TRUE(config.ok());
  config->read_only = true;
  config->startup_wait = std::chrono::milliseconds(0);
  auto opened = PostgresStore::Open(*config);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ((*opened)->SchemaVersion(), 0);
  EXPECT_EQ(testing::PgQueryInt(dir.path(),
                                "SELECT COUNT(*) FROM information_schema.tables WHERE "
                                "table_schema = current_schema()"),
            0);
}

TEST(ReadOnlyPostgresStore, ReadsAMigratedSchemaAndRefusesWrites) {
  testing::TempDir dir;
  auto writer = testing::OpenPgStore(dir.path());  // migrates
  if (writer == nullptr) return;
  auto config = ParsePostgresUrl(testing::PgSchemaUrl(dir.path()));
  ASSERT_TRUE(config.ok());
  config->read_only = true;
  auto opened = PostgresStore::Open(*config);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ((*opened)->SchemaVersion(), Latest("postgres"));
  ExpectReadsWorkAndWritesFail(**opened);
}

}  // namespace
}  // namespace orderflow::store
