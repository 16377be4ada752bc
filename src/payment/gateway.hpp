#pragma once
// The payment service boundary. Every call carries an idempotency key (the
// order id): repeating a charge or refund with the same key never moves
// money twice, which is what lets the payment step retry safely.

#include <cstdint>
#include <string>

#include "common/result.hpp"

namespace orderflow::payment {

enum class ChargeOutcome { kApproved, kDeclined };

struct ChargeRequest {
  std::string idempotency_key;  // store id "/" order id
  std::string store_id;
  std::int64_t amount_cents = 0;
  std::string currency = "USD";
  std::string token;  // payment method token from the order
};

struct ChargeResult {
  ChargeOutcome outcome = ChargeOutcome::kApproved;
  std::string transaction_id;
  std::string decline_reason;  // when declined
};

struct RefundResult {
  bool refunded = false;  // false: there was no captured charge for the key
  std::string refund_id;
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  // kUnavailable for transient failures (timeouts, 5xx, processing errors):
  // the caller retries with the same key. A decline is a result, not an error.
  virtual Result<ChargeResult> Charge(const ChargeRequest& request) = 0;
  // Refunds the captured charge of this key, if any. Idempotent.
  virtual Result<RefundResult> Refund(const std::string& idempotency_key,
                                      std::int64_t amount_cents) = 0;
};

}  // namespace orderflow::payment
