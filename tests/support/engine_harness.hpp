#pragma once
// An in-process OrderFlow for engine tests: the real SQLite store on a file
// in a temporary directory, the real flow and steps, the simulated payment
// gateway, a worker pool and one or more engine::Engine dispatchers woken by
// the store's commits, exactly as src/app/serve.cpp composes them, minus
// HTTP. Optionally the engine, its steps and the intake run through a
// FaultyStore wrapped around the real store, steps can be paused at a gate
// before their handler runs, and retry delays can be shortened.
//
// Helpers do what the API does (intake, cancel, review, restock) in one unit
// of work each, and Invariants() checks the guarantees of SPEC §3-§6 over
// the whole database. Reads used for checking go to the real store, never
// through the fault injector. Not thread-safe except PlaceOrder, Cancel and
// the read helpers, which may be called from several threads.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/thread_pool.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "engine/engine.hpp"
#include "engine/flow.hpp"
#include "payment/simulated_gateway.hpp"
#include "steps/steps.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "support/faulty_store.hpp"
#include "support/temp_dir.hpp"

namespace orderflow::testing {

// One requested order line: catalogue product name and quantity.
struct LineSpec {
  std::string product_name;
  std::int64_t quantity = 1;
};

// A pause point before a step's handler. Closed gates hold every handler
// that reaches them until Open() (or, as a safety net, 30 s). Thread-safe.
class StepGate {
 public:
  explicit StepGate(bool closed = true) : open_(!closed) {}
  void Open();
  void Close();
  // Blocks the calling handler while the gate is closed.
  void Pass();
  // Waits until at least `count` handlers reached the gate; false on timeout.
  bool WaitEntered(int count = 1,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds(20'000));
  int entered() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_;        // GUARDED_BY(mu_)
  int entered_ = 0;  // GUARDED_BY(mu_)
};

struct HarnessOptions {
  // Create the demo stores X, Y, Z and their catalogue (SPEC §9).
  bool seed_demo = true;
  // Start the engines in the constructor; otherwise call Start().
  bool start = true;
  // Run the engines, their steps and the intake helpers through a
  // FaultyStore (disarmed until the test arms it).
  bool faulty = false;
  // Engines dispatching from the same store and flow.
  int engines = 1;
  int workers = 4;
  // Keep each step's attempts but shorten its backoff to a few ms (the
  // steps are wrapped; their logic is the real one).
  bool fast_retries = false;
  // Step name -> gate its handler passes before running.
  std::map<std::string, std::shared_ptr<StepGate>> gates;
  // A flow to use instead of steps::DeclareFlow().
  std::optional<engine::Flow> flow;
  // Register the order flow's steps (needs the flow of DeclareFlow()).
  bool install_order_steps = true;
  steps::StepOptions step_options = {.ship_delay_ms = 0,
                                     .deliver_delay_ms = 0,
                                     .low_stock_scan_ms = 3'600'000,
                                     .reconcile_ms = 3'600'000};
  engine::EngineOptions engine_options = {};
};

// What Invariants() tolerates.
struct InvariantOptions {
  // Orders may be pending or in progress (otherwise only terminal or flagged).
  bool allow_in_progress = false;
  // Dead letters are allowed (otherwise none).
  bool allow_dead_letters = false;
  // Check the gateway's capture/refund counts against the orders.
  bool check_gateway = true;
};

class EngineHarness {
 public:
  explicit EngineHarness(HarnessOptions options = {});
  ~EngineHarness();
  EngineHarness(const EngineHarness&) = delete;
  EngineHarness& operator=(const EngineHarness&) = delete;

  // The store the engines, steps and helpers write through (the FaultyStore
  // when enabled).
  store::Store& store();
  // The real SQLite store underneath.
  store::Store& real_store();
  // Only with HarnessOptions::faulty.
  FaultyStore& faulty();
  const engine::Flow& flow() const { return flow_; }
  payment::SimulatedGateway& gateway() { return gateway_; }
  engine::Engine& engine(int i = 0) { return *engines_.at(static_cast<std::size_t>(i)); }
  const std::string& db_path() const { return db_path_; }
  const Clock& clock() const { return clock_; }

  void Start();
  void Stop();

  // --- doing what the API does --------------------------------------------

  // The intake (POST /api/order): prices from the catalogue, InsertOrder
  // with ORDER_CREATED, and order.created emitted by order-intake, all in
  // one unit of work. Returns the order id (`order_id`, or a new UUID when
  // empty) or the unit's error.
  Result<std::string> PlaceOrder(const std::string& store_id, const std::string& customer,
                                 const std::vector<LineSpec>& lines,
                                 const std::string& token = "tok_visa",
                                 const std::string& order_id = "");
  // POST /api/orders/:id/cancel.
  Status Cancel(const std::string& store_id, const std::string& order_id);
  // POST /api/orders/:id/review. The transition table decides.
  Status Review(const std::string& store_id, const std::string& order_id, bool approve);
  // POST /api/products; returns the product id.
  std::string AddProduct(const std::string& store_id, const std::string& name, domain::Cents price,
                         std::int64_t stock, std::int64_t threshold = 10);
  // PATCH /api/products/:id {"restock": n} or {"adjust": n}.
  Status Restock(const std::string& store_id, const std::string& product_id, std::int64_t units);
  Status Adjust(const std::string& store_id, const std::string& product_id, std::int64_t delta);

  // --- waiting --------------------------------------------------------------

  // Waits until every engine is idle and no delivery is pending at all
  // (retries scheduled in the future included). Records a test failure and
  // returns false on timeout.
  bool WaitIdle(std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000));
  // Polls until the order has `status`; false on timeout.
  bool WaitForStatus(const std::string& store_id, const std::string& order_id,
                     domain::OrderStatus status,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(20'000));

  // --- reading (real store) -------------------------------------------------

  Result<domain::Order> FindOrder(const std::string& store_id, const std::string& order_id);
  // The order; a test failure and an empty order when it is missing.
  domain::Order GetOrder(const std::string& store_id, const std::string& order_id);
  domain::Product GetProduct(const std::string& store_id, const std::string& product_id);
  std::string ProductId(const std::string& store_id, const std::string& name);
  // Every order of the store with its history, oldest first.
  std::vector<domain::Order> Orders(const std::string& store_id);
  // Every ledger row of the product, oldest first.
  std::vector<store::StockMovement> Movements(const std::string& store_id,
                                              const std::string& product_id);
  std::pair<std::int64_t, std::int64_t> Ledger(const std::string& store_id,
                                               const std::string& product_id);
  // Every notification of the store, oldest first.
  std::vector<domain::Notification> Notifications(const std::string& store_id);
  int CountNotifications(const std::string& store_id, const std::string& order_id,
                         const std::string& title);
  std::vector<store::Delivery> OrderDeliveries(const std::string& store_id,
                                               const std::string& order_id);
  std::vector<store::Delivery> DeadLetters(const std::string& store_id);
  // Pending and dead deliveries over all stores.
  std::pair<std::int64_t, std::int64_t> PendingAndDead();

  // The guarantees of SPEC §3-§6 over the whole database (every store).
  ::testing::AssertionResult Invariants(const InvariantOptions& options = {});

  static std::vector<std::string> HistoryStatuses(const domain::Order& order);

 private:
  void WakeAll();
  void InstallOrderSteps(engine::Engine& engine);

  HarnessOptions options_;
  TempDir dir_;
  std::string db_path_;
  SystemClock clock_;
  std::unique_ptr<store::SqliteStore> real_;
  std::unique_ptr<FaultyStore> faulty_;
  engine::Flow flow_;
  payment::SimulatedGateway gateway_;
  std::unique_ptr<app::ThreadPool> pool_;
  std::mutex wake_mu_;
  bool wake_enabled_ = true;  // GUARDED_BY(wake_mu_)
  std::vector<std::unique_ptr<engine::Engine>> engines_;
};

}  // namespace orderflow::testing
