// fraud-guard: order.created -> order.cleared | order.flagged.

#include "domain/fraud_rules.hpp"
#include "steps/order_ops.hpp"
#include "steps/simple_step.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

constexpr TimeMs kHourMs = 3'600'000;

class FraudGuard final : public SimpleStep {
 public:
  explicit FraudGuard(const engine::Flow& flow) : SimpleStep(flow, "fraud-guard") {}

 protected:
  Status Apply(engine::StepTx& st, const store::Event& event, const boost::json::object&) override {
    OF_ASSIGN_OR_RETURN(domain::Order order, st.orders().GetOrder(event.store_id, event.order_id));
    if (order.status != domain::OrderStatus::kPending) return OkStatus();
    OF_ASSIGN_OR_RETURN(domain::StoreInfo store, st.catalogue().GetStore(event.store_id));
    domain::FraudSignals signals;
    OF_ASSIGN_OR_RETURN(auto activity, st.orders().CountCustomerActivity(
                                           order.store_id, order.customer_name,
                                           order.created_at - kHourMs, st.now() - 24 * kHourMs));
    signals.earlier_orders_last_hour = std::max<std::int64_t>(0, activity.orders - 1);
    signals.failed_payments_last_day = activity.failed_payments;
    domain::FraudVerdict verdict = domain::EvaluateFraud(order, signals, store.fraud);
    boost::json::array reasons;
    std::string detail;
    for (const auto& hit : verdict.hits) {
      reasons.push_back(boost::json::string(hit));
      detail += (detail.empty() ? "" : "; ") + hit;
    }
    if (!verdict.flagged) {
      OF_RETURN_IF_ERROR(
          st.Emit("order.cleared", {{"orderId", order.order_id}, {"hits", std::move(reasons)}}));
      return OkStatus();
    }
    OF_RETURN_IF_ERROR(Transition(st.orders(), order, domain::OrderStatus::kFlagged,
                                  "FRAUD_FLAGGED", "Held for review: " + detail, st.now()));
    OF_RETURN_IF_ERROR(st.Emit("order.flagged", {{"orderId", order.order_id},
                                                 {"reasons", std::move(reasons)},
                                                 {"customerName", order.customer_name},
                                                 {"totalCents", order.total}}));
    return OkStatus();
  }
};

}  // namespace

std::unique_ptr<engine::Step> MakeFraudGuard(const engine::Flow& flow) {
  return std::make_unique<FraudGuard>(flow);
}

}  // namespace orderflow::steps
