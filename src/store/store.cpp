#include "store/store.hpp"

#include <future>

namespace orderflow::store {

const char* ToString(MovementKind kind) {
  switch (kind) {
    case MovementKind::kReserve:
      return "reserve";
    case MovementKind::kRelease:
      return "release";
    case MovementKind::kCommit:
      return "commit";
    case MovementKind::kRestock:
      return "restock";
    case MovementKind::kAdjust:
      return "adjust";
  }
  return "adjust";
}

Status WriteSync(Store& store, Store::WriteFn fn) {
  std::promise<Status> promise;
  auto future = promise.get_future();
  store.Write(std::move(fn), [&promise](Status s) { promise.set_value(std::move(s)); });
  return future.get();
}

}  // namespace orderflow::store
