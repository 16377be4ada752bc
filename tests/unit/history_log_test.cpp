// store::PlaceHistory: which buffered events row of a unit carries each
// order history entry (the event log is the history). Pure; the back ends'
// use of it is in store_conformance/history_test.cpp.

#include "store/history_log.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace orderflow::store {
namespace {

struct Unit {
  std::vector<Event> events;
  std::vector<std::optional<domain::HistoryEntry>> carried;

  void Emit(const std::string& order_id) {
    Event e;
    e.store_id = "A";
    e.order_id = order_id;
    e.topic = "order.something";
    events.push_back(e);
    carried.emplace_back();
  }
  std::vector<HistorySlot> Slots() {
    std::vector<HistorySlot> out;
    for (std::size_t i = 0; i < events.size(); ++i) out.push_back({&events[i], i, &carried[i]});
    return out;
  }
  // The status each event carries ("" for none).
  std::vector<std::string> Carried() const {
    std::vector<std::string> out;
    for (const auto& c : carried) out.push_back(c ? c->status : "");
    return out;
  }
};

PendingHistory Entry(const std::string& order_id, const std::string& status,
                     std::size_t events_before) {
  return PendingHistory{"A", order_id, domain::HistoryEntry{status, 100, "detail"}, events_before};
}

std::vector<std::string> Statuses(const std::vector<PendingHistory>& own) {
  std::vector<std::string> out;
  for (const auto& p : own) out.push_back(p.order_id + ":" + p.entry.status);
  return out;
}

TEST(PlaceHistoryTest, EachEntryRidesOnTheFirstLaterEventOfItsOrder) {
  Unit unit;
  unit.Emit("o1");  // 0
  unit.Emit("o2");  // 1
  unit.Emit("o1");  // 2
  unit.Emit("o1");  // 3
  auto own = PlaceHistory({Entry("o1", "CREATED", 0), Entry("o2", "FLAGGED", 0),
                           Entry("o1", "RESERVED", 1), Entry("o1", "PAID", 3)},
                          unit.Slots());
  EXPECT_TRUE(own.empty());
  EXPECT_EQ(unit.Carried(), (std::vector<std::string>{"CREATED", "FLAGGED", "RESERVED", "PAID"}));
}

TEST(PlaceHistoryTest, AnEntryAfterTheLastEventGetsARowOfItsOwn) {
  Unit unit;
  unit.Emit("o1");
  auto own = PlaceHistory(
      {Entry("o1", "CREATED", 0), Entry("o1", "REFUNDED", 1), Entry("o3", "SEEDED", 0)},
      unit.Slots());
  EXPECT_EQ(unit.Carried(), (std::vector<std::string>{"CREATED"}));
  EXPECT_EQ(Statuses(own), (std::vector<std::string>{"o1:REFUNDED", "o3:SEEDED"}));
}

// Rows of their own get ids after every event of the unit, so once one of
// an order's entries needs one, its later entries must too: riding on an
// earlier event would put them before it in id order.
TEST(PlaceHistoryTest, AfterAnEntryOfItsOwnAnOrdersLaterEntriesFollowIt) {
  Unit unit;
  unit.Emit("o1");  // 0
  unit.Emit("o2");  // 1
  auto own = PlaceHistory(
      {Entry("o1", "FIRST", 2), Entry("o1", "SECOND", 0), Entry("o2", "OTHER", 0)}, unit.Slots());
  EXPECT_EQ(unit.Carried(), (std::vector<std::string>{"", "OTHER"}));
  EXPECT_EQ(Statuses(own), (std::vector<std::string>{"o1:FIRST", "o1:SECOND"}));
}

TEST(PlaceHistoryTest, EventsOfNoOrderCarryNothing) {
  Unit unit;
  unit.Emit("");
  auto own = PlaceHistory({Entry("", "STORE_LEVEL", 0)}, unit.Slots());
  EXPECT_EQ(unit.Carried(), (std::vector<std::string>{""}));
  EXPECT_EQ(own.size(), 1u);
}

}  // namespace
}  // namespace orderflow::store
