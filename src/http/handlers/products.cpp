// GET/POST /api/products, GET/PATCH /api/products/:id. Stock changes go
// through the inventory ledger (restock / adjust movements).

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

constexpr std::int64_t kMaxStock = 1'000'000'000;

Error Invalid(const std::string& field, const std::string& message) {
  return MakeError(ErrorCode::kValidation, message, field);
}

Result<std::optional<std::int64_t>> OptInt(const json::object& o, const char* key, std::int64_t min,
                                           std::int64_t max) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::int64_t>{};
  if (!v->is_int64() || v->get_int64() < min || v->get_int64() > max) {
    return Invalid(key, std::string(key) + " must be an integer from " + std::to_string(min) +
                            " to " + std::to_string(max));
  }
  return std::optional<std::int64_t>(v->get_int64());
}

Result<std::optional<domain::Cents>> OptPrice(const json::object& o) {
  const json::value* v = o.if_contains("price");
  if (v == nullptr || v->is_null()) return std::optional<domain::Cents>{};
  std::optional<domain::Cents> cents;
  if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= domain::kMaxCents / 100) {
    cents = v->get_int64() * 100;
  } else if (v->is_double()) {
    cents = domain::CentsFromDecimal(v->get_double());
  }
  if (!cents)
    return Invalid("price", "price must be a non-negative amount with at most two decimals");
  return std::optional<domain::Cents>(cents);
}

Result<std::optional<std::string>> OptText(const json::object& o, const char* key, std::size_t max,
                                           bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    if (required) return Invalid(key, std::string(key) + " is required");
    return std::optional<std::string>{};
  }
  if (!v->is_string()) return Invalid(key, std::string(key) + " must be a string");
  std::string s = domain::Trim(std::string(v->get_string()));
  OF_RETURN_IF_ERROR(domain::ValidateText(s, key, max, required));
  return std::optional<std::string>(s);
}

void RespondProduct(Services& services, Respond& respond, int status, const domain::Product& p,
                    Status s) {
  if (!s.ok()) return RespondError(respond, s.error());
  std::string body = ToJson(ProductJson(p));
  if (services.changes != nullptr) services.changes->OnChange(p.store_id, "product", body);
  respond(JsonResponse(status, std::move(body)));
}

void HandleCreate(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  auto body = ParseJsonBody(request);
  if (!body.ok()) return RespondError(respond, body.error());
  if (!body->is_object()) return RespondError(respond, Invalid("", "body must be a JSON object"));
  const json::object& o = body->get_object();
  auto name = OptText(o, "productName", domain::kMaxNameLength, true);
  if (!name.ok()) return RespondError(respond, name.error());
  auto sku = OptText(o, "sku", 64, false);
  if (!sku.ok()) return RespondError(respond, sku.error());
  auto price = OptPrice(o);
  if (!price.ok()) return RespondError(respond, price.error());
  if (!*price) return RespondError(respond, Invalid("price", "price is required"));
  auto stock = OptInt(o, "stock", 0, kMaxStock);
  if (!stock.ok()) return RespondError(respond, stock.error());
  auto threshold = OptInt(o, "threshold", 0, kMaxStock);
  if (!threshold.ok()) return RespondError(respond, threshold.error());

  auto product = std::make_shared<domain::Product>();
  product->store_id = principal->store_id;
  product->created_at = product->updated_at = services.clock.NowMs();
  product->product_id = NewUuid(product->created_at);
  product->product_name = **name;
  product->sku = sku->value_or("");
  product->price = **price;
  product->stock = stock->value_or(0);
  product->threshold = threshold->value_or(10);
  // The effect's unit also records the Idempotency-Key, if any.
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  db->Write(
      [product](store::WriteTx& tx) -> Status {
        OF_RETURN_IF_ERROR(tx.InsertProduct(*product));
        OF_ASSIGN_OR_RETURN(*product, tx.GetProduct(product->store_id, product->product_id));
        return OkStatus();
      },
      [&services, respond = std::move(respond), product](Status s) mutable {
        RespondProduct(services, respond, 201, *product, std::move(s));
      });
}

void HandlePatch(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  auto body = ParseJsonBody(request);
  if (!body.ok()) return RespondError(respond, body.error());
  if (!body->is_object()) return RespondError(respond, Invalid("", "body must be a JSON object"));
  const json::object& o = body->get_object();
  auto name = OptText(o, "productName", domain::kMaxNameLength, false);
  if (!name.ok()) return RespondError(respond, name.error());
  if (*name) {
    // Present means renamed: a product keeps a non-blank name.
    Status named = domain::ValidateText(**name, "productName", domain::kMaxNameLength, true);
    if (!named.ok()) return RespondError(respond, named.error());
  }
  auto sku = OptText(o, "sku", 64, false);
  if (!sku.ok()) return RespondError(respond, sku.error());
  auto price = OptPrice(o);
  if (!price.ok()) return RespondError(respond, price.error());
  auto threshold = OptInt(o, "threshold", 0, kMaxStock);
  if (!threshold.ok()) return RespondError(respond, threshold.error());
  auto restock = OptInt(o, "restock", 1, kMaxStock);
  if (!restock.ok()) return RespondError(respond, restock.error());
  auto adjust = OptInt(o, "adjust", -kMaxStock, kMaxStock);
  if (!adjust.ok()) return RespondError(respond, adjust.error());
  auto status_text = OptText(o, "status", 20, false);
  if (!status_text.ok()) return RespondError(respond, status_text.error());
  std::optional<domain::ProductStatus> status;
  if (*status_text) {
    status = domain::ParseProductStatus(**status_text);
    if (!status) {
      return RespondError(respond,
                          Invalid("status", "status must be active, out_of_stock or archived"));
    }
  }
  auto note = OptText(o, "note", 200, false);
  if (!note.ok()) return RespondError(respond, note.error());

  auto product = std::make_shared<domain::Product>();
  TimeMs now = services.clock.NowMs();
  std::string store_id = principal->store_id;
  std::string product_id = request.Param("id");
  // The effect's unit also records the Idempotency-Key, if any.
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  db->Write(
      [=, name = *name, sku = *sku, price = *price, threshold = *threshold, restock = *restock,
       adjust = *adjust, note = *note](store::WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(domain::Product p, tx.GetProduct(store_id, product_id));
        if (name) p.product_name = *name;
        if (sku) p.sku = *sku;
        if (price) p.price = *price;
        if (threshold) p.threshold = *threshold;
        if (status) p.status = *status;
        p.updated_at = now;
        OF_RETURN_IF_ERROR(tx.UpdateProduct(p));
        for (auto [kind, delta] : {std::pair{store::MovementKind::kRestock, restock.value_or(0)},
                                   std::pair{store::MovementKind::kAdjust, adjust.value_or(0)}}) {
          if (delta == 0) continue;
          store::StockMovement m{
              0,
              store_id,
              product_id,
              kind,
              delta,
              0,
              "",
              note.value_or(kind == store::MovementKind::kRestock ? "restock" : "manual adjustment"),
              now};
          OF_ASSIGN_OR_RETURN(p, tx.ApplyMovement(m));
        }
        // A low-stock alert re-arms only once stock is back above the threshold.
        if (p.low_stock_alerted && p.available() > p.threshold) {
          p.low_stock_alerted = false;
          OF_RETURN_IF_ERROR(tx.UpdateProduct(p));
        }
        *product = p;
        return OkStatus();
      },
      [&services, respond = std::move(respond), product](Status s) mutable {
        RespondProduct(services, respond, 200, *product, std::move(s));
      });
}

}  // namespace

void RegisterProductRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/products", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    ReadJson(services, std::move(respond),
             [store_id = principal->store_id](store::ReadTx& tx) -> Result<json::value> {
               OF_ASSIGN_OR_RETURN(auto products, tx.ListProducts(store_id));
               json::array items;
               for (const auto& p : products) items.push_back(ProductJson(p));
               return json::value(json::object{{"items", std::move(items)}});
             });
  });
  router.Add("GET", "/api/products/:id", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    ReadJson(services, std::move(respond),
             [store_id = principal->store_id,
              id = request.Param("id")](store::ReadTx& tx) -> Result<json::value> {
               OF_ASSIGN_OR_RETURN(auto p, tx.GetProduct(store_id, id));
               OF_ASSIGN_OR_RETURN(auto moves, tx.ListMovements(store_id, id, 50));
               json::object out = ProductJson(p);
               json::array ledger;
               for (const auto& m : moves) {
                 ledger.push_back(json::object{{"kind", store::ToString(m.kind)},
                                               {"stockDelta", m.stock_delta},
                                               {"reservedDelta", m.reserved_delta},
                                               {"orderId", m.order_id},
                                               {"note", m.note},
                                               {"at", FormatIso8601(m.at)}});
               }
               out["movements"] = std::move(ledger);
               return json::value(std::move(out));
             });
  });
  router.Add("POST", "/api/products",
             Idempotent(services, [&services](Request& request, Respond respond) {
               HandleCreate(services, request, std::move(respond));
             }));
  router.Add("PATCH", "/api/products/:id",
             Idempotent(services, [&services](Request& request, Respond respond) {
               HandlePatch(services, request, std::move(respond));
             }));
}

}  // namespace orderflow::http::handlers
