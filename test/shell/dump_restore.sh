#!/usr/bin/env bash
# Dump/restore round trip: revisions, applied state and log survive
# pg_dump and the restore command README.md gives, and the guard is back
# in force afterwards.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does.
set -euo pipefail

src=pgm_dump_src_$$
dst=pgm_dump_dst_$$
dump=$(mktemp)
cleanup() {
    dropdb --if-exists "$src" >/dev/null 2>&1 || true
    dropdb --if-exists "$dst" >/dev/null 2>&1 || true
    rm -f "$dump"
}
trap cleanup EXIT

failures=0
check() {   # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "PASS: $1"
    else
        echo "FAIL: $1"
        echo "  expected: $2"
        echo "  actual:   $3"
        failures=$((failures + 1))
    fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

createdb "$src"
psql -X -q -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('01_users', 'CREATE TABLE users (id bigint PRIMARY KEY, name text);', 'DROP TABLE users;', description => 'users');
SELECT migrate.add('02_orders', 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);', 'DROP TABLE orders;');
SELECT migrate.add('03_index', 'CREATE INDEX orders_user ON orders (user_id);', 'DROP INDEX orders_user;');
SELECT count(*) FROM migrate.apply('02_orders');
INSERT INTO users VALUES (1, 'ada');
INSERT INTO orders VALUES (10, 1);
SET pgmigrate.guard = warn;
SET client_min_messages = error;
COMMENT ON TABLE users IS 'people';
SQL

catalog_query="SELECT md5(string_agg(r::text, '|' ORDER BY id)) FROM migrate.revisions r"
log_query="SELECT md5(string_agg(l::text, '|' ORDER BY id)) FROM migrate.log l"
status_query="SELECT string_agg(revision || ':' || applied, ',') FROM migrate.status()"
src_catalog=$(q "$src" "$catalog_query")
src_log=$(q "$src" "$log_query")
src_status=$(q "$src" "$status_query")
src_max_log_id=$(q "$src" "SELECT max(id) FROM migrate.log")

pg_dump -Fc -f "$dump" "$src"

# The restore command from README.md.
createdb "$dst"
PGOPTIONS='-c pgmigrate.guard=off -c session_replication_role=replica' \
    pg_restore --exit-on-error --dbname="$dst" "$dump"

check "revisions survive" "$src_catalog" "$(q "$dst" "$catalog_query")"
check "log survives" "$src_log" "$(q "$dst" "$log_query")"
check "applied state survives" "$src_status" "$(q "$dst" "$status_query")"
check "application data survives" "1|ada" "$(q "$dst" "SELECT id || '|' || name FROM users")"
check "the restore added no log rows" "$(q "$src" "SELECT count(*) FROM migrate.log")" \
    "$(q "$dst" "SELECT count(*) FROM migrate.log")"
check "the catalog triggers are still ENABLE ALWAYS" "A,A,A,A,A" \
    "$(q "$dst" "SELECT string_agg(tgenabled::text, ',') FROM pg_trigger WHERE tgname = 'refuse_direct_write'")"
check "the guard is ENABLE ALWAYS" "A" \
    "$(q "$dst" "SELECT evtenabled FROM pg_event_trigger WHERE evtname = 'pgmigrate_guard'")"

# After the restore the guard refuses again, and the catalog is closed.
out=$(psql -X -q -At -d "$dst" -c "CREATE TABLE adhoc (id int)" 2>&1 || true)
check "the guard refuses DDL after the restore" "ERROR:  cannot execute CREATE TABLE outside a migration" "$(echo "$out" | head -1)"
out=$(PGOPTIONS='-c pgmigrate.guard=off' psql -X -q -At -d "$dst" \
      -c "INSERT INTO migrate.revisions (id, up, up_sha256, registered_by, registered_at) VALUES ('x', 'SELECT 1', '', 'x', now())" 2>&1 || true)
check "guard off alone does not open the catalog" "ERROR:  cannot INSERT INTO migrate.revisions directly" "$(echo "$out" | head -1)"
out=$(PGOPTIONS='-c pgmigrate.guard=off -c session_replication_role=replica' psql -X -q -At -d "$dst" \
      -c "DELETE FROM migrate.log" 2>&1 || true)
check "a restore session may not delete" "ERROR:  cannot DELETE FROM migrate.log directly" "$(echo "$out" | head -1)"

# The restored database carries on where the original stopped.
check "apply continues with the pending revision" "03_index" \
    "$(q "$dst" "SELECT string_agg(revision, ',') FROM migrate.apply()" 2>/dev/null)"
# the keys of the schema as recorded name oids of the original: not dumped;
# the first apply records the whole schema again before its revision runs
check "the first apply after the restore records the whole schema first" "baseline,apply:0" \
    "$(q "$dst" "SELECT string_agg(action, ',' ORDER BY id) || ':' || (SELECT count(*) FROM migrate.drift())
                 FROM migrate.snapshots WHERE id > (SELECT max(id) FROM migrate.snapshots) - 2")"
check "new log rows follow the restored ones" "t" \
    "$(q "$dst" "SELECT bool_and(id > $src_max_log_id) FROM migrate.log WHERE revision = '03_index'")"
check "rollback works on restored history" "03_index,02_orders" \
    "$(q "$dst" "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate.rollback('-2', allow_data_loss => true)" 2>/dev/null)"

if [ "$failures" -gt 0 ]; then
    echo "dump_restore: $failures check(s) failed"
    exit 1
fi
echo "dump_restore: all checks passed"
