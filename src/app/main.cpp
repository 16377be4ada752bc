// Composition root of the `orderflow` binary: parses the command line and
// environment (CLI11; the shared options are declared in cli_options.cpp),
// then hands over to one subcommand. Exit codes: 0 done, 1 the command ran
// and something failed (`load` with failed requests), 2 bad usage or a
// command that could not run.

#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "app/cli_options.hpp"
#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/open_store.hpp"
#include "load/load_generator.hpp"

namespace {

using orderflow::app::Above;
using orderflow::app::Between;

constexpr double kMaxCount = 1e12;

}  // namespace

int main(int argc, char** argv) {
  using orderflow::app::Config;
  Config config;
  CLI::App app{"OrderFlow: multi-store order processing with a durable step engine"};
  app.require_subcommand(1);
  // Options a subcommand does not know go to its parent: `serve --db X`
  // has always worked, and so do scripts that give every command the same
  // options (`orderflow migrate --listen ...` ignores --listen).
  app.fallthrough();
  // Given twice, the later value wins (`orderflow --db A serve --db B`).
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string("orderflow ") + ORDERFLOW_VERSION,
                       "Print the version and exit");
  app.footer(
      "Each command has its own --help, e.g. `orderflow serve --help`. Options may also be\n"
      "given before the command (`orderflow --db sqlite:x.db serve`); every option has an\n"
      "ORDERFLOW_* environment variable unless README.md says otherwise.");
  auto database = [&config](CLI::App& sub) { orderflow::app::AddDatabaseOptions(sub, config); };

  // serve's flags are declared in AddServeOptions (cli_options.cpp): new ones
  // go there, after --web-root.
  auto* serve = app.add_subcommand("serve", "Run the HTTP API, the dashboard and the flow");
  orderflow::app::AddSharedOptions(app, *serve, [&config](CLI::App& sub) {
    orderflow::app::AddDatabaseOptions(sub, config);
    orderflow::app::AddServeOptions(sub, config);
  });
  auto* migrate = app.add_subcommand("migrate", "Apply pending schema migrations and exit");
  orderflow::app::AddSharedOptions(app, *migrate, database);

  auto* seed =
      app.add_subcommand("seed", "Seed the demo stores and catalogue on an empty database");
  orderflow::app::AddSharedOptions(app, *seed, database);
  std::int64_t seed_orders = 0;
  std::string seed_store = "X";
  seed->add_option(
          "--orders", seed_orders,
          "Also import this many finished orders over the last 7 days (dashboard at scale)")
      ->envname("ORDERFLOW_SEED_ORDERS")
      ->check(Between(0, 1e9));
  seed->add_option("--store", seed_store, "Store that gets the orders")
      ->envname("ORDERFLOW_SEED_STORE")
      ->capture_default_str();

  // `stores` and `dlq redrive` act on one store or event named on the command
  // line, so their options have no environment variables (README.md).
  auto* stores = app.add_subcommand("stores", "Manage stores and their API keys");
  stores->require_subcommand(1);
  std::string store_id, store_name, currency = "USD";
  auto* create = stores->add_subcommand("create", "Create a store and print its API key once");
  orderflow::app::AddSharedOptions(app, *create, database);
  create->add_option("store_id", store_id, "Store id, e.g. W")->required();
  create->add_option("--name", store_name, "Display name")->required();
  create->add_option("--currency", currency, "ISO 4217 code")->capture_default_str();
  auto* rotate = stores->add_subcommand("rotate-key", "Issue a new API key for a store");
  orderflow::app::AddSharedOptions(app, *rotate, database);
  rotate->add_option("store_id", store_id, "Store id")->required();
  double rate_limit = 0;
  double burst = 0;
  auto* set_rate = stores->add_subcommand("set-rate-limit",
                                          "Change a store's rate limit (requests/s; 0: unlimited)");
  orderflow::app::AddSharedOptions(app, *set_rate, database);
  set_rate->add_option("store_id", store_id, "Store id")->required();
  set_rate->add_option("rate", rate_limit, "Requests per second, 0 for unlimited")->required();
  auto* burst_option =
      set_rate->add_option("--burst", burst, "Bucket size (default: twice the rate)");

  auto* dlq = app.add_subcommand("dlq", "List or redrive dead letters");
  dlq->require_subcommand(1);
  std::string dlq_store;
  std::int64_t dlq_event = 0;
  std::string dlq_step;
  auto* dlq_list = dlq->add_subcommand("list", "List dead letters, newest first (read-only)");
  orderflow::app::AddSharedOptions(app, *dlq_list, database);
  dlq_list->add_option("--store", dlq_store, "Only this store")
      ->envname("ORDERFLOW_DLQ_LIST_STORE");
  auto* dlq_redrive = dlq->add_subcommand("redrive", "Make a dead letter pending again");
  orderflow::app::AddSharedOptions(app, *dlq_redrive, database);
  dlq_redrive->add_option("--store", dlq_store, "Store of the event")->required();
  dlq_redrive->add_option("event_id", dlq_event, "Event id")->required()->check(Between(1, 9e18));
  dlq_redrive->add_option("step", dlq_step, "Step name")->required();

  orderflow::app::ExportOptions export_options;
  auto* export_cmd = app.add_subcommand(
      "export",
      "Stream orders as CSV or JSON lines (newest first; read-only, runs beside a server)");
  orderflow::app::AddSharedOptions(app, *export_cmd, database);
  export_cmd->add_option("--store", export_options.store_id, "Only this store (default: all)")
      ->envname("ORDERFLOW_EXPORT_STORE");
  export_cmd->add_option("--format", export_options.format, "csv or jsonl")
      ->envname("ORDERFLOW_EXPORT_FORMAT")
      ->check(CLI::IsMember({"csv", "jsonl"}))
      ->capture_default_str();
  export_cmd->add_option("--from", export_options.from, "createdAt >= this ISO 8601 time")
      ->envname("ORDERFLOW_EXPORT_FROM");
  export_cmd->add_option("--to", export_options.to, "createdAt < this ISO 8601 time")
      ->envname("ORDERFLOW_EXPORT_TO");
  export_cmd->add_option("--status", export_options.status, "Only orders in this status")
      ->envname("ORDERFLOW_EXPORT_STATUS");
  export_cmd->add_option("--output,-o", export_options.output, "File to write (default: stdout)")
      ->envname("ORDERFLOW_EXPORT_OUTPUT");

  orderflow::load::LoadOptions load_options;
  std::string target = "127.0.0.1:8080";
  auto* load = app.add_subcommand(
      "load",
      "Post orders to a running server and report throughput and latency (exit 1 when any "
      "request failed)");
  load->add_option("--target", target, "HOST:PORT of the server")
      ->envname("ORDERFLOW_LOAD_TARGET")
      ->capture_default_str();
  load->add_option("--token", load_options.token, "Admin token or store API key")
      ->envname("ORDERFLOW_LOAD_TOKEN");
  load->add_option("--store", load_options.store_id, "Store to order from")
      ->envname("ORDERFLOW_LOAD_STORE")
      ->capture_default_str();
  load->add_option("--connections,-c", load_options.connections, "Keep-alive connections")
      ->envname("ORDERFLOW_LOAD_CONNECTIONS")
      ->check(Between(1, 10000))
      ->capture_default_str();
  load->add_option("--client-threads", load_options.threads, "Client I/O threads")
      ->envname("ORDERFLOW_LOAD_CLIENT_THREADS")
      ->check(Between(1, 256))
      ->capture_default_str();
  load->add_option("--duration,-d", load_options.duration_s, "Seconds to run (when --count is 0)")
      ->envname("ORDERFLOW_LOAD_DURATION")
      ->check(Above(0, 86400))
      ->capture_default_str();
  load->add_option("--count,-n", load_options.count, "Orders to post (0: use --duration)")
      ->envname("ORDERFLOW_LOAD_COUNT")
      ->check(Between(0, kMaxCount))
      ->capture_default_str();
  load->add_option("--rate", load_options.rate, "Target orders/s (0: as fast as possible)")
      ->envname("ORDERFLOW_LOAD_RATE")
      ->check(Between(0, 1e7))
      ->capture_default_str();
  load->add_option("--product", load_options.product, "Product ordered (one unit per order)")
      ->envname("ORDERFLOW_LOAD_PRODUCT")
      ->capture_default_str();
  load->add_option("--restock", load_options.restock, "Units to add to the product first (admin)")
      ->envname("ORDERFLOW_LOAD_RESTOCK")
      ->check(Between(0, kMaxCount))
      ->capture_default_str();
  load->add_option("--decline-fraction", load_options.decline_fraction,
                   "Share of orders paid with tok_chargeDeclined")
      ->envname("ORDERFLOW_LOAD_DECLINE_FRACTION")
      ->check(Between(0, 1))
      ->capture_default_str();
  load->add_flag("--end-to-end", load_options.end_to_end,
                 "Wait for every order to finish and report created -> delivered")
      ->envname("ORDERFLOW_LOAD_END_TO_END");
  load->add_option("--e2e-total", load_options.e2e_total,
                   "With --end-to-end: orders to wait for in the whole store (several clients "
                   "loading one store each pass their sum); 0: this client's own")
      ->envname("ORDERFLOW_LOAD_E2E_TOTAL")
      ->check(Between(0, kMaxCount))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << orderflow::app::ParseErrorMessage(app, e) << std::endl;
    return 2;
  }
  if (*load) return orderflow::app::LoadCommand(load_options, target);
  orderflow::Status valid = orderflow::app::Validate(config);
  if (!valid.ok()) {
    std::cerr << "orderflow: invalid configuration: " << valid.error().message << std::endl;
    return 2;
  }
  orderflow::app::ConfigureLogging(config);
  // Commands that change rows already there: a mistyped path is an error,
  // not a new, empty database (export and dlq list also open read-only).
  if (*rotate || *set_rate || *dlq_redrive) {
    orderflow::Status exists = orderflow::app::RequireExistingDatabase(config);
    if (!exists.ok()) {
      std::cerr << "orderflow: " << exists.error().message << std::endl;
      return 2;
    }
  }
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
