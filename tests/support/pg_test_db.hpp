#pragma once
// PostgreSQL for tests: ORDERFLOW_TEST_PG names a server (scripts/test.sh
// starts a throwaway cluster and sets it); each test directory gets its own
// schema in that database, so tests run in parallel without seeing each
// other's rows and reopening a directory reopens the same data.

#include <cstdint>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace orderflow::testing {

// The 32-byte key that stores opened by the test support seal webhook
// secrets with.
inline constexpr const char* kConformanceSecretKey = "conformance-test-secret-key-32b!";

// ORDERFLOW_TEST_PG, or empty. When empty, the calling test is skipped, or
// fails if ORDERFLOW_REQUIRE_PG=1 (scripts/test.sh sets it).
std::string TestPgUrl();

// A postgresql:// URL of a schema named after `dir` (created on first use)
// on the test server; empty (and the test skipped or failed) without one.
std::string PgSchemaUrl(const std::string& dir);

// A PostgresStore on the schema of `dir`; nullptr after reporting a failure
// or a skip. Several calls with one `dir` are several "processes" sharing a
// database.
std::unique_ptr<store::Store> OpenPgStore(const std::string& dir, int pool = 4);

// Runs `sql` on the schema of `dir` outside the Store API and returns the
// first column of the first row as an integer (-1 when there is no row).
std::int64_t PgQueryInt(const std::string& dir, const std::string& sql);

// Runs `sql` on the database of `url` (any server, not only the test one);
// the first column of the first row as an integer, -1 when there is no row.
// A failing query is a test failure.
std::int64_t PgQueryUrlInt(const std::string& url, const std::string& sql);

// The PostgreSQL factory of the store conformance suite (tests/unit/store_conformance/).
struct PostgresFactory {
  static std::unique_ptr<store::Store> Make(const std::string& dir) { return OpenPgStore(dir); }
  static std::int64_t QueryInt(const std::string& dir, const std::string& sql) {
    return PgQueryInt(dir, sql);
  }
  // A script of statements (one simple-protocol round trip).
  static void Exec(const std::string& dir, const std::string& script) {
    (void)PgQueryInt(dir, script);
  }
};

}  // namespace orderflow::testing
