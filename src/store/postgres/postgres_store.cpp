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
#include "store/postgres/postgres_store_impl.hpp"
#include "store/statement_tally.hpp"
#include "store/write_queue.hpp"

namespace orderflow::store {

using pg::Connection;
using pg::PgTx;
using pg::Pool;

namespace {

// The NOTIFY channel of the stores sharing one schema; stores in other
// schemas of the same database (other deployments, the tests) are not woken.
std::string ChannelFor(const std::string& schema) {
  std::string quoted = "\"orderflow_events:";
  for (char c : schema) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
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

Error Unreachable(const std::string& why) {
  return MakeError(ErrorCode::kUnavailable, "database unreachable, reconnecting: " + why);
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
