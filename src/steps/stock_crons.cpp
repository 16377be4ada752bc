// Cron steps: low-stock-scan (a safety net for threshold alerts) and
// stock-reconcile (stock and reserved against the ledger).

#include <spdlog/spdlog.h>

#include "steps/steps.hpp"

namespace orderflow::steps {
namespace {

class CronBase : public engine::CronStep {
 public:
  CronBase(const engine::Flow& flow, const std::string& name, std::int64_t interval_ms)
      : spec_(*flow.Find(name)), interval_ms_(interval_ms) {}
  const engine::StepSpec& spec() const override { return spec_; }
  std::int64_t interval_ms() const override { return interval_ms_; }

 private:
  engine::StepSpec spec_;
  std::int64_t interval_ms_;
};

class LowStockScan final : public CronBase {
 public:
  LowStockScan(const engine::Flow& flow, std::int64_t interval_ms)
      : CronBase(flow, "low-stock-scan", interval_ms) {}

  Status Run(engine::StepTx& st) override {
    OF_ASSIGN_OR_RETURN(auto stores, st.catalogue().ListStores());
    for (const auto& store : stores) {
      OF_ASSIGN_OR_RETURN(auto products, st.catalogue().ListProducts(store.store_id));
      for (auto& p : products) {
        if (p.available() > p.threshold || p.low_stock_alerted ||
            p.status == domain::ProductStatus::kArchived) {
          continue;
        }
        p.low_stock_alerted = true;
        p.updated_at = st.now();
        OF_RETURN_IF_ERROR(st.catalogue().UpdateProduct(p));
        OF_RETURN_IF_ERROR(st.Emit("inventory.threshold_reached",
                                   {{"productId", p.product_id},
                                    {"productName", p.product_name},
                                    {"available", p.available()},
                                    {"stock", p.stock},
                                    {"threshold", p.threshold}},
                                   {.store_id = store.store_id}));
      }
    }
    return OkStatus();
  }
};

class StockReconcile final : public CronBase {
 public:
  StockReconcile(const engine::Flow& flow, std::int64_t interval_ms)
      : CronBase(flow, "stock-reconcile", interval_ms) {}

  Status Run(engine::StepTx& st) override {
    OF_ASSIGN_OR_RETURN(auto stores, st.catalogue().ListStores());
    for (const auto& store : stores) {
      OF_ASSIGN_OR_RETURN(auto products, st.catalogue().ListProducts(store.store_id));
      for (const auto& p : products) {
        OF_ASSIGN_OR_RETURN(auto ledger, st.catalogue().LedgerTotals(store.store_id, p.product_id));
        if (ledger.first == p.stock && ledger.second == p.reserved) continue;
        spdlog::error(
            "stock drift for {} in store {}: stock {} vs ledger {}, reserved {} vs ledger {}",
            p.product_name, store.store_id, p.stock, ledger.first, p.reserved, ledger.second);
        OF_RETURN_IF_ERROR(st.Emit("inventory.drift_detected",
                                   {{"productId", p.product_id},
                                    {"productName", p.product_name},
                                    {"stock", p.stock},
                                    {"ledgerStock", ledger.first},
                                    {"reserved", p.reserved},
                                    {"ledgerReserved", ledger.second}},
                                   {.store_id = store.store_id}));
      }
    }
    return OkStatus();
  }
};

}  // namespace

std::unique_ptr<engine::CronStep> MakeLowStockScan(const engine::Flow& flow,
                                                   std::int64_t interval_ms) {
  return std::make_unique<LowStockScan>(flow, interval_ms);
}

std::unique_ptr<engine::CronStep> MakeStockReconcile(const engine::Flow& flow,
                                                     std::int64_t interval_ms) {
  return std::make_unique<StockReconcile>(flow, interval_ms);
}

}  // namespace orderflow::steps
