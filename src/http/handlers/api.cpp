#include "http/handlers/api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "domain/order_request.hpp"

namespace orderflow::http::handlers {

namespace json = boost::json;

std::optional<tenancy::Principal> Authorize(Services& services, const Request& request,
                                            Respond& respond, bool store_required) {
  auto principal = services.tenants.Authenticate(request.Header("authorization"),
                                                 request.Header("x-store-id"), store_required);
  int retry_after = 1;
  if (!principal.ok()) {
    // A missing header is no guess (the dashboard's first call has none).
    if (principal.code() == ErrorCode::kUnauthorized && services.failed_auth != nullptr &&
        !request.Header("authorization").empty() &&
        !services.failed_auth->RecordFailure(request.remote_address, retry_after)) {
      Response r = ErrorResponse(
          MakeError(ErrorCode::kRateLimited,
                    "too many failed authentications from this address; retry after " +
                        std::to_string(retry_after) + " s"));
      r.headers.emplace_back("Retry-After", std::to_string(retry_after));
      respond(std::move(r));
      return std::nullopt;
    }
    RespondError(respond, principal.error());
    return std::nullopt;
  }
  Status admitted = services.tenants.Admit(*principal, retry_after);
  if (!admitted.ok()) {
    Response r = ErrorResponse(admitted.error());
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    respond(std::move(r));
    return std::nullopt;
  }
  return std::move(principal).value();
}

Result<json::value> ParseJsonBody(const Request& request) {
  if (request.body.empty()) return MakeError(ErrorCode::kInvalidJson, "request body is empty");
  json::parse_options options;
  options.max_depth = 32;
  std::error_code ec;
  json::value v = json::parse(request.body, ec, json::storage_ptr(), options);
  if (ec)
    return MakeError(ErrorCode::kInvalidJson, "request body is not valid JSON: " + ec.message());
  return v;
}

void RespondJson(Respond& respond, int status, const json::value& body) {
  respond(JsonResponse(status, ToJson(body)));
}

void RespondError(Respond& respond, const Error& error) {
  if (error.code == ErrorCode::kInternal) spdlog::error("internal error: {}", error.message);
  if (error.code == ErrorCode::kInternal) {
    respond(ErrorResponse(MakeError(ErrorCode::kInternal, "internal error")));
    return;
  }
  respond(ErrorResponse(error));
}

void ReadJson(Services& services, Respond respond,
              std::function<Result<json::value>(store::ReadTx&)> fn) {
  services.blocking.Post([&services, respond = std::move(respond), fn = std::move(fn)]() mutable {
    std::optional<json::value> body;
    Status s = services.store.Read([&](store::ReadTx& tx) -> Status {
      auto r = fn(tx);
      if (!r.ok()) return r.error();
      body = std::move(r).value();
      return OkStatus();
    });
    if (!s.ok()) {
      RespondError(respond, s.error());
      return;
    }
    RespondJson(respond, 200, *body);
  });
}

Status ParsePaging(const Request& request, int& limit, std::int64_t& cursor) {
  limit = 50;
  cursor = 0;
  const std::string& l = request.Query("limit");
  if (!l.empty()) {
    if (l.size() > 3 || l.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(l) < 1 || std::stoi(l) > 500) {
      return MakeError(ErrorCode::kValidation, "limit must be an integer from 1 to 500", "limit");
    }
    limit = std::stoi(l);
  }
  const std::string& c = request.Query("cursor");
  if (!c.empty()) {
    if (c.size() > 18 || c.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(c) <= 0) {
      return MakeError(ErrorCode::kValidation, "cursor is not valid", "cursor");
    }
    cursor = std::stoll(c);
  }
  return OkStatus();
}

}  // namespace orderflow::http::handlers
