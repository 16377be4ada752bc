// POST /api/order: the order-intake api step (SPEC §4, §7).

#include <boost/json.hpp>
#include <memory>

#include "common/json.hpp"
#include "common/logging.hpp"
#include "domain/order_request.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"
#include "steps/order_intake.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxIdempotencyKey = 200;

std::string RenderOrder(const domain::Order& o, bool replay) {
  json::object body = OrderJson(o, true);
  body["success"] = true;
  body["message"] = replay ? "Order already received" : "Order received successfully";
  return ToJson(body);
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
    return RespondError(
        respond,
        MakeError(ErrorCode::kValidation,
                  "Idempotency-Key must be at most 200 printable characters", "Idempotency-Key"));
  }

  auto req = std::make_shared<domain::OrderRequest>(std::move(parsed).value());
  auto outcome = std::make_shared<steps::IntakeOutcome>();
  std::string store_id = principal->store_id;
  std::string currency = "USD";
  if (auto store = services.tenants.Get(store_id)) currency = store->currency;
  TimeMs now = services.clock.NowMs();
  auto replay = std::make_shared<engine::ChainReplay>();
  services.store.Write(
      [&services, req, outcome, replay, store_id, currency, idempotency_key,
       now](store::WriteTx& tx) -> Status {
        const engine::DeferDelivery* defer =
            services.engine != nullptr ? services.engine->ChainDeferral() : nullptr;
        OF_RETURN_IF_ERROR(steps::IntakeOrder(tx, services.flow, *req, store_id, currency,
                                              idempotency_key, now, RenderOrder, *outcome, defer));
        outcome->chained.clear();
        if (services.engine == nullptr) return OkStatus();
        return services.engine->Chain(tx, std::move(outcome->emitted), now, *replay,
                                      outcome->chained);
      },
      [&services, respond = std::move(respond), outcome, store_id](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        if (services.engine != nullptr) services.engine->ReportChained(outcome->chained);
        // This runs on the store's writer thread, which every unit of work
        // waits for: rendering, logging and the live feed go to the pool.
        services.blocking.Post([&services, respond = std::move(respond), outcome, store_id] {
          if (outcome->body.empty()) outcome->body = RenderOrder(outcome->order, outcome->replay);
          if (outcome->created) {
            const domain::Order& o = outcome->order;
            LogOrder(spdlog::level::info, o.order_id,
                     "order {} accepted in store {}: {} line(s), {}", o.order_id, store_id,
                     o.items.size(), domain::FormatCents(o.total) + " " + o.currency);
            if (services.changes != nullptr) {
              services.changes->OnChange(store_id, "order", outcome->body);
            }
          }
          respond(JsonResponse(outcome->status, std::move(outcome->body)));
        });
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
