// http::ServeBytes: a session's request path without the socket, for the
// fuzzers and tests. It uses the session's steps (wire.hpp, dispatch.hpp),
// so the fuzzed path is the served path.

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "http/dispatch.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "http/wire.hpp"

namespace orderflow::http {
namespace {

namespace bhttp = boost::beast::http;

// One handler answer, waited for by ServeBytes. As with the server's
// RespondToken, a handler that drops every copy of its callback gets a 500
// instead of a hang.
struct AnswerWaiter {
  std::mutex mutex;
  std::condition_variable answered;
  std::optional<Response> response;  // GUARDED_BY(mutex)

  void Complete(Response value) {
    std::lock_guard<std::mutex> lock(mutex);
    if (response) return;
    response = std::move(value);
    answered.notify_all();
  }
};

struct AnswerToken {
  std::shared_ptr<AnswerWaiter> waiter;
  ~AnswerToken() {
    waiter->Complete(
        ErrorResponse(MakeError(ErrorCode::kInternal, "the request was not answered")));
  }
};

Response Answer(const Handler& handler, Request& request) {
  auto waiter = std::make_shared<AnswerWaiter>();
  {
    auto token = std::make_shared<AnswerToken>();
    token->waiter = waiter;
    Respond respond = [token = std::move(token)](Response value) {
      token->waiter->Complete(std::move(value));
    };
    if (!CallHandler(handler, request, respond)) {
      waiter->Complete(ErrorResponse(MakeError(ErrorCode::kInternal, "internal error")));
    }
  }
  std::unique_lock<std::mutex> lock(waiter->mutex);
  waiter->answered.wait(lock, [&waiter] { return waiter->response.has_value(); });
  return std::move(*waiter->response);
}

// Parses one request from the front of `bytes` (consuming what was used).
// The header is checked as soon as it is complete, before the body is
// parsed, as a session does. Sets `rejected` (and returns false) when the
// request is refused, returns false alone when the input ends first.
bool ParseOne(std::string_view& bytes, wire::RequestParser& parser,
              std::optional<Response>& rejected) {
  bool header_checked = false;
  boost::beast::error_code ec;
  // The whole input is available at once, so no progress means the client
  // stopped sending (Beast answers an empty buffer with neither progress
  // nor "need more").
  while (!parser.is_done()) {
    std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) break;
    if (!header_checked && parser.is_header_done()) {
      header_checked = true;
      rejected = wire::CheckHeader(parser.get());
      if (rejected) return false;
      continue;
    }
    if (used == 0) {
      parser.put_eof(ec);
      if (!ec && !parser.is_done()) ec = bhttp::error::partial_message;
      break;
    }
  }
  if (ec) {
    rejected = wire::ReadFailureResponse(ec);
    return false;
  }
  return true;
}

}  // namespace

std::vector<Response> ServeBytes(const ServerConfig& config, const Router& router,
                                 std::string_view bytes) {
  Site site;
  site.router = router;
  site.static_root = CanonicalStaticRoot(config.static_dir);
  site.cors_origins = config.cors_origins;

  std::vector<Response> responses;
  while (!bytes.empty()) {
    wire::RequestParser parser;
    wire::ConfigureParser(parser, config.body_limit);
    std::optional<Response> rejected;
    if (!ParseOne(bytes, parser, rejected)) {
      if (rejected) responses.push_back(std::move(*rejected));
      break;
    }

    wire::RequestMessage message = parser.release();
    wire::ReplyContext context = wire::MakeReplyContext(site.cors_origins, message);
    Request request;
    const Handler* handler = nullptr;
    std::optional<Response> decided = wire::ToRequest(message, "127.0.0.1", request);
    if (!decided) decided = Route(site, request, context.cors_origin, handler);
    if (!decided) decided = Answer(*handler, request);
    bool streaming = static_cast<bool>(decided->stream);
    responses.push_back(std::move(*decided));
    if (!context.keep_alive || streaming) break;
  }
  return responses;
}

}  // namespace orderflow::http
