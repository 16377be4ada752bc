// POST /api/order against the real binary: pricing from the catalogue,
// replays by orderId and Idempotency-Key, and the 409/422 refusals (SPEC §7).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

const std::regex kIsoTime(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
const std::regex kUuid(R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

// One server for the suite; every test gets a fresh store with its own
// catalogue, so counts start at zero.
class IntakeTest : public SharedServerTest<IntakeTest> {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = UniqueStoreId("I");
    ASSERT_FALSE(CreateStore(*server_, store_).empty());
    api_ = std::make_unique<StoreApi>(server_->port(), server_->admin_token(), store_);
    AddProduct(R"({"productName":"Widget","sku":"WID-1","price":12.5,"stock":100})");
    AddProduct(R"({"productName":"Gadget","sku":"GAD-1","price":99,"stock":3})");
  }

  void AddProduct(const std::string& body) {
    HttpResult r = api_->Post("/api/products", body);
    ASSERT_EQ(r.status, 201) << r.body;
  }

  // {customerName, items:[{productName: Widget, quantity}]} plus `extra`
  // members (",\"orderId\":...").
  static std::string WidgetOrder(int quantity, const std::string& extra = "") {
    return R"({"customerName":"Alice","items":[{"productName":"Widget","quantity":)" +
           std::to_string(quantity) + "}]" + extra + "}";
  }

  std::string store_;
  std::unique_ptr<StoreApi> api_;
};

TEST_F(IntakeTest, CreatesPendingOrderPricedFromTheCatalogue) {
  HttpResult r = api_->Post("/api/order", R"({
      "customerName": "Alice Example",
      "customerEmail": "alice@example.com",
      "items": [{"productName": "Widget", "quantity": 2}, {"sku": "GAD-1", "quantity": 1}],
      "unknownField": {"ignored": true}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(r.headers["content-type"].find("application/json"), std::string::npos);
  json::value order = ParseJson(r.body);
  ASSERT_TRUE(order.is_object()) << r.body;
  EXPECT_EQ(Str(order, "status"), "pending");
  EXPECT_TRUE(std::regex_match(Str(order, "orderId"), kUuid)) << Str(order, "orderId");
  EXPECT_EQ(Str(order, "storeId"), store_);
  EXPECT_EQ(Str(order, "customerName"), "Alice Example");
  EXPECT_EQ(Str(order, "customerEmail"), "alice@example.com");
  EXPECT_EQ(Str(order, "currency"), "USD");
  EXPECT_TRUE(std::regex_match(Str(order, "createdAt"), kIsoTime)) << Str(order, "createdAt");
  EXPECT_EQ(order.at("totalCents").as_int64(), 12400);
  // Money is printed with two decimals, as the original API did.
  EXPECT_NE(r.body.find(R"("totalAmount":124.00)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("unitPrice":12.50)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("lineTotal":25.00)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("unitPrice":99.00)"), std::string::npos) << r.body;

  const json::array& items = order.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(Str(items[0], "productName"), "Widget");
  EXPECT_EQ(Str(items[0], "sku"), "WID-1");
  EXPECT_EQ(items[0].at("quantity").as_int64(), 2);
  EXPECT_DOUBLE_EQ(items[0].at("unitPrice").to_number<double>(), 12.5);
  EXPECT_DOUBLE_EQ(items[0].at("lineTotal").to_number<double>(), 25.0);
  // The line asked for by SKU is resolved to the catalogue product.
  EXPECT_EQ(Str(items[1], "productName"), "Gadget");
  EXPECT_EQ(Str(items[1], "sku"), "GAD-1");
  EXPECT_DOUBLE_EQ(items[1].at("lineTotal").to_number<double>(), 99.0);

  const json::array& history = order.at("history").as_array();
  ASSERT_EQ(history.size(), 1u) << r.body;
  EXPECT_EQ(Str(history[0], "status"), "ORDER_CREATED");
  EXPECT_TRUE(std::regex_match(Str(history[0], "timestamp"), kIsoTime));
  EXPECT_TRUE(history[0].at("detail").is_string());
  EXPECT_EQ(api_->OrderCount(), 1);
}

TEST_F(IntakeTest, GeneratesDistinctOrderIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    HttpResult r = api_->Post("/api/order", WidgetOrder(1));
    ASSERT_EQ(r.status, 201) << r.body;
    ids.insert(Str(ParseJson(r.body), "orderId"));
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(api_->OrderCount(), 5);
}

TEST_F(IntakeTest, TrackingHasTheSeedShape) {
  HttpResult created = api_->Post("/api/order", WidgetOrder(1));
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = Str(ParseJson(created.body), "orderId");

  HttpResult r = api_->Get("/api/order/tracking/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value t = ParseJson(r.body);
  ASSERT_TRUE(t.is_object()) << r.body;
  for (const auto& member : t.get_object()) {
    static const std::set<std::string> kAllowed = {"orderId", "status", "trackingNumber", "carrier",
                                                   "history"};
    EXPECT_TRUE(kAllowed.count(std::string(member.key()))) << "unexpected key " << member.key();
  }
  EXPECT_EQ(Str(t, "orderId"), id);
  EXPECT_TRUE(t.at("status").is_string());
  if (t.get_object().contains("trackingNumber")) {
    EXPECT_TRUE(t.at("trackingNumber").is_string());
  }
  const json::array& history = t.at("history").as_array();
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(Str(history[0], "status"), "ORDER_CREATED");
  for (const auto& h : history) {
    EXPECT_TRUE(std::regex_match(Str(h, "timestamp"), kIsoTime)) << json::serialize(h);
    EXPECT_TRUE(h.at("detail").is_string());
  }

  HttpResult missing = api_->Get("/api/order/tracking/00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing.body), "not_found") << missing.body;
}

TEST_F(IntakeTest, GetOrderByIdReturnsTheStoredOrder) {
  HttpResult created =
      api_->Post("/api/order", R"({"customerName":"Bob","items":[{"sku":"WID-1","quantity":3}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  json::value c = ParseJson(created.body);
  std::string id = Str(c, "orderId");

  HttpResult r = api_->Get("/api/orders/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  json::value o = ParseJson(r.body);
  EXPECT_EQ(Str(o, "orderId"), id);
  EXPECT_EQ(Str(o, "customerName"), "Bob");
  EXPECT_EQ(Str(o, "createdAt"), Str(c, "createdAt"));
  EXPECT_EQ(o.at("totalCents").as_int64(), 3750);
  EXPECT_NE(r.body.find(R"("totalAmount":37.50)"), std::string::npos) << r.body;
  ASSERT_EQ(o.at("items").as_array().size(), 1u);
  EXPECT_EQ(Str(o.at("items").at(0), "productName"), "Widget");
  EXPECT_EQ(Str(o.at("history").at(0), "status"), "ORDER_CREATED");

  // Order ids are case-insensitive UUIDs.
  std::string upper = id;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(api_->Get("/api/orders/" + upper).status, 200);

  for (const char* bad : {"/api/orders/00000000-0000-4000-8000-000000000000",
                          "/api/orders/not-a-uuid", "/api/orders/%27%20OR%201%3D1--"}) {
    HttpResult nf = api_->Get(bad);
    EXPECT_EQ(nf.status, 404) << bad;
    EXPECT_EQ(ErrorCodeOf(nf.body), "not_found") << bad << ": " << nf.body;
  }
}

TEST_F(IntakeTest, ReplayOfTheSameOrderIdAndBodyReturnsTheExistingOrder) {
  const std::string id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
  HttpResult first = api_->Post("/api/order", WidgetOrder(2, R"(,"orderId":")" + id + "\""));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(Str(ParseJson(first.body), "orderId"), id);

  HttpResult again = api_->Post("/api/order", WidgetOrder(2, R"(,"orderId":")" + id + "\""));
  ASSERT_EQ(again.status, 200) << again.body;
  json::value a = ParseJson(again.body);
  EXPECT_EQ(Str(a, "orderId"), id);
  EXPECT_EQ(Str(a, "createdAt"), Str(ParseJson(first.body), "createdAt"));
  EXPECT_EQ(a.at("totalCents").as_int64(), 2500);

  // Key order and whitespace do not make a different request.
  HttpResult reordered = api_->Post(
      "/api/order",
      R"({ "orderId" : ")" + id +
          R"(", "items":[{"quantity":2,"productName":"Widget"}], "customerName":"Alice"})");
  EXPECT_EQ(reordered.status, 200) << reordered.body;
  EXPECT_EQ(api_->OrderCount(), 1);
}

TEST_F(IntakeTest, SameOrderIdWithADifferentBodyIsAConflict) {
  const std::string id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
  ASSERT_EQ(api_->Post("/api/order", WidgetOrder(1, R"(,"orderId":")" + id + "\"")).status, 201);
  HttpResult r = api_->Post("/api/order", WidgetOrder(5, R"(,"orderId":")" + id + "\""));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCodeOf(r.body), "conflict") << r.body;
  EXPECT_EQ(ErrorFieldOf(r.body), "orderId");
  EXPECT_EQ(api_->OrderCount(), 1);
  // The stored order is untouched.
  json::value stored = ParseJson(api_->Get("/api/orders/" + id).body);
  EXPECT_EQ(stored.at("items").at(0).at("quantity").as_int64(), 1);
}

TEST_F(IntakeTest, IdempotencyKeyReplaysTheFirstResponse) {
  HttpClient::Headers key = {{"Idempotency-Key", "checkout-42"}};
  HttpResult first = api_->Post("/api/order", WidgetOrder(1), key);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult second = api_->Post("/api/order", WidgetOrder(1), key);
  EXPECT_EQ(second.status, 201) << second.body;
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(api_->OrderCount(), 1);

  // Another key is another order.
  HttpResult other = api_->Post("/api/order", WidgetOrder(1), {{"Idempotency-Key", "checkout-43"}});
  EXPECT_EQ(other.status, 201);
  EXPECT_NE(Str(ParseJson(other.body), "orderId"), Str(ParseJson(first.body), "orderId"));
  EXPECT_EQ(api_->OrderCount(), 2);
}

TEST_F(IntakeTest, IdempotencyKeyWithADifferentBodyIsAConflict) {
  HttpClient::Headers key = {{"Idempotency-Key", "reused-key"}};
  ASSERT_EQ(api_->Post("/api/order", WidgetOrder(1), key).status, 201);
  HttpResult r = api_->Post("/api/order", WidgetOrder(2), key);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCodeOf(r.body), "conflict") << r.body;
  EXPECT_EQ(api_->OrderCount(), 1);
}

TEST_F(IntakeTest, TotalAmountMustMatchTheCatalogue) {
  HttpResult wrong = api_->Post("/api/order", WidgetOrder(2, R"(,"totalAmount":24.99)"));
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  EXPECT_EQ(ErrorCodeOf(wrong.body), "total_mismatch") << wrong.body;
  EXPECT_EQ(ErrorFieldOf(wrong.body), "totalAmount");
  EXPECT_EQ(api_->OrderCount(), 0);

  // 25, 25.0 and 25.00 are the same amount.
  EXPECT_EQ(api_->Post("/api/order", WidgetOrder(2, R"(,"totalAmount":25)")).status, 201);
  EXPECT_EQ(api_->Post("/api/order", WidgetOrder(2, R"(,"totalAmount":25.00)")).status, 201);
  EXPECT_EQ(api_->OrderCount(), 2);
}

TEST_F(IntakeTest, UnknownProductIsRefusedWithTheField) {
  HttpResult by_name = api_->Post(
      "/api/order", R"({"customerName":"A","items":[{"productName":"Nope","quantity":1}]})");
  EXPECT_EQ(by_name.status, 422) << by_name.body;
  EXPECT_EQ(ErrorCodeOf(by_name.body), "unknown_product") << by_name.body;
  EXPECT_EQ(ErrorFieldOf(by_name.body), "items[0].productName");

  HttpResult by_sku =
      api_->Post("/api/order",
                 R"({"customerName":"A","items":[{"productName":"Widget","quantity":1},
                                   {"sku":"NOPE-1","quantity":1}]})");
  EXPECT_EQ(by_sku.status, 422) << by_sku.body;
  EXPECT_EQ(ErrorCodeOf(by_sku.body), "unknown_product") << by_sku.body;
  EXPECT_EQ(ErrorFieldOf(by_sku.body), "items[1].sku");

  // Another store's product is unknown here.
  HttpResult demo = api_->Post(
      "/api/order",
      R"({"customerName":"A","items":[{"productName":"Motia Smartwatch V2","quantity":1}]})");
  EXPECT_EQ(demo.status, 422) << demo.body;
  EXPECT_EQ(api_->OrderCount(), 0);
}

TEST_F(IntakeTest, QuantityAboveStockIsInsufficientStock) {
  HttpResult r = api_->Post(
      "/api/order", R"({"customerName":"A","items":[{"productName":"Gadget","quantity":4}]})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCodeOf(r.body), "insufficient_stock") << r.body;

  // Lines of the same product add up.
  HttpResult split = api_->Post("/api/order", R"({"customerName":"A","items":[
      {"productName":"Gadget","quantity":2},{"sku":"GAD-1","quantity":2}]})");
  EXPECT_EQ(split.status, 409) << split.body;
  EXPECT_EQ(ErrorCodeOf(split.body), "insufficient_stock") << split.body;
  EXPECT_EQ(api_->OrderCount(), 0);

  HttpResult exact = api_->Post(
      "/api/order", R"({"customerName":"A","items":[{"productName":"Gadget","quantity":3}]})");
  EXPECT_EQ(exact.status, 201) << exact.body;
}

TEST_F(IntakeTest, UnicodeAndInjectionTextIsStoredVerbatim) {
  const std::string names[] = {"Zoë 山田 🚀", "Robert'); DROP TABLE orders;--", "\" OR \"\"=\"",
                               "%_\\ LIKE"};
  for (const std::string& name : names) {
    json::object body{
        {"customerName", name},
        {"items", json::array{json::object{{"productName", "Widget"}, {"quantity", 1}}}}};
    HttpResult r = api_->Post("/api/order", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
    std::string id = Str(ParseJson(r.body), "orderId");
    EXPECT_EQ(Str(ParseJson(api_->Get("/api/orders/" + id).body), "customerName"), name);
  }
  EXPECT_EQ(api_->OrderCount(), 4);
  // The table is still there and other stores are untouched.
  StoreApi x(server_->port(), server_->admin_token(), "X");
  EXPECT_GE(x.OrderCount(), 0);
}

TEST_F(IntakeTest, OrderCarriesTheStoreCurrency) {
  std::string eur = UniqueStoreId("E");
  ASSERT_FALSE(CreateStore(*server_, eur, R"(,"currency":"EUR")").empty());
  StoreApi api(server_->port(), server_->admin_token(), eur);
  ASSERT_EQ(api.Post("/api/products", R"({"productName":"Tea","price":3.2,"stock":5})").status,
            201);
  HttpResult r = api.PostOrder("Carla", "Tea", 2);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Str(ParseJson(r.body), "currency"), "EUR");
  EXPECT_NE(r.body.find(R"("totalAmount":6.40)"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace orderflow::testing
