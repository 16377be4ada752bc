#pragma once
// PostgresStore's state, shared by postgres_store.cpp (the Store interface,
// reads, claims, the NOTIFY listener) and pg_writer.cpp (the writer thread
// and its batch attempts). Private to those two files.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/log_limiter.hpp"
#include "store/commit_health.hpp"
#include "store/postgres/pool.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/statement_tally.hpp"
#include "store/webhook_topic_cache.hpp"
#include "store/write_queue.hpp"

namespace orderflow::store {

struct PostgresStore::Impl {
  PostgresConfig config;
  StatementTally writer_statements;  // declared before the pool that counts into them
  StatementTally pool_statements;
  std::unique_ptr<pg::Pool> pool;
  int schema_version = 0;

  WriteQueue queue;
  std::thread writer_thread;
  std::function<void()> commit_listener;  // set before the first Write
  std::string channel;                    // NOTIFY channel (ChannelFor); set at Open
  // The writer keeps one pool connection between batches so that it never
  // queues behind readers. Used by the writer thread only.
  std::optional<pg::Pool::Lease> writer_conn;
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
  bool TryBatch(pg::Connection& conn, std::vector<WriteUnit>& batch, std::vector<Status>& results);
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
  bool TryPipelinedBatch(pg::Connection& conn, std::vector<WriteUnit>& batch,
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

// "database unreachable, reconnecting: <why>" (kUnavailable).
Error Unreachable(const std::string& why);

}  // namespace orderflow::store
