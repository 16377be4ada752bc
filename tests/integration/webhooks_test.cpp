// Signed webhooks end to end (SPEC §7): the real `orderflow serve` posting to
// a real receiver on 127.0.0.1 (this process's http::Server), with short
// retry delays and a low failure threshold so every path runs quickly.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

constexpr int kDisableAfter = 3;
constexpr auto kWait = std::chrono::seconds(30);

struct Received {
  std::string body;
  std::map<std::string, std::string> headers;
  int answered = 0;
};

// Records every POST to /api/hook/:name (http::Server routes /api paths
// only) and answers with the next scripted status of that name (200 once the
// script runs out).
class Receiver {
 public:
  Receiver() {
    router_.Add("POST", "/api/hook/:name", [this](http::Request& request, http::Respond respond) {
      int status = 200;
      {
        std::lock_guard lock(mu_);
        if (held_names_.count(request.Param("name")) != 0) {
          held_.push_back(std::move(respond));
          received_[request.Param("name")].push_back(Received{request.body, {}, 0});
          return;
        }
        auto& script = scripts_[request.Param("name")];
        if (!script.empty()) {
          status = script.front();
          if (script.size() > 1 || !sticky_[request.Param("name")]) script.pop_front();
        }
        Received r;
        r.body = request.body;
        for (const auto& [k, v] : request.headers) r.headers[k] = v;
        r.answered = status;
        received_[request.Param("name")].push_back(std::move(r));
      }
      http::Response res;
      res.status = status;
      res.body = "{}";
      respond(std::move(res));
    });
    http::ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    config.threads = 1;
    server_ = std::make_unique<http::Server>(config, router_);
    thread_ = std::thread([this] { server_->Run(); });
  }
  ~Receiver() {
    Release();
    server_->Stop();
    thread_.join();
  }

  std::string Url(const std::string& name) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/api/hook/" + name;
  }
  // Answers `statuses` in turn; with `sticky` the last one forever.
  void Script(const std::string& name, std::vector<int> statuses, bool sticky = false) {
    std::lock_guard lock(mu_);
    scripts_[name] = std::deque<int>(statuses.begin(), statuses.end());
    sticky_[name] = sticky;
  }
  // Requests to `name` get no answer until Release().
  void Hold(const std::string& name) {
    std::lock_guard lock(mu_);
    held_names_.insert(name);
  }
  void Release() {
    std::vector<http::Respond> held;
    {
      std::lock_guard lock(mu_);
      held.swap(held_);
      held_names_.clear();
    }
    for (auto& respond : held) {
      http::Response res;
      res.body = "{}";
      respond(std::move(res));
    }
  }
  std::vector<Received> Got(const std::string& name) {
    std::lock_guard lock(mu_);
    return received_[name];
  }

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::map<std::string, std::deque<int>> scripts_;         // GUARDED_BY(mu_)
  std::map<std::string, bool> sticky_;                     // GUARDED_BY(mu_)
  std::map<std::string, std::vector<Received>> received_;  // GUARDED_BY(mu_)
  std::set<std::string> held_names_;                       // GUARDED_BY(mu_)
  std::vector<http::Respond> held_;                        // GUARDED_BY(mu_)
};

bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// Checks X-OrderFlow-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>.
bool SignatureValid(const Received& r, const std::string& secret, std::string* why) {
  auto it = r.headers.find("x-orderflow-signature");
  if (it == r.headers.end()) {
    *why = "no signature header";
    return false;
  }
  const std::string& sig = it->second;
  auto comma = sig.find(",v1=");
  if (sig.rfind("t=", 0) != 0 || comma == std::string::npos) {
    *why = "malformed signature " + sig;
    return false;
  }
  std::string t = sig.substr(2, comma - 2);
  std::string v1 = sig.substr(comma + 4);
  long long now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  if (std::llabs(std::stoll(t) - now) > 300) {
    *why = "timestamp " + t + " is not current";
    return false;
  }
  if (!ConstantTimeEquals(v1, HmacSha256Hex(secret, t + "." + r.body))) {
    *why = "v1 does not match the HMAC of the body";
    return false;
  }
  return true;
}

class WebhooksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      receiver_ = new Receiver();
      ServerProcess::Options options;
      options.extra_args = {"--webhook-retry-delay", "0.02", "--webhook-attempts", "4",
                            "--webhook-disable-after", std::to_string(kDisableAfter),
                            "--webhook-timeout", "3",
                            // The receiver is on loopback.
                            "--allow-private-egress", "127.0.0.0/8"};
      server_ = new ServerProcess(options);
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete receiver_;
    receiver_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr) << start_error_;
    store_ = UniqueStoreId("WH");
    key_ = CreateStore(*server_, store_);
    ASSERT_FALSE(key_.empty());
    api_ = std::make_unique<StoreApi>(server_->port(), key_, store_);
    ASSERT_EQ(api_->Post("/api/products", R"({"productName":"Mug","price":7,"stock":1000})").status,
              201);
  }

  // POST /api/webhooks; returns the response object (test failure if not 201).
  json::object CreateHook(const std::string& name, const std::string& topics) {
    HttpResult r =
        api_->Post("/api/webhooks", R"({"url":")" + receiver_->Url(name) + R"(","topics":)" +
                                        topics + R"(,"description":"test )" + name + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    json::value v = ParseJson(r.body);
    return v.is_object() ? v.get_object() : json::object();
  }

  std::string PostOrder() {
    HttpResult r = api_->PostOrder("Ada", "Mug");
    EXPECT_EQ(r.status, 201) << r.body;
    return Str(ParseJson(r.body), "orderId");
  }

  // The delivery log of a webhook, newest first.
  json::array Log(const std::string& webhook_id) {
    HttpResult r = api_->Get("/api/webhooks/" + webhook_id + "/deliveries");
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = ParseJson(r.body);
    if (!v.is_object() || !v.at("items").is_array()) return {};
    return v.at("items").as_array();
  }

  json::object Hook(const std::string& webhook_id) {
    HttpResult r = api_->Get("/api/webhooks/" + webhook_id);
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = ParseJson(r.body);
    return v.is_object() ? v.get_object() : json::object();
  }

  static inline Receiver* receiver_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  static inline std::string start_error_;
  std::string store_;
  std::string key_;
  std::unique_ptr<StoreApi> api_;
};

TEST_F(WebhooksTest, OrderEventsArriveSignedWithTheSecretShownOnce) {
  json::object hook = CreateHook("signed", R"(["order.*"])");
  const std::string id = Str(hook, "webhookId");
  const std::string secret = Str(hook, "secret");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << secret;
  EXPECT_EQ(hook.at("enabled"), json::value(true));
  EXPECT_EQ(hook.at("topics"), json::value(json::array{"order.*"}));

  const std::string order_id = PostOrder();
  // Sends are not ordered among themselves (each is a delivery of its own):
  // wait for all four.
  ASSERT_TRUE(WaitUntil([&] {
    std::set<std::string> seen;
    for (const auto& r : receiver_->Got("signed")) seen.insert(Str(ParseJson(r.body), "topic"));
    return seen.count("order.created") + seen.count("order.cleared") +
               seen.count("order.fulfilled") + seen.count("order.completed") ==
           4;
  })) << "not every order event arrived";

  std::vector<std::string> topics;
  for (const auto& r : receiver_->Got("signed")) {
    std::string why;
    EXPECT_TRUE(SignatureValid(r, secret, &why)) << why << "\n" << r.body;
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    json::value body = ParseJson(r.body);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(r.headers.at("x-orderflow-event-id"), std::to_string(body.at("id").as_int64()));
    EXPECT_EQ(Str(body, "storeId"), store_);
    EXPECT_EQ(Str(body.at("data"), "orderId"), order_id);
    EXPECT_FALSE(Str(body, "createdAt").empty());
    topics.push_back(Str(body, "topic"));
  }
  // Only the subscribed topics, each once, and no payment or delivery events.
  for (const auto& t : topics) EXPECT_EQ(t.rfind("order.", 0), 0u) << t;
  for (const char* t : {"order.created", "order.cleared", "order.fulfilled", "order.completed"}) {
    EXPECT_EQ(std::count(topics.begin(), topics.end(), t), 1) << t;
  }

  // A wrong secret does not verify.
  std::string why;
  EXPECT_FALSE(SignatureValid(receiver_->Got("signed").front(), "whsec_wrong", &why));

  // The secret is never shown again.
  HttpResult list = api_->Get("/api/webhooks");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(secret), std::string::npos);
  EXPECT_EQ(list.body.find("\"secret\""), std::string::npos);
  EXPECT_EQ(api_->Get("/api/webhooks/" + id).body.find(secret), std::string::npos);
  json::value listed = ParseJson(list.body);
  ASSERT_EQ(listed.at("items").as_array().size(), 1u);
  EXPECT_EQ(Str(listed.at("items").as_array()[0], "webhookId"), id);

  // The log has one successful attempt per event.
  ASSERT_TRUE(WaitUntil([&] { return Log(id).size() >= topics.size(); }));
  for (const auto& a : Log(id)) {
    EXPECT_EQ(Str(a, "outcome"), "succeeded") << json::serialize(a);
    EXPECT_EQ(a.at("statusCode"), json::value(200));
    EXPECT_EQ(a.at("attempt"), json::value(1));
    EXPECT_GE(a.at("durationMs").as_int64(), 0);
  }
  json::object after = Hook(id);
  EXPECT_EQ(after.at("consecutiveFailures"), json::value(0));
  EXPECT_TRUE(after.at("lastDeliveryAt").is_string());
}

TEST_F(WebhooksTest, ServerErrorsAreRetriedUntilSuccess) {
  receiver_->Script("flaky", {500, 500, 200});
  json::object hook = CreateHook("flaky", R"(["order.created"])");
  const std::string id = Str(hook, "webhookId");
  PostOrder();
  ASSERT_TRUE(WaitUntil([&] {
    json::array log = Log(id);
    return !log.empty() && Str(log[0], "outcome") == "succeeded";
  })) << json::serialize(Log(id));

  json::array log = Log(id);  // newest first
  ASSERT_EQ(log.size(), 3u) << json::serialize(log);
  EXPECT_EQ(log[2].at("attempt"), json::value(1));
  EXPECT_EQ(log[2].at("statusCode"), json::value(500));
  EXPECT_EQ(Str(log[2], "outcome"), "retrying");
  EXPECT_EQ(Str(log[2], "error"), "endpoint answered 500");
  EXPECT_EQ(log[1].at("attempt"), json::value(2));
  EXPECT_EQ(Str(log[1], "outcome"), "retrying");
  EXPECT_EQ(log[0].at("attempt"), json::value(3));
  EXPECT_EQ(log[0].at("statusCode"), json::value(200));
  for (const auto& a : log) {
    EXPECT_EQ(Str(a, "topic"), "order.created");
    EXPECT_EQ(a.at("deliveryId"), log[0].at("deliveryId"));
    EXPECT_EQ(a.at("eventId"), log[0].at("eventId"));
  }
  // Three POSTs of the same event, each signed.
  auto got = receiver_->Got("flaky");
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_EQ(r.headers.at("x-orderflow-event-id"),
              std::to_string(log[0].at("eventId").as_int64()));
    std::string why;
    EXPECT_TRUE(SignatureValid(r, Str(hook, "secret"), &why)) << why;
  }
  EXPECT_EQ(Hook(id).at("consecutiveFailures"), json::value(0));

  // Keyset pages over the log.
  HttpResult page = api_->Get("/api/webhooks/" + id + "/deliveries?limit=2");
  json::value first = ParseJson(page.body);
  ASSERT_EQ(first.at("items").as_array().size(), 2u) << page.body;
  ASSERT_TRUE(first.at("nextCursor").is_int64() || first.at("nextCursor").is_string()) << page.body;
  std::string cursor = first.at("nextCursor").is_int64()
                           ? std::to_string(first.at("nextCursor").as_int64())
                           : std::string(first.at("nextCursor").as_string());
  json::value second =
      ParseJson(api_->Get("/api/webhooks/" + id + "/deliveries?limit=2&cursor=" + cursor).body);
  ASSERT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_EQ(second.at("items").as_array()[0].at("attempt"), json::value(1));
  EXPECT_TRUE(second.at("nextCursor").is_null());
}

TEST_F(WebhooksTest, AnEndpointThatNeverAnswersTimesOutAndIsRetried) {
  receiver_->Hold("hang");
  json::object hook = CreateHook("hang", R"(["order.created"])");
  const std::string id = Str(hook, "webhookId");
  PostOrder();
  ASSERT_TRUE(WaitUntil([&] { return !Log(id).empty(); }));
  json::array log = Log(id);
  const json::value& first = log.back();
  EXPECT_EQ(Str(first, "outcome"), "retrying") << json::serialize(first);
  EXPECT_TRUE(first.at("statusCode").is_null()) << json::serialize(first);
  EXPECT_NE(Str(first, "error").find("no answer within 3000 ms"), std::string::npos)
      << json::serialize(first);
  // Deleting the endpoint ends the retries.
  EXPECT_EQ(api_->Send("DELETE", "/api/webhooks/" + id, "").status, 204);
  receiver_->Release();
}

// The receiver speaks plain HTTP, so an https:// URL to it fails in the TLS
// handshake: the sender did not fall back to plain text.
TEST_F(WebhooksTest, HttpsEndpointsAreReachedOverTls) {
  std::string url = receiver_->Url("tls");
  url.replace(0, 4, "https");
  HttpResult created =
      api_->Post("/api/webhooks", R"({"url":")" + url + R"(","topics":["order.created"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = Str(ParseJson(created.body), "webhookId");
  PostOrder();
  ASSERT_TRUE(WaitUntil([&] { return !Log(id).empty(); }));
  const json::value first = Log(id).back();
  EXPECT_EQ(Str(first, "outcome"), "retrying") << json::serialize(first);
  EXPECT_NE(Str(first, "error").find("handshake"), std::string::npos) << json::serialize(first);
  EXPECT_TRUE(receiver_->Got("tls").empty());
  EXPECT_EQ(api_->Send("DELETE", "/api/webhooks/" + id, "").status, 204);
}

TEST_F(WebhooksTest, ClientErrorsAreNotRetried) {
  receiver_->Script("reject", {400}, /*sticky=*/true);
  json::object hook = CreateHook("reject", R"(["order.created"])");
  const std::string id = Str(hook, "webhookId");
  PostOrder();
  ASSERT_TRUE(WaitUntil([&] {
    json::array log = Log(id);
    return !log.empty() && Str(log[0], "outcome") == "failed";
  }));
  json::array log = Log(id);
  ASSERT_EQ(log.size(), 1u) << json::serialize(log);
  EXPECT_EQ(log[0].at("statusCode"), json::value(400));
  EXPECT_EQ(log[0].at("attempt"), json::value(1));
  EXPECT_EQ(receiver_->Got("reject").size(), 1u);
  json::object after = Hook(id);
  EXPECT_EQ(after.at("consecutiveFailures"), json::value(1));
  EXPECT_EQ(after.at("enabled"), json::value(true));
}

TEST_F(WebhooksTest, EndpointIsDisabledAfterConsecutiveFailuresAndCanBeReenabled) {
  receiver_->Script("down", {503}, /*sticky=*/true);
  json::object hook = CreateHook("down", R"(["order.created"])");
  const std::string id = Str(hook, "webhookId");
  for (int i = 0; i < kDisableAfter; ++i) PostOrder();
  ASSERT_TRUE(WaitUntil([&] { return Hook(id).at("enabled") == json::value(false); }))
      << json::serialize(Hook(id));
  json::object disabled = Hook(id);
  EXPECT_EQ(disabled.at("consecutiveFailures"), json::value(kDisableAfter));
  EXPECT_NE(Str(disabled, "disabledReason").find("consecutive"), std::string::npos)
      << json::serialize(disabled);
  // Each delivery used all 4 attempts (503 is retried), the last one final.
  ASSERT_TRUE(WaitUntil([&] { return Log(id).size() == 4u * kDisableAfter; }))
      << json::serialize(Log(id));
  int failed = 0;
  for (const auto& a : Log(id)) failed += Str(a, "outcome") == "failed" ? 1 : 0;
  EXPECT_EQ(failed, kDisableAfter);

  // A disabled endpoint cannot be redelivered to until it is enabled.
  std::string delivery = std::to_string(Log(id)[0].at("deliveryId").as_int64());
  HttpResult refused =
      api_->Post("/api/webhooks/" + id + "/deliveries/" + delivery + "/redeliver", "");
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_TRUE(IsErrorEnvelope(refused.body)) << refused.body;

  HttpResult enabled = api_->Post("/api/webhooks/" + id + "/enable", "");
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  json::value v = ParseJson(enabled.body);
  EXPECT_EQ(v.at("enabled"), json::value(true));
  EXPECT_EQ(v.at("consecutiveFailures"), json::value(0));
  EXPECT_TRUE(v.at("disabledReason").is_null());
}

TEST_F(WebhooksTest, ManualRedeliveryResendsAFailedDelivery) {
  receiver_->Script("later", {410});
  json::object hook = CreateHook("later", R"(["order.created"])");
  const std::string id = Str(hook, "webhookId");
  PostOrder();
  ASSERT_TRUE(WaitUntil([&] {
    json::array log = Log(id);
    return !log.empty() && Str(log[0], "outcome") == "failed";
  }));
  const std::string delivery = std::to_string(Log(id)[0].at("deliveryId").as_int64());
  HttpResult r = api_->Post("/api/webhooks/" + id + "/deliveries/" + delivery + "/redeliver", "");
  ASSERT_EQ(r.status, 202) << r.body;
  ASSERT_TRUE(WaitUntil([&] {
    json::array log = Log(id);
    return log.size() == 2 && Str(log[0], "outcome") == "succeeded";
  })) << json::serialize(Log(id));
  json::array log = Log(id);
  EXPECT_EQ(log[0].at("attempt"), json::value(2));
  EXPECT_EQ(log[0].at("eventId"), log[1].at("eventId"));
  auto got = receiver_->Got("later");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, got[1].body);  // the same event, signed afresh
  EXPECT_EQ(Hook(id).at("consecutiveFailures"), json::value(0));

  // Unknown deliveries are 404s with the envelope.
  HttpResult missing = api_->Post("/api/webhooks/" + id + "/deliveries/999999999/redeliver", "");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_TRUE(IsErrorEnvelope(missing.body)) << missing.body;
  EXPECT_EQ(api_->Post("/api/webhooks/" + id + "/deliveries/abc/redeliver", "").status, 404);
}

TEST_F(WebhooksTest, DeletedEndpointsGetNothingMore) {
  json::object hook = CreateHook("deleted", R"(["*"])");
  const std::string id = Str(hook, "webhookId");
  HttpResult del = api_->Send("DELETE", "/api/webhooks/" + id, "");
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_TRUE(del.body.empty());
  EXPECT_EQ(api_->Get("/api/webhooks/" + id).status, 404);
  EXPECT_EQ(api_->Get("/api/webhooks/" + id + "/deliveries").status, 404);
  EXPECT_EQ(api_->Send("DELETE", "/api/webhooks/" + id, "").status, 404);
  // A later order of the store is sent to its other endpoint only.
  json::object other = CreateHook("kept", R"(["order.created"])");
  PostOrder();
  ASSERT_TRUE(WaitUntil([&] { return !receiver_->Got("kept").empty(); }));
  EXPECT_TRUE(receiver_->Got("deleted").empty());
}

TEST_F(WebhooksTest, OtherStoresCannotSeeOrTouchAnEndpoint) {
  json::object hook = CreateHook("mine", R"(["payment.failed"])");
  const std::string id = Str(hook, "webhookId");
  std::string other_store = UniqueStoreId("WO");
  std::string other_key = CreateStore(*server_, other_store);
  ASSERT_FALSE(other_key.empty());
  StoreApi other(server_->port(), other_key, other_store);
  EXPECT_EQ(other.Get("/api/webhooks/" + id).status, 404);
  EXPECT_EQ(other.Get("/api/webhooks/" + id + "/deliveries").status, 404);
  EXPECT_EQ(other.Post("/api/webhooks/" + id + "/enable", "").status, 404);
  EXPECT_EQ(other.Post("/api/webhooks/" + id + "/deliveries/1/redeliver", "").status, 404);
  EXPECT_EQ(other.Send("DELETE", "/api/webhooks/" + id, "").status, 404);
  json::value list = ParseJson(other.Get("/api/webhooks").body);
  EXPECT_TRUE(list.at("items").as_array().empty());

  // Another store's key naming this store is refused.
  StoreApi wrong_key(server_->port(), other_key, store_);
  HttpResult refused = wrong_key.Get("/api/webhooks");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(wrong_key.Send("DELETE", "/api/webhooks/" + id, "").status, 403);
  // No credentials at all.
  StoreApi anonymous(server_->port(), "", store_);
  EXPECT_EQ(anonymous.Get("/api/webhooks").status, 401);

  // The admin token acts on the store it names.
  StoreApi admin(server_->port(), server_->admin_token(), store_);
  json::value mine = ParseJson(admin.Get("/api/webhooks").body);
  ASSERT_EQ(mine.at("items").as_array().size(), 1u);
  EXPECT_EQ(Str(mine.at("items").as_array()[0], "webhookId"), id);
  EXPECT_EQ(admin.Send("DELETE", "/api/webhooks/" + id, "").status, 204);
}

// The fan-out's subscription is filtered when the event is emitted: a store
// without endpoints gets no webhook delivery rows at all.
TEST_F(WebhooksTest, StoresWithoutEndpointsGetNoFanoutDeliveries) {
  const std::string order_id = PostOrder();
  ASSERT_TRUE(WaitUntil([&] {
    return Str(ParseJson(api_->Get("/api/order/tracking/" + order_id).body), "status") ==
           "delivered";
  }));
  json::value flows = ParseJson(api_->Get("/api/flows").body);
  ASSERT_TRUE(flows.is_object());
  bool found = false;
  for (const auto& step : flows.at("steps").as_array()) {
    const std::string name = Str(step, "name");
    if (name != "webhook-fanout" && name != "webhook-send") continue;
    found = true;
    for (const char* count : {"pending", "done", "dead"}) {
      EXPECT_EQ(step.at("counts").at(count), json::value(0)) << name << " " << count;
    }
  }
  EXPECT_TRUE(found) << "the flow does not declare the webhook steps";
}

TEST_F(WebhooksTest, BadInputIsA400EnvelopeNamingTheField) {
  const std::string url = receiver_->Url("bad");
  struct Case {
    std::string body;
    std::string code;
    std::string field;
  };
  std::string many = "[";
  for (int i = 0; i < 21; ++i) many += std::string(i ? "," : "") + "\"order.created\"";
  many += "]";
  const std::vector<Case> cases = {
      {"{", "invalid_json", ""},
      {"[]", "validation_failed", ""},
      {R"({"topics":["*"]})", "validation_failed", "url"},
      {R"({"url":42,"topics":["*"]})", "validation_failed", "url"},
      {R"({"url":"ftp://example.com/x","topics":["*"]})", "validation_failed", "url"},
      {R"({"url":"not a url","topics":["*"]})", "validation_failed", "url"},
      {R"({"url":"http://user:pw@example.com/","topics":["*"]})", "validation_failed", "url"},
      {R"({"url":"http://example.com/)" + std::string(2100, 'a') + R"(","topics":["*"]})",
       "validation_failed", "url"},
      {R"({"url":")" + url + R"("})", "validation_failed", "topics"},
      {R"({"url":")" + url + R"(","topics":"order.*"})", "validation_failed", "topics"},
      {R"({"url":")" + url + R"(","topics":[]})", "validation_failed", "topics"},
      {R"({"url":")" + url + R"(","topics":)" + many + "}", "validation_failed", "topics"},
      {R"({"url":")" + url + R"(","topics":["order.exploded"]})", "validation_failed", "topics[0]"},
      {R"({"url":")" + url + R"(","topics":["order.*","nope.*"]})", "validation_failed",
       "topics[1]"},
      {R"({"url":")" + url + R"(","topics":["order.*",7]})", "validation_failed", "topics[1]"},
      {R"({"url":")" + url + R"(","topics":["webhook.send"]})", "validation_failed", "topics[0]"},
      {R"({"url":")" + url + R"(","topics":["delivery.ship_due"]})", "validation_failed",
       "topics[0]"},
      {R"({"url":")" + url + R"(","topics":["*"],"description":5})", "validation_failed",
       "description"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    HttpResult r = api_->Post("/api/webhooks", c.body);
    EXPECT_EQ(r.status, 400) << r.body;
    std::string why;
    EXPECT_TRUE(IsErrorEnvelope(r.body, &why)) << why << ": " << r.body;
    EXPECT_EQ(ErrorCodeOf(r.body), c.code) << r.body;
    EXPECT_EQ(ErrorFieldOf(r.body), c.field) << r.body;
  }
  json::value list = ParseJson(api_->Get("/api/webhooks").body);
  EXPECT_TRUE(list.at("items").as_array().empty()) << "a refused endpoint was stored";

  EXPECT_EQ(api_->Get("/api/webhooks/wh_doesnotexist").status, 404);
  EXPECT_EQ(api_->Get("/api/webhooks/..%2Fetc").status, 404);
  json::object hook = CreateHook("bad", R"(["inventory.*","delivery.*"])");
  HttpResult paging = api_->Get("/api/webhooks/" + Str(hook, "webhookId") + "/deliveries?limit=0");
  EXPECT_EQ(paging.status, 400) << paging.body;
  EXPECT_TRUE(IsErrorEnvelope(paging.body)) << paging.body;
}

}  // namespace
}  // namespace orderflow::testing
