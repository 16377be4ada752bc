#include "metrics/metrics.hpp"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <fstream>

#include "domain/order_status.hpp"

namespace orderflow::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Lag is measured on the oldest due deliveries overall: exact for every step
// with a delivery among them; a step whose oldest due delivery is younger
// than the whole sample shows the sample's lag at most, so the figure errs
// low only when one step lags far behind 500 deliveries of the others.
constexpr int kLagSample = 500;

constexpr std::array<const char*, 5> kStatusClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};

constexpr domain::OrderStatus kStatuses[] = {
    domain::OrderStatus::kPending,   domain::OrderStatus::kFlagged,   domain::OrderStatus::kPaid,
    domain::OrderStatus::kFailed,    domain::OrderStatus::kFulfilled, domain::OrderStatus::kShipped,
    domain::OrderStatus::kDelivered, domain::OrderStatus::kCancelled};

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddGauge(MetricFamily& family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

void AddCounter(MetricFamily& family, std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  family.metric.push_back(std::move(m));
}

// Resident and virtual size from /proc/self/statm (pages).
std::pair<double, double> ProcessMemory() {
  std::ifstream statm("/proc/self/statm");
  double size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  return {resident_pages * page, size_pages * page};
}

}  // namespace

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double> buckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                              0.025,  0.05,    0.1,    0.25,  0.5,    1.0};
  return buckets;
}

Metrics::Metrics(store::Store& store, const Clock& clock, const std::vector<std::string>& steps)
    : store_(store),
      clock_(clock),
      started_(std::chrono::steady_clock::now()),
      started_at_ms_(clock.NowMs()),
      registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("orderflow_http_requests_total")
                    .Help("HTTP requests answered, by route pattern, method and status class")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("orderflow_http_request_duration_seconds")
                   .Help("Time from dispatch to response, by route pattern and method")
                   .Register(*registry_)),
      handled_(prometheus::BuildCounter()
                   .Name("orderflow_engine_deliveries_handled_total")
                   .Help("Deliveries whose effect committed, by step")
                   .Register(*registry_)),
      retried_(prometheus::BuildCounter()
                   .Name("orderflow_engine_deliveries_retried_total")
                   .Help("Failed delivery attempts scheduled again, by step")
                   .Register(*registry_)),
      dead_(prometheus::BuildCounter()
                .Name("orderflow_engine_deliveries_dead_lettered_total")
                .Help("Deliveries moved to the dead-letter table, by step")
                .Register(*registry_)) {
  for (const auto& step : steps) {
    steps_[step] = StepCounters{&handled_.Add({{"step", step}}), &retried_.Add({{"step", step}}),
                                &dead_.Add({{"step", step}})};
  }
}

void Metrics::SetProbes(Probes probes) { probes_ = std::move(probes); }

http::Router Metrics::Instrument(const http::Router& router) {
  http::Router out;
  for (const auto& route : router.routes()) {
    // The usual classes exist from the start (at zero) and are found
    // without a lookup; 1xx and 3xx, which our handlers do not answer,
    // appear on first use.
    struct Series {
      std::array<prometheus::Counter*, kStatusClasses.size()> by_class{};
      prometheus::Histogram* latency = nullptr;
      prometheus::Labels labels;
    };
    auto series = std::make_shared<Series>();
    series->labels = {{"route", route.pattern}, {"method", route.method}};
    for (std::size_t i : {1, 3, 4}) {
      prometheus::Labels labels = series->labels;
      labels["status"] = kStatusClasses[i];
      series->by_class[i] = &requests_.Add(labels);
    }
    series->latency = &latency_.Add(series->labels, LatencyBuckets());
    out.Add(route.method, route.pattern,
            [this, series, inner = route.handler](http::Request& request, http::Respond respond) {
              auto start = std::chrono::steady_clock::now();
              inner(request, [this, series, start, respond = std::move(respond)](http::Response r) {
                std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
                std::size_t cls = static_cast<std::size_t>(std::clamp(r.status / 100, 1, 5) - 1);
                if (series->by_class[cls] != nullptr) {
                  series->by_class[cls]->Increment();
                } else {
                  prometheus::Labels labels = series->labels;
                  labels["status"] = kStatusClasses[cls];
                  requests_.Add(labels).Increment();
                }
                series->latency->Observe(took.count());
                respond(std::move(r));
              });
            });
  }
  return out;
}

Metrics::StepCounters& Metrics::CountersFor(const std::string& step) {
  if (auto it = steps_.find(step); it != steps_.end()) return it->second;
  std::lock_guard lock(extra_mu_);
  auto [it, inserted] = extra_steps_.try_emplace(step);
  if (inserted) {
    it->second = StepCounters{&handled_.Add({{"step", step}}), &retried_.Add({{"step", step}}),
                              &dead_.Add({{"step", step}})};
  }
  return it->second;
}

void Metrics::DeliveryHandled(const std::string& step) { CountersFor(step).handled->Increment(); }

void Metrics::DeliveryFailed(const std::string& step, bool dead_lettered) {
  StepCounters& c = CountersFor(step);
  (dead_lettered ? c.dead : c.retried)->Increment();
}

Result<std::string> Metrics::Scrape() {
  const TimeMs now = clock_.NowMs();
  auto depth = Family("orderflow_engine_queue_depth",
                      "Pending deliveries (due, retrying or waiting on a timer), by step",
                      MetricType::Gauge);
  auto retrying =
      Family("orderflow_engine_deliveries_retrying",
             "Pending deliveries that failed at least once, by step", MetricType::Gauge);
  auto dead_letters = Family("orderflow_engine_dead_letters",
                             "Deliveries in the dead-letter table now, by step", MetricType::Gauge);
  auto lag = Family("orderflow_engine_lag_seconds",
                    "Age of the oldest due delivery (now - due time), by step; 0 when none is due",
                    MetricType::Gauge);
  auto orders = Family("orderflow_orders",
                       "Orders by store and current status (all time, from the status counters)",
                       MetricType::Gauge);
  auto db_read = Family("orderflow_db_scrape_seconds",
                        "Time this scrape spent reading the database", MetricType::Gauge);

  auto read_start = std::chrono::steady_clock::now();
  Status read = store_.Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(auto counts, tx.CountDeliveries(""));
    OF_ASSIGN_OR_RETURN(auto due, tx.ListDueDeliveries(now, kLagSample));
    std::map<std::string, TimeMs> oldest_due;
    for (const auto& d : due) {
      auto [it, inserted] = oldest_due.emplace(d.step, d.next_at);
      if (!inserted) it->second = std::min(it->second, d.next_at);
    }
    std::map<std::string, bool> seen;
    for (const auto& c : counts) seen[c.step] = true;
    for (const auto& [step, unused] : steps_) seen.emplace(step, true);
    for (const auto& [step, unused] : seen) {
      const store::StepCounts* c = nullptr;
      for (const auto& candidate : counts) {
        if (candidate.step == step) c = &candidate;
      }
      AddGauge(depth, {{"step", step}}, c != nullptr ? static_cast<double>(c->pending) : 0);
      AddGauge(retrying, {{"step", step}}, c != nullptr ? static_cast<double>(c->retrying) : 0);
      AddGauge(dead_letters, {{"step", step}}, c != nullptr ? static_cast<double>(c->dead) : 0);
      auto it = oldest_due.find(step);
      double lag_s = it == oldest_due.end()
                         ? 0.0
                         : static_cast<double>(std::max<TimeMs>(0, now - it->second)) / 1000.0;
      AddGauge(lag, {{"step", step}}, lag_s);
    }
    OF_ASSIGN_OR_RETURN(auto stores, tx.ListStores());
    for (const auto& s : stores) {
      OF_ASSIGN_OR_RETURN(auto totals, tx.OrderTotals(s.store_id, 0));
      std::map<domain::OrderStatus, std::int64_t> by_status;
      for (domain::OrderStatus status : kStatuses) by_status[status] = 0;
      for (const auto& t : totals) by_status[t.status] += t.orders;
      for (const auto& [status, n] : by_status) {
        AddGauge(orders, {{"status", std::string(domain::ToString(status))}, {"store", s.store_id}},
                 static_cast<double>(n));
      }
    }
    return OkStatus();
  });
  if (!read.ok()) return read.error();
  AddGauge(db_read, {},
           std::chrono::duration<double>(std::chrono::steady_clock::now() - read_start).count());

  auto db = Family("orderflow_db_info", "The database back end (value 1)", MetricType::Gauge);
  AddGauge(db, {{"backend", store_.Backend()}}, 1);
  auto in_flight =
      Family("orderflow_engine_in_flight", "Deliveries being handled now", MetricType::Gauge);
  AddGauge(in_flight, {}, probes_.in_flight ? static_cast<double>(probes_.in_flight()) : 0.0);
  auto sse = Family("orderflow_sse_clients", "Open Server-Sent Event streams", MetricType::Gauge);
  AddGauge(sse, {}, probes_.sse_clients ? static_cast<double>(probes_.sse_clients()) : 0.0);

  // Taken after this scrape's own reads above, which are counted in it.
  const store::StatementCounts counted = store_.statement_counts();
  auto statements = Family("orderflow_db_statements_total",
                           "SQL statements executed, by kind (write, read, tx_control, other) "
                           "and connection (writer, reader)",
                           MetricType::Counter);
  auto round_trips = Family("orderflow_db_round_trips_total",
                            "Requests awaited from the database server, by connection "
                            "(PostgreSQL; 0 on SQLite)",
                            MetricType::Counter);
  for (const auto& [connection, kinds] :
       {std::pair<const char*, const store::StatementCounts::Kinds*>{"writer", &counted.writer},
        {"reader", &counted.readers}}) {
    AddCounter(statements, {{"connection", connection}, {"kind", "write"}},
               static_cast<double>(kinds->write));
    AddCounter(statements, {{"connection", connection}, {"kind", "read"}},
               static_cast<double>(kinds->read));
    AddCounter(statements, {{"connection", connection}, {"kind", "tx_control"}},
               static_cast<double>(kinds->tx_control));
    AddCounter(statements, {{"connection", connection}, {"kind", "other"}},
               static_cast<double>(kinds->other));
    AddCounter(round_trips, {{"connection", connection}}, static_cast<double>(kinds->round_trips));
  }
  auto commits =
      Family("orderflow_db_commits_total",
             "Group commits of the writer (a batch of units of work each)", MetricType::Counter);
  AddCounter(commits, {{"connection", "writer"}}, static_cast<double>(counted.writer.commits));
  auto pages = Family("orderflow_db_pages_written_total",
                      "Database pages the writer's commits wrote (SQLite, to the write-ahead "
                      "log; 0 on PostgreSQL)",
                      MetricType::Counter);
  AddCounter(pages, {{"connection", "writer"}}, static_cast<double>(counted.writer.pages_written));

  auto wal =
      Family("orderflow_db_wal_bytes",
             "Size of the SQLite write-ahead log file in bytes (SQLite only)", MetricType::Gauge);
  if (probes_.wal_bytes) AddGauge(wal, {}, static_cast<double>(probes_.wal_bytes()));

  auto [rss, vsize] = ProcessMemory();
  auto resident =
      Family("process_resident_memory_bytes", "Resident memory size in bytes", MetricType::Gauge);
  AddGauge(resident, {}, rss);
  auto virt =
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes", MetricType::Gauge);
  AddGauge(virt, {}, vsize);
  auto start_time =
      Family("process_start_time_seconds",
             "Start time of the process since the Unix epoch in seconds", MetricType::Gauge);
  AddGauge(start_time, {}, static_cast<double>(started_at_ms_) / 1000.0);
  auto uptime =
      Family("orderflow_uptime_seconds", "Seconds since the process started", MetricType::Gauge);
  AddGauge(uptime, {},
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());

  std::vector<MetricFamily> families = registry_->Collect();
  for (auto* f :
       {&depth, &retrying, &dead_letters, &lag, &in_flight, &orders, &db, &db_read, &sse,
        &statements, &round_trips, &commits, &pages, &resident, &virt, &start_time, &uptime}) {
    families.push_back(std::move(*f));
  }
  if (!wal.metric.empty()) families.push_back(std::move(wal));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace orderflow::metrics
