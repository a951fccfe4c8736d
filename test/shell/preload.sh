#!/usr/bin/env bash
# What event triggers cannot see, with pgmigrate preloaded: EXPLAIN ANALYZE
# runs the statement it explains, and EXPLAIN ANALYZE of CREATE TABLE AS,
# SELECT INTO and CREATE MATERIALIZED VIEW creates a table without firing
# an event trigger.  With session_preload_libraries = pgmigrate, each new
# session has the guard's ProcessUtility hook from its first statement:
# each form is refused under enforce, recorded under warn, and temporary
# tables and plain EXPLAIN (which runs nothing) go through.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does.
set -euo pipefail

db=pgm_preload_$$
work=$(mktemp -d)
cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

createdb "$db"
q "SET client_min_messages = warning; CREATE EXTENSION pgmigrate" >/dev/null
psql -X -q -d "$db" -c "ALTER DATABASE $db SET session_preload_libraries = 'pgmigrate'"

# first SQL of a new session: no DDL before it has loaded the library
fresh() {
    psql -X -q -At -d "$db" -c "$1" >"$work/out" 2>"$work/err" || true
}
err_is() { [ "$(head -n 1 "$work/err")" = "$1" ]; }

fresh "EXPLAIN ANALYZE CREATE TABLE ctas AS SELECT 1 AS x"
check "EXPLAIN ANALYZE CREATE TABLE AS is refused" err_is "ERROR:  cannot execute CREATE TABLE AS outside a migration"
fresh "EXPLAIN ANALYZE SELECT 1 AS x INTO selinto"
check "EXPLAIN ANALYZE SELECT INTO is refused" err_is "ERROR:  cannot execute SELECT INTO outside a migration"
fresh "EXPLAIN (ANALYZE, COSTS off) CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x"
check "EXPLAIN ANALYZE CREATE MATERIALIZED VIEW is refused" err_is "ERROR:  cannot execute CREATE MATERIALIZED VIEW outside a migration"
check "none of them created anything" \
    [ "$(q "SELECT count(*) FROM pg_class WHERE relname IN ('ctas', 'selinto', 'mv')")" = 0 ]

fresh "EXPLAIN CREATE TABLE plain_explain AS SELECT 1 AS x"
check "plain EXPLAIN, which runs nothing, goes through" [ ! -s "$work/err" ]
fresh "EXPLAIN (ANALYZE false) CREATE TABLE plain_explain AS SELECT 1 AS x"
check "and so does ANALYZE false" [ ! -s "$work/err" ]
fresh "EXPLAIN ANALYZE CREATE TEMP TABLE tmp AS SELECT 1 AS x"
check "a temporary table goes through" [ ! -s "$work/err" ]

log_before=$(q "SELECT coalesce(max(id), 0) FROM migrate.log")
PGOPTIONS='-c pgmigrate.guard=warn' fresh "EXPLAIN ANALYZE CREATE TABLE ctas AS SELECT 1 AS x"
check "under warn it runs, with a WARNING" grep -q "WARNING:  CREATE TABLE AS ran outside a migration" "$work/err"
check "and is recorded" [ "$(q "SELECT string_agg(command || ' ' || outcome, ',') FROM migrate.log WHERE id > $log_before")" = "CREATE TABLE AS warned" ]
check "the table exists" [ "$(q "SELECT to_regclass('ctas') IS NOT NULL")" = t ]

log_before=$(q "SELECT max(id) FROM migrate.log")
PGOPTIONS='-c pgmigrate.guard=off' fresh "EXPLAIN ANALYZE SELECT 1 AS x INTO selinto"
check "under off it runs and is recorded" [ "$(q "SELECT string_agg(command || ' ' || outcome, ',') FROM migrate.log WHERE id > $log_before")" = "SELECT INTO allowed" ]

# inside a revision it is managed, as any DDL
q "SET client_min_messages = error; SELECT migrate.add('01', 'EXPLAIN ANALYZE CREATE TABLE in_revision AS SELECT 1 AS x;', 'DROP TABLE in_revision;')" >/dev/null
fresh "SELECT count(*) FROM migrate.apply()"
check "in a revision it applies" [ "$(q "SELECT to_regclass('in_revision') IS NOT NULL")" = t ]

# where pgmigrate is not installed, the hook judges nothing (as the guard,
# which is not there either): shared_preload_libraries covers every database
other=${db}_other
createdb "$other"
psql -X -q -d "$other" -c "ALTER DATABASE $other SET session_preload_libraries = 'pgmigrate'"
psql -X -q -At -d "$other" -c "EXPLAIN ANALYZE CREATE TABLE ctas AS SELECT 1 AS x" >"$work/out" 2>"$work/err" || true
check "a database without pgmigrate runs EXPLAIN ANALYZE CREATE TABLE AS" [ ! -s "$work/err" ]
check "and the table is there" [ "$(psql -X -At -d "$other" -c "SELECT to_regclass('ctas') IS NOT NULL")" = t ]
dropdb "$other"
# and where the guard is disabled, neither does the hook
psql -X -q -d "$db" -c "ALTER EVENT TRIGGER pgmigrate_guard DISABLE"
fresh "EXPLAIN ANALYZE CREATE TABLE with_guard_disabled AS SELECT 1 AS x"
check "with the guard's event trigger disabled, the hook lets it through too" [ ! -s "$work/err" ]
psql -X -q -d "$db" -c "ALTER EVENT TRIGGER pgmigrate_guard ENABLE ALWAYS"

psql -X -q -d "$db" -c "ALTER DATABASE $db RESET session_preload_libraries"
if [ "$failures" -gt 0 ]; then
    echo "--- stderr of the last run"; cat "$work/err"
    echo "preload: $failures check(s) failed"
    exit 1
fi
echo "preload: all checks passed"
