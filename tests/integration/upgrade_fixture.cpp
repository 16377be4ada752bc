#include "integration/upgrade_fixture.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <sstream>

namespace orderflow::testing::upgrade {
namespace {

namespace json = boost::json;

class SqliteRawDb final : public RawDb {
 public:
  explicit SqliteRawDb(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 10000);
  }
  ~SqliteRawDb() override { sqlite3_close(db_); }
  SqliteRawDb(const SqliteRawDb&) = delete;
  SqliteRawDb& operator=(const SqliteRawDb&) = delete;

  bool Exec(const std::string& sql) override {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return true;
    ADD_FAILURE() << "SQLite: " << (error != nullptr ? error : "?") << " in " << sql.substr(0, 200);
    sqlite3_free(error);
    return false;
  }

  Rows Query(const std::string& sql) override {
    Rows rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "SQLite: " << sqlite3_errmsg(db_) << " in " << sql;
      return rows;
    }
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        row.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "SQLite: " << sqlite3_errmsg(db_) << " in " << sql;
    sqlite3_finalize(stmt);
    return rows;
  }

 private:
  sqlite3* db_ = nullptr;
};

class PostgresRawDb final : public RawDb {
 public:
  explicit PostgresRawDb(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      ADD_FAILURE() << "cannot connect to " << url << ": " << PQerrorMessage(conn_);
    }
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PostgresRawDb() override { PQfinish(conn_); }
  PostgresRawDb(const PostgresRawDb&) = delete;
  PostgresRawDb& operator=(const PostgresRawDb&) = delete;

  bool Exec(const std::string& sql) override {
    PGresult* res = PQexec(conn_, sql.c_str());
    const ExecStatusType st = PQresultStatus(res);
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) ADD_FAILURE() << "PostgreSQL: " << PQresultErrorMessage(res);
    PQclear(res);
    return ok;
  }

  Rows Query(const std::string& sql) override {
    Rows rows;
    PGresult* res = PQexec(conn_, sql.c_str());
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << "PostgreSQL: " << PQresultErrorMessage(res) << " in " << sql;
    } else {
      for (int r = 0; r < PQntuples(res); ++r) {
        std::vector<std::string> row;
        row.reserve(PQnfields(res));
        for (int c = 0; c < PQnfields(res); ++c) row.emplace_back(PQgetvalue(res, r, c));
        rows.push_back(std::move(row));
      }
    }
    PQclear(res);
    return rows;
  }

 private:
  PGconn* conn_;
};

std::int64_t Int(const std::string& text) { return text.empty() ? 0 : std::stoll(text); }

// Order lines as schema 3 stores them: [{"p","n","s","q","u","t"}].
std::vector<domain::OrderLine> ParseItems(const std::string& text) {
  std::vector<domain::OrderLine> lines;
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) {
    ADD_FAILURE() << "fixture order items are not a JSON array: " << text;
    return lines;
  }
  for (const json::value& e : v.get_array()) {
    const json::object& o = e.as_object();
    lines.push_back(domain::OrderLine{
        std::string(o.at("p").as_string()), std::string(o.at("n").as_string()),
        std::string(o.at("s").as_string()), o.at("q").to_number<std::int64_t>(),
        o.at("u").to_number<std::int64_t>(), o.at("t").to_number<std::int64_t>()});
  }
  return lines;
}

}  // namespace

std::int64_t RawDb::QueryInt(const std::string& sql) {
  Rows rows = Query(sql);
  if (rows.empty() || rows[0].empty()) return -1;
  return Int(rows[0][0]);
}

std::unique_ptr<RawDb> OpenRawSqlite(const std::string& path) {
  return std::make_unique<SqliteRawDb>(path);
}

std::unique_ptr<RawDb> OpenRawPostgres(const std::string& url) {
  return std::make_unique<PostgresRawDb>(url);
}

std::string ReadFixtureFile(const std::string& name) {
  std::string path = ORDERFLOW_SOURCE_DIR "/tests/fixtures/schema3/";
  path += name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<FixtureDelivery> Fixture::DeliveriesOf(const std::string& order_id) const {
  std::vector<FixtureDelivery> out;
  for (const auto& d : deliveries) {
    if (d.order_id == order_id) out.push_back(d);
  }
  return out;
}

std::vector<FixtureDelivery> Fixture::InState(int state) const {
  std::vector<FixtureDelivery> out;
  for (const auto& d : deliveries) {
    if (d.state == state) out.push_back(d);
  }
  return out;
}

std::map<std::string, std::vector<domain::HistoryEntry>> ReadFlatHistory(RawDb& db) {
  std::map<std::string, std::vector<domain::HistoryEntry>> out;
  for (const auto& r :
       db.Query("SELECT order_id, status, at, detail FROM order_history ORDER BY order_id, idx")) {
    out[r[0]].push_back(domain::HistoryEntry{r[1], Int(r[2]), r[3]});
  }
  return out;
}

Fixture ReadFixture(RawDb& db) {
  Fixture f;
  Rows stores = db.Query("SELECT store_id FROM stores");
  if (stores.size() != 1) {
    ADD_FAILURE() << "the fixture should hold one store, not " << stores.size();
    return f;
  }
  f.store_id = stores[0][0];
  for (const auto& r : db.Query("SELECT order_id, customer_name, status, payment_status, "
                                "fulfillment_status, total, items FROM orders ORDER BY seq")) {
    FixtureOrder o{r[0], r[1], r[2], r[3], r[4], Int(r[5]), ParseItems(r[6]), {}};
    f.orders.emplace(o.order_id, std::move(o));
  }
  for (auto& [order_id, history] : ReadFlatHistory(db)) {
    auto it = f.orders.find(order_id);
    if (it == f.orders.end()) {
      ADD_FAILURE() << "history of an unknown order " << order_id;
      continue;
    }
    it->second.history = std::move(history);
  }
  for (const auto& r :
       db.Query("SELECT d.event_id, d.step, e.topic, e.order_id, d.state, d.attempts, d.next_at, "
                "e.due_at, e.created_at FROM deliveries d JOIN events e ON e.id = d.event_id "
                "ORDER BY d.event_id, d.step")) {
    f.deliveries.push_back(FixtureDelivery{Int(r[0]), r[1], r[2], r[3], static_cast<int>(Int(r[4])),
                                           static_cast<int>(Int(r[5])), Int(r[6]), Int(r[7]),
                                           Int(r[8])});
  }
  for (const auto& r : db.Query("SELECT p.product_id, p.product_name, p.stock, p.reserved, "
                                "(SELECT COALESCE(SUM(m.stock_delta), 0) FROM stock_movements m "
                                " WHERE m.store_id = p.store_id AND m.product_id = p.product_id), "
                                "(SELECT COALESCE(SUM(m.reserved_delta), 0) FROM stock_movements m "
                                " WHERE m.store_id = p.store_id AND m.product_id = p.product_id) "
                                "FROM products p ORDER BY p.product_name")) {
    f.products.push_back(FixtureProduct{r[0], r[1], Int(r[2]), Int(r[3]), Int(r[4]), Int(r[5])});
  }
  for (const auto& r : db.Query("SELECT notification_id, read FROM notifications")) {
    f.notification_read[r[0]] = Int(r[1]) != 0;
    f.unread += Int(r[1]) == 0 ? 1 : 0;
  }
  for (const auto& r : db.Query("SELECT w.webhook_id, w.enabled, (SELECT COUNT(*) FROM "
                                "webhook_attempts a WHERE a.webhook_id = w.webhook_id) "
                                "FROM webhooks w ORDER BY w.webhook_id")) {
    f.webhooks.push_back(FixtureWebhook{r[0], Int(r[1]) != 0, Int(r[2])});
  }
  return f;
}

}  // namespace orderflow::testing::upgrade
