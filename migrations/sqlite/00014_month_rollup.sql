-- +goose Up
-- Tickets by year and month of opening (Europe/Rome), level, current
-- status and ente: what the ente x month report of a whole year reads,
-- a few thousand rows instead of a year of tickets. Kept by row triggers
-- beside ticket_counts' (SQLite has no other kind).
CREATE TABLE ticket_month_counts (
    opened_year  INTEGER NOT NULL,
    opened_month INTEGER NOT NULL,
    level        INTEGER NOT NULL,
    status       TEXT NOT NULL,
    ente_code    TEXT NOT NULL,
    n            BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (opened_year, opened_month, level, status, ente_code)
);

INSERT INTO ticket_month_counts (opened_year, opened_month, level, status, ente_code, n)
SELECT opened_year, opened_month, level, status, ente_code, COUNT(*) FROM tickets GROUP BY 1, 2, 3, 4, 5;

-- +goose StatementBegin
CREATE TRIGGER ticket_month_counts_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO ticket_month_counts (opened_year, opened_month, level, status, ente_code, n)
    VALUES (NEW.opened_year, NEW.opened_month, NEW.level, NEW.status, NEW.ente_code, 1)
    ON CONFLICT (opened_year, opened_month, level, status, ente_code) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_month_counts_update AFTER UPDATE OF opened_year, opened_month, level, status, ente_code ON tickets
WHEN OLD.opened_year IS NOT NEW.opened_year OR OLD.opened_month IS NOT NEW.opened_month OR OLD.level IS NOT NEW.level
    OR OLD.status IS NOT NEW.status OR OLD.ente_code IS NOT NEW.ente_code
BEGIN
    UPDATE ticket_month_counts SET n = n - 1
    WHERE opened_year = OLD.opened_year AND opened_month = OLD.opened_month AND level = OLD.level
        AND status = OLD.status AND ente_code = OLD.ente_code;
    INSERT INTO ticket_month_counts (opened_year, opened_month, level, status, ente_code, n)
    VALUES (NEW.opened_year, NEW.opened_month, NEW.level, NEW.status, NEW.ente_code, 1)
    ON CONFLICT (opened_year, opened_month, level, status, ente_code) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ticket_month_counts_delete AFTER DELETE ON tickets BEGIN
    UPDATE ticket_month_counts SET n = n - 1
    WHERE opened_year = OLD.opened_year AND opened_month = OLD.opened_month AND level = OLD.level
        AND status = OLD.status AND ente_code = OLD.ente_code;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER ticket_month_counts_delete;
DROP TRIGGER ticket_month_counts_update;
DROP TRIGGER ticket_month_counts_insert;
DROP TABLE ticket_month_counts;
