#include "http/dispatch.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

#include "http/static_files.hpp"
#include "http/strings.hpp"

namespace orderflow::http {
namespace {

constexpr std::string_view kPreflightMethods = "GET, POST, PATCH, DELETE, OPTIONS";
constexpr std::string_view kPreflightHeaders =
    "Content-Type, Authorization, X-Store-ID, Idempotency-Key";

Response ErrorOf(ErrorCode code, std::string message) {
  return ErrorResponse(MakeError(code, std::move(message)));
}

}  // namespace

std::string AllowedCorsOrigin(const std::vector<std::string>& allowed, std::string_view origin) {
  if (origin.empty()) return {};
  for (const std::string& candidate : allowed) {
    if (candidate == "*" || candidate == origin) return std::string(origin);
  }
  return {};
}

bool IsRoutedPath(std::string_view path) {
  return path.rfind("/api/", 0) == 0 || path == "/api" || path == "/healthz" || path == "/readyz" ||
         path == "/metrics";
}

std::optional<Response> Route(const Site& site, Request& request, std::string_view cors_origin,
                              const Handler*& handler) {
  handler = nullptr;
  if (request.method == "OPTIONS" && !request.Header("origin").empty()) {
    if (cors_origin.empty()) return ErrorOf(ErrorCode::kForbidden, "origin not allowed");
    if (!request.Header("access-control-request-method").empty()) {
      Response preflight;
      preflight.status = 204;
      preflight.content_type.clear();
      preflight.headers = {
          {"Access-Control-Allow-Methods", std::string(kPreflightMethods)},
          {"Access-Control-Allow-Headers", std::string(kPreflightHeaders)},
          {"Access-Control-Max-Age", "600"},
      };
      return preflight;
    }
  }

  bool head = request.method == "HEAD";
  if (!IsRoutedPath(request.path)) {
    if ((request.method == "GET" || head) && !site.static_root.empty()) {
      return ServeStatic(site.static_root, request);
    }
    return ErrorOf(ErrorCode::kNotFound, "not found");
  }

  std::string allowed;
  auto match = site.router.Match(request, &handler, &allowed);
  if (match == Router::MatchResult::kMethodNotAllowed && head) {
    // HEAD is GET without the body; the server drops the body.
    request.method = "GET";
    std::string allowed_for_get;
    match = site.router.Match(request, &handler, &allowed_for_get);
    if (match != Router::MatchResult::kFound) request.method = "HEAD";
  }
  if (match == Router::MatchResult::kNotFound) {
    return ErrorOf(ErrorCode::kNotFound, "no such route");
  }
  if (match == Router::MatchResult::kMethodNotAllowed) {
    return MethodNotAllowedResponse(allowed);
  }

  if ((request.method == "POST" || request.method == "PUT" || request.method == "PATCH") &&
      !request.body.empty() && !IsJsonContentType(request.Header("content-type"))) {
    handler = nullptr;
    return ErrorOf(ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json");
  }
  return std::nullopt;
}

bool CallHandler(const Handler& handler, Request& request, const Respond& respond) {
  try {
    // A copy, not a move: if the handler throws, the caller answers before
    // the token can report a dropped callback.
    handler(request, respond);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", request.method, request.path, e.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception", request.method, request.path);
  }
  return false;
}

}  // namespace orderflow::http
