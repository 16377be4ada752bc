#pragma once
// Base of the steps that call the payment gateway before their transaction
// (payment, compensation): they read the order outside the transaction,
// make the idempotent gateway call, then return the transactional part.

#include "engine/step.hpp"
#include "payment/gateway.hpp"
#include "store/store.hpp"

namespace orderflow::steps {

class GatewayStep : public engine::Step {
 public:
  GatewayStep(const engine::Flow& flow, const std::string& name, store::Store& store,
              payment::PaymentGateway& gateway)
      : spec_(*flow.Find(name)), store_(store), gateway_(gateway) {}

  const engine::StepSpec& spec() const override { return spec_; }

 protected:
  // The event's order as committed now.
  Result<domain::Order> ReadOrder(const store::Event& event) {
    domain::Order order;
    OF_RETURN_IF_ERROR(store_.Read([&](store::ReadTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(order, tx.GetOrder(event.store_id, event.order_id));
      return OkStatus();
    }));
    return order;
  }
  payment::PaymentGateway& gateway() { return gateway_; }

 private:
  engine::StepSpec spec_;
  store::Store& store_;
  payment::PaymentGateway& gateway_;
};

}  // namespace orderflow::steps
