#include "store/sqlite/connection.hpp"

#include <stdexcept>

namespace orderflow::store::sqlite {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message =
      std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return MakeError(ErrorCode::kConflict, message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:  // the file system went read-only under us
      return MakeError(ErrorCode::kUnavailable, message);
    default:
      return MakeError(ErrorCode::kInternal, message);
  }
}

bool IsStorageFailure(sqlite3* db) {
  switch (sqlite3_extended_errcode(db) & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
      return true;
    default:
      return false;
  }
}

StatementKind ClassifyStatement(sqlite3_stmt* stmt) {
  const char* sql = sqlite3_sql(stmt);
  const StatementKind by_text = ClassifySql(sql != nullptr ? sql : "");
  // SQLite calls BEGIN, COMMIT and SAVEPOINT read-only: the keyword decides.
  if (by_text == StatementKind::kTxControl) return by_text;
  if (sqlite3_stmt_readonly(stmt) != 0) {
    // A read-only PRAGMA or an EXPLAIN is still not a query of the data.
    return by_text == StatementKind::kOther ? StatementKind::kOther : StatementKind::kRead;
  }
  return by_text == StatementKind::kRead ? StatementKind::kOther : by_text;
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Statement& Statement::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  sqlite3_bind_double(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  // Not busy: this step starts a new execution (never stepped, reset, or
  // the previous execution ran to completion).
  if (tally_ != nullptr && sqlite3_stmt_busy(stmt_) == 0) tally_->Count(kind_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3* db = sqlite3_db_handle(stmt_);
  return SqliteError(db, rc, "sqlite step");
}

Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok() || !*row) {
      sqlite3_reset(stmt_);
      if (!row.ok()) return row.error();
      return OkStatus();
    }
  }
}

std::string Statement::Text(int col) const {
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

namespace {

// Library-wide settings, applied before SQLite initialises (later calls are
// refused with SQLITE_MISUSE and change nothing). Memory statistics take a
// process-wide mutex around every sqlite3_malloc: the writer and the readers
// contended on it (4% of the writer's time), and nothing reads the figures.
void ConfigureLibrary() {
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
}

}  // namespace

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only) {
  ConfigureLibrary();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (!read_only) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e =
        MakeError(ErrorCode::kUnavailable, "cannot open SQLite database " + path + ": " +
                                               (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_extended_result_codes(db, 1);
  // synchronous=FULL: an acknowledged commit survives power loss (SPEC §10).
  // WAL is a property of the file, set by the writer: a reader that set it
  // would write to a file it was only meant to read.
  if (!read_only) OF_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL;"));
  OF_RETURN_IF_ERROR(
      conn->Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                 "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32768;"));
  if (read_only) OF_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=ON;"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  sqlite3_close_v2(db_);
}

Statement Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Statement(it->second.stmt, it->second.kind, tally_);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    throw std::logic_error("cannot prepare SQL: " + std::string(sqlite3_errmsg(db_)) + ": " + sql);
  }
  const StatementKind kind = ClassifyStatement(stmt);
  cache_.emplace(sql, Cached{stmt, kind});
  return Statement(stmt, kind, tally_);
}

Status Connection::Exec(const std::string& sql) {
  // sqlite3_exec, one statement at a time, so that each is counted.
  const char* next = sql.c_str();
  const char* const end = next + sql.size();
  while (next < end) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, next, static_cast<int>(end - next), &stmt, &next);
    if (rc == SQLITE_OK && stmt == nullptr) continue;  // blanks or a comment
    if (rc == SQLITE_OK) {
      if (tally_ != nullptr) tally_->Count(ClassifyStatement(stmt));
      do {
        rc = sqlite3_step(stmt);
      } while (rc == SQLITE_ROW);
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
      Error e = SqliteError(nullptr, rc, "sqlite exec");
      e.message = std::string("sqlite: ") + sqlite3_errmsg(db_);
      sqlite3_finalize(stmt);
      return e;
    }
    sqlite3_finalize(stmt);
  }
  return OkStatus();
}

}  // namespace orderflow::store::sqlite
