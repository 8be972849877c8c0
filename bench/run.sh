#!/usr/bin/env bash
# bench/run.sh: the benchmark of issue 5 in one command. It checks that
# PostgreSQL is up, creates a fresh database, builds and starts the server
# on it, seeds tickets, measures the ceiling with pgbench on the same
# database at the same concurrency, drives the API with bench/loadgen, and
# prints the comparison, runs the create's own SQL in pgbench as a
# reference, stops the server and drops the database, and then measures a
# server on a fresh SQLite file with PostgreSQL idle.
#
#   bench/run.sh                      # 1,000,000 tickets, 15 s per operation
#   BENCH_TICKETS=100000 BENCH_DURATION=5 bench/run.sh
#
# Environment (all optional):
#   BENCH_TICKETS    tickets to seed (default 1000000, at most 1000000)
#   BENCH_DURATION   measured seconds per operation and per pgbench run (default 15)
#   BENCH_CLIENTS    concurrent clients for the API and pgbench (default 8)
#   BENCH_OPS        loadgen operations (default create,get,list,take,resolve,stats,annual,entemonth)
#   BENCH_PORT       server port on 127.0.0.1 (default 18080)
#   BENCH_SQLITE_PORT port of the second server, on SQLite, for get beside creates (default 18090; 0 skips it)
#   BENCH_DB         database name (default helpdesk_bench; dropped and recreated)
#   BENCH_PGUSER / BENCH_PGPASSWORD   role with CREATEDB (default helpdesk / helpdesk)
#   BENCH_PGSSLMODE  sslmode of the server and of pgbench (default disable)
#   BENCH_KEEP_DB=1  keep the database afterwards (to rerun loadgen by hand)
#   BENCH_PPROF=1    start the server with HELPDESK_PPROF_ADDR=$BENCH_PPROF_ADDR (default 127.0.0.1:6060)
#   BENCH_SERVER_ENV extra VAR=value words for the server (e.g. GOMAXPROCS=2)
# Results are also written to bench/results/<timestamp>.txt (git-ignored).
set -euo pipefail

cd "$(dirname "$0")/.."
TICKETS=${BENCH_TICKETS:-1000000}
DURATION=${BENCH_DURATION:-15}
CLIENTS=${BENCH_CLIENTS:-8}
OPS=${BENCH_OPS:-create,get,list,take,resolve,stats,annual,entemonth}
PORT=${BENCH_PORT:-18080}
SQLITE_PORT=${BENCH_SQLITE_PORT:-18090}
DB=${BENCH_DB:-helpdesk_bench}
# The server and pgbench connect the same way: over loopback without TLS
# (libpq and pgx would otherwise negotiate TLS, which costs the server
# ~15% of its CPU per create; see BENCHMARKS.md).
export PGHOST=127.0.0.1 PGPORT=5432 PGSSLMODE=${BENCH_PGSSLMODE:-disable}
export PGUSER=${BENCH_PGUSER:-helpdesk} PGPASSWORD=${BENCH_PGPASSWORD:-helpdesk}
DBURL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$DB?sslmode=$PGSSLMODE"
ADMIN_PASSWORD="bench-$(head -c 9 /dev/urandom | base64 | tr -d '/+=')"

mkdir -p bench/results
RESULTS="bench/results/$(date -u +%Y%m%dT%H%M%SZ).txt"
exec > >(tee -a "$RESULTS") 2>&1

WORK=$(mktemp -d /tmp/helpdesk-bench.XXXXXX)
SERVER_PID=
LITE_PID=
cleanup() {
	local rc=$?
	if [[ -n $LITE_PID ]] && kill -0 "$LITE_PID" 2>/dev/null; then
		kill -TERM "$LITE_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$LITE_PID" 2>/dev/null || break; sleep 0.2; done
	fi
	if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null || true
		for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	fi
	if [[ ${BENCH_KEEP_DB:-0} != 1 ]]; then
		dropdb --if-exists --force "$DB" 2>/dev/null || true
	else
		echo "kept database $DB ($DBURL)"
	fi
	rm -rf "$WORK"
	echo "results: $RESULTS"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_server stops the server on PostgreSQL (SIGTERM; SIGKILL after 30 s,
# which is said) and prints how long it took.
stop_server() {
	[[ -n $SERVER_PID ]] || return 0
	local t0=$SECONDS
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$SERVER_PID" 2>/dev/null; then
		echo "server pid $SERVER_PID had not exited 30 s after SIGTERM: killed"
		kill -KILL "$SERVER_PID" 2>/dev/null || true
	else
		echo "server pid $SERVER_PID exited $((SECONDS - t0)) s after SIGTERM"
	fi
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}
say() { printf '\n== %s\n' "$*"; }
psqlq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
# checkpoint flushes what the previous step dirtied, so that it is not
# charged to the next one. It needs a superuser (or pg_checkpoint).
checkpoint() {
	psqlq -c 'CHECKPOINT' 2>/dev/null || checkpoint_cluster
}
checkpoint_cluster() {
	psql -X -q -d postgres -c 'CHECKPOINT' 2>/dev/null ||
		{ [[ $(id -u) == 0 ]] && runuser -u postgres -- psql -X -q -p "$PGPORT" -c 'CHECKPOINT' >/dev/null 2>&1; } || true
}
# p99 prints the 99th percentile, in ms, of the latencies (µs, third
# field) of pgbench's per-transaction logs.
p99() {
	cat "$@" | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {i=int(NR*0.99+0.5); if (i<1) i=1; printf "%.2f", a[i]/1000}'
}

say "machine"
echo "date:       $(date -u +%FT%TZ)"
echo "commit:     $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo "cpu:        $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "memory:     $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "go:         $(go version | cut -d' ' -f3-)"
echo "sslmode:    $PGSSLMODE (server and pgbench)"
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (before the run)"
echo "busiest processes before the run (%CPU over one second):"
top -b -n 2 -d 1 -o %CPU -w 200 | awk '/^top -/ {n++} n == 2' | sed -n '8,12p' | awk '{printf "  %5s %s\n", $9, $12}'

say "(a) PostgreSQL on $PGHOST:$PGPORT"
if ! pg_isready -q -h "$PGHOST" -p "$PGPORT" -t 3; then
	if [[ $(id -u) == 0 ]] && command -v pg_ctlcluster >/dev/null; then
		pg_ctlcluster "$(pg_lsclusters -h | awk -v p="$PGPORT" '$3==p {print $1; exit}')" \
			"$(pg_lsclusters -h | awk -v p="$PGPORT" '$3==p {print $2; exit}')" start || true
	fi
	for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" -p "$PGPORT" && break; sleep 1; done
	pg_isready -h "$PGHOST" -p "$PGPORT"
fi
psql -X -At -d postgres -c "SELECT version()"
psql -X -At -d postgres -c "SELECT name || ' = ' || setting || COALESCE(' ' || unit, '') FROM pg_settings
	WHERE name IN ('synchronous_commit', 'fsync', 'full_page_writes', 'wal_sync_method', 'shared_buffers',
	               'effective_cache_size', 'work_mem', 'max_connections', 'max_wal_size', 'checkpoint_timeout', 'jit')
	ORDER BY name" | sed 's/^/  /'
[[ $(psql -X -At -d postgres -c "SHOW synchronous_commit") == on ]] || { echo "synchronous_commit is not on: commits would not be durable"; exit 1; }

say "(b) fresh database $DB"
dropdb --if-exists --force "$DB"
createdb "$DB"

say "(c) build and start the server on 127.0.0.1:$PORT"
go build -o "$WORK/helpdesk" ./cmd/helpdesk
go build -o "$WORK/loadgen" ./bench/loadgen
SERVER_ENV=(HELPDESK_ADDR="127.0.0.1:$PORT" HELPDESK_DATABASE_URL="$DBURL" HELPDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD"
	HELPDESK_LOG_LEVEL=warn HELPDESK_JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '/+=')")
[[ ${BENCH_PPROF:-0} == 1 ]] && SERVER_ENV+=(HELPDESK_PPROF_ADDR=${BENCH_PPROF_ADDR:-127.0.0.1:6060})
# shellcheck disable=SC2206 # BENCH_SERVER_ENV is a list of words on purpose
SERVER_ENV+=(${BENCH_SERVER_ENV:-})
# ready PORT PID LOG waits for a server's /readyz, showing its log if it
# dies or does not become ready.
ready() {
	for _ in $(seq 1 120); do
		curl -fsS "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
		kill -0 "$2" 2>/dev/null || { cat "$3"; exit 1; }
		sleep 0.5
	done
	echo "server on port $1 did not become ready"
	cat "$3"
	exit 1
}
env "${SERVER_ENV[@]}" "$WORK/helpdesk" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
ready "$PORT" "$SERVER_PID" "$WORK/server.log"
echo "server pid $SERVER_PID ready ($(env "${SERVER_ENV[@]}" "$WORK/helpdesk" version))"

say "(d) seed $TICKETS tickets"
timeout 900 "$WORK/loadgen" seed -db "$DBURL" -tickets "$TICKETS"
MAXID=$(psqlq -c "SELECT max(id) FROM tickets")
# The seeded open queue has clocks already past their deadline. The
# server's SLA sweep (every minute) records each breach once, a
# transaction per clock: a one-off backlog, not the steady state the
# ratios are about, so wait for it to be worked off (at most 3 minutes).
UNNOTICED="SELECT count(*) FROM sla_clocks c JOIN tickets t ON t.id = c.ticket_id
	WHERE c.stopped_at IS NULL AND c.breach_noticed_at IS NULL AND c.deadline < now() AND t.status IN ('nuovo', 'aperto')"
BACKLOG=$(psqlq -c "$UNNOTICED")
T0=$SECONDS
while (( $(psqlq -c "$UNNOTICED") > 0 && SECONDS - T0 < 180 )); do sleep 2; done
echo "SLA sweep backlog after the seed: $BACKLOG breaches to record, $(psqlq -c "$UNNOTICED") left after $((SECONDS - T0)) s"

say "(e) ceiling: pgbench, $CLIENTS clients, ${DURATION}s each, -M prepared, synchronous_commit=on"
# The insert goes into a copy of tickets with all its indexes, defaults and
# constraints (LIKE ... INCLUDING ALL) and its own sequence, with the
# column set the API's insert writes, so the seeded table stays as it was.
psqlq <<-SQL
	DROP TABLE IF EXISTS bench_tickets;
	CREATE TABLE bench_tickets (LIKE tickets INCLUDING ALL);
	CREATE SEQUENCE bench_tickets_id_seq OWNED BY bench_tickets.id;
	ALTER TABLE bench_tickets ALTER COLUMN id SET DEFAULT nextval('bench_tickets_id_seq');
SQL
CODES="{$(psqlq -c "SELECT string_agg(code, ',' ORDER BY code) FROM enti")}"
NCODES=$(psqlq -c "SELECT count(*) FROM enti")
cat >"$WORK/insert.sql" <<-'SQL'
	\set e random(1, :ncodes)
	\set s random(1, 1000000000)
	INSERT INTO bench_tickets (ente_code, subject, description, service, channel, level, status, assignee_id, opened_by, opened_at, opened_year, opened_month, updated_at, closed_at, reason, external_id, version) VALUES ((:codes::text[])[:e], 'pgbench ticket ' || :s, 'Aperta da pgbench per misurare il tetto.', 'sito_web', 'email', 1, 'nuovo', NULL, 1, now(), :year, :month, now(), NULL, '', NULL, 1) RETURNING id;
SQL
cat >"$WORK/get.sql" <<-'SQL'
	\set id random(1, :maxid)
	SELECT * FROM tickets WHERE id = :id LIMIT 1;
SQL
YEAR=$(TZ=Europe/Rome date +%Y)
MONTH=$(TZ=Europe/Rome date +%-m)
pgb() { # name script extra-args...
	local name=$1 script=$2
	shift 2
	checkpoint
	PGOPTIONS='-c synchronous_commit=on' timeout $((DURATION + 60)) \
		pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" -l --log-prefix="$WORK/pgb_$name" \
		-f "$script" "$@" "$DB" >"$WORK/pgb_$name.out" 2>&1 || { cat "$WORK/pgb_$name.out"; exit 1; }
	grep -E '^(number of transactions actually processed|number of failed|latency average|tps)' "$WORK/pgb_$name.out" | sed "s/^/  $name: /"
}
pgb insert "$WORK/insert.sql" -D ncodes="$NCODES" -D codes="$CODES" -D year="$YEAR" -D month="$MONTH"
CEIL_CREATE=$(awk '/^tps/ {print $3; exit}' "$WORK/pgb_insert.out")
CEIL_CREATE_P99=$(p99 "$WORK"/pgb_insert.*[0-9])
echo "  insert: p99 = $CEIL_CREATE_P99 ms"
psqlq -c "DROP TABLE bench_tickets"
pgb get "$WORK/get.sql" -D maxid="$MAXID"
CEIL_GET=$(awk '/^tps/ {print $3; exit}' "$WORK/pgb_get.out")
CEIL_GET_P99=$(p99 "$WORK"/pgb_get.*[0-9])
echo "  get: p99 = $CEIL_GET_P99 ms"
rm -f "$WORK"/pgb_*.[0-9]*

say "(f) API: loadgen, $CLIENTS clients, ${DURATION}s per operation"
checkpoint
timeout $((DURATION * 10 + 120)) "$WORK/loadgen" run -url "http://127.0.0.1:$PORT" -user admin -password "$ADMIN_PASSWORD" \
	-c "$CLIENTS" -d "${DURATION}s" -ops "$OPS" -pid "$SERVER_PID" -pg "$DBURL" -max-id "$MAXID" \
	-ceiling-create "$CEIL_CREATE" -ceiling-create-p99 "$CEIL_CREATE_P99" \
	-ceiling-get "$CEIL_GET" -ceiling-get-p99 "$CEIL_GET_P99" | tee "$WORK/loadgen.out"

say "(f2) reference: the API's whole create as SQL, in pgbench"
# What one POST /api/v1/tickets with an Idempotency-Key sends when no one
# is to be told of the new ticket (no enabled webhook subscribes to
# ticket.created, and a create never mails), as here, minus HTTP and Go:
# the idempotency look-up; the id from the sequence with the webhooks'
# subscriptions in the same statement; then one statement that writes the
# key and, only if the key was new, the ticket, its three clocks, its
# opening event and its first state range (the rollup triggers firing on
# the ticket and the clocks). No BEGIN/COMMIT: that statement is atomic on
# its own (repository.createTicketOneStatement). The enti, hours, closures
# and SLA targets come from the server's reference-data cache
# (repository/refcache.go), so they are not here. It runs after loadgen
# because it adds tickets to the table.
cat >"$WORK/create_path.sql" <<-'SQL'
	\set e random(1, :ncodes)
	\set s random(1, 9000000000000000000)
	SELECT scope, key, request_hash, location, body, created_at FROM idempotency_keys WHERE scope = '1 POST /api/v1/tickets' AND key = 'pgbench-' || :s LIMIT 1;
	SELECT nextval(pg_get_serial_sequence('tickets', 'id')) AS id, coalesce(string_agg(event_types, ','), '') AS types FROM webhooks WHERE enabled \gset
	WITH k AS (INSERT INTO idempotency_keys (scope, key, request_hash, location, body, created_at) VALUES ('1 POST /api/v1/tickets', 'pgbench-' || :s, 'hash', '/api/v1/tickets/' || :id, repeat('x', 1100), now()) ON CONFLICT (scope, key) DO NOTHING RETURNING 1), t AS (INSERT INTO tickets (id, ente_code, subject, description, service, channel, level, status, assignee_id, opened_by, opened_at, opened_year, opened_month, updated_at, closed_at, reason, external_id, version, entered_at, waiting_since, waiting_on, wait_until, wait_reason) SELECT :id, (:codes::text[])[:e], 'pgbench ticket', 'Aperta da pgbench.', 'sito_web', 'email', 1, 'nuovo', NULL, 1, now(), :year, :month, now(), NULL, '', NULL, 1, now(), NULL, '', NULL, '' WHERE EXISTS (SELECT 1 FROM k) RETURNING id), c AS (INSERT INTO sla_clocks (ticket_id, code, target_seconds, basis, started_at, deadline, stopped_at, elapsed_seconds) SELECT t.id, v.* FROM t, (VALUES ('SLA.6'::text, 3600::bigint, 'working'::text, now(), now() + interval '1 hour', NULL::timestamptz, 0::bigint), ('SLA.7', 21600, 'working', now(), now() + interval '6 hours', NULL, 0), ('SLA.8', 7200, 'calendar', now(), now() + interval '2 hours', NULL, 0)) AS v), e AS (INSERT INTO ticket_events (ticket_id, action, actor_id, actor_name, at, body, internal, from_status, to_status, from_level, to_level, entered_at, waiting_on, wait_until) SELECT t.id, 'open', 1, 'admin', now(), '', false, '', 'nuovo', 0, 1, now(), '', NULL FROM t), st AS (INSERT INTO ticket_states (ticket_id, status, level, valid_from, ente_code, service, channel, opened_at, opened_year, opened_month) SELECT t.id, 'nuovo', 1, now(), (:codes::text[])[:e], 'sito_web', 'email', now(), :year, :month FROM t) SELECT id FROM t;
SQL
if grep -q '^run: create ' "$WORK/loadgen.out"; then
	API_CREATE=$(awk '/^run: create / {print $7; exit}' "$WORK/loadgen.out")
	pgb create_path "$WORK/create_path.sql" -D ncodes="$NCODES" -D codes="$CODES" -D year="$YEAR" -D month="$MONTH"
	TX=$(awk '/^tps/ {print $3; exit}' "$WORK/pgb_create_path.out")
	echo "  create_path: p99 = $(p99 "$WORK"/pgb_create_path.*[0-9]) ms"
	awk -v tx="$TX" -v api="$API_CREATE" -v ins="$CEIL_CREATE" 'BEGIN {
		printf "  the create as SQL alone reaches %.1f%% of the single-row insert ceiling;\n", 100 * tx / ins
		printf "  the API reaches %.1f%% of it (%.0f of %.0f per second; target >= 80%%)\n", 100 * api / tx, api, tx }'
	rm -f "$WORK"/pgb_create_path.[0-9]*
fi

say "(g) notes"
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (after the PostgreSQL steps)"
if awk -v l="$LOAD_BEFORE" -v n="$(nproc)" 'BEGIN {exit !(l > n / 2)}'; then
	echo "CAVEAT: the load average was $LOAD_BEFORE on $(nproc) cores before the run: other work shared the"
	echo "        machine, so req/s, tps and p99s are noisy (pgbench and the API ran a minute apart);"
	echo "        the CPU µs per request are the steadier figures."
fi
echo "tickets:    $(psqlq -c "SELECT count(*) FROM tickets") ($TICKETS seeded, the rest created by loadgen)"
if grep -q '"level":"ERROR"' "$WORK/server.log"; then
	echo "server errors (first 5):"
	grep '"level":"ERROR"' "$WORK/server.log" | head -5
fi

# The SQLite step is a deployment without PostgreSQL: stop the server on
# PostgreSQL and drop its database first, so that neither it nor the
# database's background work (autovacuum of a million fresh rows, the
# checkpointer) takes the CPU that SQLite's step measures.
say "(h) stop the server on PostgreSQL and drop $DB"
stop_server
if [[ ${BENCH_KEEP_DB:-0} != 1 ]]; then
	dropdb --if-exists --force "$DB"
	checkpoint_cluster
fi

if [[ $SQLITE_PORT != 0 ]]; then
	say "(f3) SQLite, the default: get with $CLIENTS clients while one client creates"
	# A fresh SQLite file: create fills it for a window, then getmix reads
	# with $CLIENTS clients (half of them the tickets just made) while one
	# more client keeps creating. The read pool must keep reads off the
	# writer: no errors, and the target is >= 5000 req/s.
	LITE_ENV=(HELPDESK_ADDR="127.0.0.1:$SQLITE_PORT" HELPDESK_DATABASE_URL="$WORK/lite.db" HELPDESK_ADMIN_PASSWORD="$ADMIN_PASSWORD"
		HELPDESK_LOG_LEVEL=warn HELPDESK_JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '/+=')")
	# shellcheck disable=SC2206
	LITE_ENV+=(${BENCH_SERVER_ENV:-})
	env "${LITE_ENV[@]}" "$WORK/helpdesk" serve >"$WORK/lite.log" 2>&1 &
	LITE_PID=$!
	ready "$SQLITE_PORT" "$LITE_PID" "$WORK/lite.log"
	timeout $((DURATION * 4 + 120)) "$WORK/loadgen" run -url "http://127.0.0.1:$SQLITE_PORT" -user admin -password "$ADMIN_PASSWORD" \
		-c "$CLIENTS" -d "${DURATION}s" -ops create,getmix -pid "$LITE_PID" | tee "$WORK/lite.out"
	kill -TERM "$LITE_PID" 2>/dev/null || true
	wait "$LITE_PID" 2>/dev/null || true
	LITE_PID=
fi

echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (after the run)"
