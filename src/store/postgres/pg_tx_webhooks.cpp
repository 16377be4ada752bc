// PgTx: webhook endpoints, deliveries and the delivery log (migration
// 002_webhooks.sql); the same semantics as sqlite/sqlite_webhooks.cpp.
#include "common/sealed_text.hpp"
#include "store/codec.hpp"
#include "store/postgres/pg_rows.hpp"
#include "store/postgres/pg_tx.hpp"
#include "store/webhook_secrets.hpp"

namespace orderflow::store::pg {
namespace {

int StateCode(WebhookDeliveryState s) { return static_cast<int>(s); }

const char* const kWebhookColumns =
    "webhook_id, store_id, url, topics, description, secret, enabled, disabled_reason, "
    "consecutive_failures, last_delivery_at, created_at";

Webhook ReadWebhook(const Rows& s, int r) {
  Webhook w;
  w.webhook_id = s.Text(r, 0);
  w.store_id = s.Text(r, 1);
  w.url = s.Text(r, 2);
  w.topics = DecodeTopics(s.Text(r, 3));
  w.description = s.Text(r, 4);
  w.secret = s.Text(r, 5);
  w.enabled = s.Int(r, 6) != 0;
  w.disabled_reason = s.Text(r, 7);
  w.consecutive_failures = static_cast<int>(s.Int(r, 8));
  w.last_delivery_at = s.Int(r, 9);
  w.created_at = s.Int(r, 10);
  return w;
}

const char* const kWebhookDeliveryColumns =
    "delivery_id, webhook_id, store_id, event_id, topic, state, attempts, last_status, "
    "last_error, created_at, updated_at";

WebhookDelivery ReadWebhookDelivery(const Rows& s, int r) {
  WebhookDelivery d;
  d.delivery_id = s.Int(r, 0);
  d.webhook_id = s.Text(r, 1);
  d.store_id = s.Text(r, 2);
  d.event_id = s.Int(r, 3);
  d.topic = s.Text(r, 4);
  d.state = WebhookStateFromCode(s.Int(r, 5));
  d.attempts = static_cast<int>(s.Int(r, 6));
  d.last_status = static_cast<int>(s.Int(r, 7));
  d.last_error = s.Text(r, 8);
  d.created_at = s.Int(r, 9);
  d.updated_at = s.Int(r, 10);
  return d;
}

}  // namespace

Result<std::vector<Webhook>> PgTx::ListWebhooks(const std::string& store_id) {
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(std::string("SELECT ") + kWebhookColumns +
                                                 " FROM webhooks WHERE store_id = $1 "
                                                 "ORDER BY created_at, webhook_id",
                                             {store_id}));
  std::vector<Webhook> out;
  for (int r = 0; r < rows.size(); ++r) {
    out.push_back(ReadWebhook(rows, r));
    OF_ASSIGN_OR_RETURN(out.back().secret,
                        OpenWebhookSecret(secret_key_, out.back().webhook_id, out.back().secret));
  }
  return out;
}

Result<Webhook> PgTx::GetWebhook(const std::string& store_id, const std::string& webhook_id) {
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query(std::string("SELECT ") + kWebhookColumns +
                                      " FROM webhooks WHERE webhook_id = $1 AND store_id = $2",
                                  {webhook_id, store_id}));
  if (rows.empty()) return NotFound("webhook '" + webhook_id + "'");
  Webhook w = ReadWebhook(rows, 0);
  OF_ASSIGN_OR_RETURN(w.secret, OpenWebhookSecret(secret_key_, w.webhook_id, w.secret));
  return w;
}

Result<WebhookDelivery> PgTx::GetWebhookDelivery(const std::string& store_id,
                                                 std::int64_t delivery_id) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(std::string("SELECT ") + kWebhookDeliveryColumns +
                      " FROM webhook_deliveries WHERE delivery_id = $1 AND store_id = $2",
                  {delivery_id, store_id}));
  if (rows.empty()) return NotFound("webhook delivery " + std::to_string(delivery_id));
  return ReadWebhookDelivery(rows, 0);
}

Result<WebhookAttemptPage> PgTx::ListWebhookAttempts(const std::string& store_id,
                                                     const std::string& webhook_id,
                                                     std::int64_t before_attempt_id, int limit) {
  std::string sql =
      "SELECT attempt_id, delivery_id, webhook_id, store_id, event_id, topic, attempt, "
      "status_code, error, duration_ms, at, outcome FROM webhook_attempts "
      "WHERE webhook_id = $1 AND store_id = $2";
  std::vector<Param> params{webhook_id, store_id};
  if (before_attempt_id > 0) {
    params.emplace_back(before_attempt_id);
    sql += " AND attempt_id < $3";
  }
  params.emplace_back(static_cast<std::int64_t>(limit) + 1);
  sql += " ORDER BY attempt_id DESC LIMIT $" + std::to_string(params.size());
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query(sql, params));
  WebhookAttemptPage page;
  for (int r = 0; r < rows.size(); ++r) {
    WebhookAttempt a;
    a.attempt_id = rows.Int(r, 0);
    a.delivery_id = rows.Int(r, 1);
    a.webhook_id = rows.Text(r, 2);
    a.store_id = rows.Text(r, 3);
    a.event_id = rows.Int(r, 4);
    a.topic = rows.Text(r, 5);
    a.attempt = static_cast<int>(rows.Int(r, 6));
    a.status_code = static_cast<int>(rows.Int(r, 7));
    a.error = rows.Text(r, 8);
    a.duration_ms = rows.Int(r, 9);
    a.at = rows.Int(r, 10);
    a.outcome = WebhookStateFromCode(rows.Int(r, 11));
    page.items.push_back(std::move(a));
  }
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_attempt_id = page.items.back().attempt_id;
  }
  return page;
}

Result<Event> PgTx::GetEvent(const std::string& store_id, std::int64_t event_id) {
  OF_RETURN_IF_ERROR(SeeOwnWrites());
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("SELECT id, store_id, order_id, topic, payload, created_at, due_at FROM events "
                  "WHERE id = $1 AND store_id = $2",
                  {event_id, store_id}));
  if (rows.empty()) return NotFound("event " + std::to_string(event_id));
  return Event{rows.Int(0, 0),  rows.Text(0, 1), rows.Text(0, 2), rows.Text(0, 3),
               rows.Text(0, 4), rows.Int(0, 5),  rows.Int(0, 6)};
}

void PgTx::WebhooksChanged(const std::string& store_id) {
  webhooks_changed_ = true;
  if (webhook_topics_ != nullptr) webhook_topics_->Forget(store_id);
}

Result<std::vector<std::vector<std::string>>> PgTx::EnabledWebhookTopics(
    const std::string& store_id) {
  if (webhook_topics_ != nullptr) {
    if (auto cached = webhook_topics_->Find(store_id)) return std::move(*cached);
  }
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("SELECT topics FROM webhooks WHERE store_id = $1 AND enabled = 1", {store_id}));
  WebhookTopicCache::Topics topics;
  for (int r = 0; r < rows.size(); ++r) topics.push_back(DecodeTopics(rows.Text(r, 0)));
  if (webhook_topics_ != nullptr) webhook_topics_->Put(store_id, topics);
  return topics;
}

Status PgTx::InsertWebhook(const Webhook& w) {
  WebhooksChanged(w.store_id);
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(std::string("INSERT INTO webhooks (") + kWebhookColumns +
                      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                      "ON CONFLICT DO NOTHING",
                  {w.webhook_id, w.store_id, w.url, EncodeTopics(w.topics), w.description,
                   SealWebhookSecret(secret_key_, w.webhook_id, w.secret), w.enabled ? 1 : 0,
                   w.disabled_reason, w.consecutive_failures, w.last_delivery_at, w.created_at}));
  if (rows.Affected() == 0) {
    return MakeError(ErrorCode::kConflict, "webhook '" + w.webhook_id + "' already exists");
  }
  return OkStatus();
}

Status PgTx::DeleteWebhook(const std::string& store_id, const std::string& webhook_id) {
  WebhooksChanged(store_id);
  OF_ASSIGN_OR_RETURN(Rows rows,
                      conn_.Query("DELETE FROM webhooks WHERE webhook_id = $1 AND store_id = $2",
                                  {webhook_id, store_id}));
  if (rows.Affected() == 0) return NotFound("webhook '" + webhook_id + "'");
  OF_ASSIGN_OR_RETURN(
      Rows a, conn_.Query("DELETE FROM webhook_attempts WHERE webhook_id = $1 AND store_id = $2",
                          {webhook_id, store_id}));
  OF_ASSIGN_OR_RETURN(
      Rows d, conn_.Query("DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND store_id = $2",
                          {webhook_id, store_id}));
  return OkStatus();
}

Status PgTx::SetWebhookEnabled(const std::string& store_id, const std::string& webhook_id,
                               bool enabled, const std::string& reason) {
  WebhooksChanged(store_id);
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("UPDATE webhooks SET enabled = $1::integer, disabled_reason = $2, "
                  "consecutive_failures = CASE WHEN $1::integer = 1 THEN 0 "
                  "ELSE consecutive_failures END WHERE webhook_id = $3 AND store_id = $4",
                  {enabled ? 1 : 0, enabled ? std::string() : reason, webhook_id, store_id}));
  if (rows.Affected() == 0) return NotFound("webhook '" + webhook_id + "'");
  return OkStatus();
}

Result<Webhook> PgTx::RecordWebhookOutcome(const std::string& store_id,
                                           const std::string& webhook_id, bool success,
                                           int disable_after, TimeMs now) {
  // Every right-hand side reads the row before the update, as in SQLite.
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query("UPDATE webhooks SET last_delivery_at = $1::bigint, "
                  "consecutive_failures = CASE WHEN $2::integer = 1 THEN 0 "
                  "ELSE consecutive_failures + 1 END, "
                  "enabled = CASE WHEN $2::integer = 0 AND $3::integer > 0 "
                  "AND consecutive_failures + 1 >= $3::integer THEN 0 ELSE enabled END, "
                  "disabled_reason = CASE WHEN $2::integer = 0 AND $3::integer > 0 "
                  "AND consecutive_failures + 1 >= $3::integer AND enabled = 1 THEN $4::text "
                  "ELSE disabled_reason END WHERE webhook_id = $5 AND store_id = $6",
                  {now, success ? 1 : 0, disable_after,
                   std::to_string(disable_after) + " consecutive failed deliveries", webhook_id,
                   store_id}));
  if (rows.Affected() == 0) return NotFound("webhook '" + webhook_id + "'");
  OF_ASSIGN_OR_RETURN(Webhook after, GetWebhook(store_id, webhook_id));
  if (!success && !after.enabled) WebhooksChanged(store_id);
  return after;
}

Result<std::int64_t> PgTx::InsertWebhookDelivery(const WebhookDelivery& d) {
  OF_ASSIGN_OR_RETURN(
      Rows rows,
      conn_.Query(
          "INSERT INTO webhook_deliveries (webhook_id, store_id, event_id, topic, state, "
          "attempts, last_status, last_error, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
          "ON CONFLICT DO NOTHING RETURNING delivery_id",
          {d.webhook_id, d.store_id, d.event_id, d.topic, StateCode(d.state), d.attempts,
           d.last_status, d.last_error, d.created_at, d.updated_at ? d.updated_at : d.created_at}));
  if (rows.empty()) {
    return MakeError(ErrorCode::kConflict, "webhook '" + d.webhook_id +
                                               "' has a delivery of event " +
                                               std::to_string(d.event_id) + " already");
  }
  return rows.Int(0, 0);
}

Result<int> PgTx::RecordWebhookAttempt(const WebhookAttempt& a) {
  OF_ASSIGN_OR_RETURN(WebhookDelivery d, GetWebhookDelivery(a.store_id, a.delivery_id));
  if (d.state != WebhookDeliveryState::kPending) {
    return MakeError(ErrorCode::kConflict,
                     "webhook delivery " + std::to_string(a.delivery_id) + " is not pending");
  }
  const int number = d.attempts + 1;
  OF_ASSIGN_OR_RETURN(
      Rows u,
      conn_.Query("UPDATE webhook_deliveries SET attempts = $1, state = $2, "
                  "last_status = $3, last_error = $4, updated_at = $5 "
                  "WHERE delivery_id = $6 AND state = 0",
                  {number, StateCode(a.outcome), a.status_code, a.error, a.at, a.delivery_id}));
  OF_ASSIGN_OR_RETURN(
      Rows s, conn_.Query("INSERT INTO webhook_attempts (delivery_id, webhook_id, store_id, "
                          "event_id, topic, attempt, status_code, error, duration_ms, at, outcome) "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                          {d.delivery_id, d.webhook_id, d.store_id, d.event_id, d.topic, number,
                           a.status_code, a.error, a.duration_ms, a.at, StateCode(a.outcome)}));
  return number;
}

Status PgTx::RequeueWebhookDelivery(const std::string& store_id, const std::string& webhook_id,
                                    std::int64_t delivery_id, TimeMs now) {
  OF_ASSIGN_OR_RETURN(WebhookDelivery d, GetWebhookDelivery(store_id, delivery_id));
  if (d.webhook_id != webhook_id) {
    return NotFound("webhook delivery " + std::to_string(delivery_id));
  }
  if (d.state == WebhookDeliveryState::kPending) {
    return MakeError(ErrorCode::kConflict,
                     "webhook delivery " + std::to_string(delivery_id) + " is still in progress");
  }
  OF_ASSIGN_OR_RETURN(Rows rows, conn_.Query("UPDATE webhook_deliveries SET state = 0, "
                                             "updated_at = $1 WHERE delivery_id = $2 "
                                             "AND state <> 0",
                                             {now, delivery_id}));
  return OkStatus();
}

Status SealWebhookSecrets(Connection& conn, std::string_view key) {
  if (key.empty()) return OkStatus();
  OF_ASSIGN_OR_RETURN(Rows rows, conn.Query("SELECT webhook_id, secret FROM webhooks FOR UPDATE"));
  for (int r = 0; r < rows.size(); ++r) {
    std::string id = rows.Text(r, 0);
    std::string stored = rows.Text(r, 1);
    if (IsSealedText(stored)) {
      // A wrong key must stop the start, not sign with garbage later.
      OF_RETURN_IF_ERROR(OpenWebhookSecret(key, id, stored));
      continue;
    }
    OF_ASSIGN_OR_RETURN(Rows updated,
                        conn.Query("UPDATE webhooks SET secret = $1 WHERE webhook_id = $2",
                                   {SealWebhookSecret(key, id, stored), id}));
  }
  return OkStatus();
}

}  // namespace orderflow::store::pg
