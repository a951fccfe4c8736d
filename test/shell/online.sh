#!/usr/bin/env bash
# Online revisions under load.  A table of PGM_ONLINE_ROWS rows (1,000,000
# by default) goes through one online revision per supported statement: a
# type change with a USING expression and its reverse, a column rename, a
# column added NOT NULL DEFAULT, a column dropped, SET NOT NULL with a fill,
# a CHECK constraint added, the table renamed, an index built.  Throughout each, an "old
# application" and a "new application" (pgbench scripts, each through its
# own version's schema) read, update and insert; the old one stops before
# complete, the new one goes on through it.  Both must see zero errors, and
# every row must end up right.  Their worst statement latency is reported
# (bench/online.sh judges it against the budget).
#
# Then, on a table of its own: abort after start, in the middle of the
# backfill and after it leaves the old shape and every row as they were;
# a backfill cancelled, and one whose backend is killed (SIGKILL, so the
# server restarts), each resumed: no row lost or counted twice; and
# complete waits for an idle session that said it serves the old version.
#
# Runs its own throwaway cluster (the crash would disturb anybody else's);
# needs root, like scripts/test.sh.
set -euo pipefail

ROWS=${PGM_ONLINE_ROWS:-1000000}
SMALL=${PGM_ONLINE_SMALL_ROWS:-50000}
# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
# the applications' loops end with the test
on_exit() { touch "$work/stop_old" "$work/stop_new" 2>/dev/null || true; }
own_cluster online
db=online
createdb "$db"

q() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
same() { [ "$1" = "$2" ] || { echo "  expected: $1"; echo "  actual:   $2"; return 1; }; }

q "SET client_min_messages = warning; CREATE EXTENSION pgmigrate"
q "SELECT migrate.add('0001', \$\$CREATE SCHEMA app;
    CREATE TABLE app.accounts (id bigint PRIMARY KEY, balance integer NOT NULL DEFAULT 0, owner text, note text);
    CREATE INDEX accounts_balance ON app.accounts (balance);
    CREATE SEQUENCE app.account_ids START $((ROWS + 1));
    CREATE TABLE app.small (id bigint PRIMARY KEY, amount integer, label text)\$\$)" >/dev/null
q "SELECT count(*) FROM migrate.apply()" >/dev/null
q "INSERT INTO app.accounts SELECT g, g % 1000, 'owner ' || g, 'note' FROM generate_series(1, $ROWS) g"
q "INSERT INTO app.small SELECT g, g, 'label ' || g FROM generate_series(1, $SMALL) g"
q "VACUUM ANALYZE app.accounts"

# ---- the applications ------------------------------------------------------

# The shapes the table goes through, one pgbench script each: S0 as it is,
# S1 with balance in cents, S2 with owner renamed holder, S3 with active
# added, S4 without note.  Step k runs S(k-1) as the old application and
# S(k) as the new one.
script() {
    local cents=$1 owner=$2 active=$3 note=$4
    local unit=1 cols="balance, $owner" vals="7, 'app'"
    [ "$cents" = yes ] && unit=100 && vals="700, 'app'"
    [ "$active" = yes ] && cols="$cols, active" && vals="$vals, true"
    [ "$note" = yes ] && cols="$cols, note" && vals="$vals, 'app'"
    cat <<SQL
\set id random(1, $ROWS)
SELECT $cols FROM accounts WHERE id = :id;
UPDATE accounts SET balance = balance + $unit WHERE id = :id;
INSERT INTO accounts (id, $cols) VALUES (nextval('account_ids'), $vals);
SQL
}
script no owner no yes >"$work/S0.sql"
script yes owner no yes >"$work/S1.sql"
script yes holder no yes >"$work/S2.sql"
script yes holder yes yes >"$work/S3.sql"
script yes holder yes no >"$work/S4.sql"
# S4 writing NULL holders (the old version of SET NOT NULL), S6 on the table renamed ledger
sed "s/VALUES (nextval('account_ids'), 700, 'app'/VALUES (nextval('account_ids'), 700, NULL/" "$work/S4.sql" >"$work/S4n.sql"
sed "s/ accounts / ledger /g" "$work/S4.sql" >"$work/S6.sql"

# app and worst: helpers.bash

# ---- one online revision per statement, under load -------------------------

# step ID PARENT OLD_SCRIPT NEW_SCRIPT SQL [allow_destructive]
step() {
    local id=$1 parent=$2 old=$3 new=$4 sql=$5 destructive=${6:-false} started
    q "SELECT migrate.add('$id', \$\$$sql\$\$, online => true, allow_destructive => $destructive)" >/dev/null
    rm -f "$work"/stop_* "$work"/lat_* "$work/errors"
    app old "$work/$old.sql" "app_$parent,app" &
    local old_pid=$!
    sleep 1
    started=$EPOCHREALTIME
    q "SELECT migrate.start('$id')" >/dev/null
    app new "$work/$new.sql" "app_$id,app" &
    local new_pid=$!
    sleep 1
    q "CALL migrate.backfill('$id')" >/dev/null
    sleep 1
    touch "$work/stop_old"
    wait "$old_pid"
    [ -n "${before_complete:-}" ] && "$before_complete"
    q "SELECT migrate.complete('$id')" >/dev/null
    sleep 1
    touch "$work/stop_new"
    wait "$new_pid"
    check "$id: both applications ran without an error" same "" "$(cat "$work/errors" 2>/dev/null || true)"
    check "$id: applied" same "t" "$(q "SELECT applied FROM migrate.status() WHERE revision = '$id'")"
    echo "     $id in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'):" \
         "old application $(worst old); new application $(worst new)"
}
rows_right() {
    check "$1: no row lost (every id the sequence gave is there)" \
        same "$(q "SELECT last_value - (NOT is_called)::int FROM app.account_ids")" "$(q "SELECT count(*) FROM app.accounts")"
}

# the type change: while both run, each row's cents are its units times 100
# (what the old version wrote) or its units are its cents / 100 (what the
# new version wrote); both ways, cents / 100 = units
type_invariant() {
    check "0002: old and new columns agree on every row before complete" \
        same "0|0" "$(q "SELECT count(*) FILTER (WHERE _pgm_new_balance IS NULL), count(*) FILTER (WHERE _pgm_new_balance / 100 <> balance) FROM app.accounts")"
}
# the index on balance is built again on the new column, concurrently, by
# online_statements() in the session that runs them, as the client does
# ($id is the step's)
build_indexes() { psql -X -q -d "$db" <<<"SELECT statement FROM migrate.online_statements('$id') \gexec" >/dev/null; }
type_invariant_and_index() { type_invariant; build_indexes; }
before_complete=type_invariant_and_index
step 0002 0001 S0 S1 "-- migrate:reverse balance / 100
ALTER TABLE app.accounts ALTER COLUMN balance TYPE bigint USING balance * 100" true
before_complete=
check "0002: its index is on the bigint column, valid, under its own name" \
    same "true|bigint" "$(q "SELECT i.indisvalid || '|' || format_type(a.atttypid, a.atttypmod) FROM pg_index i
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                         WHERE i.indexrelid = 'app.accounts_balance'::regclass")"
check "0002: balance is bigint and NOT NULL" \
    same "bigint|true" "$(q "SELECT format_type(atttypid, atttypmod) || '|' || attnotnull FROM pg_attribute
                            WHERE attrelid = 'app.accounts'::regclass AND attname = 'balance'")"
rows_right 0002

step 0003 0002 S1 S2 "ALTER TABLE app.accounts RENAME COLUMN owner TO holder"
check "0003: holder, no owner, and no row without one" \
    same "holder|0" "$(q "SELECT string_agg(attname, ',') FROM pg_attribute WHERE attrelid = 'app.accounts'::regclass AND attname IN ('owner', 'holder')")|$(q "SELECT count(*) FROM app.accounts WHERE holder IS NULL")"
rows_right 0003

step 0004 0003 S2 S3 "ALTER TABLE app.accounts ADD COLUMN active boolean NOT NULL DEFAULT true"
check "0004: active, on every row" same "0" "$(q "SELECT count(*) FROM app.accounts WHERE active IS NULL")"
rows_right 0004

step 0005 0004 S3 S4 "ALTER TABLE app.accounts DROP COLUMN note" true
check "0005: note is gone" same "0" "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.accounts'::regclass AND attname = 'note' AND NOT attisdropped")"
rows_right 0005
q "UPDATE app.accounts SET holder = NULL WHERE id % 100 = 0"
step 0006 0005 S4n S4 "-- migrate:fill 'unknown'
ALTER TABLE app.accounts ALTER COLUMN holder SET NOT NULL"
check "0006: holder is NOT NULL, and the old NULLs and the old version's NULLs are filled" \
    same "t|0|t" "$(q "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'app.accounts'::regclass AND attname = 'holder'")|$(q "SELECT count(*) FROM app.accounts WHERE holder IS NULL")|$(q "SELECT count(*) >= $((ROWS / 100)) FROM app.accounts WHERE holder = 'unknown'")"
rows_right 0006

step 0007 0006 S4 S4 "ALTER TABLE app.accounts ADD CONSTRAINT accounts_balance_sane CHECK (balance > -100000000)"
check "0007: the constraint is there, validated" \
    same "t" "$(q "SELECT convalidated FROM pg_constraint WHERE conname = 'accounts_balance_sane'")"
rows_right 0007

step 0008 0007 S4 S6 "ALTER TABLE app.accounts RENAME TO ledger"
check "0008: the table is ledger" same "app.ledger" "$(q "SELECT 'app.ledger'::regclass::text")"
check "0008: no row lost (every id the sequence gave is there)" \
    same "$(q "SELECT last_value - (NOT is_called)::int FROM app.account_ids")" "$(q "SELECT count(*) FROM app.ledger")"

# an index, built concurrently while both run
before_complete=build_indexes
step 0009 0008 S6 S6 "CREATE UNIQUE INDEX ledger_holder_id ON app.ledger (holder, id)"
before_complete=
check "0009: the index is there, valid" \
    same "t" "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'app.ledger_holder_id'::regclass")"

check "no version schema, trigger or function is left" \
    same "0|0|0" "$(q "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'app\_0%'")|$(q "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\_pgm%'")|$(q "SELECT count(*) FROM pg_proc WHERE proname LIKE '\_pgm%'")"
check "drift() is clean" same "0" "$(q "SELECT count(*) FROM migrate.drift()")"

# ---- abort, cancel, crash ----------------------------------------------------

small_digest() { q "SELECT md5(string_agg(s::text, '|' ORDER BY id)) FROM app.small s"; }
small_shape() { q "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'app.small'::regclass AND attnum > 0 AND NOT attisdropped"; }
q "SELECT migrate.add('0010', \$\$-- migrate:reverse (amount / 2)::int
ALTER TABLE app.small ALTER COLUMN amount TYPE bigint USING amount * 2\$\$, online => true, allow_destructive => true)" >/dev/null 2>&1
digest=$(small_digest)
shape=$(small_shape)
for phase in started half-backfilled backfilled; do
    q "SELECT migrate.start('0010')" >/dev/null 2>&1
    case $phase in
        half-backfilled)
            psql -X -q -d "$db" -c "SET pgmigrate.backfill_batch = 500" -c "SET pgmigrate.backfill_delay = 10" \
                 -c "CALL migrate.backfill('0010')" >/dev/null 2>&1 &
            sleep 1
            q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CALL migrate.backfill%'" >/dev/null
            wait || true
            check "abort test: the cancelled backfill got part of the way" \
                test "$(q "SELECT rows_done FROM migrate.online")" -gt 0 ;;
        backfilled) q "CALL migrate.backfill('0010')" >/dev/null 2>&1 ;;
    esac
    q "SELECT migrate.abort('0010')" >/dev/null 2>&1
    check "abort when $phase: the table has its old shape" same "$shape" "$(small_shape)"
    check "abort when $phase: every row is as it was" same "$digest" "$(small_digest)"
done

# backfill_state: rows_done, the rows filled, the rows up to last_key, the rows
backfill_state() {
    q "SELECT o.rows_done || ' ' || (SELECT count(*) FROM app.small WHERE _pgm_new_amount IS NOT NULL)
                      || ' ' || (SELECT count(*) FROM app.small WHERE id <= coalesce(o.last_key::bigint, 0))
       FROM migrate.online o"
}
q "SELECT migrate.start('0010')" >/dev/null 2>&1
for how in cancel kill; do
    psql -X -q -d "$db" -c "SET pgmigrate.backfill_batch = 500" -c "SET pgmigrate.backfill_delay = 30" \
         -c "CALL migrate.backfill('0010')" >/dev/null 2>&1 &
    sleep 0.7
    if [ "$how" = cancel ]; then
        q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'CALL migrate.backfill%'" >/dev/null
    else
        pid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE 'CALL migrate.backfill%'")
        check "kill: the backfill is running" test -n "$pid"
        [ -n "$pid" ] && kill -KILL "$pid"
    fi
    wait || true
    wait_ready
    state=$(backfill_state)
    read -r done filled upto <<<"$state"
    check "$how mid-backfill: it had filled rows" test "$done" -gt 0
    check "$how mid-backfill: rows counted = rows filled = rows up to the last key ($state)" \
        test "$done" = "$filled" -a "$filled" = "$upto"
done
q "CALL migrate.backfill('0010')" >/dev/null 2>&1
check "resumed: every row filled once, and counted once" \
    same "$SMALL $SMALL $SMALL" "$(backfill_state)"
check "resumed: every new value is the old one converted" \
    same "0" "$(q "SELECT count(*) FROM app.small WHERE _pgm_new_amount <> amount * 2")"
# a session of the old version that said so and sits idle: complete waits
# for it, and names it; force completes anyway
{ echo "SELECT migrate.use_version('app_0009');"; sleep 60; } |
    PGAPPNAME=old_app psql -X -q -d "$db" >/dev/null 2>&1 &
for _ in $(seq 1 50); do
    [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
             WHERE a.application_name = 'old_app' AND l.locktype = 'advisory'")" = 1 ] && break
    sleep 0.1
done
out=$(psql -X -q -At -d "$db" -c "SELECT migrate.complete('0010')" 2>&1 || true)
check "complete refuses while an idle session serves the old version" grep -q "app_0009 is still in use" <<<"$out"
check "... and names it" grep -q "(old_app)" <<<"$out"
q "SELECT migrate.complete('0010', force => true)" >/dev/null
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'old_app'" >/dev/null
check "0010 completes after the crash" same "bigint" "$(q "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'app.small'::regclass AND attname = 'amount'")"

echo "online: $failures check(s) failed"
[ "$failures" -eq 0 ]
