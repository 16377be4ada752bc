#pragma once
// Versioned schema migrations, compiled in from migrations/<backend>/NNN_*.sql.

#include <string>
#include <vector>

namespace orderflow::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Ordered by version; empty for an unknown backend.
const std::vector<Migration>& Migrations(const std::string& backend);

}  // namespace orderflow::store
