#pragma once
// Thin RAII layer over the sqlite3 C API: a connection with a prepared
// statement cache and a statement cursor with typed binds and columns.
// Not thread-safe: one thread uses a connection at a time.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.hpp"
#include "store/statement_tally.hpp"

namespace orderflow::store::sqlite {

// A cached prepared statement in use. Resets and clears bindings when
// destroyed, so the cache can hand it out again. Each execution (the first
// Step after a reset, or after the previous execution finished) is counted
// in `tally` (may be null) under the kind the statement was prepared with.
class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt, StatementKind kind = StatementKind::kOther,
                     StatementTally* tally = nullptr)
      : stmt_(stmt), kind_(kind), tally_(tally) {}
  Statement(Statement&& other) noexcept
      : stmt_(other.stmt_), kind_(other.kind_), tally_(other.tally_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Binds by 1-based index.
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& BindNull(int index);
  // Binds by name (":store"); ignored when the statement has no such parameter.
  template <typename T>
  Statement& BindName(const char* name, const T& value) {
    int index = sqlite3_bind_parameter_index(stmt_, name);
    if (index > 0) Bind(index, value);
    return *this;
  }

  // Advances: true when a row is available, false when done.
  // Constraint violations map to kConflict, busy/locked to kUnavailable.
  Result<bool> Step();
  StatementKind kind() const { return kind_; }
  // Runs to completion, for statements that return no rows, then resets so
  // the statement can be bound and run again.
  Status Run();

  std::int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_;
  StatementKind kind_;
  StatementTally* tally_;
};

class Connection {
 public:
  // How long a statement waits for a lock held by another connection.
  static constexpr int kBusyTimeoutMs = 5000;

  // Opens (creating if needed) the database file with the durable settings:
  // WAL, synchronous=FULL, foreign keys, busy timeout.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Returns a cached prepared statement for `sql`; throws std::logic_error on
  // SQL that does not compile (a programming error). The statement's kind is
  // classified once, here.
  Statement Prepare(const std::string& sql);
  // Executes one or more statements without results; each is counted.
  Status Exec(const std::string& sql);
  // Counts every statement this connection executes from now on in `tally`
  // (null: none). `tally` must outlive the connection or the next call.
  void CountInto(StatementTally* tally) { tally_ = tally; }
  std::int64_t Changes() const { return sqlite3_changes64(db_); }
  std::int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  sqlite3* raw() const { return db_; }

 private:
  struct Cached {
    sqlite3_stmt* stmt;
    StatementKind kind;
  };
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, Cached> cache_;
  StatementTally* tally_ = nullptr;
};

// Maps an SQLite result code to our error codes.
Error SqliteError(sqlite3* db, int rc, std::string_view context);

// True when the connection's last error says the storage cannot take
// writes: disk full, I/O error, read-only file system or database.
bool IsStorageFailure(sqlite3* db);

// The kind of a prepared statement: transaction control by its leading
// keyword, then read-only statements (sqlite3_stmt_readonly) as reads, then
// ClassifySql's keyword rules (PRAGMA and DDL are kOther).
StatementKind ClassifyStatement(sqlite3_stmt* stmt);

}  // namespace orderflow::store::sqlite
