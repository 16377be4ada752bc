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
  EmittedEvent emitted{std::move(event), std::move(payload), {}, {}};
  if (defer_ != nullptr && emitted.event.due_at <= now_) {
    OF_RETURN_IF_ERROR(flow_.EmitDeferring(tx_, step_, emitted, *defer_));
  } else {
    OF_ASSIGN_OR_RETURN(emitted.event.id, flow_.Emit(tx_, step_, emitted.event, &emitted.steps));
  }
  std::int64_t id = emitted.event.id;
  emitted_.push_back(std::move(emitted));
  return id;
}

}  // namespace orderflow::engine
