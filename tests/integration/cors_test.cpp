// CORS against the real binary: off by default, exact origins with
// --cors-origin, and the original React front end (auth off, another origin).

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

const std::string kOrigin = "http://localhost:5173";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool HasToken(const std::string& list, const std::string& token) {
  return Lower(list).find(Lower(token)) != std::string::npos;
}

HttpResult Preflight(HttpClient& client, const std::string& origin) {
  return client.Request("OPTIONS", "/api/order", "",
                        {{"Origin", origin},
                         {"Access-Control-Request-Method", "POST"},
                         {"Access-Control-Request-Headers", "content-type,x-store-id"}});
}

TEST(CorsTest, OffByDefault) {
  ServerProcess server;
  HttpClient client(server.port());
  HttpResult get = client.Get("/api/orders", {{"Origin", kOrigin},
                                              {"Authorization", "Bearer " + server.admin_token()},
                                              {"X-Store-ID", "X"}});
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_FALSE(get.headers.count("access-control-allow-origin"));

  HttpResult preflight = Preflight(client, kOrigin);
  EXPECT_NE(preflight.status, 204);
  EXPECT_FALSE(preflight.headers.count("access-control-allow-origin"));
  EXPECT_FALSE(preflight.headers.count("access-control-allow-methods"));
}

TEST(CorsTest, AllowedOriginGetsPreflightAndHeaders) {
  ServerProcess server({.extra_args = {"--cors-origin", kOrigin}});
  HttpClient client(server.port());

  HttpResult preflight = Preflight(client, kOrigin);
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], kOrigin);
  EXPECT_TRUE(HasToken(preflight.headers["access-control-allow-methods"], "POST"));
  for (const char* header : {"Content-Type", "Authorization", "X-Store-ID", "Idempotency-Key"}) {
    EXPECT_TRUE(HasToken(preflight.headers["access-control-allow-headers"], header)) << header;
  }

  HttpClient::Headers auth = {{"Origin", kOrigin},
                              {"Authorization", "Bearer " + server.admin_token()},
                              {"X-Store-ID", "X"}};
  HttpResult get = client.Get("/api/orders", auth);
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.headers["access-control-allow-origin"], kOrigin);
  EXPECT_TRUE(HasToken(get.headers["vary"], "Origin"));

  // Errors are readable by the page too.
  HttpResult unauthorized = client.Get("/api/orders", {{"Origin", kOrigin}, {"X-Store-ID", "X"}});
  EXPECT_EQ(unauthorized.status, 401);
  EXPECT_EQ(unauthorized.headers["access-control-allow-origin"], kOrigin);

  // Any other origin gets nothing.
  HttpResult evil_preflight = Preflight(client, "http://evil.example");
  EXPECT_NE(evil_preflight.status, 204);
  EXPECT_FALSE(evil_preflight.headers.count("access-control-allow-origin"));
  auth[0].second = "http://evil.example";
  HttpResult evil = client.Get("/api/orders", auth);
  EXPECT_FALSE(evil.headers.count("access-control-allow-origin"));
  auth[0].second = "http://localhost:5174";
  EXPECT_FALSE(client.Get("/api/orders", auth).headers.count("access-control-allow-origin"));
}

TEST(CorsTest, OriginalFrontEndWorksWithAuthOff) {
  ServerProcess server({.extra_args = {"--auth", "off", "--cors-origin", kOrigin}});
  HttpClient client(server.port());
  EXPECT_EQ(Preflight(client, kOrigin).status, 204);
  HttpResult order = client.Post(
      "/api/order",
      R"({"customerName":"React","items":[{"productName":"Motia Pro Headset","quantity":1}],
          "totalAmount":99.00})",
      {{"Origin", kOrigin}, {"X-Store-ID", "Y"}});
  EXPECT_EQ(order.status, 201) << order.body;
  EXPECT_EQ(order.headers["access-control-allow-origin"], kOrigin);
  HttpResult stats = client.Get("/api/dashboard/stats", {{"Origin", kOrigin}, {"X-Store-ID", "Y"}});
  EXPECT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(stats.headers["access-control-allow-origin"], kOrigin);
  EXPECT_NE(stats.body.find(R"("totalOrders":1)"), std::string::npos) << stats.body;
}

}  // namespace
}  // namespace orderflow::testing
