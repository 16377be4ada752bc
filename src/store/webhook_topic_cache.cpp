#include "store/webhook_topic_cache.hpp"

namespace orderflow::store {

std::optional<WebhookTopicCache::Topics> WebhookTopicCache::Find(
    const std::string& store_id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(store_id);
  if (it == entries_.end()) return std::nullopt;
  if (max_age_ms_ > 0 && clock_.NowMs() - it->second.loaded_at >= max_age_ms_) return std::nullopt;
  return it->second.topics;
}

void WebhookTopicCache::Put(const std::string& store_id, Topics topics) {
  std::lock_guard lock(mu_);
  entries_[store_id] = Entry{std::move(topics), clock_.NowMs()};
}

void WebhookTopicCache::Forget(const std::string& store_id) {
  std::lock_guard lock(mu_);
  entries_.erase(store_id);
}

void WebhookTopicCache::Clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

}  // namespace orderflow::store
