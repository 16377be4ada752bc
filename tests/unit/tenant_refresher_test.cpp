// tenancy::TenantRefresher on a real SQLite database: stores changed in the
// database behind the directory's back (another instance, the CLI) reach the
// directory by a reload, and the periodic loop does it by itself.

#include "tenancy/tenant_refresher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "app/thread_pool.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"
#include "tenancy/store_admin.hpp"

namespace orderflow::tenancy {
namespace {

using namespace std::chrono_literals;

class TenantRefresherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteConfig config;
    config.path = dir_.File("refresh.db");
    config.exclusive = false;
    auto opened = store::SqliteStore::Open(config);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(opened).value();
    refresher_ = std::make_unique<TenantRefresher>(*store_, tenants_, pool_, 20ms);
    key_a_ = Create("A");
    auto loaded = refresher_->ReloadNow();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->added, 1);
    ASSERT_TRUE(Works(key_a_));
  }

  // Written to the database only, as another instance or the CLI would.
  std::string Create(const std::string& id) {
    NewStore spec;
    spec.store_id = id;
    spec.name = "Store " + id;
    auto issued = CreateStore(*store_, spec, clock_);
    EXPECT_TRUE(issued.ok()) << issued.error().message;
    return issued.ok() ? issued->api_key : "";
  }
  std::string Rotate(const std::string& id) {
    auto issued = RotateKey(*store_, id);
    EXPECT_TRUE(issued.ok()) << issued.error().message;
    return issued.ok() ? issued->api_key : "";
  }
  bool Works(const std::string& key) {
    return tenants_.Authenticate("Bearer " + key, "", false).ok();
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
  TenantDirectory tenants_{"admin-token-0123456789", true, clock_};
  app::ThreadPool pool_{2};
  std::unique_ptr<TenantRefresher> refresher_;  // before pool_ and store_ go
  std::string key_a_;
};

TEST_F(TenantRefresherTest, ReloadAppliesRotatedKeysNewStoresAndRateLimits) {
  const std::string new_key_a = Rotate("A");
  const std::string key_b = Create("B");
  ASSERT_TRUE(SetRateLimit(*store_, "A", {5.0, 7.0}).ok());
  EXPECT_TRUE(Works(key_a_)) << "nothing changes before a reload";
  EXPECT_FALSE(Works(key_b));

  auto r = refresher_->ReloadNow();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->stores, 2);
  EXPECT_EQ(r->added, 1);
  EXPECT_EQ(r->changed, 1);
  EXPECT_FALSE(Works(key_a_)) << "the old key must stop working";
  EXPECT_TRUE(Works(new_key_a));
  EXPECT_TRUE(Works(key_b));
  ASSERT_TRUE(tenants_.Get("A").has_value());
  EXPECT_EQ(tenants_.Get("A")->rate_limit, 5.0);
  EXPECT_EQ(tenants_.Get("A")->burst, 7.0);

  r = refresher_->ReloadNow();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->added + r->changed + r->removed, 0) << "an unchanged table changes nothing";
}

TEST_F(TenantRefresherTest, RunReloadsEveryPeriodUntilStopped) {
  std::thread timer([this] { refresher_->Run(); });
  const std::string new_key_a = Rotate("A");
  const std::string key_b = Create("B");
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while ((Works(key_a_) || !Works(key_b)) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_FALSE(Works(key_a_));
  EXPECT_TRUE(Works(new_key_a));
  EXPECT_TRUE(Works(key_b));

  refresher_->Stop();
  timer.join();  // Run() returned
  const std::string later_key = Rotate("A");
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(Works(new_key_a)) << "no reload after Stop()";
  EXPECT_FALSE(Works(later_key));
}

TEST_F(TenantRefresherTest, StopBeforeRunMakesRunReturnAtOnce) {
  refresher_->Stop();
  const auto started = std::chrono::steady_clock::now();
  refresher_->Run();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

}  // namespace
}  // namespace orderflow::tenancy
