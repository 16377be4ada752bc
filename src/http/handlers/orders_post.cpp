// POST /api/order: the order-intake api step (SPEC §4, §7).

#include <boost/json.hpp>
#include <memory>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "domain/order_request.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxIdempotencyKey = 200;

// Catalogue lookups inside the intake transaction, so prices and stock are
// the ones the write sees.
class TxCatalogue final : public domain::Catalogue {
 public:
  TxCatalogue(store::WriteTx& tx, std::string store_id) : tx_(tx), store_id_(std::move(store_id)) {}
  std::optional<domain::Product> Find(const domain::RequestedLine& line) const override {
    auto p = tx_.FindProduct(store_id_, line.product_name, line.sku);
    if (!p.ok()) return std::nullopt;
    return std::move(p).value();
  }

 private:
  store::WriteTx& tx_;
  std::string store_id_;
};

struct IntakeOutcome {
  int status = 201;
  std::string body;
  std::string store_id;
  bool created = false;
};

std::string CreatedEventPayload(const domain::Order& o) {
  json::array items;
  for (const auto& l : o.items) {
    items.push_back(json::object{{"productId", l.product_id},
                                 {"productName", l.product_name},
                                 {"quantity", l.quantity},
                                 {"unitPriceCents", l.unit_price}});
  }
  return json::serialize(json::object{{"orderId", o.order_id},
                                      {"storeId", o.store_id},
                                      {"customerName", o.customer_name},
                                      {"items", std::move(items)},
                                      {"totalCents", o.total},
                                      {"createdAt", o.created_at}});
}

std::string CreatedBody(const domain::Order& o) {
  json::object body = OrderJson(o, true);
  body["success"] = true;
  body["message"] = "Order received successfully";
  return ToJson(body);
}

Status Intake(Services& services, store::WriteTx& tx, const domain::OrderRequest& req,
              const std::string& store_id, const std::string& idempotency_key, TimeMs now,
              IntakeOutcome& out) {
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
  std::string order_id = req.order_id.empty() ? NewUuid() : req.order_id;
  if (!req.order_id.empty()) {
    auto existing = tx.GetOrder(store_id, order_id);
    if (existing.ok()) {
      if (existing->request_hash != request_hash) {
        return MakeError(ErrorCode::kConflict,
                         "order '" + order_id + "' exists with a different request", "orderId");
      }
      out.status = 200;
      json::object body = OrderJson(*existing, true);
      body["success"] = true;
      body["message"] = "Order already received";
      out.body = ToJson(body);
      return OkStatus();
    }
    if (existing.code() != ErrorCode::kNotFound) return existing.error();
  }

  domain::Order order;
  TxCatalogue catalogue(tx, store_id);
  OF_ASSIGN_OR_RETURN(order.items, domain::PriceOrder(req, catalogue, order.total));
  order.store_id = store_id;
  order.order_id = order_id;
  order.customer_name = req.customer_name;
  order.customer_email = req.customer_email;
  if (auto store = services.tenants.Get(store_id)) order.currency = store->currency;
  order.payment_token = req.payment_token;
  order.request_hash = request_hash;
  order.created_at = now;
  order.updated_at = now;
  order.history.push_back(domain::HistoryEntry{
      "ORDER_CREATED", now,
      "Order received: " + std::to_string(order.items.size()) + " line(s), total " +
          domain::FormatCents(order.total) + " " + order.currency});
  OF_RETURN_IF_ERROR(tx.InsertOrder(order));

  store::Event event;
  event.store_id = store_id;
  event.order_id = order_id;
  event.topic = "order.created";
  event.payload = CreatedEventPayload(order);
  event.created_at = now;
  event.due_at = now;
  OF_RETURN_IF_ERROR(services.flow.Emit(tx, "order-intake", event));

  out.status = 201;
  out.body = CreatedBody(order);
  out.created = true;
  if (!idempotency_key.empty()) {
    OF_RETURN_IF_ERROR(tx.PutIdempotency(store_id, idempotency_key,
                                         store::IdempotencyRecord{request_hash, 201, out.body, now}));
  }
  return OkStatus();
}

void HandleOrderPost(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  auto body = ParseJsonBody(request);
  if (!body.ok()) return RespondError(respond, body.error());
  auto parsed = domain::ParseOrderRequest(*body);
  if (!parsed.ok()) return RespondError(respond, parsed.error());

  std::string idempotency_key(request.Header("idempotency-key"));
  if (idempotency_key.size() > kMaxIdempotencyKey ||
      !domain::ValidateText(idempotency_key, "Idempotency-Key", kMaxIdempotencyKey, false).ok()) {
    return RespondError(respond, MakeError(ErrorCode::kValidation,
                                           "Idempotency-Key must be at most 200 printable characters",
                                           "Idempotency-Key"));
  }

  auto req = std::make_shared<domain::OrderRequest>(std::move(parsed).value());
  auto outcome = std::make_shared<IntakeOutcome>();
  std::string store_id = principal->store_id;
  TimeMs now = services.clock.NowMs();
  services.store.Write(
      [&services, req, outcome, store_id, idempotency_key, now](store::WriteTx& tx) {
        return Intake(services, tx, *req, store_id, idempotency_key, now, *outcome);
      },
      [&services, respond = std::move(respond), outcome, store_id](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        if (outcome->created && services.changes != nullptr) {
          services.changes->OnChange(store_id, "order", outcome->body);
        }
        respond(JsonResponse(outcome->status, std::move(outcome->body)));
      });
}

}  // namespace

void RegisterOrderPostRoutes(Router& router, Services& services) {
  router.Add("POST", "/api/order", [&services](Request& request, Respond respond) {
    HandleOrderPost(services, request, std::move(respond));
  });
  router.Add("POST", "/api/orders", [&services](Request& request, Respond respond) {
    HandleOrderPost(services, request, std::move(respond));
  });
}

}  // namespace orderflow::http::handlers
