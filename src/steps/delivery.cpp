// delivery: order.fulfilled -> (after the ship delay) delivery.shipped ->
// (after the delivery delay) delivery.delivered + order.completed. Delays
// are timer events (due_at in the future) in the outbox, so they survive
// restarts; a zero delay acts at once without a timer.

#include <array>

#include "common/ids.hpp"
#include "steps/order_ops.hpp"
#include "steps/simple_step.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

using domain::OrderStatus;

constexpr std::array<const char*, 4> kCarriers = {"UPS", "FedEx", "DHL", "USPS"};

class Delivery final : public SimpleStep {
 public:
  Delivery(const engine::Flow& flow, const StepOptions& options)
      : SimpleStep(flow, "delivery"), options_(options) {}

 protected:
  Status Apply(engine::StepTx& st, const store::Event& event, const boost::json::object&) override {
    OF_ASSIGN_OR_RETURN(domain::Order order, st.orders().GetOrder(event.store_id, event.order_id));
    if (event.topic == "order.fulfilled") {
      if (order.status != OrderStatus::kFulfilled) return OkStatus();
      if (options_.ship_delay_ms > 0) {
        OF_RETURN_IF_ERROR(st.Emit("delivery.ship_due", {{"orderId", order.order_id}},
                                   {.delay_ms = options_.ship_delay_ms}));
        return OkStatus();
      }
      return Ship(st, order);
    }
    if (event.topic == "delivery.ship_due") {
      if (order.status != OrderStatus::kFulfilled) return OkStatus();
      return Ship(st, order);
    }
    if (event.topic == "delivery.deliver_due") {
      if (order.status != OrderStatus::kShipped) return OkStatus();
      return Deliver(st, order);
    }
    return OkStatus();
  }

 private:
  Status Ship(engine::StepTx& st, domain::Order& order) {
    order.tracking_number = "MOT-" + RandomAlnum(8);
    order.carrier = kCarriers[std::hash<std::string>{}(order.order_id) % kCarriers.size()];
    order.fulfillment_status = std::string(domain::kFulfillmentShipped);
    OF_RETURN_IF_ERROR(Transition(
        st.orders(), order, OrderStatus::kShipped, "SHIPPED",
        "Shipped with " + order.carrier + ", tracking " + order.tracking_number, st.now()));
    OF_RETURN_IF_ERROR(st.Emit("delivery.shipped", {{"orderId", order.order_id},
                                                    {"trackingNumber", order.tracking_number},
                                                    {"carrier", order.carrier}}));
    if (options_.deliver_delay_ms > 0) {
      OF_RETURN_IF_ERROR(st.Emit("delivery.deliver_due", {{"orderId", order.order_id}},
                                 {.delay_ms = options_.deliver_delay_ms}));
      return OkStatus();
    }
    return Deliver(st, order);
  }

  Status Deliver(engine::StepTx& st, domain::Order& order) {
    order.fulfillment_status = std::string(domain::kFulfillmentDelivered);
    OF_RETURN_IF_ERROR(Transition(st.orders(), order, OrderStatus::kDelivered, "DELIVERED",
                                  "Delivered by " + order.carrier, st.now()));
    OF_RETURN_IF_ERROR(st.Emit("delivery.delivered", {{"orderId", order.order_id},
                                                      {"trackingNumber", order.tracking_number}}));
    OF_RETURN_IF_ERROR(st.Emit("order.completed", {{"orderId", order.order_id},
                                                   {"totalCents", order.total},
                                                   {"customerName", order.customer_name}}));
    return OkStatus();
  }

  StepOptions options_;
};

}  // namespace

std::unique_ptr<engine::Step> MakeDelivery(const engine::Flow& flow, const StepOptions& options) {
  return std::make_unique<Delivery>(flow, options);
}

}  // namespace orderflow::steps
