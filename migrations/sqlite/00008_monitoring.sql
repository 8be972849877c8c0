-- +goose Up
-- Monitoring: the systems of the SLA table and the Nagios probes that
-- measure them, the availability SLAs as data, and every state record
-- received live or imported from nagios.log.
CREATE TABLE monitoring_systems (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    customer_facing BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at      DATETIME NOT NULL
);
-- service is '' for a host check.
CREATE TABLE monitoring_probes (
    system_code TEXT NOT NULL REFERENCES monitoring_systems(code) ON DELETE CASCADE,
    host        TEXT NOT NULL,
    service     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (system_code, host, service)
);
CREATE INDEX monitoring_probes_check ON monitoring_probes (host, service);
CREATE TABLE availability_slas (
    code        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    target      DOUBLE PRECISION NOT NULL
);
CREATE TABLE availability_sla_systems (
    sla_code    TEXT NOT NULL REFERENCES availability_slas(code) ON DELETE CASCADE,
    system_code TEXT NOT NULL REFERENCES monitoring_systems(code),
    PRIMARY KEY (sla_code, system_code)
);
-- SLA.3: the probe of the sample unauthenticated service whose perfdata
-- time= is the internal response time, and its ceiling.
CREATE TABLE response_slas (
    code        TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    target_ms   DOUBLE PRECISION NOT NULL,
    host        TEXT NOT NULL,
    service     TEXT NOT NULL
);
-- event_key is a hash of the record without its plugin output, so a log
-- imported twice stores each record once. at_year and at_month are the
-- month in Europe/Rome, kept so reports group the same way on every
-- database; alert is the domain's rule (a state change that is not OK or
-- UP), stored so SQL counts without repeating it.
CREATE TABLE monitoring_events (
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
-- Availability reads a probe's HARD states and downtimes in time order.
CREATE INDEX monitoring_events_probe ON monitoring_events (host, service, at) WHERE hard OR kind = 'downtime';
-- Alert counts per month.
CREATE INDEX monitoring_events_alerts ON monitoring_events (at_year, at_month, host, service) WHERE alert;

INSERT INTO monitoring_systems (code, name, kind, customer_facing, updated_at) VALUES
    ('CSDB1', 'Database 1', 'database', FALSE, '2017-01-01 00:00:00'),
    ('CSDB2', 'Database 2', 'database', FALSE, '2017-01-01 00:00:00'),
    ('CSICMS', 'Icms', 'cms', TRUE, '2017-01-01 00:00:00'),
    ('CSCMS', 'Portale dei servizi', 'portal', TRUE, '2017-01-01 00:00:00'),
    ('CSBO', 'Back office', 'backoffice', FALSE, '2017-01-01 00:00:00');
INSERT INTO monitoring_probes (system_code, host, service) VALUES
    ('CSDB1', 'csdb1', ''), ('CSDB1', 'csdb1', 'MySQL'),
    ('CSDB2', 'csdb2', ''), ('CSDB2', 'csdb2', 'MySQL'),
    ('CSICMS', 'csicms', ''), ('CSICMS', 'csicms', 'HTTP'),
    ('CSCMS', 'cscms', ''), ('CSCMS', 'cscms', 'HTTP'),
    ('CSBO', 'csbo', ''), ('CSBO', 'csbo', 'HTTP');
INSERT INTO availability_slas (code, description, target) VALUES
    ('SLA.1', 'Tasso di disponibilità (uptime) dei sistemi database (CSDB1 e CSDB2)', 99.0),
    ('SLA.2', 'Tasso di disponibilità (uptime) del sistema Icms (CSICMS)', 98.5),
    ('SLA.4', 'Tasso di disponibilità (uptime) del sistema di portale dei servizi (CSCMS)', 98.5),
    ('SLA.5', 'Tasso di accessibilità complessiva del sistema (Media valori CSDB1, CSDB2, CSCMS, CSICMS, CSBO)', 98.0);
INSERT INTO availability_sla_systems (sla_code, system_code) VALUES
    ('SLA.1', 'CSDB1'), ('SLA.1', 'CSDB2'), ('SLA.2', 'CSICMS'), ('SLA.4', 'CSCMS'),
    ('SLA.5', 'CSDB1'), ('SLA.5', 'CSDB2'), ('SLA.5', 'CSCMS'), ('SLA.5', 'CSICMS'), ('SLA.5', 'CSBO');
-- Outages (interruzioni) with their SLA.9 and SLA.10 notices, the systems
-- and the enti they affect.
CREATE TABLE outages (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at              DATETIME NOT NULL,
    intervention_started_at DATETIME,
    ended_at                DATETIME,
    planned                 BOOLEAN NOT NULL,
    cause                   TEXT NOT NULL DEFAULT '',
    public_text             TEXT NOT NULL DEFAULT '',
    offices_notice_at       DATETIME,
    users_notice_at         DATETIME,
    created_at              DATETIME NOT NULL,
    updated_at              DATETIME NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX outages_started ON outages (started_at DESC, id DESC);
CREATE TABLE outage_systems (
    outage_id   BIGINT NOT NULL REFERENCES outages(id) ON DELETE CASCADE,
    system_code TEXT NOT NULL REFERENCES monitoring_systems(code),
    PRIMARY KEY (outage_id, system_code)
);
CREATE TABLE outage_enti (
    outage_id BIGINT NOT NULL REFERENCES outages(id) ON DELETE CASCADE,
    ente_code TEXT NOT NULL REFERENCES enti(code),
    PRIMARY KEY (outage_id, ente_code)
);
-- An ente user lists the outages of their ente.
CREATE INDEX outage_enti_ente ON outage_enti (ente_code, outage_id);

-- SLA.11: each delivery of the malfunction report, with the period it covers.
CREATE TABLE outage_report_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    period_from  DATETIME NOT NULL,
    period_to    DATETIME NOT NULL,
    delivered_at DATETIME NOT NULL,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outage_report_deliveries_at ON outage_report_deliveries (delivered_at);

-- Icms serves the sample page that the Nagios wget probe fetches.
INSERT INTO response_slas (code, description, target_ms, host, service) VALUES
    ('SLA.3', 'Tempo max di risposta interna del servizio campione non soggetto ad autenticazione (rilevato mediante test Nagios wget)', 7, 'csicms', 'HTTP');

-- +goose Down
DROP TABLE outage_report_deliveries;
DROP TABLE outage_enti;
DROP TABLE outage_systems;
DROP TABLE outages;
DROP TABLE monitoring_events;
DROP TABLE response_slas;
DROP TABLE availability_sla_systems;
DROP TABLE availability_slas;
DROP TABLE monitoring_probes;
DROP TABLE monitoring_systems;
