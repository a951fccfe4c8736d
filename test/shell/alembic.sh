#!/usr/bin/env bash
# pgmigrate import alembic: an Alembic history (test/fixtures/alembic: a
# root, two branches, a merge) turned into migration files from Alembic's
# offline SQL, pushed, applied, compared with Alembic's own SQL run by psql
# (pg_dump --schema-only, Alembic's version table aside), rolled back to
# base, applied again; and a database Alembic migrated, adopted from its
# alembic_version table, then checked against the SQLAlchemy models its
# history reached (check --models: exit 0).  When Alembic is installed, the
# fixture's SQL is printed again by Alembic itself first.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, the client installed in pg_config --bindir, and
# Debian's SQLAlchemy in /usr/bin/python3.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
fixture=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures/alembic" && pwd)
prefix=pgm_alembic_$$
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
# the user schema, as pg_dump prints it, without Alembic's table
schema_of() {
    pg_dump --schema-only --no-owner --schema=public --exclude-table=public.alembic_version -d "$1" \
        | grep -v '^--' | grep -v '^$' | grep -v '^\\restrict\|^\\unrestrict'
}
cd "$work"

# ---- the fixture is what Alembic prints -----------------------------------------
if /usr/bin/python3 -c 'import alembic' 2>/dev/null; then
    mkdir project && cd project
    /usr/bin/python3 -m alembic init migrations >/dev/null 2>&1
    sed -i 's|^sqlalchemy.url = .*|sqlalchemy.url = postgresql://localhost/unused|' alembic.ini
    cp "$fixture"/versions/*.py migrations/versions/
    /usr/bin/python3 -m alembic upgrade base:head --sql >upgrade.sql 2>/dev/null
    /usr/bin/python3 -m alembic downgrade head:base --sql >downgrade.sql 2>/dev/null
    check "Alembic prints the fixture's upgrade SQL" cmp -s upgrade.sql "$fixture/upgrade.sql"
    check "Alembic prints the fixture's downgrade SQL" cmp -s downgrade.sql "$fixture/downgrade.sql"
    cd "$work"
else
    echo "SKIP: Alembic is not installed; the fixture is used as it is"
fi

# ---- import ---------------------------------------------------------------------
pm --dir imported import alembic "$fixture/upgrade.sql" "$fixture/downgrade.sql"
check "import: exit 0" [ "$rc" = 0 ]
check "one file per Alembic revision" [ "$(ls imported | wc -l)" = 4 ]
check "ids are Alembic's, parents from its markers (a merge of two)" \
    grep -qx -- "-- migrate:parents ae1027a6acf 27c6a30d7c24" imported/3f1a2b4c5d6e.sql
check "a root has an empty parents line" grep -qx -- "-- migrate:parents " imported/1975ea83b712.sql
check "Alembic's bookkeeping is left out" bash -c "! grep -qi 'alembic_version\|^BEGIN\|^COMMIT' imported/*.sql"
check "a statement with a quoted ';' stays whole" grep -qF "UPDATE account SET description = 'it''s; fine' WHERE description IS NULL;" imported/27c6a30d7c24.sql
check "a downgrade that does nothing is a down of one comment" grep -q "^-- nothing to undo" imported/3f1a2b4c5d6e.sql
pm --dir imported import alembic "$fixture/upgrade.sql" "$fixture/downgrade.sql"
check "importing again: exit 0, nothing rewritten" [ "$rc" = 0 ]
check "it says so" out_has "0 files written, 4 already there"
echo "-- edited" >>imported/ae1027a6acf.sql
pm --dir imported import alembic "$fixture/upgrade.sql" "$fixture/downgrade.sql"
check "an edited file is not overwritten: exit 1" [ "$rc" = 1 ]
sed -i '$d' imported/ae1027a6acf.sql
pm --dir elsewhere import alembic "$fixture/downgrade.sql"
check "downgrade SQL given as upgrade SQL: exit 1, said" [ "$rc" = 1 ]
check "it says what it expected" err_has "is it the output of alembic upgrade base:head --sql?"

# an upgrade that does nothing outside a merge, and SQL that already ended in ";"
cat >passing.sql <<'SQL'
BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> aaa111

CREATE TABLE passing (id BIGINT NOT NULL);;

INSERT INTO alembic_version (version_num) VALUES ('aaa111') RETURNING alembic_version.version_num;

-- Running upgrade aaa111 -> bbb222

UPDATE alembic_version SET version_num='bbb222' WHERE alembic_version.version_num = 'aaa111';

COMMIT;
SQL
pm --dir passing import alembic passing.sql
check "import of an upgrade that does nothing: exit 0" [ "$rc" = 0 ]
check "no statement of a lone ';'" bash -c "! grep -qx ';' passing/aaa111.sql"
check "the empty upgrade gets a statement that does nothing" grep -q "^SELECT WHERE false;" passing/bbb222.sql
new_db passing
pm -d "$db" --dir passing push
check "and it pushes" [ "$rc" = 0 ]
pm -d "$db" apply
check "and applies" [ "$rc" = 0 ]

# ---- push, apply, compare with Alembic's own SQL, round trip ------------------------
new_db imported
pm -d "$db" --dir imported push
check "push: exit 0" [ "$rc" = 0 ]
pm -d "$db" apply heads
check "apply heads: exit 0" [ "$rc" = 0 ]
new_db by_alembic
psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "SET pgmigrate.guard = off" -f "$fixture/upgrade.sql" >/dev/null
check "the schema is what Alembic's own SQL makes" \
    [ "$(schema_of "${prefix}_imported")" = "$(schema_of "${prefix}_by_alembic")" ]
db=${prefix}_imported
pm -d "$db" rollback base
check "rollback to base: exit 0" [ "$rc" = 0 ]
check "nothing is left" [ "$(q "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")" = 0 ]
pm -d "$db" apply heads
check "and applies again" [ "$rc" = 0 ]

# ---- adopt the database Alembic migrated ------------------------------------------
db=${prefix}_by_alembic
pm -d "$db" --dir imported adopt --from alembic
check "adopt --from alembic: exit 0" [ "$rc" = 0 ]
check "the head and everything before it are stamped" [ "$(q "SELECT count(*) FROM migrate.status() WHERE applied")" = 4 ]
check "nothing ran" [ "$(q "SELECT count(*) FROM migrate.log WHERE action = 'apply'")" = 0 ]
pm -d "$db" drift
check "no drift" [ "$rc" = 0 ]
# the models Alembic's history reached: check --models passes at once, its
# alembic_version table left out (with a note), and diff has nothing to write
cat >account_models.py <<'PY'
from sqlalchemy import BigInteger, Column, DateTime, Index, MetaData, String, Table
metadata = MetaData()
account = Table("account", metadata,
                Column("id", BigInteger, primary_key=True),
                Column("name", String(50), nullable=False),
                Column("description", String(200)),
                Column("last_transaction_date", DateTime),
                Index("account_name", "name"))
PY
pm -d "$db" check --models account_models:metadata --python /usr/bin/python3
check "check --models after adopt: exit 0" [ "$rc" = 0 ]
check "... Alembic's table left out, and said" err_has "left out as another tool's bookkeeping: table public.alembic_version"
pm -d "$db" --dir imported diff nothing --models account_models:metadata --python /usr/bin/python3
check "diff --models after adopt: nothing to write" out_has "nothing to write"

echo "alembic: $failures check(s) failed"
[ "$failures" -eq 0 ]
