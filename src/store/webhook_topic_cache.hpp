#pragma once
// The caches the writer keeps of rows it reads on nearly every unit.
//
// WebhookTopicCache: the topic patterns of each store's enabled webhook
// endpoints. The webhook-fanout filter asks for them on every event a unit
// emits (about ten an order); without the cache that was a query, and the
// unsealing of every endpoint's secret, per event, even for stores without
// endpoints.
//
// StoreInfoCache: a store's row (name, currency, fraud settings), read by
// the intake, the fraud guard and every alert: four queries an order.

#include <string>
#include <vector>

#include "domain/order.hpp"
#include "store/expiring_cache.hpp"

namespace orderflow::store {

// One entry per enabled endpoint: its patterns ("order.*", "*", a topic).
using WebhookTopics = std::vector<std::vector<std::string>>;

class WebhookTopicCache : public ExpiringCache<WebhookTopics> {
 public:
  using Topics = WebhookTopics;
  using ExpiringCache::ExpiringCache;
};

class StoreInfoCache : public ExpiringCache<domain::StoreInfo> {
 public:
  using ExpiringCache::ExpiringCache;
};

}  // namespace orderflow::store
