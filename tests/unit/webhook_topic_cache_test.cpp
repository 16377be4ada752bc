#include "store/webhook_topic_cache.hpp"

#include <gtest/gtest.h>

#include "support/fake_clock.hpp"

namespace orderflow::store {
namespace {

using Topics = WebhookTopicCache::Topics;

TEST(WebhookTopicCacheTest, KeepsEntriesPerStoreUntilForgotten) {
  testing::FakeClock clock;
  WebhookTopicCache cache(clock, 0);
  EXPECT_FALSE(cache.Find("A").has_value());
  cache.Put("A", Topics{{"order.*"}});
  cache.Put("B", Topics{});
  clock.Advance(24 * 3600 * 1000);  // entries of a single-process store never age
  EXPECT_EQ(cache.Find("A"), (Topics{{"order.*"}}));
  EXPECT_EQ(cache.Find("B"), Topics{});
  cache.Forget("A");
  EXPECT_FALSE(cache.Find("A").has_value());
  EXPECT_TRUE(cache.Find("B").has_value());
  cache.Clear();
  EXPECT_FALSE(cache.Find("B").has_value());
}

TEST(WebhookTopicCacheTest, EntriesAgeOutAfterTheMaxAge) {
  testing::FakeClock clock;
  WebhookTopicCache cache(clock, 1000);
  cache.Put("A", Topics{{"*"}});
  clock.Advance(999);
  EXPECT_TRUE(cache.Find("A").has_value());
  clock.Advance(1);
  EXPECT_FALSE(cache.Find("A").has_value());
  cache.Put("A", Topics{});
  EXPECT_EQ(cache.Find("A"), Topics{});
}

}  // namespace
}  // namespace orderflow::store
