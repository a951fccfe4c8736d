#!/usr/bin/env bash
# The locks of an online revision's complete, against the application's
# transactions.  Each case widens the key of a pair of tables, orders.id
# (integer) that items.order_id (bigint) references, as an online revision,
# and runs complete while another session holds one of the tables:
#
#   order       (orders also references itself, and that column is widened
#               too) the session holds items, as an INSERT into items does before
#               it checks its key, and reads orders once complete waits.
#               Complete takes items before orders, so neither waits for
#               the other: no "deadlock detected", for either of them.
#   give up     the session holds orders for two seconds.  Complete, its
#               deadlock_timeout at 200 ms, gives up orders after 100 ms
#               (it holds items and the views by then) and waits for orders
#               first in the next attempt: one retry, then it completes.  A
#               reader of a materialized view of orders does not hold it up.
#   partitions  the same for abort and a partition of a partitioned table.
#   autovacuum  a slow autovacuum holds orders, and deadlock_timeout (which
#               would have PostgreSQL cancel it) is a minute.  Start, the
#               foreign key's ADD ... NOT VALID and complete each cancel it,
#               and go through within one lock timeout of 2 s.
#   backfill    a transaction updates a row, then, once a backfill batch
#               waits for it, a row the batch has updated: the batch gives up
#               (half of deadlock_timeout) and is retried, so neither fails.
#               A row held longer than the batch's tries stops the backfill
#               with 55P03, naming the table; the next call goes on.
#   client      the foreign key's step (ADD ... NOT VALID locks items, then
#               orders) meets a transaction that placed an order and then
#               adds its item: a deadlock, which ends the step.  The client
#               (pgmigrate backfill) sends the step again, and it goes through
#               once the transaction commits.
#
# Runs its own throwaway cluster (autovacuum every second); needs root, like
# scripts/test.sh.
set -euo pipefail

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
own_cluster online_locks autovacuum_naptime=1 log_autovacuum_min_duration=0
db=online_locks
createdb "$db"

q() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

q "SET client_min_messages = warning; CREATE EXTENSION pgmigrate"
tables=""
for p in a b c d; do
    # the third pair's orders is vacuumed slowly: a page costs 2, and 1 buys 100 ms
    opts=""
    [ "$p" = c ] && opts="WITH (autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1,
                                autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0)"
    tables="$tables
        CREATE TABLE app.${p}_orders (id integer PRIMARY KEY, note text) $opts;
        CREATE TABLE app.${p}_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES app.${p}_orders);
        CREATE INDEX ON app.${p}_items (order_id);"
done
# the first pair's orders references itself; a materialized view reads the second's
tables="$tables
    ALTER TABLE app.a_orders ADD COLUMN parent_id integer REFERENCES app.a_orders;
    CREATE MATERIALIZED VIEW app.b_counts AS SELECT count(*) FROM app.b_orders;
    CREATE TABLE app.x_orders (id integer PRIMARY KEY);
    CREATE TABLE app.x_items (id integer PRIMARY KEY, order_id integer NOT NULL REFERENCES app.x_orders);
    CREATE TABLE app.x_notes (id bigint PRIMARY KEY, item_id integer REFERENCES app.x_items);
    CREATE TABLE app.p (id bigint PRIMARY KEY, v integer) PARTITION BY RANGE (id);
    CREATE TABLE app.p1 PARTITION OF app.p FOR VALUES FROM (0) TO (1000);
    CREATE TABLE app.p2 PARTITION OF app.p FOR VALUES FROM (1000) TO (2000);"
q "SELECT migrate.add('0001', \$\$CREATE SCHEMA app; $tables\$\$)" >/dev/null
q "SELECT count(*) FROM migrate.apply()" >/dev/null
for p in a b c d; do
    q "INSERT INTO app.${p}_orders SELECT g, 'order ' || g FROM generate_series(1, 20000) g;
       INSERT INTO app.${p}_items SELECT g, g FROM generate_series(1, 20000) g"
done

# widen PAIR [SQL]: an online revision of the pair's key (SQL: of more), up to complete
widen() {
    q "SELECT migrate.add('1$1', '${2:-ALTER TABLE app.$1_orders ALTER COLUMN id TYPE bigint}', online => true)" >/dev/null
    q "SELECT migrate.start('1$1')" >/dev/null
    q "CALL migrate.backfill('1$1')" >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<<"SELECT statement FROM migrate.online_statements('1$1') \\gexec" >/dev/null
}
# complete PAIR SETTINGS...: complete, its output in $work/complete_PAIR
complete() {
    local p=$1; shift
    PGOPTIONS="$*" psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT migrate.complete('1$p')" \
        >"$work/complete_$p" 2>&1
}
# wait_for SQL: until SQL (a boolean) is true, 30 s at most
wait_for() {
    local i
    for i in $(seq 1 300); do
        [ "$(q "$1")" = t ] && return 0
        sleep 0.1
    done
    echo "  waited 30 s for: $1"
    return 1
}
# hold SECONDS SQL OUT: a transaction that runs SQL and then sleeps, its output in OUT
hold() { psql -X -q -d "$db" -c "BEGIN" -c "$2" -c "SELECT pg_sleep($1)" -c "COMMIT" >"$3" 2>&1; }
# session OUT: psql running the SQL on stdin, its output in OUT
session() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" >"$1" 2>&1; }
# until_waiting PATTERN: a DO block that ends once a session whose query is
# LIKE PATTERN waits for a lock (30 s at most)
until_waiting() {
    cat <<SQL
DO \$\$
BEGIN
    FOR i IN 1..600 LOOP
        PERFORM pg_stat_clear_snapshot();
        EXIT WHEN EXISTS (SELECT FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '$1');
        PERFORM pg_sleep(0.05);
    END LOOP;
END \$\$;
SQL
}
# meet_complete PAIR SETTINGS...: a session holds PAIR's items as an insert
# does, and reads its orders (as the insert's key check does) once complete
# waits; complete's status in $rc, the session's in $app_rc
meet_complete() {
    local p=$1 app
    shift
    session "$work/app_$p" <<SQL &
BEGIN;
LOCK TABLE app.${p}_items IN ROW EXCLUSIVE MODE;
$(until_waiting '%migrate.complete%')
SELECT count(*) FROM app.${p}_orders;
COMMIT;
SQL
    app=$!
    wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'app.${p}_items'::regclass AND mode = 'RowExclusiveLock' AND granted)"
    set +e; complete "$p" "$@"; rc=$?; wait "$app"; app_rc=$?; set -e
}
completed() { [ "$(q "SELECT format_type(atttypid, -1) FROM pg_attribute WHERE attrelid = 'app.$1_orders'::regclass AND attname = 'id'")" = bigint ]; }
no_deadlock() { ! grep -q "deadlock detected" "$work/$1" "$PGM_CLUSTER_DIR/server.log"; }

# ---- order -------------------------------------------------------------------
widen a 'ALTER TABLE app.a_orders ALTER COLUMN id TYPE bigint; ALTER TABLE app.a_orders ALTER COLUMN parent_id TYPE bigint'
meet_complete a
check "order: complete succeeds" test "$rc" -eq 0
check "order: the session holding items reads orders and commits" test "$app_rc" -eq 0
check "order: no deadlock" no_deadlock app_a
check "order: no retry (items before orders, which references itself)" bash -c "! grep -q retrying '$work/complete_a'"
check "order: the key is bigint" completed a

# ---- give up -----------------------------------------------------------------
widen b
hold 2 "LOCK TABLE app.b_orders IN ACCESS SHARE MODE" "$work/app_b" &
app=$!
# a reader of the materialized view, which complete leaves alone
hold 4 "SELECT * FROM app.b_counts" "$work/app_b2" &
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'app.b_counts'::regclass AND granted AND pid <> pg_backend_pid())"
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'app.b_orders'::regclass AND mode = 'AccessShareLock' AND granted AND pid <> pg_backend_pid())"
set +e; complete b "-c deadlock_timeout=200ms -c pgmigrate.lock_timeout=10s"; rc=$?; wait "$app"; set -e
check "give up: complete succeeds" test "$rc" -eq 0
check "give up: it retried once, for orders" \
    test "$(grep -c 'waited too long for a lock on app.b_orders; retrying' "$work/complete_b")" -eq 1
check "give up: no other retry" test "$(grep -c 'retrying' "$work/complete_b")" -eq 1
check "give up: the key is bigint" completed b
wait

# ---- autovacuum ----------------------------------------------------------------
q "SELECT migrate.add('1c', 'ALTER TABLE app.c_orders ALTER COLUMN id TYPE bigint', online => true)" >/dev/null
cancelled() { grep -c "cancelled the autovacuum of table app.c_orders" "$PGM_CLUSTER_DIR/server.log" || true; }
autovacuum_on_orders="SELECT EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query LIKE '%c_orders%')"
# a dead row for each, for an autovacuum before start
q "UPDATE app.c_orders SET note = note"
wait_for "$autovacuum_on_orders"
set +e
PGOPTIONS="-c deadlock_timeout=60s -c pgmigrate.lock_timeout=2s -c pgmigrate.lock_retries=0" \
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT migrate.start('1c')" >"$work/start_c" 2>&1
rc=$?
set -e
check "autovacuum: start goes through within its 2 s" test "$rc" -eq 0
check "autovacuum: it was cancelled for start" test "$(cancelled)" -ge 1
before=$(cancelled)
q "CALL migrate.backfill('1c')" >/dev/null
# the index first (CREATE INDEX CONCURRENTLY waits for an autovacuum too, and has PostgreSQL cancel it)
psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
    <<<"SELECT statement FROM migrate.online_statements('1c') WHERE statement NOT LIKE 'SET LOCAL%' \\gexec" >/dev/null
# the backfill left a dead row for each: autovacuum comes again, and takes its time
wait_for "$autovacuum_on_orders"
set +e
PGOPTIONS="-c deadlock_timeout=60s" psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
    <<<"SELECT statement FROM migrate.online_statements('1c') \\gexec" >"$work/keys_c" 2>&1
rc=$?
set -e
check "autovacuum: the foreign key's steps go through within their 2 s" test "$rc" -eq 0
check "autovacuum: it was cancelled for the ADD" test "$(cancelled)" -gt "$before"
wait_for "$autovacuum_on_orders"
before=$(cancelled)
set +e; complete c "-c deadlock_timeout=60s -c pgmigrate.lock_timeout=2s -c pgmigrate.lock_retries=0"; rc=$?; set -e
check "autovacuum: complete succeeds" test "$rc" -eq 0
check "autovacuum: it was cancelled for complete" test "$(cancelled)" -gt "$before"
check "autovacuum: the key is bigint" completed c

# ---- backfill --------------------------------------------------------------------
q "SELECT migrate.add('1e', 'CREATE TABLE app.e_rows (id bigint PRIMARY KEY, v integer)')" >/dev/null
q "SELECT count(*) FROM migrate.apply()" >/dev/null
q "INSERT INTO app.e_rows SELECT g, g FROM generate_series(1, 5000) g"
q "SELECT migrate.add('2e', 'ALTER TABLE app.e_rows ALTER COLUMN v TYPE bigint', online => true)" >/dev/null
q "SELECT migrate.start('2e')" >/dev/null
session "$work/app_e" <<SQL &
BEGIN;
UPDATE app.e_rows SET v = v + 1 WHERE id = 500;
$(until_waiting 'CALL migrate.backfill%')
UPDATE app.e_rows SET v = v + 1 WHERE id = 10;
COMMIT;
SQL
app=$!
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'app.e_rows'::regclass AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid())"
set +e
psql -X -q -d "$db" -c "CALL migrate.backfill('2e')" >"$work/backfill_e" 2>&1; rc=$?
wait "$app"; app_rc=$?
set -e
check "backfill: it goes through" test "$rc" -eq 0
check "backfill: after one retry" test "$(grep -c 'waited too long for a lock on app.e_rows; retrying in 100 ms (retry 1 of 3)' "$work/backfill_e")" -eq 1
check "backfill: the transaction that met it commits" test "$app_rc" -eq 0
check "backfill: no deadlock" no_deadlock backfill_e
check "backfill: both updates are there" test "$(q "SELECT sum(v) FROM app.e_rows WHERE id IN (10, 500)")" -eq 512

q "SELECT migrate.abort('2e')" >/dev/null
q "SELECT migrate.start('2e')" >/dev/null
hold 3 "UPDATE app.e_rows SET v = v + 1 WHERE id = 4000" "$work/app_e2" &
app=$!
wait_for "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid())"
set +e
PGOPTIONS="-c pgmigrate.lock_retries=0" psql -X -q -v VERBOSITY=verbose -d "$db" -c "CALL migrate.backfill('2e')" >"$work/backfill_e2" 2>&1
rc=$?
wait "$app"
set -e
check "backfill: a row held too long stops it" test "$rc" -ne 0
check "backfill: with 55P03, naming the table" grep -q 'ERROR:  55P03: revision "2e" could not get a lock on app.e_rows' "$work/backfill_e2"
check "backfill: and keeps what it filled" \
    test "$(q "SELECT rows_done FROM migrate.online_progress WHERE revision = '2e'")" -eq 3000
q "CALL migrate.backfill('2e')" >/dev/null
check "backfill: the next call finishes it" \
    test "$(q "SELECT phase FROM migrate.online_progress WHERE revision = '2e'")" = backfilled
check "backfill: complete succeeds" q "SELECT migrate.complete('2e')"

# ---- client ----------------------------------------------------------------------
q "SELECT migrate.add('1d', 'ALTER TABLE app.d_orders ALTER COLUMN id TYPE bigint', online => true)" >/dev/null
q "SELECT migrate.start('1d')" >/dev/null
q "CALL migrate.backfill('1d')" >/dev/null
# the index first: what is left for the client is the foreign key's steps
psql -X -q -v ON_ERROR_STOP=1 -d "$db" \
    <<<"SELECT statement FROM migrate.online_statements('1d') WHERE statement NOT LIKE 'SET LOCAL%' \\gexec" >/dev/null
session "$work/app_d" <<SQL &
BEGIN;
INSERT INTO app.d_orders VALUES (100001, 'placed');
$(until_waiting 'SET LOCAL lock_timeout%')
INSERT INTO app.d_items VALUES (100001, 100001);
COMMIT;
SQL
app=$!
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'app.d_orders'::regclass AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid())"
set +e
PGDATABASE=$db PGOPTIONS="-c deadlock_timeout=200ms" pgmigrate backfill 1d >"$work/client_d" 2>&1; rc=$?
wait "$app"; app_rc=$?
set -e
check "client: the foreign key's steps go through" test "$rc" -eq 0
check "client: after one retry, for the deadlock" \
    test "$(grep -c "a deadlock ended a foreign key's step; retrying in 100 ms (retry 1 of 3)" "$work/client_d")" -eq 1
check "client: the transaction that met it commits" test "$app_rc" -eq 0
check "client: its order and item are there" \
    test "$(q "SELECT count(*) FROM app.d_items i JOIN app.d_orders o ON o.id = i.order_id WHERE i.id = 100001")" -eq 1
set +e; complete d; rc=$?; set -e
check "client: complete succeeds" test "$rc" -eq 0
check "client: the key is bigint" completed d

# ---- chain ---------------------------------------------------------------------
# one revision widens x_orders.id, x_items.order_id and .id, x_notes.item_id:
# complete takes notes, then items, then orders (each after the tables that
# reference it, through others too), so a session holding items that then
# reads orders, as an insert's key check does, meets it nowhere
q "INSERT INTO app.x_orders SELECT g FROM generate_series(1, 2000) g;
   INSERT INTO app.x_items SELECT g, g FROM generate_series(1, 2000) g;
   INSERT INTO app.x_notes SELECT g, g FROM generate_series(1, 2000) g"
widen x 'ALTER TABLE app.x_orders ALTER COLUMN id TYPE bigint; ALTER TABLE app.x_items ALTER COLUMN order_id TYPE bigint;
         ALTER TABLE app.x_items ALTER COLUMN id TYPE bigint; ALTER TABLE app.x_notes ALTER COLUMN item_id TYPE bigint'
meet_complete x "-c deadlock_timeout=10s"
check "chain: complete succeeds" test "$rc" -eq 0
check "chain: the session holding items reads orders and commits" test "$app_rc" -eq 0
check "chain: no retry (notes, items, orders)" bash -c "! grep -q retrying '$work/complete_x'"
check "chain: the key and both columns referencing it are bigint" \
    test "$(q "SELECT string_agg(format_type(atttypid, -1), ',' ORDER BY attrelid::regclass::text, attname) FROM pg_attribute
               WHERE attrelid IN ('app.x_orders'::regclass, 'app.x_items'::regclass, 'app.x_notes'::regclass)
               AND attname IN ('id', 'order_id', 'item_id')")" = "bigint,bigint,bigint,bigint,bigint"

# ---- partitions (last: the revision stays registered, unapplied) ---------------
# abort takes the partitions up front too: a session holding one for 2 s makes it
# give way once and take that partition first
q "SELECT migrate.add('1p', 'ALTER TABLE app.p ALTER COLUMN v TYPE bigint', online => true)" >/dev/null
q "SELECT migrate.start('1p')" >/dev/null
hold 2 "LOCK TABLE app.p2 IN ROW EXCLUSIVE MODE" "$work/app_p" &
app=$!
wait_for "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'app.p2'::regclass AND granted AND pid <> pg_backend_pid())"
set +e
PGOPTIONS="-c deadlock_timeout=200ms -c pgmigrate.lock_timeout=10s" psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" \
    -c "SELECT migrate.abort('1p')" >"$work/complete_p" 2>&1
rc=$?
wait "$app"
set -e
check "partitions: abort succeeds" test "$rc" -eq 0
check "partitions: it retried once, for the partition" \
    test "$(grep -c 'waited too long for a lock on app.p2; retrying' "$work/complete_p")" -eq 1
check "partitions: no other retry" test "$(grep -c 'retrying' "$work/complete_p")" -eq 1

if [ "$failures" -gt 0 ] || [ -n "${PGM_SHOW:-}" ]; then
    for f in "$work"/complete_* "$work"/app_* "$work"/client_* "$work"/backfill_* "$work"/keys_* "$work"/start_*; do echo "--- $f"; cat "$f"; done
    exit 1
fi
