#!/usr/bin/env bash
# The diff engine's property test over SQL that nobody here wrote:
# PostgreSQL's own regression SQL.
#
#   sudo scripts/diff-corpus.sh                 the part of it kept in test/corpus (CI;
#                                               test/corpus-18 on PostgreSQL 18)
#   sudo scripts/diff-corpus.sh --corpus DIR    a PostgreSQL src/test/regress (or a
#                                               directory of its .sql files and
#                                               parallel_schedule): the whole suite
#   ... --first N                               only the first N files of the schedule
#   ... --report                                print the figures; exit 1 only when
#                                               the server crashed or migrate.diff()
#                                               raised an error other than 0A000
#
# Starts a throwaway server with pgmigrate in database "regression" (guard
# off: the corpus itself is ad-hoc DDL) and runs each file of the corpus
# there with psql, in parallel_schedule order (its errors are expected and
# ignored).  The schema documents S0, S1, ... are migrate.schema() of
# "regression" before the first file and after each one.  For every step i
# that changed the schema (Si differs from S(i-1)), on copies of
# "regression" made with CREATE DATABASE ... TEMPLATE and emptied of rows:
#   forward    on a copy as it was before the file (schema S(i-1)), the
#              statements of migrate.diff(<the copy's schema>, Si) run, each
#              in a subtransaction of its own, committed before the next (a
#              value added to an enum can only be used once committed); then
#              migrate.compare(<the copy's schema>, Si) must be empty;
#   backward   on a copy as it is after the file (schema Si), the same
#              towards S(i-1): the step undone.
# Each is "reached" (compare is empty), "not reached", "refused" (the engine
# raised 0A000, feature_not_supported: an honest refusal) or an "engine
# error" (any other error of migrate.diff()).  Prints the counts, then the
# refusals, the failed statements and the differences left, grouped by a
# short signature, with one example each.
#
# A file whose copy cannot be made (it left a prepared transaction, say) is
# listed as a problem; the next forward phase then starts from the last
# copy.  The test subset takes seconds, the whole suite a few minutes.
#
# Exits 1 when the server crashed, migrate.diff() raised an error other
# than 0A000 (an internal error, XX000, or SQL it generated and could not
# parse, ...), or (not with --report) a forward or backward phase was not
# reached.
#
# PG_CONFIG=/path/to/bin/pg_config: on that PostgreSQL (Debian's 15 when
# unset).  PGM_NO_BUILD=1 skips the package check, the build and the
# install: for a build you already have.  PGM_KEEP_DIFF_CORPUS=1 keeps the
# working directory (documents, psql output of every file).
set -euo pipefail

PGM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PGM_ROOT
first=
report=
corpus=
while [ $# -gt 0 ]; do
    case $1 in
        --first) first=$2; shift ;;
        --corpus) corpus=$2; shift ;;
        --report) report=1 ;;
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

pgm_prepare diff-corpus.sh
work=$(mktemp -d)
chmod 0755 "$work"
trap 'cluster_stop; [ -n "${PGM_KEEP_DIFF_CORPUS:-}" ] && echo "kept in $work" >&2 || rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cluster_start diff-corpus "max_prepared_transactions=10" "statement_timeout=120s"
started=$SECONDS

createdb regression
psql -X -q -v ON_ERROR_STOP=1 -d regression >/dev/null <<'SQL'
SET client_min_messages = warning;
SET pgmigrate.guard = off;
CREATE EXTENSION pgmigrate;
ALTER DATABASE regression SET pgmigrate.guard = off;
SQL

# The results, in a database of their own (nothing in it is in a document).
createdb pgm_results
psql -X -q -v ON_ERROR_STOP=1 -d pgm_results >/dev/null <<'SQL'
CREATE TABLE steps (step int, file text, seconds int, changed boolean, problem text);
CREATE TABLE results (step int, file text, phase text, outcome text, sqlstate text, message text,
                      statements int, failed int, differences int);
CREATE TABLE failed (step int, file text, phase text, n int, statement text, sqlstate text, message text);
CREATE TABLE differences (step int, file text, phase text, object text, change text, detail text);
SQL

# copy FROM TO: database TO, a copy of database FROM (which must have no
# session), with pgmigrate's guard off; with --empty, without rows.
copy_db() {
    local from=$1 to=$2
    psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $to WITH (FORCE)" &&
    psql -X -q -d postgres -c "CREATE DATABASE $to TEMPLATE $from STRATEGY FILE_COPY" &&
    psql -X -q -d postgres -c "ALTER DATABASE $to SET pgmigrate.guard = off" || return 1
    [ "${3:-}" = --empty ] || return 0
    psql -X -q -v ON_ERROR_STOP=1 -d "$to" <<'SQL'
SET client_min_messages = warning;
SET session_replication_role = replica;     -- no truncate triggers
DO $empty$
DECLARE
    tables text := (SELECT string_agg(c.oid::regclass::text, ', ')
                      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
                       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate', 'pg_toast'));
BEGIN
    IF tables IS NOT NULL THEN
        EXECUTE 'TRUNCATE ' || tables || ' CASCADE';
    END IF;
END
$empty$;
SQL
}

# What runs in a copy at each phase, in one session: pg_temp only, so that
# nothing of it is in the copy's documents.  A procedure, so that each
# statement of the diff is committed before the next runs.
cat >"$work/phase.sql" <<'SQL'
SET client_min_messages = error;
CREATE TEMP TABLE docs (doc jsonb);
CREATE TEMP TABLE results (step int, file text, phase text, outcome text, sqlstate text, message text,
                           statements int, failed int, differences int);
CREATE TEMP TABLE failed (step int, file text, phase text, n int, statement text, sqlstate text, message text);
CREATE TEMP TABLE differences (step int, file text, phase text, object text, change text, detail text);
CREATE PROCEDURE pg_temp.run(step int, file text, phase text)
    LANGUAGE plpgsql AS $run$
DECLARE
    goal jsonb := (SELECT d.doc FROM pg_temp.docs d);
    stmts text[];
    stmt text;
    n int := 0;
    nfailed int := 0;
    ndiff int;
    state text;
    msg text;
    detail text;
BEGIN
    BEGIN
        SELECT coalesce(array_agg(d.statement ORDER BY d.step), '{}') INTO stmts
          FROM migrate.diff(migrate.schema(), goal) d;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
        msg := msg || coalesce(nullif(E'\n' || detail, E'\n'), '');
        INSERT INTO pg_temp.results VALUES (step, file, phase,
            CASE WHEN state = '0A000' THEN 'refused' ELSE 'engine error' END, state, msg);
        RETURN;
    END;
    COMMIT;
    FOREACH stmt IN ARRAY stmts LOOP
        n := n + 1;
        BEGIN
            EXECUTE stmt;
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
            msg := msg || coalesce(nullif(E'\n' || detail, E'\n'), '');
            nfailed := nfailed + 1;
            INSERT INTO pg_temp.failed VALUES (step, file, phase, n, stmt, state, msg);
        END;
        COMMIT;
    END LOOP;
    INSERT INTO pg_temp.differences
        SELECT step, file, phase, c.object, c.change, left(c.detail, 2000)
          FROM migrate.compare(migrate.schema(), goal) c;
    GET DIAGNOSTICS ndiff = ROW_COUNT;
    INSERT INTO pg_temp.results VALUES (step, file, phase,
        CASE WHEN ndiff = 0 THEN 'reached' ELSE 'not reached' END, NULL, NULL, n, nfailed, ndiff);
    COMMIT;
END
$run$;
SQL

# phase STEP FILE PHASE DATABASE DOC: run PHASE in DATABASE towards DOC;
# prints what went wrong with the session, if anything.
phase() {
    local step=$1 t=$2 ph=$3 db=$4 doc=$5 out=$work/$2.$3.out
    {
        echo "\\copy pg_temp.docs (doc) FROM '$doc'"
        echo "CALL pg_temp.run($step, '$t', '$ph');"
        for table in results failed differences; do
            echo "\\copy pg_temp.$table TO '$work/$table.$step.$ph'"
        done
    } >"$work/$ph.sql"
    if ! psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$work/phase.sql" -f "$work/$ph.sql" >"$out" 2>&1; then
        if grep -q "server closed the connection unexpectedly" "$out"; then
            echo "CRASH in $t ($ph)" >&2
            wait_for_server
            echo "crash in $ph"
        else
            echo "the $ph session of $t failed:" >&2
            cat "$out" >&2
            echo "$ph session failed"
        fi
    fi
}

# the schedule's tests, in order
tests=$(awk '$1 == "test:" { for (i = 2; i <= NF; i++) print $i }' "$corpus/parallel_schedule")
[ -z "$first" ] || tests=$(echo "$tests" | head -n "$first")
ntests=$(echo "$tests" | wc -l)

doc() {     # doc FILE: regression's schema document into FILE
    psql -X -q -v ON_ERROR_STOP=1 -d regression -c "\\copy (SELECT migrate.schema()) TO '$1'"
}

wait_for_server() {
    for _ in $(seq 1 120); do pg_isready -q && return 0; sleep 1; done
    echo "the server did not come back" >&2
    return 1
}

# "before": regression as it was before the file, emptied (the forward
# phase starts from a copy of it)
doc "$work/doc.0"
copy_db regression before --empty >/dev/null
step=0
nfiles=0
for t in $tests; do
    [ -f "$sqldir/$t.sql" ] || continue
    nfiles=$((nfiles + 1))
    step=$((step + 1))
    t0=$SECONDS
    problem=
    (cd "$sqldir" && psql -X -q -d regression -f "$sqldir/$t.sql" >"$work/$t.out" 2>&1) || true
    if grep -q "server closed the connection unexpectedly" "$work/$t.out"; then
        echo "CRASH in $t (running the file)" >&2
        problem="crash in the file"
        wait_for_server
    fi
    doc "$work/doc.$step"
    changed=true
    if cmp -s "$work/doc.$((step - 1))" "$work/doc.$step"; then
        changed=false
    elif ! copy_db regression after --empty >"$work/$t.copy.out" 2>&1; then
        # (a prepared transaction the file left, say); the next forward
        # phase starts from the last copy made
        problem="${problem:+$problem, }no copy: $(grep -m 1 ERROR "$work/$t.copy.out" || true)"
    else
        copy_db before forward >/dev/null
        p=$(phase "$step" "$t" forward forward "$work/doc.$step")
        problem="${problem:+$problem${p:+, }}$p"
        copy_db after backward >/dev/null
        p=$(phase "$step" "$t" backward backward "$work/doc.$((step - 1))")
        problem="${problem:+$problem${p:+, }}$p"
        psql -X -q -d postgres -c "DROP DATABASE before WITH (FORCE)" \
             -c "ALTER DATABASE after RENAME TO before"
    fi
    {
        for f in "$work"/{results,failed,differences}."$step".*; do
            [ -f "$f" ] || continue
            table=$(basename "$f"); table=${table%%.*}
            echo "\\copy $table FROM '$f'"
        done
        echo "INSERT INTO steps VALUES ($step, '$t', $((SECONDS - t0)), $changed, nullif(\$p\$$problem\$p\$, ''));"
    } | psql -X -q -v ON_ERROR_STOP=1 -d pgm_results >/dev/null
    psql -X -At -d pgm_results -c "
SELECT format('%s/%s %-28s %3ss  %s', s.step, $ntests, s.file, s.seconds,
              coalesce(string_agg(r.phase || ' ' || r.outcome
                                  || CASE WHEN r.failed > 0 THEN ' (' || r.failed || ' failed)' ELSE '' END, ', '
                                  ORDER BY r.phase DESC),
                       CASE WHEN s.changed THEN '' ELSE 'schema unchanged' END)
              || coalesce(' ' || s.problem, ''))
  FROM steps s LEFT JOIN results r USING (step) WHERE s.step = $step GROUP BY s.step, s.file, s.seconds, s.changed, s.problem"
done
for db in before forward backward; do
    psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
done

# ---- the report --------------------------------------------------------

psql -X -q -v ON_ERROR_STOP=1 -d pgm_results >/dev/null <<'SQL'
CREATE FUNCTION signature(message text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT left(regexp_replace(regexp_replace(regexp_replace(split_part(message, E'\n', 1),
                               '"([^"]|"")*"', '"…"', 'g'), '\m[0-9]+\M', 'N', 'g'),
                '\m(table|view|function|procedure|aggregate|type|index|sequence|schema) [^ ",;(]+(\([^)]*\))?', '\1 …', 'g'), 160)
$$;
SQL

echo
echo "=============== diff corpus: $nfiles files in $((SECONDS - started))s"
psql -X -d pgm_results -c "
SELECT count(*) AS steps, count(*) FILTER (WHERE changed) AS changed_the_schema,
       count(*) FILTER (WHERE problem IS NOT NULL) AS problems,
       count(*) FILTER (WHERE problem LIKE '%crash%') AS crashes
  FROM steps"
psql -X -d pgm_results -c "
SELECT phase,
       count(*) AS steps,
       count(*) FILTER (WHERE outcome = 'reached') AS reached,
       count(*) FILTER (WHERE outcome = 'not reached') AS not_reached,
       count(*) FILTER (WHERE outcome = 'refused') AS refused,
       count(*) FILTER (WHERE outcome = 'engine error') AS engine_errors,
       coalesce(sum(statements), 0) AS statements,
       coalesce(sum(failed), 0) AS failed_statements
  FROM results GROUP BY phase ORDER BY phase DESC"
psql -X -d pgm_results -c "
SELECT step, file, seconds, problem FROM steps WHERE problem IS NOT NULL OR seconds >= 60 ORDER BY step" \
    | grep -v '^(0 rows)' || true

echo "=============== refusals and engine errors"
psql -X -d pgm_results -c "
SELECT outcome, sqlstate, signature(message) AS signature, count(*) AS phases,
       min(file || ' ' || phase) AS example, left(min(message), 400) AS example_message
  FROM results WHERE outcome IN ('refused', 'engine error')
 GROUP BY 1, 2, 3 ORDER BY 4 DESC, 3"

echo "=============== failed statements, by error"
psql -X -d pgm_results -c "
SELECT count(*) AS n, sqlstate, signature(message) AS signature,
       (array_agg(file || ' ' || phase || E':\n' || left(statement, 400) || E'\n=> ' || message
                  ORDER BY length(statement)))[1] AS example
  FROM failed GROUP BY 2, 3 ORDER BY 1 DESC, 3"

echo "=============== differences left, by kind and change"
psql -X -d pgm_results -c "
SELECT count(*) AS n, count(DISTINCT step) AS steps, phase,
       substring(object FROM '^(materialized view|foreign table|[a-z]+)') AS kind, change,
       (array_agg(file || ': ' || object || coalesce(E'\n' || left(detail, 300), '')
                  ORDER BY length(object)))[1] AS example
  FROM differences GROUP BY 3, 4, 5 ORDER BY 1 DESC"

crashes=$(psql -X -At -d pgm_results -c "SELECT count(*) FROM steps WHERE problem LIKE '%crash%' OR problem LIKE '%session failed%'")
engine=$(psql -X -At -d pgm_results -c "SELECT count(*) FROM results WHERE outcome = 'engine error'")
missing=$(psql -X -At -d pgm_results -c "SELECT count(*) FROM results WHERE outcome = 'not reached'")
echo "diff corpus: $nfiles files, $crashes crashes, $engine engine errors, $missing phases not reached"
[ "$crashes" -eq 0 ] && [ "$engine" -eq 0 ] && { [ -n "$report" ] || [ "$missing" -eq 0 ]; }
