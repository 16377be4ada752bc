#pragma once
// Idempotency-Key for the mutating routes other than POST /api/order (which
// records its key inside its own unit). Beast-free.
//
// The key is recorded in the same unit of work as the request's effect: the
// wrapper hands the handler a store (UnitStore) whose first write unit first
// claims the key (a row with status 0) and fails with kConflict when the key
// exists, so two requests with one key never both take effect, on one server
// or on several sharing a database. The response is filled into the claimed
// row once known. Within one process, requests with the same key and
// credentials run one after the other, so a duplicate waits for the first
// and gets its response replayed instead of a 409.

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http/request.hpp"
#include "store/store.hpp"

namespace orderflow::http::handlers {

struct Services;

// Serialises work per key. Thread-safe.
class InFlightKeys {
 public:
  // Runs `start` now when no work holds `key`, else once the holders before
  // it called Leave(key). `start` may run on the thread that calls Leave,
  // so it must not block (post the real work to a pool).
  void Enter(const std::string& key, std::function<void()> start);
  // Ends the current holder's turn and starts the next waiter, if any.
  void Leave(const std::string& key);

 private:
  std::mutex mu_;
  // Present while held; the queue holds the waiters.
  std::map<std::string, std::deque<std::function<void()>>> held_;  // GUARDED_BY(mu_)
};

// The store a mutating handler writes its effect through: the request's
// claiming store under an Idempotency-Key, else services.store. The pointer
// keeps it alive for asynchronous work.
std::shared_ptr<store::Store> UnitStore(Services& services, const Request& request);

}  // namespace orderflow::http::handlers
