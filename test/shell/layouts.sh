#!/usr/bin/env bash
# Other tools' migration directories, pushed unchanged: dbmate, golang-migrate,
# diesel and Flyway, detected from the directory or named with --format.
# For each: the ids, the order (golang-migrate's and Flyway's versions by
# number: 2 before 10), each tool's meaning of an empty down (dbmate,
# golang-migrate, diesel: nothing to undo; Flyway: no undo file, no down),
# the no-transaction settings (diesel's metadata.toml, Flyway's .sql.conf),
# an apply and a rollback to base; and one approval (--allow-destructive)
# for a push of destructive files, logged per revision.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
prefix=pgm_layouts_$$
work=$(mktemp -d)
cleanup() {
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
new_db() {
    db=${prefix}_$1
    create_database "$db" pgmigrate
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
# chain: the ids in apply order, each with its parent
chain() { q "SELECT string_agg(revision || '<' || coalesce(parents[1], ''), ' ' ORDER BY ord)
               FROM migrate.status() WITH ORDINALITY AS s(revision, parents, applied, applied_at, is_head,
                    description, destructive, irreversible, transactional, down_derived, ord)"; }
down_of() { q "SELECT coalesce(down, '(none)') FROM migrate.revisions WHERE id = '$1'"; }
cd "$work"

# ---- dbmate --------------------------------------------------------------------
mkdir dbmate
printf -- '-- migrate:up\ncreate table a (id bigint primary key);\n-- migrate:down\ndrop table a;\n' >dbmate/20200101000000_a.sql
printf -- '-- migrate:up\ninsert into a values (1);\n\n-- migrate:down\n\n' >dbmate/20200102000000_seed.sql
new_db dbmate
pm -d "$db" push dbmate
check "dbmate: pushed unchanged, exit 0" [ "$rc" = 0 ]
check "dbmate: detected" out_has "(dbmate layout)"
check "dbmate: a down section there and empty means nothing to undo" [ "$(down_of 20200102000000_seed)" = "" ]
pm -d "$db" apply
pm -d "$db" rollback
check "dbmate: the empty down rolls back, running nothing" [ "$rc" = 0 ]
check "dbmate: the seeded row is still there" [ "$(q "SELECT count(*) FROM a")" = 1 ]
pm -d "$db" --allow-data-loss rollback base
check "dbmate: and the other drops its table" [ -z "$(q "SELECT to_regclass('a')")" ]

# ---- golang-migrate ------------------------------------------------------------
mkdir golang
printf 'CREATE TABLE g1 (id bigint PRIMARY KEY);\n' >golang/1_create_g1.up.sql
printf 'DROP TABLE g1;\n' >golang/1_create_g1.down.sql
printf 'CREATE TABLE g2 (id bigint PRIMARY KEY);\n' >golang/2_create_g2.up.sql
printf 'DROP TABLE g2;\n' >golang/2_create_g2.down.sql
printf 'INSERT INTO g1 VALUES (1);\n' >golang/10_seed.up.sql
: >golang/10_seed.down.sql
printf 'CREATE TABLE g11 (id bigint PRIMARY KEY);\n' >golang/11_no_down.up.sql
new_db golang
pm -d "$db" push golang
check "golang-migrate: pushed unchanged, exit 0" [ "$rc" = 0 ]
check "golang-migrate: detected" out_has "(golang-migrate layout)"
check "golang-migrate: versions in number order (2 before 10), each after the one before" \
    [ "$(chain)" = "1_create_g1< 2_create_g2<1_create_g1 10_seed<2_create_g2 11_no_down<10_seed" ]
check "golang-migrate: an empty down file means nothing to undo" [ "$(down_of 10_seed)" = "" ]
check "golang-migrate: no down file, the down is derived" [ "$(down_of 11_no_down)" = "DROP TABLE g11;" ]
pm -d "$db" apply
check "golang-migrate: applies" [ "$rc" = 0 ]
pm -d "$db" --allow-data-loss rollback base
check "golang-migrate: rolls back to base" [ "$rc" = 0 ]
printf 'DROP TABLE g3;\n' >golang/3_orphan.down.sql
pm -d "$db" push golang
check "golang-migrate: a down file without its up: exit 1, named" [ "$rc" = 1 ]
check "golang-migrate: it names the file" err_has "3_orphan.down.sql: a down file without its up file"
rm golang/3_orphan.down.sql

# ---- diesel --------------------------------------------------------------------
mkdir -p diesel/2017-01-01-000000_create_users diesel/2017-01-02-000000_seed diesel/2017-01-03-000000_index
printf 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n' >diesel/2017-01-01-000000_create_users/up.sql
printf 'DROP TABLE users;\n' >diesel/2017-01-01-000000_create_users/down.sql
printf 'INSERT INTO users VALUES (1, NULL);\n' >diesel/2017-01-02-000000_seed/up.sql
printf '\n' >diesel/2017-01-02-000000_seed/down.sql
printf 'CREATE INDEX CONCURRENTLY users_email ON users (email);\n' >diesel/2017-01-03-000000_index/up.sql
printf 'DROP INDEX CONCURRENTLY users_email;\n' >diesel/2017-01-03-000000_index/down.sql
printf 'run_in_transaction = false\n' >diesel/2017-01-03-000000_index/metadata.toml
new_db diesel
pm -d "$db" push diesel
check "diesel: pushed unchanged, exit 0" [ "$rc" = 0 ]
check "diesel: detected" out_has "(diesel layout)"
check "diesel: directory names are the ids, in order" \
    [ "$(chain)" = "2017-01-01-000000_create_users< 2017-01-02-000000_seed<2017-01-01-000000_create_users 2017-01-03-000000_index<2017-01-02-000000_seed" ]
check "diesel: an empty down.sql means nothing to undo" [ "$(down_of 2017-01-02-000000_seed)" = "" ]
check "diesel: run_in_transaction = false is understood" \
    [ "$(q "SELECT transactional FROM migrate.revisions WHERE id = '2017-01-03-000000_index'")" = f ]
pm -d "$db" apply
check "diesel: applies, CONCURRENTLY outside a transaction" [ "$rc" = 0 ]
pm -d "$db" --allow-data-loss rollback base
check "diesel: rolls back to base" [ "$rc" = 0 ]

# diesel sorts by the digits of the version, whichever way the name writes them
mkdir -p diesel_mixed/2016-12-01-000000_first diesel_mixed/20170101000000_second
printf 'CREATE TABLE m1 (id bigint PRIMARY KEY);\n' >diesel_mixed/2016-12-01-000000_first/up.sql
printf 'CREATE TABLE m2 (id bigint REFERENCES m1);\n' >diesel_mixed/20170101000000_second/up.sql
new_db diesel_mixed
pm -d "$db" push diesel_mixed
check "diesel: 2016-12-01-000000_x comes before 20170101000000_y, as diesel orders them" \
    [ "$(chain)" = "2016-12-01-000000_first< 20170101000000_second<2016-12-01-000000_first" ]
pm -d "$db" apply
check "diesel: and they apply in that order" [ "$rc" = 0 ]
mkdir -p "diesel_mixed/2017-02-01-000000_Add notes to m1"
printf 'ALTER TABLE m1 ADD COLUMN notes text;\n' >"diesel_mixed/2017-02-01-000000_Add notes to m1/up.sql"
pm -d "$db" push diesel_mixed
check "diesel: a directory name with spaces pushes, its id with _ for what an id cannot hold" \
    [ "$(q "SELECT count(*) FROM migrate.revisions WHERE id = '2017-02-01-000000_Add_notes_to_m1'")" = 1 ]

# ---- Flyway --------------------------------------------------------------------
mkdir flyway
printf 'CREATE TABLE f1 (id bigint PRIMARY KEY);\n' >flyway/V1__create_f1.sql
printf 'DROP TABLE f1;\n' >flyway/U1__create_f1.sql
printf 'ALTER TABLE f1 ADD COLUMN name text;\n' >flyway/V1_1__add_name.sql
printf 'CREATE TABLE f2 (id bigint PRIMARY KEY);\n' >flyway/V2__create_f2.sql
printf 'CREATE TABLE f10 (id bigint PRIMARY KEY);\n' >flyway/V10__create_f10.sql
new_db flyway
pm -d "$db" push flyway
check "flyway: pushed unchanged, exit 0" [ "$rc" = 0 ]
check "flyway: detected" out_has "(flyway layout)"
check "flyway: versions in order (1, 1.1, 2, 10)" \
    [ "$(chain)" = "V1__create_f1< V1_1__add_name<V1__create_f1 V2__create_f2<V1_1__add_name V10__create_f10<V2__create_f2" ]
check "flyway: the undo file is the down" [ "$(down_of V1__create_f1)" = "DROP TABLE f1;" ]
pm -d "$db" apply
check "flyway: applies" [ "$rc" = 0 ]
printf 'SELECT 1;\n' >flyway/R__refresh.sql
pm -d "$db" push flyway
check "flyway: a repeatable migration: exit 1, with the reason" [ "$rc" = 1 ]
check "flyway: it says what to do" err_has "repeatable migrations (R__) are not revisions"
rm flyway/R__refresh.sql

# ---- --format -------------------------------------------------------------------
new_db forced
pm -d "$db" --format dbmate push dbmate
check "--format dbmate: exit 0" [ "$rc" = 0 ]
check "--format dbmate: read as dbmate" out_has "(dbmate layout)"
pm -d "$db" --format golang-migrate push dbmate
check "--format names a layout that does not fit: nothing to push" out_has "0 added, 0 updated, 0 unchanged"
pm -d "$db" --format liquibase push dbmate
check "an unknown --format: exit 2" [ "$rc" = 2 ]
check "it lists the layouts" err_has "pgmigrate, dbmate, golang-migrate, diesel or flyway"

# ---- one approval for a push of destructive files --------------------------------
mkdir destructive
printf -- '-- migrate:up
create table t1 (id bigint primary key, c text);
create table t2 (id bigint primary key);
' >destructive/001_tables.sql
printf -- '-- migrate:up
alter table t1 drop column c;
' >destructive/002_drop_column.sql
printf -- '-- migrate:up
drop table t2;
' >destructive/003_drop_table.sql
new_db approve
pm -d "$db" push destructive
check "a push with destructive files: exit 1" [ "$rc" = 1 ]
check "it names the first such file" err_has "002_drop_column.sql: dropping column c of table t1 destroys its data"
check "nothing was registered" [ "$(q "SELECT count(*) FROM migrate.revisions")" = 0 ]
pm -d "$db" --allow-destructive push destructive
check "push --allow-destructive: exit 0, one approval for all" [ "$rc" = 0 ]
check "the approval is logged for each revision it covered" \
    [ "$(q "SELECT string_agg(revision, ' ' ORDER BY revision) FROM migrate.log WHERE action = 'approve'")" = "002_drop_column 003_drop_table" ]
check "both are marked destructive" [ "$(q "SELECT count(*) FROM migrate.revisions WHERE destructive")" = 2 ]
pm -d "$db" push destructive
check "pushing the same files again needs no second approval" [ "$rc" = 0 ]
check "they are unchanged" out_has "0 added, 0 updated, 3 unchanged"

echo "layouts: $failures check(s) failed"
[ "$failures" -eq 0 ]
