-- OrderFlow schema v3 (SQLite): order ids are unique per store, not
-- globally, so one store's orderId says nothing about another's. SQLite
-- cannot drop a UNIQUE constraint: orders and order_history are rebuilt.

CREATE TABLE orders_v3 (
  seq                INTEGER PRIMARY KEY,
  order_id           TEXT NOT NULL,
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
  payment_failed_at  INTEGER,
  UNIQUE (store_id, order_id)
);

INSERT INTO orders_v3 SELECT * FROM orders;
DROP TABLE orders;
ALTER TABLE orders_v3 RENAME TO orders;
CREATE INDEX orders_by_store ON orders(store_id, seq);
CREATE INDEX orders_by_status ON orders(store_id, status, seq);
CREATE INDEX orders_by_payment ON orders(store_id, payment_status, seq);
CREATE INDEX orders_by_fulfillment ON orders(store_id, fulfillment_status, seq);
CREATE INDEX orders_by_customer ON orders(store_id, customer_key, seq);
CREATE INDEX orders_by_email ON orders(store_id, email_key, seq);
CREATE INDEX orders_by_created ON orders(store_id, created_at);
CREATE INDEX orders_failed_payments ON orders(store_id, customer_key, payment_failed_at)
  WHERE payment_failed_at IS NOT NULL;

CREATE TABLE order_history_v3 (
  store_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  idx      INTEGER NOT NULL,
  status   TEXT NOT NULL,
  detail   TEXT NOT NULL,
  at       INTEGER NOT NULL,
  PRIMARY KEY (store_id, order_id, idx)
) WITHOUT ROWID;
INSERT INTO order_history_v3 (store_id, order_id, idx, status, detail, at)
  SELECT o.store_id, h.order_id, h.idx, h.status, h.detail, h.at
  FROM order_history h JOIN orders o ON o.order_id = h.order_id;
DROP TABLE order_history;
ALTER TABLE order_history_v3 RENAME TO order_history;

-- Not partial: a lookup by a bound order id cannot prove order_id <> ''.
DROP INDEX events_by_order;
CREATE INDEX events_by_order ON events(store_id, order_id, id);
