#include "http/wire.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/url/parse.hpp>
#include <iterator>
#include <string_view>
#include <utility>

#include "http/dispatch.hpp"
#include "http/framing.hpp"
#include "http/strings.hpp"

namespace orderflow::http::wire {
namespace {

namespace bhttp = boost::beast::http;

Response ErrorOf(ErrorCode code, std::string message, std::string field = {}) {
  return ErrorResponse(MakeError(code, std::move(message), std::move(field)));
}

}  // namespace

ReplyContext MakeReplyContext(const std::vector<std::string>& cors_origins,
                              const RequestMessage& message) {
  ReplyContext context;
  context.version = message.version() == 10 ? 10 : 11;
  context.keep_alive = message.keep_alive();
  context.head = message.method() == bhttp::verb::head;
  std::string_view incoming_id = message["X-Request-Id"];
  context.request_id = IsSaneRequestId(incoming_id) ? std::string(incoming_id) : NewRequestId();
  context.cors_origin = AllowedCorsOrigin(cors_origins, message[bhttp::field::origin]);
  return context;
}

void ConfigureParser(RequestParser& parser, std::size_t body_limit) {
  parser.header_limit(kHeaderLimit);
  parser.body_limit(body_limit);
}

std::optional<Response> ReadFailureResponse(boost::beast::error_code ec) {
  bool parse_error =
      ec.category() == boost::beast::error_code(bhttp::error::end_of_stream).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
  if (!parse_error) return std::nullopt;
  return ec == bhttp::error::body_limit
             ? ErrorOf(ErrorCode::kPayloadTooLarge, "request body too large")
         : ec == bhttp::error::header_limit
             ? ErrorOf(ErrorCode::kValidation, "request header too large")
             : ErrorOf(ErrorCode::kValidation, "invalid request");
}

std::optional<Response> CheckHeader(const RequestHeader& header) {
  if (header.version() != 10 && header.version() != 11) {
    return ErrorOf(ErrorCode::kValidation, "unsupported HTTP version");
  }
  FramingFields fields;
  fields.version = header.version();
  for (const auto& field : header) {
    switch (field.name()) {
      case bhttp::field::host:
        fields.host.push_back(field.value());
        break;
      case bhttp::field::transfer_encoding:
        fields.transfer_encoding.push_back(field.value());
        break;
      case bhttp::field::content_length:
        fields.content_length.push_back(field.value());
        break;
      default:
        break;
    }
  }
  if (auto problem = FramingProblem(fields)) return ErrorResponse(*problem);
  return std::nullopt;
}

std::optional<Response> ToRequest(RequestMessage& message, std::string remote_address,
                                  Request& request) {
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.remote_address = std::move(remote_address);
  auto url = boost::urls::parse_origin_form(message.target());
  if (!url) return ErrorOf(ErrorCode::kValidation, "invalid request target", "path");
  request.path = url->path();
  for (auto param : url->params(boost::urls::encoding_opts(/*space_as_plus=*/true))) {
    request.query.emplace(std::move(param.key), std::move(param.value));
  }
  request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.emplace_back(Lower(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return std::nullopt;
}

}  // namespace orderflow::http::wire
