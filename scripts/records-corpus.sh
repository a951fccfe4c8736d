#!/usr/bin/env bash
# The schema as recorded, over SQL that nobody here wrote: PostgreSQL's own
# regression SQL, every DDL statement of it deployed as a revision.
#
#   sudo scripts/records-corpus.sh                 the part of it kept in test/corpus
#                                                  (test/corpus-18 on PostgreSQL 18)
#   sudo scripts/records-corpus.sh --corpus DIR    a PostgreSQL src/test/regress (or a
#                                                  directory of its .sql files and
#                                                  parallel_schedule): the whole suite
#   ... --first N                                  only the first N files of the schedule
#   sudo PG_CONFIG=/path/to/bin/pg_config scripts/records-corpus.sh ...
#                                                  on that PostgreSQL
#
# PGM_NO_BUILD=1 skips the package check, the build and the install: for a
# server and a build you already have.  PGM_KEEP_CORPUS=1 keeps the working
# directory (the wrapped files and psql's output of each).
#
# Starts a throwaway server, creates database "regression" with pgmigrate
# installed (guard off for what runs by hand), and runs each file of the
# corpus with psql, in parallel_schedule order.  Each DDL statement
# (scripts/corpus-wrap.pl says which) goes through pgm_records.run()
# (below), with the guard on: migrate.add() registers it as a revision
# (its down derived where it can be), migrate.apply() deploys it, which
# stores a part record; then
#   - migrate.drift() must return no rows: the schema as recorded (the
#     last whole record with the parts laid over it) is the live schema;
#   - every 7th apply whose revision has a down, migrate.rollback('-1')
#     in a subtransaction, after which drift() must be empty too (then
#     undone: the corpus goes on from the applied state);
#   - every 50th apply, and at the end, migrate.compact_snapshots(), after
#     which the newest record must equal migrate.schema() exactly.
# A statement that add() refuses or that fails in apply() (the corpus
# means many to fail) is undone and runs as it is.  What ran by hand
# changes the schema outside a deploy: before the next apply, when
# migrate.log shows such a command, drift() is asked and the live schema
# recorded (migrate.record_snapshot()) when it differs; after a failure
# too, so that one defect is reported once; and always before each file
# (a session's end drops its temporary objects and what depends on them)
# and after a REINDEX or a concurrent build (neither has a log line).
#
# Prints the counts and every failure with its statement; exits 1 on any
# failure, an internal error (XX000) of pgmigrate or a server crash.
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

pgm_prepare records-corpus.sh
work=$(mktemp -d)
trap 'cluster_stop; [ -n "${PGM_KEEP_CORPUS:-}" ] && echo "kept in $work" >&2 || rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cluster_start records-corpus "max_prepared_transactions=10" "statement_timeout=300s"
started=$SECONDS

createdb regression
# Everything pgm_records.run() finds is said in a WARNING line that begins
# "pgm-records:" (one line each, read from psql's output at the end): a
# transaction of the corpus that is rolled back takes rows with it, not
# what was said.
psql -X -q -v ON_ERROR_STOP=1 -d regression >/dev/null <<'SQL'
SET client_min_messages = warning;
SET pgmigrate.guard = off;
CREATE EXTENSION pgmigrate;
CREATE SCHEMA pgm_records;
GRANT USAGE ON SCHEMA pgm_records TO PUBLIC;
-- the last migrate.log row looked at, the applies so far
CREATE TABLE pgm_records.state (log_id bigint NOT NULL, applies int NOT NULL);
INSERT INTO pgm_records.state VALUES (0, 0);

-- a failure: said, then the live schema recorded, so that it is said once
CREATE FUNCTION pgm_records.fail(rev_id text, what text, detail text, stmt text) RETURNS void
    LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM set_config('client_min_messages', 'warning', true);
    RAISE WARNING '%', 'pgm-records: FAIL ' || rev_id || ' ' || what || ': '
        || regexp_replace(left(detail, 1500), '\s+', ' ', 'g')
        || ' ## statement: ' || regexp_replace(left(stmt, 1500), '\s+', ' ', 'g');
    PERFORM set_config('client_min_messages', 'error', true);
    PERFORM migrate.record_snapshot();
END
$f$;

CREATE FUNCTION pgm_records.said(what text) RETURNS void
    LANGUAGE plpgsql AS $f$
BEGIN
    PERFORM set_config('client_min_messages', 'warning', true);
    RAISE WARNING '%', 'pgm-records: ' || what;
    PERFORM set_config('client_min_messages', 'error', true);
END
$f$;

-- what drift() says, in one line; NULL when nothing
CREATE FUNCTION pgm_records.drift() RETURNS text
    LANGUAGE sql AS $f$
    SELECT string_agg(d.object || ' ' || d.change || coalesce(' ' || left(d.detail, 300), ''), '; ')
      FROM (SELECT * FROM migrate.drift() LIMIT 10) d
$f$;

-- the newest record, after compact_snapshots(), against the live schema
CREATE FUNCTION pgm_records.compact_check(rev_id text, stmt text) RETURNS void
    LANGUAGE plpgsql AS $f$
DECLARE
    differ text;
BEGIN
    PERFORM migrate.compact_snapshots();
    SELECT string_agg(c.object || ' ' || c.change || coalesce(' ' || left(c.detail, 300), ''), '; ')
      INTO differ
      FROM (SELECT c.* FROM migrate.compare(
                (SELECT s.snapshot FROM migrate.snapshots s ORDER BY s.id DESC LIMIT 1),
                migrate.schema()) c LIMIT 10) c;
    IF differ IS NULL THEN
        -- what compare() does not look at: the objects' bytes
        SELECT string_agg(coalesce(r.key, l.key) || ': ' || left(coalesce(r.value::text, '(none)'), 400)
                          || ' <> ' || left(coalesce(l.value::text, '(none)'), 400), '; ')
          INTO differ
          FROM (SELECT * FROM jsonb_each((SELECT s.snapshot FROM migrate.snapshots s ORDER BY s.id DESC LIMIT 1) -> 'objects')) r
          FULL JOIN (SELECT * FROM jsonb_each(migrate.schema() -> 'objects')) l ON l.key = r.key
         WHERE r.value IS DISTINCT FROM l.value;
        IF differ IS NULL AND (SELECT s.snapshot FROM migrate.snapshots s ORDER BY s.id DESC LIMIT 1)
                              IS DISTINCT FROM migrate.schema() THEN
            differ := 'the documents differ beside their objects';
        END IF;
    END IF;
    IF differ IS NOT NULL THEN
        PERFORM pgm_records.fail(rev_id, 'compacted', differ, stmt);
    ELSE
        PERFORM pgm_records.said('compact ok');
    END IF;
END
$f$;

-- migrate.rollback('-1') of the revision just applied, drift() then, undone
CREATE FUNCTION pgm_records.rollback_check(rev_id text, stmt text) RETURNS void
    LANGUAGE plpgsql AS $f$
DECLARE
    differ text;
    state text;
    message text;
BEGIN
    BEGIN
        PERFORM migrate.rollback('-1', true);
        differ := pgm_records.drift();
        RAISE EXCEPTION 'pgm_records: undo';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
    END;
    IF state = 'XX000' THEN
        PERFORM pgm_records.fail(rev_id, 'XX000 in rollback', message, stmt);
    ELSIF message <> 'pgm_records: undo' THEN
        PERFORM pgm_records.said('rollback refused');
    ELSIF differ IS NOT NULL THEN
        PERFORM pgm_records.fail(rev_id, 'drift after rollback', differ, stmt);
    ELSE
        PERFORM pgm_records.said('rollback ok');
    END IF;
END
$f$;

-- Does the statement, run as it is (and undone), fail with this message
-- too?  Then an internal error is the server's, not pgmigrate's.
CREATE FUNCTION pgm_records.fails_alike(stmt text, message text) RETURNS boolean
    LANGUAGE plpgsql AS $f$
DECLARE
    got text;
BEGIN
    BEGIN
        PERFORM set_config('pgmigrate.guard', 'off', true);
        EXECUTE stmt;
        RAISE EXCEPTION 'pgm_records: undo';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS got = MESSAGE_TEXT;
    END;
    RETURN got = message;
END
$f$;

-- What ran by hand since the last look (migrate.log says whether any DDL
-- did; `always` after a session ended, whose temporary objects went with
-- what depends on them and no event trigger saw it), recorded when it
-- changed the schema.
CREATE FUNCTION pgm_records.settle(always boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql AS $f$
BEGIN
    IF (always OR EXISTS (SELECT FROM migrate.log l WHERE l.id > (SELECT s.log_id FROM pgm_records.state s)
                                                      AND l.outcome IN ('allowed', 'warned')))
       AND EXISTS (SELECT FROM migrate.drift()) THEN
        PERFORM migrate.record_snapshot();
        PERFORM pgm_records.said('recorded what ran by hand');
    END IF;
END
$f$;

-- The statement as a revision, applied and checked; false when it was not
-- applied (it is then run by hand).  Superusers only: a corpus role runs
-- its DDL by hand.
CREATE FUNCTION pgm_records.run(rev_id text, stmt text) RETURNS boolean
    LANGUAGE plpgsql SET client_min_messages = warning SET pgmigrate.guard = enforce AS $f$
DECLARE
    s pgm_records.state;
    last_log bigint;
    differ text;
    has_down boolean;
    state text;
    message text;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RETURN false;
    END IF;
    PERFORM set_config('client_min_messages', 'error', true);
    SELECT * INTO s FROM pgm_records.state;
    -- by hand since the last look: recorded, when it changed the schema
    SELECT coalesce(max(l.id), 0) INTO last_log FROM migrate.log l;
    BEGIN
        PERFORM pgm_records.settle();
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        PERFORM pgm_records.fail(rev_id, 'error in drift() before apply (' || state || ')', message, stmt);
    END;
    BEGIN
        PERFORM migrate.add(rev_id, stmt, NULL, NULL, NULL, true, true);
        PERFORM migrate.apply();
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        IF state = 'XX000' AND NOT pgm_records.fails_alike(stmt, message) THEN
            PERFORM pgm_records.fail(rev_id, 'XX000 in add or apply', message, stmt);
        END IF;
        UPDATE pgm_records.state SET log_id = last_log;
        RETURN false;
    END;
    s.applies := s.applies + 1;
    BEGIN
        differ := pgm_records.drift();
        IF differ IS NOT NULL THEN
            PERFORM pgm_records.fail(rev_id, 'drift after apply', differ, stmt);
        ELSE
            PERFORM pgm_records.said('apply ok');
        END IF;
        SELECT r.down IS NOT NULL INTO has_down FROM migrate.revisions r WHERE r.id = rev_id;
        IF has_down AND s.applies % 7 = 0 THEN
            PERFORM pgm_records.rollback_check(rev_id, stmt);
        END IF;
        IF s.applies % 50 = 0 THEN
            PERFORM pgm_records.compact_check(rev_id, stmt);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
        PERFORM pgm_records.fail(rev_id, 'error in a check (' || state || ')', message, stmt);
    END;
    UPDATE pgm_records.state SET log_id = (SELECT coalesce(max(l.id), 0) FROM migrate.log l), applies = s.applies;
    RETURN true;
END
$f$;
GRANT SELECT, UPDATE ON pgm_records.state TO PUBLIC;
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
    t0=$SECONDS
    perl "$PGM_ROOT/scripts/corpus-wrap.pl" "$sqldir/$t.sql" "$t" apply >"$work/$t.sql"
    (cd "$sqldir" && psql -X -q -d regression -c "SET pgmigrate.guard = off" -c "SET client_min_messages = error" \
        -c "SELECT pgm_records.settle(true)" -c "RESET client_min_messages" -c "RESET pgmigrate.guard" \
        -f "$work/$t.sql" >"$work/$t.out" 2>&1) || true
    if grep -q "server closed the connection unexpectedly" "$work/$t.out"; then
        echo "CRASH in $t" >&2
        crashes=$((crashes + 1))
        for _ in $(seq 1 60); do pg_isready -q && break; sleep 1; done
    fi
    echo "$nfiles $t: $(grep -c 'pgm-records: apply ok\|pgm-records: FAIL [^ ]* drift after apply' "$work/$t.out" || true) applies," \
         "$(grep -c 'pgm-records: FAIL' "$work/$t.out" || true) failures, $((SECONDS - t0))s"
done

# at the end: drift, and the compacted record against the live schema
psql -X -q -d regression >"$work/zz_end.out" 2>&1 <<'SQL' || true
SET pgmigrate.guard = off;
SET client_min_messages = error;
SELECT pgm_records.settle(true);
SELECT CASE WHEN pgm_records.drift() IS NULL THEN pgm_records.said('end drift ok')
            ELSE pgm_records.said('FAIL end drift: ' || pgm_records.drift()) END;
SELECT pgm_records.compact_check('end', '(the end of the corpus)');
SQL

count() { cat "$work"/*.out | grep -c "pgm-records: $1" || true; }
applies=$(( $(count 'apply ok') + $(count 'FAIL [^ ]* drift after apply') ))
rollbacks=$(( $(count 'rollback ok') + $(count 'FAIL [^ ]* drift after rollback') ))
compactions=$(( $(count 'compact ok') + $(count 'FAIL [^ ]* compacted') ))
failures=$(count 'FAIL')
echo
echo "records corpus: $nfiles files in $((SECONDS - started))s"
echo "  applies (each followed by a drift check): $applies"
echo "  rollbacks checked: $rollbacks (refused: $(count 'rollback refused'))"
echo "  compaction checks: $compactions"
echo "  by hand, then recorded: $(count 'recorded what ran by hand')"
echo "  failures: $failures, crashes: $crashes"
if [ "$failures" -gt 0 ]; then
    echo
    for f in "$work"/*.out; do
        grep -o 'pgm-records: FAIL.*' "$f" | sed "s|^pgm-records: |$(basename "$f" .out): |" || true
    done
fi
[ "$failures" -eq 0 ] && [ "$crashes" -eq 0 ]
