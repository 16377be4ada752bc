-- OrderFlow schema v2 (SQLite): webhook endpoints, their deliveries and the
-- delivery log. See docs/event_log_format.md (webhook steps).

CREATE TABLE webhooks (
  webhook_id           TEXT PRIMARY KEY,
  store_id             TEXT NOT NULL REFERENCES stores(store_id),
  url                  TEXT NOT NULL,
  topics               TEXT NOT NULL,  -- comma-separated patterns
  description          TEXT NOT NULL DEFAULT '',
  secret               TEXT NOT NULL,
  enabled              INTEGER NOT NULL DEFAULT 1,
  disabled_reason      TEXT NOT NULL DEFAULT '',
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_delivery_at     INTEGER NOT NULL DEFAULT 0,
  created_at           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhooks_by_store ON webhooks(store_id, created_at);

-- state: 0 pending, 1 succeeded, 2 failed
CREATE TABLE webhook_deliveries (
  delivery_id INTEGER PRIMARY KEY,
  webhook_id  TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  event_id    INTEGER NOT NULL,
  topic       TEXT NOT NULL,
  state       INTEGER NOT NULL DEFAULT 0,
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_status INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  UNIQUE (webhook_id, event_id)
);

-- outcome: 0 retried later, 1 succeeded, 2 failed (final)
CREATE TABLE webhook_attempts (
  attempt_id  INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL,
  webhook_id  TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  event_id    INTEGER NOT NULL,
  topic       TEXT NOT NULL,
  attempt     INTEGER NOT NULL,
  status_code INTEGER NOT NULL DEFAULT 0,
  error       TEXT NOT NULL DEFAULT '',
  duration_ms INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  outcome     INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts(webhook_id, attempt_id);
CREATE INDEX webhook_attempts_by_delivery ON webhook_attempts(delivery_id);
