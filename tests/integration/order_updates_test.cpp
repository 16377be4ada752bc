// UpdateOrder after a read in the same unit, on the back end the suite
// runs on (integration.*: SQLite, postgres.*: PostgreSQL).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "integration/order_index_cases.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using namespace order_index;

TEST(LeanOrderIndexes, UpdatesAfterAReadPersistEveryChangedColumn) {
  TempDir dir;
  std::unique_ptr<Store> store;
  if (ServerProcess::OnPostgres()) {
    if (PgSchemaUrl(dir.path()).empty()) return;
    store = OpenPgStore(dir.path(), 1);
  } else {
    store = OpenSqlite(dir.File("u.db"));
  }
  ASSERT_NE(store, nullptr);
  domain::Order order;
  order.store_id = "A";
  order.order_id = "u-1";
  order.customer_name = "Ada Lovelace";
  order.customer_email = "ada@example.com";
  order.items = {domain::OrderLine{"p-1", "Widget", "W-1", 1, 500, 500}};
  order.total = 500;
  order.currency = "USD";
  order.request_hash = "h";
  order.created_at = order.updated_at = kBase;
  order.history = {domain::HistoryEntry{"ORDER_CREATED", kBase, "Order received"}};
  ASSERT_TRUE(
      store::WriteSync(*store, [&](store::WriteTx& tx) { return tx.InsertOrder(order); }).ok());
  // Each unit reads the order, changes some columns and writes it back.
  auto change = [&](domain::OrderStatus previous, auto edit) {
    return store::WriteSync(*store, [&](store::WriteTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(domain::Order o, tx.GetOrder("A", "u-1"));
      edit(o);
      return tx.UpdateOrder(o, previous, {});
    });
  };
  ASSERT_TRUE(change(domain::OrderStatus::kPending, [](domain::Order& o) {
                o.fulfillment_status = "reserved";
                o.updated_at = kBase + 1;
              }).ok());
  ASSERT_TRUE(change(domain::OrderStatus::kPending, [](domain::Order& o) {
                o.status = domain::OrderStatus::kFailed;
                o.payment_status = "failed";
                o.failure_reason = "payment_declined";
                o.updated_at = kBase + 2;
              }).ok());
  ASSERT_TRUE(change(domain::OrderStatus::kFailed, [](domain::Order& o) {
                o.fulfillment_status = "released";
                o.updated_at = kBase + 3;
              }).ok());
  // The lost-update guard still holds.
  EXPECT_EQ(change(domain::OrderStatus::kPending, [](domain::Order&) {}).code(),
            ErrorCode::kConflict);

  auto read = ReadWith<domain::Order>(*store, [](ReadTx& tx) { return tx.GetOrder("A", "u-1"); });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, domain::OrderStatus::kFailed);
  EXPECT_EQ(read->payment_status, "failed");
  EXPECT_EQ(read->fulfillment_status, "released");
  EXPECT_EQ(read->failure_reason, "payment_declined");
  EXPECT_EQ(read->updated_at, kBase + 3);
  auto count = [&](auto set) {
    OrderFilter f;
    f.store_id = "A";
    set(f);
    auto page = ReadWith<OrderPage>(*store, [&](ReadTx& tx) { return tx.ListOrders(f); });
    return page.ok() ? page->items.size() : 99u;
  };
  EXPECT_EQ(count([](OrderFilter& f) { f.status = domain::OrderStatus::kFailed; }), 1u);
  EXPECT_EQ(count([](OrderFilter& f) { f.status = domain::OrderStatus::kPending; }), 0u);
  EXPECT_EQ(count([](OrderFilter& f) { f.payment_status = "failed"; }), 1u);
  EXPECT_EQ(count([](OrderFilter& f) { f.payment_status = "pending"; }), 0u);
  EXPECT_EQ(count([](OrderFilter& f) { f.fulfillment_status = "released"; }), 1u);
  EXPECT_EQ(count([](OrderFilter& f) { f.fulfillment_status = "reserved"; }), 0u);
  // The payment failed at kBase + 2, and the later update kept that time.
  auto failed = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerFailedPayments("A", "Ada Lovelace", kBase + 2);
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 1);
  failed = ReadWith<std::int64_t>(*store, [](ReadTx& tx) {
    return tx.CountCustomerFailedPayments("A", "Ada Lovelace", kBase + 3);
  });
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, 0);
}

}  // namespace
}  // namespace orderflow::testing
