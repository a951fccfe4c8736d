#!/usr/bin/env bash
# The client's verbs for CI, each with its exit status and its --json shape:
# up, verify (files against the database too), drift, lint (files, a
# directory, --strict, the files' own flags), test, stamp, log, graph
# (DOT, --json, --format svg when Graphviz is there) and repair.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
db=pgm_verbs_$$
work=$(mktemp -d)
cleanup() {
    drop_databases
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
is_json() { python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/out" 2>/dev/null || perl -MJSON::PP -e 'local $/; JSON::PP->new->decode(<STDIN>)' <"$work/out"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

createdb "$db"
psql -X -q -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
export PGDATABASE=$db
mkdir -p "$work/migrations"
cd "$work"

cat >migrations/001_users.sql <<'SQL'
-- migrate:description users
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
-- migrate:down
DROP TABLE users;
SQL
cat >migrations/002_orders.sql <<'SQL'
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint REFERENCES users);
SQL

# ---- up: push then apply, in one line ------------------------------------------
pm up
check "up: exit 0" [ "$rc" = 0 ]
check "up pushes" out_has "2 added"
check "up applies" out_has "2 revisions applied in"
pm --json up
check "up --json: exit 0" [ "$rc" = 0 ]
check "up again has nothing to do" [ "$(grep -c '"result": "unchanged"' "$work/out")" = 2 ]
check "up --json is one JSON document" is_json
check "with the push and the apply" out_has '{"push": ['


# an enum value one revision adds and a later one uses: the client commits
# after the revision that adds it (PostgreSQL allows the value only then)
mkdir enums
printf -- '-- migrate:up\nCREATE TYPE mood AS ENUM (%s);\n' "'ok'" >enums/001_mood.sql
printf -- '-- migrate:up\nALTER TYPE mood ADD VALUE %s;\n' "'great'" >enums/002_great.sql
printf -- '-- migrate:up\nCREATE TABLE moods (m mood DEFAULT %s);\n' "'great'" >enums/003_use.sql
create_database "${db}_enums" pgmigrate
pm -d "${db}_enums" --dir enums up
check "an enum value added, then used by a later revision: the client's apply works" [ "$rc" = 0 ]
check "all three applied" [ "$(psql -X -At -d "${db}_enums" -c "SELECT count(*) FROM migrate.status() WHERE applied")" = 3 ]

# ---- verify -------------------------------------------------------------------
pm verify
check "verify on a clean database: exit 0" [ "$rc" = 0 ]
check "it says so" out_has "no problem found"
pm --json verify
check "verify --json: exit 0, an empty array" [ "$rc" = 0 ]
check "verify --json: exit 0, an empty array (2)" [ "$(cat "$work/out")" = "[]" ]
cp migrations/002_orders.sql "$work/002.bak"
sed -i 's/user_id bigint/user_id bigint NOT NULL/' migrations/002_orders.sql
cat >migrations/003_later.sql <<'SQL'
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE later (id bigint PRIMARY KEY);
SQL
pm verify
check "an edited applied file and an unpushed one: exit 1" [ "$rc" = 1 ]
check "the edited file is named" out_has "002_orders.sql: its up SQL is not the registered revision's, which is applied"
check "the unpushed file is named" out_has "003_later.sql is not registered: run pgmigrate push"
pm --json verify
check "verify --json: exit 1" [ "$rc" = 1 ]
check "verify --json is JSON with problem, object, detail" is_json
check "and has both problems" [ "$(grep -c '"problem"' "$work/out")" = 2 ]
cp "$work/002.bak" migrations/002_orders.sql
rm migrations/003_later.sql
mv migrations/001_users.sql "$work/001.bak"
pm verify
check "a registered revision without its file: exit 1" [ "$rc" = 1 ]
check "a registered revision without its file: exit 1 (2)" out_has "no file"
mv "$work/001.bak" migrations/001_users.sql

# ---- drift --------------------------------------------------------------------
pm drift
check "drift on a clean database: exit 0" [ "$rc" = 0 ]
psql -X -q -d "$db" -c "SET pgmigrate.guard = off" -c "ALTER TABLE users ADD COLUMN sneaky text"
pm drift
check "drift after an ad-hoc change: exit 1" [ "$rc" = 1 ]
check "it names the table" out_has "users"
pm --json drift
check "drift --json is JSON" is_json
psql -X -q -d "$db" -c "SET pgmigrate.guard = off" -c "ALTER TABLE users DROP COLUMN sneaky"

# ---- lint ---------------------------------------------------------------------
mkdir -p lintdir
cat >lintdir/100_bad.sql <<'SQL'
-- migrate:up
DROP TABLE orders;
SQL
cat >lintdir/101_warn.sql <<'SQL'
-- migrate:up
CREATE INDEX orders_user ON orders (user_id);
SQL
cat >lintdir/102_concurrent.sql <<'SQL'
-- migrate:no-transaction
-- migrate:up
SET lock_timeout = '5s';
CREATE INDEX CONCURRENTLY orders_user2 ON orders (user_id);
SQL
cat >lintdir/103_allowed.sql <<'SQL'
-- migrate:allow-destructive
-- migrate:up
SET lock_timeout = '5s';
ALTER TABLE orders DROP COLUMN user_id;
SQL
pm lint lintdir
check "lint of a directory with an error: exit 1" [ "$rc" = 1 ]
check "the error names file, line, rule" out_has "lintdir/100_bad.sql:2: error:"
check "a no-transaction file may build CONCURRENTLY" bash -c "! grep -q '102_concurrent.sql.*non-transactional' '$work/out'"
check "an allow-destructive file's drop is a warning" out_has "lintdir/103_allowed.sql:4: warning:"
pm lint lintdir/101_warn.sql
check "lint of one file with warnings only: exit 0" [ "$rc" = 0 ]
check "it shows the warnings" out_has "warning:"
pm --strict lint lintdir/101_warn.sql
check "lint --strict of warnings: exit 1" [ "$rc" = 1 ]
pm lint lintdir/102_concurrent.sql lintdir/103_allowed.sql
check "lint of two files: exit 0" [ "$rc" = 0 ]
check "two files counted" out_has "2 files:"
pm --json lint lintdir
check "lint --json is JSON" is_json
check "with the file and the rule" out_has '"file":'
check "with the file and the rule (2)" out_has '"rule":'
pm lint migrations
check "lint of the clean migrations: exit 0" [ "$rc" = 0 ]
pm lint lintdir/nothere.sql
check "lint of a missing file: exit 1" [ "$rc" = 1 ]
mkdir lintdown
printf -- '-- migrate:up\nSET lock_timeout = 1;\nCREATE TABLE t1 (id bigint);\n-- migrate:down\nDROP TABLE t1\n' >lintdown/001_ok.sql
printf -- '-- migrate:up\nCREATE INDEX CONCURRENTLY t1_id ON t1 (id);\n-- migrate:down\nDROP INDEX CONCURRENTLY t1_id;\n' >lintdown/002_index.sql
pm lint lintdown
check "a transactional file whose down cannot run in a transaction: exit 1" [ "$rc" = 1 ]
check "the down's finding names the file" out_has "002_index.sql (down):"
printf -- '-- migrate:up\nSET lock_timeout = 1;\nCREATE TABLE t3 (id bigint);\n-- migrate:down\nDROP TABLE t3 SELECT (\n' >lintdown/003_typo.sql
pm lint lintdown/003_typo.sql
check "a down that does not parse: exit 1" [ "$rc" = 1 ]
check "it names the file" err_has "003_typo.sql (down): syntax error"
mkdir -p dieseldir/2020-01-01-000000_one
printf 'SET lock_timeout = 1; ALTER TABLE t DROP COLUMN c;\n' >dieseldir/2020-01-01-000000_one/up.sql
pm lint dieseldir/2020-01-01-000000_one
check "lint of one diesel revision's directory: it is read" out_has "1 file: 1 error"

# ---- test ---------------------------------------------------------------------
cat >migrations/003_tags.sql <<'SQL'
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE tags (id bigint PRIMARY KEY, name text);
SQL
cat >migrations/004_seed.sql <<'SQL'
-- migrate:up
INSERT INTO tags VALUES (1, 'first');
-- migrate:down
SELECT 1;
SQL
pm push
pm test 003_tags
check "test of a revision whose derived down round-trips: exit 0" [ "$rc" = 0 ]
check "it says ok" out_has "1 of 1 revision round-tripped"
pm test
check "test of one that does not: exit 1" [ "$rc" = 1 ]
check "it names it" out_has "004_seed"
pm --json test
check "test --json is JSON" is_json
check "nothing was applied by the tests" [ "$(q "SELECT count(*) FROM migrate.status() WHERE revision IN ('003_tags', '004_seed') AND applied")" = 0 ]

# ---- stamp and log ------------------------------------------------------------
pm stamp 003_tags
check "stamp: exit 0" [ "$rc" = 0 ]
check "it stamped one" out_has "1 revision stamped"
check "003 is applied without its table" [ "$(q "SELECT applied FROM migrate.status() WHERE revision = '003_tags'")" = t ]
check "003 is applied without its table (2)" [ -z "$(q "SELECT to_regclass('tags')")" ]
pm stamp
check "stamp without a target: exit 2" [ "$rc" = 2 ]
pm stamp nosuchrevision
check "stamp of an unknown revision: exit 1" [ "$rc" = 1 ]
pm log
check "log: exit 0" [ "$rc" = 0 ]
check "log shows who, what and how long" out_has "role"
check "log shows who, what and how long (2)" out_has "duration_ms"
check "log shows who, what and how long (3)" out_has "stamp"
pm log 2
check "log 2: two entries" [ "$(($(wc -l <"$work/out") - 1))" = 2 ]
pm --json log
check "log --json is JSON" is_json
pm log many
check "log with a word: exit 2" [ "$rc" = 2 ]

# ---- graph --------------------------------------------------------------------
pm graph
check "graph: exit 0" [ "$rc" = 0 ]
check "it is DOT" out_has "digraph pgmigrate {"
check "edges go from parent to child" out_has '"001_users" -> "002_orders";'
check "applied revisions are filled" grep -qE '"001_users" \[label="001_users\\nusers", style="rounded,filled"' "$work/out"
check "pending revisions are dashed, heads double" grep -qE '"004_seed" .*dashed.*peripheries=2' "$work/out"
pm --json graph
check "graph --json is JSON" is_json
if command -v dot >/dev/null 2>&1; then
    pm --format svg graph
    check "graph --format svg draws SVG" out_has "<svg"
else
    pm --format svg graph
    check "graph --format svg without Graphviz: exit 1" [ "$rc" = 1 ]
    check "it says Graphviz is missing" err_has "Graphviz"
fi
pm --format png graph
check "an unknown --format: exit 2" [ "$rc" = 2 ]

# ---- repair -------------------------------------------------------------------
printf 'DROP TABLE users CASCADE;\n' >"$work/users_down.sql"
pm repair 001_users --down "$work/users_down.sql"
check "repair: exit 0" [ "$rc" = 0 ]
check "the applied revision has the new down" [ "$(q "SELECT down FROM migrate.revisions WHERE id = '001_users'")" = "DROP TABLE users CASCADE;" ]
check "and a repair row in the log" [ "$(q "SELECT count(*) FROM migrate.log WHERE action = 'repair' AND revision = '001_users'")" = 1 ]
pm verify
check "verify then says the file's down is not the registered one" out_has "001_users.sql: its down SQL is not the registered revision's, which is applied"
sed -i 's/^DROP TABLE users;$/DROP TABLE users CASCADE;/' migrations/001_users.sql
pm verify
check "and is clean once the file says the same" [ "$rc" = 0 ]
pm repair 001_users
check "repair without --down FILE: exit 2" [ "$rc" = 2 ]
pm repair 999_nothing --down "$work/users_down.sql"
check "repair of an unknown revision: exit 1" [ "$rc" = 1 ]
check "it says so" err_has 'revision "999_nothing" does not exist'
printf 'DROP TABLE users; SELECT (' >"$work/bad_down.sql"
pm repair 001_users --down "$work/bad_down.sql"
check "repair with a down that does not parse: exit 1" [ "$rc" = 1 ]
check "the down is unchanged" [ "$(q "SELECT down FROM migrate.revisions WHERE id = '001_users'")" = "DROP TABLE users CASCADE;" ]

# ---- usage --------------------------------------------------------------------
pm verify extra
check "verify takes no argument: exit 2" [ "$rc" = 2 ]
pm -j 2 status
check "-j without --targets: exit 2" [ "$rc" = 2 ]

echo "verbs: $failures check(s) failed"
[ "$failures" -eq 0 ]
