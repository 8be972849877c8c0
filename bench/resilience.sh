#!/usr/bin/env bash
# Resilience suite (issue 5): builds and starts the real server on
# PostgreSQL, then SIGKILLs it, restarts and stops PostgreSQL, races ETags
# and sends SIGTERM under load. One PASS/FAIL line per check; exit status
# 1 on any failure. Takes about a minute; see RESILIENCE.md.
#
# It restarts the PostgreSQL cluster, so it needs root (or the postgres
# user) and must not share the cluster with anything that minds.
#
#   HELPDESK_RESILIENCE_DB_URL     database it creates and drops
#                                  (default postgres://helpdesk:helpdesk@127.0.0.1:5432/helpdesk_resilience?sslmode=disable)
#   HELPDESK_RESILIENCE_PG_CLUSTER "VERSION NAME" for pg_ctlcluster (default "15 main")
#
#   bench/resilience.sh          # run it
#   bench/resilience.sh -keep    # keep the database and the server log
set -euo pipefail
cd "$(dirname "$0")/.."
go build -o /tmp/helpdesk-resilience ./bench/resilience
exec /tmp/helpdesk-resilience "$@"
