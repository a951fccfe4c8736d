#!/usr/bin/env bash
# Excerpts of real histories (test/fixtures/histories, with their licences):
# crates.io's diesel directories named both ways, which must apply in
# diesel's order, and river's golang-migrate files, where 004 adds an enum
# value that 006 uses.  Each is pushed unchanged (one --allow-destructive),
# applied by the client, compared through pg_dump with the same SQL run by
# psql in the same order, rolled back to base, applied again, and
# round-tripped by pgmigrate test.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
fixtures=$(cd "$(dirname "${BASH_SOURCE[0]}")/../fixtures/histories" && pwd)
prefix=pgm_histories_$$
work=$(mktemp -d)
cleanup() {
    drop_databases
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
schema_of() {
    pg_dump --schema-only --no-owner --exclude-schema=migrate -d "$1" \
        | grep -v '^--' | grep -v '^$' | grep -v '^\\restrict\|^\\unrestrict' \
        | grep -v 'pgmigrate\|EXTENSION\|EVENT TRIGGER\|^    ON ddl\|^    ON sql_drop\|^   EXECUTE FUNCTION migrate'
}
cd "$work"

# history NAME DIR UP-FILE-FOR-ID...: the whole run for one history; the
# function maps a revision id to its up file, for psql
history() {
    local name=$1 dir=$2 map=$3 db=${prefix}_$1 plain=${prefix}_$1_psql id
    create_database "$db" pgmigrate
    pm -d "$db" --dir "$dir" --allow-destructive push
    check "$name: pushed unchanged with one approval" [ "$rc" = 0 ]
    pm -d "$db" apply
    check "$name: the client applies it" [ "$rc" = 0 ]
    create_database "$plain"
    for id in $(psql -X -At -d "$db" -c "SELECT id FROM migrate.revisions WHERE apply_order IS NOT NULL ORDER BY apply_order"); do
        psql -X -q -v ON_ERROR_STOP=1 -1 -d "$plain" -f "$("$map" "$dir" "$id")" >/dev/null
    done
    check "$name: the schema is not nothing" [ "$(schema_of "$plain" | grep -c "CREATE TABLE")" -gt 0 ]
    check "$name: the schema is what psql makes of the same SQL" [ "$(schema_of "$db")" = "$(schema_of "$plain")" ]
    pm -d "$db" --allow-data-loss rollback base
    check "$name: rolled back to base" [ "$rc" = 0 ]
    pm -d "$db" apply
    check "$name: applied again" [ "$rc" = 0 ]
    check "$name: and the schema is the same again" [ "$(schema_of "$db")" = "$(schema_of "$plain")" ]
}
diesel_up() { echo "$1/$2/up.sql"; }
golang_up() { echo "$1/$2.up.sql"; }

history crates "$fixtures/crates-io" diesel_up
check "crates: diesel's order, not the names' (2017-09-23-... after 20170804...)" \
    [ "$(psql -X -At -d "${prefix}_crates" -c "SELECT parents[1] FROM migrate.revisions WHERE id = '2017-09-23-182408_move_tokens_to_emails_table'")" = 20170804200817_add_email_table ]

history river "$fixtures/river" golang_up
check "river: 004 adds an enum value and 006 uses it: the client committed in between" \
    [ "$(psql -X -At -d "${prefix}_river" -c "SELECT count(*) FROM migrate.status() WHERE applied")" = 6 ]

# pgmigrate test on a fresh database: notes for what one transaction cannot test
db=${prefix}_river_test
create_database "$db" pgmigrate
pm -d "$db" --dir "$fixtures/river" --allow-destructive push
pm -d "$db" --json test
check "river: test reports 006 as a note (the enum value 004 added), not as a failure" \
    grep -q '"revision":"006_bulk_unique", "ok":true, "detail":"note: not tested: the up uses an enum value' "$work/out"

echo "histories: $failures check(s) failed"
[ "$failures" -eq 0 ]
