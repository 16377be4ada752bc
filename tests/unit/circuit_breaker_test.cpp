// The per-endpoint circuit breaker of webhook sends, driven by a fake clock.

#include "steps/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "support/fake_clock.hpp"

namespace orderflow::steps {
namespace {

class CircuitBreakerTest : public ::testing::Test {
 protected:
  void Fail(const std::string& endpoint) {
    ASSERT_TRUE(breaker_.Acquire(endpoint, clock_.NowMs()).allowed);
    breaker_.Record(endpoint, /*transient_failure=*/true, clock_.NowMs());
  }

  testing::FakeClock clock_;
  CircuitBreaker breaker_{{/*threshold=*/3, /*cool_down_ms=*/10'000}};
};

TEST_F(CircuitBreakerTest, OpensAfterThresholdFailuresInARowAndFailsFastForTheCoolDown) {
  Fail("a");
  Fail("a");
  EXPECT_TRUE(breaker_.Acquire("a", clock_.NowMs()).allowed);  // 2 < 3: still closed
  breaker_.Record("a", true, clock_.NowMs());
  const TimeMs opened = clock_.NowMs();
  auto refused = breaker_.Acquire("a", clock_.NowMs());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.open_until, opened + 10'000);
  EXPECT_EQ(refused.failures, 3);
  clock_.Advance(9'999);
  EXPECT_FALSE(breaker_.Acquire("a", clock_.NowMs()).allowed);
  // Other endpoints are not affected.
  EXPECT_TRUE(breaker_.Acquire("b", clock_.NowMs()).allowed);
}

TEST_F(CircuitBreakerTest, AfterTheCoolDownOneProbeGoesAndItsSuccessCloses) {
  for (int i = 0; i < 3; ++i) Fail("a");
  clock_.Advance(10'000);
  auto probe = breaker_.Acquire("a", clock_.NowMs());
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  // While the probe is out, the others still fail fast.
  EXPECT_FALSE(breaker_.Acquire("a", clock_.NowMs()).allowed);
  breaker_.Record("a", /*transient_failure=*/false, clock_.NowMs());
  auto closed = breaker_.Acquire("a", clock_.NowMs());
  EXPECT_TRUE(closed.allowed);
  EXPECT_FALSE(closed.probe);
  // Closed again with a clean count: two failures do not open it.
  breaker_.Record("a", true, clock_.NowMs());
  Fail("a");
  EXPECT_TRUE(breaker_.Acquire("a", clock_.NowMs()).allowed);
}

TEST_F(CircuitBreakerTest, AFailedProbeOpensItForAnotherCoolDown) {
  for (int i = 0; i < 3; ++i) Fail("a");
  clock_.Advance(10'000);
  ASSERT_TRUE(breaker_.Acquire("a", clock_.NowMs()).probe);
  clock_.Advance(500);
  breaker_.Record("a", true, clock_.NowMs());
  auto refused = breaker_.Acquire("a", clock_.NowMs());
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.open_until, clock_.NowMs() + 10'000);
  clock_.Advance(10'000);
  EXPECT_TRUE(breaker_.Acquire("a", clock_.NowMs()).probe);
}

TEST_F(CircuitBreakerTest, AnAnswerResetsTheCountAndThresholdZeroNeverOpens) {
  Fail("a");
  Fail("a");
  ASSERT_TRUE(breaker_.Acquire("a", clock_.NowMs()).allowed);
  breaker_.Record("a", /*transient_failure=*/false, clock_.NowMs());  // e.g. a 400
  Fail("a");
  Fail("a");
  EXPECT_TRUE(breaker_.Acquire("a", clock_.NowMs()).allowed);

  CircuitBreaker never({0, 10'000});
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(never.Acquire("a", clock_.NowMs()).allowed);
    never.Record("a", true, clock_.NowMs());
  }
}

}  // namespace
}  // namespace orderflow::steps
