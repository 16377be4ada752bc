// Health, alerts and HTTP basics of the real binary (SPEC §7).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

class ApiTest : public SharedServerTest<ApiTest> {
 protected:
};

TEST_F(ApiTest, HealthAndReadiness) {
  HttpClient client(server_->port());
  HttpResult health = client.Get("/healthz");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(Str(ParseJson(health.body), "status"), "ok");
  HttpResult ready = client.Get("/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(Str(ParseJson(ready.body), "status"), "ready");
  EXPECT_EQ(Str(ParseJson(ready.body), "database"),
            ServerProcess::OnPostgres() ? "postgresql" : "sqlite");
  HttpResult head = client.Request("HEAD", "/healthz");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST_F(ApiTest, ConnectionsAreKeptAlive) {
  HttpClient client(server_->port());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.Get("/healthz").status, 200);
  EXPECT_EQ(client.connect_count(), 1);
}

TEST_F(ApiTest, ResponsesCarryARequestId) {
  HttpClient client(server_->port());
  HttpResult r = client.Get("/healthz");
  EXPECT_FALSE(r.headers["x-request-id"].empty());
  HttpResult echoed = client.Get("/healthz", {{"X-Request-Id", "trace-abc-123"}});
  EXPECT_EQ(echoed.headers["x-request-id"], "trace-abc-123");
}

TEST_F(ApiTest, JsonWithCharsetIsAccepted) {
  std::string store = UniqueStoreId("H");
  ASSERT_FALSE(CreateStore(*server_, store).empty());
  StoreApi api(server_->port(), server_->admin_token(), store);
  ASSERT_EQ(api.Post("/api/products", R"({"productName":"Mug","price":7,"stock":9})").status, 201);
  HttpResult r =
      api.Post("/api/order", R"({"customerName":"C","items":[{"productName":"Mug","quantity":1}]})",
               {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(r.status, 201) << r.body;
  // A trailing slash addresses the same resource.
  EXPECT_EQ(api.Get("/api/orders/").status, 200);
}

TEST_F(ApiTest, AlertsListAndMarkRead) {
  std::string store = UniqueStoreId("H");
  ASSERT_FALSE(CreateStore(*server_, store).empty());
  StoreApi api(server_->port(), server_->admin_token(), store);

  HttpResult list = api.Get("/api/alerts");
  ASSERT_EQ(list.status, 200) << list.body;
  json::value v = ParseJson(list.body);
  ASSERT_TRUE(v.is_object()) << list.body;
  ASSERT_TRUE(v.at("alerts").is_array());
  EXPECT_TRUE(v.get_object().contains("nextCursor"));
  for (const auto& a : v.at("alerts").as_array()) {
    for (const char* key : {"notificationId", "id", "type", "title", "message", "orderId", "read",
                            "timestamp", "createdAt"}) {
      EXPECT_TRUE(a.as_object().contains(key)) << key << " in " << json::serialize(a);
    }
    EXPECT_TRUE(a.at("timestamp").is_int64());
  }
  EXPECT_EQ(api.Get("/api/alerts?unread=true&limit=5").status, 200);

  HttpResult all = api.Post("/api/alerts/read-all", "");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(ParseJson(all.body).at("success"), json::value(true));
  HttpResult unread = api.Get("/api/alerts?unread=true");
  ASSERT_EQ(unread.status, 200);
  EXPECT_TRUE(ParseJson(unread.body).at("alerts").as_array().empty()) << unread.body;
  EXPECT_EQ(ParseJson(api.Get("/api/dashboard/stats").body).at("activeAlerts").as_int64(), 0);

  HttpResult missing = api.Post("/api/alerts/00000000-0000-4000-8000-000000000000/read", "");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_EQ(ErrorCodeOf(missing.body), "not_found") << missing.body;
}

// The alert of an order, once the flow has written it (polls for up to
// 10 s); a JSON null if none appeared.
json::value AlertOf(StoreApi& api, const std::string& order_id, const std::string& title) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    HttpResult r = api.Get("/api/alerts?limit=500");
    if (r.status != 200) return nullptr;
    json::value v = ParseJson(r.body);
    for (const auto& a : v.at("alerts").as_array()) {
      if (Str(a, "orderId") == order_id && Str(a, "title") == title) return a;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (std::chrono::steady_clock::now() < deadline);
  return nullptr;
}

TEST_F(ApiTest, AlertsFollowOrdersAndStayInTheirStore) {
  std::string store = UniqueStoreId("H");
  std::string other = UniqueStoreId("H");
  ASSERT_FALSE(CreateStore(*server_, store).empty());
  ASSERT_FALSE(CreateStore(*server_, other).empty());
  StoreApi api(server_->port(), server_->admin_token(), store);
  StoreApi intruder(server_->port(), server_->admin_token(), other);
  ASSERT_EQ(api.Post("/api/products", R"({"productName":"Mug","price":7,"stock":100})").status,
            201);
  HttpResult order = api.PostOrder("Alerted", "Mug", 1);
  ASSERT_EQ(order.status, 201) << order.body;
  std::string order_id = Str(ParseJson(order.body), "orderId");

  // The delivery alert is the flow's last word on the order; after it the
  // counts stand still.
  ASSERT_TRUE(AlertOf(api, order_id, "Order Delivered").is_object())
      << "no 'Order Delivered' alert for " << order_id;
  json::value alert = AlertOf(api, order_id, "New Order Created");
  ASSERT_TRUE(alert.is_object()) << "no 'New Order Created' alert for " << order_id;
  EXPECT_EQ(Str(alert, "type"), "info");
  EXPECT_EQ(alert.at("read"), json::value(false));
  std::string id = Str(alert, "notificationId");
  EXPECT_EQ(Str(alert, "id"), id);

  // Another store can neither see nor mark it.
  HttpResult theirs = intruder.Get("/api/alerts?limit=500");
  ASSERT_EQ(theirs.status, 200);
  EXPECT_EQ(theirs.body.find(id), std::string::npos);
  HttpResult cross = intruder.Post("/api/alerts/" + id + "/read", "");
  EXPECT_EQ(cross.status, 404) << cross.body;
  EXPECT_EQ(ErrorCodeOf(cross.body), "not_found");

  HttpResult before = api.Get("/api/alerts?unread=true&limit=500");
  ASSERT_NE(before.body.find(id), std::string::npos) << "still unread after the other store's try";
  std::int64_t active =
      ParseJson(api.Get("/api/dashboard/stats").body).at("activeAlerts").as_int64();
  EXPECT_GE(active, 1);

  HttpResult read = api.Post("/api/alerts/" + id + "/read", "");
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(api.Post("/api/alerts/" + id + "/read", "").status, 200) << "marking twice";
  HttpResult unread = api.Get("/api/alerts?unread=true&limit=500");
  EXPECT_EQ(unread.body.find(id), std::string::npos) << unread.body;
  EXPECT_EQ(ParseJson(api.Get("/api/dashboard/stats").body).at("activeAlerts").as_int64(),
            active - 1);
}

TEST_F(ApiTest, ErrorsForUnknownRoutesAndMethods) {
  HttpClient client(server_->port());
  HttpResult nf = client.Get("/api/does-not-exist");
  EXPECT_EQ(nf.status, 404);
  EXPECT_TRUE(IsErrorEnvelope(nf.body)) << nf.body;
  HttpResult wrong = client.Request("DELETE", "/api/orders");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_TRUE(IsErrorEnvelope(wrong.body)) << wrong.body;
  EXPECT_NE(wrong.headers["allow"].find("GET"), std::string::npos) << wrong.headers["allow"];
}

}  // namespace
}  // namespace orderflow::testing
