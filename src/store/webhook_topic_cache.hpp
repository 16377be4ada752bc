#pragma once
// The topic patterns of each store's enabled webhook endpoints, in memory.
// The webhook-fanout filter asks for them on every event a unit emits (about
// ten an order); without the cache that was a query, and the unsealing of
// every endpoint's secret, per event, even for stores without endpoints.
//
// The store that owns a cache forgets a store's entry when one of its units
// changes that store's endpoints, and clears everything when a unit or a
// commit that touched endpoints fails (an entry may then hold what was
// rolled back). Changes made by other processes sharing the database are
// seen once an entry is `max_age_ms` old (0: entries never age, for a back
// end that one process owns). Thread-safe.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.hpp"

namespace orderflow::store {

class WebhookTopicCache {
 public:
  // One entry per enabled endpoint: its patterns ("order.*", "*", a topic).
  using Topics = std::vector<std::vector<std::string>>;

  WebhookTopicCache(const Clock& clock, TimeMs max_age_ms)
      : clock_(clock), max_age_ms_(max_age_ms) {}

  std::optional<Topics> Find(const std::string& store_id) const;
  void Put(const std::string& store_id, Topics topics);
  void Forget(const std::string& store_id);
  void Clear();

 private:
  struct Entry {
    Topics topics;
    TimeMs loaded_at = 0;
  };
  const Clock& clock_;
  const TimeMs max_age_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace orderflow::store
