-- +goose Up
-- Rollups for the yearly figures, kept by triggers in the same transaction
-- as every change to tickets and SLA clocks (API, import or any other
-- path), so the annual report reads a few hundred rows instead of scanning
-- a year of tickets. SQLite has row triggers only; its single writer means
-- they cannot deadlock.

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

-- +goose StatementBegin
CREATE TRIGGER ticket_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_counts (opened_year, level, status, ente_code, n)
    VALUES (NEW.opened_year, NEW.level, NEW.status, NEW.ente_code, 1)
    ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF opened_year, level, status, ente_code ON tickets
WHEN OLD.opened_year IS NOT NEW.opened_year OR OLD.level IS NOT NEW.level
    OR OLD.status IS NOT NEW.status OR OLD.ente_code IS NOT NEW.ente_code
BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE opened_year = OLD.opened_year AND level = OLD.level AND status = OLD.status AND ente_code = OLD.ente_code;
    INSERT INTO ticket_counts (opened_year, level, status, ente_code, n)
    VALUES (NEW.opened_year, NEW.level, NEW.status, NEW.ente_code, 1)
    ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_counts SET n = n - 1
    WHERE opened_year = OLD.opened_year AND level = OLD.level AND status = OLD.status AND ente_code = OLD.ente_code;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER sla_counts_insert AFTER INSERT ON sla_clocks BEGIN
    INSERT INTO sla_counts (opened_year, ente_code, code, met, missed, pending)
    SELECT t.opened_year, t.ente_code, NEW.code,
        CASE WHEN NEW.stopped_at <= NEW.deadline THEN 1 ELSE 0 END,
        CASE WHEN NEW.stopped_at > NEW.deadline THEN 1 ELSE 0 END,
        CASE WHEN NEW.stopped_at IS NULL THEN 1 ELSE 0 END
    FROM tickets t WHERE t.id = NEW.ticket_id
    ON CONFLICT (opened_year, ente_code, code) DO UPDATE
        SET met = met + excluded.met, missed = missed + excluded.missed, pending = pending + excluded.pending;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER sla_counts_update AFTER UPDATE OF ticket_id, code, deadline, stopped_at ON sla_clocks
WHEN OLD.ticket_id IS NOT NEW.ticket_id OR OLD.code IS NOT NEW.code
    OR OLD.deadline IS NOT NEW.deadline OR OLD.stopped_at IS NOT NEW.stopped_at
BEGIN
    UPDATE sla_counts SET
        met = met - CASE WHEN OLD.stopped_at <= OLD.deadline THEN 1 ELSE 0 END,
        missed = missed - CASE WHEN OLD.stopped_at > OLD.deadline THEN 1 ELSE 0 END,
        pending = pending - CASE WHEN OLD.stopped_at IS NULL THEN 1 ELSE 0 END
    WHERE code = OLD.code AND (opened_year, ente_code) =
        (SELECT t.opened_year, t.ente_code FROM tickets t WHERE t.id = OLD.ticket_id);
    INSERT INTO sla_counts (opened_year, ente_code, code, met, missed, pending)
    SELECT t.opened_year, t.ente_code, NEW.code,
        CASE WHEN NEW.stopped_at <= NEW.deadline THEN 1 ELSE 0 END,
        CASE WHEN NEW.stopped_at > NEW.deadline THEN 1 ELSE 0 END,
        CASE WHEN NEW.stopped_at IS NULL THEN 1 ELSE 0 END
    FROM tickets t WHERE t.id = NEW.ticket_id
    ON CONFLICT (opened_year, ente_code, code) DO UPDATE
        SET met = met + excluded.met, missed = missed + excluded.missed, pending = pending + excluded.pending;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER sla_counts_delete AFTER DELETE ON sla_clocks BEGIN
    UPDATE sla_counts SET
        met = met - CASE WHEN OLD.stopped_at <= OLD.deadline THEN 1 ELSE 0 END,
        missed = missed - CASE WHEN OLD.stopped_at > OLD.deadline THEN 1 ELSE 0 END,
        pending = pending - CASE WHEN OLD.stopped_at IS NULL THEN 1 ELSE 0 END
    WHERE code = OLD.code AND (opened_year, ente_code) =
        (SELECT t.opened_year, t.ente_code FROM tickets t WHERE t.id = OLD.ticket_id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER sla_counts_delete;
DROP TRIGGER sla_counts_update;
DROP TRIGGER sla_counts_insert;
DROP TRIGGER ticket_counts_delete;
DROP TRIGGER ticket_counts_update;
DROP TRIGGER ticket_counts_insert;
DROP INDEX sla_clocks_open;
DROP TABLE sla_counts;
DROP TABLE ticket_counts;
