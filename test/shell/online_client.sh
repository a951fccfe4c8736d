#!/usr/bin/env bash
# The client and online revisions: a file with "-- migrate:online" is pushed
# as one; `pgmigrate apply` runs it in its phases (start, backfill with a
# progress line, complete) between plain revisions, and goes on with one
# a run before left started; start, backfill, complete and abort one at a
# time, with their exit statuses and --json; `status` shows where an online
# revision is; complete refuses while an idle session serves the old
# version, and --force completes.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
db=pgm_online_client_$$
work=$(mktemp -d)
cleanup() {
    dropdb --if-exists --force "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

createdb "$db"
psql -X -q -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
export PGDATABASE=$db
mkdir -p "$work/migrations"
cd "$work"

cat >migrations/001_accounts.sql <<'SQL'
-- migrate:up
CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer NOT NULL DEFAULT 0, owner text);
INSERT INTO accounts SELECT g, g, 'owner ' || g FROM generate_series(1, 20000) g;
-- migrate:down
DROP TABLE accounts;
SQL
cat >migrations/002_bigint.sql <<'SQL'
-- migrate:online
-- migrate:allow-destructive
-- migrate:up
ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;
-- migrate:down
ALTER TABLE accounts ALTER COLUMN balance TYPE integer;
SQL
cat >migrations/003_index.sql <<'SQL'
-- migrate:up
CREATE INDEX accounts_owner ON accounts (owner);
-- migrate:down
DROP INDEX accounts_owner;
SQL

pm push
check "push: exit 0" test "$rc" = 0
check "the online file is registered online" test "$(q "SELECT string_agg(id || ':' || online, ' ' ORDER BY id) FROM migrate.revisions")" = "001_accounts:false 002_bigint:true 003_index:false"

PGOPTIONS='-c pgmigrate.backfill_batch=500 -c pgmigrate.backfill_delay=100' pm apply
check "apply: exit 0" test "$rc" = 0
check "apply: the online revision ran in its phases" err_has 'applying online revision "002_bigint": start, backfill, complete'
check "apply: a progress line while it backfilled" err_has "backfill 002_bigint:"
check "apply: all three applied, in order" test "$(grep -c '^applied' "$work/out")" = 3
check "apply: balance is bigint" test "$(q "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'balance'")" = bigint
check "apply: nothing of the phases is left" test "$(q "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'public\_0%'")|$(q "SELECT count(*) FROM migrate.online")" = "0|0"

# one phase at a time
cat >migrations/004_rename.sql <<'SQL'
-- migrate:online
-- migrate:up
ALTER TABLE accounts RENAME COLUMN owner TO holder;
-- migrate:down
ALTER TABLE accounts RENAME COLUMN holder TO owner;
SQL
pm push
pm complete 004_rename
check "complete before start: exit 1" test "$rc" = 1
check "... saying it is not started" err_has 'online revision "004_rename" is not started'
pm start 004_rename
check "start: exit 0" test "$rc" = 0
check "start: says so" out_has "started 004_rename"
pm status
check "status: the online revision's phase" grep -q "004_rename.*backfilled" "$work/out"
pm stamp 004_rename
check "stamp while it is in progress: exit 1" test "$rc" = 1
check "... naming it" err_has 'online revision "004_rename" is in progress'
pm --json backfill 004_rename
check "backfill --json: exit 0 and the id" test "$rc|$(cat "$work/out")" = '0|{"backfill": "004_rename"}'
pm abort 004_rename
check "abort: exit 0" test "$rc" = 0
check "abort: the old name is still there" test "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'owner'")" = 1
pm start 004_rename

# an idle session of the old version: complete refuses, --force completes
{ echo "SELECT migrate.use_version('public_003_index');"; sleep 30; } | PGAPPNAME=old_app psql -X -q >/dev/null 2>&1 &
for _ in $(seq 1 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'old_app' AND state = 'idle'")" = 1 ] && break
    sleep 0.1
done
pm complete 004_rename
check "complete while the old version is served: exit 1" test "$rc" = 1
check "... naming the session" err_has "(old_app)"
pm complete --force 004_rename
check "complete --force: exit 0" test "$rc" = 0
check "complete --force: the column is renamed" test "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'holder'")" = 1
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'old_app'" >/dev/null

# apply goes on with an online revision a run before left started
cat >migrations/005_active.sql <<'SQL'
-- migrate:online
-- migrate:up
ALTER TABLE accounts ADD COLUMN active boolean NOT NULL DEFAULT true;
-- migrate:down
ALTER TABLE accounts DROP COLUMN active;
SQL
pm push
pm start 005_active
pm apply
check "apply resumes the started online revision: exit 0" test "$rc" = 0
check "... and completes it" test "$(q "SELECT applied FROM migrate.status() WHERE revision = '005_active'")" = t

pm start
check "start without an id: usage error, exit 2" test "$rc" = 2
pm --allow-data-loss rollback -2
check "rollback of completed online revisions runs their downs: exit 0" test "$rc" = 0
check "... and the old name is back" test "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'owner'")" = 1

echo "online_client: $failures check(s) failed"
[ "$failures" -eq 0 ]
