#!/usr/bin/env bash
# The SQLModel user's daily loop: pgmigrate diff and check --models.
#
# A heroes app (test/fixtures/heroes/heroes.py, written for Debian's SQLModel
# 0.0.8) evolves through ten model changes on a database with rows.  At each:
# `check --models heroes:SQLModel` exits 1, `diff --models` writes a revision
# (proven on a scratch database and checked against the live rows), `up`
# applies it, `check` exits 0, and every row is still there.  On the way:
# the changes the rows would refuse (a NOT NULL column without a default, a
# unique constraint over duplicates, NOT NULL over NULLs) are refused with
# the fix, and made with --default; a rename is asked for, then made.  Then
# what goes wrong on the way in: a Python without SQLAlchemy, no Python, a
# wrong MODULE:ATTRIBUTE; and a database Alembic migrated (its
# alembic_version table, an extension its migrations created), adopted:
# `check --models` exits 0 there.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, the client installed in pg_config --bindir, and
# Debian's python3-sqlmodel and python3-psycopg2 in /usr/bin/python3.
set -euo pipefail

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
export PATH="$(pg_config --bindir):$PATH"
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
db=pgm_models_$$
work=$(mktemp -d)
trap 'drop_databases; rm -rf "$work"' EXIT
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }
files() { ls "$work/migrations" | wc -l; }
scratch_databases() { psql -X -At -d postgres -c "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgmigrate_scratch_%'"; }
python=/usr/bin/python3
M=(--models heroes:SQLModel --python "$python")
exit_and_err() { [ "$rc" -eq "$1" ] && err_has "$2"; }
exit_and_out() { [ "$rc" -eq "$1" ] && out_has "$2"; }

create_database "$db" pgmigrate
export PGDATABASE=$db
mkdir -p "$work/migrations"
cp "$root/test/fixtures/heroes/heroes.py" "$work/"
cd "$work"

# step VERSION NAME [diff options...]: check 1, diff, up, check 0
step() {
    local v=$1 name=$2 before
    shift 2
    export HEROES_VERSION=$v
    before=$(files)
    pm check "${M[@]}"
    check "v$v ($name): check --models exits 1 before" [ "$rc" -eq 1 ]
    pm diff "$name" "${M[@]}" "$@"
    cp "$work/err" "$work/diff.err"
    check "v$v ($name): diff --models writes the revision" [ "$rc" -eq 0 ]
    check "v$v ($name): ... proven on a scratch database" err_has "proven on a scratch database"
    check "v$v ($name): ... one file more" [ "$(files)" -eq $((before + 1)) ]
    pm up
    check "v$v ($name): up applies it" [ "$rc" -eq 0 ]
    pm check "${M[@]}"
    check "v$v ($name): check --models exits 0 after" [ "$rc" -eq 0 ]
    check "v$v ($name): migrate.verify() is clean" [ "$(q "SELECT count(*) FROM migrate.verify()")" = 0 ]
}
# refused VERSION NAME TEXT [diff options...]: diff refuses, saying TEXT, writing nothing
refused() {
    local v=$1 name=$2 text=$3 before
    shift 3
    export HEROES_VERSION=$v
    before=$(files)
    pm diff "$name" "${M[@]}" "$@"
    check "v$v ($name): refused" [ "$rc" -eq 1 ]
    check "v$v ($name): ... saying: $text" err_has "$text"
    check "v$v ($name): ... and nothing is written" [ "$(files)" -eq "$before" ]
}

# ---- ten model changes on a database with rows -----------------------------

step 1 heroes
q "INSERT INTO team (name, headquarters) VALUES ('Preventers', 'Sharp Tower'), ('Z-Force', 'Sister Margaret''s Bar'), ('Preventers', 'Annex')"
q "INSERT INTO hero (name, secret_name, age) VALUES ('Deadpond', 'Dive Wilson', NULL), ('Rusty-Man', 'Tommy Sharp', 48)"
step 2 hero_team
q "UPDATE hero SET team_id = 1"
step 3 missions
q "INSERT INTO mission (title, hero_id) VALUES ('rescue', 1), ('patrol', 2)"

refused 4 power "the up adds column public.hero.power NOT NULL without a default, and its table has rows"
check "v4: ... naming the fix" err_has "--default public.hero.power=EXPR"
pm diff power "${M[@]}" --default public.hero.nothing=1
check "v4: a --default for a column the up does not make NOT NULL is a usage error" [ "$rc" -eq 2 ]
step 4 power --default "public.hero.power='unknown: ' || name"
check "v4: the rows got the --default, computed from the row" \
    [ "$(q "SELECT string_agg(power, ',' ORDER BY id) FROM hero")" = "unknown: Deadpond,unknown: Rusty-Man" ]
check "v4: the file fills, then sets NOT NULL" \
    grep -q "UPDATE public.hero SET power = 'unknown: ' || name WHERE power IS NULL;" migrations/*_power.sql

step 5 team_name_length
no_approval() { ! grep -q "allow-destructive" "$@"; }
check "v5: varchar to varchar(80) needs no --allow-destructive" no_approval migrations/*_team_name_length.sql
check "v5: ... and diff says it checked the rows" grep -qF "checked against the live rows: 1 statement" diff.err
step 6 hero_name_index

refused 7 team_name_unique "the up adds constraint public.team.team_name_key, and rows repeat its key"
q "UPDATE team SET name = 'Preventers Annex' WHERE headquarters = 'Annex'"
step 7 team_name_unique
no_order_note() { ! grep -q "adds columns last" diff.err; }
check "v7: no column-order note where the up adds no column" no_order_note

refused 8 age_required "the up sets column public.hero.age NOT NULL, and it holds NULLs"
step 8 age_required --default public.hero.age=0
check "v8: the NULL became the --default, the other age stayed" [ "$(q "SELECT string_agg(age::text, ',' ORDER BY id) FROM hero")" = "0,48" ]
first_statement() { grep -v -e '^--' -e '^$' "$1" | head -n 1; }
check "v8: the lock timeout comes before the fill" [ "$(first_statement migrations/*_age_required.sql)" = "SET lock_timeout = '5s';" ]

refused 9 alias "--rename public.hero.secret_name=alias"
step 9 alias --rename public.hero.secret_name=alias
check "v9: the rename kept the data" [ "$(q "SELECT string_agg(alias, ',' ORDER BY id) FROM hero")" = "Dive Wilson,Tommy Sharp" ]
step 10 founded_at
check "v10: the rows got the server default" [ "$(q "SELECT count(*) FROM team WHERE founded_at IS NOT NULL")" = 3 ]
check "every row is still there" \
    [ "$(q "SELECT (SELECT count(*) FROM team) || ',' || (SELECT count(*) FROM hero) || ',' || (SELECT count(*) FROM mission)")" = "3,2,2" ]
pm rollback base --allow-data-loss
check "the ten generated downs roll everything back" [ "$rc" -eq 0 ]
pm up
check "... and the ten ups apply again on the empty tables" [ "$rc" -eq 0 ]
pm check "${M[@]}"
check "... reaching the models" [ "$rc" -eq 0 ]

# a teammate's new database: the whole history pushed at once, before any of
# it is applied (the type change of v5 is judged when it is applied)
create_database "${db}_fresh" pgmigrate
pm -d "${db}_fresh" up
check "a new database: up applies the ten generated revisions" [ "$rc" -eq 0 ]
check "... the type change judged when applied" err_has "is judged when the revision is applied"
pm -d "${db}_fresh" check "${M[@]}"
check "... reaching the models" [ "$rc" -eq 0 ]

# ---- what goes wrong on the way in ----------------------------------------

printf '#!/bin/sh\nexec %s -S "$@"\n' "$python" >bare-python
chmod +x bare-python
pm check --models heroes:SQLModel --python ./bare-python
check "a Python without SQLAlchemy: exit 1" [ "$rc" -eq 1 ]
check "... saying to name the project's Python" err_has "cannot import SQLAlchemy"
check "... with --python" err_has "--python .venv/bin/python"
pm check --models heroes:SQLModel --python ./no-such-python
check "no such Python: exit 1, saying so" [ "$rc" -eq 1 ]
check "... naming --python" err_has "could not run the Python \"./no-such-python\""
pm check --models heroes:Nothing --python "$python"
check "an attribute the module lacks: exit 1, named" [ "$rc" -eq 1 ]
check "... named" err_has "heroes has no attribute 'Nothing'"
pm check --models heroes:Hero.name --python "$python"
check "an attribute that is no MetaData: named" err_has "is neither a SQLAlchemy MetaData nor has one as .metadata"
pm check --models heroes --python "$python"
check "MODULE without :ATTRIBUTE: said" err_has "--models takes MODULE:ATTRIBUTE"
pm check --models no_such_module:x --python "$python"
check "a module that is not there: exit 1, Python's error above" exit_and_err 1 "No module named 'no_such_module'"
pm check --python "$python" --to-db "$db"
check "--python without --models: a usage error" [ "$rc" -eq 2 ]
pm check --models heroes:SQLModel --to-db "$db"
check "--models with --to-db: a usage error" [ "$rc" -eq 2 ]
check "no scratch database is left behind" [ "$(scratch_databases)" = 0 ]

# ---- the live rows: the harder cases ---------------------------------------

rdb=${db}_rows
create_database "$rdb" pgmigrate
psql -X -q -v ON_ERROR_STOP=1 -d "$rdb" <<'SQL'
SET pgmigrate.guard = off;
CREATE TABLE "user" (id int PRIMARY KEY, name text, age int, nick varchar(10));
INSERT INTO "user" VALUES (1, 'ab   ', NULL, NULL), (2, NULL, 5, 'x');
CREATE TABLE p (a int, b int) PARTITION BY RANGE (a);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
INSERT INTO p VALUES (1, 1);
CREATE TABLE team (id int PRIMARY KEY);
CREATE TABLE hero (id int, team_id int);
INSERT INTO hero VALUES (1, 99);
CREATE SCHEMA flyway;
CREATE TABLE flyway.flyway_schema_history (installed_rank int PRIMARY KEY, version text);
CREATE TABLE schema_migrations (id serial PRIMARY KEY, version text);
CREATE SCHEMA ext;
CREATE EXTENSION citext SCHEMA ext;
SQL
cat >rows.sql <<'SQL'
CREATE TABLE "user" (id int PRIMARY KEY, name varchar(3), age int NOT NULL DEFAULT 0, nick varchar(10),
                     email text UNIQUE, status text CHECK (status IN ('a', 'b')));
CREATE UNIQUE INDEX user_name_desc ON "user" (name DESC);
CREATE TABLE p (a int, b int, c int NOT NULL) PARTITION BY RANGE (a);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE TABLE team (id int PRIMARY KEY);
CREATE TABLE hero (id int, team_id int REFERENCES team);
SQL
pm -d "$rdb" --dir rows_migrations diff rows --to rows.sql
check "rows: NOT NULL over NULLs is refused, though the desired column has a default" \
    err_has 'the up sets column public."user".age NOT NULL, and it holds NULLs: give them a value with --default public."user".age=EXPR'
no_err() { ! err_has "$1"; }
parent_only() { err_has "--default public.p.c=EXPR" && no_err "public.p1.c"; }
check "rows: a partitioned table's new NOT NULL column is asked of the parent only" parent_only
check "rows: a foreign key over rows that reference nothing is refused" err_has "rows reference what is not there"
check "rows: three statements, nothing else" err_has "3 statements of the up would fail"
pm -d "$rdb" --dir rows_migrations diff rows --to rows.sql --default 'public."user".age=nullif(id, 1)' --default public.p.c=a
check "rows: a --default that leaves a NULL is refused" err_has 'the --default of column public."user".age gives NULL (or fails) for some of the rows'
psql -X -q -d "$rdb" -c "SET pgmigrate.guard = off" -c "INSERT INTO team VALUES (99)"
pm -d "$rdb" --dir rows_migrations diff rows --to rows.sql --default 'public."user".age=coalesce(id, 0)' --default public.p.c=a
check "rows: with the defaults (a quoted table, a partitioned one) the revision is written" [ "$rc" -eq 0 ]
check "rows: a value longer only by spaces is no longer value" no_err "holds longer values"
check "rows: a key or check on a column the up adds is noted as not checked, not refused" \
    err_has 'or took more than 60s): constraint public."user".user_email_key, constraint public."user".user_status_check'
check "rows: other tools' tables in any schema, and an extension in its own schema, are kept" \
    err_has "left out as another tool's bookkeeping: table flyway.flyway_schema_history, table public.schema_migrations"
pm -d "$rdb" --dir rows_migrations up
check "rows: the revision applies on the rows" [ "$rc" -eq 0 ]
pm -d "$rdb" check --to rows.sql
check "rows: and reaches the desired schema" [ "$rc" -eq 0 ]
check "rows: the fills are the rows' own" \
    [ "$(psql -X -At -d "$rdb" -c "SELECT string_agg(age::text, ',' ORDER BY id) FROM \"user\"") $(psql -X -At -d "$rdb" -c "SELECT c FROM p")" = "1,5 1" ]

# renames with a lossless type change (the diff writes RENAME, then ALTER
# TYPE: judged through the rename, not refused at apply); a foreign key to a
# renamed table asks the live one; NOT NULL on a partition alone is asked of
# it; a --default the read-only check cannot evaluate (nextval) is noted
psql -X -q -v ON_ERROR_STOP=1 -d "$rdb" <<'SQL'
SET pgmigrate.guard = off;
CREATE TABLE acct (id int PRIMARY KEY, n int);
INSERT INTO acct VALUES (1, 7);
CREATE TABLE entry (id int, acct_id int, seq int);
INSERT INTO entry VALUES (1, 1, NULL);
CREATE TABLE q (a int, b int) PARTITION BY RANGE (a);
CREATE TABLE q1 PARTITION OF q FOR VALUES FROM (0) TO (10);
INSERT INTO q VALUES (1, NULL);
CREATE SEQUENCE entry_seq;
SQL
cp rows.sql rows2.sql
cat >>rows2.sql <<'SQL'
CREATE TABLE account (id int PRIMARY KEY, amount bigint);
CREATE TABLE entry (id int, acct_id int REFERENCES account, seq int NOT NULL);
CREATE TABLE q (a int, b int) PARTITION BY RANGE (a);
CREATE TABLE q1 PARTITION OF q (b NOT NULL) FOR VALUES FROM (0) TO (10);
CREATE SEQUENCE entry_seq;
SQL
pm -d "$rdb" --dir rows_migrations diff renames --to rows2.sql --rename public.acct=account --rename public.acct.n=amount
check "rows2: NOT NULL set on a partition alone is asked of it" err_has "the up sets column public.q1.b NOT NULL, and it holds NULLs"
no_fk_refusal() { no_err "entry_acct_id_fkey"; }
check "rows2: a foreign key to a renamed table is asked of the live one" no_fk_refusal
pm -d "$rdb" --dir rows_migrations diff renames --to rows2.sql --rename public.acct=account --rename public.acct.n=amount \
    --default "public.entry.seq=nextval('public.entry_seq')" --default public.q1.b=0
check "rows2: with the defaults the revision is written" [ "$rc" -eq 0 ]
check "rows2: a --default the read-only check cannot evaluate is noted" err_has "column public.entry.seq"
pm -d "$rdb" --dir rows_migrations diff again --to rows2.sql --rename public.acct=account --rename public.acct.n=amount \
    --default "public.entry.seq=nextval('public.entry_seq')" --default public.q1.b=0
check "rows2: a second diff before up is refused, not written twice" exit_and_err 1 "is not applied to this database"
pm -d "$rdb" --dir rows_migrations up
check "rows2: the renames and the lossless type change apply" [ "$rc" -eq 0 ]
check "rows2: ... with the rows" [ "$(psql -X -At -d "$rdb" -c "SELECT amount FROM account") $(psql -X -At -d "$rdb" -c "SELECT b FROM q")" = "7 0" ]

# models that print to file descriptor 1, name a schema and write "%" in SQL
cat >odd_models.py <<'PY'
import os
from sqlalchemy import CheckConstraint, Column, Integer, MetaData, String, Table, text
os.system("echo said on import")
metadata = MetaData()
Table("pct", metadata, Column("id", Integer, primary_key=True),
      Column("v", String, server_default=text("'50%'")), CheckConstraint("v LIKE 'a%'"), schema="app")
PY
odb=${db}_odd
create_database "$odb" pgmigrate
"$python" - "postgresql+psycopg2://$PGUSER@/$odb?host=$PGHOST&port=$PGPORT" >/dev/null <<'PY'
import sys
from sqlalchemy import create_engine
import odd_models
with create_engine(sys.argv[1]).begin() as c:
    c.exec_driver_sql("SET pgmigrate.guard = off")
    c.exec_driver_sql("CREATE SCHEMA app")
    odd_models.metadata.create_all(c)
PY

pm -d "$odb" check --models odd_models:metadata --python "$python"
check "odd models: the database create_all() made is the models' schema ('%', a schema, noise on fd 1)" [ "$rc" -eq 0 ]
check "... the noise on stderr" err_has "said on import"

# ---- a database Alembic migrated ------------------------------------------

adb=${db}_alembic
create_database "$adb" pgmigrate
export HEROES_VERSION=3
"$python" - "postgresql+psycopg2://$PGUSER@/$adb?host=$PGHOST&port=$PGPORT" <<'PY'
import sys
from sqlalchemy import create_engine
import heroes
engine = create_engine(sys.argv[1])
with engine.begin() as c:
    c.exec_driver_sql("SET pgmigrate.guard = off")
    # what Alembic's migrations made: the models' tables, an extension, its own table
    heroes.SQLModel.metadata.create_all(c)
    c.exec_driver_sql("CREATE EXTENSION citext")
    c.exec_driver_sql("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL,"
                      " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))")
    c.exec_driver_sql("INSERT INTO alembic_version VALUES ('3f1c2a9b7d10')")
PY
mkdir alembic
printf -- '-- migrate:parents\n-- migrate:up\n-- the tables Alembic made\nSELECT 1;\n' >alembic/3f1c2a9b7d10.sql
pm -d "$adb" adopt --from alembic alembic
check "alembic: adopted" [ "$rc" -eq 0 ]
pm -d "$adb" check "${M[@]}"
check "alembic: check --models exits 0 after adopt" [ "$rc" -eq 0 ]
check "... alembic_version left out, and said" err_has "left out as another tool's bookkeeping: table public.alembic_version"
check "... the extension kept, and said" err_has "kept, though the desired schema does not have it: extension citext"
pm -d "$adb" --dir alembic diff nothing "${M[@]}"
check "alembic: diff writes nothing" out_has "nothing to write"
pm -d "$adb" check "${M[@]}" --include-tool-tables
check "alembic: --include-tool-tables compares alembic_version" exit_and_out 1 "table public.alembic_version"
pm -d "$adb" check "${M[@]}" --drop-extensions
check "alembic: --drop-extensions calls the extension a difference" exit_and_out 1 "extension citext"

echo "models.sh: $failures failure(s)"
[ "$failures" -eq 0 ]
