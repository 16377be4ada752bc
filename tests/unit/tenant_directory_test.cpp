// Authentication, tenancy and rate limiting of tenancy::TenantDirectory (SPEC §7, §12).

#include "tenancy/tenant_directory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "common/ids.hpp"
#include "support/fake_clock.hpp"

namespace orderflow::tenancy {
namespace {

using orderflow::testing::FakeClock;

constexpr char kAdminToken[] = "admin-secret-token";
const std::string kKeyX = "ofk_X_0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string kKeyY = "ofk_Y_fedcba9876543210fedcba9876543210fedcba9876543210";

domain::StoreInfo Store(const std::string& id, const std::string& key, double rate = 200,
                        double burst = 400) {
  domain::StoreInfo s;
  s.store_id = id;
  s.name = "Store " + id;
  s.api_key_hash = key.empty() ? std::string() : Sha256Hex(key);
  s.rate_limit = rate;
  s.burst = burst;
  return s;
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

class TenantDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Upsert(Store("X", kKeyX));
    dir_.Upsert(Store("Y", kKeyY));
  }
  FakeClock clock_;
  TenantDirectory dir_{kAdminToken, true, clock_};
};

// --- authentication ------------------------------------------------------

TEST_F(TenantDirectoryTest, AdminTokenActsOnAnyStore) {
  for (const char* store : {"X", "Y"}) {
    auto p = dir_.Authenticate(Bearer(kAdminToken), store, true);
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_TRUE(p->admin);
    EXPECT_EQ(p->store_id, store);
  }
}

TEST_F(TenantDirectoryTest, AdminWithoutStoreHeaderIsAllowedOnlyWhereNoStoreIsNeeded) {
  auto p = dir_.Authenticate(Bearer(kAdminToken), "", false);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->admin);
  EXPECT_EQ(p->store_id, "");

  auto q = dir_.Authenticate(Bearer(kAdminToken), "", true);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.code(), ErrorCode::kValidation);
  EXPECT_EQ(q.error().field, "X-Store-ID");
}

TEST_F(TenantDirectoryTest, AdminOnUnknownStoreIsNotFound) {
  auto p = dir_.Authenticate(Bearer(kAdminToken), "NOPE", true);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.code(), ErrorCode::kNotFound);
  EXPECT_EQ(dir_.Authenticate(Bearer(kAdminToken), "x", false).code(), ErrorCode::kNotFound)
      << "store ids are case-sensitive";
}

TEST_F(TenantDirectoryTest, StoreKeyResolvesItsOwnStore) {
  for (const char* header : {"X", ""}) {
    auto p = dir_.Authenticate(Bearer(kKeyX), header, true);
    ASSERT_TRUE(p.ok()) << header << ": " << p.error().message;
    EXPECT_FALSE(p->admin);
    EXPECT_EQ(p->store_id, "X");
  }
  auto y = dir_.Authenticate(Bearer(kKeyY), "Y", true);
  ASSERT_TRUE(y.ok());
  EXPECT_EQ(y->store_id, "Y");
  EXPECT_FALSE(y->admin);
}

TEST_F(TenantDirectoryTest, BearerSchemeIsCaseInsensitive) {
  auto p = dir_.Authenticate("bearer " + kKeyX, "X", true);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->store_id, "X");
  EXPECT_TRUE(dir_.Authenticate("BEARER " + kKeyX, "X", true).ok());
}

TEST_F(TenantDirectoryTest, StoreKeyForAnotherStoreIsForbidden) {
  auto p = dir_.Authenticate(Bearer(kKeyX), "Y", true);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.code(), ErrorCode::kForbidden);
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyY), "X", false).code(), ErrorCode::kForbidden);
  // A key never reveals whether some other store id exists.
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyX), "NOPE", true).code(), ErrorCode::kForbidden);
}

TEST_F(TenantDirectoryTest, MissingMalformedOrWrongCredentialsAreUnauthorized) {
  const std::string wrong = kKeyX.substr(0, kKeyX.size() - 1) + "0";
  for (const std::string& auth :
       {std::string(), std::string("Bearer"), std::string("Bearer "), std::string("Bearer  "),
        kKeyX, "Basic " + kKeyX, "Token " + kKeyX, "Bearer" + kKeyX, Bearer(wrong),
        Bearer(kKeyX + "0"), Bearer(kKeyX.substr(1)), Bearer(std::string(kAdminToken) + "x"),
        Bearer(Sha256Hex(kKeyX))}) {
    for (const char* store : {"X", ""}) {
      auto p = dir_.Authenticate(auth, store, false);
      ASSERT_FALSE(p.ok()) << "accepted '" << auth << "'";
      EXPECT_EQ(p.code(), ErrorCode::kUnauthorized) << auth;
    }
  }
}

TEST(TenantDirectory, EmptyAdminTokenGrantsNoAdminAccess) {
  FakeClock clock;
  TenantDirectory dir("", true, clock);
  dir.Upsert(Store("X", kKeyX));
  EXPECT_EQ(dir.Authenticate("Bearer ", "X", true).code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(dir.Authenticate("Bearer x", "X", true).code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(dir.Authenticate(Bearer(Sha256Hex("")), "X", true).code(), ErrorCode::kUnauthorized);
  auto p = dir.Authenticate(Bearer(kKeyX), "X", true);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->admin);
}

TEST(TenantDirectory, AuthOffTrustsEveryCallerButStillChecksTheStore) {
  FakeClock clock;
  TenantDirectory dir("", false, clock);
  dir.Upsert(Store("X", kKeyX));
  EXPECT_FALSE(dir.auth_enabled());
  for (const std::string& auth : {std::string(), std::string("Bearer nonsense"), Bearer(kKeyX)}) {
    auto p = dir.Authenticate(auth, "X", true);
    ASSERT_TRUE(p.ok()) << auth << ": " << p.error().message;
    EXPECT_EQ(p->store_id, "X");
  }
  auto missing = dir.Authenticate("", "", true);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.code(), ErrorCode::kValidation);
  EXPECT_EQ(missing.error().field, "X-Store-ID");
  EXPECT_TRUE(dir.Authenticate("", "", false).ok());
  EXPECT_EQ(dir.Authenticate("", "NOPE", true).code(), ErrorCode::kNotFound);
}

TEST_F(TenantDirectoryTest, AuthEnabledIsReported) { EXPECT_TRUE(dir_.auth_enabled()); }

// --- store registry ------------------------------------------------------

TEST_F(TenantDirectoryTest, UpsertAddsAndReplacesStores) {
  EXPECT_FALSE(dir_.Get("Z").has_value());
  dir_.Upsert(Store("Z", ""));
  ASSERT_TRUE(dir_.Get("Z").has_value());
  EXPECT_EQ(dir_.Get("Z")->name, "Store Z");

  domain::StoreInfo renamed = Store("X", kKeyX);
  renamed.name = "Motia Prime";
  renamed.color = "#e11d48";
  dir_.Upsert(renamed);
  ASSERT_TRUE(dir_.Get("X").has_value());
  EXPECT_EQ(dir_.Get("X")->name, "Motia Prime");
  EXPECT_EQ(dir_.Get("X")->color, "#e11d48");

  auto all = dir_.List();
  std::set<std::string> ids;
  for (const auto& s : all) ids.insert(s.store_id);
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(ids, (std::set<std::string>{"X", "Y", "Z"}));
  // Re-upserting with the same key keeps the key valid.
  EXPECT_TRUE(dir_.Authenticate(Bearer(kKeyX), "X", true).ok());
}

TEST_F(TenantDirectoryTest, KeyRotationInvalidatesTheOldKey) {
  const std::string new_key = TenantDirectory::NewApiKey("X");
  dir_.Upsert(Store("X", new_key));
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyX), "X", true).code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyX), "", false).code(), ErrorCode::kUnauthorized);
  auto p = dir_.Authenticate(Bearer(new_key), "X", true);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->store_id, "X");
  // The other store is unaffected.
  EXPECT_TRUE(dir_.Authenticate(Bearer(kKeyY), "Y", true).ok());
}

TEST_F(TenantDirectoryTest, StoreWithoutKeyCannotBeUsedWithAStoreKey) {
  dir_.Upsert(Store("Z", ""));
  EXPECT_EQ(dir_.Authenticate("Bearer ", "Z", true).code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(dir_.Authenticate(Bearer(kAdminToken), "Z", true).ok());
}

TEST(TenantDirectory, NewApiKeysAreRandomAndNameTheStore) {
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    std::string k = TenantDirectory::NewApiKey("Y");
    ASSERT_EQ(k.rfind("ofk_Y_", 0), 0u) << k;
    std::string hex = k.substr(6);
    EXPECT_GE(hex.size(), 32u);
    EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos) << k;
    keys.insert(k);
  }
  EXPECT_EQ(keys.size(), 50u);
}

// --- rate limiting -------------------------------------------------------

Principal StorePrincipal(const std::string& id) { return Principal{false, id}; }

TEST(TenantDirectoryRateLimit, BurstThenRateLimitedWithRetryAfter) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/10, /*burst=*/5));
  int retry = -1;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok()) << "request " << i << " of the burst";
  }
  Status s = dir.Admit(StorePrincipal("X"), retry);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kRateLimited);
  EXPECT_EQ(retry, 1);
  // Still limited while time does not move.
  EXPECT_EQ(dir.Admit(StorePrincipal("X"), retry).code(), ErrorCode::kRateLimited);
}

TEST(TenantDirectoryRateLimit, TokensRefillAtTheConfiguredRate) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/10, /*burst=*/5));
  int retry = 0;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());

  clock.Advance(50);  // half a token
  EXPECT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
  clock.Advance(50);  // one token
  EXPECT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  EXPECT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());

  clock.Advance(300);  // 3 tokens
  int admitted = 0;
  while (dir.Admit(StorePrincipal("X"), retry).ok()) ++admitted;
  EXPECT_EQ(admitted, 3);
}

TEST(TenantDirectoryRateLimit, RefillIsCappedAtTheBurst) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/10, /*burst=*/5));
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  clock.Advance(3'600'000);
  int admitted = 0;
  while (dir.Admit(StorePrincipal("X"), retry).ok() && admitted < 1000) ++admitted;
  EXPECT_EQ(admitted, 5);
}

TEST(TenantDirectoryRateLimit, RetryAfterCoversASlowRate) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/0.25, /*burst=*/1));  // one request per 4 s
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_EQ(dir.Admit(StorePrincipal("X"), retry).code(), ErrorCode::kRateLimited);
  EXPECT_EQ(retry, 4);
  clock.Advance(1000);
  ASSERT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
  EXPECT_EQ(retry, 3);
  clock.Advance(2500);  // 0.875 tokens
  EXPECT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
  EXPECT_EQ(retry, 1);
  clock.Advance(500);
  EXPECT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
}

TEST(TenantDirectoryRateLimit, WaitingRetryAfterSecondsIsAlwaysEnough) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/0.7, /*burst=*/3));
  int retry = 0;
  int limited = 0;
  for (int i = 0; i < 200; ++i) {
    if (dir.Admit(StorePrincipal("X"), retry).ok()) {
      clock.Advance(37 * (i % 5));
      continue;
    }
    ++limited;
    ASSERT_GE(retry, 1);
    clock.Advance(static_cast<TimeMs>(retry) * 1000);
    ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok()) << "still limited after Retry-After";
  }
  EXPECT_GT(limited, 0);
}

TEST(TenantDirectoryRateLimit, AdminIsExempt) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/1, /*burst=*/1));
  auto admin = dir.Authenticate(Bearer(kAdminToken), "X", true);
  ASSERT_TRUE(admin.ok());
  int retry = 0;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(dir.Admit(*admin, retry).ok()) << i;
  // ...and admin traffic does not use up the store's own budget.
  EXPECT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  EXPECT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
}

TEST(TenantDirectoryRateLimit, StoresHaveIndependentBuckets) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/1, /*burst=*/2));
  dir.Upsert(Store("Y", kKeyY, /*rate=*/1, /*burst=*/2));
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
  EXPECT_TRUE(dir.Admit(StorePrincipal("Y"), retry).ok());
  EXPECT_TRUE(dir.Admit(StorePrincipal("Y"), retry).ok());
  EXPECT_FALSE(dir.Admit(StorePrincipal("Y"), retry).ok());
}

TEST(TenantDirectoryRateLimit, PrincipalFromAStoreKeyIsLimited) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/1, /*burst=*/1));
  auto p = dir.Authenticate(Bearer(kKeyX), "X", true);
  ASSERT_TRUE(p.ok());
  int retry = 0;
  EXPECT_TRUE(dir.Admit(*p, retry).ok());
  EXPECT_EQ(dir.Admit(*p, retry).code(), ErrorCode::kRateLimited);
}

TEST(TenantDirectoryRateLimit, NewLimitsApplyAfterUpsert) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/1, /*burst=*/1));
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
  dir.Upsert(Store("X", kKeyX, /*rate=*/100, /*burst=*/100));
  clock.Advance(100);  // 10 tokens at the new rate
  int admitted = 0;
  while (dir.Admit(StorePrincipal("X"), retry).ok() && admitted < 1000) ++admitted;
  EXPECT_EQ(admitted, 10);
}

// PATCH /api/stores/:id lowers a limit with Upsert: the bucket shrinks to the
// new burst at once instead of spending what the old one had saved up.
TEST(TenantDirectoryRateLimit, LoweredLimitsApplyAtOnceAndZeroIsUnlimited) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/100, /*burst=*/100));
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  dir.Upsert(Store("X", kKeyX, /*rate=*/0.5, /*burst=*/2));
  EXPECT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  EXPECT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  Status limited = dir.Admit(StorePrincipal("X"), retry);
  ASSERT_EQ(limited.code(), ErrorCode::kRateLimited);
  EXPECT_EQ(retry, 2);
  EXPECT_NE(limited.error().message.find("0.5 requests/s"), std::string::npos)
      << limited.error().message;

  dir.Upsert(Store("X", kKeyX, /*rate=*/0, /*burst=*/0));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok()) << i;
}

// --- Replace: a full reload of the stores table --------------------------

TEST_F(TenantDirectoryTest, ReplaceRotatesKeysAddsAndRemovesStoresAtOnce) {
  const std::string new_key_x = TenantDirectory::NewApiKey("X");
  const std::string key_z = TenantDirectory::NewApiKey("Z");
  const std::uint64_t read_started = dir_.LocalVersion();
  // As read from the database: X's key rotated elsewhere, Y deleted, Z new.
  auto r = dir_.Replace({Store("X", new_key_x), Store("Z", key_z)}, read_started);
  EXPECT_EQ(r.stores, 2);
  EXPECT_EQ(r.added, 1);
  EXPECT_EQ(r.changed, 1);
  EXPECT_EQ(r.removed, 1);

  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyX), "X", true).code(), ErrorCode::kUnauthorized)
      << "the rotated-away key must stop working";
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyX), "", false).code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(dir_.Authenticate(Bearer(new_key_x), "X", true).ok());
  auto z = dir_.Authenticate(Bearer(key_z), "", false);
  ASSERT_TRUE(z.ok()) << z.error().message;
  EXPECT_EQ(z->store_id, "Z");
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyY), "Y", true).code(), ErrorCode::kUnauthorized);
  EXPECT_FALSE(dir_.Get("Y").has_value());
  EXPECT_EQ(dir_.Authenticate(Bearer(kAdminToken), "Y", true).code(), ErrorCode::kNotFound);
}

TEST_F(TenantDirectoryTest, ReplaceWithTheSameStoresChangesNothing) {
  auto r = dir_.Replace({Store("Y", kKeyY), Store("X", kKeyX)}, dir_.LocalVersion());
  EXPECT_EQ(r.stores, 2);
  EXPECT_EQ(r.added + r.changed + r.removed, 0);
  EXPECT_TRUE(dir_.Authenticate(Bearer(kKeyX), "X", true).ok());
  EXPECT_TRUE(dir_.Authenticate(Bearer(kKeyY), "Y", true).ok());
}

// A key rotated through this instance after the reload's read began must not
// be undone by that older read: the old key stays rejected.
TEST_F(TenantDirectoryTest, ReplaceKeepsStoresUpsertedAfterTheReadStarted) {
  const std::uint64_t read_started = dir_.LocalVersion();
  const std::string new_key_x = TenantDirectory::NewApiKey("X");
  dir_.Upsert(Store("X", new_key_x));  // the rotate-key handler, during the read
  const std::string key_w = TenantDirectory::NewApiKey("W");
  dir_.Upsert(Store("W", key_w));  // POST /api/stores, during the read
  auto r = dir_.Replace({Store("X", kKeyX), Store("Y", kKeyY)}, read_started);
  EXPECT_EQ(r.stores, 3);
  EXPECT_EQ(r.added + r.changed + r.removed, 0);
  EXPECT_EQ(dir_.Authenticate(Bearer(kKeyX), "X", true).code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(dir_.Authenticate(Bearer(new_key_x), "X", true).ok());
  EXPECT_TRUE(dir_.Authenticate(Bearer(key_w), "W", true).ok());

  // The next reload sees the database with both writes and takes it as is.
  const std::string newer_key_x = TenantDirectory::NewApiKey("X");
  r = dir_.Replace({Store("X", newer_key_x), Store("Y", kKeyY), Store("W", key_w)},
                   dir_.LocalVersion());
  EXPECT_EQ(r.changed, 1);
  EXPECT_EQ(dir_.Authenticate(Bearer(new_key_x), "X", true).code(), ErrorCode::kUnauthorized);
  EXPECT_TRUE(dir_.Authenticate(Bearer(newer_key_x), "X", true).ok());
}

TEST(TenantDirectoryRateLimit, ReplaceKeepsBucketsOfStoresThatStay) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/1, /*burst=*/2));
  dir.Upsert(Store("Y", kKeyY, /*rate=*/1, /*burst=*/2));
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_EQ(dir.Admit(StorePrincipal("X"), retry).code(), ErrorCode::kRateLimited);

  // An unchanged reload does not refill an emptied bucket.
  dir.Replace({Store("X", kKeyX, 1, 2), Store("Y", kKeyY, 1, 2)}, dir.LocalVersion());
  EXPECT_EQ(dir.Admit(StorePrincipal("X"), retry).code(), ErrorCode::kRateLimited);
  EXPECT_TRUE(dir.Admit(StorePrincipal("Y"), retry).ok());

  // A limit raised elsewhere applies at once; a lowered one caps the bucket.
  dir.Replace({Store("X", kKeyX, 0, 0), Store("Y", kKeyY, 0.5, 1)}, dir.LocalVersion());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok()) << i;
  EXPECT_TRUE(dir.Admit(StorePrincipal("Y"), retry).ok());
  EXPECT_EQ(dir.Admit(StorePrincipal("Y"), retry).code(), ErrorCode::kRateLimited);
  EXPECT_EQ(retry, 2);
}

TEST(TenantDirectoryRateLimit, StoreRemovedAndAddedAgainStartsWithAFullBucket) {
  FakeClock clock;
  TenantDirectory dir(kAdminToken, true, clock);
  dir.Upsert(Store("X", kKeyX, /*rate=*/1, /*burst=*/1));
  int retry = 0;
  ASSERT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
  ASSERT_FALSE(dir.Admit(StorePrincipal("X"), retry).ok());
  dir.Replace({}, dir.LocalVersion());
  dir.Replace({Store("X", kKeyX, 1, 1)}, dir.LocalVersion());
  EXPECT_TRUE(dir.Admit(StorePrincipal("X"), retry).ok());
}

}  // namespace
}  // namespace orderflow::tenancy
