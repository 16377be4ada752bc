// Store conformance, orders role: the order history is the event log
// (migration 006, store/history_log.hpp). An entry rides on the first event
// its unit emits for the order at or after the change, or else on a
// history-only row; either way the entries come back in order. A schema-5
// database's history table moves into the log. On every back end
// (fixture.hpp).

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "store/migrations.hpp"
#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class HistoryConformance : public StoreFixture<Factory> {
 protected:
  std::int64_t Rows(const std::string& where) {
    return this->QueryInt("SELECT COUNT(*) FROM events WHERE " + where);
  }
  std::int64_t OrderRows(const std::string& order_id) {
    return Rows("store_id = 'A' AND order_id = '" + order_id + "'");
  }
};
TYPED_TEST_SUITE(HistoryConformance, StoreFactories);

// Records `entry` on the order as a step does (read, change, UpdateOrder).
Status Change(WriteTx& tx, const std::string& order_id, OrderStatus to, const HistoryEntry& entry) {
  OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", order_id));
  const OrderStatus previous = o.status;
  o.status = to;
  o.updated_at = entry.at;
  return tx.UpdateOrder(o, previous, {entry});
}

Status Emit(WriteTx& tx, const std::string& order_id, const std::string& topic,
            TimeMs due_at = kNow) {
  OF_RETURN_IF_ERROR(tx.InsertEvent(MakeEvent("A", order_id, topic, due_at), {}));
  return OkStatus();
}

void ExpectHistory(const std::vector<HistoryEntry>& got, const std::vector<HistoryEntry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].status, want[i].status) << "#" << i;
    EXPECT_EQ(got[i].detail, want[i].detail) << "#" << i;
    EXPECT_EQ(got[i].at, want[i].at) << "#" << i;
  }
}

TYPED_TEST(HistoryConformance, EntriesComeBackFromTheLogInOrderAfterSeveralUnits) {
  const std::string id = OrderId(1);
  const std::vector<HistoryEntry> want = {
      {"ORDER_CREATED", kNow, "Order received"},
      {"INVENTORY_RESERVED", kNow + 1, "2 units"},
      {"PAYMENT_RECEIVED", kNow + 2, "Charged 99.00 EUR"},
      {"FULFILLED", kNow + 3, "Packed"},
      {"SHIPPED", kNow + 4, "Shipped with UPS"},
      {"REFUNDED", kNow + 5, "Refunded nothing"},
      {"DELIVERED", kNow + 6, "Delivered by UPS"},
  };
  // The intake: the entry rides on order.created.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) -> Status {
                Order o = MakeOrder("A", id, "Ada", kNow);
                o.history = {want[0]};
                OF_RETURN_IF_ERROR(tx.InsertOrder(o));
                return Emit(tx, id, "order.created");
              }).ok());
  EXPECT_EQ(this->OrderRows(id), 1);
  // A change without a status move, then its event.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) -> Status {
                OF_RETURN_IF_ERROR(Change(tx, id, OrderStatus::kPending, want[1]));
                return Emit(tx, id, "inventory.reserved");
              }).ok());
  EXPECT_EQ(this->OrderRows(id), 2);
  // Two changes, then their two events, with another order's event between:
  // each entry on its own order's events, in order.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) -> Status {
                OF_RETURN_IF_ERROR(Change(tx, id, OrderStatus::kPaid, want[2]));
                OF_RETURN_IF_ERROR(Change(tx, id, OrderStatus::kFulfilled, want[3]));
                OF_RETURN_IF_ERROR(Emit(tx, OrderId(2), "order.created"));
                OF_RETURN_IF_ERROR(Emit(tx, id, "payment.processed"));
                return Emit(tx, id, "order.fulfilled");
              }).ok());
  EXPECT_EQ(this->OrderRows(id), 4);
  // An event emitted before the change (a timer) cannot carry it: a row of
  // its own.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) -> Status {
                OF_RETURN_IF_ERROR(Emit(tx, id, "delivery.ship_due", kNow + 60'000));
                return Change(tx, id, OrderStatus::kShipped, want[4]);
              }).ok());
  EXPECT_EQ(this->OrderRows(id), 6);
  // Two entries and one event after them: the first rides on it, the
  // second gets a row after it, so the order holds.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) -> Status {
                OF_RETURN_IF_ERROR(Change(tx, id, OrderStatus::kShipped, want[5]));
                OF_RETURN_IF_ERROR(Change(tx, id, OrderStatus::kDelivered, want[6]));
                // Read back inside the unit, before anything is written.
                OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", id));
                if (o.history.size() != want.size()) {
                  return MakeError(ErrorCode::kInternal, "the unit's read lacks its entries");
                }
                return Emit(tx, id, "delivery.delivered");
              }).ok());
  EXPECT_EQ(this->OrderRows(id), 8);

  ExpectHistory(this->GetOrder("A", id).history, want);
  // Seven entries on eight rows: six emitted events and two history-only
  // rows, which are not events of the order's trace.
  EXPECT_EQ(this->Rows("order_id = '" + id + "' AND history_status IS NOT NULL"), 7);
  EXPECT_EQ(this->Rows("order_id = '" + id + "' AND topic = 'history'"), 2);
  EXPECT_EQ(this->Rows("order_id = '" + OrderId(2) + "' AND history_status IS NOT NULL"), 0);
  auto events = ReadValue(this->store(), [&](ReadTx& tx) { return tx.ListOrderEvents("A", id); });
  ASSERT_TRUE(events.ok());
  std::vector<std::string> topics;
  for (const auto& e : *events) topics.push_back(e.topic);
  EXPECT_EQ(topics, (std::vector<std::string>{"order.created", "inventory.reserved",
                                              "payment.processed", "order.fulfilled",
                                              "delivery.ship_due", "delivery.delivered"}));
  // The flat view numbers the entries as the old table did.
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM order_history WHERE order_id = '" + id +
                             "' AND idx = " + std::to_string(i) + " AND status = '" +
                             want[i].status + "' AND at = " + std::to_string(want[i].at)),
              1)
        << "#" << i;
  }
  this->Reopen();
  ExpectHistory(this->GetOrder("A", id).history, want);
}

TYPED_TEST(HistoryConformance, AUnitReadsItsOwnEntriesWhenTheOrderIsNoLongerCached) {
  // More orders than a unit's order cache holds, each changed, then read
  // back after a list (which writes the unit's orders out).
  constexpr int kOrders = 80;
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) -> Status {
                for (int i = 0; i < kOrders; ++i) {
                  OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(i), "Ada", kNow)));
                }
                return OkStatus();
              }).ok());
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) -> Status {
                for (int i = 0; i < kOrders; ++i) {
                  OF_RETURN_IF_ERROR(Change(tx, OrderId(i), OrderStatus::kPaid,
                                            HistoryEntry{"PAYMENT_RECEIVED", kNow + i, "paid"}));
                }
                OF_RETURN_IF_ERROR(tx.ListOrders(OF("A").Limit(1)));
                for (int i = 0; i < kOrders; ++i) {
                  OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", OrderId(i)));
                  if (o.history.size() != 2 || o.history[1].at != kNow + i) {
                    return MakeError(ErrorCode::kInternal,
                                     "order " + std::to_string(i) + " lacks its new entry");
                  }
                }
                return OkStatus();
              }).ok());
  EXPECT_EQ(this->GetOrder("A", OrderId(kOrders - 1)).history.size(), 2u);
  EXPECT_EQ(this->Rows("history_status IS NOT NULL"), 2 * kOrders);
}

// A schema-5 database: its order_history rows move into the event log, in
// (store, order, idx) order with the same status, detail and time, and the
// orders go on from there.
TYPED_TEST(HistoryConformance, AnOrdersHistorySurvivesMigration) {
  orderflow::testing::TempDir old;
  const std::string backend =
      std::is_same_v<TypeParam, SqliteFactory> ? std::string("sqlite") : std::string("postgres");
  std::string sql =
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at TEXT NOT NULL DEFAULT '');";
  for (const Migration& m : Migrations(backend)) {
    if (m.version > 5) continue;
    sql += m.sql;
    sql += ";INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) +
           ", '" + m.name + "');";
  }
  const std::string id = OrderId(1);
  for (const char* store : {"A", "B"}) {
    sql += std::string("INSERT INTO orders (order_id, store_id, customer_name, customer_email, ") +
           "customer_key, email_key, items, total, currency, status, payment_status, "
           "fulfillment_status, request_hash, created_at, updated_at) VALUES ('" +
           id + "', '" + store +
           "', 'Ada', 'ada@example.com', 'ada', 'ada@example.com', '[]', 500, 'USD', " +
           "'paid', 'paid', 'unfulfilled', 'h', 1, 3);";
  }
  // Rows inserted out of index order; B's order has a history of its own.
  sql +=
      "INSERT INTO order_history (store_id, order_id, idx, status, detail, at) VALUES "
      "('A', '" +
      id +
      "', 2, 'PAYMENT_RECEIVED', 'Charged', 3), "
      "('B', '" +
      id +
      "', 0, 'ORDER_CREATED', 'B''s order', 9), "
      "('A', '" +
      id +
      "', 0, 'ORDER_CREATED', 'Order received', 1), "
      "('A', '" +
      id +
      "', 1, 'INVENTORY_RESERVED', '1 unit', 2);"
      "INSERT INTO events (store_id, order_id, topic, payload, created_at, due_at) VALUES "
      "('A', '" +
      id + "', 'order.created', '{}', 1, 1);";
  TypeParam::Exec(old.path(), sql);
  if (::testing::Test::HasFailure()) return;
  std::unique_ptr<Store> store = TypeParam::Make(old.path());
  ASSERT_NE(store, nullptr);

  const std::vector<HistoryEntry> want = {{"ORDER_CREATED", 1, "Order received"},
                                          {"INVENTORY_RESERVED", 2, "1 unit"},
                                          {"PAYMENT_RECEIVED", 3, "Charged"}};
  auto a = ReadValue(*store, [&](ReadTx& tx) { return tx.GetOrder("A", id); });
  ASSERT_TRUE(a.ok()) << a.error().message;
  ExpectHistory(a->history, want);
  auto b = ReadValue(*store, [&](ReadTx& tx) { return tx.GetOrder("B", id); });
  ASSERT_TRUE(b.ok()) << b.error().message;
  ExpectHistory(b->history, {{"ORDER_CREATED", 9, "B's order"}});
  auto events = ReadValue(*store, [&](ReadTx& tx) { return tx.ListOrderEvents("A", id); });
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  EXPECT_EQ(TypeParam::QueryInt(old.path(), "SELECT COUNT(*) FROM order_history"), 4);
  EXPECT_EQ(TypeParam::QueryInt(old.path(), "SELECT COUNT(*) FROM events"), 5);

  // The next change lands after the migrated entries.
  const HistoryEntry fulfilled{"FULFILLED", 4, "Packed"};
  ASSERT_TRUE(WriteSync(*store, [&](WriteTx& tx) -> Status {
                OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", id));
                o.status = OrderStatus::kFulfilled;
                OF_RETURN_IF_ERROR(tx.UpdateOrder(o, OrderStatus::kPaid, {fulfilled}));
                return Emit(tx, id, "order.fulfilled");
              }).ok());
  auto after = ReadValue(*store, [&](ReadTx& tx) { return tx.GetOrder("A", id); });
  ASSERT_TRUE(after.ok());
  ExpectHistory(after->history, {want[0], want[1], want[2], fulfilled});
  EXPECT_EQ(TypeParam::QueryInt(old.path(),
                                "SELECT idx FROM order_history WHERE store_id = 'A' "
                                "AND status = 'FULFILLED'"),
            3);
}

}  // namespace
}  // namespace orderflow::store::conformance
