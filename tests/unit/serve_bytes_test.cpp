// http::ServeBytes, the socket-free request path the fuzzers drive: the same
// parser limits, routing and error envelopes as a live session.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/request.hpp"
#include "http/router.hpp"
#include "http/server.hpp"

namespace orderflow::http {
namespace {

class ServeBytesTest : public ::testing::Test {
 protected:
  ServeBytesTest() {
    router_.Add("GET", "/api/now",
                [](Request&, Respond respond) { respond(JsonResponse(200, R"({"now":1})")); });
    // Answers from another thread, as handlers on the blocking pool do.
    router_.Add("POST", "/api/echo", [](Request& request, Respond respond) {
      std::thread([body = request.body, respond = std::move(respond)] {
        respond(JsonResponse(201, body));
      }).detach();
    });
    router_.Add("GET", "/api/silent", [](Request&, Respond) {});
  }

  std::vector<Response> Serve(const std::string& bytes) {
    return ServeBytes(config_, router_, bytes);
  }

  ServerConfig config_;
  Router router_;
};

TEST_F(ServeBytesTest, AnswersPipelinedRequestsInOrder) {
  auto responses = Serve(
      "GET /api/now HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 7\r\n\r\n{\"a\":1}"
      "GET /api/nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[1].status, 201);
  EXPECT_EQ(responses[1].body, "{\"a\":1}");
  EXPECT_EQ(responses[2].status, 404);
}

TEST_F(ServeBytesTest, RejectsWhatTheSessionRejects) {
  auto too_large = Serve(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 70000\r\n\r\n{}");
  ASSERT_EQ(too_large.size(), 1u);
  EXPECT_EQ(too_large[0].status, 413);

  auto garbage = Serve("\x01\x02 nonsense\r\n\r\n");
  ASSERT_EQ(garbage.size(), 1u);
  EXPECT_EQ(garbage[0].status, 400);

  auto wrong_type = Serve(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: "
      "2\r\n\r\nhi");
  ASSERT_EQ(wrong_type.size(), 1u);
  EXPECT_EQ(wrong_type[0].status, 415);

  auto wrong_method = Serve("DELETE /api/now HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(wrong_method.size(), 1u);
  EXPECT_EQ(wrong_method[0].status, 405);
}

TEST_F(ServeBytesTest, TruncatedRequestGetsNoAnswerAndCloseEndsTheConnection) {
  EXPECT_TRUE(Serve("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{").empty());
  auto closed = Serve(
      "GET /api/now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
      "GET /api/now HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(closed.size(), 1u);
}

// The fuzzed path refuses what a session refuses: an ambiguous end of a
// request is answered 400, last, and what follows it is never served.
TEST_F(ServeBytesTest, AmbiguousFramingIsRefusedAndNothingAfterItServed) {
  const std::string smuggled = "GET /api/now HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& front : {
           std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"),
           std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n"),
           std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, "
                       "chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                       "gzip\r\nContent-Length: 2\r\n\r\n{}"),
           std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: "
                       "2\r\nTransfer-Encoding: chunked\r\n\r\n{}"),
           std::string("POST /api/echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: "
                       "2\r\n\r\n{}"),
           std::string("GET /api/now HTTP/1.1\r\n\r\n"),
           std::string("GET /api/now HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
       }) {
    auto responses = Serve(front + smuggled);
    ASSERT_EQ(responses.size(), 1u) << front;
    EXPECT_EQ(responses[0].status, 400) << front;
    EXPECT_NE(responses[0].body.find("validation_failed"), std::string::npos) << front;
  }
  // The control: sound framing, and the pipelined request is served.
  auto sound = Serve(
      "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n" +
      smuggled);
  ASSERT_EQ(sound.size(), 2u);
  EXPECT_EQ(sound[0].status, 201);
  EXPECT_EQ(sound[0].body, "{}");
  EXPECT_EQ(sound[1].status, 200);
}

TEST_F(ServeBytesTest, HandlerThatNeverAnswersGets500) {
  auto responses = Serve("GET /api/silent HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 500);
}

// Found by fuzz_http: an unknown X-Store-ID of 0xFF bytes was quoted in the
// 404 message, and the envelope was not valid JSON.
TEST(ErrorEnvelope, ClientBytesThatAreNotUtf8StillGiveValidJson) {
  Response r = ErrorResponse(
      MakeError(ErrorCode::kNotFound, "unknown store '\xff\xfeX\xed\xa0\x80'", "X-Store-ID\xc0"));
  std::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  ASSERT_FALSE(ec) << r.body;
  EXPECT_EQ(v.at("error").at("message").as_string(),
            "unknown store '\xEF\xBF\xBD\xEF\xBF\xBDX\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD'");
  EXPECT_EQ(v.at("error").at("field").as_string(), "X-Store-ID\xEF\xBF\xBD");
}

}  // namespace
}  // namespace orderflow::http
