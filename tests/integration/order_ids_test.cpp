// Order ids are unique per store, not globally (issue 12): another store's
// orderId is no conflict (a 409 would say that the id exists), and each
// store's order flows and reads independently.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/ids.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class OrderIdsTest : public SharedServerTest<OrderIdsTest> {
 protected:
  std::unique_ptr<StoreApi> NewStore(const std::string& prefix) {
    std::string store = UniqueStoreId(prefix);
    std::string key = CreateStore(*server_, store);
    EXPECT_FALSE(key.empty());
    auto api = std::make_unique<StoreApi>(server_->port(), key, store);
    EXPECT_EQ(api->Post("/api/products", R"({"productName":"Mug","price":7,"stock":100})").status,
              201);
    return api;
  }
  static HttpResult Order(StoreApi& api, const std::string& order_id, const std::string& customer,
                          int quantity) {
    return api.Post("/api/order", R"({"orderId":")" + order_id + R"(","customerName":")" +
                                      customer + R"(","items":[{"productName":"Mug","quantity":)" +
                                      std::to_string(quantity) + "}]}");
  }
};

TEST_F(OrderIdsTest, TwoStoresHoldTheSameOrderIdIndependently) {
  auto xp = NewStore("OIX");
  auto yp = NewStore("OIY");
  auto zp = NewStore("OIZ");
  StoreApi& x = *xp;
  StoreApi& y = *yp;
  StoreApi& z = *zp;
  // Order ids are UUIDs; both stores use this one.
  const std::string id = NewUuid();
  HttpResult first = Order(x, id, "Ada", 1);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult second = Order(y, id, "Grace", 3);
  ASSERT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(Str(ParseJson(second.body), "orderId"), id);
  // Within one store the id is still taken.
  EXPECT_EQ(Order(x, id, "Ada", 2).status, 409);

  for (StoreApi* api : {&x, &y}) {
    ASSERT_TRUE(WaitUntil([&] {
      return Str(ParseJson(api->Get("/api/orders/" + id).body), "status") == "delivered";
    })) << api->store_id()
        << ": " << api->Get("/api/orders/" + id).body;
  }
  json::value ox = ParseJson(x.Get("/api/orders/" + id).body);
  json::value oy = ParseJson(y.Get("/api/orders/" + id).body);
  EXPECT_EQ(Str(ox, "customerName"), "Ada");
  EXPECT_EQ(Str(oy, "customerName"), "Grace");
  EXPECT_EQ(Str(ox, "storeId"), x.store_id());
  EXPECT_EQ(Str(oy, "storeId"), y.store_id());
  EXPECT_EQ(ox.at("totalCents").as_int64(), 700);
  EXPECT_EQ(oy.at("totalCents").as_int64(), 2100);
  // Each history is the order's own flow, once: one entry per step, no
  // entries of the other store's order.
  const json::array& hx = ox.at("history").as_array();
  const json::array& hy = oy.at("history").as_array();
  EXPECT_EQ(hx.size(), hy.size()) << json::serialize(hx) << "\n" << json::serialize(hy);
  int delivered = 0;
  for (const auto& h : hx) delivered += Str(h, "status") == "DELIVERED" ? 1 : 0;
  EXPECT_LE(delivered, 1) << json::serialize(hx);

  // The trace holds only the store's own events.
  for (StoreApi* api : {&x, &y}) {
    json::value trace = ParseJson(api->Get("/api/orders/" + id + "/trace").body);
    ASSERT_TRUE(trace.is_object());
    int created = 0;
    for (const auto& e : trace.at("events").as_array()) {
      created += Str(e, "topic") == "order.created" ? 1 : 0;
    }
    EXPECT_EQ(created, 1) << json::serialize(trace);
  }
  // Stock moved in each store by its own order only.
  for (auto [api, left] : {std::pair{&x, 99}, std::pair{&y, 97}}) {
    json::value products = ParseJson(api->Get("/api/products").body);
    json::value items = products.is_object() && products.get_object().contains("items")
                            ? products.at("items")
                            : products;
    ASSERT_TRUE(items.is_array()) << json::serialize(products);
    EXPECT_EQ(items.as_array()[0].at("stock").as_int64(), left) << json::serialize(items);
  }

  // A store without that id: 404, as for any unknown id.
  HttpResult other = z.Get("/api/orders/" + id);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(z.Get("/api/orders/" + id + "/trace").status, 404);
  EXPECT_EQ(z.Post("/api/orders/" + id + "/cancel", "{}").status, 404);
}

}  // namespace
}  // namespace orderflow::testing
