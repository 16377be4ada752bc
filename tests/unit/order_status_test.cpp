#include "domain/order_status.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace orderflow::domain {
namespace {

using S = OrderStatus;
constexpr S kAll[] = {S::kPending,   S::kFlagged, S::kPaid,      S::kFailed,
                      S::kFulfilled, S::kShipped, S::kDelivered, S::kCancelled};

TEST(OrderStatus, TransitionTableIsExactlyTheSpec) {
  const std::set<std::pair<S, S>> allowed = {
      {S::kPending, S::kFlagged},   {S::kFlagged, S::kPending},   {S::kPending, S::kFailed},
      {S::kPending, S::kPaid},      {S::kPaid, S::kFulfilled},    {S::kFulfilled, S::kShipped},
      {S::kShipped, S::kDelivered}, {S::kPending, S::kCancelled}, {S::kFlagged, S::kCancelled},
      {S::kPaid, S::kCancelled}};
  for (S from : kAll) {
    for (S to : kAll) {
      EXPECT_EQ(CanTransition(from, to), allowed.count({from, to}) == 1)
          << ToString(from) << " -> " << ToString(to);
    }
  }
}

TEST(OrderStatus, TerminalStatesNeverMove) {
  for (S to : kAll) {
    EXPECT_FALSE(CanTransition(S::kDelivered, to));
    EXPECT_FALSE(CanTransition(S::kFailed, to));
    EXPECT_FALSE(CanTransition(S::kCancelled, to));
  }
}

TEST(OrderStatus, NamesRoundTrip) {
  for (S s : kAll) EXPECT_EQ(ParseOrderStatus(ToString(s)), s);
  EXPECT_FALSE(ParseOrderStatus("PENDING"));
  EXPECT_FALSE(ParseOrderStatus(""));
}

TEST(OrderStatus, DashboardBucketsMatchTheOriginalVocabulary) {
  EXPECT_EQ(DashboardBucket(S::kPending), "pending");
  EXPECT_EQ(DashboardBucket(S::kFlagged), "pending");
  EXPECT_EQ(DashboardBucket(S::kPaid), "processing");
  EXPECT_EQ(DashboardBucket(S::kShipped), "processing");
  EXPECT_EQ(DashboardBucket(S::kDelivered), "completed");
  EXPECT_EQ(DashboardBucket(S::kCancelled), "failed");
}

}  // namespace
}  // namespace orderflow::domain
