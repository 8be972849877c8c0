-- +goose Up
-- An outage proposed by monitoring (a HARD down state of a customer-facing
-- system) stays proposed until an operator confirms it.
ALTER TABLE outages ADD COLUMN proposed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX outages_proposed ON outages (proposed, id) WHERE proposed;

-- +goose Down
DROP INDEX outages_proposed;
ALTER TABLE outages DROP COLUMN proposed;
