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
