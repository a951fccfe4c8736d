#!/usr/bin/env bash
# Benchmark: what does pgmigrate cost over running the same DDL by hand?
#
#   sudo bench/apply_rollback.sh            (PGM_BENCH_N=1000 PGM_BENCH_RUNS=3)
#
# N revisions, each
#     up:   CREATE TABLE t_i (id bigint primary key, name text, created_at timestamptz);
#           CREATE INDEX ON t_i (name)
#     down: DROP TABLE t_i
# are registered (one psql -1 running N migrate.add() calls, parents left to
# default to the current head, as a deploy tool would), applied
# (SELECT count(*) FROM migrate.apply('head')) and rolled back
# (SELECT count(*) FROM migrate.rollback('base')).  The floors are the same
# DDL without pgmigrate: all the ups in one `psql -1 -f`, then all the downs
# in one `psql -1 -f`, in a database without the extension.
#
# Each run uses fresh databases; every figure is the median of the runs, in
# wall-clock seconds as the client sees them (connection included).  The
# server is a throwaway cluster (fsync=off, so commits cost nothing and the
# figures are CPU, not disk).  The table is also written to bench/out/.
set -euo pipefail

N=${PGM_BENCH_N:-1000}
RUNS=${PGM_BENCH_RUNS:-3}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin bench

# ---- the SQL -------------------------------------------------------------

bench_ddl_workload "$N"

# ---- helpers -------------------------------------------------------------

# psql for the benchmark: quiet, stop on error, NOTICEs (one per revision,
# as a user would get them) kept out of the terminal but still sent.
bpsql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>>"$work/stderr"; }

# timed VAR COMMAND...: run COMMAND (stdout to $work/out), store its wall time in VAR.
# A checkpoint first, untimed, so that the files the previous step dropped
# are unlinked now and not while the next one runs.
timed() {
    local var=$1; shift
    bpsql -c CHECKPOINT
    local t0=$EPOCHREALTIME t1
    if ! "$@" >"$work/out"; then
        echo "failed: $*" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    t1=$EPOCHREALTIME
    printf -v "$var" '%s' "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
}

expect_rows() {     # expect_rows WHAT: the last command must have printed N
    local got
    got=$(cat "$work/out")
    if [ "$got" != "$N" ]; then
        echo "$1 returned $got rows, expected $N" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# ---- the runs ------------------------------------------------------------

t_register=() t_apply=() t_rollback=() t_floor_up=() t_floor_down=()
echo "pgmigrate benchmark: $N revisions, $RUNS runs, PostgreSQL $(bpsql -c 'SHOW server_version')"
for run in $(seq 1 "$RUNS"); do
    : >"$work/stderr"

    db=bench_migrate_$run
    createdb "$db"
    bpsql -d "$db" -c 'CREATE EXTENSION pgmigrate'
    timed t bpsql -1 -d "$db" -f "$work/register.sql"
    t_register+=("$t")
    timed t bpsql -d "$db" -c "SELECT count(*) FROM migrate.apply('head')"
    expect_rows "apply"
    t_apply+=("$t")
    timed t bpsql -d "$db" -c "SELECT count(*) FROM migrate.rollback('base')"
    expect_rows "rollback"
    t_rollback+=("$t")
    dropdb "$db"

    db=bench_floor_$run
    createdb "$db"
    timed t bpsql -1 -d "$db" -f "$work/floor_up.sql"
    t_floor_up+=("$t")
    timed t bpsql -1 -d "$db" -f "$work/floor_down.sql"
    t_floor_down+=("$t")
    dropdb "$db"

    echo "run $run: register ${t_register[-1]}s, apply ${t_apply[-1]}s, rollback ${t_rollback[-1]}s," \
         "floor up ${t_floor_up[-1]}s, floor down ${t_floor_down[-1]}s"
done

register=$(median "${t_register[@]}")
apply=$(median "${t_apply[@]}")
rollback=$(median "${t_rollback[@]}")
floor_up=$(median "${t_floor_up[@]}")
floor_down=$(median "${t_floor_down[@]}")

mkdir -p "$PGM_ROOT/bench/out"
{
    echo
    echo "median of $RUNS runs, $N revisions (seconds, wall clock)"
    printf '%-34s %9s %9s\n' "step" "seconds" "ratio"
    printf '%-34s %9s %9s\n' "register (migrate.add x $N)" "$register" ""
    printf '%-34s %9s %9s\n' "apply('head')" "$apply" "$(ratio "$apply" "$floor_up")"
    printf '%-34s %9s %9s\n' "floor up (psql -1, same DDL)" "$floor_up" "1.00"
    printf '%-34s %9s %9s\n' "rollback('base')" "$rollback" "$(ratio "$rollback" "$floor_down")"
    printf '%-34s %9s %9s\n' "floor down (psql -1, same DDL)" "$floor_down" "1.00"
    echo "ratios: apply / floor up, rollback / floor down"
} | tee "$PGM_ROOT/bench/out/apply_rollback.txt"
