#!/usr/bin/env bash
# A major-version upgrade keeps pgmigrate's history: a PostgreSQL 15 cluster
# with pgmigrate in use (revisions applied, rolled back and stamped, guard
# log rows, snapshots, a completed online revision, the guard enforcing) is
# upgraded to PostgreSQL 18 with 18's pg_upgrade, as README.md's "Upgrading
# PostgreSQL" says.  Afterwards migrate.status(), migrate.log, the revisions
# and the snapshots are as before, migrate.verify() is clean, the guard
# refuses ad-hoc DDL, and apply and rollback work.  drift() shows what 18
# spells otherwise than 15, until migrate.record_snapshot() records it.
#
# The old cluster's binaries are those of the pg_config in PATH (with
# pgmigrate installed, as scripts/test.sh leaves it); the new ones those of
# $PGM_PG18_CONFIG (default /opt/pgmigrate-pg/18/bin/pg_config), into which
# this test builds and installs pgmigrate from this source tree (in a copy,
# so the tree's own build is left alone).  Both clusters are the test's own,
# run as the postgres OS user on private sockets; run as root, like
# scripts/test.sh.  Skips (exit 0) when PostgreSQL 18 is not there, or when
# the server the other tests use (PGHOST, PGPORT) is not PostgreSQL 15.
set -euo pipefail

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
new_config=${PGM_PG18_CONFIG:-/opt/pgmigrate-pg/18/bin/pg_config}

if [ ! -x "$new_config" ]; then
    echo "SKIP: no PostgreSQL 18 ($new_config is missing; set PGM_PG18_CONFIG)"
    exit 0
fi
case $("$new_config" --version) in
    "PostgreSQL 18"*) ;;
    *) echo "SKIP: $new_config is not PostgreSQL 18 ($("$new_config" --version))"; exit 0 ;;
esac
server_major=$(psql -X -At -d postgres -c "SELECT current_setting('server_version_num')::int / 10000")
if [ "$server_major" != 15 ]; then
    echo "SKIP: the test server is PostgreSQL $server_major, not 15 (this test upgrades 15 to 18)"
    exit 0
fi
old_bin=$(pg_config --bindir)
new_bin=$("$new_config" --bindir)
case $("$old_bin/postgres" --version) in
    *" 15."*) ;;
    *) echo "SKIP: the pg_config in PATH is not PostgreSQL 15 ($("$old_bin/postgres" --version))"; exit 0 ;;
esac

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"

work=$(mktemp -d /tmp/pgmigrate-pg-upgrade.XXXXXX)
chown postgres: "$work"
chmod 0755 "$work"
mkdir "$work/old" "$work/new" "$work/run"
chown postgres: "$work/old" "$work/new" "$work/run"
port=$(( 20000 + ($$ + RANDOM) % 20000 ))
upgrade_port=$(( port + 1 ))

# stop whichever of the two clusters runs, whatever happened
stop_clusters() {
    local side bin
    for side in old new; do
        bin=$old_bin
        [ "$side" = new ] && bin=$new_bin
        [ -f "$work/$side/data/postmaster.pid" ] || continue
        as_postgres "$bin/pg_ctl" -D "$work/$side/data" -m fast -w stop >/dev/null 2>&1 ||
            as_postgres "$bin/pg_ctl" -D "$work/$side/data" -m immediate -w stop >/dev/null 2>&1 || true
    done
}
cleanup() {
    stop_clusters
    if [ -n "${PGM_KEEP_CLUSTER:-}" ]; then
        echo "clusters kept in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# initdb SIDE BIN: the same settings on both sides, as pg_upgrade wants
# (18 turns data checksums on by default; 15 had them off)
init_cluster() {
    local checksums=
    [ "$1" = new ] && checksums=--no-data-checksums
    as_postgres "$2/initdb" -D "$work/$1/data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 $checksums >"$work/$1/initdb.log" 2>&1 ||
        { cat "$work/$1/initdb.log" >&2; return 1; }
}
start_cluster() {   # start_cluster SIDE BIN
    as_postgres "$2/pg_ctl" -D "$work/$1/data" -w -t 120 -l "$work/$1/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories='$work/run' -p $port" start >/dev/null ||
        { cat "$work/$1/server.log" >&2; return 1; }
}
stop_cluster() {    # stop_cluster SIDE BIN
    as_postgres "$2/pg_ctl" -D "$work/$1/data" -m fast -w stop >/dev/null
}

export PGHOST=$work/run PGPORT=$port PGUSER=postgres
db=shop
q() { PGOPTIONS='-c client_min_messages=error' psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
same() { [ "$1" = "$2" ] || { echo "  expected: $1"; echo "  actual:   $2"; return 1; }; }

# ---- pgmigrate for 18, from this tree --------------------------------------

echo "building pgmigrate for $("$new_config" --version)"
mkdir "$work/src"
(cd "$PGM_ROOT" && tar cf - --exclude=./.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' .) |
    (cd "$work/src" && tar xf -)
make -s -C "$work/src" clean PG_CONFIG="$new_config" >/dev/null 2>&1 || true
make -s -j"$(nproc)" -C "$work/src" PG_CONFIG="$new_config" >"$work/build.log" 2>&1 &&
    make -s -C "$work/src" install PG_CONFIG="$new_config" >>"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; exit 1; }

# ---- the history, on 15 ----------------------------------------------------

init_cluster old "$old_bin"
start_cluster old "$old_bin"
createdb "$db"
q "SET client_min_messages = warning; CREATE EXTENSION pgmigrate"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
SELECT migrate.add('01_users', 'CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);',
                   'DROP TABLE users;', description => 'users');
SELECT migrate.add('02_orders', 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, amount integer NOT NULL DEFAULT 0);',
                   'DROP TABLE orders;');
SELECT migrate.add('02_big_orders', 'CREATE VIEW big_orders AS SELECT id, user_id FROM orders WHERE user_id > 50;',
                   'DROP VIEW big_orders;');
SELECT count(*) FROM migrate.apply();
INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, g % 100 + 1, g FROM generate_series(1, 1000) g;
-- applied, then rolled back, then applied again
SELECT migrate.add('03_orders_user', 'CREATE INDEX orders_user ON orders (user_id);');
SELECT count(*) FROM migrate.apply();
SELECT count(*) FROM migrate.rollback();
SELECT count(*) FROM migrate.apply();
-- an emergency change by hand (a warned log row), then stamped
SET pgmigrate.guard = warn;
CREATE INDEX users_name ON users (name);
RESET pgmigrate.guard;
SELECT migrate.add('04_users_name', 'CREATE INDEX users_name ON users (name);');
SELECT count(*) FROM migrate.stamp('04_users_name');
-- an online revision, run in its phases
SELECT migrate.add('05_cents', $$
    -- migrate:reverse amount / 100
    ALTER TABLE orders ALTER COLUMN amount TYPE bigint USING amount * 100
$$, online => true, allow_destructive => true);
SELECT migrate.start('05_cents');
SQL
q "CALL migrate.backfill('05_cents')"
q "SELECT migrate.complete('05_cents')" >/dev/null
# registered here, applied after the upgrade; one rolled back stays pending
q "SELECT migrate.add('06_orders_note', 'ALTER TABLE orders ADD COLUMN note text;', 'ALTER TABLE orders DROP COLUMN note;')" >/dev/null
q "SELECT migrate.add('07_users_email', 'ALTER TABLE users ADD COLUMN email text;', 'ALTER TABLE users DROP COLUMN email;')" >/dev/null
q "SELECT count(*) FROM migrate.apply('06_orders_note')" >/dev/null
q "SELECT count(*) FROM migrate.rollback()" >/dev/null

status_query="SELECT s::text FROM migrate.status() s"
log_query="SELECT l::text FROM migrate.log l ORDER BY id"
revisions_query="SELECT r::text FROM migrate.revisions r ORDER BY id"
snapshots_query="SELECT id, taken_at, action, taken_by, md5(snapshot::text) FROM migrate.snapshots ORDER BY id"
online_query="SELECT o::text FROM migrate.online o"
data_query="SELECT count(*), sum(amount) FROM orders"
for name in status log revisions snapshots online data; do
    query_var=${name}_query
    q "${!query_var}" >"$work/before_$name"
done
check "15: the history is there (7 revisions, applied, rolled back, stamped, online)" \
    same "01_users:true 02_orders:true 02_big_orders:true 03_orders_user:true 04_users_name:true 05_cents:true 06_orders_note:false 07_users_email:false" \
    "$(q "SELECT string_agg(revision || ':' || applied, ' ') FROM migrate.status()")"
check "15: log rows of every kind" same "apply ddl rollback stamp start" \
    "$(q "SELECT string_agg(DISTINCT action, ' ' ORDER BY action) FROM migrate.log")"
check "15: verify() is clean" same "0" "$(q "SELECT count(*) FROM migrate.verify()")"
out=$(q "CREATE TABLE adhoc (id int)" 2>&1 || true)
check "15: the guard enforces" same "ERROR:  cannot execute CREATE TABLE outside a migration" "$(echo "$out" | head -1)"

# ---- pg_upgrade ------------------------------------------------------------

# Not pgmigrate's business: Debian's 15 (15.20) stores the column option
# pg_attver on every column (pg_attribute.attoptions), pg_dump
# --binary-upgrade carries it into ALTER TABLE ... SET (pg_attver = ...),
# and 18's server refuses that unknown option, so pg_upgrade from it fails
# on any table.  Remove the option from the old catalog first (user
# relations only; template0 takes no connections and holds none).
for d in $(q "SELECT datname FROM pg_database WHERE datallowconn"); do
    PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -d "$d" -c "
        UPDATE pg_catalog.pg_attribute
           SET attoptions = (SELECT nullif(array_agg(o), '{}') FROM unnest(attoptions) o
                              WHERE o NOT LIKE 'pg_attver=%')
         WHERE attrelid >= 16384 AND attoptions::text LIKE '%pg_attver=%'"
done
stop_cluster old "$old_bin"

init_cluster new "$new_bin"
echo "pg_upgrade, 15 to 18"
if ! (cd "$work/run" && runuser -u postgres -- "$new_bin/pg_upgrade" \
        -b "$old_bin" -B "$new_bin" -d "$work/old/data" -D "$work/new/data" \
        -p "$upgrade_port" -P "$upgrade_port" -s "$work/run" --link \
        >"$work/pg_upgrade.log" 2>&1); then
    cat "$work/pg_upgrade.log" >&2
    find "$work/new/data" -path '*pg_upgrade_output.d*' -name '*.log' -exec tail -n 30 {} + >&2 2>/dev/null || true
    check "pg_upgrade succeeds" false
    exit 1
fi
check "pg_upgrade succeeds" true
start_cluster new "$new_bin"

# ---- the history, on 18 ----------------------------------------------------

check "18: the server is PostgreSQL 18" same "18" \
    "$(q "SELECT current_setting('server_version_num')::int / 10000")"
for name in status log revisions snapshots online data; do
    query_var=${name}_query
    q "${!query_var}" >"$work/after_$name"
    check "18: $name as before the upgrade" diff "$work/before_$name" "$work/after_$name"
done
# What 18 spells otherwise than 15 (README.md, "Supported versions"): a
# table's owner holds MAINTAIN, a view's query has no table names on its
# columns.  drift() shows exactly that, and README's one command records it.
check "18: drift() shows only what 18 spells anew" same \
"table public.orders: changed: grants: +postgres=MAINTAIN
table public.users: changed: grants: +postgres=MAINTAIN
view public.big_orders: changed: query; grants: +postgres=MAINTAIN" \
    "$(q "SELECT object || ': ' || change || ': ' || regexp_replace(detail, '^query: .* -> .*;; ', 'query; ', 's')
            FROM migrate.drift() ORDER BY object")"
check "18: the view's query is the same but for its columns' table names" same "1" \
    "$(q "SELECT count(*) FROM migrate.drift() WHERE detail LIKE 'query:%orders.user_id > 50%->%(user_id > 50)%'")"
check "18: migrate.record_snapshot() records it" same "3" "$(q "SELECT migrate.record_snapshot()")"
check "18: verify() is clean" same "" "$(q "SELECT problem || ' ' || object || ': ' || detail FROM migrate.verify()")"
check "18: the guard is there, ENABLE ALWAYS" same "pgmigrate_guard:A pgmigrate_guard_drop:A pgmigrate_guard_end:A" \
    "$(q "SELECT string_agg(evtname || ':' || evtenabled::text, ' ' ORDER BY evtname) FROM pg_event_trigger")"
out=$(q "CREATE TABLE adhoc (id int)" 2>&1 || true)
check "18: the guard refuses ad-hoc DDL" same "ERROR:  cannot execute CREATE TABLE outside a migration" "$(echo "$out" | head -1)"
out=$(q "DELETE FROM migrate.log" 2>&1 || true)
check "18: the catalog refuses direct writes" same "ERROR:  cannot DELETE FROM migrate.log directly" "$(echo "$out" | head -1)"
check "18: the upgrade added no log rows, record_snapshot() one" same "$(( $(wc -l <"$work/before_log") + 1 ))" \
    "$(q "SELECT count(*) FROM migrate.log")"

before_max_log=$(q "SELECT max(id) FROM migrate.log")
check "18: apply runs the pending revisions" same "06_orders_note,07_users_email" \
    "$(q "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate.apply()")"
check "18: the new log rows follow the old ones" same "06_orders_note,07_users_email" \
    "$(q "SELECT string_agg(revision, ',' ORDER BY id) FROM migrate.log WHERE id > $before_max_log AND action = 'apply'")"
check "18: verify() is clean after apply" same "0" "$(q "SELECT count(*) FROM migrate.verify()")"
check "18: rollback works" same "07_users_email,06_orders_note" \
    "$(q "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate.rollback('-2')")"
check "18: verify() is clean after rollback" same "0" "$(q "SELECT count(*) FROM migrate.verify()")"
check "18: the data is there" same "1000|50050000" "$(q "$data_query")"

if [ "$failures" -gt 0 ]; then
    echo "--- server log (18)"
    tail -n 50 "$work/new/server.log" || true
    echo "pg_upgrade: $failures check(s) failed"
    exit 1
fi
echo "pg_upgrade: all checks passed"
