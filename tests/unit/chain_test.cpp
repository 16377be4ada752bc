// Step chaining (engine/chain.hpp) on the real SQLite store: steps that need
// no I/O run inside the unit that emitted their event, each effect still
// happens exactly once, a failing chained step falls back to the dispatcher,
// and an order's events keep their order.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/ids.hpp"
#include "support/engine_harness.hpp"

namespace orderflow::testing {
namespace {

const std::string kX = "X";

// t.start -> first -> t.middle -> second -> t.end -> third; "outside" (not
// chainable: it stands for a step with I/O) also listens to t.middle.
engine::Flow ChainFlow(bool with_outside) {
  engine::Flow flow;
  flow.Add({"test-api", engine::StepKind::kApi, {"POST /test"}, {"t.start"}, "starts"});
  if (with_outside) {
    flow.Add({"outside", engine::StepKind::kEvent, {"t.middle"}, {}, "does I/O"});
  }
  flow.Add({"first", engine::StepKind::kEvent, {"t.start"}, {"t.middle"}, "chainable"});
  flow.Add({"second", engine::StepKind::kEvent, {"t.middle"}, {"t.end"}, "chainable"});
  flow.Add({"third", engine::StepKind::kEvent, {"t.end"}, {}, "chainable"});
  return flow;
}

// Writes a notification titled with its name, then emits `emits` (if any).
// `fail_applies` of its transactional parts fail after their write.
class TestStep final : public engine::Step {
 public:
  TestStep(const engine::Flow& flow, std::string name, std::string emits, bool inline_ok)
      : spec_(*flow.Find(name)), emits_(std::move(emits)), inline_(inline_ok) {}
  const engine::StepSpec& spec() const override { return spec_; }
  engine::RetryPolicy retry_policy() const override { return engine::RetryPolicy{5, 2, 20}; }
  bool runs_inline() const override { return inline_; }

  Result<engine::Apply> Handle(const engine::StepInput&) override {
    return engine::Apply([this](engine::StepTx& st) -> Status {
      domain::Notification n;
      n.notification_id = NewUuid();
      n.store_id = kX;
      n.order_id = st.cause()->order_id;
      n.title = spec_.name;
      n.message = "handled event " + std::to_string(st.cause()->id);
      n.created_at = st.now();
      OF_RETURN_IF_ERROR(st.notifications().InsertNotification(n));
      if (fail_applies.fetch_sub(1) > 0) return MakeError(ErrorCode::kUnavailable, "failed");
      if (!emits_.empty()) OF_RETURN_IF_ERROR(st.Emit(emits_, {{"by", spec_.name}}));
      return OkStatus();
    });
  }

  std::atomic<int> fail_applies{0};

 private:
  engine::StepSpec spec_;
  std::string emits_;
  bool inline_;
};

struct ChainRig {
  explicit ChainRig(int max_chain, bool with_outside = false) {
    HarnessOptions options;
    options.flow = ChainFlow(with_outside);
    options.install_order_steps = false;
    options.start = false;
    options.engine_options.max_chain = max_chain;
    h = std::make_unique<EngineHarness>(options);
    Add("first", "t.middle", true);
    Add("second", "t.end", true);
    Add("third", "", true);
    if (with_outside) Add("outside", "", false);
  }

  void Add(const std::string& name, const std::string& emits, bool inline_ok) {
    auto step = std::make_unique<TestStep>(h->flow(), name, emits, inline_ok);
    steps[name] = step.get();
    h->engine().AddStep(std::move(step));
  }

  // Emits t.start for `order_id` as an API step would (no chaining there).
  void Start(const std::string& order_id) {
    orders.push_back(order_id);
    const TimeMs now = h->clock().NowMs();
    Status s = store::WriteSync(h->store(), [&](store::WriteTx& tx) -> Status {
      store::Event e;
      e.store_id = kX;
      e.order_id = order_id;
      e.topic = "t.start";
      e.payload = "{}";
      e.created_at = e.due_at = now;
      OF_RETURN_IF_ERROR(h->flow().Emit(tx, "test-api", e));
      return OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
  }

  // Notification titles (step names) -> how many.
  std::map<std::string, int> Effects() {
    std::map<std::string, int> out;
    for (const auto& n : h->Notifications(kX)) ++out[n.title];
    return out;
  }

  // `step`'s deliveries over the orders started so far.
  std::vector<store::Delivery> Deliveries(const std::string& step) {
    std::vector<store::Delivery> out;
    for (const auto& order_id : orders) {
      Status s = h->real_store().Read([&](store::ReadTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(auto all, tx.ListOrderDeliveries(kX, order_id));
        for (auto& d : all) {
          if (d.step == step) out.push_back(std::move(d));
        }
        return OkStatus();
      });
      EXPECT_TRUE(s.ok());
    }
    return out;
  }

  std::unique_ptr<EngineHarness> h;
  std::map<std::string, TestStep*> steps;
  std::vector<std::string> orders;
};

using Effects = std::map<std::string, int>;

TEST(StepChainTest, ChainableStepsRunInTheUnitThatEmittedTheirEvent) {
  ChainRig rig(64);
  rig.h->Start();
  rig.Start("order-1");
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.Effects(), (Effects{{"first", 1}, {"second", 1}, {"third", 1}}));
  const engine::EngineStats stats = rig.h->engine().stats();
  EXPECT_EQ(stats.handled, 3);
  EXPECT_EQ(stats.chained, 2) << "second and third ride in first's unit";
  for (const char* step : {"second", "third"}) {
    auto ds = rig.Deliveries(step);
    ASSERT_EQ(ds.size(), 1u) << step;
    EXPECT_EQ(ds[0].state, store::DeliveryState::kDone) << step;
    EXPECT_EQ(ds[0].attempts, 1) << step;
  }
}

TEST(StepChainTest, WithChainingOffEveryStepIsADeliveryOfItsOwn) {
  ChainRig rig(0);
  rig.h->Start();
  rig.Start("order-1");
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.Effects(), (Effects{{"first", 1}, {"second", 1}, {"third", 1}}));
  EXPECT_EQ(rig.h->engine().stats().handled, 3);
  EXPECT_EQ(rig.h->engine().stats().chained, 0);
}

TEST(StepChainTest, AFailingChainedStepRollsBackAloneAndIsRetriedByTheDispatcher) {
  ChainRig rig(64);
  rig.steps["second"]->fail_applies = 1;  // writes its notification, then fails
  rig.h->Start();
  rig.Start("order-1");
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.Effects(), (Effects{{"first", 1}, {"second", 1}, {"third", 1}}))
      << "the failed chained attempt's write must roll back, first's must stand";
  auto second = rig.Deliveries("second");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].state, store::DeliveryState::kDone);
  const engine::EngineStats stats = rig.h->engine().stats();
  EXPECT_EQ(stats.handled, 3);
  EXPECT_EQ(stats.chained, 1) << "third rides in second's dispatched unit";
}

TEST(StepChainTest, AStepThatIsNotChainableHoldsTheOrdersLaterEvents) {
  ChainRig rig(64, /*with_outside=*/true);
  rig.h->Start();
  rig.Start("order-1");
  ASSERT_TRUE(rig.h->WaitIdle());

  // t.middle goes to "outside" (dispatched), and "second", declared after
  // it, waits for the dispatcher too; third then rides in second's unit.
  EXPECT_EQ(rig.Effects(), (Effects{{"first", 1}, {"outside", 1}, {"second", 1}, {"third", 1}}));
  const engine::EngineStats stats = rig.h->engine().stats();
  EXPECT_EQ(stats.handled, 4);
  EXPECT_EQ(stats.chained, 1);
  for (const char* step : {"outside", "second", "third"}) {
    auto ds = rig.Deliveries(step);
    ASSERT_EQ(ds.size(), 1u) << step;
    EXPECT_EQ(ds[0].state, store::DeliveryState::kDone) << step;
  }
}

TEST(StepChainTest, PastTheBudgetDeliveriesAreLeftPendingForTheDispatcher) {
  ChainRig rig(1);
  rig.h->Start();
  for (int i = 0; i < 5; ++i) rig.Start("order-" + std::to_string(i));
  ASSERT_TRUE(rig.h->WaitIdle());

  EXPECT_EQ(rig.Effects(), (Effects{{"first", 5}, {"second", 5}, {"third", 5}}));
  const engine::EngineStats stats = rig.h->engine().stats();
  EXPECT_EQ(stats.handled, 15);
  EXPECT_EQ(stats.chained, 5) << "one chained delivery per dispatched unit of first";
  EXPECT_EQ(rig.Deliveries("third").size(), 5u);
}

}  // namespace
}  // namespace orderflow::testing
