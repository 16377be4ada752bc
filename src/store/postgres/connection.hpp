#pragma once
// Thin RAII layer over libpq: a connection that prepares each distinct SQL
// text once (named statements cached per connection), sends text parameters
// and maps SQLSTATEs to our error codes. Not thread-safe: one thread uses a
// connection at a time.

#include <libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"

namespace orderflow::store::pg {

// One text parameter ($n); nullopt is SQL NULL.
struct Param {
  Param(std::int64_t v) : value(std::to_string(v)) {}   // NOLINT(google-explicit-constructor)
  Param(int v) : value(std::to_string(v)) {}            // NOLINT(google-explicit-constructor)
  Param(double v);                                      // NOLINT(google-explicit-constructor)
  Param(std::string v) : value(std::move(v)) {}         // NOLINT(google-explicit-constructor)
  Param(const char* v) : value(std::string(v)) {}       // NOLINT(google-explicit-constructor)
  Param(std::string_view v) : value(std::string(v)) {}  // NOLINT(google-explicit-constructor)
  Param(std::nullopt_t) {}                              // NOLINT(google-explicit-constructor)
  std::optional<std::string> value;
};

// A text[] literal for `$n::text[]` (array-parameter batch inserts).
std::string TextArray(const std::vector<std::string>& values);
// A bigint[] literal for `$n::bigint[]`.
std::string IntArray(const std::vector<std::int64_t>& values);

// The rows of a finished command. Owns the PGresult.
class Rows {
 public:
  explicit Rows(PGresult* res) : res_(res) {}
  Rows(Rows&& other) noexcept : res_(other.res_) { other.res_ = nullptr; }
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows() { PQclear(res_); }

  int size() const { return PQntuples(res_); }
  bool empty() const { return size() == 0; }
  // Rows changed by INSERT/UPDATE/DELETE.
  std::int64_t Affected() const;
  std::int64_t Int(int row, int col) const;
  double Double(int row, int col) const;
  std::string Text(int row, int col) const;
  bool IsNull(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }

 private:
  PGresult* res_;
};

class Connection {
 public:
  // Connects with `conninfo` (a postgresql:// URI or key=value string).
  // kUnavailable with libpq's message when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` as a named prepared statement (prepared on first use on this
  // connection) with text parameters. Errors: unique/foreign-key violations
  // kConflict, check violations kInsufficientStock, lost connections and
  // deadlocks/serialization failures kUnavailable, others kInternal.
  Result<Rows> Query(const std::string& sql, std::initializer_list<Param> params = {});
  Result<Rows> Query(const std::string& sql, const std::vector<Param>& params);
  // Runs one or more ;-separated statements with the simple protocol in one
  // round trip (transaction control, savepoints, DDL).
  Status Exec(const std::string& sql);

  // True once the session is gone (server restart, network loss): the pool
  // replaces such a connection.
  bool Broken() const;
  // True when a command failed with 40001 (serialization failure) or 40P01
  // (deadlock) since ClearRetryable: the whole transaction should run again.
  bool SawRetryable() const { return saw_retryable_; }
  void ClearRetryable() { saw_retryable_ = false; }
  // The last error libpq reported on this connection.
  std::string LastError() const;
  int BackendPid() const { return PQbackendPID(conn_); }
  // Round trips awaited on every connection of the process so far (each
  // Query, Exec and prepare waits for one answer): what a write costs.
  static std::int64_t TotalRoundTrips();
  // Round trips awaited on this connection.
  std::int64_t round_trips() const { return round_trips_; }
  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Error Fail(PGresult* res, std::string_view context);
  void CountRoundTrip();

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  bool saw_retryable_ = false;
  std::int64_t round_trips_ = 0;
};

}  // namespace orderflow::store::pg
