-- +goose Up
-- Rollups for the yearly figures, kept by triggers in the same transaction
-- as every change to tickets and SLA clocks (API, import or any other
-- path), so the annual report reads a few hundred rows instead of scanning
-- a year of tickets. Statement-level triggers with transition tables
-- aggregate a whole INSERT (an import batch) into one upsert, and take the
-- rollup rows' locks in key order so concurrent changes cannot deadlock.

-- Tickets by year of opening (Europe/Rome), level, current status, ente.
CREATE TABLE ticket_counts (
    opened_year INTEGER NOT NULL,
    level       INTEGER NOT NULL,
    status      TEXT NOT NULL,
    ente_code   TEXT NOT NULL,
    n           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (opened_year, level, status, ente_code)
);

-- SLA clocks by the year their ticket was opened, ente and code: met
-- (stopped by the deadline), missed (stopped after it), pending (not
-- stopped; running or breached depends on the instant of the reading).
CREATE TABLE sla_counts (
    opened_year INTEGER NOT NULL,
    ente_code   TEXT NOT NULL,
    code        TEXT NOT NULL,
    met         BIGINT NOT NULL DEFAULT 0,
    missed      BIGINT NOT NULL DEFAULT 0,
    pending     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (opened_year, ente_code, code)
);

-- Clocks not stopped yet, by start: the part of the SLA figures that
-- depends on the instant of the reading.
CREATE INDEX sla_clocks_open ON sla_clocks (started_at, code, deadline) WHERE stopped_at IS NULL;

INSERT INTO ticket_counts (opened_year, level, status, ente_code, n)
SELECT opened_year, level, status, ente_code, COUNT(*) FROM tickets GROUP BY 1, 2, 3, 4;

INSERT INTO sla_counts (opened_year, ente_code, code, met, missed, pending)
SELECT t.opened_year, t.ente_code, c.code,
    SUM(CASE WHEN c.stopped_at <= c.deadline THEN 1 ELSE 0 END),
    SUM(CASE WHEN c.stopped_at > c.deadline THEN 1 ELSE 0 END),
    SUM(CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END)
FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id
GROUP BY 1, 2, 3;

-- The trigger functions run one branch per operation: a transition table
-- exists only for the operations that have it.
-- +goose StatementBegin
CREATE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts AS tc (opened_year, level, status, ente_code, n)
        SELECT opened_year, level, status, ente_code, COUNT(*) FROM new_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO ticket_counts AS tc (opened_year, level, status, ente_code, n)
        SELECT opened_year, level, status, ente_code, SUM(d) FROM (
            SELECT opened_year, level, status, ente_code, 1 AS d FROM new_rows
            UNION ALL
            SELECT opened_year, level, status, ente_code, -1 AS d FROM old_rows
        ) delta
        GROUP BY 1, 2, 3, 4 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    ELSE
        INSERT INTO ticket_counts AS tc (opened_year, level, status, ente_code, n)
        SELECT opened_year, level, status, ente_code, -COUNT(*) FROM old_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION sla_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO sla_counts AS sc (opened_year, ente_code, code, met, missed, pending)
        SELECT t.opened_year, t.ente_code, c.code,
            SUM(CASE WHEN c.stopped_at <= c.deadline THEN 1 ELSE 0 END),
            SUM(CASE WHEN c.stopped_at > c.deadline THEN 1 ELSE 0 END),
            SUM(CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END)
        FROM new_rows c JOIN tickets t ON t.id = c.ticket_id
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (opened_year, ente_code, code) DO UPDATE
            SET met = sc.met + EXCLUDED.met, missed = sc.missed + EXCLUDED.missed, pending = sc.pending + EXCLUDED.pending;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO sla_counts AS sc (opened_year, ente_code, code, met, missed, pending)
        SELECT t.opened_year, t.ente_code, c.code,
            SUM(c.d * CASE WHEN c.stopped_at <= c.deadline THEN 1 ELSE 0 END),
            SUM(c.d * CASE WHEN c.stopped_at > c.deadline THEN 1 ELSE 0 END),
            SUM(c.d * CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END)
        FROM (
            SELECT ticket_id, code, deadline, stopped_at, 1 AS d FROM new_rows
            UNION ALL
            SELECT ticket_id, code, deadline, stopped_at, -1 AS d FROM old_rows
        ) c JOIN tickets t ON t.id = c.ticket_id
        GROUP BY 1, 2, 3
        HAVING SUM(c.d * CASE WHEN c.stopped_at <= c.deadline THEN 1 ELSE 0 END) <> 0
            OR SUM(c.d * CASE WHEN c.stopped_at > c.deadline THEN 1 ELSE 0 END) <> 0
            OR SUM(c.d * CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT (opened_year, ente_code, code) DO UPDATE
            SET met = sc.met + EXCLUDED.met, missed = sc.missed + EXCLUDED.missed, pending = sc.pending + EXCLUDED.pending;
    ELSE
        INSERT INTO sla_counts AS sc (opened_year, ente_code, code, met, missed, pending)
        SELECT t.opened_year, t.ente_code, c.code,
            -SUM(CASE WHEN c.stopped_at <= c.deadline THEN 1 ELSE 0 END),
            -SUM(CASE WHEN c.stopped_at > c.deadline THEN 1 ELSE 0 END),
            -SUM(CASE WHEN c.stopped_at IS NULL THEN 1 ELSE 0 END)
        FROM old_rows c JOIN tickets t ON t.id = c.ticket_id
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (opened_year, ente_code, code) DO UPDATE
            SET met = sc.met + EXCLUDED.met, missed = sc.missed + EXCLUDED.missed, pending = sc.pending + EXCLUDED.pending;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tickets' THEN
        DELETE FROM ticket_counts;
    END IF;
    DELETE FROM sla_counts;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
CREATE TRIGGER ticket_counts_update AFTER UPDATE ON tickets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
CREATE TRIGGER ticket_counts_truncate AFTER TRUNCATE ON tickets
    FOR EACH STATEMENT EXECUTE FUNCTION report_rollups_truncate();

CREATE TRIGGER sla_counts_insert AFTER INSERT ON sla_clocks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sla_counts_apply();
CREATE TRIGGER sla_counts_update AFTER UPDATE ON sla_clocks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION sla_counts_apply();
CREATE TRIGGER sla_counts_delete AFTER DELETE ON sla_clocks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION sla_counts_apply();
CREATE TRIGGER sla_counts_truncate AFTER TRUNCATE ON sla_clocks
    FOR EACH STATEMENT EXECUTE FUNCTION report_rollups_truncate();

-- +goose Down
DROP TRIGGER sla_counts_truncate ON sla_clocks;
DROP TRIGGER sla_counts_delete ON sla_clocks;
DROP TRIGGER sla_counts_update ON sla_clocks;
DROP TRIGGER sla_counts_insert ON sla_clocks;
DROP TRIGGER ticket_counts_truncate ON tickets;
DROP TRIGGER ticket_counts_delete ON tickets;
DROP TRIGGER ticket_counts_update ON tickets;
DROP TRIGGER ticket_counts_insert ON tickets;
DROP FUNCTION report_rollups_truncate();
DROP FUNCTION sla_counts_apply();
DROP FUNCTION ticket_counts_apply();
DROP INDEX sla_clocks_open;
DROP TABLE sla_counts;
DROP TABLE ticket_counts;
