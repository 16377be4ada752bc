#pragma once
// Prometheus metrics of one server process (GET /metrics, SPEC §7), on a
// registry owned here and created by the composition root (no global
// registry, no exposer thread: our own HTTP server serves the text).
//
// Counters and histograms are updated where things happen: every routed
// request through Instrument(), engine deliveries through the Delivery*
// hooks. What describes the database (queue depth and lag per step, dead
// letters, orders by status) is read from the store at scrape time, so
// nothing polls in the background and an idle process costs nothing.
//
// Labels never carry customer data: route patterns (not raw paths), methods,
// status classes, step names, store ids and order statuses.
//
// Thread-safety: every public member may be called from any thread.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "http/router.hpp"
#include "store/store.hpp"

namespace orderflow::metrics {

// Live values read at scrape time from components the metrics do not own.
// Each is optional.
struct Probes {
  std::function<std::int64_t()> in_flight;    // engine deliveries being handled
  std::function<std::int64_t()> sse_clients;  // open event streams
  // Size of the SQLite WAL file in bytes; unset on PostgreSQL (no gauge).
  std::function<std::int64_t()> wal_bytes;
};

class Metrics {
 public:
  // `steps` are the flow's step names: their series exist from the start
  // (at zero), which keeps the delivery hooks lock-free.
  Metrics(store::Store& store, const Clock& clock, const std::vector<std::string>& steps);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void SetProbes(Probes probes);  // before the first scrape

  // A router with every route of `router`, each handler wrapped to count
  // its requests by route pattern, method and status class and to time them
  // from dispatch to response. Requests that match no route (static files,
  // 404, 405) are not counted. The result must outlive the server using it.
  http::Router Instrument(const http::Router& router);

  // Engine hooks (any thread, non-blocking).
  void DeliveryHandled(const std::string& step);
  void DeliveryFailed(const std::string& step, bool dead_lettered);

  // The Prometheus text exposition (format 0.0.4). Reads the store: call on
  // a worker pool, never on an I/O thread. kUnavailable when the database
  // cannot be read (the process metrics are then still useless to a
  // scraper, so the whole scrape fails).
  Result<std::string> Scrape();

  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";
  // Request latency buckets, seconds: 0.1 ms to 1 s.
  static const std::vector<double>& LatencyBuckets();

 private:
  struct StepCounters {
    prometheus::Counter* handled = nullptr;
    prometheus::Counter* retried = nullptr;
    prometheus::Counter* dead = nullptr;
  };
  StepCounters& CountersFor(const std::string& step);

  store::Store& store_;
  const Clock& clock_;
  const std::chrono::steady_clock::time_point started_;
  const TimeMs started_at_ms_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Counter>& retried_;
  prometheus::Family<prometheus::Counter>& dead_;
  // Filled in the constructor, read-only afterwards; steps outside the flow
  // (none today) go through `extra_steps_` under its mutex.
  std::map<std::string, StepCounters> steps_;
  std::mutex extra_mu_;
  std::map<std::string, StepCounters> extra_steps_;  // GUARDED_BY(extra_mu_)
  Probes probes_;
};

}  // namespace orderflow::metrics
