#!/usr/bin/env bash
# pgmigrate.lock_timeout and pgmigrate.lock_retries with a second session
# holding a lock: the revision is rolled back and retried with a NOTICE per
# retry, succeeds once the holder commits, and gives up cleanly, naming the
# lock, when the retries run out.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does.
set -euo pipefail

db=pgm_lock_retry_$$
work=$(mktemp -d)
holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null || true
    wait 2>/dev/null || true
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
stderr_has() { grep -qF -- "$1" "$work/err"; }
count_in_stderr() { grep -cF -- "$1" "$work/err" || true; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('01', 'CREATE TABLE accounts (id bigint PRIMARY KEY);', 'DROP TABLE accounts;');
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('02', 'ALTER TABLE accounts ADD COLUMN name text;', 'ALTER TABLE accounts DROP COLUMN name;');
SQL

# hold_lock SECONDS: a session that holds ACCESS SHARE on accounts (an open
# read) for that long, which ALTER TABLE must wait for
hold_lock() {
    psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM accounts; SELECT pg_sleep($1); COMMIT;" >/dev/null 2>&1 &
    holder=$!
    # wait until the holder has its lock
    for _ in $(seq 1 100); do
        [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'accounts' AND l.granted AND l.pid <> pg_backend_pid()")" -gt 0 ] && return 0
        sleep 0.05
    done
    echo "the lock holder did not start" >&2
    exit 1
}

# 1. The holder commits after ~2 s; 300 ms timeouts with 8 retries (back-off
#    0.1, 0.2, 0.4, 0.8, 1.6 s ...) outlast it: apply succeeds.
hold_lock 2
set +e
PGOPTIONS='-c pgmigrate.lock_timeout=300 -c pgmigrate.lock_retries=8' \
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT revision FROM migrate.apply()" >"$work/out" 2>"$work/err"
rc=$?
set -e
wait "$holder" || true; holder=
check "apply succeeds after the holder commits" [ "$rc" -eq 0 ]
check "the revision was applied" grep -qx 02 "$work/out"
check "a NOTICE per retry names the lock" stderr_has \
    'NOTICE:  revision "02" waited too long for a lock on public.accounts; retrying in 100 ms (retry 1 of 8)'
check "it retried more than once" [ "$(count_in_stderr 'waited too long')" -ge 2 ]
check "one log row: the retries left nothing behind" \
    [ "$(q "SELECT count(*) FROM migrate.log WHERE revision = '02' AND action = 'apply'")" = 1 ]
check "the column exists once" \
    [ "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'name'")" = 1 ]

# 2. Roll it back while the holder keeps its lock for 10 s, with 2 retries of
#    200 ms: the rollback gives up, says which lock, and changes nothing.
hold_lock 10
set +e
PGOPTIONS='-c pgmigrate.lock_timeout=200 -c pgmigrate.lock_retries=2' \
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT revision FROM migrate.rollback()" >"$work/out" 2>"$work/err"
rc=$?
set -e
kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; holder=
check "rollback gives up when the retries run out" [ "$rc" -ne 0 ]
check "the error names the revision and the lock" stderr_has \
    'ERROR:  revision "02" could not get a lock on public.accounts within pgmigrate.lock_timeout'
check "the error says how often it tried" stderr_has \
    'It was tried 3 times, each waiting at most 200 ms; nothing was rolled back.'
check "two NOTICEs, one per retry" [ "$(count_in_stderr 'waited too long')" = 2 ]
check "the revision is still applied" \
    [ "$(q "SELECT applied_at IS NOT NULL FROM migrate.revisions WHERE id = '02'")" = t ]
check "the column is still there" \
    [ "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'name'")" = 1 ]

# 2b. A cancel ends the wait between two retries at once, with PostgreSQL's
#     own error.  With 50 ms timeouts the back-off waits 0.1, 0.2, 0.4, 0.8,
#     1.6 s and then 3.2 s, from about 3.4 s to 6.6 s after the start; the
#     cancel comes at 4 s, in the middle of that wait.
hold_lock 30
PGAPPNAME=pgm_retrying PGOPTIONS='-c pgmigrate.lock_timeout=50 -c pgmigrate.lock_retries=100' \
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "SELECT revision FROM migrate.rollback()" >"$work/out" 2>"$work/err" &
retrier=$!
sleep 4
cancelled_at=$EPOCHREALTIME
q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgm_retrying'" >/dev/null
set +e
wait "$retrier"
rc=$?
set -e
ended_ms=$(awk -v a="$cancelled_at" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
kill "$holder" 2>/dev/null || true; wait "$holder" 2>/dev/null || true; holder=
check "a cancel ends the rollback" [ "$rc" -ne 0 ]
check "with PostgreSQL's own error" stderr_has 'ERROR:  canceling statement due to user request'
check "it was waiting between retries" [ "$(count_in_stderr 'waited too long')" -ge 5 ]
check "the cancel ended that wait at once, not after it (${ended_ms} ms; the wait had 2.6 s left)" \
    [ "$ended_ms" -lt 1500 ]
check "nothing was rolled back" \
    [ "$(q "SELECT applied_at IS NOT NULL FROM migrate.revisions WHERE id = '02'")" = t ]

# 3. Without pgmigrate.lock_timeout, nothing of this happens: the default is off.
check "lock_timeout is off by default" \
    [ "$(psql -X -q -At -d "$db" -c "SELECT migrate.heads()" -c "SHOW pgmigrate.lock_timeout" | tail -1)" = 0 ]

if [ "$failures" -gt 0 ]; then
    echo "--- stderr of the last run"; cat "$work/err"
    echo "lock_retry: $failures check(s) failed"
    exit 1
fi
echo "lock_retry: all checks passed"
