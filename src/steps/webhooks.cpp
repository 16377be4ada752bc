// webhook-fanout: an event of a store with matching endpoints -> one
// webhook delivery row and one webhook.send per endpoint, in the same unit
// (so each endpoint gets each event exactly once in the log).
// webhook-send: webhook.send -> one signed POST to the endpoint, on a pool
// of its own with per-store caps (the engine's Bulkhead) and a circuit
// breaker per endpoint; the unit that disables an endpoint after repeated
// failures also emits webhook.disabled (an alert).
//
// The POST happens in Handle(), outside the transaction, with the event id as
// the receiver's idempotency key (X-OrderFlow-Event-Id): a crash between the
// POST and the commit repeats the POST, never loses it. webhook.send events
// are detached from their order, so a slow endpoint never holds up the
// order's own steps.

#include <boost/json.hpp>
#include <chrono>

#include "common/ids.hpp"
#include "steps/circuit_breaker.hpp"
#include "steps/simple_step.hpp"
#include "steps/steps.hpp"
#include "steps/webhook_sender.hpp"

namespace orderflow::steps {
namespace {

namespace json = boost::json;

bool Wants(const store::Webhook& w, const std::string& topic) {
  if (!w.enabled) return false;
  for (const auto& pattern : w.topics) {
    if (engine::TopicMatches(pattern, topic)) return true;
  }
  return false;
}

engine::EmitOptions Detached() {
  engine::EmitOptions options;
  options.detach_from_order = true;
  return options;
}

class WebhookFanout final : public SimpleStep {
 public:
  explicit WebhookFanout(const engine::Flow& flow) : SimpleStep(flow, "webhook-fanout") {}

 protected:
  Status Apply(engine::StepTx& st, const store::Event& event, const json::object&) override {
    OF_ASSIGN_OR_RETURN(auto hooks, st.webhooks().ListWebhooks(event.store_id));
    for (const auto& w : hooks) {
      if (!Wants(w, event.topic)) continue;
      store::WebhookDelivery d;
      d.webhook_id = w.webhook_id;
      d.store_id = event.store_id;
      d.event_id = event.id;
      d.topic = event.topic;
      d.created_at = st.now();
      OF_ASSIGN_OR_RETURN(std::int64_t id, st.webhooks().InsertWebhookDelivery(d));
      OF_RETURN_IF_ERROR(
          st.Emit("webhook.send", {{"deliveryId", id}, {"webhookId", w.webhook_id}}, Detached()));
    }
    return OkStatus();
  }
};

// The outcome of one POST.
struct Attempt {
  TimeMs at = 0;  // when the POST started
  int status = 0;
  std::string error;
  std::int64_t duration_ms = 0;
  bool success = false;
  bool transient = false;
};

class WebhookSend final : public engine::Step {
 public:
  WebhookSend(const engine::Flow& flow, store::Store& store, WebhookSender& sender,
              const StepOptions& options)
      : spec_(*flow.Find("webhook-send")),
        store_(store),
        sender_(sender),
        options_(options),
        breaker_({options.webhook_circuit_failures, options.webhook_circuit_cooldown_ms}) {}

  const engine::StepSpec& spec() const override { return spec_; }

  std::optional<engine::Bulkhead> bulkhead() const override {
    if (options_.webhook_runner == nullptr) return std::nullopt;
    return engine::Bulkhead{options_.webhook_runner, options_.webhook_concurrency,
                            options_.webhook_concurrency_per_store};
  }

  engine::RetryPolicy retry_policy() const override {
    return {options_.webhook_max_attempts, options_.webhook_retry_base_ms,
            options_.webhook_retry_max_ms};
  }

  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    const store::Event& cause = input.delivery.event;
    const auto* id = input.payload.if_contains("deliveryId");
    if (id == nullptr || !id->is_int64()) return engine::NoOp();
    const std::int64_t delivery_id = id->get_int64();
    const std::string store_id = cause.store_id;

    store::WebhookDelivery delivery;
    store::Webhook hook;
    store::Event event;
    bool gone = false;
    OF_RETURN_IF_ERROR(store_.Read([&](store::ReadTx& tx) -> Status {
      auto d = tx.GetWebhookDelivery(store_id, delivery_id);
      if (!d.ok()) {
        gone = d.code() == ErrorCode::kNotFound;
        return gone ? OkStatus() : d.error();
      }
      delivery = std::move(d).value();
      auto w = tx.GetWebhook(store_id, delivery.webhook_id);
      if (!w.ok()) {
        gone = w.code() == ErrorCode::kNotFound;
        return gone ? OkStatus() : w.error();
      }
      hook = std::move(w).value();
      OF_ASSIGN_OR_RETURN(event, tx.GetEvent(store_id, delivery.event_id));
      return OkStatus();
    }));
    // Deleted endpoint, or a delivery that already has its final outcome.
    if (gone || delivery.state != store::WebhookDeliveryState::kPending) return engine::NoOp();

    if (!hook.enabled) {
      Attempt a;
      a.at = input.now;
      a.error = "not sent: endpoint disabled (" + hook.disabled_reason + ")";
      return Finish(delivery, a, /*count=*/false);
    }

    Attempt a = Send(hook, event, input.now);
    if (a.transient && input.attempt < options_.webhook_max_attempts) {
      // Logged now, since the engine's retry bookkeeping writes nothing of
      // the step's; the engine then retries with backoff.
      store::WebhookAttempt log = LogRow(delivery, a, store::WebhookDeliveryState::kPending);
      Status logged = store::WriteSync(store_, [&log](store::WriteTx& tx) -> Status {
        OF_RETURN_IF_ERROR(tx.webhooks().RecordWebhookAttempt(log));
        return OkStatus();
      });
      if (!logged.ok() && logged.code() == ErrorCode::kConflict) return engine::NoOp();
      return MakeError(ErrorCode::kUnavailable, a.error);
    }
    return Finish(delivery, a, /*count=*/true);
  }

 private:
  Attempt Send(const store::Webhook& hook, const store::Event& event, TimeMs now) {
    std::error_code ec;
    json::value data = json::parse(event.payload, ec);
    if (ec || !data.is_object()) data = json::object();
    data.as_object().erase("causeEventId");
    const std::string body =
        json::serialize(json::object{{"id", event.id},
                                     {"topic", event.topic},
                                     {"createdAt", FormatIso8601(event.created_at)},
                                     {"storeId", event.store_id},
                                     {"data", std::move(data)}});
    const std::string endpoint = hook.store_id + "/" + hook.webhook_id;
    CircuitBreaker::Permit permit = breaker_.Acquire(endpoint, now);
    if (!permit.allowed) {
      Attempt a;
      a.at = now;
      a.transient = true;
      a.error = "not sent: circuit open after " + std::to_string(permit.failures) +
                " failures in a row; the next try goes out after " +
                FormatIso8601(permit.open_until);
      return a;
    }
    const std::string t = std::to_string(now / 1000);
    WebhookRequest req;
    req.url = hook.url;
    req.body = body;
    req.timeout_ms = static_cast<int>(options_.webhook_timeout_ms);
    req.headers = {
        {"Content-Type", "application/json"},
        {"X-OrderFlow-Event-Id", std::to_string(event.id)},
        {"X-OrderFlow-Topic", event.topic},
        {"X-OrderFlow-Signature", "t=" + t + ",v1=" + HmacSha256Hex(hook.secret, t + "." + body)}};
    auto start = std::chrono::steady_clock::now();
    Result<WebhookResponse> res = sender_.Post(req);
    Attempt a;
    a.at = now;
    a.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (!res.ok()) {
      a.error = res.error().message;
      a.transient = res.code() == ErrorCode::kUnavailable;
      breaker_.Record(endpoint, a.transient, now + a.duration_ms);
      return a;
    }
    a.status = res->status;
    a.success = a.status >= 200 && a.status < 300;
    // 5xx and 429 are the endpoint's temporary trouble; any other answer
    // (4xx, 3xx: redirects are not followed) is final.
    a.transient = a.status >= 500 || a.status == 429;
    if (!a.success) a.error = "endpoint answered " + std::to_string(a.status);
    breaker_.Record(endpoint, a.transient, now + a.duration_ms);
    return a;
  }

  static store::WebhookAttempt LogRow(const store::WebhookDelivery& d, const Attempt& a,
                                      store::WebhookDeliveryState outcome) {
    store::WebhookAttempt log;
    log.delivery_id = d.delivery_id;
    log.webhook_id = d.webhook_id;
    log.store_id = d.store_id;
    log.event_id = d.event_id;
    log.topic = d.topic;
    log.status_code = a.status;
    log.error = a.error;
    log.duration_ms = a.duration_ms;
    log.at = a.at;
    log.outcome = outcome;
    return log;
  }

  // The final outcome, written with the engine's record that this
  // webhook.send is handled. `count`: it counts for the endpoint's health.
  engine::Apply Finish(const store::WebhookDelivery& d, const Attempt& a, bool count) {
    store::WebhookAttempt log = LogRow(
        d, a,
        a.success ? store::WebhookDeliveryState::kSucceeded : store::WebhookDeliveryState::kFailed);
    const int disable_after = options_.webhook_disable_after;
    const bool success = a.success;
    return [log, count, success, disable_after](engine::StepTx& st) -> Status {
      auto recorded = st.webhooks().RecordWebhookAttempt(log);
      if (!recorded.ok()) {
        // Finished meanwhile (a concurrent manual redelivery): nothing to add.
        return recorded.code() == ErrorCode::kConflict ? OkStatus() : recorded.error();
      }
      if (!count) return OkStatus();
      OF_ASSIGN_OR_RETURN(store::Webhook after,
                          st.webhooks().RecordWebhookOutcome(log.store_id, log.webhook_id, success,
                                                             disable_after, st.now()));
      // This outcome disabled the endpoint (the count passes the threshold
      // once per enabled spell): raise the alert in the same unit.
      if (success || after.enabled || disable_after <= 0 ||
          after.consecutive_failures != disable_after) {
        return OkStatus();
      }
      engine::EmitOptions options = Detached();
      OF_RETURN_IF_ERROR(st.Emit("webhook.disabled",
                                 {{"webhookId", after.webhook_id},
                                  {"url", after.url},
                                  {"reason", after.disabled_reason},
                                  {"lastError", log.error}},
                                 options));
      return OkStatus();
    };
  }

  engine::StepSpec spec_;
  store::Store& store_;
  WebhookSender& sender_;
  StepOptions options_;
  CircuitBreaker breaker_;
};

// Owns the default sender when the caller injected none.
class OwningWebhookSend final : public engine::Step {
 public:
  OwningWebhookSend(const engine::Flow& flow, store::Store& store, const StepOptions& options)
      : sender_(MakeHttpWebhookSender(options.egress != nullptr ? *options.egress
                                                                : http::EgressPolicy())),
        inner_(flow, store, *sender_, options) {}
  const engine::StepSpec& spec() const override { return inner_.spec(); }
  std::optional<engine::Bulkhead> bulkhead() const override { return inner_.bulkhead(); }
  engine::RetryPolicy retry_policy() const override { return inner_.retry_policy(); }
  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    return inner_.Handle(input);
  }

 private:
  std::unique_ptr<WebhookSender> sender_;
  WebhookSend inner_;
};

}  // namespace

Result<bool> HasWebhookFor(store::Webhooks& webhooks, const store::Event& event) {
  OF_ASSIGN_OR_RETURN(auto endpoints, webhooks.EnabledWebhookTopics(event.store_id));
  for (const auto& patterns : endpoints) {
    for (const auto& pattern : patterns) {
      if (engine::TopicMatches(pattern, event.topic)) return true;
    }
  }
  return false;
}

std::unique_ptr<engine::Step> MakeWebhookFanout(const engine::Flow& flow) {
  return std::make_unique<WebhookFanout>(flow);
}

std::unique_ptr<engine::Step> MakeWebhookSend(const engine::Flow& flow, store::Store& store,
                                              const StepOptions& options) {
  if (options.webhook_sender != nullptr) {
    return std::make_unique<WebhookSend>(flow, store, *options.webhook_sender, options);
  }
  return std::make_unique<OwningWebhookSend>(flow, store, options);
}

}  // namespace orderflow::steps
