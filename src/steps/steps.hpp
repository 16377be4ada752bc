#pragma once
// The steps of the order flow (SPEC §4) and the flow declaration that ties
// them together. DeclareFlow() is the single list of steps, topics and
// emits; InstallSteps() registers the implementations with the engine.

#include <memory>

#include "common/clock.hpp"
#include "engine/engine.hpp"
#include "engine/flow.hpp"
#include "payment/gateway.hpp"
#include "steps/webhook_sender.hpp"
#include "store/store.hpp"

namespace orderflow::steps {

struct StepOptions {
  std::int64_t ship_delay_ms = 2000;
  std::int64_t deliver_delay_ms = 10000;
  std::int64_t low_stock_scan_ms = 60000;
  std::int64_t reconcile_ms = 3'600'000;
  // Webhooks: the POST timeout, the retries of 5xx/timeouts (engine backoff),
  // and the final failures in a row that disable an endpoint.
  std::int64_t webhook_timeout_ms = 5000;
  int webhook_max_attempts = 10;
  std::int64_t webhook_retry_base_ms = 2000;
  std::int64_t webhook_retry_max_ms = 300'000;
  int webhook_disable_after = 20;
  WebhookSender* webhook_sender = nullptr;  // null: HTTP; else must outlive the engine
  // The addresses the HTTP sender may connect to; null: no private range.
  // Must outlive the engine.
  const http::EgressPolicy* egress = nullptr;
  // Bulkhead of webhook-send: sends run on `webhook_runner` (null: on the
  // engine's workers, uncapped), at most `webhook_concurrency` at once and
  // `webhook_concurrency_per_store` per store.
  TaskRunner* webhook_runner = nullptr;
  int webhook_concurrency = 32;
  int webhook_concurrency_per_store = 4;
  // Per-endpoint circuit: transient failures in a row that open it, and how
  // long its sends then fail fast (retried by the engine's backoff).
  int webhook_circuit_failures = 5;
  std::int64_t webhook_circuit_cooldown_ms = 30'000;
};

engine::Flow DeclareFlow();

// `gateway` and `store` must outlive the engine.
void InstallSteps(engine::Engine& engine, const engine::Flow& flow, store::Store& store,
                  payment::PaymentGateway& gateway, const StepOptions& options);

// Individual steps, exposed for tests.
std::unique_ptr<engine::Step> MakeFraudGuard(const engine::Flow& flow);
std::unique_ptr<engine::Step> MakeInventoryReserve(const engine::Flow& flow);
std::unique_ptr<engine::Step> MakePayment(const engine::Flow& flow, store::Store& store,
                                          payment::PaymentGateway& gateway);
std::unique_ptr<engine::Step> MakeFulfillment(const engine::Flow& flow);
std::unique_ptr<engine::Step> MakeDelivery(const engine::Flow& flow, const StepOptions& options);
std::unique_ptr<engine::Step> MakeCompensation(const engine::Flow& flow, store::Store& store,
                                               payment::PaymentGateway& gateway);
std::unique_ptr<engine::Step> MakeAlerts(const engine::Flow& flow);
std::unique_ptr<engine::Step> MakeWebhookFanout(const engine::Flow& flow);
std::unique_ptr<engine::Step> MakeWebhookSend(const engine::Flow& flow, store::Store& store,
                                              const StepOptions& options);
// The webhook-fanout subscription filter: true when the event's store has an
// enabled endpoint whose patterns match the topic.
Result<bool> HasWebhookFor(store::Webhooks& webhooks, const store::Event& event);
std::unique_ptr<engine::CronStep> MakeLowStockScan(const engine::Flow& flow,
                                                   std::int64_t interval_ms);
std::unique_ptr<engine::CronStep> MakeStockReconcile(const engine::Flow& flow,
                                                     std::int64_t interval_ms);

}  // namespace orderflow::steps
