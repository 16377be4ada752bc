// compensation: payment.failed | order.cancelled -> inventory.released,
// payment.refunded. The refund call happens before the transaction, keyed by
// the order id, so a retried refund never pays back twice.

#include "payment/gateway.hpp"
#include "steps/gateway_step.hpp"
#include "steps/order_ops.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

using domain::Order;

class Compensation final : public GatewayStep {
 public:
  Compensation(const engine::Flow& flow, store::Store& store, payment::PaymentGateway& gateway)
      : GatewayStep(flow, "compensation", store, gateway) {}

  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    const store::Event event = input.delivery.event;
    OF_ASSIGN_OR_RETURN(Order order, ReadOrder(event));
    std::string refund_id;
    if (event.topic == "order.cancelled" && order.payment_status == domain::kPaymentPaid) {
      OF_ASSIGN_OR_RETURN(payment::RefundResult refund,
                          gateway().Refund(PaymentIdempotencyKey(order), order.total));
      refund_id = refund.refunded ? refund.refund_id : "none";
    }
    return engine::Apply([event, refund_id](engine::StepTx& st) -> Status {
      OF_ASSIGN_OR_RETURN(Order o, st.orders().GetOrder(event.store_id, event.order_id));
      if (o.fulfillment_status == domain::kFulfillmentReserved) {
        OF_RETURN_IF_ERROR(MoveStock(st.catalogue(), o, store::MovementKind::kRelease, st.now()));
        o.fulfillment_status = std::string(domain::kFulfillmentReleased);
        OF_RETURN_IF_ERROR(
            Record(st.orders(), o, "INVENTORY_RELEASED", "Reserved stock released", st.now()));
        OF_RETURN_IF_ERROR(st.Emit("inventory.released", {{"orderId", o.order_id}}));
      }
      if (!refund_id.empty() && o.payment_status == domain::kPaymentPaid) {
        o.payment_status = std::string(domain::kPaymentRefunded);
        OF_RETURN_IF_ERROR(Record(
            st.orders(), o, "REFUNDED",
            "Refunded " + domain::FormatCents(o.total) + " " + o.currency + " (" + refund_id + ")",
            st.now()));
        OF_RETURN_IF_ERROR(
            st.Emit("payment.refunded",
                    {{"orderId", o.order_id}, {"amountCents", o.total}, {"refundId", refund_id}}));
      }
      return OkStatus();
    });
  }
};

}  // namespace

std::unique_ptr<engine::Step> MakeCompensation(const engine::Flow& flow, store::Store& store,
                                               payment::PaymentGateway& gateway) {
  return std::make_unique<Compensation>(flow, store, gateway);
}

}  // namespace orderflow::steps
