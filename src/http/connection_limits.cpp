#include "http/connection_limits.hpp"

#include <algorithm>
#include <vector>

#include "tenancy/failed_auth_limiter.hpp"

namespace orderflow::http {

AddressLimiter::Lease& AddressLimiter::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Reset();
    limiter_ = other.limiter_;
    key_ = std::move(other.key_);
    other.limiter_ = nullptr;
  }
  return *this;
}

void AddressLimiter::Lease::Reset() {
  if (limiter_ != nullptr) limiter_->Release(key_);
  limiter_ = nullptr;
}

AddressLimiter::Lease AddressLimiter::TryAcquire(const std::string& address) {
  // One client usually holds a whole IPv6 /64; the same grouping as the
  // limit on wrong credentials.
  std::string key = tenancy::FailedAuthLimiter::AddressKey(address);
  std::lock_guard<std::mutex> lock(mutex_);
  int& open = open_[key];
  if (max_per_address_ > 0 && open >= max_per_address_) return {};
  ++open;
  return Lease(this, std::move(key));
}

int AddressLimiter::count(const std::string& address) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(tenancy::FailedAuthLimiter::AddressKey(address));
  return it == open_.end() ? 0 : it->second;
}

void AddressLimiter::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = open_.find(key);
  if (it == open_.end()) return;
  if (--it->second <= 0) open_.erase(it);
}

BacklogBudget::StreamId BacklogBudget::Register(std::function<void()> drop) {
  std::lock_guard<std::mutex> lock(mutex_);
  StreamId id = next_id_++;
  streams_[id].drop = std::move(drop);
  return id;
}

void BacklogBudget::Unregister(StreamId id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = streams_.find(id);
  if (it == streams_.end()) return;
  total_ -= it->second.bytes;
  streams_.erase(it);
}

bool BacklogBudget::Add(StreamId id, std::size_t bytes) {
  std::vector<std::function<void()>> drops;
  bool self_dropped = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = streams_.find(id);
    if (it == streams_.end()) return true;  // not registered: nothing to bound
    if (it->second.dropped) return false;
    it->second.bytes += bytes;
    total_ += bytes;
    // The streams are few (capped by the stream limits) and overflow is
    // rare, so a scan for the longest queue is cheap enough.
    while (limit_ > 0 && total_ > limit_) {
      auto victim = streams_.end();
      for (auto candidate = streams_.begin(); candidate != streams_.end(); ++candidate) {
        if (candidate->second.dropped) continue;
        if (victim == streams_.end() || candidate->second.bytes > victim->second.bytes) {
          victim = candidate;
        }
      }
      if (victim == streams_.end()) break;
      victim->second.dropped = true;
      total_ -= victim->second.bytes;
      victim->second.bytes = 0;
      if (victim->first == id) {
        self_dropped = true;
      } else if (victim->second.drop) {
        drops.push_back(victim->second.drop);
      }
    }
  }
  for (auto& drop : drops) drop();
  return !self_dropped;
}

void BacklogBudget::Remove(StreamId id, std::size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = streams_.find(id);
  if (it == streams_.end() || it->second.dropped) return;
  std::size_t removed = std::min(bytes, it->second.bytes);
  it->second.bytes -= removed;
  total_ -= removed;
}

std::size_t BacklogBudget::total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

}  // namespace orderflow::http
