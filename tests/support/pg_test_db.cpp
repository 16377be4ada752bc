#include "support/pg_test_db.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <functional>
#include <stdexcept>

#include "store/postgres/postgres_store.hpp"

namespace orderflow::testing {
namespace {

void SkipOrFail(const std::string& why) {
  const char* require = std::getenv("ORDERFLOW_REQUIRE_PG");
  if (require != nullptr && std::string(require) == "1") {
    ADD_FAILURE() << why << " (ORDERFLOW_REQUIRE_PG=1: the PostgreSQL tests must run)";
    return;
  }
  GTEST_SKIP() << why;
}

std::string SchemaName(const std::string& dir) {
  std::string base = dir.substr(dir.find_last_of('/') + 1);
  std::string name = "t_";
  for (char c : base) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  return name + "_" + std::to_string(std::hash<std::string>{}(dir) % 1000000);
}

std::string WithOption(const std::string& url, const std::string& option) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + option;
}

// Runs `sql` on `url`; returns the first value, "" for none. Throws on errors.
std::string RunOn(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to " + url + ": " + message);
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // "already exists, skipping"
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  std::string value;
  std::string error;
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    error = PQresultErrorMessage(res);
  } else if (st == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
    value = PQgetvalue(res, 0, 0);
  } else if (st == PGRES_TUPLES_OK && PQntuples(res) == 0) {
    value = "-1";
  }
  PQclear(res);
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(error + " in " + sql);
  return value;
}

}  // namespace

std::string TestPgUrl() {
  const char* url = std::getenv("ORDERFLOW_TEST_PG");
  if (url == nullptr || *url == '\0') {
    SkipOrFail("ORDERFLOW_TEST_PG is not set (scripts/test.sh starts a cluster and sets it)");
    return {};
  }
  return url;
}

std::string PgSchemaUrl(const std::string& dir) {
  std::string url = TestPgUrl();
  if (url.empty()) return {};
  std::string schema = SchemaName(dir);
  try {
    RunOn(url, "CREATE SCHEMA IF NOT EXISTS " + schema);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return {};
  }
  return WithOption(url, "options=-csearch_path%3D" + schema);
}

std::unique_ptr<store::Store> OpenPgStore(const std::string& dir, int pool) {
  std::string url = PgSchemaUrl(dir);
  if (url.empty()) return nullptr;
  auto config = store::ParsePostgresUrl(url);
  if (!config.ok()) {
    ADD_FAILURE() << "ParsePostgresUrl: " << config.error().message;
    return nullptr;
  }
  config->pool = pool;
  config->startup_wait = std::chrono::milliseconds(0);
  config->secret_key = kConformanceSecretKey;
  auto opened = store::PostgresStore::Open(*config);
  if (!opened.ok()) {
    ADD_FAILURE() << "PostgresStore::Open: " << opened.error().message;
    return nullptr;
  }
  return std::unique_ptr<store::Store>(std::move(opened).value());
}

std::int64_t PgQueryInt(const std::string& dir, const std::string& sql) {
  std::string url = PgSchemaUrl(dir);
  if (url.empty()) return -1;
  std::string value = RunOn(url, sql);
  return value.empty() ? 0 : std::stoll(value);
}

std::int64_t PgQueryUrlInt(const std::string& url, const std::string& sql) {
  try {
    std::string value = RunOn(url, sql);
    return value.empty() ? 0 : std::stoll(value);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
    return -1;
  }
}

}  // namespace orderflow::testing
