#include "support/faulty_store.hpp"

#include <memory>
#include <utility>

namespace orderflow::testing {
namespace {

using store::Delivery;
using store::Event;
using store::StockMovement;

// Forwards every call to the real transaction after asking the FaultyStore
// whether this call must fail.
class FaultyWriteTx final : public store::WriteTx {
 public:
  FaultyWriteTx(store::WriteTx& tx, FaultyStore& faults) : tx_(tx), faults_(faults) {}

  // --- ReadTx ---
  Result<domain::StoreInfo> GetStore(const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetStore"));
    return tx_.GetStore(store_id);
  }
  Result<std::vector<domain::StoreInfo>> ListStores() override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListStores"));
    return tx_.ListStores();
  }
  Result<domain::Product> GetProduct(const std::string& store_id,
                                     const std::string& product_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetProduct"));
    return tx_.GetProduct(store_id, product_id);
  }
  Result<domain::Product> FindProduct(const std::string& store_id, const std::string& product_name,
                                      const std::string& sku) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("FindProduct"));
    return tx_.FindProduct(store_id, product_name, sku);
  }
  Result<std::vector<domain::Product>> ListProducts(const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListProducts"));
    return tx_.ListProducts(store_id);
  }
  Result<std::vector<StockMovement>> ListMovements(const std::string& store_id,
                                                   const std::string& product_id,
                                                   int limit) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListMovements"));
    return tx_.ListMovements(store_id, product_id, limit);
  }
  Result<std::pair<std::int64_t, std::int64_t>> LedgerTotals(
      const std::string& store_id, const std::string& product_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("LedgerTotals"));
    return tx_.LedgerTotals(store_id, product_id);
  }
  Result<domain::Order> GetOrder(const std::string& store_id,
                                 const std::string& order_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetOrder"));
    return tx_.GetOrder(store_id, order_id);
  }
  Result<store::OrderPage> ListOrders(const store::OrderFilter& filter) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListOrders"));
    return tx_.ListOrders(filter);
  }
  Result<std::vector<store::StatusTotals>> OrderTotals(const std::string& store_id,
                                                       TimeMs since) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("OrderTotals"));
    return tx_.OrderTotals(store_id, since);
  }
  Result<std::int64_t> CountCustomerOrders(const std::string& store_id, const std::string& customer,
                                           TimeMs since) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("CountCustomerOrders"));
    return tx_.CountCustomerOrders(store_id, customer, since);
  }
  Result<std::int64_t> CountCustomerFailedPayments(const std::string& store_id,
                                                   const std::string& customer,
                                                   TimeMs since) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("CountCustomerFailedPayments"));
    return tx_.CountCustomerFailedPayments(store_id, customer, since);
  }
  Result<std::optional<store::IdempotencyRecord>> GetIdempotency(const std::string& store_id,
                                                                 const std::string& key) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetIdempotency"));
    return tx_.GetIdempotency(store_id, key);
  }
  Result<store::NotificationPage> ListNotifications(
      const store::NotificationFilter& filter) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListNotifications"));
    return tx_.ListNotifications(filter);
  }
  Result<std::int64_t> CountUnreadNotifications(const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("CountUnreadNotifications"));
    return tx_.CountUnreadNotifications(store_id);
  }
  Result<std::vector<Delivery>> ListDueDeliveries(TimeMs now, int limit) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListDueDeliveries"));
    return tx_.ListDueDeliveries(now, limit);
  }
  Result<std::optional<TimeMs>> NextDueTime() override {
    OF_RETURN_IF_ERROR(faults_.OnCall("NextDueTime"));
    return tx_.NextDueTime();
  }
  Result<Delivery> GetDelivery(std::int64_t event_id, const std::string& step) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetDelivery"));
    return tx_.GetDelivery(event_id, step);
  }
  Result<std::vector<Delivery>> ListOrderDeliveries(const std::string& store_id,
                                                    const std::string& order_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListOrderDeliveries"));
    return tx_.ListOrderDeliveries(store_id, order_id);
  }
  Result<std::vector<Event>> ListOrderEvents(const std::string& store_id,
                                             const std::string& order_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListOrderEvents"));
    return tx_.ListOrderEvents(store_id, order_id);
  }
  Result<store::DeadLetterPage> ListDeadLetters(const std::string& store_id,
                                                std::int64_t before_event_id, int limit) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListDeadLetters"));
    return tx_.ListDeadLetters(store_id, before_event_id, limit);
  }
  Result<std::vector<store::StepCounts>> CountDeliveries(const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("CountDeliveries"));
    return tx_.CountDeliveries(store_id);
  }

  // --- WriteTx ---
  Status InsertStore(const domain::StoreInfo& s) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertStore"));
    return tx_.InsertStore(s);
  }
  Status UpdateStore(const domain::StoreInfo& s) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("UpdateStore"));
    return tx_.UpdateStore(s);
  }
  Status InsertProduct(const domain::Product& p) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertProduct"));
    return tx_.InsertProduct(p);
  }
  Status UpdateProduct(const domain::Product& p) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("UpdateProduct"));
    return tx_.UpdateProduct(p);
  }
  Result<domain::Product> ApplyMovement(const StockMovement& m) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ApplyMovement"));
    return tx_.ApplyMovement(m);
  }
  Status InsertOrder(const domain::Order& o) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertOrder"));
    return tx_.InsertOrder(o);
  }
  Status UpdateOrder(const domain::Order& o, domain::OrderStatus previous,
                     const std::vector<domain::HistoryEntry>& new_history) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("UpdateOrder"));
    return tx_.UpdateOrder(o, previous, new_history);
  }
  Status PutIdempotency(const std::string& store_id, const std::string& key,
                        const store::IdempotencyRecord& record) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("PutIdempotency"));
    return tx_.PutIdempotency(store_id, key, record);
  }
  Status CompleteIdempotency(const std::string& store_id, const std::string& key,
                             const store::IdempotencyRecord& record) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("CompleteIdempotency"));
    return tx_.CompleteIdempotency(store_id, key, record);
  }
  Status InsertNotification(const domain::Notification& n) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertNotification"));
    return tx_.InsertNotification(n);
  }
  Status MarkNotificationRead(const std::string& store_id, const std::string& id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("MarkNotificationRead"));
    return tx_.MarkNotificationRead(store_id, id);
  }
  Result<std::int64_t> MarkAllNotificationsRead(const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("MarkAllNotificationsRead"));
    return tx_.MarkAllNotificationsRead(store_id);
  }
  Result<std::int64_t> InsertEvent(const Event& event,
                                   const std::vector<std::string>& steps) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertEvent"));
    return tx_.InsertEvent(event, steps);
  }
  Status AddDelivery(const Event& event, const std::string& step, bool handled,
                     TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("AddDelivery"));
    return tx_.AddDelivery(event, step, handled, now);
  }
  Status CompleteDelivery(std::int64_t event_id, const std::string& step, int attempts,
                          TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("CompleteDelivery"));
    return tx_.CompleteDelivery(event_id, step, attempts, now);
  }
  Status RetryDelivery(std::int64_t event_id, const std::string& step, int attempts, TimeMs next_at,
                       const std::string& error, TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("RetryDelivery"));
    return tx_.RetryDelivery(event_id, step, attempts, next_at, error, now);
  }
  Status DeadLetterDelivery(std::int64_t event_id, const std::string& step, int attempts,
                            const std::string& error, TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("DeadLetterDelivery"));
    return tx_.DeadLetterDelivery(event_id, step, attempts, error, now);
  }
  Status RedriveDelivery(const std::string& store_id, std::int64_t event_id,
                         const std::string& step, TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("RedriveDelivery"));
    return tx_.RedriveDelivery(store_id, event_id, step, now);
  }
  Result<bool> ClaimCronRun(const std::string& name, TimeMs now, TimeMs next_run) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ClaimCronRun"));
    return tx_.ClaimCronRun(name, now, next_run);
  }

  // --- Webhooks ---
  Result<std::vector<std::vector<std::string>>> EnabledWebhookTopics(
      const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("EnabledWebhookTopics"));
    return tx_.EnabledWebhookTopics(store_id);
  }
  Result<std::vector<store::Webhook>> ListWebhooks(const std::string& store_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListWebhooks"));
    return tx_.ListWebhooks(store_id);
  }
  Result<store::Webhook> GetWebhook(const std::string& store_id,
                                    const std::string& webhook_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetWebhook"));
    return tx_.GetWebhook(store_id, webhook_id);
  }
  Result<store::WebhookDelivery> GetWebhookDelivery(const std::string& store_id,
                                                    std::int64_t delivery_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetWebhookDelivery"));
    return tx_.GetWebhookDelivery(store_id, delivery_id);
  }
  Result<store::WebhookAttemptPage> ListWebhookAttempts(const std::string& store_id,
                                                        const std::string& webhook_id,
                                                        std::int64_t before_attempt_id,
                                                        int limit) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("ListWebhookAttempts"));
    return tx_.ListWebhookAttempts(store_id, webhook_id, before_attempt_id, limit);
  }
  Result<Event> GetEvent(const std::string& store_id, std::int64_t event_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("GetEvent"));
    return tx_.GetEvent(store_id, event_id);
  }
  Status InsertWebhook(const store::Webhook& webhook) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertWebhook"));
    return tx_.InsertWebhook(webhook);
  }
  Status DeleteWebhook(const std::string& store_id, const std::string& webhook_id) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("DeleteWebhook"));
    return tx_.DeleteWebhook(store_id, webhook_id);
  }
  Status SetWebhookEnabled(const std::string& store_id, const std::string& webhook_id, bool enabled,
                           const std::string& reason) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("SetWebhookEnabled"));
    return tx_.SetWebhookEnabled(store_id, webhook_id, enabled, reason);
  }
  Result<store::Webhook> RecordWebhookOutcome(const std::string& store_id,
                                              const std::string& webhook_id, bool success,
                                              int disable_after, TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("RecordWebhookOutcome"));
    return tx_.RecordWebhookOutcome(store_id, webhook_id, success, disable_after, now);
  }
  Result<std::int64_t> InsertWebhookDelivery(const store::WebhookDelivery& delivery) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("InsertWebhookDelivery"));
    return tx_.InsertWebhookDelivery(delivery);
  }
  Result<int> RecordWebhookAttempt(const store::WebhookAttempt& attempt) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("RecordWebhookAttempt"));
    return tx_.RecordWebhookAttempt(attempt);
  }
  Status RequeueWebhookDelivery(const std::string& store_id, const std::string& webhook_id,
                                std::int64_t delivery_id, TimeMs now) override {
    OF_RETURN_IF_ERROR(faults_.OnCall("RequeueWebhookDelivery"));
    return tx_.RequeueWebhookDelivery(store_id, webhook_id, delivery_id, now);
  }

 private:
  store::WriteTx& tx_;
  FaultyStore& faults_;
};

}  // namespace

void FaultyStore::FailNthCall(std::int64_t n) {
  fail_every_ = 0;
  fail_nth_ = n;
}

void FaultyStore::FailEveryNthCall(std::int64_t n) {
  fail_nth_ = 0;
  fail_every_ = n;
}

void FaultyStore::FailNthRead(std::int64_t n) { fail_nth_read_ = n; }

void FaultyStore::Disarm() {
  fail_nth_ = 0;
  fail_every_ = 0;
  fail_nth_read_ = 0;
}

std::string FaultyStore::last_failed_call() const { return last_failed_.load(); }

std::map<std::string, std::int64_t> FaultyStore::calls_by_method() const {
  std::lock_guard lock(by_method_mu_);
  return by_method_;
}

Status FaultyStore::OnCall(const char* method) {
  const std::int64_t index = ++calls_;
  {
    std::lock_guard lock(by_method_mu_);
    ++by_method_[method];
  }
  const std::int64_t nth = fail_nth_.load();
  const std::int64_t every = fail_every_.load();
  if ((nth > 0 && index == nth) || (every > 0 && index % every == 0)) {
    ++injected_;
    last_failed_ = method;
    return MakeError(ErrorCode::kUnavailable, std::string("injected fault in ") + method +
                                                  " (call " + std::to_string(index) + ")");
  }
  return OkStatus();
}

void FaultyStore::Write(WriteFn fn, DoneFn done) {
  // Whether this unit's last run was failed by FailCommits (a unit may run
  // more than once before it commits).
  auto failed_commit = std::make_shared<bool>(false);
  inner_.Write(
      [this, failed_commit, fn = std::move(fn)](store::WriteTx& tx) -> Status {
        FaultyWriteTx faulty(tx, *this);
        *failed_commit = false;
        Status s = fn(faulty);
        if (s.ok() && fail_commits_.load()) {
          *failed_commit = true;
          return MakeError(ErrorCode::kUnavailable, "injected commit failure");
        }
        return s;
      },
      [this, failed_commit, done = std::move(done)](Status s) {
        if (*failed_commit) {
          ++failed_commits_;
          s = MakeError(ErrorCode::kUnavailable,
                        "commit failed (injected: database or disk is full); nothing was written");
        }
        done(std::move(s));
      });
}

Status FaultyStore::CheckWrites() {
  if (fail_commits_.load()) {
    return MakeError(ErrorCode::kUnavailable, "commit failed (injected: database or disk is full)");
  }
  return inner_.CheckWrites();
}

Status FaultyStore::OnRead(const char* what) {
  const std::int64_t index = ++reads_;
  const std::int64_t nth = fail_nth_read_.load();
  if (nth > 0 && index == nth) {
    ++injected_;
    last_failed_ = what;
    return MakeError(ErrorCode::kUnavailable, std::string("injected fault in ") + what + " (read " +
                                                  std::to_string(index) + ")");
  }
  return OkStatus();
}

Status FaultyStore::Read(const ReadFn& fn) {
  OF_RETURN_IF_ERROR(OnRead("Read"));
  return inner_.Read(fn);
}

Result<std::vector<store::Delivery>> FaultyStore::ClaimDueDeliveries(
    TimeMs now, int limit, TimeMs lease_ms, const std::vector<store::ClaimSkip>& skip) {
  OF_RETURN_IF_ERROR(OnRead("ClaimDueDeliveries"));
  return inner_.ClaimDueDeliveries(now, limit, lease_ms, skip);
}

}  // namespace orderflow::testing
