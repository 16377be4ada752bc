#pragma once
// Bounds on what clients can make the server hold, shared by every I/O
// thread: connections per client address, and the bytes queued for
// streaming clients (Server-Sent Events) in total. No Beast; thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace orderflow::http {

// Counts open connections per client address (IPv6: per /64, IPv4-mapped
// IPv6 as IPv4). One client cannot take every descriptor of the process and
// starve the others (health checks included).
class AddressLimiter {
 public:
  // A place taken by one connection; gives it back when destroyed. Empty
  // (false) when the address had no place left.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept { *this = std::move(other); }
    Lease& operator=(Lease&& other) noexcept;
    ~Lease() { Reset(); }
    explicit operator bool() const { return limiter_ != nullptr; }
    void Reset();

   private:
    friend class AddressLimiter;
    Lease(AddressLimiter* limiter, std::string key) : limiter_(limiter), key_(std::move(key)) {}
    AddressLimiter* limiter_ = nullptr;
    std::string key_;
  };

  // At most `max_per_address` open connections per address; 0: no limit.
  explicit AddressLimiter(int max_per_address) : max_per_address_(max_per_address) {}
  AddressLimiter(const AddressLimiter&) = delete;
  AddressLimiter& operator=(const AddressLimiter&) = delete;

  // A lease for a new connection from `address`, or an empty one when the
  // address already holds the maximum. Leases must not outlive the limiter.
  Lease TryAcquire(const std::string& address);
  // Open connections from `address` (and its /64 for IPv6).
  int count(const std::string& address) const;

 private:
  void Release(const std::string& key);

  const int max_per_address_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> open_;  // GUARDED_BY(mutex_); no zero entries
};

// Bounds the bytes queued for all streams together (data accepted from the
// application but not yet written to the socket). When queueing pushes the
// total past the limit, the streams with the longest queues -- the clients
// that read slowest -- are dropped until the total fits again.
class BacklogBudget {
 public:
  using StreamId = std::uint64_t;

  // `limit` bytes in total; 0: no limit.
  explicit BacklogBudget(std::size_t limit) : limit_(limit) {}
  BacklogBudget(const BacklogBudget&) = delete;
  BacklogBudget& operator=(const BacklogBudget&) = delete;

  // Registers a stream. `drop` is called (from the thread that queues the
  // bytes that overflow the budget, without locks held) when the stream is
  // chosen to be dropped; it must only arrange for the stream to close.
  StreamId Register(std::function<void()> drop);
  // Forgets the stream and its queued bytes.
  void Unregister(StreamId id);
  // `bytes` more are queued for the stream. False when the stream itself
  // was chosen to be dropped (its `drop` is then not called: the caller
  // closes it); other streams chosen get their `drop` called.
  bool Add(StreamId id, std::size_t bytes);
  // `bytes` of the stream's queue were written.
  void Remove(StreamId id, std::size_t bytes);
  // Bytes queued over all streams that are not dropped.
  std::size_t total() const;

 private:
  struct Entry {
    std::size_t bytes = 0;
    bool dropped = false;
    std::function<void()> drop;
  };

  const std::size_t limit_;
  mutable std::mutex mutex_;
  StreamId next_id_ = 1;                         // GUARDED_BY(mutex_)
  std::size_t total_ = 0;                        // GUARDED_BY(mutex_)
  std::unordered_map<StreamId, Entry> streams_;  // GUARDED_BY(mutex_)
};

}  // namespace orderflow::http
