// docs/openapi.json against the real router: every route the server
// registers (app::RegisterRoutes, the list `orderflow serve` uses) is
// documented with the same method and path template, and every documented
// operation exists. Also checks the document is self-consistent: each $ref
// resolves, each path parameter is declared with an example, and every
// error response uses the error envelope.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/routes.hpp"
#include "app/thread_pool.hpp"
#include "common/clock.hpp"
#include "http/handlers/api.hpp"
#include "http/live_hub.hpp"
#include "http/router.hpp"
#include "metrics/metrics.hpp"
#include "steps/steps.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "tenancy/tenant_directory.hpp"

namespace orderflow {
namespace {

namespace json = boost::json;
using Operation = std::pair<std::string, std::string>;  // METHOD, /path/{template}

// "/api/orders/:id/cancel" -> "/api/orders/{id}/cancel".
std::string ToTemplate(const std::string& pattern) {
  std::string out;
  std::size_t pos = 0;
  while (pos < pattern.size()) {
    std::size_t slash = pattern.find('/', pos + 1);
    std::string segment = pattern.substr(pos, slash == std::string::npos ? slash : slash - pos);
    if (segment.size() > 1 && segment[1] == ':') segment = "/{" + segment.substr(2) + "}";
    out += segment;
    if (slash == std::string::npos) break;
    pos = slash;
  }
  return out;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

const json::value& Document() {
  static const json::value doc = json::parse(http::handlers::OpenApiDocument());
  return doc;
}

std::set<Operation> DocumentedOperations() {
  std::set<Operation> out;
  for (const auto& [path, item] : Document().at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      out.emplace(Upper(std::string(method)), std::string(path));
    }
  }
  return out;
}

// The server's real routes, built as `orderflow serve` builds them.
class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteConfig config;
    config.path = dir_.File("openapi.db");
    auto opened = store::SqliteStore::Open(config);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    db_ = std::move(opened).value();
    tenants_ = std::make_unique<tenancy::TenantDirectory>("admin-token-for-tests", true, clock_);
    live_ = std::make_unique<http::LiveHub>(*db_, clock_);
    services_ = std::make_unique<http::handlers::Services>(
        http::handlers::Services{*db_, pool_, clock_, *tenants_, flow_, live_.get()});
    app::RegisterRoutes(router_, *services_, *live_);
    // serve.cpp adds /metrics beside the shared list, because only it has
    // the metrics component.
    std::vector<std::string> steps;
    for (const auto& spec : flow_.steps()) steps.push_back(spec.name);
    metrics_ = std::make_unique<metrics::Metrics>(*db_, clock_, steps);
    http::handlers::RegisterMetricsRoute(router_, *services_, *metrics_);
  }

  std::set<Operation> RoutedOperations() const {
    std::set<Operation> out;
    for (const auto& route : router_.routes()) out.emplace(route.method, ToTemplate(route.pattern));
    return out;
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> db_;
  std::unique_ptr<tenancy::TenantDirectory> tenants_;
  engine::Flow flow_ = steps::DeclareFlow();
  app::ThreadPool pool_{1};
  std::unique_ptr<http::LiveHub> live_;
  std::unique_ptr<http::handlers::Services> services_;
  std::unique_ptr<metrics::Metrics> metrics_;
  http::Router router_;
};

TEST_F(OpenApiTest, EveryRegisteredRouteIsDocumented) {
  std::set<Operation> documented = DocumentedOperations();
  ASSERT_FALSE(router_.routes().empty());
  for (const auto& [method, path] : RoutedOperations()) {
    EXPECT_TRUE(documented.count({method, path}))
        << method << " " << path << " is served but missing from docs/openapi.json";
  }
}

TEST_F(OpenApiTest, EveryDocumentedOperationIsRouted) {
  std::set<Operation> routed = RoutedOperations();
  for (const auto& [method, path] : DocumentedOperations()) {
    EXPECT_TRUE(routed.count({method, path}))
        << method << " " << path << " is documented but no route serves it";
  }
}

TEST_F(OpenApiTest, ServesTheEmbeddedDocumentWithoutAuth) {
  http::Request request;
  request.method = "GET";
  request.path = "/api/openapi.json";
  const http::Handler* handler = nullptr;
  ASSERT_EQ(router_.Match(request, &handler, nullptr), http::Router::MatchResult::kFound);
  http::Response response;
  (*handler)(request, [&response](http::Response r) { response = std::move(r); });
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, http::handlers::OpenApiDocument());
}

// Every "$ref" in `value` names an existing component.
void ExpectRefsResolve(const json::value& value, const json::object& components) {
  if (value.is_array()) {
    for (const auto& v : value.as_array()) ExpectRefsResolve(v, components);
    return;
  }
  if (!value.is_object()) return;
  for (const auto& [key, v] : value.as_object()) {
    if (key == "$ref") {
      std::string ref(v.as_string());
      const std::string prefix = "#/components/";
      ASSERT_EQ(ref.rfind(prefix, 0), 0u) << ref;
      std::string rest = ref.substr(prefix.size());
      auto slash = rest.find('/');
      ASSERT_NE(slash, std::string::npos) << ref;
      const json::value* section = components.if_contains(rest.substr(0, slash));
      EXPECT_TRUE(section != nullptr && section->as_object().contains(rest.substr(slash + 1)))
          << "unresolved " << ref;
    } else {
      ExpectRefsResolve(v, components);
    }
  }
}

TEST(OpenApiDocument, IsSelfConsistent) {
  const json::object& doc = Document().as_object();
  EXPECT_EQ(doc.at("openapi").as_string().subview().substr(0, 2), "3.");
  const json::object& components = doc.at("components").as_object();
  ExpectRefsResolve(Document(), components);
  ASSERT_TRUE(components.at("securitySchemes").as_object().contains("bearerAuth"));
  const json::object& parameters = components.at("parameters").as_object();
  const json::object& responses = components.at("responses").as_object();

  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op_value] : item.as_object()) {
      const json::object& op = op_value.as_object();
      std::string where = Upper(std::string(method)) + " " + std::string(path);
      // Path parameters: every {name} of the template is declared, with an
      // example the integration test can send.
      std::set<std::string> declared;
      if (const json::value* params = op.if_contains("parameters")) {
        for (const auto& p : params->as_array()) {
          const json::object* param = &p.as_object();
          if (const json::value* ref = param->if_contains("$ref")) {
            std::string name(ref->as_string());
            param = &parameters.at(name.substr(name.rfind('/') + 1)).as_object();
          }
          if (param->at("in").as_string() == "path") {
            declared.insert(std::string(param->at("name").as_string()));
            EXPECT_TRUE(param->contains("example")) << where << ": path parameter without example";
          }
        }
      }
      std::string templ(path);
      for (auto open = templ.find('{'); open != std::string::npos; open = templ.find('{', open)) {
        auto close = templ.find('}', open);
        std::string name = templ.substr(open + 1, close - open - 1);
        EXPECT_TRUE(declared.count(name)) << where << ": {" << name << "} is not declared";
        open = close;
      }
      // Responses: at least one 2xx; errors carry the envelope.
      bool success = false;
      for (const auto& [status_key, response] : op.at("responses").as_object()) {
        std::string status(status_key);
        if (status.front() == '2') success = true;
        if (status.front() != '4') continue;
        const json::object* r = &response.as_object();
        if (const json::value* ref = r->if_contains("$ref")) {
          std::string name(ref->as_string());
          r = &responses.at(name.substr(name.rfind('/') + 1)).as_object();
        }
        EXPECT_EQ(json::serialize(r->at("content").at("application/json").at("schema")),
                  R"({"$ref":"#/components/schemas/Error"})")
            << where << " " << status;
      }
      EXPECT_TRUE(success) << where << " documents no success response";
    }
  }
}

}  // namespace
}  // namespace orderflow
