#include "http/handlers/api.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/sealed_text.hpp"
#include "domain/order_request.hpp"

namespace orderflow::http::handlers {

namespace json = boost::json;

namespace {

// Binds a sealed body to the request it answered and its status, which are
// stored beside it in the clear.
std::string SealAad(const std::string& request_hash, int status) {
  return request_hash + "|" + std::to_string(status);
}

}  // namespace

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

Handler Idempotent(Services& services, Handler inner) {
  return [&services, inner = std::move(inner)](Request& request, Respond respond) {
    std::string key(request.Header("idempotency-key"));
    if (key.empty()) return inner(request, std::move(respond));
    if (key.size() > 200 || !domain::ValidateText(key, "Idempotency-Key", 200, true).ok()) {
      return RespondError(respond, MakeError(ErrorCode::kValidation,
                                             "Idempotency-Key must be 1-200 printable characters",
                                             "Idempotency-Key"));
    }
    std::string scope = "auth:" + Sha256Hex(std::string(request.Header("authorization")) + "|" +
                                            std::string(request.Header("x-store-id")))
                                      .substr(0, 24);
    std::string hash = Sha256Hex(request.method + " " + request.path + "\n" + request.body);
    // The recorded body may carry a new API key or webhook secret, so it is
    // sealed under a key only a caller presenting the same credential can
    // derive again; the database alone cannot give it back.
    std::string seal_key = DeriveSealKey(request.Header("authorization"),
                                         "orderflow-idempotency-v1|" + scope + "|" + key);
    // The request outlives this call only through this copy.
    auto held = std::make_shared<Request>(request);
    services.blocking.Post([&services, &inner, held, respond = std::move(respond), scope, key, hash,
                            seal_key]() mutable {
      std::optional<store::IdempotencyRecord> existing;
      Status read = services.store.Read([&](store::ReadTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(existing, tx.GetIdempotency(scope, key));
        return OkStatus();
      });
      if (!read.ok()) return RespondError(respond, read.error());
      if (existing) {
        if (existing->request_hash != hash) {
          return RespondError(respond,
                              MakeError(ErrorCode::kConflict,
                                        "Idempotency-Key was already used with a different request",
                                        "Idempotency-Key"));
        }
        // Bodies recorded before sealing existed are replayed as stored.
        if (!IsSealedText(existing->body)) {
          return respond(JsonResponse(existing->status_code, existing->body));
        }
        auto body = OpenSealedText(seal_key, existing->body,
                                   SealAad(existing->request_hash, existing->status_code));
        if (!body) {
          return RespondError(
              respond, MakeError(ErrorCode::kConflict,
                                 "the response recorded for this Idempotency-Key cannot be read "
                                 "back (it was altered); retry with a new Idempotency-Key",
                                 "Idempotency-Key"));
        }
        return respond(JsonResponse(existing->status_code, std::move(*body)));
      }
      Respond record = [&services, respond = std::move(respond), scope, key, hash,
                        seal_key](Response r) mutable {
        if (r.status >= 500 || r.stream) return respond(std::move(r));
        auto shared = std::make_shared<Response>(std::move(r));
        store::IdempotencyRecord rec{hash, shared->status, {}, services.clock.NowMs()};
        try {
          rec.body = SealText(seal_key, shared->body, SealAad(hash, shared->status));
        } catch (const std::exception& e) {
          // Not recording only costs the replay; recording in the clear
          // could leak a secret.
          spdlog::error("cannot seal the response of an idempotent request: {}", e.what());
          return respond(std::move(*shared));
        }
        services.store.Write([scope, key, rec = std::move(rec)](
                                 store::WriteTx& tx) { return tx.PutIdempotency(scope, key, rec); },
                             [respond = std::move(respond), shared](Status) mutable {
                               respond(std::move(*shared));
                             });
      };
      inner(*held, std::move(record));
    });
  };
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
