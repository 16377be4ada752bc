// fulfillment: payment.processed -> order.fulfilled (reserved stock committed).

#include "steps/order_ops.hpp"
#include "steps/simple_step.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

class Fulfillment final : public SimpleStep {
 public:
  explicit Fulfillment(const engine::Flow& flow) : SimpleStep(flow, "fulfillment") {}

 protected:
  Status Apply(engine::StepTx& st, const store::Event& event, const boost::json::object&) override {
    OF_ASSIGN_OR_RETURN(domain::Order order, st.orders().GetOrder(event.store_id, event.order_id));
    if (order.status != domain::OrderStatus::kPaid ||
        order.fulfillment_status != domain::kFulfillmentReserved) {
      return OkStatus();
    }
    OF_RETURN_IF_ERROR(MoveStock(st.catalogue(), order, store::MovementKind::kCommit, st.now()));
    order.fulfillment_status = std::string(domain::kFulfillmentFulfilled);
    OF_RETURN_IF_ERROR(Transition(st.orders(), order, domain::OrderStatus::kFulfilled, "FULFILLED",
                                  "Reserved stock committed; packed for shipping", st.now()));
    OF_RETURN_IF_ERROR(st.Emit("order.fulfilled", {{"orderId", order.order_id}}));
    return OkStatus();
  }
};

}  // namespace

std::unique_ptr<engine::Step> MakeFulfillment(const engine::Flow& flow) {
  return std::make_unique<Fulfillment>(flow);
}

}  // namespace orderflow::steps
