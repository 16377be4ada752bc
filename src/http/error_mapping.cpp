// The single place where error codes become HTTP statuses and envelopes
// (DESIGN.md habit 3): handlers choose an ErrorCode, never a status.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "http/request.hpp"

namespace orderflow::http {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidJson:
    case ErrorCode::kValidation:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kInsufficientStock:
    case ErrorCode::kInvalidTransition:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kUnknownProduct:
    case ErrorCode::kTotalMismatch:
      return 422;
    case ErrorCode::kRateLimited:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInternal:
    case ErrorCode::kRetryUnit:
      return 500;
  }
  return 500;
}

namespace {

// Messages may quote client input (an unknown X-Store-ID, a product name);
// invalid UTF-8 in it would make the envelope invalid JSON, so each
// malformed byte becomes U+FFFD.
std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t length = c < 0x80           ? 1
                         : (c >> 5) == 0x6  ? 2
                         : (c >> 4) == 0xE  ? 3
                         : (c >> 3) == 0x1E ? 4
                                            : 0;
    bool valid = length > 0 && i + length <= text.size() && !(length == 2 && c < 0xC2) &&
                 !(length == 4 && c > 0xF4);
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length == 3) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogate
    }
    if (valid && length == 4) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      valid = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

std::string Envelope(std::string_view code, std::string_view message, std::string_view field) {
  boost::json::object detail;
  detail["code"] = code;
  detail["message"] = ValidUtf8(message);
  if (field.empty()) {
    detail["field"] = nullptr;
  } else {
    detail["field"] = ValidUtf8(field);
  }
  boost::json::object envelope;
  envelope["error"] = std::move(detail);
  return ToJson(envelope);
}

}  // namespace

Response ErrorResponse(const Error& error) {
  return JsonResponse(HttpStatusFor(error.code),
                      Envelope(ErrorCodeName(error.code), error.message, error.field));
}

Response MethodNotAllowedResponse(std::string allowed) {
  Response response = JsonResponse(405, Envelope("method_not_allowed", "method not allowed", {}));
  response.headers.emplace_back("Allow", std::move(allowed));
  return response;
}

Response JsonResponse(int status, std::string body) {
  Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = std::move(body);
  return response;
}

}  // namespace orderflow::http
