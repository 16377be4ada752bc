// PostgresStore's writer thread: group commits, each tried lean first,
// then pipelined with a savepoint per unit, then statement by statement
// (docs/event_log_format.md, Step chaining).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>

#include "store/postgres/pg_tx.hpp"
#include "store/postgres/postgres_store_impl.hpp"

namespace orderflow::store {

using pg::Connection;
using pg::PgTx;

namespace {

constexpr int kMaxBatchAttempts = 5;
// After an abandoned lean attempt, this many batches start with savepoints.
constexpr int kLeanPauseBatches = 16;

}  // namespace

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

}  // namespace orderflow::store
