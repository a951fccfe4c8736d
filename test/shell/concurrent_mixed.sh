#!/usr/bin/env bash
# 8 sessions call apply, rollback, add and status at once, 50 rounds each:
# nothing is applied twice, no session is left waiting (no deadlock), the
# only errors are the documented ones, and the catalog and schema agree.
#
# Needs a running server: PGHOST, PGPORT and PGUSER (a superuser) set, as
# scripts/test.sh does.
set -euo pipefail

SESSIONS=${PGM_MIXED_SESSIONS:-8}
ROUNDS=${PGM_MIXED_ROUNDS:-50}
db=pgm_mixed_$$
work=$(mktemp -d)
cleanup() {
    dropdb --if-exists "$db" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

createdb "$db"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
SET client_min_messages = error;
CREATE EXTENSION pgmigrate;
SELECT migrate.add('base_' || lpad(i::text, 2, '0'),
                   format('CREATE TABLE base_%s (id int);', i), format('DROP TABLE base_%s;', i))
  FROM generate_series(1, 20) AS i;
SQL

# each session: a random mix of the four calls, one transaction each
for s in $(seq 1 "$SESSIONS"); do
    {
        echo "\\set VERBOSITY sqlstate"
        echo "SET client_min_messages = error;"
        for r in $(seq 1 "$ROUNDS"); do
            case $((RANDOM % 4)) in
                0) echo "SELECT count(*) FROM migrate.apply('head');" ;;
                1) echo "SELECT count(*) FROM migrate.rollback('-1');" ;;
                2) echo "SELECT migrate.add('s${s}_r${r}', 'CREATE TABLE s${s}_r${r} (id int);', 'DROP TABLE s${s}_r${r};');" ;;
                3) echo "SELECT count(*) FROM migrate.status();" ;;
            esac
        done
    } >"$work/session$s.sql"
done

pids=()
for s in $(seq 1 "$SESSIONS"); do
    timeout 300 psql -X -q -At -d "$db" -f "$work/session$s.sql" >"$work/session$s.out" 2>"$work/session$s.err" &
    pids+=($!)
done
hung=0
for pid in "${pids[@]}"; do
    wait "$pid" || { [ $? -eq 124 ] && hung=$((hung + 1)); }
done

check "every session finished (no deadlock, nobody left waiting)" [ "$hung" = 0 ]
cat "$work"/session*.err >"$work/errors"
check "no deadlock was detected" bash -c "! grep -q '40P01' '$work/errors'"
# documented: rolling back with nothing applied (55000); under READ COMMITTED
# nothing else may fail
others=$(grep -v 'ERROR:  55000$' "$work/errors" | grep -c . || true)
check "the only errors are the documented ones ($(grep -c . "$work/errors" || true) errors, all 55000)" [ "$others" = 0 ]
[ "$others" = 0 ] || sort "$work/errors" | uniq -c

check "no revision was ever applied twice in a row" \
    [ "$(q "SELECT count(*) FROM (SELECT action, lag(action) OVER (PARTITION BY revision ORDER BY id) AS previous
                                      FROM migrate.log WHERE action IN ('apply', 'rollback')) x
                             WHERE action = previous")" = 0 ]
check "the log agrees with the applied state" \
    [ "$(q "SELECT count(*) FROM migrate.revisions r
             WHERE (r.applied_at IS NOT NULL) <>
                   coalesce((SELECT action = 'apply' FROM migrate.log l WHERE l.revision = r.id
                              AND action IN ('apply', 'rollback') ORDER BY id DESC LIMIT 1), false)")" = 0 ]
check "the schema agrees with the catalog" \
    [ "$(q "SELECT count(*) FROM migrate.revisions r
             WHERE (r.applied_at IS NOT NULL) <> (to_regclass(CASE WHEN r.id LIKE 'base_%'
                                                                    THEN 'base_' || ltrim(substr(r.id, 6), '0')
                                                                    ELSE r.id END) IS NOT NULL)")" = 0 ]
check "the graph is one line: every add found a single head" [ "$(q "SELECT array_length(migrate.heads(), 1)")" = 1 ]
check "no drift" [ "$(q "SELECT count(*) FROM migrate.drift()")" = 0 ]
check "no advisory lock is left" [ "$(q "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" = 0 ]

if [ "$failures" -gt 0 ]; then
    echo "concurrent_mixed: $failures check(s) failed"
    exit 1
fi
echo "concurrent_mixed: all checks passed ($SESSIONS sessions x $ROUNDS rounds)"
