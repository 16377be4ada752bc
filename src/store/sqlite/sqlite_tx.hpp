#pragma once
// WriteTx over one SQLite connection. Used read-only by readers (only the
// ReadTx part is reachable through them) and read-write by the writer.

#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "store/history_log.hpp"
#include "store/order_cache.hpp"
#include "store/product_cache.hpp"
#include "store/recent_orders.hpp"
#include "store/sqlite/batch_rows.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"
#include "store/webhook_topic_cache.hpp"

namespace orderflow::store::sqlite {

class SqliteTx final : public WriteTx {
 public:
  // `secret_key` seals webhook secrets (empty: kept as given); it must
  // outlive the transaction.
  // The caches (may be null: none) must outlive the transaction.
  explicit SqliteTx(Connection& conn, std::string_view secret_key = {},
                    WebhookTopicCache* webhook_topics = nullptr,
                    StoreInfoCache* store_infos = nullptr, RecentOrders* recent_orders = nullptr,
                    ProductCache* products = nullptr)
      : conn_(conn),
        secret_key_(secret_key),
        webhook_topics_(webhook_topics),
        store_infos_(store_infos),
        recent_orders_(recent_orders),
        products_(products) {}

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
  Result<std::optional<IdempotencyRecord>> GetIdempotency(const std::string& store_id,
                                                          const std::string& key) override;
  Result<NotificationPage> ListNotifications(const NotificationFilter& filter) override;
  Result<std::int64_t> CountUnreadNotifications(const std::string& store_id) override;
  Result<std::vector<Delivery>> ListDueDeliveries(TimeMs now, int limit) override {
    return ListDueDeliveries(now, limit, {});
  }
  // Without the deliveries `skip` names (Store::ClaimDueDeliveries).
  Result<std::vector<Delivery>> ListDueDeliveries(TimeMs now, int limit,
                                                  const std::vector<ClaimSkip>& skip);
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

  // Webhooks (sqlite_webhooks.cpp).
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

  // The writer calls BeginUnit before each unit, EndUnit after one that
  // succeeded (before its savepoint is released), AbortUnit after one that
  // failed (before its savepoint rolls back), and EndBatch before COMMIT.
  // The order cache and the log rows are per unit (written at EndUnit, or
  // earlier when the unit reads them back); counter and hourly-stats
  // changes are summed over the whole batch and written by EndBatch.
  void BeginUnit();
  Status EndUnit();
  void AbortUnit();
  Status EndBatch();

 private:
  // A unit wrote the store's row: the cached copy goes now, and everything
  // cached goes if the unit rolls back.
  void StoreChanged(const std::string& store_id);
  Status AddStats(const std::string& store_id, TimeMs created_at, domain::OrderStatus status,
                  std::int64_t orders, domain::Cents amount);
  Status AddCounter(const std::string& store_id, const std::string& name, std::int64_t delta);
  // Makes the batch's counter changes so far visible to the unit's reads.
  Status FlushDeltas();
  Status WriteDeltas();
  // Writes the unit's buffered events, with the history entries made so far
  // on them or on rows of their own (history_log.hpp), and its deliveries
  // (multi-row inserts).
  Status FlushLog();
  // Writes the batch's buffered notifications and stock movements
  // (multi-row inserts); before any statement that reads those tables.
  Status FlushBatchRows();
  // Puts the unit's pending history entries on its buffered events, and
  // those no event can carry on buffered rows of their own.
  Status PlaceUnitHistory();
  // Writes the orders the unit inserted or changed: one statement an order,
  // whatever the number of steps that changed it. Their history goes with
  // the unit's events (FlushLog).
  // `unit_ends`: nothing reads the orders again, so they are not kept in
  // the unit's order cache.
  Status FlushOrders(bool unit_ends = false);
  struct OrderWrite;
  OrderWrite* FindOrderWrite(const std::string& store_id, const std::string& order_id);
  Result<std::int64_t> NextOrderSeq();
  Result<std::int64_t> NextEventId();
  // Records that `step` handled `event` in this unit; kConflict if it did.
  Status MarkHandled(const Event& event, const std::string& step);
  Result<std::vector<Delivery>> QueryDeliveries(Statement& s);
  // `read` (a product row as the database holds it), kept in products_.
  Result<domain::Product> Cached(Result<domain::Product> read);

  // The unit changed `store_id`'s endpoints: the cache forgets the store now
  // and everything if the unit rolls back.
  void WebhooksChanged(const std::string& store_id);

  Connection& conn_;
  std::string_view secret_key_;
  WebhookTopicCache* webhook_topics_;
  bool webhooks_changed_ = false;  // in this unit
  StoreInfoCache* store_infos_;
  bool stores_changed_ = false;  // in this unit
  // Orders earlier units and commits wrote; the unit's own go through
  // order_writes_ and orders_ (staged for it by FlushOrders).
  RecentOrders* recent_orders_;
  // Products as the batch's transaction holds them; cleared when a unit
  // rolls back (its stock movements go with it).
  ProductCache* products_;
  OrderCache orders_;
  // Counter and hourly-stats changes of the unit, written once at its end: a
  // unit that chains steps moves the same few rows many times.
  struct StatsDelta {
    std::int64_t orders = 0;
    domain::Cents amount = 0;
  };
  using StatsKey = std::tuple<std::string, std::int64_t, std::string>;  // store, hour, status
  using CounterKey = std::pair<std::string, std::string>;               // store, name
  struct Deltas {
    std::map<CounterKey, std::int64_t> counters;
    std::map<StatsKey, StatsDelta> stats;
    void Add(const Deltas& other);
    bool empty() const { return counters.empty() && stats.empty(); }
  };
  Deltas unit_deltas_;
  Deltas batch_deltas_;
  // The batch's deltas as they were before the unit wrote them early
  // (FlushDeltas): what an aborted unit restores.
  std::optional<Deltas> batch_before_flush_;

  // Events the unit emitted, with the steps that already handled each in
  // the unit (step chaining: no delivery row), and its pending deliveries.
  struct BufferedEvent {
    Event event;
    std::string handled;                          // comma-separated step names
    std::size_t ordinal = 0;                      // the unit's ordinal-th event
    std::optional<domain::HistoryEntry> history;  // the history entry it carries
  };
  struct BufferedDelivery {
    std::int64_t event_id = 0;
    std::string step;
    TimeMs next_at = 0;
    TimeMs updated_at = 0;
  };
  // An order the unit inserted or changed: the row as it now stands (with
  // its whole history) and, for a row already in the database, what that
  // row holds, so that only changed columns are assigned.
  struct OrderWrite {
    domain::Order order;
    bool insert = false;
    std::string stored_status;
    std::string stored_payment;
    std::string stored_fulfillment;
  };
  std::vector<OrderWrite> order_writes_;
  // Store id + '\n' + order id -> index in order_writes_ (a unit may write
  // thousands: `orderflow seed`).
  std::unordered_map<std::string, std::size_t> order_write_index_;
  std::int64_t next_order_seq_ = 0;  // 0: read MAX(seq) first
  std::vector<BufferedEvent> events_;
  std::vector<BufferedDelivery> deliveries_;
  BatchRows<domain::Notification> notifications_;
  BatchRows<StockMovement> movements_;
  std::size_t unit_events_ = 0;  // events the unit emitted
  // History entries the unit made that FlushLog has not written yet.
  std::vector<PendingHistory> history_;
  std::int64_t next_event_id_ = 0;  // 0: read MAX(id) first
};

// Seals the webhook secrets an older version wrote in the clear and checks
// that the sealed ones open under `key` (kInternal naming a webhook when one
// does not). Runs at start-up outside any transaction; no-op without a key.
Status SealWebhookSecrets(Connection& conn, std::string_view key);

}  // namespace orderflow::store::sqlite
