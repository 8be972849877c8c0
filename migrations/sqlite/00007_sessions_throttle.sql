-- +goose Up
-- Access tokens carry the user's session version; changing it (password,
-- deactivation, role, ente or level change, revoke-sessions) ends every
-- access token at once.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Failed logins per (account, address) and per address, so throttling
-- survives restarts and holds across replicas.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_failure  DATETIME NOT NULL,
    blocked_until DATETIME NOT NULL
);
CREATE INDEX login_throttle_last ON login_throttle (last_failure);

-- +goose Down
DROP TABLE login_throttle;
DROP INDEX refresh_tokens_user;
ALTER TABLE users DROP COLUMN session_version;
