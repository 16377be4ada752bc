// The admission rule of bulkheaded steps (engine/bulkhead_slots.hpp): a
// step's total capacity, each store's share of it, and the claim filter
// that keeps held-back deliveries unclaimed (and so due, with no attempt
// spent) until a slot frees; and the engine applying it on a real SQLite
// store: a step whose handlers hang never takes the workers, one store's
// backlog never holds up another's, and held-back deliveries start at
// attempt 1 once a slot frees.

#include "engine/bulkhead_slots.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "app/thread_pool.hpp"
#include "support/engine_harness.hpp"

namespace orderflow::engine {
namespace {

bool Has(const std::vector<store::ClaimSkip>& skip, const std::string& step,
         const std::string& store_id) {
  for (const auto& k : skip) {
    if (k.step == step && k.store_id == store_id) return true;
  }
  return false;
}

TEST(BulkheadSlots, EachStoreGetsAtMostItsShare) {
  const Bulkhead limits{nullptr, /*capacity=*/8, /*per_store=*/2};
  const std::map<std::string, Bulkhead> all = {{"send", limits}};
  BulkheadSlots slots;
  EXPECT_TRUE(slots.TryAcquire("send", "A", limits));
  EXPECT_TRUE(slots.Full(all).empty());
  EXPECT_TRUE(slots.TryAcquire("send", "A", limits));
  EXPECT_FALSE(slots.TryAcquire("send", "A", limits));  // A's third waits
  EXPECT_EQ(slots.taken("send", "A"), 2);
  // A full store is left out of the next claim; the others are not.
  auto skip = slots.Full(all);
  ASSERT_EQ(skip.size(), 1u);
  EXPECT_TRUE(Has(skip, "send", "A"));
  EXPECT_TRUE(slots.TryAcquire("send", "B", limits));
  EXPECT_EQ(slots.taken(), 3);
  slots.Release("send", "A");
  EXPECT_TRUE(slots.Full(all).empty());
  EXPECT_TRUE(slots.TryAcquire("send", "A", limits));
}

TEST(BulkheadSlots, AFullStepIsSkippedForEveryStore) {
  const Bulkhead limits{nullptr, /*capacity=*/3, /*per_store=*/2};
  const std::map<std::string, Bulkhead> all = {{"send", limits}};
  BulkheadSlots slots;
  EXPECT_TRUE(slots.TryAcquire("send", "A", limits));
  EXPECT_TRUE(slots.TryAcquire("send", "B", limits));
  EXPECT_TRUE(slots.TryAcquire("send", "C", limits));
  EXPECT_FALSE(slots.TryAcquire("send", "D", limits));
  auto skip = slots.Full(all);
  ASSERT_EQ(skip.size(), 1u);
  EXPECT_TRUE(Has(skip, "send", ""));
  EXPECT_FALSE(slots.TryAcquire("other", "A", {nullptr, 0, 0}));  // no capacity at all
  slots.Release("send", "B");
  EXPECT_TRUE(slots.TryAcquire("send", "D", limits));
  EXPECT_EQ(slots.taken("send", "B"), 0);
}

TEST(BulkheadSlots, ReleasingWhatWasNotTakenChangesNothing) {
  const Bulkhead limits{nullptr, 1, 0};
  BulkheadSlots slots;
  slots.Release("send", "A");
  EXPECT_EQ(slots.taken(), 0);
  EXPECT_TRUE(slots.TryAcquire("send", "A", limits));
  slots.Release("send", "B");
  EXPECT_EQ(slots.taken(), 1);
  EXPECT_FALSE(slots.TryAcquire("send", "B", limits));
  slots.Release("send", "A");
  EXPECT_EQ(slots.taken(), 0);
}

// A bulkheaded step whose handlers wait until the test opens them, and
// which records how many of each store's run at once.
class HangingStep final : public Step {
 public:
  HangingStep(const Flow& flow, TaskRunner& runner) : spec_(*flow.Find("send")), runner_(runner) {}
  const StepSpec& spec() const override { return spec_; }
  std::optional<Bulkhead> bulkhead() const override {
    return Bulkhead{&runner_, /*capacity=*/8, /*per_store=*/2};
  }
  Result<Apply> Handle(const StepInput& input) override {
    const std::string store_id = input.delivery.event.store_id;
    std::unique_lock lock(mu_);
    attempts_.push_back(input.attempt);
    int& now_running = running_[store_id];
    ++now_running;
    max_running_[store_id] = std::max(max_running_[store_id], now_running);
    ++entered_[store_id];
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
    --now_running;
    return NoOp();
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits until each store has entered at least the given number.
  bool WaitEntered(const std::map<std::string, int>& want) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] {
      for (const auto& [store_id, n] : want) {
        if (entered_[store_id] < n) return false;
      }
      return true;
    });
  }
  std::map<std::string, int> entered() {
    std::lock_guard lock(mu_);
    return entered_;
  }
  std::map<std::string, int> max_running() {
    std::lock_guard lock(mu_);
    return max_running_;
  }
  std::vector<int> attempts() {
    std::lock_guard lock(mu_);
    return attempts_;
  }

 private:
  StepSpec spec_;
  TaskRunner& runner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;                       // GUARDED_BY(mu_)
  std::map<std::string, int> running_;      // GUARDED_BY(mu_)
  std::map<std::string, int> max_running_;  // GUARDED_BY(mu_)
  std::map<std::string, int> entered_;      // GUARDED_BY(mu_)
  std::vector<int> attempts_;               // GUARDED_BY(mu_)
};

TEST(BulkheadEngine, AStoresBacklogWaitsDueWithoutHoldingUpOthers) {
  app::ThreadPool senders(8);  // outlives the harness's engine
  Flow flow;
  flow.Add({"send", StepKind::kEvent, {"x.send"}, {}, "hangs until opened"});
  testing::HarnessOptions options;
  options.seed_demo = false;
  options.start = false;
  options.install_order_steps = false;
  options.workers = 1;
  options.flow = flow;
  testing::EngineHarness h(options);
  auto step = std::make_unique<HangingStep>(h.flow(), senders);
  HangingStep& hanging = *step;
  h.engine().AddStep(std::move(step));
  h.Start();
  struct OpenOnExit {
    HangingStep& step;
    ~OpenOnExit() { step.Open(); }
  } open_on_exit{hanging};

  auto emit = [&](const std::string& store_id, int n) {
    for (int i = 0; i < n; ++i) {
      store::Event e;
      e.store_id = store_id;
      e.topic = "x.send";
      e.payload = "{}";
      e.created_at = e.due_at = h.clock().NowMs();
      ASSERT_TRUE(store::WriteSync(h.store(), [&](store::WriteTx& tx) -> Status {
                    return tx.InsertEvent(e, {"send"}).ok() ? OkStatus()
                                                            : MakeError(ErrorCode::kInternal, "x");
                  }).ok());
    }
  };
  emit("A", 6);
  ASSERT_TRUE(hanging.WaitEntered({{"A", 2}}));
  // A's two slots hang; B's one event still runs, though A's four others
  // are older and due.
  emit("B", 1);
  ASSERT_TRUE(hanging.WaitEntered({{"B", 1}}));
  EXPECT_EQ(hanging.entered()["A"], 2);
  // The held-back ones are pending and untouched.
  Status read = h.store().Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(auto due, tx.ListDueDeliveries(h.clock().NowMs() + 1, 100));
    int untouched = 0;
    for (const auto& d : due) untouched += d.event.store_id == "A" && d.attempts == 0 ? 1 : 0;
    EXPECT_EQ(untouched, 6);  // 2 running (not yet completed) + 4 held back
    return OkStatus();
  });
  ASSERT_TRUE(read.ok()) << read.error().message;

  hanging.Open();
  ASSERT_TRUE(h.WaitIdle());
  EXPECT_EQ(hanging.entered()["A"], 6);
  EXPECT_EQ(hanging.max_running()["A"], 2);
  for (int attempt : hanging.attempts()) EXPECT_EQ(attempt, 1);
}

}  // namespace
}  // namespace orderflow::engine
