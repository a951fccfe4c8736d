#!/usr/bin/env bash
# Benchmark: what the data-loss check before a rollback reads.
#
#   sudo bench/dataloss.sh            (PGM_BENCH_ROWS=10000000 PGM_BENCH_RUNS=3)
#
# A revision creates a table of ROWS rows with a column that holds a value
# in every row.  Its down drops the column and then the table.  (A column
# that is NULL everywhere but in the last row written is the check's worst
# case: EXISTS reads up to that row.)  migrate.plan('base', 'down') runs the same data-loss check
# as migrate.rollback() and stops at it; it is timed beside the floor, one
# count(*) of the table (what the check used to run for the table, and once
# more for the column), in the same database.  Every figure is the median of
# the runs, in milliseconds of server time (EXPLAIN ANALYZE is not used: the
# times are \timing in psql over a local socket).
set -euo pipefail

ROWS=${PGM_BENCH_ROWS:-10000000}
RUNS=${PGM_BENCH_RUNS:-3}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin dataloss

createdb bench
bpsql -d bench <<SQL >/dev/null
SET client_min_messages = warning;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('big', \$\$
CREATE TABLE big (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text, note text);
\$\$, \$\$
ALTER TABLE big DROP COLUMN note;
DROP TABLE big;
\$\$);
SELECT count(*) FROM migrate.apply('head');
SET pgmigrate.guard = off;
INSERT INTO big (payload, note) SELECT 'row ' || g, 'note' FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE big;
SQL

# ms MODE: server time of one run of the check (or of the floor)
ms() {
    local sql
    case $1 in
        check) sql="SELECT count(*) FROM migrate.plan('base', 'down')" ;;
        table) sql="SELECT count(*) FROM big" ;;
        column) sql="SELECT count(*) FROM big WHERE note IS NOT NULL" ;;
    esac
    { echo '\timing on'; echo "$sql;"; } | psql -X -q -d bench 2>&1 \
        | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

check_ms=$(for _ in $(seq 1 "$RUNS"); do ms check; done | median)
table_ms=$(for _ in $(seq 1 "$RUNS"); do ms table; done | median)
column_ms=$(for _ in $(seq 1 "$RUNS"); do ms column; done | median)
floor_ms=$(awk -v a="$table_ms" -v b="$column_ms" 'BEGIN { print a + b }')
message=$(psql -X -q -d bench -c "SELECT count(*) FROM migrate.plan('base', 'down')" 2>&1 | sed -n 's/^revision/  revision/p' || true)

mkdir -p "$PGM_ROOT/bench/out"
{
    echo "data-loss check before a rollback, table of $ROWS rows (median of $RUNS runs)"
    printf '  %-44s %10.1f ms\n' "the check (migrate.plan('base', 'down'))" "$check_ms"
    printf '  %-44s %10.1f ms\n' "before: count(*) of the table" "$table_ms"
    printf '  %-44s %10.1f ms\n' "before: count(*) of the column's values" "$column_ms"
    awk -v a="$check_ms" -v b="$floor_ms" 'BEGIN { printf "  ratio now / before: %.4f\n", a / b }'
    echo "what it said:"
    echo "$message"
} | tee "$PGM_ROOT/bench/out/dataloss.txt"
