#!/usr/bin/env bash
# Quick start, step 2, and what CI runs (.ci/run): every check pgmigrate has.
#
#   sudo scripts/test.sh            everything
#   sudo scripts/test.sh --quick    everything but the shell tests (test/shell/*.sh)
#
# 1. installs what is missing (Debian bookworm, PostgreSQL 15, pgTAP, cppcheck)
# 2. builds from scratch with warnings as errors (make COPT=-Werror) and
#    installs, with a link to the client in /usr/local/bin
# 3. starts a throwaway cluster and runs, against it:
#    - make installcheck  (pg_regress: sql/*.sql against expected/*.out)
#    - pg_prove test/*.sql  (pgTAP, in a fresh database pgmigrate_tap)
#    - every test/shell/*.sh  (PGHOST/PGPORT/PGUSER point at the cluster;
#      each test creates and drops its own databases)
#    and, on servers of their own, scripts/corpus.sh, scripts/diff-corpus.sh
#    and scripts/records-corpus.sh over test/corpus (test/corpus-18 on PostgreSQL 18), and scripts/fuzz.sh
#    (the diff engine's fuzzers, fixed seed and counts) (not with --quick)
# 4. scripts/check-layers.sh (no loop among the C files), cppcheck on src/,
#    common/ and client/
#
# Then the same suites (but the fuzzers) once more on
# PostgreSQL 18, from the platforms' build (scripts/setup.sh,
# pgm_install_pg18), in a run of this script of its own.
#
#   sudo PG_CONFIG=/path/to/bin/pg_config scripts/test.sh
#                                   the suites on that PostgreSQL only
#
# Every suite runs even when an earlier one failed (except that nothing runs
# without a build); a summary comes last and the exit status is non-zero when
# anything failed.  PGM_KEEP_CLUSTER=1 keeps the cluster for a post-mortem.
set -euo pipefail

quick=
for arg in "$@"; do
    case $arg in
        --quick) quick=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh installs packages and the extension: run it as root (sudo $0)" >&2
    exit 1
fi

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGM_ROOT
cd "$PGM_ROOT"
# shellcheck source=scripts/setup.sh
. scripts/setup.sh

# ---- bookkeeping -------------------------------------------------------

results=()          # "STATUS name seconds" lines for the summary
npass=0 nfail=0 nskip=0

record() {          # record STATUS NAME SECONDS
    results+=("$(printf '%-5s %-32s %5ss' "$1" "$2" "$3")")
    case $1 in
        PASS) npass=$((npass + 1)) ;;
        FAIL) nfail=$((nfail + 1)) ;;
        *)    nskip=$((nskip + 1)) ;;
    esac
}

# run_suite NAME FUNCTION [ARGS...]: run FUNCTION in a subshell with errexit
# on (outside an `if`, where bash would ignore errexit) and record the outcome.
run_suite() {
    local name=$1; shift
    local start=$SECONDS rc
    echo
    echo "=============== $name"
    set +e
    ( set -e; "$@" )
    rc=$?
    set -e
    if [ "$rc" -eq 0 ]; then
        record PASS "$name" $((SECONDS - start))
    else
        echo "--------------- $name FAILED (exit $rc)"
        record FAIL "$name" $((SECONDS - start))
    fi
    return 0
}

print_summary() {
    echo
    echo "=============== summary"
    local line
    for line in "${results[@]}"; do echo "$line"; done
    echo
    # the closing line, in the form CI reads
    echo "summary: $npass passed, $nfail failed, $nskip skipped"
}

# ---- the suites --------------------------------------------------------

suite_packages() {
    pgm_install_packages
}

suite_build() {
    # From scratch, so that -Werror sees every file, not only the changed
    # ones.  Warnings are errors here, in CI, and not in the Makefile that
    # users build with.
    make -s clean
    make COPT=-Werror
    pgm_build_install
}

suite_layers() {
    bash scripts/check-layers.sh
}

suite_corpus() {
    # its own throwaway server; the part of PostgreSQL's regression SQL kept
    # in test/corpus, or test/corpus-18 on 18 (scripts/corpus.sh --corpus DIR
    # runs all of it)
    bash scripts/corpus.sh
}

suite_diff_corpus() {
    # the diff engine's property test on the same SQL, a server of its own
    # (scripts/diff-corpus.sh --corpus DIR runs all of it)
    bash scripts/diff-corpus.sh
}

suite_records_corpus() {
    # the schema as recorded after every DDL statement of the same SQL
    # deployed as a revision, a server of its own (--corpus DIR: all of it)
    bash scripts/records-corpus.sh
}

suite_fuzz() {
    # a server of its own: PGHOST and PGPORT still name the suites' cluster,
    # stopped by now, which fuzz.sh would take for one to use
    env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE PGM_FUZZ_SUMMARY="$fuzz_summary" bash scripts/fuzz.sh
}

suite_second() {
    # the whole script again, on another PostgreSQL: its own build, cluster
    # and summary (written to the file $2 for this one's)
    pgm_install_pg18
    PG_CONFIG=$1 PGM_TEST_SECOND=$2 bash scripts/test.sh ${quick:+--quick}
}

suite_installcheck() {
    rm -f regression.diffs regression.out
    if ! make installcheck; then
        if [ -f regression.diffs ]; then
            echo "--------------- regression.diffs"
            cat regression.diffs
        fi
        return 1
    fi
}

suite_pgtap() {
    local files=(test/*.sql)
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists pgmigrate_tap
    createdb pgmigrate_tap
    local rc=0
    pg_prove --ext .sql -d pgmigrate_tap "${files[@]}" || rc=$?
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists pgmigrate_tap
    return "$rc"
}

suite_shell() {
    # 10 minutes each at most, so a hung test cannot eat CI's time.
    timeout --kill-after=10 600 bash "$1"
}

suite_cppcheck() {
    # PostgreSQL's server headers are deliberately not passed: with them
    # cppcheck takes minutes (and gives up on most #ifdef configurations)
    # and reports false positives in PG_TRY()/PG_FINALLY() and in the
    # headers themselves.  Without them it still checks all of our own code
    # (src/, common/ and client/): out-of-bounds indexes, uninitialised
    # variables, wrong memset/format sizes, and the like.
    # PG_VERSION_NUM must be given, though: src/compat.h stops at an #error
    # without it, and cppcheck then silently skips every file.
    # A justified exception goes in the code: // cppcheck-suppress <id>
    local version_num
    version_num=$(awk '$1 == "#define" && $2 == "PG_VERSION_NUM" { print $3 }' \
                  "$(pg_config --includedir-server)/pg_config.h")
    [ -n "$version_num" ] || { echo "PG_VERSION_NUM not found in pg_config.h"; return 1; }
    cppcheck --error-exitcode=1 --enable=warning,performance,portability \
        --library=scripts/cppcheck-postgresql.cfg \
        --language=c --std=c99 --inline-suppr --quiet \
        --suppress=missingIncludeSystem -DPG_VERSION_NUM="$version_num" \
        -I src -I common -I client src common client
}

# ---- run them ----------------------------------------------------------

run_suite "packages" suite_packages
if [ "$nfail" -gt 0 ]; then
    record SKIP "everything else (no packages)" 0
    print_summary
    exit 1
fi
# The suite ran in a subshell: redo what pgm_install_packages exported, with
# the PostgreSQL that PG_CONFIG names (Debian's 15 when unset) first on PATH,
# so that make, the cluster and the tests all find that one.
PATH="$("${PG_CONFIG:-$PGM_PG_BIN/pg_config}" --bindir):$PATH"
export PATH
echo "testing on $(pg_config --version) ($(command -v pg_config))"
# cluster.sh asks pg_config where the server is, so it comes after the install.
# shellcheck source=scripts/cluster.sh
. scripts/cluster.sh
trap cluster_stop EXIT
trap 'exit 130' INT     # so that the EXIT trap runs on ^C and on kill
trap 'exit 143' TERM

run_suite "build (make, -Werror)" suite_build
built=$nfail    # 0 when packages and build passed
if [ "$built" -eq 0 ]; then
    run_suite "layers (no loop among C files)" suite_layers
fi

cluster_up=
if [ "$built" -eq 0 ]; then
    echo
    echo "=============== starting a throwaway cluster"
    if cluster_start test "max_prepared_transactions=10"; then
        cluster_up=1
        echo "PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER"
    else
        record FAIL "cluster start" 0
    fi
fi

if [ -n "$cluster_up" ]; then
    run_suite "installcheck (pg_regress)" suite_installcheck

    shopt -s nullglob
    tap_files=(test/*.sql)
    shell_tests=(test/shell/*.sh)
    shopt -u nullglob

    if [ "${#tap_files[@]}" -gt 0 ]; then
        run_suite "pgTAP (pg_prove)" suite_pgtap
    else
        record SKIP "pgTAP (no test/*.sql)" 0
    fi

    if [ -n "$quick" ]; then
        record SKIP "shell tests (--quick)" 0
    elif [ "${#shell_tests[@]}" -eq 0 ]; then
        record SKIP "shell tests (none)" 0
    else
        for t in "${shell_tests[@]}"; do
            run_suite "$t" suite_shell "$t"
        done
    fi

    if [ "$nfail" -gt 0 ]; then
        echo
        echo "=============== last 100 lines of the server log"
        cluster_log | tail -n 100 || true
    fi
    cluster_stop
elif [ "$built" -ne 0 ]; then
    record SKIP "database tests (no build)" 0
fi

if [ "$built" -eq 0 ] && [ -z "$quick" ]; then
    run_suite "corpus (PostgreSQL regression SQL)" suite_corpus
    run_suite "diff corpus (the diff engine both ways)" suite_diff_corpus
    run_suite "records corpus (part records after every deploy)" suite_records_corpus
fi
if [ "$built" -eq 0 ] && [ -z "$quick" ] && [ -z "${PGM_TEST_SECOND:-}" ]; then
    fuzz_summary=$(mktemp)
    run_suite "fuzz (the diff engine's fuzzers)" suite_fuzz
    # its counts, one line per fuzzer, under its line in the summary
    while IFS= read -r line; do results+=("      $line"); done <"$fuzz_summary"
    rm -f "$fuzz_summary"
fi
run_suite "cppcheck" suite_cppcheck

# The second major version: PostgreSQL 18 (the platforms' build, unpacked by
# pgm_install_pg18), the same suites but the fuzzers, in a
# run of this script of its own, whose lines go under its line here.  Not
# when PG_CONFIG chose the version to test.
if [ -z "${PG_CONFIG:-}" ] && [ -z "${PGM_TEST_SECOND:-}" ]; then
    if pgm_pg18_available; then
        second_summary=$(mktemp)
        run_suite "PostgreSQL 18: the same suites" suite_second "$PGM_PG18_PG_CONFIG" "$second_summary"
        while IFS= read -r line; do results+=("      $line"); done <"$second_summary"
        rm -f "$second_summary"
    else
        record SKIP "PostgreSQL 18 (no build of it here)" 0
    fi
fi

print_summary
if [ -n "${PGM_TEST_SECOND:-}" ]; then
    printf '%s\n' "${results[@]}" >"$PGM_TEST_SECOND"
fi
[ "$nfail" -eq 0 ]
