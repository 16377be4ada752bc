#include "store/write_queue.hpp"

namespace orderflow::store {

void WriteQueue::Push(WriteUnit unit) {
  {
    std::lock_guard lock(mu_);
    if (!closed_) {
      units_.push_back(std::move(unit));
      cv_.notify_one();
      return;
    }
  }
  unit.done(MakeError(ErrorCode::kUnavailable, "store is shutting down"));
}

bool WriteQueue::PopBatch(std::vector<WriteUnit>& batch, std::size_t max) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return closed_ || !units_.empty(); });
  if (units_.empty()) return false;
  while (!units_.empty() && batch.size() < max) {
    batch.push_back(std::move(units_.front()));
    units_.pop_front();
  }
  return true;
}

WriteQueue::Popped WriteQueue::PopBatchFor(std::vector<WriteUnit>& batch, std::size_t max,
                                           std::chrono::milliseconds idle) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, idle, [this] { return closed_ || !units_.empty(); })) {
    return Popped::kIdle;
  }
  if (units_.empty()) return Popped::kClosed;
  while (!units_.empty() && batch.size() < max) {
    batch.push_back(std::move(units_.front()));
    units_.pop_front();
  }
  return Popped::kBatch;
}

void WriteQueue::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  cv_.notify_all();
}

}  // namespace orderflow::store
