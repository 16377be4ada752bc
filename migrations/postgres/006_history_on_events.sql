-- OrderFlow schema v6 (PostgreSQL): the event log is the order history
-- (docs/event_log_format.md, "History"). A history entry is written as the
-- history_* columns of the events row its unit emitted for the order at or
-- after the change; an entry no such event carries gets a row of its own
-- with topic 'history' (no subscribers, no deliveries, not in the trace).
-- An order's history is its rows with history_status set, in id order,
-- found through events_by_order (store_id, order_id, id).
ALTER TABLE events ADD COLUMN history_status TEXT, ADD COLUMN history_detail TEXT,
  ADD COLUMN history_at BIGINT;

-- Existing history moves into the log as rows of their own, with ids from
-- the events sequence (above every id handed out so far) taken in (store,
-- order, idx) order, so each order keeps its entries, in order, with the
-- same status, detail and time.
INSERT INTO events (id, store_id, order_id, topic, payload, created_at, due_at, handled,
                    history_status, history_detail, history_at)
  SELECT nextval(pg_get_serial_sequence('events', 'id')), h.store_id, h.order_id, 'history',
         '{"orderId":' || to_json(h.order_id)::text || '}', h.at, h.at, '', h.status, h.detail,
         h.at
  FROM (SELECT store_id, order_id, idx, status, detail, at FROM order_history
        ORDER BY store_id, order_id, idx) h;
DROP TABLE order_history;

-- The flat history for tools and tests, in the shape the table had.
CREATE VIEW order_history AS
  SELECT store_id, order_id,
         (row_number() OVER (PARTITION BY store_id, order_id ORDER BY id) - 1)::int AS idx,
         history_status AS status, history_detail AS detail, history_at AS at, id AS event_id
  FROM events WHERE history_status IS NOT NULL;
