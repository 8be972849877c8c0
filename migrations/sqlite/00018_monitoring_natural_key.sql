-- +goose Up
-- A record is identified by its natural key instead of a hash of it: the
-- key begins with the time, so an import in time order appends to the
-- unique index instead of inserting at random places in it. A log imported
-- twice still stores each record once (the plugin output is not part of
-- the key, as it was not part of the hash). SQLite cannot drop the inline
-- UNIQUE of event_key, so the table is rebuilt.
CREATE TABLE monitoring_events_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    at_year     INTEGER NOT NULL,
    at_month    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    host        TEXT NOT NULL,
    service     TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    hard        BOOLEAN NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 0,
    alert       BOOLEAN NOT NULL,
    output      TEXT NOT NULL DEFAULT '',
    response_s  DOUBLE PRECISION,
    CONSTRAINT monitoring_events_record UNIQUE (at, host, service, kind, state, hard, attempt)
);
INSERT INTO monitoring_events_new (id, at, at_year, at_month, kind, host, service, state, hard, attempt, alert, output, response_s)
SELECT id, at, at_year, at_month, kind, host, service, state, hard, attempt, alert, output, response_s
FROM monitoring_events ORDER BY id;
DROP TABLE monitoring_events;
ALTER TABLE monitoring_events_new RENAME TO monitoring_events;
CREATE INDEX monitoring_events_probe ON monitoring_events (host, service, at) WHERE hard OR kind = 'downtime';

-- +goose Down
-- SQLite has no SHA-256: the restored event_key is the natural key as
-- text, unique but not the hash the older code computes, so a log
-- imported again after going back stores its records a second time.
CREATE TABLE monitoring_events_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key   TEXT NOT NULL UNIQUE,
    at          DATETIME NOT NULL,
    at_year     INTEGER NOT NULL,
    at_month    INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    host        TEXT NOT NULL,
    service     TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL,
    hard        BOOLEAN NOT NULL,
    attempt     INTEGER NOT NULL DEFAULT 0,
    alert       BOOLEAN NOT NULL,
    output      TEXT NOT NULL DEFAULT '',
    response_s  DOUBLE PRECISION
);
INSERT INTO monitoring_events_old (id, event_key, at, at_year, at_month, kind, host, service, state, hard, attempt, alert, output, response_s)
SELECT id, at || char(0) || kind || char(0) || host || char(0) || service || char(0) || state || char(0) || hard || char(0) || attempt,
       at, at_year, at_month, kind, host, service, state, hard, attempt, alert, output, response_s
FROM monitoring_events ORDER BY id;
DROP TABLE monitoring_events;
ALTER TABLE monitoring_events_old RENAME TO monitoring_events;
CREATE INDEX monitoring_events_probe ON monitoring_events (host, service, at) WHERE hard OR kind = 'downtime';
