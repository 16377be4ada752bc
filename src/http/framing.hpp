#pragma once
// Where a request ends (RFC 9112 §6) must be unambiguous: a server and a
// proxy in front of it that disagree about it let one request hide another
// ("request smuggling"). Beast's parser settles some cases; these rules,
// checked once the header is parsed and before any body is read, settle the
// rest. No Beast here, so the rules are unit-tested on their own.

#include <optional>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace orderflow::http {

// The request header fields that decide its framing, one entry per field
// line, values as received.
struct FramingFields {
  unsigned version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<std::string_view> host;
  std::vector<std::string_view> transfer_encoding;
  std::vector<std::string_view> content_length;
};

// nullopt when the framing is unambiguous; otherwise a kValidation error
// naming the header (the server answers 400 and closes the connection):
// - Transfer-Encoding on HTTP/1.0;
// - Transfer-Encoding together with Content-Length, in either order;
// - Transfer-Encoding other than exactly one `chunked` coding (we decode no
//   other coding: gzip, identity, "gzip, chunked", "chunked, chunked");
// - more than one Content-Length, or one that is not a decimal number;
// - HTTP/1.1 without a Host, any request with more than one Host, or a Host
//   with characters no host[:port] has (an empty Host is valid).
std::optional<Error> FramingProblem(const FramingFields& fields);

}  // namespace orderflow::http
