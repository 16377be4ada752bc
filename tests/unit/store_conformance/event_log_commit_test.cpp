// Store conformance, event log role, units of work: the commit listener,
// group commit with a failing unit rolled back alone, durability across a
// reopen, queued writes completed before close, read-after-write of an
// acknowledged unit, on every back end (fixture.hpp).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "unit/store_conformance/fixture.hpp"

namespace orderflow::store::conformance {
namespace {

template <typename Factory>
class EventLogCommitConformance : public StoreFixture<Factory> {};
TYPED_TEST_SUITE(EventLogCommitConformance, StoreFactories);

TYPED_TEST(EventLogCommitConformance, CommitListenerRunsAfterCommits) {
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

// Queues a unit (completion -1) that holds the writer until the returned
// promise is set, so that the units queued meanwhile form one batch.
std::promise<void> HoldWriter(Store& store, Completions& done) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  store.Write(
      [released](WriteTx&) {
        released.wait();
        return OkStatus();
      },
      done.Callback(-1));
  return release;
}

TYPED_TEST(EventLogCommitConformance, FailingUnitIsRolledBackAloneInsideAGroupCommit) {
  // A first unit holds the writer until every other unit is queued, so those
  // are committed together as one batch.
  this->Reopen();
  auto commits = std::make_shared<std::atomic<int>>(0);
  this->store().SetCommitListener([commits] { ++*commits; });
  Completions done;
  std::promise<void> release = HoldWriter(this->store(), done);
  constexpr int kUnits = 40;
  constexpr int kFailing = 17;
  constexpr int kThrowing = 29;
  for (int i = 0; i < kUnits; ++i) {
    this->store().Write(
        [i](WriteTx& tx) -> Status {
          OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i)));
          OF_RETURN_IF_ERROR(
              tx.InsertNotification(MakeNotification("A", "n" + std::to_string(i), kNow)));
          if (i == kFailing) {
            // A read of the batch's notifications, inside the unit that then
            // fails: it sees the earlier units' and its own (the SQLite writer
            // holds them until COMMIT and must write them out first), and
            // the rollback must not take the earlier units' with it.
            OF_ASSIGN_OR_RETURN(NotificationPage page, tx.ListNotifications(NF("A").Limit(500)));
            EXPECT_EQ(page.items.size(), static_cast<std::size_t>(i + 1));
            return MakeError(ErrorCode::kConflict, "unit failed after writing");
          }
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
  // The history lives in the event log (one history-only row per unit here:
  // the units emit no event to carry it); the flat view reads the same.
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM events WHERE history_status IS NOT NULL"),
            kUnits - 2);
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM events"), kUnits - 2);
  EXPECT_EQ(this->QueryInt("SELECT COUNT(*) FROM order_history"), kUnits - 2);
}

TYPED_TEST(EventLogCommitConformance, ALaterUnitReadsWhatEarlierUnitsOfItsBatchWrote) {
  // Writers may keep rows until the batch's end (PostgreSQL's lean batch:
  // events, alerts, ledger rows; SQLite's alerts and ledger rows): every
  // read of a later unit in the same group commit must still see them.
  this->Reopen();
  Product p = this->AddProduct(MakeProduct("A", "Widget", "W-1", 100));
  Completions done;
  std::promise<void> release = HoldWriter(this->store(), done);
  constexpr int kWriters = 8;
  auto event_ids = std::make_shared<std::map<int, std::int64_t>>();
  for (int i = 0; i < kWriters; ++i) {
    this->store().Write(
        [i, p, event_ids](WriteTx& tx) -> Status {
          OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(i), "Ada", kNow + i)));
          OF_ASSIGN_OR_RETURN(
              (*event_ids)[i],
              tx.InsertEvent(MakeEvent("A", OrderId(i), "order.created", kNow), {"ship"}));
          OF_RETURN_IF_ERROR(
              tx.InsertNotification(MakeNotification("A", "n" + std::to_string(i), kNow)));
          StockMovement m;
          m.store_id = p.store_id;
          m.product_id = p.product_id;
          m.kind = MovementKind::kReserve;
          m.reserved_delta = 1;
          m.order_id = OrderId(i);
          m.at = kNow;
          Result<Product> moved = tx.ApplyMovement(m);
          if (!moved.ok()) return moved.error();
          return OkStatus();
        },
        done.Callback(i));
  }
  this->store().Write(
      [p, event_ids, writers = kWriters](WriteTx& tx) -> Status {
        // Its own order, not written yet either, counts for the fraud guard.
        OF_RETURN_IF_ERROR(tx.InsertOrder(MakeOrder("A", OrderId(writers), "Ada", kNow + 50)));
        OF_ASSIGN_OR_RETURN(auto activity, tx.CountCustomerActivity("A", "ada", 0, 0));
        EXPECT_EQ(activity.orders, writers + 1);
        EXPECT_EQ(activity.failed_payments, 0);
        OF_ASSIGN_OR_RETURN(Order third, tx.GetOrder("A", OrderId(3)));
        EXPECT_EQ(third.history.size(), 1u);
        OF_ASSIGN_OR_RETURN(std::vector<Event> events, tx.ListOrderEvents("A", OrderId(3)));
        EXPECT_EQ(events.size(), 1u);
        OF_ASSIGN_OR_RETURN(NotificationPage alerts, tx.ListNotifications(NF("A").Limit(50)));
        EXPECT_EQ(alerts.items.size(), static_cast<std::size_t>(writers));
        OF_ASSIGN_OR_RETURN(auto ledger, tx.LedgerTotals(p.store_id, p.product_id));
        EXPECT_EQ(ledger.second, writers);
        // A delivery written by an earlier unit of the batch is completed.
        return tx.CompleteDelivery(event_ids->at(5), "ship", 1, kNow + 60);
      },
      done.Callback(kWriters));
  release.set_value();
  ASSERT_TRUE(done.WaitFor(kWriters + 2));
  for (const auto& [i, s] : done.results()) EXPECT_TRUE(s.ok()) << i << ": " << s.error().message;
  auto due = ReadValue(this->store(), [](ReadTx& tx) { return tx.ListDueDeliveries(kNow, 50); });
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(due->size(), static_cast<std::size_t>(kWriters - 1));
  auto fifth = ReadValue(this->store(),
                         [&](ReadTx& tx) { return tx.GetDelivery(event_ids->at(5), "ship"); });
  ASSERT_TRUE(fifth.ok()) << fifth.error().message;
  EXPECT_EQ(fifth->state, DeliveryState::kDone);
  EXPECT_EQ(this->Ledger(p), (std::pair<std::int64_t, std::int64_t>{100, kWriters}));
  EXPECT_EQ(this->Unread("A"), kWriters);
  EXPECT_EQ(this->GetOrder("A", OrderId(kWriters)).history.size(), 1u);
}

TYPED_TEST(EventLogCommitConformance, AUnitReadsItsOrderAsEarlierUnitsOfTheBatchLeftIt) {
  // Units written for an order (WriteForOrder) may be answered from one
  // read of the batch's orders (PostgreSQL): an order that an earlier unit
  // of the batch moved must still read as moved, with its new history.
  this->Reopen();
  this->AddOrder(MakeOrder("A", OrderId(1), "Ada", kNow));
  this->AddOrder(MakeOrder("A", OrderId(2), "Bob", kNow));
  this->AddOrder(MakeOrder("A", OrderId(3), "Cy", kNow));
  const Order third = this->GetOrder("A", OrderId(3));
  Completions done;
  std::promise<void> release = HoldWriter(this->store(), done);
  this->store().WriteForOrder(
      "A", OrderId(1),
      [](WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", OrderId(1)));
        o.status = OrderStatus::kPaid;
        o.payment_status = "paid";
        o.updated_at = kNow + 5;
        return tx.UpdateOrder(o, OrderStatus::kPending,
                              {HistoryEntry{"PAID", kNow + 5, "charged"}});
      },
      done.Callback(0));
  this->store().WriteForOrder(
      "A", OrderId(1),
      [](WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", OrderId(1)));
        EXPECT_EQ(o.status, OrderStatus::kPaid);
        EXPECT_EQ(o.payment_status, "paid");
        EXPECT_EQ(o.history.size(), 2u);
        OF_ASSIGN_OR_RETURN(Order other, tx.GetOrder("A", OrderId(2)));
        EXPECT_EQ(other.status, OrderStatus::kPending);
        EXPECT_EQ(other.history.size(), 1u);
        return OkStatus();
      },
      done.Callback(1));
  this->store().WriteForOrder(
      "A", OrderId(2),
      [](WriteTx& tx) -> Status {
        OF_ASSIGN_OR_RETURN(Order o, tx.GetOrder("A", OrderId(2)));
        EXPECT_EQ(o.customer_name, "Bob");
        EXPECT_EQ(o.history.size(), 1u);
        return OkStatus();
      },
      done.Callback(2));
  // A unit that moves an order it did not read first reads the move back.
  this->store().WriteForOrder(
      "A", OrderId(3),
      [third](WriteTx& tx) -> Status {
        Order o = third;
        o.status = OrderStatus::kCancelled;
        o.updated_at = kNow + 7;
        OF_RETURN_IF_ERROR(
            tx.UpdateOrder(o, OrderStatus::kPending, {HistoryEntry{"CANCELLED", kNow + 7, ""}}));
        OF_ASSIGN_OR_RETURN(Order again, tx.GetOrder("A", OrderId(3)));
        EXPECT_EQ(again.status, OrderStatus::kCancelled);
        return OkStatus();
      },
      done.Callback(4));
  this->store().WriteForOrder(
      "A", "no-such-order",
      [](WriteTx& tx) -> Status {
        EXPECT_EQ(tx.GetOrder("A", "no-such-order").code(), ErrorCode::kNotFound);
        return OkStatus();
      },
      done.Callback(3));
  release.set_value();
  ASSERT_TRUE(done.WaitFor(6));
  for (const auto& [i, s] : done.results()) EXPECT_TRUE(s.ok()) << i << ": " << s.error().message;
  Order first = this->GetOrder("A", OrderId(1));
  EXPECT_EQ(first.status, OrderStatus::kPaid);
  EXPECT_EQ(first.history.size(), 2u);
}

TYPED_TEST(EventLogCommitConformance, DataSurvivesClosingAndReopening) {
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

TYPED_TEST(EventLogCommitConformance, QueuedWritesAreCompletedBeforeTheStoreCloses) {
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

TYPED_TEST(EventLogCommitConformance, AcknowledgedWriteIsVisibleToTheNextRead) {
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

}  // namespace
}  // namespace orderflow::store::conformance
