#pragma once
// Order history kept in the event log (migrations 006_history_on_events.sql,
// docs/event_log_format.md "History"). A history entry a unit appends is
// written as the history columns of the events row that the same unit emits
// for that order at or after the change (the event the change caused), so
// history costs no rows of its own. An entry that no such event can carry
// (a refund recorded without an event, seeded orders) gets an events row of
// its own, topic kHistoryTopic: no step subscribes to it, it has no
// deliveries and the order's trace leaves it out. Either way an order's
// history is its events rows whose history_status is set, in id order.
//
// Both back ends buffer a unit's events until its end; this is the rule,
// written once, that decides which buffered row carries which entry.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/order.hpp"
#include "store/store.hpp"

namespace orderflow::store {

// Topic of an events row that carries a history entry and nothing else.
inline constexpr std::string_view kHistoryTopic = "history";

// A history entry a unit appended that is not written yet.
struct PendingHistory {
  std::string store_id;
  std::string order_id;
  domain::HistoryEntry entry;
  // Events the unit had emitted when the entry was made: only a later one
  // was caused by the change.
  std::size_t events_before = 0;
};

// A buffered event of the unit as PlaceHistory sees it.
struct HistorySlot {
  const Event* event = nullptr;
  std::size_t ordinal = 0;                                 // the unit's ordinal-th event, from 0
  std::optional<domain::HistoryEntry>* history = nullptr;  // set by PlaceHistory
};

// Puts each entry of `pending` (in the order the unit made them) on the
// first free slot of its order whose ordinal is at least the entry's
// events_before and which follows the slot of the order's previous entry,
// so an order's entries keep their order in event id order. `slots` are in
// emit (= id) order. Returns, in order, the entries no slot can carry; once
// an order's entry has none, its later entries have none either, so the
// caller must give these rows ids above every slot's.
std::vector<PendingHistory> PlaceHistory(std::vector<PendingHistory> pending,
                                         const std::vector<HistorySlot>& slots);

// The events row of its own for `p` (id left 0).
Event HistoryOnlyEvent(const PendingHistory& p);

// Appends the entries of `pending` that belong to the order to `history`:
// a read of an order whose newest entries the unit has not written yet.
void AppendPendingHistory(const std::vector<PendingHistory>& pending, const std::string& store_id,
                          const std::string& order_id, std::vector<domain::HistoryEntry>& history);

}  // namespace orderflow::store
