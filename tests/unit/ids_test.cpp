// Server-made ids: time-ordered RFC 9562 version-7 UUIDs (common/ids.hpp).

#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

namespace orderflow {
namespace {

constexpr TimeMs kT = 1'893'456'000'123;  // 2030-01-01T00:00:00.123Z

// The 48-bit timestamp of a version-7 UUID.
TimeMs TimestampOf(const std::string& uuid) {
  std::string hex = uuid.substr(0, 8) + uuid.substr(9, 4);
  return static_cast<TimeMs>(std::stoull(hex, nullptr, 16));
}

TEST(Uuids, Version7HasTheVersionAndVariantBits) {
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewUuid(kT);
    ASSERT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '7') << id;                                          // version
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // variant 10xx
    EXPECT_EQ(id.find_first_of("ABCDEF"), std::string::npos) << id;        // lower case
  }
}

TEST(Uuids, TimestampPrefixIsTheGivenClockTime) {
  const std::string id = NewUuid(kT);
  EXPECT_EQ(TimestampOf(id), kT) << id;
  EXPECT_EQ(id.substr(0, 13), "01b8dac5-b47b") << id;  // kT = 0x01b8dac5b47b
  const std::string later = NewUuid(kT + 5);
  EXPECT_EQ(TimestampOf(later), kT + 5);
  // A clock stepping back by more than a second starts again at its time.
  const TimeMs earlier = kT - 86'400'000;
  EXPECT_EQ(TimestampOf(NewUuid(earlier)), earlier);
}

TEST(Uuids, SuccessiveIdsOfOneThreadSortInTheOrderMade) {
  // Far more ids in one millisecond than the counter holds: the counter
  // carries into the timestamp, which stays within a few ms of the clock.
  std::vector<std::string> ids;
  for (int i = 0; i < 20'000; ++i) ids.push_back(NewUuid(kT + 1000));
  for (std::size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
  }
  EXPECT_EQ(TimestampOf(ids.front()), kT + 1000);
  EXPECT_LE(TimestampOf(ids.back()), kT + 1000 + 10);
  // A clock that steps back a little keeps the order.
  const std::string next = NewUuid(kT + 1000 - 1);
  EXPECT_LT(ids.back(), next);
  // Milliseconds move the order on.
  EXPECT_LT(next, NewUuid(kT + 2000));
}

TEST(Uuids, IdsAreDistinctAcrossThreads) {
  std::vector<std::vector<std::string>> made(4);
  std::vector<std::thread> threads;
  for (auto& out : made) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 2000; ++i) out.push_back(NewUuid(kT));
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::string> all;
  for (const auto& out : made) all.insert(all.end(), out.begin(), out.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(Uuids, SystemClockOverloadIsVersion7Too) {
  const std::string id = NewUuid();
  EXPECT_TRUE(IsUuid(id));
  EXPECT_EQ(id[14], '7');
  EXPECT_GT(TimestampOf(id), kT - 10LL * 365 * 86'400'000);  // a current time, not zero
}

TEST(Uuids, IsUuidAcceptsClientsVersion4AndOurVersion7) {
  EXPECT_TRUE(IsUuid("f47ac10b-58cc-4372-a567-0e02b2c3d479"));  // v4
  EXPECT_TRUE(IsUuid("F47AC10B-58CC-4372-A567-0E02B2C3D479"));
  EXPECT_TRUE(IsUuid("01b8135b-9c7b-7abc-8def-0123456789ab"));  // v7
  EXPECT_TRUE(IsUuid(NewUuid(kT)));
  EXPECT_FALSE(IsUuid("01b8135b9c7b7abc8def0123456789ab"));
  EXPECT_FALSE(IsUuid("01b8135b-9c7b-7abc-8def-0123456789a"));
  EXPECT_FALSE(IsUuid("01b8135b-9c7b-7abc-8def-0123456789ag"));
}

}  // namespace
}  // namespace orderflow
