#!/usr/bin/env bash
# Revisions generated from a desired schema: pgmigrate diff and check.
#
# The Todo app of the README evolving through five model changes made with
# SQLModel (test/fixtures/todo/models.py: a new table, a column, a foreign
# key, a type change with data, a rename): for each, the models are created
# with create_all() in a database of their own, `pgmigrate check --to-db`
# exits 1 before, `pgmigrate diff --to-db` writes the revision (proven on a
# scratch database), `pgmigrate up` applies it, `check` exits 0 after, and
# the rows the app wrote are all there.  Then the SQL-file loop (--to,
# --dev-db), what is refused and why (data loss without
# --allow-destructive, a file that does not load, a role that may not
# create the scratch database), and that no scratch database is left.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, the client installed in pg_config --bindir, and
# Debian's python3-sqlmodel and python3-psycopg2.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
db=pgm_generate_$$
role=pgm_generate_nocreatedb_$$
work=$(mktemp -d)
cleanup() {
    drop_databases
    dropuser --if-exists "$role" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
scratch_databases() { psql -X -At -d postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgmigrate_scratch_%'"; }
one_file_more() { [ "$(ls "$work/migrations" | wc -l)" -eq "$1" ]; }

create_database "$db" pgmigrate
export PGDATABASE=$db
mkdir -p "$work/migrations"
cd "$work"

# ---- the SQLModel loop -----------------------------------------------------

url="postgresql+psycopg2://$PGUSER@/%s?host=$PGHOST&port=$PGPORT"
models() {   # models VERSION: the models of that version, created in a database of their own
    [ -z "$(psql -X -At -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '${db}_v$1'")" ] || return 0
    create_database "${db}_v$1"
    /usr/bin/python3 "$root/test/fixtures/todo/models.py" "$1" "$(printf "$url" "${db}_v$1")"
}
step() {     # step VERSION NAME [diff options...]: check 1, diff, up, check 0
    local v=$1 name=$2 files
    shift 2
    models "$v"
    files=$(ls migrations | wc -l)
    pm check --to-db "${db}_v$v"
    check "v$v ($name): check exits 1 before" [ "$rc" -eq 1 ]
    pm diff "$name" --to-db "${db}_v$v" "$@"
    check "v$v ($name): diff writes the revision" [ "$rc" -eq 0 ]
    check "v$v ($name): proven on a scratch database" err_has "proven on a scratch database"
    check "v$v ($name): one file more" one_file_more $((files + 1))
    pm up
    check "v$v ($name): up applies it" [ "$rc" -eq 0 ]
    pm check --to-db "${db}_v$v"
    check "v$v ($name): check exits 0 after" [ "$rc" -eq 0 ]
    check "v$v ($name): migrate.verify() is clean" [ "$(q "SELECT count(*) FROM migrate.verify()")" = 0 ]
}

step 1 todo
q "INSERT INTO todo (title) VALUES ('write the diff engine'), ('test it')"
step 2 users
check "v2: the new table is user, quoted" [ "$(q "SELECT count(*) FROM public.\"user\"")" = 0 ]
step 3 estimate
q "UPDATE todo SET estimate = '3'"
step 4 owner
check "v4: the foreign key is there" \
    [ "$(q "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'todo'::regclass AND contype = 'f'")" \
      = 'FOREIGN KEY (owner_id) REFERENCES "user"(id)' ]
q "INSERT INTO \"user\" (name) VALUES ('ada'); UPDATE todo SET owner_id = 1"

# a type change with data: destroys data by the lint's rules, so it needs the approval
models 5
pm diff estimate_int --to-db "${db}_v5"
check "v5: a lossy type change is refused without --allow-destructive" [ "$rc" -eq 1 ]
check "v5: ... saying why" err_has "the up destroys data"
check "v5: ... and nothing is written" one_file_more 4
step 5 estimate_int --allow-destructive
check "v5: the file carries the approval" grep -q -- "-- migrate:allow-destructive" migrations/*_estimate_int.sql
check "v5: the data converted" [ "$(q "SELECT string_agg(estimate::text, ',') FROM todo")" = "3,3" ]

# a rename: without --rename it is a drop and an add, which is refused and named
models 6
pm diff rename_title --to-db "${db}_v6"
check "v6: a drop and an add of the same shape is refused" [ "$rc" -eq 1 ]
check "v6: ... and said to look like a rename" err_has "--rename public.todo.title=name"
step 6 rename_title --rename public.todo.title=name
check "v6: the rename is a RENAME" grep -q "RENAME COLUMN title TO name" migrations/*_rename_title.sql
check "v6: its down renames back" grep -q "RENAME COLUMN name TO title" migrations/*_rename_title.sql
check "v6: every row kept its data" \
    [ "$(q "SELECT string_agg(name || ':' || estimate || ':' || owner_id, ',' ORDER BY id) FROM todo")" \
      = "write the diff engine:3:1,test it:3:1" ]
pm rollback base --allow-data-loss
check "the generated downs roll everything back" [ "$rc" -eq 0 ]
check "... to an empty schema" [ "$(q "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 0 ]
pm up
check "... and the ups apply again" [ "$rc" -eq 0 ]

# ---- the SQL-file loop -----------------------------------------------------

cat >want.sql <<'SQL'
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
CREATE TABLE public."user" (id serial PRIMARY KEY, name varchar NOT NULL);
CREATE TABLE public.todo (id serial PRIMARY KEY, name varchar NOT NULL, estimate integer,
                          owner_id integer REFERENCES public."user" (id), mood public.mood);
CREATE INDEX todo_name ON public.todo (name);
CREATE VIEW public.open_todos AS SELECT id, name FROM public.todo;
SQL
pm check --to want.sql
check "check --to FILE: exit 1 while the live schema differs" [ "$rc" -eq 1 ]
check "... naming what differs" out_has "view public.open_todos"
pm --json check --to want.sql
check "check --json: the differences as JSON" out_has '"object":"type public.mood"'
pm diff from_file --to want.sql --json
check "diff --to FILE writes the revision" [ "$rc" -eq 0 ]
check "diff --json: the path and the steps" out_has '"statement": "CREATE TYPE public.mood AS ENUM'
pm up
pm check --to want.sql
check "check --to FILE: exit 0 once applied" [ "$rc" -eq 0 ]
pm diff nothing --to want.sql
check "diff: nothing to write when the schemas are equal" out_has "nothing to write"

# --dev-db: the scratch database is the caller's, left as it was
create_database "${db}_dev"
psql -X -q -d "${db}_dev" -c "CREATE TABLE keep_me (id int)"
echo "ALTER TABLE public.todo ADD COLUMN done boolean NOT NULL DEFAULT false;" >>want.sql
pm diff done --to want.sql --dev-db "${db}_dev"
check "diff --dev-db writes the revision" [ "$rc" -eq 0 ]
check "... and leaves the dev database as it was" \
    [ "$(psql -X -At -d "${db}_dev" -c "SELECT string_agg(relname, ',') FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = "keep_me" ]
pm diff done_again --to want.sql
check "a second diff before up is refused: its head is not applied" [ "$rc" -eq 1 ]
pm up
check "... applied, the head it follows" [ "$rc" -eq 0 ]

# what is refused, and why
echo "CREATE TABLE broken (;" >broken.sql
pm diff broken --to broken.sql
check "a file that does not load: exit 1" [ "$rc" -eq 1 ]
check "... saying which" err_has 'loading "broken.sql" failed'
pm diff x
check "diff without --to or --to-db: a usage error" [ "$rc" -eq 2 ]
pm diff x --to want.sql --rename nodots=x
check "a malformed --rename: a usage error" [ "$rc" -eq 2 ]
pm diff x --to want.sql --rename public.todo.nothing=x
check "a --rename of nothing: refused by the engine" [ "$rc" -eq 1 ]
check "... naming it" err_has "cannot rename public.todo.nothing"
createuser "$role"
psql -X -q -d "$db" -c "SET pgmigrate.guard = off" -c "GRANT USAGE ON SCHEMA migrate TO $role"
pm -d "dbname=$db user=$role" check --to want.sql
check "a role that may not create the scratch database: exit 1" [ "$rc" -eq 1 ]
check "... told to pass --dev-db" err_has "pass --dev-db"
check "no scratch database is left behind" [ "$(scratch_databases)" = 0 ]

[ "$failures" -eq 0 ]
