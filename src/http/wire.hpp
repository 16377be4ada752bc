#pragma once
// Beast messages to and from the server's Request and Response: reading
// limits, the checks a request header must pass before its body is read,
// and what a reply needs to know about its request. Internal to the server
// (session.cpp and serve_bytes.cpp): this header brings in Beast, so nothing
// else may include it.

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "http/request.hpp"

namespace orderflow::http::wire {

using RequestHeader = boost::beast::http::request_header<>;
using RequestMessage = boost::beast::http::request<boost::beast::http::string_body>;
using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

constexpr std::size_t kHeaderLimit = std::size_t{16} * 1024;

// What the response needs to know about the request it answers.
struct ReplyContext {
  unsigned version = 11;
  bool keep_alive = false;
  bool head = false;
  std::string request_id;
  std::string cors_origin;  // echoed in Access-Control-Allow-Origin; empty: no CORS
};

// From whatever part of the header was parsed, so that an allowed origin can
// read even the error about a request that could not be read.
ReplyContext MakeReplyContext(const std::vector<std::string>& cors_origins,
                              const RequestMessage& message);

// Header and body limits for one request.
void ConfigureParser(RequestParser& parser, std::size_t body_limit);

// The answer to a request that could not be read, or nullopt when the
// connection just ended (the client went away or sent half a request).
std::optional<Response> ReadFailureResponse(boost::beast::error_code ec);

// Checked once the header is parsed and before the body is read: the HTTP
// version and the framing rules (http/framing.hpp). A response means: send
// it and close the connection without reading further.
std::optional<Response> CheckHeader(const RequestHeader& header);

// Fills `request` from the parsed message (consuming its body); an error
// response when the target cannot be decoded.
std::optional<Response> ToRequest(RequestMessage& message, std::string remote_address,
                                  Request& request);

}  // namespace orderflow::http::wire
