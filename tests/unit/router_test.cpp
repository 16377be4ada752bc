#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "common/result.hpp"
#include "http/request.hpp"

namespace orderflow::http {
namespace {

// Each route's handler answers with its own name, so a test can tell which
// route matched.
Handler Named(std::string name) {
  return [name = std::move(name)](Request&, Respond respond) { respond(JsonResponse(200, name)); };
}

std::string Call(const Handler& handler, Request& request) {
  std::string body;
  handler(request, [&body](Response response) { body = response.body; });
  return body;
}

Request Make(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/api/orders", Named("list"));
    router_.Add("POST", "/api/orders", Named("create"));
    router_.Add("GET", "/api/orders/:id", Named("get"));
    router_.Add("POST", "/api/orders/:id/cancel", Named("cancel"));
    router_.Add("GET", "/api/order/tracking/:orderId", Named("track"));
    router_.Add("POST", "/api/alerts/:id/read", Named("read"));
    router_.Add("POST", "/api/alerts/read-all", Named("read-all"));
    router_.Add("GET", "/healthz", Named("health"));
  }

  Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutesByMethod) {
  const Handler* handler = nullptr;
  std::string allowed;
  Request get = Make("GET", "/api/orders");
  ASSERT_EQ(router_.Match(get, &handler, &allowed), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*handler, get), "list");
  Request post = Make("POST", "/api/orders");
  ASSERT_EQ(router_.Match(post, &handler, &allowed), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*handler, post), "create");
}

TEST_F(RouterTest, BindsParameters) {
  const Handler* handler = nullptr;
  Request request = Make("POST", "/api/orders/ord-42/cancel");
  ASSERT_EQ(router_.Match(request, &handler, nullptr), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*handler, request), "cancel");
  EXPECT_EQ(request.Param("id"), "ord-42");
  EXPECT_EQ(request.Param("missing"), "");

  Request track = Make("GET", "/api/order/tracking/abc");
  ASSERT_EQ(router_.Match(track, &handler, nullptr), Router::MatchResult::kFound);
  EXPECT_EQ(track.Param("orderId"), "abc");
}

TEST_F(RouterTest, LiteralSegmentBeatsParameterWhateverTheOrder) {
  Router router;
  router.Add("GET", "/api/orders/:id", Named("by-id"));
  router.Add("GET", "/api/orders/stats", Named("stats"));
  const Handler* handler = nullptr;
  Request stats = Make("GET", "/api/orders/stats");
  ASSERT_EQ(router.Match(stats, &handler, nullptr), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*handler, stats), "stats");
  EXPECT_TRUE(stats.params.empty());
  Request other = Make("GET", "/api/orders/17");
  ASSERT_EQ(router.Match(other, &handler, nullptr), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*handler, other), "by-id");

  const Handler* read_all = nullptr;
  Request request = Make("POST", "/api/alerts/read-all");
  ASSERT_EQ(router_.Match(request, &read_all, nullptr), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*read_all, request), "read-all");
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  const Handler* handler = nullptr;
  std::string allowed;
  for (const char* path :
       {"/api/nope", "/api/orders/1/cancel/now", "/api/orders/1/refund", "/", "/api"}) {
    Request request = Make("GET", path);
    EXPECT_EQ(router_.Match(request, &handler, &allowed), Router::MatchResult::kNotFound) << path;
  }
}

TEST_F(RouterTest, KnownPathWithOtherMethodListsAllowedMethods) {
  const Handler* handler = nullptr;
  std::string allowed;
  Request request = Make("DELETE", "/api/orders");
  ASSERT_EQ(router_.Match(request, &handler, &allowed), Router::MatchResult::kMethodNotAllowed);
  EXPECT_EQ(allowed, "GET, POST");

  Request cancel = Make("GET", "/api/orders/5/cancel");
  ASSERT_EQ(router_.Match(cancel, &handler, &allowed), Router::MatchResult::kMethodNotAllowed);
  EXPECT_EQ(allowed, "POST");
}

TEST_F(RouterTest, TrailingSlashIsIgnoredButEmptyParameterIsNot) {
  const Handler* handler = nullptr;
  Request slash = Make("GET", "/api/orders/");
  ASSERT_EQ(router_.Match(slash, &handler, nullptr), Router::MatchResult::kFound);
  EXPECT_EQ(Call(*handler, slash), "list");

  Request empty = Make("POST", "/api/orders//cancel");
  EXPECT_EQ(router_.Match(empty, &handler, nullptr), Router::MatchResult::kNotFound);
}

TEST(RouterRequestTest, HeaderQueryAndParamLookups) {
  Request request;
  request.headers = {
      {"content-type", "application/json"}, {"x-store-id", "X"}, {"x-store-id", "Y"}};
  request.query = {{"limit", "10"}};
  request.params = {{"id", "7"}};
  EXPECT_EQ(request.Header("x-store-id"), "X");
  EXPECT_EQ(request.Header("authorization"), "");
  EXPECT_EQ(request.Query("limit"), "10");
  EXPECT_EQ(request.Query("cursor"), "");
  EXPECT_EQ(request.Param("id"), "7");
  EXPECT_EQ(request.Param("other"), "");
}

TEST(RouterErrorMappingTest, StatusForEveryCode) {
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidJson), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kValidation), 400);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnauthorized), 401);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInsufficientStock), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInvalidTransition), 409);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnknownProduct), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kTotalMismatch), 422);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(ErrorCode::kInternal), 500);
}

TEST(RouterErrorMappingTest, EnvelopeCarriesCodeMessageAndField) {
  Response response =
      ErrorResponse(MakeError(ErrorCode::kValidation, "must be \"positive\"", "items[0].quantity"));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  auto json = boost::json::parse(response.body);
  const auto& error = json.at("error");
  EXPECT_EQ(error.at("code").as_string(), "validation_failed");
  EXPECT_EQ(error.at("message").as_string(), "must be \"positive\"");
  EXPECT_EQ(error.at("field").as_string(), "items[0].quantity");
}

TEST(RouterErrorMappingTest, FieldIsNullWhenEmpty) {
  Response response = ErrorResponse(MakeError(ErrorCode::kInsufficientStock, "sold out"));
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(response.body,
            R"({"error":{"code":"insufficient_stock","message":"sold out","field":null}})");
}

TEST(RouterErrorMappingTest, MethodNotAllowedHasAllowHeader) {
  Response response = MethodNotAllowedResponse("GET, POST");
  EXPECT_EQ(response.status, 405);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, POST");
  EXPECT_EQ(boost::json::parse(response.body).at("error").at("code").as_string(),
            "method_not_allowed");
}

}  // namespace
}  // namespace orderflow::http
