-- +goose Up
-- Validity ranges of each ticket's status and level, so that any report can
-- be read as at an instant in SQL: the state at T is the range with
-- valid_from <= T < valid_to (valid_to NULL: the current state). The
-- repository writes them in the same transaction as every state change
-- (create, each action, the import). The ticket's fixed group columns are
-- copied in, so an as-of report reads this table alone.
CREATE TABLE ticket_states (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id    BIGINT NOT NULL REFERENCES tickets(id),
    status       TEXT NOT NULL,
    level        INTEGER NOT NULL,
    valid_from   DATETIME NOT NULL,
    valid_to     DATETIME,
    ente_code    TEXT NOT NULL,
    service      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    opened_at    DATETIME NOT NULL,
    opened_year  INTEGER NOT NULL,
    opened_month INTEGER NOT NULL
);
-- One current range per ticket; the repository closes it by this index.
CREATE UNIQUE INDEX ticket_states_current ON ticket_states (ticket_id) WHERE valid_to IS NULL;
-- An as-of report starts from the current figures (the rollups) and
-- corrects them by the ranges that differ at the instant: current ranges
-- begun after it, and closed ranges that ended after it. Both are found
-- per year of opening by these two indexes, and are few when the instant
-- is late in the year read. They carry every group column, so the planner,
-- which cannot see how few they are (valid_from and the year of opening
-- are correlated), still reads them from the index alone.
CREATE INDEX ticket_states_begun ON ticket_states (opened_year, valid_from, status, level, ente_code, service, channel, opened_month, opened_at) WHERE valid_to IS NULL;
CREATE INDEX ticket_states_ended ON ticket_states (opened_year, valid_to, valid_from, status, level, ente_code, service, channel, opened_month, opened_at) WHERE valid_to IS NOT NULL;
-- SLA clocks as at an instant: the clocks of a period by start, with what
-- their state at the instant needs, from the index alone.
CREATE INDEX sla_clocks_started ON sla_clocks (started_at, code, deadline, stopped_at);

-- Existing tickets: one range per event that changed status or level.
INSERT INTO ticket_states (ticket_id, status, level, valid_from, valid_to, ente_code, service, channel, opened_at, opened_year, opened_month)
SELECT e.ticket_id, e.to_status, e.to_level, e.at, LEAD(e.at) OVER (PARTITION BY e.ticket_id ORDER BY e.id),
    t.ente_code, t.service, t.channel, t.opened_at, t.opened_year, t.opened_month
FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
WHERE e.from_status <> e.to_status OR e.from_level <> e.to_level;
-- Tickets without events (imported): nuovo from opening to closing, then
-- their closed status; or their current state since opening.
INSERT INTO ticket_states (ticket_id, status, level, valid_from, valid_to, ente_code, service, channel, opened_at, opened_year, opened_month)
SELECT t.id, 'nuovo', t.level, t.opened_at, t.closed_at, t.ente_code, t.service, t.channel, t.opened_at, t.opened_year, t.opened_month
FROM tickets t
WHERE t.closed_at IS NOT NULL AND t.status IN ('risolto', 'non_di_competenza')
    AND NOT EXISTS (SELECT 1 FROM ticket_states s WHERE s.ticket_id = t.id);
INSERT INTO ticket_states (ticket_id, status, level, valid_from, valid_to, ente_code, service, channel, opened_at, opened_year, opened_month)
SELECT t.id, t.status, t.level,
    CASE WHEN t.closed_at IS NOT NULL AND t.status IN ('risolto', 'non_di_competenza') THEN t.closed_at ELSE t.opened_at END,
    NULL, t.ente_code, t.service, t.channel, t.opened_at, t.opened_year, t.opened_month
FROM tickets t
WHERE NOT EXISTS (SELECT 1 FROM ticket_states s WHERE s.ticket_id = t.id AND s.valid_to IS NULL);

-- +goose Down
DROP INDEX sla_clocks_started;
DROP TABLE ticket_states;
