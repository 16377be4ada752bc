// Upgrade from schema version 3 (main at 3415a6b): a database the old
// binary wrote through its HTTP API (tests/fixtures/schema3/, README.md
// there says how) is loaded into a fresh SQLite file or PostgreSQL schema,
// read as it is from its own tables, then opened by this code, which
// migrates it in place. Every order with its lines, totals and history,
// the stock and its ledger, the notifications, the pending deliveries
// (durable timers, a payment retry), the dead letter and the webhook must
// survive; the new engine then finishes what the old one left waiting.
//
// After the migration everything is read through the Store API and the
// HTTP API, never through the schema's tables or its version number, so
// later migrations keep this test valid. Runs as integration.Upgrade.*
// (SQLite) and postgres.Upgrade.* (ORDERFLOW_TEST_BACKEND=postgres).

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "app/open_store.hpp"
#include "app/secret_files.hpp"
#include "integration/upgrade_fixture.hpp"
#include "store/store.hpp"
#include "support/gateway_process.hpp"
#include "support/invariants.hpp"
#include "support/pg_test_db.hpp"
#include "support/server_process.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {
namespace {

using namespace std::chrono_literals;
using upgrade::Fixture;
using upgrade::FixtureDelivery;
using upgrade::FixtureOrder;
using upgrade::RawDb;

namespace json = boost::json;

constexpr int kPending = 0;  // schema 3 deliveries.state
constexpr int kDone = 1;
constexpr int kDead = 2;

// Generous: the flow needs well under a second per order on a quiet machine.
constexpr auto kPatience = 90s;

bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

store::DeliveryState StateOf(int schema3_state) {
  switch (schema3_state) {
    case kDone:
      return store::DeliveryState::kDone;
    case kDead:
      return store::DeliveryState::kDead;
    default:
      return store::DeliveryState::kPending;
  }
}

std::string Describe(const FixtureDelivery& d) {
  return std::to_string(d.event_id) + ":" + d.step + " (" + d.topic + ", order " + d.order_id + ")";
}

std::string Describe(const domain::OrderLine& l) {
  return l.product_id + "|" + l.product_name + "|" + l.sku + "|" + std::to_string(l.quantity) +
         "|" + std::to_string(l.unit_price) + "|" + std::to_string(l.line_total);
}

// Orders the old server finished; all others end delivered after the upgrade.
bool Finished(const FixtureOrder& o) {
  return o.status == "delivered" || o.status == "failed" || o.status == "cancelled";
}

// Orders whose stock had not left the shelf yet (reserved or not even that):
// fulfilment commits it after the upgrade.
bool BeforeFulfilment(const FixtureOrder& o) {
  return o.status == "pending" || o.status == "flagged";
}

template <typename T, typename F>
Result<T> ReadOne(store::Store& store, F f) {
  std::optional<Result<T>> out;
  Status s = store.Read([&](store::ReadTx& tx) -> Status {
    out.emplace(f(tx));
    return OkStatus();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

// The database as this binary opens it (migrating it), like `orderflow
// serve` does, without the engine.
std::unique_ptr<store::Store> OpenWithThisBinary(const std::string& db,
                                                 const std::string& key_file) {
  app::Config config;
  config.db = db;
  if (Status valid = app::Validate(config); !valid.ok()) {
    ADD_FAILURE() << valid.error().message;
    return nullptr;
  }
  auto key = app::LoadSecretKey(key_file, false);
  if (!key.ok()) {
    ADD_FAILURE() << key.error().message;
    return nullptr;
  }
  app::OpenOptions options;
  options.connections = 2;
  options.secret_key = *key;
  auto opened = app::OpenDatabase(config, options);
  if (!opened.ok()) {
    ADD_FAILURE() << "opening the schema-3 database: " << opened.error().message;
    return nullptr;
  }
  return std::move(opened).value();
}

// The fixture must hold what the scenario of its README made; a fixture
// that lost a case would let this test pass without covering it.
void ExpectFixtureCoversEveryCase(const Fixture& f) {
  std::map<std::string, int> statuses;
  for (const auto& [id, o] : f.orders) ++statuses[o.status];
  EXPECT_GE(statuses["delivered"], 4);
  EXPECT_GE(statuses["shipped"], 1);
  EXPECT_GE(statuses["fulfilled"], 1);
  EXPECT_GE(statuses["failed"], 1);
  EXPECT_GE(statuses["flagged"], 1);
  EXPECT_GE(statuses["cancelled"], 1);
  int timers = 0;
  int retries = 0;
  for (const auto& d : f.InState(kPending)) {
    timers += d.due_at > d.created_at ? 1 : 0;
    retries += d.attempts > 0 ? 1 : 0;
  }
  EXPECT_GE(timers, 3) << "durable timers pending at shutdown";
  EXPECT_GE(retries, 1) << "a payment retrying at shutdown";
  EXPECT_EQ(f.InState(kDead).size(), 1u);
  EXPECT_GT(f.unread, 0);
  EXPECT_LT(f.unread, static_cast<std::int64_t>(f.notification_read.size()));
  EXPECT_EQ(f.webhooks.size(), 1u);
  for (const auto& p : f.products) {
    EXPECT_EQ(p.stock, p.ledger_stock) << p.product_name;
    EXPECT_EQ(p.reserved, p.ledger_reserved) << p.product_name;
  }
}

// Right after the migration, before any engine ran: the store shows
// exactly what the old binary wrote.
void ExpectStoreHoldsFixture(store::Store& s, const Fixture& f) {
  std::set<std::string> listed;
  store::OrderFilter filter;
  filter.store_id = f.store_id;
  filter.limit = 100;
  while (true) {
    auto page =
        ReadOne<store::OrderPage>(s, [&](store::ReadTx& tx) { return tx.ListOrders(filter); });
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& o : page->items) listed.insert(o.order_id);
    if (!page->next_seq) break;
    filter.before_seq = *page->next_seq;
  }
  std::set<std::string> expected;
  for (const auto& [id, o] : f.orders) expected.insert(id);
  EXPECT_EQ(listed, expected);

  for (const auto& entry : f.orders) {
    const FixtureOrder& fo = entry.second;
    auto o = ReadOne<domain::Order>(
        s, [&](store::ReadTx& tx) { return tx.GetOrder(f.store_id, fo.order_id); });
    ASSERT_TRUE(o.ok()) << fo.customer_name << ": " << o.error().message;
    EXPECT_EQ(domain::ToString(o->status), fo.status) << fo.customer_name;
    EXPECT_EQ(o->payment_status, fo.payment_status) << fo.customer_name;
    EXPECT_EQ(o->fulfillment_status, fo.fulfillment_status) << fo.customer_name;
    EXPECT_EQ(o->customer_name, fo.customer_name);
    EXPECT_EQ(o->total, fo.total) << fo.customer_name;
    ASSERT_EQ(o->items.size(), fo.items.size()) << fo.customer_name;
    for (std::size_t i = 0; i < fo.items.size(); ++i) {
      EXPECT_EQ(Describe(o->items[i]), Describe(fo.items[i])) << fo.customer_name;
    }
    ASSERT_EQ(o->history.size(), fo.history.size()) << fo.customer_name;
    for (std::size_t i = 0; i < fo.history.size(); ++i) {
      EXPECT_EQ(o->history[i].status, fo.history[i].status) << fo.customer_name << " #" << i;
      EXPECT_EQ(o->history[i].detail, fo.history[i].detail) << fo.customer_name << " #" << i;
      EXPECT_EQ(o->history[i].at, fo.history[i].at) << fo.customer_name << " #" << i;
    }
  }

  for (const auto& fp : f.products) {
    auto p = ReadOne<domain::Product>(
        s, [&](store::ReadTx& tx) { return tx.GetProduct(f.store_id, fp.product_id); });
    ASSERT_TRUE(p.ok()) << fp.product_name << ": " << p.error().message;
    EXPECT_EQ(p->stock, fp.stock) << fp.product_name;
    EXPECT_EQ(p->reserved, fp.reserved) << fp.product_name;
    auto ledger = ReadOne<std::pair<std::int64_t, std::int64_t>>(
        s, [&](store::ReadTx& tx) { return tx.LedgerTotals(f.store_id, fp.product_id); });
    ASSERT_TRUE(ledger.ok());
    EXPECT_EQ(ledger->first, fp.stock) << fp.product_name;
    EXPECT_EQ(ledger->second, fp.reserved) << fp.product_name;
  }

  std::map<std::string, bool> read;
  store::NotificationFilter nf;
  nf.store_id = f.store_id;
  nf.limit = 100;
  while (true) {
    auto page = ReadOne<store::NotificationPage>(
        s, [&](store::ReadTx& tx) { return tx.ListNotifications(nf); });
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& n : page->items) read[n.notification_id] = n.read;
    if (!page->next_seq) break;
    nf.before_seq = *page->next_seq;
  }
  EXPECT_EQ(read, f.notification_read);
  auto unread = ReadOne<std::int64_t>(
      s, [&](store::ReadTx& tx) { return tx.CountUnreadNotifications(f.store_id); });
  ASSERT_TRUE(unread.ok());
  EXPECT_EQ(*unread, f.unread);

  // Every delivery as it was; an order's trace still lists each of its steps.
  for (const auto& fd : f.deliveries) {
    auto d = ReadOne<store::Delivery>(
        s, [&](store::ReadTx& tx) { return tx.GetDelivery(fd.event_id, fd.step); });
    ASSERT_TRUE(d.ok()) << Describe(fd) << ": " << d.error().message;
    EXPECT_EQ(d->state, StateOf(fd.state)) << Describe(fd);
    EXPECT_EQ(d->attempts, fd.attempts) << Describe(fd);
    if (fd.state == kPending) {
      EXPECT_EQ(d->next_at, fd.next_at) << Describe(fd);
    }
  }
  for (const auto& entry : f.orders) {
    const FixtureOrder& fo = entry.second;
    auto trace = ReadOne<std::vector<store::Delivery>>(
        s, [&](store::ReadTx& tx) { return tx.ListOrderDeliveries(f.store_id, fo.order_id); });
    ASSERT_TRUE(trace.ok()) << trace.error().message;
    for (const auto& fd : f.DeliveriesOf(fo.order_id)) {
      auto it = std::find_if(trace->begin(), trace->end(), [&](const store::Delivery& d) {
        return d.event.id == fd.event_id && d.step == fd.step;
      });
      ASSERT_NE(it, trace->end()) << fo.customer_name << ": trace lost " << Describe(fd);
      EXPECT_EQ(it->state, StateOf(fd.state)) << Describe(fd);
      EXPECT_EQ(it->event.topic, fd.topic) << Describe(fd);
    }
  }

  // Pending deliveries are due at their old times; the dead letter is listed.
  std::int64_t latest_due = 0;
  for (const auto& fd : f.InState(kPending)) latest_due = std::max(latest_due, fd.next_at);
  auto due = ReadOne<std::vector<store::Delivery>>(
      s, [&](store::ReadTx& tx) { return tx.ListDueDeliveries(latest_due, 1000); });
  ASSERT_TRUE(due.ok()) << due.error().message;
  for (const auto& fd : f.InState(kPending)) {
    EXPECT_TRUE(std::any_of(
        due->begin(), due->end(),
        [&](const store::Delivery& d) { return d.event.id == fd.event_id && d.step == fd.step; }))
        << "not due: " << Describe(fd);
  }
  auto dead = ReadOne<store::DeadLetterPage>(
      s, [&](store::ReadTx& tx) { return tx.ListDeadLetters(f.store_id, 0, 100); });
  ASSERT_TRUE(dead.ok()) << dead.error().message;
  ASSERT_EQ(dead->items.size(), f.InState(kDead).size());
  for (const auto& fd : f.InState(kDead)) {
    auto it = std::find_if(dead->items.begin(), dead->items.end(), [&](const store::Delivery& d) {
      return d.event.id == fd.event_id && d.step == fd.step;
    });
    ASSERT_NE(it, dead->items.end()) << "dead letter lost: " << Describe(fd);
    EXPECT_EQ(it->attempts, fd.attempts);
    EXPECT_FALSE(it->last_error.empty()) << Describe(fd);
  }

  auto webhooks = ReadOne<std::vector<store::Webhook>>(
      s, [&](store::ReadTx& tx) { return tx.ListWebhooks(f.store_id); });
  ASSERT_TRUE(webhooks.ok()) << webhooks.error().message;
  ASSERT_EQ(webhooks->size(), f.webhooks.size());
  for (std::size_t i = 0; i < f.webhooks.size(); ++i) {
    EXPECT_EQ((*webhooks)[i].webhook_id, f.webhooks[i].webhook_id);
    EXPECT_EQ((*webhooks)[i].enabled, f.webhooks[i].enabled);
    auto attempts = ReadOne<store::WebhookAttemptPage>(s, [&](store::ReadTx& tx) {
      return tx.ListWebhookAttempts(f.store_id, f.webhooks[i].webhook_id, 0, 100);
    });
    ASSERT_TRUE(attempts.ok());
    EXPECT_EQ(static_cast<std::int64_t>(attempts->items.size()), f.webhooks[i].attempts);
  }
}

json::value GetJson(StoreApi& api, const std::string& target) {
  HttpResult r = api.Get(target);
  EXPECT_EQ(r.status, 200) << target << ": " << r.body;
  return ParseJson(r.body);
}

std::string StatusOf(StoreApi& api, const std::string& order_id) {
  return Str(GetJson(api, "/api/orders/" + order_id), "status");
}

bool ReachesDelivered(StoreApi& api, const std::string& order_id) {
  return WaitFor([&] { return StatusOf(api, order_id) == "delivered"; });
}

// The new server on the migrated database: it finishes what the old one
// left waiting, redrives the dead letter, and shows the old data.
void ExpectServerResumesFixture(ServerProcess& server, const Fixture& f) {
  StoreApi api(server.port(), server.admin_token(), f.store_id);

  // Timers (already due: they are absolute times of the fixture's run) and
  // the payment retry are handled by the new engine.
  std::set<std::string> waiting;
  for (const auto& fd : f.InState(kPending)) {
    if (!fd.order_id.empty()) waiting.insert(fd.order_id);
  }
  for (const auto& id : waiting) {
    EXPECT_TRUE(ReachesDelivered(api, id))
        << f.orders.at(id).customer_name << " stayed " << StatusOf(api, id);
  }

  // The dead letter is listed and can be redriven; its order then completes.
  for (const auto& fd : f.InState(kDead)) {
    json::value dead = GetJson(api, "/api/dead-letters?limit=100");
    ASSERT_TRUE(dead.is_object()) << json::serialize(dead);
    const json::array& items = dead.at("items").as_array();
    EXPECT_TRUE(std::any_of(items.begin(), items.end(),
                            [&](const json::value& d) {
                              return d.at("eventId").to_number<std::int64_t>() == fd.event_id &&
                                     Str(d, "step") == fd.step && Str(d, "state") == "dead";
                            }))
        << "dead letter " << Describe(fd) << " not listed: " << json::serialize(dead);
    HttpResult redrive = api.Post(
        "/api/dead-letters/" + std::to_string(fd.event_id) + "/" + fd.step + "/redrive", "");
    EXPECT_EQ(redrive.status, 200) << redrive.body;
    EXPECT_TRUE(ReachesDelivered(api, fd.order_id))
        << "redriven " << Describe(fd) << ": order stayed " << StatusOf(api, fd.order_id);
    EXPECT_EQ(GetJson(api, "/api/dead-letters?limit=100").at("items").as_array().size(), 0u);
  }

  // An order held for review before the upgrade is approved after it.
  for (const auto& [id, fo] : f.orders) {
    if (fo.status != "flagged") continue;
    HttpResult review = api.Post("/api/orders/" + id + "/review", R"({"decision":"approve"})");
    EXPECT_EQ(review.status, 200) << review.body;
    EXPECT_TRUE(ReachesDelivered(api, id)) << fo.customer_name;
  }

  // Every order: status, lines and total; the history goes on from the
  // fixture's, and the trace still shows every step the old engine ran.
  for (const auto& [id, fo] : f.orders) {
    json::value o = GetJson(api, "/api/orders/" + id);
    ASSERT_TRUE(o.is_object());
    EXPECT_EQ(Str(o, "status"), Finished(fo) ? fo.status : "delivered") << fo.customer_name;
    EXPECT_EQ(o.at("totalCents").to_number<std::int64_t>(), fo.total) << fo.customer_name;
    const json::array& items = o.at("items").as_array();
    ASSERT_EQ(items.size(), fo.items.size()) << fo.customer_name;
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(Str(items[i], "productId"), fo.items[i].product_id);
      EXPECT_EQ(items[i].at("quantity").to_number<std::int64_t>(), fo.items[i].quantity);
    }
    const json::array& history = o.at("history").as_array();
    if (Finished(fo)) {
      EXPECT_EQ(history.size(), fo.history.size()) << fo.customer_name;
    }
    ASSERT_GE(history.size(), fo.history.size()) << fo.customer_name;
    for (std::size_t i = 0; i < fo.history.size(); ++i) {
      EXPECT_EQ(Str(history[i], "status"), fo.history[i].status) << fo.customer_name << " #" << i;
      EXPECT_EQ(Str(history[i], "detail"), fo.history[i].detail) << fo.customer_name << " #" << i;
    }

    json::value trace = GetJson(api, "/api/orders/" + id + "/trace");
    ASSERT_TRUE(trace.is_object());
    std::map<std::pair<std::int64_t, std::string>, const json::value*> runs;
    for (const json::value& e : trace.at("events").as_array()) {
      for (const json::value& d : e.at("deliveries").as_array()) {
        runs[{d.at("eventId").to_number<std::int64_t>(), Str(d, "step")}] = &d;
      }
    }
    for (const auto& fd : f.DeliveriesOf(id)) {
      auto it = runs.find({fd.event_id, fd.step});
      ASSERT_NE(it, runs.end()) << fo.customer_name << ": trace lost " << Describe(fd);
      // Pending and dead ones have run since; the rest stay as they were.
      EXPECT_EQ(Str(*it->second, "state"), "done") << Describe(fd);
      if (fd.state == kDone) {
        EXPECT_EQ(it->second->at("attempts").to_number<int>(), fd.attempts) << Describe(fd);
      }
    }
  }

  // Every notification of the fixture is still there, read or unread as it was.
  std::map<std::string, bool> read;
  std::string cursor;
  while (true) {
    json::value page = GetJson(api, "/api/alerts?limit=100" + cursor);
    ASSERT_TRUE(page.is_object());
    for (const json::value& a : page.at("alerts").as_array()) {
      read[Str(a, "id")] = a.at("read").as_bool();
    }
    if (!page.at("nextCursor").is_string()) break;
    cursor = "&cursor=" + Str(page, "nextCursor");
  }
  for (const auto& [id, was_read] : f.notification_read) {
    auto it = read.find(id);
    ASSERT_NE(it, read.end()) << "notification " << id << " lost";
    EXPECT_EQ(it->second, was_read) << "notification " << id;
  }

  // The webhook endpoint, its state and its delivery log.
  json::value hooks = GetJson(api, "/api/webhooks");
  ASSERT_TRUE(hooks.is_object());
  ASSERT_EQ(hooks.at("items").as_array().size(), f.webhooks.size());
  for (std::size_t i = 0; i < f.webhooks.size(); ++i) {
    const json::value& w = hooks.at("items").as_array()[i];
    EXPECT_EQ(Str(w, "webhookId"), f.webhooks[i].webhook_id);
    EXPECT_EQ(w.at("enabled").as_bool(), f.webhooks[i].enabled);
    json::value log =
        GetJson(api, "/api/webhooks/" + f.webhooks[i].webhook_id + "/deliveries?limit=100");
    EXPECT_EQ(static_cast<std::int64_t>(log.at("items").as_array().size()), f.webhooks[i].attempts);
  }
}

// After the new server drained: nothing pending or dead, and the stock is
// what the fixture had minus what the orders fulfilled since took.
void ExpectDrained(store::Store& s, const Fixture& f) {
  auto counts = ReadOne<std::vector<store::StepCounts>>(
      s, [&](store::ReadTx& tx) { return tx.CountDeliveries(""); });
  ASSERT_TRUE(counts.ok()) << counts.error().message;
  for (const auto& c : *counts) {
    EXPECT_EQ(c.pending, 0) << c.step;
    EXPECT_EQ(c.dead, 0) << c.step;
  }
  std::map<std::string, std::int64_t> taken;
  for (const auto& [id, fo] : f.orders) {
    if (!BeforeFulfilment(fo)) continue;
    for (const auto& line : fo.items) taken[line.product_id] += line.quantity;
  }
  for (const auto& fp : f.products) {
    auto p = ReadOne<domain::Product>(
        s, [&](store::ReadTx& tx) { return tx.GetProduct(f.store_id, fp.product_id); });
    ASSERT_TRUE(p.ok()) << p.error().message;
    EXPECT_EQ(p->stock, fp.stock - taken[fp.product_id]) << fp.product_name;
    EXPECT_EQ(p->reserved, 0) << fp.product_name;
    auto ledger = ReadOne<std::pair<std::int64_t, std::int64_t>>(
        s, [&](store::ReadTx& tx) { return tx.LedgerTotals(f.store_id, fp.product_id); });
    ASSERT_TRUE(ledger.ok());
    EXPECT_EQ(ledger->first, p->stock) << fp.product_name;
    EXPECT_EQ(ledger->second, p->reserved) << fp.product_name;
  }
}

// Migration 006: every history row of the old table is now carried by the
// event log, in order, with the same status, detail and time, and the flat
// order_history rows (a view now) read back the same.
void ExpectHistoryMovedIntoTheLog(RawDb& raw, const Fixture& f) {
  std::int64_t entries = 0;
  for (const auto& entry : f.orders)
    entries += static_cast<std::int64_t>(entry.second.history.size());
  EXPECT_GT(entries, 0);
  EXPECT_EQ(raw.QueryInt("SELECT COUNT(*) FROM events WHERE history_status IS NOT NULL"), entries);
  auto history = upgrade::ReadFlatHistory(raw);
  for (const auto& [order_id, fo] : f.orders) {
    const std::vector<domain::HistoryEntry>& got = history[order_id];
    ASSERT_EQ(got.size(), fo.history.size()) << fo.customer_name;
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].status, fo.history[i].status) << fo.customer_name << " #" << i;
      EXPECT_EQ(got[i].detail, fo.history[i].detail) << fo.customer_name << " #" << i;
      EXPECT_EQ(got[i].at, fo.history[i].at) << fo.customer_name << " #" << i;
    }
  }
}

// One back end's database, loaded with the fixture's dump.
struct LoadedFixture {
  TempDir dir;
  std::string db;        // --db value
  std::string key_file;  // the key the fixture's webhook secret is sealed with
  std::function<std::unique_ptr<RawDb>()> open_raw;
};

void RunUpgrade(LoadedFixture& loaded) {
  Fixture fixture;
  {
    std::unique_ptr<RawDb> raw = loaded.open_raw();
    fixture = upgrade::ReadFixture(*raw);
  }
  ASSERT_FALSE(fixture.store_id.empty());
  ExpectFixtureCoversEveryCase(fixture);

  {
    std::unique_ptr<store::Store> s = OpenWithThisBinary(loaded.db, loaded.key_file);
    ASSERT_NE(s, nullptr);
    ExpectStoreHoldsFixture(*s, fixture);
  }
  ExpectHistoryMovedIntoTheLog(*loaded.open_raw(), fixture);

  GatewayProcess gateway(GatewayBinary());
  ServerProcess::Options options;
  options.db_url = loaded.db;
  options.extra_args = {"--payment-gateway", gateway.url(), "--secret-key-file", loaded.key_file};
  ServerProcess server(options);
  ExpectServerResumesFixture(server, fixture);
  EXPECT_EQ(server.Terminate(), 0) << server.Output();

  {
    std::unique_ptr<store::Store> s = OpenWithThisBinary(loaded.db, loaded.key_file);
    ASSERT_NE(s, nullptr);
    ExpectDrained(*s, fixture);
  }
  std::unique_ptr<RawDb> raw = loaded.open_raw();
  ExpectFlowInvariants([&](const std::string& sql) { return raw->QueryInt(sql); },
                       fixture.store_id);
}

void WriteKeyFile(LoadedFixture& loaded) {
  loaded.key_file = loaded.dir.File("secret-key");
  std::ofstream(loaded.key_file) << kTestSecretKey << "\n";
}

TEST(Upgrade, SchemaThreeSqliteDatabaseKeepsItsDataAndItsFlow) {
  if (ServerProcess::OnPostgres()) GTEST_SKIP() << "SQLite runs as integration.*";
  LoadedFixture loaded;
  WriteKeyFile(loaded);
  const std::string path = loaded.dir.File("of.db");
  loaded.db = "sqlite:" + path;
  loaded.open_raw = [path] { return upgrade::OpenRawSqlite(path); };
  const std::string dump = upgrade::ReadFixtureFile("sqlite.sql");
  ASSERT_FALSE(dump.empty());
  ASSERT_TRUE(loaded.open_raw()->Exec(dump));
  RunUpgrade(loaded);
}

TEST(Upgrade, SchemaThreePostgresDatabaseKeepsItsDataAndItsFlow) {
  if (!ServerProcess::OnPostgres()) GTEST_SKIP() << "PostgreSQL runs as postgres.*";
  LoadedFixture loaded;
  WriteKeyFile(loaded);
  loaded.db = PgSchemaUrl(loaded.dir.path());
  if (loaded.db.empty()) return;
  const std::string url = loaded.db;
  loaded.open_raw = [url] { return upgrade::OpenRawPostgres(url); };
  const std::string dump = upgrade::ReadFixtureFile("postgres.sql");
  ASSERT_FALSE(dump.empty());
  ASSERT_TRUE(loaded.open_raw()->Exec(dump));
  RunUpgrade(loaded);
}

}  // namespace
}  // namespace orderflow::testing
