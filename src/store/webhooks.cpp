#include "store/store.hpp"

namespace orderflow::store {

const char* ToString(WebhookDeliveryState state) {
  switch (state) {
    case WebhookDeliveryState::kPending:
      return "pending";
    case WebhookDeliveryState::kSucceeded:
      return "succeeded";
    case WebhookDeliveryState::kFailed:
      return "failed";
  }
  return "pending";
}

}  // namespace orderflow::store
