// POST /api/orders/:id/cancel and POST /api/orders/:id/review: the
// order-actions api step. The transition table decides; a refused move is
// 409 invalid_state_transition and writes nothing.

#include <boost/json.hpp>
#include <memory>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"
#include "steps/order_ops.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;
using domain::OrderStatus;

enum class Action { kCancel, kApprove, kReject };

Status Act(Services& services, store::WriteTx& tx, const std::string& store_id,
           const std::string& order_id, Action action, const std::string& reason, TimeMs now,
           domain::Order& out) {
  OF_ASSIGN_OR_RETURN(out, tx.GetOrder(store_id, order_id));
  store::Event event;
  event.store_id = store_id;
  event.order_id = order_id;
  event.created_at = event.due_at = now;
  if (action == Action::kApprove) {
    if (out.status != OrderStatus::kFlagged) {
      return MakeError(ErrorCode::kInvalidTransition,
                       "only flagged orders can be reviewed; this one is " +
                           std::string(domain::ToString(out.status)));
    }
    OF_RETURN_IF_ERROR(
        steps::Transition(tx, out, OrderStatus::kPending, "FRAUD_APPROVED",
                          reason.empty() ? "Approved after review" : "Approved: " + reason, now));
    event.topic = "order.approved";
  } else {
    if (action == Action::kReject && out.status != OrderStatus::kFlagged) {
      return MakeError(ErrorCode::kInvalidTransition,
                       "only flagged orders can be reviewed; this one is " +
                           std::string(domain::ToString(out.status)));
    }
    std::string detail = action == Action::kReject ? "Rejected after review" : "Cancelled";
    if (!reason.empty()) detail += ": " + reason;
    out.failure_reason = action == Action::kReject ? "rejected_in_review" : "cancelled";
    OF_RETURN_IF_ERROR(
        steps::Transition(tx, out, OrderStatus::kCancelled, "CANCELLED", detail, now));
    event.topic = "order.cancelled";
  }
  event.payload = json::serialize(json::object{{"orderId", order_id}, {"reason", reason}});
  OF_ASSIGN_OR_RETURN(std::int64_t id, services.flow.Emit(tx, "order-actions", event));
  (void)id;
  return OkStatus();
}

void Handle(Services& services, Request& request, Respond respond, bool review) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  std::string order_id = request.Param("id");
  if (!IsUuid(order_id)) {
    return RespondError(respond,
                        MakeError(ErrorCode::kNotFound, "order '" + order_id + "' not found"));
  }
  for (auto& c : order_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  Action action = Action::kCancel;
  std::string reason;
  if (review || !request.body.empty()) {
    auto body = ParseJsonBody(request);
    if (!body.ok()) return RespondError(respond, body.error());
    if (!body->is_object()) {
      return RespondError(respond, MakeError(ErrorCode::kValidation, "body must be a JSON object"));
    }
    const json::object& o = body->get_object();
    if (const auto* r = o.if_contains("reason"); r && !r->is_null()) {
      if (!r->is_string() || r->get_string().size() > 500) {
        return RespondError(
            respond, MakeError(ErrorCode::kValidation,
                               "reason must be a string of at most 500 characters", "reason"));
      }
      reason = std::string(r->get_string());
    }
    if (review) {
      const auto* d = o.if_contains("decision");
      if (d == nullptr || !d->is_string() ||
          (d->get_string() != "approve" && d->get_string() != "reject")) {
        return RespondError(
            respond, MakeError(ErrorCode::kValidation, "decision must be \"approve\" or \"reject\"",
                               "decision"));
      }
      action = d->get_string() == "approve" ? Action::kApprove : Action::kReject;
    }
  }
  auto order = std::make_shared<domain::Order>();
  TimeMs now = services.clock.NowMs();
  std::string store_id = principal->store_id;
  // The effect's unit also records the Idempotency-Key, if any.
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  db->Write(
      [&services, store_id, order_id, action, reason, now, order](store::WriteTx& tx) {
        return Act(services, tx, store_id, order_id, action, reason, now, *order);
      },
      [&services, respond = std::move(respond), order](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        std::string body = ToJson(OrderJson(*order, true));
        if (services.changes != nullptr) services.changes->OnChange(order->store_id, "order", body);
        respond(JsonResponse(200, std::move(body)));
      });
}

}  // namespace

void RegisterOrderActionRoutes(Router& router, Services& services) {
  router.Add("POST", "/api/orders/:id/cancel",
             Idempotent(services, [&services](Request& request, Respond respond) {
               Handle(services, request, std::move(respond), false);
             }));
  router.Add("POST", "/api/orders/:id/review",
             Idempotent(services, [&services](Request& request, Respond respond) {
               Handle(services, request, std::move(respond), true);
             }));
}

}  // namespace orderflow::http::handlers
