// End-to-end tests of the HTTP server over real sockets: a Server on an
// ephemeral port with two I/O threads and a small router.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/json.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "http/server.hpp"
#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::http {
namespace {

using namespace std::chrono_literals;
using orderflow::testing::HttpClient;
using orderflow::testing::HttpResult;

std::string ErrorCodeOf(const HttpResult& result) {
  auto json = boost::json::parse(result.body);
  return std::string(json.at("error").at("code").as_string());
}

bool HasHeader(const HttpResult& result, const std::string& name) {
  return result.headers.count(name) > 0;
}

std::string Header(const HttpResult& result, const std::string& name) {
  auto it = result.headers.find(name);
  return it == result.headers.end() ? "" : it->second;
}

int Count(const std::string& haystack, const std::string& needle) {
  int count = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add("GET", "/healthz",
                [](Request&, Respond respond) { respond(JsonResponse(200, R"({"ok":true})")); });
    router_.Add("GET", "/api/hello", [](Request&, Respond respond) {
      respond(JsonResponse(200, R"({"hello":"world"})"));
    });
    router_.Add("GET", "/api/items/:id", [](Request& request, Respond respond) {
      boost::json::object body;
      body["id"] = request.Param("id");
      body["q"] = request.Query("q");
      body["store"] = request.Header("x-store-id");
      body["remote"] = request.remote_address;
      respond(JsonResponse(200, ToJson(body)));
    });
    router_.Add("DELETE", "/api/items/:id",
                [](Request&, Respond respond) { respond(JsonResponse(204, "")); });
    router_.Add("POST", "/api/echo", [this](Request& request, Respond respond) {
      ++echo_calls_;
      respond(JsonResponse(200, request.body));
    });
    router_.Add("GET", "/api/slow", [this](Request&, Respond respond) {
      Spawn([respond = std::move(respond)] {
        std::this_thread::sleep_for(50ms);
        respond(JsonResponse(200, R"({"slow":true})"));
      });
    });
    router_.Add("GET", "/api/throw",
                [](Request&, Respond) -> void { throw std::runtime_error("boom"); });
    router_.Add("GET", "/api/stream", [this](Request&, Respond respond) {
      Response response;
      response.stream = [this](std::shared_ptr<StreamWriter> writer) {
        {
          std::lock_guard<std::mutex> lock(mutex_);
          writer_ = writer;
        }
        writer->Send("data: one\n\n");
        Spawn([writer] {
          std::this_thread::sleep_for(20ms);
          writer->Send("data: two\n\n");
        });
      };
      respond(std::move(response));
    });
  }

  ~HttpServerTest() override {
    StopServer();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& thread : helpers_) thread.join();
  }

  void Start(ServerConfig config = {}) {
    config.host = "127.0.0.1";
    config.port = 0;
    config.threads = 2;
    server_ = std::make_unique<Server>(config, router_);
    run_ = std::async(std::launch::async, [this] { server_->Run(); });
  }

  // Returns whether Run() returned within the deadline.
  bool StopServer() {
    if (!server_ || !run_.valid()) return true;
    server_->Stop();
    bool returned = run_.wait_for(5s) == std::future_status::ready;
    if (returned) run_.get();
    return returned;
  }

  void Spawn(std::function<void()> work) {
    std::lock_guard<std::mutex> lock(mutex_);
    helpers_.emplace_back(std::move(work));
  }

  std::shared_ptr<StreamWriter> WaitForWriter() {
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (writer_) return writer_;
      }
      std::this_thread::sleep_for(10ms);
    }
    return nullptr;
  }

  unsigned short port() const { return server_->port(); }

  Router router_;
  std::unique_ptr<Server> server_;
  std::future<void> run_;
  std::atomic<int> echo_calls_{0};
  std::mutex mutex_;
  std::vector<std::thread> helpers_;      // GUARDED_BY(mutex_)
  std::shared_ptr<StreamWriter> writer_;  // GUARDED_BY(mutex_)
};

TEST_F(HttpServerTest, RoutesWithParamsQueryAndHeaders) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Get("/api/items/ord%2D42?q=hello%20big+world", {{"X-Store-ID", "X"}});
  ASSERT_EQ(result.status, 200) << result.body;
  EXPECT_EQ(Header(result, "content-type"), "application/json");
  EXPECT_EQ(Header(result, "server"), "orderflow");
  auto json = boost::json::parse(result.body);
  EXPECT_EQ(json.at("id").as_string(), "ord-42");
  EXPECT_EQ(json.at("q").as_string(), "hello big world");
  EXPECT_EQ(json.at("store").as_string(), "X");
  EXPECT_EQ(json.at("remote").as_string(), "127.0.0.1");
}

TEST_F(HttpServerTest, UnknownRouteIs404Envelope) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Get("/api/nope");
  EXPECT_EQ(result.status, 404);
  auto json = boost::json::parse(result.body);
  EXPECT_EQ(json.at("error").at("code").as_string(), "not_found");
  EXPECT_TRUE(json.at("error").at("field").is_null());
  EXPECT_TRUE(json.at("error").at("message").is_string());
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Request("PATCH", "/api/items/1", "");
  EXPECT_EQ(result.status, 405);
  EXPECT_EQ(Header(result, "allow"), "GET, DELETE");
  EXPECT_EQ(ErrorCodeOf(result), "method_not_allowed");
}

TEST_F(HttpServerTest, NoContentHasNoBodyAndConnectionStaysUsable) {
  Start();
  HttpClient client(port());
  HttpResult deleted = client.Request("DELETE", "/api/items/1");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_FALSE(HasHeader(deleted, "content-length"));
  EXPECT_EQ(client.Get("/api/hello").status, 200);
  EXPECT_EQ(client.connect_count(), 1);
}

TEST_F(HttpServerTest, InvalidPercentEncodingIs400) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Get("/api/items/%zz");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(ErrorCodeOf(result), "validation_failed");
}

TEST_F(HttpServerTest, OversizedBodyIs413AndHandlerNotCalled) {
  Start();
  HttpClient client(port());
  std::string body = R"({"pad":")" + std::string(70 * 1024, 'x') + R"("})";
  HttpResult result = client.Post("/api/echo", body);
  EXPECT_EQ(result.status, 413);
  EXPECT_EQ(ErrorCodeOf(result), "payload_too_large");
  EXPECT_EQ(Header(result, "connection"), "close");
  EXPECT_EQ(echo_calls_.load(), 0);

  HttpResult next = client.Post("/api/echo", R"({"small":true})");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(next.body, R"({"small":true})");
  EXPECT_EQ(echo_calls_.load(), 1);
}

TEST_F(HttpServerTest, OversizedChunkedBodyIs413) {
  Start();
  HttpClient client(port());
  std::string raw =
      "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  std::string chunk(16 * 1024, 'x');
  for (int i = 0; i < 5; ++i) raw += "4000\r\n" + chunk + "\r\n";
  raw += "0\r\n\r\n";
  std::string response = client.RawExchange(raw);
  EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response.substr(0, 200);
  EXPECT_NE(response.find("payload_too_large"), std::string::npos);
  EXPECT_EQ(echo_calls_.load(), 0);
}

TEST_F(HttpServerTest, NonJsonContentTypeIs415) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Post("/api/echo", "{}", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(result.status, 415);
  auto json = boost::json::parse(result.body);
  EXPECT_EQ(json.at("error").at("code").as_string(), "unsupported_media_type");
  EXPECT_TRUE(json.at("error").at("field").is_null());
  EXPECT_EQ(echo_calls_.load(), 0);

  HttpResult with_charset =
      client.Post("/api/echo", "{}", {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(with_charset.status, 200);
  EXPECT_EQ(echo_calls_.load(), 1);
}

TEST_F(HttpServerTest, MalformedRequestIs400OrClosed) {
  Start();
  HttpClient client(port());
  std::string response = client.RawExchange("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_NE(response.find("validation_failed"), std::string::npos);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
  std::string bad_header = client.RawExchange("GET /healthz HTTP/1.1\r\nNo colon here\r\n\r\n");
  if (!bad_header.empty()) {
    EXPECT_EQ(bad_header.rfind("HTTP/1.1 400", 0), 0u) << bad_header;
  }
  std::string future_version = client.RawExchange("GET /healthz HTTP/9.9\r\n\r\n");
  EXPECT_EQ(future_version.rfind("HTTP/1.1 400", 0), 0u) << future_version;
  std::string tls_hello = client.RawExchange(std::string("\x16\x03\x01\x02\x00\x01\x00", 7));
  if (!tls_hello.empty()) {
    EXPECT_EQ(tls_hello.rfind("HTTP/1.1 400", 0), 0u) << tls_hello;
  }
  EXPECT_EQ(client.Get("/healthz").status, 200);
}

TEST_F(HttpServerTest, OversizedHeaderIsRejected) {
  Start();
  HttpClient client(port());
  std::string raw =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  std::string response = client.RawExchange(raw);
  if (!response.empty()) {
    EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response.substr(0, 200);
  }
  EXPECT_EQ(response.find("{\"ok\":true}"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveReusesOneConnection) {
  Start();
  HttpClient client(port());
  HttpResult first = client.Get("/api/hello");
  HttpResult second = client.Get("/api/items/2");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.status, 200);
  EXPECT_NE(Header(first, "connection"), "close");
  EXPECT_EQ(client.connect_count(), 1);
}

TEST_F(HttpServerTest, Http10ClosesAfterResponse) {
  Start();
  HttpClient client(port());
  auto started = std::chrono::steady_clock::now();
  std::string response = client.RawExchange("GET /healthz HTTP/1.0\r\n\r\n");
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(response.rfind("HTTP/1.0 200", 0), 0u) << response;
  EXPECT_NE(response.find("{\"ok\":true}"), std::string::npos);
  // The server closed the connection; the client did not wait for its timeout.
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrder) {
  Start();
  HttpClient client(port());
  std::string raw =
      "GET /api/items/1 HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /api/slow HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /api/items/3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
  std::string response = client.RawExchange(raw);
  EXPECT_EQ(Count(response, "HTTP/1.1 200 OK"), 3) << response;
  auto first = response.find("\"id\":\"1\"");
  auto slow = response.find("\"slow\":true");
  auto third = response.find("\"id\":\"3\"");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(slow, std::string::npos);
  ASSERT_NE(third, std::string::npos);
  EXPECT_LT(first, slow);
  EXPECT_LT(slow, third);
}

TEST_F(HttpServerTest, HeadReturnsHeadersWithoutBody) {
  Start();
  HttpClient client(port());
  std::string response =
      client.RawExchange("HEAD /api/hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Length: 17\r\n"), std::string::npos) << response;
  EXPECT_EQ(response.find("hello"), std::string::npos);
}

TEST_F(HttpServerTest, ExpectContinueGetsInterimResponse) {
  Start();
  HttpClient client(port());
  std::string raw =
      "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{}";
  std::string response = client.RawExchange(raw);
  EXPECT_EQ(response.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0u) << response;
}

TEST_F(HttpServerTest, RequestIdEchoedWhenSaneGeneratedOtherwise) {
  Start();
  HttpClient client(port());
  EXPECT_EQ(Header(client.Get("/healthz", {{"X-Request-Id", "abc-123"}}), "x-request-id"),
            "abc-123");
  std::string generated =
      Header(client.Get("/healthz", {{"X-Request-Id", "<script>"}}), "x-request-id");
  EXPECT_EQ(generated.size(), 16u);
  EXPECT_EQ(generated.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_FALSE(Header(client.Get("/api/nope"), "x-request-id").empty());
}

TEST_F(HttpServerTest, CorsPreflightFromAllowedOrigin) {
  ServerConfig config;
  config.cors_origins = {"http://app.example"};
  Start(config);
  HttpClient client(port());
  HttpResult preflight = client.Request("OPTIONS", "/api/echo", "",
                                        {{"Origin", "http://app.example"},
                                         {"Access-Control-Request-Method", "POST"},
                                         {"Access-Control-Request-Headers", "content-type"}});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(Header(preflight, "access-control-allow-origin"), "http://app.example");
  EXPECT_EQ(Header(preflight, "access-control-allow-methods"), "GET, POST, PATCH, DELETE, OPTIONS");
  EXPECT_EQ(Header(preflight, "access-control-allow-headers"),
            "Content-Type, Authorization, X-Store-ID, Idempotency-Key");
  EXPECT_EQ(Header(preflight, "access-control-max-age"), "600");
  EXPECT_EQ(Header(preflight, "vary"), "Origin");

  HttpResult get = client.Get("/api/hello", {{"Origin", "http://app.example"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(Header(get, "access-control-allow-origin"), "http://app.example");
  EXPECT_EQ(Header(get, "access-control-expose-headers"), "Retry-After, X-Request-Id");

  HttpResult other = client.Get("/api/hello", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_FALSE(HasHeader(other, "access-control-allow-origin"));
}

TEST_F(HttpServerTest, CorsPreflightFromOtherOriginIsForbidden) {
  ServerConfig config;
  config.cors_origins = {"http://app.example"};
  Start(config);
  HttpClient client(port());
  HttpResult result = client.Request(
      "OPTIONS", "/api/echo", "",
      {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(result.status, 403);
  EXPECT_EQ(ErrorCodeOf(result), "forbidden");
  EXPECT_FALSE(HasHeader(result, "access-control-allow-origin"));
  EXPECT_FALSE(HasHeader(result, "access-control-allow-methods"));
}

TEST_F(HttpServerTest, CorsWildcardEchoesTheOrigin) {
  ServerConfig config;
  config.cors_origins = {"*"};
  Start(config);
  HttpClient client(port());
  HttpResult get = client.Get("/api/hello", {{"Origin", "http://anywhere.example"}});
  EXPECT_EQ(Header(get, "access-control-allow-origin"), "http://anywhere.example");
}

TEST_F(HttpServerTest, NoCorsHeadersByDefault) {
  Start();
  HttpClient client(port());
  HttpResult get = client.Get("/api/hello", {{"Origin", "http://app.example"}});
  EXPECT_EQ(get.status, 200);
  for (const auto& [name, value] : get.headers) {
    EXPECT_EQ(name.rfind("access-control-", 0), std::string::npos) << name;
  }
  HttpResult preflight =
      client.Request("OPTIONS", "/api/echo", "",
                     {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "POST"}});
  EXPECT_EQ(preflight.status, 403);
}

TEST_F(HttpServerTest, HandlerMayRespondFromAnotherThread) {
  Start();
  HttpClient client(port());
  auto started = std::chrono::steady_clock::now();
  HttpResult result = client.Get("/api/slow");
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.body, R"({"slow":true})");
  EXPECT_GE(elapsed, 50ms);
  // The connection is still usable after a deferred response.
  EXPECT_EQ(client.Get("/api/hello").status, 200);
  EXPECT_EQ(client.connect_count(), 1);
}

TEST_F(HttpServerTest, ManyConcurrentDeferredResponses) {
  Start();
  constexpr int kClients = 8;
  std::vector<std::future<int>> results;
  for (int i = 0; i < kClients; ++i) {
    results.push_back(std::async(std::launch::async, [this] {
      HttpClient client(port());
      int ok = 0;
      for (int j = 0; j < 5; ++j) ok += client.Get("/api/slow").status == 200 ? 1 : 0;
      return ok;
    }));
  }
  for (auto& result : results) EXPECT_EQ(result.get(), 5);
}

TEST_F(HttpServerTest, ThrowingHandlerIs500Envelope) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Get("/api/throw");
  EXPECT_EQ(result.status, 500);
  EXPECT_EQ(ErrorCodeOf(result), "internal");
  EXPECT_EQ(result.body.find("boom"), std::string::npos);
  EXPECT_EQ(client.Get("/api/hello").status, 200);
}

TEST_F(HttpServerTest, ServesStaticFilesSafely) {
  orderflow::testing::TempDir dir;
  std::filesystem::create_directory(dir.File("www"));
  WriteFile(dir.File("www/index.html"), "<html>home</html>");
  WriteFile(dir.File("www/app.js"), "console.log('app');");
  WriteFile(dir.File("secret.txt"), "top secret");
  ServerConfig config;
  config.static_dir = dir.File("www");
  Start(config);
  HttpClient client(port());

  HttpResult index = client.Get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>home</html>");
  EXPECT_EQ(Header(index, "content-type").rfind("text/html", 0), 0u);
  EXPECT_EQ(Header(index, "cache-control"), "no-cache");

  HttpResult script = client.Get("/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.body, "console.log('app');");
  EXPECT_EQ(Header(script, "content-type").rfind("text/javascript", 0), 0u);
  EXPECT_FALSE(Header(script, "cache-control").empty());

  HttpResult spa = client.Get("/orders/123");
  EXPECT_EQ(spa.status, 200);
  EXPECT_EQ(spa.body, "<html>home</html>");

  HttpResult missing = client.Get("/missing.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCodeOf(missing), "not_found");

  for (const char* target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/%2e%2e/secret.txt",
                             "/..%2fsecret.txt", "/x/..%5c..%5csecret.txt", "/a%00.js"}) {
    HttpResult attack = client.Get(target);
    EXPECT_EQ(attack.status, 404) << target;
    EXPECT_EQ(attack.body.find("top secret"), std::string::npos) << target;
  }
  std::string raw =
      client.RawExchange("GET /../secret.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(raw.rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(raw.find("top secret"), std::string::npos);

  // API paths never fall back to the page.
  EXPECT_EQ(client.Get("/api/unknown").status, 404);
}

TEST_F(HttpServerTest, NoStaticDirMeans404ForPages) {
  Start();
  HttpClient client(port());
  HttpResult result = client.Get("/");
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(ErrorCodeOf(result), "not_found");
}

TEST_F(HttpServerTest, EventStreamDeliversEventsAndNoticesDisconnect) {
  Start();
  HttpClient client(port());
  std::string response =
      client.RawExchange("GET /api/stream HTTP/1.1\r\nHost: t\r\n\r\n", "data: two\n\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Type: text/event-stream\r\n"), std::string::npos);
  EXPECT_NE(response.find("Cache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(response.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(response.find("Content-Length"), std::string::npos);
  auto one = response.find("data: one\n\n");
  auto two = response.find("data: two\n\n");
  ASSERT_NE(one, std::string::npos) << response;
  ASSERT_NE(two, std::string::npos) << response;
  EXPECT_LT(one, two);

  // RawExchange closed its connection; the writer must notice.
  auto writer = WaitForWriter();
  ASSERT_NE(writer, nullptr);
  bool closed = false;
  for (int i = 0; i < 200 && !closed; ++i) {
    closed = writer->Closed();
    if (!closed) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_FALSE(writer->Send("data: late\n\n"));
}

TEST_F(HttpServerTest, StopMakesRunReturnWithOpenConnections) {
  Start();
  HttpClient idle(port());
  ASSERT_EQ(idle.Get("/api/hello").status, 200);
  auto stream = std::async(std::launch::async, [this] {
    HttpClient client(port());
    auto started = std::chrono::steady_clock::now();
    client.RawExchange("GET /api/stream HTTP/1.1\r\nHost: t\r\n\r\n", "never sent");
    return std::chrono::steady_clock::now() - started;
  });
  auto writer = WaitForWriter();
  ASSERT_NE(writer, nullptr);

  EXPECT_TRUE(StopServer());
  // The server closed the stream instead of letting the client time out.
  EXPECT_LT(stream.get(), 1900ms);
  EXPECT_TRUE(writer->Closed());
  EXPECT_FALSE(writer->Send("data: after stop\n\n"));
}

TEST_F(HttpServerTest, BindFailureThrowsClearMessage) {
  Start();
  ServerConfig config;
  config.host = "127.0.0.1";
  config.port = port();
  try {
    Server second(config, router_);
    FAIL() << "binding a port in use must throw";
  } catch (const std::runtime_error& e) {
    std::string expected = "cannot listen on 127.0.0.1:" + std::to_string(port()) + ": ";
    EXPECT_EQ(std::string(e.what()).rfind(expected, 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace orderflow::http
