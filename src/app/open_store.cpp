#include "app/open_store.hpp"

#include <filesystem>

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

}  // namespace

bool IsPostgres(const Config& config) { return config.sqlite_path.empty(); }

Result<std::unique_ptr<store::Store>> OpenDatabase(const Config& config,
                                                   const OpenOptions& options) {
  if (IsPostgres(config)) {
    OF_ASSIGN_OR_RETURN(auto pc, PostgresConfigFor(config, options.connections));
    auto opened = store::PostgresStore::Open(pc);
    if (!opened.ok()) {
      return MakeError(opened.code(), "cannot open PostgreSQL database " + Redacted(config.db) +
                                          ": " + opened.error().message);
    }
    return std::unique_ptr<store::Store>(std::move(opened).value());
  }
  std::filesystem::path path(config.sqlite_path);
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  store::SqliteConfig sc;
  sc.path = config.sqlite_path;
  sc.readers = std::max(1, options.connections);
  sc.exclusive = options.exclusive;
  sc.wal_limit_bytes = std::int64_t{config.sqlite_wal_limit} << 20;
  OF_ASSIGN_OR_RETURN(auto s, store::SqliteStore::Open(sc));
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
