#pragma once
// Keeps the WAL of an SQLite database small, from the writer thread (no
// thread of its own). SQLite's auto-checkpoint alone left the WAL growing
// (8.4 MB against a 4 KB main file in a test run) and never gives space
// back, so the writer also runs:
// - a PASSIVE checkpoint once it has been idle for a while after commits
//   (it never waits for readers, so it cannot stall the next batch);
// - a TRUNCATE checkpoint when the WAL file passes a size limit, waiting
//   only briefly for readers and, if they hold on, retrying after the
//   first commit a second later or when the writer is next idle.
//
// Not thread-safe: the writer thread owns it, like the connection.

#include <chrono>
#include <cstdint>
#include <string>

#include "common/log_limiter.hpp"
#include "store/sqlite/connection.hpp"

namespace orderflow::store::sqlite {

class WalCheckpointer {
 public:
  struct Options {
    std::int64_t truncate_bytes = std::int64_t{64} << 20;  // WAL file size that forces TRUNCATE
    std::chrono::milliseconds idle{1000};                  // quiet time before a PASSIVE checkpoint
    // How long a TRUNCATE waits for readers before it gives up (and is
    // retried a second later).
    std::chrono::milliseconds reader_wait{250};
  };

  // `writer` and `log` must outlive this. `wal_path` is the database path
  // plus "-wal".
  WalCheckpointer(Connection& writer, std::string wal_path, Options options, LogLimiter& log);

  // Applies journal_size_limit (a reset WAL is cut back to the limit).
  Status Configure();
  // After a batch committed: TRUNCATE when the WAL is over the limit; an
  // idle checkpoint is owed from now on.
  void Committed();
  // True when commits happened since the last checkpoint: the writer then
  // waits at most idle() for work before calling Idle().
  bool owed() const { return owed_; }
  std::chrono::milliseconds idle() const { return options_.idle; }
  // The writer had nothing to do for idle(): a PASSIVE checkpoint.
  void Idle();

 private:
  // TRUNCATE, waiting at most reader_wait for readers; on failure the next
  // attempt after a commit waits a second.
  bool Truncate();
  // Runs one checkpoint; true when it completed.
  bool Run(int mode, const char* name);

  Connection& writer_;
  const std::string wal_path_;
  const Options options_;
  LogLimiter& log_;
  bool owed_ = false;
  std::chrono::steady_clock::time_point next_truncate_{};
};

// Size of the WAL file of the database at `db_path` in bytes; 0 when there
// is none. Thread-safe (a stat).
std::int64_t WalFileBytes(const std::string& db_path);

}  // namespace orderflow::store::sqlite
