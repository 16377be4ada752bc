// The framing rules (http/framing.hpp) on their own; the raw-socket tests
// in tests/integration/http_framing_test.cpp show the server applying them.

#include "http/framing.hpp"

#include <gtest/gtest.h>

#include <string>

namespace orderflow::http {
namespace {

FramingFields Http11(std::vector<std::string_view> te = {}, std::vector<std::string_view> cl = {}) {
  FramingFields fields;
  fields.version = 11;
  fields.host = {"example.com"};
  fields.transfer_encoding = std::move(te);
  fields.content_length = std::move(cl);
  return fields;
}

std::string FieldOf(const FramingFields& fields) {
  auto problem = FramingProblem(fields);
  if (!problem) return "(none)";
  EXPECT_EQ(problem->code, ErrorCode::kValidation);
  return problem->field;
}

TEST(FramingTest, SoundRequestsPass) {
  EXPECT_FALSE(FramingProblem(Http11()));
  EXPECT_FALSE(FramingProblem(Http11({}, {"0"})));
  EXPECT_FALSE(FramingProblem(Http11({}, {"12345"})));
  EXPECT_FALSE(FramingProblem(Http11({"chunked"})));
  EXPECT_FALSE(FramingProblem(Http11({"Chunked"})));
  EXPECT_FALSE(FramingProblem(Http11({" chunked "})));
  EXPECT_FALSE(FramingProblem(Http11({", chunked"})));  // empty list elements are ignored
  FramingFields http10;
  http10.version = 10;
  EXPECT_FALSE(FramingProblem(http10));  // HTTP/1.0 needs no Host
  http10.content_length = {"2"};
  EXPECT_FALSE(FramingProblem(http10));
  FramingFields empty_host = Http11();
  empty_host.host = {""};
  EXPECT_FALSE(FramingProblem(empty_host));
  for (std::string_view host : {"localhost:8080", "127.0.0.1", "[::1]:80", "a-b.c_d~e"}) {
    FramingFields fields = Http11();
    fields.host = {host};
    EXPECT_FALSE(FramingProblem(fields)) << host;
  }
}

TEST(FramingTest, OnlyASingleChunkedCodingIsAccepted) {
  for (std::string_view te : {"gzip", "xchunked", "identity", "chunked, identity", "gzip, chunked",
                              "chunked, chunked", "chunked;x=1", "", " , ", "deflate"}) {
    EXPECT_EQ(FieldOf(Http11({te})), "Transfer-Encoding") << "'" << te << "'";
  }
  EXPECT_EQ(FieldOf(Http11({"gzip", "chunked"})), "Transfer-Encoding");
  EXPECT_EQ(FieldOf(Http11({"chunked", "chunked"})), "Transfer-Encoding");
}

TEST(FramingTest, TransferEncodingWithContentLengthIsRefused) {
  EXPECT_EQ(FieldOf(Http11({"chunked"}, {"5"})), "Transfer-Encoding");
  EXPECT_EQ(FieldOf(Http11({"gzip"}, {"5"})), "Transfer-Encoding");
}

TEST(FramingTest, TransferEncodingOnHttp10IsRefused) {
  FramingFields fields;
  fields.version = 10;
  fields.transfer_encoding = {"chunked"};
  auto problem = FramingProblem(fields);
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->message.find("HTTP/1.0"), std::string::npos) << problem->message;
}

TEST(FramingTest, ContentLengthMustBeOneNumber) {
  EXPECT_EQ(FieldOf(Http11({}, {"2", "2"})), "Content-Length");
  EXPECT_EQ(FieldOf(Http11({}, {"2", "3"})), "Content-Length");
  EXPECT_EQ(FieldOf(Http11({}, {"2, 2"})), "Content-Length");
  EXPECT_EQ(FieldOf(Http11({}, {"-5"})), "Content-Length");
  EXPECT_EQ(FieldOf(Http11({}, {"+5"})), "Content-Length");
  EXPECT_EQ(FieldOf(Http11({}, {""})), "Content-Length");
  EXPECT_EQ(FieldOf(Http11({}, {"0x10"})), "Content-Length");
}

TEST(FramingTest, HostMustBeThereOnceAndValid) {
  FramingFields missing = Http11();
  missing.host.clear();
  EXPECT_EQ(FieldOf(missing), "Host");
  FramingFields twice = Http11();
  twice.host = {"a", "a"};
  EXPECT_EQ(FieldOf(twice), "Host");
  FramingFields twice_http10 = twice;
  twice_http10.version = 10;
  EXPECT_EQ(FieldOf(twice_http10), "Host");
  for (std::string_view host : {"a b", "a/b", "user@host", "a\\b", "a?b", "a#b", "a\"b"}) {
    FramingFields fields = Http11();
    fields.host = {host};
    EXPECT_EQ(FieldOf(fields), "Host") << host;
  }
}

}  // namespace
}  // namespace orderflow::http
