// The step engine's guarantees (SPEC §3-§6), proven on the real SQLite store
// with the real flow and steps: every path of the order state machine,
// retries with backoff, dead letters and redrive, exactly-once effects under
// two dispatchers, and no overselling under a flash sale.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.hpp"
#include "steps/order_ops.hpp"
#include "support/engine_harness.hpp"
#include "support/test_ping.hpp"

namespace orderflow::testing {
namespace {

using domain::OrderStatus;
using namespace std::chrono_literals;

// Demo catalogue of store X (SPEC §9): price 99.00 each.
const std::string kX = "X";
const std::string kWatch = "Motia Smartwatch V2";    // stock 50, threshold 15
const std::string kSensor = "Motia IoT Sensor Kit";  // stock 30, threshold 10
const std::string kBoard = "Motia AI Dev Board";     // stock 15, threshold 5

std::string Place(EngineHarness& h, const std::string& customer, const std::vector<LineSpec>& lines,
                  const std::string& token = "tok_visa", const std::string& store_id = kX) {
  auto id = h.PlaceOrder(store_id, customer, lines, token);
  if (!id.ok()) {
    ADD_FAILURE() << "intake failed for " << customer << ": " << id.error().message;
    return {};
  }
  return *id;
}

std::vector<store::StockMovement> OrderMovements(EngineHarness& h, const std::string& product_id,
                                                 const std::string& order_id) {
  std::vector<store::StockMovement> out;
  for (auto& m : h.Movements(kX, product_id)) {
    if (m.order_id == order_id) out.push_back(m);
  }
  return out;
}

std::vector<std::string> Kinds(const std::vector<store::StockMovement>& moves) {
  std::vector<std::string> out;
  for (const auto& m : moves) out.push_back(store::ToString(m.kind));
  return out;
}

using Strings = std::vector<std::string>;

// --- (a) the state machine, path by path -------------------------------------

TEST(EngineFlowTest, NormalOrderIsDeliveredWithFullHistory) {
  EngineHarness h;
  const std::string watch = h.ProductId(kX, kWatch);
  const std::string sensor = h.ProductId(kX, kSensor);
  const std::string id = Place(h, "Alice Normal", {{kWatch, 2}, {kSensor, 1}});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(h.WaitIdle());

  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kDelivered);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o),
            (Strings{"ORDER_CREATED", "INVENTORY_RESERVED", "PAYMENT_RECEIVED", "FULFILLED",
                     "SHIPPED", "DELIVERED"}));
  for (std::size_t i = 1; i < o.history.size(); ++i) {
    EXPECT_GE(o.history[i].at, o.history[i - 1].at) << "history entry " << i;
  }
  EXPECT_EQ(o.payment_status, domain::kPaymentPaid);
  EXPECT_EQ(o.fulfillment_status, domain::kFulfillmentDelivered);
  EXPECT_EQ(o.tracking_number.size(), 12u) << o.tracking_number;
  EXPECT_EQ(o.tracking_number.rfind("MOT-", 0), 0u) << o.tracking_number;
  EXPECT_FALSE(o.carrier.empty());
  EXPECT_EQ(o.total, 3 * 9900);

  // Stock committed exactly once, through the ledger.
  domain::Product w = h.GetProduct(kX, watch);
  EXPECT_EQ(w.stock, 48);
  EXPECT_EQ(w.reserved, 0);
  EXPECT_EQ(Kinds(OrderMovements(h, watch, id)), (Strings{"reserve", "commit"}));
  EXPECT_EQ(h.GetProduct(kX, sensor).stock, 29);
  EXPECT_EQ(Kinds(OrderMovements(h, sensor, id)), (Strings{"reserve", "commit"}));

  EXPECT_EQ(h.CountNotifications(kX, id, "New Order Created"), 1);
  EXPECT_EQ(h.CountNotifications(kX, id, "Payment Received"), 1);
  EXPECT_EQ(h.CountNotifications(kX, id, "Order Delivered"), 1);
  EXPECT_EQ(h.gateway().captured(), 1);
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, DeclinedPaymentFailsAndReleasesTheReservation) {
  EngineHarness h;
  const std::string watch = h.ProductId(kX, kWatch);
  const std::string id = Place(h, "Bob Declined", {{kWatch, 3}}, "tok_chargeDeclined");
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(h.WaitIdle());

  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kFailed);
  EXPECT_EQ(o.payment_status, domain::kPaymentFailed);
  EXPECT_EQ(o.failure_reason, "payment_declined");
  EXPECT_EQ(o.fulfillment_status, domain::kFulfillmentReleased);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o), (Strings{"ORDER_CREATED", "INVENTORY_RESERVED",
                                                        "PAYMENT_FAILED", "INVENTORY_RELEASED"}));

  domain::Product w = h.GetProduct(kX, watch);
  EXPECT_EQ(w.stock, 50);
  EXPECT_EQ(w.reserved, 0);
  auto moves = OrderMovements(h, watch, id);
  EXPECT_EQ(Kinds(moves), (Strings{"reserve", "release"}));
  if (moves.size() == 2) {
    EXPECT_EQ(moves[0].reserved_delta, 3);
    EXPECT_EQ(moves[1].reserved_delta, -3);
  }
  EXPECT_EQ(h.CountNotifications(kX, id, "Payment Failed"), 1);
  EXPECT_EQ(h.CountNotifications(kX, id, "Payment Received"), 0);
  EXPECT_EQ(h.gateway().captured(), 0);
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, InsufficientStockFailsWithoutMovingStock) {
  HarnessOptions options;
  options.start = false;
  EngineHarness h(options);
  const std::string tool = h.AddProduct(kX, "Scarce Tool", 2500, 5, 1);
  // Accepted while 5 are available; the stock shrinks before the engine
  // reserves (as a concurrent order or a manual adjustment would do).
  const std::string id = Place(h, "Carol Short", {{"Scarce Tool", 5}});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(h.Adjust(kX, tool, -3).ok());
  h.Start();
  ASSERT_TRUE(h.WaitIdle());

  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kFailed);
  EXPECT_EQ(o.failure_reason, "insufficient_stock");
  EXPECT_EQ(o.payment_status, domain::kPaymentPending);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o), (Strings{"ORDER_CREATED", "INVENTORY_FAILED"}));
  domain::Product p = h.GetProduct(kX, tool);
  EXPECT_EQ(p.stock, 2);
  EXPECT_EQ(p.reserved, 0);
  EXPECT_TRUE(OrderMovements(h, tool, id).empty());
  EXPECT_EQ(h.CountNotifications(kX, id, "Inventory Error"), 1);
  EXPECT_EQ(h.gateway().calls(), 0) << "an order that cannot ship must never be charged";
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, FlaggedOrderWaitsForReviewAndIsDeliveredWhenApproved) {
  EngineHarness h;
  const std::string bulk = h.AddProduct(kX, "Bulk Crate", 9900, 1000, 10);
  // 102 x 99.00 = 10,098.00: over 10,000.00 and more than 100 units, two hits.
  const std::string id = Place(h, "Dave Bulk", {{"Bulk Crate", 102}});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(h.WaitIdle());

  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kFlagged);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o), (Strings{"ORDER_CREATED", "FRAUD_FLAGGED"}));
  EXPECT_EQ(h.GetProduct(kX, bulk).reserved, 0) << "a flagged order reserves nothing";
  EXPECT_EQ(h.CountNotifications(kX, id, "Order Flagged for Review"), 1);
  EXPECT_EQ(h.gateway().calls(), 0);
  EXPECT_TRUE(h.Invariants());

  ASSERT_TRUE(h.Review(kX, id, true).ok());
  ASSERT_TRUE(h.WaitIdle());
  o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kDelivered);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o),
            (Strings{"ORDER_CREATED", "FRAUD_FLAGGED", "FRAUD_APPROVED", "INVENTORY_RESERVED",
                     "PAYMENT_RECEIVED", "FULFILLED", "SHIPPED", "DELIVERED"}));
  domain::Product p = h.GetProduct(kX, bulk);
  EXPECT_EQ(p.stock, 1000 - 102);
  EXPECT_EQ(p.reserved, 0);
  EXPECT_EQ(h.gateway().captured(), 1);
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, FlaggedOrderRejectedInReviewIsCancelled) {
  EngineHarness h;
  const std::string bulk = h.AddProduct(kX, "Bulk Crate", 9900, 1000, 10);
  const std::string id = Place(h, "Erin Bulk", {{"Bulk Crate", 150}});
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(h.WaitIdle());
  ASSERT_EQ(h.GetOrder(kX, id).status, OrderStatus::kFlagged);

  ASSERT_TRUE(h.Review(kX, id, false).ok());
  ASSERT_TRUE(h.WaitIdle());
  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kCancelled);
  EXPECT_EQ(o.failure_reason, "rejected_in_review");
  EXPECT_EQ(EngineHarness::HistoryStatuses(o),
            (Strings{"ORDER_CREATED", "FRAUD_FLAGGED", "CANCELLED"}));
  EXPECT_EQ(h.GetProduct(kX, bulk).stock, 1000);
  EXPECT_TRUE(OrderMovements(h, bulk, id).empty());
  EXPECT_EQ(h.gateway().calls(), 0);
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, CancellingAReservedUnpaidOrderReleasesTheReservation) {
  auto gate = std::make_shared<StepGate>();
  HarnessOptions options;
  options.gates["payment"] = gate;
  EngineHarness h(options);
  const std::string watch = h.ProductId(kX, kWatch);
  const std::string id = Place(h, "Frank Cancel", {{kWatch, 4}});
  ASSERT_FALSE(id.empty());
  // The payment step holds the order: reserved, not charged.
  ASSERT_TRUE(gate->WaitEntered());
  domain::Order held = h.GetOrder(kX, id);
  ASSERT_EQ(held.status, OrderStatus::kPending);
  ASSERT_EQ(held.fulfillment_status, domain::kFulfillmentReserved);
  ASSERT_EQ(h.GetProduct(kX, watch).reserved, 4);

  ASSERT_TRUE(h.Cancel(kX, id).ok());
  gate->Open();
  ASSERT_TRUE(h.WaitIdle());

  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kCancelled);
  EXPECT_EQ(o.fulfillment_status, domain::kFulfillmentReleased);
  EXPECT_NE(o.payment_status, domain::kPaymentPaid);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o),
            (Strings{"ORDER_CREATED", "INVENTORY_RESERVED", "CANCELLED", "INVENTORY_RELEASED"}));
  domain::Product w = h.GetProduct(kX, watch);
  EXPECT_EQ(w.stock, 50);
  EXPECT_EQ(w.reserved, 0);
  EXPECT_EQ(Kinds(OrderMovements(h, watch, id)), (Strings{"reserve", "release"}));
  EXPECT_EQ(h.gateway().calls(), 0) << "a cancelled order must not be charged";
  EXPECT_EQ(h.gateway().refunded(), 0);
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, CancellingAPaidOrderRefundsAndReleases) {
  auto gate = std::make_shared<StepGate>();
  HarnessOptions options;
  options.gates["fulfillment"] = gate;
  EngineHarness h(options);
  const std::string watch = h.ProductId(kX, kWatch);
  const std::string id = Place(h, "Grace Refund", {{kWatch, 2}});
  ASSERT_FALSE(id.empty());
  // Paid, and fulfilment held before it commits the stock.
  ASSERT_TRUE(gate->WaitEntered());
  ASSERT_EQ(h.GetOrder(kX, id).status, OrderStatus::kPaid);

  ASSERT_TRUE(h.Cancel(kX, id).ok());
  gate->Open();
  ASSERT_TRUE(h.WaitIdle());

  domain::Order o = h.GetOrder(kX, id);
  EXPECT_EQ(o.status, OrderStatus::kCancelled);
  EXPECT_EQ(o.payment_status, domain::kPaymentRefunded);
  EXPECT_EQ(o.fulfillment_status, domain::kFulfillmentReleased);
  EXPECT_EQ(EngineHarness::HistoryStatuses(o),
            (Strings{"ORDER_CREATED", "INVENTORY_RESERVED", "PAYMENT_RECEIVED", "CANCELLED",
                     "INVENTORY_RELEASED", "REFUNDED"}));
  EXPECT_EQ(h.gateway().captured(), 1);
  EXPECT_EQ(h.gateway().refunded(), 1);
  domain::Product w = h.GetProduct(kX, watch);
  EXPECT_EQ(w.stock, 50) << "a cancelled order's stock is never committed";
  EXPECT_EQ(w.reserved, 0);
  EXPECT_EQ(Kinds(OrderMovements(h, watch, id)), (Strings{"reserve", "release"}));
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, InvalidTransitionsAreRefusedAndWriteNothing) {
  EngineHarness h;
  const std::string delivered = Place(h, "Heidi Done", {{kWatch, 1}});
  const std::string failed = Place(h, "Ivan Declined", {{kWatch, 1}}, "tok_chargeDeclined");
  ASSERT_TRUE(h.WaitIdle());
  ASSERT_EQ(h.GetOrder(kX, delivered).status, OrderStatus::kDelivered);
  ASSERT_EQ(h.GetOrder(kX, failed).status, OrderStatus::kFailed);

  for (const std::string& id : {delivered, failed}) {
    const domain::Order before = h.GetOrder(kX, id);
    const std::size_t deliveries = h.OrderDeliveries(kX, id).size();

    Status cancel = h.Cancel(kX, id);
    ASSERT_FALSE(cancel.ok());
    EXPECT_EQ(cancel.code(), ErrorCode::kInvalidTransition) << cancel.error().message;
    Status approve = h.Review(kX, id, true);
    ASSERT_FALSE(approve.ok());
    EXPECT_EQ(approve.code(), ErrorCode::kInvalidTransition);
    // Straight through the transition table, as every step does.
    for (OrderStatus to : {OrderStatus::kPending, OrderStatus::kPaid, OrderStatus::kShipped,
                           OrderStatus::kFlagged, OrderStatus::kCancelled}) {
      Status s = store::WriteSync(h.store(), [&](store::WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(domain::Order o, tx.GetOrder(kX, id));
        return steps::Transition(tx, o, to, "BOGUS", "must not be written", h.clock().NowMs());
      });
      ASSERT_FALSE(s.ok()) << domain::ToString(before.status) << " -> " << domain::ToString(to);
      EXPECT_EQ(s.code(), ErrorCode::kInvalidTransition);
    }

    const domain::Order after = h.GetOrder(kX, id);
    EXPECT_EQ(after.status, before.status);
    EXPECT_EQ(after.updated_at, before.updated_at);
    EXPECT_EQ(EngineHarness::HistoryStatuses(after), EngineHarness::HistoryStatuses(before));
    EXPECT_EQ(h.OrderDeliveries(kX, id).size(), deliveries) << "no event may be emitted";
  }
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineFlowTest, LowStockAlertFiresOnceUntilRestockedAboveThreshold) {
  EngineHarness h;
  const std::string lamp = h.AddProduct(kX, "Desk Lamp", 1500, 20, 10);
  auto low_alerts = [&] {
    int n = 0;
    for (const auto& x : h.Notifications(kX)) {
      n += x.title == "Low Inventory Alert" && x.message.find("Desk Lamp") != std::string::npos;
    }
    return n;
  };
  Place(h, "Judy One", {{"Desk Lamp", 5}});  // 15 left: above the threshold
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(low_alerts(), 0);
  Place(h, "Judy Two", {{"Desk Lamp", 6}});  // 9 left: crosses to <= 10
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(low_alerts(), 1);
  Place(h, "Judy Three", {{"Desk Lamp", 1}});  // 8: still low, no second alert
  Place(h, "Judy Four", {{"Desk Lamp", 2}});   // 6
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(low_alerts(), 1);
  EXPECT_TRUE(h.GetProduct(kX, lamp).low_stock_alerted);

  ASSERT_TRUE(h.Restock(kX, lamp, 2).ok());  // 8: still low, the alert stays spent
  Place(h, "Judy Five", {{"Desk Lamp", 1}});
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(low_alerts(), 1);

  ASSERT_TRUE(h.Restock(kX, lamp, 20).ok());  // 27: above the threshold, re-armed
  EXPECT_FALSE(h.GetProduct(kX, lamp).low_stock_alerted);
  Place(h, "Judy Six", {{"Desk Lamp", 10}});  // 17: no alert
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(low_alerts(), 1);
  Place(h, "Judy Seven", {{"Desk Lamp", 8}});  // 9: crosses again
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(low_alerts(), 2);
  EXPECT_EQ(h.GetProduct(kX, lamp).stock, 9);
  EXPECT_TRUE(h.Invariants());
}

// --- (b) retries, backoff, dead letters, redrive ------------------------------

engine::Flow TestFlow() {
  engine::Flow flow;
  flow.Add({"test-api", engine::StepKind::kApi, {"POST /test"}, {"test.ping"}, "emits pings"});
  flow.Add({"flaky", engine::StepKind::kEvent, {"test.ping"}, {}, "fails, then succeeds"});
  return flow;
}

constexpr char kFlakyTitle[] = "Flaky step done";

// Fails the first `fail_handle` handler calls, then the first `fail_apply`
// transactional parts after they wrote their notification (so the write must
// roll back), or always fails; records every attempt.
class FlakyStep final : public engine::Step {
 public:
  FlakyStep(const engine::Flow& flow, engine::RetryPolicy policy)
      : spec_(*flow.Find("flaky")), policy_(policy) {}

  const engine::StepSpec& spec() const override { return spec_; }
  engine::RetryPolicy retry_policy() const override { return policy_; }

  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    int call = 0;
    {
      std::lock_guard lock(mu_);
      times_.push_back(std::chrono::steady_clock::now());
      attempts_.push_back(input.attempt);
      call = static_cast<int>(times_.size());
    }
    if (always_fail_) return MakeError(ErrorCode::kUnavailable, "permanent failure");
    if (call <= fail_handle_) {
      return MakeError(ErrorCode::kUnavailable, "transient failure " + std::to_string(call));
    }
    const std::int64_t event_id = input.delivery.event.id;
    return engine::Apply([this, event_id](engine::StepTx& st) -> Status {
      domain::Notification n;
      n.notification_id = NewUuid();
      n.store_id = kX;
      n.title = kFlakyTitle;
      n.message = "handled event " + std::to_string(event_id);
      n.created_at = st.now();
      OF_RETURN_IF_ERROR(st.notifications().InsertNotification(n));
      if (++apply_runs_ <= fail_apply_) {
        return MakeError(ErrorCode::kUnavailable, "failure after the write");
      }
      return OkStatus();
    });
  }

  std::vector<int> attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  std::vector<std::chrono::steady_clock::time_point> times() const {
    std::lock_guard lock(mu_);
    return times_;
  }

  std::atomic<int> fail_handle_{0};
  std::atomic<int> fail_apply_{0};
  std::atomic<bool> always_fail_{false};
  std::atomic<int> apply_runs_{0};

 private:
  engine::StepSpec spec_;
  engine::RetryPolicy policy_;
  mutable std::mutex mu_;
  std::vector<std::chrono::steady_clock::time_point> times_;  // GUARDED_BY(mu_)
  std::vector<int> attempts_;                                 // GUARDED_BY(mu_)
};

struct FlakyRig {
  explicit FlakyRig(engine::RetryPolicy policy) {
    HarnessOptions options;
    options.flow = TestFlow();
    options.install_order_steps = false;
    options.start = false;
    h = std::make_unique<EngineHarness>(options);
    auto owned = std::make_unique<FlakyStep>(h->flow(), policy);
    step = owned.get();
    h->engine().AddStep(std::move(owned));
  }

  std::int64_t Ping() { return EmitTestPing(*h, kX); }

  store::Delivery Delivery(std::int64_t event_id) {
    store::Delivery d;
    Status s = h->real_store().Read([&](store::ReadTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(d, tx.GetDelivery(event_id, "flaky"));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok());
    return d;
  }

  int Effects() {
    int n = 0;
    for (const auto& x : h->Notifications(kX)) n += x.title == kFlakyTitle;
    return n;
  }

  std::unique_ptr<EngineHarness> h;
  FlakyStep* step = nullptr;
};

TEST(EngineRetryTest, FailingStepIsRetriedWithBackoffAndAppliesOnce) {
  const engine::RetryPolicy policy{6, 20, 1000};
  FlakyRig rig(policy);
  constexpr int kFailures = 3;
  rig.step->fail_handle_ = kFailures;
  rig.h->Start();
  const std::int64_t event_id = rig.Ping();
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.step->attempts(), (std::vector<int>{1, 2, 3, 4}));
  store::Delivery d = rig.Delivery(event_id);
  EXPECT_EQ(d.state, store::DeliveryState::kDone);
  EXPECT_EQ(d.attempts, kFailures + 1);
  EXPECT_EQ(rig.Effects(), 1);
  EXPECT_EQ(rig.h->engine().stats().retried, kFailures);
  EXPECT_EQ(rig.h->engine().stats().handled, 1);
  EXPECT_EQ(rig.h->engine().stats().dead_lettered, 0);

  // Exponential backoff with equal jitter: the k-th wait is at least half of
  // base * 2^(k-1).
  auto times = rig.step->times();
  ASSERT_EQ(times.size(), 4u);
  for (int k = 1; k <= kFailures; ++k) {
    auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(times[k] - times[k - 1]);
    const std::int64_t floor_ms = policy.DelayMs(k, 0.0);
    EXPECT_GE(gap.count(), floor_ms - 1) << "wait before attempt " << k + 1;
    EXPECT_LT(gap.count(), 5000) << "wait before attempt " << k + 1;
  }
}

TEST(EngineRetryTest, WritesOfAFailedAttemptRollBackSoTheEffectHappensOnce) {
  FlakyRig rig(engine::RetryPolicy{6, 5, 50});
  rig.step->fail_apply_ = 2;  // the transactional part writes, then fails, twice
  rig.h->Start();
  const std::int64_t event_id = rig.Ping();
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.step->apply_runs_.load(), 3);
  EXPECT_EQ(rig.Effects(), 1) << "the writes of failed attempts must roll back";
  store::Delivery d = rig.Delivery(event_id);
  EXPECT_EQ(d.state, store::DeliveryState::kDone);
  EXPECT_EQ(d.attempts, 3);
}

TEST(EngineRetryTest, RedeliveryOfAHandledEventIsANoOp) {
  FlakyRig rig(engine::RetryPolicy{6, 5, 50});
  rig.h->Start();
  const std::int64_t event_id = rig.Ping();
  ASSERT_TRUE(rig.h->WaitIdle());
  ASSERT_EQ(rig.Effects(), 1);
  // The same delivery handed to the step again (a second dispatcher, a crash
  // between effect and bookkeeping): its unit must write nothing.
  store::Delivery d = rig.Delivery(event_id);
  auto apply = rig.step->Handle(engine::StepInput{d, boost::json::object{}, 0, 2});
  ASSERT_TRUE(apply.ok());
  Status s = store::WriteSync(rig.h->store(), [&](store::WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.CompleteDelivery(event_id, "flaky", 2, rig.h->clock().NowMs()));
    engine::StepTx st(tx, rig.h->flow(), "flaky", &d.event, rig.h->clock().NowMs());
    return (*apply)(st);
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  EXPECT_EQ(rig.Effects(), 1);
}

TEST(EngineRetryTest, AlwaysFailingStepIsDeadLetteredAndCanBeRedriven) {
  FlakyRig rig(engine::RetryPolicy{3, 5, 20});
  rig.step->always_fail_ = true;
  rig.h->Start();
  const std::int64_t event_id = rig.Ping();
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.step->attempts(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(rig.Effects(), 0);
  auto dead = rig.h->DeadLetters(kX);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].event.id, event_id);
  EXPECT_EQ(dead[0].step, "flaky");
  EXPECT_EQ(dead[0].state, store::DeliveryState::kDead);
  EXPECT_EQ(dead[0].attempts, 3);
  EXPECT_NE(dead[0].last_error.find("permanent failure"), std::string::npos) << dead[0].last_error;
  EXPECT_EQ(dead[0].event.payload, R"({"n":1})");
  EXPECT_GT(dead[0].finished_at, 0);
  EXPECT_EQ(rig.h->engine().stats().dead_lettered, 1);
  EXPECT_TRUE(rig.h->DeadLetters("Y").empty()) << "dead letters are per store";

  // Redrive only in the owning store, then with the step fixed it completes.
  const TimeMs now = rig.h->clock().NowMs();
  Status wrong_store = store::WriteSync(rig.h->store(), [&](store::WriteTx& tx) {
    return tx.RedriveDelivery("Y", event_id, "flaky", now);
  });
  EXPECT_EQ(wrong_store.code(), ErrorCode::kNotFound);
  rig.step->always_fail_ = false;
  ASSERT_TRUE(store::WriteSync(rig.h->store(), [&](store::WriteTx& tx) {
                return tx.RedriveDelivery(kX, event_id, "flaky", now);
              }).ok());
  ASSERT_TRUE(rig.h->WaitIdle());

  store::Delivery d = rig.Delivery(event_id);
  EXPECT_EQ(d.state, store::DeliveryState::kDone);
  EXPECT_EQ(d.attempts, 1) << "a redriven delivery starts with fresh attempts";
  EXPECT_EQ(rig.Effects(), 1);
  EXPECT_TRUE(rig.h->DeadLetters(kX).empty());
  Status again = store::WriteSync(rig.h->store(), [&](store::WriteTx& tx) {
    return tx.RedriveDelivery(kX, event_id, "flaky", now);
  });
  EXPECT_EQ(again.code(), ErrorCode::kNotFound) << "only dead letters can be redriven";
}

// --- (c) two dispatchers on one store ------------------------------------------

TEST(EngineConcurrencyTest, TwoDispatchersOnOneStoreApplyEachEffectOnce) {
  HarnessOptions options;
  options.engines = 2;
  options.workers = 4;
  EngineHarness h(options);
  const std::string gadget = h.AddProduct(kX, "Gadget", 1000, 10'000, 0);
  constexpr int kOrders = 100;
  constexpr int kThreads = 4;
  std::mutex mu;
  std::vector<std::string> ids;
  std::int64_t units = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kOrders; i += kThreads) {
        const int q = 1 + i % 3;
        auto id = h.PlaceOrder(kX, "Twin Customer " + std::to_string(i), {{"Gadget", q}});
        std::lock_guard lock(mu);
        if (!id.ok()) {
          ADD_FAILURE() << id.error().message;
          continue;
        }
        ids.push_back(*id);
        units += q;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kOrders));
  ASSERT_TRUE(h.WaitIdle(60s));

  std::int64_t done_deliveries = 0;
  for (const auto& id : ids) {
    domain::Order o = h.GetOrder(kX, id);
    EXPECT_EQ(o.status, OrderStatus::kDelivered) << id;
    int paid = 0;
    for (const auto& e : o.history) paid += e.status == "PAYMENT_RECEIVED";
    EXPECT_EQ(paid, 1) << id;
    for (const auto& d : h.OrderDeliveries(kX, id))
      done_deliveries += d.state == store::DeliveryState::kDone;
  }
  EXPECT_EQ(h.gateway().captured(), kOrders) << "exactly one charge per order";
  EXPECT_GE(h.gateway().calls(), kOrders);

  // One set of notifications per order.
  std::map<std::string, int> per_order;
  for (const auto& n : h.Notifications(kX)) {
    if (!n.order_id.empty()) ++per_order[n.order_id];
  }
  for (const auto& id : ids) EXPECT_EQ(per_order[id], 3) << id;

  // Stock committed exactly once per order.
  int reserves = 0, commits = 0;
  for (const auto& m : h.Movements(kX, gadget)) {
    reserves += m.kind == store::MovementKind::kReserve;
    commits += m.kind == store::MovementKind::kCommit;
  }
  EXPECT_EQ(reserves, kOrders);
  EXPECT_EQ(commits, kOrders);
  domain::Product p = h.GetProduct(kX, gadget);
  EXPECT_EQ(p.stock, 10'000 - units);
  EXPECT_EQ(p.reserved, 0);

  // The engines together counted each completed delivery once.
  const auto s0 = h.engine(0).stats();
  const auto s1 = h.engine(1).stats();
  EXPECT_EQ(s0.handled + s1.handled, done_deliveries);
  std::printf(
      "[          ] dispatcher 0 handled %lld, dispatcher 1 handled %lld of %lld deliveries\n",
      static_cast<long long>(s0.handled), static_cast<long long>(s1.handled),
      static_cast<long long>(done_deliveries));
  EXPECT_TRUE(h.Invariants());
}

// --- (d) flash sale: no oversell under concurrency -----------------------------

struct FlashSaleOutcome {
  std::vector<std::string> accepted;
  int refused_short = 0;
};

FlashSaleOutcome RunFlashSale(EngineHarness& h, int orders, int threads) {
  FlashSaleOutcome out;
  std::mutex mu;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = t; i < orders; i += threads) {
        auto id = h.PlaceOrder(kX, "Shopper " + std::to_string(i), {{"Limited Sneaker", 1}});
        std::lock_guard lock(mu);
        if (id.ok()) {
          out.accepted.push_back(*id);
        } else if (id.code() == ErrorCode::kInsufficientStock) {
          ++out.refused_short;
        } else {
          ADD_FAILURE() << "unexpected intake error: " << id.error().message;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  return out;
}

void ExpectSoldOut(EngineHarness& h, const std::string& product_id,
                   const std::vector<std::string>& accepted, int stock) {
  int delivered = 0, short_failed = 0, other = 0;
  for (const auto& id : accepted) {
    domain::Order o = h.GetOrder(kX, id);
    if (o.status == OrderStatus::kDelivered) {
      ++delivered;
    } else if (o.status == OrderStatus::kFailed && o.failure_reason == "insufficient_stock") {
      ++short_failed;
    } else {
      ++other;
    }
  }
  EXPECT_EQ(delivered, stock);
  EXPECT_EQ(short_failed, static_cast<int>(accepted.size()) - stock);
  EXPECT_EQ(other, 0);
  domain::Product p = h.GetProduct(kX, product_id);
  EXPECT_EQ(p.stock, 0);
  EXPECT_EQ(p.reserved, 0);
  EXPECT_EQ(h.Ledger(kX, product_id), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  int reserves = 0, commits = 0, releases = 0;
  for (const auto& m : h.Movements(kX, product_id)) {
    reserves += m.kind == store::MovementKind::kReserve;
    commits += m.kind == store::MovementKind::kCommit;
    releases += m.kind == store::MovementKind::kRelease;
  }
  EXPECT_EQ(reserves, stock);
  EXPECT_EQ(commits, stock);
  EXPECT_EQ(releases, 0);
  int low = 0;
  for (const auto& n : h.Notifications(kX)) {
    low +=
        n.title == "Low Inventory Alert" && n.message.find("Limited Sneaker") != std::string::npos;
  }
  EXPECT_EQ(low, 1) << "one low-stock alert when crossing the threshold";
  EXPECT_EQ(h.gateway().captured(), stock);
  EXPECT_TRUE(h.Invariants());
}

// Order ids are unique per store only: the same id in two stores is two
// orders, handled side by side (the one-delivery-at-a-time rule is per store
// and order) and charged once each (the gateway key names the store).
TEST(EngineConcurrencyTest, SameOrderIdInTwoStoresRunsSideBySideAndIsChargedTwice) {
  auto gate = std::make_shared<StepGate>();
  HarnessOptions options;
  options.gates["payment"] = gate;
  EngineHarness h(options);
  const std::string id = NewUuid();
  ASSERT_TRUE(h.PlaceOrder("X", "Ada Lovelace", {{kWatch, 1}}, "tok_visa", id).ok());
  ASSERT_TRUE(h.PlaceOrder("Y", "Grace Hopper", {{kWatch, 2}}, "tok_visa", id).ok());
  EXPECT_TRUE(gate->WaitEntered(2)) << "one store's order held up the other's";
  gate->Open();
  ASSERT_TRUE(h.WaitIdle());
  domain::Order x = h.GetOrder("X", id);
  domain::Order y = h.GetOrder("Y", id);
  EXPECT_EQ(x.status, OrderStatus::kDelivered);
  EXPECT_EQ(y.status, OrderStatus::kDelivered);
  EXPECT_EQ(x.customer_name, "Ada Lovelace");
  EXPECT_EQ(y.customer_name, "Grace Hopper");
  EXPECT_EQ(EngineHarness::HistoryStatuses(x), EngineHarness::HistoryStatuses(y));
  EXPECT_EQ(h.gateway().captured(), 2) << "one charge per store's order";
  EXPECT_EQ(h.GetProduct("X", h.ProductId("X", kWatch)).stock, 50 - 1);
  EXPECT_EQ(h.GetProduct("Y", h.ProductId("Y", kWatch)).stock, 35 - 2);
  EXPECT_TRUE(h.Invariants());
}

TEST(EngineConcurrencyTest, FlashSaleOfTwoHundredOrdersForTwentyFiveUnitsNeverOversells) {
  HarnessOptions options;
  options.start = false;  // every order passes intake; the engine decides
  options.workers = 4;
  EngineHarness h(options);
  const std::string sneaker = h.AddProduct(kX, "Limited Sneaker", 5000, 25, 10);
  FlashSaleOutcome sale = RunFlashSale(h, 200, 8);
  ASSERT_EQ(sale.accepted.size(), 200u);
  h.Start();
  ASSERT_TRUE(h.WaitIdle(60s));
  ExpectSoldOut(h, sneaker, sale.accepted, 25);
}

TEST(EngineConcurrencyTest, FlashSaleWithTheEngineRunningNeverOversells) {
  HarnessOptions options;
  options.workers = 4;
  EngineHarness h(options);
  const std::string sneaker = h.AddProduct(kX, "Limited Sneaker", 5000, 25, 10);
  FlashSaleOutcome sale = RunFlashSale(h, 200, 8);
  EXPECT_EQ(static_cast<int>(sale.accepted.size()) + sale.refused_short, 200);
  ASSERT_GE(sale.accepted.size(), 25u);
  ASSERT_TRUE(h.WaitIdle(60s));
  ExpectSoldOut(h, sneaker, sale.accepted, 25);
}

}  // namespace
}  // namespace orderflow::testing
