#pragma once
// In-process gateway for demos and tests (SPEC §4): approves unless the token
// is tok_chargeDeclined (declined, final) or tok_processingError (transient
// error, so the step retries); optionally declines a random fraction.
// Remembers charges by idempotency key, so a retried charge returns the
// first answer and counts as one charge.

#include <map>
#include <mutex>
#include <random>

#include "payment/gateway.hpp"

namespace orderflow::payment {

class SimulatedGateway final : public PaymentGateway {
 public:
  explicit SimulatedGateway(double decline_rate = 0, std::uint64_t seed = std::random_device{}());

  Result<ChargeResult> Charge(const ChargeRequest& request) override;
  Result<RefundResult> Refund(const std::string& idempotency_key,
                              std::int64_t amount_cents) override;

  // Observability for tests: how many distinct keys were captured / refunded,
  // and how many charge calls were made in total.
  int captured() const;
  int refunded() const;
  int calls() const;

 private:
  struct Record {
    ChargeResult result;
    bool refunded = false;
  };
  mutable std::mutex mu_;
  const double decline_rate_;
  std::mt19937_64 rng_;                    // GUARDED_BY(mu_)
  std::map<std::string, Record> charges_;  // GUARDED_BY(mu_)
  int calls_ = 0;                          // GUARDED_BY(mu_)
};

}  // namespace orderflow::payment
