#pragma once
// `orderflow load`: posts orders over N keep-alive connections as fast as
// possible or at a target rate, for a duration or a count, with a live
// progress line; then reports intake throughput and latency percentiles and,
// optionally, waits for every order to reach a terminal state to report the
// end-to-end (created -> delivered) throughput and latency.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "load/latency_histogram.hpp"

namespace orderflow::load {

struct LoadOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string token;  // admin token or store key
  std::string store_id = "X";
  int connections = 64;
  int threads = 1;         // client I/O threads
  double duration_s = 10;  // used when count == 0
  std::int64_t count = 0;  // total orders; 0 = run for duration_s
  double rate = 0;         // orders/s across all connections; 0 = unlimited
  std::string product = "Motia Smartwatch V2";
  std::int64_t restock = 0;     // units added to `product` before the run (admin)
  double decline_fraction = 0;  // share of orders with tok_chargeDeclined
  bool end_to_end = false;      // wait for terminal states and report e2e
  double e2e_timeout_s = 300;
  // With end_to_end: the store-wide number of orders to wait for. The
  // counts are the store's, so when several clients load one store (one per
  // instance), each must wait for all of them: 0 means this client's own.
  std::int64_t e2e_total = 0;
};

struct LoadReport {
  std::int64_t sent = 0;               // requests answered
  std::int64_t created = 0;            // 2xx
  std::int64_t connection_errors = 0;  // refused, reset or timed out: no answer
  std::map<int, std::int64_t> statuses;
  // Requests that did not create an order: non-2xx answers plus connection
  // errors. `orderflow load` exits 1 when this is not zero.
  std::int64_t Failed() const;
  double seconds = 0;
  double throughput = 0;  // 2xx per second
  Percentiles intake;
  bool e2e_measured = false;
  bool e2e_complete = false;
  double e2e_seconds = 0;     // first request to last terminal state
  double e2e_throughput = 0;  // terminal orders per second
  std::int64_t e2e_delivered = 0;
  std::int64_t e2e_failed = 0;
  Percentiles e2e;  // createdAt -> updatedAt of delivered orders (sample)
};

// Runs the load. `progress` receives one human-readable line per second.
// Throws std::runtime_error when the server cannot be reached at all.
LoadReport RunLoad(const LoadOptions& options,
                   const std::function<void(const std::string&)>& progress);

// Multi-line human-readable summary.
std::string FormatReport(const LoadOptions& options, const LoadReport& report);

// The failures in one line, by status: "401 x20, 422 x3, connection errors
// x2"; "none" when nothing failed.
std::string FormatFailures(const std::map<int, std::int64_t>& statuses,
                           std::int64_t connection_errors);

}  // namespace orderflow::load
