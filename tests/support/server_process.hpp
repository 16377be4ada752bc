#pragma once
// Runs the real `orderflow serve` binary as a child process for integration
// tests: loopback port chosen by the kernel, a private SQLite database in a
// temporary directory, a fixed random admin token, and zero ship/deliver
// delays. Also a small JSON-speaking client bound to one store, shared by the
// HTTP integration tests.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "support/http_client.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {

// The binary the environment variable `env_name` names, else `built_in`.
std::string BinaryUnderTest(const char* env_name, const char* built_in);

#ifdef ORDERFLOW_BINARY
// The binaries under test: those this suite was built with, unless the
// environment names others; the sanitizer tier of scripts/test.sh runs the
// suite against the sanitized server (ORDERFLOW_TEST_BINARY) and payment
// service (ORDERFLOW_TEST_GATEWAY_BINARY).
inline std::string OrderflowBinary() {
  return BinaryUnderTest("ORDERFLOW_TEST_BINARY", ORDERFLOW_BINARY);
}
inline std::string GatewayBinary() {
  return BinaryUnderTest("ORDERFLOW_TEST_GATEWAY_BINARY", ORDERFLOW_GATEWAY_BINARY);
}
#define ORDERFLOW_TESTING_BINARY ::orderflow::testing::OrderflowBinary()
#else
#define ORDERFLOW_TESTING_BINARY ""
#endif

// One `orderflow serve` child process. The constructor returns once the
// server has printed its `listening on http://HOST:PORT` line; it throws
// std::runtime_error (with the captured output) when the binary exits early
// or is not ready within 10 s. Not thread-safe. The child gets SIGKILL when
// the thread that started it (constructor or Restart) exits, so a crashed
// test leaves no server behind: start servers on the test's main thread.
// The key every test server on PostgreSQL seals webhook secrets with (64 hex
// digits), so that servers sharing a schema agree.
inline constexpr const char* kTestSecretKey =
    "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";

class ServerProcess {
 public:
  struct Options {
    // Appended to the defaults (--listen 127.0.0.1:0, --admin-token,
    // --db, --ship-delay 0, --deliver-delay 0, --claim-lease 2); naming one of those flags
    // here replaces its default. "--admin-token=" alone starts the server
    // without the flag (it then makes a token and keeps it beside the
    // database; admin_token() is empty).
    std::vector<std::string> extra_args = {};
    // SQLite file; empty: `of.db` in the process's temporary directory.
    std::string db_path = {};
    // A whole --db value (e.g. a postgresql:// URL shared by several
    // servers); replaces db_path and the back end chosen by the environment.
    std::string db_url = {};
  };

  // True when ORDERFLOW_TEST_BACKEND=postgres: servers then run on a fresh
  // schema of the test cluster (ORDERFLOW_TEST_PG) instead of a SQLite file,
  // so the same integration suite covers both back ends.
  static bool OnPostgres();

  // Runs the binary named by the ORDERFLOW_BINARY compile definition (the
  // integration test target sets it), else by the environment variable of
  // the same name.
  ServerProcess() : ServerProcess(Options{}) {}
  explicit ServerProcess(Options options)
      : ServerProcess(std::move(options), ORDERFLOW_TESTING_BINARY) {}
  ServerProcess(Options options, std::string binary);
  // Kills the server (SIGKILL) if it is still running and reaps it.
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The port of the current run (changes on Restart).
  unsigned short port() const { return port_; }
  const std::string& admin_token() const { return admin_token_; }
  // The SQLite file (meaningless on PostgreSQL, see OnPostgres()).
  const std::string& db_path() const { return db_path_; }
  // The --db value the server runs with.
  const std::string& db_arg() const { return db_arg_; }
  // Runs `sql` on the server's database outside the server (read-only on
  // SQLite) and returns the first column of the first row as an integer,
  // -1 when there is no row. A failing query is a test failure. Not for
  // an explicit Options::db_url.
  std::int64_t QueryInt(const std::string& sql) const;
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // SIGKILL and reap. No-op when not running.
  void Kill9();
  // SIGTERM, then waits (at most 10 s, then SIGKILL) and returns the exit
  // code (128 + signal when killed by a signal).
  int Terminate();
  // Waits up to 10 s for the process to exit on its own; returns the exit
  // code as Terminate does, or -1 on timeout (the process keeps running).
  int WaitExit();
  // Stops the server if it runs (SIGTERM), then starts it again on the same
  // database and waits until it is ready.
  void Restart();
  // Everything the process (all runs) wrote to stdout and stderr so far.
  std::string Output() const;

 private:
  void Launch();
  int Reap(bool block_with_timeout);

  Options options_;
  std::string binary_;
  std::unique_ptr<TempDir> dir_;
  std::string admin_token_;
  std::string db_path_;
  std::string db_arg_;
  std::string log_path_;
  std::string secret_key_file_;  // PostgreSQL only: kTestSecretKey
  pid_t pid_ = -1;
  unsigned short port_ = 0;
};

// Parses a response body; a JSON null when it is not JSON (the assertion
// that follows will then show the body).
boost::json::value ParseJson(const std::string& body);

// True when `body` is the error envelope {"error":{"code","message","field"}}
// with string code and message and a string or null field; `why` explains
// a mismatch.
bool IsErrorEnvelope(const std::string& body, std::string* why = nullptr);

// The error code of an envelope, or "" when the body is not one.
std::string ErrorCodeOf(const std::string& body);
// The error field of an envelope ("" when null or absent).
std::string ErrorFieldOf(const std::string& body);

// An HTTP client that authenticates every call with a bearer token and names
// a store with X-Store-ID (either may be empty to leave the header out).
class StoreApi {
 public:
  StoreApi(unsigned short port, std::string token, std::string store_id);

  HttpResult Get(const std::string& target, const HttpClient::Headers& extra = {});
  HttpResult Post(const std::string& target, const std::string& body,
                  const HttpClient::Headers& extra = {});
  HttpResult Patch(const std::string& target, const std::string& body,
                   const HttpClient::Headers& extra = {});
  HttpResult Send(const std::string& method, const std::string& target, const std::string& body,
                  const HttpClient::Headers& extra = {});

  // GET /api/orders and its "total" (-1 when the call fails).
  long long OrderCount();
  // POST /api/order with {customerName, items:[{productName, quantity}]}.
  HttpResult PostOrder(const std::string& customer, const std::string& product_name,
                       int quantity = 1, const HttpClient::Headers& extra = {});

  HttpClient& client() { return client_; }
  const std::string& store_id() const { return store_id_; }

 private:
  HttpClient::Headers With(const HttpClient::Headers& extra) const;

  HttpClient client_;
  std::string token_;
  std::string store_id_;
};

// Creates a store through POST /api/stores with the admin token and returns
// its API key ("" on failure, with a test failure recorded).
std::string CreateStore(ServerProcess& server, const std::string& store_id,
                        const std::string& extra_fields = "");

// Runs a shell command; its exit status and combined stdout and stderr.
std::pair<int, std::string> RunCommand(const std::string& command);

// A store id unique within this test process: prefix + a counter.
std::string UniqueStoreId(const std::string& prefix = "T");

// The string field `key` of a JSON object, or "<missing>".
std::string Str(const boost::json::value& v, const char* key);

// One server shared by every test of a suite (CRTP: one per derived class),
// started once; SetUp fails the test with the start error if it did not start.
template <typename Suite>
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      server_ = new ServerProcess();
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(server_, nullptr) << start_error_; }

  static inline ServerProcess* server_ = nullptr;
  static inline std::string start_error_;
};

}  // namespace orderflow::testing
