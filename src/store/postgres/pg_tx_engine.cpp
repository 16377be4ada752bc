// PgTx: the outbox (events and their deliveries), dead letters, claims and
// cron schedules.
#include <algorithm>
#include <map>

#include "store/codec.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {
namespace {

// First key of OrderFlow's two-key advisory locks ("OF").
constexpr int kLockSpace = 0x4f46;
// First key of the per-order claim locks (ClaimDue); the second is a hash
// of the store and order ids.
constexpr int kOrderClaimLock = 0x4f47;

constexpr const char* kEventColumns = "id, store_id, order_id, topic, payload, created_at, due_at";

Event ReadEvent(const Rows& rows, int r) {
  return Event{rows.Int(r, 0),  rows.Text(r, 1), rows.Text(r, 2), rows.Text(r, 3),
               rows.Text(r, 4), rows.Int(r, 5),  rows.Int(r, 6)};
}

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
  // Kept until the unit ends (FlushLog), with a reserved id, so nothing
  // waits for it and a step that handles it in this unit is recorded in its
  // row (`handled`) rather than by a second statement.
  OF_ASSIGN_OR_RETURN(std::int64_t id, NextEventId());
  BufferedEvent& buffered = events_.emplace_back(BufferedEvent{e, steps, {}, unit_events_++, {}});
  buffered.event.id = id;
  inserted_events_ = true;
  return id;
}

PgTx::BufferedEvent* PgTx::FindBufferedEvent(std::int64_t event_id) {
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->event.id == event_id) return &*it;
  }
  return nullptr;
}

Status PgTx::PlaceUnitHistory() {
  if (history_.empty()) return OkStatus();
  std::vector<HistorySlot> slots;
  slots.reserve(events_.size());
  for (BufferedEvent& b : events_) slots.push_back(HistorySlot{&b.event, b.ordinal, &b.history});
  std::vector<PendingHistory> own = PlaceHistory(std::move(history_), slots);
  history_.clear();
  for (PendingHistory& p : own) {
    BufferedEvent& b = events_.emplace_back(
        BufferedEvent{HistoryOnlyEvent(p), {}, {}, unit_events_++, std::move(p.entry)});
    OF_ASSIGN_OR_RETURN(b.event.id, NextEventId());
  }
  return OkStatus();
}

Status PgTx::FlushLog() {
  OF_RETURN_IF_ERROR(FlushOrders());
  OF_RETURN_IF_ERROR(PlaceUnitHistory());
  if (events_.empty()) return OkStatus();
  if (lean_) {
    for (BufferedEvent& b : events_) {
      kept_.event_ids.insert(b.event.id);
      kept_.orders.insert(OrderKey(b.event.store_id, b.event.order_id));
      kept_.events.push_back(std::move(b));
    }
    events_.clear();
    return OkStatus();
  }
  std::vector<BufferedEvent> events;
  events.swap(events_);
  return SendEvents(events);
}

Status PgTx::SendEvents(const std::vector<BufferedEvent>& events) {
  // One statement for the events, the history entries they carry and their
  // pending deliveries (array parameters); queued in a pipelined batch.
  std::vector<std::int64_t> ids;
  std::vector<std::string> stores;
  std::vector<std::string> orders;
  std::vector<std::string> topics;
  std::vector<std::string> payloads;
  std::vector<std::int64_t> created;
  std::vector<std::int64_t> due;
  std::vector<std::string> handled;
  std::vector<std::int64_t> has_history;  // 1: the history_* columns are set
  std::vector<std::string> h_status;
  std::vector<std::string> h_detail;
  std::vector<std::int64_t> h_at;
  std::vector<std::int64_t> d_events;
  std::vector<std::string> d_steps;
  std::vector<std::int64_t> d_next;
  std::vector<std::int64_t> d_updated;
  for (const BufferedEvent& b : events) {
    const Event& e = b.event;
    ids.push_back(e.id);
    stores.push_back(e.store_id);
    orders.push_back(e.order_id);
    topics.push_back(e.topic);
    payloads.push_back(e.payload);
    created.push_back(e.created_at);
    due.push_back(e.due_at);
    handled.push_back(b.handled);
    has_history.push_back(b.history ? 1 : 0);
    h_status.push_back(b.history ? b.history->status : std::string());
    h_detail.push_back(b.history ? b.history->detail : std::string());
    h_at.push_back(b.history ? b.history->at : 0);
    for (const auto& step : b.steps) {
      d_events.push_back(e.id);
      d_steps.push_back(step);
      d_next.push_back(e.due_at);
      d_updated.push_back(e.created_at);
    }
  }
  return conn_.Send(
      "WITH e AS (INSERT INTO events (id, store_id, order_id, topic, payload, created_at, due_at, "
      "handled, history_status, history_detail, history_at) SELECT i, s, o, t, p, c, d, h, "
      "CASE WHEN hh = 1 THEN hs END, CASE WHEN hh = 1 THEN hd END, CASE WHEN hh = 1 THEN ha END "
      "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], "
      "$7::bigint[], $8::text[], $13::bigint[], $14::text[], $15::text[], $16::bigint[]) "
      "AS u(i, s, o, t, p, c, d, h, hh, hs, hd, ha)) "
      "INSERT INTO deliveries (event_id, step, state, attempts, next_at, updated_at) "
      "SELECT d.e, d.s, 0, 0, d.n, d.u FROM unnest($9::bigint[], $10::text[], $11::bigint[], "
      "$12::bigint[]) AS d(e, s, n, u)",
      {IntArray(ids), TextArray(stores), TextArray(orders), TextArray(topics), TextArray(payloads),
       IntArray(created), IntArray(due), TextArray(handled), IntArray(d_events), TextArray(d_steps),
       IntArray(d_next), IntArray(d_updated), IntArray(has_history), TextArray(h_status),
       TextArray(h_detail), IntArray(h_at)});
}

Result<std::vector<Delivery>> PgTx::ListDueDeliveries(TimeMs now, int limit) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(DeliveriesJoin() + "WHERE d.state = 0 AND d.next_at <= $1 "
                                                     "ORDER BY d.next_at, d.event_id LIMIT $2",
                                  {now, limit}));
  return ReadDeliveries(rows);
}

Status PgTx::ClaimDue(Connection& conn, TimeMs now, int limit, TimeMs lease_ms,
                      const std::vector<ClaimSkip>& skip, std::vector<Delivery>& claimed) {
  std::vector<std::string> skip_steps;
  std::vector<std::string> skip_stores;
  for (const auto& k : skip) {
    skip_steps.push_back(k.step);
    skip_stores.push_back(k.store_id);
  }
  const std::string skip_steps_array = TextArray(skip_steps);
  const std::string skip_stores_array = TextArray(skip_stores);
  // First the orders: a transaction-scoped advisory lock per order with due
  // work, tried, never waited for. Whoever claimed for an order before we
  // got its lock has committed, so the next statement's snapshot (taken
  // after this one) sees its leases; whoever comes after us waits for our
  // commit the same way. Claimers thus serialise per order only. The key
  // hashes schema, store and order; a collision between two orders only
  // makes one of them wait for a later claim.
  OF_ASSIGN_OR_RETURN(
      Rows candidates,
      conn.Query(
          "SELECT c.store_id, c.order_id, pg_try_advisory_xact_lock($3::int, "
          "hashtext(current_schema() || ':' || c.store_id || '/' || c.order_id)) FROM (SELECT "
          "e.store_id, e.order_id, "
          "MIN(d.next_at) AS due FROM (SELECT d.event_id, d.next_at FROM deliveries d "
          "WHERE d.state = 0 AND d.next_at <= $1::bigint AND d.lease_until <= $1::bigint "
          "ORDER BY d.next_at, d.event_id LIMIT $2::int * 4) d JOIN events e ON e.id = d.event_id "
          "WHERE e.order_id <> '' GROUP BY e.store_id, e.order_id ORDER BY due LIMIT $2::int) c",
          {now, limit, kOrderClaimLock}));
  std::vector<std::string> locked_stores;
  std::vector<std::string> locked_orders;
  for (int r = 0; r < candidates.size(); ++r) {
    if (candidates.Text(r, 2) != "t") continue;  // another claimer has that order now
    locked_stores.push_back(candidates.Text(r, 0));
    locked_orders.push_back(candidates.Text(r, 1));
  }
  // Due, pending and not leased; per order only the oldest due (event, step)
  // and nothing of an order that still has a leased delivery (another
  // process is working on it), and only orders locked above. Events without
  // an order have no such rule; their rows are claimed with SKIP LOCKED.
  // The rows arrive with the caller's next wait for the pipeline.
  return conn.Send(
      "WITH c AS (SELECT d.event_id, d.step FROM deliveries d JOIN events e "
      "ON e.id = d.event_id WHERE d.state = 0 AND d.next_at <= $1::bigint "
      "AND d.lease_until <= $1::bigint AND NOT EXISTS (SELECT 1 FROM "
      "unnest($4::text[], $5::text[]) AS k(step, store) WHERE k.step = d.step AND "
      "(k.store = '' OR k.store = e.store_id)) AND (e.order_id = '' OR ("
      "(e.store_id, e.order_id) IN (SELECT l.s, l.o FROM unnest($6::text[], $7::text[]) "
      "AS l(s, o)) "
      "AND NOT EXISTS (SELECT 1 FROM events e2 JOIN deliveries d2 ON d2.event_id = e2.id "
      "WHERE e2.store_id = e.store_id AND e2.order_id = e.order_id AND e2.order_id <> '' AND "
      "d2.state = 0 AND d2.next_at <= $1::bigint "
      "AND (d2.event_id, d2.step) < (d.event_id, d.step)) "
      "AND NOT EXISTS (SELECT 1 FROM events e3 JOIN deliveries d3 ON d3.event_id = e3.id "
      "WHERE e3.store_id = e.store_id AND e3.order_id = e.order_id AND e3.order_id <> '' AND "
      "d3.state = 0 AND d3.lease_until > $1::bigint))) "
      "ORDER BY d.next_at, d.event_id, d.step LIMIT $2 FOR UPDATE OF d SKIP LOCKED), "
      "u AS (UPDATE deliveries d SET lease_until = $1::bigint + $3::bigint FROM c "
      "WHERE d.event_id = c.event_id AND d.step = c.step RETURNING d.*) " +
          std::string("SELECT ") + kDeliveryColumns +
          " FROM u d JOIN events e ON e.id = d.event_id ORDER BY d.next_at, d.event_id, d.step",
      {now, limit, lease_ms, skip_steps_array, skip_stores_array, TextArray(locked_stores),
       TextArray(locked_orders)},
      [&claimed](Rows& rows) {
        claimed = ReadDeliveries(rows);
        return OkStatus();
      });
}

Result<std::optional<TimeMs>> PgTx::NextDueTime() {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("SELECT MIN(next_at) FROM deliveries WHERE state = 0"));
  if (rows.empty() || rows.IsNull(0, 0)) return std::optional<TimeMs>{};
  return std::optional<TimeMs>(rows.Int(0, 0));
}

Result<Delivery> PgTx::GetDelivery(std::int64_t event_id, const std::string& step) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(DeliveriesJoin() + "WHERE d.event_id = $1 AND d.step = $2", {event_id, step}));
  if (!rows.empty()) return ReadDelivery(rows, 0);
  OF_ASSIGN_OR_RETURN(Rows handled, conn_.Query(std::string("SELECT ") + kEventColumns +
                                                    ", handled FROM events WHERE id = $1",
                                                {event_id}));
  if (!handled.empty() && IsHandledBy(handled.Text(0, 7), step)) {
    std::vector<Delivery> out;
    AppendHandledDeliveries(ReadEvent(handled, 0), handled.Text(0, 7), out);
    for (auto& d : out) {
      if (d.step == step) return d;
    }
  }
  return NotFound("delivery");
}

Result<std::vector<Delivery>> PgTx::ListOrderDeliveries(const std::string& store_id,
                                                        const std::string& order_id) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(
      Rows rows, conn_.Query(DeliveriesJoin() +
                                 "WHERE e.order_id = $1 AND e.store_id = $2 ORDER BY e.id, d.step",
                             {order_id, store_id}));
  std::vector<Delivery> out = ReadDeliveries(rows);
  OF_ASSIGN_OR_RETURN(Rows handled, conn_.Query(std::string("SELECT ") + kEventColumns +
                                                    ", handled FROM events WHERE order_id = $1 AND "
                                                    "store_id = $2 AND handled <> '' ORDER BY id",
                                                {order_id, store_id}));
  for (int r = 0; r < handled.size(); ++r) {
    AppendHandledDeliveries(ReadEvent(handled, r), handled.Text(r, 7), out);
  }
  std::sort(out.begin(), out.end(), [](const Delivery& a, const Delivery& b) {
    return a.event.id != b.event.id ? a.event.id < b.event.id : a.step < b.step;
  });
  return out;
}

Result<std::vector<Event>> PgTx::ListOrderEvents(const std::string& store_id,
                                                 const std::string& order_id) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  // Rows that only carry history are not events anything emitted.
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(std::string("SELECT ") + kEventColumns +
                                      " FROM events WHERE order_id = $1 AND store_id = $2 "
                                      "AND topic <> $3 ORDER BY id",
                                  {order_id, store_id, std::string(kHistoryTopic)}));
  std::vector<Event> out;
  for (int r = 0; r < rows.size(); ++r) out.push_back(ReadEvent(rows, r));
  return out;
}

Result<DeadLetterPage> PgTx::ListDeadLetters(const std::string& store_id,
                                             std::int64_t before_event_id, int limit) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
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
  OF_RETURN_IF_ERROR(SeeOwnWrites());
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
  OF_RETURN_IF_ERROR(SeeKeptRowsOfEvent(event.id));
  BufferedEvent* buffered = FindBufferedEvent(event.id);
  if (buffered != nullptr &&
      (IsHandledBy(buffered->handled, step) ||
       std::find(buffered->steps.begin(), buffered->steps.end(), step) != buffered->steps.end())) {
    return MakeError(ErrorCode::kConflict, "delivery exists");
  }
  if (!handled) {
    inserted_events_ = true;  // wakes the other instances at commit
    if (buffered != nullptr) {
      buffered->steps.push_back(step);
      return OkStatus();
    }
    return conn_.Send(
        "INSERT INTO deliveries (event_id, step, state, attempts, next_at, updated_at) "
        "VALUES ($1, $2::text, 0, 0, $3::bigint, $4::bigint)",
        {event.id, step, event.due_at, now});
  }
  // Handled in this unit (step chaining): a mark on the event, no row; in
  // the event's own INSERT when this unit wrote it, else an UPDATE. The
  // `done:<step>` counter is a delta written by FlushBatch.
  if (buffered != nullptr) {
    buffered->handled = AddHandled(buffered->handled, step);
  } else {
    OF_RETURN_IF_ERROR(
        conn_.Send("UPDATE events SET handled = CASE WHEN handled = '' THEN $2::text "
                   "ELSE handled || ',' || $2::text END WHERE id = $1 AND "
                   "position(',' || $2::text || ',' IN ',' || handled || ',') = 0",
                   {event.id, step}, [](Rows& rows) -> Status {
                     if (rows.Affected() == 0)
                       return MakeError(ErrorCode::kConflict, "delivery exists");
                     return OkStatus();
                   }));
  }
  AddCounter(event.store_id, "done:" + step, 1);
  return OkStatus();
}

Status PgTx::CompleteDelivery(std::int64_t event_id, const std::string& step, int attempts,
                              TimeMs now) {
  // A delivery this unit wrote (an event it emitted, chained after all):
  // it becomes a mark on the event instead of a row.
  OF_RETURN_IF_ERROR(SeeKeptRowsOfEvent(event_id));
  if (BufferedEvent* buffered = FindBufferedEvent(event_id)) {
    auto it = std::find(buffered->steps.begin(), buffered->steps.end(), step);
    if (it == buffered->steps.end()) {
      return MakeError(ErrorCode::kConflict,
                       "event " + std::to_string(event_id) + " was already handled by " + step);
    }
    buffered->steps.erase(it);
    buffered->handled = AddHandled(buffered->handled, step);
    AddCounter(buffered->event.store_id, "done:" + step, 1);
    return OkStatus();
  }
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
  OF_RETURN_IF_ERROR(SeeOwnWrites());
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
  OF_RETURN_IF_ERROR(SeeOwnWrites());
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
  OF_RETURN_IF_ERROR(SeeOwnWrites());
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

}  // namespace orderflow::store::pg
