-- +goose Up
-- Clocks as the desk runs them (issue 9). entered_at is when a back-dated
-- report was typed in (opened_at / requested_at stay the arrival, where the
-- clocks start); NULL on older rows, which were entered when they arrived.
-- A wait ("in attesa") is a state of the clocks, not a status: waiting_*
-- describe it, paused_since marks a clock's pause in progress, and a pause
-- with an end (pause_until) stores the length and the deadline it leads to,
-- so that SQL can tell running from breached at any instant without a
-- calendar (see repository/slasql.go).
ALTER TABLE tickets ADD COLUMN entered_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN waiting_since TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN waiting_on TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN wait_until TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN wait_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_events ADD COLUMN entered_at TIMESTAMPTZ;
ALTER TABLE ticket_events ADD COLUMN waiting_on TEXT NOT NULL DEFAULT '';
ALTER TABLE ticket_events ADD COLUMN wait_until TIMESTAMPTZ;
ALTER TABLE sla_clocks ADD COLUMN paused_since TIMESTAMPTZ;
ALTER TABLE sla_clocks ADD COLUMN pause_until TIMESTAMPTZ;
ALTER TABLE sla_clocks ADD COLUMN pause_until_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sla_clocks ADD COLUMN pause_until_deadline TIMESTAMPTZ;
ALTER TABLE sla_clocks ADD COLUMN paused_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interventions ADD COLUMN entered_at TIMESTAMPTZ;
ALTER TABLE interventions ADD COLUMN waiting_since TIMESTAMPTZ;
ALTER TABLE interventions ADD COLUMN waiting_on TEXT NOT NULL DEFAULT '';
ALTER TABLE interventions ADD COLUMN wait_until TIMESTAMPTZ;
ALTER TABLE interventions ADD COLUMN wait_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE interventions ADD COLUMN paused_since TIMESTAMPTZ;
ALTER TABLE interventions ADD COLUMN pause_until TIMESTAMPTZ;
ALTER TABLE interventions ADD COLUMN pause_until_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE interventions ADD COLUMN pause_until_deadline TIMESTAMPTZ;
ALTER TABLE interventions ADD COLUMN paused_seconds BIGINT NOT NULL DEFAULT 0;
ALTER TABLE intervention_events ADD COLUMN entered_at TIMESTAMPTZ;
ALTER TABLE intervention_events ADD COLUMN waiting_on TEXT NOT NULL DEFAULT '';
ALTER TABLE intervention_events ADD COLUMN wait_until TIMESTAMPTZ;
-- The waiting lists: few rows wait at any time.
CREATE INDEX tickets_waiting ON tickets (waiting_since) WHERE waiting_since IS NOT NULL;
CREATE INDEX interventions_waiting ON interventions (waiting_since) WHERE waiting_since IS NOT NULL;

-- +goose Down
DROP INDEX interventions_waiting;
DROP INDEX tickets_waiting;
ALTER TABLE intervention_events DROP COLUMN wait_until;
ALTER TABLE intervention_events DROP COLUMN waiting_on;
ALTER TABLE intervention_events DROP COLUMN entered_at;
ALTER TABLE interventions DROP COLUMN paused_seconds;
ALTER TABLE interventions DROP COLUMN pause_until_deadline;
ALTER TABLE interventions DROP COLUMN pause_until_seconds;
ALTER TABLE interventions DROP COLUMN pause_until;
ALTER TABLE interventions DROP COLUMN paused_since;
ALTER TABLE interventions DROP COLUMN wait_reason;
ALTER TABLE interventions DROP COLUMN wait_until;
ALTER TABLE interventions DROP COLUMN waiting_on;
ALTER TABLE interventions DROP COLUMN waiting_since;
ALTER TABLE interventions DROP COLUMN entered_at;
ALTER TABLE sla_clocks DROP COLUMN paused_seconds;
ALTER TABLE sla_clocks DROP COLUMN pause_until_deadline;
ALTER TABLE sla_clocks DROP COLUMN pause_until_seconds;
ALTER TABLE sla_clocks DROP COLUMN pause_until;
ALTER TABLE sla_clocks DROP COLUMN paused_since;
ALTER TABLE ticket_events DROP COLUMN wait_until;
ALTER TABLE ticket_events DROP COLUMN waiting_on;
ALTER TABLE ticket_events DROP COLUMN entered_at;
ALTER TABLE tickets DROP COLUMN wait_reason;
ALTER TABLE tickets DROP COLUMN wait_until;
ALTER TABLE tickets DROP COLUMN waiting_on;
ALTER TABLE tickets DROP COLUMN waiting_since;
ALTER TABLE tickets DROP COLUMN entered_at;
