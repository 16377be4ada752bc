// Store conformance, orders role, listing: pages newest first, the cursor,
// and every list filter (status, payment, fulfillment, customer, time range,
// search), on every back end (fixture.hpp). Orders themselves: orders_test.cpp.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class OrderListConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(OrderListConformance, StoreFactories);

// --- listing orders --------------------------------------------------------

TYPED_TEST(OrderListConformance, ListOrdersPagesNewestFirstWithoutDuplicates) {
  for (int i = 1; i <= 120; ++i) this->AddOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i));
  for (int i = 1; i <= 5; ++i) this->AddOrder(MakeOrder("B", OrderId(1000 + i), "Ada", kNow + i));

  OrderFilter f = OF("A").Limit(50);
  std::vector<std::size_t> sizes;
  std::vector<std::string> seen;
  std::int64_t last_seq = std::numeric_limits<std::int64_t>::max();
  for (int pages = 0; pages < 10; ++pages) {
    OrderPage page = this->List(f);
    sizes.push_back(page.items.size());
    for (const auto& o : page.items) {
      EXPECT_LT(o.seq, last_seq) << "not newest first";
      last_seq = o.seq;
      EXPECT_EQ(o.store_id, "A");
      seen.push_back(o.order_id);
    }
    if (!page.next_seq) break;
    f.before_seq = *page.next_seq;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{50, 50, 20}));
  ASSERT_EQ(seen.size(), 120u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 120u);
  EXPECT_EQ(seen.front(), OrderId(120));
  EXPECT_EQ(seen.back(), OrderId(1));
}

TYPED_TEST(OrderListConformance, ListOrdersCursorIsAbsentAfterAnExactlyFullLastPage) {
  for (int i = 1; i <= 100; ++i) this->AddOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i));
  OrderPage first = this->List(OF("A").Limit(50));
  ASSERT_EQ(first.items.size(), 50u);
  ASSERT_TRUE(first.next_seq.has_value());
  OrderPage second = this->List(OF("A").Before(*first.next_seq).Limit(50));
  EXPECT_EQ(second.items.size(), 50u);
  EXPECT_FALSE(second.next_seq.has_value());

  OrderPage one = this->List(OF("A").Limit(1));
  ASSERT_EQ(one.items.size(), 1u);
  EXPECT_EQ(one.items[0].order_id, OrderId(100));
  ASSERT_TRUE(one.next_seq.has_value());
  OrderPage next = this->List(OF("A").Before(*one.next_seq).Limit(1));
  ASSERT_EQ(next.items.size(), 1u);
  EXPECT_EQ(next.items[0].order_id, OrderId(99));

  EXPECT_TRUE(this->List(OF("B")).items.empty());
  EXPECT_FALSE(this->List(OF("B")).next_seq.has_value());
}

TYPED_TEST(OrderListConformance, ListOrdersFiltersByStatusPaymentAndFulfillment) {
  // 0: pending/pending/unfulfilled, 1: paid/paid/reserved, 2: failed/failed/released,
  // 3: shipped/paid/shipped, repeated.
  for (int i = 0; i < 40; ++i) {
    Order o = MakeOrder("A", OrderId(i), "Ada", kNow + i);
    switch (i % 4) {
      case 1:
        o.status = OrderStatus::kPaid;
        o.payment_status = "paid";
        o.fulfillment_status = "reserved";
        break;
      case 2:
        o.status = OrderStatus::kFailed;
        o.payment_status = "failed";
        o.fulfillment_status = "released";
        break;
      case 3:
        o.status = OrderStatus::kShipped;
        o.payment_status = "paid";
        o.fulfillment_status = "shipped";
        break;
    }
    this->AddOrder(o);
    // Store B holds matching orders for every filter; none may leak into A.
    Order b = o;
    b.store_id = "B";
    b.order_id = OrderId(500 + i);
    this->AddOrder(b);
  }
  auto expect = [](std::function<bool(int)> pred) {
    std::vector<std::string> out;
    for (int i = 39; i >= 0; --i) {
      if (pred(i)) out.push_back(OrderId(i));
    }
    return out;
  };
  EXPECT_EQ(this->ListAll(OF("A").Status(OrderStatus::kPaid).Limit(3)),
            expect([](int i) { return i % 4 == 1; }));
  EXPECT_EQ(this->ListAll(OF("A").Status(OrderStatus::kPending).Limit(4)),
            expect([](int i) { return i % 4 == 0; }));
  EXPECT_TRUE(this->ListAll(OF("A").Status(OrderStatus::kDelivered)).empty());
  EXPECT_EQ(this->ListAll(OF("A").Payment("paid").Limit(7)),
            expect([](int i) { return i % 4 == 1 || i % 4 == 3; }));
  EXPECT_EQ(this->ListAll(OF("A").Payment("failed")), expect([](int i) { return i % 4 == 2; }));
  EXPECT_EQ(this->ListAll(OF("A").Fulfillment("shipped").Limit(2)),
            expect([](int i) { return i % 4 == 3; }));
  EXPECT_EQ(
      this->ListAll(OF("A").Status(OrderStatus::kShipped).Payment("paid").Fulfillment("shipped")),
      expect([](int i) { return i % 4 == 3; }));
  EXPECT_TRUE(this->ListAll(OF("A").Status(OrderStatus::kPaid).Fulfillment("shipped")).empty());
  EXPECT_EQ(this->ListAll(OF("A").Limit(500)).size(), 40u);
}

TYPED_TEST(OrderListConformance, ListOrdersCustomerFilterIsExactAndCaseInsensitiveOnNames) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Alice Smith", kNow + 1));
  this->AddOrder(MakeOrder("A", OrderId(2), "alice smith", kNow + 2));
  this->AddOrder(MakeOrder("A", OrderId(3), "Alice Smithson", kNow + 3));
  this->AddOrder(MakeOrder("A", OrderId(4), "Bob", kNow + 4));
  this->AddOrder(MakeOrder("B", OrderId(5), "Alice Smith", kNow + 5));
  const std::vector<std::string> alice = {OrderId(2), OrderId(1)};
  for (const char* name : {"Alice Smith", "alice smith", "ALICE SMITH", "aLiCe sMiTh"}) {
    EXPECT_EQ(this->ListAll(OF("A").Customer(name)), alice) << name;
  }
  EXPECT_TRUE(this->ListAll(OF("A").Customer("Alice")).empty());
  EXPECT_TRUE(this->ListAll(OF("A").Customer("Smith")).empty());
  EXPECT_EQ(this->ListAll(OF("A").Customer("bob")), std::vector<std::string>{OrderId(4)});
}

TYPED_TEST(OrderListConformance, ListOrdersCustomerFilterMatchesTheEmail) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Alice Smith", kNow + 1));  // alicesmith@example.com
  this->AddOrder(MakeOrder("A", OrderId(2), "Bob", kNow + 2));
  this->AddOrder(MakeOrder("B", OrderId(3), "Alice Smith", kNow + 3));
  EXPECT_EQ(this->ListAll(OF("A").Customer("alicesmith@example.com")),
            std::vector<std::string>{OrderId(1)});
  EXPECT_TRUE(this->ListAll(OF("A").Customer("alice@example.com")).empty());
  EXPECT_TRUE(this->ListAll(OF("A").Customer("example.com")).empty());
}

// The customer filter ignores case for names; an e-mail address is no more
// case-sensitive to the people who type it into the dashboard.
TYPED_TEST(OrderListConformance, ListOrdersCustomerFilterIgnoresTheCaseOfAnEmail) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Alice Smith", kNow + 1));  // alicesmith@example.com
  this->AddOrder(MakeOrder("A", OrderId(2), "Bob", kNow + 2));
  for (const char* email : {"AliceSmith@example.com", "ALICESMITH@EXAMPLE.COM"}) {
    EXPECT_EQ(this->ListAll(OF("A").Customer(email)), std::vector<std::string>{OrderId(1)})
        << email;
  }
}

TYPED_TEST(OrderListConformance, ListOrdersTimeRangeIsFromInclusiveToExclusive) {
  for (int i = 0; i < 10; ++i) this->AddOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i * kHour));
  this->AddOrder(MakeOrder("B", OrderId(99), "Ada", kNow + 3 * kHour));
  EXPECT_EQ(this->ListAll(OF("A").From(kNow + 3 * kHour).To(kNow + 6 * kHour)),
            (std::vector<std::string>{OrderId(5), OrderId(4), OrderId(3)}));
  EXPECT_EQ(this->ListAll(OF("A").From(kNow + 8 * kHour)),
            (std::vector<std::string>{OrderId(9), OrderId(8)}));
  EXPECT_EQ(this->ListAll(OF("A").To(kNow + 1)), (std::vector<std::string>{OrderId(0)}));
  EXPECT_EQ(this->ListAll(OF("A").From(kNow + 3 * kHour + 1).To(kNow + 4 * kHour + 1)),
            (std::vector<std::string>{OrderId(4)}));
  EXPECT_TRUE(this->ListAll(OF("A").From(kNow + 5 * kHour).To(kNow + 5 * kHour)).empty());
  EXPECT_EQ(this->ListAll(OF("A").From(kNow).Limit(3)).size(), 10u);
}

TYPED_TEST(OrderListConformance, ListOrdersQueryMatchesOrderIdPrefixOrCustomerSubstring) {
  this->AddOrder(MakeOrder("A", "abcdef01-1111-4111-8111-111111111111", "Zed", kNow + 1));
  this->AddOrder(MakeOrder("A", "12345678-abcd-4111-8111-111111111111", "Yan", kNow + 2));
  this->AddOrder(MakeOrder("A", "99999999-1111-4111-8111-111111111111", "Grace Hopper", kNow + 3));
  this->AddOrder(MakeOrder("A", "88888888-1111-4111-8111-111111111111", "Ada abcdef", kNow + 4));
  this->AddOrder(MakeOrder("B", "abcdef02-1111-4111-8111-111111111111", "Grace Hopper", kNow + 5));

  EXPECT_EQ(this->ListAll(OF("A").Q("abcdef")),
            (std::vector<std::string>{"88888888-1111-4111-8111-111111111111",
                                      "abcdef01-1111-4111-8111-111111111111"}));
  // The order id prefix is matched whatever the case of the query.
  EXPECT_EQ(this->ListAll(OF("A").Q("ABCDEF01")),
            std::vector<std::string>{"abcdef01-1111-4111-8111-111111111111"});
  EXPECT_EQ(this->ListAll(OF("A").Q("abcdef01-1111-4111-8111-111111111111")),
            std::vector<std::string>{"abcdef01-1111-4111-8111-111111111111"});
  // An infix of an order id is not a prefix.
  EXPECT_TRUE(this->ListAll(OF("A").Q("abcd-4111")).empty());
  EXPECT_TRUE(this->ListAll(OF("A").Q("5678")).empty());
  // Customer names match anywhere, case-insensitively.
  for (const char* q : {"Hopper", "hopper", "ace Ho", "GRACE"}) {
    EXPECT_EQ(this->ListAll(OF("A").Q(q)),
              std::vector<std::string>{"99999999-1111-4111-8111-111111111111"})
        << q;
  }
  EXPECT_TRUE(this->ListAll(OF("A").Q("nobody")).empty());
  // Combined with another filter.
  EXPECT_TRUE(this->ListAll(OF("A").Status(OrderStatus::kPaid).Q("Hopper")).empty());
}

TYPED_TEST(OrderListConformance, ListOrdersQueryTreatsLikeWildcardsLiterally) {
  this->AddOrder(MakeOrder("A", OrderId(1), "100% Cotton", kNow + 1));
  this->AddOrder(MakeOrder("A", OrderId(2), "1000 Cotton", kNow + 2));
  this->AddOrder(MakeOrder("A", OrderId(3), "snake_case", kNow + 3));
  this->AddOrder(MakeOrder("A", OrderId(4), "snakeXcase", kNow + 4));
  this->AddOrder(MakeOrder("A", OrderId(5), "back\\slash", kNow + 5));
  this->AddOrder(MakeOrder("A", OrderId(6), "backXslash", kNow + 6));

  EXPECT_EQ(this->ListAll(OF("A").Q("100%")), std::vector<std::string>{OrderId(1)});
  EXPECT_EQ(this->ListAll(OF("A").Q("%")), std::vector<std::string>{OrderId(1)});
  EXPECT_EQ(this->ListAll(OF("A").Q("e_c")), std::vector<std::string>{OrderId(3)});
  EXPECT_EQ(this->ListAll(OF("A").Q("_")), std::vector<std::string>{OrderId(3)});
  EXPECT_EQ(this->ListAll(OF("A").Q("k\\s")), std::vector<std::string>{OrderId(5)});
  EXPECT_TRUE(this->ListAll(OF("A").Q("%%%")).empty());
  // "0000000_" would match every generated id prefix if '_' were a wildcard.
  EXPECT_TRUE(this->ListAll(OF("A").Q("0000000_")).empty());
  EXPECT_EQ(this->ListAll(OF("A").Q("'; DROP TABLE orders; --")).size(), 0u);
  EXPECT_EQ(this->ListAll(OF("A")).size(), 6u);
}

}  // namespace
}  // namespace orderflow::store::conformance
