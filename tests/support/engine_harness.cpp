#include "support/engine_harness.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "common/ids.hpp"
#include "domain/order_request.hpp"
#include "steps/order_intake.hpp"
#include "steps/order_ops.hpp"
#include "tenancy/store_admin.hpp"

namespace orderflow::testing {
namespace {

namespace json = boost::json;
using domain::OrderStatus;

constexpr std::int64_t kFastBaseDelayMs = 2;
constexpr std::int64_t kFastMaxDelayMs = 20;

// A real step seen through a gate and, optionally, a shorter backoff.
class WrappedStep final : public engine::Step {
 public:
  WrappedStep(std::unique_ptr<engine::Step> inner, std::shared_ptr<StepGate> gate, bool fast)
      : inner_(std::move(inner)), gate_(std::move(gate)), fast_(fast) {}

  const engine::StepSpec& spec() const override { return inner_->spec(); }
  engine::RetryPolicy retry_policy() const override {
    engine::RetryPolicy policy = inner_->retry_policy();
    if (fast_) {
      policy.base_delay_ms = kFastBaseDelayMs;
      policy.max_delay_ms = kFastMaxDelayMs;
    }
    return policy;
  }
  Result<engine::Apply> Handle(const engine::StepInput& input) override {
    if (gate_) gate_->Pass();
    return inner_->Handle(input);
  }
  // A gated step must be dispatched: chained, its gate would block the unit.
  bool runs_inline() const override { return gate_ == nullptr && inner_->runs_inline(); }

 private:
  std::unique_ptr<engine::Step> inner_;
  std::shared_ptr<StepGate> gate_;
  bool fast_;
};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// --- StepGate ----------------------------------------------------------------

void StepGate::Open() {
  std::lock_guard lock(mu_);
  open_ = true;
  cv_.notify_all();
}

void StepGate::Close() {
  std::lock_guard lock(mu_);
  open_ = false;
}

void StepGate::Pass() {
  std::unique_lock lock(mu_);
  ++entered_;
  cv_.notify_all();
  cv_.wait_for(lock, std::chrono::seconds(30), [this] { return open_; });
}

bool StepGate::WaitEntered(int count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this, count] { return entered_ >= count; });
}

int StepGate::entered() const {
  std::lock_guard lock(mu_);
  return entered_;
}

// --- EngineHarness -----------------------------------------------------------

EngineHarness::EngineHarness(HarnessOptions options)
    : options_(std::move(options)),
      db_path_(dir_.File("engine.db")),
      flow_(options_.flow ? *options_.flow : steps::DeclareFlow()),
      gateway_(0.0, 42) {
  store::SqliteConfig config;
  config.path = db_path_;
  config.readers = 4;
  auto opened = store::SqliteStore::Open(config);
  if (!opened.ok())
    throw std::runtime_error("cannot open " + db_path_ + ": " + opened.error().message);
  real_ = std::move(opened).value();
  if (options_.seed_demo) {
    auto seeded = tenancy::SeedDemo(*real_, clock_);
    if (!seeded.ok()) throw std::runtime_error("demo seed failed: " + seeded.error().message);
  }
  if (options_.faulty) faulty_ = std::make_unique<FaultyStore>(*real_);

  pool_ = std::make_unique<app::ThreadPool>(std::max(1, options_.workers));
  for (int i = 0; i < std::max(1, options_.engines); ++i) {
    auto engine =
        std::make_unique<engine::Engine>(store(), flow_, *pool_, clock_, options_.engine_options);
    if (options_.install_order_steps) InstallOrderSteps(*engine);
    engines_.push_back(std::move(engine));
  }
  store().SetCommitListener([this] { WakeAll(); });
  if (options_.start) Start();
}

EngineHarness::~EngineHarness() {
  for (auto& gate : options_.gates) gate.second->Open();
  Stop();
  {
    std::lock_guard lock(wake_mu_);
    wake_enabled_ = false;
  }
  engines_.clear();
  pool_.reset();
  faulty_.reset();
  real_.reset();
}

store::Store& EngineHarness::store() {
  if (faulty_) return *faulty_;
  return *real_;
}

store::Store& EngineHarness::real_store() { return *real_; }

FaultyStore& EngineHarness::faulty() {
  if (!faulty_) throw std::logic_error("EngineHarness: not built with options.faulty");
  return *faulty_;
}

void EngineHarness::InstallOrderSteps(engine::Engine& engine) {
  if (!options_.fast_retries && options_.gates.empty()) {
    steps::InstallSteps(engine, flow_, store(), gateway_, options_.step_options);
    return;
  }
  std::vector<std::unique_ptr<engine::Step>> list;
  list.push_back(steps::MakeFraudGuard(flow_));
  list.push_back(steps::MakeInventoryReserve(flow_));
  list.push_back(steps::MakePayment(flow_, store(), gateway_));
  list.push_back(steps::MakeFulfillment(flow_));
  list.push_back(steps::MakeDelivery(flow_, options_.step_options));
  list.push_back(steps::MakeCompensation(flow_, store(), gateway_));
  list.push_back(steps::MakeAlerts(flow_));
  list.push_back(steps::MakeWebhookFanout(flow_));
  list.push_back(steps::MakeWebhookSend(flow_, store(), options_.step_options));
  std::set<std::string> installed;
  for (auto& step : list) {
    std::string name = step->spec().name;
    auto gate = options_.gates.count(name) != 0 ? options_.gates.at(name) : nullptr;
    installed.insert(name);
    engine.AddStep(std::make_unique<WrappedStep>(std::move(step), gate, options_.fast_retries));
  }
  engine.AddCron(steps::MakeLowStockScan(flow_, options_.step_options.low_stock_scan_ms));
  engine.AddCron(steps::MakeStockReconcile(flow_, options_.step_options.reconcile_ms));
  // InstallSteps is the source of truth; a step added there must be added here.
  for (const auto& spec : flow_.steps()) {
    if (spec.kind == engine::StepKind::kEvent && installed.count(spec.name) == 0) {
      ADD_FAILURE() << "EngineHarness does not install the event step '" << spec.name
                    << "' that the flow declares";
    }
  }
}

void EngineHarness::Start() {
  for (auto& e : engines_) e->Start();
}

void EngineHarness::Stop() {
  for (auto& e : engines_) e->Stop();
}

void EngineHarness::WakeAll() {
  std::lock_guard lock(wake_mu_);
  if (!wake_enabled_) return;
  for (auto& e : engines_) e->Wake();
}

Result<std::string> EngineHarness::PlaceOrder(const std::string& store_id,
                                              const std::string& customer,
                                              const std::vector<LineSpec>& lines,
                                              const std::string& token,
                                              const std::string& wanted_id) {
  domain::OrderRequest req;
  req.customer_name = customer;
  for (const auto& l : lines)
    req.lines.push_back(domain::RequestedLine{l.product_name, "", l.quantity});
  req.payment_token = token;
  std::string currency = "USD";
  Status got_store = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(domain::StoreInfo info, tx.GetStore(store_id));
    currency = info.currency;
    return OkStatus();
  });
  if (!got_store.ok()) return got_store.error();

  req.order_id = wanted_id.empty() ? NewUuid() : wanted_id;
  const TimeMs now = clock_.NowMs();
  // The real intake unit, as POST /api/order runs it.
  steps::IntakeOutcome outcome;
  Status s = store::WriteSync(store(), [&](store::WriteTx& tx) {
    return steps::IntakeOrder(
        tx, flow_, req, store_id, currency, "", now,
        [](const domain::Order&, bool) { return std::string(); }, outcome);
  });
  const std::string& order_id = req.order_id;
  if (!s.ok()) return s.error();
  return order_id;
}

Status EngineHarness::Cancel(const std::string& store_id, const std::string& order_id) {
  const TimeMs now = clock_.NowMs();
  return store::WriteSync(store(), [&](store::WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(domain::Order order, tx.GetOrder(store_id, order_id));
    order.failure_reason = "cancelled";
    OF_RETURN_IF_ERROR(
        steps::Transition(tx, order, OrderStatus::kCancelled, "CANCELLED", "Cancelled", now));
    store::Event event;
    event.store_id = store_id;
    event.order_id = order_id;
    event.topic = "order.cancelled";
    event.payload = json::serialize(json::object{{"orderId", order_id}, {"reason", ""}});
    event.created_at = event.due_at = now;
    OF_ASSIGN_OR_RETURN(std::int64_t id, flow_.Emit(tx, "order-actions", event));
    (void)id;
    return OkStatus();
  });
}

Status EngineHarness::Review(const std::string& store_id, const std::string& order_id,
                             bool approve) {
  const TimeMs now = clock_.NowMs();
  return store::WriteSync(store(), [&](store::WriteTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(domain::Order order, tx.GetOrder(store_id, order_id));
    if (order.status != OrderStatus::kFlagged) {
      return MakeError(ErrorCode::kInvalidTransition, "only flagged orders can be reviewed");
    }
    store::Event event;
    event.store_id = store_id;
    event.order_id = order_id;
    event.created_at = event.due_at = now;
    if (approve) {
      OF_RETURN_IF_ERROR(steps::Transition(tx, order, OrderStatus::kPending, "FRAUD_APPROVED",
                                           "Approved after review", now));
      event.topic = "order.approved";
    } else {
      order.failure_reason = "rejected_in_review";
      OF_RETURN_IF_ERROR(steps::Transition(tx, order, OrderStatus::kCancelled, "CANCELLED",
                                           "Rejected after review", now));
      event.topic = "order.cancelled";
    }
    event.payload = json::serialize(json::object{{"orderId", order_id}, {"reason", ""}});
    OF_ASSIGN_OR_RETURN(std::int64_t id, flow_.Emit(tx, "order-actions", event));
    (void)id;
    return OkStatus();
  });
}

std::string EngineHarness::AddProduct(const std::string& store_id, const std::string& name,
                                      domain::Cents price, std::int64_t stock,
                                      std::int64_t threshold) {
  domain::Product p;
  p.store_id = store_id;
  p.product_id = NewUuid();
  p.product_name = name;
  p.price = price;
  p.stock = stock;
  p.threshold = threshold;
  p.created_at = p.updated_at = clock_.NowMs();
  Status s = store::WriteSync(*real_, [&](store::WriteTx& tx) { return tx.InsertProduct(p); });
  if (!s.ok()) {
    ADD_FAILURE() << "cannot add product " << name << ": " << s.error().message;
    return {};
  }
  return p.product_id;
}

Status EngineHarness::Restock(const std::string& store_id, const std::string& product_id,
                              std::int64_t units) {
  const TimeMs now = clock_.NowMs();
  return store::WriteSync(store(), [&](store::WriteTx& tx) -> Status {
    store::StockMovement m;
    m.store_id = store_id;
    m.product_id = product_id;
    m.kind = store::MovementKind::kRestock;
    m.stock_delta = units;
    m.note = "restock";
    m.at = now;
    OF_ASSIGN_OR_RETURN(domain::Product p, tx.ApplyMovement(m));
    if (p.low_stock_alerted && p.available() > p.threshold) {
      p.low_stock_alerted = false;
      p.updated_at = now;
      OF_RETURN_IF_ERROR(tx.UpdateProduct(p));
    }
    return OkStatus();
  });
}

Status EngineHarness::Adjust(const std::string& store_id, const std::string& product_id,
                             std::int64_t delta) {
  const TimeMs now = clock_.NowMs();
  return store::WriteSync(store(), [&](store::WriteTx& tx) -> Status {
    store::StockMovement m;
    m.store_id = store_id;
    m.product_id = product_id;
    m.kind = store::MovementKind::kAdjust;
    m.stock_delta = delta;
    m.note = "manual adjustment";
    m.at = now;
    OF_ASSIGN_OR_RETURN(domain::Product p, tx.ApplyMovement(m));
    (void)p;
    return OkStatus();
  });
}

bool EngineHarness::WaitIdle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  for (;;) {
    bool idle = true;
    for (auto& e : engines_) idle = e->WaitIdle(remaining()) && idle;
    if (idle) {
      auto [pending, dead] = PendingAndDead();
      (void)dead;
      bool quiet = pending == 0;
      for (auto& e : engines_) quiet = quiet && e->stats().in_flight == 0;
      if (quiet) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    WakeAll();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto [pending, dead] = PendingAndDead();
  ADD_FAILURE() << "engine not idle after " << timeout.count() << " ms: " << pending
                << " pending deliveries, " << dead << " dead letters";
  return false;
}

bool EngineHarness::WaitForStatus(const std::string& store_id, const std::string& order_id,
                                  domain::OrderStatus status, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto order = FindOrder(store_id, order_id);
    if (order.ok() && order->status == status) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

Result<domain::Order> EngineHarness::FindOrder(const std::string& store_id,
                                               const std::string& order_id) {
  std::optional<domain::Order> out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(out, tx.GetOrder(store_id, order_id));
    return OkStatus();
  });
  if (!s.ok()) return s.error();
  return *out;
}

domain::Order EngineHarness::GetOrder(const std::string& store_id, const std::string& order_id) {
  auto order = FindOrder(store_id, order_id);
  if (!order.ok()) {
    ADD_FAILURE() << "order " << order_id << ": " << order.error().message;
    return {};
  }
  return std::move(order).value();
}

domain::Product EngineHarness::GetProduct(const std::string& store_id,
                                          const std::string& product_id) {
  domain::Product out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(out, tx.GetProduct(store_id, product_id));
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "product " << product_id << ": " << s.error().message;
  return out;
}

std::string EngineHarness::ProductId(const std::string& store_id, const std::string& name) {
  std::string id;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(domain::Product p, tx.FindProduct(store_id, name, ""));
    id = p.product_id;
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "product " << name << ": " << s.error().message;
  return id;
}

std::vector<domain::Order> EngineHarness::Orders(const std::string& store_id) {
  std::vector<domain::Order> out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    store::OrderFilter filter;
    filter.store_id = store_id;
    filter.limit = 500;
    for (;;) {
      OF_ASSIGN_OR_RETURN(store::OrderPage page, tx.ListOrders(filter));
      for (const auto& o : page.items) {
        OF_ASSIGN_OR_RETURN(domain::Order full, tx.GetOrder(store_id, o.order_id));
        out.push_back(std::move(full));
      }
      if (!page.next_seq) break;
      filter.before_seq = *page.next_seq;
    }
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "orders of " << store_id << ": " << s.error().message;
  std::reverse(out.begin(), out.end());
  return out;
}

std::vector<store::StockMovement> EngineHarness::Movements(const std::string& store_id,
                                                           const std::string& product_id) {
  std::vector<store::StockMovement> out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(out, tx.ListMovements(store_id, product_id, 1'000'000));
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "movements of " << product_id << ": " << s.error().message;
  std::reverse(out.begin(), out.end());
  return out;
}

std::pair<std::int64_t, std::int64_t> EngineHarness::Ledger(const std::string& store_id,
                                                            const std::string& product_id) {
  std::pair<std::int64_t, std::int64_t> out{-1, -1};
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(out, tx.LedgerTotals(store_id, product_id));
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "ledger of " << product_id << ": " << s.error().message;
  return out;
}

std::vector<domain::Notification> EngineHarness::Notifications(const std::string& store_id) {
  std::vector<domain::Notification> out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    store::NotificationFilter filter;
    filter.store_id = store_id;
    filter.limit = 500;
    for (;;) {
      OF_ASSIGN_OR_RETURN(store::NotificationPage page, tx.ListNotifications(filter));
      for (auto& n : page.items) out.push_back(std::move(n));
      if (!page.next_seq) break;
      filter.before_seq = *page.next_seq;
    }
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "notifications of " << store_id << ": " << s.error().message;
  std::reverse(out.begin(), out.end());
  return out;
}

int EngineHarness::CountNotifications(const std::string& store_id, const std::string& order_id,
                                      const std::string& title) {
  int n = 0;
  for (const auto& x : Notifications(store_id)) n += x.order_id == order_id && x.title == title;
  return n;
}

std::vector<store::Delivery> EngineHarness::OrderDeliveries(const std::string& store_id,
                                                            const std::string& order_id) {
  std::vector<store::Delivery> out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(out, tx.ListOrderDeliveries(store_id, order_id));
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "deliveries of " << order_id << ": " << s.error().message;
  return out;
}

std::vector<store::Delivery> EngineHarness::DeadLetters(const std::string& store_id) {
  std::vector<store::Delivery> out;
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(store::DeadLetterPage page, tx.ListDeadLetters(store_id, 0, 500));
    out = std::move(page.items);
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "dead letters of " << store_id << ": " << s.error().message;
  return out;
}

std::pair<std::int64_t, std::int64_t> EngineHarness::PendingAndDead() {
  std::pair<std::int64_t, std::int64_t> out{-1, -1};
  Status s = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(auto counts, tx.CountDeliveries(""));
    out = {0, 0};
    for (const auto& c : counts) {
      out.first += c.pending;
      out.second += c.dead;
    }
    return OkStatus();
  });
  if (!s.ok()) ADD_FAILURE() << "delivery counts: " << s.error().message;
  return out;
}

std::vector<std::string> EngineHarness::HistoryStatuses(const domain::Order& order) {
  std::vector<std::string> out;
  for (const auto& h : order.history) out.push_back(h.status);
  return out;
}

::testing::AssertionResult EngineHarness::Invariants(const InvariantOptions& options) {
  std::ostringstream problems;
  int problem_count = 0;
  auto problem = [&](const std::string& what) {
    if (++problem_count <= 40) problems << "\n  - " << what;
  };

  std::vector<domain::StoreInfo> stores;
  Status listed = real_->Read([&](store::ReadTx& tx) -> Status {
    OF_ASSIGN_OR_RETURN(stores, tx.ListStores());
    return OkStatus();
  });
  if (!listed.ok()) return ::testing::AssertionFailure() << "cannot list stores";

  int captured_orders = 0;
  int refunded_orders = 0;
  for (const auto& st : stores) {
    const std::string& sid = st.store_id;
    std::vector<domain::Product> products;
    Status got = real_->Read([&](store::ReadTx& tx) -> Status {
      OF_ASSIGN_OR_RETURN(products, tx.ListProducts(sid));
      return OkStatus();
    });
    if (!got.ok()) return ::testing::AssertionFailure() << "cannot list products of " << sid;

    // Ledger rows of every product, by order: (order, product, kind) -> count and sums.
    struct OrderMoves {
      int reserve = 0, release = 0, commit = 0, other = 0;
      std::int64_t stock = 0, reserved = 0;
    };
    std::map<std::pair<std::string, std::string>, OrderMoves> by_order;
    for (const auto& p : products) {
      const std::string label = sid + "/" + p.product_name;
      if (p.stock < 0 || p.reserved < 0 || p.reserved > p.stock) {
        problem(label + ": stock " + std::to_string(p.stock) + ", reserved " +
                std::to_string(p.reserved) + " breaks 0 <= reserved <= stock");
      }
      auto ledger = Ledger(sid, p.product_id);
      if (ledger.first != p.stock || ledger.second != p.reserved) {
        problem(label + ": product (" + std::to_string(p.stock) + ", " +
                std::to_string(p.reserved) + ") != ledger (" + std::to_string(ledger.first) + ", " +
                std::to_string(ledger.second) + ")");
      }
      std::int64_t running_stock = 0, running_reserved = 0;
      for (const auto& m : Movements(sid, p.product_id)) {
        running_stock += m.stock_delta;
        running_reserved += m.reserved_delta;
        if (running_stock < 0 || running_reserved < 0 || running_reserved > running_stock) {
          problem(label + ": ledger prefix at movement " + std::to_string(m.id) +
                  " breaks 0 <= reserved <= stock");
        }
        if (m.order_id.empty()) continue;
        OrderMoves& om = by_order[{m.order_id, p.product_id}];
        switch (m.kind) {
          case store::MovementKind::kReserve:
            ++om.reserve;
            break;
          case store::MovementKind::kRelease:
            ++om.release;
            break;
          case store::MovementKind::kCommit:
            ++om.commit;
            break;
          default:
            ++om.other;
            break;
        }
        om.stock += m.stock_delta;
        om.reserved += m.reserved_delta;
      }
      if (!options.allow_in_progress && p.reserved != 0) {
        problem(label + ": " + std::to_string(p.reserved) + " units still reserved after settling");
      }
    }

    std::map<std::string, std::map<std::string, int>> notes;  // order -> title -> count
    for (const auto& n : Notifications(sid)) {
      if (!n.order_id.empty()) ++notes[n.order_id][n.title];
    }

    for (const auto& o : Orders(sid)) {
      const std::string label =
          "order " + o.order_id.substr(0, 8) + " (" + std::string(domain::ToString(o.status)) + ")";
      const auto history = HistoryStatuses(o);
      auto has = [&](const char* s) { return Contains(history, s); };
      if (history.empty() || history.front() != "ORDER_CREATED") {
        problem(label + ": history does not start with ORDER_CREATED");
      }
      std::set<std::string> seen;
      for (const auto& h : history) {
        if (!seen.insert(h).second) problem(label + ": history entry " + h + " recorded twice");
      }
      for (std::size_t i = 1; i < o.history.size(); ++i) {
        if (o.history[i].at < o.history[i - 1].at) problem(label + ": history out of time order");
      }
      const bool settled = domain::IsTerminal(o.status) || o.status == OrderStatus::kFlagged;
      if (!settled && !options.allow_in_progress) problem(label + ": not terminal after settling");

      // Per-status consistency.
      if (o.status == OrderStatus::kDelivered) {
        for (const char* s :
             {"INVENTORY_RESERVED", "PAYMENT_RECEIVED", "FULFILLED", "SHIPPED", "DELIVERED"}) {
          if (!has(s)) problem(label + ": delivered without " + s);
        }
        if (o.payment_status != domain::kPaymentPaid) problem(label + ": delivered but not paid");
        if (o.tracking_number.rfind("MOT-", 0) != 0 || o.tracking_number.size() != 12) {
          problem(label + ": bad tracking number '" + o.tracking_number + "'");
        }
      }
      if (o.status == OrderStatus::kFailed) {
        if (o.failure_reason == "insufficient_stock") {
          if (!has("INVENTORY_FAILED"))
            problem(label + ": insufficient_stock without INVENTORY_FAILED");
          if (has("INVENTORY_RESERVED"))
            problem(label + ": insufficient_stock after a reservation");
        } else if (o.failure_reason == "payment_declined") {
          if (!has("PAYMENT_FAILED") || o.payment_status != domain::kPaymentFailed) {
            problem(label + ": payment_declined without PAYMENT_FAILED / paymentStatus failed");
          }
        } else {
          problem(label + ": failed with unexpected reason '" + o.failure_reason + "'");
        }
      }
      if (o.status == OrderStatus::kCancelled && o.payment_status == domain::kPaymentPaid) {
        problem(label + ": cancelled but still paid (no refund)");
      }
      if (has("PAYMENT_RECEIVED") || has("REFUNDED")) ++captured_orders;
      if (has("REFUNDED")) {
        ++refunded_orders;
        if (o.payment_status != domain::kPaymentRefunded)
          problem(label + ": REFUNDED but paymentStatus " + o.payment_status);
      }
      if (has("PAYMENT_RECEIVED") && has("PAYMENT_FAILED"))
        problem(label + ": both paid and failed");

      // Ledger by order: each kind at most once per product; terminal orders hold nothing.
      std::map<std::string, std::int64_t> qty;
      for (const auto& l : o.items) qty[l.product_id] += l.quantity;
      for (const auto& [pid, q] : qty) {
        auto it = by_order.find({o.order_id, pid});
        OrderMoves om = it == by_order.end() ? OrderMoves{} : it->second;
        if (om.reserve > 1 || om.release > 1 || om.commit > 1 || om.other > 0) {
          problem(label + ": ledger rows reserve " + std::to_string(om.reserve) + ", release " +
                  std::to_string(om.release) + ", commit " + std::to_string(om.commit) +
                  " (each must be at most one)");
        }
        if (om.release + om.commit > om.reserve)
          problem(label + ": released/committed without a reservation");
        if (settled && om.reserved != 0)
          problem(label + ": still holds a reservation of " + std::to_string(om.reserved));
        const bool committed = has("FULFILLED");
        const std::int64_t want_stock = committed && o.status != OrderStatus::kCancelled ? -q : 0;
        if (settled && om.stock != want_stock) {
          problem(label + ": stock moved by " + std::to_string(om.stock) + ", expected " +
                  std::to_string(want_stock));
        }
        if (committed && om.commit != 1) problem(label + ": fulfilled without exactly one commit");
        if (!has("INVENTORY_RESERVED") && om.reserve != 0)
          problem(label + ": reserved without INVENTORY_RESERVED");
      }

      // Notifications: exactly one per notifying event of the order (SPEC §6).
      std::map<std::string, int> want;
      want["New Order Created"] = 1;
      if (has("FRAUD_FLAGGED")) want["Order Flagged for Review"] = 1;
      if (has("PAYMENT_RECEIVED")) want["Payment Received"] = 1;
      if (has("PAYMENT_FAILED")) want["Payment Failed"] = 1;
      if (has("INVENTORY_FAILED")) want["Inventory Error"] = 1;
      if (has("DELIVERED")) want["Order Delivered"] = 1;
      std::map<std::string, int> got_notes = notes[o.order_id];
      const int low = got_notes["Low Inventory Alert"];
      got_notes.erase("Low Inventory Alert");
      if (low > static_cast<int>(qty.size()))
        problem(label + ": " + std::to_string(low) + " low-stock alerts");
      for (auto it = got_notes.begin(); it != got_notes.end();) {
        it = it->second == 0 ? got_notes.erase(it) : std::next(it);
      }
      if (settled && got_notes != want) {
        std::string have;
        for (const auto& [t, c] : got_notes) have += " '" + t + "'x" + std::to_string(c);
        std::string expected;
        for (const auto& [t, c] : want) expected += " '" + t + "'x" + std::to_string(c);
        problem(label + ": notifications" + have + "; expected" + expected);
      }
    }
    // Messages name the figures (SPEC §6): every order notification carries its amount.
    std::map<std::string, std::string> totals;
    for (const auto& o : Orders(sid)) totals[o.order_id] = domain::FormatCents(o.total);
    for (const auto& n : Notifications(sid)) {
      if (n.order_id.empty() || n.title == "Low Inventory Alert" || n.title == "Inventory Error")
        continue;
      auto it = totals.find(n.order_id);
      if (it == totals.end()) {
        problem("notification '" + n.title + "' for an order that does not exist");
      } else if (n.message.find(it->second) == std::string::npos) {
        problem("notification '" + n.title + "' of order " + n.order_id.substr(0, 8) +
                " does not name its amount " + it->second + ": \"" + n.message + "\"");
      }
    }
  }

  auto [pending, dead] = PendingAndDead();
  if (!options.allow_in_progress && pending != 0)
    problem(std::to_string(pending) + " deliveries still pending");
  if (!options.allow_dead_letters && dead != 0) problem(std::to_string(dead) + " dead letters");
  if (options.check_gateway) {
    if (gateway_.captured() != captured_orders) {
      problem("gateway captured " + std::to_string(gateway_.captured()) + " charges, " +
              std::to_string(captured_orders) + " orders record a payment");
    }
    if (gateway_.refunded() != refunded_orders) {
      problem("gateway refunded " + std::to_string(gateway_.refunded()) + " charges, " +
              std::to_string(refunded_orders) + " orders record a refund");
    }
  }
  if (problem_count == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << problem_count << " invariant violation(s):" << problems.str();
}

}  // namespace orderflow::testing
