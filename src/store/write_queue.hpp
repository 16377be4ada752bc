#pragma once
// The queue in front of a store's writer thread, shared by the back ends:
// callers push units of work; the writer takes everything queued since its
// last commit as the next batch (the group commit).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace orderflow::store {

struct WriteUnit {
  Store::WriteFn fn;
  Store::DoneFn done;
  // The order the unit works on (Store::WriteForOrder); empty if unknown.
  std::string store_id;
  std::string order_id;
};

class WriteQueue {
 public:
  // Queues a unit; after Close() answers `done` with kUnavailable at once.
  void Push(Store::WriteFn fn, Store::DoneFn done) {
    Push(WriteUnit{std::move(fn), std::move(done), {}, {}});
  }
  void Push(WriteUnit unit);
  // Blocks until something is queued, then moves up to `max` units into
  // `batch`. False once the queue is closed and drained (the writer ends).
  bool PopBatch(std::vector<WriteUnit>& batch, std::size_t max);
  enum class Popped { kBatch, kIdle, kClosed };
  // Like PopBatch, but gives up after `idle` with nothing queued (kIdle), so
  // that the writer can do housekeeping (a checkpoint) in a quiet moment.
  Popped PopBatchFor(std::vector<WriteUnit>& batch, std::size_t max,
                     std::chrono::milliseconds idle);
  // Refuses new units; PopBatch still hands out what is queued.
  void Close();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteUnit> units_;  // GUARDED_BY(mu_)
  bool closed_ = false;          // GUARDED_BY(mu_)
};

}  // namespace orderflow::store
