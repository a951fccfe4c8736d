#!/usr/bin/env bash
# Memory stays flat: applying 10,000 revisions in one call must not need
# much more backend memory than applying 1,000.  A leak of anything per
# revision (a parse tree, a plan, an SPI result, a copy of the SQL) grows
# with the count; the difference between the two runs shows it.
#
# What is measured, and why: the apply runs in one statement, and whatever
# it leaks per revision lives until the statement ends, so a reading taken
# after the apply returns has already lost it.  So we watch the backend
# from outside while the apply runs, reading /proc/<pid>/status (as root):
#   - RssAnon, sampled every few ms: the backend's private memory (palloc
#     sits on malloc); its peak minus its value before the apply is the
#     figure we assert on.
#   - VmHWM, reset through /proc/<pid>/clear_refs just before the apply and
#     read after: the exact peak RSS, shown for information only, as it
#     also counts shared buffers and WAL buffers the backend first touched,
#     which grow with the work done without being memory it allocated.
#
# The bound: 8 MB more for 9,000 more revisions, i.e. under ~930 bytes per
# revision.  Some memory must grow with the graph: a node, its id and its
# parents per revision (~300 bytes), the id hash table (~200 bytes) and the
# result rows (~90 bytes); measured, that is ~570 bytes per revision in
# all.  Any per-statement leak costs more than the headroom left: a raw
# parse tree, a plan or an SPI result is a kilobyte or more per revision.
#
# Run by scripts/test.sh against its cluster (PGHOST/PGPORT/PGUSER); run
# alone (as root) it starts a throwaway cluster of its own.  Uses its own
# databases, dropped on exit.
set -euo pipefail

SMALL=${PGM_MEMFLAT_SMALL:-1000}
LARGE=${PGM_MEMFLAT_LARGE:-10000}
BOUND_KB=${PGM_MEMFLAT_BOUND_KB:-8192}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PGM_ROOT=${PGM_ROOT:-$(cd "$here/../.." && pwd)}
work=$(mktemp -d)
dbs=()
started_cluster=
session_pid=
sampler_pid=

cleanup() {
    if [ -n "$sampler_pid" ]; then kill "$sampler_pid" 2>/dev/null || true; fi
    if [ -n "$session_pid" ]; then kill "$session_pid" 2>/dev/null || true; fi
    local d
    for d in "${dbs[@]}"; do dropdb --if-exists "$d" 2>/dev/null || true; done
    rm -rf "$work"
    if [ -n "$started_cluster" ]; then cluster_stop; fi
}
trap cleanup EXIT
trap 'exit 130' INT     # so that the EXIT trap runs on ^C and on kill
trap 'exit 143' TERM

if [ -z "${PGHOST:-}" ]; then
    # shellcheck source=scripts/cluster.sh
    . "$PGM_ROOT/scripts/cluster.sh"
    started_cluster=1
    cluster_start memflat
fi

# status_kb PID FIELD: a field of /proc/PID/status, in kB.
status_kb() {
    local key value _
    while read -r key value _; do
        if [ "$key" = "$2:" ]; then echo "$value"; return 0; fi
    done <"/proc/$1/status"
    return 1
}

# sample_peak PID FIELD STOPFILE: print the highest FIELD seen until STOPFILE exists.
sample_peak() {
    local peak=0 v
    while [ ! -e "$3" ]; do
        v=$(status_kb "$1" "$2") || break
        [ "$v" -gt "$peak" ] && peak=$v
        sleep 0.002
    done
    v=$(status_kb "$1" "$2") && [ "$v" -gt "$peak" ] && peak=$v
    echo "$peak"
}

# measure N: register N revisions in a fresh database, apply them in a fresh
# session, and set base_kb, anon_peak_kb, hwm_kb, rows, contexts_kb.
measure() {
    local n=$1 db="pgm_memflat_${1}_$$"
    dbs+=("$db")
    createdb "$db"
    PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION pgmigrate;
-- The table the revisions write to comes through a revision too (the guard
-- refuses ad-hoc DDL), applied before the measured run.
SELECT migrate.add('m000000', 'CREATE TABLE probe (i int)', 'DROP TABLE probe', '{}') \g /dev/null
SELECT count(*) FROM migrate.apply('m000000') \g /dev/null
DO \$\$
DECLARE
    id text;
    prev text := 'm000000';
BEGIN
    FOR i IN 1..$n LOOP
        id := 'm' || lpad(i::text, 6, '0');
        PERFORM migrate.add(id, format('INSERT INTO probe VALUES (%s)', i), NULL,
                            ARRAY[prev]);
        prev := id;
    END LOOP;
END
\$\$;
SQL

    # One session, driven line by line: learn its pid, load the library,
    # take the baseline, then apply while the sampler watches.
    coproc SESSION { PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" \
                     psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" 2>&1; }
    # shellcheck disable=SC2153 # SESSION_PID is set by coproc
    session_pid=$SESSION_PID
    local to=${SESSION[1]} from=${SESSION[0]} pid
    echo "LOAD 'pgmigrate'; SELECT pg_backend_pid();" >&"$to"
    read -r -t 60 pid <&"$from"
    [[ $pid =~ ^[0-9]+$ ]] || { echo "FAIL: no backend pid (got: $pid)"; return 1; }

    base_kb=$(status_kb "$pid" RssAnon)
    echo 5 >"/proc/$pid/clear_refs"     # reset VmHWM to the current RSS
    local rss_before
    rss_before=$(status_kb "$pid" VmRSS)
    rm -f "$work/stop"
    sample_peak "$pid" RssAnon "$work/stop" >"$work/peak" &
    sampler_pid=$!

    echo "BEGIN; SELECT count(*) FROM migrate.apply('head');" >&"$to"
    read -r -t 600 rows <&"$from"
    touch "$work/stop"
    wait "$sampler_pid"
    sampler_pid=
    anon_peak_kb=$(cat "$work/peak")
    hwm_kb=$(( $(status_kb "$pid" VmHWM) - rss_before ))

    # What the transaction still holds after the apply returned.
    echo "SELECT (sum(total_bytes) / 1024)::bigint FROM pg_backend_memory_contexts; COMMIT;" >&"$to"
    read -r -t 60 contexts_kb <&"$from"
    echo '\q' >&"$to"
    wait "$session_pid" || true
    session_pid=
    [[ $rows =~ ^[0-9]+$ ]] || { echo "FAIL: apply of $n revisions: $rows"; return 1; }
}

failures=0

measure "$SMALL"
s_rows=$rows s_base=$base_kb s_peak=$anon_peak_kb s_hwm=$hwm_kb s_ctx=$contexts_kb
measure "$LARGE"
l_rows=$rows l_base=$base_kb l_peak=$anon_peak_kb l_hwm=$hwm_kb l_ctx=$contexts_kb

s_growth=$((s_peak - s_base))
l_growth=$((l_peak - l_base))
extra=$((l_growth - s_growth))
per_rev=$(( extra * 1024 / (LARGE - SMALL) ))

printf '%-10s %6s %14s %14s %16s %18s\n' revisions rows "RssAnon before" "RssAnon peak" "peak growth" "VmHWM growth*"
printf '%-10s %6s %11s kB %11s kB %13s kB %15s kB\n' "$SMALL" "$s_rows" "$s_base" "$s_peak" "$s_growth" "$s_hwm"
printf '%-10s %6s %11s kB %11s kB %13s kB %15s kB\n' "$LARGE" "$l_rows" "$l_base" "$l_peak" "$l_growth" "$l_hwm"
echo "* peak RSS during the apply over RSS before it; includes shared buffers first touched"
echo "memory contexts after the apply, same transaction: $s_ctx kB ($SMALL), $l_ctx kB ($LARGE)"
echo "growth for $((LARGE - SMALL)) more revisions: $extra kB (~$per_rev bytes per revision; bound $BOUND_KB kB)"

if [ "$s_rows" = "$SMALL" ] && [ "$l_rows" = "$LARGE" ]; then
    echo "PASS: every revision applied ($SMALL and $LARGE rows)"
else
    echo "FAIL: rows returned: $s_rows (expected $SMALL), $l_rows (expected $LARGE)"
    failures=$((failures + 1))
fi
if [ "$extra" -lt "$BOUND_KB" ]; then
    echo "PASS: backend memory flat ($extra kB < $BOUND_KB kB)"
else
    echo "FAIL: backend memory grows with the number of revisions ($extra kB >= $BOUND_KB kB)"
    failures=$((failures + 1))
fi

if [ "$failures" -eq 0 ]; then
    echo "PASS: memory_flat"
else
    echo "FAIL: memory_flat"
    exit 1
fi
