// The event log side of SqliteTx: outbox events, deliveries and their state
// transitions (docs/event_log_format.md), cron claims and nested savepoints.

#include <algorithm>
#include <map>

#include "store/codec.hpp"
#include "store/sqlite/multi_row_insert.hpp"
#include "store/sqlite/sqlite_tx.hpp"

namespace orderflow::store::sqlite {

Result<std::int64_t> SqliteTx::NextEventId() {
  // One process writes the file (the server's lock) and only this writer
  // inserts events, so ids are handed out here and the rows written in one
  // statement at the end of the unit. Ids of a unit that rolls back are
  // simply not used.
  if (next_event_id_ == 0) {
    auto s = conn_.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM events");
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    next_event_id_ = row ? s.Int(0) : 1;
  }
  return next_event_id_++;
}

Result<std::int64_t> SqliteTx::InsertEvent(const Event& e, const std::vector<std::string>& steps) {
  OF_ASSIGN_OR_RETURN(std::int64_t id, NextEventId());
  BufferedEvent& buffered = events_.emplace_back(BufferedEvent{e, {}, unit_events_++, {}});
  buffered.event.id = id;
  for (const auto& step : steps) deliveries_.push_back({id, step, e.due_at, e.created_at});
  return id;
}

Status SqliteTx::PlaceUnitHistory() {
  if (history_.empty()) return OkStatus();
  std::vector<HistorySlot> slots;
  slots.reserve(events_.size());
  for (BufferedEvent& b : events_) slots.push_back(HistorySlot{&b.event, b.ordinal, &b.history});
  std::vector<PendingHistory> own = PlaceHistory(std::move(history_), slots);
  history_.clear();
  for (PendingHistory& p : own) {
    BufferedEvent& b = events_.emplace_back(
        BufferedEvent{HistoryOnlyEvent(p), {}, unit_events_++, std::move(p.entry)});
    OF_ASSIGN_OR_RETURN(b.event.id, NextEventId());
  }
  return OkStatus();
}

Status SqliteTx::FlushLog() {
  OF_RETURN_IF_ERROR(PlaceUnitHistory());
  constexpr int kColumns = 11;
  for (std::size_t first = 0; first < events_.size(); first += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, events_.size() - first);
    auto s = conn_.Prepare(MultiRowInsert(
        "INSERT INTO events (id, store_id, order_id, topic, payload, created_at, due_at, "
        "handled, history_status, history_detail, history_at)",
        kColumns, n));
    for (std::size_t i = first; i < first + n; ++i) {
      const Event& e = events_[i].event;
      const int at = static_cast<int>(i - first) * kColumns;  // the row's parameters follow
      s.Bind(at + 1, e.id).Bind(at + 2, e.store_id).Bind(at + 3, e.order_id).Bind(at + 4, e.topic);
      s.Bind(at + 5, e.payload).Bind(at + 6, e.created_at).Bind(at + 7, e.due_at);
      s.Bind(at + 8, events_[i].handled);
      if (const auto& h = events_[i].history) {
        s.Bind(at + 9, h->status).Bind(at + 10, h->detail).Bind(at + 11, h->at);
      } else {
        s.BindNull(at + 9).BindNull(at + 10).BindNull(at + 11);
      }
    }
    OF_RETURN_IF_ERROR(s.Run());
  }
  events_.clear();
  for (std::size_t first = 0; first < deliveries_.size(); first += kRowsPerInsert) {
    const std::size_t n = std::min(kRowsPerInsert, deliveries_.size() - first);
    auto s = conn_.Prepare(MultiRowInsert(
        "INSERT INTO deliveries (event_id, step, state, attempts, next_at, updated_at)", 6, n));
    for (std::size_t i = first; i < first + n; ++i) {
      const BufferedDelivery& d = deliveries_[i];
      const int at = static_cast<int>(i - first) * 6;
      s.Bind(at + 1, d.event_id).Bind(at + 2, d.step).Bind(at + 3, 0).Bind(at + 4, 0);
      s.Bind(at + 5, d.next_at).Bind(at + 6, d.updated_at);
    }
    OF_RETURN_IF_ERROR(s.Run());
  }
  deliveries_.clear();
  return OkStatus();
}

namespace {

constexpr const char* kDeliveryColumns =
    "e.id, e.store_id, e.order_id, e.topic, e.payload, e.created_at, e.due_at, d.step, d.state, "
    "d.attempts, d.next_at, d.last_error, d.updated_at, d.started_at, d.finished_at";

constexpr const char* kEventColumns = "id, store_id, order_id, topic, payload, created_at, due_at";

Event ReadEvent(const Statement& s) {
  return Event{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Int(5), s.Int(6)};
}

void SortDeliveries(std::vector<Delivery>& deliveries) {
  std::sort(deliveries.begin(), deliveries.end(), [](const Delivery& a, const Delivery& b) {
    return a.event.id != b.event.id ? a.event.id < b.event.id : a.step < b.step;
  });
}

Delivery ReadDelivery(const Statement& s) {
  Delivery d;
  d.event.id = s.Int(0);
  d.event.store_id = s.Text(1);
  d.event.order_id = s.Text(2);
  d.event.topic = s.Text(3);
  d.event.payload = s.Text(4);
  d.event.created_at = s.Int(5);
  d.event.due_at = s.Int(6);
  d.step = s.Text(7);
  d.state = static_cast<DeliveryState>(s.Int(8));
  d.attempts = static_cast<int>(s.Int(9));
  d.next_at = s.Int(10);
  d.last_error = s.Text(11);
  d.updated_at = s.Int(12);
  d.started_at = s.Int(13);
  d.finished_at = s.Int(14);
  return d;
}

}  // namespace

Result<std::vector<Delivery>> SqliteTx::QueryDeliveries(Statement& s) {
  std::vector<Delivery> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(ReadDelivery(s));
  }
}

Result<std::vector<Delivery>> SqliteTx::ListDueDeliveries(TimeMs now, int limit,
                                                          const std::vector<ClaimSkip>& skip) {
  std::string skipped;
  for (std::size_t i = 0; i < skip.size(); ++i) {
    skipped += " AND NOT (d.step = ? AND (? = '' OR e.store_id = ?))";
  }
  auto s = conn_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                         " FROM deliveries d JOIN events e ON e.id = d.event_id "
                         "WHERE d.state = 0 AND d.next_at <= ?" +
                         skipped + " ORDER BY d.next_at, d.event_id LIMIT ?");
  int at = 1;
  s.Bind(at++, now);
  for (const auto& k : skip) {
    s.Bind(at, k.step).Bind(at + 1, k.store_id).Bind(at + 2, k.store_id);
    at += 3;
  }
  s.Bind(at, limit);
  return QueryDeliveries(s);
}

Result<std::optional<TimeMs>> SqliteTx::NextDueTime() {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare("SELECT MIN(next_at) FROM deliveries WHERE state = 0");
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row || s.IsNull(0)) return std::optional<TimeMs>{};
  return std::optional<TimeMs>(s.Int(0));
}

Result<Delivery> SqliteTx::GetDelivery(std::int64_t event_id, const std::string& step) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                         " FROM deliveries d JOIN events e ON e.id = d.event_id "
                         "WHERE d.event_id = ? AND d.step = ?");
  s.Bind(1, event_id).Bind(2, step);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (row) return ReadDelivery(s);
  auto h =
      conn_.Prepare(std::string("SELECT ") + kEventColumns + ", handled FROM events WHERE id = ?");
  h.Bind(1, event_id);
  OF_ASSIGN_OR_RETURN(bool found, h.Step());
  if (found && IsHandledBy(h.Text(7), step)) {
    std::vector<Delivery> out;
    AppendHandledDeliveries(ReadEvent(h), h.Text(7), out);
    for (auto& d : out) {
      if (d.step == step) return d;
    }
  }
  return NotFound("delivery");
}

Result<std::vector<Delivery>> SqliteTx::ListOrderDeliveries(const std::string& store_id,
                                                            const std::string& order_id) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                         " FROM events e JOIN deliveries d ON d.event_id = e.id "
                         "WHERE e.order_id = ? AND e.store_id = ? ORDER BY e.id, d.step");
  s.Bind(1, order_id).Bind(2, store_id);
  OF_ASSIGN_OR_RETURN(std::vector<Delivery> out, QueryDeliveries(s));
  auto h = conn_.Prepare(std::string("SELECT ") + kEventColumns +
                         ", handled FROM events WHERE order_id = ? AND store_id = ? "
                         "AND handled <> '' ORDER BY id");
  h.Bind(1, order_id).Bind(2, store_id);
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, h.Step());
    if (!row) break;
    AppendHandledDeliveries(ReadEvent(h), h.Text(7), out);
  }
  SortDeliveries(out);
  return out;
}

Result<std::vector<Event>> SqliteTx::ListOrderEvents(const std::string& store_id,
                                                     const std::string& order_id) {
  OF_RETURN_IF_ERROR(FlushLog());
  // Rows that only carry history are not events anything emitted.
  auto s = conn_.Prepare(std::string("SELECT ") + kEventColumns +
                         " FROM events WHERE order_id = ? AND store_id = ? AND topic <> ? "
                         "ORDER BY id");
  s.Bind(1, order_id).Bind(2, store_id).Bind(3, std::string(kHistoryTopic));
  std::vector<Event> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(ReadEvent(s));
  }
}

Result<DeadLetterPage> SqliteTx::ListDeadLetters(const std::string& store_id,
                                                 std::int64_t before_event_id, int limit) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                         " FROM deliveries d JOIN events e ON e.id = d.event_id "
                         "WHERE d.state = 2 AND e.store_id = ? AND (? = 0 OR d.event_id < ?) "
                         "ORDER BY d.event_id DESC LIMIT ?");
  s.Bind(1, store_id).Bind(2, before_event_id).Bind(3, before_event_id).Bind(4, limit + 1);
  DeadLetterPage page;
  OF_ASSIGN_OR_RETURN(page.items, QueryDeliveries(s));
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_event_id = page.items.back().event.id;
  }
  return page;
}

Result<std::vector<StepCounts>> SqliteTx::CountDeliveries(const std::string& store_id) {
  OF_RETURN_IF_ERROR(FlushLog());
  OF_RETURN_IF_ERROR(FlushDeltas());
  std::map<std::string, StepCounts> by_step;
  auto s = conn_.Prepare(
      "SELECT d.step, d.state, COUNT(*), SUM(d.attempts > 0) FROM deliveries d "
      "JOIN events e ON e.id = d.event_id "
      "WHERE d.state IN (0, 2) AND (?1 = '' OR e.store_id = ?1) GROUP BY d.step, d.state");
  s.Bind(1, store_id);
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    StepCounts& c = by_step[s.Text(0)];
    c.step = s.Text(0);
    if (s.Int(1) == 0) {
      c.pending = s.Int(2);
      c.retrying = s.Int(3);
    } else {
      c.dead = s.Int(2);
    }
  }
  auto d = conn_.Prepare(
      "SELECT substr(name, 6), SUM(value) FROM counters WHERE name LIKE 'done:%' "
      "AND (?1 = '' OR store_id = ?1) GROUP BY name");
  d.Bind(1, store_id);
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, d.Step());
    if (!row) break;
    StepCounts& c = by_step[d.Text(0)];
    c.step = d.Text(0);
    c.done = d.Int(1);
  }
  std::vector<StepCounts> out;
  for (auto& [name, c] : by_step) out.push_back(c);
  return out;
}

Status SqliteTx::AddDelivery(const Event& event, const std::string& step, bool handled,
                             TimeMs now) {
  if (!handled) {
    deliveries_.push_back({event.id, step, event.due_at, now});
    return OkStatus();
  }
  OF_RETURN_IF_ERROR(MarkHandled(event, step));
  return AddCounter(event.store_id, "done:" + step, 1);
}

Status SqliteTx::MarkHandled(const Event& event, const std::string& step) {
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (it->event.id != event.id) continue;
    if (IsHandledBy(it->handled, step)) return MakeError(ErrorCode::kConflict, "delivery exists");
    it->handled = AddHandled(it->handled, step);
    return OkStatus();
  }
  // An event an earlier unit wrote.
  auto s = conn_.Prepare(
      "UPDATE events SET handled = CASE WHEN handled = '' THEN ?1 ELSE handled || ',' || ?1 END "
      "WHERE id = ?2 AND instr(',' || handled || ',', ',' || ?1 || ',') = 0");
  s.Bind(1, step).Bind(2, event.id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return MakeError(ErrorCode::kConflict, "delivery exists");
  return OkStatus();
}

Status SqliteTx::CompleteDelivery(std::int64_t event_id, const std::string& step, int attempts,
                                  TimeMs now) {
  // A delivery this unit wrote (an event it emitted, chained after all):
  // it becomes a mark on the event instead of a row.
  for (auto it = deliveries_.begin(); it != deliveries_.end(); ++it) {
    if (it->event_id != event_id || it->step != step) continue;
    deliveries_.erase(it);
    for (const auto& e : events_) {
      if (e.event.id != event_id) continue;
      Event event = e.event;
      OF_RETURN_IF_ERROR(MarkHandled(event, step));
      return AddCounter(event.store_id, "done:" + step, 1);
    }
    return MakeError(ErrorCode::kInternal, "buffered delivery without its event");
  }
  OF_RETURN_IF_ERROR(FlushLog());
  // All changes happen on the first step; its row names the store to count for.
  auto s = conn_.Prepare(
      "UPDATE deliveries SET state = 1, attempts = ?, updated_at = ?, finished_at = ?, "
      "started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END, last_error = '' "
      "WHERE event_id = ? AND step = ? AND state = 0 "
      "RETURNING (SELECT store_id FROM events WHERE id = deliveries.event_id)");
  s.Bind(1, attempts).Bind(2, now).Bind(3, now).Bind(4, now).Bind(5, event_id).Bind(6, step);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    return MakeError(ErrorCode::kConflict,
                     "event " + std::to_string(event_id) + " was already handled by " + step);
  }
  return AddCounter(s.Text(0), "done:" + step, 1);
}

Status SqliteTx::RetryDelivery(std::int64_t event_id, const std::string& step, int attempts,
                               TimeMs next_at, const std::string& error, TimeMs now) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(
      "UPDATE deliveries SET attempts = ?, next_at = ?, last_error = ?, updated_at = ?, "
      "started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END "
      "WHERE event_id = ? AND step = ? AND state = 0");
  s.Bind(1, attempts).Bind(2, next_at).Bind(3, error).Bind(4, now).Bind(5, now);
  s.Bind(6, event_id).Bind(7, step);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return MakeError(ErrorCode::kConflict, "delivery is not pending");
  return OkStatus();
}

Status SqliteTx::DeadLetterDelivery(std::int64_t event_id, const std::string& step, int attempts,
                                    const std::string& error, TimeMs now) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(
      "UPDATE deliveries SET state = 2, attempts = ?, last_error = ?, updated_at = ?, "
      "finished_at = ?, started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END "
      "WHERE event_id = ? AND step = ? AND state = 0");
  s.Bind(1, attempts).Bind(2, error).Bind(3, now).Bind(4, now).Bind(5, now);
  s.Bind(6, event_id).Bind(7, step);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return MakeError(ErrorCode::kConflict, "delivery is not pending");
  return OkStatus();
}

Status SqliteTx::RedriveDelivery(const std::string& store_id, std::int64_t event_id,
                                 const std::string& step, TimeMs now) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(
      "UPDATE deliveries SET state = 0, attempts = 0, next_at = ?, updated_at = ?, "
      "finished_at = 0 WHERE event_id = ? AND step = ? AND state = 2 "
      "AND event_id IN (SELECT id FROM events WHERE id = ? AND store_id = ?)");
  s.Bind(1, now).Bind(2, now).Bind(3, event_id).Bind(4, step).Bind(5, event_id).Bind(6, store_id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return NotFound("dead letter " + std::to_string(event_id) + "/" + step);
  return OkStatus();
}

Result<bool> SqliteTx::ClaimCronRun(const std::string& name, TimeMs now, TimeMs next_run) {
  // One process owns a SQLite file (the server's lock), so the claim only has
  // to keep the schedule across restarts: the next run lives in `counters`.
  const std::string key = "cron:" + name;
  auto get = conn_.Prepare("SELECT value FROM counters WHERE store_id = '' AND name = ?");
  get.Bind(1, key);
  OF_ASSIGN_OR_RETURN(bool row, get.Step());
  if (row && get.Int(0) > now) return false;
  auto put = conn_.Prepare(
      "INSERT INTO counters (store_id, name, value) VALUES ('', ?, ?) "
      "ON CONFLICT (store_id, name) DO UPDATE SET value = excluded.value");
  put.Bind(1, key).Bind(2, next_run);
  OF_RETURN_IF_ERROR(put.Run());
  return true;
}

}  // namespace orderflow::store::sqlite
