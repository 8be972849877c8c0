#!/usr/bin/env bash
# Runs every fuzz target of the api package for a few seconds each, one
# after the other, starting from its seed corpus (f.Add) and from any
# failing inputs kept under api/testdata/fuzz/.
#
#   bench/fuzz.sh        # 10 seconds per target
#   bench/fuzz.sh 60     # 60 seconds per target
#   bench/fuzz.sh 3000x  # 3000 inputs per target (what CI runs)
#
# A failing input is written to api/testdata/fuzz/<Target>/ by go test;
# commit it so that plain `go test ./api` replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZTIME:-10}}"
# A number is seconds; "3000x" is a count of inputs. A count has no deadline,
# so it cannot end as "context deadline exceeded" when the time runs out
# while a worker is still minimising an input (seen in CI on a loaded box).
case "$seconds" in *x) fuzztime="$seconds" ;; *) fuzztime="${seconds}s" ;; esac
targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' api/*_test.go | sed 's/^func //')
status=0
for t in $targets; do
	echo "== $t ($fuzztime)"
	if ! go test ./api -run='^$' -fuzz="^${t}\$" -fuzztime="$fuzztime"; then
		echo "FAIL $t"
		status=1
	fi
done
exit $status
