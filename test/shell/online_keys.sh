#!/usr/bin/env bash
# A primary key running out of ids, widened online under load.  orders.id is
# a serial integer key that order_items.order_id and payments.order_id
# reference, PGM_ONLINE_KEY_ROWS rows each (1,000,000 by default).  One
# online revision widens the key, its sequence and both referencing columns;
# its backfill is cut short by a statement timeout again and again and goes
# on where it stopped, from one table to the next.  Throughout, an "old
# application" and a "new application" (pgbench, each through its own
# version's schema) place orders: an order, an item and a payment, the item
# and the payment referencing the order just made, and read and update
# items.  The old one stops before complete, the new one goes on through it.
# Both must see zero errors; no row may be lost; every foreign key must be
# valid at the end; and the key must go on past 2^31.  A view that reads
# both columns follows them.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does.
set -euo pipefail

ROWS=${PGM_ONLINE_KEY_ROWS:-1000000}
db=pgm_online_keys_$$
work=$(mktemp -d)
cleanup() {
    touch "$work/stop_old" "$work/stop_new" 2>/dev/null || true
    wait 2>/dev/null || true
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
same() { [ "$1" = "$2" ] || { echo "  expected: $1"; echo "  actual:   $2"; return 1; }; }

createdb "$db"
q "CREATE EXTENSION pgmigrate"
q "SELECT migrate.add('0001', \$\$CREATE SCHEMA app;
    CREATE TABLE app.orders (id serial PRIMARY KEY, note text);
    CREATE TABLE app.order_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                  order_id int NOT NULL REFERENCES app.orders ON DELETE CASCADE, qty int NOT NULL);
    CREATE INDEX order_items_order ON app.order_items (order_id);
    CREATE TABLE app.payments (id bigint PRIMARY KEY, order_id int REFERENCES app.orders, amount numeric NOT NULL);
    CREATE SEQUENCE app.payment_ids START $((ROWS + 1));
    CREATE VIEW app.order_totals AS SELECT o.id, o.note, sum(i.qty) AS qty
      FROM app.orders o JOIN app.order_items i ON i.order_id = o.id GROUP BY o.id\$\$)" >/dev/null
q "SELECT count(*) FROM migrate.apply()" >/dev/null
q "SET pgmigrate.guard = off;
   INSERT INTO app.orders (note) SELECT 'order ' || g FROM generate_series(1, $ROWS) g;
   INSERT INTO app.order_items (order_id, qty) SELECT g, 1 FROM generate_series(1, $ROWS) g;
   INSERT INTO app.payments SELECT g, g, 10 FROM generate_series(1, $ROWS) g"
q "VACUUM ANALYZE app.orders, app.order_items, app.payments"

# ---- the applications ------------------------------------------------------

# The same statements serve every version: the revisions change types only.
cat >"$work/app.sql" <<SQL
\set item random(1, $ROWS)
SELECT o.note, i.qty FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.id = :item;
UPDATE order_items SET qty = qty + 1 WHERE id = :item;
INSERT INTO orders (note) VALUES ('app') RETURNING id AS order_id \gset
INSERT INTO order_items (order_id, qty) VALUES (:order_id, 1);
INSERT INTO payments (id, order_id, amount) VALUES (nextval('payment_ids'), :order_id, 10);
SQL

# app and worst: helpers.bash
placed=0    # orders the applications placed, over all steps

# step ID PARENT SQL: the online revision under load, as the client runs it:
# start, backfill, the concurrent statements, complete
step() {
    local id=$1 parent=$2 sql=$3 started
    q "SELECT migrate.add('$id', \$\$$sql\$\$, online => true)" >/dev/null
    rm -f "$work"/stop_* "$work"/lat_* "$work/errors"
    app old "$work/app.sql" "app_$parent,app" &
    local old_pid=$!
    sleep 1
    started=$EPOCHREALTIME
    q "SELECT migrate.start('$id')" >/dev/null
    app new "$work/app.sql" "app_$id,app" &
    local new_pid=$!
    sleep 1
    backfill "$id"
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" <<<"SELECT statement FROM migrate.online_statements('$id') \gexec" >/dev/null
    sleep 1
    touch "$work/stop_old"
    wait "$old_pid"
    local completing=$EPOCHREALTIME
    q "SELECT migrate.complete('$id')" >/dev/null
    local completed=$EPOCHREALTIME
    sleep 1
    touch "$work/stop_new"
    wait "$new_pid"
    check "$id: both applications ran without an error" same "" "$(cat "$work/errors" 2>/dev/null || true)"
    check "$id: applied" same "t" "$(q "SELECT applied FROM migrate.status() WHERE revision = '$id'")"
    placed=$((placed + $(cat "$work"/lat_* 2>/dev/null | wc -l)))
    echo "     $id in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }'):" \
         "old application $(worst old); new application $(worst new);" \
         "complete $(awk -v a="$completing" -v b="$completed" 'BEGIN { printf "%.0f ms", (b - a) * 1000 }')"
}
# backfill ID: CALL migrate.backfill, cut short every PGM_ONLINE_KEY_CUT_MS
# (1,500) until it is done; each cut is noted (the table it was at) in $work/cuts
backfill() {
    local cut_ms=${PGM_ONLINE_KEY_CUT_MS:-1500}
    : >"$work/cuts"
    until PGOPTIONS="-c client_min_messages=warning -c statement_timeout=$cut_ms" \
          psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "CALL migrate.backfill('$1')" >/dev/null 2>"$work/cut_err"; do
        grep -q "canceling statement due to statement timeout" "$work/cut_err" || { cat "$work/cut_err"; return 1; }
        q "SELECT backfilling FROM migrate.online_progress WHERE revision = '$1'" >>"$work/cuts"
        [ "$(wc -l <"$work/cuts")" -lt 1000 ] || { echo "  the backfill made no progress"; return 1; }
    done
}
# every order, item and payment placed is there, once; none refers to nothing
rows_right() {
    check "$1: no row lost (orders, items, payments: the rows there were and the $placed placed)" \
        same "$((ROWS + placed))|$((ROWS + placed))|$((ROWS + placed))" \
        "$(q "SELECT (SELECT count(*) FROM app.orders) || '|' || (SELECT count(*) FROM app.order_items) || '|' || (SELECT count(*) FROM app.payments)")"
    check "$1: every item and payment refers to its order" \
        same "0|0" "$(q "SELECT (SELECT count(*) FROM app.order_items i WHERE NOT EXISTS (SELECT FROM app.orders o WHERE o.id = i.order_id))
                            || '|' || (SELECT count(*) FROM app.payments p WHERE NOT EXISTS (SELECT FROM app.orders o WHERE o.id = p.order_id))")"
    check "$1: both foreign keys are there, validated, under their names" \
        same "order_items_order_id_fkey true|payments_order_id_fkey true" \
        "$(q "SELECT string_agg(conname || ' ' || convalidated, '|' ORDER BY conname) FROM pg_constraint
              WHERE contype = 'f' AND connamespace = 'app'::regnamespace")"
}
column_type() {
    q "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '$1'::regclass AND attname = '$2'"
}

# ---- the key and the columns that reference it, in one revision --------------

step 0002 0001 "ALTER TABLE app.orders ALTER COLUMN id TYPE bigint;
ALTER SEQUENCE app.orders_id_seq AS bigint;
ALTER TABLE app.order_items ALTER COLUMN order_id TYPE bigint;
ALTER TABLE app.payments ALTER COLUMN order_id TYPE bigint"
echo "     the backfill was cut $(wc -l <"$work/cuts") times, at: $(sort "$work/cuts" | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }')"
check "0002: the backfill was cut short in more than one table, and went on where it stopped" \
    test "$(sort -u "$work/cuts" | wc -l)" -ge 2
check "0002: orders.id is bigint, the primary key, from its sequence, now bigint" \
    same "bigint|orders_pkey|app.orders_id_seq|bigint" \
    "$(column_type app.orders id)|$(q "SELECT conname FROM pg_constraint WHERE conrelid = 'app.orders'::regclass AND contype = 'p'")|$(q "SELECT pg_get_serial_sequence('app.orders', 'id')")|$(q "SELECT seqtypid::regtype FROM pg_sequence WHERE seqrelid = 'app.orders_id_seq'::regclass")"
check "0002: order_items.order_id is bigint, its index on it; payments.order_id is bigint" \
    same "bigint|bigint|bigint" "$(column_type app.order_items order_id)|$(q "SELECT format_type(a.atttypid, a.atttypmod) FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indexrelid = 'app.order_items_order'::regclass")|$(column_type app.payments order_id)"
rows_right 0002
check "0002: the view that reads orders.id and order_items.order_id follows them" \
    same "bigint" "$(column_type app.order_totals id)"

check "no version schema, trigger, function or new column is left" \
    same "0|0|0|0" "$(q "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'app\_0%'")|$(q "SELECT count(*) FROM pg_trigger WHERE tgname LIKE '\_pgm%'")|$(q "SELECT count(*) FROM pg_proc WHERE proname LIKE '\_pgm%'")|$(q "SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                  WHERE c.relnamespace = 'app'::regnamespace AND c.relkind = 'r' AND a.attname LIKE '\_pgm%' AND NOT a.attisdropped")"
check "drift() is clean" same "0" "$(q "SELECT count(*) FROM migrate.drift()")"

# ---- past 2^31 ----------------------------------------------------------------

q "SELECT setval('app.orders_id_seq', 2147483647)" >/dev/null
rm -f "$work"/lat_*
PGOPTIONS="-c search_path=app" pgbench -n -t 20 -c 1 -f "$work/app.sql" "$db" >"$work/out_past" 2>&1 \
    || { echo "  $(grep -m 1 "ERROR\|error" "$work/out_past")"; }
check "past 2^31: orders, items and payments go on" \
    same "20|20|20" "$(q "SELECT (SELECT count(*) FROM app.orders WHERE id > 2147483647) || '|' ||
                             (SELECT count(*) FROM app.order_items WHERE order_id > 2147483647) || '|' ||
                             (SELECT count(*) FROM app.payments WHERE order_id > 2147483647)")"
check "past 2^31: the view shows them" same "20" "$(q "SELECT count(*) FROM app.order_totals WHERE id > 2147483647")"

echo "online_keys: $failures check(s) failed"
[ "$failures" -eq 0 ]
