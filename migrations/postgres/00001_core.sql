-- +goose Up
CREATE TABLE enti (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    contact_center BOOLEAN NOT NULL DEFAULT FALSE,
    ced_multiente  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    level         INTEGER NOT NULL DEFAULT 0,
    ente_code     TEXT REFERENCES enti(code),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES users(id),
    hash         BYTEA NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);

-- Refresh tokens rotate: each use replaces the token with a new one of the
-- same family; a second use of a replaced token revokes the whole family.
CREATE TABLE refresh_tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    family      TEXT NOT NULL,
    hash        BYTEA NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

CREATE TABLE tickets (
    id           BIGSERIAL PRIMARY KEY,
    ente_code    TEXT NOT NULL REFERENCES enti(code),
    subject      TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    service      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    level        INTEGER NOT NULL,
    status       TEXT NOT NULL,
    assignee_id  BIGINT REFERENCES users(id),
    opened_by    BIGINT,
    opened_at    TIMESTAMPTZ NOT NULL,
    -- year and month of opened_at in Europe/Rome, kept so reports group
    -- the same way on every database.
    opened_year  INTEGER NOT NULL,
    opened_month INTEGER NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    closed_at    TIMESTAMPTZ,
    reason       TEXT NOT NULL DEFAULT '',
    external_id  TEXT UNIQUE,
    version      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX tickets_opened ON tickets (opened_at DESC, id DESC);
CREATE INDEX tickets_ente_opened ON tickets (ente_code, opened_at DESC, id DESC);
CREATE INDEX tickets_status_opened ON tickets (status, opened_at DESC, id DESC);
CREATE INDEX tickets_assignee ON tickets (assignee_id) WHERE assignee_id IS NOT NULL;
CREATE INDEX tickets_report ON tickets (opened_year, level, status, ente_code);

CREATE TABLE ticket_events (
    id          BIGSERIAL PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets(id),
    action      TEXT NOT NULL,
    actor_id    BIGINT,
    actor_name  TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL,
    body        TEXT NOT NULL DEFAULT '',
    internal    BOOLEAN NOT NULL DEFAULT FALSE,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    from_level  INTEGER NOT NULL DEFAULT 0,
    to_level    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TABLE sla_clocks (
    ticket_id       BIGINT NOT NULL REFERENCES tickets(id),
    code            TEXT NOT NULL,
    target_seconds  BIGINT NOT NULL,
    basis           TEXT NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    deadline        TIMESTAMPTZ NOT NULL,
    stopped_at      TIMESTAMPTZ,
    elapsed_seconds BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_id, code)
);
CREATE INDEX sla_clocks_running ON sla_clocks (code, deadline) WHERE stopped_at IS NULL;

-- A retried create with the same key replays the first response.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE ente_closures (
    id        BIGSERIAL PRIMARY KEY,
    ente_code TEXT NOT NULL REFERENCES enti(code),
    month     INTEGER NOT NULL,
    day       INTEGER NOT NULL,
    year      INTEGER NOT NULL DEFAULT 0,
    from_year INTEGER NOT NULL DEFAULT 0,
    reason    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ente_closures_ente ON ente_closures (ente_code);

-- +goose Down
DROP TABLE ente_closures;
DROP TABLE settings;
DROP TABLE idempotency_keys;
DROP TABLE sla_clocks;
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE refresh_tokens;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE enti;
