#include "store/postgres/migrate.hpp"

#include <spdlog/spdlog.h>

#include "store/migrations.hpp"
#include "store/postgres/pg_tx.hpp"

namespace orderflow::store::pg {

Result<int> ApplyMigrations(Connection& conn, std::string_view secret_key) {
  OF_RETURN_IF_ERROR(conn.Exec("BEGIN"));
  auto applied = [&conn, secret_key]() -> Result<int> {
    OF_ASSIGN_OR_RETURN(
        Rows locked,
        conn.Query(
            "SELECT pg_advisory_xact_lock(20294, hashtext('migrate:' || current_schema()))"));
    OF_RETURN_IF_ERROR(
        conn.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                  "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"));
    OF_ASSIGN_OR_RETURN(Rows rows,
                        conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    int version = static_cast<int>(rows.Int(0, 0));
    for (const Migration& m : Migrations("postgres")) {
      if (m.version <= version) continue;
      Status done = conn.Exec(m.sql);
      if (!done.ok()) {
        return MakeError(done.code(),
                         "migration " + std::string(m.name) + " failed: " + done.error().message);
      }
      OF_ASSIGN_OR_RETURN(
          Rows ins, conn.Query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                               {m.version, m.name}));
      spdlog::info("applied migration {}", m.name);
      version = m.version;
    }
    OF_RETURN_IF_ERROR(SealWebhookSecrets(conn, secret_key));
    return version;
  }();
  if (!applied.ok()) {
    (void)conn.Exec("ROLLBACK");
    return applied;
  }
  OF_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  return applied;
}

Result<int> ReadVersion(Connection& conn) {
  OF_ASSIGN_OR_RETURN(Rows table,
                      conn.Query("SELECT (to_regclass('schema_migrations') IS NOT NULL)::int"));
  if (table.Int(0, 0) == 0) return 0;
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  return static_cast<int>(rows.Int(0, 0));
}

}  // namespace orderflow::store::pg
