// alerts: writes the notifications of SPEC §6, naming the order, product,
// store and figures.

#include "common/ids.hpp"
#include "steps/order_ops.hpp"
#include "steps/simple_step.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

using domain::NotificationType;

std::string Text(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t Int(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

class Alerts final : public SimpleStep {
 public:
  explicit Alerts(const engine::Flow& flow) : SimpleStep(flow, "alerts") {}

 protected:
  Status Apply(engine::StepTx& st, const store::Event& event,
               const boost::json::object& p) override {
    OF_ASSIGN_OR_RETURN(domain::StoreInfo store, st.catalogue().GetStore(event.store_id));
    domain::Notification n;
    n.notification_id = NewUuid(st.now());
    n.store_id = event.store_id;
    n.order_id = event.order_id;
    n.created_at = st.now();
    const std::string label = OrderLabel(event.order_id);
    std::string amount;
    std::string customer;
    if (!event.order_id.empty()) {
      auto order = st.orders().GetOrder(event.store_id, event.order_id);
      if (!order.ok() && order.code() != ErrorCode::kNotFound) return order.error();
      if (order.ok()) {
        amount = domain::FormatCents(order->total) + " " + order->currency;
        customer = order->customer_name;
      }
    }
    const std::string& topic = event.topic;
    if (topic == "order.created") {
      n.type = NotificationType::kInfo;
      n.title = "New Order Created";
      n.message = label + " from " + customer + " for " + amount + " at " + store.name;
    } else if (topic == "order.flagged") {
      n.type = NotificationType::kWarning;
      n.title = "Order Flagged for Review";
      std::string reasons;
      if (const auto* r = p.if_contains("reasons"); r && r->is_array()) {
        for (const auto& x : r->get_array()) {
          if (x.is_string()) reasons += (reasons.empty() ? "" : "; ") + std::string(x.get_string());
        }
      }
      n.message = label + " from " + customer + " (" + amount + ") at " + store.name +
                  " needs review: " + reasons;
    } else if (topic == "payment.processed") {
      n.type = NotificationType::kSuccess;
      n.title = "Payment Received";
      n.message = "Payment of " + amount + " received for " + label + " at " + store.name;
    } else if (topic == "payment.failed") {
      n.type = NotificationType::kError;
      n.title = "Payment Failed";
      n.message = "Payment of " + amount + " for " + label + " at " + store.name +
                  " failed: " + Text(p, "reason");
    } else if (topic == "inventory.failed") {
      n.type = NotificationType::kError;
      n.title = "Inventory Error";
      n.message = label + " at " + store.name + " could not be reserved: only " +
                  std::to_string(Int(p, "available")) + " of '" + Text(p, "productName") +
                  "' available, " + std::to_string(Int(p, "requested")) + " needed";
    } else if (topic == "inventory.threshold_reached") {
      n.type = NotificationType::kWarning;
      n.title = "Low Inventory Alert";
      n.message = "'" + Text(p, "productName") + "' at " + store.name + " is down to " +
                  std::to_string(Int(p, "available")) + " available (threshold " +
                  std::to_string(Int(p, "threshold")) + ")";
    } else if (topic == "webhook.disabled") {
      n.type = NotificationType::kError;
      n.title = "Webhook Endpoint Disabled";
      n.message = "Webhook endpoint " + Text(p, "url") + " of " + store.name +
                  " was disabled after " + Text(p, "reason") +
                  " (last error: " + Text(p, "lastError") + "); fix it, then enable it again";
    } else if (topic == "order.completed") {
      n.type = NotificationType::kSuccess;
      n.title = "Order Delivered";
      n.message =
          label + " for " + customer + " (" + amount + ") at " + store.name + " was delivered";
    } else {
      return OkStatus();
    }
    return st.notifications().InsertNotification(n);
  }
};

}  // namespace

std::unique_ptr<engine::Step> MakeAlerts(const engine::Flow& flow) {
  return std::make_unique<Alerts>(flow);
}

}  // namespace orderflow::steps
