#!/usr/bin/env bash
# pgmigrate adopt --from TOOL: a database another tool migrated, taken over
# without running anything.  For each tool, the database is first migrated
# as the tool would (its SQL run by psql, its history table written the way
# the tool writes it), then adopted: exactly the migrations the tool
# applied are stamped, in one transaction, nothing of their SQL runs, the
# next migration applies, and the schema has no drift.  Also: a version
# with no file, a gap, golang-migrate's dirty flag, a second adopt.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
prefix=pgm_adopt_$$
work=$(mktemp -d)
cleanup() {
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
# new_db NAME: a database with pgmigrate, the guard off for the "other tool"
new_db() {
    db=${prefix}_$1
    create_database "$db" pgmigrate
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# as_tool FILE...: run SQL as the other tool did, past the guard
as_tool() { cat "$@" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET pgmigrate.guard = off" -f - >/dev/null; }
applied() { q "SELECT string_agg(revision, ' ' ORDER BY revision) FROM migrate.status() WHERE applied"; }
ran_nothing() { [ "$(q "SELECT count(*) FROM migrate.log WHERE action = 'apply'")" = 0 ]; }
cd "$work"

# ---- dbmate --------------------------------------------------------------------
mkdir dbmate
printf -- '-- migrate:up\ncreate table accounts (id bigint primary key);\n-- migrate:down\ndrop table accounts;\n' >dbmate/20200101000000_accounts.sql
printf -- '-- migrate:up\nalter table accounts drop column id;\nalter table accounts add column id bigint;\n-- migrate:down\n' >dbmate/20200102000000_rework.sql
printf -- '-- migrate:up\ncreate table later (id bigint primary key);\n-- migrate:down\ndrop table later;\n' >dbmate/20200103000000_later.sql
new_db dbmate
printf 'create table schema_migrations (version varchar(128) primary key);\n' >"$work/dbmate_table.sql"
sed -n '/migrate:up/,/migrate:down/p' dbmate/20200101000000_accounts.sql dbmate/20200102000000_rework.sql | grep -v '^-- migrate' >"$work/dbmate_ran.sql"
printf "insert into schema_migrations values ('20200101000000'), ('20200102000000');\n" >>"$work/dbmate_ran.sql"
as_tool "$work/dbmate_table.sql" "$work/dbmate_ran.sql"
pm -d "$db" adopt --from dbmate dbmate
check "dbmate: adopt exit 0" [ "$rc" = 0 ]
check "dbmate: exactly the two it applied are stamped" [ "$(applied)" = "20200101000000_accounts 20200102000000_rework" ]
check "dbmate: nothing of their SQL ran" ran_nothing
check "dbmate: each stamp is logged" [ "$(q "SELECT count(*) FROM migrate.log WHERE action = 'stamp'")" = 2 ]
check "dbmate: a destructive migration it applied needs no approval" \
    [ "$(q "SELECT count(*) FROM migrate.log WHERE action = 'approve'")" = 0 ]
check "dbmate: it says what it did" out_has "adopted from dbmate: 2 of 3 migrations stamped as applied, nothing run; 2 applied, 1 pending"
pm -d "$db" drift
check "dbmate: no drift after adopting" [ "$rc" = 0 ]
pm -d "$db" --dir dbmate apply
check "dbmate: the next one applies" [ "$rc" = 0 ]
check "dbmate: all three applied" [ "$(q "SELECT count(*) FROM migrate.status() WHERE applied")" = 3 ]
pm -d "$db" adopt --from dbmate dbmate
check "dbmate: adopting again changes nothing: exit 0" [ "$rc" = 0 ]

# ---- golang-migrate ------------------------------------------------------------
mkdir golang
printf 'CREATE TABLE g1 (id bigint PRIMARY KEY);\n' >golang/1_g1.up.sql
printf 'DROP TABLE g1;\n' >golang/1_g1.down.sql
printf 'CREATE TABLE g2 (id bigint PRIMARY KEY);\n' >golang/2_g2.up.sql
printf 'DROP TABLE g2;\n' >golang/2_g2.down.sql
printf 'CREATE TABLE g10 (id bigint PRIMARY KEY);\n' >golang/10_g10.up.sql
printf 'DROP TABLE g10;\n' >golang/10_g10.down.sql
new_db golang
printf 'CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);\n' >"$work/golang_table.sql"
printf 'INSERT INTO schema_migrations VALUES (2, false);\n' >"$work/golang_version.sql"
as_tool "$work/golang_table.sql" golang/1_g1.up.sql golang/2_g2.up.sql "$work/golang_version.sql"
pm -d "$db" adopt --from golang-migrate golang
check "golang-migrate: adopt exit 0" [ "$rc" = 0 ]
check "golang-migrate: the current version and every one before it are stamped" [ "$(applied)" = "1_g1 2_g2" ]
check "golang-migrate: nothing ran" ran_nothing
new_db golang_dirty
as_tool "$work/golang_table.sql"
q "SET pgmigrate.guard = off; INSERT INTO schema_migrations VALUES (2, true)" >/dev/null
pm -d "$db" adopt --from golang-migrate golang
check "golang-migrate: a dirty version: exit 1" [ "$rc" = 1 ]
check "golang-migrate: it says why and what to do" err_has "is dirty at version 2"
check "golang-migrate: nothing was registered" [ "$(q "SELECT count(*) FROM migrate.revisions")" = 0 ]

# ---- diesel --------------------------------------------------------------------
mkdir -p diesel/2017-01-01-000000_users diesel/2017-01-02-000000_posts
printf 'CREATE TABLE users (id bigint PRIMARY KEY);\n' >diesel/2017-01-01-000000_users/up.sql
printf 'DROP TABLE users;\n' >diesel/2017-01-01-000000_users/down.sql
printf 'CREATE TABLE posts (id bigint PRIMARY KEY);\n' >diesel/2017-01-02-000000_posts/up.sql
printf 'DROP TABLE posts;\n' >diesel/2017-01-02-000000_posts/down.sql
new_db diesel
printf "CREATE TABLE __diesel_schema_migrations (version varchar(50) PRIMARY KEY, run_on timestamp NOT NULL DEFAULT now());\nINSERT INTO __diesel_schema_migrations (version) VALUES ('20170101000000');\n" >"$work/diesel_table.sql"
as_tool "$work/diesel_table.sql" diesel/2017-01-01-000000_users/up.sql
pm -d "$db" adopt --from diesel diesel
check "diesel: adopt exit 0" [ "$rc" = 0 ]
check "diesel: the one it ran is stamped" [ "$(applied)" = "2017-01-01-000000_users" ]
check "diesel: nothing ran" ran_nothing

# ---- Flyway --------------------------------------------------------------------
mkdir flyway
printf 'CREATE TABLE f1 (id bigint PRIMARY KEY);\n' >flyway/V1__f1.sql
printf 'CREATE TABLE f1_1 (id bigint PRIMARY KEY);\n' >flyway/V1_1__f1_1.sql
printf 'CREATE TABLE f2 (id bigint PRIMARY KEY);\n' >flyway/V2__f2.sql
new_db flyway
cat >"$work/flyway_table.sql" <<'SQL'
CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200),
    type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
    installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL);
INSERT INTO flyway_schema_history VALUES
    (1, '1', 'f1', 'SQL', 'V1__f1.sql', 0, 'me', now(), 1, true),
    (2, '1.1', 'f1 1', 'SQL', 'V1_1__f1_1.sql', 0, 'me', now(), 1, true),
    (3, '2', 'f2', 'SQL', 'V2__f2.sql', 0, 'me', now(), 1, false);
SQL
as_tool "$work/flyway_table.sql" flyway/V1__f1.sql flyway/V1_1__f1_1.sql
pm -d "$db" adopt --from flyway flyway
check "flyway: adopt exit 0" [ "$rc" = 0 ]
check "flyway: the successful versions are stamped, not the failed one" [ "$(applied)" = "V1_1__f1_1 V1__f1" ]
check "flyway: nothing ran" ran_nothing

# ---- alembic: its table names the heads -------------------------------------------
mkdir alembic
printf -- '-- migrate:parents\n-- migrate:up\nCREATE TABLE a1 (id bigint PRIMARY KEY);\n' >alembic/1975ea83b712.sql
printf -- '-- migrate:parents 1975ea83b712\n-- migrate:up\nCREATE TABLE a2 (id bigint PRIMARY KEY);\n' >alembic/ae1027a6acf.sql
printf -- '-- migrate:parents ae1027a6acf\n-- migrate:up\nCREATE TABLE a3 (id bigint PRIMARY KEY);\n' >alembic/27c6a30d7c24.sql
new_db alembic
printf "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);\nINSERT INTO alembic_version VALUES ('ae1027a6acf');\n" >"$work/alembic_table.sql"
as_tool "$work/alembic_table.sql" <(printf 'CREATE TABLE a1 (id bigint PRIMARY KEY);\nCREATE TABLE a2 (id bigint PRIMARY KEY);\n')
pm -d "$db" adopt --from alembic alembic
check "alembic: adopt exit 0" [ "$rc" = 0 ]
check "alembic: the head and everything before it are stamped" [ "$(applied)" = "1975ea83b712 ae1027a6acf" ]
check "alembic: nothing ran" ran_nothing

# ---- what adopt refuses, writing nothing ----------------------------------------
new_db unknown
printf "insert into schema_migrations values ('20200101000000'), ('20990101000000');\n" >"$work/unknown.sql"
as_tool "$work/dbmate_table.sql" "$work/unknown.sql"
pm -d "$db" adopt --from dbmate dbmate
check "a version with no file: exit 1" [ "$rc" = 1 ]
check "it names the version" err_has "names version 20990101000000, which no migration in"
check "nothing was registered" [ "$(q "SELECT count(*) FROM migrate.revisions")" = 0 ]
new_db gap
printf "insert into schema_migrations values ('20200102000000');\n" >"$work/gap.sql"
as_tool "$work/dbmate_table.sql" "$work/gap.sql"
pm -d "$db" adopt --from dbmate dbmate
check "an applied migration whose predecessor was not: exit 1" [ "$rc" = 1 ]
check "it names both" err_has "dbmate applied 20200102000000_rework but not 20200101000000_accounts"
new_db pending_destructive
printf "insert into schema_migrations values ('20200101000000');\n" >"$work/first.sql"
as_tool "$work/dbmate_table.sql" "$work/first.sql"
pm -d "$db" adopt --from dbmate dbmate
check "a destructive migration the tool has not applied yet needs approval: exit 1" [ "$rc" = 1 ]
check "it names the file" err_has "20200102000000_rework.sql: dropping column id"
pm -d "$db" --allow-destructive adopt --from dbmate dbmate
check "with --allow-destructive: exit 0" [ "$rc" = 0 ]
check "the one the tool applied is stamped" [ "$(applied)" = "20200101000000_accounts" ]
check "the approval is logged for the pending one only" \
    [ "$(q "SELECT string_agg(revision, ' ') FROM migrate.log WHERE action = 'approve'")" = "20200102000000_rework" ]
new_db notable
pm -d "$db" adopt --from diesel diesel
check "no history table: exit 1" [ "$rc" = 1 ]
check "it asks whether the tool migrated this database" err_has "was this database migrated by diesel?"
pm -d "$db" adopt dbmate
check "adopt without --from: exit 2" [ "$rc" = 2 ]
pm -d "$db" adopt --from liquibase dbmate
check "an unknown tool: exit 2" [ "$rc" = 2 ]

echo "adopt: $failures check(s) failed"
[ "$failures" -eq 0 ]
