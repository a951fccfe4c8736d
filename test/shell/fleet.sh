#!/usr/bin/env bash
# pgmigrate --targets: one command against 50 databases on one server, the
# third of them broken on purpose (a table in the way of the migration).
# Shown: stop at the first failure (the rest not run), --keep-going with -j
# (every other database deployed, each all or nothing), --canary K (a
# failing canary stops the run; a passing one lets it go on), the progress
# line per database, the summary table and its --json, and exit status 1
# whenever a database failed or was not run.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does, and the client installed in pg_config --bindir.
set -euo pipefail

export PATH="$(pg_config --bindir):$PATH"
prefix=pgm_fleet_$$
work=$(mktemp -d)
n=50
cleanup() {
    local i
    for i in $(seq -w 1 "$n"); do dropdb --if-exists "${prefix}_$i" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
# count TEXT: lines of stdout that contain TEXT
count() { grep -cF -- "$1" "$work/out" || true; }
applied_in() { psql -X -q -At -d "${prefix}_$1" -c "SELECT count(*) FROM migrate.status() WHERE applied"; }

mkdir -p "$work/migrations"
cat >"$work/migrations/001_accounts.sql" <<'SQL'
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
-- migrate:down
DROP TABLE accounts;
SQL
cat >"$work/migrations/002_orders.sql" <<'SQL'
-- migrate:up
SET lock_timeout = '5s';
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts);
-- migrate:down
DROP TABLE orders;
SQL

{
    echo "# the fleet: one connection string per line"
    echo
    for i in $(seq -w 1 "$n"); do
        createdb "${prefix}_$i"
        psql -X -q -d "${prefix}_$i" -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate"
        echo "dbname=${prefix}_$i"
    done
} >"$work/targets"
# the third database has a table in the way of 002
psql -X -q -d "${prefix}_03" -c "SET pgmigrate.guard = off" -c "CREATE TABLE orders (x int)"
cd "$work"

# ---- stop at the first failure ------------------------------------------------
pm --targets targets up
check "a fleet with a broken database: exit 1" [ "$rc" = 1 ]
check "the first two are deployed" [ "$(applied_in 01)" = 2 ]
check "the first two are deployed (2)" [ "$(applied_in 02)" = 2 ]
check "the broken one is all or nothing: nothing applied" [ "$(applied_in 03)" = 0 ]
check "nothing after it was started" [ "$(applied_in 04)" = 0 ]
check "nothing after it was started (2)" [ "$(applied_in 50)" = 0 ]
check "a progress line per database that ran, with the reason" [ "$(grep -c '^ok ' "$work/err")" = 2 ]
check "a progress line per database that ran, with the reason (2)" err_has "FAILED ${prefix}_03"
check "the reason is the server's" err_has 'relation "orders" already exists'
check "the summary: 2 ok, 1 failed, 47 not run" [ "$(count '  ok')" = 2 ]
check "the summary: 2 ok, 1 failed, 47 not run (2)" [ "$(count '  failed')" = 1 ]
check "the summary: 2 ok, 1 failed, 47 not run (3)" [ "$(count '  not run')" = 47 ]
check "it counts the revisions" grep -qE "^${prefix}_01 +2 " "$work/out"
check "and ends with the tally" out_has "2 of 50 databases ok"

# ---- keep going, in parallel ---------------------------------------------------
pm --targets targets --keep-going -j 8 --json up
check "--keep-going -j 8: exit 1 (one failed)" [ "$rc" = 1 ]
check "every other database is deployed" [ "$(for i in $(seq -w 1 "$n"); do applied_in "$i"; done | grep -c '^2$')" = 49 ]
check "the --json summary has 50 entries" [ "$(grep -o '"database"' "$work/out" | wc -l)" = 50 ]
check "49 ok, 1 failed" [ "$(grep -o '"outcome": "ok"' "$work/out" | wc -l)" = 49 ]
check "49 ok, 1 failed (2)" [ "$(grep -o '"outcome": "failed"' "$work/out" | wc -l)" = 1 ]
check "revisions per database: 2 where it ran now, 0 where it had run before" [ "$(grep -o '"revisions": 2' "$work/out" | wc -l)" = 47 ]
check "revisions per database: 0 where it had run before, and where it failed" [ "$(grep -o '"revisions": 0' "$work/out" | wc -l)" = 3 ]
check "a progress line for each" [ "$(grep -c "${prefix}_" "$work/err")" = 50 ]

# ---- back to base everywhere: rollback over the fleet --------------------------
pm --targets targets --keep-going -j 8 rollback base
check "rollback base over the fleet: exit 0" [ "$rc" = 0 ]
check "nothing is applied anywhere" [ "$(for i in $(seq -w 1 "$n"); do applied_in "$i"; done | grep -c '^0$')" = 50 ]

# ---- canaries -------------------------------------------------------------------
pm --targets targets --canary 3 -j 4 --keep-going up
check "a failing canary: exit 1" [ "$rc" = 1 ]
check "it says it stopped" err_has "1 of the 3 canary databases failed: stopping before the others"
check "no database after the canaries was started, --keep-going or not" [ "$(count '  not run')" = 47 ]
check "no database after the canaries was started, --keep-going or not (2)" [ "$(applied_in 04)" = 0 ]
psql -X -q -d "${prefix}_03" -c "SET pgmigrate.guard = off" -c "DROP TABLE orders"
pm --targets targets --canary 3 -j 4 --keep-going rollback base
pm --targets targets --canary 3 -j 4 up
check "passing canaries, then the rest: exit 0" [ "$rc" = 0 ]
check "all 50 deployed" [ "$(for i in $(seq -w 1 "$n"); do applied_in "$i"; done | grep -c '^2$')" = 50 ]
check "the tally says so" out_has "50 of 50 databases ok"

# ---- usage ----------------------------------------------------------------------
pm --targets targets -d somewhere status
check "--targets with -d: exit 2" [ "$rc" = 2 ]
pm --targets nosuchfile status
check "a missing targets file: exit 1" [ "$rc" = 1 ]
pm --targets targets --canary 0 status
check "--canary 0: exit 2" [ "$rc" = 2 ]
pm --targets targets new x
check "new is not a fleet command: exit 2" [ "$rc" = 2 ]
echo "dbname=${prefix}_nosuchdb" >"$work/bad_targets"
pm --targets bad_targets status
check "a database that is not there: exit 1, named" [ "$rc" = 1 ]
check "a database that is not there: exit 1, named (2)" out_has "${prefix}_nosuchdb"

echo "fleet: $failures check(s) failed"
[ "$failures" -eq 0 ]
