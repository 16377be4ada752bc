// The outbound address policy end to end (issue 12): webhook URLs that
// point at loopback, private, link-local, metadata or otherwise internal
// addresses, in every spelling, are refused at registration with a reason;
// --allow-private-egress opens chosen ranges; a name that resolves to a
// blocked address after registration is refused when connecting; IPv6
// literals work and the Host header carries the port; an endpoint disabled
// after repeated failures raises an alert.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"
#include "support/webhook_receiver.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::vector<std::string> kAllowLoopback = {"--allow-private-egress", "127.0.0.0/8,::1/128"};

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

struct Tenant {
  std::string store_id;
  std::unique_ptr<StoreApi> api;
};

Tenant NewTenant(ServerProcess& server, const std::string& prefix) {
  Tenant t;
  t.store_id = UniqueStoreId(prefix);
  std::string key = CreateStore(server, t.store_id);
  t.api = std::make_unique<StoreApi>(server.port(), key, t.store_id);
  EXPECT_EQ(t.api->Post("/api/products", R"({"productName":"Mug","price":7,"stock":1000})").status,
            201);
  return t;
}

HttpResult Register(StoreApi& api, const std::string& url, const std::string& topics = "[\"*\"]") {
  return api.Post("/api/webhooks", R"({"url":")" + url + R"(","topics":)" + topics + "}");
}

json::array Log(StoreApi& api, const std::string& webhook_id) {
  json::value v = ParseJson(api.Get("/api/webhooks/" + webhook_id + "/deliveries").body);
  return v.is_object() && v.at("items").is_array() ? v.at("items").as_array() : json::array();
}

std::string Message(const std::string& body) {
  json::value v = ParseJson(body);
  if (!v.is_object() || !v.as_object().contains("error")) return "";
  return Str(v.at("error"), "message");
}

// A server without --allow-private-egress refuses every one of these at
// registration, and stores none of them.
TEST(EgressPolicyTest, InternalWebhookUrlsAreRefusedAtRegistration) {
  ServerProcess server;
  Tenant t = NewTenant(server, "SSRF");
  const std::string own = std::to_string(server.port());
  const std::string loopback = "a loopback address";
  struct Case {
    std::string url;
    std::string reason;  // part of the message
  };
  const std::vector<Case> cases = {
      {"http://127.0.0.1:" + own + "/api/stores",
       "resolves to 127.0.0.1, a loopback address; "
       "outbound calls to private networks are not "
       "allowed"},
      {"http://localhost:" + own + "/api/stores", "localhost resolves to 127.0.0.1, " + loopback},
      {"http://2130706433/", "resolves to 127.0.0.1, " + loopback},
      {"http://0x7f000001/", "resolves to 127.0.0.1, " + loopback},
      {"http://127.1/", "resolves to 127.0.0.1, " + loopback},
      {"http://0177.0.0.1/", "resolves to 127.0.0.1, " + loopback},
      {"http://017700000001/", "resolves to 127.0.0.1, " + loopback},
      {"http://%31%32%37.0.0.1/", "resolves to 127.0.0.1, " + loopback},
      {"https://127.0.0.1/hook", "resolves to 127.0.0.1, " + loopback},
      {"http://0.0.0.0:" + own + "/", "an unspecified address"},
      {"http://0/", "an unspecified address"},
      {"http://169.254.169.254/latest/meta-data/", "a cloud metadata address"},
      {"http://10.0.0.1:6379/", "10.0.0.1, a private address"},
      {"http://172.16.0.1/", "a private address"},
      {"http://192.168.1.1/", "a private address"},
      {"http://100.64.0.1/", "a shared (carrier-grade NAT) address"},
      {"http://169.254.1.1/", "a link-local address"},
      {"http://224.0.0.1/", "a multicast address"},
      {"http://255.255.255.255/", "a broadcast address"},
      {"http://240.0.0.1/", "a reserved address"},
      {"http://[::1]:" + own + "/", "::1, " + loopback},
      {"http://[::]/", "an unspecified address"},
      {"http://[::ffff:127.0.0.1]/", loopback},
      {"http://[::ffff:a9fe:a9fe]/", "a cloud metadata address"},
      {"http://[64:ff9b::7f00:1]/", loopback},
      {"http://[2002:7f00:1::]/", loopback},
      {"http://[fe80::1]/", "a link-local address"},
      {"http://[fc00::1]/", "a private address"},
      {"http://[fd00:ec2::254]/", "a cloud metadata address"},
      {"http://[ff02::1]/", "a multicast address"},
      {"http://metadata.google.internal/computeMetadata/v1/",
       "cannot resolve host metadata.google.internal"},
      {"http://no-such-host.invalid/", "cannot resolve host no-such-host.invalid"},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    HttpResult r = Register(*t.api, c.url);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(ErrorCodeOf(r.body), "validation_failed") << r.body;
    EXPECT_EQ(ErrorFieldOf(r.body), "url") << r.body;
    EXPECT_NE(Message(r.body).find(c.reason), std::string::npos) << r.body;
  }
  json::value list = ParseJson(t.api->Get("/api/webhooks").body);
  EXPECT_TRUE(list.at("items").as_array().empty()) << "a refused endpoint was stored";
  // A public address is accepted (never contacted here: nothing is sent
  // until an event of a subscribed topic happens).
  HttpResult ok = Register(*t.api, "http://93.184.215.14/hook", R"(["payment.refunded"])");
  EXPECT_EQ(ok.status, 201) << ok.body;
}

// --allow-private-egress opens chosen ranges: a loopback receiver, reached
// by IPv4 and by IPv6 literal, gets the deliveries, with Host naming the
// port (and brackets for IPv6).
TEST(EgressPolicyTest, AllowedPrivateRangesGetDeliveriesWithHostAndPort) {
  WebhookReceiver v4("127.0.0.1");
  std::unique_ptr<WebhookReceiver> v6;
  try {
    v6 = std::make_unique<WebhookReceiver>("::1");
  } catch (const std::exception& e) {
    std::printf("no IPv6 loopback here (%s): testing IPv4 only\n", e.what());
  }
  ServerProcess server({.extra_args = kAllowLoopback});
  Tenant t = NewTenant(server, "ALLOW");
  ASSERT_EQ(Register(*t.api, v4.Url("four"), R"(["order.created"])").status, 201);
  if (v6) {
    HttpResult r = Register(*t.api, v6->Url("six"), R"(["order.created"])");
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // 10.0.0.0/8 stays closed.
  EXPECT_EQ(Register(*t.api, "http://10.0.0.1/").status, 400);
  ASSERT_EQ(t.api->PostOrder("Ada", "Mug").status, 201);
  ASSERT_TRUE(v4.WaitForRequests(1, 30s));
  EXPECT_EQ(v4.Got()[0].host, "127.0.0.1:" + std::to_string(v4.port()));
  if (v6) {
    ASSERT_TRUE(v6->WaitForRequests(1, 30s));
    EXPECT_EQ(v6->Got()[0].host, "[::1]:" + std::to_string(v6->port()));
  }
}

// An endpoint accepted while its name resolved to an allowed address, then
// served by a server whose policy blocks that address (as after DNS
// rebinding): the sender refuses at connect time, and nothing arrives.
TEST(EgressPolicyTest, ANameThatResolvesToABlockedAddressLaterIsRefusedAtConnectTime) {
  WebhookReceiver receiver;
  ServerProcess::Options first_options{.extra_args = kAllowLoopback};
  auto first = std::make_unique<ServerProcess>(first_options);
  std::string store_id = UniqueStoreId("REBIND");
  std::string key = CreateStore(*first, store_id);
  ASSERT_FALSE(key.empty());
  const std::string url =
      "http://localhost:" + std::to_string(receiver.port()) + "/api/hook/rebound";
  StoreApi first_api(first->port(), key, store_id);
  HttpResult created = Register(first_api, url, R"(["order.created"])");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string webhook_id = Str(ParseJson(created.body), "webhookId");
  ASSERT_EQ(first->Terminate(), 0);

  ServerProcess::Options second_options;
  if (ServerProcess::OnPostgres()) {
    second_options.db_url = first->db_arg();
  } else {
    second_options.db_path = first->db_path();
  }
  ServerProcess second(second_options);
  StoreApi api(second.port(), key, store_id);
  ASSERT_EQ(api.Post("/api/products", R"({"productName":"Mug","price":7,"stock":10})").status, 201);
  ASSERT_EQ(api.PostOrder("Ada", "Mug").status, 201);
  ASSERT_TRUE(WaitUntil([&] { return !Log(api, webhook_id).empty(); })) << "no attempt logged";
  json::value attempt = Log(api, webhook_id)[0];
  EXPECT_EQ(Str(attempt, "outcome"), "failed") << json::serialize(attempt);
  EXPECT_NE(Str(attempt, "error").find("localhost resolves to 127.0.0.1, a loopback address"),
            std::string::npos)
      << json::serialize(attempt);
  EXPECT_TRUE(receiver.Got().empty()) << "the refused request reached the receiver";
}

// Auto-disable raises an alert naming the endpoint and the reason.
TEST(EgressPolicyTest, AutoDisabledEndpointRaisesAnAlert) {
  WebhookReceiver receiver;
  std::vector<std::string> args = kAllowLoopback;
  for (const char* a : {"--webhook-disable-after", "2", "--webhook-attempts", "1"}) {
    args.push_back(a);
  }
  ServerProcess server({.extra_args = args});
  Tenant t = NewTenant(server, "DISABLE");
  // A path the receiver does not route answers 404: a final failure.
  const std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/api/nothing";
  HttpResult created = Register(*t.api, url, R"(["order.created"])");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = Str(ParseJson(created.body), "webhookId");
  ASSERT_EQ(t.api->PostOrder("Ada", "Mug").status, 201);
  ASSERT_EQ(t.api->PostOrder("Bob", "Mug").status, 201);
  ASSERT_TRUE(WaitUntil([&] {
    return ParseJson(t.api->Get("/api/webhooks/" + id).body).at("enabled") == json::value(false);
  }));
  json::value alert;
  ASSERT_TRUE(WaitUntil([&] {
    json::value v = ParseJson(t.api->Get("/api/alerts").body);
    if (!v.is_object()) return false;
    for (const auto& a : v.at("alerts").as_array()) {
      if (Str(a, "title") == "Webhook Endpoint Disabled") {
        alert = a;
        return true;
      }
    }
    return false;
  })) << t.api->Get("/api/alerts").body;
  const std::string message = Str(alert, "message");
  EXPECT_EQ(Str(alert, "type"), "error");
  EXPECT_NE(message.find(url), std::string::npos) << message;
  EXPECT_NE(message.find("2 consecutive failed deliveries"), std::string::npos) << message;
  EXPECT_NE(message.find("endpoint answered 404"), std::string::npos) << message;
  // Exactly one alert for the one disabling.
  int count = 0;
  const json::value alerts = ParseJson(t.api->Get("/api/alerts").body);
  for (const auto& a : alerts.at("alerts").as_array()) {
    count += Str(a, "title") == "Webhook Endpoint Disabled" ? 1 : 0;
  }
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace orderflow::testing
