#!/usr/bin/env bash
# Crashes in the middle of an apply: a backend killed with SIGKILL at random
# moments (PGM_CRASH_KILLS times, 20 by default), and the whole server
# stopped with pg_ctl -m immediate.  After each recovery the catalog and the
# schema agree: all of the apply happened or none of it, and a re-apply
# succeeds.
#
# Runs its own throwaway cluster (the crashes would disturb anybody else's);
# needs root, like scripts/test.sh.
set -euo pipefail

KILLS=${PGM_CRASH_KILLS:-20}
REVISIONS=${PGM_CRASH_REVISIONS:-300}
PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/cluster.sh
. "$PGM_ROOT/scripts/cluster.sh"
work=$(mktemp -d)
cleanup() {
    cluster_stop
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cluster_start crash
db=crash
createdb "$db"

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

# Revisions that take a moment each: a table, rows, an index.
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<SQL
SET client_min_messages = error;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('r' || lpad(i::text, 4, '0'),
                   format('CREATE TABLE c_%s (id int); INSERT INTO c_%s SELECT generate_series(1, 3000); CREATE INDEX c_%s_id ON c_%s (id);', i, i, i, i),
                   format('DROP TABLE c_%s;', i),
                   parents => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || lpad((i - 1)::text, 4, '0')] END)
  FROM generate_series(1, $REVISIONS) AS i;
SQL

# The catalog and the schema agree: every applied revision's table exists,
# no pending revision's does, and it is all or nothing.
consistent() {
    local applied tables mismatched
    applied=$(q "SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL")
    tables=$(q "SELECT count(*) FROM pg_class WHERE relname ~ '^c_[0-9]+\$' AND relkind = 'r'")
    mismatched=$(q "SELECT count(*) FROM migrate.revisions r
                     WHERE (r.applied_at IS NOT NULL) <> (to_regclass('c_' || ltrim(substr(r.id, 2), '0')) IS NOT NULL)")
    [ "$mismatched" = 0 ] && [ "$applied" = "$tables" ] && { [ "$applied" = 0 ] || [ "$applied" = "$REVISIONS" ]; }
}

reset_to_base() {
    if [ "$(q "SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL")" != 0 ]; then
        q "SET client_min_messages = error; SELECT count(*) FROM migrate.rollback('base', allow_data_loss => true)" >/dev/null
    fi
}

killed=0
completed=0
for round in $(seq 1 "$KILLS"); do
    psql -X -q -At -d "$db" -v ON_ERROR_STOP=1 \
         -c "SET application_name = 'pgm_crash'; SET client_min_messages = error" \
         -c "SELECT count(*) FROM migrate.apply()" >"$work/apply.out" 2>&1 &
    client=$!
    # kill the backend at a random moment of the apply
    sleep "0.$(( (RANDOM % 9) + 1 ))$(( RANDOM % 10 ))"
    pid=$(psql -X -At -d "$db" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgm_crash'" 2>/dev/null || true)
    if [ -n "$pid" ]; then
        kill -9 "$pid"
        killed=$((killed + 1))
    fi
    wait "$client" || true
    wait_ready
    if ! consistent; then
        echo "FAIL: round $round: catalog and schema disagree after the kill"
        failures=$((failures + 1))
    fi
    [ "$(q "SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL")" = "$REVISIONS" ] && completed=$((completed + 1))
    reset_to_base
done
check "$KILLS rounds: catalog and schema agreed after every kill ($killed killed mid-apply, $completed finished first)" [ "$failures" = 0 ]
check "most rounds killed the apply in the middle" [ "$killed" -ge $(( KILLS / 2 )) ]

# the whole server stopped with -m immediate in the middle of an apply
psql -X -q -At -d "$db" -c "SET client_min_messages = error" -c "SELECT count(*) FROM migrate.apply()" >"$work/apply.out" 2>&1 &
client=$!
sleep 0.5
cluster_crash
wait "$client" || true
cluster_restart
wait_ready
check "after an immediate shutdown the catalog and the schema agree" consistent
check "and the apply left nothing behind" [ "$(q "SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL")" = 0 ]

# a re-apply succeeds and applies everything exactly once
check "a re-apply succeeds" [ "$(q "SET client_min_messages = error; SELECT count(*) FROM migrate.apply()")" = "$REVISIONS" ]
check "everything is applied" consistent
check "each revision applied once since the last reset" \
    [ "$(q "SELECT count(*) FROM (SELECT revision FROM migrate.log WHERE action = 'apply' AND id > coalesce((SELECT max(id) FROM migrate.log WHERE action = 'rollback'), 0) GROUP BY revision HAVING count(*) > 1) d")" = 0 ]
check "no advisory lock is left behind" [ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ]

if [ "$failures" -gt 0 ]; then
    echo "crash: $failures check(s) failed"
    exit 1
fi
echo "crash: all checks passed"
