-- +goose Up
-- An ente's history filtered by one status, newest first, in keyset pages
-- ((opened_at, id) < (?, ?)): this index answers every page, however deep,
-- from one ordered range, also for a rare status (non_di_competenza) that
-- tickets_ente_opened would have to filter row by row.
CREATE INDEX tickets_ente_status_opened ON tickets (ente_code, status, opened_at DESC, id DESC);

-- +goose Down
DROP INDEX tickets_ente_status_opened;
