-- +goose Up
-- Alerts and warnings counted per probe and hour instead of a row per log
-- line: most lines of a nagios.log are alerts that only the monthly counts
-- need. hour is the Unix time of the hour's start (UTC hours fall whole
-- into a month of Europe/Rome, whose offset is whole hours); at_year and
-- at_month are that month. imported is the largest count any imported log
-- gave the hour, so importing a log again adds nothing; live counts the
-- state changes received live; an hour counts the larger of the two, as a
-- log holds every change that was also sent live.
CREATE TABLE monitoring_alert_hours (
    host     TEXT NOT NULL,
    service  TEXT NOT NULL DEFAULT '',
    hour     INTEGER NOT NULL,
    at_year  INTEGER NOT NULL,
    at_month INTEGER NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0,
    live     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (host, service, hour)
);
CREATE INDEX monitoring_alert_hours_month ON monitoring_alert_hours (at_year, at_month);
-- The alerts stored as rows so far, as if imported.
INSERT INTO monitoring_alert_hours (host, service, hour, at_year, at_month, imported)
SELECT host, service, (CAST(strftime('%s', at) AS INTEGER) / 3600) * 3600, at_year, at_month, COUNT(*)
FROM monitoring_events WHERE alert
GROUP BY host, service, (CAST(strftime('%s', at) AS INTEGER) / 3600) * 3600, at_year, at_month;
DROP INDEX monitoring_events_alerts;

-- Response times (perfdata time=) counted by value per probe and hour, in
-- the same way: SLA.3's maximum and percentiles are exact from the counts.
CREATE TABLE monitoring_response_hours (
    host       TEXT NOT NULL,
    service    TEXT NOT NULL DEFAULT '',
    hour       INTEGER NOT NULL,
    response_s DOUBLE PRECISION NOT NULL,
    imported   INTEGER NOT NULL DEFAULT 0,
    live       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (host, service, hour, response_s)
);
INSERT INTO monitoring_response_hours (host, service, hour, response_s, imported)
SELECT host, service, (CAST(strftime('%s', at) AS INTEGER) / 3600) * 3600, response_s, COUNT(*)
FROM monitoring_events WHERE response_s IS NOT NULL
GROUP BY host, service, (CAST(strftime('%s', at) AS INTEGER) / 3600) * 3600, response_s;

-- +goose Down
DROP TABLE monitoring_response_hours;
CREATE INDEX monitoring_events_alerts ON monitoring_events (at_year, at_month, host, service) WHERE alert;
DROP TABLE monitoring_alert_hours;
