-- +goose Up
-- A record is identified by its natural key instead of a hash of it: the
-- key begins with the time, so an import in time order appends to the
-- unique index instead of inserting at random places in it. A log imported
-- twice still stores each record once (the plugin output is not part of
-- the key, as it was not part of the hash).
ALTER TABLE monitoring_events DROP COLUMN event_key;
ALTER TABLE monitoring_events ADD CONSTRAINT monitoring_events_record UNIQUE (at, host, service, kind, state, hard, attempt);

-- +goose Down
-- The hash the older code computes (domain's former MonitoringEvent.Key):
-- the first 16 bytes of the SHA-256 of the fields joined by NUL bytes.
ALTER TABLE monitoring_events DROP CONSTRAINT monitoring_events_record;
ALTER TABLE monitoring_events ADD COLUMN event_key TEXT COLLATE "C";
UPDATE monitoring_events SET event_key = left(encode(sha256(
    convert_to((EXTRACT(EPOCH FROM at) * 1000000000)::BIGINT::TEXT, 'UTF8') || '\x00'::BYTEA || convert_to(kind, 'UTF8')
    || '\x00'::BYTEA || convert_to(host, 'UTF8') || '\x00'::BYTEA || convert_to(service, 'UTF8') || '\x00'::BYTEA
    || convert_to(state, 'UTF8') || '\x00'::BYTEA || convert_to(CASE WHEN hard THEN 'true' ELSE 'false' END, 'UTF8')
    || '\x00'::BYTEA || convert_to(attempt::TEXT, 'UTF8')), 'hex'), 32);
ALTER TABLE monitoring_events ALTER COLUMN event_key SET NOT NULL;
ALTER TABLE monitoring_events ADD CONSTRAINT monitoring_events_event_key_key UNIQUE (event_key);
