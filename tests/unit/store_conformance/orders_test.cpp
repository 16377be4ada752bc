// Store conformance, orders role: orders and their history, order ids per
// store, per-store isolation of reads, totals and the fraud-window counts,
// on every back end (fixture.hpp). Listing: order_list_test.cpp.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class OrdersConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(OrdersConformance, StoreFactories);

// --- orders ----------------------------------------------------------------

TYPED_TEST(OrdersConformance, OrderRoundTripsWithItsHistory) {
  Order o = MakeOrder("A", OrderId(1), "Ada Lovelace", kNow, 29700);
  o.items = {OrderLine{"p-1", "Widget", "W-1", 2, 9900, 19800},
             OrderLine{"p-2", "Gadget \"Ünïcode\"", "", 1, 9900, 9900}};
  o.failure_reason = "";
  o.tracking_number = "";
  o.history.push_back(HistoryEntry{"FRAUD_FLAGGED", kNow + 1, "2 rules hit"});
  this->AddOrder(o);

  Order got = this->GetOrder("A", o.order_id);
  EXPECT_EQ(got.store_id, "A");
  EXPECT_EQ(got.order_id, o.order_id);
  EXPECT_GT(got.seq, 0);
  EXPECT_EQ(got.customer_name, "Ada Lovelace");
  EXPECT_EQ(got.customer_email, "adalovelace@example.com");
  ASSERT_EQ(got.items.size(), 2u);
  EXPECT_EQ(got.items[0].product_id, "p-1");
  EXPECT_EQ(got.items[0].product_name, "Widget");
  EXPECT_EQ(got.items[0].sku, "W-1");
  EXPECT_EQ(got.items[0].quantity, 2);
  EXPECT_EQ(got.items[0].unit_price, 9900);
  EXPECT_EQ(got.items[0].line_total, 19800);
  EXPECT_EQ(got.items[1].product_name, "Gadget \"Ünïcode\"");
  EXPECT_EQ(got.total, 29700);
  EXPECT_EQ(got.currency, "USD");
  EXPECT_EQ(got.status, OrderStatus::kPending);
  EXPECT_EQ(got.payment_status, "pending");
  EXPECT_EQ(got.fulfillment_status, "unfulfilled");
  EXPECT_EQ(got.payment_token, "tok_visa");
  EXPECT_EQ(got.request_hash, o.request_hash);
  EXPECT_EQ(got.created_at, kNow);
  EXPECT_EQ(got.updated_at, kNow);
  ASSERT_EQ(got.history.size(), 2u);
  EXPECT_EQ(got.history[0].status, "ORDER_CREATED");
  EXPECT_EQ(got.history[0].at, kNow);
  EXPECT_EQ(got.history[0].detail, "Order received");
  EXPECT_EQ(got.history[1].status, "FRAUD_FLAGGED");
  EXPECT_EQ(got.history[1].at, kNow + 1);
  EXPECT_EQ(got.history[1].detail, "2 rules hit");

  auto elsewhere =
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetOrder("B", o.order_id); });
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.code(), ErrorCode::kNotFound);
  EXPECT_EQ(
      ReadValue(this->store(), [](ReadTx& tx) { return tx.GetOrder("A", OrderId(2)); }).code(),
      ErrorCode::kNotFound);
}

TYPED_TEST(OrdersConformance, DuplicateOrderIdConflictsInItsOwnStoreOnly) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow));
  Order dup = MakeOrder("A", OrderId(1), "Mallory", kNow + 1, 1);
  Status s = WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertOrder(dup); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kConflict);
  Order got = this->GetOrder("A", OrderId(1));
  EXPECT_EQ(got.customer_name, "Ada");
  EXPECT_EQ(got.history.size(), 1u);
  EXPECT_EQ(this->Totals("A", 0)[OrderStatus::kPending].orders, 1);
  // Another store's orderId is no conflict: ids are unique per store, so a
  // 409 would tell that the id exists elsewhere.
  this->AddOrder(MakeOrder("B", OrderId(1), "Mallory", kNow + 1, 1));
  EXPECT_EQ(this->GetOrder("B", OrderId(1)).customer_name, "Mallory");
  EXPECT_EQ(this->GetOrder("A", OrderId(1)).customer_name, "Ada");
  EXPECT_EQ(this->Totals("A", 0)[OrderStatus::kPending].orders, 1);
  EXPECT_EQ(this->Totals("B", 0)[OrderStatus::kPending].orders, 1);
  EXPECT_EQ(this->List(OF("B")).items.size(), 1u);
}

TYPED_TEST(OrdersConformance, UpdateOrderAppendsHistoryAndMovesCounters) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow - kHour, 5000));
  this->AddOrder(MakeOrder("A", OrderId(2), "Bob", kNow - kHour, 7000));
  auto totals = this->Totals("A", kNow - kDay);
  EXPECT_EQ(totals[OrderStatus::kPending].orders, 2);
  EXPECT_EQ(totals[OrderStatus::kPending].amount, 12000);

  Order o = this->GetOrder("A", OrderId(1));
  o.status = OrderStatus::kPaid;
  o.payment_status = "paid";
  o.fulfillment_status = "reserved";
  o.updated_at = kNow;
  const std::vector<HistoryEntry> added = {{"INVENTORY_RESERVED", kNow - 10, "1 line"},
                                           {"PAYMENT_RECEIVED", kNow, "50.00 USD"}};
  Status s = WriteSync(
      this->store(), [&](WriteTx& tx) { return tx.UpdateOrder(o, OrderStatus::kPending, added); });
  ASSERT_TRUE(s.ok()) << s.error().message;

  Order got = this->GetOrder("A", OrderId(1));
  EXPECT_EQ(got.status, OrderStatus::kPaid);
  EXPECT_EQ(got.payment_status, "paid");
  EXPECT_EQ(got.fulfillment_status, "reserved");
  EXPECT_EQ(got.updated_at, kNow);
  EXPECT_EQ(got.created_at, kNow - kHour);
  ASSERT_EQ(got.history.size(), 3u);
  EXPECT_EQ(got.history[0].status, "ORDER_CREATED");
  EXPECT_EQ(got.history[1].status, "INVENTORY_RESERVED");
  EXPECT_EQ(got.history[1].at, kNow - 10);
  EXPECT_EQ(got.history[2].status, "PAYMENT_RECEIVED");
  EXPECT_EQ(got.history[2].detail, "50.00 USD");

  totals = this->Totals("A", kNow - kDay);
  EXPECT_EQ(totals[OrderStatus::kPending].orders, 1);
  EXPECT_EQ(totals[OrderStatus::kPending].amount, 7000);
  EXPECT_EQ(totals[OrderStatus::kPaid].orders, 1);
  EXPECT_EQ(totals[OrderStatus::kPaid].amount, 5000);

  // Tracking details are persisted; the status filter sees the change.
  Order shipped = got;
  shipped.status = OrderStatus::kFulfilled;
  shipped.tracking_number = "MOT-ABCDEFGH";
  shipped.carrier = "UPS";
  shipped.updated_at = kNow + 1;
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.UpdateOrder(shipped, OrderStatus::kPaid, {});
              }).ok());
  got = this->GetOrder("A", OrderId(1));
  EXPECT_EQ(got.tracking_number, "MOT-ABCDEFGH");
  EXPECT_EQ(got.carrier, "UPS");
  EXPECT_EQ(got.history.size(), 3u);
  EXPECT_EQ(Ids(this->List(OF("A").Status(OrderStatus::kFulfilled)).items),
            std::vector<std::string>{OrderId(1)});
  EXPECT_TRUE(this->List(OF("A").Status(OrderStatus::kPaid)).items.empty());
  totals = this->Totals("A", kNow - kDay);
  EXPECT_EQ(totals.count(OrderStatus::kPaid), 0u);
  EXPECT_EQ(totals[OrderStatus::kFulfilled].orders, 1);
}

TYPED_TEST(OrdersConformance, UpdateOrderWithStalePreviousStatusWritesNothing) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow));
  Order o = this->GetOrder("A", OrderId(1));
  o.status = OrderStatus::kCancelled;
  o.payment_status = "refunded";
  o.failure_reason = "late cancel";
  o.updated_at = kNow + 5;
  std::optional<Status> result;
  // The unit ignores the refusal and commits: UpdateOrder must not have written anything.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                result.emplace(tx.UpdateOrder(o, OrderStatus::kPaid,
                                              {HistoryEntry{"CANCELLED", kNow + 5, "x"}}));
                return OkStatus();
              }).ok());
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->code(), ErrorCode::kConflict);

  Order got = this->GetOrder("A", OrderId(1));
  EXPECT_EQ(got.status, OrderStatus::kPending);
  EXPECT_EQ(got.payment_status, "pending");
  EXPECT_EQ(got.failure_reason, "");
  EXPECT_EQ(got.updated_at, kNow);
  EXPECT_EQ(got.history.size(), 1u);
  auto totals = this->Totals("A", 0);
  EXPECT_EQ(totals[OrderStatus::kPending].orders, 1);
  EXPECT_EQ(totals.count(OrderStatus::kCancelled), 0u);
  EXPECT_EQ(totals.count(OrderStatus::kPaid), 0u);

  // The same order addressed through another store is not found for update either.
  Order foreign = this->GetOrder("A", OrderId(1));
  foreign.store_id = "B";
  foreign.status = OrderStatus::kCancelled;
  EXPECT_EQ(
      WriteSync(this->store(),
                [&](WriteTx& tx) { return tx.UpdateOrder(foreign, OrderStatus::kPending, {}); })
          .code(),
      ErrorCode::kConflict);
  EXPECT_EQ(this->GetOrder("A", OrderId(1)).status, OrderStatus::kPending);
}

TYPED_TEST(OrdersConformance, OrderIdsAreUniquePerStoreOnly) {
  Store& s = this->store();
  this->AddOrder(MakeOrder("A", "same-1", "Ada Lovelace", kNow, 1000));
  this->AddOrder(MakeOrder("B", "same-1", "Grace Hopper", kNow + 1, 3000));
  Status again = WriteSync(
      s, [](WriteTx& tx) { return tx.InsertOrder(MakeOrder("A", "same-1", "Eve", kNow + 2)); });
  EXPECT_EQ(again.code(), ErrorCode::kConflict);

  // Both in one unit: each store's read, update and history is its own
  // (the unit's order cache included).
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) -> Status {
                OF_ASSIGN_OR_RETURN(Order a, tx.GetOrder("A", "same-1"));
                OF_ASSIGN_OR_RETURN(Order b, tx.GetOrder("B", "same-1"));
                if (a.customer_name != "Ada Lovelace" || b.customer_name != "Grace Hopper") {
                  return MakeError(ErrorCode::kInternal, "read the other store's order");
                }
                b.status = OrderStatus::kPaid;
                b.updated_at = kNow + 10;
                OF_RETURN_IF_ERROR(tx.UpdateOrder(b, OrderStatus::kPending,
                                                  {HistoryEntry{"PAID", kNow + 10, "B only"}}));
                OF_ASSIGN_OR_RETURN(Order a2, tx.GetOrder("A", "same-1"));
                OF_ASSIGN_OR_RETURN(Order b2, tx.GetOrder("B", "same-1"));
                if (a2.status != OrderStatus::kPending || a2.history.size() != 1 ||
                    b2.status != OrderStatus::kPaid || b2.history.size() != 2) {
                  return MakeError(ErrorCode::kInternal, "the update crossed stores in the unit");
                }
                return OkStatus();
              }).ok());
  Order a = this->GetOrder("A", "same-1");
  Order b = this->GetOrder("B", "same-1");
  EXPECT_EQ(a.customer_name, "Ada Lovelace");
  EXPECT_EQ(a.status, OrderStatus::kPending);
  ASSERT_EQ(a.history.size(), 1u);
  EXPECT_EQ(b.customer_name, "Grace Hopper");
  EXPECT_EQ(b.status, OrderStatus::kPaid);
  ASSERT_EQ(b.history.size(), 2u);
  EXPECT_EQ(b.history[1].detail, "B only");

  // Events and deliveries by order stay in their store.
  for (const char* store_id : {"A", "B"}) {
    Event e;
    e.store_id = store_id;
    e.order_id = "same-1";
    e.topic = "order.created";
    e.payload = "{}";
    e.created_at = e.due_at = kNow;
    ASSERT_TRUE(WriteSync(s, [&](WriteTx& tx) -> Status {
                  OF_RETURN_IF_ERROR(tx.InsertEvent(e, {"fraud-guard"}));
                  return OkStatus();
                }).ok());
  }
  for (const char* store_id : {"A", "B"}) {
    auto events = ReadValue(s, [&](ReadTx& tx) { return tx.ListOrderEvents(store_id, "same-1"); });
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 1u) << store_id;
    EXPECT_EQ((*events)[0].store_id, store_id);
    auto deliveries =
        ReadValue(s, [&](ReadTx& tx) { return tx.ListOrderDeliveries(store_id, "same-1"); });
    ASSERT_TRUE(deliveries.ok());
    ASSERT_EQ(deliveries->size(), 1u) << store_id;
    EXPECT_EQ((*deliveries)[0].event.store_id, store_id);
  }
  // The orders listing of each store has its own order once.
  OrderFilter f;
  f.store_id = "B";
  EXPECT_EQ(this->ListAll(f), (std::vector<std::string>{"same-1"}));
}

// --- isolation -------------------------------------------------------------

TYPED_TEST(OrdersConformance, NoReadReturnsAnotherStoresRows) {
  Product pa = this->AddProduct(MakeProduct("A", "Widget", "W-1", 5));
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow));
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) {
                return tx.InsertNotification(MakeNotification("A", "only A", kNow));
              }).ok());
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) {
                return tx.PutIdempotency("A", "key-1", IdempotencyRecord{"h", 201, "{}", kNow});
              }).ok());

  auto products = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListProducts("B"); });
  ASSERT_TRUE(products.ok());
  EXPECT_TRUE(products->empty());
  EXPECT_EQ(ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetProduct("B", pa.product_id); })
                .code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(this->List(OF("B")).items.empty());
  EXPECT_TRUE(this->List(OF("B").Customer("Ada")).items.empty());
  EXPECT_TRUE(this->List(OF("B").Q("0")).items.empty());
  EXPECT_TRUE(this->List(OF("B").Status(OrderStatus::kPending)).items.empty());
  EXPECT_TRUE(this->List(OF("B").From(0)).items.empty());
  EXPECT_TRUE(this->Notifications(NF("B")).items.empty());
  EXPECT_TRUE(this->Notifications(NF("B").UnreadOnly()).items.empty());
  EXPECT_EQ(this->Unread("B"), 0);
  EXPECT_TRUE(this->Totals("B", 0).empty());
  auto count =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.CountCustomerOrders("B", "Ada", 0); });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  auto idem = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetIdempotency("B", "key-1"); });
  ASSERT_TRUE(idem.ok());
  EXPECT_FALSE(idem->has_value());
  // ...while store A sees all of it.
  EXPECT_EQ(this->List(OF("A")).items.size(), 1u);
  EXPECT_EQ(this->Notifications(NF("A")).items.size(), 1u);
  EXPECT_EQ(this->Unread("A"), 1);
}

// --- statistics and fraud counters -----------------------------------------

TYPED_TEST(OrdersConformance, OrderTotalsCountOnlyTheWindow) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow - 8 * kDay, 100));  // outside
  this->AddOrder(MakeOrder("A", OrderId(2), "Ada", kNow - 7 * kDay, 200));  // on the edge
  this->AddOrder(MakeOrder("A", OrderId(3), "Bob", kNow - kHour, 400));
  Order failed = MakeOrder("A", OrderId(4), "Eve", kNow, 800);
  failed.status = OrderStatus::kFailed;
  this->AddOrder(failed);
  this->AddOrder(MakeOrder("B", OrderId(5), "Ada", kNow, 1600));

  auto week = this->Totals("A", kNow - 7 * kDay);
  EXPECT_EQ(week.size(), 2u);
  EXPECT_EQ(week[OrderStatus::kPending].orders, 2);
  EXPECT_EQ(week[OrderStatus::kPending].amount, 600);
  EXPECT_EQ(week[OrderStatus::kFailed].orders, 1);
  EXPECT_EQ(week[OrderStatus::kFailed].amount, 800);

  auto all = this->Totals("A", 0);
  EXPECT_EQ(all[OrderStatus::kPending].orders, 3);
  EXPECT_EQ(all[OrderStatus::kPending].amount, 700);

  auto recent = this->Totals("A", kNow);
  EXPECT_EQ(recent.count(OrderStatus::kPending), 0u);
  EXPECT_EQ(recent[OrderStatus::kFailed].orders, 1);
  EXPECT_TRUE(this->Totals("A", kNow + kHour).empty());
  EXPECT_EQ(this->Totals("B", 0)[OrderStatus::kPending].amount, 1600);
}

TYPED_TEST(OrdersConformance, CountCustomerOrdersByNameInTheWindow) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada Lovelace", kNow - 2 * kHour));
  this->AddOrder(MakeOrder("A", OrderId(2), "Ada Lovelace", kNow - 30 * 60'000));
  this->AddOrder(MakeOrder("A", OrderId(3), "ada lovelace", kNow - 1));
  this->AddOrder(MakeOrder("A", OrderId(4), "Ada", kNow));
  this->AddOrder(MakeOrder("B", OrderId(5), "Ada Lovelace", kNow));
  auto count = [&](const std::string& store_id, const std::string& who, TimeMs since) {
    auto r = ReadValue(this->store(),
                       [&](ReadTx& tx) { return tx.CountCustomerOrders(store_id, who, since); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : -1;
  };
  EXPECT_EQ(count("A", "Ada Lovelace", kNow - kHour), 2);
  EXPECT_EQ(count("A", "ADA LOVELACE", kNow - kHour), 2);
  EXPECT_EQ(count("A", "Ada Lovelace", kNow - 30 * 60'000), 2);
  EXPECT_EQ(count("A", "Ada Lovelace", kNow - 30 * 60'000 + 1), 1);
  EXPECT_EQ(count("A", "Ada Lovelace", 0), 3);
  EXPECT_EQ(count("A", "Ada", 0), 1);
  EXPECT_EQ(count("A", "Nobody", 0), 0);
  EXPECT_EQ(count("B", "Ada Lovelace", 0), 1);
}

TYPED_TEST(OrdersConformance, CountCustomerFailedPaymentsUsesTheFailureTime) {
  for (int i = 1; i <= 4; ++i) {
    this->AddOrder(MakeOrder("A", OrderId(i), i == 4 ? "Bob" : "Eve", kNow - 2 * kDay));
  }
  this->AddOrder(MakeOrder("B", OrderId(9), "Eve", kNow - 2 * kDay));
  auto fail = [&](const std::string& store_id, int n, TimeMs at) {
    Order o = this->GetOrder(store_id, OrderId(n));
    o.status = OrderStatus::kFailed;
    o.payment_status = "failed";
    o.failure_reason = "card_declined";
    o.updated_at = at;
    Status s = WriteSync(this->store(), [&](WriteTx& tx) {
      return tx.UpdateOrder(o, OrderStatus::kPending,
                            {HistoryEntry{"PAYMENT_FAILED", at, "declined"}});
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
  };
  fail("A", 1, kNow - 30 * kHour);  // older than 24 h
  fail("A", 2, kNow - 2 * kHour);
  fail("A", 4, kNow - kHour);  // another customer
  fail("B", 9, kNow - kHour);  // another store
  // Order 3 is paid, not failed.
  Order paid = this->GetOrder("A", OrderId(3));
  paid.status = OrderStatus::kPaid;
  paid.payment_status = "paid";
  paid.updated_at = kNow - kHour;
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.UpdateOrder(paid, OrderStatus::kPending, {});
              }).ok());

  auto count = [&](const std::string& who, TimeMs since) {
    auto r = ReadValue(this->store(),
                       [&](ReadTx& tx) { return tx.CountCustomerFailedPayments("A", who, since); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : -1;
  };
  EXPECT_EQ(count("Eve", kNow - kDay), 1);
  EXPECT_EQ(count("eve", kNow - kDay), 1);
  EXPECT_EQ(count("Eve", kNow - 2 * kHour), 1);
  EXPECT_EQ(count("Eve", kNow - 2 * kHour + 1), 0);
  EXPECT_EQ(count("Eve", kNow - 3 * kDay), 2);
  EXPECT_EQ(count("Bob", kNow - kDay), 1);
  EXPECT_EQ(count("Nobody", 0), 0);
}

// The fraud guard counts inside the intake's unit: the unit's own new and
// changed orders count as if already written.
TYPED_TEST(OrdersConformance, CustomerCountsInsideAUnitIncludeItsOwnWrites) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Eve", kNow - 2 * kHour));
  this->AddOrder(MakeOrder("A", OrderId(2), "Eve", kNow - 10));
  Order stored = this->GetOrder("A", OrderId(2));
  std::vector<std::int64_t> seen;
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    auto note = [&]() -> Status {
      OF_ASSIGN_OR_RETURN(std::int64_t orders, tx.CountCustomerOrders("A", "eve", kNow - kHour));
      OF_ASSIGN_OR_RETURN(std::int64_t failed,
                          tx.CountCustomerFailedPayments("A", "EVE", kNow - kDay));
      seen.push_back(orders);
      seen.push_back(failed);
      return OkStatus();
    };
    OF_RETURN_IF_ERROR(note());
    OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(3), "Eve", kNow)));
    OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(4), "Bob", kNow)));
    OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("B", OrderId(5), "Eve", kNow)));
    Order failed_new = MakeOrder("A", OrderId(6), "Eve", kNow - 2 * kHour);
    failed_new.status = OrderStatus::kFailed;
    failed_new.payment_status = "failed";
    failed_new.updated_at = kNow;
    OF_RETURN_IF_ERROR(tx.InsertOrder(failed_new));
    OF_RETURN_IF_ERROR(note());
    Order failing = stored;
    failing.status = OrderStatus::kFailed;
    failing.payment_status = "failed";
    failing.updated_at = kNow;
    OF_RETURN_IF_ERROR(tx.UpdateOrder(failing, OrderStatus::kPending,
                                      {HistoryEntry{"PAYMENT_FAILED", kNow, "declined"}}));
    return note();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  // Before: orders 1 (too old) and 2; no failures. Then 3 joins the hour
  // and 6 (created earlier) counts as a failure; then 2's failure too.
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 0, 2, 1, 2, 2}));
}

}  // namespace
}  // namespace orderflow::store::conformance
