#!/usr/bin/env bash
# Benchmark: what does the guard cost?
#
#   sudo bench/guard.sh        (PGM_BENCH_STATEMENTS=10000 PGM_BENCH_RUNS=3
#                               PGM_BENCH_PGBENCH_SECONDS=20)
#
# (a) DDL through migrate.apply with the guard's event trigger active, against
#     the same apply with the event trigger disabled (ALTER EVENT TRIGGER ...
#     DISABLE, so the guard's checks do not run at all): STATEMENTS statements,
#     10 per revision (COMMENT ON TABLE, the cheapest DDL there is), fresh
#     database per run, median of RUNS runs.  Goal: at most 1.03x.
# (b) pgbench's standard read/write (TPC-B like) transactions in a database
#     with pgmigrate installed (guard enforcing) against one without the
#     extension: PGBENCH_ROUNDS rounds in ABBA order, each PGBENCH_SECONDS
#     long, 2 clients; the ratio of the median TPS.  Goal: at least 0.99x.
#
# Runs on its own throwaway cluster (fsync off); results go to bench/out/.
set -euo pipefail

STATEMENTS=${PGM_BENCH_STATEMENTS:-10000}
RUNS=${PGM_BENCH_RUNS:-3}
SECONDS_PER_PGBENCH=${PGM_BENCH_PGBENCH_SECONDS:-15}
PGBENCH_ROUNDS=${PGM_BENCH_PGBENCH_ROUNDS:-6}
PER_REVISION=10

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin bench_guard "max_locks_per_transaction=1024"

now() { echo "$EPOCHREALTIME"; }

# ---- (a) DDL through apply, guard on vs off --------------------------------

revisions=$((STATEMENTS / PER_REVISION))
# revision 1 creates the table the others comment on: COMMENT is DDL that
# fires the event trigger but does almost no work of its own, so the guard's
# share is as visible as it can be (a CREATE TABLE costs a file per table,
# whose noise would hide it)
awk -v revisions="$revisions" -v per="$PER_REVISION" 'BEGIN {
    printf "SELECT migrate.add('\''r00000'\'', $$CREATE TABLE guard_target (id int);$$, parents => '\''{}'\'');\n"
    for (r = 1; r <= revisions; r++) {
        up = ""
        for (s = 1; s <= per; s++) up = up sprintf("COMMENT ON TABLE guard_target IS '\''r%d s%d'\''; ", r, s)
        printf "SELECT migrate.add('\''r%05d'\'', $$%s$$, parents => '\''{r%05d}'\'');\n", r, up, r - 1
    }
}' >"$work/register.sql"

apply_time() {     # apply_time on|off: seconds for one apply of all revisions
    local db=guard_bench_$1_$$ t0 t1
    createdb "$db"
    bpsql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
    bpsql -d "$db" -1 -f "$work/register.sql" >/dev/null
    if [ "$1" = off ]; then
        bpsql -d "$db" -c "ALTER EVENT TRIGGER pgmigrate_guard DISABLE"
    fi
    t0=$(now)
    bpsql -d "$db" -c "SET client_min_messages = warning" \
          -c "SELECT count(*) FROM migrate.apply('head')" >"$work/out"
    t1=$(now)
    [ "$(tail -1 "$work/out")" = "$((revisions + 1))" ] || { echo "apply did not apply $((revisions + 1)) revisions" >&2; exit 1; }
    dropdb "$db"
    elapsed "$t0" "$t1"
}

: >"$work/on"; : >"$work/off"
for run in $(seq 1 "$RUNS"); do
    apply_time on >>"$work/on"
    apply_time off >>"$work/off"
    echo "(a) run $run: guard on $(tail -1 "$work/on")s, off $(tail -1 "$work/off")s"
done
on=$(median <"$work/on")
off=$(median <"$work/off")

# ---- (b) pgbench TPS, extension installed vs not -------------------------------

scale=10
createdb pgbench_plain_$$
createdb pgbench_guarded_$$
pgbench -q -i -s "$scale" pgbench_plain_$$ >/dev/null 2>&1
pgbench -q -i -s "$scale" pgbench_guarded_$$ >/dev/null 2>&1
bpsql -d pgbench_guarded_$$ -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"

tps() { pgbench -n -c 2 -j 2 -T "$SECONDS_PER_PGBENCH" "$1" 2>/dev/null | awk '/^tps = / { print $3 }'; }
: >"$work/plain"; : >"$work/guarded"
for round in $(seq 1 "$PGBENCH_ROUNDS"); do
    # ABBA: each side goes first as often as second
    if [ $((round % 4)) -eq 1 ] || [ $((round % 4)) -eq 0 ]; then
        tps pgbench_plain_$$ >>"$work/plain"; tps pgbench_guarded_$$ >>"$work/guarded"
    else
        tps pgbench_guarded_$$ >>"$work/guarded"; tps pgbench_plain_$$ >>"$work/plain"
    fi
    echo "(b) round $round: without $(tail -1 "$work/plain") tps, with $(tail -1 "$work/guarded") tps"
done
dropdb pgbench_plain_$$
dropdb pgbench_guarded_$$
plain=$(median <"$work/plain")
guarded=$(median <"$work/guarded")

# ---- report ------------------------------------------------------------------

mkdir -p "$PGM_ROOT/bench/out"
{
    echo "pgmigrate guard benchmark ($(date -u +%Y-%m-%d), PostgreSQL $(pg_config --version | awk '{ print $2 }'), runs: $RUNS, medians)"
    printf '(a) %d DDL statements through migrate.apply (%d revisions)\n' "$STATEMENTS" "$revisions"
    printf '    guard active      %8.3f s\n' "$on"
    printf '    guard disabled    %8.3f s\n' "$off"
    printf '    ratio             %8.3f x   (goal <= 1.03)\n' "$(awk -v a="$on" -v b="$off" 'BEGIN { print a / b }')"
    printf '(b) pgbench read/write, scale %d, 2 clients, %d rounds of %d s\n' "$scale" "$PGBENCH_ROUNDS" "$SECONDS_PER_PGBENCH"
    printf '    without pgmigrate %8.1f tps\n' "$plain"
    printf '    with pgmigrate    %8.1f tps\n' "$guarded"
    printf '    ratio             %8.3f x   (goal >= 0.99)\n' "$(awk -v a="$guarded" -v b="$plain" 'BEGIN { print a / b }')"
} | tee "$PGM_ROOT/bench/out/guard.txt"
