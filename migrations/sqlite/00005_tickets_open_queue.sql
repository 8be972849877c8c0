-- +goose Up
-- The help desk's queue: an ente's open tickets, newest first. Open
-- tickets are a few thousand among a million, so a partial index keeps the
-- first page and its total cheap; without it the planner intersects the
-- ente and status indexes (tens of ms at 1M tickets; see BENCHMARKS.md).
CREATE INDEX tickets_open_ente ON tickets (ente_code, opened_at DESC, id DESC) WHERE status IN ('nuovo', 'aperto');

-- +goose Down
DROP INDEX tickets_open_ente;
