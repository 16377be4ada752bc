// The shared limits of the server on their own: connections per address,
// the stream buffer budget (which streams are dropped), and the stream caps.

#include "http/connection_limits.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "http/stream_quota.hpp"

namespace orderflow::http {
namespace {

TEST(AddressLimiterTest, CapsEachAddressAndFreesOnRelease) {
  AddressLimiter limiter(2);
  auto a1 = limiter.TryAcquire("10.0.0.1");
  auto a2 = limiter.TryAcquire("10.0.0.1");
  EXPECT_TRUE(a1);
  EXPECT_TRUE(a2);
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.1"));
  EXPECT_EQ(limiter.count("10.0.0.1"), 2);
  // Another address has places of its own.
  auto b1 = limiter.TryAcquire("10.0.0.2");
  EXPECT_TRUE(b1);

  a1.Reset();
  EXPECT_EQ(limiter.count("10.0.0.1"), 1);
  auto a3 = limiter.TryAcquire("10.0.0.1");
  EXPECT_TRUE(a3);
  {
    AddressLimiter::Lease moved = std::move(a3);
    EXPECT_TRUE(moved);
    EXPECT_FALSE(a3);  // NOLINT(bugprone-use-after-move): moved-from leases are empty
    EXPECT_EQ(limiter.count("10.0.0.1"), 2);
  }
  EXPECT_EQ(limiter.count("10.0.0.1"), 1);
  a2.Reset();
  b1.Reset();
  EXPECT_EQ(limiter.count("10.0.0.1"), 0);
  EXPECT_EQ(limiter.count("10.0.0.2"), 0);
}

TEST(AddressLimiterTest, Ipv6CountsPerSlash64AndMappedIpv4AsIpv4) {
  AddressLimiter limiter(1);
  auto first = limiter.TryAcquire("2001:db8:1:2::1");
  EXPECT_TRUE(first);
  EXPECT_FALSE(limiter.TryAcquire("2001:db8:1:2:ffff::9"));  // same /64
  EXPECT_TRUE(limiter.TryAcquire("2001:db8:1:3::1"));        // another /64
  auto v4 = limiter.TryAcquire("192.0.2.7");
  EXPECT_TRUE(v4);
  EXPECT_FALSE(limiter.TryAcquire("::ffff:192.0.2.7"));
}

TEST(AddressLimiterTest, ZeroMeansNoLimit) {
  AddressLimiter limiter(0);
  std::vector<AddressLimiter::Lease> leases;
  for (int i = 0; i < 1000; ++i) leases.push_back(limiter.TryAcquire("::1"));
  for (const auto& lease : leases) EXPECT_TRUE(lease);
  EXPECT_EQ(limiter.count("::1"), 1000);
}

struct Drops {
  std::vector<int> dropped;
  std::function<void()> Of(int stream) {
    return [this, stream] { dropped.push_back(stream); };
  }
};

TEST(BacklogBudgetTest, DropsTheLongestQueuesUntilTheTotalFits) {
  BacklogBudget budget(1000);
  Drops drops;
  auto fast = budget.Register(drops.Of(1));
  auto slow = budget.Register(drops.Of(2));
  auto slower = budget.Register(drops.Of(3));
  EXPECT_TRUE(budget.Add(fast, 100));
  EXPECT_TRUE(budget.Add(slow, 300));
  EXPECT_TRUE(budget.Add(slower, 500));
  EXPECT_EQ(budget.total(), 900u);
  EXPECT_TRUE(drops.dropped.empty());

  // 1100 > 1000: the longest queue (500) goes, and 600 fit.
  EXPECT_TRUE(budget.Add(fast, 200));
  EXPECT_EQ(drops.dropped, std::vector<int>{3});
  EXPECT_EQ(budget.total(), 600u);

  // A dropped stream is not counted any more, nor dropped twice.
  EXPECT_FALSE(budget.Add(slower, 1));
  EXPECT_EQ(budget.total(), 600u);

  // Written bytes leave the budget.
  budget.Remove(fast, 300);
  budget.Remove(slow, 100);
  EXPECT_EQ(budget.total(), 200u);
  budget.Unregister(slow);
  EXPECT_EQ(budget.total(), 0u);
}

TEST(BacklogBudgetTest, TheStreamThatOverflowsMayBeTheOneDropped) {
  BacklogBudget budget(1000);
  Drops drops;
  auto reader = budget.Register(drops.Of(1));
  auto stalled = budget.Register(drops.Of(2));
  EXPECT_TRUE(budget.Add(reader, 100));
  EXPECT_TRUE(budget.Add(stalled, 800));
  // The caller is told instead of called back: it closes itself.
  EXPECT_FALSE(budget.Add(stalled, 200));
  EXPECT_TRUE(drops.dropped.empty());
  EXPECT_EQ(budget.total(), 100u);
}

TEST(BacklogBudgetTest, UnregisteredStreamsAreNotBounded) {
  BacklogBudget budget(10);
  EXPECT_TRUE(budget.Add(12345, 100));
  budget.Remove(12345, 100);
  EXPECT_EQ(budget.total(), 0u);
}

TEST(BacklogBudgetTest, ZeroMeansNoLimit) {
  BacklogBudget budget(0);
  Drops drops;
  auto id = budget.Register(drops.Of(1));
  EXPECT_TRUE(budget.Add(id, std::size_t{1} << 40));
  EXPECT_TRUE(drops.dropped.empty());
}

TEST(StreamQuotaTest, CapsPerStoreAndInTotal) {
  StreamQuota quota({.per_store = 2, .total = 3});
  auto x1 = quota.Admit("X");
  auto x2 = quota.Admit("X");
  ASSERT_TRUE(x1);
  ASSERT_TRUE(x2);
  EXPECT_FALSE(quota.Admit("X"));  // per store
  auto y1 = quota.Admit("Y");
  ASSERT_TRUE(y1);
  EXPECT_FALSE(quota.Admit("Z"));  // in total
  EXPECT_EQ(quota.streams(), 3u);
  EXPECT_EQ(quota.streams("X"), 2u);

  x1.reset();
  EXPECT_EQ(quota.streams("X"), 1u);
  EXPECT_TRUE(quota.Admit("Z"));  // a temporary ticket, released at once
  EXPECT_EQ(quota.streams(), 2u);
  EXPECT_TRUE(quota.Admit("X"));
}

TEST(StreamQuotaTest, TicketsMayOutliveTheQuota) {
  std::shared_ptr<const StreamQuota::Ticket> ticket;
  {
    StreamQuota quota({.per_store = 0, .total = 0});
    ticket = quota.Admit("X");
    ASSERT_TRUE(ticket);
  }
  ticket.reset();  // no crash, no leak (the sanitizer build checks)
}

}  // namespace
}  // namespace orderflow::http
