// payment: inventory.reserved -> payment.processed | payment.failed.
//
// The charge happens in Handle(), outside the transaction, with the store
// and order id as idempotency key (order ids are unique per store only): a
// retry after a crash or a failed commit asks the gateway again and gets the
// first answer, so an order is charged once.

#include "payment/gateway.hpp"
#include "steps/gateway_step.hpp"
#include "steps/order_ops.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

using domain::Order;
using domain::OrderStatus;

class PaymentStep final : public GatewayStep {
 public:
  PaymentStep(const engine::Flow& flow, store::Store& store, payment::PaymentGateway& gateway)
      : GatewayStep(flow, "payment", store, gateway) {}

  // About two minutes of gateway outage before a dead letter.
  engine::RetryPolicy retry_policy() const override { return {10, 500, 30'000}; }

  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    const store::Event& event = input.delivery.event;
    OF_ASSIGN_OR_RETURN(Order order, ReadOrder(event));
    if (order.status == OrderStatus::kCancelled &&
        order.payment_status == domain::kPaymentPending) {
      // Cancelled while the charge was in flight: undo whatever the gateway
      // captured (a no-op when it captured nothing).
      OF_ASSIGN_OR_RETURN(payment::RefundResult refund,
                          gateway().Refund(PaymentIdempotencyKey(order), order.total));
      if (!refund.refunded) return engine::NoOp();
      return engine::Apply([event, refund](engine::StepTx& st) -> Status {
        OF_ASSIGN_OR_RETURN(Order o, st.orders().GetOrder(event.store_id, event.order_id));
        if (o.payment_status != domain::kPaymentPending) return OkStatus();
        o.payment_status = std::string(domain::kPaymentRefunded);
        return Record(
            st.orders(), o, "REFUNDED",
            "Charge refunded (" + refund.refund_id + "): order was cancelled during payment",
            st.now());
      });
    }
    if (order.status != OrderStatus::kPending || order.payment_status != domain::kPaymentPending) {
      return engine::NoOp();
    }
    payment::ChargeRequest request{PaymentIdempotencyKey(order), order.store_id, order.total,
                                   order.currency, order.payment_token};
    OF_ASSIGN_OR_RETURN(payment::ChargeResult charge, gateway().Charge(request));
    return engine::Apply([event, charge](engine::StepTx& st) -> Status {
      OF_ASSIGN_OR_RETURN(Order o, st.orders().GetOrder(event.store_id, event.order_id));
      if (o.status != OrderStatus::kPending) {
        // Changed (cancelled) since the charge: retry, and the next attempt
        // takes the refund branch above.
        return MakeError(ErrorCode::kConflict, "order changed during payment");
      }
      std::string amount = domain::FormatCents(o.total) + " " + o.currency;
      if (charge.outcome == payment::ChargeOutcome::kApproved) {
        o.payment_status = std::string(domain::kPaymentPaid);
        OF_RETURN_IF_ERROR(Transition(st.orders(), o, OrderStatus::kPaid, "PAYMENT_RECEIVED",
                                      "Charged " + amount + " (" + charge.transaction_id + ")",
                                      st.now()));
        OF_RETURN_IF_ERROR(
            st.Emit("payment.processed", {{"orderId", o.order_id},
                                          {"amountCents", o.total},
                                          {"currency", o.currency},
                                          {"transactionId", charge.transaction_id}}));
        return OkStatus();
      }
      o.payment_status = std::string(domain::kPaymentFailed);
      o.failure_reason = "payment_declined";
      OF_RETURN_IF_ERROR(Transition(st.orders(), o, OrderStatus::kFailed, "PAYMENT_FAILED",
                                    "Payment of " + amount + " declined: " + charge.decline_reason,
                                    st.now()));
      OF_RETURN_IF_ERROR(st.Emit(
          "payment.failed",
          {{"orderId", o.order_id}, {"amountCents", o.total}, {"reason", charge.decline_reason}}));
      return OkStatus();
    });
  }
};

}  // namespace

std::unique_ptr<engine::Step> MakePayment(const engine::Flow& flow, store::Store& store,
                                          payment::PaymentGateway& gateway) {
  return std::make_unique<PaymentStep>(flow, store, gateway);
}

}  // namespace orderflow::steps
