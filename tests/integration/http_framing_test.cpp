// Request smuggling against the real binary (RFC 9112 §6.1, §6.3): every
// request whose end is ambiguous gets 400 with the error envelope and the
// connection is closed, so the request hidden behind it -- here an order --
// is never answered nor made. One raw-socket test per framing case, and
// controls showing that the same harness sees a pipelined second answer
// when the framing is sound.

#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

struct FramingCase {
  const char* name;
  const char* request_line;  // without CRLF
  const char* headers;       // each line with its CRLF, besides the defaults
  const char* body;
  bool default_host = true;  // send "Host: x"
};

std::ostream& operator<<(std::ostream& out, const FramingCase& c) { return out << c.name; }

class FramingTest : public SharedServerTest<FramingTest>,
                    public ::testing::WithParamInterface<FramingCase> {
 protected:
  // A complete, valid order for store X, pipelined after the bad request:
  // answered only if the server took the bad request's end for its own.
  std::string SmuggledOrder() const {
    std::string body =
        R"({"customerName":"Smuggled","items":[{"productName":"Motia Smartwatch V2","quantity":1}]})";
    return "POST /api/order HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
           server_->admin_token() +
           "\r\nX-Store-ID: X\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::string Front(const FramingCase& c) const {
    std::string bytes = std::string(c.request_line) + "\r\n";
    if (c.default_host) bytes += "Host: x\r\n";
    bytes += "Authorization: Bearer " + server_->admin_token() +
             "\r\nX-Store-ID: X\r\nContent-Type: application/json\r\n";
    return bytes + c.headers + "\r\n" + c.body;
  }
};

TEST_P(FramingTest, AnsweredWith400AndTheConnectionClosed) {
  const FramingCase& c = GetParam();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(Front(c) + SmuggledOrder()));
  ASSERT_TRUE(connection.ReadUntilClosed()) << "the server kept the connection open:\n"
                                            << connection.received();

  const std::string& reply = connection.received();
  std::string version =
      std::string(c.request_line).find("HTTP/1.0") != std::string::npos ? "HTTP/1.0" : "HTTP/1.1";
  EXPECT_EQ(reply.rfind(version + " 400 ", 0), 0u) << reply;
  EXPECT_EQ(CountResponses(reply), 1) << "the smuggled request was answered:\n" << reply;
  if (version == "HTTP/1.1") {
    EXPECT_NE(reply.find("Connection: close\r\n"), std::string::npos) << reply;
  }
  auto body_at = reply.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos) << reply;
  std::string body = reply.substr(body_at + 4);
  std::string why;
  EXPECT_TRUE(IsErrorEnvelope(body, &why)) << why << ": " << body;
  EXPECT_EQ(ErrorCodeOf(body), "validation_failed") << body;

  StoreApi x(server_->port(), server_->admin_token(), "X");
  EXPECT_EQ(x.OrderCount(), 0) << "the smuggled order was made";
}

INSTANTIATE_TEST_SUITE_P(
    Smuggling, FramingTest,
    ::testing::Values(
        FramingCase{"TeGzip", "POST /api/order HTTP/1.1", "Transfer-Encoding: gzip\r\n", ""},
        FramingCase{"TeXchunked", "POST /api/order HTTP/1.1", "Transfer-Encoding: xchunked\r\n",
                    ""},
        FramingCase{"TeIdentity", "POST /api/order HTTP/1.1", "Transfer-Encoding: identity\r\n",
                    ""},
        FramingCase{"TeChunkedThenIdentity", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"},
        FramingCase{"TeGzipThenChunked", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"},
        FramingCase{"TeGzipAndChunkedOnTwoLines", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"},
        FramingCase{"TeChunkedTwice", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"},
        FramingCase{"TeEmpty", "POST /api/order HTTP/1.1", "Transfer-Encoding: \r\n", ""},
        FramingCase{"TeSpaceBeforeColon", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding : chunked\r\n", "0\r\n\r\n"},
        FramingCase{"TeChunkedThenContentLength", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        FramingCase{"ContentLengthThenTeChunked", "POST /api/order HTTP/1.1",
                    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"},
        FramingCase{"TeGzipThenContentLength", "POST /api/order HTTP/1.1",
                    "Transfer-Encoding: gzip\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        FramingCase{"ContentLengthThenTeGzip", "POST /api/order HTTP/1.1",
                    "Content-Length: 5\r\nTransfer-Encoding: gzip\r\n", "0\r\n\r\n"},
        FramingCase{"Http10Chunked", "POST /api/order HTTP/1.0", "Transfer-Encoding: chunked\r\n",
                    "0\r\n\r\n"},
        FramingCase{"Http10Gzip", "POST /api/order HTTP/1.0", "Transfer-Encoding: gzip\r\n", ""},
        FramingCase{"ContentLengthTwiceSameValue", "POST /api/order HTTP/1.1",
                    "Content-Length: 2\r\nContent-Length: 2\r\n", "{}"},
        FramingCase{"ContentLengthConflicting", "POST /api/order HTTP/1.1",
                    "Content-Length: 2\r\nContent-Length: 3\r\n", "{}x"},
        FramingCase{"ContentLengthList", "POST /api/order HTTP/1.1", "Content-Length: 2, 2\r\n",
                    "{}"},
        FramingCase{"MissingHost", "POST /api/order HTTP/1.1", "Content-Length: 2\r\n", "{}",
                    false},
        FramingCase{"DuplicateHost", "POST /api/order HTTP/1.1", "Host: y\r\nContent-Length: 2\r\n",
                    "{}"},
        FramingCase{"InvalidHost", "POST /api/order HTTP/1.1",
                    "Host: x/../admin\r\nContent-Length: 2\r\n", "{}", false},
        FramingCase{"GetWithoutHost", "GET /healthz HTTP/1.1", "", "", false}),
    [](const ::testing::TestParamInfo<FramingCase>& info) { return std::string(info.param.name); });

// The controls: with sound framing the second, pipelined request is
// answered, so a single answer above is the server's doing.
class FramingControlTest : public SharedServerTest<FramingControlTest> {};

TEST_F(FramingControlTest, PipelinedRequestAfterAChunkedOneIsAnswered) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(
      connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                      "3\r\nabc\r\n0\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(connection.ReadUntilClosed()) << connection.received();
  EXPECT_EQ(CountResponses(connection.received()), 2) << connection.received();
  EXPECT_EQ(connection.received().rfind("HTTP/1.1 200 ", 0), 0u) << connection.received();
}

TEST_F(FramingControlTest, PipelinedRequestAfterAContentLengthOneIsAnswered) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(
      connection.Send("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                      "GET /healthz HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(connection.ReadUntilClosed()) << connection.received();
  EXPECT_EQ(CountResponses(connection.received()), 2) << connection.received();
}

TEST_F(FramingControlTest, Http10WithoutHostIsServed) {
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET /healthz HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(connection.ReadUntilClosed()) << connection.received();
  EXPECT_EQ(connection.received().rfind("HTTP/1.0 200 ", 0), 0u) << connection.received();
}

}  // namespace
}  // namespace orderflow::testing
