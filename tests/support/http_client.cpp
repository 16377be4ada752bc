#include "support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>

namespace orderflow::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kStepTimeout = std::chrono::seconds(10);
constexpr auto kRawTimeout = std::chrono::seconds(2);

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

HttpResult Failure(const std::string& what, const beast::error_code& ec) {
  HttpResult result;
  result.body = what + ": " + ec.message();
  return result;
}

}  // namespace

// Synchronous calls are asynchronous operations driven to completion on a
// private io_context, because Beast's timeouts only apply to async operations.
struct HttpClient::Impl {
  asio::io_context context;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::string host;
  unsigned short port = 0;
  int connects = 0;

  void Drive() {
    context.restart();
    context.run();
  }

  beast::error_code Connect(beast::tcp_stream& target) {
    beast::error_code result;
    beast::error_code parse_ec;
    auto address = asio::ip::make_address(host, parse_ec);
    if (parse_ec) return parse_ec;
    target.expires_after(kStepTimeout);
    target.async_connect(tcp::endpoint(address, port),
                         [&result](beast::error_code ec) { result = ec; });
    Drive();
    return result;
  }

  void Reset() {
    if (stream) {
      beast::error_code ec;
      stream->socket().shutdown(tcp::socket::shutdown_both, ec);
      stream->close();
      Drive();
    }
    stream.reset();
    buffer.clear();
  }
};

HttpClient::HttpClient(unsigned short port, std::string host) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() { impl_->Reset(); }

int HttpClient::connect_count() const { return impl_->connects; }

HttpResult HttpClient::Request(const std::string& method, const std::string& target,
                               const std::string& body, const Headers& headers) {
  bhttp::request<bhttp::string_body> request;
  request.version(11);
  bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) {
    request.method_string(method);
  } else {
    request.method(verb);
  }
  request.target(target);
  request.set(bhttp::field::host, impl_->host + ":" + std::to_string(impl_->port));
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body() = body;
  if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put ||
      verb == bhttp::verb::patch) {
    request.prepare_payload();
  }

  // A kept-alive connection may have been closed by the server since the
  // last call; one retry on a fresh connection covers that.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = impl_->stream.has_value();
    if (!reused) {
      impl_->stream.emplace(impl_->context);
      beast::error_code ec = impl_->Connect(*impl_->stream);
      if (ec) {
        impl_->Reset();
        return Failure("connect", ec);
      }
      ++impl_->connects;
    }

    beast::error_code write_ec;
    impl_->stream->expires_after(kStepTimeout);
    bhttp::async_write(*impl_->stream, request,
                       [&write_ec](beast::error_code ec, std::size_t) { write_ec = ec; });
    impl_->Drive();
    if (write_ec) {
      impl_->Reset();
      if (reused) continue;
      return Failure("write", write_ec);
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.header_limit(64 * 1024);
    if (verb == bhttp::verb::head) parser.skip(true);
    beast::error_code read_ec;
    impl_->stream->expires_after(kStepTimeout);
    bhttp::async_read(*impl_->stream, impl_->buffer, parser,
                      [&read_ec](beast::error_code ec, std::size_t) { read_ec = ec; });
    impl_->Drive();
    if (read_ec) {
      bool stale = reused && !parser.got_some() &&
                   (read_ec == bhttp::error::end_of_stream || read_ec == asio::error::eof ||
                    read_ec == asio::error::connection_reset);
      impl_->Reset();
      if (stale) continue;
      return Failure("read", read_ec);
    }

    auto response = parser.release();
    HttpResult result;
    result.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name = Lower(field.name_string());
      auto [it, inserted] = result.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    result.body = std::move(response.body());
    if (!response.keep_alive()) impl_->Reset();
    return result;
  }
  return Failure("request", asio::error::connection_aborted);
}

HttpResult HttpClient::Get(const std::string& target, const Headers& headers) {
  return Request("GET", target, "", headers);
}

HttpResult HttpClient::Post(const std::string& target, const std::string& body,
                            const Headers& headers) {
  Headers all = headers;
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    if (Lower(name) == "content-type") has_type = true;
  }
  if (!body.empty() && !has_type) all.emplace_back("Content-Type", "application/json");
  return Request("POST", target, body, all);
}

std::string HttpClient::RawExchange(const std::string& raw_bytes, std::string_view until) {
  beast::tcp_stream stream(impl_->context);
  std::string received;
  if (impl_->Connect(stream)) return received;

  auto deadline = std::chrono::steady_clock::now() + kRawTimeout;
  beast::error_code write_ec;
  stream.expires_at(deadline);
  asio::async_write(stream, asio::buffer(raw_bytes),
                    [&write_ec](beast::error_code ec, std::size_t) { write_ec = ec; });
  impl_->Drive();
  // Even when the write failed (the server may close early) there can be a
  // response to read.
  char chunk[4096];
  while (until.empty() || received.find(until) == std::string::npos) {
    beast::error_code read_ec;
    std::size_t n = 0;
    stream.expires_at(deadline);
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t bytes) {
      read_ec = ec;
      n = bytes;
    });
    impl_->Drive();
    received.append(chunk, n);
    if (read_ec) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream.close();
  impl_->Drive();
  return received;
}

}  // namespace orderflow::testing
