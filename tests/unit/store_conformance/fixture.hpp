#pragma once
// The store::Store conformance suite (SPEC §10), split per store role: every
// back end must pass every role's files: catalogue_test.cpp; orders_test.cpp
// and order_list_test.cpp; idempotency_test.cpp; notifications_test.cpp;
// history_test.cpp; event_log_test.cpp and event_log_commit_test.cpp;
// webhooks_test.cpp. Each file declares one typed suite over
// `StoreFactories`, derived from `StoreFixture` (GoogleTest keeps a typed
// suite in one translation unit). A back end joins by adding a factory type
// to `StoreFactories` below:
//
//   struct PostgresFactory {
//     // Opens (creating on first use) the store whose data belongs to the
//     // test directory `dir`; calling it again with the same `dir` reopens
//     // the same database. Returns nullptr after reporting a failure.
//     static std::unique_ptr<store::Store> Make(const std::string& dir);
//     // Runs a query returning one integer directly on that database,
//     // outside the Store API (for tables the API does not expose).
//     static std::int64_t QueryInt(const std::string& dir, const std::string& sql);
//     // Runs a script of statements on that database (creating it when
//     // the store was never opened there); a failure is a test failure.
//     static void Exec(const std::string& dir, const std::string& script);
//   };
//
// Back-end specific checks (SQLite query plans, migration) are in
// sqlite_schema_test.cpp.

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ids.hpp"
#include "store/store.hpp"
#include "support/pg_test_db.hpp"
#include "support/temp_dir.hpp"

struct sqlite3;

// Test-only namespace: the suite's files share these names unqualified.
namespace orderflow::store::conformance {

using domain::HistoryEntry;
using domain::Notification;
using domain::NotificationType;
using domain::Order;
using domain::OrderLine;
using domain::OrderStatus;
using domain::Product;
using domain::ProductStatus;
using domain::StoreInfo;

constexpr TimeMs kHour = 3'600'000;
constexpr TimeMs kDay = 24 * kHour;
constexpr TimeMs kNow = 1'767'225'600'000;  // 2026-01-01T00:00:00.000Z, on an hour boundary

// --- back ends -------------------------------------------------------------

std::string SqlitePath(const std::string& dir);

// Opens a raw connection to the SQLite file, beside the store's own.
// Throws std::runtime_error when the file cannot be opened.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path);
  ~RawSqlite();
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  // The first column of the first row as an integer, -1 when there is no
  // row. Throws std::runtime_error on SQL that does not prepare.
  std::int64_t QueryInt(const std::string& sql);

  // The `detail` column of EXPLAIN QUERY PLAN, one entry per plan node.
  std::vector<std::string> Plan(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

struct SqliteFactory {
  static std::unique_ptr<Store> Make(const std::string& dir);
  static std::int64_t QueryInt(const std::string& dir, const std::string& sql);
  static void Exec(const std::string& dir, const std::string& script);
};

using orderflow::testing::PostgresFactory;
using StoreFactories = ::testing::Types<SqliteFactory, PostgresFactory>;

// --- helpers ---------------------------------------------------------------

// Runs `f(ReadTx&)` in Store::Read and returns its Result.
template <typename F>
auto ReadValue(Store& store, F f) -> decltype(f(std::declval<ReadTx&>())) {
  using R = decltype(f(std::declval<ReadTx&>()));
  std::optional<R> out;
  Status st = store.Read([&](ReadTx& tx) -> Status {
    out.emplace(f(tx));
    return OkStatus();
  });
  if (!st.ok()) return R(st.error());
  return std::move(*out);
}

// Runs `f(WriteTx&)` as one unit of work (the unit fails when `f` fails) and
// returns its Result once the unit is durable.
template <typename F>
auto WriteValue(Store& store, F f) -> decltype(f(std::declval<WriteTx&>())) {
  using R = decltype(f(std::declval<WriteTx&>()));
  std::optional<R> out;
  Status st = WriteSync(store, [&](WriteTx& tx) -> Status {
    out.emplace(f(tx));
    if (out->ok()) return OkStatus();
    return out->error();
  });
  if (out && !out->ok()) return std::move(*out);
  if (!st.ok()) return R(st.error());
  return std::move(*out);
}

StoreInfo MakeStore(const std::string& id);

Product MakeProduct(const std::string& store_id, const std::string& name, const std::string& sku,
                    std::int64_t stock, domain::Cents price = 9900);

// Deterministic UUIDs: "0000002a-0000-4000-8000-000000000042".
std::string OrderId(int n);

Order MakeOrder(const std::string& store_id, const std::string& order_id,
                const std::string& customer, TimeMs created_at, domain::Cents total = 9900);

Notification MakeNotification(const std::string& store_id, const std::string& title, TimeMs at,
                              bool read = false);

Event MakeEvent(const std::string& store_id, const std::string& order_id, const std::string& topic,
                TimeMs due_at);

// Builders for the list filters.
class OF {
 public:
  explicit OF(std::string store_id) { f_.store_id = std::move(store_id); }
  OF& Status(OrderStatus s) {
    f_.status = s;
    return *this;
  }
  OF& Payment(std::string s) {
    f_.payment_status = std::move(s);
    return *this;
  }
  OF& Fulfillment(std::string s) {
    f_.fulfillment_status = std::move(s);
    return *this;
  }
  OF& Customer(std::string s) {
    f_.customer = std::move(s);
    return *this;
  }
  OF& Q(std::string s) {
    f_.q = std::move(s);
    return *this;
  }
  OF& From(TimeMs t) {
    f_.from = t;
    return *this;
  }
  OF& To(TimeMs t) {
    f_.to = t;
    return *this;
  }
  OF& Before(std::int64_t seq) {
    f_.before_seq = seq;
    return *this;
  }
  OF& Limit(int n) {
    f_.limit = n;
    return *this;
  }
  operator OrderFilter() const { return f_; }  // NOLINT(google-explicit-constructor)

 private:
  OrderFilter f_;
};

class NF {
 public:
  explicit NF(std::string store_id) { f_.store_id = std::move(store_id); }
  NF& UnreadOnly() {
    f_.unread_only = true;
    return *this;
  }
  NF& Before(std::int64_t seq) {
    f_.before_seq = seq;
    return *this;
  }
  NF& Limit(int n) {
    f_.limit = n;
    return *this;
  }
  operator NotificationFilter() const { return f_; }  // NOLINT(google-explicit-constructor)

 private:
  NotificationFilter f_;
};

std::vector<std::string> Ids(const std::vector<Order>& orders);

std::vector<std::string> Titles(const std::vector<Notification>& items);

// --- fixture ---------------------------------------------------------------

// The base of every role's typed suite: a fresh store of back end `Factory`
// in its own directory (schema, on PostgreSQL) holding stores "A" and "B".
// Skipped on PostgreSQL without ORDERFLOW_TEST_PG (failed instead when
// ORDERFLOW_REQUIRE_PG=1).
template <typename Factory>
class StoreFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    if (IsSkipped()) return;  // PostgreSQL without ORDERFLOW_TEST_PG
    ASSERT_NE(store_, nullptr);
    for (const char* id : {"A", "B"}) {
      Status s = WriteSync(*store_, [id](WriteTx& tx) { return tx.InsertStore(MakeStore(id)); });
      ASSERT_TRUE(s.ok()) << s.error().message;
    }
  }

  void Open() { store_ = Factory::Make(dir_.path()); }
  void Reopen() {
    store_.reset();
    Open();
    ASSERT_NE(store_, nullptr);
  }
  std::int64_t QueryInt(const std::string& sql) { return Factory::QueryInt(dir_.path(), sql); }

  Store& store() { return *store_; }

  Product AddProduct(const Product& p) {
    Status s = WriteSync(*store_, [&p](WriteTx& tx) { return tx.InsertProduct(p); });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return p;
  }
  void AddOrder(const Order& o) {
    Status s = WriteSync(*store_, [&o](WriteTx& tx) { return tx.InsertOrder(o); });
    ASSERT_TRUE(s.ok()) << o.order_id << ": " << s.error().message;
  }
  Product GetProduct(const Product& p) {
    auto r =
        ReadValue(*store_, [&](ReadTx& tx) { return tx.GetProduct(p.store_id, p.product_id); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Product{};
  }
  std::pair<std::int64_t, std::int64_t> Ledger(const Product& p) {
    auto r =
        ReadValue(*store_, [&](ReadTx& tx) { return tx.LedgerTotals(p.store_id, p.product_id); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::pair<std::int64_t, std::int64_t>{-1, -1};
  }
  std::vector<StockMovement> Movements(const Product& p) {
    auto r = ReadValue(
        *store_, [&](ReadTx& tx) { return tx.ListMovements(p.store_id, p.product_id, 1000); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<StockMovement>{};
  }
  Result<Product> Move(const Product& p, MovementKind kind, std::int64_t stock_delta,
                       std::int64_t reserved_delta, TimeMs at = kNow + 1000) {
    StockMovement m;
    m.store_id = p.store_id;
    m.product_id = p.product_id;
    m.kind = kind;
    m.stock_delta = stock_delta;
    m.reserved_delta = reserved_delta;
    m.order_id = OrderId(7);
    m.note = "test";
    m.at = at;
    return WriteValue(*store_, [&m](WriteTx& tx) { return tx.ApplyMovement(m); });
  }
  Order GetOrder(const std::string& store_id, const std::string& id) {
    auto r = ReadValue(*store_, [&](ReadTx& tx) { return tx.GetOrder(store_id, id); });
    EXPECT_TRUE(r.ok()) << id << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Order{};
  }
  OrderPage List(const OrderFilter& f) {
    auto r = ReadValue(*store_, [&](ReadTx& tx) { return tx.ListOrders(f); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : OrderPage{};
  }
  // Every order id matching `f`, following the cursor through all pages.
  std::vector<std::string> ListAll(OrderFilter f) {
    std::vector<std::string> out;
    for (int pages = 0; pages < 1000; ++pages) {
      OrderPage page = List(f);
      for (const auto& o : page.items) out.push_back(o.order_id);
      if (!page.next_seq) return out;
      f.before_seq = *page.next_seq;
    }
    ADD_FAILURE() << "pagination does not end";
    return out;
  }
  std::map<OrderStatus, StatusTotals> Totals(const std::string& store_id, TimeMs since) {
    auto r = ReadValue(*store_, [&](ReadTx& tx) { return tx.OrderTotals(store_id, since); });
    EXPECT_TRUE(r.ok());
    std::map<OrderStatus, StatusTotals> out;
    if (r.ok()) {
      for (const auto& t : *r) {
        if (t.orders != 0 || t.amount != 0) out[t.status] = t;
      }
    }
    return out;
  }
  std::int64_t Unread(const std::string& store_id) {
    auto r = ReadValue(*store_, [&](ReadTx& tx) { return tx.CountUnreadNotifications(store_id); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : -1;
  }
  NotificationPage Notifications(const NotificationFilter& f) {
    auto r = ReadValue(*store_, [&](ReadTx& tx) { return tx.ListNotifications(f); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : NotificationPage{};
  }

  orderflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace orderflow::store::conformance
