// GET/POST /api/webhooks, GET/DELETE /api/webhooks/:id,
// GET /api/webhooks/:id/deliveries (the delivery log),
// POST /api/webhooks/:id/deliveries/:deliveryId/redeliver,
// POST /api/webhooks/:id/enable.
//
// The signing secret is generated here and returned once, by the POST that
// creates the endpoint; no other response carries it.

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <memory>
#include <set>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "domain/order_request.hpp"
#include "engine/step.hpp"
#include "http/egress_policy.hpp"
#include "http/handlers/api.hpp"
#include "http/handlers/views.hpp"

namespace orderflow::http::handlers {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxTopics = 20;
constexpr std::size_t kMaxDescription = 200;
constexpr std::size_t kMaxEndpointsPerStore = 50;

Error Invalid(const std::string& field, const std::string& message) {
  return MakeError(ErrorCode::kValidation, message, field);
}

Error NotFound() { return MakeError(ErrorCode::kNotFound, "webhook not found"); }

// The topics an endpoint may subscribe to: every topic some step emits that
// the webhook-fanout step forwards.
std::set<std::string> SendableTopics(const engine::Flow& flow) {
  std::set<std::string> out;
  const engine::StepSpec* fanout = flow.Find("webhook-fanout");
  if (fanout == nullptr) return out;
  for (const auto& step : flow.steps()) {
    for (const auto& topic : step.emits) {
      for (const auto& pattern : fanout->subscribes) {
        if (engine::TopicMatches(pattern, topic)) out.insert(topic);
      }
    }
  }
  return out;
}

Result<std::string> ParseUrl(const json::object& o) {
  const json::value* v = o.if_contains("url");
  if (v == nullptr || v->is_null()) return Invalid("url", "url is required");
  if (!v->is_string()) return Invalid("url", "url must be a string");
  std::string url(v->get_string());
  if (url.size() > kMaxUrlLength) {
    return Invalid("url", "url must be at most " + std::to_string(kMaxUrlLength) + " characters");
  }
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") ||
      parsed->host().empty()) {
    return Invalid("url", "url must be an absolute http:// or https:// URL");
  }
  if (parsed->has_userinfo() || parsed->has_fragment()) {
    return Invalid("url", "url must not contain credentials or a fragment");
  }
  return url;
}

Result<std::vector<std::string>> ParseTopics(const json::object& o, const engine::Flow& flow) {
  const json::value* v = o.if_contains("topics");
  if (v == nullptr || v->is_null()) return Invalid("topics", "topics is required");
  if (!v->is_array()) return Invalid("topics", "topics must be an array of topic patterns");
  const json::array& a = v->get_array();
  if (a.empty() || a.size() > kMaxTopics) {
    return Invalid("topics", "topics must list 1 to " + std::to_string(kMaxTopics) + " patterns");
  }
  const std::set<std::string> known = SendableTopics(flow);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string field = "topics[" + std::to_string(i) + "]";
    if (!a[i].is_string()) return Invalid(field, field + " must be a string");
    std::string pattern(a[i].get_string());
    bool valid = pattern == "*" || known.count(pattern) != 0;
    if (!valid && pattern.size() > 2 && pattern.compare(pattern.size() - 2, 2, ".*") == 0) {
      for (const auto& topic : known) valid = valid || engine::TopicMatches(pattern, topic);
    }
    if (!valid) {
      std::string list;
      for (const auto& topic : known) list += (list.empty() ? "" : ", ") + topic;
      return Invalid(
          field,
          field + " must be a known topic, a 'prefix.*' pattern or '*' (topics: " + list + ")");
    }
    if (std::find(out.begin(), out.end(), pattern) == out.end()) out.push_back(pattern);
  }
  return out;
}

json::object WebhookJson(const store::Webhook& w) {
  return json::object{
      {"webhookId", w.webhook_id},
      {"url", w.url},
      {"topics", json::value_from(w.topics)},
      {"description", w.description},
      {"enabled", w.enabled},
      {"disabledReason", w.enabled ? json::value(nullptr) : json::value(w.disabled_reason)},
      {"consecutiveFailures", w.consecutive_failures},
      {"lastDeliveryAt",
       w.last_delivery_at ? json::value(FormatIso8601(w.last_delivery_at)) : json::value(nullptr)},
      {"createdAt", FormatIso8601(w.created_at)}};
}

json::object AttemptJson(const store::WebhookAttempt& a) {
  return json::object{
      {"id", a.attempt_id},
      {"deliveryId", a.delivery_id},
      {"eventId", a.event_id},
      {"topic", a.topic},
      {"attempt", a.attempt},
      {"statusCode", a.status_code ? json::value(a.status_code) : json::value(nullptr)},
      {"error", a.error.empty() ? json::value(nullptr) : json::value(a.error)},
      {"durationMs", a.duration_ms},
      {"at", FormatIso8601(a.at)},
      {"outcome", a.outcome == store::WebhookDeliveryState::kPending ? "retrying"
                                                                     : store::ToString(a.outcome)}};
}

// Path ids: anything longer or stranger than ours cannot exist.
bool PlausibleWebhookId(const std::string& id) {
  return !id.empty() && id.size() <= 64 &&
         id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
}

bool ParseId(const std::string& text, std::int64_t& out) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoll(text);
  return out > 0;
}

// Stores a validated endpoint; a store has a bounded number of them.
// `db` is the request's unit store, so that the unit also records the
// Idempotency-Key, if any.
void InsertWebhook(const std::shared_ptr<store::Store>& db,
                   const std::shared_ptr<store::Webhook>& hook, Respond respond) {
  db->Write(
      [hook](store::WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(auto existing, tx.ListWebhooks(hook->store_id));
        if (existing.size() >= kMaxEndpointsPerStore) {
          return MakeError(ErrorCode::kConflict, "a store has at most " +
                                                     std::to_string(kMaxEndpointsPerStore) +
                                                     " webhook endpoints");
        }
        return tx.InsertWebhook(*hook);
      },
      [respond = std::move(respond), hook](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        json::object out = WebhookJson(*hook);
        out["secret"] = hook->secret;  // the only response that carries it
        RespondJson(respond, 201, out);
      });
}

void HandleCreate(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  auto body = ParseJsonBody(request);
  if (!body.ok()) return RespondError(respond, body.error());
  if (!body->is_object()) return RespondError(respond, Invalid("", "body must be a JSON object"));
  const json::object& o = body->get_object();
  auto url = ParseUrl(o);
  if (!url.ok()) return RespondError(respond, url.error());
  auto topics = ParseTopics(o, services.flow);
  if (!topics.ok()) return RespondError(respond, topics.error());
  std::string description;
  if (const json::value* d = o.if_contains("description"); d != nullptr && !d->is_null()) {
    if (!d->is_string()) {
      return RespondError(respond, Invalid("description", "description must be a string"));
    }
    description = domain::Trim(std::string(d->get_string()));
    Status valid = domain::ValidateText(description, "description", kMaxDescription, false);
    if (!valid.ok()) return RespondError(respond, valid.error());
  }

  auto hook = std::make_shared<store::Webhook>();
  hook->created_at = services.clock.NowMs();
  // Time-ordered like the other ids the server makes: a UUIDv7's hex.
  hook->webhook_id = "wh_" + NewUuid(hook->created_at);
  std::erase(hook->webhook_id, '-');
  hook->store_id = principal->store_id;
  hook->url = std::move(url).value();
  hook->topics = std::move(topics).value();
  hook->description = description;
  hook->secret = "whsec_" + RandomHex(24);
  // The host must resolve, and only to addresses the egress policy allows
  // (the sender checks again at connect time). Resolving blocks: it runs on
  // the blocking pool, which then queues the write.
  std::string host = boost::urls::parse_uri(hook->url)->host_address();
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  services.blocking.Post([&services, db = std::move(db), host = std::move(host), hook,
                          respond = std::move(respond)]() mutable {
    const EgressPolicy no_exceptions;
    const EgressPolicy& policy = services.egress != nullptr ? *services.egress : no_exceptions;
    auto resolved = policy.Resolve(host);
    if (!resolved.ok()) return RespondError(respond, Invalid("url", resolved.error().message));
    InsertWebhook(db, hook, std::move(respond));
  });
}

void HandleDelete(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  std::string id = request.Param("id");
  if (!PlausibleWebhookId(id)) return RespondError(respond, NotFound());
  services.store.Write([store_id = principal->store_id,
                        id](store::WriteTx& tx) { return tx.DeleteWebhook(store_id, id); },
                       [respond = std::move(respond)](Status s) mutable {
                         if (!s.ok()) return RespondError(respond, s.error());
                         Response r;
                         r.status = 204;
                         r.content_type.clear();
                         respond(std::move(r));
                       });
}

void HandleEnable(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  std::string id = request.Param("id");
  if (!PlausibleWebhookId(id)) return RespondError(respond, NotFound());
  auto hook = std::make_shared<store::Webhook>();
  // The effect's unit also records the Idempotency-Key, if any.
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  db->Write(
      [store_id = principal->store_id, id, hook](store::WriteTx& tx) -> Status {
        OF_RETURN_IF_ERROR(tx.SetWebhookEnabled(store_id, id, true, ""));
        OF_ASSIGN_OR_RETURN(*hook, tx.GetWebhook(store_id, id));
        return OkStatus();
      },
      [respond = std::move(respond), hook](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        RespondJson(respond, 200, WebhookJson(*hook));
      });
}

void HandleRedeliver(Services& services, Request& request, Respond respond) {
  auto principal = Authorize(services, request, respond);
  if (!principal) return;
  std::string id = request.Param("id");
  std::int64_t delivery_id = 0;
  if (!PlausibleWebhookId(id) || !ParseId(request.Param("deliveryId"), delivery_id)) {
    return RespondError(respond, MakeError(ErrorCode::kNotFound, "webhook delivery not found"));
  }
  TimeMs now = services.clock.NowMs();
  // The effect's unit also records the Idempotency-Key, if any.
  std::shared_ptr<store::Store> db = UnitStore(services, request);
  db->Write(
      [&services, store_id = principal->store_id, id, delivery_id,
       now](store::WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(store::Webhook hook, tx.GetWebhook(store_id, id));
        if (!hook.enabled) {
          return MakeError(ErrorCode::kConflict,
                           "the endpoint is disabled; enable it before redelivering");
        }
        OF_RETURN_IF_ERROR(tx.RequeueWebhookDelivery(store_id, id, delivery_id, now));
        engine::StepTx st(tx, services.flow, "webhook-endpoints", nullptr, now);
        engine::EmitOptions options;
        options.store_id = store_id;
        options.detach_from_order = true;
        OF_RETURN_IF_ERROR(
            st.Emit("webhook.send", {{"deliveryId", delivery_id}, {"webhookId", id}}, options));
        return OkStatus();
      },
      [respond = std::move(respond), delivery_id](Status s) mutable {
        if (!s.ok()) return RespondError(respond, s.error());
        RespondJson(respond, 202, json::object{{"deliveryId", delivery_id}, {"state", "pending"}});
      });
}

}  // namespace

void RegisterWebhookRoutes(Router& router, Services& services) {
  router.Add("GET", "/api/webhooks", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    ReadJson(
        services, std::move(respond),
        [store_id = principal->store_id](store::ReadTx& tx) -> Result<json::value> {
          OF_ASSIGN_OR_RETURN(auto hooks, tx.ListWebhooks(store_id));
          json::array items;
          for (const auto& w : hooks) items.push_back(WebhookJson(w));
          return json::value(json::object{{"items", std::move(items)}, {"nextCursor", nullptr}});
        });
  });
  router.Add("POST", "/api/webhooks",
             Idempotent(services, [&services](Request& request, Respond respond) {
               HandleCreate(services, request, std::move(respond));
             }));
  router.Add("GET", "/api/webhooks/:id", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    std::string id = request.Param("id");
    if (!PlausibleWebhookId(id)) return RespondError(respond, NotFound());
    ReadJson(services, std::move(respond),
             [store_id = principal->store_id, id](store::ReadTx& tx) -> Result<json::value> {
               OF_ASSIGN_OR_RETURN(auto hook, tx.GetWebhook(store_id, id));
               return json::value(WebhookJson(hook));
             });
  });
  router.Add("DELETE", "/api/webhooks/:id", [&services](Request& request, Respond respond) {
    HandleDelete(services, request, std::move(respond));
  });
  router.Add("GET", "/api/webhooks/:id/deliveries", [&services](Request& request, Respond respond) {
    auto principal = Authorize(services, request, respond);
    if (!principal) return;
    std::string id = request.Param("id");
    if (!PlausibleWebhookId(id)) return RespondError(respond, NotFound());
    int limit = 50;
    std::int64_t cursor = 0;
    Status paging = ParsePaging(request, limit, cursor);
    if (!paging.ok()) return RespondError(respond, paging.error());
    ReadJson(services, std::move(respond),
             [store_id = principal->store_id, id, limit,
              cursor](store::ReadTx& tx) -> Result<json::value> {
               OF_RETURN_IF_ERROR(tx.GetWebhook(store_id, id));
               OF_ASSIGN_OR_RETURN(auto page, tx.ListWebhookAttempts(store_id, id, cursor, limit));
               json::array items;
               for (const auto& a : page.items) items.push_back(AttemptJson(a));
               return json::value(json::object{{"items", std::move(items)},
                                               {"nextCursor", CursorJson(page.next_attempt_id)}});
             });
  });
  router.Add("POST", "/api/webhooks/:id/deliveries/:deliveryId/redeliver",
             Idempotent(services, [&services](Request& request, Respond respond) {
               HandleRedeliver(services, request, std::move(respond));
             }));
  router.Add("POST", "/api/webhooks/:id/enable",
             Idempotent(services, [&services](Request& request, Respond respond) {
               HandleEnable(services, request, std::move(respond));
             }));
}

}  // namespace orderflow::http::handlers
