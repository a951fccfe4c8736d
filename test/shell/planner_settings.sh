#!/usr/bin/env bash
# The session's planner settings do not reach pgmigrate's own reads.
#
# After SET enable_seqscan = off every sequential scan costs 1e10, far over
# jit_above_cost, so JIT would compile the schema snapshot query (1-3 s each
# time) and the catalog statements.  auto_explain, loaded into the session
# and logging nested statements to the client, shows each plan pgmigrate
# runs and whether JIT compiled it: under such settings a plain query is
# JIT-compiled (so JIT is there to be seen), and none of apply's, drift's
# or rollback's statements is; apply plans none on pgmigrate's own tables
# (their rows are written through the heap and indexes).  plan_cache_mode = force_custom_plan must
# not reach them either: the part of a few objects that the query writes
# (a composite type's) runs the generic plan made for any few; the part of
# a relation runs no query at all.  On a server built without JIT
# (pg_jit_available() is false) there is no JIT to see: the test says so,
# skips that part (auto_explain and every check of the plans), and still
# runs apply, drift and rollback under the settings.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does.
set -euo pipefail

db=pgm_planner_$$
out=$(mktemp)
cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -f "$out"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"

createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('01', 'CREATE TABLE t (id int PRIMARY KEY, v text);', 'DROP TABLE t;');
SELECT migrate.add('02', 'CREATE INDEX t_v ON t (v);', 'DROP INDEX t_v;');
SELECT migrate.add('03', 'CREATE TYPE pair AS (a int, b int);', 'DROP TYPE pair;');
SELECT count(*) FROM migrate.apply('01');
SQL

# jit_check NAME COMMAND...: a check of the JIT part, run only where JIT is
jit=$(psql -X -At -d "$db" -c "SELECT pg_jit_available()")
explain="LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;"
if [ "$jit" != t ]; then
    echo "SKIP: JIT is not available on this server (pg_jit_available() is false): the plans are not logged, and the checks that pgmigrate's statements are not JIT-compiled are skipped"
    explain=
fi
jit_check() {
    [ "$jit" = t ] || return 0
    check "$@"
}

# run SQL with the hostile planner settings and (where JIT is) every plan logged
hostile() {
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" >"$out" 2>&1 <<SQL
$explain
SET enable_seqscan = off;
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SET plan_cache_mode = force_custom_plan;
$1
SQL
}

hostile "CREATE TEMP TABLE plain AS SELECT 1 AS x; SELECT count(*) FROM plain;"
jit_check "a plain query under these settings is JIT-compiled" grep -q "JIT:" "$out"

hostile "SELECT count(*) FROM migrate.apply('02');"
check "apply ran" grep -q "applying revision \"02\"" "$out"
# a deploy's own rows (marks, log rows, the record, its keys) are written
# row by row: no statement on pgmigrate's tables is planned
jit_check "apply planned no statement on pgmigrate's tables" \
    bash -c "! grep -Eq 'migrate\.(revisions|log|snapshots|snapshot_keys|online)' '$out'"
jit_check "nothing it ran was JIT-compiled" bash -c "! grep -q 'JIT:' '$out'"
# the part of a relation is written in C: no query of the document's
jit_check "the part of an index ran no query" bash -c "! grep -q 'schema_document' '$out'"

hostile "SELECT count(*) FROM migrate.apply('head');"
check "apply of a composite type ran" grep -q "applying revision \"03\"" "$out"
jit_check "none of its statements was JIT-compiled" bash -c "! grep -q 'JIT:' '$out'"
# a part of a few objects runs the plan made once for any (its arrays are
# parameters in it, not the values), whatever plan_cache_mode says
jit_check "the part's query ran its generic plan" grep -q 'conrelid = ANY (\$' "$out"

hostile "SELECT count(*) FROM migrate.drift();"
check "drift ran and found nothing" grep -qx " *0" "$out"
jit_check "drift's snapshot was planned" grep -q "pg_depend" "$out"
jit_check "and not JIT-compiled" bash -c "! grep -q 'JIT:' '$out'"

hostile "SELECT count(*) FROM migrate.rollback('base');"
check "rollback ran" grep -q "rolling back revision \"01\"" "$out"
jit_check "its statements were not JIT-compiled" bash -c "! grep -q 'JIT:' '$out'"

if [ "$failures" -gt 0 ]; then
    echo "--- the last session's output"; cat "$out"
    echo "planner_settings: $failures check(s) failed"
    exit 1
fi
echo "planner_settings: all checks passed"
