// GET /api/orders/:id/trace, GET /api/flows, GET /api/dead-letters,
// POST /api/dead-letters/:id/redrive (and /:eventId/:step/redrive).

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

const char* StateName(store::DeliveryState s) {
  switch (s) {
    case store::DeliveryState::kPending:
      return "pending";
    case store::DeliveryState::kDone:
      return "done";
    case store::DeliveryState::kDead:
      return "dead";
  }
  return "pending";
}

json::value PayloadJson(const std::string& text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

json::object DeliveryJson(const store::Delivery& d) {
  return json::object{
      {"id", std::to_string(d.event.id) + ":" + d.step},
      {"eventId", d.event.id},
      {"topic", d.event.topic},
      {"step", d.step},
      {"state", StateName(d.state)},
      {"attempts", d.attempts},
      {"lastError", d.last_error.empty() ? json::value(nullptr) : json::value(d.last_error)},
      {"orderId", d.event.order_id.empty() ? json::value(nullptr) : json::value(d.event.order_id)},
      {"emittedAt", FormatIso8601(d.event.created_at)},
      {"dueAt", FormatIso8601(d.event.due_at)},
      {"nextAttemptAt", d.state == store::DeliveryState::kPending
                            ? json::value(FormatIso8601(d.next_at))
                            : json::value(nullptr)},
      {"finishedAt",
       d.finished_at ? json::value(FormatIso8601(d.finished_at)) : json::value(nullptr)},
      {"latencyMs",
       d.finished_at ? json::value(d.finished_at - d.event.due_at) : json::value(nullptr)},
      {"payload", PayloadJson(d.event.payload)}};
}

// Redrives one dead delivery (`step` given) or all of the event's.
void Redrive(Services& services, Request& request, Respond respond, const std::string& id_text,
             const std::string& step) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  if (id_text.empty() || id_text.size() > 18 ||
      id_text.find_first_not_of("0123456789") != std::string::npos) {
    return RespondError(respond, MakeError(ErrorCode::kNotFound, "dead letter not found"));
  }
  std::int64_t event_id = std::stoll(id_text);
  TimeMs now = services.clock.NowMs();
  auto redriven = std::make_shared<json::array>();
  // The effect's unit also records the Idempotency-Key, if any.
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  db->Write(
      [store_id = principal->store_id, event_id, step, now,
       redriven](store::WriteTx& tx) -> Status {
        redriven->clear();  // the unit may run again (a retried batch)
        if (!step.empty()) {
          OF_RETURN_IF_ERROR(tx.events().RedriveDelivery(store_id, event_id, step, now));
          redriven->push_back(json::string(step));
          return OkStatus();
        }
        OF_ASSIGN_OR_RETURN(auto delivery_list, tx.ListDeadLetters(store_id, event_id + 1, 100));
        for (const auto& d : delivery_list.items) {
          if (d.event.id != event_id) continue;
          OF_RETURN_IF_ERROR(tx.events().RedriveDelivery(store_id, event_id, d.step, now));
          redriven->push_back(json::string(d.step));
        }
        if (redriven->empty()) return MakeError(ErrorCode::kNotFound, "dead letter not found");
        return OkStatus();
      },
      [respond = std::move(respond), event_id, redriven](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        RespondJson(respond, 200,
                    json::object{{"success", true}, {"eventId", event_id}, {"steps", *redriven}});
      });
}

}  // namespace

void RegisterEngineRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/orders/:id/trace", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    std::string order_id = request.Param("id");
    for (auto& c : order_id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ReadJson(services, std::move(respond),
             [store_id = principal->store_id, order_id](store::ReadTx& tx) -> Result<json::value> {
               OF_ASSIGN_OR_RETURN(auto order, tx.GetOrder(store_id, order_id));
               OF_ASSIGN_OR_RETURN(auto events, tx.ListOrderEvents(store_id, order_id));
               OF_ASSIGN_OR_RETURN(auto deliveries, tx.ListOrderDeliveries(store_id, order_id));
               json::array out;
               for (const auto& e : events) {
                 json::array runs;
                 for (const auto& d : deliveries) {
                   if (d.event.id == e.id) runs.push_back(DeliveryJson(d));
                 }
                 out.push_back(json::object{{"eventId", e.id},
                                            {"topic", e.topic},
                                            {"emittedAt", FormatIso8601(e.created_at)},
                                            {"dueAt", FormatIso8601(e.due_at)},
                                            {"payload", PayloadJson(e.payload)},
                                            {"deliveries", std::move(runs)}});
               }
               return json::value(json::object{{"orderId", order.order_id},
                                               {"status", domain::ToString(order.status)},
                                               {"events", std::move(out)}});
             });
  });

  router.Add("GET", "/api/flows", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond, false);
    if (!principal) return;
    ReadJson(
        services, std::move(respond),
        [&services, store_id = principal->store_id](store::ReadTx& tx) -> Result<json::value> {
          OF_ASSIGN_OR_RETURN(auto counts, tx.CountDeliveries(store_id));
          json::array steps;
          for (const auto& s : services.flow.steps()) {
            json::object step{{"name", s.name},
                              {"kind", engine::ToString(s.kind)},
                              {"subscribes", json::value_from(s.subscribes)},
                              {"emits", json::value_from(s.emits)},
                              {"description", s.description}};
            json::object c{{"pending", 0}, {"retrying", 0}, {"dead", 0}, {"done", 0}};
            for (const auto& x : counts) {
              if (x.step != s.name) continue;
              c = json::object{{"pending", x.pending},
                               {"retrying", x.retrying},
                               {"dead", x.dead},
                               {"done", x.done}};
            }
            step["counts"] = std::move(c);
            steps.push_back(std::move(step));
          }
          // Edges: emitter -> subscriber for each topic.
          json::array edges;
          for (const auto& from : services.flow.steps()) {
            for (const auto& topic : from.emits) {
              for (const auto& to : services.flow.Subscribers(topic)) {
                edges.push_back(json::object{{"from", from.name}, {"to", to}, {"topic", topic}});
              }
            }
          }
          return json::value(json::object{{"name", "order-processing-flow"},
                                          {"steps", std::move(steps)},
                                          {"edges", std::move(edges)}});
        });
  });

  router.Add("GET", "/api/dead-letters", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    int limit = 50;
    std::int64_t cursor = 0;
    Status paging = ParsePaging(request, limit, cursor);
    if (!paging.ok()) return RespondError(respond, paging.error());
    ReadJson(
        services, std::move(respond),
        [store_id = principal->store_id, limit, cursor](store::ReadTx& tx) -> Result<json::value> {
          OF_ASSIGN_OR_RETURN(auto page, tx.ListDeadLetters(store_id, cursor, limit));
          json::array items;
          for (const auto& d : page.items) items.push_back(DeliveryJson(d));
          return json::value(json::object{{"items", std::move(items)},
                                          {"nextCursor", CursorJson(page.next_event_id)}});
        });
  });

  router.Add("POST", "/api/dead-letters/:eventId/:step/redrive",
             Idempotent(services, [&services](Request& request, Respond respond) {
               Redrive(services, request, std::move(respond), request.Param("eventId"),
                       request.Param("step"));
             }));
  // SPEC form: :id is "<eventId>:<step>" (the `id` of a listed dead letter)
  // or a bare event id, which redrives every dead delivery of that event.
  router.Add("POST", "/api/dead-letters/:id/redrive",
             Idempotent(services, [&services](Request& request, Respond respond) {
               std::string id = request.Param("id");
               auto colon = id.find(':');
               std::string step = colon == std::string::npos ? "" : id.substr(colon + 1);
               Redrive(services, request, std::move(respond), id.substr(0, colon), step);
             }));
}

}  // namespace orderflow::http::handlers
