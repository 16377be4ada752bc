#pragma once
// Run-time configuration of `orderflow serve` and friends (SPEC §1): every
// flag has an ORDERFLOW_* environment variable. Validation produces one clear
// line per problem.

#include <string>
#include <vector>

#include "common/result.hpp"

namespace orderflow::app {

struct Config {
  std::string db = "sqlite:./data/orderflow.db";
  std::string listen = "127.0.0.1:8080";
  int threads = 2;
  std::string admin_token;
  std::string auth = "on";
  std::string payment_gateway = "simulated";
  double ship_delay = 2;      // seconds
  double deliver_delay = 10;  // seconds
  double payment_decline_rate = 0;
  double low_stock_scan = 60;      // seconds
  double claim_lease = 15;         // seconds a claimed delivery stays with this instance
  int step_chain = 64;             // deliveries one unit may chain (0: a unit per step)
  double webhook_timeout = 5;      // seconds per POST
  int webhook_attempts = 10;       // per delivery, 5xx and timeouts retried
  double webhook_retry_delay = 2;  // seconds before the first retry (doubling)
  int webhook_disable_after = 20;  // failed deliveries in a row
  std::string log_format = "text";
  std::string log_level = "info";
  std::string cors_origin;
  double rate_limit = 200;
  double auth_failure_limit = 20;  // wrong credentials per minute per client address
  double tenant_refresh = 2;       // seconds between reloads of the stores table (0: never)
  bool no_demo = false;
  std::string web_root;
  int max_connections_per_address = 256;  // 0: no limit
  int sse_max_streams = 1000;             // event streams in total (0: no limit)
  int sse_max_streams_per_store = 100;    // event streams per store (0: no limit)
  double sse_lifetime = 600;              // seconds before a stream ends (0: never)
  int sse_buffer_mb = 64;                 // MiB queued for all streams together (0: no limit)
  std::string allow_private_egress;       // CIDRs, comma-separated
  int webhook_concurrency = 32;           // POSTs in flight at once
  int webhook_concurrency_per_store = 4;
  int webhook_circuit_failures = 5;      // transient failures in a row (0: never opens)
  double webhook_circuit_cooldown = 30;  // seconds
  std::string secret_key_file;           // empty: secret-key beside an SQLite database
  int sqlite_wal_limit = 64;  // MB of SQLite WAL past which the writer checkpoints and truncates it

  // Derived by Validate().
  std::string sqlite_path;
  std::string host;
  unsigned short port = 0;
  std::vector<std::string> cors_origins;
};

// Checks every field and fills the derived ones. kValidation names the flag.
Status Validate(Config& config);

}  // namespace orderflow::app
