#!/usr/bin/env bash
# Benchmark: a column type change, int to bigint, of a table of ROWS rows
# (10,000,000 by default), as a plain revision and as an online one, while
# a workload of CLIENTS pgbench clients reads and updates random rows.
#
#   sudo bench/online.sh       (PGM_BENCH_ROWS=10000000 PGM_BENCH_CLIENTS=2)
#
# Printed for each way: how long the change took, the workload's worst
# transaction latency while it ran, and its transactions per second while
# it ran, beside the TPS of the same workload with nothing running (the
# floor).  The plain revision rewrites the table under an ACCESS EXCLUSIVE
# lock, so its worst latency is the workload's lock wait.  The issue's
# budget: the online change keeps the worst latency under 200 ms.
set -euo pipefail

ROWS=${PGM_BENCH_ROWS:-10000000}
CLIENTS=${PGM_BENCH_CLIENTS:-2}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin online

createdb bench
bpsql -d bench -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
bpsql -d bench -c "SELECT migrate.add('0001', \$\$CREATE SCHEMA app;
    CREATE TABLE app.plain (id bigint PRIMARY KEY, v integer NOT NULL DEFAULT 0, pad text);
    CREATE TABLE app.online (id bigint PRIMARY KEY, v integer NOT NULL DEFAULT 0, pad text)\$\$)" \
    -c "SELECT count(*) FROM migrate.apply()" >/dev/null
for t in plain online; do
    bpsql -d bench -c "INSERT INTO app.$t SELECT g, g % 100000, 'row ' || g FROM generate_series(1, $ROWS) g" \
          -c "VACUUM ANALYZE app.$t"
done

# the workload on TABLE: read a row, update another
for t in plain online; do
    cat >"$work/$t.sql" <<SQL
\set id random(1, $ROWS)
SELECT v, pad FROM $t WHERE id = :id;
UPDATE $t SET pad = 'touched' WHERE id = :id;
SQL
done

# workload TABLE SEARCH_PATH: one-second pgbench runs (each ends cleanly and
# writes its log) until $work/stop exists
workload() {
    local t=$1 path=$2 i=0
    rm -f "$work/stop"
    while [ ! -e "$work/stop" ]; do
        i=$((i + 1))
        PGOPTIONS="-c search_path=$path" pgbench -n -T 1 -c "$CLIENTS" -f "$work/$t.sql" -l \
            --log-prefix="$work/lat_${t}_$i" bench >"$work/out_${t}_$i" 2>&1 \
            || { echo "workload failed:"; cat "$work/out_${t}_$i"; } >>"$work/errors"
    done
}
# stats TABLE FROM TO: transactions that ended between two $EPOCHREALTIME
# readings: "TPS WORST_MS"
stats() {
    cat "$work"/lat_"$1"_* | awk -v a="$2" -v b="$3" '{
        t = $5 + $6 / 1e6                   # when the transaction ended
        if (t >= a && t <= b) { n++; if ($3 > m) m = $3 }
    } END { printf "%.0f %.1f\n", n / (b - a), m / 1000 }'
}

# one way of making the change: the workload runs 3 s before (the floor)
# and all through it
run() {
    local t=$1 path=$2 change=$3 s0 s1 e
    rm -f "$work"/lat_"$t"_*
    workload "$t" "$path" &
    local pid=$!
    s0=$EPOCHREALTIME
    sleep 3
    s1=$EPOCHREALTIME
    "$change"
    e=$EPOCHREALTIME
    sleep 1
    touch "$work/stop"
    wait "$pid"
    read -r floor_tps _ <<<"$(stats "$t" "$s0" "$s1")"
    read -r tps worst <<<"$(stats "$t" "$s1" "$e")"
    echo "$(awk -v a="$s1" -v b="$e" 'BEGIN { printf "%.1f", b - a }') $worst $tps $floor_tps"
}

plain_change() {
    bpsql -d bench -c "SELECT migrate.add('0002', 'ALTER TABLE app.plain ALTER COLUMN v TYPE bigint')" \
          -c "SELECT count(*) FROM migrate.apply()" >/dev/null 2>&1
}
online_change() {
    bpsql -d bench -c "SELECT migrate.add('0003', 'ALTER TABLE app.online ALTER COLUMN v TYPE bigint', online => true)" \
          -c "SELECT migrate.start('0003')" >/dev/null 2>&1
    bpsql -d bench -c "CALL migrate.backfill('0003')" >/dev/null 2>&1
    bpsql -d bench -c "SELECT migrate.complete('0003')" >/dev/null 2>&1
}

read -r p_total p_worst p_tps p_floor <<<"$(run plain app plain_change)"
# the workload is the old version of the application: its own schema
read -r o_total o_worst o_tps o_floor <<<"$(run online app_0002,app online_change)"
[ -e "$work/errors" ] && { echo "the workload had errors:"; cat "$work/errors"; }
types=$(bpsql -d bench -c "SELECT string_agg(attrelid::regclass || '.v ' || format_type(atttypid, atttypmod), ', ' ORDER BY 1)
                           FROM pg_attribute WHERE attname = 'v' AND attrelid IN ('app.plain'::regclass, 'app.online'::regclass)")

awk -v rows="$ROWS" -v c="$CLIENTS" -v pt="$p_total" -v pw="$p_worst" -v ptps="$p_tps" -v pf="$p_floor" \
    -v ot="$o_total" -v ow="$o_worst" -v otps="$o_tps" -v of="$o_floor" -v types="$types" 'BEGIN {
    printf "int -> bigint on %d rows, %d workload clients (%s)\n", rows, c, types
    printf "                     total s   worst latency ms   TPS during   TPS before (floor)   TPS ratio\n"
    printf "  plain revision    %8.1f   %16.1f   %10.0f   %18.0f   %9.2f\n", pt, pw, ptps, pf, ptps / pf
    printf "  online revision   %8.1f   %16.1f   %10.0f   %18.0f   %9.2f\n", ot, ow, otps, of, otps / of
    printf "  budget: worst latency of the online change <= 200 ms: %s\n", (ow <= 200 ? "within" : "OVER")
}'
