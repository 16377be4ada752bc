#pragma once
// The PostgreSQL schema: applying migrations/postgres/*.sql and reading the
// applied version.

#include <string_view>

#include "common/result.hpp"
#include "store/postgres/connection.hpp"

namespace orderflow::store::pg {

// Runs the pending migrations in one transaction that holds an advisory lock
// (per schema), so instances starting together migrate once; seals webhook
// secrets stored in the clear under `secret_key`. Returns the version.
Result<int> ApplyMigrations(Connection& conn, std::string_view secret_key = {});
// The applied version without creating anything: 0 when the schema has no
// schema_migrations table.
Result<int> ReadVersion(Connection& conn);

}  // namespace orderflow::store::pg
