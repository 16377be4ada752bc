#include "engine/step.hpp"

#include <boost/json/serialize.hpp>

namespace orderflow::engine {

Result<std::int64_t> StepTx::Emit(const std::string& topic, boost::json::object payload,
                                  const EmitOptions& options) {
  store::Event event;
  event.store_id = !options.store_id.empty() ? options.store_id : (cause_ ? cause_->store_id : "");
  event.order_id = !options.order_id.empty() ? options.order_id : (cause_ ? cause_->order_id : "");
  if (options.detach_from_order) event.order_id.clear();
  event.topic = topic;
  if (cause_ != nullptr) payload["causeEventId"] = cause_->id;
  event.payload = boost::json::serialize(payload);
  event.created_at = now_;
  event.due_at = now_ + options.delay_ms;
  return flow_.Emit(tx_, step_, event);
}

}  // namespace orderflow::engine
