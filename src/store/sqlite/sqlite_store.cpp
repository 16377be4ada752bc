#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "common/log_limiter.hpp"
#include "store/commit_health.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/sqlite_tx.hpp"
#include "store/sqlite/wal_checkpointer.hpp"
#include "store/statement_tally.hpp"
#include "store/write_queue.hpp"

namespace orderflow::store {

using sqlite::Connection;
using sqlite::SqliteTx;
using sqlite::WalCheckpointer;

namespace {

Result<int> CurrentVersion(Connection& conn) {
  OF_RETURN_IF_ERROR(conn.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')))"));
  auto s = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<int>(s.Int(0)) : 0;
}

// The applied version without creating anything: 0 when there is no
// schema_migrations table (an empty file, or not an orderflow database).
Result<int> ReadVersion(Connection& conn) {
  auto table = conn.Prepare(
      "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
  OF_ASSIGN_OR_RETURN(bool found, table.Step());
  if (!found || table.Int(0) == 0) return 0;
  auto s = conn.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? static_cast<int>(s.Int(0)) : 0;
}

Result<int> ApplyMigrations(Connection& conn) {
  OF_ASSIGN_OR_RETURN(int version, CurrentVersion(conn));
  for (const Migration& m : Migrations("sqlite")) {
    if (m.version <= version) continue;
    OF_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
    Status applied = conn.Exec(m.sql);
    if (applied.ok()) {
      auto s = conn.Prepare("INSERT INTO schema_migrations (version, name) VALUES (?, ?)");
      s.Bind(1, m.version).Bind(2, m.name);
      applied = s.Run();
    }
    if (!applied.ok()) {
      (void)conn.Exec("ROLLBACK");
      return MakeError(applied.code(),
                       "migration " + std::string(m.name) + " failed: " + applied.error().message);
    }
    OF_RETURN_IF_ERROR(conn.Exec("COMMIT"));
    spdlog::info("applied migration {}", m.name);
    version = m.version;
  }
  return version;
}

// The database holds customer data: its files are for their owner alone.
// SQLite creates a database with 0666 less the umask (the server sets 077)
// and gives the -wal and -shm files the mode of the database file, so
// narrowing the database file, as soon as it exists, covers them; files an
// older version created 0644 are narrowed too.
void PrivateDatabaseFiles(const std::string& path) {
  if (path.empty() || path == ":memory:") return;
  for (const std::string& file : {path, path + "-wal", path + "-shm", path + "-journal"}) {
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && st.st_uid == ::geteuid() && (st.st_mode & 077) != 0) {
      ::chmod(file.c_str(), st.st_mode & 0700);
    }
  }
}

// Bytes the server may still write on the file system that holds `path`
// (root may use the blocks reserved for it), or -1 when unknown.
std::int64_t FreeBytes(const std::string& path) {
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) return -1;
  const auto blocks = ::geteuid() == 0 ? fs.f_bfree : fs.f_bavail;
  return static_cast<std::int64_t>(blocks) * static_cast<std::int64_t>(fs.f_frsize);
}

}  // namespace

// An exclusive lock on PATH.lock: one process owns an SQLite database, so
// two servers can never run the step engine on the same file.
class ProcessLock {
 public:
  static Result<std::unique_ptr<ProcessLock>> Acquire(const std::string& path) {
    int fd = ::open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot create " + path + ".lock");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return MakeError(ErrorCode::kUnavailable,
                       "database " + path + " is in use by another orderflow process");
    }
    return std::unique_ptr<ProcessLock>(new ProcessLock(fd));
  }
  ~ProcessLock() { ::close(fd_); }
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;

 private:
  explicit ProcessLock(int fd) : fd_(fd) {}
  int fd_;
};

struct SqliteStore::Impl {
  SqliteConfig config;
  std::unique_ptr<ProcessLock> lock;
  int schema_version = 0;

  StatementTally writer_statements;  // declared before the connections that count into it
  StatementTally reader_statements;
  std::unique_ptr<Connection> writer;
  WriteQueue queue;
  std::thread writer_thread;
  std::function<void()> commit_listener;  // set before the first Write
  SystemClock clock;
  LogLimiter log{clock};
  CommitHealth health{clock};
  std::unique_ptr<WalCheckpointer> checkpointer;  // used by the writer thread only
  // Entries never age: the writer owns the file's writes, and a batch that
  // finds the file changed by another process (an `orderflow store` command
  // run beside the server) starts with empty caches (SeeOtherWriters).
  store::WebhookTopicCache webhook_topics{clock, 0};
  store::StoreInfoCache store_infos{clock, 0};
  std::unique_ptr<store::RecentOrders> recent_orders;  // used by the writer thread only
  store::ProductCache products{65536};                 // used by the writer thread only
  std::int64_t data_version = -1;                      // used by the writer thread only

  std::mutex readers_mu;
  std::condition_variable readers_cv;
  std::vector<std::unique_ptr<Connection>> idle_readers;  // GUARDED_BY(readers_mu)

  void WriterLoop();
  // True when the batch committed.
  bool CommitBatch(std::vector<WriteUnit>& batch);
  // Clears the caches when another connection committed to the file since
  // the writer last looked (PRAGMA data_version); runs inside the batch's
  // write transaction, so nothing else can commit until it ends.
  Status SeeOtherWriters();
  // Records the outcome of a batch for readiness; logs failures (rate
  // limited) and the first success after them.
  void NoteOutcome(const Status& outcome);
};

void SqliteStore::Impl::WriterLoop() {
  // Named for top -H, perf and gdb: the thread every write waits for.
  pthread_setname_np(pthread_self(), "sqlite-writer");
  std::vector<WriteUnit> batch;
  const auto max = static_cast<std::size_t>(config.max_batch);
  // Everything queued while the previous batch was committing goes into the
  // next one: the group commit. A quiet spell after commits is the time for
  // a checkpoint.
  for (;;) {
    WriteQueue::Popped popped = WriteQueue::Popped::kBatch;
    if (checkpointer->owed()) {
      popped = queue.PopBatchFor(batch, max, checkpointer->idle());
    } else if (!queue.PopBatch(batch, max)) {
      popped = WriteQueue::Popped::kClosed;
    }
    if (popped == WriteQueue::Popped::kClosed) return;
    if (popped == WriteQueue::Popped::kIdle) {
      checkpointer->Idle();
      continue;
    }
    if (CommitBatch(batch)) checkpointer->Committed();
    batch.clear();
  }
}

Status SqliteStore::Impl::SeeOtherWriters() {
  auto s = writer->Prepare("PRAGMA data_version");
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  const std::int64_t version = row ? s.Int(0) : -1;
  OF_RETURN_IF_ERROR(s.Run());
  if (version != data_version) {
    webhook_topics.Clear();
    store_infos.Clear();
    recent_orders->Clear();
    products.Clear();
    data_version = version;
  }
  return OkStatus();
}

void SqliteStore::Impl::NoteOutcome(const Status& outcome) { health.RecordAndLog(outcome, log); }

bool SqliteStore::Impl::CommitBatch(std::vector<WriteUnit>& batch) {
  std::vector<Status> results(batch.size());
  Status begun = writer->Prepare("BEGIN IMMEDIATE").Run();
  if (begun.ok()) {
    begun = SeeOtherWriters();
    if (!begun.ok()) (void)writer->Exec("ROLLBACK");
  }
  if (!begun.ok()) {
    NoteOutcome(
        MakeError(ErrorCode::kUnavailable, "cannot begin a write: " + begun.error().message));
    for (auto& unit : batch) unit.done(MakeError(ErrorCode::kUnavailable, begun.error().message));
    return false;
  }
  // A unit that failed because the storage refused its writes (rare: pages
  // normally reach the disk at COMMIT) makes the batch count as failed. A
  // commit that wrote nothing proves nothing about the disk.
  Status storage;
  bool wrote = false;
  SqliteTx tx(*writer, config.secret_key, &webhook_topics, &store_infos, recent_orders.get(),
              &products);
  // Each unit runs in its own savepoint so that a failing unit rolls back
  // alone. The statements are prepared once (sqlite3_exec would re-parse).
  for (std::size_t i = 0; i < batch.size(); ++i) {
    tx.BeginUnit();
    Status sp = writer->Prepare("SAVEPOINT unit").Run();
    if (!sp.ok()) {
      results[i] = sp;
      continue;
    }
    const std::int64_t changes_before = sqlite3_total_changes64(writer->raw());
    for (int run = 1;; ++run) {
      try {
        results[i] = batch[i].fn(tx);
        if (results[i].ok()) results[i] = tx.EndUnit();
      } catch (const std::exception& e) {
        spdlog::error("write unit threw: {}", e.what());
        results[i] = MakeError(ErrorCode::kInternal, "internal error");
      }
      if (results[i].ok() || results[i].code() != ErrorCode::kRetryUnit) break;
      if (run >= kMaxUnitRuns) {
        results[i] = MakeError(ErrorCode::kInternal, "write unit asked to run again too often");
        break;
      }
      tx.AbortUnit();
      Status back = writer->Prepare("ROLLBACK TO unit").Run();
      if (!back.ok()) {
        results[i] = back;
        break;
      }
      tx.BeginUnit();
    }
    if (!results[i].ok()) {
      tx.AbortUnit();
      if (storage.ok() && sqlite::IsStorageFailure(writer->raw())) storage = results[i];
      (void)writer->Prepare("ROLLBACK TO unit").Run();
    } else if (sqlite3_total_changes64(writer->raw()) > changes_before) {
      wrote = true;
    }
    (void)writer->Prepare("RELEASE unit").Run();
  }
  // The batch's log rows and summed counters go out last, a few statements
  // for the whole batch.
  Status flushed = tx.EndBatch();
  Status committed = flushed.ok() ? writer->Prepare("COMMIT").Run() : flushed;
  if (!committed.ok()) {
    // The reason goes to the client too: "database or disk is full" tells
    // an operator more than "commit failed".
    const std::string why = sqlite3_errmsg(writer->raw());
    (void)writer->Exec("ROLLBACK");
    webhook_topics.Clear();
    store_infos.Clear();
    recent_orders->Clear();
    products.Clear();
    for (auto& r : results) {
      if (r.ok()) {
        r = MakeError(ErrorCode::kUnavailable, "commit failed (" + why + "); nothing was written");
      }
    }
    NoteOutcome(MakeError(ErrorCode::kUnavailable, "commit failed: " + why));
  } else {
    recent_orders->Committed();
    if (wrote || !storage.ok()) NoteOutcome(storage);
    // Pages the commit wrote to the WAL (and any spilled before it): what
    // the disk pays for a batch, reset for the next one.
    int pages = 0;
    int unused = 0;
    sqlite3_db_status(writer->raw(), SQLITE_DBSTATUS_CACHE_WRITE, &pages, &unused, 1);
    writer_statements.CountCommit(pages);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  if (committed.ok() && commit_listener) commit_listener();
  return committed.ok();
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() {
  impl_->queue.Close();
  if (impl_->writer_thread.joinable()) impl_->writer_thread.join();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (config.read_only) {
    for (int i = 0; i < std::max(1, config.readers); ++i) {
      OF_ASSIGN_OR_RETURN(auto reader, Connection::Open(config.path, true));
      reader->CountInto(&impl->reader_statements);
      impl->idle_readers.push_back(std::move(reader));
    }
    OF_ASSIGN_OR_RETURN(impl->schema_version, ReadVersion(*impl->idle_readers.front()));
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
  }
  if (config.exclusive) {
    OF_ASSIGN_OR_RETURN(impl->lock, ProcessLock::Acquire(config.path));
  }
  impl->recent_orders = std::make_unique<store::RecentOrders>(config.recent_orders);
  OF_ASSIGN_OR_RETURN(impl->writer, Connection::Open(config.path, false));
  impl->writer->CountInto(&impl->writer_statements);
  PrivateDatabaseFiles(config.path);
  OF_ASSIGN_OR_RETURN(impl->schema_version, ApplyMigrations(*impl->writer));
  OF_RETURN_IF_ERROR(sqlite::SealWebhookSecrets(*impl->writer, config.secret_key));
  // Checkpoints run in the writer; a larger WAL between checkpoints keeps
  // them from stalling every few hundred commits.
  OF_RETURN_IF_ERROR(impl->writer->Exec("PRAGMA wal_autocheckpoint=4000;"));
  WalCheckpointer::Options checkpoints;
  checkpoints.truncate_bytes = std::max<std::int64_t>(1, config.wal_limit_bytes);
  checkpoints.idle =
      std::chrono::milliseconds(std::max<std::int64_t>(1, config.checkpoint_idle_ms));
  impl->checkpointer = std::make_unique<WalCheckpointer>(*impl->writer, config.path + "-wal",
                                                         checkpoints, impl->log);
  OF_RETURN_IF_ERROR(impl->checkpointer->Configure());
  for (int i = 0; i < std::max(1, config.readers); ++i) {
    OF_ASSIGN_OR_RETURN(auto reader, Connection::Open(config.path, true));
    reader->CountInto(&impl->reader_statements);
    impl->idle_readers.push_back(std::move(reader));
  }
  Impl* raw = impl.get();
  impl->writer_thread = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

void SqliteStore::Write(WriteFn fn, DoneFn done) {
  if (impl_->config.read_only) {
    done(MakeError(ErrorCode::kUnavailable, "the database is open read-only"));
    return;
  }
  impl_->queue.Push(std::move(fn), std::move(done));
}

Result<std::vector<Delivery>> SqliteStore::ClaimDueDeliveries(TimeMs now, int limit,
                                                              TimeMs /*lease_ms*/,
                                                              const std::vector<ClaimSkip>& skip) {
  std::vector<Delivery> due;
  OF_RETURN_IF_ERROR(Read([&](ReadTx& tx) -> Status {
    // Read() hands its callbacks a SqliteTx.
    OF_ASSIGN_OR_RETURN(due, static_cast<SqliteTx&>(tx).ListDueDeliveries(now, limit, skip));
    return OkStatus();
  }));
  return due;
}

Status SqliteStore::Read(const ReadFn& fn) {
  std::unique_ptr<Connection> conn;
  {
    std::unique_lock lock(impl_->readers_mu);
    impl_->readers_cv.wait(lock, [this] { return !impl_->idle_readers.empty(); });
    conn = std::move(impl_->idle_readers.back());
    impl_->idle_readers.pop_back();
  }
  Status result;
  // One read transaction gives the whole callback a consistent snapshot.
  Status begun = conn->Exec("BEGIN");
  if (!begun.ok()) {
    result = begun;
  } else {
    SqliteTx tx(*conn, impl_->config.secret_key);
    try {
      result = fn(tx);
    } catch (const std::exception& e) {
      spdlog::error("read threw: {}", e.what());
      result = MakeError(ErrorCode::kInternal, "internal error");
    }
    (void)conn->Exec("COMMIT");
  }
  {
    std::lock_guard lock(impl_->readers_mu);
    impl_->idle_readers.push_back(std::move(conn));
  }
  impl_->readers_cv.notify_one();
  return result;
}

Status SqliteStore::Ping() {
  return Read([](ReadTx&) { return OkStatus(); });
}

Status SqliteStore::CheckWrites() {
  if (impl_->config.min_free_bytes > 0) {
    const std::int64_t free = FreeBytes(impl_->config.path);
    if (free >= 0 && free < impl_->config.min_free_bytes) {
      return MakeError(ErrorCode::kUnavailable,
                       "disk full: " + std::to_string(free / 1024) +
                           " KB free on the database's file system, readiness needs " +
                           std::to_string(impl_->config.min_free_bytes / 1024) + " KB");
    }
  }
  return impl_->health.Check([raw = impl_.get()] {
    const TimeMs now = raw->clock.NowMs();
    // A value that differs from the last probe's: an unchanged row would not
    // dirty its page, and nothing would reach the disk.
    raw->queue.Push(
        [raw, now](WriteTx&) -> Status {
          auto s = raw->writer->Prepare(
              "INSERT INTO counters (store_id, name, value) VALUES ('', 'write-probe', ?) "
              "ON CONFLICT (store_id, name) DO UPDATE SET value = excluded.value");
          s.Bind(1, now);
          return s.Run();
        },
        [](const Status&) {});
  });
}

std::int64_t SqliteWalBytes(const std::string& path) { return sqlite::WalFileBytes(path); }

void SqliteStore::SetCommitListener(std::function<void()> listener) {
  impl_->commit_listener = std::move(listener);
}

StatementCounts SqliteStore::statement_counts() const {
  StatementCounts out;
  out.writer = impl_->writer_statements.Snapshot();
  out.readers = impl_->reader_statements.Snapshot();
  return out;
}

int SqliteStore::SchemaVersion() const { return impl_->schema_version; }

Result<int> MigrateSqlite(const std::string& path) {
  OF_ASSIGN_OR_RETURN(auto lock, ProcessLock::Acquire(path));
  OF_ASSIGN_OR_RETURN(auto conn, Connection::Open(path, false));
  PrivateDatabaseFiles(path);
  return ApplyMigrations(*conn);
}

}  // namespace orderflow::store
