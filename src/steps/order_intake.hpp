#pragma once
// The order-intake api step's unit of work (SPEC §4, §7): replay checks
// (Idempotency-Key, existing orderId), server-side pricing inside the
// transaction, the pending order with its first history entry, and the
// order.created event, all committed together.

#include <functional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "domain/order_request.hpp"
#include "engine/flow.hpp"
#include "store/store.hpp"

namespace orderflow::steps {

struct IntakeOutcome {
  int status = 201;  // 201 created, 200 replay of an existing orderId, or a stored status
  // The response body when the unit had to render it (a stored
  // Idempotency-Key response); empty otherwise: the caller renders `order`
  // after the commit, off the store's writer thread.
  std::string body;
  bool replay = false;  // `order` existed already (200)
  bool created = false;
  domain::Order order;  // the created or existing order (empty for an Idempotency-Key replay)
  std::vector<engine::EmittedEvent> emitted;  // order.created, when created
  std::vector<store::Delivery> chained;       // deliveries the caller chained into the unit
};

// Renders the response body for an order; `replay` is true for 200. Called
// inside the unit only for an Idempotency-Key, whose response is stored.
using RenderOrder = std::function<std::string(const domain::Order& order, bool replay)>;

// Runs inside a write unit. Errors: kConflict (orderId or Idempotency-Key
// reused with another request), kUnknownProduct, kTotalMismatch,
// kInsufficientStock, kValidation, or a store error. With `defer` (see
// StepTx::DeferDeliveries), out.emitted must go to the engine's Chain.
Status IntakeOrder(store::WriteTx& tx, const engine::Flow& flow,
                   const domain::OrderRequest& request, const std::string& store_id,
                   const std::string& currency, const std::string& idempotency_key, TimeMs now,
                   const RenderOrder& render, IntakeOutcome& out,
                   const engine::DeferDelivery* defer = nullptr);

}  // namespace orderflow::steps
