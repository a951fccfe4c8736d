#!/usr/bin/env bash
# Benchmark in instructions, not seconds: what apply and rollback cost the
# server over the same DDL run straight through psql.
#
#   sudo bench/instructions.sh          (PGM_BENCH_N=200)
#
# Wall-clock figures on a small shared machine move by 20 % from one run to
# the next; instruction counts do not.  The server runs under valgrind's
# callgrind, which counts every instruction each backend executes.  N
# revisions as in bench/apply_rollback.sh (a table and an index each, down
# DROP TABLE) are registered in one session; apply('head') runs in a second
# and rollback('base') in a third; the floors are the same ups in one
# psql -1 and the same downs in another, in a database without the
# extension.  Each figure is the whole backend of its session, connection
# included (the same for all five).  Prints instructions and ratios; same
# binary, same inputs, same figures.
set -euo pipefail

N=${PGM_BENCH_N:-200}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin bench_instructions
command -v valgrind >/dev/null 2>&1 || { apt-get install -y -qq valgrind >/dev/null; }

# the same cluster, started again under callgrind
chmod 0755 "$work"
cg=$work/callgrind
mkdir -p "$cg"
chown postgres: "$cg"
cluster_crash
eval "set -- $PGM_CLUSTER_OPTS"
as_postgres valgrind --quiet --tool=callgrind --trace-children=yes \
    --callgrind-out-file="$cg/cg.%p" \
    "$PGM_PGBIN/postgres" -D "$PGM_CLUSTER_DIR/data" "$@" >"$work/server.log" 2>&1 &
server=$!
stop_server() {
    as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w -t 300 stop >/dev/null 2>&1 || true
}
trap 'stop_server; bench_end' EXIT
for _ in $(seq 1 300); do
    "$PGM_PGBIN/pg_isready" -q -h "$PGHOST" -p "$PGPORT" && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 1
done

bench_ddl_workload "$N"

# session DB FILE-OR-SQL: run it in a session of its own; print that
# backend's pid
session() {
    local db=$1 what=$2
    if [ -f "$what" ]; then
        { echo "SELECT pg_backend_pid();"; cat "$what"; } | psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -1 2>/dev/null | awk 'NR == 1'
    else
        psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT pg_backend_pid()" -c "$what" 2>/dev/null | awk 'NR == 1'
    fi
}

createdb bench_pgm
createdb bench_floor
psql -X -q -d bench_pgm -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
pid_register=$(PGOPTIONS='-c client_min_messages=error' session bench_pgm "$work/register.sql")
pid_apply=$(session bench_pgm "SELECT count(*) FROM migrate.apply('head')")
pid_rollback=$(session bench_pgm "SELECT count(*) FROM migrate.rollback('base')")
pid_floor_up=$(session bench_floor "$work/floor_up.sql")
pid_floor_down=$(session bench_floor "$work/floor_down.sql")
stop_server
wait "$server" 2>/dev/null || true

# instructions PID: the total callgrind wrote for that backend
instructions() {
    awk '/^(summary|totals):/ { print $2; exit }' "$cg/cg.$1"
}
register=$(instructions "$pid_register")
apply=$(instructions "$pid_apply")
rollback=$(instructions "$pid_rollback")
floor_up=$(instructions "$pid_floor_up")
floor_down=$(instructions "$pid_floor_down")

echo "pgmigrate instruction counts: $N revisions, $(psql --version | head -n 1), server under callgrind"
awk -v r="$register" -v a="$apply" -v ro="$rollback" -v fu="$floor_up" -v fd="$floor_down" 'BEGIN {
    printf "%-34s %16s %8s\n", "step (one backend each)", "instructions", "ratio"
    printf "%-34s %16.0f %8s\n", "register (migrate.add x N)", r, ""
    printf "%-34s %16.0f %8.2f\n", "apply(\x27head\x27)", a, a / fu
    printf "%-34s %16.0f %8.2f\n", "floor up (psql -1, same DDL)", fu, 1
    printf "%-34s %16.0f %8.2f\n", "rollback(\x27base\x27)", ro, ro / fd
    printf "%-34s %16.0f %8.2f\n", "floor down (psql -1, same DDL)", fd, 1
}'
