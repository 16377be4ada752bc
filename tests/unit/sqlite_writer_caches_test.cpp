// The SQLite writer's copies of recently written orders (recent_orders.hpp)
// and of the catalogue (product_cache.hpp): what a unit reads through them
// must be what the database holds, after commits, rolled-back units and
// another process's writes.

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "store/product_cache.hpp"
#include "store/recent_orders.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

void ExpectSameOrder(const Order& a, const Order& b) {
  EXPECT_EQ(a.store_id, b.store_id);
  EXPECT_EQ(a.order_id, b.order_id);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.customer_name, b.customer_name);
  EXPECT_EQ(a.customer_email, b.customer_email);
  ASSERT_EQ(a.items.size(), b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    EXPECT_EQ(a.items[i].product_id, b.items[i].product_id);
    EXPECT_EQ(a.items[i].product_name, b.items[i].product_name);
    EXPECT_EQ(a.items[i].sku, b.items[i].sku);
    EXPECT_EQ(a.items[i].quantity, b.items[i].quantity);
    EXPECT_EQ(a.items[i].unit_price, b.items[i].unit_price);
    EXPECT_EQ(a.items[i].line_total, b.items[i].line_total);
  }
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.currency, b.currency);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.payment_status, b.payment_status);
  EXPECT_EQ(a.fulfillment_status, b.fulfillment_status);
  EXPECT_EQ(a.failure_reason, b.failure_reason);
  EXPECT_EQ(a.tracking_number, b.tracking_number);
  EXPECT_EQ(a.carrier, b.carrier);
  EXPECT_EQ(a.payment_token, b.payment_token);
  EXPECT_EQ(a.request_hash, b.request_hash);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].status, b.history[i].status) << i;
    EXPECT_EQ(a.history[i].at, b.history[i].at) << i;
    EXPECT_EQ(a.history[i].detail, b.history[i].detail) << i;
  }
}

Order Moved(Order o, OrderStatus status, TimeMs at) {
  o.status = status;
  o.updated_at = at;
  return o;
}

class SqliteRecentOrders : public StoreFixture<SqliteFactory> {
 protected:
  // A CLI command beside the server: a writer of its own on the same file.
  Result<std::unique_ptr<SqliteStore>> OpenBeside() {
    SqliteConfig config;
    config.path = SqlitePath(dir_.path());
    config.exclusive = false;
    config.secret_key = orderflow::testing::kConformanceSecretKey;
    return SqliteStore::Open(config);
  }
  // The order as a unit of work reads it (the writer's path).
  Order WriterRead(const std::string& id) {
    auto r = WriteValue(store(), [&](WriteTx& tx) { return tx.GetOrder("A", id); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Order{};
  }
  // Moves order `id` from `from` to `to` with one history entry, in the
  // unit `tx`.
  static Status Move(WriteTx& tx, const std::string& id, OrderStatus from, OrderStatus to,
                     TimeMs at) {
    OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", id));
    std::vector<HistoryEntry> entry{HistoryEntry{std::string(domain::ToString(to)), at, "moved"}};
    return tx.UpdateOrder(Moved(o, to, at), from, entry);
  }
};

TEST_F(SqliteRecentOrders, AUnitReadsWhatTheDatabaseHoldsAfterEachCommit) {
  AddOrder(MakeOrder("A", OrderId(1), "Ada Lovelace", kNow));
  ExpectSameOrder(WriterRead(OrderId(1)), GetOrder("A", OrderId(1)));
  ASSERT_TRUE(WriteSync(store(), [](WriteTx& tx) {
                return Move(tx, OrderId(1), OrderStatus::kPending, OrderStatus::kPaid, kNow + 1);
              }).ok());
  // Two moves in one unit, with a list in between (the unit's orders are
  // written out before it reads the table) and a second order inserted.
  ASSERT_TRUE(WriteSync(store(), [](WriteTx& tx) -> Status {
                OF_RETURN_IF_ERROR(
                    Move(tx, OrderId(1), OrderStatus::kPaid, OrderStatus::kFulfilled, kNow + 2));
                OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(2), "Bo", kNow + 2)));
                if (auto listed = tx.ListOrders(OF("A")); !listed.ok()) return listed.error();
                return Move(tx, OrderId(1), OrderStatus::kFulfilled, OrderStatus::kShipped,
                            kNow + 3);
              }).ok());
  Order from_writer = WriterRead(OrderId(1));
  EXPECT_EQ(from_writer.status, OrderStatus::kShipped);
  EXPECT_EQ(from_writer.history.size(), 4u);
  ExpectSameOrder(from_writer, GetOrder("A", OrderId(1)));
  ExpectSameOrder(WriterRead(OrderId(2)), GetOrder("A", OrderId(2)));
}

TEST_F(SqliteRecentOrders, ALaterUnitOfTheSameBatchReadsAnEarlierUnitsWrite) {
  AddOrder(MakeOrder("A", OrderId(1), "Ada Lovelace", kNow));
  // Queued back to back, the units share a batch (or follow each other):
  // either way the second must see the first's move.
  std::vector<Status> results(2);
  std::promise<void> second_done;
  store().Write(
      [](WriteTx& tx) {
        return Move(tx, OrderId(1), OrderStatus::kPending, OrderStatus::kPaid, kNow + 1);
      },
      [&](Status s) { results[0] = std::move(s); });
  store().Write(
      [](WriteTx& tx) {
        return Move(tx, OrderId(1), OrderStatus::kPaid, OrderStatus::kFulfilled, kNow + 2);
      },
      [&](Status s) {
        results[1] = std::move(s);
        second_done.set_value();
      });
  second_done.get_future().wait();
  ASSERT_TRUE(results[0].ok()) << results[0].error().message;
  ASSERT_TRUE(results[1].ok()) << results[1].error().message;
  ExpectSameOrder(WriterRead(OrderId(1)), GetOrder("A", OrderId(1)));
  EXPECT_EQ(GetOrder("A", OrderId(1)).status, OrderStatus::kFulfilled);
}

TEST_F(SqliteRecentOrders, AUnitThatFailedLeavesNothingBehind) {
  AddOrder(MakeOrder("A", OrderId(1), "Ada Lovelace", kNow));
  ASSERT_TRUE(WriteSync(store(), [](WriteTx& tx) {
                return Move(tx, OrderId(1), OrderStatus::kPending, OrderStatus::kPaid, kNow + 1);
              }).ok());
  Status failed = WriteSync(store(), [](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(Move(tx, OrderId(1), OrderStatus::kPaid, OrderStatus::kFulfilled, kNow + 2));
    if (auto listed = tx.ListOrders(OF("A")); !listed.ok()) return listed.error();
    // Written out by the list, then rolled back with the unit.
    return MakeError(ErrorCode::kConflict, "the step changed its mind");
  });
  ASSERT_FALSE(failed.ok());
  // Twice: nothing of the failed unit may reach the cache with the units
  // after it either.
  for (int i = 0; i < 2; ++i) {
    Order from_writer = WriterRead(OrderId(1));
    EXPECT_EQ(from_writer.status, OrderStatus::kPaid);
    EXPECT_EQ(from_writer.history.size(), 2u);
    ExpectSameOrder(from_writer, GetOrder("A", OrderId(1)));
  }
}

TEST_F(SqliteRecentOrders, AnotherProcessesCommitIsSeen) {
  AddOrder(MakeOrder("A", OrderId(1), "Ada Lovelace", kNow));
  ASSERT_EQ(WriterRead(OrderId(1)).status, OrderStatus::kPending);  // now held by the writer
  {
    auto other = OpenBeside();
    ASSERT_TRUE(other.ok()) << other.error().message;
    ASSERT_TRUE(WriteSync(**other, [](WriteTx& tx) {
                  return Move(tx, OrderId(1), OrderStatus::kPending, OrderStatus::kCancelled,
                              kNow + 5);
                }).ok());
  }
  Order from_writer = WriterRead(OrderId(1));
  EXPECT_EQ(from_writer.status, OrderStatus::kCancelled);
  ExpectSameOrder(from_writer, GetOrder("A", OrderId(1)));
}

// --- products --------------------------------------------------------------

StockMovement Reserve(const std::string& product_id, std::int64_t units) {
  StockMovement m;
  m.store_id = "A";
  m.product_id = product_id;
  m.kind = MovementKind::kReserve;
  m.reserved_delta = units;
  m.at = kNow;
  return m;
}

Status Apply(WriteTx& tx, const StockMovement& m) {
  auto r = tx.ApplyMovement(m);
  if (!r.ok()) return r.error();
  return OkStatus();
}

class SqliteProductCache : public SqliteRecentOrders {
 protected:
  // The product as a unit reads it, by id and by name, checked equal.
  Product WriterProduct(const std::string& id, const std::string& name) {
    auto by_id = WriteValue(store(), [&](WriteTx& tx) { return tx.GetProduct("A", id); });
    auto by_name = WriteValue(store(), [&](WriteTx& tx) { return tx.FindProduct("A", name, ""); });
    EXPECT_TRUE(by_id.ok() && by_name.ok());
    if (!by_id.ok() || !by_name.ok()) return Product{};
    EXPECT_EQ(by_id->stock, by_name->stock);
    EXPECT_EQ(by_id->reserved, by_name->reserved);
    return *by_id;
  }
  Product ReaderProduct(const std::string& id) {
    auto r = ReadValue(store(), [&](ReadTx& tx) { return tx.GetProduct("A", id); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Product{};
  }
};

TEST_F(SqliteProductCache, AUnitReadsStockAsTheDatabaseHoldsIt) {
  Product p = MakeProduct("A", "Widget", "W-1", 10);
  p.product_id = "p-1";
  AddProduct(p);
  EXPECT_EQ(WriterProduct("p-1", "Widget").reserved, 0);  // now held by the writer
  ASSERT_TRUE(WriteSync(store(), [](WriteTx& tx) { return Apply(tx, Reserve("p-1", 3)); }).ok());
  EXPECT_EQ(WriterProduct("p-1", "Widget").reserved, 3);
  // A unit that reserved, then failed: its reservation is gone for the
  // units after it too.
  Status failed = WriteSync(store(), [](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(Apply(tx, Reserve("p-1", 4)));
    return MakeError(ErrorCode::kConflict, "the step changed its mind");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(WriterProduct("p-1", "Widget").reserved, 3);
  EXPECT_EQ(ReaderProduct("p-1").reserved, 3);
}

TEST_F(SqliteProductCache, RenamesAndAnotherProcessesRestockAreSeen) {
  Product p = MakeProduct("A", "Widget", "W-1", 10);
  p.product_id = "p-1";
  AddProduct(p);
  EXPECT_EQ(WriterProduct("p-1", "Widget").stock, 10);
  p.product_name = "Blue Widget";
  ASSERT_TRUE(WriteSync(store(), [&p](WriteTx& tx) { return tx.UpdateProduct(p); }).ok());
  auto old_name =
      WriteValue(store(), [](WriteTx& tx) { return tx.FindProduct("A", "Widget", ""); });
  EXPECT_EQ(old_name.code(), ErrorCode::kNotFound);
  EXPECT_EQ(WriterProduct("p-1", "Blue Widget").stock, 10);
  {
    auto other = OpenBeside();
    ASSERT_TRUE(other.ok()) << other.error().message;
    StockMovement restock = Reserve("p-1", 0);
    restock.kind = MovementKind::kRestock;
    restock.stock_delta = 5;
    ASSERT_TRUE(WriteSync(**other, [&](WriteTx& tx) { return Apply(tx, restock); }).ok());
  }
  EXPECT_EQ(WriterProduct("p-1", "Blue Widget").stock, 15);
}

TEST(ProductCacheTest, FindsByIdNameAndSkuPerStoreAndStartsOverWhenFull) {
  ProductCache cache(2);
  Product a = MakeProduct("A", "Widget", "W-1", 10);
  a.product_id = "p-1";
  cache.Put(a);
  ASSERT_NE(cache.Get("A", "p-1"), nullptr);
  ASSERT_NE(cache.FindByName("A", "Widget"), nullptr);
  ASSERT_NE(cache.FindBySku("A", "W-1"), nullptr);
  EXPECT_EQ(cache.FindByName("B", "Widget"), nullptr);
  EXPECT_EQ(cache.FindBySku("A", ""), nullptr);
  a.reserved = 2;
  cache.Put(a);  // a movement: same row, new numbers
  EXPECT_EQ(cache.FindByName("A", "Widget")->reserved, 2);
  EXPECT_EQ(cache.size(), 1u);
  Product b = MakeProduct("A", "Gadget", "", 1);
  b.product_id = "p-2";
  cache.Put(b);
  EXPECT_EQ(cache.size(), 2u);
  Product c = MakeProduct("A", "Doohickey", "", 1);
  c.product_id = "p-3";
  cache.Put(c);  // full: starts over with the new row
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Get("A", "p-1"), nullptr);
  EXPECT_EQ(cache.FindByName("A", "Widget"), nullptr);
  EXPECT_NE(cache.FindByName("A", "Doohickey"), nullptr);
}

// --- the order cache on its own --------------------------------------------

TEST(RecentOrdersTest, AUnitsOrdersShowOnlyOnceItEndsAndLastOnlyOnceTheBatchCommits) {
  RecentOrders recent(8);
  recent.Stage(MakeOrder("A", OrderId(1), "Ada", kNow));
  EXPECT_EQ(recent.Find("A", OrderId(1)), nullptr);  // the unit's own: its caches answer
  recent.KeepUnit();
  ASSERT_NE(recent.Find("A", OrderId(1)), nullptr);  // later units of the batch
  EXPECT_EQ(recent.size(), 0u);
  recent.Committed();
  EXPECT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent.Find("B", OrderId(1)), nullptr);  // ids are per store

  Order paid = MakeOrder("A", OrderId(1), "Ada", kNow);
  paid.status = OrderStatus::kPaid;
  recent.Stage(paid);
  recent.DropUnit();  // rolled back
  recent.KeepUnit();  // the next unit, which wrote nothing
  EXPECT_EQ(recent.Find("A", OrderId(1))->status, OrderStatus::kPending);
  recent.Stage(paid);
  recent.KeepUnit();
  EXPECT_EQ(recent.Find("A", OrderId(1))->status, OrderStatus::kPaid);
  recent.Clear();  // the commit failed
  EXPECT_EQ(recent.Find("A", OrderId(1)), nullptr);
}

TEST(RecentOrdersTest, KeepsAtMostItsCapacityDroppingTheFirstPublished) {
  RecentOrders recent(3);
  for (int i = 1; i <= 5; ++i) {
    recent.Stage(MakeOrder("A", OrderId(i), "Ada", kNow + i));
    recent.KeepUnit();
    recent.Committed();
  }
  EXPECT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent.Find("A", OrderId(1)), nullptr);
  EXPECT_EQ(recent.Find("A", OrderId(2)), nullptr);
  for (int i = 3; i <= 5; ++i) EXPECT_NE(recent.Find("A", OrderId(i)), nullptr) << i;
  // Published again: updated in place, still counted once.
  recent.Stage(MakeOrder("A", OrderId(4), "Ada", kNow + 9));
  recent.KeepUnit();
  recent.Committed();
  EXPECT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent.Find("A", OrderId(4))->created_at, kNow + 9);
}

TEST(RecentOrdersTest, CapacityZeroHoldsNothing) {
  RecentOrders recent(0);
  recent.Stage(MakeOrder("A", OrderId(1), "Ada", kNow));
  recent.KeepUnit();
  recent.Committed();
  EXPECT_EQ(recent.Find("A", OrderId(1)), nullptr);
  EXPECT_EQ(recent.size(), 0u);
}

}  // namespace
}  // namespace orderflow::store::conformance
