-- OrderFlow schema v6 (SQLite): the event log is the order history
-- (docs/event_log_format.md, "History"). A history entry is written as the
-- history_* columns of the events row its unit emitted for the order at or
-- after the change; an entry no such event carries gets a row of its own
-- with topic 'history' (no subscribers, no deliveries, not in the trace).
-- An order's history is its rows with history_status set, in id order,
-- found through events_by_order (store_id, order_id, id).
ALTER TABLE events ADD COLUMN history_status TEXT;
ALTER TABLE events ADD COLUMN history_detail TEXT;
ALTER TABLE events ADD COLUMN history_at INTEGER;

-- Existing history moves into the log as rows of their own, above every
-- event id and in (store, order, idx) order, so each order keeps its
-- entries, in order, with the same status, detail and time. The new ids
-- are computed before the first row goes in (the SELECT reads the table
-- it fills, so SQLite runs it to completion first).
INSERT INTO events (id, store_id, order_id, topic, payload, created_at, due_at, handled,
                    history_status, history_detail, history_at)
  SELECT (SELECT COALESCE(MAX(id), 0) FROM events)
           + row_number() OVER (ORDER BY h.store_id, h.order_id, h.idx),
         h.store_id, h.order_id, 'history', json_object('orderId', h.order_id), h.at, h.at, '',
         h.status, h.detail, h.at
  FROM order_history h;
DROP TABLE order_history;

-- The flat history for tools and tests, in the shape the table had.
CREATE VIEW order_history AS
  SELECT store_id, order_id,
         row_number() OVER (PARTITION BY store_id, order_id ORDER BY id) - 1 AS idx,
         history_status AS status, history_detail AS detail, history_at AS at, id AS event_id
  FROM events WHERE history_status IS NOT NULL;
