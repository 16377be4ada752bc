-- OrderFlow schema v3 (PostgreSQL): order ids are unique per store, not
-- globally, so one store's orderId says nothing about another's.

ALTER TABLE orders DROP CONSTRAINT orders_order_id_key;
ALTER TABLE orders ADD CONSTRAINT orders_store_order_key UNIQUE (store_id, order_id);

ALTER TABLE order_history ADD COLUMN store_id TEXT COLLATE "C";
UPDATE order_history h SET store_id = o.store_id FROM orders o WHERE o.order_id = h.order_id;
ALTER TABLE order_history ALTER COLUMN store_id SET NOT NULL;
ALTER TABLE order_history DROP CONSTRAINT order_history_pkey;
ALTER TABLE order_history ADD PRIMARY KEY (store_id, order_id, idx);

-- Not partial: a lookup by a bound order id cannot prove order_id <> ''.
DROP INDEX events_by_order;
CREATE INDEX events_by_order ON events(store_id, order_id, id);
