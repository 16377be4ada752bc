-- OrderFlow schema v4 (SQLite): a step that handled an event inside the
-- unit that emitted it (step chaining) is noted on the event row instead of
-- a deliveries row of its own (docs/event_log_format.md). Delivery rows
-- written before stay as they are; readers take both.
ALTER TABLE events ADD COLUMN handled TEXT NOT NULL DEFAULT '';
