#include "payment/simulated_gateway.hpp"

#include "common/ids.hpp"

namespace orderflow::payment {

SimulatedGateway::SimulatedGateway(double decline_rate, std::uint64_t seed)
    : decline_rate_(decline_rate), rng_(seed) {}

Result<ChargeResult> SimulatedGateway::Charge(const ChargeRequest& request) {
  std::lock_guard lock(mu_);
  ++calls_;
  if (auto it = charges_.find(request.idempotency_key); it != charges_.end()) {
    return it->second.result;
  }
  if (request.token == "tok_processingError") {
    return MakeError(ErrorCode::kUnavailable, "processing error at the payment provider");
  }
  ChargeResult result;
  result.transaction_id = "txn_" + RandomHex(8);
  bool random_decline =
      decline_rate_ > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < decline_rate_;
  if (request.token == "tok_chargeDeclined" || random_decline) {
    result.outcome = ChargeOutcome::kDeclined;
    result.decline_reason = "card_declined";
  }
  charges_[request.idempotency_key] = Record{result, false};
  return result;
}

Result<RefundResult> SimulatedGateway::Refund(const std::string& idempotency_key, std::int64_t) {
  std::lock_guard lock(mu_);
  auto it = charges_.find(idempotency_key);
  if (it == charges_.end() || it->second.result.outcome != ChargeOutcome::kApproved) {
    return RefundResult{false, ""};
  }
  it->second.refunded = true;
  return RefundResult{true, "re_" + it->second.result.transaction_id.substr(4)};
}

int SimulatedGateway::captured() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [key, r] : charges_) n += r.result.outcome == ChargeOutcome::kApproved;
  return n;
}

int SimulatedGateway::refunded() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& [key, r] : charges_) n += r.refunded;
  return n;
}

int SimulatedGateway::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

}  // namespace orderflow::payment
