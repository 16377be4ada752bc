// Parsing, validation and pricing of the `POST /api/order` body (SPEC §7).

#include "domain/order_request.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <string>

namespace orderflow::domain {
namespace {

namespace json = boost::json;

json::value Parse(const std::string& text) { return json::parse(text); }

// A body that passes validation; tests mutate one field at a time.
json::object ValidBody() {
  return json::parse(R"({
    "orderId": "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b",
    "customerName": "Ada Lovelace",
    "customerEmail": "ada@example.com",
    "items": [{"productName": "Motia Smartwatch V2", "quantity": 2},
              {"sku": "MOT-X-2", "quantity": 1}],
    "totalAmount": 297.00,
    "payment": {"token": "tok_visa"}
  })")
      .as_object();
}

// Asserts that `body` is refused with kValidation naming `field`.
void ExpectInvalid(const json::value& body, const std::string& field) {
  auto r = ParseOrderRequest(body);
  ASSERT_FALSE(r.ok()) << "accepted: " << json::serialize(body);
  EXPECT_EQ(r.code(), ErrorCode::kValidation) << json::serialize(body);
  EXPECT_EQ(r.error().field, field) << r.error().message;
  EXPECT_FALSE(r.error().message.empty());
}

json::object WithQuantity(std::size_t line, const json::value& quantity) {
  json::object body = ValidBody();
  body["items"].as_array()[line].as_object()["quantity"] = quantity;
  return body;
}

std::string Repeat(const std::string& unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// --- ParseOrderRequest: accepted bodies ---------------------------------

TEST(ParseOrderRequest, AcceptsAFullValidBody) {
  auto r = ParseOrderRequest(ValidBody());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->order_id, "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b");
  EXPECT_EQ(r->customer_name, "Ada Lovelace");
  EXPECT_EQ(r->customer_email, "ada@example.com");
  ASSERT_EQ(r->lines.size(), 2u);
  EXPECT_EQ(r->lines[0].product_name, "Motia Smartwatch V2");
  EXPECT_EQ(r->lines[0].sku, "");
  EXPECT_EQ(r->lines[0].quantity, 2);
  EXPECT_EQ(r->lines[1].product_name, "");
  EXPECT_EQ(r->lines[1].sku, "MOT-X-2");
  EXPECT_EQ(r->lines[1].quantity, 1);
  ASSERT_TRUE(r->total.has_value());
  EXPECT_EQ(*r->total, 29700);
  EXPECT_EQ(r->payment_token, "tok_visa");
}

TEST(ParseOrderRequest, AcceptsTheMinimalBody) {
  auto r = ParseOrderRequest(
      Parse(R"({"customerName":"Bo","items":[{"productName":"Widget","quantity":1}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->order_id, "");
  EXPECT_EQ(r->customer_email, "");
  EXPECT_FALSE(r->total.has_value());
  EXPECT_EQ(r->payment_token, "");
  ASSERT_EQ(r->lines.size(), 1u);
}

TEST(ParseOrderRequest, NullOptionalFieldsAreTreatedAsAbsent) {
  auto r = ParseOrderRequest(Parse(
      R"({"orderId":null,"customerName":"Bo","customerEmail":null,"totalAmount":null,
          "payment":null,"items":[{"productName":"Widget","sku":null,"quantity":1}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->order_id, "");
  EXPECT_FALSE(r->total.has_value());
}

TEST(ParseOrderRequest, IgnoresUnknownFieldsAtEveryLevel) {
  json::object body = ValidBody();
  body["coupon"] = "SAVE10";
  body["nested"] = json::object{{"anything", json::array{1, 2, 3}}};
  body["items"].as_array()[0].as_object()["color"] = "red";
  body["payment"].as_object()["method"] = 42;
  auto with_extras = ParseOrderRequest(body);
  auto plain = ParseOrderRequest(ValidBody());
  ASSERT_TRUE(with_extras.ok()) << with_extras.error().message;
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(with_extras->CanonicalHash(), plain->CanonicalHash());
}

TEST(ParseOrderRequest, NormalisesAnUpperCaseOrderIdToLowerCase) {
  json::object body = ValidBody();
  body["orderId"] = "3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B";
  auto r = ParseOrderRequest(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->order_id, "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b");
}

TEST(ParseOrderRequest, TrimsNamesEmailAndProductNames) {
  auto r = ParseOrderRequest(Parse(
      R"({"customerName":"  Ada  ","customerEmail":" ada@example.com ",
          "items":[{"productName":"  Widget ","quantity":1},{"sku":" SKU-1 ","quantity":1}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->customer_name, "Ada");
  EXPECT_EQ(r->customer_email, "ada@example.com");
  EXPECT_EQ(r->lines[0].product_name, "Widget");
  EXPECT_EQ(r->lines[1].sku, "SKU-1");
}

TEST(ParseOrderRequest, ProductNameWinsOverSkuWhenBothAreSent) {
  auto r = ParseOrderRequest(Parse(
      R"({"customerName":"Bo","items":[{"productName":"Widget","sku":"W-1","quantity":1}]})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->lines[0].product_name, "Widget");
  EXPECT_EQ(r->lines[0].sku, "");
}

TEST(ParseOrderRequest, EmptyProductNameFallsBackToSku) {
  auto r = ParseOrderRequest(
      Parse(R"({"customerName":"Bo","items":[{"productName":"  ","sku":"W-1","quantity":1}]})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->lines[0].product_name, "");
  EXPECT_EQ(r->lines[0].sku, "W-1");
}

// --- quantities ------------------------------------------------------------

TEST(ParseOrderRequest, QuantityBoundsAreOneToTenThousand) {
  for (std::int64_t q : {1, 9999, 10000}) {
    auto r = ParseOrderRequest(WithQuantity(1, q));
    ASSERT_TRUE(r.ok()) << q << ": " << r.error().message;
    EXPECT_EQ(r->lines[1].quantity, q);
  }
  for (std::int64_t q :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{10001}, std::int64_t{1'000'000'000'000}}) {
    SCOPED_TRACE(q);
    ExpectInvalid(WithQuantity(1, q), "items[1].quantity");
  }
}

TEST(ParseOrderRequest, QuantityTwoPointZeroIsTheIntegerTwo) {
  auto r = ParseOrderRequest(WithQuantity(0, 2.0));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->lines[0].quantity, 2);
}

TEST(ParseOrderRequest, RejectsNonIntegerQuantities) {
  ExpectInvalid(WithQuantity(1, 1.5), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, "2"), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, true), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, json::array{2}), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, json::object{{"n", 2}}), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, 0.0), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, 10001.0), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, 1e300), "items[1].quantity");
  ExpectInvalid(WithQuantity(1, std::uint64_t{18'446'744'073'709'551'615ULL}), "items[1].quantity");
}

TEST(ParseOrderRequest, RejectsMissingAndNullQuantity) {
  json::object body = ValidBody();
  body["items"].as_array()[1].as_object().erase("quantity");
  ExpectInvalid(body, "items[1].quantity");
  ExpectInvalid(WithQuantity(1, nullptr), "items[1].quantity");
}

// --- items -----------------------------------------------------------------

TEST(ParseOrderRequest, RejectsMissingEmptyAndMistypedItems) {
  json::object body = ValidBody();
  body.erase("items");
  ExpectInvalid(body, "items");
  body["items"] = nullptr;
  ExpectInvalid(body, "items");
  body["items"] = json::array{};
  ExpectInvalid(body, "items");
  body["items"] = json::object{{"productName", "Widget"}, {"quantity", 1}};
  ExpectInvalid(body, "items");
  body["items"] = "Widget";
  ExpectInvalid(body, "items");
}

TEST(ParseOrderRequest, AcceptsOneHundredLinesButNotOneHundredAndOne) {
  json::object body = ValidBody();
  json::array lines;
  for (int i = 0; i < 100; ++i) {
    lines.push_back(json::object{{"productName", "P" + std::to_string(i)}, {"quantity", 1}});
  }
  body["items"] = lines;
  body.erase("totalAmount");
  auto r = ParseOrderRequest(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->lines.size(), 100u);

  lines.push_back(json::object{{"productName", "P100"}, {"quantity", 1}});
  body["items"] = lines;
  ExpectInvalid(body, "items");
}

TEST(ParseOrderRequest, RejectsLinesThatAreNotObjects) {
  json::object body = ValidBody();
  body["items"].as_array()[1] = "MOT-X-2";
  ExpectInvalid(body, "items[1]");
  body["items"].as_array()[1] = nullptr;
  ExpectInvalid(body, "items[1]");
}

TEST(ParseOrderRequest, RejectsLinesWithoutProductNameOrSku) {
  ExpectInvalid(Parse(R"({"customerName":"Bo","items":[{"quantity":1}]})"), "items[0].productName");
  ExpectInvalid(
      Parse(R"({"customerName":"Bo","items":[{"productName":" ","sku":"","quantity":1}]})"),
      "items[0].productName");
}

TEST(ParseOrderRequest, RejectsWronglyTypedProductNameAndSku) {
  ExpectInvalid(Parse(R"({"customerName":"Bo","items":[
                  {"productName":"A","quantity":1},{"productName":7,"quantity":1}]})"),
                "items[1].productName");
  ExpectInvalid(Parse(R"({"customerName":"Bo","items":[{"sku":["x"],"quantity":1}]})"),
                "items[0].sku");
}

TEST(ParseOrderRequest, RejectsOverlongAndControlCharacterProductNames) {
  json::object body = ValidBody();
  body["items"].as_array()[1].as_object()["productName"] = std::string(201, 'p');
  ExpectInvalid(body, "items[1].productName");
  body["items"].as_array()[1].as_object()["productName"] = "Wid\nget";
  ExpectInvalid(body, "items[1].productName");
  body["items"].as_array()[1].as_object().erase("productName");
  body["items"].as_array()[1].as_object()["sku"] = std::string(65, 's');
  ExpectInvalid(body, "items[1].sku");
}

// --- customer --------------------------------------------------------------

TEST(ParseOrderRequest, CustomerNameIsRequiredAndAString) {
  json::object body = ValidBody();
  body.erase("customerName");
  ExpectInvalid(body, "customerName");
  body["customerName"] = nullptr;
  ExpectInvalid(body, "customerName");
  body["customerName"] = "";
  ExpectInvalid(body, "customerName");
  body["customerName"] = " \t\r\n ";
  ExpectInvalid(body, "customerName");
  body["customerName"] = 12;
  ExpectInvalid(body, "customerName");
  body["customerName"] = json::array{"Ada"};
  ExpectInvalid(body, "customerName");
}

TEST(ParseOrderRequest, CustomerNameRejectsControlCharacters) {
  for (const char* bad :
       {"Ada\x01Lovelace", "Ada\nLovelace", "Ada\tLovelace", "Ada\x7f", "Ada\x1b[31m"}) {
    json::object body = ValidBody();
    body["customerName"] = bad;
    SCOPED_TRACE(bad);
    ExpectInvalid(body, "customerName");
  }
}

TEST(ParseOrderRequest, CustomerNameLengthIsCountedInCharactersNotBytes) {
  json::object body = ValidBody();
  // "é" is two bytes, "€" three, "😀" four: 200 characters are fine whatever their size.
  for (const std::string& unit : {std::string("a"), std::string("\xC3\xA9"),
                                  std::string("\xE2\x82\xAC"), std::string("\xF0\x9F\x98\x80")}) {
    body["customerName"] = Repeat(unit, 200);
    auto r = ParseOrderRequest(body);
    EXPECT_TRUE(r.ok()) << unit << ": " << (r.ok() ? "" : r.error().message);
    body["customerName"] = Repeat(unit, 201);
    SCOPED_TRACE(unit);
    ExpectInvalid(body, "customerName");
  }
}

TEST(ParseOrderRequest, CustomerEmailIsOptionalButMustLookLikeAnAddress) {
  json::object body = ValidBody();
  body["customerEmail"] = "";
  EXPECT_TRUE(ParseOrderRequest(body).ok());
  for (const char* bad : {"ada", "@example.com", "ada@", "ada lovelace@example.com",
                          "ada@ex@ample.com", "ada\x01@example.com"}) {
    body["customerEmail"] = bad;
    SCOPED_TRACE(bad);
    ExpectInvalid(body, "customerEmail");
  }
  body["customerEmail"] = 5;
  ExpectInvalid(body, "customerEmail");
  body["customerEmail"] = json::object{};
  ExpectInvalid(body, "customerEmail");
  body["customerEmail"] = std::string(243, 'a') + "@example.com";  // 255 characters
  ExpectInvalid(body, "customerEmail");
  body["customerEmail"] = std::string(242, 'a') + "@example.com";  // 254 characters
  EXPECT_TRUE(ParseOrderRequest(body).ok());
}

// --- orderId ---------------------------------------------------------------

TEST(ParseOrderRequest, OrderIdMustBeAUuidString) {
  for (const char* bad :
       {"", "order-1", "3f2b8c1e9a4d4e6f8b7a1c2d3e4f5a6b", "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6",
        "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6g", "{3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b}",
        "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b "}) {
    json::object body = ValidBody();
    body["orderId"] = bad;
    SCOPED_TRACE(bad);
    ExpectInvalid(body, "orderId");
  }
  json::object body = ValidBody();
  body["orderId"] = 12345;
  ExpectInvalid(body, "orderId");
}

// --- totalAmount -----------------------------------------------------------

TEST(ParseOrderRequest, TotalAmountAcceptsIntegersAndTwoDecimals) {
  json::object body = ValidBody();
  body["totalAmount"] = 198;
  auto a = ParseOrderRequest(body);
  body["totalAmount"] = 198.00;
  auto b = ParseOrderRequest(body);
  body["totalAmount"] = 197.99;
  auto c = ParseOrderRequest(body);
  body["totalAmount"] = 0;
  auto zero = ParseOrderRequest(body);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && zero.ok());
  EXPECT_EQ(*a->total, 19800);
  EXPECT_EQ(*b->total, 19800);
  EXPECT_EQ(*c->total, 19799);
  EXPECT_EQ(*zero->total, 0);
}

TEST(ParseOrderRequest, TotalAmountRejectsWrongTypesAndValues) {
  json::object body = ValidBody();
  for (const json::value& bad :
       {json::value("198.00"), json::value(true), json::value(json::array{198}), json::value(-1),
        json::value(-0.01), json::value(1.234), json::value(1e300),
        json::value(1'000'000'000'000LL),
        json::value(std::uint64_t{18'446'744'073'709'551'615ULL})}) {
    body["totalAmount"] = bad;
    SCOPED_TRACE(json::serialize(bad));
    ExpectInvalid(body, "totalAmount");
  }
}

// --- payment ---------------------------------------------------------------

TEST(ParseOrderRequest, PaymentMustBeAnObjectWithAStringToken) {
  json::object body = ValidBody();
  body["payment"] = "tok_visa";
  ExpectInvalid(body, "payment");
  body["payment"] = json::object{{"token", 42}};
  ExpectInvalid(body, "payment.token");
  body["payment"] = json::object{{"token", "tok\x01"}};
  ExpectInvalid(body, "payment.token");
  body["payment"] = json::object{{"token", std::string(101, 't')}};
  ExpectInvalid(body, "payment.token");
  body["payment"] = json::object{{"token", std::string(100, 't')}};
  EXPECT_TRUE(ParseOrderRequest(body).ok());
  body["payment"] = json::object{};
  auto r = ParseOrderRequest(body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payment_token, "");
}

TEST(ParseOrderRequest, RejectsBodiesThatAreNotObjects) {
  for (const char* text : {"[]", "null", "42", "\"order\"", "true"}) {
    SCOPED_TRACE(text);
    ExpectInvalid(Parse(text), "");
  }
}

// --- ValidateText ----------------------------------------------------------

TEST(ValidateText, RequiredEmptyOrBlankFails) {
  EXPECT_EQ(ValidateText("", "name", 10, true).code(), ErrorCode::kValidation);
  EXPECT_EQ(ValidateText("   ", "name", 10, true).error().field, "name");
  EXPECT_TRUE(ValidateText("", "name", 10, false).ok());
  EXPECT_TRUE(ValidateText("  ", "name", 10, false).ok());
}

TEST(ValidateText, CountsUtf8CharactersAgainstTheLimit) {
  EXPECT_TRUE(ValidateText(Repeat("\xE6\x97\xA5", 10), "f", 10, true).ok());  // 30 bytes
  EXPECT_FALSE(ValidateText(Repeat("\xE6\x97\xA5", 11), "f", 10, true).ok());
  EXPECT_TRUE(ValidateText("abcdefghij", "f", 10, true).ok());
  auto r = ValidateText("abcdefghijk", "f", 10, true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "f");
}

TEST(ValidateText, RejectsEveryAsciiControlCharacterButNotPrintableOnes) {
  for (int c = 0; c < 0x20; ++c) {
    std::string v = "a";
    v += static_cast<char>(c);
    v += "b";
    EXPECT_FALSE(ValidateText(v, "f", 10, true).ok()) << c;
  }
  EXPECT_FALSE(ValidateText("a\x7f"
                            "b",
                            "f", 10, true)
                   .ok());
  EXPECT_TRUE(ValidateText("a ~!@#$%^&*()b", "f", 20, true).ok());
  EXPECT_TRUE(ValidateText("Zo\xC3\xAB", "f", 20, true).ok());
}

// --- CanonicalHash ---------------------------------------------------------

std::string HashOf(const std::string& text) {
  auto r = ParseOrderRequest(Parse(text));
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->CanonicalHash() : std::string();
}

TEST(CanonicalHash, IgnoresKeyOrderWhitespaceAndUnknownFields) {
  std::string a = HashOf(
      R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2}],"payment":{"token":"tok_visa"}})");
  std::string b = HashOf(
      R"({ "payment" : { "token" : "tok_visa" },"items" : [ { "quantity" : 2 , "productName" : "W" } ],
           "totalAmount" : 198.00 , "customerEmail" : "ada@example.com" , "customerName" : "Ada" ,
           "extra" : 1 })");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, b);
}

TEST(CanonicalHash, IsEqualForUpperAndLowerCaseOrderIds) {
  EXPECT_EQ(HashOf(R"({"orderId":"3F2B8C1E-9A4D-4E6F-8B7A-1C2D3E4F5A6B","customerName":"Ada",
                       "items":[{"productName":"W","quantity":1}]})"),
            HashOf(R"({"orderId":"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b","customerName":"Ada",
                       "items":[{"productName":"W","quantity":1}]})"));
}

TEST(CanonicalHash, ChangesWhenAnyFieldChanges) {
  const std::string base = HashOf(
      R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],
          "payment":{"token":"tok_visa"}})");
  const std::map<std::string, std::string> variants = {
      {"customerName", R"({"customerName":"Adb","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"customerEmail",
       R"({"customerName":"Ada","customerEmail":"adb@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"no email", R"({"customerName":"Ada","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"totalAmount",
       R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":197.99,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"no totalAmount", R"({"customerName":"Ada","customerEmail":"ada@example.com",
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"quantity", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":3},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"productName", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"X","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"name vs sku", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"sku":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_visa"}})"},
      {"line order", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"sku":"S","quantity":1},{"productName":"W","quantity":2}],"payment":{"token":"tok_visa"}})"},
      {"extra line", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1},{"sku":"S","quantity":1}],
          "payment":{"token":"tok_visa"}})"},
      {"token", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}],"payment":{"token":"tok_chargeDeclined"}})"},
      {"no payment", R"({"customerName":"Ada","customerEmail":"ada@example.com","totalAmount":198,
          "items":[{"productName":"W","quantity":2},{"sku":"S","quantity":1}]})"},
  };
  for (const auto& [what, text] : variants) {
    EXPECT_NE(HashOf(text), base) << "hash ignores a change of " << what;
  }
}

// The hash guards Idempotency-Key replays (same key + different body -> 409),
// so two bodies that name different orders must not hash alike.
TEST(CanonicalHash, ChangesWhenTheOrderIdChanges) {
  const std::string without =
      HashOf(R"({"customerName":"Ada","items":[{"productName":"W","quantity":1}]})");
  const std::string a =
      HashOf(R"({"orderId":"3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b","customerName":"Ada",
                                   "items":[{"productName":"W","quantity":1}]})");
  const std::string b =
      HashOf(R"({"orderId":"00000000-9a4d-4e6f-8b7a-1c2d3e4f5a6b","customerName":"Ada",
                                   "items":[{"productName":"W","quantity":1}]})");
  EXPECT_NE(a, b);
  EXPECT_NE(a, without);
}

// --- PriceOrder ------------------------------------------------------------

class FakeCatalogue : public Catalogue {
 public:
  Product& Add(const std::string& id, const std::string& name, const std::string& sku, Cents price,
               std::int64_t stock, std::int64_t reserved = 0) {
    Product p;
    p.store_id = "X";
    p.product_id = id;
    p.product_name = name;
    p.sku = sku;
    p.price = price;
    p.stock = stock;
    p.reserved = reserved;
    products_[id] = p;
    return products_[id];
  }

  Result<std::optional<Product>> Find(const RequestedLine& line) const override {
    if (fail_) return MakeError(ErrorCode::kUnavailable, "catalogue unavailable");
    for (const auto& [id, p] : products_) {
      if (!line.product_name.empty() ? p.product_name == line.product_name
                                     : (!p.sku.empty() && p.sku == line.sku)) {
        return std::optional<Product>(p);
      }
    }
    return std::optional<Product>{};
  }
  void Fail() { fail_ = true; }

 private:
  std::map<std::string, Product> products_;
  bool fail_ = false;
};

OrderRequest Request(std::vector<RequestedLine> lines, std::optional<Cents> total = std::nullopt) {
  OrderRequest r;
  r.customer_name = "Ada";
  r.lines = std::move(lines);
  r.total = total;
  return r;
}

RequestedLine ByName(const std::string& name, std::int64_t q) { return RequestedLine{name, "", q}; }
RequestedLine BySku(const std::string& sku, std::int64_t q) { return RequestedLine{"", sku, q}; }

class PriceOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalogue_.Add("p-watch", "Motia Smartwatch V2", "MOT-X-1", 9900, 50);
    catalogue_.Add("p-kit", "Motia IoT Sensor Kit", "MOT-X-2", 4950, 30, 25);
    catalogue_.Add("p-old", "Old Gadget", "OLD-1", 100, 100).status = ProductStatus::kArchived;
    catalogue_.Add("p-none", "Sold Out Thing", "", 500, 0).status = ProductStatus::kOutOfStock;
  }
  FakeCatalogue catalogue_;
};

TEST_F(PriceOrderTest, PricesEveryLineFromTheCatalogue) {
  Cents total = -1;
  auto r = PriceOrder(Request({ByName("Motia Smartwatch V2", 2), BySku("MOT-X-2", 3)}), catalogue_,
                      total);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].product_id, "p-watch");
  EXPECT_EQ((*r)[0].product_name, "Motia Smartwatch V2");
  EXPECT_EQ((*r)[0].sku, "MOT-X-1");
  EXPECT_EQ((*r)[0].quantity, 2);
  EXPECT_EQ((*r)[0].unit_price, 9900);
  EXPECT_EQ((*r)[0].line_total, 19800);
  EXPECT_EQ((*r)[1].product_id, "p-kit");
  EXPECT_EQ((*r)[1].product_name, "Motia IoT Sensor Kit");
  EXPECT_EQ((*r)[1].unit_price, 4950);
  EXPECT_EQ((*r)[1].line_total, 14850);
  EXPECT_EQ(total, 34650);
}

TEST_F(PriceOrderTest, CatalogueFailureIsPassedOnNotCalledUnknown) {
  catalogue_.Fail();
  Cents total = -1;
  auto r = PriceOrder(Request({ByName("Motia Smartwatch V2", 1)}), catalogue_, total);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(total, -1);
}

TEST_F(PriceOrderTest, ClientTotalMustEqualTheCatalogueTotal) {
  Cents total = 0;
  EXPECT_TRUE(
      PriceOrder(Request({ByName("Motia Smartwatch V2", 2)}, 19800), catalogue_, total).ok());
  EXPECT_EQ(total, 19800);

  // 198 and 198.00 parse to the same cents; 197.99 does not match.
  for (const char* text : {"198", "198.00", "198.0"}) {
    auto req = ParseOrderRequest(
        Parse(std::string(R"({"customerName":"Ada","totalAmount":)") + text +
              R"(,"items":[{"productName":"Motia Smartwatch V2","quantity":2}]})"));
    ASSERT_TRUE(req.ok());
    EXPECT_TRUE(PriceOrder(*req, catalogue_, total).ok()) << text;
  }
  for (Cents wrong : {19799, 19801, 0, 9900}) {
    auto r = PriceOrder(Request({ByName("Motia Smartwatch V2", 2)}, wrong), catalogue_, total);
    ASSERT_FALSE(r.ok()) << wrong;
    EXPECT_EQ(r.code(), ErrorCode::kTotalMismatch);
    EXPECT_EQ(r.error().field, "totalAmount");
  }
}

TEST_F(PriceOrderTest, UnknownProductNamesTheLineAndTheField) {
  Cents total = 0;
  auto r =
      PriceOrder(Request({ByName("Motia Smartwatch V2", 1), ByName("Nope", 1)}), catalogue_, total);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kUnknownProduct);
  EXPECT_EQ(r.error().field, "items[1].productName");
  EXPECT_NE(r.error().message.find("Nope"), std::string::npos);

  auto s = PriceOrder(Request({BySku("NOPE-1", 1)}), catalogue_, total);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnknownProduct);
  EXPECT_EQ(s.error().field, "items[0].sku");
}

TEST_F(PriceOrderTest, ArchivedProductsAreUnknown) {
  Cents total = 0;
  auto r = PriceOrder(Request({ByName("Old Gadget", 1)}), catalogue_, total);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kUnknownProduct);
  EXPECT_EQ(r.error().field, "items[0].productName");
  auto s =
      PriceOrder(Request({ByName("Motia Smartwatch V2", 1), BySku("OLD-1", 1)}), catalogue_, total);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().field, "items[1].sku");
}

TEST_F(PriceOrderTest, AvailableStockIsStockMinusReserved) {
  Cents total = 0;
  // p-kit: stock 30, reserved 25 -> 5 available.
  EXPECT_TRUE(PriceOrder(Request({BySku("MOT-X-2", 5)}), catalogue_, total).ok());
  auto r = PriceOrder(Request({BySku("MOT-X-2", 6)}), catalogue_, total);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kInsufficientStock);
  auto none = PriceOrder(Request({ByName("Sold Out Thing", 1)}), catalogue_, total);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.code(), ErrorCode::kInsufficientStock);
}

TEST_F(PriceOrderTest, InsufficientStockAddsUpLinesOfTheSameProduct) {
  Cents total = 0;
  // 30 + 20 = 50 units of the watch (stock 50) is fine; 30 + 21 is not, although
  // each line alone would fit. The second line names the product by SKU.
  EXPECT_TRUE(PriceOrder(Request({ByName("Motia Smartwatch V2", 30), BySku("MOT-X-1", 20)}),
                         catalogue_, total)
                  .ok());
  auto r = PriceOrder(Request({ByName("Motia Smartwatch V2", 30), BySku("MOT-X-1", 21)}),
                      catalogue_, total);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kInsufficientStock);
  EXPECT_NE(r.error().message.find("Motia Smartwatch V2"), std::string::npos) << r.error().message;
}

TEST_F(PriceOrderTest, OverflowingLineOrOrderTotalIsRefused) {
  catalogue_.Add("p-gold", "Gold Bar", "AU-1", kMaxCents / 2 + 1, 10'000);
  catalogue_.Add("p-huge", "Huge", "HUGE", kMaxCents, 10'000);
  Cents total = 0;
  auto line = PriceOrder(Request({ByName("Huge", 2)}), catalogue_, total);
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.code(), ErrorCode::kValidation);
  EXPECT_EQ(line.error().field, "items[0].quantity");

  auto sum = PriceOrder(Request({ByName("Gold Bar", 1), BySku("AU-1", 1)}), catalogue_, total);
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.code(), ErrorCode::kValidation);
  EXPECT_EQ(sum.error().field, "items[1].quantity");

  EXPECT_TRUE(PriceOrder(Request({ByName("Huge", 1)}), catalogue_, total).ok());
  EXPECT_EQ(total, kMaxCents);
}

TEST_F(PriceOrderTest, ParsedRequestPricesEndToEnd) {
  auto req = ParseOrderRequest(Parse(
      R"({"customerName":"Ada","totalAmount":247.50,
          "items":[{"productName":"Motia Smartwatch V2","quantity":2},{"sku":"MOT-X-2","quantity":1}]})"));
  ASSERT_TRUE(req.ok());
  Cents total = 0;
  auto r = PriceOrder(*req, catalogue_, total);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(total, 24750);
}

}  // namespace
}  // namespace orderflow::domain
