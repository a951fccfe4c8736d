#!/usr/bin/env bash
# The regression and pgTAP suites once more, with the server running under
# valgrind memcheck, and a report of every valgrind error whose stack passes
# through pgmigrate's own code.  Slow (minutes); not part of scripts/test.sh.
#
#   sudo scripts/valgrind.sh
#   sudo REGRESS="derive lint" scripts/valgrind.sh   only these regression
#                                                    tests, no pgTAP
#
# PostgreSQL from Debian is not built with USE_VALGRIND, so valgrind also
# reports some of the server's own well-known false positives (uninitialised
# padding written to WAL and the like); those do not involve pgmigrate.so
# and are counted, not listed.  Exit status 1 when an error involves
# pgmigrate.so.
set -euo pipefail

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGM_ROOT
cd "$PGM_ROOT"
# shellcheck source=scripts/setup.sh
. scripts/setup.sh
pgm_prepare valgrind.sh
command -v valgrind >/dev/null 2>&1 || { apt-get install -y -qq valgrind >/dev/null; }
logs=$(mktemp -d)
chown postgres: "$logs"
server=
cleanup() {
    if [ -n "$server" ]; then
        as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w -t 300 stop >/dev/null 2>&1 || true
    fi
    cluster_stop
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# initdb and settings as for the tests, then the same server under valgrind
cluster_start valgrind
cluster_crash
# the settings were written for pg_ctl -o, which a shell splits: so do we
eval "set -- $PGM_CLUSTER_OPTS"
as_postgres valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=no \
    --leak-check=no --num-callers=30 --log-file="$logs/valgrind.%p.log" \
    "$PGM_PGBIN/postgres" -D "$PGM_CLUSTER_DIR/data" "$@" >"$logs/server.log" 2>&1 &
server=$!
ready=
for _ in $(seq 1 300); do
    if "$PGM_PGBIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT"; then ready=1; break; fi
    kill -0 "$server" 2>/dev/null || break
    sleep 1
done
[ -n "$ready" ] || { cat "$logs/server.log" >&2; echo "the server did not start under valgrind" >&2; exit 1; }

status=0
if [ -n "${REGRESS:-}" ]; then
    make installcheck REGRESS="$REGRESS" || status=1
else
    make installcheck || status=1
    createdb pgmigrate_tap
    pg_prove --ext .sql -d pgmigrate_tap test/*.sql || status=1
fi
as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w -t 300 stop >/dev/null
server=

# every error block is "==pid== " lines; keep those whose stack names pgmigrate.so
errors_total=$(grep -h -c "^==[0-9]*== [A-Z].*\(Invalid\|uninitialised\|Uninitialised\|Mismatched\|overlap\)" "$logs"/valgrind.*.log 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
ours=$(awk '/^==[0-9]+== [A-Z]/ { block = $0 "\n"; inblock = 1; next }
            inblock && /^==[0-9]+== *$/ { if (block ~ /pgmigrate\.so/) { print block; n++ } inblock = 0; next }
            inblock { block = block $0 "\n" }
            END { }' "$logs"/valgrind.*.log)
echo "valgrind: $errors_total error reports in all, $(printf '%s' "$ours" | grep -c 'pgmigrate\.so' || true) stack lines in pgmigrate.so"
if [ -n "$ours" ]; then
    printf '%s\n' "$ours"
    status=1
fi
exit $status
