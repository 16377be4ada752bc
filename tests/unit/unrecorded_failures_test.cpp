// UnrecordedFailures: the engine's in-memory attempt counts and backoff for
// failures the store could not record.

#include "engine/unrecorded_failures.hpp"

#include <gtest/gtest.h>

namespace orderflow::engine {
namespace {

store::Delivery Make(std::int64_t event_id, const std::string& step, int attempts = 0) {
  store::Delivery d;
  d.event.id = event_id;
  d.step = step;
  d.attempts = attempts;
  return d;
}

std::vector<std::int64_t> Ids(const std::vector<store::Delivery>& v) {
  std::vector<std::int64_t> ids;
  for (const auto& d : v) ids.push_back(d.event.id);
  return ids;
}

TEST(UnrecordedFailures, KeepsTheRealAttemptCountUntilForgotten) {
  UnrecordedFailures failures;
  store::Delivery d = Make(7, "payment");
  EXPECT_EQ(failures.Attempts(d), 0);
  failures.Remember(d, 1, 1000);
  failures.Remember(d, 2, 2000);
  EXPECT_EQ(failures.Attempts(d), 2) << "the database still says 0";
  EXPECT_EQ(failures.Attempts(Make(7, "payment", 5)), 5) << "a larger recorded count wins";
  EXPECT_EQ(failures.Attempts(Make(7, "shipping")), 0) << "per (event, step)";
  failures.Forget(d);
  EXPECT_EQ(failures.Attempts(d), 0);
  EXPECT_EQ(failures.size(), 0u);
}

TEST(UnrecordedFailures, HoldsDeliveriesUntilTheirBackoffEnds) {
  UnrecordedFailures failures;
  failures.Remember(Make(1, "s"), 1, 500);
  failures.Remember(Make(3, "s"), 1, 900);
  EXPECT_EQ(failures.EarliestDue(0), std::optional<TimeMs>(500));
  EXPECT_EQ(failures.EarliestDue(500), std::optional<TimeMs>(900)) << "only what is still ahead";
  EXPECT_EQ(failures.EarliestDue(900), std::nullopt);

  std::vector<store::Delivery> due = {Make(1, "s"), Make(2, "s"), Make(3, "s"), Make(4, "s")};
  std::vector<store::Delivery> held;
  failures.TakeHeld(due, 499, held);
  EXPECT_EQ(Ids(due), (std::vector<std::int64_t>{2, 4})) << "order kept";
  EXPECT_EQ(Ids(held), (std::vector<std::int64_t>{1, 3}));

  due = {Make(1, "s"), Make(2, "s"), Make(3, "s")};
  held.clear();
  failures.TakeHeld(due, 500, held);
  EXPECT_EQ(Ids(due), (std::vector<std::int64_t>{1, 2})) << "due again at its time";
  EXPECT_EQ(Ids(held), (std::vector<std::int64_t>{3}));
}

TEST(UnrecordedFailures, IsBoundedAndGivesUpTheEntryDueSoonest) {
  UnrecordedFailures failures(3);
  failures.Remember(Make(1, "s"), 1, 300);
  failures.Remember(Make(2, "s"), 1, 100);
  failures.Remember(Make(3, "s"), 1, 200);
  failures.Remember(Make(4, "s"), 1, 400);
  EXPECT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures.Attempts(Make(2, "s")), 0) << "the one due soonest gave way";
  EXPECT_EQ(failures.Attempts(Make(4, "s")), 1);
  failures.Remember(Make(4, "s"), 2, 500);  // an update takes no new room
  EXPECT_EQ(failures.size(), 3u);
  EXPECT_EQ(failures.Attempts(Make(1, "s")), 1);
}

}  // namespace
}  // namespace orderflow::engine
