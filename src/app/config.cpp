#include "app/config.hpp"

#include <filesystem>
#include <sstream>

#include "http/egress_policy.hpp"
#include "store/postgres/postgres_store.hpp"

namespace orderflow::app {
namespace {

Error Bad(const std::string& flag, const std::string& message) {
  return MakeError(ErrorCode::kValidation, flag + ": " + message, flag);
}

}  // namespace

Status Validate(Config& c) {
  if (c.db.rfind("sqlite:", 0) == 0) {
    c.sqlite_path = c.db.substr(7);
    if (c.sqlite_path.empty())
      return Bad("--db", "sqlite: needs a file path, e.g. sqlite:./data/orderflow.db");
  } else if (c.db.rfind("postgresql://", 0) == 0 || c.db.rfind("postgres://", 0) == 0) {
    c.sqlite_path.clear();
    auto parsed = store::ParsePostgresUrl(c.db);
    if (!parsed.ok()) return Bad("--db", parsed.error().message);
  } else {
    return Bad("--db", "expected sqlite:PATH or postgresql://..., got '" + c.db + "'");
  }
  auto colon = c.listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Bad("--listen", "expected HOST:PORT, got '" + c.listen + "'");
  c.host = c.listen.substr(0, colon);
  if (c.host.size() > 2 && c.host.front() == '[' && c.host.back() == ']')
    c.host = c.host.substr(1, c.host.size() - 2);
  std::string port = c.listen.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return Bad("--listen", "invalid port '" + port + "'");
  }
  c.port = static_cast<unsigned short>(std::stoi(port));
  if (c.threads < 1 || c.threads > 256) return Bad("--threads", "must be from 1 to 256");
  if (c.auth != "on" && c.auth != "off") return Bad("--auth", "must be on or off");
  if (c.payment_gateway != "simulated" && c.payment_gateway.rfind("http://", 0) != 0) {
    return Bad("--payment-gateway", "must be simulated or an http:// base URL");
  }
  if (!(c.claim_lease >= 1 && c.claim_lease <= 3600))
    return Bad("--claim-lease", "must be 1 to 3600 seconds");
  if (c.step_chain < 0 || c.step_chain > 10000) return Bad("--step-chain", "must be 0 to 10000");
  if (!(c.ship_delay >= 0 && c.ship_delay <= 86400))
    return Bad("--ship-delay", "must be 0 to 86400 seconds");
  if (!(c.deliver_delay >= 0 && c.deliver_delay <= 86400))
    return Bad("--deliver-delay", "must be 0 to 86400 seconds");
  if (!(c.payment_decline_rate >= 0 && c.payment_decline_rate <= 1)) {
    return Bad("--payment-decline-rate", "must be from 0 to 1");
  }
  if (!(c.low_stock_scan >= 1 && c.low_stock_scan <= 86400))
    return Bad("--low-stock-scan", "must be 1 to 86400 seconds");
  // Well under the engine's 30 s claim lease, so that another process never
  // takes over a delivery whose POST is still running.
  if (!(c.webhook_timeout >= 0.1 && c.webhook_timeout <= 20))
    return Bad("--webhook-timeout", "must be 0.1 to 20 seconds");
  if (c.webhook_attempts < 1 || c.webhook_attempts > 50)
    return Bad("--webhook-attempts", "must be from 1 to 50");
  if (!(c.webhook_retry_delay >= 0.001 && c.webhook_retry_delay <= 3600))
    return Bad("--webhook-retry-delay", "must be 0.001 to 3600 seconds");
  if (c.webhook_disable_after < 1 || c.webhook_disable_after > 10000)
    return Bad("--webhook-disable-after", "must be from 1 to 10000");
  if (auto egress = http::EgressPolicy::Parse(c.allow_private_egress); !egress.ok())
    return Bad("--allow-private-egress", egress.error().message);
  if (c.webhook_concurrency < 1 || c.webhook_concurrency > 1024)
    return Bad("--webhook-concurrency", "must be from 1 to 1024");
  if (c.webhook_concurrency_per_store < 1 ||
      c.webhook_concurrency_per_store > c.webhook_concurrency)
    return Bad("--webhook-concurrency-per-store", "must be from 1 to --webhook-concurrency");
  if (c.webhook_circuit_failures < 0 || c.webhook_circuit_failures > 10000)
    return Bad("--webhook-circuit-failures", "must be from 0 to 10000");
  if (!(c.webhook_circuit_cooldown >= 0.001 && c.webhook_circuit_cooldown <= 3600))
    return Bad("--webhook-circuit-cooldown", "must be 0.001 to 3600 seconds");
  if (c.log_format != "text" && c.log_format != "json")
    return Bad("--log-format", "must be text or json");
  if (!(c.rate_limit >= 0 && c.rate_limit <= 1e6))
    return Bad("--rate-limit", "must be 0 to 1000000");
  if (!(c.auth_failure_limit >= 0 && c.auth_failure_limit <= 1e6))
    return Bad("--auth-failure-limit", "must be 0 to 1000000");
  // Zero turns reloading off; below 0.1 s the reads would be pure overhead.
  if (!(c.tenant_refresh == 0 || (c.tenant_refresh >= 0.1 && c.tenant_refresh <= 3600)))
    return Bad("--tenant-refresh", "must be 0 (off) or 0.1 to 3600 seconds");
  if (c.max_connections_per_address < 0 || c.max_connections_per_address > 1000000)
    return Bad("--max-connections-per-address", "must be 0 (no limit) to 1000000");
  if (c.sse_max_streams < 0 || c.sse_max_streams > 1000000)
    return Bad("--sse-max-streams", "must be 0 (no limit) to 1000000");
  if (c.sse_max_streams_per_store < 0 || c.sse_max_streams_per_store > 1000000)
    return Bad("--sse-max-streams-per-store", "must be 0 (no limit) to 1000000");
  if (!(c.sse_lifetime == 0 || (c.sse_lifetime >= 1 && c.sse_lifetime <= 86400)))
    return Bad("--sse-lifetime", "must be 0 (never) or 1 to 86400 seconds");
  if (c.sse_buffer_mb < 0 || c.sse_buffer_mb > 1048576)
    return Bad("--sse-buffer-mb", "must be 0 (no limit) to 1048576");
  if (c.sqlite_wal_limit < 1 || c.sqlite_wal_limit > 65536)
    return Bad("--sqlite-wal-limit", "must be 1 to 65536 MB");
  if (!c.admin_token.empty() && c.admin_token.size() < 16) {
    return Bad("--admin-token", "must be at least 16 characters");
  }
  // A wrong directory would serve nothing but 404s: refuse it at start.
  if (!c.web_root.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(c.web_root, ec))
      return Bad("--web-root", "no directory at '" + c.web_root + "'");
    if (!std::filesystem::is_regular_file(std::filesystem::path(c.web_root) / "index.html", ec))
      return Bad("--web-root", "'" + c.web_root + "' has no index.html (the dashboard files)");
  }
  c.cors_origins.clear();
  std::stringstream origins(c.cors_origin);
  for (std::string o; std::getline(origins, o, ',');) {
    while (!o.empty() && o.front() == ' ') o.erase(0, 1);
    while (!o.empty() && o.back() == ' ') o.pop_back();
    if (o.empty()) continue;
    if (o != "*" && o.rfind("http://", 0) != 0 && o.rfind("https://", 0) != 0) {
      return Bad("--cors-origin", "origins look like http://localhost:5173, got '" + o + "'");
    }
    c.cors_origins.push_back(o);
  }
  return OkStatus();
}

}  // namespace orderflow::app
