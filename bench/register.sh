#!/usr/bin/env bash
# Benchmark: registering revisions (parse + lint + checksum + derived down)
# against the floor of inserting the same rows into a plain table.
#
#   sudo bench/register.sh        (PGM_BENCH_N=1000 PGM_BENCH_RUNS=5)
#
# N revisions, each a realistic up of three statements and its down, are
# registered with one migrate.add() call each, with explicit parents as the
# pgmigrate client passes them, all in one psql -1.  The floor is one INSERT
# per revision of the same id, parents, up and down into a plain table of
# the same shape (text columns, primary key), also in one psql -1.  Fresh
# databases for every run; medians of the runs.  Goal: at most 2x.
set -euo pipefail

N=${PGM_BENCH_N:-1000}
RUNS=${PGM_BENCH_RUNS:-5}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin bench_register

awk -v n="$N" 'BEGIN {
    for (i = 1; i <= n; i++) {
        id = sprintf("%05d_feature_%d", i, i)
        parents = (i == 1) ? "{}" : sprintf("{%05d_feature_%d}", i - 1, i - 1)
        up = sprintf("SET lock_timeout = '\''5s'\'';\nCREATE TABLE feature_%d (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());\nCREATE INDEX feature_%d_name ON feature_%d (name);", i, i, i)
        down = sprintf("DROP TABLE feature_%d;", i)
        printf "SELECT migrate.add(%s, $up$%s$up$, $down$%s$down$, parents => %s);\n", \
            "'\''" id "'\''", up, down, "'\''" parents "'\''" >> "'"$work"'/register.sql"
        printf "INSERT INTO plain_revisions (id, parents, up, down) VALUES (%s, %s, $up$%s$up$, $down$%s$down$);\n", \
            "'\''" id "'\''", "'\''" parents "'\''", up, down >> "'"$work"'/floor.sql"
    }
}'


: >"$work/add"; : >"$work/floor"
for run in $(seq 1 "$RUNS"); do
    db=register_bench_$$
    createdb "$db"
    bpsql -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate" \
          -c "SET pgmigrate.guard = off" \
          -c "CREATE TABLE plain_revisions (id text PRIMARY KEY, parents text[] NOT NULL, up text NOT NULL, down text)"
    t0=$EPOCHREALTIME
    bpsql -d "$db" -1 -f "$work/floor.sql" >/dev/null
    t1=$EPOCHREALTIME
    PGOPTIONS='-c client_min_messages=error' bpsql -d "$db" -1 -f "$work/register.sql" >/dev/null
    t2=$EPOCHREALTIME
    [ "$(bpsql -d "$db" -c "SELECT count(*) FROM migrate.revisions WHERE down_derived")" = 0 ] || true
    [ "$(bpsql -d "$db" -c "SELECT count(*) FROM migrate.revisions")" = "$N" ] \
        || { echo "not every revision was registered" >&2; exit 1; }
    elapsed "$t0" "$t1" >>"$work/floor"
    elapsed "$t1" "$t2" >>"$work/add"
    echo "run $run: floor $(tail -1 "$work/floor")s, migrate.add $(tail -1 "$work/add")s"
    dropdb "$db"
done
floor=$(median <"$work/floor")
add=$(median <"$work/add")

mkdir -p "$PGM_ROOT/bench/out"
{
    echo "pgmigrate registration benchmark ($(date -u +%Y-%m-%d), PostgreSQL $(pg_config --version | awk '{ print $2 }'), $N revisions, median of $RUNS runs)"
    printf '    INSERT into a plain table   %8.3f s\n' "$floor"
    printf '    migrate.add()               %8.3f s\n' "$add"
    printf '    ratio                       %8.3f x   (goal <= 2)\n' "$(awk -v a="$add" -v b="$floor" 'BEGIN { print a / b }')"
} | tee "$PGM_ROOT/bench/out/register.txt"
