#!/usr/bin/env bash
# pgmigrate on a Citus cluster: a coordinator and two workers (one joins
# later), each a server of its own on 127.0.0.1, with Citus 13.2.2 for
# Debian's PostgreSQL 15 (scripts/setup.sh unpacks it) and
# shared_preload_libraries = 'citus,pgmigrate', as README.md says.
#
# Installed as README.md says (CREATE EXTENSION on the coordinator), the
# cluster works: revisions that distribute tables and change them apply
# and roll back, several at once (Citus's sequential mode), a failing one
# leaves nothing on any node and no prepared transaction; a worker joins,
# shards move and are cleaned up; the extension can be dropped.  The guard
# refuses ad-hoc DDL on the coordinator and on the workers, and Citus's
# schema-changing functions outside a revision; the data-loss check works
# on a distributed table with and without rows; drift() never reports
# shards; online revisions and pgmigrate's functions on a worker are
# refused with the reason.
#
# Citus is built for PostgreSQL 15 only: on another version the test says
# so and passes.  Run as root (the servers run as the postgres OS user).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [ "$(pg_config --version | awk '{ print int($2) }')" != 15 ]; then
    echo "SKIP: Citus is here for PostgreSQL 15 only ($(pg_config --version))"
    exit 0
fi
# shellcheck source=scripts/setup.sh
PGM_ROOT=$root
. "$root/scripts/setup.sh"
pgm_install_citus

bindir=/usr/lib/postgresql/15/bin
PATH=$bindir:$PATH      # the client Debian's PostgreSQL 15 has, as Citus's server
dir=$(mktemp -d /tmp/pgmigrate-citus.XXXXXX)
chown postgres: "$dir"
base=$(( 30000 + ($$ + RANDOM) % 20000 ))
cport=$base w1port=$((base + 1)) w2port=$((base + 2))
db=postgres

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

node_start() {      # node_start PORT
    as_postgres "$bindir/initdb" -D "$dir/$1" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 >"$dir/initdb-$1.log" 2>&1 || { cat "$dir/initdb-$1.log" >&2; return 1; }
    as_postgres "$bindir/pg_ctl" -D "$dir/$1" -w -t 120 -l "$dir/$1.log" -o "-p $1 \
        -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir' -c fsync=off \
        -c shared_preload_libraries=citus,pgmigrate -c max_prepared_transactions=20 \
        -c wal_level=logical -c max_locks_per_transaction=256" start >/dev/null \
        || { cat "$dir/$1.log" >&2; return 1; }
}

cleanup() {
    local port
    for port in "$cport" "$w1port" "$w2port"; do
        [ -d "$dir/$port" ] || continue
        as_postgres "$bindir/pg_ctl" -D "$dir/$port" -m fast -w stop >/dev/null 2>&1 ||
            as_postgres "$bindir/pg_ctl" -D "$dir/$port" -m immediate -w stop >/dev/null 2>&1 || true
    done
    if [ "$failures" -gt 0 ] || [ -n "${PGM_KEEP_CITUS:-}" ]; then
        for port in "$cport" "$w1port" "$w2port"; do
            [ -f "$dir/$port.log" ] && { echo "--- log of the server on port $port"; tail -n 40 "$dir/$port.log"; }
        done >&2
    fi
    rm -rf "$dir"
}
failures=0
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=test/shell/helpers.bash
. "$(dirname "${BASH_SOURCE[0]}")/helpers.bash"

# on NODE SQL: run SQL on the node (c, w1 or w2); its output, errors included,
# in $out and its exit status in $rc.
on() {
    local port
    case $1 in c) port=$cport ;; w1) port=$w1port ;; w2) port=$w2port ;; esac
    set +e
    out=$(psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d "$db" \
          -c "SET client_min_messages = warning" -c "$2" 2>&1)
    rc=$?
    set -e
}
ok() { on "$1" "$2"; [ "$rc" -eq 0 ] || { echo "$out" >&2; return 1; }; }
refused() {         # refused NODE SQL TEXT: the SQL fails, saying TEXT
    on "$1" "$2"
    [ "$rc" -ne 0 ] && grep -qF -- "$3" <<<"$out" || { echo "$out" >&2; return 1; }
}
is() {              # is NODE SQL WANTED
    on "$1" "$2"
    [ "$rc" -eq 0 ] && [ "$out" = "$3" ] || { echo "wanted [$3], got [$out]" >&2; return 1; }
}
no_prepared() {
    local node
    for node in c w1 w2; do
        [ "$node" = w2 ] && [ -z "${w2_joined:-}" ] && continue
        is "$node" "SELECT count(*) FROM pg_prepared_xacts" 0 || return 1
    done
}

for port in "$cport" "$w1port" "$w2port"; do node_start "$port"; done
for node in c w1 w2; do ok "$node" "CREATE EXTENSION citus"; done
ok c "SELECT citus_set_coordinator_host('127.0.0.1', $cport)"
ok c "SELECT citus_add_node('127.0.0.1', $w1port)"

# ---- installing: on the coordinator, as README.md says -----------------
check "CREATE EXTENSION pgmigrate on the coordinator" ok c "CREATE EXTENSION pgmigrate"
check "Citus created it on the worker too" is w1 "SELECT extversion IS NOT NULL FROM pg_extension WHERE extname = 'pgmigrate'" t

# ---- revisions that distribute tables and change them ------------------
ok c "SELECT migrate.add('0001', \$\$
CREATE TABLE region (id bigint PRIMARY KEY, name text NOT NULL);
SELECT create_reference_table('region');
CREATE TABLE event (tenant bigint, id bigint, region_id bigint, payload text, PRIMARY KEY (tenant, id));
SELECT create_distributed_table('event', 'tenant');
\$\$, 'DROP TABLE event; DROP TABLE region;')"
ok c "SELECT migrate.add('0002', \$\$
ALTER TABLE event ADD COLUMN note text;
CREATE INDEX event_region ON event (region_id);
ALTER TABLE event ADD CONSTRAINT event_region_fk FOREIGN KEY (region_id) REFERENCES region (id);
\$\$, \$\$
ALTER TABLE event DROP CONSTRAINT event_region_fk;
DROP INDEX event_region;
ALTER TABLE event DROP COLUMN note;
\$\$, parents => '{0001}')"
check "test_roundtrip of two revisions with distributed DDL and a key to a reference table" \
    is c "SELECT string_agg(revision || ':' || ok, ',' ORDER BY revision) FROM migrate.test_roundtrip('head')" "0001:true,0002:true"
check "apply('head') of both in one transaction" \
    is c "SELECT count(*) FROM migrate.apply('head')" 2
check "the table is distributed, with the key on the worker's shards" \
    is w1 "SELECT count(*) > 0 FROM pg_constraint WHERE conname LIKE 'event_region_fk_%'" t
check "no prepared transaction left" no_prepared

ok c "INSERT INTO region SELECT g, 'r' || g FROM generate_series(1, 4) g"
ok c "INSERT INTO event SELECT g % 16, g, g % 4 + 1, 'p' || g, 'n' FROM generate_series(1, 2000) g"

# ---- a revision failing on a worker's shard leaves nothing anywhere -----
ok c "SELECT migrate.add('0003', \$\$
ALTER TABLE event ADD COLUMN kind text;
ALTER TABLE event ADD CONSTRAINT event_payload CHECK (payload <> 'p1999');
\$\$, 'ALTER TABLE event DROP CONSTRAINT event_payload; ALTER TABLE event DROP COLUMN kind;', parents => '{0002}')"
check "a revision failing on a shard fails" refused c "SELECT migrate.apply('head')" "event_payload"
check "... and is not applied" is c "SELECT applied FROM migrate.status() WHERE revision = '0003'" f
check "... its column is on no node" is w1 "SELECT count(*) FROM pg_attribute WHERE attname = 'kind' AND NOT attisdropped" 0
check "... nor on the coordinator" is c "SELECT count(*) FROM pg_attribute WHERE attname = 'kind' AND NOT attisdropped" 0
check "... and no prepared transaction is left" no_prepared
# (fixed, as a user would: registered again)
ok c "SELECT migrate.add('0003', 'CREATE TABLE plain_local (id bigint PRIMARY KEY);', 'DROP TABLE plain_local;', parents => '{0002}')"

# ---- the guard, on the coordinator and on the workers -------------------
check "ad-hoc DDL on a distributed table is refused on the coordinator" \
    refused c "ALTER TABLE event ADD COLUMN x int" "cannot execute ALTER TABLE outside a migration"
shard=$(PGOPTIONS="-c citus.show_shards_for_app_name_prefixes=*" psql -X -At -h 127.0.0.1 \
        -p "$w1port" -U postgres -d "$db" \
        -c "SELECT relname FROM pg_class WHERE relname ~ '^event_[0-9]+\$' LIMIT 1")
check "ad-hoc DDL on a shard is refused on a worker, pointing at the coordinator" \
    refused w1 "ALTER TABLE $shard ADD COLUMN x int" "whose schema changes come from the coordinator"
check "DDL sent through run_command_on_workers() is refused there" \
    is c "SELECT bool_and(NOT success AND result LIKE '%outside a migration%') FROM run_command_on_workers('CREATE TABLE sneaky (a int)')" t
ok c "SELECT count(*) FROM migrate.apply('head')"
check "create_distributed_table() outside a revision is refused" \
    refused c "SELECT create_distributed_table('plain_local', 'id')" "cannot execute create_distributed_table() outside a migration"
check "create_reference_table() outside a revision is refused" \
    refused c "SELECT create_reference_table('plain_local')" "cannot execute create_reference_table() outside a migration"
check "undistribute_table() outside a revision is refused" \
    refused c "SELECT undistribute_table('region', cascade_via_foreign_keys => true)" "cannot execute undistribute_table() outside a migration"
check "pgmigrate's functions refuse on a worker" \
    refused w1 "SELECT migrate.apply('head')" "cannot run on a worker of a Citus cluster"

# ---- a worker joins, shards move and are cleaned up --------------------
check "a worker joins once tables are distributed" ok c "SELECT citus_add_node('127.0.0.1', $w2port)"
w2_joined=1
check "the joining worker got the extension" \
    is w2 "SELECT count(*) FROM pg_extension WHERE extname = 'pgmigrate'" 1
check "shards move to it (the rebalancer)" \
    ok c "SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')"
check "the moved shards' old copies are cleaned up" ok c "CALL citus_cleanup_orphaned_resources()"
ok c "SELECT citus_set_node_property('127.0.0.1', $cport, 'shouldhaveshards', true)"
check "shards move onto a coordinator that holds shards" \
    ok c "SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')"
check "... it holds some" \
    is c "SELECT count(*) > 0 FROM citus_shards WHERE nodeport = $cport AND table_name = 'event'::regclass" t
check "... and is drained again" ok c "SELECT citus_drain_node('127.0.0.1', $cport, shard_transfer_mode => 'block_writes')"
ok c "CALL citus_cleanup_orphaned_resources()"
check "the new worker holds shards" \
    is c "SELECT count(*) > 0 FROM citus_shards WHERE nodeport = $w2port AND table_name = 'event'::regclass" t
check "every row is still there" is c "SELECT count(*) FROM event" 2000
check "the guard holds on the joined worker" \
    refused w2 "CREATE TABLE w2_local (a int)" "cannot execute CREATE TABLE outside a migration"

# ---- the data-loss check on a distributed table ------------------------
check "a rollback dropping a distributed table's column of values is refused" \
    refused c "SELECT migrate.rollback('0001')" "drops column note of table public.event, which holds non-NULL values"
check "... and runs when the caller allows the loss" \
    is c "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate.rollback('0001', allow_data_loss => true)" "0003,0002"
ok c "SELECT count(*) FROM migrate.apply('head')"
ok c "UPDATE event SET note = NULL"
check "without values in the column, the rollback runs" \
    is c "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate.rollback('0001')" "0003,0002"
check "dropping a distributed table that holds rows is refused" \
    refused c "SELECT migrate.rollback('base')" "drops table public.event, which holds rows"
ok c "TRUNCATE event, region"
check "... and runs once it is empty" is c "SELECT count(*) FROM migrate.rollback('base')" 1
check "no prepared transaction left" no_prepared
ok c "SELECT count(*) FROM migrate.apply('head')"

# ---- drift never sees shards -------------------------------------------
check "the coordinator holds a shard of the reference table, seen when shards are made visible" \
    is c "SET citus.show_shards_for_app_name_prefixes = '*'; SELECT count(*) FROM pg_class WHERE relname ~ '^region_[0-9]+\$'" 1
check "drift() is empty with Citus's shards made visible in the session" \
    is c "SET citus.show_shards_for_app_name_prefixes = '*'; SELECT count(*) FROM migrate.drift()" 0

# ---- distribution is part of the schema ---------------------------------
check "schema() records a distributed table: column, shards, colocation group" \
    is c "SELECT concat_ws(',', o ->> 'distribution', o ->> 'distribution_column', o ->> 'shard_count', o ->> 'colocated_with')
          FROM (SELECT migrate.schema() -> 'objects' -> 'table public.event' AS o) x" "distributed,tenant,32,table public.event"
check "... and a reference table" \
    is c "SELECT migrate.schema() -> 'objects' -> 'table public.region' ->> 'distribution'" reference
ok c "SELECT migrate.add('0004', \$\$
CREATE TABLE unit (id bigint PRIMARY KEY, name text);
SELECT create_reference_table('unit');
CREATE TABLE metric (tenant bigint, id bigint, unit_id bigint REFERENCES unit, PRIMARY KEY (tenant, id));
SELECT create_distributed_table('metric', 'tenant', colocate_with => 'event');
CREATE TABLE audit (tenant bigint, at timestamptz, PRIMARY KEY (tenant, at));
SELECT create_distributed_table('audit', 'tenant', colocate_with => 'event');
CREATE TABLE measure (tenant bigint, at date, v int) PARTITION BY RANGE (at);
CREATE TABLE a_measure_2024 PARTITION OF measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
SELECT create_distributed_table('measure', 'tenant', colocate_with => 'event');
CREATE TABLE solo (k text PRIMARY KEY);
SELECT create_distributed_table('solo', 'k', colocate_with => 'none', shard_count => 4);
\$\$, 'DROP TABLE solo; DROP TABLE measure; DROP TABLE audit; DROP TABLE metric; DROP TABLE unit;', parents => '{0003}')"
ok c "SELECT count(*) FROM migrate.apply('head')"
check "a revision calling create_distributed_table() leaves no drift behind" \
    is c "SELECT count(*) FROM migrate.drift()" 0
check "a partition that sorts first does not name its group" \
    is c "SELECT migrate.schema() -> 'objects' -> 'table public.a_measure_2024' ->> 'colocated_with'" "table public.audit"
check "schema() itself never shows shards, even to a session that asked to see them" \
    is c "SET citus.show_shards_for_app_name_prefixes = '*'; SELECT count(*) FROM jsonb_object_keys(migrate.schema() -> 'objects') k WHERE k ~ '_[0-9]{6}\$'" 0
check "a colocated table names its group by the group's first key (a new one that sorts first)" \
    is c "SELECT migrate.schema() -> 'objects' -> 'table public.event' ->> 'colocated_with'" "table public.audit"

# what diff() writes from the schema without 0004 to the schema with it,
# registered as 0004 in its place, gives the same schema
on c "SELECT migrate.schema()"
wanted=$out
ok c "SELECT count(*) FROM migrate.rollback('0003')"
check "a rollback that drops the table a colocation group is named by leaves no drift behind" \
    is c "SELECT count(*) FROM migrate.drift()" 0
on c "SELECT string_agg(statement, E'\n' ORDER BY step) FROM migrate.diff(migrate.schema(), \$doc\$$wanted\$doc\$)"
up=$out
on c "SELECT string_agg(statement, E'\n' ORDER BY step) FROM migrate.diff(\$doc\$$wanted\$doc\$, migrate.schema())"
down=$out
check "diff() gives a new table its distribution: colocated with its group's first table" \
    grep -qF "create_distributed_table('public.metric', 'tenant', colocate_with => 'public.audit')" <<<"$up"
check "... a reference table" grep -qF "create_reference_table('public.unit')" <<<"$up"
check "... the new first table of an existing group joins it" \
    grep -qF "create_distributed_table('public.audit', 'tenant', colocate_with => 'public.event')" <<<"$up"
check "... a partitioned table, whose partitions follow it" \
    grep -qF "create_distributed_table('public.measure', 'tenant', colocate_with => 'public.audit')" <<<"$up"
check "... a new group with its shard count" \
    grep -qF "create_distributed_table('public.solo', 'k', colocate_with => 'none', shard_count => 4)" <<<"$up"
ok c "SELECT migrate.add('0004', \$up\$$up\$up\$, \$down\$$down\$down\$, parents => '{0003}', allow_destructive => true)"
check "... which applies on the cluster" ok c "SELECT count(*) FROM migrate.apply('head')"
check "... and gives the schema it was made from" \
    is c "SELECT count(*) FROM migrate.compare(migrate.schema(), \$doc\$$wanted\$doc\$)" 0
check "diff() refuses to change an existing table's distribution" \
    refused c "SELECT count(*) FROM migrate.diff(migrate.schema(), jsonb_set(migrate.schema(), '{objects,table public.solo,shard_count}', '\"8\"'))" \
    "cannot change the distribution of table public.solo"
ok c "SET pgmigrate.guard = off; SELECT alter_distributed_table('solo', shard_count => 8)"
check "drift() sees a distribution changed by hand" \
    is c "SELECT detail FROM migrate.drift() WHERE object = 'table public.solo'" "shard count: 4 -> 8"
ok c "SELECT migrate.record_snapshot()"

# ---- the client: push, test, apply, rollback ----------------------------
mig=$dir/migrations
mkdir -p "$mig"
cat >"$mig/0005_kind.sql" <<'SQL'
-- migrate:parents 0004
-- migrate:up
CREATE TABLE kind (id bigint PRIMARY KEY, label text);
SELECT create_reference_table('kind');
ALTER TABLE event ADD COLUMN kind_id bigint;
CREATE INDEX event_kind ON event (kind_id);
ALTER TABLE event ADD CONSTRAINT event_kind_fk FOREIGN KEY (kind_id) REFERENCES kind (id);
-- migrate:down
ALTER TABLE event DROP CONSTRAINT event_kind_fk;
DROP INDEX event_kind;
ALTER TABLE event DROP COLUMN kind_id;
DROP TABLE kind;
SQL
client() {
    set +e
    out=$(PGMIGRATE_DIR=$mig pgmigrate -d "host=127.0.0.1 port=$cport user=postgres dbname=$db" "$@" 2>&1)
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || { echo "$out" >&2; return 1; }
}
check "pgmigrate check against the cluster itself: the client reads distribution as the extension does" \
    client check --to-db "host=127.0.0.1 port=$cport user=postgres dbname=$db"
check "pgmigrate push" client push
check "pgmigrate test: the revision's round trip on the cluster" client test
check "pgmigrate apply" client apply
check "... the key is on the worker's shards" \
    is w2 "SELECT count(*) > 0 FROM pg_constraint WHERE conname LIKE 'event_kind_fk_%'" t
check "pgmigrate rollback" client rollback
check "... and it is gone from the workers" \
    is w1 "SELECT count(*) FROM pg_constraint WHERE conname LIKE 'event_kind_fk_%'" 0
check "no prepared transaction left" no_prepared

# ---- online revisions on Citus tables ----------------------------------
check "an online revision of a distributed table is refused at registration, with the reason" \
    refused c "SELECT migrate.add('0006', 'ALTER TABLE event ALTER COLUMN payload TYPE varchar(200);', parents => '{0004}', online => true)" \
    "cannot change table public.event: it is a distributed table of Citus"
ok c "SELECT migrate.add('0006', 'ALTER TABLE event ALTER COLUMN payload TYPE varchar(200);', parents => '{0005_kind}', online => true)"
check "... and at start, where it was registered before its parent was applied" \
    refused c "SELECT count(*) FROM migrate.apply('0005_kind'); SELECT migrate.start('0006')" "it is a distributed table of Citus"

# ---- dropping the extension --------------------------------------------
check "DROP EXTENSION pgmigrate is refused by the guard, as on one server" \
    refused c "DROP EXTENSION pgmigrate" "cannot execute DROP EXTENSION outside a migration"
check "DROP EXTENSION pgmigrate on the coordinator, the guard off as README.md says" \
    ok c "SET pgmigrate.guard = off; DROP EXTENSION pgmigrate"
check "... drops it on every worker" \
    is w2 "SELECT count(*) FROM pg_extension WHERE extname = 'pgmigrate'" 0

echo
if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed"
