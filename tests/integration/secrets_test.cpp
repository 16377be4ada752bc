// Secrets and files at rest (issue 12): webhook secrets sealed under the
// secret key file on both back ends, a wrong key stopping the start, the
// modes of the database files, the data directory and the secret files, and
// the admin token shown only when it is created.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"
#include "support/webhook_receiver.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;

constexpr auto kWait = std::chrono::seconds(30);

bool WaitUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

using Receiver = WebhookReceiver;

// t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>
bool Verifies(const Receiver::Request& got, const std::string& secret) {
  auto comma = got.signature.find(",v1=");
  if (got.signature.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  std::string t = got.signature.substr(2, comma - 2);
  return ConstantTimeEquals(got.signature.substr(comma + 4),
                            HmacSha256Hex(secret, t + "." + got.body));
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

unsigned Mode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 01000000;  // shows up as a mismatch
  return st.st_mode & 07777;
}

std::string Octal(unsigned mode) {
  std::ostringstream out;
  out << std::oct << mode;
  return out.str();
}

// Runs a statement on an SQLite file outside the server (stopped).
void SqliteExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// Servers whose webhooks may call the receiver on loopback.
ServerProcess::Options LoopbackHooks() {
  ServerProcess::Options options;
  options.extra_args = {"--allow-private-egress", "127.0.0.0/8"};
  return options;
}

class SecretsTest : public ::testing::Test {
 protected:
  // A store with a product, on `server`; returns its API client (and its
  // key in `key_out`).
  std::unique_ptr<StoreApi> NewStore(ServerProcess& server, std::string* key_out = nullptr) {
    std::string store = UniqueStoreId("SEC");
    std::string key = CreateStore(server, store);
    EXPECT_FALSE(key.empty());
    if (key_out != nullptr) *key_out = key;
    auto api = std::make_unique<StoreApi>(server.port(), key, store);
    EXPECT_EQ(api->Post("/api/products", R"({"productName":"Mug","price":7,"stock":1000})").status,
              201);
    return api;
  }

  // POST /api/webhooks for every order event; returns {id, secret}.
  std::pair<std::string, std::string> CreateHook(StoreApi& api, const std::string& url) {
    HttpResult r = api.Post("/api/webhooks", R"({"url":")" + url + R"(","topics":["order.*"]})");
    EXPECT_EQ(r.status, 201) << r.body;
    json::value v = ParseJson(r.body);
    return {Str(v, "webhookId"), Str(v, "secret")};
  }

  Receiver receiver_;
};

TEST_F(SecretsTest, WebhookSecretsAreSealedAtRestAndDeliveriesStillVerify) {
  ServerProcess server(LoopbackHooks());
  auto api = NewStore(server);
  std::vector<std::pair<std::string, std::string>> hooks;
  for (int i = 0; i < 3; ++i) {
    hooks.push_back(CreateHook(*api, receiver_.Url("sealed" + std::to_string(i))));
    ASSERT_EQ(hooks.back().second.rfind("whsec_", 0), 0u) << hooks.back().second;
  }
  ASSERT_EQ(api->PostOrder("Ada", "Mug").status, 201);
  for (int i = 0; i < 3; ++i) {
    const std::string name = "sealed" + std::to_string(i);
    ASSERT_TRUE(WaitUntil([&] { return !receiver_.Received(name).empty(); })) << name;
    for (const auto& got : receiver_.Received(name)) {
      EXPECT_TRUE(Verifies(got, hooks[i].second)) << got.signature << "\n" << got.body;
      EXPECT_FALSE(Verifies(got, hooks[(i + 1) % 3].second));
    }
  }

  // Every row holds a sealed value, and no column of any row the secret.
  EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE 'enc1:%'"), 3);
  for (const auto& [id, secret] : hooks) {
    EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE '%" +
                              secret.substr(6) + "%'"),
              0);
  }
  if (ServerProcess::OnPostgres()) {
    // What pg_dump would write: every column of every row as text.
    for (const auto& [id, secret] : hooks) {
      for (const std::string& needle : {secret, secret.substr(6), Hex(secret)}) {
        EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhooks w WHERE w::text LIKE '%" + needle +
                                  "%'"),
                  0)
            << needle;
      }
    }
    return;
  }
  // SQLite: the bytes of the database, its WAL and its shared memory file.
  std::string all;
  for (const std::string& path :
       {server.db_path(), server.db_path() + "-wal", server.db_path() + "-shm"}) {
    if (!std::filesystem::exists(path)) continue;
    const std::string bytes = FileBytes(path);
    for (const auto& [id, secret] : hooks) {
      EXPECT_EQ(bytes.find(secret.substr(6)), std::string::npos) << path;
      EXPECT_EQ(bytes.find(Hex(secret)), std::string::npos) << path;
    }
    all += bytes;
  }
  // The files read are the ones that hold the rows.
  for (const auto& [id, secret] : hooks) EXPECT_NE(all.find(id), std::string::npos) << id;
}

TEST_F(SecretsTest, PlaintextSecretsOfAnOlderVersionAreSealedAtStart) {
  ServerProcess server(LoopbackHooks());
  std::string key;
  auto api = NewStore(server, &key);
  auto [id, secret] = CreateHook(*api, receiver_.Url("legacy"));
  ASSERT_EQ(server.Terminate(), 0);
  // As an older version left it: the secret in the clear.
  const std::string legacy = "whsec_" + RandomHex(24);
  const std::string update =
      "UPDATE webhooks SET secret = '" + legacy + "' WHERE webhook_id = '" + id + "'";
  if (ServerProcess::OnPostgres()) {
    ASSERT_EQ(PgQueryUrlInt(server.db_arg(),
                            "WITH u AS (" + update + " RETURNING 1) SELECT COUNT(*) FROM u"),
              1);
  } else {
    SqliteExec(server.db_path(), update);
  }
  EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE 'enc1:%'"), 0);

  server.Restart();
  EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE 'enc1:%'"), 1);
  EXPECT_EQ(server.QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE '%" + legacy + "%'"),
            0);
  if (!ServerProcess::OnPostgres()) {
    // Nor does the old value linger in the file's free space or the WAL.
    for (const std::string& path : {server.db_path(), server.db_path() + "-wal"}) {
      EXPECT_EQ(FileBytes(path).find(legacy.substr(6)), std::string::npos) << path;
    }
  }
  // Deliveries are signed with the secret the endpoint was given.
  StoreApi again(server.port(), key, api->store_id());
  ASSERT_EQ(again.PostOrder("Ada", "Mug").status, 201);
  ASSERT_TRUE(WaitUntil([&] { return !receiver_.Received("legacy").empty(); }));
  for (const auto& got : receiver_.Received("legacy")) EXPECT_TRUE(Verifies(got, legacy));
}

TEST_F(SecretsTest, AWrongSecretKeyFileStopsTheStartAndNamesTheFile) {
  auto first = std::make_unique<ServerProcess>(LoopbackHooks());
  auto api = NewStore(*first);
  CreateHook(*api, receiver_.Url("wrong-key"));
  ASSERT_EQ(first->Terminate(), 0);

  TempDir dir;
  const std::string other = dir.File("other-key");
  std::ofstream(other) << RandomHex(32) << "\n";
  const std::string malformed = dir.File("short-key");
  std::ofstream(malformed) << "abc\n";
  const std::string missing = dir.File("no-such-key");
  for (const std::string& file : {other, malformed, missing}) {
    ServerProcess::Options options;
    options.extra_args = {"--secret-key-file", file};
    if (ServerProcess::OnPostgres()) {
      options.db_url = first->db_arg();
    } else {
      options.db_path = first->db_path();
    }
    try {
      ServerProcess second(options);
      ADD_FAILURE() << "started with the key file " << file;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
}

TEST_F(SecretsTest, DatabaseFilesAndSecretFilesArePrivate) {
  if (ServerProcess::OnPostgres()) GTEST_SKIP() << "files at rest are SQLite's";
  TempDir dir;
  // A data directory as an older version (or a default umask) created it.
  const std::string data = dir.File("data");
  ASSERT_TRUE(std::filesystem::create_directory(data));
  ::chmod(data.c_str(), 0755);
  ServerProcess::Options options;
  options.db_path = data + "/orderflow.db";
  // No --admin-token: the server makes one and keeps it beside the database.
  options.extra_args = {"--admin-token="};
  ServerProcess server(options);
  const std::string token_file = data + "/admin-token";
  const std::string key_file = data + "/secret-key";
  std::string token;
  std::getline(std::ifstream(token_file), token);
  ASSERT_GE(token.size(), 16u);
  // A write, so that the WAL and shared memory files exist.
  StoreApi admin(server.port(), token, "");
  ASSERT_EQ(
      admin.Post("/api/stores", R"({"storeId":")" + UniqueStoreId("MODE") + R"(","name":"Modes"})")
          .status,
      201);

  EXPECT_EQ(Octal(Mode(data)), "700");
  for (const std::string& file : {options.db_path, options.db_path + "-wal",
                                  options.db_path + "-shm", token_file, key_file}) {
    ASSERT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_EQ(Octal(Mode(file)), "600") << file;
  }
  std::string key;
  std::getline(std::ifstream(key_file), key);
  EXPECT_EQ(key.size(), 64u);
  // Written atomically: no temporary file is left behind.
  for (const auto& entry : std::filesystem::directory_iterator(data)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }

  // The token is shown when it is made, and never again.
  const std::string link = "/#token=" + token;
  auto count = [](const std::string& text, const std::string& needle) {
    int n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count(server.Output(), link), 1) << server.Output();
  server.Restart();
  EXPECT_EQ(count(server.Output(), "listening on"), 2) << server.Output();
  EXPECT_EQ(count(server.Output(), token), 1) << server.Output();
  EXPECT_EQ(count(server.Output(), "admin token in " + token_file), 1) << server.Output();
  // The same token and key after the restart.
  std::string token_again;
  std::getline(std::ifstream(token_file), token_again);
  EXPECT_EQ(token_again, token);
  std::string key_again;
  std::getline(std::ifstream(key_file), key_again);
  EXPECT_EQ(key_again, key);
  EXPECT_EQ(StoreApi(server.port(), token, "").Get("/api/stores").status, 200);
}

TEST_F(SecretsTest, PostgresNeedsASecretKeyFile) {
  if (!ServerProcess::OnPostgres()) GTEST_SKIP() << "PostgreSQL only";
  ServerProcess::Options options;
  options.extra_args = {"--secret-key-file="};
  try {
    ServerProcess server(options);
    ADD_FAILURE() << "started on PostgreSQL without a secret key file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("--secret-key-file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace orderflow::testing
