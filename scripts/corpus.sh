#!/usr/bin/env bash
# pgmigrate on SQL that nobody here wrote: PostgreSQL's own regression SQL.
#
#   sudo scripts/corpus.sh                 the part of it kept in test/corpus (CI;
#                                          test/corpus-18 on PostgreSQL 18)
#   sudo scripts/corpus.sh --corpus DIR    a PostgreSQL src/test/regress (or a
#                                          directory of its .sql files and
#                                          parallel_schedule): the whole suite
#   ... --first N                          only the first N files of the schedule
#   sudo PG_CONFIG=/path/to/bin/pg_config scripts/corpus.sh --corpus DIR
#                                          on that PostgreSQL (18's suite on 18)
#
# PGM_NO_BUILD=1 skips the package check, the build and the install: for a
# server and a build you already have.
#
# Starts a throwaway server, creates database "regression" with pgmigrate
# installed (guard off: the corpus itself is ad-hoc DDL), and runs each file
# of the corpus with psql, in parallel_schedule order (later files use what
# earlier ones created).  Before each statement runs, pgm_corpus.examine()
# (below) looks at it as pgmigrate would, in the state the statement is
# about to run in, and undoes whatever it did:
#   - migrate.lint() of it must not raise an internal error (XX000);
#   - migrate.add() of it as a revision must not either;
#   - when a down was derived, migrate.test_roundtrip() runs up, down
#     (comparing the schema with the one before the up) and up again: the
#     derived down is proven, or wrong, or was withdrawn by the engine
#     before the up ran because it would not have undone the up here
#     (the revision is then honestly irreversible).
# A statement the corpus means to fail fails in the up too ("up failed"),
# which says nothing about the down.  Prints the counts and every wrong
# down; exits 1 when a down was wrong (but for those test/corpus/known-wrong-downs
# lists, with why; a listed one found right fails too, so that the list goes),
# an internal error was raised, or the server crashed.  (A corpus directory
# may hold a known-wrong-downs of its own; test/corpus's serves otherwise.)
set -euo pipefail

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGM_ROOT
first=
corpus=
while [ $# -gt 0 ]; do
    case $1 in
        --first) first=$2; shift ;;
        --corpus) corpus=$2; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
# shellcheck source=scripts/setup.sh
. "$PGM_ROOT/scripts/setup.sh"
[ -n "$corpus" ] || corpus=$(pgm_ci_corpus)
[ -f "$corpus/parallel_schedule" ] || { echo "no parallel_schedule in $corpus" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)
sqldir=$corpus
[ -d "$corpus/sql" ] && sqldir=$corpus/sql
known=$corpus/known-wrong-downs
[ -f "$known" ] || known=$PGM_ROOT/test/corpus/known-wrong-downs

pgm_prepare corpus.sh
work=$(mktemp -d)
trap 'cluster_stop; [ -n "${PGM_KEEP_CORPUS:-}" ] && echo "kept in $work" >&2 || rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cluster_start corpus "max_prepared_transactions=10" "statement_timeout=120s"

createdb regression
psql -X -q -v ON_ERROR_STOP=1 -d regression >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION pgmigrate;
SET pgmigrate.guard = off;
CREATE SCHEMA pgm_corpus;
CREATE TABLE pgm_corpus.results (id text, outcome text, sqlstate text, detail text);
CREATE FUNCTION pgm_corpus.examine(rev_id text, stmt text) RETURNS void
    LANGUAGE plpgsql SET client_min_messages = error AS $f$
DECLARE
    state text;
    message text;
    derived boolean;
    proven boolean;
    detail text;
    outcome text := 'registered';
BEGIN
    BEGIN
        PERFORM count(*) FROM migrate.lint(stmt);
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        IF state = 'XX000' THEN
            INSERT INTO pgm_corpus.results VALUES (rev_id, 'XX000 in lint', state, message);
        END IF;
    END;
    -- register, prove a derived down, then undo all of it
    BEGIN
        PERFORM migrate.add(rev_id, stmt, NULL, '{}', NULL, true, true);
        SELECT r.down_derived INTO derived FROM migrate.revisions r WHERE r.id = rev_id;
        IF derived THEN
            SELECT t.ok, t.detail INTO proven, detail FROM migrate.test_roundtrip(rev_id) t WHERE t.revision = rev_id;
            outcome := CASE WHEN proven THEN 'proven'
                            WHEN detail LIKE 'the up SQL failed:%' THEN 'up failed'
                            WHEN detail LIKE 'the derived down was withdrawn:%' THEN 'withdrawn'
                            ELSE 'wrong down' END;
        END IF;
        RAISE EXCEPTION 'pgm_corpus: undo';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        IF message <> 'pgm_corpus: undo' THEN
            outcome := CASE WHEN state = 'XX000' THEN 'XX000 in add' ELSE 'refused' END;
            detail := message;
        ELSE
            state := NULL;
        END IF;
    END;
    INSERT INTO pgm_corpus.results VALUES (rev_id, outcome, state, CASE WHEN outcome = 'wrong down' THEN stmt || E'\n' || detail ELSE detail END);
END
$f$;
SQL
psql -X -q -d regression -c "ALTER DATABASE regression SET pgmigrate.guard = off"

# the schedule's tests, in order
tests=$(awk '$1 == "test:" { for (i = 2; i <= NF; i++) print $i }' "$corpus/parallel_schedule")
[ -z "$first" ] || tests=$(echo "$tests" | head -n "$first")
crashes=0
nfiles=0
for t in $tests; do
    [ -f "$sqldir/$t.sql" ] || continue
    nfiles=$((nfiles + 1))
    perl "$PGM_ROOT/scripts/corpus-wrap.pl" "$sqldir/$t.sql" "$t" >"$work/$t.sql"
    (cd "$sqldir" && psql -X -q -d regression -f "$work/$t.sql" >"$work/$t.out" 2>&1) || true
    if grep -q "server closed the connection unexpectedly" "$work/$t.out"; then
        echo "CRASH in $t" >&2
        crashes=$((crashes + 1))
        for _ in $(seq 1 60); do pg_isready -q && break; sleep 1; done
    fi
done

psql -X -d regression -c "
SELECT count(*) AS statements,
       count(*) FILTER (WHERE outcome IN ('registered', 'proven', 'up failed', 'withdrawn', 'wrong down')) AS registered,
       count(*) FILTER (WHERE outcome = 'refused') AS refused,
       count(*) FILTER (WHERE outcome IN ('proven', 'up failed', 'withdrawn', 'wrong down')) AS derived_downs,
       count(*) FILTER (WHERE outcome = 'proven') AS proven,
       count(*) FILTER (WHERE outcome = 'up failed') AS up_failed,
       count(*) FILTER (WHERE outcome = 'withdrawn') AS withdrawn,
       count(*) FILTER (WHERE outcome = 'wrong down') AS wrong_downs,
       count(*) FILTER (WHERE outcome LIKE 'XX000%') AS internal_errors
  FROM pgm_corpus.results"
# migrate.schema_part() over everything the corpus left: the parts of all
# the units at once are the whole document, and each part of a sample of
# units (every seventh, at most 400) says what the whole document says of
# its objects.  Any row printed is a difference.
part_rows=$(psql -X -q -At -v ON_ERROR_STOP=1 -d regression <<'SQL'
SET pgmigrate.guard = off;
-- an operator, whose part the query writes (see below)
CREATE FUNCTION pgm_corpus.int_same(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR pgm_corpus.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = pgm_corpus.int_same);
CREATE TEMP TABLE whole AS SELECT migrate.schema() AS doc;
CREATE TEMP TABLE units AS
    SELECT 'pg_namespace'::regclass AS catalog, oid FROM pg_namespace
    UNION ALL SELECT 'pg_class'::regclass, oid FROM pg_class WHERE oid >= 16384
    UNION ALL SELECT 'pg_type'::regclass, oid FROM pg_type WHERE oid >= 16384
    UNION ALL SELECT 'pg_proc'::regclass, oid FROM pg_proc WHERE oid >= 16384
    UNION ALL SELECT 'pg_operator'::regclass, oid FROM pg_operator WHERE oid >= 16384
    UNION ALL SELECT 'pg_cast'::regclass, oid FROM pg_cast WHERE oid >= 16384
    UNION ALL SELECT 'pg_transform'::regclass, oid FROM pg_transform WHERE oid >= 16384
    UNION ALL SELECT 'pg_extension'::regclass, oid FROM pg_extension;
SELECT 'all units: ' || c.object || ' ' || c.change || coalesce(' ' || c.detail, '')
FROM whole, migrate.compare(whole.doc, migrate.schema_part(ARRAY(SELECT catalog FROM units ORDER BY catalog, oid),
                                                           ARRAY(SELECT oid FROM units ORDER BY catalog, oid))) c;
-- every unit that is written in C (a relation, schema, extension,
-- function, enum or domain) against the query's part of it: the part of
-- the unit with an operator (which the query writes) less the operator's,
-- byte for byte, nothing missing (compare() would pass over "depends")
CREATE TEMP TABLE forcer AS
    SELECT 'pg_operator'::regclass AS catalog, o.oid FROM pg_operator o
    WHERE o.oprname = '===' AND o.oprnamespace = 'pgm_corpus'::regnamespace;
SELECT 'no operator to make the query write a part' WHERE NOT EXISTS (SELECT FROM forcer);
CREATE TEMP TABLE forcer_keys AS
    SELECT jsonb_object_keys(migrate.schema_part(ARRAY[catalog], ARRAY[oid]) -> 'objects') AS key FROM forcer;
SELECT 'unit ' || u.catalog || ' ' || u.oid || ' written in C: not as the query writes it'
FROM units u CROSS JOIN forcer f,
     LATERAL (SELECT migrate.schema_part(ARRAY[u.catalog], ARRAY[u.oid]) -> 'objects' AS c,
                     migrate.schema_part(ARRAY[u.catalog, f.catalog], ARRAY[u.oid, f.oid]) -> 'objects' AS q) p
WHERE (u.catalog IN ('pg_namespace'::regclass, 'pg_extension'::regclass)
       OR u.catalog = 'pg_class'::regclass AND (SELECT relkind <> 'c' FROM pg_class WHERE oid = u.oid)
       OR u.catalog = 'pg_proc'::regclass AND (SELECT prokind <> 'a' FROM pg_proc WHERE oid = u.oid)
       OR u.catalog = 'pg_type'::regclass AND (SELECT typtype IN ('e', 'd') FROM pg_type WHERE oid = u.oid))
  AND p.c IS DISTINCT FROM (SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}') FROM jsonb_each(p.q) e
                            WHERE e.key NOT IN (SELECT key FROM forcer_keys));
WITH sample AS (
    SELECT catalog, oid FROM (SELECT *, row_number() OVER (ORDER BY catalog, oid) AS n FROM units) u
    WHERE n % 7 = 0 ORDER BY n LIMIT 400),
parts AS (SELECT s.catalog, s.oid, migrate.schema_part(ARRAY[s.catalog], ARRAY[s.oid]) AS part FROM sample s)
SELECT 'unit ' || p.catalog || ' ' || p.oid || ': ' || c.object || ' ' || c.change || coalesce(' ' || c.detail, '')
FROM parts p, whole w,
     migrate.compare(p.part,
                     jsonb_build_object('version', 1, 'objects',
                         coalesce((SELECT jsonb_object_agg(k, w.doc -> 'objects' -> k)
                                   FROM jsonb_object_keys(p.part -> 'objects') k), '{}'))) c;
SQL
)
part_differ=0
if [ -n "$part_rows" ]; then
    echo "schema_part() differs from schema():"
    echo "$part_rows" | head -n 40
    part_differ=$(echo "$part_rows" | wc -l)
fi
# the known wrong downs, into the database to compare
{ grep -v '^#' "$known" || true; } | awk 'NF { id = $1; $1 = ""; sub(/^ /, ""); print id "\t" $0 }' >"$work/known.tsv"
psql -X -q -d regression -c "CREATE TABLE pgm_corpus.known (id text PRIMARY KEY, why text)" \
    -c "\\copy pgm_corpus.known FROM '$work/known.tsv'"
psql -X -d regression -c "
SELECT r.id, r.outcome, coalesce('known: ' || k.why, r.detail) AS detail
  FROM pgm_corpus.results r LEFT JOIN pgm_corpus.known k USING (id)
 WHERE r.outcome = 'wrong down' OR r.outcome LIKE 'XX000%' ORDER BY r.id"
unexpected=$(psql -X -At -d regression -c "
SELECT count(*) FROM pgm_corpus.results r
 WHERE (r.outcome = 'wrong down' OR r.outcome LIKE 'XX000%')
   AND NOT EXISTS (SELECT FROM pgm_corpus.known k WHERE k.id = r.id AND r.outcome = 'wrong down')")
fixed=$(psql -X -At -d regression -c "
SELECT string_agg(r.id, ' ') FROM pgm_corpus.results r JOIN pgm_corpus.known k USING (id)
 WHERE r.outcome <> 'wrong down'")
known_seen=$(psql -X -At -d regression -c "
SELECT count(*) FROM pgm_corpus.results r JOIN pgm_corpus.known k USING (id) WHERE r.outcome = 'wrong down'")
[ -z "$fixed" ] || echo "listed in $known but right now (take them off the list): $fixed"
echo "corpus: $nfiles files, $crashes crashes, $unexpected unexpected wrong downs or internal errors, $known_seen known wrong downs, $part_differ schema_part() differences"
[ "$crashes" -eq 0 ] && [ "$unexpected" -eq 0 ] && [ -z "$fixed" ] && [ "$part_differ" -eq 0 ]
