-- +goose Up
-- CED Multiente interventions. The deadline is computed on the ente's
-- working calendar and stored when the intervention is requested, so a
-- later calendar change leaves it as it was; working_seconds is measured
-- and stored at completion.
CREATE TABLE interventions (
    id              BIGSERIAL PRIMARY KEY,
    ente_code       TEXT NOT NULL REFERENCES enti(code),
    ticket_id       BIGINT REFERENCES tickets(id),
    tier            TEXT NOT NULL,
    description     TEXT NOT NULL,
    status          TEXT NOT NULL,
    technician_id   BIGINT REFERENCES users(id),
    technician_name TEXT NOT NULL DEFAULT '',
    planned_at      TIMESTAMPTZ,
    requested_by    BIGINT,
    requested_at    TIMESTAMPTZ NOT NULL,
    -- year and month of requested_at in Europe/Rome, kept so reports group
    -- the same way on every database.
    requested_year  INTEGER NOT NULL,
    requested_month INTEGER NOT NULL,
    deadline        TIMESTAMPTZ NOT NULL,
    started_at      TIMESTAMPTZ,
    completed_at    TIMESTAMPTZ,
    cancelled_at    TIMESTAMPTZ,
    outcome         TEXT NOT NULL DEFAULT '',
    cancel_reason   TEXT NOT NULL DEFAULT '',
    working_seconds BIGINT NOT NULL DEFAULT 0,
    updated_at      TIMESTAMPTZ NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
-- List pages: newest first, overall, by ente, by status, by technician.
CREATE INDEX interventions_requested ON interventions (requested_at DESC, id DESC);
CREATE INDEX interventions_ente_requested ON interventions (ente_code, requested_at DESC, id DESC);
CREATE INDEX interventions_status_requested ON interventions (status, requested_at DESC, id DESC);
CREATE INDEX interventions_technician ON interventions (technician_id, requested_at DESC, id DESC) WHERE technician_id IS NOT NULL;
-- Overdue: the open ones by deadline.
CREATE INDEX interventions_open_deadline ON interventions (deadline) WHERE status IN ('requested', 'scheduled', 'in_progress');
-- Statistics: a period of requests, with every column the report reads,
-- so the report is answered from the index alone.
CREATE INDEX interventions_stats ON interventions (requested_at, ente_code, tier, requested_year, requested_month, status, working_seconds, completed_at, deadline);

CREATE TABLE intervention_events (
    id              BIGSERIAL PRIMARY KEY,
    intervention_id BIGINT NOT NULL REFERENCES interventions(id),
    action          TEXT NOT NULL,
    actor_id        BIGINT,
    actor_name      TEXT NOT NULL DEFAULT '',
    at              TIMESTAMPTZ NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    from_status     TEXT NOT NULL DEFAULT '',
    to_status       TEXT NOT NULL DEFAULT '',
    technician_id   BIGINT,
    planned_at      TIMESTAMPTZ
);
CREATE INDEX intervention_events_intervention ON intervention_events (intervention_id, id);

-- +goose Down
DROP TABLE intervention_events;
DROP TABLE interventions;
