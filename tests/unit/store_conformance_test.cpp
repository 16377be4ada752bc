// The store::Store conformance suite (SPEC §10): one typed suite that every
// back end must pass. A back end joins by adding a factory type to
// `StoreFactories` below:
//
//   struct PostgresFactory {
//     // Opens (creating on first use) the store whose data belongs to the
//     // test directory `dir`; calling it again with the same `dir` reopens
//     // the same database. Returns nullptr after reporting a failure.
//     static std::unique_ptr<store::Store> Make(const std::string& dir);
//     // Runs a query returning one integer directly on that database,
//     // outside the Store API (for tables the API does not expose).
//     static std::int64_t QueryInt(const std::string& dir, const std::string& sql);
//   };
//
// Back-end specific checks (query plans) follow the typed suite.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>

#include "common/ids.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/pg_test_db.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::store {
namespace {

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

std::string SqlitePath(const std::string& dir) { return dir + "/orderflow.db"; }

// Opens a raw connection to the SQLite file, beside the store's own.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  std::int64_t QueryInt(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("bad SQL: ") + sqlite3_errmsg(db_));
    }
    std::int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return value;
  }

  // The `detail` column of EXPLAIN QUERY PLAN, one entry per plan node.
  std::vector<std::string> Plan(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string explain = "EXPLAIN QUERY PLAN " + sql;
    if (sqlite3_prepare_v2(db_, explain.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("bad SQL: ") + sqlite3_errmsg(db_) + " in " + sql);
    }
    std::vector<std::string> out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

struct SqliteFactory {
  static std::unique_ptr<Store> Make(const std::string& dir) {
    SqliteConfig config;
    config.path = SqlitePath(dir);
    config.secret_key = orderflow::testing::kConformanceSecretKey;
    auto opened = SqliteStore::Open(config);
    if (!opened.ok()) {
      ADD_FAILURE() << "SqliteStore::Open: " << opened.error().message;
      return nullptr;
    }
    return std::unique_ptr<Store>(std::move(opened).value());
  }
  static std::int64_t QueryInt(const std::string& dir, const std::string& sql) {
    return RawSqlite(SqlitePath(dir)).QueryInt(sql);
  }
};

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

StoreInfo MakeStore(const std::string& id) {
  StoreInfo s;
  s.store_id = id;
  s.name = "Store " + id;
  s.color = "#059669";
  s.currency = "EUR";
  s.api_key_hash = Sha256Hex("key-" + id);
  s.rate_limit = 50;
  s.burst = 75;
  s.fraud.max_total = 500'000;
  s.fraud.max_units = 20;
  s.fraud.max_orders_per_hour = 7;
  s.fraud.max_failed_payments = 2;
  s.fraud.hits_to_flag = 3;
  s.created_at = kNow;
  return s;
}

Product MakeProduct(const std::string& store_id, const std::string& name, const std::string& sku,
                    std::int64_t stock, domain::Cents price = 9900) {
  Product p;
  p.store_id = store_id;
  p.product_id = NewUuid();
  p.product_name = name;
  p.sku = sku;
  p.price = price;
  p.stock = stock;
  p.threshold = 5;
  p.created_at = kNow;
  p.updated_at = kNow;
  return p;
}

// Deterministic UUIDs: "0000002a-0000-4000-8000-000000000042".
std::string OrderId(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012d", n, n);
  return buf;
}

Order MakeOrder(const std::string& store_id, const std::string& order_id,
                const std::string& customer, TimeMs created_at, domain::Cents total = 9900) {
  Order o;
  o.store_id = store_id;
  o.order_id = order_id;
  o.customer_name = customer;
  std::string local;
  for (char c : customer) {
    if (c != ' ') local += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  o.customer_email = local + "@example.com";
  o.items = {OrderLine{"prod-1", "Widget", "W-1", 1, total, total}};
  o.total = total;
  o.currency = "USD";
  o.payment_token = "tok_visa";
  o.request_hash = Sha256Hex(order_id);
  o.created_at = created_at;
  o.updated_at = created_at;
  o.history = {HistoryEntry{"ORDER_CREATED", created_at, "Order received"}};
  return o;
}

Notification MakeNotification(const std::string& store_id, const std::string& title, TimeMs at,
                              bool read = false) {
  Notification n;
  n.notification_id = NewUuid();
  n.store_id = store_id;
  n.order_id = OrderId(1);
  n.type = NotificationType::kWarning;
  n.title = title;
  n.message = "message for " + title;
  n.read = read;
  n.created_at = at;
  return n;
}

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

std::vector<std::string> Ids(const std::vector<Order>& orders) {
  std::vector<std::string> out;
  for (const auto& o : orders) out.push_back(o.order_id);
  return out;
}

std::vector<std::string> Titles(const std::vector<Notification>& items) {
  std::vector<std::string> out;
  for (const auto& n : items) out.push_back(n.title);
  return out;
}

// --- fixture ---------------------------------------------------------------

template <typename Factory>
class StoreConformance : public ::testing::Test {
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

using orderflow::testing::PostgresFactory;
using StoreFactories = ::testing::Types<SqliteFactory, PostgresFactory>;
TYPED_TEST_SUITE(StoreConformance, StoreFactories);

// --- stores ----------------------------------------------------------------

TYPED_TEST(StoreConformance, StoresRoundTripAndAreListed) {
  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("A"); });
  ASSERT_TRUE(a.ok()) << a.error().message;
  const StoreInfo want = MakeStore("A");
  EXPECT_EQ(a->store_id, "A");
  EXPECT_EQ(a->name, want.name);
  EXPECT_EQ(a->color, want.color);
  EXPECT_EQ(a->currency, "EUR");
  EXPECT_EQ(a->api_key_hash, want.api_key_hash);
  EXPECT_DOUBLE_EQ(a->rate_limit, 50);
  EXPECT_DOUBLE_EQ(a->burst, 75);
  EXPECT_EQ(a->fraud.max_total, 500'000);
  EXPECT_EQ(a->fraud.max_units, 20);
  EXPECT_EQ(a->fraud.max_orders_per_hour, 7);
  EXPECT_EQ(a->fraud.max_failed_payments, 2);
  EXPECT_EQ(a->fraud.hits_to_flag, 3);
  EXPECT_EQ(a->created_at, kNow);

  auto all = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListStores(); });
  ASSERT_TRUE(all.ok());
  std::set<std::string> ids;
  for (const auto& s : *all) ids.insert(s.store_id);
  EXPECT_EQ(ids, (std::set<std::string>{"A", "B"}));
  EXPECT_EQ(all->size(), 2u);
}

TYPED_TEST(StoreConformance, StoreInsertConflictsAndUpdateAndNotFound) {
  StoreInfo dup = MakeStore("A");
  dup.name = "Impostor";
  Status s = WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertStore(dup); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kConflict);

  StoreInfo changed = MakeStore("A");
  changed.name = "Renamed";
  changed.api_key_hash = Sha256Hex("rotated");
  changed.rate_limit = 5;
  changed.fraud.max_units = 99;
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateStore(changed); }).ok());
  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("A"); });
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "Renamed");
  EXPECT_EQ(a->api_key_hash, Sha256Hex("rotated"));
  EXPECT_DOUBLE_EQ(a->rate_limit, 5);
  EXPECT_EQ(a->fraud.max_units, 99);
  auto b = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("B"); });
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "Store B") << "an update touched another store";

  EXPECT_EQ(ReadValue(this->store(), [](ReadTx& tx) { return tx.GetStore("C"); }).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(
      WriteSync(this->store(), [](WriteTx& tx) { return tx.UpdateStore(MakeStore("C")); }).code(),
      ErrorCode::kNotFound);
}

// --- products --------------------------------------------------------------

TYPED_TEST(StoreConformance, InitialStockIsRecordedAsARestockMovement) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 25));
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.product_name, "Widget");
  EXPECT_EQ(got.sku, "W-1");
  EXPECT_EQ(got.price, 9900);
  EXPECT_EQ(got.stock, 25);
  EXPECT_EQ(got.reserved, 0);
  EXPECT_EQ(got.threshold, 5);
  EXPECT_EQ(got.status, ProductStatus::kActive);
  auto moves = this->Movements(p);
  ASSERT_EQ(moves.size(), 1u);
  EXPECT_EQ(moves[0].kind, MovementKind::kRestock);
  EXPECT_EQ(moves[0].stock_delta, 25);
  EXPECT_EQ(moves[0].reserved_delta, 0);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{25, 0}));

  Product empty = this->AddProduct(MakeProduct("A", "Nothing", "", 0));
  EXPECT_EQ(this->GetProduct(empty).stock, 0);
  EXPECT_EQ(this->Ledger(empty), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  EXPECT_EQ(this->GetProduct(empty).sku, "");
}

TYPED_TEST(StoreConformance, FindProductByNameOrSku) {
  Product w = this->AddProduct(MakeProduct("A", "Widget", "W-1", 5));
  this->AddProduct(MakeProduct("A", "Gadget", "G-1", 5));
  this->AddProduct(MakeProduct("B", "Gizmo", "Z-1", 5));

  auto by_name =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.FindProduct("A", "Widget", ""); });
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->product_id, w.product_id);
  auto by_sku = ReadValue(this->store(), [](ReadTx& tx) { return tx.FindProduct("A", "", "W-1"); });
  ASSERT_TRUE(by_sku.ok());
  EXPECT_EQ(by_sku->product_id, w.product_id);
  auto other = ReadValue(this->store(), [](ReadTx& tx) { return tx.FindProduct("A", "", "G-1"); });
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->product_name, "Gadget");

  for (const auto& probe : std::vector<std::pair<std::string, std::string>>{{"Nope", ""},
                                                                            {"", "NOPE"},
                                                                            {"widget", ""},
                                                                            {"Widget ", ""},
                                                                            {"Gizmo", ""},
                                                                            {"", "Z-1"}}) {
    const std::string& name = probe.first;
    const std::string& sku = probe.second;
    auto r = ReadValue(this->store(), [&](ReadTx& tx) { return tx.FindProduct("A", name, sku); });
    ASSERT_FALSE(r.ok()) << "found '" << name << "'/'" << sku << "' in store A";
    EXPECT_EQ(r.code(), ErrorCode::kNotFound);
  }
}

TYPED_TEST(StoreConformance, ProductNamesAndSkusAreUniquePerStore) {
  this->AddProduct(MakeProduct("A", "Widget", "W-1", 5));
  for (const Product& dup :
       {MakeProduct("A", "Widget", "W-2", 1), MakeProduct("A", "Widget 2", "W-1", 1)}) {
    Status s = WriteSync(this->store(), [&](WriteTx& tx) { return tx.InsertProduct(dup); });
    ASSERT_FALSE(s.ok()) << dup.product_name << "/" << dup.sku;
    EXPECT_EQ(s.code(), ErrorCode::kConflict);
    // Nothing of the refused product remains, not even its initial restock.
    EXPECT_EQ(
        ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetProduct("A", dup.product_id); })
            .code(),
        ErrorCode::kNotFound);
    EXPECT_EQ(this->Ledger(dup), (std::pair<std::int64_t, std::int64_t>{0, 0}));
  }
  // The same name and SKU are fine in another store, and products without SKU do not clash.
  Status other = WriteSync(this->store(), [](WriteTx& tx) {
    return tx.InsertProduct(MakeProduct("B", "Widget", "W-1", 3));
  });
  EXPECT_TRUE(other.ok()) << other.error().message;
  this->AddProduct(MakeProduct("A", "No SKU 1", "", 1));
  this->AddProduct(MakeProduct("A", "No SKU 2", "", 1));

  auto a = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListProducts("A"); });
  auto b = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListProducts("B"); });
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 3u);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].store_id, "B");
  EXPECT_EQ((*b)[0].stock, 3);
  for (const auto& p : *a) EXPECT_EQ(p.store_id, "A");
}

TYPED_TEST(StoreConformance, UpdateProductChangesAttributesButNeverStock) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  this->AddProduct(MakeProduct("A", "Gadget", "G-1", 10));
  Product changed = p;
  changed.product_name = "Widget Pro";
  changed.sku = "WP-1";
  changed.price = 12345;
  changed.threshold = 3;
  changed.status = ProductStatus::kArchived;
  changed.low_stock_alerted = true;
  changed.stock = 999;
  changed.reserved = 7;
  changed.updated_at = kNow + 5;
  ASSERT_TRUE(
      WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(changed); }).ok());
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.product_name, "Widget Pro");
  EXPECT_EQ(got.sku, "WP-1");
  EXPECT_EQ(got.price, 12345);
  EXPECT_EQ(got.threshold, 3);
  EXPECT_EQ(got.status, ProductStatus::kArchived);
  EXPECT_TRUE(got.low_stock_alerted);
  EXPECT_EQ(got.stock, 10);
  EXPECT_EQ(got.reserved, 0);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{10, 0}));

  Product clash = changed;
  clash.product_name = "Gadget";
  EXPECT_EQ(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(clash); }).code(),
            ErrorCode::kConflict);
  EXPECT_EQ(this->GetProduct(p).product_name, "Widget Pro");

  Product missing = MakeProduct("A", "Ghost", "", 0);
  EXPECT_EQ(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(missing); }).code(),
            ErrorCode::kNotFound);
  Product foreign = changed;
  foreign.store_id = "B";
  EXPECT_EQ(WriteSync(this->store(), [&](WriteTx& tx) { return tx.UpdateProduct(foreign); }).code(),
            ErrorCode::kNotFound);
}

// --- inventory ledger ------------------------------------------------------

TYPED_TEST(StoreConformance, MovementsKeepStockAndReservedEqualToTheLedger) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  struct Step {
    MovementKind kind;
    std::int64_t stock_delta, reserved_delta, want_stock, want_reserved;
  };
  const Step steps[] = {
      {MovementKind::kReserve, 0, 4, 10, 4},  {MovementKind::kReserve, 0, 6, 10, 10},
      {MovementKind::kRelease, 0, -3, 10, 7}, {MovementKind::kCommit, -2, -2, 8, 5},
      {MovementKind::kRestock, 5, 0, 13, 5},  {MovementKind::kAdjust, -8, 0, 5, 5},
      {MovementKind::kCommit, -5, -5, 0, 0},  {MovementKind::kRestock, 3, 0, 3, 0},
  };
  for (const Step& s : steps) {
    auto r = this->Move(p, s.kind, s.stock_delta, s.reserved_delta);
    ASSERT_TRUE(r.ok()) << ToString(s.kind) << ": " << r.error().message;
    EXPECT_EQ(r->stock, s.want_stock) << ToString(s.kind);
    EXPECT_EQ(r->reserved, s.want_reserved) << ToString(s.kind);
    Product stored = this->GetProduct(p);
    EXPECT_EQ(stored.stock, s.want_stock);
    EXPECT_EQ(stored.reserved, s.want_reserved);
    EXPECT_EQ(this->Ledger(p), std::make_pair(stored.stock, stored.reserved));
  }
  auto moves = this->Movements(p);
  ASSERT_EQ(moves.size(), 9u);  // the initial restock and the eight above
  EXPECT_EQ(moves.front().kind, MovementKind::kRestock) << "newest first";
  EXPECT_EQ(moves.front().stock_delta, 3);
  EXPECT_EQ(moves.back().note, "initial stock");
  EXPECT_EQ(moves[1].kind, MovementKind::kCommit);
  EXPECT_EQ(moves[1].order_id, OrderId(7));
  EXPECT_EQ(moves[1].store_id, "A");
  EXPECT_EQ(moves[1].product_id, p.product_id);
}

TYPED_TEST(StoreConformance, RefusedMovementChangesNeitherProductNorLedger) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  ASSERT_TRUE(this->Move(p, MovementKind::kReserve, 0, 6).ok());
  const Product before = this->GetProduct(p);
  const std::size_t moves_before = this->Movements(p).size();

  struct Bad {
    const char* what;
    MovementKind kind;
    std::int64_t stock_delta, reserved_delta;
  };
  const Bad bad[] = {
      {"reserve more than available", MovementKind::kReserve, 0, 5},
      {"release more than reserved", MovementKind::kRelease, 0, -7},
      {"commit more than reserved", MovementKind::kCommit, -7, -7},
      {"commit more than stock", MovementKind::kCommit, -11, -6},
      {"adjust stock below reserved", MovementKind::kAdjust, -5, 0},
      {"adjust stock below zero", MovementKind::kAdjust, -11, 0},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    // The caller ignores the refusal and commits its unit anyway: the
    // movement itself must have written nothing.
    std::optional<Result<Product>> result;
    StockMovement m{0,  "A", p.product_id, b.kind, b.stock_delta, b.reserved_delta,
                    "", "x", kNow + 99};
    Status unit = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
      result.emplace(tx.ApplyMovement(m));
      return OkStatus();
    });
    ASSERT_TRUE(unit.ok());
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->ok());
    EXPECT_EQ(result->code(), ErrorCode::kInsufficientStock);
    Product after = this->GetProduct(p);
    EXPECT_EQ(after.stock, before.stock);
    EXPECT_EQ(after.reserved, before.reserved);
    EXPECT_EQ(after.updated_at, before.updated_at);
    EXPECT_EQ(this->Movements(p).size(), moves_before);
    EXPECT_EQ(this->Ledger(p), std::make_pair(before.stock, before.reserved));
  }
}

TYPED_TEST(StoreConformance, MovementOfAnotherStoresProductIsRefused) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  Product foreign = p;
  foreign.store_id = "B";
  auto r = this->Move(foreign, MovementKind::kReserve, 0, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), ErrorCode::kNotFound);
  EXPECT_EQ(this->GetProduct(p).reserved, 0);
  EXPECT_EQ(this->Ledger(foreign), (std::pair<std::int64_t, std::int64_t>{0, 0}));
}

TYPED_TEST(StoreConformance, ConcurrentReservationsNeverOversell) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 50));
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 40;
  std::atomic<int> reserved{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto r = this->Move(p, MovementKind::kReserve, 0, 1);
        if (r.ok()) {
          ++reserved;
        } else if (r.code() == ErrorCode::kInsufficientStock) {
          ++refused;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(reserved.load(), 50);
  EXPECT_EQ(refused.load(), kWriters * kPerWriter - 50);
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.reserved, 50);
  EXPECT_EQ(got.stock, 50);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{50, 50}));
}

// --- orders ----------------------------------------------------------------

TYPED_TEST(StoreConformance, OrderRoundTripsWithItsHistory) {
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

TYPED_TEST(StoreConformance, DuplicateOrderIdConflictsInItsOwnStoreOnly) {
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

TYPED_TEST(StoreConformance, UpdateOrderAppendsHistoryAndMovesCounters) {
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

TYPED_TEST(StoreConformance, UpdateOrderWithStalePreviousStatusWritesNothing) {
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

// --- listing orders --------------------------------------------------------

TYPED_TEST(StoreConformance, ListOrdersPagesNewestFirstWithoutDuplicates) {
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

TYPED_TEST(StoreConformance, ListOrdersCursorIsAbsentAfterAnExactlyFullLastPage) {
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

TYPED_TEST(StoreConformance, ListOrdersFiltersByStatusPaymentAndFulfillment) {
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

TYPED_TEST(StoreConformance, ListOrdersCustomerFilterIsExactAndCaseInsensitiveOnNames) {
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

TYPED_TEST(StoreConformance, ListOrdersCustomerFilterMatchesTheEmail) {
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
TYPED_TEST(StoreConformance, ListOrdersCustomerFilterIgnoresTheCaseOfAnEmail) {
  this->AddOrder(MakeOrder("A", OrderId(1), "Alice Smith", kNow + 1));  // alicesmith@example.com
  this->AddOrder(MakeOrder("A", OrderId(2), "Bob", kNow + 2));
  for (const char* email : {"AliceSmith@example.com", "ALICESMITH@EXAMPLE.COM"}) {
    EXPECT_EQ(this->ListAll(OF("A").Customer(email)), std::vector<std::string>{OrderId(1)})
        << email;
  }
}

TYPED_TEST(StoreConformance, ListOrdersTimeRangeIsFromInclusiveToExclusive) {
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

TYPED_TEST(StoreConformance, ListOrdersQueryMatchesOrderIdPrefixOrCustomerSubstring) {
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

TYPED_TEST(StoreConformance, ListOrdersQueryTreatsLikeWildcardsLiterally) {
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

// --- isolation -------------------------------------------------------------

TYPED_TEST(StoreConformance, NoReadReturnsAnotherStoresRows) {
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

TYPED_TEST(StoreConformance, OrderTotalsCountOnlyTheWindow) {
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

TYPED_TEST(StoreConformance, CountCustomerOrdersByNameInTheWindow) {
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

TYPED_TEST(StoreConformance, CountCustomerFailedPaymentsUsesTheFailureTime) {
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

// --- idempotency -----------------------------------------------------------

TYPED_TEST(StoreConformance, CompleteIdempotencyFillsInOnlyItsOwnClaim) {
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

TYPED_TEST(StoreConformance, OrderIdsAreUniquePerStoreOnly) {
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

TYPED_TEST(StoreConformance, IdempotencyRecordsRoundTripPerStore) {
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

// --- notifications ---------------------------------------------------------

TYPED_TEST(StoreConformance, NotificationsListNewestFirstWithUnreadFilterAndPages) {
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

TYPED_TEST(StoreConformance, MarkNotificationReadIsIdempotentAndKeepsTheCounter) {
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

TYPED_TEST(StoreConformance, MarkAllNotificationsReadCountsAndResetsOneStore) {
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

// --- outbox ----------------------------------------------------------------

Event MakeEvent(const std::string& store_id, const std::string& order_id, const std::string& topic,
                TimeMs due_at) {
  Event e;
  e.store_id = store_id;
  e.order_id = order_id;
  e.topic = topic;
  e.payload = R"({"orderId":")" + order_id + R"("})";
  e.created_at = kNow;
  e.due_at = due_at;
  return e;
}

std::vector<std::string> Steps(const std::vector<Delivery>& deliveries) {
  std::vector<std::string> out;
  for (const auto& d : deliveries) out.push_back(std::to_string(d.event.id) + "/" + d.step);
  return out;
}

TYPED_TEST(StoreConformance, InsertEventCreatesOnePendingDeliveryPerStep) {
  const Event e = MakeEvent("A", OrderId(1), "order.created", kNow + 500);
  const std::vector<std::string> steps = {"fraud-guard", "alerts", "webhooks"};
  auto first = WriteValue(this->store(), [&](WriteTx& tx) { return tx.InsertEvent(e, steps); });
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second =
      WriteValue(this->store(), [&](WriteTx& tx) { return tx.InsertEvent(e, {"alerts"}); });
  ASSERT_TRUE(second.ok());
  auto none = WriteValue(this->store(), [&](WriteTx& tx) { return tx.InsertEvent(e, {}); });
  ASSERT_TRUE(none.ok());
  EXPECT_GT(*second, *first);
  EXPECT_GT(*none, *second);

  for (const auto& step : steps) {
    auto d = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*first, step); });
    ASSERT_TRUE(d.ok()) << step << ": " << d.error().message;
    EXPECT_EQ(d->step, step);
    EXPECT_EQ(d->state, DeliveryState::kPending);
    EXPECT_EQ(d->attempts, 0);
    EXPECT_EQ(d->next_at, kNow + 500);
    EXPECT_EQ(d->finished_at, 0);
    EXPECT_EQ(d->event.id, *first);
    EXPECT_EQ(d->event.store_id, "A");
    EXPECT_EQ(d->event.order_id, OrderId(1));
    EXPECT_EQ(d->event.topic, "order.created");
    EXPECT_EQ(d->event.payload, e.payload);
    EXPECT_EQ(d->event.created_at, kNow);
    EXPECT_EQ(d->event.due_at, kNow + 500);
  }
  EXPECT_EQ(ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*first, "payment"); })
                .code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*none, "alerts"); }).code(),
      ErrorCode::kNotFound);

  auto deliveries =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderDeliveries("A", OrderId(1)); });
  ASSERT_TRUE(deliveries.ok());
  std::multiset<std::string> got;
  for (const auto& d : *deliveries) got.insert(std::to_string(d.event.id) + "/" + d.step);
  EXPECT_EQ(got, (std::multiset<std::string>{
                     std::to_string(*first) + "/fraud-guard", std::to_string(*first) + "/alerts",
                     std::to_string(*first) + "/webhooks", std::to_string(*second) + "/alerts"}));
  ASSERT_EQ(deliveries->size(), 4u);
  EXPECT_EQ(deliveries->back().event.id, *second) << "events oldest first";

  // The trace lists every event of the order, with or without subscribers.
  auto events =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderEvents("A", OrderId(1)); });
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].id, *first);
  EXPECT_EQ((*events)[2].id, *none);

  // Another store sees none of it.
  auto foreign =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderDeliveries("B", OrderId(1)); });
  ASSERT_TRUE(foreign.ok());
  EXPECT_TRUE(foreign->empty());
  auto foreign_events =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderEvents("B", OrderId(1)); });
  ASSERT_TRUE(foreign_events.ok());
  EXPECT_TRUE(foreign_events->empty());
}

TYPED_TEST(StoreConformance, EventOfAFailedUnitIsNotWritten) {
  const Event e = MakeEvent("A", OrderId(1), "order.created", kNow);
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(1), "Ada", kNow)));
    auto id = tx.InsertEvent(e, {"fraud-guard"});
    if (!id.ok()) return id.error();
    return MakeError(ErrorCode::kConflict, "caller changed its mind");
  });
  ASSERT_EQ(s.code(), ErrorCode::kConflict);
  auto events =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListOrderEvents("A", OrderId(1)); });
  ASSERT_TRUE(events.ok());
  EXPECT_TRUE(events->empty());
  auto next = ReadValue(this->store(), [](ReadTx& tx) { return tx.NextDueTime(); });
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  auto due =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow + kDay, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  EXPECT_EQ(
      ReadValue(this->store(), [](ReadTx& tx) { return tx.GetOrder("A", OrderId(1)); }).code(),
      ErrorCode::kNotFound);
}

TYPED_TEST(StoreConformance, ClaimedDeliveriesAreDueAndPendingOnly) {
  auto e1 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("A", OrderId(1), "order.created", kNow), {"s1"});
  });
  auto e2 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", OrderId(2), "delivery.shipped", kNow + 5000), {"s1"});
  });
  ASSERT_TRUE(e1.ok() && e2.ok());
  auto early = this->store().ClaimDueDeliveries(kNow - 1, 10, 1000);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->empty());
  auto claimed = this->store().ClaimDueDeliveries(kNow, 10, 1000);
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(Steps(*claimed), (std::vector<std::string>{std::to_string(*e1) + "/s1"}));
  EXPECT_EQ(claimed->front().event.topic, "order.created");
  EXPECT_EQ(claimed->front().event.order_id, OrderId(1));

  // Handled work is never claimed again, however late the claim.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.CompleteDelivery(*e1, "s1", 1, kNow + 1);
              }).ok());
  auto later = this->store().ClaimDueDeliveries(kNow + 5000 + 2000, 10, 1000);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Steps(*later), (std::vector<std::string>{std::to_string(*e2) + "/s1"}));
}

// Deliveries a full bulkhead holds back are left unclaimed, so that they
// neither fill the batch nor spend an attempt (engine/step.hpp Bulkhead).
TYPED_TEST(StoreConformance, ClaimsLeaveSkippedStepsAndStoresAlone) {
  auto a = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("A", "", "webhook.send", kNow), {"send", "other"});
  });
  auto b = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", "", "webhook.send", kNow), {"send"});
  });
  ASSERT_TRUE(a.ok() && b.ok());
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::string ea = std::to_string(*a);
  const std::string eb = std::to_string(*b);
  auto store_skipped = this->store().ClaimDueDeliveries(kNow, 10, 1000, {{"send", "A"}});
  ASSERT_TRUE(store_skipped.ok()) << store_skipped.error().message;
  EXPECT_EQ(sorted(Steps(*store_skipped)), sorted({ea + "/other", eb + "/send"}));
  // After those claims' lease: the whole step skipped.
  auto step_skipped = this->store().ClaimDueDeliveries(kNow + 2000, 10, 1000, {{"send", ""}});
  ASSERT_TRUE(step_skipped.ok()) << step_skipped.error().message;
  EXPECT_EQ(Steps(*step_skipped), (std::vector<std::string>{ea + "/other"}));
  auto none_skipped = this->store().ClaimDueDeliveries(kNow + 4000, 10, 1000);
  ASSERT_TRUE(none_skipped.ok());
  EXPECT_EQ(none_skipped->size(), 3u);
}

TYPED_TEST(StoreConformance, CronRunIsWonOncePerSchedule) {
  auto claim = [&](const std::string& name, TimeMs now, TimeMs next) {
    auto r =
        WriteValue(this->store(), [&](WriteTx& tx) { return tx.ClaimCronRun(name, now, next); });
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_TRUE(claim("low-stock-scan", kNow, kNow + 60000));
  EXPECT_FALSE(claim("low-stock-scan", kNow + 10, kNow + 60010));
  EXPECT_FALSE(claim("low-stock-scan", kNow + 59999, kNow + 119999));
  EXPECT_TRUE(claim("stock-reconcile", kNow + 10, kNow + 60010));
  EXPECT_TRUE(claim("low-stock-scan", kNow + 60000, kNow + 120000));

  // A run whose unit fails does not count: the next caller wins it.
  Status failed = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(bool won, tx.ClaimCronRun("low-stock-scan", kNow + 120000, kNow + 180000));
    EXPECT_TRUE(won);
    return MakeError(ErrorCode::kUnavailable, "scan failed");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(claim("low-stock-scan", kNow + 120001, kNow + 180001));
}

TYPED_TEST(StoreConformance, DueDeliveriesRespectNextAtAndCompleteOnlyOnce) {
  auto e1 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("A", OrderId(1), "order.created", kNow), {"s1", "s2"});
  });
  auto e2 = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", OrderId(2), "delivery.shipped", kNow + 5000), {"s1"});
  });
  ASSERT_TRUE(e1.ok() && e2.ok());
  const std::string a1 = std::to_string(*e1) + "/s1", a2 = std::to_string(*e1) + "/s2",
                    b1 = std::to_string(*e2) + "/s1";
  auto due = [&](TimeMs now, int limit) {
    auto r = ReadValue(this->store(), [&](ReadTx& tx) { return tx.ListDueDeliveries(now, limit); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? Steps(*r) : std::vector<std::string>{};
  };
  auto next_due = [&]() -> std::optional<TimeMs> {
    auto r = ReadValue(this->store(), [](ReadTx& tx) { return tx.NextDueTime(); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  };
  EXPECT_TRUE(due(kNow - 1, 10).empty());
  EXPECT_EQ(due(kNow, 10), (std::vector<std::string>{a1, a2}));
  EXPECT_EQ(due(kNow + 5000, 10), (std::vector<std::string>{a1, a2, b1}));
  EXPECT_EQ(due(kNow + 5000, 1).size(), 1u);
  EXPECT_EQ(next_due(), kNow);

  // A failed attempt postpones the delivery and records the error.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.RetryDelivery(*e1, "s1", 1, kNow + 9000, "gateway timeout", kNow + 10);
              }).ok());
  auto retried = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*e1, "s1"); });
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->state, DeliveryState::kPending);
  EXPECT_EQ(retried->attempts, 1);
  EXPECT_EQ(retried->next_at, kNow + 9000);
  EXPECT_EQ(retried->last_error, "gateway timeout");
  EXPECT_EQ(retried->started_at, kNow + 10);
  EXPECT_EQ(due(kNow + 5000, 10), (std::vector<std::string>{a2, b1}));
  EXPECT_EQ(due(kNow + 9000, 10), (std::vector<std::string>{a2, b1, a1})) << "oldest due first";

  // Completing is recorded once; a redelivery finds it handled.
  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.CompleteDelivery(*e1, "s2", 1, kNow + 20);
              }).ok());
  Status again = WriteSync(
      this->store(), [&](WriteTx& tx) { return tx.CompleteDelivery(*e1, "s2", 2, kNow + 30); });
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
  auto done = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(*e1, "s2"); });
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, DeliveryState::kDone);
  EXPECT_EQ(done->attempts, 1);
  EXPECT_EQ(done->finished_at, kNow + 20);
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) {
                        return tx.RetryDelivery(*e1, "s2", 2, kNow + 99, "late", kNow + 40);
                      })
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(due(kNow + kDay, 10), (std::vector<std::string>{b1, a1}));
  EXPECT_EQ(next_due(), kNow + 5000);

  auto counts = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries("A"); });
  ASSERT_TRUE(counts.ok());
  std::map<std::string, StepCounts> by_step;
  for (const auto& c : *counts) by_step[c.step] = c;
  EXPECT_EQ(by_step["s1"].pending, 1);
  EXPECT_EQ(by_step["s1"].retrying, 1);
  EXPECT_EQ(by_step["s1"].done, 0);
  EXPECT_EQ(by_step["s2"].pending, 0);
  EXPECT_EQ(by_step["s2"].done, 1);
  auto all = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries(""); });
  ASSERT_TRUE(all.ok());
  std::int64_t pending_s1 = 0;
  for (const auto& c : *all) {
    if (c.step == "s1") pending_s1 = c.pending;
  }
  EXPECT_EQ(pending_s1, 2) << "store A and store B";
}

// Step chaining writes a delivery row after its event, either already handled
// in the same unit or pending for the dispatcher.
TYPED_TEST(StoreConformance, AddedDeliveriesAreDoneAndCountedOrPendingAndDue) {
  Event event = MakeEvent("A", OrderId(1), "order.created", kNow);
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(event.id, tx.InsertEvent(event, {"dispatched"}));
    OF_RETURN_IF_ERROR(tx.AddDelivery(event, "chained", true, kNow + 1));
    return tx.AddDelivery(event, "left", false, kNow + 1);
  });
  ASSERT_TRUE(s.ok()) << s.error().message;

  auto chained =
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(event.id, "chained"); });
  ASSERT_TRUE(chained.ok());
  EXPECT_EQ(chained->state, DeliveryState::kDone);
  EXPECT_EQ(chained->attempts, 1);
  // Recorded on the event row: handled at the time of the unit that wrote
  // the event (a chained step runs in that unit).
  EXPECT_EQ(chained->started_at, event.created_at);
  EXPECT_EQ(chained->finished_at, event.created_at);
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(Steps(*due), (std::vector<std::string>{std::to_string(event.id) + "/dispatched",
                                                   std::to_string(event.id) + "/left"}));
  auto counts = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries("A"); });
  ASSERT_TRUE(counts.ok());
  std::map<std::string, StepCounts> by_step;
  for (const auto& c : *counts) by_step[c.step] = c;
  EXPECT_EQ(by_step["chained"].done, 1);
  EXPECT_EQ(by_step["chained"].pending, 0);
  EXPECT_EQ(by_step["left"].pending, 1);

  // Handled once only: a second row for the same (event, step) is refused,
  // and so is completing the handled one.
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) { return tx.AddDelivery(event, "chained", true, kNow + 2); })
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(
      WriteSync(this->store(),
                [&](WriteTx& tx) { return tx.CompleteDelivery(event.id, "chained", 2, kNow + 2); })
          .code(),
      ErrorCode::kConflict);
}

// kRetryUnit: the run's writes roll back and the unit runs again at once;
// what the last run wrote commits.
TYPED_TEST(StoreConformance, AUnitAskingToRunAgainKeepsOnlyItsLastRun) {
  int runs = 0;
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    ++runs;
    OF_RETURN_IF_ERROR(tx.InsertEvent(MakeEvent("A", OrderId(runs), "order.created", kNow),
                                      {"run " + std::to_string(runs)}));
    if (runs < 3) return MakeError(ErrorCode::kRetryUnit, "again");
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(runs, 3);
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 10); });
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1U);
  EXPECT_EQ(due->front().step, "run 3");
  EXPECT_EQ(due->front().event.order_id, OrderId(3));
}

TYPED_TEST(StoreConformance, AUnitThatNeverStopsAskingFailsAndWritesNothing) {
  int runs = 0;
  Status s = WriteSync(this->store(), [&](WriteTx& tx) -> Status {
    ++runs;
    OF_RETURN_IF_ERROR(tx.InsertEvent(MakeEvent("A", OrderId(1), "order.created", kNow), {"x"}));
    return MakeError(ErrorCode::kRetryUnit, "again");
  });
  EXPECT_EQ(s.code(), ErrorCode::kInternal);
  EXPECT_EQ(runs, kMaxUnitRuns);
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
}

TYPED_TEST(StoreConformance, DeadLettersAreListedPerStoreAndRedrivable) {
  std::vector<std::int64_t> a_events;
  for (int i = 0; i < 3; ++i) {
    auto id = WriteValue(this->store(), [i](WriteTx& tx) {
      return tx.InsertEvent(MakeEvent("A", OrderId(i), "inventory.reserved", kNow), {"payment"});
    });
    ASSERT_TRUE(id.ok());
    a_events.push_back(*id);
  }
  auto b_event = WriteValue(this->store(), [](WriteTx& tx) {
    return tx.InsertEvent(MakeEvent("B", OrderId(9), "inventory.reserved", kNow), {"payment"});
  });
  ASSERT_TRUE(b_event.ok());
  for (std::int64_t id : {a_events[0], a_events[1], a_events[2], *b_event}) {
    ASSERT_TRUE(WriteSync(this->store(), [id](WriteTx& tx) {
                  return tx.DeadLetterDelivery(id, "payment", 5, "card network down", kNow + 60);
                }).ok());
  }
  auto dead_page = [&](const std::string& store_id, std::int64_t before, int limit) {
    auto r = ReadValue(this->store(),
                       [&](ReadTx& tx) { return tx.ListDeadLetters(store_id, before, limit); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : DeadLetterPage{};
  };
  DeadLetterPage p1 = dead_page("A", 0, 2);
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_EQ(p1.items[0].event.id, a_events[2]) << "newest first";
  EXPECT_EQ(p1.items[1].event.id, a_events[1]);
  EXPECT_EQ(p1.items[0].state, DeliveryState::kDead);
  EXPECT_EQ(p1.items[0].attempts, 5);
  EXPECT_EQ(p1.items[0].last_error, "card network down");
  EXPECT_EQ(p1.items[0].finished_at, kNow + 60);
  EXPECT_EQ(p1.items[0].event.topic, "inventory.reserved");
  ASSERT_TRUE(p1.next_event_id.has_value());
  DeadLetterPage p2 = dead_page("A", *p1.next_event_id, 2);
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].event.id, a_events[0]);
  EXPECT_FALSE(p2.next_event_id.has_value());
  DeadLetterPage b = dead_page("B", 0, 50);
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].event.store_id, "B");

  // Dead letters are not due and cannot complete.
  auto due =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow + kDay, 10); });
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) {
                        return tx.CompleteDelivery(a_events[0], "payment", 6, kNow + 70);
                      })
                .code(),
            ErrorCode::kConflict);

  // A store can only redrive its own dead letters.
  Status foreign = WriteSync(this->store(), [&](WriteTx& tx) {
    return tx.RedriveDelivery("B", a_events[0], "payment", kNow + 100);
  });
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.code(), ErrorCode::kNotFound);
  EXPECT_EQ(dead_page("A", 0, 50).items.size(), 3u);

  ASSERT_TRUE(WriteSync(this->store(), [&](WriteTx& tx) {
                return tx.RedriveDelivery("A", a_events[0], "payment", kNow + 100);
              }).ok());
  auto redriven =
      ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetDelivery(a_events[0], "payment"); });
  ASSERT_TRUE(redriven.ok());
  EXPECT_EQ(redriven->state, DeliveryState::kPending);
  EXPECT_EQ(redriven->attempts, 0);
  EXPECT_EQ(redriven->next_at, kNow + 100);
  EXPECT_EQ(dead_page("A", 0, 50).items.size(), 2u);
  auto due_now =
      ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow + 100, 10); });
  ASSERT_TRUE(due_now.ok());
  ASSERT_EQ(due_now->size(), 1u);
  EXPECT_EQ((*due_now)[0].event.id, a_events[0]);
  EXPECT_EQ(WriteSync(this->store(),
                      [&](WriteTx& tx) {
                        return tx.RedriveDelivery("A", a_events[0], "payment", kNow + 200);
                      })
                .code(),
            ErrorCode::kNotFound)
      << "only a dead letter can be redriven";

  auto counts = ReadValue(this->store(), [](ReadTx& tx) { return tx.CountDeliveries("A"); });
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].step, "payment");
  EXPECT_EQ((*counts)[0].dead, 2);
  EXPECT_EQ((*counts)[0].pending, 1);
}

TYPED_TEST(StoreConformance, CommitListenerRunsAfterCommits) {
  this->Reopen();  // a fresh store object: the listener is set before its first Write
  std::atomic<int> commits{0};
  this->store().SetCommitListener([&commits] { ++commits; });
  for (int i = 0; i < 5; ++i) this->AddOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i));
  for (int waited = 0; commits.load() < 5 && waited < 60000; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(commits.load(), 5);
  this->Reopen();  // the listener must not outlive `commits`
}

// --- group commit, durability, visibility ----------------------------------

// Collects the completions of asynchronous writes.
class Completions {
 public:
  Store::DoneFn Callback(int i) {
    return [this, i](Status s) {
      std::lock_guard lock(mu_);
      results_.emplace(i, std::move(s));
      cv_.notify_all();
    };
  }
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return results_.size() >= n; });
  }
  std::map<int, Status> results() {
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int, Status> results_;
};

TYPED_TEST(StoreConformance, FailingUnitIsRolledBackAloneInsideAGroupCommit) {
  // A first unit holds the writer until every other unit is queued, so those
  // are committed together as one batch.
  this->Reopen();
  auto commits = std::make_shared<std::atomic<int>>(0);
  this->store().SetCommitListener([commits] { ++*commits; });
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Completions done;
  this->store().Write(
      [released](WriteTx&) {
        released.wait();
        return OkStatus();
      },
      done.Callback(-1));
  constexpr int kUnits = 40;
  constexpr int kFailing = 17;
  constexpr int kThrowing = 29;
  for (int i = 0; i < kUnits; ++i) {
    this->store().Write(
        [i](WriteTx& tx) -> Status {
          OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i)));
          OF_RETURN_IF_ERROR(
              tx.InsertNotification(MakeNotification("A", "n" + std::to_string(i), kNow)));
          if (i == kFailing) return MakeError(ErrorCode::kConflict, "unit failed after writing");
          if (i == kThrowing) throw std::runtime_error("unit threw after writing");
          return OkStatus();
        },
        done.Callback(i));
  }
  release.set_value();
  ASSERT_TRUE(done.WaitFor(kUnits + 1));
  // The writer calls the listener after a batch's completions and before it
  // takes the next batch: a unit running after them sees every call made.
  auto seen = std::make_shared<std::atomic<int>>(-1);
  this->store().Write(
      [commits, seen](WriteTx&) {
        seen->store(commits->load());
        return OkStatus();
      },
      done.Callback(kUnits + 1));
  ASSERT_TRUE(done.WaitFor(kUnits + 2));
  EXPECT_GE(seen->load(), 1);
  EXPECT_LE(seen->load(), 2) << "the units were not group-committed";
  auto results = done.results();
  for (int i = 0; i < kUnits; ++i) {
    if (i == kFailing) {
      EXPECT_EQ(results.at(i).code(), ErrorCode::kConflict);
    } else if (i == kThrowing) {
      EXPECT_FALSE(results.at(i).ok());
    } else {
      EXPECT_TRUE(results.at(i).ok()) << i << ": " << results.at(i).error().message;
    }
  }
  std::set<std::string> listed;
  for (const auto& id : this->ListAll(OF("A").Limit(500))) listed.insert(id);
  EXPECT_EQ(listed.size(), static_cast<std::size_t>(kUnits - 2));
  EXPECT_EQ(listed.count(OrderId(kFailing)), 0u);
  EXPECT_EQ(listed.count(OrderId(kThrowing)), 0u);
  EXPECT_EQ(listed.count(OrderId(kFailing - 1)), 1u);
  EXPECT_EQ(listed.count(OrderId(kFailing + 1)), 1u);
  EXPECT_EQ(ReadValue(this->store(), [](ReadTx& tx) { return tx.GetOrder("A", OrderId(kFailing)); })
                .code(),
            ErrorCode::kNotFound);
  // Side rows of the failed units are gone too: history, counters, notifications.
  EXPECT_EQ(this->Unread("A"), kUnits - 2);
  EXPECT_EQ(this->Notifications(NF("A").Limit(500)).items.size(),
            static_cast<std::size_t>(kUnits - 2));
  EXPECT_EQ(this->Totals("A", 0)[OrderStatus::kPending].orders, kUnits - 2);
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM order_history"), kUnits - 2);
}

TYPED_TEST(StoreConformance, DataSurvivesClosingAndReopening) {
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 10));
  ASSERT_TRUE(this->Move(p, MovementKind::kReserve, 0, 3).ok());
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow));
  ASSERT_TRUE(WriteSync(this->store(), [](WriteTx& tx) {
                return tx.InsertNotification(MakeNotification("A", "n", kNow));
              }).ok());
  this->Reopen();
  Product got = this->GetProduct(p);
  EXPECT_EQ(got.stock, 10);
  EXPECT_EQ(got.reserved, 3);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{10, 3}));
  EXPECT_EQ(this->GetOrder("A", OrderId(1)).history.size(), 1u);
  EXPECT_EQ(this->Unread("A"), 1);
  auto stores = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListStores(); });
  ASSERT_TRUE(stores.ok());
  EXPECT_EQ(stores->size(), 2u);
  // Sequences continue after a restart: newer orders still list first.
  this->AddOrder(MakeOrder("A", OrderId(2), "Ada", kNow + 1));
  EXPECT_EQ(Ids(this->List(OF("A")).items), (std::vector<std::string>{OrderId(2), OrderId(1)}));
}

TYPED_TEST(StoreConformance, QueuedWritesAreCompletedBeforeTheStoreCloses) {
  Completions done;
  constexpr int kUnits = 200;
  for (int i = 0; i < kUnits; ++i) {
    this->store().Write(
        [i](WriteTx& tx) { return tx.InsertOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i)); },
        done.Callback(i));
  }
  this->Reopen();
  ASSERT_TRUE(done.WaitFor(kUnits));
  std::set<std::string> acknowledged;
  for (const auto& [i, s] : done.results()) {
    if (s.ok()) acknowledged.insert(OrderId(i));
  }
  EXPECT_EQ(acknowledged.size(), static_cast<std::size_t>(kUnits));
  auto listed = this->ListAll(OF("A").Limit(500));
  for (const auto& id : acknowledged) {
    EXPECT_NE(std::find(listed.begin(), listed.end(), id), listed.end()) << id << " was lost";
  }
}

TYPED_TEST(StoreConformance, AcknowledgedWriteIsVisibleToTheNextRead) {
  // Readers run on their own threads while writes land.
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) (void)this->List(OF("A").Limit(5));
  });
  for (int i = 0; i < 150; ++i) {
    this->AddOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i));
    auto got = ReadValue(this->store(), [&](ReadTx& tx) { return tx.GetOrder("A", OrderId(i)); });
    ASSERT_TRUE(got.ok()) << "acknowledged order " << i << " is not visible";
    OrderPage page = this->List(OF("A").Limit(1));
    ASSERT_EQ(page.items.size(), 1u);
    ASSERT_EQ(page.items[0].order_id, OrderId(i));
  }
  // Also when the reader waits on the completion callback rather than WriteSync.
  for (int i = 150; i < 200; ++i) {
    auto acked = std::make_shared<std::promise<Status>>();
    auto acknowledged = acked->get_future();
    this->store().Write(
        [i](WriteTx& tx) {
          return tx.InsertNotification(MakeNotification("A", "n" + std::to_string(i), kNow));
        },
        [acked](Status s) { acked->set_value(std::move(s)); });
    ASSERT_TRUE(acknowledged.get().ok());
    ASSERT_EQ(this->Unread("A"), i - 149);
  }
  stop = true;
  reader.join();
}

// --- webhooks --------------------------------------------------------------

Webhook MakeWebhook(const std::string& store_id, const std::string& id, TimeMs created_at) {
  Webhook w;
  w.webhook_id = id;
  w.store_id = store_id;
  w.url = "http://127.0.0.1:9/hook/" + id;
  w.topics = {"order.*", "payment.failed"};
  w.description = "endpoint " + id;
  w.secret = "whsec_" + id;
  w.created_at = created_at;
  return w;
}

WebhookAttempt MakeAttempt(const std::string& store_id, std::int64_t delivery_id, int status,
                           WebhookDeliveryState outcome, TimeMs at) {
  WebhookAttempt a;
  a.store_id = store_id;
  a.delivery_id = delivery_id;
  a.status_code = status;
  a.error = status >= 300 ? "endpoint answered " + std::to_string(status) : "";
  a.duration_ms = 12;
  a.at = at;
  a.outcome = outcome;
  return a;
}

// The fanout filter's view of the endpoints follows every change this
// process makes, including a rolled-back one (the cache must not keep it).
TYPED_TEST(StoreConformance, EnabledWebhookTopicsFollowChanges) {
  Store& s = this->store();
  auto topics = [&](const std::string& store_id) {
    std::vector<std::vector<std::string>> out;
    Status st = WriteSync(s, [&](WriteTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(out, tx.EnabledWebhookTopics(store_id));
      return OkStatus();
    });
    EXPECT_TRUE(st.ok());
    return out;
  };
  using Topics = std::vector<std::vector<std::string>>;
  EXPECT_EQ(topics("A"), Topics{});
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  EXPECT_EQ(topics("A"), (Topics{{"order.*", "payment.failed"}}));
  EXPECT_EQ(topics("B"), Topics{});
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.SetWebhookEnabled("A", "wh_1", false, "paused");
              }).ok());
  EXPECT_EQ(topics("A"), Topics{});
  // Enabled and read back inside a unit that then fails: nothing changed.
  Status failed = WriteSync(s, [](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.SetWebhookEnabled("A", "wh_1", true, ""));
    OF_ASSIGN_OR_RETURN(auto inside, tx.EnabledWebhookTopics("A"));
    EXPECT_EQ(inside.size(), 1u);
    return MakeError(ErrorCode::kConflict, "the unit fails after reading");
  });
  EXPECT_EQ(failed.code(), ErrorCode::kConflict);
  EXPECT_EQ(topics("A"), Topics{});
  // Disabled by repeated failures.
  ASSERT_TRUE(
      WriteSync(s, [](WriteTx& tx) { return tx.SetWebhookEnabled("A", "wh_1", true, ""); }).ok());
  EXPECT_EQ(topics("A").size(), 1u);
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) -> Status {
                auto after = tx.RecordWebhookOutcome("A", "wh_1", false, 1, kNow);
                if (!after.ok()) return after.error();
                return OkStatus();
              }).ok());
  EXPECT_EQ(topics("A"), Topics{});
}

TYPED_TEST(StoreConformance, WebhooksRoundTripAndStayInTheirStore) {
  Store& s = this->store();
  for (const auto& w : {MakeWebhook("A", "wh_2", kNow + 2), MakeWebhook("A", "wh_1", kNow + 1),
                        MakeWebhook("B", "wh_b", kNow)}) {
    ASSERT_TRUE(WriteSync(s, [&](WriteTx& tx) { return tx.InsertWebhook(w); }).ok());
  }
  Status dup =
      WriteSync(s, [](WriteTx& tx) { return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow)); });
  EXPECT_EQ(dup.code(), ErrorCode::kConflict);

  auto got = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->store_id, "A");
  EXPECT_EQ(got->url, "http://127.0.0.1:9/hook/wh_1");
  EXPECT_EQ(got->topics, (std::vector<std::string>{"order.*", "payment.failed"}));
  EXPECT_EQ(got->description, "endpoint wh_1");
  EXPECT_EQ(got->secret, "whsec_wh_1");
  EXPECT_TRUE(got->enabled);
  EXPECT_EQ(got->consecutive_failures, 0);
  EXPECT_EQ(got->last_delivery_at, 0);
  EXPECT_EQ(got->created_at, kNow + 1);

  auto list = ReadValue(s, [](ReadTx& tx) { return tx.ListWebhooks("A"); });
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].webhook_id, "wh_1");  // oldest first
  EXPECT_EQ((*list)[1].webhook_id, "wh_2");
  EXPECT_EQ(ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("B", "wh_1"); }).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(ReadValue(s, [](ReadTx& tx) { return tx.ListWebhooks("C"); })->size(), 0u);
  EXPECT_EQ(WriteSync(s, [](WriteTx& tx) { return tx.DeleteWebhook("B", "wh_1"); }).code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(WriteSync(s, [](WriteTx& tx) { return tx.SetWebhookEnabled("B", "wh_1", false, "x"); })
                .code(),
            ErrorCode::kNotFound);
}

TYPED_TEST(StoreConformance, WebhookSecretsAreSealedAtRest) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE 'enc1:%'"), 1);
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM webhooks WHERE secret LIKE '%whsec_wh_1%'"), 0);
  auto got = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->secret, "whsec_wh_1");
  auto listed = ReadValue(s, [](ReadTx& tx) { return tx.ListWebhooks("A"); });
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].secret, "whsec_wh_1");
  // Survives a reopen under the same key.
  this->Reopen();
  got = ReadValue(this->store(), [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->secret, "whsec_wh_1");
}

TYPED_TEST(StoreConformance, WebhookOutcomesCountFailuresInARowAndDisable) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  auto outcome = [&](bool success, int disable_after, TimeMs at) {
    return WriteValue(s, [&](WriteTx& tx) {
      return tx.RecordWebhookOutcome("A", "wh_1", success, disable_after, at);
    });
  };
  auto after = outcome(false, 3, kNow + 1);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_EQ(after->consecutive_failures, 1);
  EXPECT_EQ(after->last_delivery_at, kNow + 1);
  after = outcome(true, 3, kNow + 2);
  EXPECT_EQ(after->consecutive_failures, 0);  // a success resets the count
  EXPECT_TRUE(after->enabled);
  after = outcome(false, 3, kNow + 3);
  after = outcome(false, 3, kNow + 4);
  EXPECT_EQ(after->consecutive_failures, 2);
  EXPECT_TRUE(after->enabled);
  after = outcome(false, 3, kNow + 5);
  EXPECT_EQ(after->consecutive_failures, 3);
  EXPECT_FALSE(after->enabled);
  EXPECT_NE(after->disabled_reason.find("3 consecutive"), std::string::npos)
      << after->disabled_reason;
  after = outcome(false, 3, kNow + 6);
  EXPECT_EQ(after->consecutive_failures, 4);
  EXPECT_NE(after->disabled_reason.find("3 consecutive"), std::string::npos);

  ASSERT_TRUE(
      WriteSync(s, [](WriteTx& tx) { return tx.SetWebhookEnabled("A", "wh_1", true, ""); }).ok());
  auto enabled = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  EXPECT_TRUE(enabled->enabled);
  EXPECT_EQ(enabled->consecutive_failures, 0);
  EXPECT_EQ(enabled->disabled_reason, "");
  // disable_after 0: never disabled.
  for (int i = 0; i < 5; ++i) after = outcome(false, 0, kNow + 10 + i);
  EXPECT_TRUE(after->enabled);
  EXPECT_EQ(after->consecutive_failures, 5);
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.SetWebhookEnabled("A", "wh_1", false, "paused by the store");
              }).ok());
  auto paused = ReadValue(s, [](ReadTx& tx) { return tx.GetWebhook("A", "wh_1"); });
  EXPECT_FALSE(paused->enabled);
  EXPECT_EQ(paused->disabled_reason, "paused by the store");
  EXPECT_EQ(
      WriteValue(s, [](WriteTx& tx) { return tx.RecordWebhookOutcome("B", "wh_1", true, 3, kNow); })
          .code(),
      ErrorCode::kNotFound);
}

TYPED_TEST(StoreConformance, WebhookDeliveriesLogEveryAttemptAndPageNewestFirst) {
  Store& s = this->store();
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) {
                return tx.InsertWebhook(MakeWebhook("A", "wh_1", kNow));
              }).ok());
  const Event e = MakeEvent("A", OrderId(1), "order.created", kNow);
  auto event_id = WriteValue(s, [&](WriteTx& tx) { return tx.InsertEvent(e, {}); });
  ASSERT_TRUE(event_id.ok());
  auto event = ReadValue(s, [&](ReadTx& tx) { return tx.GetEvent("A", *event_id); });
  ASSERT_TRUE(event.ok()) << event.error().message;
  EXPECT_EQ(event->topic, "order.created");
  EXPECT_EQ(event->payload, e.payload);
  EXPECT_EQ(event->created_at, kNow);
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetEvent("B", *event_id); }).code(),
            ErrorCode::kNotFound);

  WebhookDelivery d;
  d.webhook_id = "wh_1";
  d.store_id = "A";
  d.event_id = *event_id;
  d.topic = "order.created";
  d.created_at = kNow;
  auto id = WriteValue(s, [&](WriteTx& tx) { return tx.InsertWebhookDelivery(d); });
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(WriteValue(s, [&](WriteTx& tx) { return tx.InsertWebhookDelivery(d); }).code(),
            ErrorCode::kConflict);
  // Still pending: nothing to redeliver yet.
  EXPECT_EQ(
      WriteSync(s, [&](WriteTx& tx) { return tx.RequeueWebhookDelivery("A", "wh_1", *id, kNow); })
          .code(),
      ErrorCode::kConflict);

  const std::vector<std::pair<int, WebhookDeliveryState>> attempts = {
      {500, WebhookDeliveryState::kPending},
      {0, WebhookDeliveryState::kPending},
      {200, WebhookDeliveryState::kSucceeded}};
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    WebhookAttempt a =
        MakeAttempt("A", *id, attempts[i].first, attempts[i].second, kNow + 100 * (i + 1));
    auto number = WriteValue(s, [&](WriteTx& tx) { return tx.RecordWebhookAttempt(a); });
    ASSERT_TRUE(number.ok()) << number.error().message;
    EXPECT_EQ(*number, static_cast<int>(i) + 1);
  }
  // Finished: no more attempts; other stores do not see it.
  EXPECT_EQ(WriteValue(s,
                       [&](WriteTx& tx) {
                         return tx.RecordWebhookAttempt(
                             MakeAttempt("A", *id, 200, WebhookDeliveryState::kSucceeded, kNow));
                       })
                .code(),
            ErrorCode::kConflict);
  EXPECT_EQ(WriteValue(s,
                       [&](WriteTx& tx) {
                         return tx.RecordWebhookAttempt(
                             MakeAttempt("B", *id, 200, WebhookDeliveryState::kSucceeded, kNow));
                       })
                .code(),
            ErrorCode::kNotFound);
  auto stored = ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, WebhookDeliveryState::kSucceeded);
  EXPECT_EQ(stored->attempts, 3);
  EXPECT_EQ(stored->last_status, 200);
  EXPECT_EQ(stored->event_id, *event_id);
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("B", *id); }).code(),
            ErrorCode::kNotFound);

  auto page = ReadValue(s, [](ReadTx& tx) { return tx.ListWebhookAttempts("A", "wh_1", 0, 2); });
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].attempt, 3);
  EXPECT_EQ(page->items[0].status_code, 200);
  EXPECT_EQ(page->items[0].outcome, WebhookDeliveryState::kSucceeded);
  EXPECT_EQ(page->items[0].event_id, *event_id);
  EXPECT_EQ(page->items[0].topic, "order.created");
  EXPECT_EQ(page->items[0].duration_ms, 12);
  EXPECT_EQ(page->items[0].at, kNow + 300);
  EXPECT_EQ(page->items[1].attempt, 2);
  EXPECT_EQ(page->items[1].status_code, 0);
  ASSERT_TRUE(page->next_attempt_id.has_value());
  auto rest = ReadValue(s, [&](ReadTx& tx) {
    return tx.ListWebhookAttempts("A", "wh_1", *page->next_attempt_id, 2);
  });
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].attempt, 1);
  EXPECT_EQ(rest->items[0].error, "endpoint answered 500");
  EXPECT_EQ(rest->items[0].outcome, WebhookDeliveryState::kPending);
  EXPECT_FALSE(rest->next_attempt_id.has_value());
  EXPECT_TRUE(ReadValue(s, [](ReadTx& tx) {
                return tx.ListWebhookAttempts("B", "wh_1", 0, 10);
              })->items.empty());

  // Manual redelivery: pending again, and the log numbering continues.
  EXPECT_EQ(
      WriteSync(s,
                [&](WriteTx& tx) { return tx.RequeueWebhookDelivery("A", "wh_other", *id, kNow); })
          .code(),
      ErrorCode::kNotFound);
  EXPECT_EQ(
      WriteSync(s, [&](WriteTx& tx) { return tx.RequeueWebhookDelivery("B", "wh_1", *id, kNow); })
          .code(),
      ErrorCode::kNotFound);
  ASSERT_TRUE(WriteSync(s, [&](WriteTx& tx) {
                return tx.RequeueWebhookDelivery("A", "wh_1", *id, kNow + 1000);
              }).ok());
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); })->state,
            WebhookDeliveryState::kPending);
  auto fourth = WriteValue(s, [&](WriteTx& tx) {
    return tx.RecordWebhookAttempt(
        MakeAttempt("A", *id, 410, WebhookDeliveryState::kFailed, kNow + 1000));
  });
  EXPECT_EQ(*fourth, 4);
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); })->state,
            WebhookDeliveryState::kFailed);

  // Deleting the endpoint deletes its deliveries and their log.
  ASSERT_TRUE(WriteSync(s, [](WriteTx& tx) { return tx.DeleteWebhook("A", "wh_1"); }).ok());
  EXPECT_EQ(ReadValue(s, [&](ReadTx& tx) { return tx.GetWebhookDelivery("A", *id); }).code(),
            ErrorCode::kNotFound);
  EXPECT_TRUE(ReadValue(s, [](ReadTx& tx) {
                return tx.ListWebhookAttempts("A", "wh_1", 0, 10);
              })->items.empty());
  EXPECT_EQ(WriteSync(s, [](WriteTx& tx) { return tx.DeleteWebhook("A", "wh_1"); }).code(),
            ErrorCode::kNotFound);
}

// --- SQLite query plans ----------------------------------------------------

// The statements of SqliteTx::ListOrders and friends (src/store/sqlite/sqlite_tx.cpp),
// reproduced to check that every list filter is served by an index (SPEC §10).
const char* kOrderColumns =
    "seq, order_id, store_id, customer_name, customer_email, items, total, currency, status, "
    "payment_status, fulfillment_status, failure_reason, tracking_number, carrier, payment_token, "
    "request_hash, created_at, updated_at";

std::string ListOrdersSql(const std::string& condition, bool paged) {
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders WHERE store_id = :store";
  sql += condition;
  if (paged) sql += " AND seq < :before";
  return sql + " ORDER BY seq DESC LIMIT :limit";
}

std::string Joined(const std::vector<std::string>& plan) {
  std::string out;
  for (const auto& line : plan) out += "\n  " + line;
  return out;
}

class SqliteQueryPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    // Open once so that the schema is migrated, then populate a little.
    store_ = SqliteFactory::Make(dir_.path());
    ASSERT_NE(store_, nullptr);
    Status s = WriteSync(*store_, [](WriteTx& tx) -> Status {
      OF_RETURN_IF_ERROR(tx.InsertStore(MakeStore("A")));
      for (int i = 0; i < 200; ++i) {
        OF_RETURN_IF_ERROR(
            tx.InsertOrder(MakeOrder("A", OrderId(i), "C" + std::to_string(i % 9), kNow + i)));
      }
      return OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s.error().message;
    raw_ = std::make_unique<RawSqlite>(SqlitePath(dir_.path()));
  }

  // True when a plan line reads through `index` ("... USING [COVERING] INDEX name (...)").
  static bool MentionsIndex(const std::string& line, const std::string& index) {
    for (const std::string prefix : {"USING INDEX ", "USING COVERING INDEX "}) {
      std::size_t at = line.find(prefix + index);
      if (at == std::string::npos) continue;
      std::size_t end = at + prefix.size() + index.size();
      if (end == line.size() || line[end] == ' ') return true;
    }
    return false;
  }
  // Asserts that `sql` reads `table` through `index` and never scans it.
  void ExpectIndexed(const std::string& sql, const std::string& table, const std::string& index) {
    auto plan = raw_->Plan(sql);
    ASSERT_FALSE(plan.empty());
    bool uses = false;
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN " + table, 0), 0u)
          << "full scan in" << Joined(plan) << "\nfor " << sql;
      uses = uses || MentionsIndex(line, index);
    }
    EXPECT_TRUE(uses) << "expected index " << index << " in" << Joined(plan) << "\nfor " << sql;
  }
  // Asserts that the plan has no full scan of `table` and, unless allowed, no sort.
  void ExpectNoScanNoSort(const std::string& sql, const std::string& table,
                          bool allow_sort = false) {
    auto plan = raw_->Plan(sql);
    ASSERT_FALSE(plan.empty());
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN " + table, 0), 0u) << "full scan in" << Joined(plan);
      if (!allow_sort) {
        EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << "sorts in" << Joined(plan);
      }
    }
  }

  orderflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RawSqlite> raw_;
};

TEST_F(SqliteQueryPlan, OrderListWithoutFilterWalksTheStoreIndex) {
  for (bool paged : {false, true}) {
    ExpectIndexed(ListOrdersSql("", paged), "orders", "orders_by_store");
    ExpectNoScanNoSort(ListOrdersSql("", paged), "orders");
  }
}

TEST_F(SqliteQueryPlan, StatusPaymentAndFulfillmentFiltersUseTheirIndexes) {
  for (bool paged : {false, true}) {
    SCOPED_TRACE(paged ? "paged" : "first page");
    ExpectIndexed(ListOrdersSql(" AND status = :status", paged), "orders", "orders_by_status");
    ExpectNoScanNoSort(ListOrdersSql(" AND status = :status", paged), "orders");
    ExpectIndexed(ListOrdersSql(" AND payment_status = :payment", paged), "orders",
                  "orders_by_payment");
    ExpectNoScanNoSort(ListOrdersSql(" AND payment_status = :payment", paged), "orders");
    ExpectIndexed(ListOrdersSql(" AND fulfillment_status = :fulfillment", paged), "orders",
                  "orders_by_fulfillment");
    ExpectNoScanNoSort(ListOrdersSql(" AND fulfillment_status = :fulfillment", paged), "orders");
  }
}

TEST_F(SqliteQueryPlan, CustomerNameFilterUsesTheCustomerIndex) {
  for (bool paged : {false, true}) {
    ExpectIndexed(ListOrdersSql(" AND customer_key = :customer", paged), "orders",
                  "orders_by_customer");
  }
}

// ListOrders filters `email_key = :customer` (the lower-cased email) when
// the customer contains '@'.
TEST_F(SqliteQueryPlan, CustomerEmailFilterUsesAnIndexOnTheEmail) {
  for (bool paged : {false, true}) {
    auto plan = raw_->Plan(ListOrdersSql(" AND email_key = :customer", paged));
    bool email_index = false;
    for (const auto& line : plan) {
      EXPECT_NE(line.rfind("SCAN orders", 0), 0u) << Joined(plan);
      email_index = email_index || line.find("email_key=?") != std::string::npos;
    }
    EXPECT_TRUE(email_index) << "the email filter is not served by an index; it reads every order "
                                "of the store:"
                             << Joined(plan);
  }
}

TEST_F(SqliteQueryPlan, TimeRangeAndSearchFiltersNeverScanTheTable) {
  const std::string conditions[] = {
      " AND created_at >= :from",
      " AND created_at < :to",
      " AND created_at >= :from AND created_at < :to",
      " AND (order_id LIKE :qprefix ESCAPE '\\' OR customer_name LIKE :qany ESCAPE '\\')",
      " AND status = :status AND created_at >= :from AND created_at < :to",
      " AND status = :status AND (order_id LIKE :qprefix ESCAPE '\\' OR customer_name LIKE :qany "
      "ESCAPE '\\')",
  };
  for (const auto& condition : conditions) {
    for (bool paged : {false, true}) {
      auto plan = raw_->Plan(ListOrdersSql(condition, paged));
      ASSERT_FALSE(plan.empty());
      bool indexed = false;
      for (const auto& line : plan) {
        EXPECT_NE(line.rfind("SCAN orders", 0), 0u) << condition << Joined(plan);
        indexed = indexed || line.find("USING INDEX orders_by_") != std::string::npos ||
                  line.find("USING COVERING INDEX orders_by_") != std::string::npos;
      }
      EXPECT_TRUE(indexed) << condition << Joined(plan);
    }
  }
}

TEST_F(SqliteQueryPlan, FraudCountersAndAlertListsUseIndexes) {
  ExpectIndexed(
      "SELECT COUNT(*) FROM (SELECT created_at FROM orders WHERE store_id = ? AND customer_key = ? "
      "ORDER BY seq DESC LIMIT 1000) WHERE created_at >= ?",
      "orders", "orders_by_customer");
  ExpectIndexed(
      "SELECT COUNT(*) FROM orders WHERE store_id = ? AND customer_key = ? "
      "AND payment_failed_at IS NOT NULL AND payment_failed_at >= ?",
      "orders", "orders_failed_payments");
  const std::string notifications =
      "SELECT seq, notification_id, store_id, order_id, type, title, message, read, created_at "
      "FROM notifications WHERE store_id = :store";
  ExpectNoScanNoSort(notifications + " ORDER BY seq DESC LIMIT :limit", "notifications");
  ExpectNoScanNoSort(notifications + " AND seq < :before ORDER BY seq DESC LIMIT :limit",
                     "notifications");
  ExpectIndexed(notifications + " AND read = 0 ORDER BY seq DESC LIMIT :limit", "notifications",
                "notifications_unread");
  ExpectNoScanNoSort(
      notifications + " AND read = 0 AND seq < :before ORDER BY seq DESC LIMIT :limit",
      "notifications");
  ExpectNoScanNoSort(
      "SELECT status, SUM(orders), SUM(amount) FROM order_stats WHERE store_id = ? AND hour >= ? "
      "GROUP BY status",
      "order_stats", /*allow_sort=*/true);
}

TEST_F(SqliteQueryPlan, WebhookListsUseTheirIndexes) {
  ExpectIndexed(
      "SELECT webhook_id FROM webhooks WHERE store_id = ? ORDER BY created_at, webhook_id",
      "webhooks", "webhooks_by_store");
  ExpectNoScanNoSort(
      "SELECT webhook_id FROM webhooks WHERE store_id = ? ORDER BY created_at, webhook_id",
      "webhooks");
  const std::string attempts =
      "SELECT attempt_id, delivery_id, webhook_id, store_id, event_id, topic, attempt, "
      "status_code, error, duration_ms, at, outcome FROM webhook_attempts "
      "WHERE webhook_id = :webhook AND store_id = :store";
  for (const std::string& page : {std::string(), std::string(" AND attempt_id < :before")}) {
    ExpectIndexed(attempts + page + " ORDER BY attempt_id DESC LIMIT :limit", "webhook_attempts",
                  "webhook_attempts_by_webhook");
    ExpectNoScanNoSort(attempts + page + " ORDER BY attempt_id DESC LIMIT :limit",
                       "webhook_attempts");
  }
  ExpectNoScanNoSort("DELETE FROM webhook_deliveries WHERE webhook_id = ? AND store_id = ?",
                     "webhook_deliveries");
}

TEST_F(SqliteQueryPlan, OrderLookupsUseTheStoreAndOrderIdKeys) {
  auto plan = raw_->Plan("SELECT status FROM orders WHERE order_id = 'x' AND store_id = 'A'");
  for (const auto& line : plan) EXPECT_NE(line.rfind("SCAN", 0), 0u) << Joined(plan);
  plan = raw_->Plan(
      "SELECT status FROM order_history WHERE store_id = 'A' AND order_id = 'x' ORDER BY idx");
  for (const auto& line : plan) {
    EXPECT_NE(line.rfind("SCAN", 0), 0u) << Joined(plan);
    EXPECT_EQ(line.find("TEMP B-TREE"), std::string::npos) << Joined(plan);
  }
  ExpectIndexed("SELECT id FROM events WHERE order_id = 'x' AND store_id = 'A' ORDER BY id",
                "events", "events_by_order");
}

// A database of schema version 2 (order ids unique across stores) keeps its
// orders, their history and events when migration 003 makes ids per store.
TEST(SqliteMigration, OrderIdsBecomePerStoreAndKeepTheirRows) {
  orderflow::testing::TempDir dir;
  const std::string path = SqlitePath(dir.path());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql =
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL DEFAULT '');";
    for (const Migration& m : Migrations("sqlite")) {
      if (m.version > 2) continue;
      sql += m.sql;
      sql += ";INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) +
             ", '" + m.name + "');";
    }
    sql +=
        "INSERT INTO orders (order_id, store_id, customer_name, customer_email, customer_key, "
        "email_key, items, total, currency, status, payment_status, fulfillment_status, "
        "request_hash, created_at, updated_at) VALUES ('o-1', 'A', 'Ada', 'ada@example.com', "
        "'ada', 'ada@example.com', '[]', 500, 'USD', 'paid', 'paid', 'pending', 'h', 1, 2);"
        "INSERT INTO order_history (order_id, idx, status, detail, at) VALUES "
        "('o-1', 0, 'ORDER_CREATED', 'Order received', 1), ('o-1', 1, 'PAID', 'ok', 2);"
        "INSERT INTO events (store_id, order_id, topic, payload, created_at, due_at) VALUES "
        "('A', 'o-1', 'order.created', '{}', 1, 1);";
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }
  auto store = SqliteFactory::Make(dir.path());
  ASSERT_NE(store, nullptr);
  auto a = ReadValue(*store, [](ReadTx& tx) { return tx.GetOrder("A", "o-1"); });
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->customer_name, "Ada");
  EXPECT_EQ(a->status, OrderStatus::kPaid);
  ASSERT_EQ(a->history.size(), 2u);
  EXPECT_EQ(a->history[1].status, "PAID");
  auto events = ReadValue(*store, [](ReadTx& tx) { return tx.ListOrderEvents("A", "o-1"); });
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 1u);
  // Now another store may use the id, and the first keeps its own.
  Status b = WriteSync(
      *store, [](WriteTx& tx) { return tx.InsertOrder(MakeOrder("B", "o-1", "Bob", kNow)); });
  EXPECT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(ReadValue(*store, [](ReadTx& tx) { return tx.GetOrder("A", "o-1"); })->history.size(),
            2u);
  EXPECT_EQ(SqliteFactory::QueryInt(dir.path(), "SELECT MAX(version) FROM schema_migrations"),
            static_cast<std::int64_t>(Migrations("sqlite").back().version));
}

}  // namespace
}  // namespace orderflow::store
