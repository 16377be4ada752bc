// SqliteTx: webhook endpoints, deliveries and the delivery log (migration
// 002_webhooks.sql).

#include "common/sealed_text.hpp"
#include "store/codec.hpp"
#include "store/sqlite/sqlite_tx.hpp"
#include "store/webhook_secrets.hpp"

namespace orderflow::store::sqlite {
namespace {

int StateCode(WebhookDeliveryState s) { return static_cast<int>(s); }

const char* kWebhookColumns =
    "webhook_id, store_id, url, topics, description, secret, enabled, disabled_reason, "
    "consecutive_failures, last_delivery_at, created_at";

Webhook ReadWebhook(const Statement& s) {
  Webhook w;
  w.webhook_id = s.Text(0);
  w.store_id = s.Text(1);
  w.url = s.Text(2);
  w.topics = DecodeTopics(s.Text(3));
  w.description = s.Text(4);
  w.secret = s.Text(5);
  w.enabled = s.Int(6) != 0;
  w.disabled_reason = s.Text(7);
  w.consecutive_failures = static_cast<int>(s.Int(8));
  w.last_delivery_at = s.Int(9);
  w.created_at = s.Int(10);
  return w;
}

const char* kDeliveryColumns =
    "delivery_id, webhook_id, store_id, event_id, topic, state, attempts, last_status, "
    "last_error, created_at, updated_at";

WebhookDelivery ReadDelivery(const Statement& s) {
  WebhookDelivery d;
  d.delivery_id = s.Int(0);
  d.webhook_id = s.Text(1);
  d.store_id = s.Text(2);
  d.event_id = s.Int(3);
  d.topic = s.Text(4);
  d.state = WebhookStateFromCode(s.Int(5));
  d.attempts = static_cast<int>(s.Int(6));
  d.last_status = static_cast<int>(s.Int(7));
  d.last_error = s.Text(8);
  d.created_at = s.Int(9);
  d.updated_at = s.Int(10);
  return d;
}

}  // namespace

Result<std::vector<Webhook>> SqliteTx::ListWebhooks(const std::string& store_id) {
  auto s = conn_.Prepare(std::string("SELECT ") + kWebhookColumns +
                         " FROM webhooks WHERE store_id = ? ORDER BY created_at, webhook_id");
  s.Bind(1, store_id);
  std::vector<Webhook> out;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ReadWebhook(s));
    OF_ASSIGN_OR_RETURN(out.back().secret,
                        OpenWebhookSecret(secret_key_, out.back().webhook_id, out.back().secret));
  }
  return out;
}

Result<Webhook> SqliteTx::GetWebhook(const std::string& store_id, const std::string& webhook_id) {
  auto s = conn_.Prepare(std::string("SELECT ") + kWebhookColumns +
                         " FROM webhooks WHERE webhook_id = ? AND store_id = ?");
  s.Bind(1, webhook_id).Bind(2, store_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("webhook '" + webhook_id + "'");
  Webhook w = ReadWebhook(s);
  OF_ASSIGN_OR_RETURN(w.secret, OpenWebhookSecret(secret_key_, w.webhook_id, w.secret));
  return w;
}

Result<WebhookDelivery> SqliteTx::GetWebhookDelivery(const std::string& store_id,
                                                     std::int64_t delivery_id) {
  auto s = conn_.Prepare(std::string("SELECT ") + kDeliveryColumns +
                         " FROM webhook_deliveries WHERE delivery_id = ? AND store_id = ?");
  s.Bind(1, delivery_id).Bind(2, store_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("webhook delivery " + std::to_string(delivery_id));
  return ReadDelivery(s);
}

Result<WebhookAttemptPage> SqliteTx::ListWebhookAttempts(const std::string& store_id,
                                                         const std::string& webhook_id,
                                                         std::int64_t before_attempt_id,
                                                         int limit) {
  std::string sql =
      "SELECT attempt_id, delivery_id, webhook_id, store_id, event_id, topic, attempt, "
      "status_code, error, duration_ms, at, outcome FROM webhook_attempts "
      "WHERE webhook_id = :webhook AND store_id = :store";
  if (before_attempt_id > 0) sql += " AND attempt_id < :before";
  sql += " ORDER BY attempt_id DESC LIMIT :limit";
  auto s = conn_.Prepare(sql);
  s.BindName(":webhook", webhook_id);
  s.BindName(":store", store_id);
  s.BindName(":before", before_attempt_id);
  s.BindName(":limit", static_cast<std::int64_t>(limit) + 1);
  WebhookAttemptPage page;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    WebhookAttempt a;
    a.attempt_id = s.Int(0);
    a.delivery_id = s.Int(1);
    a.webhook_id = s.Text(2);
    a.store_id = s.Text(3);
    a.event_id = s.Int(4);
    a.topic = s.Text(5);
    a.attempt = static_cast<int>(s.Int(6));
    a.status_code = static_cast<int>(s.Int(7));
    a.error = s.Text(8);
    a.duration_ms = s.Int(9);
    a.at = s.Int(10);
    a.outcome = WebhookStateFromCode(s.Int(11));
    page.items.push_back(std::move(a));
  }
  if (page.items.size() > static_cast<std::size_t>(limit)) {
    page.items.pop_back();
    page.next_attempt_id = page.items.back().attempt_id;
  }
  return page;
}

Result<Event> SqliteTx::GetEvent(const std::string& store_id, std::int64_t event_id) {
  OF_RETURN_IF_ERROR(FlushLog());
  auto s = conn_.Prepare(
      "SELECT id, store_id, order_id, topic, payload, created_at, due_at FROM events "
      "WHERE id = ? AND store_id = ?");
  s.Bind(1, event_id).Bind(2, store_id);
  OF_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("event " + std::to_string(event_id));
  Event e;
  e.id = s.Int(0);
  e.store_id = s.Text(1);
  e.order_id = s.Text(2);
  e.topic = s.Text(3);
  e.payload = s.Text(4);
  e.created_at = s.Int(5);
  e.due_at = s.Int(6);
  return e;
}

void SqliteTx::WebhooksChanged(const std::string& store_id) {
  webhooks_changed_ = true;
  if (webhook_topics_ != nullptr) webhook_topics_->Forget(store_id);
}

Result<std::vector<std::vector<std::string>>> SqliteTx::EnabledWebhookTopics(
    const std::string& store_id) {
  if (webhook_topics_ != nullptr) {
    if (auto cached = webhook_topics_->Find(store_id)) return std::move(*cached);
  }
  auto s = conn_.Prepare("SELECT topics FROM webhooks WHERE store_id = ? AND enabled = 1");
  s.Bind(1, store_id);
  WebhookTopicCache::Topics topics;
  for (;;) {
    OF_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    topics.push_back(DecodeTopics(s.Text(0)));
  }
  if (webhook_topics_ != nullptr) webhook_topics_->Put(store_id, topics);
  return topics;
}

Status SqliteTx::InsertWebhook(const Webhook& w) {
  WebhooksChanged(w.store_id);
  auto s = conn_.Prepare(std::string("INSERT INTO webhooks (") + kWebhookColumns +
                         ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, w.webhook_id).Bind(2, w.store_id).Bind(3, w.url).Bind(4, EncodeTopics(w.topics));
  s.Bind(5, w.description)
      .Bind(6, SealWebhookSecret(secret_key_, w.webhook_id, w.secret))
      .Bind(7, w.enabled ? 1 : 0);
  s.Bind(8, w.disabled_reason).Bind(9, w.consecutive_failures).Bind(10, w.last_delivery_at);
  s.Bind(11, w.created_at);
  return s.Run();
}

Status SqliteTx::DeleteWebhook(const std::string& store_id, const std::string& webhook_id) {
  WebhooksChanged(store_id);
  auto s = conn_.Prepare("DELETE FROM webhooks WHERE webhook_id = ? AND store_id = ?");
  s.Bind(1, webhook_id).Bind(2, store_id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return NotFound("webhook '" + webhook_id + "'");
  auto a = conn_.Prepare("DELETE FROM webhook_attempts WHERE webhook_id = ? AND store_id = ?");
  a.Bind(1, webhook_id).Bind(2, store_id);
  OF_RETURN_IF_ERROR(a.Run());
  auto d = conn_.Prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ? AND store_id = ?");
  d.Bind(1, webhook_id).Bind(2, store_id);
  return d.Run();
}

Status SqliteTx::SetWebhookEnabled(const std::string& store_id, const std::string& webhook_id,
                                   bool enabled, const std::string& reason) {
  WebhooksChanged(store_id);
  auto s = conn_.Prepare(
      "UPDATE webhooks SET enabled = ?, disabled_reason = ?, "
      "consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures END "
      "WHERE webhook_id = ? AND store_id = ?");
  s.Bind(1, enabled ? 1 : 0).Bind(2, enabled ? std::string() : reason).Bind(3, enabled ? 1 : 0);
  s.Bind(4, webhook_id).Bind(5, store_id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return NotFound("webhook '" + webhook_id + "'");
  return OkStatus();
}

Result<Webhook> SqliteTx::RecordWebhookOutcome(const std::string& store_id,
                                               const std::string& webhook_id, bool success,
                                               int disable_after, TimeMs now) {
  auto s = conn_.Prepare(
      "UPDATE webhooks SET last_delivery_at = :now, "
      "consecutive_failures = CASE WHEN :ok THEN 0 ELSE consecutive_failures + 1 END, "
      "enabled = CASE WHEN NOT :ok AND :limit > 0 AND consecutive_failures + 1 >= :limit "
      "THEN 0 ELSE enabled END, "
      "disabled_reason = CASE WHEN NOT :ok AND :limit > 0 AND consecutive_failures + 1 >= :limit "
      "AND enabled = 1 THEN :reason ELSE disabled_reason END "
      "WHERE webhook_id = :webhook AND store_id = :store");
  s.BindName(":now", now);
  s.BindName(":ok", static_cast<std::int64_t>(success ? 1 : 0));
  s.BindName(":limit", static_cast<std::int64_t>(disable_after));
  s.BindName(":reason", std::to_string(disable_after) + " consecutive failed deliveries");
  s.BindName(":webhook", webhook_id);
  s.BindName(":store", store_id);
  OF_RETURN_IF_ERROR(s.Run());
  if (conn_.Changes() == 0) return NotFound("webhook '" + webhook_id + "'");
  OF_ASSIGN_OR_RETURN(Webhook after, GetWebhook(store_id, webhook_id));
  if (!success && !after.enabled) WebhooksChanged(store_id);  // it may just have been disabled
  return after;
}

Result<std::int64_t> SqliteTx::InsertWebhookDelivery(const WebhookDelivery& d) {
  auto s = conn_.Prepare(
      "INSERT INTO webhook_deliveries (webhook_id, store_id, event_id, topic, state, attempts, "
      "last_status, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, d.webhook_id).Bind(2, d.store_id).Bind(3, d.event_id).Bind(4, d.topic);
  s.Bind(5, StateCode(d.state)).Bind(6, d.attempts).Bind(7, d.last_status).Bind(8, d.last_error);
  s.Bind(9, d.created_at).Bind(10, d.updated_at ? d.updated_at : d.created_at);
  OF_RETURN_IF_ERROR(s.Run());
  return conn_.LastInsertRowid();
}

Result<int> SqliteTx::RecordWebhookAttempt(const WebhookAttempt& a) {
  OF_ASSIGN_OR_RETURN(WebhookDelivery d, GetWebhookDelivery(a.store_id, a.delivery_id));
  if (d.state != WebhookDeliveryState::kPending) {
    return MakeError(ErrorCode::kConflict,
                     "webhook delivery " + std::to_string(a.delivery_id) + " is not pending");
  }
  const int number = d.attempts + 1;
  auto u = conn_.Prepare(
      "UPDATE webhook_deliveries SET attempts = ?, state = ?, last_status = ?, last_error = ?, "
      "updated_at = ? WHERE delivery_id = ? AND state = 0");
  u.Bind(1, number).Bind(2, StateCode(a.outcome)).Bind(3, a.status_code).Bind(4, a.error);
  u.Bind(5, a.at).Bind(6, a.delivery_id);
  OF_RETURN_IF_ERROR(u.Run());
  auto s = conn_.Prepare(
      "INSERT INTO webhook_attempts (delivery_id, webhook_id, store_id, event_id, topic, attempt, "
      "status_code, error, duration_ms, at, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, d.delivery_id).Bind(2, d.webhook_id).Bind(3, d.store_id).Bind(4, d.event_id);
  s.Bind(5, d.topic).Bind(6, number).Bind(7, a.status_code).Bind(8, a.error);
  s.Bind(9, a.duration_ms).Bind(10, a.at).Bind(11, StateCode(a.outcome));
  OF_RETURN_IF_ERROR(s.Run());
  return number;
}

Status SqliteTx::RequeueWebhookDelivery(const std::string& store_id, const std::string& webhook_id,
                                        std::int64_t delivery_id, TimeMs now) {
  OF_ASSIGN_OR_RETURN(WebhookDelivery d, GetWebhookDelivery(store_id, delivery_id));
  if (d.webhook_id != webhook_id)
    return NotFound("webhook delivery " + std::to_string(delivery_id));
  if (d.state == WebhookDeliveryState::kPending) {
    return MakeError(ErrorCode::kConflict,
                     "webhook delivery " + std::to_string(delivery_id) + " is still in progress");
  }
  auto s = conn_.Prepare(
      "UPDATE webhook_deliveries SET state = 0, updated_at = ? WHERE delivery_id = ? AND state <> "
      "0");
  s.Bind(1, now).Bind(2, delivery_id);
  return s.Run();
}

Status SealWebhookSecrets(Connection& conn, std::string_view key) {
  if (key.empty()) return OkStatus();
  std::vector<std::pair<std::string, std::string>> plain;
  {
    auto s = conn.Prepare("SELECT webhook_id, secret FROM webhooks");
    for (;;) {
      OF_ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      std::string id = s.Text(0);
      std::string stored = s.Text(1);
      if (!IsSealedText(stored)) {
        plain.emplace_back(std::move(id), std::move(stored));
        continue;
      }
      // A wrong key must stop the start, not sign with garbage later.
      OF_RETURN_IF_ERROR(OpenWebhookSecret(key, id, stored));
    }
  }
  if (plain.empty()) return OkStatus();
  // secure_delete zeroes the freed bytes of the rewritten rows, so the old
  // plaintext does not linger in the file's free space.
  OF_RETURN_IF_ERROR(conn.Exec("PRAGMA secure_delete=ON; BEGIN IMMEDIATE"));
  for (const auto& [id, secret] : plain) {
    auto u = conn.Prepare("UPDATE webhooks SET secret = ? WHERE webhook_id = ? AND secret = ?");
    u.Bind(1, SealWebhookSecret(key, id, secret)).Bind(2, id).Bind(3, secret);
    Status updated = u.Run();
    if (!updated.ok()) {
      (void)conn.Exec("ROLLBACK; PRAGMA secure_delete=OFF");
      return updated;
    }
  }
  OF_RETURN_IF_ERROR(conn.Exec("COMMIT"));
  // The old pages live on in the WAL until a checkpoint copies the new ones
  // over them; truncate it so no copy of the plaintext remains.
  (void)conn.Exec("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA secure_delete=OFF");
  return OkStatus();
}

}  // namespace orderflow::store::sqlite
