# Shared by the shell tests: PASS/FAIL bookkeeping.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
#   check "what is checked" COMMAND ARGS...    # PASS when COMMAND succeeds
#   ... then exit non-zero when $failures > 0

failures=0

check() {
    local name=$1; shift
    if "$@"; then
        echo "PASS: $name"
    else
        echo "FAIL: $name"
        failures=$((failures + 1))
    fi
}


# For the client's tests, with $work set to a scratch directory:
# pm ARGS...: run the client; its stdout in $work/out, its stderr in
# $work/err, its exit status in $rc.  out_has / err_has TEXT: is TEXT there?
pm() {
    set +e
    pgmigrate "$@" >"$work/out" 2>"$work/err"
    rc=$?
    set -e
}
out_has() { grep -qF -- "$1" "$work/out"; }
err_has() { grep -qF -- "$1" "$work/err"; }

# Databases a test creates, dropped when it ends: create_database NAME
# [pgmigrate] (with the extension installed), and drop_databases from the
# test's EXIT trap.
databases=()
create_database() {
    createdb "$1"
    databases+=("$1")
    if [ "${2:-}" = pgmigrate ]; then
        psql -X -q -d "$1" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
    fi
}
drop_databases() {
    local d
    for d in "${databases[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done
}

# wait_ready: wait (at most a minute) until database $db takes connections
# again, after a crash the test caused
wait_ready() {
    for _ in $(seq 1 600); do
        psql -X -q -At -d "$db" -c "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "the server did not come back" >&2
    return 1
}

# as_postgres, for the tests that run a server of their own (a standby)
# shellcheck source=scripts/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/cluster.sh"

# For the tests of online revisions under load, with $work a scratch
# directory and $db the database: an application as pgbench runs it.
# app NAME SCRIPT SEARCH_PATH: two clients, in runs of one second (each run
# ends cleanly and writes its latency log), until $work/stop_NAME exists;
# what went wrong, a line in $work/errors
app() {
    local name=$1 file=$2 path=$3 i=0
    while [ ! -e "$work/stop_$name" ]; do
        i=$((i + 1))
        if ! PGOPTIONS="-c search_path=$path" pgbench -n -T 1 -c 2 -f "$file" -l \
                --log-prefix="$work/lat_${name}_$i" "$db" >"$work/out_${name}_$i" 2>&1 \
           || grep -q "aborted\|ERROR\|number of failed transactions: [1-9]" "$work/out_${name}_$i"; then
            # (a deadlock fails a transaction; pgbench counts it and goes on)
            echo "$name: $(grep -m 1 "ERROR\|aborted\|error\|failed transactions" "$work/out_${name}_$i" || echo "pgbench failed")" >>"$work/errors"
        fi
    done
}
# worst NAME: the application's worst transaction latency in ms, and its count
worst() {
    cat "$work"/lat_"$1"_* 2>/dev/null | awk '$3 != "failed" { n++; if ($3 + 0 > m) m = $3 + 0 } END { printf "%.1f ms worst of %d transactions", m / 1000, n }'
}

# own_cluster NAME [SETTING...]: a throwaway cluster of the test's own
# (scripts/cluster.sh, for a test that would disturb anybody else's), and
# $work, a scratch directory; both go when the test ends, after the test's
# own on_exit function when it defines one.
own_cluster() {
    PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    # shellcheck source=scripts/cluster.sh
    . "$PGM_ROOT/scripts/cluster.sh"
    work=$(mktemp -d)
    trap own_cluster_end EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_start "$@"
}
own_cluster_end() {
    if declare -F on_exit >/dev/null; then on_exit; fi
    wait 2>/dev/null || true
    cluster_stop
    rm -rf "$work"
}
