#!/usr/bin/env bash
# Benchmark: the cost of schema snapshots.
#
#   sudo bench/verify.sh        (PGM_BENCH_TABLES=10000 PGM_BENCH_N=1000 PGM_BENCH_RUNS=5)
#
# (a) migrate.drift() on a database of TABLES tables (each with a primary key
#     and a secondary index, so some 5 snapshot objects per table): median
#     of RUNS calls.  Goal: at most 1 s.
# (b) the snapshot's share of an N-revision apply (each revision a CREATE
#     TABLE with an index): the apply records one snapshot at its end; its
#     cost is bounded above by one migrate.drift() right after the apply
#     (which takes a snapshot, and also parses and compares the stored one).
#     Share = drift time / apply time, medians of RUNS.  Goal: at most 10%.
set -euo pipefail

TABLES=${PGM_BENCH_TABLES:-10000}
N=${PGM_BENCH_N:-1000}
RUNS=${PGM_BENCH_RUNS:-5}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin bench_verify "max_locks_per_transaction=1024"

timed() {   # timed COMMAND...: seconds the command took
    local t0=$EPOCHREALTIME
    "$@" >/dev/null
    awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.4f\n", b - a }'
}

# ---- (a) drift on many tables ------------------------------------------------

db=verify_bench_$$
createdb "$db"
bpsql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
# the tables exist before pgmigrate looks at them: created with the guard off,
# 1,000 per transaction
for batch in $(seq 0 $(( (TABLES - 1) / 1000 ))); do
    awk -v b="$batch" -v total="$TABLES" 'BEGIN {
        print "SET pgmigrate.guard = off; SET client_min_messages = warning;"
        for (i = b * 1000 + 1; i <= (b + 1) * 1000 && i <= total; i++)
            printf "CREATE TABLE t_%d (id bigint PRIMARY KEY, name text, created_at timestamptz); CREATE INDEX ON t_%d (name);\n", i, i
    }' | bpsql -d "$db" -1 >/dev/null
done
# one revision records the snapshot drift() compares with
bpsql -d "$db" -c "SET client_min_messages = error" \
      -c "SELECT migrate.add('01', 'CREATE TABLE marker (id int);', 'DROP TABLE marker;')" \
      -c "SELECT count(*) FROM migrate.apply()" >/dev/null
objects=$(bpsql -d "$db" -c "SELECT array_length(regexp_split_to_array(rtrim(snapshot, E'\n'), E'\n'), 1) FROM migrate.snapshots ORDER BY id DESC LIMIT 1")
: >"$work/drift"
for run in $(seq 1 "$RUNS"); do
    timed bpsql -d "$db" -c "SELECT count(*) FROM migrate.drift()" >>"$work/drift"
done
drift_rows=$(bpsql -d "$db" -c "SELECT count(*) FROM migrate.drift()")
dropdb "$db"
drift=$(median <"$work/drift")

# ---- (b) the snapshot's share of an apply --------------------------------------

awk -v n="$N" 'BEGIN {
    for (i = 1; i <= n; i++)
        printf "SELECT migrate.add('\''r%05d'\'', $$CREATE TABLE t_%d (id bigint PRIMARY KEY, name text, created_at timestamptz); CREATE INDEX t_%d_name ON t_%d (name);$$, parents => %s);\n", \
            i, i, i, i, (i == 1 ? "'\''{}'\''" : sprintf("'\''{r%05d}'\''", i - 1))
}' >"$work/register.sql"
: >"$work/apply"; : >"$work/snapshot"
for run in $(seq 1 "$RUNS"); do
    db=verify_bench_apply_$$
    createdb "$db"
    bpsql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
    PGOPTIONS='-c client_min_messages=error' bpsql -d "$db" -1 -f "$work/register.sql" >/dev/null
    bpsql -d "$db" -c "CHECKPOINT"
    timed bpsql -d "$db" -c "SET client_min_messages = warning" -c "SELECT count(*) FROM migrate.apply()" >>"$work/apply"
    timed bpsql -d "$db" -c "SELECT count(*) FROM migrate.drift()" >>"$work/snapshot"
    dropdb "$db"
done
apply=$(median <"$work/apply")
snapshot=$(median <"$work/snapshot")

mkdir -p "$PGM_ROOT/bench/out"
{
    echo "pgmigrate snapshot benchmark ($(date -u +%Y-%m-%d), PostgreSQL $(pg_config --version | awk '{ print $2 }'), medians of $RUNS runs)"
    printf '(a) migrate.drift() on %d tables (%d snapshot objects, %d drift rows)\n' "$TABLES" "$objects" "$drift_rows"
    printf '    drift()                    %8.3f s   (goal <= 1 s)\n' "$drift"
    printf '(b) apply of %d revisions (CREATE TABLE with an index each)\n' "$N"
    printf '    apply                      %8.3f s\n' "$apply"
    printf '    one snapshot (upper bound) %8.3f s\n' "$snapshot"
    printf '    share                      %8.1f %%   (goal <= 10%%)\n' "$(awk -v a="$snapshot" -v b="$apply" 'BEGIN { print 100 * a / b }')"
} | tee "$PGM_ROOT/bench/out/verify.txt"
