#!/usr/bin/env bash
# Benchmark: a deploy over a network with a 10 ms round trip, and on a local
# socket, side by side in one run.
#
#   sudo bench/network.sh      (PGM_BENCH_SIZES="100 1000" PGM_BENCH_RUNS=3 PGM_BENCH_RTT_MS=10)
#
# For N revisions (each a table and an index; down: DROP TABLE, as in
# bench/apply_rollback.sh), over a delaying TCP proxy on loopback
# (bench/delay_proxy.py, half the round trip each way):
#   floor up        psql -1 -f of the same ups (one statement per round trip)
#   floor down      psql -1 -f of the same downs
#   apply('head')   SELECT migrate.apply('head') from psql (registered beforehand)
#   push + apply    the client: pgmigrate push, then pgmigrate apply
#   rollback base   the client: pgmigrate rollback base
# and on the local socket, the client's apply and rollback beside
# migrate.apply('head') and migrate.rollback('base') run from psql.
# Each run uses fresh databases; figures are medians, in wall-clock seconds
# as the client sees them, connections included.  Needs python3 (the proxy).
set -euo pipefail

SIZES=${PGM_BENCH_SIZES:-100 1000}
RUNS=${PGM_BENCH_RUNS:-3}
RTT=${PGM_BENCH_RTT_MS:-10}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v python3 >/dev/null || { echo "bench/network.sh needs python3 for its proxy" >&2; exit 1; }
bench_begin network
proxy_pid=
stop_proxy() { [ -z "$proxy_pid" ] || kill "$proxy_pid" 2>/dev/null || true; }
trap 'stop_proxy; bench_end' EXIT

proxy_port=$((PGPORT + 1))
python3 "$PGM_ROOT/bench/delay_proxy.py" "$proxy_port" "$PGHOST/.s.PGSQL.$PGPORT" \
    "$(awk -v r="$RTT" 'BEGIN { print r / 2 }')" &
proxy_pid=$!
for _ in $(seq 1 50); do
    psql -X -q -At -h 127.0.0.1 -p "$proxy_port" -d postgres -c 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.1
done
# every connection through the proxy: same server, same user, 10 ms away
remote() { PGHOST=127.0.0.1 PGPORT=$proxy_port PGSSLMODE=disable "$@"; }
quiet() { "$@" >"$work/out" 2>>"$work/stderr" || { echo "failed: $*" >&2; tail -5 "$work/stderr" >&2; return 1; }; }

# seconds COMMAND...: wall time of COMMAND, stdout and stderr kept in $work
seconds() {
    local t0=$EPOCHREALTIME t1
    if ! quiet "$@"; then
        echo "failed: $*" >&2
        tail -5 "$work/stderr" >&2
        exit 1
    fi
    t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
# pgmigrate_db NAME [push]: a fresh database with pgmigrate (and the migrations pushed, locally)
pgmigrate_db() {
    createdb "$1"
    psql -X -q -d "$1" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION pgmigrate'
    [ "${2:-}" != push ] || quiet pgmigrate -d "$1" --dir "$work/migrations" push
}
median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

rtt_measured=$(remote psql -X -q -At -d postgres -c '\timing on' -c 'SELECT 1' 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)
mkdir -p "$PGM_ROOT/bench/out"
out="$PGM_ROOT/bench/out/network.txt"
echo "pgmigrate over a ${RTT} ms round trip (SELECT 1 through the proxy: ${rtt_measured} ms), $RUNS runs" | tee "$out"

for N in $SIZES; do
    bench_ddl_workload "$N"
    rm -rf "$work/migrations"
    mkdir -p "$work/migrations"
    for i in $(seq 1 "$N"); do
        printf -- '-- migrate:up\n%s\n-- migrate:down\n%s\n' "$(sed -n "${i}p" "$work/floor_up.sql")" \
            "$(sed -n "$((N - i + 1))p" "$work/floor_down.sql")" >"$work/migrations/b$(printf %05d "$i").sql"
    done
    f_up=() f_down=() s_apply=() s_rollback=() c_up=() c_down=() l_apply=() l_rollback=() l_capply=() l_crollback=()
    for run in $(seq 1 "$RUNS"); do
        : >"$work/stderr"
        db=net_floor_$run; createdb "$db"
        f_up+=("$(seconds remote psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" -f "$work/floor_up.sql")")
        f_down+=("$(seconds remote psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" -f "$work/floor_down.sql")")
        dropdb "$db"

        db=net_sql_$run; pgmigrate_db "$db" push
        s_apply+=("$(seconds remote psql -X -q -At -d "$db" -c "SELECT count(*) FROM migrate.apply('head')")")
        s_rollback+=("$(seconds remote psql -X -q -At -d "$db" -c "SELECT count(*) FROM migrate.rollback('base')")")
        dropdb "$db"

        db=net_client_$run; pgmigrate_db "$db"
        t0=$EPOCHREALTIME
        quiet remote pgmigrate -d "$db" --dir "$work/migrations" push
        quiet remote pgmigrate -d "$db" apply
        c_up+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }')")
        c_down+=("$(seconds remote pgmigrate -d "$db" rollback base)")
        grep -q "^$N revisions rolled back" "$work/out" || { echo "the client did not roll back $N revisions" >&2; exit 1; }
        dropdb "$db"

        # the local socket: the client against the same calls from psql,
        # each in a fresh database with the same history pushed
        db=local_sql_$run; pgmigrate_db "$db" push
        l_apply+=("$(seconds psql -X -q -At -d "$db" -c "SELECT count(*) FROM migrate.apply('head')")")
        l_rollback+=("$(seconds psql -X -q -At -d "$db" -c "SELECT count(*) FROM migrate.rollback('base')")")
        dropdb "$db"
        db=local_client_$run; pgmigrate_db "$db" push
        l_capply+=("$(seconds pgmigrate -d "$db" apply)")
        l_crollback+=("$(seconds pgmigrate -d "$db" rollback base)")
        dropdb "$db"
    done
    fu=$(median_of "${f_up[@]}"); fd=$(median_of "${f_down[@]}")
    sa=$(median_of "${s_apply[@]}"); sr=$(median_of "${s_rollback[@]}")
    cu=$(median_of "${c_up[@]}"); cd=$(median_of "${c_down[@]}")
    la=$(median_of "${l_apply[@]}"); lr=$(median_of "${l_rollback[@]}")
    lca=$(median_of "${l_capply[@]}"); lcr=$(median_of "${l_crollback[@]}")
    {
        echo
        echo "$N revisions, over the ${RTT} ms link          seconds   ratio"
        printf '  %-40s %8s %7s\n' "floor up: psql -1 -f of the ups" "$fu" "1.00"
        printf '  %-40s %8s %7s\n' "migrate.apply('head') from psql" "$sa" "$(ratio "$sa" "$fu")"
        printf '  %-40s %8s %7s\n' "client: push + apply" "$cu" "$(ratio "$cu" "$fu")"
        printf '  %-40s %8s %7s\n' "floor down: psql -1 -f of the downs" "$fd" "1.00"
        printf '  %-40s %8s %7s\n' "migrate.rollback('base') from psql" "$sr" "$(ratio "$sr" "$fd")"
        printf '  %-40s %8s %7s\n' "client: rollback base" "$cd" "$(ratio "$cd" "$fd")"
        echo "$N revisions, local socket                     seconds   ratio"
        printf '  %-40s %8s %7s\n' "migrate.apply('head') from psql" "$la" "1.00"
        printf '  %-40s %8s %7s\n' "client: apply" "$lca" "$(ratio "$lca" "$la")"
        printf '  %-40s %8s %7s\n' "migrate.rollback('base') from psql" "$lr" "1.00"
        printf '  %-40s %8s %7s\n' "client: rollback base" "$lcr" "$(ratio "$lcr" "$lr")"
    } | tee -a "$out"
done
