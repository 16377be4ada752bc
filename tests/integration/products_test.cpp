// GET/POST /api/products and GET/PATCH /api/products/:id against the real
// binary: stock changes go through the ledger, bad values change nothing.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

class ProductsTest : public SharedServerTest<ProductsTest> {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = UniqueStoreId("P");
    ASSERT_FALSE(CreateStore(*server_, store_).empty());
    api_ = std::make_unique<StoreApi>(server_->port(), server_->admin_token(), store_);
  }

  // Creates a product and returns its id ("" after a test failure).
  std::string Create(const std::string& body) {
    HttpResult r = api_->Post("/api/products", body);
    EXPECT_EQ(r.status, 201) << body << " -> " << r.body;
    return Str(ParseJson(r.body), "productId");
  }

  json::value Product(const std::string& id) {
    HttpResult r = api_->Get("/api/products/" + id);
    EXPECT_EQ(r.status, 200) << r.body;
    return ParseJson(r.body);
  }

  std::size_t ProductCount() {
    HttpResult r = api_->Get("/api/products");
    EXPECT_EQ(r.status, 200) << r.body;
    json::value v = ParseJson(r.body);
    return v.is_object() ? v.at("items").as_array().size() : 0;
  }

  // The ledger invariant of SPEC §2: stock and reserved equal the sums of
  // the movements.
  static void ExpectLedgerMatches(const json::value& product) {
    std::int64_t stock = 0, reserved = 0;
    for (const auto& m : product.at("movements").as_array()) {
      stock += m.at("stockDelta").as_int64();
      reserved += m.at("reservedDelta").as_int64();
    }
    EXPECT_EQ(stock, product.at("stock").as_int64()) << json::serialize(product);
    EXPECT_EQ(reserved, product.at("reserved").as_int64()) << json::serialize(product);
  }

  std::string store_;
  std::unique_ptr<StoreApi> api_;
};

TEST_F(ProductsTest, DemoCatalogueIsSeeded) {
  StoreApi x(server_->port(), server_->admin_token(), "X");
  HttpResult r = x.Get("/api/products");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value v = ParseJson(r.body);
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> seen;  // stock, threshold
  for (const auto& p : v.at("items").as_array()) {
    EXPECT_EQ(p.at("priceCents").as_int64(), 9900);
    seen[Str(p, "productName")] = {p.at("stock").as_int64(), p.at("threshold").as_int64()};
  }
  using Pair = std::pair<std::int64_t, std::int64_t>;
  EXPECT_EQ(seen["Motia Smartwatch V2"], (Pair{50, 15}));
  EXPECT_EQ(seen["Motia IoT Sensor Kit"], (Pair{30, 10}));
  EXPECT_EQ(seen["Motia Pro Headset"], (Pair{25, 20}));
  EXPECT_EQ(seen["Motia AI Dev Board"], (Pair{15, 5}));
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_NE(r.body.find(R"("price":99.00)"), std::string::npos);
}

TEST_F(ProductsTest, CreateListAndGet) {
  HttpResult r =
      api_->Post("/api/products",
                 R"({"productName":"Lamp","sku":"LMP-1","price":19.99,"stock":7,"threshold":2})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::value p = ParseJson(r.body);
  EXPECT_EQ(Str(p, "productName"), "Lamp");
  EXPECT_EQ(Str(p, "sku"), "LMP-1");
  EXPECT_EQ(Str(p, "storeId"), store_);
  EXPECT_EQ(p.at("priceCents").as_int64(), 1999);
  EXPECT_NE(r.body.find(R"("price":19.99)"), std::string::npos) << r.body;
  EXPECT_EQ(p.at("stock").as_int64(), 7);
  EXPECT_EQ(p.at("reserved").as_int64(), 0);
  EXPECT_EQ(p.at("threshold").as_int64(), 2);
  EXPECT_EQ(Str(p, "status"), "active");
  std::string id = Str(p, "productId");

  std::string plain = Create(R"({"productName":"Plain","price":5})");
  json::value defaults = Product(plain);
  EXPECT_EQ(defaults.at("threshold").as_int64(), 10);
  EXPECT_EQ(defaults.at("stock").as_int64(), 0);
  EXPECT_TRUE(defaults.at("sku").is_null());

  EXPECT_EQ(ProductCount(), 2u);
  json::value got = Product(id);
  EXPECT_EQ(Str(got, "productName"), "Lamp");
  ExpectLedgerMatches(got);
}

TEST_F(ProductsTest, RestockAndAdjustGoThroughTheLedger) {
  std::string id = Create(R"({"productName":"Cup","price":4.5,"stock":3})");
  HttpResult restock = api_->Patch("/api/products/" + id, R"({"restock":5})");
  ASSERT_EQ(restock.status, 200) << restock.body;
  EXPECT_EQ(ParseJson(restock.body).at("stock").as_int64(), 8);

  HttpResult adjust = api_->Patch("/api/products/" + id, R"({"adjust":-2,"note":"breakage"})");
  ASSERT_EQ(adjust.status, 200) << adjust.body;
  EXPECT_EQ(ParseJson(adjust.body).at("stock").as_int64(), 6);

  json::value p = Product(id);
  EXPECT_EQ(p.at("stock").as_int64(), 6);
  bool saw_restock = false, saw_adjust = false;
  for (const auto& m : p.at("movements").as_array()) {
    if (Str(m, "kind") == "restock" && m.at("stockDelta").as_int64() == 5) saw_restock = true;
    if (Str(m, "kind") == "adjust" && m.at("stockDelta").as_int64() == -2) {
      saw_adjust = true;
      EXPECT_EQ(Str(m, "note"), "breakage");
    }
  }
  EXPECT_TRUE(saw_restock) << json::serialize(p);
  EXPECT_TRUE(saw_adjust) << json::serialize(p);
  ExpectLedgerMatches(p);

  // Stock can never go negative: the adjustment is refused whole.
  HttpResult below = api_->Patch("/api/products/" + id, R"({"adjust":-7,"price":1})");
  EXPECT_EQ(below.status, 409) << below.body;
  EXPECT_TRUE(IsErrorEnvelope(below.body)) << below.body;
  json::value after = Product(id);
  EXPECT_EQ(after.at("stock").as_int64(), 6);
  EXPECT_EQ(after.at("priceCents").as_int64(), 450);
}

TEST_F(ProductsTest, RestockMakesAnOrderPossibleAndPriceChangesApply) {
  std::string id = Create(R"({"productName":"Kettle","sku":"KET","price":30,"stock":1})");
  HttpResult short_order = api_->PostOrder("Al", "Kettle", 2);
  EXPECT_EQ(short_order.status, 409) << short_order.body;
  EXPECT_EQ(ErrorCodeOf(short_order.body), "insufficient_stock");

  ASSERT_EQ(api_->Patch("/api/products/" + id, R"({"restock":1,"price":31.25})").status, 200);
  HttpResult ok = api_->PostOrder("Al", "Kettle", 2);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ParseJson(ok.body).at("totalCents").as_int64(), 6250);

  // An archived product can no longer be ordered.
  ASSERT_EQ(api_->Patch("/api/products/" + id, R"({"status":"archived"})").status, 200);
  HttpResult archived = api_->PostOrder("Al", "Kettle", 1);
  EXPECT_EQ(archived.status, 422) << archived.body;
  EXPECT_EQ(ErrorCodeOf(archived.body), "unknown_product");
}

TEST_F(ProductsTest, DuplicateNameOrSkuIsAConflict) {
  Create(R"({"productName":"Pen","sku":"PEN","price":1})");
  HttpResult name = api_->Post("/api/products", R"({"productName":"Pen","price":2})");
  EXPECT_EQ(name.status, 409) << name.body;
  EXPECT_EQ(ErrorCodeOf(name.body), "conflict");
  HttpResult sku = api_->Post("/api/products", R"({"productName":"Pen 2","sku":"PEN","price":2})");
  EXPECT_EQ(sku.status, 409) << sku.body;
  EXPECT_EQ(ProductCount(), 1u);
  // The same name in another store is fine.
  std::string other_store = UniqueStoreId("P");
  ASSERT_FALSE(CreateStore(*server_, other_store).empty());
  StoreApi other_api(server_->port(), server_->admin_token(), other_store);
  HttpResult other = other_api.Post("/api/products", R"({"productName":"Pen","price":2})");
  EXPECT_EQ(other.status, 201) << other.body;
}

TEST_F(ProductsTest, UnknownProductIsNotFound) {
  for (const std::string& id :
       {std::string("00000000-0000-4000-8000-000000000000"), std::string("nope")}) {
    HttpResult get = api_->Get("/api/products/" + id);
    EXPECT_EQ(get.status, 404) << get.body;
    EXPECT_EQ(ErrorCodeOf(get.body), "not_found") << get.body;
    HttpResult patch = api_->Patch("/api/products/" + id, R"({"restock":1})");
    EXPECT_EQ(patch.status, 404) << patch.body;
    EXPECT_EQ(ErrorCodeOf(patch.body), "not_found") << patch.body;
  }
  // Another store's product is not visible.
  std::string id = Create(R"({"productName":"Secret","price":1,"stock":1})");
  StoreApi x(server_->port(), server_->admin_token(), "X");
  EXPECT_EQ(x.Get("/api/products/" + id).status, 404);
  EXPECT_EQ(x.Patch("/api/products/" + id, R"({"restock":100})").status, 404);
  EXPECT_EQ(Product(id).at("stock").as_int64(), 1);
}

struct BadProduct {
  const char* body;
  const char* field;  // expected error.field
};

TEST_F(ProductsTest, InvalidCreateValuesAre400AndCreateNothing) {
  const BadProduct cases[] = {
      {R"({"price":1})", "productName"},
      {R"({"productName":"","price":1})", "productName"},
      {R"({"productName":"   ","price":1})", "productName"},
      {R"({"productName":5,"price":1})", "productName"},
      {R"({"productName":"A\u0001B","price":1})", "productName"},
      {R"({"productName":"A","sku":7,"price":1})", "sku"},
      {R"({"productName":"A"})", "price"},
      {R"({"productName":"A","price":-1})", "price"},
      {R"({"productName":"A","price":"1"})", "price"},
      {R"({"productName":"A","price":1.234})", "price"},
      {R"({"productName":"A","price":1e300})", "price"},
      {R"({"productName":"A","price":1,"stock":-1})", "stock"},
      {R"({"productName":"A","price":1,"stock":1.5})", "stock"},
      {R"({"productName":"A","price":1,"stock":"3"})", "stock"},
      {R"({"productName":"A","price":1,"stock":99999999999999999999})", "stock"},
      {R"({"productName":"A","price":1,"threshold":-1})", "threshold"},
      {R"([{"productName":"A","price":1}])", ""},
  };
  for (const auto& c : cases) {
    HttpResult r = api_->Post("/api/products", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    std::string why;
    EXPECT_TRUE(IsErrorEnvelope(r.body, &why)) << c.body << ": " << why;
    EXPECT_EQ(ErrorCodeOf(r.body), "validation_failed") << c.body;
    EXPECT_EQ(ErrorFieldOf(r.body), c.field) << c.body;
  }
  EXPECT_EQ(ProductCount(), 0u);
}

TEST_F(ProductsTest, InvalidPatchValuesAre400AndChangeNothing) {
  std::string id = Create(R"({"productName":"Bowl","sku":"BWL","price":8,"stock":4})");
  json::value before = Product(id);
  const BadProduct cases[] = {
      {R"({"restock":0})", "restock"},
      {R"({"restock":-3})", "restock"},
      {R"({"restock":"5"})", "restock"},
      {R"({"restock":2.5})", "restock"},
      {R"({"restock":1e10})", "restock"},
      {R"({"adjust":"x"})", "adjust"},
      {R"({"price":-2})", "price"},
      {R"({"price":0.001})", "price"},
      {R"({"threshold":-1})", "threshold"},
      {R"({"status":"bogus"})", "status"},
      {R"({"status":3})", "status"},
      {R"({"note":5,"restock":1})", "note"},
      {R"({"productName":7})", "productName"},
      {R"({"productName":"A\u0000"})", "productName"},
      {R"({"sku":false})", "sku"},
  };
  for (const auto& c : cases) {
    HttpResult r = api_->Patch("/api/products/" + id, c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r.body;
    std::string why;
    EXPECT_TRUE(IsErrorEnvelope(r.body, &why)) << c.body << ": " << why;
    EXPECT_EQ(ErrorFieldOf(r.body), c.field) << c.body << " -> " << r.body;
  }
  json::value after = Product(id);
  EXPECT_EQ(Str(after, "productName"), "Bowl");
  EXPECT_EQ(after.at("stock").as_int64(), before.at("stock").as_int64());
  EXPECT_EQ(after.at("priceCents").as_int64(), before.at("priceCents").as_int64());
  EXPECT_EQ(after.at("threshold").as_int64(), before.at("threshold").as_int64());
  EXPECT_EQ(after.at("movements").as_array().size(), before.at("movements").as_array().size());
  EXPECT_EQ(Str(after, "updatedAt"), Str(before, "updatedAt"));
}

// SPEC §7: every mutating POST honours Idempotency-Key.
TEST_F(ProductsTest, CreateHonoursIdempotencyKey) {
  HttpClient::Headers key = {{"Idempotency-Key", "create-plate-1"}};
  const std::string body = R"({"productName":"Plate","price":6,"stock":2})";
  HttpResult first = api_->Post("/api/products", body, key);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult again = api_->Post("/api/products", body, key);
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(ProductCount(), 1u);
  HttpResult misuse =
      api_->Post("/api/products", R"({"productName":"Saucer","price":6,"stock":2})", key);
  EXPECT_EQ(misuse.status, 409) << misuse.body;
  EXPECT_EQ(ErrorCodeOf(misuse.body), "conflict") << misuse.body;
  EXPECT_EQ(ProductCount(), 1u);
}

// A product name is required at creation, so a PATCH must not blank it.
TEST_F(ProductsTest, PatchCannotBlankTheProductName) {
  std::string id = Create(R"({"productName":"Vase","price":8,"stock":4})");
  for (const char* body : {R"({"productName":""})", R"({"productName":"  "})"}) {
    HttpResult r = api_->Patch("/api/products/" + id, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(ErrorFieldOf(r.body), "productName") << body << " -> " << r.body;
  }
  EXPECT_EQ(Str(Product(id), "productName"), "Vase");
}

}  // namespace
}  // namespace orderflow::testing
