// JSON request bodies: the first byte picks one of the routes that read a
// body (every POST/PATCH the real router has, so new routes are fuzzed
// without touching this file), the second sets a few header options, and
// the rest is the body, sent as admin with a valid store through
// http::ServeBytes. Bodies are also run through the order-intake domain path
// (ParseOrderRequest, CanonicalHash, PriceOrder against an in-memory
// catalogue), whose invariants are checked here.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "domain/money.hpp"
#include "domain/order_request.hpp"
#include "fuzz/fuzz_app.hpp"
#include "http/handlers/api.hpp"
#include "http/server.hpp"

namespace orderflow::fuzz {
namespace {

namespace json = boost::json;

[[noreturn]] void Fail(const char* what, std::string_view body) {
  std::fprintf(stderr, "invariant violated: %s\nbody (%zu bytes): %.2000s\n", what, body.size(),
               std::string(body).c_str());
  std::abort();
}

// The demo catalogue, in memory, so pricing needs no database.
class DemoCatalogue final : public domain::Catalogue {
 public:
  DemoCatalogue() {
    const char* names[] = {"Motia Smartwatch V2", "Motia IoT Sensor Kit", "Motia Pro Headset",
                           "Motia AI Dev Board"};
    int stock[] = {50, 30, 25, 15};
    for (int i = 0; i < 4; ++i) {
      domain::Product p;
      p.store_id = "X";
      p.product_id = "p" + std::to_string(i);
      p.product_name = names[i];
      p.sku = "SKU-" + std::to_string(i);
      p.price = 9900;
      p.stock = stock[i];
      p.reserved = i;
      products_.push_back(p);
    }
    products_[3].status = domain::ProductStatus::kArchived;
  }

  Result<std::optional<domain::Product>> Find(const domain::RequestedLine& line) const override {
    for (const auto& p : products_) {
      if ((!line.product_name.empty() && p.product_name == line.product_name) ||
          (!line.sku.empty() && p.sku == line.sku)) {
        return std::optional<domain::Product>(p);
      }
    }
    return std::optional<domain::Product>{};
  }

 private:
  std::vector<domain::Product> products_;
};

bool IsHex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void CheckOrderDomain(std::string_view body) {
  http::Request request;
  request.body = std::string(body);
  auto value = http::handlers::ParseJsonBody(request);
  if (!value.ok()) {
    if (value.code() != ErrorCode::kInvalidJson) Fail("JSON errors must be invalid_json", body);
    return;
  }
  auto parsed = domain::ParseOrderRequest(*value);
  if (!parsed.ok()) {
    if (parsed.code() != ErrorCode::kValidation) Fail("parse errors must be validation", body);
    if (value->is_object() && parsed.error().field.empty()) Fail("error without field", body);
    return;
  }
  const domain::OrderRequest& req = *parsed;
  if (req.customer_name.empty()) Fail("accepted an empty customerName", body);
  if (req.lines.empty() || req.lines.size() > domain::kMaxLines) Fail("line count", body);
  for (const auto& line : req.lines) {
    if (line.product_name.empty() == line.sku.empty()) Fail("line needs name xor sku", body);
    if (line.quantity < 1 || line.quantity > domain::kMaxQuantity) Fail("quantity range", body);
  }
  if (req.total && *req.total < 0) Fail("negative total accepted", body);

  // The idempotency hash must not depend on the body's spelling.
  std::string hash = req.CanonicalHash();
  if (!IsHex64(hash)) Fail("canonical hash format", body);
  auto reparsed = domain::ParseOrderRequest(json::parse(json::serialize(*value)));
  if (!reparsed.ok() || reparsed->CanonicalHash() != hash) Fail("hash not canonical", body);

  static const DemoCatalogue catalogue;
  domain::Cents total = -1;
  auto priced = domain::PriceOrder(req, catalogue, total);
  if (!priced.ok()) {
    ErrorCode c = priced.code();
    if (c != ErrorCode::kUnknownProduct && c != ErrorCode::kTotalMismatch &&
        c != ErrorCode::kInsufficientStock && c != ErrorCode::kValidation) {
      Fail("unexpected pricing error code", body);
    }
    return;
  }
  domain::Cents sum = 0;
  for (const auto& line : *priced) {
    if (line.line_total != line.unit_price * line.quantity) Fail("line total", body);
    sum += line.line_total;
  }
  if (sum != total || total < 0) Fail("order total is not the sum of its lines", body);
  if (req.total && *req.total != total) Fail("accepted a mismatching totalAmount", body);
}

struct BodyRoute {
  std::string method;
  std::string path;  // parameters filled in
};

std::string FillParams(const std::string& pattern, const std::string& order_id,
                       const std::string& product_id) {
  std::string out;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    std::size_t slash = pattern.find('/', pos + 1);
    std::string segment = pattern.substr(pos, slash == std::string::npos ? slash : slash - pos);
    if (segment.size() > 1 && segment[1] == ':') {
      if (out.rfind("/api/orders", 0) == 0) {
        segment = "/" + order_id;
      } else if (out.rfind("/api/products", 0) == 0) {
        segment = "/" + product_id;
      } else if (out.rfind("/api/stores", 0) == 0) {
        segment = "/Y";
      } else {
        segment = "/1";
      }
    }
    out += segment;
    if (slash == std::string::npos) break;
    pos = slash;
  }
  return out;
}

std::string RawRequest(const std::string& method, const std::string& path, std::string_view body,
                       std::uint8_t flags) {
  std::string raw = method + " " + path + " HTTP/1.1\r\nHost: fuzz\r\nAuthorization: Bearer " +
                    std::string(kAdminToken) + "\r\nX-Store-ID: " + ((flags & 1) ? "Y" : "X") +
                    "\r\nContent-Type: application/json\r\n";
  if (flags & 2) raw += "Idempotency-Key: fuzz-" + std::to_string(flags >> 2) + "\r\n";
  raw += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  raw += body;
  return raw;
}

std::string FieldOf(const http::Response& r, const char* key) {
  std::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return {};
  const json::value* found = v.get_object().if_contains(key);
  if (found && found->is_string()) return std::string(found->get_string());
  if (const json::value* items = v.get_object().if_contains("items");
      items && items->is_array() && !items->get_array().empty() &&
      items->get_array()[0].is_object()) {
    const json::value* f = items->get_array()[0].get_object().if_contains(key);
    if (f && f->is_string()) return std::string(f->get_string());
  }
  return {};
}

// The routes with a body, with ids of a real order and product of store X.
const std::vector<BodyRoute>& Routes() {
  static const std::vector<BodyRoute> routes = [] {
    const FuzzApp& app = App();
    auto one = [&app](const std::string& method, const std::string& path, std::string body) {
      auto responses = http::ServeBytes(app.config, *app.router, RawRequest(method, path, body, 0));
      if (responses.empty()) return http::Response{};
      return responses.front();
    };
    std::string product_id = FieldOf(one("GET", "/api/products", ""), "productId");
    std::string order_id = FieldOf(
        one("POST", "/api/order",
            R"({"customerName":"Fuzz Seed","items":[{"productName":"Motia Pro Headset","quantity":1}]})"),
        "orderId");
    if (product_id.empty() || order_id.empty()) {
      std::fprintf(stderr, "fuzz: cannot set up the seed order and product\n");
      std::abort();
    }
    std::vector<BodyRoute> out;
    for (const auto& route : app.router->routes()) {
      if (route.method != "POST" && route.method != "PATCH" && route.method != "PUT") continue;
      out.push_back({route.method, FillParams(route.pattern, order_id, product_id)});
    }
    return out;
  }();
  return routes;
}

}  // namespace
}  // namespace orderflow::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace orderflow;
  if (size < 2) return 0;
  const auto& routes = fuzz::Routes();
  const fuzz::BodyRoute& route = routes[data[0] % routes.size()];
  std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);
  fuzz::CheckOrderDomain(body);
  std::string raw = fuzz::RawRequest(route.method, route.path, body, data[1]);
  fuzz::CheckResponses(http::ServeBytes(fuzz::App().config, *fuzz::App().router, raw), raw);
  return 0;
}
