#pragma once
// Opens the database that --db names, for the server and every CLI command:
// `sqlite:PATH` (the file and its directory are created unless the command
// needs an existing database) or a `postgresql://` URL (a connection pool;
// `?pool=N` sizes it).

#include <memory>
#include <string>

#include "app/config.hpp"
#include "store/store.hpp"

namespace orderflow::app {

struct OpenOptions {
  int connections = 1;     // SQLite readers, or the PostgreSQL pool size unless the URL sets one
  bool exclusive = false;  // SQLite: hold the file's process lock (the server)
  // Commands that act on what is already there (rotate-key, dlq redrive):
  // a missing SQLite file is an error instead of a new, empty database.
  bool must_exist = false;
  // Commands that only read (export, dlq list): must_exist, and nothing is
  // created or migrated; a schema older than this binary is an error that
  // says to run `orderflow migrate`. Writes fail.
  bool read_only = false;
  std::string secret_key;  // 32 bytes sealing webhook secrets; empty: none (tools)
};

// kUnavailable with one line saying why when the database cannot be opened.
Result<std::unique_ptr<store::Store>> OpenDatabase(const Config& config,
                                                   const OpenOptions& options);
// kUnavailable naming the path when config.db is an SQLite file that does not
// exist (OK for PostgreSQL: the server says whether the database exists).
Status RequireExistingDatabase(const Config& config);
// True when config.db names a PostgreSQL database.
bool IsPostgres(const Config& config);
// Applies pending migrations; returns "schema version N (where)".
Result<std::string> MigrateDatabase(const Config& config);

}  // namespace orderflow::app
