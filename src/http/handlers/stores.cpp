// GET /api/stores, POST /api/stores (admin), PATCH /api/stores/:id (admin: rate
// limit), POST /api/stores/:id/rotate-key (admin).

#include <boost/json.hpp>
#include <memory>
#include <utility>

#include "common/json.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"
#include "tenancy/store_admin.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

Error Forbidden() { return MakeError(ErrorCode::kForbidden, "this action needs the admin token"); }

Result<tenancy::NewStore> ParseNewStore(const json::value& body) {
  if (!body.is_object()) return MakeError(ErrorCode::kValidation, "body must be a JSON object");
  const json::object& o = body.get_object();
  tenancy::NewStore spec;
  auto text = [&o](const char* key, std::string& out, bool required) -> Status {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required)
        return MakeError(ErrorCode::kValidation, std::string(key) + " is required", key);
      return OkStatus();
    }
    if (!v->is_string())
      return MakeError(ErrorCode::kValidation, std::string(key) + " must be a string", key);
    out = std::string(v->get_string());
    return OkStatus();
  };
  OF_RETURN_IF_ERROR(text("storeId", spec.store_id, true));
  OF_RETURN_IF_ERROR(text("name", spec.name, true));
  OF_RETURN_IF_ERROR(text("currency", spec.currency, false));
  OF_RETURN_IF_ERROR(text("color", spec.color, false));
  if (const json::value* v = o.if_contains("rateLimit"); v && !v->is_null()) {
    if (!v->is_number())
      return MakeError(ErrorCode::kValidation, "rateLimit must be a number", "rateLimit");
    spec.rate_limit = v->to_number<double>();
    spec.burst = spec.rate_limit * 2;
  }
  OF_RETURN_IF_ERROR(tenancy::ValidateNewStore(spec));
  return spec;
}

// {"rateLimit"?: number, "burst"?: number}; null is the same as leaving a
// field out, as in POST /api/stores.
Result<tenancy::RateLimitChange> ParseRateLimitChange(const json::value& body) {
  if (!body.is_object()) return MakeError(ErrorCode::kValidation, "body must be a JSON object");
  const json::object& o = body.get_object();
  tenancy::RateLimitChange change;
  for (auto [key, out] : {std::pair{"rateLimit", &change.rate_limit}, {"burst", &change.burst}}) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_number())
      return MakeError(ErrorCode::kValidation, std::string(key) + " must be a number", key);
    *out = v->to_number<double>();
  }
  OF_RETURN_IF_ERROR(tenancy::ValidateRateLimitChange(change));
  return change;
}

json::object IssuedJson(const tenancy::IssuedKey& issued) {
  json::object out = StoreJson(issued.store);
  out["apiKey"] = issued.api_key;
  return out;
}

// Only the admin token manages stores: false, after answering 401 or 403,
// for anyone else.
bool RequireAdmin(Services& services, Request& request, Respond& respond) {
  auto principal = Authorize(services, request, respond, false);
  if (!principal) return false;
  if (principal->admin) return true;
  RespondError(respond, Forbidden());
  return false;
}

}  // namespace

void RegisterStoreRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/stores", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond, false);
    if (!principal) return;
    json::array items;
    for (const auto& s : services.tenants.List()) {
      if (principal->admin || s.store_id == principal->store_id) items.push_back(StoreJson(s));
    }
    RespondJson(respond, 200, json::object{{"items", std::move(items)}});
  });
  router.Add("POST", "/api/stores",
             Idempotent(services, [&services](Request& request, Respond respond) {
               if (!RequireAdmin(services, request, respond)) return;
               auto body = ParseJsonBody(request);
               if (!body.ok()) return RespondError(respond, body.error());
               auto spec = ParseNewStore(*body);
               if (!spec.ok()) return RespondError(respond, spec.error());
               services.blocking.Post([&services, db = UnitStore(services, request),
                                       respond = std::move(respond), spec = *spec]() mutable {
                 auto issued = tenancy::CreateStore(*db, spec, services.clock);
                 if (!issued.ok()) return RespondError(respond, issued.error());
                 services.tenants.Upsert(issued->store);
                 RespondJson(respond, 201, IssuedJson(*issued));
               });
             }));
  router.Add("PATCH", "/api/stores/:id",
             Idempotent(services, [&services](Request& request, Respond respond) {
               if (!RequireAdmin(services, request, respond)) return;
               auto body = ParseJsonBody(request);
               if (!body.ok()) return RespondError(respond, body.error());
               auto change = ParseRateLimitChange(*body);
               if (!change.ok()) return RespondError(respond, change.error());
               services.blocking.Post([&services, db = UnitStore(services, request),
                                       respond = std::move(respond), id = request.Param("id"),
                                       change = *change]() mutable {
                 auto updated = tenancy::SetRateLimit(*db, id, change);
                 if (!updated.ok()) return RespondError(respond, updated.error());
                 // Takes effect with the next request to this instance.
                 services.tenants.Upsert(*updated);
                 RespondJson(respond, 200, StoreJson(*updated));
               });
             }));
  router.Add(
      "POST", "/api/stores/:id/rotate-key",
      Idempotent(services, [&services](Request& request, Respond respond) {
        if (!RequireAdmin(services, request, respond)) return;
        services.blocking.Post([&services, db = UnitStore(services, request),
                                respond = std::move(respond), id = request.Param("id")]() mutable {
          auto issued = tenancy::RotateKey(*db, id);
          if (!issued.ok()) return RespondError(respond, issued.error());
          services.tenants.Upsert(issued->store);
          RespondJson(respond, 200, IssuedJson(*issued));
        });
      }));
}

}  // namespace orderflow::http::handlers
