#pragma once
// A fixed set of PostgreSQL connections shared by reads, the writer and
// delivery claims. Opened once; a connection found dead is replaced lazily:
// the next Acquire that picks its slot reconnects, at most once per backoff
// period (exponential, jittered, capped), and until then callers get
// kUnavailable saying why. Thread-safe.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/connection.hpp"

namespace orderflow::store::pg {

class Pool {
 public:
  // Hands a connection back to the pool when destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::size_t slot) : pool_(pool), slot_(slot) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), slot_(other.slot_) {
      other.pool_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const;
    Connection* operator->() const { return &**this; }

   private:
    Pool* pool_;
    std::size_t slot_;
  };

  // Connects `size` connections; fails (kUnavailable) if any cannot connect.
  // Every connection, reconnected ones too, counts its statements in
  // `tally` (may be null; must outlive the pool).
  static Result<std::unique_ptr<Pool>> Open(const std::string& conninfo, int size,
                                            std::chrono::milliseconds max_backoff,
                                            StatementTally* tally = nullptr);

  // Waits for an idle connection. kUnavailable ("database unreachable,
  // reconnecting: ...") while the database cannot be reached.
  Result<Lease> Acquire();
  // Why the database was last found unreachable; empty when it is healthy.
  std::string DownReason() const;
  // Records a failure seen on `conn` so DownReason and later acquirers know.
  void NoteFailure(const std::string& reason);

 private:
  struct Slot {
    std::unique_ptr<Connection> conn;
    std::chrono::steady_clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
  };
  Pool(std::string conninfo, std::chrono::milliseconds max_backoff, StatementTally* tally)
      : conninfo_(std::move(conninfo)), max_backoff_(max_backoff), tally_(tally) {}
  void Release(std::size_t slot);

  const std::string conninfo_;
  const std::chrono::milliseconds max_backoff_;
  StatementTally* const tally_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;        // a slot is owned by its lessee while leased
  std::vector<std::size_t> idle_;  // GUARDED_BY(mu_)
  std::string down_reason_;        // GUARDED_BY(mu_)
};

// Next reconnection delay: doubles from 100 ms up to `cap`, with +-25% jitter.
std::chrono::milliseconds NextBackoff(std::chrono::milliseconds previous,
                                      std::chrono::milliseconds cap);

}  // namespace orderflow::store::pg
