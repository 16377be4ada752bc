// PostgreSQL-only behaviour that the shared conformance suite cannot show
// on SQLite: several processes (here: several PostgresStore objects on one
// schema) claiming deliveries and crons, NOTIFY between instances,
// concurrent migrations and the query plans of the order list. Needs
// ORDERFLOW_TEST_PG (see tests/support/pg_test_db.hpp).

#include "store/postgres/postgres_store.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "store/migrations.hpp"
#include "support/pg_test_db.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::store {
namespace {

using orderflow::testing::OpenPgStore;
using orderflow::testing::PgQueryInt;
using orderflow::testing::PgSchemaUrl;

constexpr TimeMs kNow = 1'767'225'600'000;

Event MakeEvent(const std::string& order_id, const std::string& topic, TimeMs due_at = kNow) {
  Event e;
  e.store_id = "A";
  e.order_id = order_id;
  e.topic = topic;
  e.payload = "{}";
  e.created_at = kNow;
  e.due_at = due_at;
  return e;
}

std::set<std::string> Keys(const std::vector<Delivery>& deliveries) {
  std::set<std::string> out;
  for (const auto& d : deliveries) out.insert(std::to_string(d.event.id) + "/" + d.step);
  return out;
}

std::string Key(std::int64_t event_id, const std::string& step) {
  return std::to_string(event_id) + "/" + step;
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = OpenPgStore(dir_.path());
    if (IsSkipped()) return;
    ASSERT_NE(a_, nullptr);
    b_ = OpenPgStore(dir_.path());
    ASSERT_NE(b_, nullptr);
  }

  std::int64_t AddEvent(const Event& e, const std::vector<std::string>& steps) {
    std::int64_t id = 0;
    Status s = WriteSync(*a_, [&](WriteTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(id, tx.InsertEvent(e, steps));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return id;
  }
  std::vector<Delivery> Claim(Store& store, TimeMs now, int limit, TimeMs lease = 1000) {
    auto r = store.ClaimDueDeliveries(now, limit, lease);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : std::vector<Delivery>{};
  }
  void Complete(std::int64_t event_id, const std::string& step, TimeMs now) {
    Status s =
        WriteSync(*b_, [&](WriteTx& tx) { return tx.CompleteDelivery(event_id, step, 1, now); });
    EXPECT_TRUE(s.ok()) << s.error().message;
  }

  orderflow::testing::TempDir dir_;
  std::unique_ptr<Store> a_;
  std::unique_ptr<Store> b_;
};

TEST(PostgresUrl, PoolIsOursAndTheRestIsLibpqs) {
  auto c = ParsePostgresUrl("postgresql://u@127.0.0.1:5432/db?pool=3&sslmode=disable");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->pool, 3);
  EXPECT_EQ(c->conninfo, "postgresql://u@127.0.0.1:5432/db?sslmode=disable&connect_timeout=5");
  auto plain = ParsePostgresUrl("postgres://h/db");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->pool, 8);
  EXPECT_EQ(plain->conninfo, "postgres://h/db?connect_timeout=5");
  EXPECT_FALSE(ParsePostgresUrl("postgresql://h/db?pool=0").ok());
  EXPECT_FALSE(ParsePostgresUrl("postgresql://h/db?pool=x").ok());
  EXPECT_FALSE(ParsePostgresUrl("mysql://h/db").ok());
}

TEST(PostgresOpen, UnreachableServerIsUnavailableWithLibpqsReason) {
  auto c = ParsePostgresUrl("postgresql://postgres@127.0.0.1:1/nothing");
  ASSERT_TRUE(c.ok());
  c->startup_wait = std::chrono::milliseconds(0);
  auto opened = PostgresStore::Open(*c);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.code(), ErrorCode::kUnavailable);
  EXPECT_NE(opened.error().message.find("127.0.0.1"), std::string::npos) << opened.error().message;
}

TEST_F(PostgresStoreTest, TwoClaimersGetDisjointSets) {
  std::set<std::string> all;
  for (int i = 0; i < 10; ++i) {
    all.insert(
        Key(AddEvent(MakeEvent("order-" + std::to_string(i), "order.created"), {"s1"}), "s1"));
  }
  auto first = Claim(*a_, kNow, 4);
  auto second = Claim(*b_, kNow, 100);
  EXPECT_EQ(first.size(), 4u);
  EXPECT_EQ(second.size(), 6u);
  std::set<std::string> both = Keys(first);
  for (const auto& k : Keys(second)) EXPECT_TRUE(both.insert(k).second) << k << " claimed twice";
  EXPECT_EQ(both, all);
  EXPECT_TRUE(Claim(*a_, kNow + 10, 100).empty());
}

TEST_F(PostgresStoreTest, ConcurrentClaimersNeverShareADelivery) {
  for (int i = 0; i < 60; ++i) AddEvent(MakeEvent("", "stock.low"), {"s1", "s2"});
  std::vector<Delivery> got[2];
  std::thread t0([&] {
    for (int i = 0; i < 20; ++i) {
      auto c = Claim(*a_, kNow, 4);
      got[0].insert(got[0].end(), c.begin(), c.end());
    }
  });
  std::thread t1([&] {
    for (int i = 0; i < 20; ++i) {
      auto c = Claim(*b_, kNow, 4);
      got[1].insert(got[1].end(), c.begin(), c.end());
    }
  });
  t0.join();
  t1.join();
  std::set<std::string> seen;
  for (const auto& list : got) {
    for (const auto& k : Keys(list)) EXPECT_TRUE(seen.insert(k).second) << k << " claimed twice";
  }
  EXPECT_EQ(got[0].size() + got[1].size(), 120u);
}

TEST_F(PostgresStoreTest, OnlyTheOldestDueDeliveryOfAnOrderIsClaimed) {
  std::int64_t e1 = AddEvent(MakeEvent("o1", "order.created"), {"s1", "s2"});
  std::int64_t e2 = AddEvent(MakeEvent("o1", "order.paid"), {"s1"});
  std::int64_t e3 = AddEvent(MakeEvent("", "stock.low"), {"s1", "s2"});
  std::int64_t later = AddEvent(MakeEvent("o2", "timer", kNow + 60'000), {"s1"});
  std::int64_t e4 = AddEvent(MakeEvent("o2", "order.created"), {"s1"});

  // o1: its oldest (event, step) only; o2: its not-yet-due timer does not
  // hold back a due later event; no order: everything due.
  EXPECT_EQ(Keys(Claim(*a_, kNow, 100)),
            (std::set<std::string>{Key(e1, "s1"), Key(e3, "s1"), Key(e3, "s2"), Key(e4, "s1")}));
  // While o1 is leased, nobody else gets any of its work.
  EXPECT_TRUE(Claim(*b_, kNow + 1, 100).empty());
  Complete(e1, "s1", kNow + 2);
  EXPECT_EQ(Keys(Claim(*b_, kNow + 3, 100)), (std::set<std::string>{Key(e1, "s2")}));
  Complete(e1, "s2", kNow + 4);
  EXPECT_EQ(Keys(Claim(*a_, kNow + 5, 100)), (std::set<std::string>{Key(e2, "s1")}));
  (void)later;
}

// A claimer in the middle of its claim holds its orders' advisory locks
// (ClaimDue); played here by a raw session. Another claimer leaves that
// order alone, without waiting, and still gets every other order's work;
// once the first one's lease is committed, its snapshot shows it.
TEST_F(PostgresStoreTest, AClaimInProgressHoldsItsOrderOnly) {
  std::int64_t e1 = AddEvent(MakeEvent("o1", "order.created"), {"s1"});
  std::int64_t e2 = AddEvent(MakeEvent("o1", "order.paid"), {"s1"});
  std::int64_t f = AddEvent(MakeEvent("o2", "order.created"), {"s1"});
  PGconn* other = PQconnectdb(PgSchemaUrl(dir_.path()).c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  auto exec = [other](const std::string& sql) {
    PGresult* res = PQexec(other, sql.c_str());
    EXPECT_TRUE(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
        << PQresultErrorMessage(res);
    PQclear(res);
  };
  exec("BEGIN");
  exec("SELECT pg_advisory_xact_lock(" + std::to_string(0x4f47) +
       ", hashtext(current_schema() || ':A/o1'))");
  EXPECT_EQ(Keys(Claim(*b_, kNow, 100)), (std::set<std::string>{Key(f, "s1")}));
  // The other claimer took o1's later delivery (its clock was behind, say,
  // and e1 not due yet for it) and commits its lease.
  exec("UPDATE deliveries SET lease_until = " + std::to_string(kNow + 60'000) +
       " WHERE event_id = " + std::to_string(e2));
  exec("COMMIT");
  PQfinish(other);
  EXPECT_TRUE(Claim(*b_, kNow + 1, 100).empty());
  Complete(e2, "s1", kNow + 2);
  EXPECT_EQ(Keys(Claim(*a_, kNow + 3, 100)), (std::set<std::string>{Key(e1, "s1")}));
}

// Two instances claim and complete the same orders at once, with clocks
// apart so that an order's first event (due between the two) is due for
// one claimer only. After every claim, before its completion, no order may
// have two leased pending deliveries (a lease ends with the completion, in
// the same statement), and every delivery is completed exactly once.
TEST_F(PostgresStoreTest, ConcurrentClaimersNeverRunOneOrderTwiceAtOnce) {
  constexpr int kOrders = 10;
  int total = 0;
  for (int i = 0; i < kOrders; ++i) {
    const std::string order = "o" + std::to_string(i);
    AddEvent(MakeEvent(order, "order.created", kNow + 5), {"s1", "s2"});
    AddEvent(MakeEvent(order, "order.paid"), {"s1"});
    AddEvent(MakeEvent(order, "order.shipped"), {"s1", "s2"});
    total += 5;
  }
  const std::string kDoubleLeased =
      "SELECT COUNT(*) FROM (SELECT e.order_id FROM deliveries d JOIN events e "
      "ON e.id = d.event_id WHERE d.state = 0 AND d.lease_until > 0 "
      "GROUP BY e.order_id HAVING COUNT(*) > 1) x";
  std::mutex mu;
  std::set<std::string> done;
  std::atomic<int> overlaps{0};
  auto run = [&](Store& store, TimeMs now) {
    for (int round = 0; round < 400; ++round) {
      {
        std::lock_guard lock(mu);
        if (static_cast<int>(done.size()) == total) return;
      }
      for (const Delivery& d : Claim(store, now, 8, 60'000)) {
        overlaps += static_cast<int>(PgQueryInt(dir_.path(), kDoubleLeased));
        Status s = WriteSync(
            store, [&](WriteTx& tx) { return tx.CompleteDelivery(d.event.id, d.step, 1, now); });
        EXPECT_TRUE(s.ok()) << s.error().message;
        std::lock_guard lock(mu);
        EXPECT_TRUE(done.insert(Key(d.event.id, d.step)).second) << "claimed after completion";
      }
    }
  };
  std::thread t0([&] { run(*a_, kNow + 4); });
  std::thread t1([&] { run(*b_, kNow + 6); });
  t0.join();
  t1.join();
  EXPECT_EQ(overlaps.load(), 0) << "an order had two deliveries in flight at once";
  EXPECT_EQ(static_cast<int>(done.size()), total);
}

TEST_F(PostgresStoreTest, AnExpiredLeaseHandsTheWorkToAnotherClaimer) {
  std::int64_t e = AddEvent(MakeEvent("o1", "order.created"), {"s1"});
  EXPECT_EQ(Keys(Claim(*a_, kNow, 10, 1000)), (std::set<std::string>{Key(e, "s1")}));
  EXPECT_TRUE(Claim(*b_, kNow + 999, 10).empty());
  EXPECT_EQ(Keys(Claim(*b_, kNow + 1000, 10, 1000)), (std::set<std::string>{Key(e, "s1")}));
}

TEST_F(PostgresStoreTest, RetryingOrDeadLetteringEndsTheClaim) {
  std::int64_t e = AddEvent(MakeEvent("o1", "order.created"), {"s1"});
  std::int64_t f = AddEvent(MakeEvent("o2", "order.created"), {"s1"});
  ASSERT_EQ(Claim(*a_, kNow, 10, 60'000).size(), 2u);
  ASSERT_TRUE(WriteSync(*a_, [&](WriteTx& tx) {
                return tx.RetryDelivery(e, "s1", 1, kNow + 10, "boom", kNow + 1);
              }).ok());
  ASSERT_TRUE(WriteSync(*a_, [&](WriteTx& tx) {
                return tx.DeadLetterDelivery(f, "s1", 1, "gone", kNow + 1);
              }).ok());
  // Well within the original lease, the retry is due again and claimable.
  EXPECT_EQ(Keys(Claim(*b_, kNow + 10, 10)), (std::set<std::string>{Key(e, "s1")}));
  // A redriven dead letter is free to claim again, whoever leased it before.
  ASSERT_TRUE(WriteSync(*a_, [&](WriteTx& tx) {
                return tx.RedriveDelivery("A", f, "s1", kNow + 20);
              }).ok());
  EXPECT_EQ(Keys(Claim(*b_, kNow + 20, 10)), (std::set<std::string>{Key(f, "s1")}));
}

TEST_F(PostgresStoreTest, ACronRunIsWonByOneInstanceUntilItsNextRun) {
  auto claim = [](Store& store, TimeMs now, TimeMs next) {
    bool won = false;
    Status s = WriteSync(store, [&](WriteTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(won, tx.ClaimCronRun("low-stock-scan", now, next));
      return OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s.error().message;
    return won;
  };
  EXPECT_TRUE(claim(*a_, kNow, kNow + 60'000));
  EXPECT_FALSE(claim(*b_, kNow, kNow + 60'000));
  EXPECT_FALSE(claim(*b_, kNow + 59'999, kNow + 119'999));
  EXPECT_TRUE(claim(*b_, kNow + 60'000, kNow + 120'000));
  EXPECT_FALSE(claim(*a_, kNow + 60'001, kNow + 120'001));
}

TEST_F(PostgresStoreTest, ACronHeldByAnUncommittedRunIsNotWonElsewhere) {
  // Instance A's unit holds the cron's advisory lock until its batch
  // commits; B, asking meanwhile (from inside A's unit), loses.
  bool b_won = true;
  Status s = WriteSync(*a_, [&](WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(bool won, tx.ClaimCronRun("reconcile", kNow, kNow + 60'000));
    EXPECT_TRUE(won);
    Status inner = WriteSync(*b_, [&](WriteTx& btx) -> Status {
      OF_ASSIGN_OR_RETURN(b_won, btx.ClaimCronRun("reconcile", kNow, kNow + 60'000));
      return OkStatus();
    });
    EXPECT_TRUE(inner.ok()) << inner.error().message;
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(b_won);
}

TEST_F(PostgresStoreTest, CommitsWithEventsWakeTheOtherInstances) {
  std::mutex mu;
  std::condition_variable cv;
  int wakes = 0;
  b_->SetCommitListener([&] {
    std::lock_guard lock(mu);
    ++wakes;
    cv.notify_all();
  });
  // B's listener connects in the background, and what is committed before
  // it listens is not heard: A commits events until B hears one. Nothing
  // else wakes B (a channel is per schema, and B writes nothing).
  bool heard = false;
  for (int i = 0; i < 60 && !heard; ++i) {
    AddEvent(MakeEvent("o" + std::to_string(i), "order.created"), {"s1"});  // instance A
    std::unique_lock lock(mu);
    heard = cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return wakes >= 1; });
  }
  EXPECT_TRUE(heard) << "instance B never heard of A's events";
  b_.reset();  // joins the listener thread before `wakes` goes away
}

domain::Notification MakeNotification(const std::string& id) {
  domain::Notification n;
  n.notification_id = id;
  n.store_id = "A";
  n.type = domain::NotificationType::kInfo;
  n.title = "t";
  n.message = "m";
  n.created_at = kNow;
  return n;
}

// Counters are summed in memory and written once per batch: a unit reads
// its own pending changes, a run that asks to run again (kRetryUnit) drops
// its own, and a reset inside the batch is not undone by deltas queued
// before it.
TEST_F(PostgresStoreTest, CounterDeltasFollowTheirUnitAndAreWrittenAtCommit) {
  const char* kUnread =
      "SELECT value FROM counters WHERE store_id = 'A' AND name = 'unread_alerts'";
  std::int64_t seen_inside = -1;
  int runs = 0;
  Status s = WriteSync(*a_, [&](WriteTx& tx) -> Status {
    ++runs;
    OF_RETURN_IF_ERROR(tx.InsertNotification(MakeNotification("n1")));
    if (runs == 1) {
      OF_RETURN_IF_ERROR(tx.InsertNotification(MakeNotification("n2")));
      return MakeError(ErrorCode::kRetryUnit, "the first run asks to run again after its writes");
    }
    OF_ASSIGN_OR_RETURN(seen_inside, tx.CountUnreadNotifications("A"));
    return OkStatus();
  });
  EXPECT_EQ(runs, 2);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(seen_inside, 1);
  EXPECT_EQ(PgQueryInt(dir_.path(), kUnread), 1);

  s = WriteSync(*a_, [&](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.InsertNotification(MakeNotification("n3")));
    OF_ASSIGN_OR_RETURN(std::int64_t marked, tx.MarkAllNotificationsRead("A"));
    EXPECT_EQ(marked, 2);
    OF_RETURN_IF_ERROR(tx.InsertNotification(MakeNotification("n4")));
    OF_ASSIGN_OR_RETURN(seen_inside, tx.CountUnreadNotifications("A"));
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(seen_inside, 1);
  EXPECT_EQ(PgQueryInt(dir_.path(), kUnread), 1);
  std::int64_t read = -1;
  s = b_->Read([&](ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(read, tx.CountUnreadNotifications("A"));
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(read, 1);
}

// A step chained in the unit that emitted the event is recorded in the
// event's own INSERT (no UPDATE, no delivery row); one that handles an
// event of an earlier unit marks it with an UPDATE. Both count done:<step>
// through the batch's deltas, and the pipelined batch counts each statement
// it queued.
TEST_F(PostgresStoreTest, HandledMarksGoIntoTheEventInsertOfTheirUnit) {
  Event first;
  const StatementCounts before = a_->statement_counts();
  Status s = WriteSync(*a_, [&](WriteTx& tx) -> Status {
    first = MakeEvent("o1", "order.created");
    OF_ASSIGN_OR_RETURN(first.id, tx.InsertEvent(first, {"pending-step"}));
    OF_RETURN_IF_ERROR(tx.AddDelivery(first, "chained", true, kNow));
    OF_RETURN_IF_ERROR(tx.AddDelivery(first, "chained-too", true, kNow));
    Status again = tx.AddDelivery(first, "chained", true, kNow);
    EXPECT_EQ(again.code(), ErrorCode::kConflict);
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  const StatementCounts after = a_->statement_counts();
  // The events INSERT with its delivery row, and the counter upsert.
  EXPECT_EQ(after.writer.write - before.writer.write, 2);
  EXPECT_EQ(
      PgQueryInt(dir_.path(), "SELECT COUNT(*) FROM events WHERE id = " + std::to_string(first.id) +
                                  " AND handled = 'chained,chained-too'"),
      1);
  EXPECT_EQ(PgQueryInt(dir_.path(), "SELECT COUNT(*) FROM deliveries WHERE event_id = " +
                                        std::to_string(first.id)),
            1);
  EXPECT_EQ(PgQueryInt(dir_.path(),
                       "SELECT value FROM counters WHERE store_id = 'A' AND name = 'done:chained'"),
            1);

  // An event written by an earlier unit: an UPDATE marks it.
  Status again = OkStatus();
  s = WriteSync(*a_, [&](WriteTx& tx) -> Status {
    OF_RETURN_IF_ERROR(tx.AddDelivery(first, "later", true, kNow));
    again = tx.AddDelivery(first, "chained", true, kNow);
    return OkStatus();
  });
  // The refused second mark fails the pipelined attempt (its answer comes
  // after the unit); the statement-by-statement run hands it back as
  // kConflict, which the unit ignores.
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(again.code(), ErrorCode::kConflict);
  s = b_->Read([&](ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(Delivery d, tx.GetDelivery(first.id, "later"));
    EXPECT_EQ(d.state, DeliveryState::kDone);
    OF_ASSIGN_OR_RETURN(std::vector<Delivery> all, tx.ListOrderDeliveries("A", "o1"));
    EXPECT_EQ(all.size(), 4u);
    return OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(PgQueryInt(dir_.path(),
                       "SELECT value FROM counters WHERE store_id = 'A' AND name = 'done:later'"),
            1);
}

TEST_F(PostgresStoreTest, PingAnswersWhileTheDatabaseIsUp) {
  Status s = a_->Ping();
  EXPECT_TRUE(s.ok()) << s.error().message;
  EXPECT_STREQ(a_->Backend(), "postgresql");
}

// Readiness commits a probe when no commit is recent, on each instance's
// own writer; the outcome answers again within the second.
TEST_F(PostgresStoreTest, CheckWritesCommitsAProbeWhenNoCommitIsRecent) {
  const char* kProbe = "SELECT value FROM counters WHERE store_id = '' AND name = 'write-probe'";
  EXPECT_EQ(PgQueryInt(dir_.path(), kProbe), -1);
  Status s = a_->CheckWrites();
  ASSERT_TRUE(s.ok()) << s.error().message;
  const std::int64_t first = PgQueryInt(dir_.path(), kProbe);
  EXPECT_GT(first, 0);
  EXPECT_TRUE(a_->CheckWrites().ok());
  EXPECT_EQ(PgQueryInt(dir_.path(), kProbe), first);
  s = b_->CheckWrites();
  EXPECT_TRUE(s.ok()) << s.error().message;
}

TEST(PostgresMigrations, InstancesStartingTogetherMigrateOnce) {
  orderflow::testing::TempDir dir;
  if (PgSchemaUrl(dir.path()).empty()) return;
  std::vector<std::unique_ptr<Store>> stores(4);
  std::vector<std::thread> threads;
  for (auto& s : stores) threads.emplace_back([&s, &dir] { s = OpenPgStore(dir.path(), 1); });
  for (auto& t : threads) t.join();
  for (auto& s : stores) ASSERT_NE(s, nullptr);
  EXPECT_EQ(PgQueryInt(dir.path(), "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<std::int64_t>(Migrations("postgres").size()));
  EXPECT_EQ(PgQueryInt(dir.path(), "SELECT MAX(version) FROM schema_migrations"),
            Migrations("postgres").back().version);
}

// The order list's filters read through an index (like the SQLite plan
// tests). Sequential scans are disabled so that the small table does not
// make the planner prefer one; a filter without a usable index still shows
// "Seq Scan" then.
class PostgresQueryPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenPgStore(dir_.path());
    if (IsSkipped()) return;
    ASSERT_NE(store_, nullptr);
    url_ = PgSchemaUrl(dir_.path());
  }

  std::string Plan(const std::string& condition) {
    PGconn* conn = PQconnectdb(url_.c_str());
    EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PQclear(PQexec(conn, "SET enable_seqscan = off"));
    std::string sql = "EXPLAIN SELECT seq, order_id FROM orders WHERE store_id = 'A'" + condition +
                      " AND seq < 1000 ORDER BY seq DESC LIMIT 51";
    PGresult* res = PQexec(conn, sql.c_str());
    std::string plan;
    for (int r = 0; r < PQntuples(res); ++r) plan += std::string(PQgetvalue(res, r, 0)) + "\n";
    EXPECT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQresultErrorMessage(res);
    PQclear(res);
    PQfinish(conn);
    return plan;
  }

  orderflow::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::string url_;
};

TEST_F(PostgresQueryPlan, OrderListFiltersUseTheirIndexes) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "orders_by_store"},
      {" AND status = 'paid'", "orders_by_status"},
      {" AND payment_status = 'failed'", "orders_by_payment"},
      {" AND fulfillment_status = 'shipped'", "orders_by_fulfillment"},
      {" AND customer_key = 'ada'", "orders_by_customer"},
      {" AND email_key = 'ada@example.com'", "orders_by_email"},
      {" AND created_at >= 1 AND created_at < 2", "orders_by_"},
  };
  for (const auto& [condition, index] : cases) {
    std::string plan = Plan(condition);
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos) << condition << "\n" << plan;
    EXPECT_NE(plan.find(index), std::string::npos) << condition << "\n" << plan;
  }
}

}  // namespace
}  // namespace orderflow::store
