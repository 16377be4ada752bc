// The engine while commits fail (disk full, database down), on the real
// SQLite store behind a FaultyStore that fails every commit: a failure whose
// record cannot be committed backs off in memory with its real attempt
// number instead of being retried at once as "attempt 1", the store's
// failures never dead-letter a delivery, and once commits succeed the
// delivery completes with the attempts it really made.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "common/ids.hpp"
#include "support/engine_harness.hpp"
#include "support/test_ping.hpp"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;

const std::string kX = "X";
constexpr char kTitle[] = "Counted step done";

engine::Flow PingFlow() {
  engine::Flow flow;
  flow.Add({"test-api", engine::StepKind::kApi, {"POST /test"}, {"test.ping"}, "emits pings"});
  flow.Add({"counted", engine::StepKind::kEvent, {"test.ping"}, {}, "records its attempts"});
  return flow;
}

// Records every attempt; its handler fails while `fail` is set, else its
// unit writes one notification (the effect).
class CountedStep final : public engine::Step {
 public:
  CountedStep(const engine::Flow& flow, engine::RetryPolicy policy)
      : spec_(*flow.Find("counted")), policy_(policy) {}

  const engine::StepSpec& spec() const override { return spec_; }
  engine::RetryPolicy retry_policy() const override { return policy_; }

  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    {
      std::lock_guard lock(mu_);
      attempts_.push_back(input.attempt);
      times_.push_back(std::chrono::steady_clock::now());
    }
    if (fail) return MakeError(ErrorCode::kUnavailable, "gateway unreachable");
    return engine::Apply([](engine::StepTx& st) -> Status {
      domain::Notification n;
      n.notification_id = NewUuid();
      n.store_id = kX;
      n.title = kTitle;
      n.message = "done";
      n.created_at = st.now();
      return st.notifications().InsertNotification(n);
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

  std::atomic<bool> fail{false};

 private:
  engine::StepSpec spec_;
  engine::RetryPolicy policy_;
  mutable std::mutex mu_;
  std::vector<int> attempts_;                                 // GUARDED_BY(mu_)
  std::vector<std::chrono::steady_clock::time_point> times_;  // GUARDED_BY(mu_)
};

struct Rig {
  explicit Rig(engine::RetryPolicy policy) : policy(policy) {
    HarnessOptions options;
    options.flow = PingFlow();
    options.install_order_steps = false;
    options.start = false;
    options.faulty = true;
    h = std::make_unique<EngineHarness>(options);
    auto owned = std::make_unique<CountedStep>(h->flow(), policy);
    step = owned.get();
    h->engine().AddStep(std::move(owned));
  }

  std::int64_t Ping() { return EmitTestPing(*h, kX); }

  store::Delivery Delivery(std::int64_t event_id) {
    store::Delivery d;
    Status s = h->real_store().Read([&](store::ReadTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(d, tx.GetDelivery(event_id, "counted"));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok());
    return d;
  }

  // Waits (generously) until the step saw at least `n` attempts.
  bool WaitAttempts(std::size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (step->attempts().size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

  int Effects() {
    int n = 0;
    for (const auto& x : h->Notifications(kX)) n += x.title == kTitle;
    return n;
  }

  engine::RetryPolicy policy;
  std::unique_ptr<EngineHarness> h;
  CountedStep* step = nullptr;
};

std::vector<int> OneTo(std::size_t n) {
  std::vector<int> v;
  for (std::size_t i = 1; i <= n; ++i) v.push_back(static_cast<int>(i));
  return v;
}

TEST(EngineCommitFailureTest, AFailureThatCannotBeRecordedBacksOffInMemory) {
  Rig rig(engine::RetryPolicy{50, 20, 160});
  const std::int64_t event_id = rig.Ping();
  rig.step->fail = true;
  rig.h->faulty().FailCommits(true);
  rig.h->Start();
  ASSERT_TRUE(rig.WaitAttempts(6)) << "attempts: " << rig.step->attempts().size();

  // The real attempt numbers, not "attempt 1" over and over, although the
  // database still has no attempt recorded.
  std::vector<int> attempts = rig.step->attempts();
  EXPECT_EQ(attempts, OneTo(attempts.size()));
  store::Delivery pending = rig.Delivery(event_id);
  EXPECT_EQ(pending.state, store::DeliveryState::kPending);
  EXPECT_EQ(pending.attempts, 0);
  // Each attempt but the latest (whose record may still be on its way) had
  // its failure record refused.
  EXPECT_GE(rig.h->faulty().failed_commits(), static_cast<std::int64_t>(attempts.size()) - 1);
  // Exponential backoff with jitter: the k-th wait is at least half of
  // base * 2^(k-1) (capped), where a storm retried at once.
  auto times = rig.step->times();
  for (std::size_t k = 1; k < 6; ++k) {
    auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(times[k] - times[k - 1]);
    EXPECT_GE(gap.count(), rig.policy.DelayMs(static_cast<int>(k), 0.0) - 1)
        << "wait before attempt " << k + 1;
  }

  // Commits succeed again and the step recovers: the database's record
  // takes over with the attempts really made.
  rig.h->faulty().FailCommits(false);
  rig.step->fail = false;
  ASSERT_TRUE(rig.h->WaitIdle());
  attempts = rig.step->attempts();
  EXPECT_EQ(attempts, OneTo(attempts.size()));
  store::Delivery done = rig.Delivery(event_id);
  EXPECT_EQ(done.state, store::DeliveryState::kDone);
  EXPECT_EQ(done.attempts, static_cast<int>(attempts.size()));
  EXPECT_EQ(rig.Effects(), 1);
  EXPECT_EQ(rig.h->engine().stats().dead_lettered, 0);
}

TEST(EngineCommitFailureTest, CommitFailuresNeverDeadLetterADelivery) {
  Rig rig(engine::RetryPolicy{3, 10, 40});
  const std::int64_t event_id = rig.Ping();
  // The step succeeds; only the commit of its effect fails, past the
  // policy's three attempts.
  rig.h->faulty().FailCommits(true);
  rig.h->Start();
  ASSERT_TRUE(rig.WaitAttempts(5));
  EXPECT_TRUE(rig.h->DeadLetters(kX).empty());
  EXPECT_EQ(rig.Effects(), 0) << "nothing was committed";

  rig.h->faulty().FailCommits(false);
  ASSERT_TRUE(rig.h->WaitIdle());
  const std::vector<int> attempts = rig.step->attempts();
  EXPECT_EQ(attempts, OneTo(attempts.size()));
  store::Delivery done = rig.Delivery(event_id);
  EXPECT_EQ(done.state, store::DeliveryState::kDone);
  EXPECT_EQ(done.attempts, static_cast<int>(attempts.size()));
  EXPECT_GT(done.attempts, rig.policy.max_attempts);
  EXPECT_EQ(rig.Effects(), 1);
  EXPECT_TRUE(rig.h->DeadLetters(kX).empty());
  EXPECT_EQ(rig.h->engine().stats().dead_lettered, 0);
}

// Without the store's trouble, the policy still dead-letters a step that
// keeps failing (the store's exemption is only for its own failures).
TEST(EngineCommitFailureTest, StepFailuresStillDeadLetterAtTheLimit) {
  Rig rig(engine::RetryPolicy{3, 5, 20});
  const std::int64_t event_id = rig.Ping();
  rig.step->fail = true;
  rig.h->Start();
  ASSERT_TRUE(rig.h->WaitIdle());
  EXPECT_EQ(rig.step->attempts(), OneTo(3));
  EXPECT_EQ(rig.Delivery(event_id).state, store::DeliveryState::kDead);
}

}  // namespace
}  // namespace orderflow::testing
