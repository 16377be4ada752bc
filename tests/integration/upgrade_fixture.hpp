#pragma once
// The schema-3 upgrade fixture (tests/fixtures/schema3/): loading its dump
// into a fresh SQLite file or PostgreSQL schema, and reading what it holds
// from its own tables before any migration runs, so that the upgrade test
// compares the upgraded database with the data the old binary wrote rather
// than with numbers copied into the test.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "domain/order.hpp"

namespace orderflow::testing::upgrade {

// Text of every column of every row; SQL NULL reads as "".
using Rows = std::vector<std::vector<std::string>>;

// A plain connection to the database under test, outside the Store API.
// Every failure is a test failure (and an empty result).
class RawDb {
 public:
  virtual ~RawDb() = default;
  // Runs a script of one or more statements.
  virtual bool Exec(const std::string& sql) = 0;
  virtual Rows Query(const std::string& sql) = 0;
  // The first column of the first row as an integer, -1 without a row.
  std::int64_t QueryInt(const std::string& sql);
};

std::unique_ptr<RawDb> OpenRawSqlite(const std::string& path);
// `url` as PgSchemaUrl returns it (search_path names the schema).
std::unique_ptr<RawDb> OpenRawPostgres(const std::string& url);

// tests/fixtures/schema3/<name> ("sqlite.sql", "postgres.sql"); "" after a
// test failure when it cannot be read.
std::string ReadFixtureFile(const std::string& name);

struct FixtureOrder {
  std::string order_id;
  std::string customer_name;
  std::string status;
  std::string payment_status;
  std::string fulfillment_status;
  std::int64_t total = 0;
  std::vector<domain::OrderLine> items;
  std::vector<domain::HistoryEntry> history;  // in order
};

struct FixtureDelivery {
  std::int64_t event_id = 0;
  std::string step;
  std::string topic;
  std::string order_id;
  int state = 0;  // 0 pending, 1 done, 2 dead (schema 3)
  int attempts = 0;
  std::int64_t next_at = 0;
  std::int64_t due_at = 0;      // of the event
  std::int64_t created_at = 0;  // of the event
};

struct FixtureProduct {
  std::string product_id;
  std::string product_name;
  std::int64_t stock = 0;
  std::int64_t reserved = 0;
  std::int64_t ledger_stock = 0;  // sums of the product's stock movements
  std::int64_t ledger_reserved = 0;
};

struct FixtureWebhook {
  std::string webhook_id;
  bool enabled = true;
  std::int64_t attempts = 0;  // rows of its delivery log
};

// What the fixture holds, read from the schema-3 tables.
struct Fixture {
  std::string store_id;
  std::map<std::string, FixtureOrder> orders;  // by order id
  std::vector<FixtureDelivery> deliveries;
  std::vector<FixtureProduct> products;
  std::map<std::string, bool> notification_read;  // by notification id
  std::int64_t unread = 0;
  std::vector<FixtureWebhook> webhooks;

  std::vector<FixtureDelivery> DeliveriesOf(const std::string& order_id) const;
  std::vector<FixtureDelivery> InState(int state) const;
};

// Reads the fixture from a database that holds its dump and nothing else.
Fixture ReadFixture(RawDb& db);

// Every order's history, in order, from the flat `order_history` rows: the
// table of schema 3, or the view over the event log from schema 6 on.
std::map<std::string, std::vector<domain::HistoryEntry>> ReadFlatHistory(RawDb& db);

}  // namespace orderflow::testing::upgrade
