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
      return 500;
  }
  return 500;
}

namespace {

std::string Envelope(std::string_view code, std::string_view message, std::string_view field) {
  boost::json::object detail;
  detail["code"] = code;
  detail["message"] = message;
  if (field.empty()) {
    detail["field"] = nullptr;
  } else {
    detail["field"] = field;
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
