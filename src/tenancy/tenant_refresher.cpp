#include "tenancy/tenant_refresher.hpp"

#include <spdlog/spdlog.h>

namespace orderflow::tenancy {

TenantRefresher::TenantRefresher(store::Store& store, TenantDirectory& tenants,
                                 TaskRunner& blocking, std::chrono::milliseconds period)
    : store_(store), tenants_(tenants), blocking_(blocking), period_(period) {}

TenantRefresher::~TenantRefresher() { Stop(); }

void TenantRefresher::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, period_, [this] { return stopping_; });
    if (stopping_ || in_flight_) continue;  // a slow database: skip a beat, never pile up
    in_flight_ = true;
    blocking_.Post([this] {
      ReloadAndLog();
      std::lock_guard done(mu_);
      in_flight_ = false;
      cv_.notify_all();
    });
  }
}

void TenantRefresher::Stop() {
  std::unique_lock lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  // The posted reload uses `this`: it must be over before we go away.
  cv_.wait(lock, [this] { return !in_flight_; });
}

Result<TenantDirectory::ReplaceResult> TenantRefresher::ReloadNow() {
  // Taken before the read: a local Upsert after this point may be newer than
  // what the read returns, and Replace() keeps it.
  const std::uint64_t read_started = tenants_.LocalVersion();
  std::vector<domain::StoreInfo> stores;
  OF_RETURN_IF_ERROR(store_.Read([&stores](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(stores, tx.ListStores());
    return OkStatus();
  }));
  return tenants_.Replace(stores, read_started);
}

void TenantRefresher::ReloadAndLog() {
  auto reloaded = ReloadNow();
  bool was_failing = false;
  {
    std::lock_guard lock(mu_);
    was_failing = failing_;
    failing_ = !reloaded.ok();
  }
  if (!reloaded.ok()) {
    // Every period while the database is away would flood the log; the
    // directory keeps its last contents meanwhile.
    if (!was_failing) {
      spdlog::warn("store reload failed, keeping the stores as they were: {}",
                   reloaded.error().message);
    }
    return;
  }
  if (was_failing) spdlog::info("store reload works again");
  const auto& r = *reloaded;
  if (r.added + r.changed + r.removed > 0) {
    spdlog::info("stores reloaded: {} added, {} changed, {} removed ({} in all)", r.added,
                 r.changed, r.removed, r.stores);
  } else {
    spdlog::debug("stores reloaded: {}, none changed", r.stores);
  }
}

}  // namespace orderflow::tenancy
