// Store conformance, notifications role: listing, unread filter and counter,
// marking read, on every back end (fixture.hpp).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class NotificationsConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(NotificationsConformance, StoreFactories);

// --- notifications ---------------------------------------------------------

TYPED_TEST(NotificationsConformance, NotificationsListNewestFirstWithUnreadFilterAndPages) {
  for (int i = 0; i < 7; ++i) {
    Notification n = MakeNotification("A", "n" + std::to_string(i), kNow + i, i % 3 == 0);
    ASSERT_TRUE(
        WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertNotification(n); }).ok());
  }
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) {
                return tx.InsertNotification(MakeNotification("B", "b0", kNow));
              }).ok());

  NotificationPage all = this->Notifications(NF("A"));
  EXPECT_EQ(Titles(all.items),
            (std::vector<std::string>{"n6", "n5", "n4", "n3", "n2", "n1", "n0"}));
  EXPECT_FALSE(all.next_seq.has_value());
  ASSERT_FALSE(all.items.empty());
  const Notification& n5 = all.items[1];
  EXPECT_EQ(n5.store_id, "A");
  EXPECT_EQ(n5.type, NotificationType::kWarning);
  EXPECT_EQ(n5.message, "message for n5");
  EXPECT_EQ(n5.order_id, OrderId(1));
  EXPECT_EQ(n5.created_at, kNow + 5);
  EXPECT_FALSE(n5.read);
  EXPECT_TRUE(all.items[0].read);

  NotificationPage unread = this->Notifications(NF("A").UnreadOnly());
  EXPECT_EQ(Titles(unread.items), (std::vector<std::string>{"n5", "n4", "n2", "n1"}));
  EXPECT_EQ(this->Unread("A"), 4);

  NotificationPage p1 = this->Notifications(NF("A").Limit(3));
  ASSERT_TRUE(p1.next_seq.has_value());
  NotificationPage p2 = this->Notifications(NF("A").Before(*p1.next_seq).Limit(3));
  ASSERT_TRUE(p2.next_seq.has_value());
  NotificationPage p3 = this->Notifications(NF("A").Before(*p2.next_seq).Limit(3));
  EXPECT_EQ(Titles(p1.items), (std::vector<std::string>{"n6", "n5", "n4"}));
  EXPECT_EQ(Titles(p2.items), (std::vector<std::string>{"n3", "n2", "n1"}));
  EXPECT_EQ(Titles(p3.items), (std::vector<std::string>{"n0"}));
  EXPECT_FALSE(p3.next_seq.has_value());

  NotificationPage u1 = this->Notifications(NF("A").UnreadOnly().Limit(2));
  ASSERT_TRUE(u1.next_seq.has_value());
  NotificationPage u2 = this->Notifications(NF("A").UnreadOnly().Before(*u1.next_seq).Limit(2));
  EXPECT_EQ(Titles(u1.items), (std::vector<std::string>{"n5", "n4"}));
  EXPECT_EQ(Titles(u2.items), (std::vector<std::string>{"n2", "n1"}));
  EXPECT_FALSE(u2.next_seq.has_value());
}

TYPED_TEST(NotificationsConformance, MarkNotificationReadIsIdempotentAndKeepsTheCounter) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    Notification n = MakeNotification("A", "n" + std::to_string(i), kNow + i);
    ids.push_back(n.notification_id);
    ASSERT_TRUE(
        WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertNotification(n); }).ok());
  }
  Notification b = MakeNotification("B", "b", kNow);
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertNotification(b); }).ok());
  EXPECT_EQ(this->Unread("A"), 3);
  EXPECT_EQ(this->Unread("B"), 1);

  auto mark = [&](const std::string& store_id, const std::string& id) {
    return WriteSync(this->store(),
                     [&](WriteTx& tx) { return tx.MarkNotificationRead(store_id, id); });
  };
  ASSERT_TRUE(mark("A", ids[1]).ok());
  EXPECT_EQ(this->Unread("A"), 2);
  ASSERT_TRUE(mark("A", ids[1]).ok()) << "marking twice is not an error";
  EXPECT_EQ(this->Unread("A"), 2) << "marking twice must not decrement twice";
  EXPECT_EQ(Titles(this->Notifications(NF("A").UnreadOnly()).items),
            (std::vector<std::string>{"n2", "n0"}));

  Status foreign = mark("A", b.notification_id);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.code(), ErrorCode::kNotFound);
  EXPECT_EQ(mark("B", ids[0]).code(), ErrorCode::kNotFound);
  EXPECT_EQ(mark("A", NewUuid()).code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->Unread("B"), 1);
  EXPECT_FALSE(this->Notifications(NF("B")).items[0].read);
  EXPECT_EQ(this->Unread("A"), 2);
}

TYPED_TEST(NotificationsConformance, MarkAllNotificationsReadCountsAndResetsOneStore) {
  for (int i = 0; i < 4; ++i) {
    Notification n = MakeNotification("A", "n" + std::to_string(i), kNow + i, i == 0);
    ASSERT_TRUE(
        WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertNotification(n); }).ok());
  }
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) {
                return tx.InsertNotification(MakeNotification("B", "b", kNow));
              }).ok());
  EXPECT_EQ(this->Unread("A"), 3);

  auto marked =
      WriteValue(this->store(), [](WriteTx& tx) { return tx.MarkAllNotificationsRead("A"); });
  ASSERT_TRUE(marked.ok());
  EXPECT_EQ(*marked, 3);
  EXPECT_EQ(this->Unread("A"), 0);
  EXPECT_TRUE(this->Notifications(NF("A").UnreadOnly()).items.empty());
  EXPECT_EQ(this->Notifications(NF("A")).items.size(), 4u);
  EXPECT_EQ(this->Unread("B"), 1);

  auto again =
      WriteValue(this->store(), [](WriteTx& tx) { return tx.MarkAllNotificationsRead("A"); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(this->Unread("A"), 0);

  // New alerts count again from zero.
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) {
                return tx.InsertNotification(MakeNotification("A", "n9", kNow + 9));
              }).ok());
  EXPECT_EQ(this->Unread("A"), 1);
}

}  // namespace
}  // namespace orderflow::store::conformance
