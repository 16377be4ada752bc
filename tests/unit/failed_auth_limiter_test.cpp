// The per-address limit on failed authentications (tenancy/failed_auth_limiter.hpp).

#include "tenancy/failed_auth_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_clock.hpp"

namespace orderflow::tenancy {
namespace {

using orderflow::testing::FakeClock;

FailedAuthLimiter::Options Limits(double per_minute, double burst, std::size_t max = 10000) {
  FailedAuthLimiter::Options o;
  o.per_minute = per_minute;
  o.burst = burst;
  o.max_addresses = max;
  return o;
}

// How many failures `address` may still record now.
int Remaining(FailedAuthLimiter& limiter, const std::string& address) {
  int retry = 0;
  int n = 0;
  while (n < 10000 && limiter.RecordFailure(address, retry)) ++n;
  return n;
}

TEST(FailedAuthLimiterTest, BurstThenLimitedWithRetryAfter) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(20, 20), clock);
  int retry = -1;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(limiter.RecordFailure("10.0.0.1", retry)) << "failure " << i << " of the burst";
  }
  EXPECT_FALSE(limiter.RecordFailure("10.0.0.1", retry));
  EXPECT_EQ(retry, 3);  // 20 per minute: one token every 3 s
  // Still limited while time does not move; refusals take nothing.
  EXPECT_FALSE(limiter.RecordFailure("10.0.0.1", retry));
  EXPECT_EQ(retry, 3);
}

TEST(FailedAuthLimiterTest, TokensRefillAtTheConfiguredRateUpToTheBurst) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(60, 5), clock);  // one per second
  EXPECT_EQ(Remaining(limiter, "10.0.0.1"), 5);
  int retry = 0;
  clock.Advance(500);
  EXPECT_FALSE(limiter.RecordFailure("10.0.0.1", retry));
  EXPECT_EQ(retry, 1);
  clock.Advance(500);
  EXPECT_EQ(Remaining(limiter, "10.0.0.1"), 1);
  clock.Advance(3000);
  EXPECT_EQ(Remaining(limiter, "10.0.0.1"), 3);
  clock.Advance(3'600'000);
  EXPECT_EQ(Remaining(limiter, "10.0.0.1"), 5);
}

TEST(FailedAuthLimiterTest, WaitingRetryAfterIsAlwaysEnough) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(7, 3), clock);
  int retry = 0;
  for (int round = 0; round < 20; ++round) {
    while (limiter.RecordFailure("10.0.0.1", retry)) {
    }
    clock.Advance(static_cast<TimeMs>(retry) * 1000);
    ASSERT_TRUE(limiter.RecordFailure("10.0.0.1", retry)) << "still limited after Retry-After";
  }
}

TEST(FailedAuthLimiterTest, AddressesHaveIndependentBuckets) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(1, 2), clock);
  EXPECT_EQ(Remaining(limiter, "10.0.0.1"), 2);
  EXPECT_EQ(Remaining(limiter, "10.0.0.2"), 2);
  EXPECT_EQ(Remaining(limiter, "2001:db8::1"), 2);
}

TEST(FailedAuthLimiterTest, Ipv6CountsPerSlash64AndMappedIpv4AsIpv4) {
  EXPECT_EQ(FailedAuthLimiter::AddressKey("2001:db8::1"), "2001:db8::/64");
  EXPECT_EQ(FailedAuthLimiter::AddressKey("2001:db8:0:0:ffff:1:2:3"), "2001:db8::/64");
  EXPECT_EQ(FailedAuthLimiter::AddressKey("2001:db8:0:1::1"), "2001:db8:0:1::/64");
  EXPECT_EQ(FailedAuthLimiter::AddressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(FailedAuthLimiter::AddressKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(FailedAuthLimiter::AddressKey(""), "");

  FakeClock clock;
  FailedAuthLimiter limiter(Limits(1, 2), clock);
  int retry = 0;
  ASSERT_TRUE(limiter.RecordFailure("2001:db8::1", retry));
  ASSERT_TRUE(limiter.RecordFailure("2001:db8::2", retry));
  EXPECT_FALSE(limiter.RecordFailure("2001:db8::abcd", retry)) << "same /64, same bucket";
  EXPECT_TRUE(limiter.RecordFailure("2001:db8:0:1::1", retry));
  ASSERT_TRUE(limiter.RecordFailure("::ffff:192.0.2.7", retry));
  ASSERT_TRUE(limiter.RecordFailure("192.0.2.7", retry));
  EXPECT_FALSE(limiter.RecordFailure("192.0.2.7", retry));
}

TEST(FailedAuthLimiterTest, TheTableIsBoundedAndForgetsTheLeastRecentlySeen) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(1, 1, /*max=*/100), clock);
  int retry = 0;
  ASSERT_TRUE(limiter.RecordFailure("10.0.0.1", retry));  // now empty
  ASSERT_TRUE(limiter.RecordFailure("10.0.0.9", retry));  // now empty
  for (int i = 0; i < 5000; ++i) {
    std::string address = "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    limiter.RecordFailure(address, retry);
    if (i % 10 == 0) {
      // Kept busy, so never the least recently seen.
      EXPECT_FALSE(limiter.RecordFailure("10.0.0.9", retry)) << i;
    }
    ASSERT_LE(limiter.tracked(), 100u);
  }
  EXPECT_EQ(limiter.tracked(), 100u);
  EXPECT_FALSE(limiter.RecordFailure("10.0.0.9", retry)) << "a busy address stays limited";
  EXPECT_TRUE(limiter.RecordFailure("10.0.0.1", retry)) << "a forgotten one starts afresh";
}

TEST(FailedAuthLimiterTest, ZeroPerMinuteTurnsItOff) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(0, 0), clock);
  EXPECT_EQ(Remaining(limiter, "10.0.0.1"), 10000);
  EXPECT_EQ(limiter.tracked(), 0u);
}

TEST(FailedAuthLimiterTest, ConcurrentUseKeepsTheTableBounded) {
  FakeClock clock;
  FailedAuthLimiter limiter(Limits(1, 50, /*max=*/8), clock);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&limiter, &accepted, t] {
      int retry = 0;
      for (int i = 0; i < 500; ++i) {
        if (limiter.RecordFailure("10.0.0.1", retry)) ++accepted;
        limiter.RecordFailure("10.9.9." + std::to_string(t * 10 + i % 10), retry);
      }
    });
  }
  for (auto& t : threads) t.join();
  // 10.0.0.1 may be evicted by the churn of 40 other addresses in a table
  // of 8 and start afresh, but each run of it takes at most the burst.
  EXPECT_GE(accepted.load(), 50);
  EXPECT_LE(limiter.tracked(), 8u);
}

}  // namespace
}  // namespace orderflow::tenancy
