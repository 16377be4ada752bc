#pragma once
// WriteTx over one PostgreSQL connection inside a transaction the caller
// opened (PostgresStore: a REPEATABLE READ READ ONLY snapshot for reads, the
// writer's batch transaction with one savepoint per unit for writes). The
// methods are split by resource: pg_tx_catalog.cpp (stores, products, stock),
// pg_tx_orders.cpp (orders, idempotency, notifications), pg_tx_engine.cpp
// (events, deliveries, crons).

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/history_log.hpp"
#include "store/order_cache.hpp"
#include "store/postgres/connection.hpp"
#include "store/store.hpp"
#include "store/webhook_topic_cache.hpp"

namespace orderflow::store::pg {

class PgTx final : public WriteTx {
 public:
  // `secret_key` seals webhook secrets (empty: kept as given); it must
  // outlive the transaction.
  // `webhook_topics` (may be null: no cache) must outlive the transaction.
  explicit PgTx(Connection& conn, std::string_view secret_key = {},
                WebhookTopicCache* webhook_topics = nullptr)
      : conn_(conn), secret_key_(secret_key), webhook_topics_(webhook_topics) {}

  Result<domain::StoreInfo> GetStore(const std::string& store_id) override;
  Result<std::vector<domain::StoreInfo>> ListStores() override;
  Result<domain::Product> GetProduct(const std::string& store_id,
                                     const std::string& product_id) override;
  Result<domain::Product> FindProduct(const std::string& store_id, const std::string& product_name,
                                      const std::string& sku) override;
  Result<std::vector<domain::Product>> ListProducts(const std::string& store_id) override;
  Result<std::vector<StockMovement>> ListMovements(const std::string& store_id,
                                                   const std::string& product_id,
                                                   int limit) override;
  Result<std::pair<std::int64_t, std::int64_t>> LedgerTotals(
      const std::string& store_id, const std::string& product_id) override;
  Result<domain::Order> GetOrder(const std::string& store_id, const std::string& order_id) override;
  Result<OrderPage> ListOrders(const OrderFilter& filter) override;
  Result<std::vector<StatusTotals>> OrderTotals(const std::string& store_id, TimeMs since) override;
  Result<std::int64_t> CountCustomerOrders(const std::string& store_id, const std::string& customer,
                                           TimeMs since) override;
  Result<std::int64_t> CountCustomerFailedPayments(const std::string& store_id,
                                                   const std::string& customer,
                                                   TimeMs since) override;
  Result<CustomerActivity> CountCustomerActivity(const std::string& store_id,
                                                 const std::string& customer, TimeMs orders_since,
                                                 TimeMs failed_since) override;
  Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& store_id,
                                                          const std::string& key) override;
  Result<NotificationPage> ListNotifications(const NotificationFilter& filter) override;
  Result<std::int64_t> CountUnreadNotifications(const std::string& store_id) override;
  Result<std::vector<Delivery>> ListDueDeliveries(TimeMs now, int limit) override;
  Result<std::optional<TimeMs>> NextDueTime() override;
  Result<Delivery> GetDelivery(std::int64_t event_id, const std::string& step) override;
  Result<std::vector<Delivery>> ListOrderDeliveries(const std::string& store_id,
                                                    const std::string& order_id) override;
  Result<std::vector<Event>> ListOrderEvents(const std::string& store_id,
                                             const std::string& order_id) override;
  Result<DeadLetterPage> ListDeadLetters(const std::string& store_id, std::int64_t before_event_id,
                                         int limit) override;
  Result<std::vector<StepCounts>> CountDeliveries(const std::string& store_id) override;

  Status InsertStore(const domain::StoreInfo& store) override;
  Status UpdateStore(const domain::StoreInfo& store) override;
  Status InsertProduct(const domain::Product& product) override;
  Status UpdateProduct(const domain::Product& product) override;
  Result<domain::Product> ApplyMovement(const StockMovement& movement) override;
  Status InsertOrder(const domain::Order& order) override;
  Status UpdateOrder(const domain::Order& order, domain::OrderStatus previous,
                     const std::vector<domain::HistoryEntry>& new_history) override;
  Status PutIdempotency(const std::string& store_id, const std::string& key,
                        const IdempotencyRecord& record) override;
  Status CompleteIdempotency(const std::string& store_id, const std::string& key,
                             const IdempotencyRecord& record) override;
  Status InsertNotification(const domain::Notification& n) override;
  Status MarkNotificationRead(const std::string& store_id, const std::string& id) override;
  Result<std::int64_t> MarkAllNotificationsRead(const std::string& store_id) override;
  Result<std::int64_t> InsertEvent(const Event& event,
                                   const std::vector<std::string>& steps) override;
  Status AddDelivery(const Event& event, const std::string& step, bool handled,
                     TimeMs now) override;
  Status CompleteDelivery(std::int64_t event_id, const std::string& step, int attempts,
                          TimeMs now) override;
  Status RetryDelivery(std::int64_t event_id, const std::string& step, int attempts, TimeMs next_at,
                       const std::string& error, TimeMs now) override;
  Status DeadLetterDelivery(std::int64_t event_id, const std::string& step, int attempts,
                            const std::string& error, TimeMs now) override;
  Status RedriveDelivery(const std::string& store_id, std::int64_t event_id,
                         const std::string& step, TimeMs now) override;
  Result<bool> ClaimCronRun(const std::string& name, TimeMs now, TimeMs next_run) override;

  // Webhooks (pg_tx_webhooks.cpp).
  Result<std::vector<Webhook>> ListWebhooks(const std::string& store_id) override;
  Result<Webhook> GetWebhook(const std::string& store_id, const std::string& webhook_id) override;
  Result<WebhookDelivery> GetWebhookDelivery(const std::string& store_id,
                                             std::int64_t delivery_id) override;
  Result<WebhookAttemptPage> ListWebhookAttempts(const std::string& store_id,
                                                 const std::string& webhook_id,
                                                 std::int64_t before_attempt_id,
                                                 int limit) override;
  Result<Event> GetEvent(const std::string& store_id, std::int64_t event_id) override;
  Result<std::vector<std::vector<std::string>>> EnabledWebhookTopics(
      const std::string& store_id) override;
  Status InsertWebhook(const Webhook& webhook) override;
  Status DeleteWebhook(const std::string& store_id, const std::string& webhook_id) override;
  Status SetWebhookEnabled(const std::string& store_id, const std::string& webhook_id, bool enabled,
                           const std::string& reason) override;
  Result<Webhook> RecordWebhookOutcome(const std::string& store_id, const std::string& webhook_id,
                                       bool success, int disable_after, TimeMs now) override;
  Result<std::int64_t> InsertWebhookDelivery(const WebhookDelivery& delivery) override;
  Result<int> RecordWebhookAttempt(const WebhookAttempt& attempt) override;
  Status RequeueWebhookDelivery(const std::string& store_id, const std::string& webhook_id,
                                std::int64_t delivery_id, TimeMs now) override;

  // The claim of PostgresStore::ClaimDueDeliveries: runs inside the
  // caller's transaction on `conn` in pipeline mode (one round trip here;
  // `claimed` is filled when the caller next waits for the pipeline, which
  // then also carries its COMMIT). Per-order advisory locks, held until that
  // transaction ends, keep two claimers from taking deliveries of one order
  // at once; claimers of different orders do not wait for each other.
  static Status ClaimDue(Connection& conn, TimeMs now, int limit, TimeMs lease_ms,
                         const std::vector<ClaimSkip>& skip, std::vector<Delivery>& claimed);

  // Event ids come from the events' identity sequence in blocks, the
  // first one reserved at the batch's first InsertEvent (so they exceed
  // every id committed before the batch began, and an order's events keep
  // their order across instances): `hint` ids, doubling when a block runs
  // out. Unused ids are gaps. InsertEvent then needs no answer.
  void ReserveEventIds(int hint) { event_id_block_ = std::max(1, hint); }
  // Ids the batch took so far: the next batch's hint.
  int event_ids_used() const { return event_ids_used_; }

  // True once a unit inserted an event: the writer then NOTIFYs the other
  // instances in the same transaction.
  bool inserted_events() const { return inserted_events_; }

  // The writer calls BeginUnit before each unit (and before each run of a
  // unit that asked to run again), FlushLog when the unit succeeded, and
  // EndUnit after it, with whether the unit's savepoint is released (true)
  // or rolled back (false): the order cache, the buffered events and the
  // counter deltas are per unit, and only a released unit's deltas join the
  // batch's.
  void BeginUnit();
  void EndUnit(bool committed);
  // Writes the unit's merged order moves (FlushOrders), then its buffered
  // events with the history entries made so far, their pending deliveries
  // and handled marks (one statement; queued in a pipelined batch).
  Status FlushLog();
  // Writes the counter and hourly-stats deltas of the batch's released units
  // (one set-based upsert per table, rows in key order so that concurrent
  // writers lock them in the same order) and forgets them. The writer calls
  // it once, right before COMMIT: the hot rows are held for the commit only,
  // not across the batch's other round trips.
  Status FlushBatch();
  // Whether this unit changed endpoints (the writer then clears the
  // webhook topic cache if the unit rolls back).
  bool webhooks_changed() const { return webhooks_changed_; }

  // A lean batch (pg_tx_batch_rows.cpp): the writer's first attempt at a
  // batch, pipelined and without savepoints, where any failing unit ends
  // the attempt (the batch then runs again with a savepoint per unit). As
  // no unit's rows are ever taken back alone, the rows the batch does not
  // read back (events with their deliveries, alerts, stock movements) wait
  // for the batch's end and go out as one multi-row statement per table
  // (FlushBatchRows), not one per unit. Call before the first unit.
  void KeepRowsForBatchEnd() { lean_ = true; }
  // In a lean batch: queues one read of these orders (with their history)
  // for the whole batch; a unit's GetOrder of one of them is answered from
  // it until a unit of the batch reads or changes that order.
  void PrefetchOrders(const std::vector<std::pair<std::string, std::string>>& orders);
  // Queues the kept rows; the writer calls it after the last unit. A
  // taken alert id fails the pipeline (the attempt).
  Status FlushBatchRows();

 private:
  // Counter and hourly-stats changes, summed in memory and written by
  // FlushBatch. Key order is the lock order.
  struct StatsDelta {
    std::int64_t orders = 0;
    domain::Cents amount = 0;
  };
  using CounterKey = std::pair<std::string, std::string>;               // store, name
  using StatsKey = std::tuple<std::string, std::int64_t, std::string>;  // store, hour, status
  // Stock changes of a pipelined batch (Deferring()): checked against the
  // product as read plus the changes before them, written by FlushBatch.
  struct StockDelta {
    std::int64_t stock = 0;
    std::int64_t reserved = 0;
    TimeMs at = 0;
  };
  using ProductKey = std::pair<std::string, std::string>;  // store, product
  struct Deltas {
    std::map<CounterKey, std::int64_t> counters;
    std::map<StatsKey, StatsDelta> stats;
    std::map<ProductKey, StockDelta> stock;
  };

  void AddStats(const std::string& store_id, TimeMs created_at, domain::OrderStatus status,
                std::int64_t orders, domain::Cents amount);
  void AddCounter(const std::string& store_id, const std::string& name, std::int64_t delta);
  // What the flush will still add to counter (store_id, name).
  std::int64_t PendingCounter(const std::string& store_id, const std::string& name) const;

  Result<std::int64_t> NextEventId();
  // An event this unit inserted and FlushLog has not written yet: its
  // pending deliveries (`steps`) and the steps that handled it in this unit.
  struct BufferedEvent {
    Event event;
    std::vector<std::string> steps;
    std::string handled;
    std::size_t ordinal = 0;                      // the unit's ordinal-th event
    std::optional<domain::HistoryEntry> history;  // the history entry it carries
  };
  // Puts the unit's pending history entries on its buffered events, and
  // those no event can carry on buffered rows of their own (history_log.hpp).
  Status PlaceUnitHistory();
  BufferedEvent* FindBufferedEvent(std::int64_t event_id);
  // The running unit's moves of one order, merged (pipelined batches): the
  // order as last changed, the status the first move started from (the
  // UPDATE's guard), the history entries of all moves and when the payment
  // first failed. `insert`: the unit created the order, and its moves go
  // into the INSERT (the intake and the steps chained after it write the
  // row once).
  struct BufferedOrderUpdate {
    domain::Order order;
    domain::OrderStatus guard;
    std::optional<TimeMs> failed_at;
    bool insert = false;
  };
  Status SendOrderUpdate(const BufferedOrderUpdate& update);
  Status SendOrderInsert(const domain::Order& order, std::optional<TimeMs> failed_at);
  // Merges a move into the unit's buffered moves of that order.
  Status BufferOrderUpdate(const domain::Order& order, domain::OrderStatus previous,
                           std::optional<TimeMs> failed_at);
  // Queues the merged order moves; called before anything reads orders
  // from the database and at the unit's end (FlushLog).
  Status FlushOrders();
  // In a pipelined batch stock changes wait for FlushBatch, and stores and
  // products are read once per batch: no product row is locked before the
  // batch's last round trip. Elsewhere (reads, the statement-by-statement
  // re-run) every call goes to the database at once.
  bool Deferring() const { return conn_.InPipeline(); }
  // `p` as read plus the batch's and the unit's pending stock changes.
  domain::Product WithPending(domain::Product p) const;
  // After a savepoint rolled back: what was read may include undone writes.
  void ForgetReads();
  // Before a read of events, deliveries, alerts or the ledger: the unit's
  // events, and in a lean batch every kept row, are queued first.
  Status SeeOwnWrites();
  // Before reading or changing what an order's or event's kept rows touch.
  Status SeeKeptRowsOfOrder(const std::string& store_id, const std::string& order_id);
  Status SeeKeptRowsOfEvent(std::int64_t event_id);
  // One statement for `events` and their pending deliveries.
  Status SendEvents(const std::vector<BufferedEvent>& events);
  Status SendNotifications(const std::vector<domain::Notification>& notifications);
  Status SendMovements(const std::vector<StockMovement>& movements);

  Connection& conn_;
  std::string_view secret_key_;
  // Entries age (other instances change endpoints too); this process's own
  // changes make it forget the store at once.
  WebhookTopicCache* webhook_topics_;
  bool webhooks_changed_ = false;
  void WebhooksChanged(const std::string& store_id);
  bool inserted_events_ = false;
  int event_id_block_ = 16;
  int event_ids_used_ = 0;
  std::vector<std::int64_t> event_ids_;             // reserved, unused; taken from the back
  std::vector<BufferedEvent> events_;               // the running unit's, written by FlushLog
  std::vector<BufferedOrderUpdate> order_updates_;  // the running unit's (FlushOrders)
  std::size_t unit_events_ = 0;                     // events the running unit emitted
  // History entries of the running unit that FlushLog has not written yet.
  std::vector<PendingHistory> history_;
  OrderCache orders_;
  // Rows read in this pipelined batch, without pending stock changes.
  std::map<ProductKey, domain::Product> products_;
  std::map<std::string, domain::StoreInfo> stores_;
  // Changes at each BeginUnit and EndUnit: a queued statement's answer
  // knows whether its unit is still running.
  std::int64_t unit_seq_ = 0;
  Deltas unit_;   // the running unit's
  Deltas batch_;  // the released units'

  // Rows a lean batch keeps for its end (KeepRowsForBatchEnd).
  bool lean_ = false;
  struct KeptRows {
    std::vector<BufferedEvent> events;
    std::set<std::int64_t> event_ids;
    std::set<std::string> orders;  // OrderKey() of the kept events
    std::vector<domain::Notification> notifications;
    std::vector<StockMovement> movements;
  };
  KeptRows kept_;
  // PrefetchOrders: the orders asked for (by OrderKey) and, once the
  // answers arrived (prefetch_arrived_), those found, with their history.
  std::set<std::string> prefetch_keys_;
  std::map<std::string, domain::Order> prefetched_;
  bool prefetch_arrived_ = false;
  // Orders the running unit read or wrote (OrderKey): no longer answered
  // from the prefetch once the unit ends.
  std::set<std::string> unit_orders_;
  // The prefetched order, if it is still what the database holds for the
  // running unit.
  Result<std::optional<domain::Order>> Prefetched(const std::string& store_id,
                                                  const std::string& order_id);
  static std::string OrderKey(const std::string& store_id, const std::string& order_id) {
    return store_id + '\n' + order_id;
  }
};

// Seals the webhook secrets an older version wrote in the clear and checks
// that the sealed ones open under `key` (kInternal naming a webhook when one
// does not). Runs inside the caller's migration transaction; no-op without
// a key.
Status SealWebhookSecrets(Connection& conn, std::string_view key);

}  // namespace orderflow::store::pg
