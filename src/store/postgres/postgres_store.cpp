#include "store/postgres/postgres_store.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "common/log_limiter.hpp"
#include "store/commit_health.hpp"
#include "store/postgres/migrate.hpp"
#include "store/postgres/pg_tx.hpp"
#include "store/postgres/pool.hpp"
#include "store/statement_tally.hpp"
#include "store/write_queue.hpp"

namespace orderflow::store {

using pg::Connection;
using pg::PgTx;
using pg::Pool;

namespace {

constexpr int kMaxBatchAttempts = 5;
// After an abandoned lean attempt, this many batches start with savepoints.
constexpr int kLeanPauseBatches = 16;
// The NOTIFY channel of the stores sharing one schema; stores in other
// schemas of the same database (other deployments, the tests) are not woken.
std::string ChannelFor(const std::string& schema) {
  std::string quoted = "\"orderflow_events:";
  for (char c : schema) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

Error Unreachable(const std::string& why) {
  return MakeError(ErrorCode::kUnavailable, "database unreachable, reconnecting: " + why);
}

// Connects once, retrying an unreachable server until `wait` has passed.
Result<std::unique_ptr<Connection>> ConnectPatiently(const PostgresConfig& config) {
  auto deadline = std::chrono::steady_clock::now() + config.startup_wait;
  std::chrono::milliseconds backoff{0};
  for (;;) {
    auto conn = Connection::Open(config.conninfo);
    if (conn.ok() || std::chrono::steady_clock::now() >= deadline) return conn;
    backoff = pg::NextBackoff(backoff, std::chrono::milliseconds(1000));
    std::this_thread::sleep_for(backoff);
  }
}

}  // namespace

struct PostgresStore::Impl {
  PostgresConfig config;
  StatementTally writer_statements;  // declared before the pool that counts into them
  StatementTally pool_statements;
  std::unique_ptr<Pool> pool;
  int schema_version = 0;

  WriteQueue queue;
  std::thread writer_thread;
  std::function<void()> commit_listener;  // set before the first Write
  std::string channel;                    // NOTIFY channel (ChannelFor); set at Open
  // The writer keeps one pool connection between batches so that it never
  // queues behind readers. Used by the writer thread only.
  std::optional<Pool::Lease> writer_conn;
  // The writer's backend pid: its own NOTIFYs come back through LISTEN, and
  // the writer already reported those commits.
  std::atomic<int> writer_pid{0};
  SystemClock clock;
  LogLimiter log{clock};
  CommitHealth health{clock};
  // Other instances change endpoints too: their changes are seen within a
  // second (docs/event_log_format.md, Webhooks).
  WebhookTopicCache webhook_topics{clock, 1000};
  // Why the current batch could not be committed (writer thread only).
  Status batch_failure;
  // Events the last batch inserted: the next one reserves as many ids.
  int event_ids_hint = 16;
  // What the writer's commits cost, logged at shutdown (writer thread only).
  std::int64_t writer_round_trips = 0;
  std::int64_t writer_batches = 0;
  std::int64_t writer_units = 0;
  std::int64_t writer_replays = 0;  // pipelined attempts run again statement by statement

  std::thread listen_thread;
  int stop_pipe[2] = {-1, -1};  // written by the destructor to wake the listener

  void WriterLoop();
  void CommitBatch(std::vector<WriteUnit>& batch);
  // One attempt at the batch on `conn`. Returns false when the batch must be
  // re-run (deadlock or serialization failure); `results` then is stale.
  bool TryBatch(Connection& conn, std::vector<WriteUnit>& batch, std::vector<Status>& results);
  // The same batch in libpq pipeline mode: writes whose answer no unit
  // waits for are queued, so a unit costs its reads' round trips and the
  // batch one more for the COMMIT. Any failure of a queued statement, or
  // any database error at all, abandons the attempt (nothing is written)
  // and returns false: the batch then runs again with TryBatch, statement
  // by statement, where every error fails exactly its own unit or nested
  // part.
  // `lean`: without savepoints, the rows nothing reads back kept for the
  // batch's end (PgTx::KeepRowsForBatchEnd); a unit failing (or asking to
  // run again) then abandons the attempt too, and the batch runs again
  // pipelined with a savepoint per unit.
  bool TryPipelinedBatch(Connection& conn, std::vector<WriteUnit>& batch,
                         std::vector<Status>& results, bool lean);
  // Batches that start with savepoints, after a lean attempt was abandoned:
  // a run of failing units (refused requests) costs one re-run, not one
  // per batch.
  int lean_pause = 0;
  // Records the outcome of a batch for readiness; logs failures (rate
  // limited) and the first success after them.
  void NoteOutcome(const Status& outcome);
  void ListenLoop();
};

void PostgresStore::Impl::WriterLoop() {
  std::vector<WriteUnit> batch;
  // Everything queued while the previous batch was committing goes into the
  // next one: the group commit.
  while (queue.PopBatch(batch, static_cast<std::size_t>(config.max_batch))) {
    CommitBatch(batch);
    batch.clear();
  }
}

bool PostgresStore::Impl::TryBatch(Connection& conn, std::vector<WriteUnit>& batch,
                                   std::vector<Status>& results) {
  conn.ClearRetryable();
  auto fail_all = [&](const Error& e) {
    batch_failure = e;
    for (auto& r : results) {
      if (r.ok()) r = e;
    }
  };
  Status begun = conn.Exec("BEGIN; SAVEPOINT unit");
  if (!begun.ok()) {
    // Nothing ran yet: a connection that died while idle (server restart)
    // is replaced by the pool and the batch tried again.
    if (conn.SawRetryable() || conn.Broken()) return false;
    fail_all(MakeError(ErrorCode::kUnavailable, begun.error().message));
    return true;
  }
  PgTx tx(conn, config.secret_key, &webhook_topics);
  // Savepoint handling goes out as one simple-protocol round trip per unit:
  // "RELEASE SAVEPOINT unit; SAVEPOINT unit" or "ROLLBACK TO SAVEPOINT unit".
  for (std::size_t i = 0; i < batch.size(); ++i) {
    tx.BeginUnit();
    for (int run = 1;; ++run) {
      try {
        results[i] = batch[i].fn(tx);
      } catch (const std::exception& e) {
        spdlog::error("write unit threw: {}", e.what());
        results[i] = MakeError(ErrorCode::kInternal, "internal error");
      }
      if (results[i].ok() || results[i].code() != ErrorCode::kRetryUnit) break;
      if (conn.SawRetryable() || conn.Broken()) break;
      if (run >= kMaxUnitRuns) {
        results[i] = MakeError(ErrorCode::kInternal, "write unit asked to run again too often");
        break;
      }
      // The savepoint stays: the unit runs again from the same point.
      if (tx.webhooks_changed()) webhook_topics.Clear();
      Status back = conn.Exec("ROLLBACK TO SAVEPOINT unit");
      if (!back.ok()) {
        results[i] = back;
        break;
      }
      tx.EndUnit(false);
      tx.BeginUnit();
    }
    // The unit's events, their pending deliveries and handled marks.
    if (results[i].ok()) results[i] = tx.FlushLog();
    if (conn.SawRetryable()) {
      (void)conn.Exec("ROLLBACK");
      return false;
    }
    if (conn.Broken()) {
      fail_all(Unreachable(conn.LastError()));
      return true;
    }
    // A unit that swallowed a database error left the transaction aborted:
    // it fails, and its savepoint is rolled back like any failing unit's.
    if (results[i].ok() && PQtransactionStatus(conn.raw()) == PQTRANS_INERROR) {
      results[i] = MakeError(ErrorCode::kInternal, "write unit ignored a database error");
    }
    if (!results[i].ok() && tx.webhooks_changed()) webhook_topics.Clear();
    tx.EndUnit(results[i].ok());
    Status sp = conn.Exec(results[i].ok() ? "RELEASE SAVEPOINT unit; SAVEPOINT unit"
                                          : "ROLLBACK TO SAVEPOINT unit");
    if (!sp.ok()) {
      if (conn.SawRetryable()) return false;
      (void)conn.Exec("ROLLBACK");
      fail_all(MakeError(ErrorCode::kUnavailable, sp.error().message));
      return true;
    }
  }
  // The hot counter rows are locked only from here to the COMMIT.
  if (Status flushed = tx.FlushBatch(); !flushed.ok()) {
    if (conn.SawRetryable()) {
      (void)conn.Exec("ROLLBACK");
      return false;
    }
    if (conn.Broken()) {
      fail_all(Unreachable(conn.LastError()));
      return true;
    }
    (void)conn.Exec("ROLLBACK");
    fail_all(MakeError(ErrorCode::kUnavailable, "counter flush failed (" + flushed.error().message +
                                                    "); nothing was written"));
    return true;
  }
  std::string commit = "RELEASE SAVEPOINT unit; ";
  if (tx.inserted_events()) commit += "NOTIFY " + channel + "; ";
  Status committed = conn.Exec(commit + "COMMIT");
  if (committed.ok()) {
    writer_statements.CountCommit(0);  // pages: the server's business
    return true;
  }
  if (conn.SawRetryable()) {
    (void)conn.Exec("ROLLBACK");
    return false;
  }
  if (conn.Broken()) {
    // The COMMIT may or may not have happened; the client retries and the
    // idempotency keys (orderId replay) make that safe.
    fail_all(Unreachable("commit outcome unknown: " + conn.LastError()));
    return true;
  }
  (void)conn.Exec("ROLLBACK");
  fail_all(MakeError(ErrorCode::kUnavailable,
                     "commit failed (" + committed.error().message + "); nothing was written"));
  return true;
}

bool PostgresStore::Impl::TryPipelinedBatch(Connection& conn, std::vector<WriteUnit>& batch,
                                            std::vector<Status>& results, bool lean) {
  conn.ClearRetryable();
  if (!conn.EnterPipeline().ok()) return false;
  // Ends the attempt: nothing of it commits. The topic cache may hold what
  // its units wrote.
  auto abandon = [this, &conn]() {
    (void)conn.ExitPipeline();
    if (!conn.Broken()) (void)conn.Exec("ROLLBACK");
    webhook_topics.Clear();
    return false;
  };
  (void)conn.Exec(lean ? "BEGIN" : "BEGIN; SAVEPOINT unit");
  PgTx tx(conn, config.secret_key, &webhook_topics);
  tx.ReserveEventIds(event_ids_hint);
  if (lean) {
    tx.KeepRowsForBatchEnd();
    std::vector<std::pair<std::string, std::string>> orders;
    for (const WriteUnit& unit : batch) {
      if (!unit.order_id.empty()) orders.emplace_back(unit.store_id, unit.order_id);
    }
    tx.PrefetchOrders(orders);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    tx.BeginUnit();
    for (int run = 1;; ++run) {
      try {
        results[i] = batch[i].fn(tx);
      } catch (const std::exception& e) {
        spdlog::error("write unit threw: {}", e.what());
        results[i] = MakeError(ErrorCode::kInternal, "internal error");
      }
      if (results[i].ok()) results[i] = tx.FlushLog();
      if (lean && !results[i].ok()) {
        lean_pause = kLeanPauseBatches;
        return abandon();
      }
      // A failed run's queued answers arrive before it is rolled back, so
      // what they add to its counters is dropped with it.
      if (!results[i].ok()) (void)conn.Await();
      if (conn.PipelineFailed()) return abandon();
      if (results[i].ok() || results[i].code() != ErrorCode::kRetryUnit) break;
      if (run >= kMaxUnitRuns) {
        results[i] = MakeError(ErrorCode::kInternal, "write unit asked to run again too often");
        break;
      }
      // kRetryUnit: the run's writes are undone (queued behind them) and
      // the unit runs again from the same savepoint, like TryBatch does.
      if (tx.webhooks_changed()) webhook_topics.Clear();
      tx.EndUnit(false);
      (void)conn.Exec("ROLLBACK TO SAVEPOINT unit");
      tx.BeginUnit();
    }
    if (!results[i].ok() && tx.webhooks_changed()) webhook_topics.Clear();
    tx.EndUnit(results[i].ok());
    if (!lean) {
      (void)conn.Exec(results[i].ok() ? "RELEASE SAVEPOINT unit; SAVEPOINT unit"
                                      : "ROLLBACK TO SAVEPOINT unit");
    }
  }
  (void)tx.FlushBatchRows();
  // Every queued statement's check must have passed before COMMIT is
  // queued; the counter rows are then locked for the last round trip only.
  if (!conn.Await().ok()) {
    if (lean) lean_pause = kLeanPauseBatches;
    return abandon();
  }
  (void)tx.FlushBatch();
  std::string commit = lean ? "" : "RELEASE SAVEPOINT unit; ";
  if (tx.inserted_events()) commit += "NOTIFY " + channel + "; ";
  (void)conn.Exec(commit + "COMMIT");
  Status committed = conn.ExitPipeline();
  event_ids_hint = std::max(16, tx.event_ids_used());
  if (committed.ok()) {
    writer_statements.CountCommit(0);
    return true;
  }
  webhook_topics.Clear();
  if (conn.Broken()) {
    // The COMMIT may or may not have happened; the client retries and the
    // idempotency keys (orderId replay) make that safe.
    std::fill(results.begin(), results.end(),
              Unreachable("commit outcome unknown: " + conn.LastError()));
    batch_failure = results.front();
    return true;
  }
  (void)conn.Exec("ROLLBACK");
  return false;
}

void PostgresStore::Impl::NoteOutcome(const Status& outcome) { health.RecordAndLog(outcome, log); }

void PostgresStore::Impl::CommitBatch(std::vector<WriteUnit>& batch) {
  std::vector<Status> results(batch.size());
  bool finished = false;
  batch_failure = OkStatus();
  // Attempts in order: lean, pipelined with savepoints, statement by
  // statement; each after the previous one was abandoned.
  bool lean = lean_pause == 0;
  if (lean_pause > 0) --lean_pause;
  bool pipelined = true;
  for (int attempt = 0; attempt < kMaxBatchAttempts && !finished; ++attempt) {
    std::fill(results.begin(), results.end(), OkStatus());
    if (!writer_conn) {
      auto lease = pool->Acquire();
      if (!lease.ok()) {
        batch_failure = lease.error();
        for (auto& r : results) r = lease.error();
        finished = true;
        break;
      }
      writer_conn.emplace(std::move(lease).value());
      (*writer_conn)->CountInto(&writer_statements);
      writer_pid.store((*writer_conn)->BackendPid(), std::memory_order_relaxed);
    }
    const std::int64_t before = (*writer_conn)->round_trips();
    if (pipelined) {
      finished = TryPipelinedBatch(**writer_conn, batch, results, lean);
      pipelined = lean;
      lean = false;
      if (!finished) {
        ++writer_replays;
        writer_round_trips += (*writer_conn)->round_trips() - before;
        if ((*writer_conn)->Broken()) writer_conn.reset();
        --attempt;  // the statement-by-statement run follows at once
        continue;
      }
    } else {
      finished = TryBatch(**writer_conn, batch, results);
    }
    writer_round_trips += (*writer_conn)->round_trips() - before;
    // Entries may have been loaded from writes that did not commit.
    if (!finished || !batch_failure.ok()) webhook_topics.Clear();
    // A dead session goes back to the pool, which reconnects it.
    if ((*writer_conn)->Broken()) writer_conn.reset();
    if (!finished) {
      spdlog::warn("group commit hit a deadlock or serialization failure; re-running {} units",
                   batch.size());
      std::this_thread::sleep_for(
          pg::NextBackoff(std::chrono::milliseconds(attempt * 5), std::chrono::milliseconds(100)));
    }
  }
  if (!finished) {
    for (auto& r : results) {
      r = MakeError(ErrorCode::kUnavailable, "write conflicts persisted; nothing was written");
    }
  }
  bool any_committed = false;
  for (const auto& r : results) {
    any_committed = any_committed || r.ok();
    writer_units += r.ok() ? 1 : 0;
  }
  ++writer_batches;
  // Lost write races say nothing about the database's health.
  if (!batch_failure.ok()) {
    NoteOutcome(batch_failure);
  } else if (any_committed) {
    NoteOutcome(OkStatus());
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
  if (any_committed && commit_listener) commit_listener();
}

void PostgresStore::Impl::ListenLoop() {
  std::unique_ptr<Connection> conn;
  std::chrono::milliseconds backoff{0};
  bool listened_before = false;
  for (;;) {
    if (!conn || conn->Broken()) {
      conn.reset();
      auto opened = Connection::Open(config.conninfo);
      if (opened.ok() && (*opened)->Exec("LISTEN " + channel).ok()) {
        conn = std::move(opened).value();
        backoff = std::chrono::milliseconds(0);
        // Notifications sent while we were not listening are lost: wake once
        // (not on the first connect: there was nothing to miss yet).
        if (listened_before) commit_listener();
        listened_before = true;
      } else {
        backoff = pg::NextBackoff(backoff, config.max_backoff);
      }
    }
    pollfd fds[2] = {{stop_pipe[0], POLLIN, 0}, {conn ? PQsocket(conn->raw()) : -1, POLLIN, 0}};
    int timeout = conn ? -1 : static_cast<int>(backoff.count());
    if (::poll(fds, conn ? 2 : 1, timeout) < 0) continue;
    if (fds[0].revents != 0) return;
    if (!conn || fds[1].revents == 0) continue;
    if (PQconsumeInput(conn->raw()) == 0) continue;  // broken; reconnect above
    bool notified = false;
    while (PGnotify* n = PQnotifies(conn->raw())) {
      if (n->be_pid != writer_pid.load(std::memory_order_relaxed)) notified = true;
      PQfreemem(n);
    }
    if (notified) commit_listener();
  }
}

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PostgresStore::~PostgresStore() {
  impl_->queue.Close();
  if (impl_->writer_thread.joinable()) impl_->writer_thread.join();
  impl_->writer_conn.reset();
  if (impl_->writer_batches > 0) {
    spdlog::info(
        "postgresql writer: {} units committed in {} batches ({} run again statement by "
        "statement), {} round trips ({} on the other connections)",
        impl_->writer_units, impl_->writer_batches, impl_->writer_replays,
        impl_->writer_round_trips, impl_->pool_statements.Snapshot().round_trips);
  }
  if (impl_->listen_thread.joinable()) {
    char byte = 1;
    (void)!::write(impl_->stop_pipe[1], &byte, 1);
    impl_->listen_thread.join();
  }
  for (int fd : impl_->stop_pipe) {
    if (fd >= 0) ::close(fd);
  }
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  {
    OF_ASSIGN_OR_RETURN(auto first, ConnectPatiently(config));
    OF_ASSIGN_OR_RETURN(impl->schema_version, config.read_only
                                                  ? pg::ReadVersion(*first)
                                                  : pg::ApplyMigrations(*first, config.secret_key));
    OF_ASSIGN_OR_RETURN(pg::Rows schema, first->Query("SELECT current_schema()"));
    impl->channel = ChannelFor(schema.empty() ? std::string() : schema.Text(0, 0));
  }
  OF_ASSIGN_OR_RETURN(impl->pool, Pool::Open(config.conninfo, std::max(2, config.pool),
                                             config.max_backoff, &impl->pool_statements));
  if (config.read_only) return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
  Impl* raw = impl.get();
  impl->writer_thread = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

void PostgresStore::Write(WriteFn fn, DoneFn done) {
  if (impl_->config.read_only) {
    done(MakeError(ErrorCode::kUnavailable, "the database is open read-only"));
    return;
  }
  impl_->queue.Push(std::move(fn), std::move(done));
}

void PostgresStore::WriteForOrder(const std::string& store_id, const std::string& order_id,
                                  WriteFn fn, DoneFn done) {
  if (impl_->config.read_only) {
    Write(std::move(fn), std::move(done));
    return;
  }
  impl_->queue.Push(WriteUnit{std::move(fn), std::move(done), store_id, order_id});
}

Status PostgresStore::Read(const ReadFn& fn) {
  // One REPEATABLE READ transaction gives the callback a consistent
  // snapshot. It is pipelined: BEGIN goes out with the callback's first
  // statement, and COMMIT is not waited for (its answer is read at the
  // connection's next use), so a read of one query is one round trip. A
  // connection whose session ended while it was idle (a server restart) is
  // found before the callback runs: the second try gets a fresh one.
  constexpr const char* kBegin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  OF_ASSIGN_OR_RETURN(auto lease, impl_->pool->Acquire());
  std::optional<Pool::Lease> conn(std::move(lease));
  if (!(*conn)->Alive()) {
    conn.reset();
    OF_ASSIGN_OR_RETURN(auto again, impl_->pool->Acquire());
    conn.emplace(std::move(again));
  }
  OF_RETURN_IF_ERROR((*conn)->EnterPipeline());
  (void)(*conn)->Exec(kBegin);
  Status result;
  PgTx tx(**conn, impl_->config.secret_key);
  try {
    result = fn(tx);
  } catch (const std::exception& e) {
    spdlog::error("read threw: {}", e.what());
    result = MakeError(ErrorCode::kInternal, "internal error");
  }
  if ((*conn)->Broken()) {
    (void)(*conn)->ExitPipeline();
    return Unreachable((*conn)->LastError());
  }
  if ((*conn)->PipelineFailed()) {
    // The server skipped the rest and left the transaction aborted.
    (void)(*conn)->ExitPipeline();
    if (!(*conn)->Broken()) (void)(*conn)->Exec("ROLLBACK");
    return result;
  }
  (void)(*conn)->Exec("COMMIT");
  (*conn)->ExitPipelineLater();
  return result;
}

Result<std::vector<Delivery>> PostgresStore::ClaimDueDeliveries(
    TimeMs now, int limit, TimeMs lease_ms, const std::vector<ClaimSkip>& skip) {
  OF_ASSIGN_OR_RETURN(auto conn, impl_->pool->Acquire());
  std::vector<Delivery> claimed;
  // Two round trips: BEGIN and the order locks, then the claim and COMMIT.
  // A lease is not worth an fsync: one lost in a database crash lets the
  // delivery be claimed again before its lease would have ended, which its
  // guarded completion (state = 0) already makes harmless.
  OF_RETURN_IF_ERROR(conn->EnterPipeline());
  (void)conn->Exec("BEGIN; SET LOCAL synchronous_commit = off");
  (void)PgTx::ClaimDue(*conn, now, limit, lease_ms, skip, claimed);
  (void)conn->Exec("COMMIT");
  Status done = conn->ExitPipeline();
  if (!done.ok()) {
    if (!conn->Broken()) (void)conn->Exec("ROLLBACK");
    return done.error();
  }
  return claimed;
}

void PostgresStore::ReleaseClaims(const std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return;
  std::vector<std::int64_t> ids;
  std::vector<std::string> steps;
  for (const auto& d : deliveries) {
    ids.push_back(d.event.id);
    steps.push_back(d.step);
  }
  auto conn = impl_->pool->Acquire();
  if (!conn.ok()) return;
  // One round trip, no fsync: a release lost in a crash only makes the
  // deliveries wait out their lease.
  Status released = (*conn)->EnterPipeline();
  if (released.ok()) {
    (void)(*conn)->Exec("BEGIN; SET LOCAL synchronous_commit = off");
    (void)(*conn)->Send(
        "UPDATE deliveries d SET lease_until = 0 FROM unnest($1::bigint[], $2::text[]) AS "
        "r(id, step) WHERE d.event_id = r.id AND d.step = r.step AND d.state = 0",
        {pg::IntArray(ids), pg::TextArray(steps)});
    (void)(*conn)->Exec("COMMIT");
    released = (*conn)->ExitPipeline();
    if (!released.ok() && !(*conn)->Broken()) (void)(*conn)->Exec("ROLLBACK");
  }
  if (!released.ok()) {
    spdlog::warn("postgresql: cannot give back {} claims (they wait for their lease): {}",
                 deliveries.size(), released.error().message);
  }
}

Status PostgresStore::Ping() {
  auto conn = impl_->pool->Acquire();
  if (!conn.ok()) return conn.error();
  Status s = (*conn)->Exec("SELECT 1");
  if (!s.ok()) {
    std::string why = (*conn)->Broken() ? (*conn)->LastError() : s.error().message;
    impl_->pool->NoteFailure(why);
    return Unreachable(why);
  }
  return OkStatus();
}

Status PostgresStore::CheckWrites() {
  return impl_->health.Check([raw = impl_.get()] {
    const TimeMs now = raw->clock.NowMs();
    // The unit runs on the writer's connection, inside its batch.
    raw->queue.Push(
        [raw, now](WriteTx&) -> Status {
          auto done = (*raw->writer_conn)
                          ->Query(
                              "INSERT INTO counters (store_id, name, value) "
                              "VALUES ('', 'write-probe', $1) ON CONFLICT (store_id, name) "
                              "DO UPDATE SET value = excluded.value",
                              {now});
          if (!done.ok()) return done.error();
          return OkStatus();
        },
        [](const Status&) {});
  });
}

void PostgresStore::SetCommitListener(std::function<void()> listener) {
  impl_->commit_listener = std::move(listener);
  if (impl_->listen_thread.joinable() || !impl_->commit_listener) return;
  if (::pipe(impl_->stop_pipe) != 0) {
    spdlog::error(
        "postgresql: cannot create the listener's pipe; other instances' events are "
        "picked up by polling only");
    return;
  }
  Impl* raw = impl_.get();
  impl_->listen_thread = std::thread([raw] { raw->ListenLoop(); });
}

StatementCounts PostgresStore::statement_counts() const {
  StatementCounts out;
  out.writer = impl_->writer_statements.Snapshot();
  out.readers = impl_->pool_statements.Snapshot();
  return out;
}

int PostgresStore::SchemaVersion() const { return impl_->schema_version; }

Result<int> MigratePostgres(const PostgresConfig& config) {
  OF_ASSIGN_OR_RETURN(auto conn, ConnectPatiently(config));
  return pg::ApplyMigrations(*conn);
}

}  // namespace orderflow::store
