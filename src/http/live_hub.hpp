#pragma once
// Live updates for dashboards (GET /api/events/stream, Server-Sent Events).
// Producers only mark what changed (cheap, any thread, never blocking); a
// flush every 250 ms reads the changed orders, new notifications and fresh
// stats of stores that have listeners and pushes them. With no listener a
// change costs one set insertion, so the engine's throughput is untouched.
// Streams are capped per store and in total (StreamQuota); beyond the caps
// the route answers 503 with Retry-After.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.hpp"
#include "http/handlers/api.hpp"
#include "http/request.hpp"
#include "http/stream_quota.hpp"
#include "store/store.hpp"

namespace orderflow::http {

class LiveHub final : public handlers::ChangeListener {
 public:
  LiveHub(store::Store& store, const Clock& clock, StreamQuota::Limits limits = {});
  ~LiveHub() override;  // Stop()s

  // Starts / stops the flush thread.
  void Start();
  void Stop();

  // An order of the store changed (by a step or an API call).
  void OrderChanged(const std::string& store_id, const std::string& order_id);
  // Notifications of the store may have been added.
  void AlertsChanged(const std::string& store_id);
  void OnChange(const std::string& store_id, const std::string& kind,
                const std::string& json) override;

  void Subscribe(const std::string& store_id, std::shared_ptr<StreamWriter> writer);
  std::size_t listeners() const;
  // Admission of new streams; tickets are held for as long as a stream runs.
  StreamQuota& quota() { return quota_; }

 private:
  struct StoreState {
    std::vector<std::shared_ptr<StreamWriter>> writers;
    std::set<std::string> dirty_orders;
    bool alerts_dirty = false;
    bool stats_dirty = true;
    std::int64_t last_alert_seq = -1;  // -1: not initialised yet
  };

  void Loop();
  void Flush(const std::string& store_id, StoreState snapshot);

  store::Store& store_;
  const Clock& clock_;
  StreamQuota quota_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, StoreState> stores_;  // GUARDED_BY(mu_)
  bool running_ = false;                      // GUARDED_BY(mu_)
  std::thread thread_;
};

// Registers GET /api/events/stream.
void RegisterEventStreamRoute(Router& router, handlers::Services& services, LiveHub& hub);

}  // namespace orderflow::http
