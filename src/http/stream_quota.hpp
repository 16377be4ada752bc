#pragma once
// Caps on concurrent event streams (GET /api/events/stream), per store and
// in total, so that streams cannot take every descriptor of the process.
// Thread-safe; no Beast.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace orderflow::http {

class StreamQuota {
 public:
  struct Limits {
    int per_store = 100;  // 0: no limit
    int total = 1000;     // 0: no limit
  };

  // A place for one stream, given back when the ticket is destroyed (it may
  // outlive the quota).
  class Ticket {
   public:
    ~Ticket();
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;

   private:
    friend class StreamQuota;
    struct State;
    Ticket(std::shared_ptr<State> state, std::string store_id)
        : state_(std::move(state)), store_id_(std::move(store_id)) {}
    std::shared_ptr<State> state_;
    std::string store_id_;
  };

  explicit StreamQuota(Limits limits);
  StreamQuota(const StreamQuota&) = delete;
  StreamQuota& operator=(const StreamQuota&) = delete;

  // A ticket for one more stream of `store_id`, or nullptr when the store
  // or the server already has as many streams as allowed.
  std::shared_ptr<const Ticket> Admit(const std::string& store_id);
  // Streams holding a ticket, in total and for one store.
  std::size_t streams() const;
  std::size_t streams(const std::string& store_id) const;

 private:
  std::shared_ptr<Ticket::State> state_;
};

}  // namespace orderflow::http
