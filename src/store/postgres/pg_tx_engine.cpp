// PgTx: the outbox (events and their deliveries), dead letters, claims and
// cron schedules.
#include <algorithm>
#include <map>

#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {
namespace {

// First key of OrderFlow's two-key advisory locks ("OF").
constexpr int kLockSpace = 0x4f46;
// Second key of the lock that serialises delivery claims.
constexpr int kClaimLock = 1;

std::string DeliveriesJoin() {
  return std::string("SELECT ") + kDeliveryColumns +
         " FROM deliveries d JOIN events e ON e.id = d.event_id ";
}

}  // namespace

Result<std::int64_t> PgTx::NextEventId() {
  if (event_ids_.empty()) {
    OF_ASSIGN_OR_RETURN(Rows rows,
                        conn_.Query("SELECT nextval(pg_get_serial_sequence('events', 'id')) "
                                    "FROM generate_series(1, $1::int)",
                                    {event_id_block_}));
    for (int r = rows.size() - 1; r >= 0; --r) event_ids_.push_back(rows.Int(r, 0));
    std::sort(event_ids_.rbegin(), event_ids_.rend());  // smallest at the back
    event_id_block_ = std::min(event_id_block_ * 2, 4096);
  }
  std::int64_t id = event_ids_.back();
  event_ids_.pop_back();
  ++event_ids_used_;
  return id;
}

Result<std::int64_t> PgTx::InsertEvent(const Event& e, const std::vector<std::string>& steps) {
  // One statement: the event and its delivery rows (array parameter), with
  // a reserved id, so nothing waits for it.
  OF_ASSIGN_OR_RETURN(std::int64_t id, NextEventId());
  OF_RETURN_IF_ERROR(conn_.Send(
      "WITH e AS (INSERT INTO events (id, store_id, order_id, topic, payload, "
      "created_at, due_at) VALUES ($8::bigint, $1, $2, $3, $4, $5::bigint, $6::bigint)) "
      "INSERT INTO deliveries (event_id, step, state, attempts, next_at, updated_at) "
      "SELECT $8::bigint, s.step, 0, 0, $6::bigint, $5::bigint "
      "FROM unnest($7::text[]) AS s(step)",
      {e.store_id, e.order_id, e.topic, e.payload, e.created_at, e.due_at, TextArray(steps), id}));
  inserted_events_ = true;
  return id;
}

Result<std::vector<Delivery>> PgTx::ListDueDeliveries(TimeMs now, int limit) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(DeliveriesJoin() + "WHERE d.state = 0 AND d.next_at <= $1 "
                                                     "ORDER BY d.next_at, d.event_id LIMIT $2",
                                  {now, limit}));
  return ReadDeliveries(rows);
}

Result<std::vector<Delivery>> PgTx::ClaimDue(Connection& conn, TimeMs now, int limit,
                                             TimeMs lease_ms, const std::vector<ClaimSkip>& skip) {
  std::vector<std::string> skip_steps;
  std::vector<std::string> skip_stores;
  for (const auto& k : skip) {
    skip_steps.push_back(k.step);
    skip_stores.push_back(k.store_id);
  }
  OF_ASSIGN_OR_RETURN(Rows locked,
                      conn.Query("SELECT pg_advisory_xact_lock($1, $2)", {kLockSpace, kClaimLock}));
  // Due, pending and not leased; per order only the oldest due (event, step)
  // and nothing of an order that still has a leased delivery (another
  // process is working on it). Events without an order have no such rule.
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Query(
          "WITH c AS (SELECT d.event_id, d.step FROM deliveries d JOIN events e "
          "ON e.id = d.event_id WHERE d.state = 0 AND d.next_at <= $1::bigint "
          "AND d.lease_until <= $1::bigint AND NOT EXISTS (SELECT 1 FROM "
          "unnest($4::text[], $5::text[]) AS k(step, store) WHERE k.step = d.step AND "
          "(k.store = '' OR k.store = e.store_id)) AND (e.order_id = '' OR ("
          "NOT EXISTS (SELECT 1 FROM events e2 JOIN deliveries d2 ON d2.event_id = e2.id "
          "WHERE e2.store_id = e.store_id AND e2.order_id = e.order_id AND e2.order_id <> '' AND "
          "d2.state = 0 AND d2.next_at <= "
          "$1::bigint "
          "AND (d2.event_id, d2.step) < (d.event_id, d.step)) "
          "AND NOT EXISTS (SELECT 1 FROM events e3 JOIN deliveries d3 ON d3.event_id = e3.id "
          "WHERE e3.store_id = e.store_id AND e3.order_id = e.order_id AND e3.order_id <> '' AND "
          "d3.state = 0 AND "
          "d3.lease_until > $1::bigint))) "
          "ORDER BY d.next_at, d.event_id, d.step LIMIT $2 FOR UPDATE OF d SKIP LOCKED), "
          "u AS (UPDATE deliveries d SET lease_until = $1::bigint + $3::bigint FROM c "
          "WHERE d.event_id = c.event_id AND d.step = c.step RETURNING d.*) " +
              std::string("SELECT ") + kDeliveryColumns +
              " FROM u d JOIN events e ON e.id = d.event_id ORDER BY d.next_at, d.event_id, d.step",
          {now, limit, lease_ms, TextArray(skip_steps), TextArray(skip_stores)}));
  return ReadDeliveries(rows);
}

Result<std::optional<TimeMs>> PgTx::NextDueTime() {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("SELECT MIN(next_at) FROM deliveries WHERE state = 0"));
  if (rows.empty() || rows.IsNull(0, 0)) return std::optional<TimeMs>{};
  return std::optional<TimeMs>(rows.Int(0, 0));
}

Result<Delivery> PgTx::GetDelivery(std::int64_t event_id, const std::string& step) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(DeliveriesJoin() + "WHERE d.event_id = $1 AND d.step = $2", {event_id, step}));
  if (rows.empty()) return NotFound("delivery");
  return ReadDelivery(rows, 0);
}

Result<std::vector<Delivery>> PgTx::ListOrderDeliveries(const std::string& store_id,
                                                        const std::string& order_id) {
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query(DeliveriesJoin() +
                                 "WHERE e.order_id = $1 AND e.store_id = $2 ORDER BY e.id, d.step",
                             {order_id, store_id}));
  return ReadDeliveries(rows);
}

Result<std::vector<Event>> PgTx::ListOrderEvents(const std::string& store_id,
                                                 const std::string& order_id) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("SELECT id, store_id, order_id, topic, payload, created_at, due_at FROM events "
                  "WHERE order_id = $1 AND store_id = $2 ORDER BY id",
                  {order_id, store_id}));
  std::vector<Event> out;
  for (int r = 0; r < rows.size(); ++r) {
    out.push_back(Event{rows.Int(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3),
                        rows.Text(r, 4), rows.Int(r, 5), rows.Int(r, 6)});
  }
  return out;
}

Result<DeadLetterPage> PgTx::ListDeadLetters(const std::string& store_id,
                                             std::int64_t before_event_id, int limit) {
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query(DeliveriesJoin() + "WHERE d.state = 2 AND e.store_id = $1 "
                                                "AND ($2::bigint = 0 OR d.event_id < $2::bigint) "
                                                "ORDER BY d.event_id DESC LIMIT $3",
                             {store_id, before_event_id, limit + 1}));
  DeadLetterPage page;
  page.items = ReadDeliveries(rows);
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_event_id = page.items.back().event.id;
  }
  return page;
}

Result<std::vector<StepCounts>> PgTx::CountDeliveries(const std::string& store_id) {
  std::map<std::string, StepCounts> by_step;
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("SELECT d.step, d.state, COUNT(*), COUNT(*) FILTER (WHERE d.attempts > 0) "
                  "FROM deliveries d JOIN events e ON e.id = d.event_id "
                  "WHERE d.state IN (0, 2) AND ($1::text = '' OR e.store_id = $1::text) "
                  "GROUP BY d.step, d.state",
                  {store_id}));
  for (int r = 0; r < rows.size(); ++r) {
    StepCounts& c = by_step[rows.Text(r, 0)];
    c.step = rows.Text(r, 0);
    if (rows.Int(r, 1) == 0) {
      c.pending = rows.Int(r, 2);
      c.retrying = rows.Int(r, 3);
    } else {
      c.dead = rows.Int(r, 2);
    }
  }
  OF_ASSIGN_OR_RETURN(
      Rows done, conn_.Query("SELECT substr(name, 6), SUM(value) FROM counters "
                             "WHERE name LIKE 'done:%' AND ($1::text = '' OR store_id = $1::text) "
                             "GROUP BY name",
                             {store_id}));
  for (int r = 0; r < done.size(); ++r) {
    StepCounts& c = by_step[done.Text(r, 0)];
    c.step = done.Text(r, 0);
    c.done = done.Int(r, 1);
  }
  // Plus the deltas FlushBatch has not written yet (a write unit's view).
  for (const Deltas* d : {&batch_, &unit_}) {
    for (const auto& [key, delta] : d->counters) {
      if (key.second.rfind("done:", 0) != 0 || (!store_id.empty() && key.first != store_id)) {
        continue;
      }
      StepCounts& c = by_step[key.second.substr(5)];
      c.step = key.second.substr(5);
      c.done += delta;
    }
  }
  std::vector<StepCounts> out;
  for (auto& [name, c] : by_step) out.push_back(c);
  return out;
}

Status PgTx::AddDelivery(const Event& event, const std::string& step, bool handled, TimeMs now) {
  if (!handled) {
    OF_RETURN_IF_ERROR(
        conn_.Send("INSERT INTO deliveries (event_id, step, state, attempts, next_at, updated_at) "
                   "VALUES ($1, $2::text, 0, 0, $3::bigint, $4::bigint)",
                   {event.id, step, event.due_at, now}));
    inserted_events_ = true;  // wakes the other instances at commit
    return OkStatus();
  }
  OF_RETURN_IF_ERROR(
      conn_.Send("INSERT INTO deliveries (event_id, step, state, attempts, next_at, updated_at, "
                 "started_at, finished_at) VALUES ($1, $2::text, 1, 1, $3::bigint, $4::bigint, "
                 "$4::bigint, $4::bigint)",
                 {event.id, step, event.due_at, now}));
  AddCounter(event.store_id, "done:" + step, 1);
  return OkStatus();
}

Status PgTx::CompleteDelivery(std::int64_t event_id, const std::string& step, int attempts,
                              TimeMs now) {
  if (Deferring()) {
    // Queued: a delivery that is no longer pending (handled meanwhile) fails
    // the pipeline, and the statement-by-statement run gives the unit its
    // kConflict. The counter goes to the unit while it runs, to the batch
    // once it was released (a failed unit waits for this answer first).
    const std::int64_t unit = unit_seq_;
    return conn_.Send(
        "UPDATE deliveries d SET state = 1, attempts = $1, "
        "updated_at = $2::bigint, finished_at = $2::bigint, started_at = CASE "
        "WHEN d.started_at = 0 THEN $2::bigint ELSE d.started_at END, last_error = '', "
        "lease_until = 0 FROM events e WHERE d.event_id = $3 AND d.step = $4::text "
        "AND d.state = 0 AND e.id = d.event_id RETURNING e.store_id",
        {attempts, now, event_id, step}, [this, unit, event_id, step](Rows& rows) -> Status {
          if (rows.empty()) {
            return MakeError(ErrorCode::kConflict, "event " + std::to_string(event_id) +
                                                       " was already handled by " + step);
          }
          Deltas& d = unit == unit_seq_ ? unit_ : batch_;
          d.counters[CounterKey{rows.Text(0, 0), "done:" + step}] += 1;
          return OkStatus();
        });
  }
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("UPDATE deliveries d SET state = 1, attempts = $1, "
                  "updated_at = $2::bigint, finished_at = $2::bigint, started_at = CASE "
                  "WHEN d.started_at = 0 THEN $2::bigint ELSE d.started_at END, last_error = '', "
                  "lease_until = 0 FROM events e WHERE d.event_id = $3 AND d.step = $4::text "
                  "AND d.state = 0 AND e.id = d.event_id RETURNING e.store_id",
                  {attempts, now, event_id, step}));
  if (rows.empty()) {
    return MakeError(ErrorCode::kConflict,
                     "event " + std::to_string(event_id) + " was already handled by " + step);
  }
  AddCounter(rows.Text(0, 0), "done:" + step, 1);
  return OkStatus();
}

Status PgTx::RetryDelivery(std::int64_t event_id, const std::string& step, int attempts,
                           TimeMs next_at, const std::string& error, TimeMs now) {
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query("UPDATE deliveries SET attempts = $1, next_at = $2, last_error = $3, "
                             "updated_at = $4::bigint, started_at = CASE WHEN started_at = 0 "
                             "THEN $4::bigint ELSE started_at END, lease_until = 0 "
                             "WHERE event_id = $5 AND step = $6 AND state = 0",
                             {attempts, next_at, error, now, event_id, step}));
  if (rows.Affected() == 0) return MakeError(ErrorCode::kConflict, "delivery is not pending");
  return OkStatus();
}

Status PgTx::DeadLetterDelivery(std::int64_t event_id, const std::string& step, int attempts,
                                const std::string& error, TimeMs now) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("UPDATE deliveries SET state = 2, attempts = $1, last_error = $2, "
                  "updated_at = $3::bigint, finished_at = $3::bigint, started_at = CASE "
                  "WHEN started_at = 0 THEN $3::bigint ELSE started_at END, lease_until = 0 "
                  "WHERE event_id = $4 AND step = $5 AND state = 0",
                  {attempts, error, now, event_id, step}));
  if (rows.Affected() == 0) return MakeError(ErrorCode::kConflict, "delivery is not pending");
  return OkStatus();
}

Status PgTx::RedriveDelivery(const std::string& store_id, std::int64_t event_id,
                             const std::string& step, TimeMs now) {
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query("UPDATE deliveries SET state = 0, attempts = 0, next_at = $1::bigint, "
                             "updated_at = $1::bigint, finished_at = 0, lease_until = 0 "
                             "WHERE event_id = $2::bigint AND step = $3 AND state = 2 "
                             "AND event_id IN (SELECT id FROM events WHERE id = $2::bigint "
                             "AND store_id = $4)",
                             {now, event_id, step, store_id}));
  if (rows.Affected() == 0) {
    return NotFound("dead letter " + std::to_string(event_id) + "/" + step);
  }
  return OkStatus();
}

Result<bool> PgTx::ClaimCronRun(const std::string& name, TimeMs now, TimeMs next_run) {
  // The transaction-scoped lock (per schema and cron) keeps two processes
  // from running the same cron at once; the conditional upsert keeps the schedule. Both end with
  // the unit's transaction, so a failed run is not recorded.
  OF_ASSIGN_OR_RETURN(Rows locked,
                      conn_.Query("SELECT pg_try_advisory_xact_lock($1, "
                                  "hashtext(current_schema() || ':cron:' || $2::text))",
                                  {kLockSpace, name}));
  if (locked.Text(0, 0) != "t") return false;
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("INSERT INTO cron_runs (name, next_run) VALUES ($1, $3) "
                                  "ON CONFLICT (name) DO UPDATE SET next_run = excluded.next_run "
                                  "WHERE cron_runs.next_run <= $2 RETURNING 1",
                                  {name, now, next_run}));
  return !rows.empty();
}

Status PgTx::Nested(const std::function<Status()>& fn) {
  if (Deferring()) {
    // A pipelined batch sets no savepoint: a part that fails makes the
    // pipeline failed, so the writer abandons the attempt and runs the batch
    // again statement by statement, where this part rolls back alone.
    Status s = fn();
    if (!s.ok()) conn_.FailPipeline(s.error());
    return s;
  }
  OF_RETURN_IF_ERROR(conn_.Exec("SAVEPOINT nested"));
  Deltas before = unit_;
  Status s = fn();
  if (!s.ok()) {
    // Forget what the rollback undoes.
    ForgetReads();
    unit_ = std::move(before);
  }
  // After a failed statement PostgreSQL refuses everything but a rollback to
  // a savepoint, so the failure must be undone here, not by the caller.
  OF_RETURN_IF_ERROR(conn_.Exec(s.ok() ? "RELEASE SAVEPOINT nested"
                                       : "ROLLBACK TO SAVEPOINT nested; RELEASE SAVEPOINT nested"));
  return s;
}

}  // namespace orderflow::store::pg
