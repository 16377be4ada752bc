// Store changes reach every running server without a restart (issue #6):
// each `orderflow serve` reloads the stores table every --tenant-refresh
// seconds (default 2). On PostgreSQL two servers share one database and a key
// rotated, a store created or a rate limit changed through one applies on the
// other; on SQLite the CLI may change stores beside a running server (it does
// not take the server's process lock) and the server picks that up too.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;

const std::string kToken = "tenant-refresh-admin-token-0123456789";

// GET /api/orders with `key` on `port`: its HTTP status.
int StatusWithKey(unsigned short port, const std::string& key) {
  return StoreApi(port, key, "").Get("/api/orders?limit=1").status;
}

// Polls `done` every 100 ms for up to `timeout` (the default period is 2 s).
bool Eventually(const std::function<bool()>& done, std::chrono::seconds timeout = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

ServerProcess::Options PgInstance(const std::string& url) {
  ServerProcess::Options options;
  options.db_url = url;
  // The polls below send keys a server does not know (yet, or any more);
  // the failed-auth limiter would turn those 401s into 429s.
  options.extra_args = {"--admin-token",        kToken, "--threads", "2", "--log-level", "warn",
                        "--auth-failure-limit", "0"};
  return options;
}

TEST(TenantRefresh, KeysStoresAndRateLimitsChangedOnOneServerApplyOnTheOther) {
  if (!ServerProcess::OnPostgres()) {
    GTEST_SKIP() << "PostgreSQL only: runs in the pass with ORDERFLOW_TEST_BACKEND=postgres";
  }
  TempDir shared;
  const std::string url = PgSchemaUrl(shared.path());
  ASSERT_FALSE(url.empty());
  ServerProcess a(PgInstance(url));
  ServerProcess b(PgInstance(url));
  StoreApi admin_a(a.port(), kToken, "");

  // A store created on A starts working on B.
  const std::string id = UniqueStoreId("R");
  HttpResult created = admin_a.Post("/api/stores", R"({"storeId":")" + id + R"(","name":"R"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string old_key = Str(ParseJson(created.body), "apiKey");
  EXPECT_EQ(StatusWithKey(a.port(), old_key), 200);
  EXPECT_TRUE(Eventually([&] { return StatusWithKey(b.port(), old_key) == 200; }))
      << "a store created on A never worked on B";

  // A key rotated on A: the old key stops working on B, the new one works.
  HttpResult rotated = admin_a.Post("/api/stores/" + id + "/rotate-key", "");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const std::string new_key = Str(ParseJson(rotated.body), "apiKey");
  ASSERT_NE(new_key, old_key);
  EXPECT_EQ(StatusWithKey(a.port(), old_key), 401);
  const auto rotated_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eventually([&] { return StatusWithKey(b.port(), old_key) == 401; }))
      << "the rotated-away key still works on B";
  const auto took = std::chrono::steady_clock::now() - rotated_at;
  EXPECT_LT(took, 20s) << "default --tenant-refresh is 2 s (generous: loaded machines, sanitizers)";
  EXPECT_EQ(StatusWithKey(b.port(), new_key), 200);
  EXPECT_EQ(StatusWithKey(a.port(), new_key), 200) << "A's own reloads must not undo its rotation";
  std::this_thread::sleep_for(2500ms);  // a reload or two later, still so on both
  EXPECT_EQ(StatusWithKey(a.port(), old_key), 401);
  EXPECT_EQ(StatusWithKey(b.port(), old_key), 401);
  EXPECT_EQ(StatusWithKey(a.port(), new_key), 200);

  // A rate limit lowered on A applies on B: a burst of 1 lets one request in.
  HttpResult patched = admin_a.Patch("/api/stores/" + id, R"({"rateLimit":0.01,"burst":1})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_TRUE(Eventually([&] { return StatusWithKey(b.port(), new_key) == 429; }))
      << "the lowered rate limit never applied on B";
}

TEST(TenantRefresh, CliRotateKeyBesideARunningSqliteServerApplies) {
  if (ServerProcess::OnPostgres()) GTEST_SKIP() << "SQLite: the CLI beside a server on one file";
  ServerProcess server(
      ServerProcess::Options{{"--tenant-refresh", "0.5", "--auth-failure-limit", "0"}});
  const std::string id = UniqueStoreId("C");
  const std::string old_key = CreateStore(server, id);
  ASSERT_EQ(StatusWithKey(server.port(), old_key), 200);

  auto [code, out] = RunCommand(std::string(OrderflowBinary()) + " stores rotate-key " + id +
                                " --db " + server.db_arg());
  ASSERT_EQ(code, 0) << "the CLI must be able to write beside the server: " << out;
  const std::string marker = "(shown once): ";
  const auto at = out.find(marker);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string new_key =
      out.substr(at + marker.size(), out.find('\n', at) - at - marker.size());

  EXPECT_TRUE(Eventually([&] { return StatusWithKey(server.port(), old_key) == 401; }, 5s))
      << "the key rotated by the CLI still works on the server";
  EXPECT_EQ(StatusWithKey(server.port(), new_key), 200);
}

}  // namespace
}  // namespace orderflow::testing
