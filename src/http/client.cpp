#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace orderflow::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Result<ClientResponse> Send(const ClientRequest& request) {
  auto url = boost::urls::parse_uri(request.url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return MakeError(ErrorCode::kValidation, "not an http:// URL: " + request.url);
  }
  std::string host(url->host());
  std::string port = url->has_port() ? std::string(url->port()) : "80";
  std::string target(url->encoded_target());
  if (target.empty()) target = "/";
  try {
    asio::io_context ctx;
    beast::tcp_stream stream(ctx);
    stream.expires_after(std::chrono::milliseconds(request.timeout_ms));
    tcp::resolver resolver(ctx);
    stream.connect(resolver.resolve(host, port));
    auto verb = bhttp::string_to_verb(request.method);
    bhttp::request<bhttp::string_body> req{verb, target, 11};
    req.set(bhttp::field::host, host);
    req.set(bhttp::field::user_agent, "orderflow");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    if (!request.body.empty()) {
      if (req.find(bhttp::field::content_type) == req.end()) {
        req.set(bhttp::field::content_type, "application/json");
      }
      req.body() = request.body;
    }
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1024 * 1024);
    bhttp::read(stream, buffer, parser);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return ClientResponse{static_cast<int>(parser.get().result_int()), parser.get().body()};
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kUnavailable, request.method + " " + request.url + ": " + e.what());
  }
}

}  // namespace orderflow::http
