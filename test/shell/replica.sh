#!/usr/bin/env bash
# A hot standby built with pg_basebackup from the test server: the read-only
# functions work there, the changing ones refuse with a clear error, and
# what the primary applies shows on the standby.
#
# Needs a running server (the primary): PGHOST, PGPORT and PGUSER (a
# superuser) set, as scripts/test.sh does; run as root (the standby runs as
# the postgres OS user).
set -euo pipefail

db=pgm_replica_$$
standby=$(mktemp -d /tmp/pgmigrate-standby.XXXXXX)
chown postgres: "$standby"
sport=$(( PGPORT + 1 ))
bindir=$(pg_config --bindir)
cleanup() {
    as_postgres "$bindir/pg_ctl" -D "$standby/data" -m fast -w stop >/dev/null 2>&1 || true
    [ -n "${PGM_KEEP_STANDBY:-}" ] && cat "$standby/server.log" >&2
    rm -rf "$standby"
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
p() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
s() { psql -X -q -At -v ON_ERROR_STOP=1 -h "$standby" -p "$sport" -d "$db" -c "$1"; }

createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('01', 'CREATE TABLE accounts (id bigint PRIMARY KEY);', 'DROP TABLE accounts;');
SELECT migrate.add('02', 'ALTER TABLE accounts ADD COLUMN name text;', 'ALTER TABLE accounts DROP COLUMN name;');
SELECT count(*) FROM migrate.apply('01');
SQL

as_postgres "$bindir/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U postgres \
    -D "$standby/data" -R -X stream -c fast >/dev/null
# a standby needs at least the primary's limits; the test server sets some
# on its command line, which pg_basebackup does not copy
limits=""
for setting in max_connections max_locks_per_transaction max_prepared_transactions max_worker_processes max_wal_senders; do
    limits="$limits -c $setting=$(psql -X -At -d "$db" -c "SHOW $setting")"
done
as_postgres "$bindir/pg_ctl" -D "$standby/data" -w -t 60 -l "$standby/server.log" \
    -o "-c listen_addresses='' -c unix_socket_directories='$standby' -p $sport -c hot_standby=on $limits" start >/dev/null

wait_for_replay() {
    local lsn
    lsn=$(psql -X -At -d "$db" -c "SELECT pg_current_wal_lsn()")
    for _ in $(seq 1 200); do
        [ "$(s "SELECT pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn")" = t ] && return 0
        sleep 0.05
    done
    echo "the standby did not catch up" >&2
    return 1
}
wait_for_replay

check "the standby is in recovery" [ "$(s "SELECT pg_is_in_recovery()")" = t ]
check "status() works on the standby" [ "$(s "SELECT string_agg(revision || ':' || applied, ',') FROM migrate.status()")" = "01:true,02:false" ]
check "current() works on the standby" [ "$(s "SELECT migrate.current()")" = "{01}" ]
check "heads() works on the standby" [ "$(s "SELECT migrate.heads()")" = "{02}" ]
check "plan() works on the standby" [ "$(s "SELECT string_agg(revision, ',') FROM migrate.plan()")" = "02" ]
check "drift() works on the standby" [ "$(s "SELECT count(*) FROM migrate.drift()")" = 0 ]
check "verify() works on the standby" [ "$(s "SELECT count(*) FROM migrate.verify()")" = 0 ]
check "lint() works on the standby" [ "$(s "SELECT string_agg(rule, ',' ORDER BY rule) FROM migrate.lint('DROP TABLE accounts')")" = "drop-table,missing-lock-timeout" ]

refuses() {   # refuses SQL: the standby refuses it with SQLSTATE 25006 and says to use the primary
    local out
    out=$(psql -X -q -At -h "$standby" -p "$sport" -d "$db" -v VERBOSITY=verbose -c "$1" 2>&1 || true)
    echo "$out" | grep -q "ERROR:  25006: .* cannot run on a standby server" &&
        echo "$out" | grep -q "HINT:  Run .* on the primary"
}
check "apply() refuses on the standby" refuses "SELECT * FROM migrate.apply()"
check "rollback() refuses on the standby" refuses "SELECT * FROM migrate.rollback()"
check "stamp() refuses on the standby" refuses "SELECT * FROM migrate.stamp('02')"
check "add() refuses on the standby" refuses "SELECT migrate.add('03', 'SELECT 1')"
check "test_roundtrip() refuses on the standby" refuses "SELECT * FROM migrate.test_roundtrip()"

# what the primary applies shows on the standby
p "SELECT count(*) FROM migrate.apply()" >/dev/null
wait_for_replay
check "revisions applied on the primary show on the standby" [ "$(s "SELECT migrate.current()")" = "{02}" ]
check "and so does their schema" [ "$(s "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'name'")" = 1 ]
check "and their log" [ "$(s "SELECT count(*) FROM migrate.log WHERE action = 'apply'")" = 2 ]
check "no drift on the standby after replication" [ "$(s "SELECT count(*) FROM migrate.drift()")" = 0 ]

if [ "$failures" -gt 0 ]; then
    tail -n 20 "$standby/server.log"
    echo "replica: $failures check(s) failed"
    exit 1
fi
echo "replica: all checks passed"
