#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "store/migrations.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/sqlite_tx.hpp"
#include "store/write_queue.hpp"

namespace orderflow::store {

using sqlite::Connection;
using sqlite::SqliteTx;

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

  std::unique_ptr<Connection> writer;
  WriteQueue queue;
  std::thread writer_thread;
  std::function<void()> commit_listener;  // set before the first Write

  std::mutex readers_mu;
  std::condition_variable readers_cv;
  std::vector<std::unique_ptr<Connection>> idle_readers;  // GUARDED_BY(readers_mu)

  void WriterLoop();
  void CommitBatch(std::vector<WriteUnit>& batch);
};

void SqliteStore::Impl::WriterLoop() {
  std::vector<WriteUnit> batch;
  // Everything queued while the previous batch was committing goes into the
  // next one: the group commit.
  while (queue.PopBatch(batch, static_cast<std::size_t>(config.max_batch))) {
    CommitBatch(batch);
    batch.clear();
  }
}

void SqliteStore::Impl::CommitBatch(std::vector<WriteUnit>& batch) {
  std::vector<Status> results(batch.size());
  Status begun = writer->Prepare("BEGIN IMMEDIATE").Run();
  if (!begun.ok()) {
    for (auto& unit : batch) unit.done(MakeError(ErrorCode::kUnavailable, begun.error().message));
    return;
  }
  SqliteTx tx(*writer, config.secret_key);
  // Each unit runs in its own savepoint so that a failing unit rolls back
  // alone. The statements are prepared once (sqlite3_exec would re-parse).
  for (std::size_t i = 0; i < batch.size(); ++i) {
    tx.BeginUnit();
    Status sp = writer->Prepare("SAVEPOINT unit").Run();
    if (!sp.ok()) {
      results[i] = sp;
      continue;
    }
    try {
      results[i] = batch[i].fn(tx);
      if (results[i].ok()) results[i] = tx.EndUnit();
    } catch (const std::exception& e) {
      spdlog::error("write unit threw: {}", e.what());
      results[i] = MakeError(ErrorCode::kInternal, "internal error");
    }
    if (!results[i].ok()) (void)writer->Prepare("ROLLBACK TO unit").Run();
    (void)writer->Prepare("RELEASE unit").Run();
  }
  Status committed = writer->Prepare("COMMIT").Run();
  if (!committed.ok()) {
    spdlog::error("group commit failed: {}", committed.error().message);
    (void)writer->Exec("ROLLBACK");
    for (auto& r : results) {
      if (r.ok()) r = MakeError(ErrorCode::kUnavailable, "commit failed; nothing was written");
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  if (committed.ok() && commit_listener) commit_listener();
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
      impl->idle_readers.push_back(std::move(reader));
    }
    OF_ASSIGN_OR_RETURN(impl->schema_version, ReadVersion(*impl->idle_readers.front()));
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
  }
  if (config.exclusive) {
    OF_ASSIGN_OR_RETURN(impl->lock, ProcessLock::Acquire(config.path));
  }
  OF_ASSIGN_OR_RETURN(impl->writer, Connection::Open(config.path, false));
  PrivateDatabaseFiles(config.path);
  OF_ASSIGN_OR_RETURN(impl->schema_version, ApplyMigrations(*impl->writer));
  OF_RETURN_IF_ERROR(sqlite::SealWebhookSecrets(*impl->writer, config.secret_key));
  // Checkpoints run in the writer; a larger WAL between checkpoints keeps
  // them from stalling every few hundred commits.
  OF_RETURN_IF_ERROR(impl->writer->Exec("PRAGMA wal_autocheckpoint=4000;"));
  for (int i = 0; i < std::max(1, config.readers); ++i) {
    OF_ASSIGN_OR_RETURN(auto reader, Connection::Open(config.path, true));
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

void SqliteStore::SetCommitListener(std::function<void()> listener) {
  impl_->commit_listener = std::move(listener);
}

int SqliteStore::SchemaVersion() const { return impl_->schema_version; }

Result<int> MigrateSqlite(const std::string& path) {
  OF_ASSIGN_OR_RETURN(auto lock, ProcessLock::Acquire(path));
  OF_ASSIGN_OR_RETURN(auto conn, Connection::Open(path, false));
  PrivateDatabaseFiles(path);
  return ApplyMigrations(*conn);
}

}  // namespace orderflow::store
