#pragma once
// Thin RAII layer over libpq: a connection that prepares each distinct SQL
// text once (named statements cached per connection), sends text parameters
// and maps SQLSTATEs to our error codes. Not thread-safe: one thread uses a
// connection at a time.

#include <libpq-fe.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.hpp"
#include "store/statement_tally.hpp"

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
  // round trip (transaction control, savepoints, DDL). In pipeline mode each
  // statement is queued instead (no DDL there).
  Status Exec(const std::string& sql);
  // Counts every round trip (a prepare, an execution, an Exec; in pipeline
  // mode each wait for answers: Await, a full queue, ExitPipeline) and every
  // statement executed or queued from now on in `tally` (null: none);
  // statements are classified by their text once, when prepared. `tally`
  // must outlive the connection or the next call.
  void CountInto(StatementTally* tally) { tally_ = tally; }

  // Looks at a statement's rows when they arrive; an error fails the
  // statement (and, in pipeline mode, the pipeline). May move the rows out.
  using Check = std::function<Status(Rows&)>;
  // A statement whose answer the caller does not wait for. Outside pipeline
  // mode it runs at once and returns its error or `check`'s. In pipeline
  // mode it is queued and OkStatus returned; its outcome arrives with the
  // next Query or ExitPipeline, and a failure then (an error, or `check`
  // refusing the rows) makes the pipeline failed.
  Status Send(const std::string& sql, const std::vector<Param>& params, Check check = nullptr);

  // Pipeline mode (libpq): Send and Exec queue statements without waiting,
  // Query waits for its own answer and so for everything queued before it.
  // The server skips everything after a failed statement, so the first
  // failure is kept: while PipelineFailed(), every call fails with it. Only
  // on an idle connection.
  Status EnterPipeline();
  // Waits for everything queued (one Sync) and leaves pipeline mode; returns
  // the pipeline's first failure, if any. The transaction is then in
  // whatever state the server left it (aborted after an error).
  Status ExitPipeline();
  // Leaves pipeline mode without waiting: the Sync goes out now, and its
  // answers are read (and any failure dropped) at the connection's next
  // use. For a read-only transaction's COMMIT, whose outcome nobody needs.
  void ExitPipelineLater();
  // Reads what the server sent while the connection was idle: false when
  // the session is gone (a server restart closes idle sessions), so that
  // nothing is started on it.
  bool Alive();
  // Waits for the answers of everything queued (pipeline mode; no-op
  // otherwise) and returns the pipeline's first failure. A check that
  // refused its rows fails only the client's view: the server went on, so
  // call this before queuing a COMMIT.
  Status Await();
  bool InPipeline() const { return pipeline_ && !exit_owed_; }
  bool PipelineFailed() const { return pipeline_error_.has_value(); }
  // Makes the pipeline failed with `error` (the caller cannot go on without
  // a rollback the pipeline does not have).
  void FailPipeline(Error error) {
    if (pipeline_ && !pipeline_error_) pipeline_error_ = std::move(error);
  }

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
  // Round trips awaited on this connection (also counted in the tally).
  std::int64_t round_trips() const { return round_trips_; }
  PGconn* raw() const { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Error Fail(PGresult* res, std::string_view context);
  void CountRoundTrip();
  struct PreparedStatement {
    std::string name;
    StatementKind kind;  // classified once, when prepared
  };
  // The prepared statement of `sql`; queues the Prepare in pipeline mode
  // (outside it, the prepare is a round trip). Null on failure (outside
  // pipeline mode, `error` says why).
  const PreparedStatement* Prepared(const std::string& sql, Error* error);
  Status QueueSent(int sent, Check check, std::string prepared_name = {});
  // Reads the answers of everything queued (pipeline mode).
  void Drain();
  // Sends the Sync that ends the pipeline.
  void SendSync();
  // Reads the pipeline's answers up to its Sync and leaves pipeline mode.
  Status FinishExit();
  // Finishes an ExitPipelineLater; every public operation starts with it.
  void SettleOwedExit() {
    if (exit_owed_) {
      exit_owed_ = false;
      (void)FinishExit();
    }
  }
  // Asks the server for the answers so far (one round trip) and reads them.
  void FlushAndDrain();
  void PipelineFailure(Error error);

  // A queued statement of the pipeline whose answer is still to be read.
  struct Pending {
    Check check;
    std::string prepared;  // the statement name a queued Prepare defines
    bool sync = false;
  };

  PGconn* conn_;
  std::unordered_map<std::string, PreparedStatement> prepared_;  // by SQL text
  int next_statement_ = 0;
  bool saw_retryable_ = false;
  StatementTally* tally_ = nullptr;
  std::int64_t round_trips_ = 0;
  bool pipeline_ = false;
  bool exit_owed_ = false;  // ExitPipelineLater sent the Sync, its answers are unread
  std::deque<Pending> pending_;
  std::optional<Error> pipeline_error_;
};

}  // namespace orderflow::store::pg
