#include "http/stream_quota.hpp"

#include <utility>

namespace orderflow::http {

struct StreamQuota::Ticket::State {
  Limits limits;
  std::mutex mutex;
  std::size_t total = 0;                         // GUARDED_BY(mutex)
  std::map<std::string, std::size_t> per_store;  // GUARDED_BY(mutex); no zero entries
};

StreamQuota::Ticket::~Ticket() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  --state_->total;
  auto it = state_->per_store.find(store_id_);
  if (it != state_->per_store.end() && --it->second == 0) state_->per_store.erase(it);
}

StreamQuota::StreamQuota(Limits limits) : state_(std::make_shared<Ticket::State>()) {
  state_->limits = limits;
}

std::shared_ptr<const StreamQuota::Ticket> StreamQuota::Admit(const std::string& store_id) {
  std::lock_guard<std::mutex> lock(state_->mutex);
  const Limits& limits = state_->limits;
  if (limits.total > 0 && state_->total >= static_cast<std::size_t>(limits.total)) return nullptr;
  auto it = state_->per_store.find(store_id);
  std::size_t of_store = it == state_->per_store.end() ? 0 : it->second;
  if (limits.per_store > 0 && of_store >= static_cast<std::size_t>(limits.per_store)) {
    return nullptr;
  }
  ++state_->total;
  ++state_->per_store[store_id];
  return std::shared_ptr<const Ticket>(new Ticket(state_, store_id));
}

std::size_t StreamQuota::streams() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->total;
}

std::size_t StreamQuota::streams(const std::string& store_id) const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  auto it = state_->per_store.find(store_id);
  return it == state_->per_store.end() ? 0 : it->second;
}

}  // namespace orderflow::http
