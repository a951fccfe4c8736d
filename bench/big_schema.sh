#!/usr/bin/env bash
# Benchmark: does a migration cost what it changes, or what the database holds?
#
#   sudo bench/big_schema.sh     (PGM_BENCH_SIZES="1000 10000 100000" PGM_BENCH_RUNS=3)
#
# For each size N (smallest first), a database of N tables t1 .. tN, each
#     CREATE TABLE tI (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '',
#                      created timestamptz, CONSTRAINT tI_name_ck CHECK (length(name) < 200));
#     CREATE INDEX tI_name ON tI (name)
# (written by awk and sent through one psql, a transaction per thousand
# tables; the next size adds the tables the last one lacks).  A copy of it
# (CREATE DATABASE ... TEMPLATE, file copy) gets pgmigrate, one applied
# revision (a table of its own: the first apply records the first snapshot)
# and the measured revision
#     up:   ALTER TABLE t1 ADD COLUMN c int
#     down: ALTER TABLE t1 DROP COLUMN c
# which each run applies (SELECT count(*) FROM migrate.apply('head')) and
# rolls back (SELECT count(*) FROM migrate.rollback('-1')).  The floor is
# the same ALTER by psql in a transaction (psql -1 -c) in the database
# without pgmigrate.  Figures, each the median of the runs:
#   seconds        wall clock as the client sees it (connection included),
#                  after an untimed CHECKPOINT; the ratio against the floor.
#                  Each run times PGM_BENCH_ROUNDS (5) applies and rollbacks,
#                  each beside the floor's ALTERs, and the median is over all
#                  of them: a whole deploy takes milliseconds here, and one
#                  timing moves by a millisecond or two
#   ... preloaded  the same, with the server restarted with
#                  shared_preload_libraries = 'pgmigrate' (as README.md
#                  recommends for the guard): a new session finds the library
#                  loaded instead of loading it (and, on 15, defining its
#                  settings, which re-sorts the server's list of settings
#                  each time); the floor is timed again there
#   lock held      how long the ALTER's ACCESS EXCLUSIVE lock on t1 kept a
#                  reader out, in separate runs: a second session polls
#                  pg_locks (every half millisecond) until the lock is
#                  granted, reads clock_timestamp(), runs SELECT 1 FROM t1
#                  LIMIT 1 (no lock_timeout: it queues behind the lock) and
#                  reads clock_timestamp() again, all in one DO block; the
#                  same for the floor, whose lock may come and go between
#                  two polls (then it is counted as 0 ms, which can only
#                  make pgmigrate's difference look larger)
#   catalog bytes  sum of pg_total_relation_size() over migrate's tables
#                  (snapshots, log, revisions, online: with their TOAST and
#                  indexes) after one apply minus before it; autovacuum is
#                  off, so no freed space is reused in between
#   snapshot       the last row of migrate.snapshots: pg_column_size() (as
#                  stored, compressed) and the length of its text
#   schema()       migrate.schema() alone in a new session (what the first
#                  deploy records whole), wall clock, for where the time goes
#   drift()        SELECT count(*) FROM migrate.drift() in a new session (it
#                  must find nothing), against pg_dump --schema-only of the
#                  same database (to /dev/null), wall clock
# next to the goals of "a migration costs what it changes": apply and
# rollback within 1.2x of psql, the lock held no longer than psql's plus
# 50 ms, under 100 kB stored per deploy, drift() within 1.0x of pg_dump,
# at every size.  Each figure says
# PASS or FAIL; the script exits 0 either way (it measures, it does not
# judge a build).  The server is a throwaway cluster (fsync=off, autovacuum
# off, shared_buffers=1GB, and locks enough for pg_dump, which locks every
# table).  The table is also written to bench/out/.
# How long: on a small two-core machine 100,000 tables take about three
# minutes to build and 40 s to copy, and while every apply records the
# whole schema each apply and rollback there takes half a minute: the
# three sizes, three runs, take about half an hour; 1,000 and 10,000 alone
# (PGM_BENCH_SIZES="1000 10000") a few minutes.
set -euo pipefail

# shellcheck disable=SC2086
SIZES=$(printf '%s\n' ${PGM_BENCH_SIZES:-1000 10000 100000} | sort -n -u | tr '\n' ' ')
RUNS=${PGM_BENCH_RUNS:-3}
ROUNDS=${PGM_BENCH_ROUNDS:-5}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin big_schema "autovacuum=off" "shared_buffers=1GB" "max_wal_size=4GB" "max_locks_per_transaction=2048"
BASE_OPTS=$PGM_CLUSTER_OPTS

# restart_with [SETTING ...]: the server again, with these -c settings
# beside the benchmark's own
restart_with() {
    local extra opts=$BASE_OPTS
    as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w stop >/dev/null
    for extra in "$@"; do opts="$opts -c $extra"; done
    PGM_CLUSTER_OPTS=$opts
    cluster_restart
}

# psql for the benchmark: NOTICEs and WARNINGs (the lint's, one per apply)
# kept out of the terminal but still sent
bpsql() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>>"$work/stderr"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fail() { echo "$*" >&2; cat "$work/stderr" >&2; exit 1; }

# ---- the databases -------------------------------------------------------

PLAIN=big_plain MIG=big_migrate

# add_tables FROM TO: tables tFROM .. tTO in the plain database
add_tables() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        for (i = a; i <= b; i++) {
            if ((i - a) % 1000 == 0) print "BEGIN;"
            printf "CREATE TABLE t%d (id bigint PRIMARY KEY, name text NOT NULL DEFAULT \047\047, " \
                   "created timestamptz, CONSTRAINT t%d_name_ck CHECK (length(name) < 200));\n", i, i
            printf "CREATE INDEX t%d_name ON t%d (name);\n", i, i
            if ((i - a) % 1000 == 999 || i == b) print "COMMIT;"
        }
    }' | bpsql -d "$PLAIN"
}

# migrate_copy: the pgmigrate database, a copy of the plain one with
# pgmigrate, one applied revision and the measured one registered
migrate_copy() {
    bpsql -c "DROP DATABASE IF EXISTS $MIG" \
          -c "CREATE DATABASE $MIG TEMPLATE $PLAIN STRATEGY file_copy"
    bpsql -d "$MIG" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate" \
        -c "SELECT migrate.add('0001_base', 'CREATE TABLE bench_base (id int PRIMARY KEY)', 'DROP TABLE bench_base')" \
        >/dev/null
}

# ---- timing --------------------------------------------------------------

# timed VAR COMMAND...: run COMMAND (stdout to $work/out), store its wall
# time in VAR.  An untimed CHECKPOINT first, so that the previous step's
# dirty pages are written now and not while this one runs.
timed() {
    local var=$1; shift
    bpsql -c CHECKPOINT
    local t0=$EPOCHREALTIME t1
    "$@" >"$work/out" || fail "failed: $*"
    t1=$EPOCHREALTIME
    printf -v "$var" '%s' "$(elapsed "$t0" "$t1")"
}
expect_one() { [ "$(cat "$work/out")" = 1 ] || fail "$1 returned $(cat "$work/out") rows, expected 1"; }

APPLY="SELECT count(*) FROM migrate.apply('head')"
ROLLBACK="SELECT count(*) FROM migrate.rollback('-1')"
UP="ALTER TABLE t1 ADD COLUMN c int"
DOWN="ALTER TABLE t1 DROP COLUMN c"

# catalog_bytes: what migrate's tables take on disk, with TOAST and indexes
catalog_bytes() {
    bpsql -d "$MIG" -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname = 'migrate' AND c.relkind IN ('r', 'p')"
}

# deploy_rounds A R U D: ROUNDS times an apply, a rollback and the floor's
# two ALTERs, each timed, appended to the arrays named A, R, U and D
deploy_rounds() {
    local -n ra=$1 rr=$2 ru=$3 rd=$4
    local round t
    for round in $(seq 1 "$ROUNDS"); do
        timed t bpsql -d "$MIG" -c "$APPLY"; expect_one "apply"; ra+=("$t")
        timed t bpsql -d "$MIG" -c "$ROLLBACK"; expect_one "rollback"; rr+=("$t")
        timed t bpsql -1 -d "$PLAIN" -c "$UP"; ru+=("$t")
        timed t bpsql -1 -d "$PLAIN" -c "$DOWN"; rd+=("$t")
    done
}

# ---- the lock ------------------------------------------------------------

# The waiter: polls pg_locks until the ACCESS EXCLUSIVE lock on t1 is
# granted, then queues behind it; prints the seconds between the two.
WAITER=$(cat <<'SQL'
DO $$
DECLARE
    rel oid := 'public.t1'::regclass;
    deadline timestamptz := clock_timestamp() + interval '30 min';
    seen timestamptz;
BEGIN
    LOOP
        EXIT WHEN EXISTS (SELECT FROM pg_locks
                          WHERE locktype = 'relation' AND relation = rel
                            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                            AND mode = 'AccessExclusiveLock' AND granted);
        IF clock_timestamp() > deadline THEN
            RAISE EXCEPTION 'no lock on t1 seen';
        END IF;
        PERFORM pg_sleep(0.0005);
    END LOOP;
    seen := clock_timestamp();
    PERFORM 1 FROM public.t1 LIMIT 1;
    RAISE NOTICE 'held %', extract(epoch FROM clock_timestamp() - seen);
END $$
SQL
)

# lock_held VAR DB COMMAND...: run COMMAND (against DB) while the waiter
# watches DB; store in VAR the milliseconds the waiter waited (0 when the
# lock came and went between two polls).
lock_held() {
    local var=$1 db=$2 pid n i=0 held; shift 2
    bpsql -c CHECKPOINT
    PGAPPNAME=bench_waiter psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$WAITER" >/dev/null 2>"$work/waiter" &
    pid=$!
    until n=$(bpsql -d "$db" -c "SELECT count(*) FROM pg_stat_activity
                                  WHERE application_name = 'bench_waiter' AND state = 'active'") && [ "$n" = 1 ]; do
        sleep 0.01
    done
    "$@" >"$work/out" || { kill "$pid" 2>/dev/null; fail "failed: $*"; }
    # the waiter ends within a moment of the lock's release; one still
    # polling two seconds later never saw the lock
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.01; i=$((i + 1)); done
    if kill -0 "$pid" 2>/dev/null; then
        bpsql -d "$db" -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity
                           WHERE application_name = 'bench_waiter'" >/dev/null
        wait "$pid" || true
        held=0
    else
        wait "$pid" || fail "the waiter failed: $(cat "$work/waiter")"
        held=$(sed -n 's/^NOTICE:  held \([0-9.e-]*\)$/\1/p' "$work/waiter")
        [ -n "$held" ] || fail "the waiter said: $(cat "$work/waiter")"
    fi
    printf -v "$var" '%s' "$(awk -v s="$held" 'BEGIN { printf "%.1f", s * 1000 }')"
}

# ---- the runs ------------------------------------------------------------

version=$(bpsql -c 'SHOW server_version')
echo "big_schema: sizes $SIZES, $RUNS runs, PostgreSQL $version"
mkdir -p "$PGM_ROOT/bench/out"
out=$PGM_ROOT/bench/out/big_schema.txt
: >"$work/table"

createdb "$PLAIN"
have=0
for n in $SIZES; do
    : >"$work/stderr"
    t0=$EPOCHREALTIME
    add_tables $((have + 1)) "$n"
    have=$n
    t1=$EPOCHREALTIME
    migrate_copy
    t2=$EPOCHREALTIME
    first=0
    timed first bpsql -d "$MIG" -c "$APPLY"
    expect_one "the first apply"
    bpsql -d "$MIG" -c "SELECT migrate.add('0002_t1_c', '$UP', '$DOWN')" >/dev/null
    echo "$n tables: built in $(elapsed "$t0" "$t1") s, copied with pgmigrate in $(elapsed "$t1" "$t2") s," \
         "first apply $first s"

    a=() r=() fu=() fd=() la=() lr=() lu=() ld=() ba=() br=() s=() dr=() pd=()
    for run in $(seq 1 "$RUNS"); do
        b0=$(catalog_bytes)
        bpsql -d "$MIG" -c "$APPLY" >"$work/out"; expect_one "apply"
        b1=$(catalog_bytes)
        bpsql -d "$MIG" -c "$ROLLBACK" >"$work/out"; expect_one "rollback"
        b2=$(catalog_bytes)
        ba+=($((b1 - b0))) br+=($((b2 - b1)))
        deploy_rounds a r fu fd

        lock_held t "$MIG" bpsql -d "$MIG" -c "$APPLY"; la+=("$t")
        lock_held t "$MIG" bpsql -d "$MIG" -c "$ROLLBACK"; lr+=("$t")
        lock_held t "$PLAIN" bpsql -1 -d "$PLAIN" -c "$UP"; lu+=("$t")
        lock_held t "$PLAIN" bpsql -1 -d "$PLAIN" -c "$DOWN"; ld+=("$t")

        timed t bpsql -d "$MIG" -c "SELECT pg_column_size(migrate.schema())"; s+=("$t")
        timed t bpsql -d "$MIG" -c "SELECT count(*) FROM migrate.drift()"; dr+=("$t")
        [ "$(cat "$work/out")" = 0 ] || fail "drift() found $(cat "$work/out") differences, expected none"
        timed t pg_dump --schema-only -d "$MIG" -f /dev/null; pd+=("$t")
        echo "  run $run: apply $(median "${a[@]: -$ROUNDS}") s, rollback $(median "${r[@]: -$ROUNDS}") s," \
             "psql $(median "${fu[@]: -$ROUNDS}") / $(median "${fd[@]: -$ROUNDS}") s;" \
             "lock held apply ${la[-1]} ms, rollback ${lr[-1]} ms, psql ${lu[-1]} / ${ld[-1]} ms;" \
             "catalog +${ba[-1]} / +${br[-1]} bytes; schema() ${s[-1]} s; drift() ${dr[-1]} s, pg_dump ${pd[-1]} s"
    done
    # the same deploys with the library preloaded, then the server as it was
    restart_with "shared_preload_libraries=pgmigrate"
    pa=() pr=() pu=() pdn=()
    for run in $(seq 1 "$RUNS"); do deploy_rounds pa pr pu pdn; done
    echo "  preloaded: apply $(median "${pa[@]}") s, rollback $(median "${pr[@]}") s," \
         "psql $(median "${pu[@]}") / $(median "${pdn[@]}") s"
    restart_with
    echo "$n $(median "${a[@]}") $(median "${r[@]}") $(median "${fu[@]}") $(median "${fd[@]}")" \
         "$(median "${la[@]}") $(median "${lr[@]}") $(median "${lu[@]}") $(median "${ld[@]}")" \
         "$(median "${ba[@]}") $(median "${br[@]}") $(median "${s[@]}") $first" \
         "$(median "${dr[@]}") $(median "${pd[@]}")" \
         "$(bpsql -d "$MIG" -F ' ' -c "SELECT pg_column_size(snapshot), octet_length(snapshot::text)
                                      FROM migrate.snapshots ORDER BY id DESC LIMIT 1")" \
         "$(median "${pa[@]}") $(median "${pr[@]}") $(median "${pu[@]}") $(median "${pdn[@]}")" >>"$work/table"
done

awk -v runs="$RUNS" -v rounds="$ROUNDS" -v version="$version" '
function verdict(ok) { return ok ? "PASS" : "FAIL" }
BEGIN {
    printf "\none small revision (ALTER TABLE t1 ADD COLUMN c int, down DROP COLUMN c) in a database of N tables,\n"
    printf "median of %d runs (the deploys: of %d x %d), PostgreSQL %s; floor: the same ALTER by psql -1\n", runs, runs, rounds, version
    printf "%8s  %-36s %12s %12s %12s  %-12s %s\n", "tables", "figure", "pgmigrate", "psql", "ratio/diff", "goal", ""
}
{
    n = $1; a = $2; r = $3; fu = $4; fd = $5; la = $6; lr = $7; lu = $8; ld = $9; ba = $10; br = $11; s = $12; first = $13; dr = $14; pd = $15; stored = $16; text = $17
    pa = $18; pr = $19; pu = $20; pdn = $21
    printf "%8d  %-36s %10.4f s %10.4f s %11.2fx  %-12s %s\n", n, "apply(\047head\047)", a, fu, a / fu, "<= 1.20x", verdict(a / fu <= 1.2)
    printf "%8d  %-36s %10.4f s %10.4f s %11.2fx  %-12s %s\n", n, "rollback(\047-1\047)", r, fd, r / fd, "<= 1.20x", verdict(r / fd <= 1.2)
    printf "%8d  %-36s %10.4f s %10.4f s %11.2fx  %-12s %s\n", n, "apply(\047head\047), library preloaded", pa, pu, pa / pu, "<= 1.20x", verdict(pa / pu <= 1.2)
    printf "%8d  %-36s %10.4f s %10.4f s %11.2fx  %-12s %s\n", n, "rollback(\047-1\047), library preloaded", pr, pdn, pr / pdn, "<= 1.20x", verdict(pr / pdn <= 1.2)
    printf "%8d  %-36s %9.1f ms %9.1f ms %+9.1f ms  %-12s %s\n", n, "lock on t1 held, apply", la, lu, la - lu, "<= +50 ms", verdict(la - lu <= 50)
    printf "%8d  %-36s %9.1f ms %9.1f ms %+9.1f ms  %-12s %s\n", n, "lock on t1 held, rollback", lr, ld, lr - ld, "<= +50 ms", verdict(lr - ld <= 50)
    printf "%8d  %-36s %10.1f kB %12s %12s  %-12s %s\n", n, "catalog bytes added per apply", ba / 1024, "", "", "< 100 kB", verdict(ba < 100 * 1024)
    printf "%8d  %-36s %10.1f kB\n", n, "catalog bytes added per rollback", br / 1024
    printf "%8d  %-36s %10.1f kB   (%.1f kB as text)\n", n, "one snapshot, stored", stored / 1024, text / 1024
    printf "%8d  %-36s %10.3f s\n", n, "migrate.schema() alone, new session", s
    printf "%8d  %-36s %10.3f s\n", n, "first apply (the first snapshot)", first
    printf "%8d  %-36s %10.3f s %10.3f s %11.2fx  %-12s %s\n", n, "drift(), new session / pg_dump -s", dr, pd, dr / pd, "<= 1.00x", verdict(dr / pd <= 1.0)
}
END { print "lock held: from the lock showing granted in pg_locks to a waiting SELECT getting through" }
' "$work/table" | tee "$out"
