// Malformed, oversized, truncated, wrongly typed, unicode-garbage and
// injection inputs against the real binary (SPEC §7, §12): every case gets
// its 4xx with the error envelope, writes nothing, and the server stays up.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

const std::string kItem = R"({"productName":"Motia Smartwatch V2","quantity":1})";

// A POST /api/order body with `members` inside the object.
std::string Order(const std::string& members) { return "{" + members + "}"; }
// A body with a valid customer and `items` as given.
std::string WithItems(const std::string& items) {
  return Order(R"("customerName":"A","items":)" + items);
}
// A valid order plus `extra` members.
std::string ValidPlus(const std::string& extra) {
  return Order(R"("customerName":"A","items":[)" + kItem + "]" + extra);
}
std::string WithQuantity(const std::string& quantity) {
  return WithItems(R"([{"productName":"Motia Smartwatch V2","quantity":)" + quantity + "}]");
}
std::string WithName(const std::string& name_json) {
  return Order(R"("customerName":)" + name_json + R"(,"items":[)" + kItem + "]");
}

struct BadCase {
  std::string name;
  std::string method = "POST";
  std::string target = "/api/order";
  std::string body;
  // Sent as Content-Type when the body is not empty; "-" sends none.
  std::string content_type = "application/json";
  HttpClient::Headers headers;  // beyond the default admin auth + X-Store-ID: X
  bool default_auth = true;
  int status = 400;
  std::string code = "validation_failed";
  const char* field = nullptr;  // expected error.field; nullptr: not checked
};

BadCase Post(std::string name, std::string body, const char* field,
             std::string code = "validation_failed", int status = 400) {
  BadCase c;
  c.name = std::move(name);
  c.body = std::move(body);
  c.field = field;
  c.code = std::move(code);
  c.status = status;
  return c;
}

BadCase Json(std::string name, std::string body) {
  return Post(std::move(name), std::move(body), nullptr, "invalid_json");
}

BadCase Get(std::string name, std::string target, const char* field) {
  BadCase c;
  c.name = std::move(name);
  c.method = "GET";
  c.target = std::move(target);
  c.field = field;
  return c;
}

std::vector<BadCase> Cases() {
  std::vector<BadCase> cases;
  auto add = [&cases](BadCase c) { cases.push_back(std::move(c)); };

  // Not JSON at all, or not quite.
  add(Json("InvalidJson", R"({"customerName": "A", items: []})"));
  add(Json("TruncatedJson", ValidPlus("").substr(0, ValidPlus("").size() - 3)));
  add(Json("TruncatedString", R"({"customerName":"A)"));
  add(Json("TrailingGarbage", ValidPlus("") + " xyz"));
  add(Json("TwoDocuments", ValidPlus("") + ValidPlus("")));
  add(Json("TrailingComma", Order(R"("customerName":"A","items":[)" + kItem + "],")));
  add(Json("SingleQuotes", "{'customerName':'A','items':[]}"));
  add(Json("Comment", "/* hi */" + ValidPlus("")));
  add(Json("NaN", WithQuantity("NaN")));
  add(Json("WhitespaceOnly", "   \r\n "));
  add(Json("BareWord", "hello"));
  {
    BadCase empty = Json("EmptyBody", "");
    add(empty);
  }

  // JSON, but not an object.
  add(Post("JsonArrayBody", "[" + ValidPlus("") + "]", ""));
  add(Post("JsonStringBody", R"("order")", ""));
  add(Post("JsonNumberBody", "42", ""));
  add(Post("JsonNullBody", "null", ""));
  add(Post("JsonTrueBody", "true", ""));

  // Wrong types and values, field by field.
  add(Post("CustomerNameMissing", Order(R"("items":[)" + kItem + "]"), "customerName"));
  add(Post("CustomerNameNull", WithName("null"), "customerName"));
  add(Post("CustomerNameNumber", WithName("42"), "customerName"));
  add(Post("CustomerNameBool", WithName("true"), "customerName"));
  add(Post("CustomerNameArray", WithName(R"(["A"])"), "customerName"));
  add(Post("CustomerNameObject", WithName(R"({"first":"A"})"), "customerName"));
  add(Post("CustomerNameEmpty", WithName(R"("")"), "customerName"));
  add(Post("CustomerNameSpaces", WithName(R"("   ")"), "customerName"));
  add(Post("CustomerNameControlChar", WithName(R"("A\u0007B")"), "customerName"));
  add(Post("CustomerNameNul", WithName(R"("A\u0000B")"), "customerName"));
  add(Post("CustomerNameTooLong", WithName("\"" + std::string(201, 'n') + "\""), "customerName"));
  add(Post("CustomerEmailNumber", ValidPlus(R"(,"customerEmail":5)"), "customerEmail"));
  add(Post("CustomerEmailInvalid", ValidPlus(R"(,"customerEmail":"not-an-email")"),
           "customerEmail"));
  add(Post("ItemsMissing", Order(R"("customerName":"A")"), "items"));
  add(Post("ItemsNull", WithItems("null"), "items"));
  add(Post("ItemsString", WithItems(R"("Motia Smartwatch V2")"), "items"));
  add(Post("ItemsObject", WithItems(kItem), "items"));
  add(Post("ItemsEmpty", WithItems("[]"), "items"));
  add(Post("ItemsElementNumber", WithItems("[1]"), "items[0]"));
  add(Post("ItemsElementNull", WithItems("[" + kItem + ",null]"), "items[1]"));
  {
    std::string many = "[";
    for (int i = 0; i < 101; ++i) many += (i ? "," : "") + kItem;
    add(Post("TooManyLines", WithItems(many + "]"), "items"));
  }
  add(Post("ItemWithoutProduct", WithItems(R"([{"quantity":1}])"), "items[0].productName"));
  add(Post("ItemProductNameEmpty", WithItems(R"([{"productName":"","quantity":1}])"),
           "items[0].productName"));
  add(Post("ItemProductNameNumber", WithItems(R"([{"productName":7,"quantity":1}])"),
           "items[0].productName"));
  add(Post("ItemSkuNumber", WithItems(R"([{"sku":7,"quantity":1}])"), "items[0].sku"));
  add(Post("QuantityMissing", WithItems(R"([{"productName":"Motia Smartwatch V2"}])"),
           "items[0].quantity"));
  add(Post("QuantityNull", WithQuantity("null"), "items[0].quantity"));
  add(Post("QuantityString", WithQuantity(R"("1")"), "items[0].quantity"));
  add(Post("QuantityBool", WithQuantity("true"), "items[0].quantity"));
  add(Post("QuantityArray", WithQuantity("[1]"), "items[0].quantity"));
  add(Post("QuantityZero", WithQuantity("0"), "items[0].quantity"));
  add(Post("QuantityNegative", WithQuantity("-1"), "items[0].quantity"));
  add(Post("QuantityFraction", WithQuantity("1.5"), "items[0].quantity"));
  add(Post("QuantityTooLarge", WithQuantity("10001"), "items[0].quantity"));
  add(Post("QuantityHugeDouble", WithQuantity("1e300"), "items[0].quantity"));
  add(Post("QuantityOverflowsDouble", WithQuantity("1e400"), "items[0].quantity"));
  add(Post("QuantityUint64", WithQuantity("18446744073709551615"), "items[0].quantity"));
  add(Post("QuantityBeyondUint64", WithQuantity("99999999999999999999999"), "items[0].quantity"));
  add(Post("QuantityMinInt64", WithQuantity("-9223372036854775808"), "items[0].quantity"));
  add(Post("OrderIdNumber", ValidPlus(R"(,"orderId":123)"), "orderId"));
  add(Post("OrderIdNotUuid", ValidPlus(R"(,"orderId":"order-1")"), "orderId"));
  add(Post("OrderIdSqlInjection", ValidPlus(R"(,"orderId":"'; DROP TABLE orders;--")"), "orderId"));
  add(Post("TotalAmountString", ValidPlus(R"(,"totalAmount":"99.00")"), "totalAmount"));
  add(Post("TotalAmountBool", ValidPlus(R"(,"totalAmount":true)"), "totalAmount"));
  add(Post("TotalAmountNegative", ValidPlus(R"(,"totalAmount":-99)"), "totalAmount"));
  add(Post("TotalAmountThreeDecimals", ValidPlus(R"(,"totalAmount":99.001)"), "totalAmount"));
  add(Post("TotalAmountHuge", ValidPlus(R"(,"totalAmount":1e308)"), "totalAmount"));
  add(Post("TotalAmountInfinite", ValidPlus(R"(,"totalAmount":1e999)"), "totalAmount"));
  add(Post("TotalAmountUint64", ValidPlus(R"(,"totalAmount":18446744073709551615)"),
           "totalAmount"));
  add(Post("TotalAmountBigInteger", ValidPlus(R"(,"totalAmount":99999999999999999999)"),
           "totalAmount"));
  add(Post("PaymentString", ValidPlus(R"(,"payment":"tok_visa")"), "payment"));
  add(Post("PaymentTokenNumber", ValidPlus(R"(,"payment":{"token":4242})"), "payment.token"));

  // Unicode garbage.
  add(Json("InvalidUtf8Bytes", WithName("\"\xff\xfe\xfd\"")));
  add(Json("OverlongUtf8", WithName("\"\xc0\xaf\"")));
  add(Json("TruncatedUtf8", WithName("\"A\xe2\x82\"")));
  add(Json("EncodedSurrogate", WithName("\"\xed\xa0\x80\"")));
  add(Json("LoneSurrogateEscape", WithName(R"("\ud800")")));
  add(Json("LoneTrailingSurrogateEscape", WithName(R"("\udc00x")")));

  // Nesting.
  add(Json("DeeplyNestedArrays", std::string(60000, '[')));
  add(Json("DeeplyNestedBalanced", std::string(5000, '[') + std::string(5000, ']')));
  add(Json("NestedUnknownField",
           ValidPlus(R"(,"extra":)" + std::string(40, '[') + std::string(40, ']'))));

  // Size and media type.
  add(Post("BodyOver64KiB", WithName("\"" + std::string(70 * 1024, 'x') + "\""), nullptr,
           "payload_too_large", 413));
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/xml", "-"}) {
    BadCase c = Post(std::string("ContentType_") + (type[0] == '-' ? "None" : type), ValidPlus(""),
                     nullptr, "unsupported_media_type", 415);
    for (char& ch : c.name) {
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    c.content_type = type;
    add(c);
  }

  // Well-formed, but refused by the catalogue.
  add(Post("UnknownProduct", WithItems(R"([{"productName":"Nope","quantity":1}])"),
           "items[0].productName", "unknown_product", 422));
  add(Post("UnknownSku", WithItems(R"([{"sku":"NOPE","quantity":1}])"), "items[0].sku",
           "unknown_product", 422));
  add(Post("TotalMismatch", ValidPlus(R"(,"totalAmount":98.99)"), "totalAmount", "total_mismatch",
           422));
  add(Post("InsufficientStock", WithQuantity("10000"), nullptr, "insufficient_stock", 409));

  // Credentials and tenant.
  {
    BadCase c = Post("NoCredentials", ValidPlus(""), nullptr, "unauthorized", 401);
    c.default_auth = false;
    c.headers = {{"X-Store-ID", "X"}};
    add(c);
    c.name = "WrongToken";
    c.headers = {{"X-Store-ID", "X"}, {"Authorization", "Bearer not-the-token"}};
    add(c);
    c = Post("MissingStoreHeader", ValidPlus(""), "X-Store-ID");
    c.default_auth = false;
    c.headers = {{"Authorization", ""}};  // filled in by the fixture
    add(c);
    c = Post("UnknownStore", ValidPlus(""), "X-Store-ID", "not_found", 404);
    c.default_auth = false;
    c.headers = {{"Authorization", ""}, {"X-Store-ID", "NOPE"}};
    add(c);
    c = Post("InjectionInStoreHeader", ValidPlus(""), "X-Store-ID", "not_found", 404);
    c.default_auth = false;
    c.headers = {{"Authorization", ""}, {"X-Store-ID", "X' OR '1'='1"}};
    add(c);
    c = Post("IdempotencyKeyTooLong", ValidPlus(""), "Idempotency-Key");
    c.headers = {{"Idempotency-Key", std::string(201, 'k')}};
    add(c);
  }

  // Routing.
  {
    BadCase c = Get("UnknownRoute", "/api/nope", nullptr);
    c.status = 404;
    c.code = "not_found";
    add(c);
    c.name = "UnknownRoutePost";
    c.method = "POST";
    c.body = ValidPlus("");
    add(c);
    c = Get("TooDeepRoute", "/api/orders/a/b/c/d/e", nullptr);
    c.status = 404;
    c.code = "not_found";
    add(c);
    c = Get("InjectionInPath", "/api/orders/%27%20OR%20%271%27%3D%271", "orderId");
    c.status = 404;
    c.code = "not_found";
    add(c);
    for (auto [name, method, target] :
         {std::tuple{"WrongMethodDeleteOrder", "DELETE", "/api/order"},
          std::tuple{"WrongMethodGetOrder", "GET", "/api/order"},
          std::tuple{"WrongMethodPutOrders", "PUT", "/api/orders"},
          std::tuple{"WrongMethodPatchOrders", "PATCH", "/api/orders"},
          std::tuple{"WrongMethodDeleteHealthz", "DELETE", "/healthz"}}) {
      c = Get(name, target, nullptr);
      c.method = method;
      c.body = std::string(method) == "PATCH" || std::string(method) == "PUT" ? ValidPlus("") : "";
      c.status = 405;
      c.code = "method_not_allowed";
      add(c);
    }
  }

  // Query parameters.
  add(Get("LimitZero", "/api/orders?limit=0", "limit"));
  add(Get("LimitTooLarge", "/api/orders?limit=501", "limit"));
  add(Get("LimitNotANumber", "/api/orders?limit=abc", "limit"));
  add(Get("LimitNegative", "/api/orders?limit=-1", "limit"));
  add(Get("LimitHuge", "/api/orders?limit=99999999999999999999", "limit"));
  add(Get("LimitInjection", "/api/orders?limit=1%3BDROP%20TABLE%20orders", "limit"));
  add(Get("CursorNotANumber", "/api/orders?cursor=abc", "cursor"));
  add(Get("CursorNegative", "/api/orders?cursor=-5", "cursor"));
  add(Get("CursorInjection", "/api/orders?cursor=1%27%20OR%20%271%27%3D%271", "cursor"));
  add(Get("StatusUnknown", "/api/orders?status=bogus", "status"));
  add(Get("StatusInjection", "/api/orders?status=pending%27%20OR%20%271%27%3D%271", "status"));
  add(Get("PaymentStatusUnknown", "/api/orders?paymentStatus=free", "paymentStatus"));
  add(Get("FulfillmentStatusUnknown", "/api/orders?fulfillmentStatus=lost", "fulfillmentStatus"));
  add(Get("FromNotATime", "/api/orders?from=yesterday", "from"));
  add(Get("ToNotATime", "/api/orders?to=%27%3B--", "to"));
  add(Get("CustomerTooLong", "/api/orders?customer=" + std::string(255, 'c'), "customer"));
  add(Get("SearchTooLong", "/api/orders?q=" + std::string(201, 'q'), "q"));
  add(Get("AlertsUnreadNotBool", "/api/alerts?unread=maybe", "unread"));
  add(Get("AlertsLimitZero", "/api/alerts?limit=0", "limit"));
  return cases;
}

// Stock and reservations of a store, as one comparable string.
std::string Inventory(StoreApi& api) {
  HttpResult r = api.Get("/api/products");
  EXPECT_EQ(r.status, 200) << r.body;
  std::string out;
  json::value v = ParseJson(r.body);
  if (!v.is_object()) return out;
  for (const auto& p : v.at("items").as_array()) {
    out += json::serialize(p.at("productId")) + ":" + json::serialize(p.at("stock")) + "/" +
           json::serialize(p.at("reserved")) + " ";
  }
  return out;
}

void Check(ServerProcess& server, const BadCase& c) {
  StoreApi x(server.port(), server.admin_token(), "X");
  const long long orders_before = x.OrderCount();
  ASSERT_GE(orders_before, 0);
  const std::string inventory_before = Inventory(x);

  HttpClient::Headers headers;
  if (c.default_auth) {
    headers = {{"Authorization", "Bearer " + server.admin_token()}, {"X-Store-ID", "X"}};
  }
  for (auto [name, value] : c.headers) {
    if (name == "Authorization" && value.empty()) value = "Bearer " + server.admin_token();
    headers.emplace_back(name, value);
  }
  if (!c.body.empty() && c.content_type != "-") {
    headers.emplace_back("Content-Type", c.content_type);
  }
  HttpResult r;
  {
    HttpClient client(server.port());
    r = client.Request(c.method, c.target, c.body, headers);
  }

  EXPECT_EQ(r.status, c.status) << r.body;
  std::string why;
  EXPECT_TRUE(IsErrorEnvelope(r.body, &why)) << why << ": " << r.body;
  EXPECT_EQ(ErrorCodeOf(r.body), c.code) << r.body;
  if (c.field != nullptr) {
    EXPECT_EQ(ErrorFieldOf(r.body), c.field) << r.body;
  }
  EXPECT_NE(r.headers["content-type"].find("application/json"), std::string::npos);
  if (c.status == 405) {
    EXPECT_FALSE(r.headers["allow"].empty()) << "405 without Allow";
  }

  HttpClient fresh(server.port());
  EXPECT_EQ(fresh.Get("/healthz").status, 200) << "server down";
  EXPECT_EQ(x.OrderCount(), orders_before);
  EXPECT_EQ(Inventory(x), inventory_before);
}

// The whole table against one server: ctest runs every test in a process of
// its own, and a server start per case would dominate the suite's time.
// Failures name their case.
TEST(BadInputTest, EveryCaseIsRefusedWithTheEnvelopeAndWritesNothing) {
  ServerProcess server;
  const std::vector<BadCase> cases = Cases();
  ASSERT_GT(cases.size(), 100u);
  for (const BadCase& c : cases) {
    SCOPED_TRACE("bad input case " + c.name);
    Check(server, c);
  }
}

// Injection text in query parameters that are otherwise valid is just text:
// it matches nothing and breaks nothing.
TEST(InjectionTest, QueryParametersAreNeverSql) {
  ServerProcess server;
  StoreApi x(server.port(), server.admin_token(), "X");
  ASSERT_EQ(x.PostOrder("Real Customer", "Motia Smartwatch V2", 1).status, 201);
  for (const char* query :
       {"customer=%27%20OR%20%271%27%3D%271", "customer=x%40y.z%27%20OR%201%3D1--",
        "q=%27%20OR%201%3D1%20--", "q=%25", "q=_", "q=%5C", "q=%22%3B%20DROP%20TABLE%20orders%3B--",
        "customer=Real%20Customer%27--"}) {
    HttpResult r = x.Get(std::string("/api/orders?") + query);
    ASSERT_EQ(r.status, 200) << query << ": " << r.body;
    EXPECT_TRUE(ParseJson(r.body).at("items").as_array().empty()) << query << ": " << r.body;
  }
  EXPECT_EQ(x.OrderCount(), 1);
  HttpResult real = x.Get("/api/orders?customer=Real%20Customer");
  EXPECT_EQ(ParseJson(real.body).at("items").as_array().size(), 1u) << real.body;
}

// Raw bytes that are not HTTP get a 400 and the server carries on.
TEST(RawHttpTest, GarbageRequestsAreRefused) {
  ServerProcess server;
  HttpClient client(server.port());
  const std::string garbage[] = {
      "NONSENSE\r\n\r\n",
      "GET /healthz HTTP/9.9\r\n\r\n",
      "POST /api/order HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST /api/order HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n",
      "GET /api/orders HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70 * 1024, 'h') + "\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS hello
  };
  for (const auto& bytes : garbage) {
    std::string reply = client.RawExchange(bytes);
    if (!reply.empty()) {
      EXPECT_EQ(reply.rfind("HTTP/1.1 4", 0), 0u) << reply.substr(0, 200);
      auto body_at = reply.find("\r\n\r\n");
      ASSERT_NE(body_at, std::string::npos) << reply.substr(0, 200);
      std::string why;
      EXPECT_TRUE(IsErrorEnvelope(reply.substr(body_at + 4), &why)) << why << ": " << reply;
    }
    EXPECT_EQ(client.Get("/healthz").status, 200) << "after " << bytes.substr(0, 40);
  }
  StoreApi x(server.port(), server.admin_token(), "X");
  EXPECT_EQ(x.OrderCount(), 0);
}

}  // namespace
}  // namespace orderflow::testing
