#!/usr/bin/env bash
# The diff engine's fuzzers, as CI runs them: a fixed seed and fixed counts.
#
#   sudo scripts/fuzz.sh                   CI: seed 1, about two minutes
#   sudo scripts/fuzz.sh --seed N          another seed
#   sudo scripts/fuzz.sh --count M         M times the counts (--count 10: ten times)
#   ... --results DIR                      where the cases that failed go (kept);
#                                          by default a temporary directory, kept
#                                          and named when something failed
#
# scripts/fuzz-documents.py sends broken documents to migrate.diff() and
# migrate.compare(): each call must return or be refused with a documented
# SQLSTATE.  scripts/fuzz-semantic.py makes random DDL changes to a rich
# schema (test/fuzz/schema.sql) and checks that the scripts diff() writes,
# both ways, run and reach their target.  Each prints a one-line summary;
# they come again at the end.  Exits 1 when either found a crash, an
# internal error (XX000), an undocumented SQLSTATE, a script that fails or
# a silent difference.
#
# With PGHOST and PGPORT set to a server that is up (pgmigrate installed
# there, a superuser in PGUSER), the fuzzers use it.  Otherwise, as root, the
# script installs what is missing, builds and installs pgmigrate
# (PGM_NO_BUILD=1 skips that), and starts a throwaway server of its own.
# On a server given that way, the fuzzers' databases (pgm_fuzz_documents,
# pgm_fuzz_documents_empty, pgm_fuzz_semantic) are made anew and left there.
# PGM_FUZZ_SUMMARY=FILE writes the two summary lines there too (test.sh).
set -euo pipefail

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGM_ROOT
seed=1
mult=1
results=
while [ $# -gt 0 ]; do
    case $1 in
        --seed) seed=$2; shift ;;
        --count) mult=$2; shift ;;
        --results) results=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
case $seed$mult in *[!0-9]*) echo "--seed and --count take whole numbers" >&2; exit 2 ;; esac

# the CI counts, sized for two cores: documents (each three or four calls),
# semantic rounds of four changes each
documents=$((4000 * mult))
rounds=$((400 * mult))
changes=4

if [ -n "${PGHOST:-}" ] && [ -n "${PGPORT:-}" ] && pg_isready -q 2>/dev/null; then
    echo "fuzz: the server at $PGHOST port $PGPORT"
else
    # shellcheck source=scripts/setup.sh
    . "$PGM_ROOT/scripts/setup.sh"
    pgm_prepare fuzz.sh
    trap cluster_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    cluster_start fuzz >/dev/null
    echo "fuzz: a throwaway server at $PGHOST port $PGPORT"
fi

keep=
if [ -z "$results" ]; then
    results=$(mktemp -d /tmp/pgmigrate-fuzz.XXXXXX)
else
    keep=1
    mkdir -p "$results"
fi

started=$SECONDS
rc=0
echo
echo "=============== documents: $documents documents, seed $seed"
/usr/bin/python3 "$PGM_ROOT/scripts/fuzz-documents.py" --seed "$seed" --count "$documents" \
    --results "$results" | tee "$results/documents.out" || rc=1
echo
echo "=============== semantic: $rounds rounds of $changes changes, seed $seed"
/usr/bin/python3 "$PGM_ROOT/scripts/fuzz-semantic.py" --seed "$seed" --count "$rounds" \
    --changes "$changes" --results "$results" | tee "$results/semantic.out" || rc=1

echo
echo "=============== fuzz summary ($((SECONDS - started)) s)"
{ tail -n 1 "$results/documents.out"; tail -n 1 "$results/semantic.out"; } |
    tee "${PGM_FUZZ_SUMMARY:-/dev/null}"
if [ "$rc" -ne 0 ]; then
    echo "fuzz: FAILED; the cases are in $results"
elif [ -z "$keep" ]; then
    rm -rf "$results"
fi
exit "$rc"
