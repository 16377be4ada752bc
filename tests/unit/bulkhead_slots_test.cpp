// The admission rule of bulkheaded steps (engine/bulkhead_slots.hpp): a
// step's total capacity, each store's share of it, and the claim filter
// that keeps held-back deliveries unclaimed (and so due, with no attempt
// spent) until a slot frees.

#include "engine/bulkhead_slots.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

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

}  // namespace
}  // namespace orderflow::engine
