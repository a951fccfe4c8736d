#!/usr/bin/env bash
# Benchmark: the schema as a document and the diff engine on a big schema.
#
#   sudo bench/diff.sh                (PGM_BENCH_TABLES=10000 PGM_BENCH_RUNS=3)
#
# A database of TABLES tables, each with a bigint primary key, a text
# column with a default, a timestamptz column, a CHECK constraint and an
# index (8 objects a table in the document, 80,000 for 10,000 tables),
# plus a view on every hundredth table.  Timed, in milliseconds of server
# time (\timing in psql over a local socket), the median of the runs:
#   schema            migrate.schema() of the whole database, the first call
#                     of a new session (what `pgmigrate diff` does): the
#                     server reads the catalogs of 10,000 tables for the
#                     first time (its caches: about half a second here)
#   warm session      migrate.schema() called again in the same session
#   as text           the first, written out as text (what a client
#                     receives)
#   diff, one change  migrate.diff() between the schema and the same schema
#                     with one column added, both read from a table
#   diff, everything  migrate.diff() from an empty database to all of it
#   schema + diff     migrate.diff(migrate.schema(), <the schema with one
#                     column more>) in one statement, in a new session and
#                     in a warm one: the issue's budget is 2 s
# and, as the floor, pg_dump --schema-only of the same database (the
# server's own way to write the whole schema out as SQL), wall-clock.
set -euo pipefail

TABLES=${PGM_BENCH_TABLES:-10000}
RUNS=${PGM_BENCH_RUNS:-3}

# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_begin diff "max_locks_per_transaction=1024"

createdb bench
bpsql -d bench -c "SET client_min_messages = warning" -c "CREATE EXTENSION pgmigrate" \
    -c "ALTER DATABASE bench SET pgmigrate.guard = off"
bpsql -d bench <<SQL >/dev/null
DO \$\$ BEGIN
    FOR i IN 1..$TABLES LOOP
        EXECUTE format('CREATE TABLE public.t_%s (id bigint PRIMARY KEY, name text NOT NULL DEFAULT '''', '
                       'created timestamptz, CONSTRAINT t_%s_name_ck CHECK (length(name) < 200))', i, i);
        EXECUTE format('CREATE INDEX t_%s_name ON public.t_%s (name)', i, i);
        IF i % 100 = 0 THEN
            EXECUTE format('CREATE VIEW public.v_%s AS SELECT id, name FROM public.t_%s', i, i);
        END IF;
    END LOOP;
END \$\$;
SQL
bpsql -d bench -c "CREATE TABLE docs (name text PRIMARY KEY, doc jsonb)" \
    -c "INSERT INTO docs SELECT 'empty', jsonb_build_object('version', 1, 'objects', '{}'::jsonb)" \
    -c "INSERT INTO docs SELECT 'all', migrate.schema()" \
    -c "INSERT INTO docs SELECT 'one more', jsonb_set(doc, '{objects,column public.t_1.extra}',
           (doc->'objects'->'column public.t_1.name') || '{\"name\": \"extra\", \"position\": 4}') FROM docs WHERE name = 'all'"
objects=$(bpsql -d bench -c "SELECT count(*) FROM docs, jsonb_object_keys(doc->'objects') WHERE name = 'all'")

# ms SQL: server time of one run of SQL, in milliseconds
ms() {
    psql -X -q -d bench -c '\timing on' -c "$1" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}
runs() { local i; for i in $(seq 1 "$RUNS"); do ms "$1"; done | median; }

schema=$(runs "SELECT pg_column_size(migrate.schema())")
# the same, called again in a session that has read the catalogs once
warm_runs() {
    local calls=() i
    for i in $(seq 0 "$RUNS"); do calls+=(-c "$1"); done
    psql -X -q -d bench -c '\timing on' "${calls[@]}" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n +2 | median
}
warm=$(warm_runs "SELECT pg_column_size(migrate.schema())")
text=$(runs "SELECT length(migrate.schema()::text)")
one=$(runs "SELECT count(*) FROM docs a, docs b, migrate.diff(a.doc, b.doc) WHERE a.name = 'all' AND b.name = 'one more'")
all=$(runs "SELECT count(*) FROM docs a, docs b, migrate.diff(a.doc, b.doc) WHERE a.name = 'empty' AND b.name = 'all'")
steps=$(bpsql -d bench -c "SELECT count(*) FROM docs a, docs b, migrate.diff(a.doc, b.doc) WHERE a.name = 'empty' AND b.name = 'all'")
budget="SELECT count(*) FROM migrate.diff(migrate.schema(), (SELECT doc FROM docs WHERE name = 'one more'))"
both=$(runs "$budget")
both_warm=$(warm_runs "$budget")
dump=$(for i in $(seq 1 "$RUNS"); do
           s=$EPOCHREALTIME; pg_dump --schema-only -d bench >/dev/null; e=$EPOCHREALTIME
           elapsed "$s" "$e" | awk '{ printf "%.1f\n", $1 * 1000 }'
       done | median)

awk -v t="$TABLES" -v o="$objects" -v s="$schema" -v w="$warm" -v x="$text" -v one="$one" -v all="$all" -v n="$steps" \
    -v b="$both" -v bw="$both_warm" -v d="$dump" 'BEGIN {
    printf "%d tables, %d objects in the document (median of runs, ms)\n", t, o
    printf "  migrate.schema()                  %9.1f   %.2fx pg_dump --schema-only\n", s, s / d
    printf "  migrate.schema(), warm session    %9.1f   %.2fx pg_dump --schema-only\n", w, w / d
    printf "  migrate.schema() as text          %9.1f\n", x
    printf "  migrate.diff(), one column added  %9.1f\n", one
    printf "  migrate.diff(), empty -> all      %9.1f   (%d statements)\n", all, n
    printf "  schema + diff (one change)        %9.1f   budget 2000: %s\n", b, (b <= 2000 ? "within" : "OVER")
    printf "  the same, warm session            %9.1f   budget 2000: %s\n", bw, (bw <= 2000 ? "within" : "OVER")
    printf "  pg_dump --schema-only (floor)     %9.1f\n", d
}'
