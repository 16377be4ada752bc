// inventory-reserve: order.cleared | order.approved -> inventory.reserved |
// inventory.failed (+ inventory.threshold_reached). All lines or none.

#include <map>

#include "steps/order_ops.hpp"
#include "steps/simple_step.hpp"
#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

class InventoryReserve final : public SimpleStep {
 public:
  explicit InventoryReserve(const engine::Flow& flow) : SimpleStep(flow, "inventory-reserve") {}

 protected:
  Status Apply(engine::StepTx& st, const store::Event& event, const boost::json::object&) override {
    OF_ASSIGN_OR_RETURN(domain::Order order, st.orders().GetOrder(event.store_id, event.order_id));
    if (order.status != domain::OrderStatus::kPending ||
        order.fulfillment_status != domain::kFulfillmentUnfulfilled) {
      return OkStatus();
    }
    // Check every line before moving any stock: all lines or none. The
    // writer's transaction (SQLite) or row locks (PostgreSQL) keep the
    // checked numbers valid until the reservation commits.
    std::map<std::string, std::int64_t> wanted;
    for (const auto& line : order.items) wanted[line.product_id] += line.quantity;
    for (const auto& [product_id, quantity] : wanted) {
      auto product = st.catalogue().GetProduct(order.store_id, product_id);
      // Only a product that is gone counts as unavailable; any other error
      // is transient and retried, never turned into a failed order.
      if (!product.ok() && product.code() != ErrorCode::kNotFound) return product.error();
      std::int64_t available = product.ok() ? product->available() : 0;
      bool archived = product.ok() && product->status == domain::ProductStatus::kArchived;
      if (available >= quantity && !archived) continue;
      std::string name = product.ok() ? product->product_name : product_id;
      std::string detail = "Only " + std::to_string(std::max<std::int64_t>(0, available)) +
                           " of '" + name + "' available, " + std::to_string(quantity) + " needed";
      order.failure_reason = "insufficient_stock";
      OF_RETURN_IF_ERROR(Transition(st.orders(), order, domain::OrderStatus::kFailed,
                                    "INVENTORY_FAILED", detail, st.now()));
      OF_RETURN_IF_ERROR(st.Emit("inventory.failed", {{"orderId", order.order_id},
                                                      {"productId", product_id},
                                                      {"productName", name},
                                                      {"requested", quantity},
                                                      {"available", available},
                                                      {"reason", "insufficient_stock"}}));
      return OkStatus();
    }
    std::map<std::string, domain::Product> reserved;
    OF_RETURN_IF_ERROR(
        MoveStock(st.catalogue(), order, store::MovementKind::kReserve, st.now(), &reserved));
    order.fulfillment_status = std::string(domain::kFulfillmentReserved);
    std::int64_t units = 0;
    for (const auto& line : order.items) units += line.quantity;
    OF_RETURN_IF_ERROR(Record(st.orders(), order, "INVENTORY_RESERVED",
                              "Reserved " + std::to_string(units) + " unit(s)", st.now()));
    OF_RETURN_IF_ERROR(
        st.Emit("inventory.reserved", {{"orderId", order.order_id}, {"units", units}}));

    for (auto& [product_id, p] : reserved) {
      if (p.available() > p.threshold || p.low_stock_alerted) continue;
      p.low_stock_alerted = true;
      p.updated_at = st.now();
      OF_RETURN_IF_ERROR(st.catalogue().UpdateProduct(p));
      OF_RETURN_IF_ERROR(st.Emit("inventory.threshold_reached", {{"productId", p.product_id},
                                                                 {"productName", p.product_name},
                                                                 {"available", p.available()},
                                                                 {"stock", p.stock},
                                                                 {"threshold", p.threshold}}));
    }
    return OkStatus();
  }
};

}  // namespace

std::unique_ptr<engine::Step> MakeInventoryReserve(const engine::Flow& flow) {
  return std::make_unique<InventoryReserve>(flow);
}

}  // namespace orderflow::steps
