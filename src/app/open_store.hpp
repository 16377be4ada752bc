#pragma once
// Opens the database that --db names, for the server and every CLI command:
// `sqlite:PATH` (the file and its directory are created) or a
// `postgresql://` URL (a connection pool; `?pool=N` sizes it).

#include <memory>
#include <string>

#include "app/config.hpp"
#include "store/store.hpp"

namespace orderflow::app {

struct OpenOptions {
  int connections = 1;     // SQLite readers, or the PostgreSQL pool size unless the URL sets one
  bool exclusive = false;  // SQLite: hold the file's process lock (the server)
  std::string secret_key;  // 32 bytes sealing webhook secrets; empty: none (tools)
};

// kUnavailable with one line saying why when the database cannot be opened.
Result<std::unique_ptr<store::Store>> OpenDatabase(const Config& config,
                                                   const OpenOptions& options);
// True when config.db names a PostgreSQL database.
bool IsPostgres(const Config& config);
// Applies pending migrations; returns "schema version N (where)".
Result<std::string> MigrateDatabase(const Config& config);

}  // namespace orderflow::app
