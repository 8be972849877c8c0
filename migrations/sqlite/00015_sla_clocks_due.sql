-- +goose Up
-- The queue sorted by SLA due: clocks not stopped, nearest deadline first
-- (ties by ticket), read in order from this index however large the table.
CREATE INDEX sla_clocks_due ON sla_clocks (deadline, ticket_id) WHERE stopped_at IS NULL;

-- +goose Down
DROP INDEX sla_clocks_due;
