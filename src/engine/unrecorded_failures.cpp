#include "engine/unrecorded_failures.hpp"

#include <algorithm>

namespace orderflow::engine {

void UnrecordedFailures::Remember(const store::Delivery& delivery, int attempts, TimeMs next_at) {
  if (capacity_ == 0) return;
  Key key{delivery.event.id, delivery.step};
  std::lock_guard lock(mu_);
  if (entries_.size() >= capacity_ && entries_.count(key) == 0) {
    auto soonest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const auto& a, const auto& b) { return a.second.next_at < b.second.next_at; });
    entries_.erase(soonest);
  }
  Entry& e = entries_[key];
  e.attempts = std::max(e.attempts, attempts);
  e.next_at = next_at;
}

void UnrecordedFailures::Forget(const store::Delivery& delivery) {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return;
  entries_.erase(Key{delivery.event.id, delivery.step});
}

int UnrecordedFailures::Attempts(const store::Delivery& delivery) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(Key{delivery.event.id, delivery.step});
  return it == entries_.end() ? delivery.attempts
                              : std::max(delivery.attempts, it->second.attempts);
}

void UnrecordedFailures::TakeHeld(std::vector<store::Delivery>& due, TimeMs now,
                                  std::vector<store::Delivery>& held) const {
  std::lock_guard lock(mu_);
  if (entries_.empty()) return;
  auto waiting = [&](const store::Delivery& d) {
    auto it = entries_.find(Key{d.event.id, d.step});
    return it != entries_.end() && it->second.next_at > now;
  };
  auto first_held = std::stable_partition(due.begin(), due.end(),
                                          [&](const store::Delivery& d) { return !waiting(d); });
  held.insert(held.end(), std::make_move_iterator(first_held), std::make_move_iterator(due.end()));
  due.erase(first_held, due.end());
}

std::optional<TimeMs> UnrecordedFailures::EarliestDue(TimeMs now) const {
  std::lock_guard lock(mu_);
  std::optional<TimeMs> earliest;
  for (const auto& [key, e] : entries_) {
    if (e.next_at > now && (!earliest || e.next_at < *earliest)) earliest = e.next_at;
  }
  return earliest;
}

std::size_t UnrecordedFailures::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace orderflow::engine
