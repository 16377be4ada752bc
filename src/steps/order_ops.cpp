#include "steps/order_ops.hpp"

namespace orderflow::steps {

Status Transition(store::Orders& orders, domain::Order& order, domain::OrderStatus to,
                  const std::string& history_status, const std::string& detail, TimeMs now) {
  domain::OrderStatus from = order.status;
  if (!domain::CanTransition(from, to)) {
    return MakeError(ErrorCode::kInvalidTransition, "order " + order.order_id + " cannot go from " +
                                                        std::string(domain::ToString(from)) +
                                                        " to " + std::string(domain::ToString(to)));
  }
  order.status = to;
  order.updated_at = now;
  domain::HistoryEntry entry{history_status, now, detail};
  order.history.push_back(entry);
  return orders.UpdateOrder(order, from, {entry});
}

Status Record(store::Orders& orders, domain::Order& order, const std::string& history_status,
              const std::string& detail, TimeMs now) {
  order.updated_at = now;
  domain::HistoryEntry entry{history_status, now, detail};
  order.history.push_back(entry);
  return orders.UpdateOrder(order, order.status, {entry});
}

Status MoveStock(store::Catalogue& catalogue, const domain::Order& order, store::MovementKind kind,
                 TimeMs now, std::map<std::string, domain::Product>* after) {
  for (const auto& line : order.items) {
    store::StockMovement m;
    m.store_id = order.store_id;
    m.product_id = line.product_id;
    m.kind = kind;
    m.order_id = order.order_id;
    m.at = now;
    switch (kind) {
      case store::MovementKind::kReserve:
        m.reserved_delta = line.quantity;
        break;
      case store::MovementKind::kRelease:
        m.reserved_delta = -line.quantity;
        break;
      case store::MovementKind::kCommit:
        m.stock_delta = -line.quantity;
        m.reserved_delta = -line.quantity;
        break;
      default:
        return MakeError(ErrorCode::kInternal, "unsupported order movement");
    }
    OF_ASSIGN_OR_RETURN(domain::Product moved, catalogue.ApplyMovement(m));
    if (after != nullptr) (*after)[moved.product_id] = std::move(moved);
  }
  return OkStatus();
}

std::string OrderLabel(const std::string& order_id) {
  std::string id = order_id.substr(0, 8);
  for (auto& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "Order " + id;
}

std::string PaymentIdempotencyKey(const domain::Order& order) {
  return order.store_id + "/" + order.order_id;
}

}  // namespace orderflow::steps
