#!/usr/bin/env bash
# The pgmigrate client against a throwaway server: the whole file-based
# loop (new, push, apply, status, rollback), pushing twice, an edited
# applied file, a dbmate directory, CREATE INDEX CONCURRENTLY (also failing
# half way and re-run), --json, --dry-run, and usage and connection errors
# with their exit codes.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
db=pgm_client_$$
dbmate_db=pgm_client_dbmate_$$
noext_db=pgm_client_noext_$$
destructive_db=pgm_client_destructive_$$
work=$(mktemp -d)
cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    dropdb --if-exists "$dbmate_db" >/dev/null 2>&1 || true
    dropdb --if-exists "$noext_db" >/dev/null 2>&1 || true
    dropdb --if-exists "$destructive_db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

createdb "$db"
psql -X -q -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
export PGDATABASE=$db
cd "$work"

# ---- a destructive file pushed without approval: the hint names the header and the flag
mkdir -p "$work/destructive"
printf -- '-- migrate:up\nCREATE TABLE d (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE d;\n' >"$work/destructive/001_d.sql"
printf -- '-- migrate:up\nDROP TABLE d;\n-- migrate:down\nCREATE TABLE d (id bigint PRIMARY KEY);\n' >"$work/destructive/002_drop.sql"
createdb "$destructive_db"
psql -X -q -d "$destructive_db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
pm -d "$destructive_db" push "$work/destructive"
check "a destructive file pushed without approval: exit 1" [ "$rc" = 1 ]
check "... the hint names the header line and the flag" \
    err_has 'add the header line "-- migrate:allow-destructive" to its file, or push with --allow-destructive'
dropdb "$destructive_db"

# ---- a database without the extension: the error says how to install it -----
createdb "$noext_db"
pm -d "$noext_db" status
check "a database without pgmigrate: exit 1" [ "$rc" = 1 ]
check "... naming CREATE EXTENSION pgmigrate" err_has "run CREATE EXTENSION pgmigrate; in it"
pm -d "$noext_db" check --to /dev/null
check "... for check too" err_has "run CREATE EXTENSION pgmigrate; in it"
dropdb "$noext_db"

# ---- the loop: new, push, apply, status, rollback ----------------------------
pm --version
check "--version" [ "$rc" = 0 ]
check "--version prints the version" out_has "pgmigrate 0."
pm --help
check "--help" [ "$rc" = 0 ]
check "--help lists the commands" out_has "  push [DIR]          register every file of DIR"

pm new create_users
check "new writes a file" [ "$rc" = 0 ]
first=$(cat "$work/out")
check "the file is in migrations/" [ -f "$first" ]
check "a root has an empty parents line" grep -qx -- "-- migrate:parents" "$first"
cat >"$first" <<'SQL'
-- migrate:parents
-- migrate:description users and their email addresses
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- migrate:down
DROP TABLE users;
SQL
sleep 1
pm new create_orders
second=$(cat "$work/out")
check "the next file names the head as parent" grep -qx -- "-- migrate:parents $(basename "$first" .sql)" "$second"
check "ids sort in creation order" [ "$(ls migrations | head -1)" = "$(basename "$first")" ]
{ head -2 "$second"; cat <<'SQL'
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                     user_id bigint NOT NULL REFERENCES users, total numeric NOT NULL);
CREATE INDEX orders_user ON orders (user_id);
-- migrate:down
DROP TABLE orders;
SQL
} >"$work/tmp.sql" && mv "$work/tmp.sql" "$second"

pm push --dry-run
check "push --dry-run succeeds" [ "$rc" = 0 ]
check "push --dry-run says what it would add" out_has "dry run, nothing registered: 2 added, 0 updated, 0 unchanged"
check "push --dry-run registers nothing" [ "$(q "SELECT count(*) FROM migrate.revisions")" = 0 ]
pm push
check "push succeeds" [ "$rc" = 0 ]
check "push registers both" out_has "2 added, 0 updated, 0 unchanged"
pm push
check "pushing again is a no-op" out_has "0 added, 0 updated, 2 unchanged"
check "and warns about nothing" bash -c "! grep -q WARNING '$work/err'"
check "the parents came from the files" [ "$(q "SELECT parents[1] FROM migrate.revisions WHERE id = '$(basename "$second" .sql)'")" = "$(basename "$first" .sql)" ]

pm plan
check "plan shows both steps" [ "$(grep -c ' up ' "$work/out")" = 2 ]
pm apply
check "apply succeeds" [ "$rc" = 0 ]
check "apply reports each revision" [ "$(grep -c '^applied ' "$work/out")" = 2 ]
check "and the total at the end" out_has "2 revisions applied in "
check "a progress line per revision" [ "$(grep -c 'NOTICE:  applying revision' "$work/err")" = 2 ]
check "and one as each finishes, with its duration (pgmigrate.progress)" \
    [ "$(grep -cE 'NOTICE:  applied revision ".*" \([12] of 2\) in [0-9.]+ ms' "$work/err")" = 2 ]
pm status
check "status lists both as applied" [ "$(grep -c ' t  ' "$work/out")" -ge 2 ]
pm --json status
check "status --json is JSON" out_has '"applied":true'
pm apply
check "apply with nothing pending" out_has "nothing to apply"
pm rollback
check "rollback succeeds" [ "$rc" = 0 ]
check "rollback rolls back the newest" out_has "rolled back $(basename "$second" .sql)"
check "orders is gone" [ "$(q "SELECT to_regclass('orders') IS NULL")" = t ]
pm --json apply
check "apply --json" out_has "\"revision\": \"$(basename "$second" .sql)\""

# ---- an edited applied file -------------------------------------------------
cp "$second" "$work/second.orig"
sed -i 's/total numeric NOT NULL/total numeric(12,2) NOT NULL/' "$second"
pm push
check "pushing an edited applied file fails with 1" [ "$rc" = 1 ]
check "the error names the file" err_has "pgmigrate: $second: revision \"$(basename "$second" .sql)\" is applied and cannot be changed"
check "nothing of that push was registered" [ "$(q "SELECT count(*) FROM migrate.revisions")" = 2 ]
check "no WARNING about the refused file, nor about a transaction" bash -c "! grep -q WARNING '$work/err'"
pm plan nosuchtarget
check "a failed plan: exit 1" [ "$rc" = 1 ]
check "and no WARNING about a transaction that was never begun" bash -c "! grep -q 'no transaction in progress' '$work/err'"
cp "$work/second.orig" "$second"

# ---- CREATE INDEX CONCURRENTLY, failing half way, re-run --------------------------
sleep 1
pm new users_email_unique
third=$(cat "$work/out")
{ head -2 "$third"; cat <<'SQL'
-- migrate:no-transaction
-- migrate:up
CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);
-- migrate:down
DROP INDEX CONCURRENTLY users_email;
SQL
} >"$work/tmp.sql" && mv "$work/tmp.sql" "$third"
third_id=$(basename "$third" .sql)
pm push
check "a no-transaction file is registered as transactional => false" \
    [ "$(q "SELECT transactional FROM migrate.revisions WHERE id = '$third_id'")" = f ]
psql -X -q -d "$db" -c "INSERT INTO users (email) VALUES ('same@example.com'), ('same@example.com')"
pm apply
check "a failing CREATE INDEX CONCURRENTLY fails with 1" [ "$rc" = 1 ]
check "it says which statement failed" err_has "failed at statement 1 of 1: CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email)"
check "it says what was left behind" err_has "index users_email is INVALID: the next run drops and rebuilds it"
check "the revision stays unapplied" [ "$(q "SELECT applied_at IS NULL FROM migrate.revisions WHERE id = '$third_id'")" = t ]
check "the INVALID index is there" [ "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass")" = f ]
check "apply in SQL refuses it and says to use the client" \
    bash -c "psql -X -q -d $db -c \"SELECT * FROM migrate.apply()\" 2>&1 | grep -qF 'Run it with the pgmigrate client'"
psql -X -q -d "$db" -c "DELETE FROM users WHERE id = (SELECT max(id) FROM users)"
pm apply
check "the re-run succeeds" [ "$rc" = 0 ]
check "the re-run dropped the leftover first" err_has "outside a transaction, 2 statements"
check "the index is valid now" [ "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass")" = t ]
check "the revision is applied and logged once" \
    [ "$(q "SELECT count(*) FROM migrate.log WHERE revision = '$third_id' AND action = 'apply'")" = 1 ]
pm rollback base
check "a rollback that would destroy data stops: exit 1" [ "$rc" = 1 ]
check "it says what would be lost" err_has "drops table public.users, which holds rows"
check "... and names the client's flag, not the SQL argument" err_has "pass --allow-data-loss to pgmigrate rollback"
check "... nowhere the SQL argument" bash -c "! grep -qF 'allow_data_loss => true' '$work/err'"
check "before anything ran, the no-transaction revision included" \
    [ "$(q "SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL")" = 3 ]
pm rollback
check "rollback of a no-transaction revision" [ "$rc" = 0 ]
check "the index is gone" [ "$(q "SELECT to_regclass('users_email') IS NULL")" = t ]
check "the guard still refuses ad-hoc DDL" \
    bash -c "psql -X -q -d $db -c 'CREATE INDEX CONCURRENTLY adhoc ON users (created_at)' 2>&1 | grep -qF 'outside a migration'"

# ---- a dbmate directory, pushed as it is ---------------------------------------
createdb "$dbmate_db"
psql -X -q -d "$dbmate_db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
mkdir -p db/migrations
cat >db/migrations/20151129054053_create_accounts.sql <<'SQL'
-- migrate:up
create table accounts (id serial primary key, name varchar(255));

-- migrate:down
drop table accounts;
SQL
cat >db/migrations/20151129054110_add_email.sql <<'SQL'
-- migrate:up
alter table accounts add column email text;

-- migrate:down
alter table accounts drop column email;
SQL
cat >db/migrations/20151129054200_index_email.sql <<'SQL'
-- migrate:up transaction:false
create index concurrently accounts_email on accounts (email);

-- migrate:down
SQL
pm -d "dbname=$dbmate_db" push db/migrations
check "a dbmate directory pushes" [ "$rc" = 0 ]
check "the lint WARNINGs of files come when they are added" err_has "WARNING:  column name is varchar(n)"
pm -d "dbname=$dbmate_db" push db/migrations
check "and not again when they are pushed again unchanged" bash -c "! grep -q WARNING '$work/err'"
check "dbmate files chain in name order" \
    [ "$(psql -X -At -d "$dbmate_db" -c "SELECT string_agg(id || '<' || coalesce(parents[1], ''), ' ' ORDER BY id) FROM migrate.revisions")" = \
      "20151129054053_create_accounts< 20151129054110_add_email<20151129054053_create_accounts 20151129054200_index_email<20151129054110_add_email" ]
check "transaction:false is understood" \
    [ "$(psql -X -At -d "$dbmate_db" -c "SELECT transactional FROM migrate.revisions WHERE id = '20151129054200_index_email'")" = f ]
pm --dbname="dbname=$dbmate_db" apply
check "the dbmate migrations apply" [ "$rc" = 0 ]
check "all three are applied" [ "$(psql -X -At -d "$dbmate_db" -c "SELECT count(*) FROM migrate.revisions WHERE applied_at IS NOT NULL")" = 3 ]

# ---- usage and connection errors ---------------------------------------------
pm
check "no command: exit 2" [ "$rc" = 2 ]
check "no command: a one-line reason" err_has "pgmigrate: no command given"
pm frobnicate
check "unknown command: exit 2" [ "$rc" = 2 ]
pm --frobnicate status
check "unknown option: exit 2" [ "$rc" = 2 ]
pm new
check "new without a name: exit 2" [ "$rc" = 2 ]
pm status extra
check "extra argument: exit 2" [ "$rc" = 2 ]
pm --parent "bad id" new x
check "invalid --parent: exit 2" [ "$rc" = 2 ]
pm -d "host= port=5432 nosuchoption=1" status
check "a malformed connection string: exit 2" [ "$rc" = 2 ]
check "it says so" err_has 'invalid connection string: invalid connection option "nosuchoption"'
PGDATABASE=postgres pm -d "$db" status
check "-d with a plain database name, as psql takes it: exit 0" [ "$rc" = 0 ]
check "it connected to that database" out_has "revision"
PGDATABASE=postgres pm -d "postgresql:///$db" status
check "-d with a URI: exit 0" [ "$rc" = 0 ]
pm -d "host=/nonexistent port=1" status
check "a server that is not there: exit 1" [ "$rc" = 1 ]
check "it says it could not connect" err_has "pgmigrate: could not connect:"
pm --dir "$work/nowhere" push
check "a missing directory: exit 1" [ "$rc" = 1 ]
pm apply nosuchrevision
check "an unknown target: exit 1" [ "$rc" = 1 ]
check "the server's reason" err_has 'pgmigrate: apply failed: revision "nosuchrevision" does not exist'
mkdir -p bad && printf -- '-- migrate:frob\n-- migrate:up\nSELECT 1;\n' >bad/20200101000000_bad.sql
pm push bad
check "an unknown directive: exit 1" [ "$rc" = 1 ]
check "it names the file and line" err_has "bad/20200101000000_bad.sql:1: unknown directive"
mkdir -p cycle && printf -- '-- migrate:parents b\n-- migrate:up\nSELECT 1;\n' >cycle/a.sql \
    && printf -- '-- migrate:parents a\n-- migrate:up\nSELECT 1;\n' >cycle/b.sql
pm push cycle
check "files whose parents form a cycle: exit 1" [ "$rc" = 1 ]
check "it says so and names a file" err_has "the parents of the files in the directory form a cycle (cycle/a.sql"
mkdir -p badid && printf -- '-- migrate:up\nSELECT 1;\n' >"badid/head.sql"
pm push badid
check "a file named as a reserved word: exit 1" [ "$rc" = 1 ]
check "it gives the server's rule for ids" err_has 'badid/head.sql: "head" is not a valid revision id (1 to 128 characters of ASCII letters, digits'

# ---- options and targets in any order ------------------------------------------
pm plan -1 --down --json
check "a relative target before options: exit 0" [ "$rc" = 0 ]
check "it plans the newest revision down" out_has "\"revision\":\"$(basename "$second" .sql)\", \"direction\":\"down\""
pm --json --down plan -- -2
check "a plan down that would destroy data: exit 1" [ "$rc" = 1 ]
check "it says what would be lost" err_has "drops table public.users, which holds rows"
check "... and names the client's flag, not the SQL argument" err_has "pass --allow-data-loss to pgmigrate rollback"
check "... nowhere the SQL argument" bash -c "! grep -qF 'allow_data_loss => true' '$work/err'"
pm --json --down --allow-data-loss plan -- -2
check "with --allow-data-loss, and the target after --: exit 0" [ "$rc" = 0 ]
check "it plans two revisions down" [ "$(grep -c '"direction":"down"' "$work/out")" = 2 ]
POSIXLY_CORRECT=1 pm status --json
check "options after the command, also where getopt does not reorder: exit 0" [ "$rc" = 0 ]
check "and they count" out_has '"applied":true'
pm apply -?
check "-? after the command asks for help" out_has "  push [DIR]          register every file of DIR"
pm status --dir
check "an option without its value: exit 2" [ "$rc" = 2 ]
check "it says which" err_has 'option "--dir" needs a value'
pm rollback -2 extra
check "a third argument: exit 2, named" err_has 'too many arguments, starting with "extra"'
pm --dir=elsewhere --dir "$work/nowhere" push
check "the last --dir wins: exit 1 for the missing one" [ "$rc" = 1 ]

# ---- the command as README.md writes it --------------------------------------------
check "pgmigrate is a command on a plain PATH (the link in /usr/local/bin)" \
    bash -c 'PATH=/usr/local/bin:/usr/bin:/bin pgmigrate --version | grep -q "^pgmigrate 0\."'

if [ "$failures" -gt 0 ]; then
    echo "--- stdout of the last run"; cat "$work/out"
    echo "--- stderr of the last run"; cat "$work/err"
    echo "client: $failures check(s) failed"
    exit 1
fi
echo "client: all checks passed"
