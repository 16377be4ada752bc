-- OrderFlow schema v1 (SQLite). See docs/event_log_format.md for the outbox contract.

CREATE TABLE stores (
  store_id     TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  color        TEXT NOT NULL,
  currency     TEXT NOT NULL,
  api_key_hash TEXT NOT NULL,
  rate_limit   REAL NOT NULL,
  burst        REAL NOT NULL,
  settings     TEXT NOT NULL,
  created_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE products (
  store_id          TEXT NOT NULL REFERENCES stores(store_id),
  product_id        TEXT NOT NULL,
  product_name      TEXT NOT NULL,
  sku               TEXT,
  price             INTEGER NOT NULL CHECK (price >= 0),
  stock             INTEGER NOT NULL CHECK (stock >= 0),
  reserved          INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= stock),
  threshold         INTEGER NOT NULL CHECK (threshold >= 0),
  status            TEXT NOT NULL,
  low_stock_alerted INTEGER NOT NULL DEFAULT 0,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (store_id, product_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX products_by_name ON products(store_id, product_name);
CREATE UNIQUE INDEX products_by_sku ON products(store_id, sku) WHERE sku IS NOT NULL;

CREATE TABLE stock_movements (
  id             INTEGER PRIMARY KEY,
  store_id       TEXT NOT NULL,
  product_id     TEXT NOT NULL,
  kind           TEXT NOT NULL,
  stock_delta    INTEGER NOT NULL,
  reserved_delta INTEGER NOT NULL,
  order_id       TEXT NOT NULL DEFAULT '',
  note           TEXT NOT NULL DEFAULT '',
  at             INTEGER NOT NULL
);
CREATE INDEX stock_movements_by_product ON stock_movements(store_id, product_id, id);

CREATE TABLE orders (
  seq                INTEGER PRIMARY KEY,
  order_id           TEXT NOT NULL UNIQUE,
  store_id           TEXT NOT NULL,
  customer_name      TEXT NOT NULL,
  customer_email     TEXT NOT NULL,
  customer_key       TEXT NOT NULL,
  email_key          TEXT NOT NULL,
  items              TEXT NOT NULL,
  total              INTEGER NOT NULL,
  currency           TEXT NOT NULL,
  status             TEXT NOT NULL,
  payment_status     TEXT NOT NULL,
  fulfillment_status TEXT NOT NULL,
  failure_reason     TEXT NOT NULL DEFAULT '',
  tracking_number    TEXT NOT NULL DEFAULT '',
  carrier            TEXT NOT NULL DEFAULT '',
  payment_token      TEXT NOT NULL DEFAULT '',
  request_hash       TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  payment_failed_at  INTEGER
);
CREATE INDEX orders_by_store ON orders(store_id, seq);
CREATE INDEX orders_by_status ON orders(store_id, status, seq);
CREATE INDEX orders_by_payment ON orders(store_id, payment_status, seq);
CREATE INDEX orders_by_fulfillment ON orders(store_id, fulfillment_status, seq);
CREATE INDEX orders_by_customer ON orders(store_id, customer_key, seq);
CREATE INDEX orders_by_email ON orders(store_id, email_key, seq);
CREATE INDEX orders_by_created ON orders(store_id, created_at);
CREATE INDEX orders_failed_payments ON orders(store_id, customer_key, payment_failed_at)
  WHERE payment_failed_at IS NOT NULL;

CREATE TABLE order_history (
  order_id TEXT NOT NULL,
  idx      INTEGER NOT NULL,
  status   TEXT NOT NULL,
  detail   TEXT NOT NULL,
  at       INTEGER NOT NULL,
  PRIMARY KEY (order_id, idx)
) WITHOUT ROWID;

-- Orders and amounts per store, creation hour and current status: the
-- dashboard's counters, so stats never scan the orders table.
CREATE TABLE order_stats (
  store_id TEXT NOT NULL,
  hour     INTEGER NOT NULL,
  status   TEXT NOT NULL,
  orders   INTEGER NOT NULL,
  amount   INTEGER NOT NULL,
  PRIMARY KEY (store_id, hour, status)
) WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  store_id     TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code  INTEGER NOT NULL,
  body         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (store_id, key)
) WITHOUT ROWID;

CREATE TABLE notifications (
  seq             INTEGER PRIMARY KEY,
  notification_id TEXT NOT NULL UNIQUE,
  store_id        TEXT NOT NULL,
  order_id        TEXT NOT NULL DEFAULT '',
  type            TEXT NOT NULL,
  title           TEXT NOT NULL,
  message         TEXT NOT NULL,
  read            INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL
);
CREATE INDEX notifications_by_store ON notifications(store_id, seq);
CREATE INDEX notifications_unread ON notifications(store_id, seq) WHERE read = 0;

CREATE TABLE counters (
  store_id TEXT NOT NULL,
  name     TEXT NOT NULL,
  value    INTEGER NOT NULL,
  PRIMARY KEY (store_id, name)
) WITHOUT ROWID;

CREATE TABLE events (
  id         INTEGER PRIMARY KEY,
  store_id   TEXT NOT NULL,
  order_id   TEXT NOT NULL DEFAULT '',
  topic      TEXT NOT NULL,
  payload    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  due_at     INTEGER NOT NULL
);
CREATE INDEX events_by_order ON events(order_id, id) WHERE order_id <> '';

-- state: 0 pending, 1 done, 2 dead (dead letter)
CREATE TABLE deliveries (
  event_id    INTEGER NOT NULL REFERENCES events(id),
  step        TEXT NOT NULL,
  state       INTEGER NOT NULL DEFAULT 0,
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  last_error  TEXT NOT NULL DEFAULT '',
  updated_at  INTEGER NOT NULL,
  started_at  INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (event_id, step)
) WITHOUT ROWID;
CREATE INDEX deliveries_due ON deliveries(next_at, event_id) WHERE state = 0;
CREATE INDEX deliveries_dead ON deliveries(updated_at) WHERE state = 2;
