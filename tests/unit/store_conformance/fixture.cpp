// The shared part of the store conformance suite (fixture.hpp): the SQLite
// factory, a raw SQLite connection and the row builders.

#include "unit/store_conformance/fixture.hpp"

#include <sqlite3.h>

#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "store/sqlite/sqlite_store.hpp"

namespace orderflow::store::conformance {

std::string SqlitePath(const std::string& dir) { return dir + "/orderflow.db"; }

RawSqlite::RawSqlite(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_busy_timeout(db_, 5000);
}

RawSqlite::~RawSqlite() { sqlite3_close(db_); }

std::int64_t RawSqlite::QueryInt(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("bad SQL: ") + sqlite3_errmsg(db_));
  }
  std::int64_t value = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  return value;
}

std::vector<std::string> RawSqlite::Plan(const std::string& sql) {
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

std::unique_ptr<Store> SqliteFactory::Make(const std::string& dir) {
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

std::int64_t SqliteFactory::QueryInt(const std::string& dir, const std::string& sql) {
  return RawSqlite(SqlitePath(dir)).QueryInt(sql);
}

void SqliteFactory::Exec(const std::string& dir, const std::string& script) {
  sqlite3* db = nullptr;
  const std::string path = SqlitePath(dir);
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path;
    sqlite3_close(db);
    return;
  }
  char* error = nullptr;
  if (sqlite3_exec(db, script.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    ADD_FAILURE() << (error != nullptr ? error : "sqlite3_exec failed");
  }
  sqlite3_free(error);
  sqlite3_close(db);
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
                    std::int64_t stock, domain::Cents price) {
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

std::string OrderId(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012d", n, n);
  return buf;
}

Order MakeOrder(const std::string& store_id, const std::string& order_id,
                const std::string& customer, TimeMs created_at, domain::Cents total) {
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
                              bool read) {
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

}  // namespace orderflow::store::conformance
