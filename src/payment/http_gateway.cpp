#include "payment/http_gateway.hpp"

#include <boost/json.hpp>

#include "http/client.hpp"

namespace orderflow::payment {

namespace json = boost::json;

namespace {

Result<json::object> Post(const std::string& url, const std::string& key, const json::object& body,
                          int timeout_ms) {
  http::ClientRequest req;
  req.url = url;
  req.headers = {{"Idempotency-Key", key}};
  req.body = json::serialize(body);
  req.timeout_ms = timeout_ms;
  OF_ASSIGN_OR_RETURN(http::ClientResponse res, http::Send(req));
  if (res.status >= 500 || res.status == 429 || res.status == 408) {
    return MakeError(ErrorCode::kUnavailable,
                     "payment service answered " + std::to_string(res.status));
  }
  if (res.status != 200) {
    return MakeError(ErrorCode::kInternal, "payment service refused the request (" +
                                               std::to_string(res.status) +
                                               "): " + res.body.substr(0, 200));
  }
  std::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (ec || !v.is_object())
    return MakeError(ErrorCode::kUnavailable, "payment service sent invalid JSON");
  return v.get_object();
}

std::string Str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

HttpGateway::HttpGateway(std::string base_url, int timeout_ms)
    : base_url_(std::move(base_url)), timeout_ms_(timeout_ms) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

Result<ChargeResult> HttpGateway::Charge(const ChargeRequest& r) {
  OF_ASSIGN_OR_RETURN(json::object o, Post(base_url_ + "/api/charges", r.idempotency_key,
                                           {{"idempotencyKey", r.idempotency_key},
                                            {"storeId", r.store_id},
                                            {"amountCents", r.amount_cents},
                                            {"currency", r.currency},
                                            {"token", r.token}},
                                           timeout_ms_));
  ChargeResult result;
  std::string status = Str(o, "status");
  if (status != "approved" && status != "declined") {
    return MakeError(ErrorCode::kUnavailable, "payment service sent status '" + status + "'");
  }
  result.outcome = status == "approved" ? ChargeOutcome::kApproved : ChargeOutcome::kDeclined;
  result.transaction_id = Str(o, "transactionId");
  result.decline_reason = Str(o, "reason");
  return result;
}

Result<RefundResult> HttpGateway::Refund(const std::string& key, std::int64_t amount_cents) {
  OF_ASSIGN_OR_RETURN(json::object o,
                      Post(base_url_ + "/api/refunds", key,
                           {{"idempotencyKey", key}, {"amountCents", amount_cents}}, timeout_ms_));
  RefundResult result;
  const auto* refunded = o.if_contains("refunded");
  result.refunded = refunded && refunded->is_bool() && refunded->get_bool();
  result.refund_id = Str(o, "refundId");
  return result;
}

}  // namespace orderflow::payment
