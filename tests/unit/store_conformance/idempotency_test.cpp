// Store conformance, idempotency role: idempotency-key claims and records,
// per store, on every back end (fixture.hpp).

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class IdempotencyConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(IdempotencyConformance, StoreFactories);

// --- idempotency -----------------------------------------------------------

TYPED_TEST(IdempotencyConformance, CompleteIdempotencyFillsInOnlyItsOwnClaim) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.PutIdempotency("A", "claim", IdempotencyRecord{"h", 0, "", kNow});
              }).ok());
  // A second claim of the key fails: the first one stands.
  EXPECT_EQ(
      WriteSync(s,
                [](WriteTx& tx) {
                  return tx.PutIdempotency("A", "claim", IdempotencyRecord{"h2", 0, "", kNow});
                })
          .code(),
      ErrorCode::kConflict);
  // Another request's answer does not fill it.
  EXPECT_EQ(
      WriteSync(
          s,
          [](WriteTx& tx) {
            return tx.CompleteIdempotency("A", "claim", IdempotencyRecord{"h2", 200, "x", kNow});
          })
          .code(),
      ErrorCode::kNotFound);
  ASSERT_TRUE(
      WriteSync(s, [](WriteTx& tx) {
        return tx.CompleteIdempotency("A", "claim", IdempotencyRecord{"h", 201, "body", kNow});
      }).ok());
  auto got = ReadValue(s, [](ReadTx& tx) { return tx.GetIdempotency("A", "claim"); });
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->status_code, 201);
  EXPECT_EQ((*got)->body, "body");
  // Completed once: a finished record is never overwritten.
  EXPECT_EQ(
      WriteSync(
          s,
          [](WriteTx& tx) {
            return tx.CompleteIdempotency("A", "claim", IdempotencyRecord{"h", 500, "x", kNow});
          })
          .code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(
      WriteSync(
          s,
          [](WriteTx& tx) {
            return tx.CompleteIdempotency("B", "claim", IdempotencyRecord{"h", 201, "x", kNow});
          })
          .code(),
      ErrorCode::kNotFound);
}

TYPED_TEST(IdempotencyConformance, IdempotencyRecordsRoundTripPerStore) {
  const IdempotencyRecord rec{Sha256Hex("body"), 201, R"({"orderId":"x","ok":true})", kNow};
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.PutIdempotency("A", "key-1", rec);
              }).ok());
  auto got = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetIdempotency("A", "key-1"); });
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->request_hash, rec.request_hash);
  EXPECT_EQ((*got)->status_code, 201);
  EXPECT_EQ((*got)->body, rec.body);
  EXPECT_EQ((*got)->created_at, kNow);

  for (const auto& probe : std::vector<std::pair<std::string, std::string>>{
           {"A", "key-2"}, {"A", "KEY-1"}, {"B", "key-1"}}) {
    const std::string& store_id = probe.first;
    const std::string& key = probe.second;
    auto missing =
        ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetIdempotency(store_id, key); });
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value()) << store_id << "/" << key;
  }
  // The same key is independent in another store.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.PutIdempotency("B", "key-1", IdempotencyRecord{"other", 200, "{}", kNow});
              }).ok());
  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetIdempotency("A", "key-1"); });
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->request_hash, rec.request_hash);
}

}  // namespace
}  // namespace orderflow::store::conformance
