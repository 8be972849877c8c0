-- +goose Up
-- Tickets by year and month of opening (Europe/Rome), level, current
-- status and ente: what the ente x month report of a whole year reads,
-- a few thousand rows instead of a year of tickets. Kept by the same
-- trigger function as ticket_counts, in the same statement.
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

-- Inserts and deletes stay statement-level (an import batch is one
-- upsert per key). An update is now a row trigger that fires only when a
-- counted column changed: a reply, a note or a clock-only action no
-- longer runs the function or builds transition tables. Its two rows
-- (old key -1, new key +1) go in key order, so concurrent moves between
-- the same keys cannot deadlock.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO ticket_counts AS tc (opened_year, level, status, ente_code, n)
        SELECT opened_year, level, status, ente_code, COUNT(*) FROM new_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
        INSERT INTO ticket_month_counts AS tc (opened_year, opened_month, level, status, ente_code, n)
        SELECT opened_year, opened_month, level, status, ente_code, COUNT(*) FROM new_rows
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (opened_year, opened_month, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    ELSE
        INSERT INTO ticket_counts AS tc (opened_year, level, status, ente_code, n)
        SELECT opened_year, level, status, ente_code, -COUNT(*) FROM old_rows
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
        INSERT INTO ticket_month_counts AS tc (opened_year, opened_month, level, status, ente_code, n)
        SELECT opened_year, opened_month, level, status, ente_code, -COUNT(*) FROM old_rows
        GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (opened_year, opened_month, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION ticket_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_counts AS tc (opened_year, level, status, ente_code, n)
    SELECT * FROM (VALUES (OLD.opened_year, OLD.level, OLD.status, OLD.ente_code, -1::bigint),
                          (NEW.opened_year, NEW.level, NEW.status, NEW.ente_code, 1::bigint)) AS v
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (opened_year, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    INSERT INTO ticket_month_counts AS tc (opened_year, opened_month, level, status, ente_code, n)
    SELECT * FROM (VALUES (OLD.opened_year, OLD.opened_month, OLD.level, OLD.status, OLD.ente_code, -1::bigint),
                          (NEW.opened_year, NEW.opened_month, NEW.level, NEW.status, NEW.ente_code, 1::bigint)) AS v
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (opened_year, opened_month, level, status, ente_code) DO UPDATE SET n = tc.n + EXCLUDED.n;
    RETURN NULL;
END $$;
-- +goose StatementEnd

DROP TRIGGER ticket_counts_update ON tickets;
CREATE TRIGGER ticket_counts_update AFTER UPDATE OF opened_year, opened_month, level, status, ente_code ON tickets
    FOR EACH ROW WHEN (OLD.opened_year IS DISTINCT FROM NEW.opened_year OR OLD.opened_month IS DISTINCT FROM NEW.opened_month
        OR OLD.level IS DISTINCT FROM NEW.level OR OLD.status IS DISTINCT FROM NEW.status OR OLD.ente_code IS DISTINCT FROM NEW.ente_code)
    EXECUTE FUNCTION ticket_counts_move();

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tickets' THEN
        DELETE FROM ticket_counts;
        DELETE FROM ticket_month_counts;
    END IF;
    DELETE FROM sla_counts;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rollups_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tickets' THEN
        DELETE FROM ticket_counts;
    END IF;
    DELETE FROM sla_counts;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER ticket_counts_update ON tickets;
CREATE TRIGGER ticket_counts_update AFTER UPDATE ON tickets
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ticket_counts_apply();
DROP FUNCTION ticket_counts_move();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION ticket_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
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
DROP TABLE ticket_month_counts;
