#include "steps/steps.hpp"

namespace orderflow::steps {

using engine::StepKind;

engine::Flow DeclareFlow() {
  engine::Flow flow;
  flow.Add({"order-intake",
            StepKind::kApi,
            {"POST /api/order"},
            {"order.created"},
            "validate, price from catalogue, persist pending"});
  flow.Add({"order-actions",
            StepKind::kApi,
            {"POST /api/orders/:id/cancel", "POST /api/orders/:id/review"},
            {"order.cancelled", "order.approved"},
            "cancel an order; approve or reject a flagged one"});
  flow.Add({"fraud-guard",
            StepKind::kEvent,
            {"order.created"},
            {"order.cleared", "order.flagged"},
            "four fraud rules; two hits hold the order for review"});
  flow.Add({"inventory-reserve",
            StepKind::kEvent,
            {"order.cleared", "order.approved"},
            {"inventory.reserved", "inventory.failed", "inventory.threshold_reached"},
            "reserve every line atomically, or none"});
  flow.Add({"payment",
            StepKind::kEvent,
            {"inventory.reserved"},
            {"payment.processed", "payment.failed"},
            "charge through the payment gateway (idempotency key = order id)"});
  flow.Add({"fulfillment",
            StepKind::kEvent,
            {"payment.processed"},
            {"order.fulfilled"},
            "commit the reserved stock"});
  flow.Add({"delivery",
            StepKind::kEvent,
            {"order.fulfilled", "delivery.ship_due", "delivery.deliver_due"},
            {"delivery.ship_due", "delivery.shipped", "delivery.deliver_due", "delivery.delivered",
             "order.completed"},
            "ship after the ship delay, deliver after the delivery delay (durable timers)"});
  flow.Add({"compensation",
            StepKind::kEvent,
            {"payment.failed", "order.cancelled"},
            {"inventory.released", "payment.refunded"},
            "release reservations, refund"});
  flow.Add(
      {"alerts",
       StepKind::kEvent,
       {"order.created", "order.flagged", "payment.processed", "payment.failed", "inventory.failed",
        "inventory.threshold_reached", "order.completed", "webhook.disabled"},
       {},
       "write notifications"});
  flow.Add({"webhook-endpoints",
            StepKind::kApi,
            {"POST /api/webhooks/:id/deliveries/:deliveryId/redeliver"},
            {"webhook.send"},
            "manual redelivery of a webhook delivery"});
  flow.Add({"webhook-fanout",
            StepKind::kEvent,
            {"order.*", "payment.*", "inventory.*", "delivery.shipped", "delivery.delivered"},
            {"webhook.send"},
            "one delivery per subscribed endpoint of the store"});
  flow.SetFilter("webhook-fanout", [](store::WriteTx& tx, const store::Event& event) {
    return HasWebhookFor(tx.webhooks(), event);
  });
  flow.Add({"webhook-send",
            StepKind::kEvent,
            {"webhook.send"},
            {"webhook.disabled"},
            "POST the signed event to the endpoint; retry 5xx and timeouts; disable an endpoint "
            "after repeated failures"});
  flow.Add({"low-stock-scan",
            StepKind::kCron,
            {"every --low-stock-scan"},
            {"inventory.threshold_reached"},
            "safety net for low-stock thresholds"});
  flow.Add({"stock-reconcile",
            StepKind::kCron,
            {"hourly"},
            {"inventory.drift_detected"},
            "check stock and reserved against the ledger"});
  return flow;
}

void InstallSteps(engine::Engine& engine, const engine::Flow& flow, store::Store& store,
                  payment::PaymentGateway& gateway, const StepOptions& options) {
  engine.AddStep(MakeFraudGuard(flow));
  engine.AddStep(MakeInventoryReserve(flow));
  engine.AddStep(MakePayment(flow, store, gateway));
  engine.AddStep(MakeFulfillment(flow));
  engine.AddStep(MakeDelivery(flow, options));
  engine.AddStep(MakeCompensation(flow, store, gateway));
  engine.AddStep(MakeAlerts(flow));
  engine.AddStep(MakeWebhookFanout(flow));
  engine.AddStep(MakeWebhookSend(flow, store, options));
  engine.AddCron(MakeLowStockScan(flow, options.low_stock_scan_ms));
  engine.AddCron(MakeStockReconcile(flow, options.reconcile_ms));
}

}  // namespace orderflow::steps
