// Stores, API keys, the admin token, per-store rate limits and --auth off,
// against the real binary (SPEC §7, §12).

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "support/server_process.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

class AuthTest : public SharedServerTest<AuthTest> {
 protected:
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    store_ = UniqueStoreId("A");
    key_ = CreateStore(*server_, store_);
    ASSERT_FALSE(key_.empty());
    admin_ = std::make_unique<StoreApi>(server_->port(), server_->admin_token(), store_);
    ASSERT_EQ(
        admin_->Post("/api/products", R"({"productName":"Widget","price":10,"stock":1000})").status,
        201);
  }

  static void ExpectError(const HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body;
    std::string why;
    EXPECT_TRUE(IsErrorEnvelope(r.body, &why)) << why << ": " << r.body;
    EXPECT_EQ(ErrorCodeOf(r.body), code) << r.body;
  }

  std::string store_;
  std::string key_;
  std::unique_ptr<StoreApi> admin_;
};

TEST_F(AuthTest, CreatingAStoreShowsItsKeyOnce) {
  HttpClient client(server_->port());
  HttpClient::Headers admin = {{"Authorization", "Bearer " + server_->admin_token()}};
  HttpResult created =
      client.Post("/api/stores", R"({"storeId":"shop-1","name":"Shop One","rateLimit":50})", admin);
  ASSERT_EQ(created.status, 201) << created.body;
  json::value v = ParseJson(created.body);
  EXPECT_EQ(Str(v, "storeId"), "shop-1");
  std::string key = Str(v, "apiKey");
  EXPECT_GE(key.size(), 24u) << key;

  HttpResult list = client.Get("/api/stores", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.body.find(key), std::string::npos) << "the key is shown only once";
  EXPECT_EQ(list.body.find("apiKey"), std::string::npos) << list.body;
  std::set<std::string> ids;
  json::value listed = ParseJson(list.body);
  for (const auto& s : listed.at("items").as_array()) ids.insert(Str(s, "storeId"));
  for (const char* id : {"X", "Y", "Z", "shop-1"}) EXPECT_TRUE(ids.count(id)) << id;

  ExpectError(client.Post("/api/stores", R"({"storeId":"shop-1","name":"Again"})", admin), 409,
              "conflict");
  HttpResult bad_id = client.Post("/api/stores", R"({"storeId":"bad id!","name":"B"})", admin);
  ExpectError(bad_id, 400, "validation_failed");
  EXPECT_EQ(ErrorFieldOf(bad_id.body), "storeId");
  HttpResult no_name = client.Post("/api/stores", R"({"storeId":"ok"})", admin);
  ExpectError(no_name, 400, "validation_failed");
  EXPECT_EQ(ErrorFieldOf(no_name.body), "name");
  ExpectError(
      client.Post("/api/stores", R"({"storeId":"ok2","name":"N","rateLimit":"fast"})", admin), 400,
      "validation_failed");
}

TEST_F(AuthTest, DemoStoresAreSeeded) {
  HttpClient client(server_->port());
  HttpResult list =
      client.Get("/api/stores", {{"Authorization", "Bearer " + server_->admin_token()}});
  ASSERT_EQ(list.status, 200) << list.body;
  std::map<std::string, std::pair<std::string, std::string>> stores;
  json::value listed = ParseJson(list.body);
  for (const auto& s : listed.at("items").as_array()) {
    stores[Str(s, "storeId")] = {Str(s, "name"), Str(s, "color")};
  }
  using Pair = std::pair<std::string, std::string>;
  EXPECT_EQ(stores["X"], (Pair{"Motia Prime", "#2563eb"}));
  EXPECT_EQ(stores["Y"], (Pair{"Nexus Shop", "#059669"}));
  EXPECT_EQ(stores["Z"], (Pair{"Aura Luxe", "#e11d48"}));
}

TEST_F(AuthTest, StoreKeyWorksForItsOwnStore) {
  StoreApi with_header(server_->port(), key_, store_);
  HttpResult order = with_header.PostOrder("Kim", "Widget", 2);
  ASSERT_EQ(order.status, 201) << order.body;
  std::string id = Str(ParseJson(order.body), "orderId");
  EXPECT_EQ(with_header.Get("/api/orders/" + id).status, 200);
  EXPECT_EQ(with_header.Get("/api/dashboard/stats").status, 200);
  EXPECT_EQ(with_header.Get("/api/products").status, 200);

  // The key names its store, so X-Store-ID may be left out.
  StoreApi without_header(server_->port(), key_, "");
  EXPECT_EQ(without_header.OrderCount(), 1);
  EXPECT_EQ(without_header.Get("/api/order/tracking/" + id).status, 200);

  HttpResult stores = without_header.Get("/api/stores");
  ASSERT_EQ(stores.status, 200) << stores.body;
  json::value listed = ParseJson(stores.body);
  const json::array& items = listed.at("items").as_array();
  ASSERT_EQ(items.size(), 1u) << stores.body;
  EXPECT_EQ(Str(items[0], "storeId"), store_);
}

TEST_F(AuthTest, StoreKeyIsForbiddenForAnotherStore) {
  StoreApi x_admin(server_->port(), server_->admin_token(), "X");
  long long x_orders = x_admin.OrderCount();
  StoreApi cross(server_->port(), key_, "X");
  ExpectError(cross.Get("/api/orders"), 403, "forbidden");
  ExpectError(cross.Get("/api/dashboard/stats"), 403, "forbidden");
  ExpectError(cross.PostOrder("Eve", "Motia Smartwatch V2", 1), 403, "forbidden");
  ExpectError(cross.Post("/api/products", R"({"productName":"Evil","price":1})"), 403, "forbidden");
  EXPECT_EQ(x_admin.OrderCount(), x_orders);

  // An order of store X is invisible with this key.
  HttpResult x_order = x_admin.PostOrder("Xavier", "Motia Smartwatch V2", 1);
  ASSERT_EQ(x_order.status, 201) << x_order.body;
  StoreApi own(server_->port(), key_, "");
  EXPECT_EQ(own.Get("/api/orders/" + Str(ParseJson(x_order.body), "orderId")).status, 404);
}

TEST_F(AuthTest, StoreKeyCannotAdministerStores) {
  StoreApi own(server_->port(), key_, "");
  ExpectError(own.Post("/api/stores", R"({"storeId":"sneaky","name":"S"})"), 403, "forbidden");
  ExpectError(own.Post("/api/stores/" + store_ + "/rotate-key", ""), 403, "forbidden");
  ExpectError(own.Post("/api/stores/X/rotate-key", ""), 403, "forbidden");
  HttpResult list =
      HttpClient(server_->port())
          .Get("/api/stores", {{"Authorization", "Bearer " + server_->admin_token()}});
  EXPECT_EQ(list.body.find("sneaky"), std::string::npos);
}

TEST_F(AuthTest, MissingOrInvalidCredentialsAre401) {
  long long before = admin_->OrderCount();
  HttpClient client(server_->port());
  const std::string order =
      R"({"customerName":"M","items":[{"productName":"Widget","quantity":1}]})";
  const HttpClient::Headers cases[] = {
      {{"X-Store-ID", store_}},
      {{"X-Store-ID", store_}, {"Authorization", "Bearer wrong-key"}},
      {{"X-Store-ID", store_}, {"Authorization", "Bearer " + key_ + "x"}},
      {{"X-Store-ID", store_}, {"Authorization", "Bearer " + server_->admin_token() + "x"}},
      {{"X-Store-ID", store_}, {"Authorization", "Basic " + key_}},
      {{"X-Store-ID", store_}, {"Authorization", key_}},
      {{"X-Store-ID", store_}, {"Authorization", "Bearer "}},
  };
  for (const auto& headers : cases) {
    std::string label = headers.size() > 1 ? headers[1].second : "(none)";
    HttpResult get = client.Get("/api/orders", headers);
    EXPECT_EQ(get.status, 401) << label << ": " << get.body;
    EXPECT_EQ(ErrorCodeOf(get.body), "unauthorized") << label;
    HttpResult post = client.Post("/api/order", order, headers);
    EXPECT_EQ(post.status, 401) << label << ": " << post.body;
    EXPECT_EQ(ErrorCodeOf(post.body), "unauthorized") << label;
    HttpResult stores = client.Post("/api/stores", R"({"storeId":"nope","name":"N"})", headers);
    EXPECT_EQ(stores.status, 401) << label << ": " << stores.body;
  }
  EXPECT_EQ(admin_->OrderCount(), before);
  // The health endpoints need no credentials.
  EXPECT_EQ(client.Get("/healthz").status, 200);
  EXPECT_EQ(client.Get("/readyz").status, 200);
}

TEST_F(AuthTest, AdminNamesTheStoreWithXStoreId) {
  StoreApi no_store(server_->port(), server_->admin_token(), "");
  HttpResult r = no_store.Get("/api/orders");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(ErrorFieldOf(r.body), "X-Store-ID") << r.body;
  StoreApi unknown(server_->port(), server_->admin_token(), "NOPE");
  HttpResult u = unknown.Get("/api/orders");
  EXPECT_EQ(u.status, 404) << u.body;
  EXPECT_EQ(ErrorCodeOf(u.body), "not_found");
  HttpResult order = unknown.PostOrder("N", "Widget", 1);
  EXPECT_EQ(order.status, 404) << order.body;
}

TEST_F(AuthTest, RotatingAKeyRetiresTheOldOne) {
  HttpClient client(server_->port());
  HttpClient::Headers admin = {{"Authorization", "Bearer " + server_->admin_token()}};
  HttpResult rotated = client.Post("/api/stores/" + store_ + "/rotate-key", "", admin);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  std::string fresh = Str(ParseJson(rotated.body), "apiKey");
  ASSERT_NE(fresh, "<missing>");
  EXPECT_NE(fresh, key_);
  EXPECT_EQ(StoreApi(server_->port(), key_, "").Get("/api/orders").status, 401);
  EXPECT_EQ(StoreApi(server_->port(), fresh, "").Get("/api/orders").status, 200);
  EXPECT_EQ(client.Post("/api/stores/NOPE/rotate-key", "", admin).status, 404);
}

// SPEC §7: every mutating POST honours Idempotency-Key; a retried store
// creation or key rotation must not fail or issue a second key.
TEST_F(AuthTest, StoreCreationAndRotationHonourIdempotencyKey) {
  HttpClient client(server_->port());
  HttpClient::Headers admin = {{"Authorization", "Bearer " + server_->admin_token()},
                               {"Idempotency-Key", "create-shop-idem"}};
  const std::string body = R"({"storeId":"shop-idem","name":"Idem"})";
  HttpResult first = client.Post("/api/stores", body, admin);
  ASSERT_EQ(first.status, 201) << first.body;
  HttpResult again = client.Post("/api/stores", body, admin);
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.body, first.body);

  admin[1].second = "rotate-shop-idem";
  HttpResult rotated = client.Post("/api/stores/shop-idem/rotate-key", "", admin);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  HttpResult retried = client.Post("/api/stores/shop-idem/rotate-key", "", admin);
  EXPECT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(retried.body, rotated.body);
  // The key handed out by the first answer is the one that works.
  std::string key = Str(ParseJson(rotated.body), "apiKey");
  EXPECT_EQ(StoreApi(server_->port(), key, "").Get("/api/orders").status, 200);
}

// The first response to an Idempotency-Key is kept for replays; when it
// carries a new API key or webhook secret the database must not hold it
// readable.
TEST_F(AuthTest, IdempotencyRecordsHoldNoKeysOrSecrets) {
  HttpClient client(server_->port());
  const std::string id = UniqueStoreId("sealed");
  HttpClient::Headers admin = {{"Authorization", "Bearer " + server_->admin_token()},
                               {"Idempotency-Key", "sealed-create-" + id}};
  const std::string body = R"({"storeId":")" + id + R"(","name":"Sealed"})";
  HttpResult created = client.Post("/api/stores", body, admin);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string api_key = Str(ParseJson(created.body), "apiKey");
  ASSERT_GE(api_key.size(), 24u) << created.body;

  StoreApi api(server_->port(), api_key, "");
  const HttpClient::Headers hook_key = {{"Idempotency-Key", "sealed-hook-" + id}};
  const std::string hook_body = R"({"url":"http://93.184.215.14/hook","topics":["order.created"]})";
  HttpResult hook = api.Post("/api/webhooks", hook_body, hook_key);
  ASSERT_EQ(hook.status, 201) << hook.body;
  const std::string secret = Str(ParseJson(hook.body), "secret");
  ASSERT_GE(secret.size(), 16u) << hook.body;

  // Both answers were recorded, sealed, and neither row shows the secret.
  EXPECT_EQ(
      server_->QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE key IN ('sealed-create-" + id +
                        "', 'sealed-hook-" + id + "') AND body LIKE 'enc1:%'"),
      2);
  for (const std::string& s : {api_key, secret}) {
    EXPECT_EQ(
        server_->QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE body LIKE '%" + s + "%'"), 0)
        << "an idempotency record holds " << s;
  }
  EXPECT_EQ(server_->QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE body LIKE '%apiKey%' "
                              "OR body LIKE '%secret%'"),
            0);

  // Replays still answer exactly the first response.
  HttpResult created_again = client.Post("/api/stores", body, admin);
  EXPECT_EQ(created_again.status, 201);
  EXPECT_EQ(created_again.body, created.body);
  HttpResult hook_again = api.Post("/api/webhooks", hook_body, hook_key);
  EXPECT_EQ(hook_again.status, 201);
  EXPECT_EQ(hook_again.body, hook.body);
  EXPECT_EQ(ParseJson(api.Get("/api/webhooks").body).at("items").as_array().size(), 1u);
  // The same key with another request is still a conflict.
  ExpectError(client.Post("/api/stores", R"({"storeId":"other-)" + id + R"(","name":"O"})", admin),
              409, "conflict");
}

// A sealed record that no longer opens (altered in the database) is a
// conflict with a clear message, never a 500 or the altered bytes.
TEST_F(AuthTest, AlteredIdempotencyRecordIsAConflict) {
  HttpClient client(server_->port());
  const std::string id = UniqueStoreId("altered");
  const std::string idem = "altered-create-" + id;
  HttpClient::Headers admin = {{"Authorization", "Bearer " + server_->admin_token()},
                               {"Idempotency-Key", idem}};
  const std::string body = R"({"storeId":")" + id + R"(","name":"Altered"})";
  ASSERT_EQ(client.Post("/api/stores", body, admin).status, 201);

  // Flip one base64 character of the sealed body.
  const std::string update =
      "UPDATE idempotency_keys SET body = substr(body, 1, 20) || CASE substr(body, 21, 1) WHEN "
      "'A' THEN 'B' ELSE 'A' END || substr(body, 22) WHERE key = '" +
      idem + "'";
  if (ServerProcess::OnPostgres()) {
    server_->QueryInt(update + " RETURNING 1");
  } else {
    auto [code, out] =
        RunCommand("sqlite3 -cmd '.timeout 5000' " + server_->db_path() + " \"" + update + "\"");
    ASSERT_EQ(code, 0) << out;
  }
  ASSERT_EQ(server_->QueryInt("SELECT COUNT(*) FROM idempotency_keys WHERE key = '" + idem +
                              "' AND body LIKE 'enc1:%'"),
            1);

  HttpResult replay = client.Post("/api/stores", body, admin);
  ExpectError(replay, 409, "conflict");
  EXPECT_EQ(ErrorFieldOf(replay.body), "Idempotency-Key");
  EXPECT_NE(replay.body.find("cannot be read back"), std::string::npos) << replay.body;
}

TEST_F(AuthTest, AdminChangesAStoreRateLimitAtOnce) {
  const std::string id = UniqueStoreId("P");
  const std::string key = CreateStore(*server_, id);
  ASSERT_FALSE(key.empty());
  StoreApi api(server_->port(), key, "");
  for (int i = 0; i < 10; ++i) ASSERT_EQ(api.Get("/api/orders").status, 200) << i;

  StoreApi admin(server_->port(), server_->admin_token(), "");
  HttpResult patched = admin.Patch("/api/stores/" + id, R"({"rateLimit":1,"burst":2})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  json::value store = ParseJson(patched.body);
  EXPECT_EQ(Str(store, "storeId"), id);
  EXPECT_EQ(store.at("rateLimit").to_number<double>(), 1);
  EXPECT_EQ(store.at("burst").to_number<double>(), 2);
  EXPECT_EQ(server_->QueryInt("SELECT CAST(rate_limit AS INTEGER) FROM stores WHERE store_id = '" +
                              id + "'"),
            1);
  EXPECT_EQ(
      server_->QueryInt("SELECT CAST(burst AS INTEGER) FROM stores WHERE store_id = '" + id + "'"),
      2);

  // The bucket is 2 now: the third request in a row (a fourth if a token
  // refilled meanwhile on a slow machine) is refused.
  int first_limited = -1;
  for (int i = 0; i < 10 && first_limited < 0; ++i) {
    HttpResult r = api.Get("/api/orders");
    if (r.status == 200) continue;
    ExpectError(r, 429, "rate_limited");
    ASSERT_TRUE(r.headers.count("retry-after")) << "429 without Retry-After";
    EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
    first_limited = i;
  }
  EXPECT_GE(first_limited, 2);
  EXPECT_LE(first_limited, 3);

  // A rate without a burst gets twice the rate, as at creation; the store
  // list shows the new values.
  HttpResult raised = admin.Patch("/api/stores/" + id, R"({"rateLimit":50})");
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(ParseJson(raised.body).at("burst").to_number<double>(), 100);
  HttpResult listed = admin.Get("/api/stores");
  ASSERT_EQ(listed.status, 200) << listed.body;
  bool found = false;
  const json::value stores = ParseJson(listed.body);
  for (const auto& s : stores.at("items").as_array()) {
    if (Str(s, "storeId") != id) continue;
    found = true;
    EXPECT_EQ(s.at("rateLimit").to_number<double>(), 50) << listed.body;
    EXPECT_EQ(s.at("burst").to_number<double>(), 100) << listed.body;
  }
  EXPECT_TRUE(found) << listed.body;

  // 0 is unlimited.
  HttpResult unlimited = admin.Patch("/api/stores/" + id, R"({"rateLimit":0})");
  ASSERT_EQ(unlimited.status, 200) << unlimited.body;
  EXPECT_EQ(ParseJson(unlimited.body).at("rateLimit").to_number<double>(), 0);
  for (int i = 0; i < 150; ++i) ASSERT_EQ(api.Get("/api/orders").status, 200) << i;
}

TEST_F(AuthTest, RateLimitChangeNeedsTheAdminTokenAndAValidBody) {
  StoreApi own(server_->port(), key_, "");
  ExpectError(own.Patch("/api/stores/" + store_, R"({"rateLimit":100000})"), 403, "forbidden");
  ExpectError(own.Patch("/api/stores/X", R"({"rateLimit":1})"), 403, "forbidden");
  ExpectError(
      StoreApi(server_->port(), "", "").Patch("/api/stores/" + store_, R"({"rateLimit":1})"), 401,
      "unauthorized");

  StoreApi admin(server_->port(), server_->admin_token(), "");
  const std::pair<const char*, const char*> bad[] = {
      {"{}", "rateLimit"},
      {R"({"rateLimit":null,"burst":null})", "rateLimit"},
      {R"({"rateLimit":"fast"})", "rateLimit"},
      {R"({"rateLimit":true})", "rateLimit"},
      {R"({"rateLimit":-1})", "rateLimit"},
      {R"({"rateLimit":1e7})", "rateLimit"},
      {R"({"burst":0})", "burst"},
      {R"({"burst":0.5})", "burst"},
      {R"({"burst":"2"})", "burst"},
      {R"({"burst":1e300})", "burst"},
      {R"({"rateLimit":5,"burst":0})", "burst"},
      {"[1]", ""},
  };
  for (const auto& [body, field] : bad) {
    HttpResult r = admin.Patch("/api/stores/" + store_, body);
    ExpectError(r, 400, "validation_failed");
    EXPECT_EQ(ErrorFieldOf(r.body), field) << body;
  }
  ExpectError(admin.Patch("/api/stores/" + store_, "rateLimit=1"), 400, "invalid_json");
  ExpectError(admin.Patch("/api/stores/NOPE", R"({"rateLimit":1})"), 404, "not_found");

  // Nothing changed.
  EXPECT_EQ(server_->QueryInt("SELECT CAST(rate_limit AS INTEGER) FROM stores WHERE store_id = '" +
                              store_ + "'"),
            200);
  EXPECT_EQ(server_->QueryInt("SELECT CAST(burst AS INTEGER) FROM stores WHERE store_id = '" +
                              store_ + "'"),
            400);
  HttpResult listed = own.Get("/api/stores");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const json::value listed_json = ParseJson(listed.body);
  const json::value& mine = listed_json.at("items").as_array().at(0);
  EXPECT_EQ(mine.at("rateLimit").to_number<double>(), 200) << listed.body;
  EXPECT_EQ(mine.at("burst").to_number<double>(), 400) << listed.body;
}

TEST_F(AuthTest, RateLimitAnswers429WithRetryAfter) {
  std::string limited = UniqueStoreId("R");
  std::string key = CreateStore(*server_, limited, R"(,"rateLimit":5)");
  ASSERT_FALSE(key.empty());
  StoreApi api(server_->port(), key, "");
  int ok = 0, limited_count = 0;
  for (int i = 0; i < 40; ++i) {
    HttpResult r = api.Get("/api/orders");
    if (r.status == 200) {
      ++ok;
    } else {
      ASSERT_EQ(r.status, 429) << r.body;
      ++limited_count;
      EXPECT_EQ(ErrorCodeOf(r.body), "rate_limited") << r.body;
      ASSERT_TRUE(r.headers.count("retry-after")) << "429 without Retry-After";
      EXPECT_GE(std::stoi(r.headers["retry-after"]), 1);
    }
  }
  EXPECT_GE(ok, 5);
  EXPECT_GT(limited_count, 0);
  // A rate-limited order is refused before its body is looked at (422 only
  // if the bucket refilled meanwhile on a slow machine).
  HttpResult order = api.PostOrder("Q", "Widget", 1);
  EXPECT_TRUE(order.status == 429 || order.status == 422) << order.status << " " << order.body;

  // The admin token is not rate limited, and other stores are unaffected.
  StoreApi admin(server_->port(), server_->admin_token(), limited);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(admin.Get("/api/orders").status, 200) << i;
  EXPECT_EQ(admin.OrderCount(), 0);
  StoreApi own(server_->port(), key_, "");
  EXPECT_EQ(own.Get("/api/orders").status, 200);
}

// SPEC §12: guessing credentials is slowed per client address; callers with
// a valid credential from the same address are not.
TEST(FailedAuthLimitTest, WrongCredentialsFromOneAddressGet429) {
  ServerProcess server({.extra_args = {"--auth-failure-limit", "5"}});
  const std::string store = UniqueStoreId("F");
  const std::string key = CreateStore(server, store);
  ASSERT_FALSE(key.empty());
  StoreApi admin(server.port(), server.admin_token(), store);
  ASSERT_EQ(admin.Post("/api/products", R"({"productName":"Widget","price":10,"stock":10})").status,
            201);
  StoreApi guess(server.port(), key + "x", store);
  for (int i = 0; i < 5; ++i) {
    HttpResult r = guess.Get("/api/orders");
    EXPECT_EQ(r.status, 401) << i << ": " << r.body;
  }
  HttpResult limited = guess.Get("/api/orders");
  ASSERT_EQ(limited.status, 429) << limited.body;
  EXPECT_TRUE(IsErrorEnvelope(limited.body)) << limited.body;
  EXPECT_EQ(ErrorCodeOf(limited.body), "rate_limited");
  ASSERT_TRUE(limited.headers.count("retry-after")) << "429 without Retry-After";
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  // Other wrong credentials and routes from this address too, and nothing is written.
  EXPECT_EQ(guess.PostOrder("Eve", "Widget", 1).status, 429);
  EXPECT_EQ(StoreApi(server.port(), "wrong-admin-token", store).Get("/api/orders").status, 429);
  EXPECT_EQ(admin.OrderCount(), 0);

  // Valid credentials from the same address are never limited by it.
  StoreApi own(server.port(), key, "");
  for (int i = 0; i < 20; ++i) ASSERT_EQ(own.Get("/api/orders").status, 200) << i;
  ASSERT_EQ(admin.Get("/api/orders").status, 200);
  // A request without credentials is no guess: still 401.
  HttpResult anonymous = StoreApi(server.port(), "", store).Get("/api/orders");
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
}

TEST(FailedAuthLimitTest, DefaultAllowsTwentyAndZeroTurnsItOff) {
  {
    ServerProcess server;
    StoreApi guess(server.port(), "not-a-key", "X");
    for (int i = 0; i < 20; ++i) ASSERT_EQ(guess.Get("/api/orders").status, 401) << i;
    EXPECT_EQ(guess.Get("/api/orders").status, 429);
  }
  ServerProcess server({.extra_args = {"--auth-failure-limit", "0"}});
  StoreApi guess(server.port(), "not-a-key", "X");
  for (int i = 0; i < 60; ++i) ASSERT_EQ(guess.Get("/api/orders").status, 401) << i;
}

TEST(AuthOffTest, XStoreIdAloneSelectsTheStore) {
  ServerProcess server({.extra_args = {"--auth", "off"}});
  StoreApi x(server.port(), "", "X");
  HttpResult order = x.PostOrder("Demo", "Motia Smartwatch V2", 1);
  ASSERT_EQ(order.status, 201) << order.body;
  std::string id = Str(ParseJson(order.body), "orderId");
  EXPECT_EQ(x.Get("/api/orders/" + id).status, 200);
  EXPECT_EQ(x.OrderCount(), 1);
  EXPECT_EQ(x.Get("/api/dashboard/stats").status, 200);
  EXPECT_EQ(x.Get("/api/alerts").status, 200);

  StoreApi y(server.port(), "", "Y");
  EXPECT_EQ(y.Get("/api/orders/" + id).status, 404);
  EXPECT_EQ(y.OrderCount(), 0);

  StoreApi none(server.port(), "", "");
  HttpResult missing = none.Get("/api/orders");
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_EQ(ErrorFieldOf(missing.body), "X-Store-ID");

  // Without an Authorization header idempotent replays still work.
  const HttpClient::Headers idem = {{"Idempotency-Key", "auth-off-create"}};
  HttpResult created = none.Post("/api/stores", R"({"storeId":"OFF","name":"Off"})", idem);
  ASSERT_EQ(created.status, 201) << created.body;
  HttpResult replayed = none.Post("/api/stores", R"({"storeId":"OFF","name":"Off"})", idem);
  EXPECT_EQ(replayed.status, 201) << replayed.body;
  EXPECT_EQ(replayed.body, created.body);
}

TEST(NoDemoTest, EmptyDatabaseStaysEmpty) {
  ServerProcess server({.extra_args = {"--no-demo"}});
  HttpClient client(server.port());
  HttpResult stores =
      client.Get("/api/stores", {{"Authorization", "Bearer " + server.admin_token()}});
  ASSERT_EQ(stores.status, 200) << stores.body;
  EXPECT_TRUE(ParseJson(stores.body).at("items").as_array().empty()) << stores.body;
  StoreApi x(server.port(), server.admin_token(), "X");
  EXPECT_EQ(x.Get("/api/orders").status, 404);
}

}  // namespace
}  // namespace orderflow::testing
