// Route and AllowedCorsOrigin without a socket: CORS preflights, static
// files or 404 outside the API, 404/405, HEAD as GET, and the JSON rule.

#include "http/dispatch.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace orderflow::http {
namespace {

Request Make(std::string method, std::string path,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.headers = std::move(headers);
  return request;
}

class DispatchTest : public ::testing::Test {
 protected:
  DispatchTest() {
    site_.router.Add("GET", "/api/items/:id",
                     [](Request&, Respond respond) { respond(JsonResponse(200, "{}")); });
    site_.router.Add("POST", "/api/items",
                     [](Request&, Respond respond) { respond(JsonResponse(201, "{}")); });
    site_.router.Add("GET", "/healthz",
                     [](Request&, Respond respond) { respond(JsonResponse(200, "{}")); });
  }

  std::optional<Response> Decide(Request& request, std::string_view cors_origin = {}) {
    return Route(site_, request, cors_origin, handler_);
  }

  Site site_;
  const Handler* handler_ = nullptr;
};

TEST_F(DispatchTest, FindsTheHandlerAndBindsParameters) {
  Request request = Make("GET", "/api/items/7");
  EXPECT_FALSE(Decide(request));
  ASSERT_NE(handler_, nullptr);
  EXPECT_EQ(request.Param("id"), "7");
}

TEST_F(DispatchTest, UnknownRouteAndWrongMethod) {
  Request unknown = Make("GET", "/api/nothing");
  auto not_found = Decide(unknown);
  ASSERT_TRUE(not_found);
  EXPECT_EQ(not_found->status, 404);

  Request wrong = Make("DELETE", "/api/items/7");
  auto not_allowed = Decide(wrong);
  ASSERT_TRUE(not_allowed);
  EXPECT_EQ(not_allowed->status, 405);
  EXPECT_EQ(handler_, nullptr);
}

TEST_F(DispatchTest, HeadIsRoutedAsGet) {
  Request head = Make("HEAD", "/api/items/7");
  EXPECT_FALSE(Decide(head));
  EXPECT_EQ(head.method, "GET");
  Request head_of_post = Make("HEAD", "/api/items");
  auto decided = Decide(head_of_post);
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, 405);
  EXPECT_EQ(head_of_post.method, "HEAD");
}

TEST_F(DispatchTest, BodiesMustBeJson) {
  Request text = Make("POST", "/api/items", {{"content-type", "text/plain"}});
  text.body = "hi";
  auto decided = Decide(text);
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, 415);
  EXPECT_EQ(handler_, nullptr);

  Request json = Make("POST", "/api/items", {{"content-type", "application/json; charset=UTF-8"}});
  json.body = "{}";
  EXPECT_FALSE(Decide(json));
  Request empty = Make("POST", "/api/items");
  EXPECT_FALSE(Decide(empty));
}

TEST_F(DispatchTest, PagesWithoutStaticFilesAre404) {
  Request page = Make("GET", "/orders/1");
  auto decided = Decide(page);
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided->status, 404);
}

TEST_F(DispatchTest, CorsPreflight) {
  Request preflight = Make("OPTIONS", "/api/items",
                           {{"origin", "http://app"}, {"access-control-request-method", "POST"}});
  auto forbidden = Decide(preflight);
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);

  auto allowed = Decide(preflight, "http://app");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 204);
  EXPECT_TRUE(allowed->content_type.empty());
  ASSERT_EQ(allowed->headers.size(), 3u);
  EXPECT_EQ(allowed->headers[0].first, "Access-Control-Allow-Methods");
}

TEST(AllowedCorsOriginTest, ExactOrWildcard) {
  EXPECT_EQ(AllowedCorsOrigin({"http://a"}, "http://a"), "http://a");
  EXPECT_EQ(AllowedCorsOrigin({"http://a"}, "http://b"), "");
  EXPECT_EQ(AllowedCorsOrigin({"*"}, "http://b"), "http://b");
  EXPECT_EQ(AllowedCorsOrigin({"*"}, ""), "");
  EXPECT_EQ(AllowedCorsOrigin({}, "http://a"), "");
}

TEST(IsRoutedPathTest, ApiHealthAndMetrics) {
  for (const char* path : {"/api", "/api/", "/api/orders", "/healthz", "/readyz", "/metrics"}) {
    EXPECT_TRUE(IsRoutedPath(path)) << path;
  }
  for (const char* path : {"/", "/apis", "/index.html", "/healthz/x", "/metrics.js"}) {
    EXPECT_FALSE(IsRoutedPath(path)) << path;
  }
}

TEST(CallHandlerTest, ThrowingHandlerReportsFalse) {
  Request request = Make("GET", "/x");
  Handler throws = [](Request&, Respond) { throw std::runtime_error("boom"); };
  Handler answers = [](Request&, Respond respond) { respond(JsonResponse(200, "{}")); };
  int responses = 0;
  Respond respond = [&responses](Response) { ++responses; };
  EXPECT_FALSE(CallHandler(throws, request, respond));
  EXPECT_TRUE(CallHandler(answers, request, respond));
  EXPECT_EQ(responses, 1);
}

}  // namespace
}  // namespace orderflow::http
