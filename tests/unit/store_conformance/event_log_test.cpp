// Store conformance, event log role: events, their deliveries, claims, cron
// claims, units that ask to run again (kRetryUnit), dead letters and redrive,
// on every back end (fixture.hpp). Commits of units: event_log_commit_test.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class EventLogConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(EventLogConformance, StoreFactories);

// --- outbox ----------------------------------------------------------------

std::vector<std::string> Steps(const std::vector<Delivery>& deliveries) {
  std::vector<std::string> out;
  for (const auto& d : deliveries) out.push_back(std::to_string(d.event.id) + "/" + d.step);
  return out;
}

TYPED_TEST(EventLogConformance, InsertEventCreatesOnePendingDeliveryPerStep) {
  const Event e = MakeEvent("A", OrderId(1), "order.created", kNow + 500);
  const std::vector<std::string> steps = {"fraud-guard", "alerts", "webhooks"};
  auto first = WriteValue(this->store(), [&](WriteTx& tx) { return tx.InsertEvent(e, steps); });
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second =
      WriteValue(this->store(), [&](WriteTx& tx) { return tx.InsertEvent(e, {"alerts"}); });
  ASSERT_TRUE(second.ok());
  auto none = WriteValue(this->store(), [&](WriteTx& tx) { return tx.InsertEvent(e, {}); });
  ASSERT_TRUE(none.ok());
  EXPECT_GT(*second, *first);
  EXPECT_GT(*none, *second);

  for (const auto& step : steps) {
    auto d = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*first, step); });
    ASSERT_TRUE(d.ok()) << step << ": " << d.error().message;
    EXPECT_EQ(d->step, step);
    EXPECT_EQ(d->state, DeliveryState::kPending);
    EXPECT_EQ(d->attempts, 0);
    EXPECT_EQ(d->next_at, kNow + 500);
    EXPECT_EQ(d->finished_at, 0);
    EXPECT_EQ(d->event.id, *first);
    EXPECT_EQ(d->event.store_id, "A");
    EXPECT_EQ(d->event.order_id, OrderId(1));
    EXPECT_EQ(d->event.topic, "order.created");
    EXPECT_EQ(d->event.payload, e.payload);
    EXPECT_EQ(d->event.created_at, kNow);
    EXPECT_EQ(d->event.due_at, kNow + 500);
  }
  EXPECT_EQ(ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*first, "payment"); })
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*none, "alerts"); }).code(),
      ErrorCode::kNotFound);

  auto deliveries =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderDeliveries("A", OrderId(1)); });
  ASSERT_TRUE(deliveries.ok());
  std::multiset<std::string> got;
  for (const auto& d : *deliveries) got.insert(std::to_string(d.event.id) + "/" + d.step);
  EXPECT_EQ(got, (std::multiset<std::string>{
                     std::to_string(*first) + "/fraud-guard", std::to_string(*first) + "/alerts",
                     std::to_string(*first) + "/webhooks", std::to_string(*second) + "/alerts"}));
  ASSERT_EQ(deliveries->size(), 4u);
  EXPECT_EQ(deliveries->back().event.id, *second) << "events oldest first";

  // The trace lists every event of the order, with or without subscribers.
  auto events =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderEvents("A", OrderId(1)); });
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].id, *first);
  EXPECT_EQ((*events)[2].id, *none);

  // Another store sees none of it.
  auto foreign =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderDeliveries("B", OrderId(1)); });
  ASSERT_TRUE(foreign.ok());
  EXPECT_TRUE(foreign->empty());
  auto foreign_events =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderEvents("B", OrderId(1)); });
  ASSERT_TRUE(foreign_events.ok());
  EXPECT_TRUE(foreign_events->empty());
}

TYPED_TEST(EventLogConformance, EventOfAFailedUnitIsNotWritten) {
  const Event e = MakeEvent("A", OrderId(1), "order.created", kNow);
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(1), "Ada", kNow)));
    auto id = tx.InsertEvent(e, {"fraud-guard"});
    if (!id.ok()) return id.error();
    return MakeError(ErrorCode::kConflict, "caller changed its mind");
  });
  ASSERT_EQ(s.code(), ErrorCode::kConflict);
  auto events =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderEvents("A", OrderId(1)); });
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  auto next = ReadValue(this->store(), [](ReadTx& tx) { return tx.NextDueTime(); });
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  auto due =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow + kDay, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  EXPECT_EQ(
      ReadValue(this->store(), [](ReadTx& tx) { return tx.GetOrder("A", OrderId(1)); }).code(),
      ErrorCode::kNotFound);
}

TYPED_TEST(EventLogConformance, ClaimedDeliveriesAreDueAndPendingOnly) {
  auto e1 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("A", OrderId(1), "order.created", kNow), {"s1"});
  });
  auto e2 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", OrderId(2), "delivery.shipped", kNow + 5000), {"s1"});
  });
  ASSERT_TRUE(e1.ok() && e2.ok());
  auto early = this->store().ClaimDueDeliveries(kNow - 1, 10, 1000);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  auto claimed = this->store().ClaimDueDeliveries(kNow, 10, 1000);
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(Steps(*claimed), (std::vector<std::string>{std::to_string(*e1) + "/s1"}));
  EXPECT_EQ(claimed->front().event.topic, "order.created");
  EXPECT_EQ(claimed->front().event.order_id, OrderId(1));

  // Handled work is never claimed again, however late the claim.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.CompleteDelivery(*e1, "s1", 1, kNow + 1);
              }).ok());
  auto later = this->store().ClaimDueDeliveries(kNow + 5000 + 2000, 10, 1000);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Steps(*later), (std::vector<std::string>{std::to_string(*e2) + "/s1"}));
}

// Deliveries a full bulkhead holds back are left unclaimed, so that they
// neither fill the batch nor spend an attempt (engine/step.hpp Bulkhead).
TYPED_TEST(EventLogConformance, ClaimsLeaveSkippedStepsAndStoresAlone) {
  auto a = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("A", "", "webhook.send", kNow), {"send", "other"});
  });
  auto b = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", "", "webhook.send", kNow), {"send"});
  });
  ASSERT_TRUE(a.ok() && b.ok());
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::string ea = std::to_string(*a);
  const std::string eb = std::to_string(*b);
  auto store_skipped = this->store().ClaimDueDeliveries(kNow, 10, 1000, {{"send", "A"}});
  ASSERT_TRUE(store_skipped.ok()) << store_skipped.error().message;
  EXPECT_EQ(sorted(Steps(*store_skipped)), sorted({ea + "/other", eb + "/send"}));
  // After those claims' lease: the whole step skipped.
  auto step_skipped = this->store().ClaimDueDeliveries(kNow + 2000, 10, 1000, {{"send", ""}});
  ASSERT_TRUE(step_skipped.ok()) << step_skipped.error().message;
  EXPECT_EQ(Steps(*step_skipped), (std::vector<std::string>{ea + "/other"}));
  auto none_skipped = this->store().ClaimDueDeliveries(kNow + 4000, 10, 1000);
  ASSERT_TRUE(none_skipped.ok());
  EXPECT_EQ(none_skipped->size(), 3u);
}

TYPED_TEST(EventLogConformance, CronRunIsWonOncePerSchedule) {
  auto claim = [&](const std::string& name, TimeMs now, TimeMs next) {
    auto r =
        WriteValue(this->store(), [&](WriteTx& tx) { return tx.ClaimCronRun(name, now, next); });
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(claim("low-stock-scan", kNow, kNow + 60000));
  EXPECT_FALSE(claim("low-stock-scan", kNow + 10, kNow + 60010));
  EXPECT_FALSE(claim("low-stock-scan", kNow + 59999, kNow + 119999));
  EXPECT_TRUE(claim("stock-reconcile", kNow + 10, kNow + 60010));
  EXPECT_TRUE(claim("low-stock-scan", kNow + 60000, kNow + 120000));

  // A run whose unit fails does not count: the next caller wins it.
  Status failed = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(bool won, tx.ClaimCronRun("low-stock-scan", kNow + 120000, kNow + 180000));
    EXPECT_TRUE(won);
    return MakeError(ErrorCode::kUnavailable, "scan failed");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(claim("low-stock-scan", kNow + 120001, kNow + 180001));
}

TYPED_TEST(EventLogConformance, DueDeliveriesRespectNextAtAndCompleteOnlyOnce) {
  auto e1 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("A", OrderId(1), "order.created", kNow), {"s1", "s2"});
  });
  auto e2 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", OrderId(2), "delivery.shipped", kNow + 5000), {"s1"});
  });
  ASSERT_TRUE(e1.ok() && e2.ok());
  const std::string a1 = std::to_string(*e1) + "/s1", a2 = std::to_string(*e1) + "/s2",
                    b1 = std::to_string(*e2) + "/s1";
  auto due = [&](TimeMs now, int limit) {
    auto r = ReadValue(this->store(), [&](ReadTx& tx) { return tx.ListDueDeliveries(now, limit); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? Steps(*r) : std::vector<std::string>{};
  };
  auto next_due = [&]() -> std::optional<TimeMs> {
    auto r = ReadValue(this->store(), [](ReadTx& tx) { return tx.NextDueTime(); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  };
  EXPECT_TRUE(due(kNow - 1, 10).empty());
  EXPECT_EQ(due(kNow, 10), (std::vector<std::string>{a1, a2}));
  EXPECT_EQ(due(kNow + 5000, 10), (std::vector<std::string>{a1, a2, b1}));
  EXPECT_EQ(due(kNow + 5000, 1).size(), 1u);
  EXPECT_EQ(next_due(), kNow);

  // A failed attempt postpones the delivery and records the error.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.RetryDelivery(*e1, "s1", 1, kNow + 9000, "gateway timeout", kNow + 10);
              }).ok());
  auto retried = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*e1, "s1"); });
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->state, DeliveryState::kPending);
  EXPECT_EQ(retried->attempts, 1);
  EXPECT_EQ(retried->next_at, kNow + 9000);
  EXPECT_EQ(retried->last_error, "gateway timeout");
  EXPECT_EQ(retried->started_at, kNow + 10);
  EXPECT_EQ(due(kNow + 5000, 10), (std::vector<std::string>{a2, b1}));
  EXPECT_EQ(due(kNow + 9000, 10), (std::vector<std::string>{a2, b1, a1})) << "oldest due first";

  // Completing is recorded once; a redelivery finds it handled.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.CompleteDelivery(*e1, "s2", 1, kNow + 20);
              }).ok());
  Status again = WriteSync(
      this->store(), [&](WriteTx& tx) { return tx.CompleteDelivery(*e1, "s2", 2, kNow + 30); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
  auto done = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*e1, "s2"); });
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, DeliveryState::kDone);
  EXPECT_EQ(done->attempts, 1);
  EXPECT_EQ(done->finished_at, kNow + 20);
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) {
                        return tx.RetryDelivery(*e1, "s2", 2, kNow + 99, "late", kNow + 40);
                      })
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(due(kNow + kDay, 10), (std::vector<std::string>{b1, a1}));
  EXPECT_EQ(next_due(), kNow + 5000);

  auto counts = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries("A"); });
  ASSERT_TRUE(counts.ok());
  std::map<std::string, StepCounts> by_step;
  for (const auto& c : *counts) by_step[c.step] = c;
  EXPECT_EQ(by_step["s1"].pending, 1);
  EXPECT_EQ(by_step["s1"].retrying, 1);
  EXPECT_EQ(by_step["s1"].done, 0);
  EXPECT_EQ(by_step["s2"].pending, 0);
  EXPECT_EQ(by_step["s2"].done, 1);
  auto all = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries(""); });
  ASSERT_TRUE(all.ok());
  std::int64_t pending_s1 = 0;
  for (const auto& c : *all) {
    if (c.step == "s1") pending_s1 = c.pending;
  }
  EXPECT_EQ(pending_s1, 2) << "store A and store B";
}

// Step chaining writes a delivery row after its event, either already handled
// in the same unit or pending for the dispatcher.
TYPED_TEST(EventLogConformance, AddedDeliveriesAreDoneAndCountedOrPendingAndDue) {
  Event event = MakeEvent("A", OrderId(1), "order.created", kNow);
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(event.id, tx.InsertEvent(event, {"dispatched"}));
    OF_RETURN_IF_ERROR(tx.AddDelivery(event, "chained", true, kNow + 1));
    return tx.AddDelivery(event, "left", false, kNow + 1);
  });
  ASSERT_TRUE(s.ok()) << s.error().message;

  auto chained =
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(event.id, "chained"); });
  ASSERT_TRUE(chained.ok());
  EXPECT_EQ(chained->state, DeliveryState::kDone);
  EXPECT_EQ(chained->attempts, 1);
  // Recorded on the event row: handled at the time of the unit that wrote
  // the event (a chained step runs in that unit).
  EXPECT_EQ(chained->started_at, event.created_at);
  EXPECT_EQ(chained->finished_at, event.created_at);
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(Steps(*due), (std::vector<std::string>{std::to_string(event.id) + "/dispatched",
                                                   std::to_string(event.id) + "/left"}));
  auto counts = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries("A"); });
  ASSERT_TRUE(counts.ok());
  std::map<std::string, StepCounts> by_step;
  for (const auto& c : *counts) by_step[c.step] = c;
  EXPECT_EQ(by_step["chained"].done, 1);
  EXPECT_EQ(by_step["chained"].pending, 0);
  EXPECT_EQ(by_step["left"].pending, 1);

  // Handled once only: a second row for the same (event, step) is refused,
  // and so is completing the handled one.
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) { return tx.AddDelivery(event, "chained", true, kNow + 2); })
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(
      WriteSync(this->store(),
                [&](WriteTx& tx) { return tx.CompleteDelivery(event.id, "chained", 2, kNow + 2); })
          .code(),
      ErrorCode::kConflict);
}

// kRetryUnit: the run's writes roll back and the unit runs again at once;
// what the last run wrote commits.
TYPED_TEST(EventLogConformance, AUnitAskingToRunAgainKeepsOnlyItsLastRun) {
  int runs = 0;
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    ++runs;
    OF_RETURN_IF_ERROR(tx.InsertEvent(MakeEvent("A", OrderId(runs), "order.created", kNow),
                                      {"run " + std::to_string(runs)}));
    if (runs < 3) return MakeError(ErrorCode::kRetryUnit, "again");
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(runs, 3);
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 10); });
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1U);
  EXPECT_EQ(due->front().step, "run 3");
  EXPECT_EQ(due->front().event.order_id, OrderId(3));
}

TYPED_TEST(EventLogConformance, AUnitThatNeverStopsAskingFailsAndWritesNothing) {
  int runs = 0;
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    ++runs;
    OF_RETURN_IF_ERROR(tx.InsertEvent(MakeEvent("A", OrderId(1), "order.created", kNow), {"x"}));
    return MakeError(ErrorCode::kRetryUnit, "again");
  });
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  // PostgreSQL's lean first attempt has no savepoint to run a unit again
  // from: the first request ends that attempt, and the runs start over.
  EXPECT_GE(runs, kMaxUnitRuns);
  EXPECT_LE(runs, kMaxUnitRuns + 1);
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
}

TYPED_TEST(EventLogConformance, DeadLettersAreListedPerStoreAndRedrivable) {
  std::vector<std::int64_t> a_events;
  for (int i = 0; i < 3; ++i) {
    auto id = WriteValue(this->store(), [i](WriteTx& tx) {
      return tx.InsertEvent(MakeEvent("A", OrderId(i), "inventory.reserved", kNow), {"payment"});
    });
    ASSERT_TRUE(id.ok());
    a_events.push_back(*id);
  }
  auto b_event = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", OrderId(9), "inventory.reserved", kNow), {"payment"});
  });
  ASSERT_TRUE(b_event.ok());
  for (std::int64_t id : {a_events[0], a_events[1], a_events[2], *b_event}) {
    ASSERT_TRUE(WriteSync(this->store(), [id](WriteTx& tx) {
                  return tx.DeadLetterDelivery(id, "payment", 5, "card network down", kNow + 60);
                }).ok());
  }
  auto dead_page = [&](const std::string& store_id, std::int64_t before, int limit) {
    auto r = ReadValue(this->store(),
                       [&](ReadTx& tx) { return tx.ListDeadLetters(store_id, before, limit); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : DeadLetterPage{};
  };
  DeadLetterPage p1 = dead_page("A", 0, 2);
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_EQ(p1.items[0].event.id, a_events[2]) << "newest first";
  EXPECT_EQ(p1.items[1].event.id, a_events[1]);
  EXPECT_EQ(p1.items[0].state, DeliveryState::kDead);
  EXPECT_EQ(p1.items[0].attempts, 5);
  EXPECT_EQ(p1.items[0].last_error, "card network down");
  EXPECT_EQ(p1.items[0].finished_at, kNow + 60);
  EXPECT_EQ(p1.items[0].event.topic, "inventory.reserved");
  ASSERT_TRUE(p1.next_event_id.has_value());
  DeadLetterPage p2 = dead_page("A", *p1.next_event_id, 2);
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].event.id, a_events[0]);
  EXPECT_FALSE(p2.next_event_id.has_value());
  DeadLetterPage b = dead_page("B", 0, 50);
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].event.store_id, "B");

  // Dead letters are not due and cannot complete.
  auto due =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow + kDay, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) {
                        return tx.CompleteDelivery(a_events[0], "payment", 6, kNow + 70);
                      })
                .code(),
            ErrorCode::kConflict);

  // A store can only redrive its own dead letters.
  Status foreign = WriteSync(this->store(), [&](WriteTx& tx) {
    return tx.RedriveDelivery("B", a_events[0], "payment", kNow + 100);
  });
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.code(), ErrorCode::kNotFound);
  EXPECT_EQ(dead_page("A", 0, 50).items.size(), 3u);

  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.RedriveDelivery("A", a_events[0], "payment", kNow + 100);
              }).ok());
  auto redriven =
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(a_events[0], "payment"); });
  ASSERT_TRUE(redriven.ok());
  EXPECT_EQ(redriven->state, DeliveryState::kPending);
  EXPECT_EQ(redriven->attempts, 0);
  EXPECT_EQ(redriven->next_at, kNow + 100);
  EXPECT_EQ(dead_page("A", 0, 50).items.size(), 2u);
  auto due_now =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow + 100, 10); });
  ASSERT_TRUE(due_now.ok());
  ASSERT_EQ(due_now->size(), 1u);
  EXPECT_EQ((*due_now)[0].event.id, a_events[0]);
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) {
                        return tx.RedriveDelivery("A", a_events[0], "payment", kNow + 200);
                      })
                .code(),
            ErrorCode::kNotFound)
      << "only a dead letter can be redriven";

  auto counts = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries("A"); });
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].step, "payment");
  EXPECT_EQ((*counts)[0].dead, 2);
  EXPECT_EQ((*counts)[0].pending, 1);
}

}  // namespace
}  // namespace orderflow::store::conformance
