-- +goose Up
-- Notifications (issue 13). River's own tables are not here: River's
-- rivermigrate applies them right after these migrations (repository
-- Migrate), so a River upgrade brings its schema changes with it.

-- Webhook endpoints registered by admins; the secret is the Standard
-- Webhooks "whsec_" form, shown once at creation.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    secret          TEXT NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);

-- One row per delivery attempt: the log shown at /webhooks/{id}/deliveries
-- and the payload a manual redelivery sends again.
CREATE TABLE webhook_deliveries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id   BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    message_id   TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    status_code  INTEGER NOT NULL DEFAULT 0,
    duration_ms  BIGINT NOT NULL DEFAULT 0,
    error        TEXT NOT NULL DEFAULT '',
    attempted_at DATETIME NOT NULL
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);

-- The sweeper records a warning and a breach once per clock.
ALTER TABLE sla_clocks ADD COLUMN warned_at DATETIME;
ALTER TABLE sla_clocks ADD COLUMN breach_noticed_at DATETIME;
-- The sweeper's candidates: running clocks whose breach is not yet noticed.
CREATE INDEX sla_clocks_unnoticed ON sla_clocks (deadline) WHERE stopped_at IS NULL AND breach_noticed_at IS NULL;

-- E-mail recipients.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email_opt_out BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE enti ADD COLUMN office_email TEXT NOT NULL DEFAULT '';

-- Every e-mail the service sends, with its outcome.
CREATE TABLE mail_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    status     TEXT NOT NULL,
    error      TEXT NOT NULL DEFAULT '',
    ticket_id  BIGINT,
    outage_id  BIGINT,
    created_at DATETIME NOT NULL,
    sent_at    DATETIME
);
CREATE INDEX mail_log_by_id ON mail_log (created_at, id);

-- +goose Down
DROP TABLE mail_log;
ALTER TABLE enti DROP COLUMN office_email;
ALTER TABLE users DROP COLUMN email_opt_out;
ALTER TABLE users DROP COLUMN email;
DROP INDEX sla_clocks_unnoticed;
ALTER TABLE sla_clocks DROP COLUMN breach_noticed_at;
ALTER TABLE sla_clocks DROP COLUMN warned_at;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
