// postgresql:// URLs as given to --db: the pool size is ours, the rest goes
// to libpq (with a connect timeout unless one is given).
#include "store/postgres/postgres_store.hpp"

namespace orderflow::store {

Result<PostgresConfig> ParsePostgresUrl(const std::string& url) {
  PostgresConfig config;
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) {
    return MakeError(ErrorCode::kValidation, "expected a postgresql:// URL");
  }
  std::string base = url;
  std::string query;
  if (auto q = url.find('?'); q != std::string::npos) {
    base = url.substr(0, q);
    query = url.substr(q + 1);
  }
  std::string kept;
  bool has_timeout = false;
  std::size_t start = 0;
  while (start <= query.size() && !query.empty()) {
    std::size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string param = query.substr(start, end - start);
    if (param.rfind("pool=", 0) == 0) {
      std::string n = param.substr(5);
      if (n.empty() || n.size() > 3 || n.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(n) < 1 || std::stoi(n) > 256) {
        return MakeError(ErrorCode::kValidation, "pool must be a number from 1 to 256");
      }
      config.pool = std::stoi(n);
    } else if (!param.empty()) {
      if (param.rfind("connect_timeout=", 0) == 0) has_timeout = true;
      kept += (kept.empty() ? "" : "&") + param;
    }
    start = end + 1;
  }
  if (!has_timeout) kept += std::string(kept.empty() ? "" : "&") + "connect_timeout=5";
  config.conninfo = base + "?" + kept;
  return config;
}

}  // namespace orderflow::store
