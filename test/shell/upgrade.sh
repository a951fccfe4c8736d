#!/usr/bin/env bash
# The extension's upgrade path, for every version step in sql/.
#
# For each update script sql/pgmigrate--A--B.sql: a database gets version A
# from its own scripts (CREATE EXTENSION pgmigrate VERSION 'A'), a catalog
# in use (revisions applied, rolled back, stamped and pending, log rows, a
# DDL row the guard recorded, snapshots, EXECUTE granted to a deploy role),
# and is then updated to B the way README.md says: refused while the guard
# enforces, done with the guard off.  After the update every row is as it
# was, migrate.verify() is clean, the grant is still there, the guard and
# the catalog triggers still refuse, and the next apply and rollback work.
#
# Then one database walks from the oldest version through every step to the
# default one, and its extension objects (functions with their signatures,
# results, privileges and comments; tables, columns, constraints, indexes,
# triggers; the event trigger; what pg_dump keeps) are compared with a fresh
# CREATE EXTENSION of the default version.  While every version is the first
# script plus update scripts, both run the same SQL, so the walk is also held
# to what each version promises (promises() below): an update script that
# forgets something fails there, and against a full install script once a
# version has one.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the extension installed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"

prefix=pgm_upgrade_$$
databases=()
cleanup() {
    local db
    for db in "${databases[@]}"; do
        dropdb --if-exists "$db" >/dev/null 2>&1 || true
    done
    dropuser --if-exists "${prefix}_deploy" >/dev/null 2>&1 || true
}
trap cleanup EXIT

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
same() { [ "$1" = "$2" ] || { echo "  expected: $1"; echo "  actual:   $2"; return 1; }; }
new_db() { createdb "$1"; databases+=("$1"); }

default=$(sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" "$root/pgmigrate.control")
extdir="$(pg_config --sharedir)/extension"
server_version_num=$(q postgres "SELECT current_setting('server_version_num')")

# the version steps, A B per line, oldest first
steps=$(for f in "$root"/sql/pgmigrate--*--*.sql; do
            [ -e "$f" ] || continue
            name=$(basename "$f" .sql)
            name=${name#pgmigrate--}
            echo "${name%%--*} ${name#*--}"
        done | sort -V)
# the oldest version with an install script of its own
oldest=$(for f in "$root"/sql/pgmigrate--*.sql; do
             name=$(basename "$f" .sql)
             name=${name#pgmigrate--}
             case $name in *--*) ;; *) echo "$name" ;; esac
         done | sort -V | head -n 1)

check "there is an install script" [ -n "$oldest" ]
# the PGXN metadata names the same version (X.Y as X.Y.0)
meta_version=$(sed -n 's/^   "version": "\([^"]*\)",$/\1/p' "$root/META.json")
check "META.json's version is the default version $default" [ "$meta_version" = "$default.0" ]
if [ "$oldest" != "$default" ]; then
    check "there is an update script on the way to the default version $default" [ -n "$steps" ]
fi
echo "versions: oldest $oldest, default $default; steps: $(echo "$steps" | tr '\n' ' ')"

createuser "${prefix}_deploy"

# fill DB: a catalog in use, written only through version A's functions
fill() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$1" >/dev/null <<SQL
SET client_min_messages = error;
SELECT migrate.add('01_users', 'CREATE TABLE users (id bigint PRIMARY KEY, name text);',
                   'DROP TABLE users;', description => 'people');
SELECT migrate.add('02_orders', 'CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users);');
SELECT migrate.add('03_extra', 'ALTER TABLE users ADD COLUMN extra text;');
SELECT migrate.add('04_pending', 'CREATE INDEX users_name ON users (name);', 'DROP INDEX users_name;');
SELECT count(*) FROM migrate.apply('03_extra');
SELECT count(*) FROM migrate.rollback('-1');
SELECT count(*) FROM migrate.apply('03_extra');
INSERT INTO users VALUES (1, 'ada', 'x');
-- changes the guard lets through and records; the stamp below records
-- the schema they leave
SET pgmigrate.guard = warn;
SET client_min_messages = error;
COMMENT ON TABLE users IS 'people';
CREATE TABLE elsewhere (id int);
CREATE INDEX CONCURRENTLY users_name_c ON users (name);
GRANT EXECUTE ON FUNCTION migrate.apply(text), migrate.rollback(text, boolean), migrate.add TO ${prefix}_deploy;
RESET pgmigrate.guard;
SELECT migrate.add('05_stamped', 'CREATE TABLE elsewhere (id int);', parents => '{03_extra}');
SELECT count(*) FROM migrate.stamp('05_stamped');
SQL
}

# the whole catalog, as one digest per table (the snapshots as their text
# form, which 0.4 keeps as legacy_snapshot, without the one 0.4 records)
catalog_digest() {
    q "$1" "SELECT concat_ws(' ',
              (SELECT md5(string_agg((to_jsonb(r) - 'online')::text, '|' ORDER BY id)) FROM migrate.revisions r),
              (SELECT md5(string_agg(l::text, '|' ORDER BY id)) FROM migrate.log l WHERE id <= $2),
              (SELECT md5(string_agg(concat_ws(' ', id, taken_at, action, taken_by,
                                               coalesce(to_jsonb(s)->>'legacy_snapshot', to_jsonb(s)->>'snapshot')),
                                     '|' ORDER BY id)) FROM migrate.snapshots s WHERE action <> 'upgrade'))"
}

# the extension's objects, one line each, in a stable order
objects() {
    q "$1" "SELECT string_agg(x, E'\n' ORDER BY x) FROM (
      SELECT 'function ' || p.oid::regprocedure::text || ' returns ' || pg_get_function_result(p.oid)
             || ' volatility ' || p.provolatile::text || ' strict ' || p.proisstrict
             || ' secdef ' || p.prosecdef || ' symbol ' || coalesce(p.prosrc, '')
             || ' acl ' || coalesce(p.proacl::text, 'default')
             || ' comment ' || coalesce(obj_description(p.oid, 'pg_proc'), '')
        FROM pg_proc p WHERE p.pronamespace = 'migrate'::regnamespace
      UNION ALL
      SELECT 'relation ' || c.relname || ' kind ' || c.relkind::text || ' acl ' || coalesce(c.relacl::text, 'default')
             || ' comment ' || coalesce(obj_description(c.oid, 'pg_class'), '')
        FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace
      UNION ALL
      SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
             || ' not null ' || a.attnotnull || ' default ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
             || ' identity ' || a.attidentity::text || ' comment ' || coalesce(col_description(c.oid, a.attnum), '')
        FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r'
         AND a.attnum > 0 AND NOT a.attisdropped
      UNION ALL
      SELECT 'constraint ' || conrelid::regclass::text || ' ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'migrate'::regnamespace
      UNION ALL
      SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index
       WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'migrate'::regnamespace)
      UNION ALL
      SELECT 'trigger ' || pg_get_triggerdef(oid) || ' enabled ' || tgenabled::text FROM pg_trigger
       WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'migrate'::regnamespace)
      UNION ALL
      SELECT 'event trigger ' || evtname || ' on ' || evtevent || ' enabled ' || evtenabled::text
             || ' function ' || evtfoid::regproc::text || ' tags ' || coalesce(evttags::text, '')
        FROM pg_event_trigger WHERE evtname LIKE 'pgmigrate%'
      UNION ALL
      SELECT 'dumped ' || coalesce((SELECT string_agg(c::regclass::text, ',' ORDER BY c::regclass::text)
                                    FROM unnest(extconfig) AS c), '')
        FROM pg_extension WHERE extname = 'pgmigrate'
      UNION ALL
      SELECT 'members ' || count(*) FROM pg_depend
       WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
         AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pgmigrate')
    ) s(x)"
}

# at_least A B: is version A at least B?
at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }

# promises DB VERSION: what each version up to VERSION added is there
promises() {
    if at_least "$2" 0.2; then
        check "$2 in $1: every function of the extension has a comment (0.2)" \
            same "0" "$(q "$1" "SELECT count(*) FROM pg_proc WHERE pronamespace = 'migrate'::regnamespace
                                  AND obj_description(oid, 'pg_proc') IS NULL")"
        check "$2 in $1: the catalog's event triggers, ENABLE ALWAYS (0.2)" \
            same "pgmigrate_guard_drop:sql_drop:A pgmigrate_guard_end:ddl_command_end:A" \
            "$(q "$1" "SELECT string_agg(evtname || ':' || evtevent || ':' || evtenabled::text, ' ' ORDER BY evtname)
                        FROM pg_event_trigger WHERE evtname IN ('pgmigrate_guard_end', 'pgmigrate_guard_drop')")"
    fi
    if at_least "$2" 0.3; then
        check "$2 in $1: apply_steps, rollback_steps and repair, not granted to PUBLIC (0.3)" \
            same "migrate.apply_steps(text,integer):false migrate.repair(text,text):false migrate.rollback_steps(text,integer,boolean):false" \
            "$(q "$1" "SELECT string_agg(oid::regprocedure::text || ':' || has_function_privilege('public', oid, 'EXECUTE')::text, ' ' ORDER BY proname)
                        FROM pg_proc WHERE pronamespace = 'migrate'::regnamespace
                         AND proname IN ('apply_steps', 'rollback_steps', 'repair')")"
        check "$2 in $1: lint as migrate.add() would judge it (0.3)" \
            same "1" "$(q "$1" "SELECT count(*) FROM pg_proc WHERE oid = 'migrate.lint(text, boolean, boolean)'::regprocedure")"
    fi
    if at_least "$2" 0.4; then
        check "$2 in $1: the schema as a document, compare and diff (0.4)" \
            same "3" "$(q "$1" "SELECT count(*) FROM pg_proc WHERE oid IN ('migrate.schema()'::regprocedure,
                                  'migrate.compare(jsonb, jsonb)'::regprocedure, 'migrate.diff(jsonb, jsonb, text[])'::regprocedure)")"
        if [ -z "${skip_18_documents:-}" ]; then
            if at_least "$2" 0.10; then
                check "$2 in $1: the schema as recorded is the schema as it is (0.4, part records since 0.10)" \
                    same "0" "$(q "$1" "SELECT count(*) FROM migrate.drift() WHERE EXISTS (SELECT FROM migrate.snapshots)")"
            else
                check "$2 in $1: the last snapshot is a document of the schema as it is (0.4)" \
                    same "0" "$(q "$1" "SELECT count(*) FROM migrate.compare((SELECT snapshot FROM migrate.snapshots ORDER BY id DESC LIMIT 1),
                                                                           migrate.schema())")"
            fi
        fi
    fi
    if at_least "$2" 0.5; then
        check "$2 in $1: start, backfill, complete and abort, not granted to PUBLIC (0.5)" \
            same "abort:false backfill:false complete:false start:false" \
            "$(q "$1" "SELECT string_agg(proname || ':' || has_function_privilege('public', oid, 'EXECUTE')::text, ' ' ORDER BY proname)
                        FROM pg_proc WHERE pronamespace = 'migrate'::regnamespace
                         AND proname IN ('start', 'backfill', 'complete', 'abort')")"
        check "$2 in $1: no revision is online before anybody says so (0.5)" \
            same "0" "$(q "$1" "SELECT count(*) FROM migrate.revisions WHERE online")"
    fi
    if at_least "$2" 0.6; then
        check "$2 in $1: migrate.schema() puts the document together with migrate.schema_document() (0.6)" \
            same "1" "$(q "$1" "SELECT count(*) FROM pg_proc WHERE oid = 'migrate.schema()'::regprocedure
                                   AND prosrc LIKE '%migrate.schema_document(%'")"
    fi
    if at_least "$2" 0.8; then
        check "$2 in $1: record_snapshot, not granted to PUBLIC (0.8)" \
            same "f" "$(q "$1" "SELECT has_function_privilege('public', 'migrate.record_snapshot()', 'EXECUTE')")"
    fi
    if at_least "$2" 0.9; then
        check "$2 in $1: migrate.schema() lists transforms, and its query can be scoped (0.9)" \
            same "1" "$(q "$1" "SELECT count(*) FROM pg_proc WHERE oid = 'migrate.schema()'::regprocedure
                                   AND prosrc LIKE '%FROM pg_transform t%' AND prosrc LIKE '%/*scoped %'")"
    fi
    if at_least "$2" 0.10; then
        check "$2 in $1: part records, their keys, and compact_snapshots not granted to PUBLIC (0.10)" \
            same "replaces:migrate.snapshot_keys:false" \
            "$(q "$1" "SELECT (SELECT attname FROM pg_attribute WHERE attrelid = 'migrate.snapshots'::regclass AND attname = 'replaces')
                        || ':' || 'migrate.snapshot_keys'::regclass::text
                        || ':' || has_function_privilege('public', 'migrate.compact_snapshots()', 'EXECUTE')")"
    fi
    if at_least "$2" 0.11; then
        check "$2 in $1: a part finds a table's and a domain's constraints by their oids (0.11)" \
            same "1:2" "$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "BEGIN" -c "SET LOCAL pgmigrate.guard = off" \
                -c "CREATE TABLE public.upgrade_ck (n int CONSTRAINT upgrade_ck_n CHECK (n > 0))" \
                -c "CREATE DOMAIN public.upgrade_dom AS int CONSTRAINT upgrade_dom_v CHECK (VALUE > 0)" \
                -c "SELECT (SELECT count(*) FROM pg_proc WHERE oid = 'migrate.schema()'::regprocedure
                                 AND prosrc LIKE '%/*scoped AND c.oid IN (SELECT x.oid FROM pg_constraint x%')
                        || ':' || (SELECT count(*) FROM jsonb_object_keys(migrate.schema_part(
                                       ARRAY['pg_class', 'pg_type']::regclass[],
                                       ARRAY['public.upgrade_ck'::regclass::oid, 'public.upgrade_dom'::regtype::oid]) -> 'objects') k
                                   WHERE k LIKE 'constraint %')" -c "ROLLBACK")"
    fi
    if at_least "$2" 0.12; then
        check "$2 in $1: migrate.schema() records Citus's distribution, none without Citus (0.12)" \
            same "1:0" "$(q "$1" "SELECT (SELECT count(*) FROM pg_proc WHERE oid = 'migrate.schema()'::regprocedure
                                        AND prosrc LIKE '%migrate.citus_distribution()%')
                                || ':' || (SELECT count(*) FROM migrate.citus_distribution())")"
    fi
    if at_least "$2" 0.13; then
        check "$2 in $1: records are compressed with lz4 where the server has it (0.13)" \
            same "t" "$(q "$1" "SELECT (SELECT attcompression FROM pg_attribute
                                        WHERE attrelid = 'migrate.snapshots'::regclass AND attname = 'snapshot')
                                   = CASE WHEN 'lz4' = ANY ((SELECT enumvals FROM pg_settings
                                                            WHERE name = 'default_toast_compression')::text[])
                                          THEN 'l' ELSE '' END")"
    fi
    if at_least "$2" 0.14; then
        check "$2 in $1: migrate.schema() writes constants as the defaults do, whatever the session (0.14)" \
            same "t" "$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "SET extra_float_digits = -15" \
                -c "SET DateStyle = 'SQL, DMY'" -c "SET IntervalStyle = 'sql_standard'" \
                -c "SELECT (SELECT proconfig FROM pg_proc WHERE oid = 'migrate.schema()'::regprocedure)
                           @> ARRAY['extra_float_digits=1', 'DateStyle=ISO', 'IntervalStyle=postgres', 'bytea_output=hex',
                                    'standard_conforming_strings=on', 'quote_all_identifiers=off']")"
    fi
    if at_least "$2" 0.15; then
        check "$2 in $1: migrate.schema() writes a timestamptz in UTC, whatever the session's zone (0.15)" \
            same "t" "$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "SET TimeZone = 'Asia/Kolkata'" \
                -c "SELECT (SELECT proconfig FROM pg_proc WHERE oid = 'migrate.schema()'::regprocedure)
                           @> ARRAY['TimeZone=UTC']")"
    fi
    if at_least "$2" 0.16; then
        check "$2 in $1: migrate.online keeps the tables of a revision and the one its backfill is at (0.16)" \
            same "tables text[]|part integer|tables|backfilling" \
            "$(q "$1" "SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), '|' ORDER BY attnum) FROM pg_attribute
                       WHERE attrelid = 'migrate.online'::regclass AND attname IN ('tables', 'part')")|$(q "$1" "SELECT string_agg(attname, '|' ORDER BY attnum)
                       FROM pg_attribute WHERE attrelid = 'migrate.online_progress'::regclass AND attname IN ('tables', 'backfilling')")"
    fi
    if at_least "$2" 0.17; then
        check "$2 in $1: migrate.snapshot_keys compares its keys byte by byte, in its column and its index (0.17)" \
            same "C|C" "$(q "$1" "SELECT (SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
                                         WHERE a.attrelid = 'migrate.snapshot_keys'::regclass AND a.attname = 'key')
                                 || '|' || (SELECT c.collname FROM pg_index i JOIN pg_collation c ON c.oid = i.indcollation[0]
                                            WHERE i.indexrelid = 'migrate.snapshot_keys_key'::regclass)")"
    fi
}

# ---- each step, on a catalog in use --------------------------------------

while read -r from to; do
    [ -n "$from" ] || continue
    db=${prefix}_${from//./_}_${to//./_}
    new_db "$db"
    check "$from -> $to: the update script is installed" [ -f "$extdir/pgmigrate--$from--$to.sql" ]
    q "$db" "SET client_min_messages = warning; CREATE EXTENSION pgmigrate VERSION '$from'"
    fill "$db"
    check "$from: the emergency-mode CREATE INDEX CONCURRENTLY is in the log" \
        same "1" "$(q "$db" "SELECT count(*) FROM migrate.log WHERE command = 'CREATE INDEX'")"
    max_log=$(q "$db" "SELECT max(id) FROM migrate.log")
    before=$(catalog_digest "$db" "$max_log")
    status_before=$(q "$db" "SELECT string_agg(revision || ':' || applied, ',') FROM migrate.status()")
    at_least "$from" 0.4 && document_before=$(q "$db" "SELECT md5(migrate.schema()::text)")
    # 0.6 never built on 18, and its migrate.schema() lists the not-null
    # constraints 18 keeps in pg_constraint, which 0.7 leaves out: on 18 the
    # three checks that compare 0.6's documents with 0.7's are skipped.
    skip_18_documents=
    if [ "$from" = 0.6 ] && [ "$server_version_num" -ge 180000 ]; then
        skip_18_documents=1
        echo "SKIP: $from -> $to on PostgreSQL 18: 0.6's documents list 18's not-null constraints, 0.7's do not (0.6 never built on 18); the last snapshot, the same document and verify() are not compared"
    fi

    out=$(psql -X -q -At -d "$db" -c "ALTER EXTENSION pgmigrate UPDATE TO '$to'" 2>&1 || true)
    check "$from -> $to: refused while the guard enforces" \
        same "ERROR:  cannot execute ALTER EXTENSION outside a migration" "$(echo "$out" | head -n 1)"
    check "$from -> $to: still $from after the refusal" \
        same "$from" "$(q "$db" "SELECT extversion FROM pg_extension WHERE extname = 'pgmigrate'")"

    # the procedure README.md gives
    q "$db" "SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE TO '$to'; RESET pgmigrate.guard"
    check "$from -> $to: the extension is at $to" \
        same "$to" "$(q "$db" "SELECT extversion FROM pg_extension WHERE extname = 'pgmigrate'")"
    promises "$db" "$to"
    check "$from -> $to: revisions, log and snapshots are as they were" \
        same "$before" "$(catalog_digest "$db" "$max_log")"
    check "$from -> $to: the applied state is as it was" \
        same "$status_before" "$(q "$db" "SELECT string_agg(revision || ':' || applied, ',') FROM migrate.status()")"
    if at_least "$from" 0.4 && [ -z "$skip_18_documents" ]; then
        check "$from -> $to: migrate.schema() takes the same document as before" \
            same "$document_before" "$(q "$db" "SELECT md5(migrate.schema()::text)")"
    fi
    check "$from -> $to: the update itself is in the log" \
        same "ddl ALTER EXTENSION allowed" "$(q "$db" "SELECT action || ' ' || command || ' ' || outcome FROM migrate.log WHERE id > $max_log")"
    if [ -z "$skip_18_documents" ]; then
        check "$from -> $to: migrate.verify() is clean" \
            same "0" "$(q "$db" "SELECT count(*) FROM migrate.verify()")"
    fi
    check "$from -> $to: the deploy role keeps its grant" \
        same "t" "$(q "$db" "SELECT has_function_privilege('${prefix}_deploy', 'migrate.apply(text)', 'EXECUTE')")"
    check "$from -> $to: the deploy role keeps its grant on migrate.add(), whatever its arguments" \
        same "t" "$(q "$db" "SELECT bool_and(has_function_privilege('${prefix}_deploy', oid, 'EXECUTE')) FROM pg_proc
                             WHERE proname = 'add' AND pronamespace = 'migrate'::regnamespace")"
    check "$from -> $to: the public still may not apply" \
        same "f" "$(q "$db" "SELECT has_function_privilege('public', 'migrate.apply(text)', 'EXECUTE')")"
    out=$(psql -X -q -At -d "$db" -c "CREATE TABLE adhoc (id int)" 2>&1 || true)
    check "$from -> $to: the guard refuses ad-hoc DDL" \
        same "ERROR:  cannot execute CREATE TABLE outside a migration" "$(echo "$out" | head -n 1)"
    out=$(psql -X -q -At -d "$db" -c "DELETE FROM migrate.log" 2>&1 || true)
    check "$from -> $to: the catalog refuses direct writes" \
        same "ERROR:  cannot DELETE FROM migrate.log directly" "$(echo "$out" | head -n 1)"
    check "$from -> $to: the pending revision applies" \
        same "04_pending" "$(q "$db" "SELECT string_agg(revision, ',') FROM migrate.apply('04_pending')" 2>/dev/null)"
    check "$from -> $to: and rolls back" \
        same "04_pending" "$(q "$db" "SELECT string_agg(revision, ',') FROM migrate.rollback('-1')" 2>/dev/null)"
    check "$from -> $to: a new revision registers" \
        same "added" "$(q "$db" "SELECT migrate.add('06_after', 'CREATE TABLE after_update (id int);', 'DROP TABLE after_update;', parents => '{05_stamped}')" 2>/dev/null)"
done <<<"$steps"

skip_18_documents=

# ---- the whole walk, compared with a fresh install --------------------------

walked=${prefix}_walk
fresh=${prefix}_fresh
new_db "$walked"
new_db "$fresh"
q "$walked" "SET client_min_messages = warning; CREATE EXTENSION pgmigrate VERSION '$oldest'"
current=$oldest
while [ "$current" != "$default" ]; do
    next=$(echo "$steps" | awk -v v="$current" '$1 == v { print $2 }' | sort -V | tail -n 1)
    if [ -z "$next" ]; then
        check "an update path leads from $current to $default" false
        break
    fi
    q "$walked" "SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE TO '$next'; RESET pgmigrate.guard"
    current=$next
done
q "$fresh" "SET client_min_messages = warning; CREATE EXTENSION pgmigrate"
check "the walk from $oldest ends at $default" \
    same "$default" "$(q "$walked" "SELECT extversion FROM pg_extension WHERE extname = 'pgmigrate'")"
promises "$walked" "$default"
promises "$fresh" "$default"
walked_objects=$(objects "$walked")
fresh_objects=$(objects "$fresh")
check "the walked extension has the objects of a fresh install" \
    same "$fresh_objects" "$walked_objects"
check "and they are not nothing: functions, tables and triggers are compared" \
    [ "$(echo "$fresh_objects" | grep -c '^function ')" -ge 17 ]
if [ "$walked_objects" != "$fresh_objects" ]; then
    diff <(echo "$fresh_objects") <(echo "$walked_objects") || true
fi

if [ "$failures" -gt 0 ]; then
    echo "upgrade: $failures check(s) failed"
    exit 1
fi
echo "upgrade: all checks passed"
