#include "steps/order_intake.hpp"

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "engine/step.hpp"

namespace orderflow::steps {
namespace {

namespace json = boost::json;

// Catalogue lookups inside the intake transaction, so prices and stock are
// the ones the write sees.
class TxCatalogue final : public domain::Catalogue {
 public:
  TxCatalogue(store::WriteTx& tx, std::string store_id) : tx_(tx), store_id_(std::move(store_id)) {}
  Result<std::optional<domain::Product>> Find(const domain::RequestedLine& line) const override {
    auto p = tx_.FindProduct(store_id_, line.product_name, line.sku);
    if (p.ok()) return std::optional<domain::Product>(std::move(p).value());
    if (p.code() == ErrorCode::kNotFound) return std::optional<domain::Product>{};
    return p.error();
  }

 private:
  store::WriteTx& tx_;
  std::string store_id_;
};

json::object CreatedEventPayload(const domain::Order& o) {
  json::array items;
  for (const auto& l : o.items) {
    items.push_back(json::object{{"productId", l.product_id},
                                 {"productName", l.product_name},
                                 {"quantity", l.quantity},
                                 {"unitPriceCents", l.unit_price}});
  }
  return json::object{{"orderId", o.order_id},           {"storeId", o.store_id},
                      {"customerName", o.customer_name}, {"items", std::move(items)},
                      {"totalCents", o.total},           {"createdAt", o.created_at}};
}

}  // namespace

Status IntakeOrder(store::WriteTx& tx, const engine::Flow& flow, const domain::OrderRequest& req,
                   const std::string& store_id, const std::string& currency,
                   const std::string& idempotency_key, TimeMs now, const RenderOrder& render,
                   IntakeOutcome& out, const engine::DeferDelivery* defer) {
  out = IntakeOutcome{};  // the unit may run again (a retried batch): start clean
  const std::string request_hash = req.CanonicalHash();
  if (!idempotency_key.empty()) {
    OF_ASSIGN_OR_RETURN(auto existing, tx.GetIdempotency(store_id, idempotency_key));
    if (existing) {
      if (existing->request_hash != request_hash) {
        return MakeError(ErrorCode::kConflict,
                         "Idempotency-Key was already used with a different request",
                         "Idempotency-Key");
      }
      out.status = existing->status_code;
      out.body = existing->body;
      return OkStatus();
    }
  }
  std::string order_id = req.order_id.empty() ? NewUuid(now) : req.order_id;
  if (!req.order_id.empty()) {
    auto existing = tx.orders().GetOrder(store_id, order_id);
    if (existing.ok()) {
      if (existing->request_hash != request_hash) {
        return MakeError(ErrorCode::kConflict,
                         "order '" + order_id + "' exists with a different request", "orderId");
      }
      out.status = 200;
      out.replay = true;
      out.order = std::move(existing).value();
      return OkStatus();
    }
    if (existing.code() != ErrorCode::kNotFound) return existing.error();
  }

  domain::Order& order = out.order;
  TxCatalogue catalogue(tx, store_id);
  OF_ASSIGN_OR_RETURN(order.items, domain::PriceOrder(req, catalogue, order.total));
  order.store_id = store_id;
  order.order_id = order_id;
  order.customer_name = req.customer_name;
  order.customer_email = req.customer_email;
  order.currency = currency;
  order.payment_token = req.payment_token;
  order.request_hash = request_hash;
  order.created_at = now;
  order.updated_at = now;
  order.history.push_back(domain::HistoryEntry{
      "ORDER_CREATED", now,
      "Order received: " + std::to_string(order.items.size()) + " line(s), total " +
          domain::FormatCents(order.total) + " " + order.currency});
  OF_RETURN_IF_ERROR(tx.InsertOrder(order));

  engine::StepTx st(tx, flow, "order-intake", nullptr, now);
  st.DeferDeliveries(defer);
  engine::EmitOptions where;
  where.store_id = store_id;
  where.order_id = order_id;
  OF_RETURN_IF_ERROR(st.Emit("order.created", CreatedEventPayload(order), where));
  out.emitted = st.TakeEmitted();

  out.status = 201;
  out.created = true;
  if (!idempotency_key.empty()) {
    out.body = render(order, false);
    OF_RETURN_IF_ERROR(tx.PutIdempotency(
        store_id, idempotency_key, store::IdempotencyRecord{request_hash, 201, out.body, now}));
  }
  return OkStatus();
}

}  // namespace orderflow::steps
