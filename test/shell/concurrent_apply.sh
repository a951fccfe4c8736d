#!/usr/bin/env bash
# Concurrent apply: 8 sessions call migrate.apply('head') at the same moment
# on 200 pending revisions.  The advisory lock must serialise them so that
# every revision runs exactly once and every session succeeds: one session
# applies all 200, the others find nothing left to do.
#
# Run by scripts/test.sh against its cluster (PGHOST/PGPORT/PGUSER); run
# alone (as root) it starts a throwaway cluster of its own.  Uses its own
# database, dropped on exit.
set -euo pipefail

SESSIONS=8
REVISIONS=200
GATE_KEY=731400917      # advisory lock the sessions queue on before the apply

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PGM_ROOT=${PGM_ROOT:-$(cd "$here/../.." && pwd)}
work=$(mktemp -d)
db="pgm_concurrent_$$"
gate_pid=
pids=()
started_cluster=

cleanup() {
    local p
    for p in $gate_pid "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    if [ -n "${PGHOST:-}" ]; then
        dropdb --if-exists "$db" 2>/dev/null || true
    fi
    rm -rf "$work"
    if [ -n "$started_cluster" ]; then cluster_stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT     # so that the EXIT trap runs on ^C and on kill
trap 'exit 143' TERM

if [ -z "${PGHOST:-}" ]; then
    # shellcheck source=scripts/cluster.sh
    . "$PGM_ROOT/scripts/cluster.sh"
    started_cluster=1
    cluster_start concurrent
fi

failures=0
check() {           # check DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "PASS: $1 ($3)"
    else
        echo "FAIL: $1: expected $2, got $3"
        failures=$((failures + 1))
    fi
}

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

createdb "$db"
q -c 'CREATE EXTENSION pgmigrate'
q <<SQL
DO \$\$
DECLARE
    id text;
    prev text;
BEGIN
    FOR i IN 1..$REVISIONS LOOP
        id := 'c' || lpad(i::text, 4, '0');
        PERFORM migrate.add(id,
            format('CREATE TABLE conc_%s (id int PRIMARY KEY, note text)', i),
            format('DROP TABLE conc_%s', i),
            CASE WHEN prev IS NULL THEN '{}'::text[] ELSE ARRAY[prev] END);
        prev := id;
    END LOOP;
END
\$\$;
SQL
check "revisions registered" "$REVISIONS" "$(q -c 'SELECT count(*) FROM migrate.revisions')"

# The gate: one session holds the advisory lock until all the others are
# queued on it, then lets go, so that they all call apply at once.
gate_waiters="SELECT count(*) FROM pg_locks
               WHERE locktype = 'advisory' AND classid = 0 AND objid = $GATE_KEY
                 AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
q >"$work/gate.out" 2>&1 <<SQL &
SELECT pg_advisory_lock($GATE_KEY);
DO \$\$
BEGIN
    FOR i IN 1..600 LOOP    -- 60 s at most
        IF ($gate_waiters AND NOT granted) >= $SESSIONS THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(0.1);
    END LOOP;
    RAISE EXCEPTION 'only % of $SESSIONS sessions reached the gate in 60 s',
        ($gate_waiters AND NOT granted);
END
\$\$;
SELECT pg_advisory_unlock($GATE_KEY);
SQL
gate_pid=$!

for _ in $(seq 1 100); do
    [ "$(q -c "$gate_waiters AND granted")" = 1 ] && break
    sleep 0.1
done
check "gate holds its lock" 1 "$(q -c "$gate_waiters AND granted")"

for s in $(seq 1 "$SESSIONS"); do
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
        q >"$work/session$s.out" 2>"$work/session$s.err" <<SQL &
SELECT pg_advisory_lock_shared($GATE_KEY) \g /dev/null
SELECT pg_advisory_unlock_shared($GATE_KEY) \g /dev/null
SELECT count(*) FROM migrate.apply('head');
SQL
    pids+=($!)
done

gate_rc=0
wait "$gate_pid" || gate_rc=$?
gate_pid=
check "gate released all $SESSIONS sessions at once" 0 "$gate_rc"

ok=0 total=0 counts=()
for s in $(seq 1 "$SESSIONS"); do
    rc=0
    wait "${pids[$((s - 1))]}" || rc=$?
    if [ "$rc" -eq 0 ]; then
        ok=$((ok + 1))
    else
        echo "session $s exited $rc:"
        sed 's/^/    /' "$work/session$s.err"
    fi
    n=$(cat "$work/session$s.out")
    [[ $n =~ ^[0-9]+$ ]] || n=
    counts+=("${n:-none}")
    total=$((total + ${n:-0}))
done
pids=()     # all reaped: nothing left for cleanup to kill
echo "rows returned per session: ${counts[*]}"
check "sessions that succeeded" "$SESSIONS" "$ok"
check "rows returned across sessions" "$REVISIONS" "$total"
check "'apply' rows in migrate.log" "$REVISIONS" \
    "$(q -c "SELECT count(*) FROM migrate.log WHERE action = 'apply'")"
check "revisions applied exactly once (one log row each)" "$REVISIONS" \
    "$(q -c "SELECT count(*) FROM (SELECT revision FROM migrate.log WHERE action = 'apply'
                                  GROUP BY revision HAVING count(*) = 1) once")"
check "revisions with applied_at set" "$REVISIONS" \
    "$(q -c 'SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL')"
check "distinct apply_order values" "$REVISIONS" \
    "$(q -c 'SELECT count(DISTINCT apply_order) FROM migrate.revisions')"
check "tables created" "$REVISIONS" \
    "$(q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'conc\\_%'")"

if [ "$failures" -eq 0 ]; then
    echo "PASS: concurrent_apply"
else
    echo "FAIL: concurrent_apply ($failures checks failed)"
    exit 1
fi
