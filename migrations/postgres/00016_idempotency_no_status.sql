-- +goose Up
-- A stored idempotent response is always a create's 201: the status is the
-- API's to send, not data to keep (domain.StoredResponse has none).
ALTER TABLE idempotency_keys DROP COLUMN status;

-- +goose Down
ALTER TABLE idempotency_keys ADD COLUMN status INTEGER NOT NULL DEFAULT 201;
