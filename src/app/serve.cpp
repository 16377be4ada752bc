#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "app/commands.hpp"
#include "app/open_store.hpp"
#include "app/routes.hpp"
#include "app/thread_pool.hpp"
#include "common/ids.hpp"
#include "common/logging.hpp"
#include "engine/engine.hpp"
#include "engine/flow.hpp"
#include "http/handlers/api.hpp"
#include "http/live_hub.hpp"
#include "http/server.hpp"
#include "metrics/metrics.hpp"
#include "payment/http_gateway.hpp"
#include "payment/simulated_gateway.hpp"
#include "steps/steps.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "tenancy/failed_auth_limiter.hpp"
#include "tenancy/store_admin.hpp"
#include "tenancy/tenant_directory.hpp"
#include "tenancy/tenant_refresher.hpp"

namespace orderflow::app {
namespace {

int Fail(const std::string& message) {
  std::cerr << "orderflow: " << message << std::endl;
  return 2;
}

Result<std::unique_ptr<store::Store>> OpenStore(const Config& config, bool exclusive = false) {
  OpenOptions options;
  options.connections = exclusive ? std::max(2, config.threads * 2) : 1;
  // PostgreSQL: the writer, the engine's claims and workers and the HTTP
  // readers all draw on the pool.
  if (exclusive && IsPostgres(config)) options.connections = std::max(8, config.threads * 4);
  options.exclusive = exclusive;
  return OpenDatabase(config, options);
}

// The admin token: the flag, else one kept beside the database so that the
// dashboard URL stays the same across restarts.
Result<std::string> AdminToken(const Config& config) {
  if (!config.admin_token.empty()) return config.admin_token;
  // Several servers share a PostgreSQL database and there is no directory
  // beside it: the operator gives every instance the same token.
  if (IsPostgres(config)) {
    return MakeError(ErrorCode::kValidation,
                     "--admin-token (or ORDERFLOW_ADMIN_TOKEN) is required with a PostgreSQL "
                     "database, the same for every instance (or use --auth off)");
  }
  std::filesystem::path file =
      std::filesystem::path(config.sqlite_path).parent_path() / "admin-token";
  if (std::ifstream in(file); in) {
    std::string token;
    std::getline(in, token);
    if (token.size() >= 16) return token;
  }
  std::string token = RandomHex(24);
  std::ofstream out(file, std::ios::trunc);
  if (!out) return MakeError(ErrorCode::kUnavailable, "cannot write " + file.string());
  out << token << "\n";
  out.close();
  std::filesystem::permissions(
      file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  return token;
}

std::string WebRoot(const Config& config) {
  if (!config.web_root.empty()) return config.web_root;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (const auto& candidate : {exe.parent_path() / "web", exe.parent_path().parent_path() / "web",
                                std::filesystem::path(ORDERFLOW_SOURCE_DIR) / "web"}) {
    if (std::filesystem::exists(candidate / "index.html", ec)) return candidate.string();
  }
  return {};
}

std::int64_t Millis(double seconds) { return static_cast<std::int64_t>(seconds * 1000.0); }

}  // namespace

int Serve(Config config) {
  // Signals are taken by one waiting thread instead of an async handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  if (IsPostgres(config) && config.auth == "on" && config.admin_token.empty()) {
    return Fail(AdminToken(config).error().message);
  }
  auto opened = OpenStore(config, true);
  if (!opened.ok()) return Fail(opened.error().message);
  std::unique_ptr<store::Store> db = std::move(opened).value();
  if (!config.no_demo) {
    auto seeded = tenancy::SeedDemo(*db, SystemClock());
    if (!seeded.ok()) return Fail("demo seed failed: " + seeded.error().message);
    if (*seeded > 0) spdlog::info("seeded demo stores X, Y, Z and their catalogue");
  }
  std::string admin_token;
  if (config.auth == "on") {
    auto token = AdminToken(config);
    if (!token.ok()) return Fail(token.error().message);
    admin_token = *token;
  }

  SystemClock clock;
  tenancy::TenantDirectory tenants(admin_token, config.auth == "on", clock);
  Status loaded = db->Read([&tenants](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(auto stores, tx.ListStores());
    for (const auto& s : stores) tenants.Upsert(s);
    return OkStatus();
  });
  if (!loaded.ok()) return Fail(loaded.error().message);

  engine::Flow flow = steps::DeclareFlow();
  std::unique_ptr<payment::PaymentGateway> gateway;
  if (config.payment_gateway == "simulated") {
    gateway = std::make_unique<payment::SimulatedGateway>(config.payment_decline_rate);
  } else {
    gateway = std::make_unique<payment::HttpGateway>(config.payment_gateway);
  }
  // Steps wait on the payment service and webhook endpoints, so the engine
  // has more workers than cores: a slow endpoint must not stall the others.
  ThreadPool engine_workers(std::max(8, 4 * config.threads));
  engine::EngineOptions engine_options;
  engine_options.claim_lease_ms = Millis(config.claim_lease);
  engine_options.max_chain = config.step_chain;
  engine::Engine engine(*db, flow, engine_workers, clock, engine_options);
  steps::StepOptions step_options;
  step_options.ship_delay_ms = Millis(config.ship_delay);
  step_options.deliver_delay_ms = Millis(config.deliver_delay);
  step_options.low_stock_scan_ms = Millis(config.low_stock_scan);
  step_options.webhook_timeout_ms = Millis(config.webhook_timeout);
  step_options.webhook_max_attempts = config.webhook_attempts;
  step_options.webhook_retry_base_ms =
      std::max<std::int64_t>(1, Millis(config.webhook_retry_delay));
  step_options.webhook_disable_after = config.webhook_disable_after;
  steps::InstallSteps(engine, flow, *db, *gateway, step_options);
  db->SetCommitListener([&engine] { engine.Wake(); });

  http::LiveHub live(*db, clock);
  std::vector<std::string> step_names;
  for (const auto& spec : flow.steps()) {
    if (spec.kind == engine::StepKind::kEvent) step_names.push_back(spec.name);
  }
  metrics::Metrics metrics(*db, clock, step_names);
  metrics::Probes probes;
  probes.in_flight = [&engine] { return engine.stats().in_flight; };
  probes.sse_clients = [&live] { return static_cast<std::int64_t>(live.listeners()); };
  if (!IsPostgres(config)) {
    probes.wal_bytes = [path = config.sqlite_path] { return store::SqliteWalBytes(path); };
  }
  metrics.SetProbes(std::move(probes));
  engine.SetObserver([&live, &metrics](const store::Delivery& d) {
    metrics.DeliveryHandled(d.step);
    if (!d.event.order_id.empty()) live.OrderChanged(d.event.store_id, d.event.order_id);
    if (d.step == "alerts") live.AlertsChanged(d.event.store_id);
  });
  engine.SetFailureObserver([&metrics](const store::Delivery& d, bool dead_lettered) {
    metrics.DeliveryFailed(d.step, dead_lettered);
  });

  ThreadPool blocking(std::max(2, config.threads * 2));
  tenancy::FailedAuthLimiter::Options auth_limits;
  auth_limits.per_minute = config.auth_failure_limit;
  auth_limits.burst = std::max(1.0, config.auth_failure_limit);
  tenancy::FailedAuthLimiter failed_auth(auth_limits, clock);
  // Stores changed by other instances or the CLI apply here within a period.
  tenancy::TenantRefresher tenant_refresher(
      *db, tenants, blocking, std::chrono::milliseconds(Millis(config.tenant_refresh)));
  http::handlers::Services services{*db, blocking, clock, tenants, flow, &live, &failed_auth};
  services.engine = &engine;
  http::Router router;
  RegisterRoutes(router, services, live);
  http::handlers::RegisterMetricsRoute(router, services, metrics);
  // Every route counted and timed by its pattern; registered routes only.
  const http::Router instrumented = metrics.Instrument(router);

  http::ServerConfig sc;
  sc.host = config.host;
  sc.port = config.port;
  sc.threads = config.threads;
  sc.cors_origins = config.cors_origins;
  sc.static_dir = WebRoot(config);
  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(sc, instrumented);
  } catch (const std::exception& e) {
    return Fail(e.what());
  }

  std::thread signal_waiter([&server, signals] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server->Stop();
  });

  std::string url =
      "http://" +
      (config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host) + ":" +
      std::to_string(server->port());
  // Lines on stdout for people and scripts; with --log-format json they are
  // JSON objects too, so that every output line parses.
  auto announce = [&config, &clock](const std::string& line) {
    if (config.log_format == "json") {
      std::printf("%s\n", JsonLogLine(FormatIso8601(clock.NowMs()), "info", line, nullptr).c_str());
    } else {
      std::printf("%s\n", line.c_str());
    }
  };
  announce("listening on " + url);
  if (!admin_token.empty()) {
    announce("dashboard: " + url + "/#token=" + admin_token);
  } else {
    announce("dashboard: " + url + "/ (auth off)");
  }
  std::fflush(stdout);
  engine.Start();
  live.Start();
  // The refresher's timer loop, on a thread owned here and joined below.
  std::thread tenant_refresh_thread;
  if (config.tenant_refresh > 0) {
    tenant_refresh_thread = std::thread([&] { tenant_refresher.Run(); });
  }
  server->Run();
  tenant_refresher.Stop();
  if (tenant_refresh_thread.joinable()) tenant_refresh_thread.join();
  live.Stop();
  engine.Stop();
  // Run() returned: either a signal arrived or Stop() was called; wake the
  // waiter if it is still waiting.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  spdlog::info("stopped");
  return 0;
}

int Migrate(Config config) {
  auto version = MigrateDatabase(config);
  if (!version.ok()) return Fail(version.error().message);
  std::printf("%s\n", version->c_str());
  return 0;
}

int Seed(Config config) {
  auto opened = OpenStore(config);
  if (!opened.ok()) return Fail(opened.error().message);
  auto seeded = tenancy::SeedDemo(**opened, SystemClock());
  if (!seeded.ok()) return Fail(seeded.error().message);
  if (*seeded > 0) {
    std::printf("seeded %d demo stores\n", *seeded);
  } else {
    std::printf("database already has stores; nothing seeded\n");
  }
  return 0;
}

int CreateStoreCommand(Config config, const std::string& store_id, const std::string& name,
                       const std::string& currency) {
  auto opened = OpenStore(config);
  if (!opened.ok()) return Fail(opened.error().message);
  tenancy::NewStore spec;
  spec.store_id = store_id;
  spec.name = name;
  spec.currency = currency;
  spec.rate_limit = config.rate_limit;
  spec.burst = config.rate_limit * 2;
  auto issued = tenancy::CreateStore(**opened, spec, SystemClock());
  if (!issued.ok()) return Fail(issued.error().message);
  std::printf("store %s created\napi key (shown once): %s\n", store_id.c_str(),
              issued->api_key.c_str());
  return 0;
}

int RotateKeyCommand(Config config, const std::string& store_id) {
  auto opened = OpenStore(config);
  if (!opened.ok()) return Fail(opened.error().message);
  auto issued = tenancy::RotateKey(**opened, store_id);
  if (!issued.ok()) return Fail(issued.error().message);
  std::printf(
      "new api key for %s (shown once): %s\nrunning servers accept it, and reject the old "
      "one, within --tenant-refresh seconds (default 2)\n",
      store_id.c_str(), issued->api_key.c_str());
  return 0;
}

int SetRateLimitCommand(Config config, const std::string& store_id, double rate_limit,
                        std::optional<double> burst) {
  auto opened = OpenStore(config);
  if (!opened.ok()) return Fail(opened.error().message);
  auto updated = tenancy::SetRateLimit(**opened, store_id, {rate_limit, burst});
  if (!updated.ok()) return Fail(updated.error().message);
  if (updated->rate_limit <= 0) {
    std::printf("store %s: no rate limit\n", store_id.c_str());
  } else {
    std::printf("store %s: %g requests/s, burst %g\n", store_id.c_str(), updated->rate_limit,
                updated->burst);
  }
  std::printf("running servers apply it within --tenant-refresh seconds (default 2)\n");
  return 0;
}

}  // namespace orderflow::app
