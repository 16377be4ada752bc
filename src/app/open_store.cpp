#include "app/open_store.hpp"

#include <filesystem>

#include "app/secret_files.hpp"
#include "store/migrations.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace orderflow::app {
namespace {

Result<store::PostgresConfig> PostgresConfigFor(const Config& config, int connections) {
  auto parsed = store::ParsePostgresUrl(config.db);
  if (!parsed.ok()) return MakeError(ErrorCode::kValidation, "--db: " + parsed.error().message);
  store::PostgresConfig pc = std::move(parsed).value();
  if (config.db.find("pool=") == std::string::npos) pc.pool = std::max(1, connections);
  return pc;
}

// Drops the password from a URL for messages.
std::string Redacted(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

// A read-only command runs against the schema as it is: an older one may
// lack columns this binary reads, so it says what to do instead of failing
// on a query.
Status CheckSchemaForReading(int version, const std::string& backend, const std::string& where) {
  const auto& migrations = store::Migrations(backend);
  int latest = migrations.empty() ? 0 : migrations.back().version;
  if (version == 0) {
    return MakeError(ErrorCode::kUnavailable,
                     where + " has no orderflow schema (run `orderflow migrate` to create it)");
  }
  if (version < latest) {
    return MakeError(ErrorCode::kUnavailable,
                     where + " has schema version " + std::to_string(version) +
                         ", older than this orderflow (" + std::to_string(latest) +
                         "); run `orderflow migrate` (or start the new server) first");
  }
  return OkStatus();
}

}  // namespace

Status RequireExistingDatabase(const Config& config) {
  if (IsPostgres(config)) return OkStatus();
  std::error_code ec;
  auto status = std::filesystem::status(config.sqlite_path, ec);
  if (std::filesystem::is_regular_file(status)) return OkStatus();
  if (std::filesystem::exists(status)) {
    return MakeError(ErrorCode::kUnavailable,
                     "--db: " + config.sqlite_path + " is not a database file");
  }
  return MakeError(ErrorCode::kUnavailable,
                   "--db: no database at " + config.sqlite_path +
                       " (check the path; `orderflow migrate` or `orderflow serve` creates one)");
}

bool IsPostgres(const Config& config) { return config.sqlite_path.empty(); }

Result<std::unique_ptr<store::Store>> OpenDatabase(const Config& config,
                                                   const OpenOptions& options) {
  if (IsPostgres(config)) {
    OF_ASSIGN_OR_RETURN(auto pc, PostgresConfigFor(config, options.connections));
    pc.read_only = options.read_only;
    pc.secret_key = options.secret_key;
    auto opened = store::PostgresStore::Open(pc);
    if (!opened.ok()) {
      return MakeError(opened.code(), "cannot open PostgreSQL database " + Redacted(config.db) +
                                          ": " + opened.error().message);
    }
    if (options.read_only) {
      OF_RETURN_IF_ERROR(CheckSchemaForReading((*opened)->SchemaVersion(), "postgres",
                                               "database " + Redacted(config.db)));
    }
    return std::unique_ptr<store::Store>(std::move(opened).value());
  }
  std::filesystem::path path(config.sqlite_path);
  if (options.read_only || options.must_exist) {
    OF_RETURN_IF_ERROR(RequireExistingDatabase(config));
  } else if (path.has_parent_path()) {
    OF_RETURN_IF_ERROR(PrepareDataDirectory(path.parent_path()));
  }
  store::SqliteConfig sc;
  sc.path = config.sqlite_path;
  sc.readers = std::max(1, options.connections);
  sc.exclusive = options.exclusive && !options.read_only;
  sc.read_only = options.read_only;
  sc.secret_key = options.secret_key;
  sc.wal_limit_bytes = std::int64_t{config.sqlite_wal_limit} << 20;
  OF_ASSIGN_OR_RETURN(auto s, store::SqliteStore::Open(sc));
  if (options.read_only) {
    OF_RETURN_IF_ERROR(
        CheckSchemaForReading(s->SchemaVersion(), "sqlite", "database " + config.sqlite_path));
  }
  return std::unique_ptr<store::Store>(std::move(s));
}

Result<std::string> MigrateDatabase(const Config& config) {
  if (IsPostgres(config)) {
    OF_ASSIGN_OR_RETURN(auto pc, PostgresConfigFor(config, 1));
    auto version = store::MigratePostgres(pc);
    if (!version.ok()) {
      return MakeError(version.code(), "cannot migrate PostgreSQL database " + Redacted(config.db) +
                                           ": " + version.error().message);
    }
    return "schema version " + std::to_string(*version) + " (" + Redacted(config.db) + ")";
  }
  OF_ASSIGN_OR_RETURN(int version, store::MigrateSqlite(config.sqlite_path));
  return "schema version " + std::to_string(version) + " (" + config.sqlite_path + ")";
}

}  // namespace orderflow::app
