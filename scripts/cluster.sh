# Throwaway PostgreSQL clusters for the demo, the tests and the benchmarks.
#
# Source this file, then call `cluster_start NAME [postgres options...]`.
# The server runs as the `postgres` OS user (PostgreSQL refuses to run as
# root), listens only on a private unix socket directory, and is stopped
# and removed by `cluster_stop`, which the caller traps on EXIT so that a
# failing test never leaves a server behind.  Servers started by anybody
# else are never touched: we only ever stop the data directory we created.

PGM_PGBIN=${PGM_PGBIN:-$(pg_config --bindir)}

# as_postgres COMMAND...: run COMMAND as the postgres OS user, from a
# directory that user may enter (not the caller's, which may be private).
as_postgres() {
    (cd / && runuser -u postgres -- "$@")
}

# cluster_start NAME [extra postgres -c settings ...]
# Exports PGHOST, PGPORT, PGUSER and PGDATABASE for the new server.
cluster_start() {
    local name=$1; shift
    PGM_CLUSTER_DIR=$(mktemp -d "/tmp/pgmigrate-$name.XXXXXX")
    chown postgres: "$PGM_CLUSTER_DIR"
    chmod 0755 "$PGM_CLUSTER_DIR"
    local port
    port=$(( 20000 + ($$ + RANDOM) % 20000 ))
    as_postgres "$PGM_PGBIN/initdb" -D "$PGM_CLUSTER_DIR/data" \
        -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PGM_CLUSTER_DIR/initdb.log" 2>&1 \
        || { cat "$PGM_CLUSTER_DIR/initdb.log" >&2; return 1; }
    local opts="-c listen_addresses='' -c unix_socket_directories='$PGM_CLUSTER_DIR' -p $port"
    opts="$opts -c fsync=off -c max_locks_per_transaction=256"
    local extra
    for extra in "$@"; do opts="$opts -c $extra"; done
    PGM_CLUSTER_OPTS=$opts
    cluster_restart || return 1
    export PGHOST=$PGM_CLUSTER_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
}

# cluster_restart: start the cluster again with the same settings (after
# cluster_crash, or after a crash of its own).
cluster_restart() {
    as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -w -t 120 \
        -o "$PGM_CLUSTER_OPTS" -l "$PGM_CLUSTER_DIR/server.log" start >/dev/null \
        || { cat "$PGM_CLUSTER_DIR/server.log" >&2; return 1; }
}

# cluster_crash: stop the cluster the way a power cut would (immediate mode:
# no checkpoint; the next start runs crash recovery).
cluster_crash() {
    as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m immediate -w stop >/dev/null
}

# cluster_stop: stop and remove the cluster started by cluster_start, if any.
cluster_stop() {
    [ -n "${PGM_CLUSTER_DIR:-}" ] && [ -d "$PGM_CLUSTER_DIR/data" ] || return 0
    # (not running any more is fine: the caller may have stopped it already)
    as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 \
        || as_postgres "$PGM_PGBIN/pg_ctl" -D "$PGM_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 \
        || true
    if [ -n "${PGM_KEEP_CLUSTER:-}" ]; then
        echo "cluster kept in $PGM_CLUSTER_DIR" >&2
    else
        rm -rf "$PGM_CLUSTER_DIR"
    fi
    PGM_CLUSTER_DIR=
}

# cluster_log: print the server log (used when a test fails).
cluster_log() {
    [ -n "${PGM_CLUSTER_DIR:-}" ] && cat "$PGM_CLUSTER_DIR/server.log"
}
