#pragma once
// The persistence contract. Two implementations (sqlite/, postgres/) pass the
// same conformance suite (tests/unit/store_conformance/, one file per role).
//
// Reads run through Store::Read on a snapshot; writes run through
// Store::Write as units of work that are group-committed: a unit's changes
// become durable and visible together, and its completion callback fires only
// after the commit that contains it reached stable storage. A unit that
// returns an error is rolled back alone; the others in its batch still commit.
// A unit may run more than once before it commits (PostgreSQL retries a
// batch that lost a deadlock or serialization race), so it must derive its
// writes from the transaction and reset any result it hands to `done`.
// A unit that returns kRetryUnit asks for exactly that: its writes are
// rolled back and it runs again at once (at most kMaxUnitRuns times in all;
// then it fails with kInternal). Step chaining uses it instead of a
// savepoint per chained step (engine/chain.hpp).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "domain/order.hpp"

namespace orderflow::store {

// How often one unit may run within one batch (kRetryUnit).
inline constexpr int kMaxUnitRuns = 66;

struct OrderFilter {
  std::string store_id;
  std::optional<domain::OrderStatus> status;
  std::string payment_status;      // empty: any
  std::string fulfillment_status;  // empty: any
  std::string customer;            // customer name or email, case-insensitive
  std::string q;                   // order id prefix or customer name substring
  std::optional<TimeMs> from;      // createdAt >= from
  std::optional<TimeMs> to;        // createdAt < to
  std::int64_t before_seq = 0;     // keyset cursor; 0 = start at the newest
  int limit = 50;
};

struct OrderPage {
  std::vector<domain::Order> items;      // newest first; history not loaded
  std::optional<std::int64_t> next_seq;  // cursor of the next page, if any
};

struct StatusTotals {
  domain::OrderStatus status = domain::OrderStatus::kPending;
  std::int64_t orders = 0;
  domain::Cents amount = 0;
};

struct IdempotencyRecord {
  std::string request_hash;
  int status_code = 0;
  std::string body;
  TimeMs created_at = 0;
};

enum class MovementKind { kReserve, kRelease, kCommit, kRestock, kAdjust };
const char* ToString(MovementKind kind);

// One row of the inventory ledger; stock and reserved always equal the sums
// of the deltas of a product's movements.
struct StockMovement {
  std::int64_t id = 0;
  std::string store_id;
  std::string product_id;
  MovementKind kind = MovementKind::kAdjust;
  std::int64_t stock_delta = 0;
  std::int64_t reserved_delta = 0;
  std::string order_id;
  std::string note;
  TimeMs at = 0;
};

struct NotificationFilter {
  std::string store_id;
  bool unread_only = false;
  std::int64_t before_seq = 0;
  int limit = 50;
};

struct NotificationPage {
  std::vector<domain::Notification> items;
  std::optional<std::int64_t> next_seq;
};

// An outbox row: emitted in the transaction of the change that caused it.
struct Event {
  std::int64_t id = 0;
  std::string store_id;
  std::string order_id;
  std::string topic;
  std::string payload;  // JSON text
  TimeMs created_at = 0;
  TimeMs due_at = 0;  // not delivered before this time (durable timers)
};

enum class DeliveryState { kPending, kDone, kDead };

// One (event, subscribing step) pair and its delivery progress.
struct Delivery {
  Event event;
  std::string step;
  DeliveryState state = DeliveryState::kPending;
  int attempts = 0;
  TimeMs next_at = 0;
  std::string last_error;
  TimeMs updated_at = 0;
  TimeMs started_at = 0;   // first attempt, 0 if none
  TimeMs finished_at = 0;  // done or dead-lettered
};

struct StepCounts {
  std::string step;
  std::int64_t pending = 0;   // waiting or retrying
  std::int64_t retrying = 0;  // pending with at least one failed attempt
  std::int64_t dead = 0;
  std::int64_t done = 0;
};

struct DeadLetterPage {
  std::vector<Delivery> items;  // newest first
  std::optional<std::int64_t> next_event_id;
};

// Deliveries to `step` of `store_id` (of every store when empty).
struct ClaimSkip {
  std::string step;
  std::string store_id;
};

// --- Webhooks ----------------------------------------------------------------

// An endpoint a store registered to receive its events (SPEC §7).
struct Webhook {
  std::string webhook_id;
  std::string store_id;
  std::string url;
  std::vector<std::string> topics;  // patterns: a topic, "prefix.*" or "*"
  std::string description;
  std::string secret;  // HMAC key of the signatures; never logged or listed
  bool enabled = true;
  std::string disabled_reason;
  int consecutive_failures = 0;  // deliveries that finally failed in a row
  TimeMs last_delivery_at = 0;   // last final outcome, 0 if none
  TimeMs created_at = 0;
};

enum class WebhookDeliveryState { kPending, kSucceeded, kFailed };
const char* ToString(WebhookDeliveryState state);

// One event to send to one endpoint; unique per (webhook, event).
struct WebhookDelivery {
  std::int64_t delivery_id = 0;
  std::string webhook_id;
  std::string store_id;
  std::int64_t event_id = 0;
  std::string topic;
  WebhookDeliveryState state = WebhookDeliveryState::kPending;
  int attempts = 0;
  int last_status = 0;  // HTTP status of the last attempt, 0 if none answered
  std::string last_error;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// One HTTP attempt of a delivery: the delivery log.
struct WebhookAttempt {
  std::int64_t attempt_id = 0;
  std::int64_t delivery_id = 0;
  std::string webhook_id;
  std::string store_id;
  std::int64_t event_id = 0;
  std::string topic;
  int attempt = 0;      // 1-based within the delivery
  int status_code = 0;  // 0: no HTTP answer (timeout, connection error)
  std::string error;
  std::int64_t duration_ms = 0;
  TimeMs at = 0;
  WebhookDeliveryState outcome = WebhookDeliveryState::kPending;  // pending: will be retried
};

struct WebhookAttemptPage {
  std::vector<WebhookAttempt> items;  // newest first
  std::optional<std::int64_t> next_attempt_id;
};

// --- Roles ---------------------------------------------------------------
// A transaction is reached through narrow roles, one per resource: steps get
// the ones they use through engine::StepTx, the engine the event log, and
// read handlers the readers. ReadTx and WriteTx bundle them for the back ends
// (each implements every role) and for code that needs several.

// Stores (tenants) and the product catalogue with its stock ledger, read.
class CatalogueReader {
 public:
  virtual ~CatalogueReader() = default;

  virtual Result<domain::StoreInfo> GetStore(const std::string& store_id) = 0;

  virtual Result<std::vector<domain::StoreInfo>> ListStores() = 0;

  virtual Result<domain::Product> GetProduct(const std::string& store_id,
                                             const std::string& product_id) = 0;

  // Lookup by productName (exact) or SKU; kNotFound when absent.
  virtual Result<domain::Product> FindProduct(const std::string& store_id,
                                              const std::string& product_name,
                                              const std::string& sku) = 0;

  virtual Result<std::vector<domain::Product>> ListProducts(const std::string& store_id) = 0;

  virtual Result<std::vector<StockMovement>> ListMovements(const std::string& store_id,
                                                           const std::string& product_id,
                                                           int limit) = 0;

  // Sums of the ledger for one product: {stock, reserved}.
  virtual Result<std::pair<std::int64_t, std::int64_t>> LedgerTotals(
      const std::string& store_id, const std::string& product_id) = 0;
};

// Stores and the catalogue, written: inventory steps and admin routes.
class Catalogue : public virtual CatalogueReader {
 public:
  // kConflict when the storeId exists.
  virtual Status InsertStore(const domain::StoreInfo& store) = 0;

  virtual Status UpdateStore(const domain::StoreInfo& store) = 0;

  // kConflict when productName or SKU is taken in the store. The initial
  // stock is recorded as a restock movement.
  virtual Status InsertProduct(const domain::Product& product) = 0;

  // Updates name, sku, price, threshold, status and the low-stock flag; never
  // stock or reserved (those move only through ApplyMovement).
  virtual Status UpdateProduct(const domain::Product& product) = 0;

  // Applies a ledger movement atomically: the product row changes by the
  // deltas and the movement row is written, or nothing happens.
  // kInsufficientStock if the result would break 0 <= reserved <= stock.
  // Returns the product after the change.
  virtual Result<domain::Product> ApplyMovement(const StockMovement& movement) = 0;
};

// Orders and the counters about them, read.
class OrderReader {
 public:
  virtual ~OrderReader() = default;

  // Order with its full history; kNotFound when absent in that store.
  virtual Result<domain::Order> GetOrder(const std::string& store_id,
                                         const std::string& order_id) = 0;

  virtual Result<OrderPage> ListOrders(const OrderFilter& filter) = 0;

  // Orders and amounts per status for orders created at or after the start
  // of the hour that contains `since` (the counters are hourly).
  virtual Result<std::vector<StatusTotals>> OrderTotals(const std::string& store_id,
                                                        TimeMs since) = 0;

  // Orders by this customer name (case-insensitive) created at or after
  // `since`, among the customer's newest 1000.
  virtual Result<std::int64_t> CountCustomerOrders(const std::string& store_id,
                                                   const std::string& customer, TimeMs since) = 0;

  // Orders by this customer name whose payment failed at or after `since`.
  virtual Result<std::int64_t> CountCustomerFailedPayments(const std::string& store_id,
                                                           const std::string& customer,
                                                           TimeMs since) = 0;

  // Both counts above, for the fraud guard: a back end that can answer them
  // in one statement (one round trip) overrides this.
  struct CustomerActivity {
    std::int64_t orders = 0;           // CountCustomerOrders(orders_since)
    std::int64_t failed_payments = 0;  // CountCustomerFailedPayments(failed_since)
  };
  virtual Result<CustomerActivity> CountCustomerActivity(const std::string& store_id,
                                                         const std::string& customer,
                                                         TimeMs orders_since, TimeMs failed_since) {
    CustomerActivity a;
    OF_ASSIGN_OR_RETURN(a.orders, CountCustomerOrders(store_id, customer, orders_since));
    OF_ASSIGN_OR_RETURN(a.failed_payments,
                        CountCustomerFailedPayments(store_id, customer, failed_since));
    return a;
  }
};

// Orders, written (with their history and the hourly stats). The history
// is kept in the event log: each entry is written with the unit's events
// (store/history_log.hpp, docs/event_log_format.md "History").
class Orders : public virtual OrderReader {
 public:
  // kConflict when the orderId exists in the order's store (ids are unique
  // per store only). Writes the history too.
  virtual Status InsertOrder(const domain::Order& order) = 0;

  // Persists status, payment/fulfilment status, failure reason, tracking and
  // updated_at, and appends `new_history`. `previous` is the status the caller
  // read; kConflict if the stored status differs (lost update guard).
  virtual Status UpdateOrder(const domain::Order& order, domain::OrderStatus previous,
                             const std::vector<domain::HistoryEntry>& new_history) = 0;
};

// Recorded responses of Idempotency-Key requests, read.
class IdempotencyReader {
 public:
  virtual ~IdempotencyReader() = default;

  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& store_id,
                                                                  const std::string& key) = 0;
};

// Recorded responses of Idempotency-Key requests, written.
class Idempotency : public virtual IdempotencyReader {
 public:
  // kConflict when the key exists in that scope.
  virtual Status PutIdempotency(const std::string& store_id, const std::string& key,
                                const IdempotencyRecord& record) = 0;

  // Fills in the status and body of a key claimed with status_code 0 and
  // the same request_hash. kNotFound when there is no such claim.
  virtual Status CompleteIdempotency(const std::string& store_id, const std::string& key,
                                     const IdempotencyRecord& record) = 0;
};

// Alerts, read.
class NotificationReader {
 public:
  virtual ~NotificationReader() = default;

  virtual Result<NotificationPage> ListNotifications(const NotificationFilter& filter) = 0;

  virtual Result<std::int64_t> CountUnreadNotifications(const std::string& store_id) = 0;
};

// Alerts, written.
class Notifications : public virtual NotificationReader {
 public:
  virtual Status InsertNotification(const domain::Notification& n) = 0;

  // kNotFound when absent in that store. Idempotent.
  virtual Status MarkNotificationRead(const std::string& store_id, const std::string& id) = 0;

  // Returns how many were marked.
  virtual Result<std::int64_t> MarkAllNotificationsRead(const std::string& store_id) = 0;
};

// The event log (docs/event_log_format.md), read: events, deliveries, dead letters.
class EventLogReader {
 public:
  virtual ~EventLogReader() = default;

  // Pending deliveries with next_at <= now, oldest due first.
  virtual Result<std::vector<Delivery>> ListDueDeliveries(TimeMs now, int limit) = 0;

  // Earliest next_at of any pending delivery (timers), if there is one.
  virtual Result<std::optional<TimeMs>> NextDueTime() = 0;

  virtual Result<Delivery> GetDelivery(std::int64_t event_id, const std::string& step) = 0;

  // Every event of the order with its deliveries, oldest first.
  virtual Result<std::vector<Delivery>> ListOrderDeliveries(const std::string& store_id,
                                                            const std::string& order_id) = 0;

  // Every event of the order, oldest first (with or without deliveries).
  virtual Result<std::vector<Event>> ListOrderEvents(const std::string& store_id,
                                                     const std::string& order_id) = 0;

  virtual Result<DeadLetterPage> ListDeadLetters(const std::string& store_id,
                                                 std::int64_t before_event_id, int limit) = 0;

  // Per-step delivery counts for one store (empty store_id: all stores).
  virtual Result<std::vector<StepCounts>> CountDeliveries(const std::string& store_id) = 0;

  // An outbox event of the store; kNotFound when absent in that store.
  virtual Result<Event> GetEvent(const std::string& store_id, std::int64_t event_id) = 0;
};

// The event log, written: the engine's role (emits, delivery outcomes, redrive, cron claims).
class EventLog : public virtual EventLogReader {
 public:
  // Appends an outbox event and one pending delivery per subscribing step.
  // Returns the event id.
  virtual Result<std::int64_t> InsertEvent(const Event& event,
                                           const std::vector<std::string>& steps) = 0;

  // Adds a delivery of an event this unit wrote with InsertEvent: pending
  // (due at the event's due time), or `handled` already, in this very unit
  // (step chaining): done, one attempt, counted for the step, and recorded
  // on the event row rather than as a delivery row of its own (readers
  // show it as a done delivery). kConflict when the delivery exists.
  virtual Status AddDelivery(const Event& event, const std::string& step, bool handled,
                             TimeMs now) = 0;

  // Records that `step` handled the event: state done. kConflict when the
  // delivery is no longer pending (handled already, or dead-lettered), so a
  // redelivered event's effects roll back with this unit.
  virtual Status CompleteDelivery(std::int64_t event_id, const std::string& step, int attempts,
                                  TimeMs now) = 0;

  // Records a failed attempt; the delivery is due again at `next_at`.
  virtual Status RetryDelivery(std::int64_t event_id, const std::string& step, int attempts,
                               TimeMs next_at, const std::string& error, TimeMs now) = 0;

  // Moves the delivery to the dead-letter state.
  virtual Status DeadLetterDelivery(std::int64_t event_id, const std::string& step, int attempts,
                                    const std::string& error, TimeMs now) = 0;

  // Makes a dead letter of this store pending again with fresh attempts.
  // kNotFound when there is no such dead letter in the store.
  virtual Status RedriveDelivery(const std::string& store_id, std::int64_t event_id,
                                 const std::string& step, TimeMs now) = 0;

  // Cron steps run on one process at a time: true when this caller won the
  // run of `name` that is due at or before `now` (and the next run is then
  // recorded as `next_run`); false when another process holds it or ran it
  // already. The win commits with the unit, so a failed run is retried.
  virtual Result<bool> ClaimCronRun(const std::string& name, TimeMs now, TimeMs next_run) = 0;
};

// Webhook endpoints and their delivery log, read.
class WebhookReader {
 public:
  virtual ~WebhookReader() = default;

  // The store's endpoints, oldest first.
  virtual Result<std::vector<Webhook>> ListWebhooks(const std::string& store_id) = 0;

  // kNotFound when absent in that store.
  virtual Result<Webhook> GetWebhook(const std::string& store_id,
                                     const std::string& webhook_id) = 0;

  // kNotFound when absent in that store.
  virtual Result<WebhookDelivery> GetWebhookDelivery(const std::string& store_id,
                                                     std::int64_t delivery_id) = 0;

  // The endpoint's delivery log, newest first; `before_attempt_id` 0 starts
  // at the newest.
  virtual Result<WebhookAttemptPage> ListWebhookAttempts(const std::string& store_id,
                                                         const std::string& webhook_id,
                                                         std::int64_t before_attempt_id,
                                                         int limit) = 0;
};

// Webhook endpoints and their delivery log, written.
class Webhooks : public virtual WebhookReader {
 public:
  // The topic patterns of the store's enabled endpoints, one entry per
  // endpoint: what the webhook-fanout filter matches every event against.
  // Answered from memory when the back end keeps a WebhookTopicCache
  // (store/webhook_topic_cache.hpp: this process's changes are seen by the
  // next unit, another process's within the cache's max age).
  virtual Result<std::vector<std::vector<std::string>>> EnabledWebhookTopics(
      const std::string& store_id) = 0;

  // kConflict when the webhook id exists.
  virtual Status InsertWebhook(const Webhook& webhook) = 0;

  // Deletes the endpoint with its deliveries and their log. kNotFound when
  // absent in that store.
  virtual Status DeleteWebhook(const std::string& store_id, const std::string& webhook_id) = 0;

  // Enabling clears the reason and the failure count. kNotFound when absent.
  virtual Status SetWebhookEnabled(const std::string& store_id, const std::string& webhook_id,
                                   bool enabled, const std::string& reason) = 0;

  // Records the final outcome of a delivery on its endpoint, atomically: a
  // success resets consecutive_failures, a failure increments it and, when
  // it reaches `disable_after` (> 0), disables the endpoint with a reason.
  // Sets last_delivery_at. Returns the endpoint after the change.
  virtual Result<Webhook> RecordWebhookOutcome(const std::string& store_id,
                                               const std::string& webhook_id, bool success,
                                               int disable_after, TimeMs now) = 0;

  // Returns the new delivery id. kConflict when the (webhook, event) pair
  // has a delivery already.
  virtual Result<std::int64_t> InsertWebhookDelivery(const WebhookDelivery& delivery) = 0;

  // Appends `attempt` to the log of its delivery (its `attempt` number is
  // assigned: the delivery's attempts + 1, returned) and moves the delivery
  // to `attempt.outcome` with the attempt's status and error. kNotFound when
  // the delivery is absent in the store; kConflict when it is not pending.
  virtual Result<int> RecordWebhookAttempt(const WebhookAttempt& attempt) = 0;

  // Makes a finished delivery pending again (manual redelivery). kNotFound
  // when absent in the store or not of that webhook; kConflict while pending.
  virtual Status RequeueWebhookDelivery(const std::string& store_id, const std::string& webhook_id,
                                        std::int64_t delivery_id, TimeMs now) = 0;
};

// Every reader role, on one snapshot (Store::Read).
class ReadTx : public virtual CatalogueReader,
               public virtual OrderReader,
               public virtual IdempotencyReader,
               public virtual NotificationReader,
               public virtual EventLogReader,
               public virtual WebhookReader {
 public:
  CatalogueReader& catalogue() { return *this; }
  OrderReader& orders() { return *this; }
  IdempotencyReader& idempotency() { return *this; }
  NotificationReader& notifications() { return *this; }
  EventLogReader& events() { return *this; }
  WebhookReader& webhooks() { return *this; }
};

// Every role, in one unit of work (Store::Write).
class WriteTx : public ReadTx,
                public Catalogue,
                public Orders,
                public Idempotency,
                public Notifications,
                public EventLog,
                public Webhooks {
 public:
  Catalogue& catalogue() { return *this; }
  Orders& orders() { return *this; }
  Idempotency& idempotency() { return *this; }
  Notifications& notifications() { return *this; }
  EventLog& events() { return *this; }
  Webhooks& webhooks() { return *this; }
};

// SQL statements a store has executed since it opened, for the metrics and
// `make bench`. Each execution counts once (a statement stepped over many
// rows is one), by kind: `write` INSERT/UPDATE/DELETE/REPLACE (upserts
// included), `read` SELECT and other read-only statements, `tx_control`
// BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE, `other` DDL, PRAGMA, SET, NOTIFY.
// `round_trips` counts requests awaited from a database server (PostgreSQL;
// 0 on SQLite).
struct StatementCounts {
  struct Kinds {
    std::int64_t write = 0;
    std::int64_t read = 0;
    std::int64_t tx_control = 0;
    std::int64_t other = 0;
    std::int64_t round_trips = 0;
    std::int64_t commits = 0;        // group commits (the writer)
    std::int64_t pages_written = 0;  // database pages those commits wrote (SQLite: to the WAL)
  };
  Kinds writer;   // the writer's connection: units of work and group commits
  Kinds readers;  // all other connections: Read, claims, pings
};

class Store {
 public:
  using WriteFn = std::function<Status(WriteTx&)>;
  using ReadFn = std::function<Status(ReadTx&)>;
  using DoneFn = std::function<void(Status)>;

  virtual ~Store() = default;

  // Queues a unit of work for the writer. `done` runs on the writer thread
  // after the unit's transaction is durable (or with the unit's error, or
  // kUnavailable when the commit failed). `done` must not block.
  virtual void Write(WriteFn fn, DoneFn done) = 0;
  // Write() of a unit that works on one existing order (a step's delivery).
  // A back end may read that order for the whole batch at once (PostgreSQL:
  // in the batch's first round trip) instead of once per unit; the unit
  // reads it as usual. The default is Write().
  virtual void WriteForOrder(const std::string& store_id, const std::string& order_id, WriteFn fn,
                             DoneFn done) {
    (void)store_id;
    (void)order_id;
    Write(std::move(fn), std::move(done));
  }
  // Runs `fn` on a read snapshot. Blocks the calling thread: call it from a
  // worker pool, never from an I/O thread.
  virtual Status Read(const ReadFn& fn) = 0;
  // Claims up to `limit` due deliveries (pending, next_at <= now) for this
  // process, oldest due first. Back ends shared by several processes hand a
  // delivery to one claimant at a time: the claim lasts `lease_ms` (so a
  // crashed process's work is picked up after that), at most one delivery
  // per order is claimed at once, always that order's oldest pending event,
  // and completing, retrying or dead-lettering a delivery ends its claim. A
  // single-process back end may simply list what is due; the engine keeps
  // its own per-order ordering on top.
  //
  // `skip` names deliveries the caller cannot take now (a step's concurrency
  // cap is reached, engine/step.hpp Bulkhead): they are neither claimed nor
  // counted against `limit`, so a backlog held back this way never hides
  // other work that is due.
  Result<std::vector<Delivery>> ClaimDueDeliveries(TimeMs now, int limit, TimeMs lease_ms) {
    return ClaimDueDeliveries(now, limit, lease_ms, {});
  }
  virtual Result<std::vector<Delivery>> ClaimDueDeliveries(TimeMs now, int limit, TimeMs lease_ms,
                                                           const std::vector<ClaimSkip>& skip) = 0;
  // Gives back claims this process will not work on now (the engine skipped
  // them), so they are due again at once rather than after the lease.
  // Best effort: an error only delays them until the lease ends.
  virtual void ReleaseClaims(const std::vector<Delivery>& deliveries) = 0;
  // Cheap round trip to the database; kUnavailable when it is unreachable.
  virtual Status Ping() = 0;
  // Whether commits succeed now (readiness; a read proves nothing on a full
  // disk): the outcome of the writer's latest commit if it finished within
  // the last second, else that of a tiny write committed for the purpose
  // (at most one a second), waited for up to 2 s. kUnavailable with the
  // reason while commits fail (disk full, read-only file system, I/O
  // errors, database unreachable) or the writer is stuck. Blocks: call it
  // from a worker pool.
  virtual Status CheckWrites() = 0;
  // "sqlite" or "postgresql".
  virtual const char* Backend() const = 0;
  // Called after every successful commit of a batch (on the writer thread;
  // must not block). Set once, before the first Write.
  virtual void SetCommitListener(std::function<void()> listener) = 0;
  // Statements executed so far (zeros for a store without SQL). Decorators
  // forward it. Thread-safe; the kinds are read one by one, so a snapshot
  // taken while units run may be off by the statements of those units.
  virtual StatementCounts statement_counts() const { return {}; }
};

// Write() and wait for its completion. For CLI tools, tests and the engine's
// own threads; never call from an I/O thread.
Status WriteSync(Store& store, Store::WriteFn fn);

}  // namespace orderflow::store
