#pragma once
// Shared by the order-index tests (order_index_plans_sqlite_test.cpp,
// order_index_plans_pg_test.cpp, order_updates_test.cpp): one million
// generated orders, the list filters with the index meant to serve each,
// and a database as today's main writes it.

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/pg_test_db.hpp"

namespace orderflow::testing::order_index {

using store::OrderFilter;
using store::OrderPage;
using store::ReadTx;
using store::Store;

inline constexpr std::int64_t kOrders = 1'000'000;
inline constexpr std::int64_t kBase = 1'700'000'000'000;  // created_at of order i: kBase + 600 i
inline constexpr int kLimit = 50;
inline constexpr std::int64_t kHourMs = 3'600'000;

// Order i (1-based, seq i) belongs to store 'B' when i % 100 = 0, else 'A'.
// The newest 100 are pending (payment pending, stock reserved); of the
// rest, i % 1000 = 7 are cancelled and refunded, i % 12 = 0 failed their
// payment, and the others are delivered. Customer 'Cust <i % 50000>'
// (about 20 orders each), email 'cust.<i % 50000>@example.com'.
inline std::string GenerateRows(const std::string& series) {
  return "INSERT INTO orders (order_id, store_id, customer_name, customer_email, customer_key, "
         "email_key, items, total, currency, status, payment_status, fulfillment_status, "
         "failure_reason, request_hash, created_at, updated_at, payment_failed_at) "
         "SELECT 'o-' || i, "
         "CASE WHEN i % 100 = 0 THEN 'B' ELSE 'A' END, "
         "'Cust ' || (i % 50000), 'cust.' || (i % 50000) || '@example.com', "
         "'cust ' || (i % 50000), 'cust.' || (i % 50000) || '@example.com', '[]', 1250, 'USD', "
         "CASE WHEN i > " +
         std::to_string(kOrders - 100) +
         " THEN 'pending' WHEN i % 1000 = 7 THEN 'cancelled' "
         "WHEN i % 12 = 0 THEN 'failed' ELSE 'delivered' END, "
         "CASE WHEN i > " +
         std::to_string(kOrders - 100) +
         " THEN 'pending' WHEN i % 1000 = 7 THEN 'refunded' "
         "WHEN i % 12 = 0 THEN 'failed' ELSE 'paid' END, "
         "CASE WHEN i > " +
         std::to_string(kOrders - 100) +
         " THEN 'reserved' WHEN i % 1000 = 7 THEN 'released' "
         "WHEN i % 12 = 0 THEN 'released' ELSE 'delivered' END, "
         "'', 'h', " +
         std::to_string(kBase) + " + 600 * i, " + std::to_string(kBase) + " + 600 * i + 100, " +
         "CASE WHEN i <= " + std::to_string(kOrders - 100) +
         " AND i % 1000 <> 7 AND i % 12 = 0 THEN " + std::to_string(kBase) +
         " + 600 * i + 90 END FROM " + series;
}

inline TimeMs CreatedAt(std::int64_t i) { return kBase + 600 * i; }

// One filter of GET /api/orders, the index meant to serve it and the same
// condition on literals for the reference query.
struct ListCase {
  std::string name;
  OrderFilter filter;
  std::string index;
  std::string reference;  // appended to "WHERE store_id = 'A'"
};

inline std::vector<ListCase> ListCases() {
  std::vector<ListCase> out;
  auto add = [&out](std::string name, std::string index, std::string reference, auto set) {
    ListCase c{std::move(name), OrderFilter{}, std::move(index), std::move(reference)};
    c.filter.store_id = "A";
    c.filter.limit = kLimit;
    set(c.filter);
    out.push_back(std::move(c));
  };
  add("newest", "orders_by_store", "", [](OrderFilter&) {});
  add("status", "orders_by_status", " AND status = 'cancelled'",
      [](OrderFilter& f) { f.status = domain::OrderStatus::kCancelled; });
  add("rare status", "orders_by_status", " AND status = 'flagged'",
      [](OrderFilter& f) { f.status = domain::OrderStatus::kFlagged; });
  add("payment", "orders_by_payment", " AND payment_status = 'refunded'",
      [](OrderFilter& f) { f.payment_status = "refunded"; });
  add("fulfillment", "orders_by_fulfillment", " AND fulfillment_status = 'reserved'",
      [](OrderFilter& f) { f.fulfillment_status = "reserved"; });
  add("customer name", "orders_by_customer", " AND customer_key = 'cust 4242'",
      [](OrderFilter& f) { f.customer = "CUST 4242"; });
  add("customer email", "orders_by_email", " AND email_key = 'cust.4242@example.com'",
      [](OrderFilter& f) { f.customer = "Cust.4242@Example.com"; });
  // from/to keep the newest-first walk of orders_by_store (or of the other
  // filter's index) and check created_at on the way: no sort, whatever the
  // window's size.
  add("from", "orders_by_store", " AND created_at >= " + std::to_string(CreatedAt(500'000)),
      [](OrderFilter& f) { f.from = CreatedAt(500'000); });
  add("to", "orders_by_store", " AND created_at < " + std::to_string(CreatedAt(999'000)),
      [](OrderFilter& f) { f.to = CreatedAt(999'000); });
  add("from and to", "orders_by_store",
      " AND created_at >= " + std::to_string(CreatedAt(998'000)) + " AND created_at < " +
          std::to_string(CreatedAt(999'000)),
      [](OrderFilter& f) {
        f.from = CreatedAt(998'000);
        f.to = CreatedAt(999'000);
      });
  add("status, from and to", "orders_by_status",
      " AND status = 'failed' AND created_at >= " + std::to_string(CreatedAt(900'000)) +
          " AND created_at < " + std::to_string(CreatedAt(999'000)),
      [](OrderFilter& f) {
        f.status = domain::OrderStatus::kFailed;
        f.from = CreatedAt(900'000);
        f.to = CreatedAt(999'000);
      });
  add("q", "orders_by_store", " AND (order_id LIKE 'o-99%' OR customer_name LIKE '%o-99%')",
      [](OrderFilter& f) { f.q = "o-99"; });
  return out;
}

// The same cases, each also on its second page (a keyset cursor).
inline std::vector<ListCase> PagedCases() {
  std::vector<ListCase> out;
  for (ListCase c : ListCases()) {
    out.push_back(c);
    c.name += ", paged";
    c.filter.before_seq = 990'000;
    c.reference += " AND seq < 990000";
    out.push_back(std::move(c));
  }
  return out;
}

inline std::vector<std::int64_t> Seqs(const OrderPage& page) {
  std::vector<std::int64_t> out;
  for (const auto& o : page.items) out.push_back(o.seq);
  return out;
}

template <typename T, typename F>
inline Result<T> ReadWith(Store& store, F f) {
  std::optional<Result<T>> out;
  Status s = store.Read([&](ReadTx& tx) -> Status {
    out.emplace(f(tx));
    return OkStatus();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

// A database as today's main writes it (schema version 3, with
// orders_by_created) holding two orders of store A, an hour apart.
inline std::string SchemaThreeWithTwoOrders(const std::string& backend, const std::string& ddl) {
  std::string sql = ddl;
  for (const store::Migration& m : store::Migrations(backend)) {
    if (m.version > 3) continue;
    sql += m.sql;
    sql += ";\nINSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) +
           ", '" + m.name + "');\n";
  }
  for (int i = 1; i <= 2; ++i) {
    sql +=
        "INSERT INTO orders (order_id, store_id, customer_name, customer_email, customer_key, "
        "email_key, items, total, currency, status, payment_status, fulfillment_status, "
        "request_hash, created_at, updated_at) VALUES ('up-" +
        std::to_string(i) +
        "', 'A', 'Ada', 'ada@example.com', 'ada', 'ada@example.com', '[]', 500, 'USD', "
        "'delivered', 'paid', 'delivered', 'h', " +
        std::to_string(kBase + kHourMs * i) + ", " + std::to_string(kBase + kHourMs * i) + ");\n";
  }
  return sql;
}

// After the upgrade: every order is still there and the from filter, no
// longer served by orders_by_created, still selects by created_at.
inline void ExpectUpgraded(Store& store) {
  OrderFilter all;
  all.store_id = "A";
  auto page = ReadWith<OrderPage>(store, [&](ReadTx& tx) { return tx.ListOrders(all); });
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].order_id, "up-2");
  OrderFilter from = all;
  from.from = kBase + kHourMs * 2;
  page = ReadWith<OrderPage>(store, [&](ReadTx& tx) { return tx.ListOrders(from); });
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].order_id, "up-2");
  auto order = ReadWith<domain::Order>(store, [](ReadTx& tx) { return tx.GetOrder("A", "up-1"); });
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->customer_name, "Ada");
}

inline std::unique_ptr<Store> OpenSqlite(const std::string& path) {
  store::SqliteConfig config;
  config.path = path;
  config.secret_key = kConformanceSecretKey;
  auto opened = store::SqliteStore::Open(config);
  if (!opened.ok()) {
    ADD_FAILURE() << "SqliteStore::Open: " << opened.error().message;
    return nullptr;
  }
  return std::unique_ptr<Store>(std::move(opened).value());
}

// One database for the suite: filling it is the slow part.

}  // namespace orderflow::testing::order_index
