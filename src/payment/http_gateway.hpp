#pragma once
// PaymentGateway over HTTP to a separate payment service (for example the
// bundled orderflow-payment-gateway). Protocol:
//   POST {base}/api/charges  {idempotencyKey, storeId, amountCents, currency, token}
//     -> 200 {status: "approved"|"declined", transactionId, reason}
//   POST {base}/api/refunds  {idempotencyKey, amountCents}
//     -> 200 {refunded: bool, refundId}
// The Idempotency-Key header carries the order id on every attempt.
// Timeouts, connection errors and 5xx are kUnavailable (the step retries).

#include <string>

#include "payment/gateway.hpp"

namespace orderflow::payment {

class HttpGateway final : public PaymentGateway {
 public:
  HttpGateway(std::string base_url, int timeout_ms = 3000);
  Result<ChargeResult> Charge(const ChargeRequest& request) override;
  Result<RefundResult> Refund(const std::string& idempotency_key,
                              std::int64_t amount_cents) override;

 private:
  std::string base_url_;
  int timeout_ms_;
};

}  // namespace orderflow::payment
