# Shared start of every benchmark: source it, then call bench_begin.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_begin NAME [postgres settings ...]
#
# bench_begin checks it runs as root, installs what is missing, builds and
# installs pgmigrate, makes a work directory ($work) and starts a throwaway
# cluster, and stops and removes both on exit, ^C or kill.  Every benchmark
# runs on the PostgreSQL that PG_CONFIG names (Debian's 15 when unset):
#   sudo PG_CONFIG=/opt/pgmigrate-pg/18/bin/pg_config bench/diff.sh

bench_begin() {
    local name=$1; shift
    PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    export PGM_ROOT
    # shellcheck source=scripts/setup.sh
    . "$PGM_ROOT/scripts/setup.sh"
    pgm_prepare "the benchmark"
    work=$(mktemp -d)
    trap bench_end EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_start "$name" "$@"
}

bench_end() {
    cluster_stop
    rm -rf "$work"
}

# psql for benchmarks: quiet, unaligned, stop on the first error
bpsql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# seconds between two $EPOCHREALTIME readings
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b - a }'; }

# bench_ddl_workload N: the SQL of the apply/rollback benchmarks, in $work:
# N revisions, each a table and an index (down: DROP TABLE), as
# register.sql (one migrate.add() each, parents left to default to the
# head, as a deploy tool would), floor_up.sql (the same ups) and
# floor_down.sql (the same downs, newest first).
bench_ddl_workload() {
    local n=$1 i
    up_sql() { echo "CREATE TABLE t_$1 (id bigint primary key, name text, created_at timestamptz); CREATE INDEX ON t_$1 (name)"; }
    down_sql() { echo "DROP TABLE t_$1"; }
    for i in $(seq 1 "$n"); do
        printf "SELECT migrate.add('b%05d', \$up\$%s\$up\$, \$down\$%s\$down\$);\n" "$i" "$(up_sql "$i")" "$(down_sql "$i")"
    done >"$work/register.sql"
    for i in $(seq 1 "$n"); do echo "$(up_sql "$i");"; done >"$work/floor_up.sql"
    for i in $(seq "$n" -1 1); do echo "$(down_sql "$i");"; done >"$work/floor_down.sql"
}
