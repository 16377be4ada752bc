// Idempotency-Key under concurrency (issue 12): the key is recorded in the
// unit of the effect, so 8 simultaneous requests with one key take effect
// once. On one server the duplicates wait for the first and get its answer;
// with two servers on one PostgreSQL database a duplicate may get 409
// instead, never a second effect.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <latch>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

constexpr int kClients = 8;

// Sends `kClients` copies of one POST at once, client i to ports[i % n].
std::vector<HttpResult> SendTogether(const std::vector<unsigned short>& ports,
                                     const std::string& token, const std::string& store_id,
                                     const std::string& target, const std::string& body,
                                     const std::string& key) {
  std::vector<std::unique_ptr<StoreApi>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<StoreApi>(ports[i % ports.size()], token, store_id));
  }
  std::vector<HttpResult> results(kClients);
  std::latch start(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = clients[i]->Post(target, body, {{"Idempotency-Key", key}});
    });
  }
  for (auto& t : threads) t.join();
  return results;
}

class IdempotencyRaceTest : public SharedServerTest<IdempotencyRaceTest> {};

TEST_F(IdempotencyRaceTest, ConcurrentRotateKeyWithOneKeyRotatesOnce) {
  const std::string store = UniqueStoreId("IRK");
  const std::string old_key = CreateStore(*server_, store);
  ASSERT_FALSE(old_key.empty());
  auto results = SendTogether({server_->port()}, server_->admin_token(), "",
                              "/api/stores/" + store + "/rotate-key", "", "rotate-" + store);
  std::set<std::string> keys;
  for (const auto& r : results) {
    ASSERT_EQ(r.status, 200) << r.body;
    keys.insert(Str(ParseJson(r.body), "apiKey"));
  }
  ASSERT_EQ(keys.size(), 1u) << "every answer carries the one new key";
  const std::string new_key = *keys.begin();
  EXPECT_NE(new_key, old_key);
  EXPECT_EQ(StoreApi(server_->port(), new_key, store).Get("/api/orders").status, 200);
  EXPECT_EQ(StoreApi(server_->port(), old_key, store).Get("/api/orders").status, 401);
}

TEST_F(IdempotencyRaceTest, ConcurrentWebhookCreatesWithOneKeyMakeOneWebhook) {
  const std::string store = UniqueStoreId("IWH");
  const std::string key = CreateStore(*server_, store);
  ASSERT_FALSE(key.empty());
  auto results = SendTogether({server_->port()}, key, store, "/api/webhooks",
                              R"({"url":"http://93.184.215.14/hook","topics":["order.*"]})",
                              "create-" + store);
  std::set<std::string> ids;
  std::set<std::string> secrets;
  for (const auto& r : results) {
    ASSERT_EQ(r.status, 201) << r.body;
    ids.insert(Str(ParseJson(r.body), "webhookId"));
    secrets.insert(Str(ParseJson(r.body), "secret"));
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(secrets.size(), 1u);
  json::value list = ParseJson(StoreApi(server_->port(), key, store).Get("/api/webhooks").body);
  ASSERT_TRUE(list.is_object()) << json::serialize(list);
  EXPECT_EQ(list.at("items").as_array().size(), 1u) << json::serialize(list);
}

TEST_F(IdempotencyRaceTest, ConcurrentProductCreatesWithOneKeyMakeOneProduct) {
  const std::string store = UniqueStoreId("IPR");
  const std::string key = CreateStore(*server_, store);
  ASSERT_FALSE(key.empty());
  auto results = SendTogether({server_->port()}, key, store, "/api/products",
                              R"({"productName":"Lamp","price":5,"stock":3})", "product-" + store);
  for (const auto& r : results) EXPECT_EQ(r.status, 201) << r.body;
  json::value list = ParseJson(StoreApi(server_->port(), key, store).Get("/api/products").body);
  ASSERT_TRUE(list.is_object()) << json::serialize(list);
  EXPECT_EQ(list.at("items").as_array().size(), 1u) << json::serialize(list);
}

// Two servers on one PostgreSQL database: a duplicate on the other server
// finds the key claimed and gets 409; either way the store rotates once.
TEST(IdempotencyAcrossServersTest, ConcurrentRotateKeyOnTwoServersRotatesOnce) {
  if (!ServerProcess::OnPostgres()) GTEST_SKIP() << "needs two servers on PostgreSQL";
  ServerProcess first;
  ServerProcess::Options options;
  options.db_url = first.db_arg();
  options.extra_args = {"--admin-token", first.admin_token()};
  ServerProcess second(options);
  const std::string store = UniqueStoreId("IRK2");
  const std::string old_key = CreateStore(first, store);
  ASSERT_FALSE(old_key.empty());
  auto results = SendTogether({first.port(), second.port()}, first.admin_token(), "",
                              "/api/stores/" + store + "/rotate-key", "", "rotate2-" + store);
  std::set<std::string> keys;
  for (const auto& r : results) {
    if (r.status == 409) {
      EXPECT_EQ(ErrorFieldOf(r.body), "Idempotency-Key") << r.body;
      continue;
    }
    ASSERT_EQ(r.status, 200) << r.body;
    keys.insert(Str(ParseJson(r.body), "apiKey"));
  }
  ASSERT_EQ(keys.size(), 1u);
  // The server that did not rotate learns the key at its next reload of the
  // stores table (--tenant-refresh); wait for that on both.
  for (unsigned short port : {first.port(), second.port()}) {
    StoreApi api(port, *keys.begin(), store);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (api.Get("/api/orders").status != 200 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(api.Get("/api/orders").status, 200) << "port " << port;
  }
  // A repeat after the race replays the one answer on either server.
  for (unsigned short port : {first.port(), second.port()}) {
    HttpResult again = StoreApi(port, first.admin_token(), "")
                           .Post("/api/stores/" + store + "/rotate-key", "",
                                 {{"Idempotency-Key", "rotate2-" + store}});
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(Str(ParseJson(again.body), "apiKey"), *keys.begin());
  }
}

}  // namespace
}  // namespace orderflow::testing
