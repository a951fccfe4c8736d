#!/usr/bin/env bash
# The guard and pg_upgrade's schema restore, on any PostgreSQL version:
# pg_dump --binary-upgrade attaches each of the extension's event triggers
# with ALTER EXTENSION pgmigrate ADD EVENT TRIGGER, in the server pg_upgrade
# starts in binary-upgrade mode (postgres -b), after the guard is back.  In
# that mode the guard lets it through and records nothing; started normally
# again, the guard refuses the same statement.  (test/shell/pg_upgrade.sh
# runs a whole pg_upgrade from 15 to 18.)
#
# Runs its own throwaway cluster (restarted in binary-upgrade mode), with
# the server binaries of the pg_config in PATH; needs root, like
# scripts/test.sh.
set -euo pipefail

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/cluster.sh
. "$PGM_ROOT/scripts/cluster.sh"
trap cluster_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cluster_start binary_upgrade >/dev/null
db=binary_upgrade
createdb "$db"

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { PGOPTIONS='-c client_min_messages=error' psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
same() { [ "$1" = "$2" ] || { echo "  expected: $1"; echo "  actual:   $2"; return 1; }; }
# what pg_dump --binary-upgrade writes after CREATE EVENT TRIGGER
reattach="ALTER EXTENSION pgmigrate DROP EVENT TRIGGER pgmigrate_guard_end;
ALTER EXTENSION pgmigrate ADD EVENT TRIGGER pgmigrate_guard_end;"

q "CREATE EXTENSION pgmigrate"
q "SELECT migrate.add('01', 'CREATE TABLE t (id int);', 'DROP TABLE t;')" >/dev/null
q "SELECT count(*) FROM migrate.apply()" >/dev/null
log_rows=$(q "SELECT count(*) FROM migrate.log")

out=$(q "$reattach" 2>&1 || true)
check "started normally, the guard refuses ALTER EXTENSION ... ADD" \
    same "ERROR:  cannot execute ALTER EXTENSION outside a migration" "$(echo "$out" | head -n 1)"

# as pg_upgrade starts the new cluster's server
as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w stop >/dev/null
PGM_CLUSTER_OPTS="$PGM_CLUSTER_OPTS -b"
cluster_restart
check "in binary-upgrade mode the guard lets the restore's ALTER EXTENSION through" q "$reattach"
check "the event trigger is the extension's again" same "1" \
    "$(q "SELECT count(*) FROM pg_depend WHERE classid = 'pg_event_trigger'::regclass AND deptype = 'e'
            AND objid = (SELECT oid FROM pg_event_trigger WHERE evtname = 'pgmigrate_guard_end')")"
check "and nothing is recorded" same "$log_rows" "$(q "SELECT count(*) FROM migrate.log")"

as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w stop >/dev/null
PGM_CLUSTER_OPTS=${PGM_CLUSTER_OPTS% -b}
cluster_restart
out=$(q "$reattach" 2>&1 || true)
check "started normally again, the guard refuses it" \
    same "ERROR:  cannot execute ALTER EXTENSION outside a migration" "$(echo "$out" | head -n 1)"
out=$(q "CREATE TABLE adhoc (id int)" 2>&1 || true)
check "and ad-hoc DDL" \
    same "ERROR:  cannot execute CREATE TABLE outside a migration" "$(echo "$out" | head -n 1)"

if [ "$failures" -gt 0 ]; then
    cluster_log | tail -n 30
    echo "binary_upgrade: $failures check(s) failed"
    exit 1
fi
echo "binary_upgrade: all checks passed"
