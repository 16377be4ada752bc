// Composition root of the `orderflow` binary: parses the command line and
// environment (CLI11), then hands over to one subcommand.

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "load/load_generator.hpp"

int main(int argc, char** argv) {
  using orderflow::app::Config;
  Config config;
  CLI::App app{"OrderFlow: multi-store order processing with a durable step engine"};
  app.require_subcommand(1);
  app.fallthrough();

  app.add_option("--db", config.db, "Database: sqlite:PATH or a postgresql:// URI")
      ->envname("ORDERFLOW_DB")
      ->capture_default_str();
  app.add_option("--listen", config.listen, "HOST:PORT to serve on")
      ->envname("ORDERFLOW_LISTEN")
      ->capture_default_str();
  app.add_option("--threads", config.threads, "I/O threads")
      ->envname("ORDERFLOW_THREADS")
      ->capture_default_str();
  app.add_option("--admin-token", config.admin_token,
                 "Admin bearer token (default: generated and kept beside the database)")
      ->envname("ORDERFLOW_ADMIN_TOKEN");
  app.add_option("--auth", config.auth, "on, or off for local demos only")
      ->envname("ORDERFLOW_AUTH")
      ->capture_default_str();
  app.add_option("--payment-gateway", config.payment_gateway, "simulated, or an http:// base URL")
      ->envname("ORDERFLOW_PAYMENT_GATEWAY")
      ->capture_default_str();
  app.add_option("--ship-delay", config.ship_delay, "Seconds from fulfilled to shipped")
      ->envname("ORDERFLOW_SHIP_DELAY")
      ->capture_default_str();
  app.add_option("--deliver-delay", config.deliver_delay, "Seconds from shipped to delivered")
      ->envname("ORDERFLOW_DELIVER_DELAY")
      ->capture_default_str();
  app.add_option("--payment-decline-rate", config.payment_decline_rate,
                 "Fraction of payments the simulated gateway declines at random (demos)")
      ->envname("ORDERFLOW_PAYMENT_DECLINE_RATE")
      ->capture_default_str();
  app.add_option("--low-stock-scan", config.low_stock_scan, "Seconds between low-stock scans")
      ->envname("ORDERFLOW_LOW_STOCK_SCAN")
      ->capture_default_str();
  app.add_option("--claim-lease", config.claim_lease,
                 "Seconds a claimed step delivery stays with this instance before another "
                 "instance on the same database may take it over (crash recovery)")
      ->envname("ORDERFLOW_CLAIM_LEASE")
      ->capture_default_str();
  app.add_option("--step-chain", config.step_chain,
                 "Step deliveries that need no I/O run inside the unit that triggered them, up "
                 "to this many per unit (0: every step is a unit of its own)")
      ->envname("ORDERFLOW_STEP_CHAIN")
      ->capture_default_str();
  app.add_option("--webhook-timeout", config.webhook_timeout, "Seconds a webhook POST may take")
      ->envname("ORDERFLOW_WEBHOOK_TIMEOUT")
      ->capture_default_str();
  app.add_option("--webhook-attempts", config.webhook_attempts,
                 "Attempts per webhook delivery (5xx, 429 and timeouts are retried)")
      ->envname("ORDERFLOW_WEBHOOK_ATTEMPTS")
      ->capture_default_str();
  app.add_option("--webhook-retry-delay", config.webhook_retry_delay,
                 "Seconds before the first webhook retry; doubles per attempt, with jitter")
      ->envname("ORDERFLOW_WEBHOOK_RETRY_DELAY")
      ->capture_default_str();
  app.add_option("--webhook-disable-after", config.webhook_disable_after,
                 "Failed webhook deliveries in a row that disable an endpoint")
      ->envname("ORDERFLOW_WEBHOOK_DISABLE_AFTER")
      ->capture_default_str();
  app.add_option("--log-format", config.log_format, "text or json")
      ->envname("ORDERFLOW_LOG_FORMAT")
      ->capture_default_str();
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->envname("ORDERFLOW_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--cors-origin", config.cors_origin,
                 "Browser origins allowed to call the API, comma-separated (none by default)")
      ->envname("ORDERFLOW_CORS_ORIGIN");
  app.add_option("--rate-limit", config.rate_limit,
                 "Default requests/s per new store (burst twice that)")
      ->envname("ORDERFLOW_RATE_LIMIT")
      ->capture_default_str();
  app.add_option("--auth-failure-limit", config.auth_failure_limit,
                 "Wrong credentials per minute per client address before 429s (burst the "
                 "same; 0: no limit)")
      ->envname("ORDERFLOW_AUTH_FAILURE_LIMIT")
      ->capture_default_str();
  app.add_option("--tenant-refresh", config.tenant_refresh,
                 "Seconds between reloads of the stores table, so that stores created, keys "
                 "rotated and rate limits changed elsewhere apply here (0: only at start-up)")
      ->envname("ORDERFLOW_TENANT_REFRESH")
      ->capture_default_str();
  app.add_flag("--no-demo", config.no_demo, "Do not seed the demo stores on an empty database")
      ->envname("ORDERFLOW_NO_DEMO");
  app.add_option("--web-root", config.web_root, "Directory of the dashboard files")
      ->envname("ORDERFLOW_WEB_ROOT");
  app.add_option("--sqlite-wal-limit", config.sqlite_wal_limit,
                 "MB of SQLite write-ahead log past which the writer checkpoints and truncates it")
      ->envname("ORDERFLOW_SQLITE_WAL_LIMIT")
      ->capture_default_str();

  auto* serve = app.add_subcommand("serve", "Run the HTTP API, the dashboard and the flow");
  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
  auto* seed =
      app.add_subcommand("seed", "Seed the demo stores and catalogue on an empty database");
  std::int64_t seed_orders = 0;
  std::string seed_store = "X";
  seed->add_option(
      "--orders", seed_orders,
      "Also import this many finished orders over the last 7 days (dashboard at scale)");
  seed->add_option("--store", seed_store, "Store that gets the orders")->capture_default_str();
  auto* stores = app.add_subcommand("stores", "Manage stores and their API keys");
  stores->require_subcommand(1);
  std::string store_id, store_name, currency = "USD";
  auto* create = stores->add_subcommand("create", "Create a store and print its API key once");
  create->add_option("store_id", store_id, "Store id, e.g. W")->required();
  create->add_option("--name", store_name, "Display name")->required();
  create->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();
  auto* rotate = stores->add_subcommand("rotate-key", "Issue a new API key for a store");
  rotate->add_option("store_id", store_id, "Store id")->required();
  double rate_limit = 0;
  double burst = 0;
  auto* set_rate = stores->add_subcommand("set-rate-limit",
                                          "Change a store's rate limit (requests/s; 0: unlimited)");
  set_rate->add_option("store_id", store_id, "Store id")->required();
  set_rate->add_option("rate", rate_limit, "Requests per second, 0 for unlimited")->required();
  auto* burst_option =
      set_rate->add_option("--burst", burst, "Bucket size (default: twice the rate)");

  auto* dlq = app.add_subcommand("dlq", "List or redrive dead letters");
  dlq->require_subcommand(1);
  std::string dlq_store;
  std::int64_t dlq_event = 0;
  std::string dlq_step;
  auto* dlq_list = dlq->add_subcommand("list", "List dead letters, newest first");
  dlq_list->add_option("--store", dlq_store, "Only this store");
  auto* dlq_redrive = dlq->add_subcommand("redrive", "Make a dead letter pending again");
  dlq_redrive->add_option("--store", dlq_store, "Store of the event")->required();
  dlq_redrive->add_option("event_id", dlq_event, "Event id")->required();
  dlq_redrive->add_option("step", dlq_step, "Step name")->required();

  orderflow::app::ExportOptions export_options;
  auto* export_cmd = app.add_subcommand(
      "export", "Stream orders as CSV or JSON lines (newest first; runs beside a server)");
  export_cmd->add_option("--store", export_options.store_id, "Only this store (default: all)");
  export_cmd->add_option("--format", export_options.format, "csv or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  export_cmd->add_option("--from", export_options.from, "createdAt >= this ISO 8601 time");
  export_cmd->add_option("--to", export_options.to, "createdAt < this ISO 8601 time");
  export_cmd->add_option("--status", export_options.status, "Only orders in this status");
  export_cmd->add_option("--output,-o", export_options.output, "File to write (default: stdout)");

  orderflow::load::LoadOptions load_options;
  std::string target = "127.0.0.1:8080";
  auto* load = app.add_subcommand(
      "load", "Post orders to a running server and report throughput and latency");
  load->add_option("--target", target, "HOST:PORT of the server")->capture_default_str();
  load->add_option("--token", load_options.token, "Admin token or store API key")
      ->envname("ORDERFLOW_LOAD_TOKEN");
  load->add_option("--store", load_options.store_id, "Store to order from")->capture_default_str();
  load->add_option("--connections,-c", load_options.connections, "Keep-alive connections")
      ->capture_default_str();
  load->add_option("--client-threads", load_options.threads, "Client I/O threads")
      ->capture_default_str();
  load->add_option("--duration,-d", load_options.duration_s, "Seconds to run (when --count is 0)")
      ->capture_default_str();
  load->add_option("--count,-n", load_options.count, "Orders to post (0: use --duration)")
      ->capture_default_str();
  load->add_option("--rate", load_options.rate, "Target orders/s (0: as fast as possible)")
      ->capture_default_str();
  load->add_option("--product", load_options.product, "Product ordered (one unit per order)")
      ->capture_default_str();
  load->add_option("--restock", load_options.restock, "Units to add to the product first (admin)")
      ->capture_default_str();
  load->add_option("--decline-fraction", load_options.decline_fraction,
                   "Share of orders paid with tok_chargeDeclined")
      ->capture_default_str();
  load->add_flag("--end-to-end", load_options.end_to_end,
                 "Wait for every order to finish and report created -> delivered");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*load) return orderflow::app::LoadCommand(load_options, target);
  orderflow::Status valid = orderflow::app::Validate(config);
  if (!valid.ok()) {
    std::cerr << "orderflow: invalid configuration: " << valid.error().message << std::endl;
    return 2;
  }
  orderflow::app::ConfigureLogging(config);
  if (*serve) return orderflow::app::Serve(config);
  if (*migrate) return orderflow::app::Migrate(config);
  if (*export_cmd) return orderflow::app::ExportCommand(config, export_options);
  if (*seed && seed_orders > 0) return orderflow::app::SeedOrders(config, seed_orders, seed_store);
  if (*seed) return orderflow::app::Seed(config);
  if (*create) return orderflow::app::CreateStoreCommand(config, store_id, store_name, currency);
  if (*rotate) return orderflow::app::RotateKeyCommand(config, store_id);
  if (*set_rate) {
    return orderflow::app::SetRateLimitCommand(
        config, store_id, rate_limit, *burst_option ? std::optional<double>(burst) : std::nullopt);
  }
  if (*dlq_list) return orderflow::app::DeadLetterList(config, dlq_store);
  if (*dlq_redrive)
    return orderflow::app::DeadLetterRedrive(config, dlq_store, dlq_event, dlq_step);
  return 1;
}
