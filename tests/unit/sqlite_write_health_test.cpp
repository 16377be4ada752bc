// The SQLite store's write health and WAL upkeep on real files: readiness
// probes a write (and reports a nearly full disk), and the writer
// checkpoints the WAL (PASSIVE when idle, TRUNCATE past its size limit).

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/ids.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "tenancy/store_admin.hpp"

namespace orderflow::store {
namespace {

using namespace std::chrono_literals;

std::int64_t FileBytes(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : -1;
}

bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The probe's row, read beside the store (-1 when absent).
std::int64_t ProbeValue(const std::string& path) {
  sqlite3* db = nullptr;
  std::int64_t value = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT value FROM counters WHERE store_id = '' AND name = 'write-probe'",
                       -1, &stmt, nullptr);
    if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return value;
}

class SqliteWriteHealthTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> Open(SqliteConfig config) {
    config.path = path_;
    config.exclusive = false;
    auto opened = SqliteStore::Open(config);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // One unit writing a notification with a `bytes`-long message.
  static Status WriteNote(Store& store, std::size_t bytes) {
    return WriteSync(store, [bytes](WriteTx& tx) {
      domain::Notification n;
      n.notification_id = NewUuid();
      n.store_id = "X";
      n.title = "filler";
      n.message = RandomHex(bytes / 2);  // incompressible, like real rows
      n.created_at = 1;
      return tx.InsertNotification(n);
    });
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.File("health.db");
};

TEST_F(SqliteWriteHealthTest, ReadinessCommitsAProbeWhenNoCommitIsRecent) {
  auto store = Open({});
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(ProbeValue(path_), -1);
  Status ready = store->CheckWrites();
  EXPECT_TRUE(ready.ok()) << ready.error().message;
  // The probe really wrote (and committed) a row; within the second the
  // outcome is reused, not probed again.
  const std::int64_t first = ProbeValue(path_);
  EXPECT_GT(first, 0);
  EXPECT_TRUE(store->CheckWrites().ok());
  EXPECT_EQ(ProbeValue(path_), first);
}

TEST_F(SqliteWriteHealthTest, TooLittleFreeSpaceIsADiskFull) {
  SqliteConfig config;
  config.min_free_bytes = std::int64_t{1} << 60;  // more than any disk has
  auto store = Open(config);
  ASSERT_NE(store, nullptr);
  Status ready = store->CheckWrites();
  ASSERT_FALSE(ready.ok());
  EXPECT_EQ(ready.code(), ErrorCode::kUnavailable);
  EXPECT_NE(ready.error().message.find("disk full"), std::string::npos) << ready.error().message;
  EXPECT_TRUE(store->Ping().ok()) << "reads still work; only readiness says no";
}

TEST_F(SqliteWriteHealthTest, WalPastTheLimitIsTruncatedAndTheRestCheckpointedWhenIdle) {
  SqliteConfig config;
  config.wal_limit_bytes = 256 * 1024;
  config.checkpoint_idle_ms = 20;
  auto store = Open(config);
  ASSERT_NE(store, nullptr);
  const std::string wal = path_ + "-wal";
  const std::int64_t db_before = FileBytes(path_);

  // 2 MB of rows in 4 KB units: without checkpoints the WAL holds it all.
  std::int64_t largest = 0;
  for (int i = 0; i < 512; ++i) {
    ASSERT_TRUE(WriteNote(*store, 4096).ok());
    largest = std::max(largest, FileBytes(wal));
  }
  // TRUNCATE follows the batch that crossed the limit (the check above may
  // see the WAL just before it).
  EXPECT_LT(largest, 2 * config.wal_limit_bytes) << "the WAL grew to " << largest << " bytes";
  EXPECT_TRUE(WaitFor([&] { return FileBytes(wal) <= config.wal_limit_bytes; })) << FileBytes(wal);
  EXPECT_TRUE(WaitFor([&] { return FileBytes(path_) >= db_before + (2 << 20); }))
      << "the rows never reached the main file: " << FileBytes(path_) << " bytes";
}

TEST_F(SqliteWriteHealthTest, IdleWriterCheckpointsPassivelyWithoutTruncating) {
  SqliteConfig config;
  config.checkpoint_idle_ms = 20;  // the limit stays at 64 MB
  auto store = Open(config);
  ASSERT_NE(store, nullptr);
  const std::string wal = path_ + "-wal";
  const std::int64_t db_before = FileBytes(path_);
  for (int i = 0; i < 64; ++i) ASSERT_TRUE(WriteNote(*store, 4096).ok());
  EXPECT_TRUE(WaitFor([&] { return FileBytes(path_) >= db_before + 256 * 1024; }))
      << "not checkpointed: main file " << FileBytes(path_) << " bytes";
  EXPECT_GT(FileBytes(wal), 256 * 1024) << "PASSIVE keeps the WAL file for reuse";
}

}  // namespace
}  // namespace orderflow::store
