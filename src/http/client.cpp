#include "http/client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <functional>

#include "http/egress_policy.hpp"

namespace orderflow::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

namespace {

using Done = std::function<void(beast::error_code)>;

// The state of one exchange; every operation runs on `ctx`.
struct Exchange {
  asio::io_context ctx;
  tcp::resolver resolver{ctx};
  bhttp::request<bhttp::string_body> req;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  beast::error_code failure;
  const char* stage = "resolve";
  const EgressPolicy* policy = nullptr;
  std::string refused;  // why the policy allowed none of the addresses
};

IpAddress ToIp(const asio::ip::address& a) {
  if (a.is_v4()) return IpAddress::FromV4(a.to_v4().to_uint());
  return IpAddress::FromV6(a.to_v6().to_bytes());
}

// The resolved endpoints the policy allows (all of them without a policy).
std::vector<tcp::endpoint> Allowed(Exchange& x, const tcp::resolver::results_type& found) {
  std::vector<tcp::endpoint> out;
  for (const auto& entry : found) {
    if (x.policy != nullptr) {
      Status allowed = x.policy->Check(ToIp(entry.endpoint().address()));
      if (!allowed.ok()) {
        if (x.refused.empty()) x.refused = allowed.error().message;
        continue;
      }
    }
    out.push_back(entry.endpoint());
  }
  return out;
}

// resolve -> connect -> handshake (TLS only) -> write -> read.
template <typename Stream>
void Start(Exchange& x, beast::tcp_stream& tcp, Stream& stream, const std::string& host,
           const std::string& port, std::function<void(Done)> handshake) {
  x.resolver.async_resolve(
      host, port,
      [&x, &tcp, &stream, handshake](beast::error_code ec, tcp::resolver::results_type found) {
        if (ec) return void(x.failure = ec);
        std::vector<tcp::endpoint> to = Allowed(x, found);
        if (to.empty()) return;  // x.refused says why
        x.stage = "connect";
        tcp.async_connect(to, [&x, &stream, handshake](beast::error_code ec, const tcp::endpoint&) {
          if (ec) return void(x.failure = ec);
          x.stage = "handshake";
          handshake([&x, &stream](beast::error_code ec) {
            if (ec) return void(x.failure = ec);
            x.stage = "write";
            bhttp::async_write(stream, x.req, [&x, &stream](beast::error_code ec, std::size_t) {
              if (ec) return void(x.failure = ec);
              x.stage = "read";
              bhttp::async_read(stream, x.buffer, x.parser,
                                [&x](beast::error_code ec, std::size_t) { x.failure = ec; });
            });
          });
        });
      });
}

}  // namespace

// The exchange runs as asynchronous operations on a private io_context
// bounded by run_for(): Beast's stream timeouts apply to asynchronous
// operations only, and a peer that accepts but never answers must not hold
// the calling worker beyond the timeout. https:// verifies the peer against
// the system CA store (or SSL_CERT_FILE / SSL_CERT_DIR) and the host name.
Result<ClientResponse> Send(const ClientRequest& request) {
  auto url = boost::urls::parse_uri(request.url);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host().empty()) {
    return MakeError(ErrorCode::kValidation, "not an http:// or https:// URL: " + request.url);
  }
  const bool tls = url->scheme() == "https";
  // Decoded and without the brackets of an IPv6 literal: what the resolver
  // and TLS name checks take. The Host header keeps the brackets and names
  // a port other than the scheme's default (RFC 9110 §7.2).
  const std::string host = url->host_address();
  const std::string default_port = tls ? "443" : "80";
  std::string port =
      url->has_port() && !url->port().empty() ? std::string(url->port()) : default_port;
  std::string host_header = std::string(url->encoded_host());
  if (port != default_port) host_header += ":" + port;
  std::string target(url->encoded_target());
  if (target.empty()) target = "/";
  const std::string what = request.method + " " + request.url;
  try {
    Exchange x;
    x.req = bhttp::request<bhttp::string_body>{bhttp::string_to_verb(request.method), target, 11};
    x.policy = request.policy;
    x.req.set(bhttp::field::host, host_header);
    x.req.set(bhttp::field::user_agent, "orderflow");
    for (const auto& [name, value] : request.headers) x.req.set(name, value);
    if (!request.body.empty()) {
      if (x.req.find(bhttp::field::content_type) == x.req.end()) {
        x.req.set(bhttp::field::content_type, "application/json");
      }
      x.req.body() = request.body;
    }
    x.req.prepare_payload();
    x.parser.body_limit(1024 * 1024);

    ssl::context tls_context(ssl::context::tls_client);
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::tcp_stream* lowest = nullptr;
    if (tls) {
      tls_context.set_default_verify_paths();
      tls_context.set_verify_mode(ssl::verify_peer);
      secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(x.ctx, tls_context);
      secure->set_verify_callback(ssl::host_name_verification(host));
      // SNI names a host; RFC 6066 leaves IP literals out.
      if (!IpAddress::Parse(host) &&
          !SSL_set_tlsext_host_name(secure->native_handle(), host.c_str())) {
        return MakeError(ErrorCode::kUnavailable, what + ": cannot set the TLS server name");
      }
      lowest = &beast::get_lowest_layer(*secure);
      auto* s = secure.get();
      Start(x, *lowest, *s, host, port,
            [s](Done done) { s->async_handshake(ssl::stream_base::client, done); });
    } else {
      plain = std::make_unique<beast::tcp_stream>(x.ctx);
      lowest = plain.get();
      Start(x, *lowest, *plain, host, port, [](Done done) { done({}); });
    }
    x.ctx.run_for(std::chrono::milliseconds(request.timeout_ms));
    if (!x.ctx.stopped()) {
      // Out of time with an operation pending: abort it and let its handler
      // run before the objects it references go away.
      x.resolver.cancel();
      beast::error_code ignored;
      lowest->socket().close(ignored);
      x.ctx.run();
      return MakeError(ErrorCode::kUnavailable, what + ": no answer within " +
                                                    std::to_string(request.timeout_ms) + " ms (" +
                                                    x.stage + ")");
    }
    if (!x.refused.empty() && !x.failure && x.stage == std::string_view("resolve")) {
      return MakeError(ErrorCode::kForbidden,
                       what + ": refused: " + host + " resolves to " + x.refused);
    }
    if (x.failure) {
      return MakeError(ErrorCode::kUnavailable, what + ": " + x.stage + ": " + x.failure.message());
    }
    beast::error_code ec;
    lowest->socket().shutdown(tcp::socket::shutdown_both, ec);
    return ClientResponse{static_cast<int>(x.parser.get().result_int()), x.parser.get().body()};
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kUnavailable, what + ": " + e.what());
  }
}

}  // namespace orderflow::http
