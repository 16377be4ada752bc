#pragma once
// Failed attempts whose record the store could not commit (disk full,
// database down). The delivery then stays due in the database as it was,
// and used to be dispatched again at once: one payment event was retried
// about 7,000 times in 20 s, always as "attempt 1". Here each such delivery
// keeps its real attempt count and the time it is due again, in memory,
// until a commit about it succeeds (its failure recorded, or its effect
// committed); from then on the database's record is the truth again.
//
// Bounded: at `capacity` entries, the one due soonest gives way (it was
// about to run anyway). Thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.hpp"
#include "store/store.hpp"

namespace orderflow::engine {

class UnrecordedFailures {
 public:
  explicit UnrecordedFailures(std::size_t capacity = 10'000) : capacity_(capacity) {}
  UnrecordedFailures(const UnrecordedFailures&) = delete;
  UnrecordedFailures& operator=(const UnrecordedFailures&) = delete;

  // The delivery failed `attempts` times so far and is due again at
  // `next_at`, but that could not be written down.
  void Remember(const store::Delivery& delivery, int attempts, TimeMs next_at);
  // A commit about the delivery succeeded: the database knows best again.
  void Forget(const store::Delivery& delivery);
  // Attempts made so far: the larger of the database's count and ours.
  int Attempts(const store::Delivery& delivery) const;
  // Moves the deliveries of `due` that must still wait (due here later than
  // `now`) to the end of `held`.
  void TakeHeld(std::vector<store::Delivery>& due, TimeMs now,
                std::vector<store::Delivery>& held) const;
  // The earliest time after `now` a remembered delivery is due, if any
  // (entries already due are the dispatcher's to run, or stale: a delivery
  // another instance finished; they give way first when the table is full).
  std::optional<TimeMs> EarliestDue(TimeMs now) const;
  std::size_t size() const;

 private:
  using Key = std::pair<std::int64_t, std::string>;  // event id, step
  struct Entry {
    int attempts = 0;
    TimeMs next_at = 0;
  };

  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::map<Key, Entry> entries_;  // GUARDED_BY(mu_)
};

}  // namespace orderflow::engine
