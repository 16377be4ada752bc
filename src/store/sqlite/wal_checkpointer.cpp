#include "store/sqlite/wal_checkpointer.hpp"

#include <sys/stat.h>

#include <utility>

namespace orderflow::store::sqlite {
namespace {

std::int64_t FileBytes(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_size);
}

}  // namespace

std::int64_t WalFileBytes(const std::string& db_path) { return FileBytes(db_path + "-wal"); }

WalCheckpointer::WalCheckpointer(Connection& writer, std::string wal_path, Options options,
                                 LogLimiter& log)
    : writer_(writer), wal_path_(std::move(wal_path)), options_(options), log_(log) {}

Status WalCheckpointer::Configure() {
  return writer_.Exec("PRAGMA journal_size_limit=" + std::to_string(options_.truncate_bytes));
}

void WalCheckpointer::Committed() {
  owed_ = true;
  if (FileBytes(wal_path_) <= options_.truncate_bytes) return;
  if (std::chrono::steady_clock::now() < next_truncate_) return;
  if (Truncate()) owed_ = false;
}

void WalCheckpointer::Idle() {
  // Still over the limit (readers held the last TRUNCATE off): try again
  // now that no batch is waiting; owed until it succeeds.
  if (FileBytes(wal_path_) > options_.truncate_bytes) {
    owed_ = !Truncate();
    return;
  }
  owed_ = false;
  Run(SQLITE_CHECKPOINT_PASSIVE, "passive");
}

bool WalCheckpointer::Truncate() {
  // The busy handler is how long TRUNCATE waits for readers to leave the
  // WAL; meanwhile no batch commits, so keep it short.
  sqlite3_busy_timeout(writer_.raw(), static_cast<int>(options_.reader_wait.count()));
  const bool done = Run(SQLITE_CHECKPOINT_TRUNCATE, "truncate");
  sqlite3_busy_timeout(writer_.raw(), Connection::kBusyTimeoutMs);
  if (!done) next_truncate_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  return done;
}

bool WalCheckpointer::Run(int mode, const char* name) {
  int log_frames = 0;
  int checkpointed = 0;
  int rc = sqlite3_wal_checkpoint_v2(writer_.raw(), nullptr, mode, &log_frames, &checkpointed);
  if (rc == SQLITE_OK) return mode != SQLITE_CHECKPOINT_PASSIVE || checkpointed == log_frames;
  // SQLITE_BUSY: readers kept TRUNCATE from finishing (what could be copied
  // was). Anything else (a full disk) fails the same way next time.
  LogLimited(log_, "wal-checkpoint", rc == SQLITE_BUSY ? spdlog::level::info : spdlog::level::warn,
             "", "sqlite: WAL checkpoint ({}) incomplete, WAL is {} bytes: {}", name,
             FileBytes(wal_path_), sqlite3_errmsg(writer_.raw()));
  return false;
}

}  // namespace orderflow::store::sqlite
