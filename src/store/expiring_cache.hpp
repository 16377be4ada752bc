#pragma once
// A keyed in-memory copy of rows the writer reads on every unit but that
// change rarely (a store's settings, its webhook endpoints' topics).
//
// The store that owns a cache forgets a key when one of its units changes
// that row, and clears everything when a unit or a commit that touched such
// rows fails (an entry may then hold what was rolled back). Changes made by
// other processes sharing the database are seen once an entry is
// `max_age_ms` old (0: entries never age, for a back end that one process
// owns). Thread-safe.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/clock.hpp"

namespace orderflow::store {

template <typename Value>
class ExpiringCache {
 public:
  ExpiringCache(const Clock& clock, TimeMs max_age_ms) : clock_(clock), max_age_ms_(max_age_ms) {}

  std::optional<Value> Find(const std::string& key) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    if (max_age_ms_ > 0 && clock_.NowMs() - it->second.loaded_at >= max_age_ms_) {
      return std::nullopt;
    }
    return it->second.value;
  }
  void Put(const std::string& key, Value value) {
    std::lock_guard lock(mu_);
    entries_[key] = Entry{std::move(value), clock_.NowMs()};
  }
  void Forget(const std::string& key) {
    std::lock_guard lock(mu_);
    entries_.erase(key);
  }
  void Clear() {
    std::lock_guard lock(mu_);
    entries_.clear();
  }

 private:
  struct Entry {
    Value value;
    TimeMs loaded_at = 0;
  };
  const Clock& clock_;
  const TimeMs max_age_ms_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace orderflow::store
