#include "app/cli_options.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

namespace orderflow::app {
namespace {

// The group of the root's copies of subcommand options. CLI11 hides options
// of the empty group, but then names them "" in its errors; this group has a
// name and the formatter below leaves it out of --help instead.
constexpr const char* kBeforeCommand = "Options given before the command";

class Formatter : public CLI::Formatter {
 public:
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> opts) const override {
    if (group == kBeforeCommand) return {};
    return CLI::Formatter::make_group(std::move(group), is_positional, std::move(opts));
  }
};

std::string Number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::ostringstream out;
  out << v;
  return out.str();
}

// The names of `option` as CLI11 declares them: "-c,--connections".
std::string Names(const CLI::Option& option) {
  std::string names;
  for (const auto& s : option.get_snames()) names += (names.empty() ? "-" : ",-") + s;
  for (const auto& l : option.get_lnames()) names += (names.empty() ? "--" : ",--") + l;
  return names;
}

std::size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void AddDatabaseOptions(CLI::App& app, Config& config) {
  app.add_option("--db", config.db, "Database: sqlite:PATH or a postgresql:// URI")
      ->envname("ORDERFLOW_DB")
      ->capture_default_str();
  app.add_option("--log-format", config.log_format, "text or json")
      ->envname("ORDERFLOW_LOG_FORMAT")
      ->capture_default_str();
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error")
      ->envname("ORDERFLOW_LOG_LEVEL")
      ->capture_default_str();
}

void AddServeOptions(CLI::App& app, Config& config) {
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
  app.add_option("--web-root", config.web_root,
                 "Directory of the dashboard files, with an index.html (default: the web/ "
                 "directory beside the binary or in the source tree)")
      ->envname("ORDERFLOW_WEB_ROOT");
  app.add_option("--max-connections-per-address", config.max_connections_per_address,
                 "Open connections per client address; more get 503 and are closed (0: no limit)")
      ->envname("ORDERFLOW_MAX_CONNECTIONS_PER_ADDRESS")
      ->capture_default_str();
  app.add_option("--sse-max-streams", config.sse_max_streams,
                 "Live-update streams (GET /api/events/stream) in total; more get 503 with "
                 "Retry-After (0: no limit)")
      ->envname("ORDERFLOW_SSE_MAX_STREAMS")
      ->capture_default_str();
  app.add_option("--sse-max-streams-per-store", config.sse_max_streams_per_store,
                 "Live-update streams per store; more get 503 with Retry-After (0: no limit)")
      ->envname("ORDERFLOW_SSE_MAX_STREAMS_PER_STORE")
      ->capture_default_str();
  app.add_option("--sse-lifetime", config.sse_lifetime,
                 "Seconds after which a live-update stream ends cleanly and the browser "
                 "reconnects (0: never)")
      ->envname("ORDERFLOW_SSE_LIFETIME")
      ->capture_default_str();
  app.add_option("--sse-buffer-mb", config.sse_buffer_mb,
                 "MiB of live updates queued for all streams together; beyond it the slowest "
                 "readers are dropped (0: no limit)")
      ->envname("ORDERFLOW_SSE_BUFFER_MB")
      ->capture_default_str();
  app.add_option("--allow-private-egress", config.allow_private_egress,
                 "Address ranges webhooks may reach despite being private, loopback or "
                 "otherwise internal, comma-separated CIDRs (e.g. 10.1.0.0/16,fd00::/8; none "
                 "by default)")
      ->envname("ORDERFLOW_ALLOW_PRIVATE_EGRESS");
  app.add_option("--webhook-concurrency", config.webhook_concurrency,
                 "Webhook POSTs in flight at once (their own threads, apart from the flow's)")
      ->envname("ORDERFLOW_WEBHOOK_CONCURRENCY")
      ->capture_default_str();
  app.add_option("--webhook-concurrency-per-store", config.webhook_concurrency_per_store,
                 "Webhook POSTs of one store in flight at once; the store's others wait, due")
      ->envname("ORDERFLOW_WEBHOOK_CONCURRENCY_PER_STORE")
      ->capture_default_str();
  app.add_option("--webhook-circuit-failures", config.webhook_circuit_failures,
                 "Transient failures in a row that open an endpoint's circuit (0: never)")
      ->envname("ORDERFLOW_WEBHOOK_CIRCUIT_FAILURES")
      ->capture_default_str();
  app.add_option("--webhook-circuit-cooldown", config.webhook_circuit_cooldown,
                 "Seconds an open circuit fails the endpoint's sends fast before one probe")
      ->envname("ORDERFLOW_WEBHOOK_CIRCUIT_COOLDOWN")
      ->capture_default_str();
  app.add_option("--secret-key-file", config.secret_key_file,
                 "File with the key that encrypts webhook secrets at rest (default with SQLite: "
                 "secret-key beside the database, created when missing; required with "
                 "PostgreSQL, the same file for every instance)")
      ->envname("ORDERFLOW_SECRET_KEY_FILE");
  app.add_option("--sqlite-wal-limit", config.sqlite_wal_limit,
                 "MB of SQLite write-ahead log past which the writer checkpoints and truncates it")
      ->envname("ORDERFLOW_SQLITE_WAL_LIMIT")
      ->capture_default_str();
  // New serve flags go here, after --web-root, each with its ORDERFLOW_*
  // variable (a test checks that every option in --help has one).
}

void AddSharedOptions(CLI::App& root, CLI::App& sub, const std::function<void(CLI::App&)>& add) {
  if (dynamic_cast<const Formatter*>(root.get_formatter().get()) == nullptr) {
    root.formatter(std::make_shared<Formatter>());
  }
  const std::size_t before = sub.get_options().size();
  add(sub);
  const std::vector<CLI::Option*> added = sub.get_options();
  // (copy on root, option of sub)
  auto pairs = std::make_shared<std::vector<std::pair<CLI::Option*, CLI::Option*>>>();
  for (std::size_t i = before; i < added.size(); ++i) {
    CLI::Option* option = added[i];
    if (option->get_lnames().empty() && option->get_snames().empty()) continue;  // positional
    CLI::Option* copy = nullptr;
    for (const auto& l : option->get_lnames()) {
      if (copy == nullptr) copy = root.get_option_no_throw("--" + l);
    }
    if (copy == nullptr) {
      copy = option->get_type_size() == 0 ? root.add_flag(Names(*option))
                                          : root.add_option(Names(*option));
      copy->group(kBeforeCommand);  // the subcommand's --help documents it
    }
    pairs->emplace_back(copy, option);
  }
  // Called when the subcommand's name is reached, so the copies hold exactly
  // what came before it; sub's own parsing then appends what comes after.
  sub.preparse_callback([pairs](std::size_t) {
    for (auto& [copy, option] : *pairs) {
      if (copy->count() == 0) continue;
      option->add_result(copy->results());
      copy->clear();
    }
  });
  // Without a parse-complete callback CLI11 reads the environment of every
  // subcommand, also of those not given, into the variables they share with
  // the one that was: it must read only the chosen subcommand's.
  sub.parse_complete_callback([] {});
}

CLI::Validator Between(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& input) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(input, value)) return "not a number: '" + input + "'";
        if (value >= lo && value <= hi) return {};
        return "must be from " + Number(lo) + " to " + Number(hi) + ", got " + input;
      },
      Number(lo) + ".." + Number(hi));
}

CLI::Validator Above(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& input) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(input, value)) return "not a number: '" + input + "'";
        if (value > lo && value <= hi) return {};
        return "must be more than " + Number(lo) + " and at most " + Number(hi) + ", got " + input;
      },
      "(" + Number(lo) + ".." + Number(hi) + "]");
}

std::string ParseErrorMessage(const CLI::App& app, const CLI::ParseError& error) {
  // The deepest subcommand that was recognised, and the command path to it.
  const CLI::App* current = &app;
  std::string path = "orderflow";
  for (auto subs = current->get_subcommands(); !subs.empty(); subs = current->get_subcommands()) {
    current = subs.front();
    path += " " + current->get_name();
  }
  auto commands =
      current->get_subcommands([](const CLI::App* s) { return !s->get_name().empty(); });
  const bool about_command = dynamic_cast<const CLI::RequiredError*>(&error) != nullptr ||
                             dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr;
  if (commands.empty() || !about_command) return path + ": " + error.what();

  std::string list;
  for (const CLI::App* c : commands) list += (list.empty() ? "" : ", ") + c->get_name();
  std::string word;
  for (const auto& token : app.remaining(true)) {
    if (!token.empty() && token.front() != '-') {
      word = token;
      break;
    }
  }
  if (word.empty()) return path + ": a command is required (" + list + ")";
  const CLI::App* closest = nullptr;
  std::size_t best = 0;
  for (const CLI::App* c : commands) {
    std::size_t d = EditDistance(word, c->get_name());
    if (closest == nullptr || d < best) {
      closest = c;
      best = d;
    }
  }
  std::string message = path + ": unknown command '" + word + "'";
  // A suggestion only when it is plausibly what was meant.
  if (closest != nullptr && best <= std::max<std::size_t>(2, word.size() / 2)) {
    message += "; did you mean '" + closest->get_name() + "'?";
  }
  return message + " (commands: " + list + ")";
}

}  // namespace orderflow::app
