\echo Use "CREATE EXTENSION pgmigrate" to load this file. \quit

-- pgmigrate 0.1: the catalog, the engine and the read-only views of it.
--
-- Everything that does work is C (see src/).  This script only declares the
-- catalog tables, the function signatures and the privileges.

-- The revisions: one row per registered revision.
CREATE TABLE migrate.revisions (
    id              text PRIMARY KEY,   -- checked by migrate.add()
    parents         text[] NOT NULL DEFAULT '{}',
    description     text,
    up              text NOT NULL,
    down            text,
    up_sha256       text NOT NULL,
    down_sha256     text,
    destructive     boolean NOT NULL DEFAULT false,
    transactional   boolean NOT NULL DEFAULT true,
    down_derived    boolean NOT NULL DEFAULT false,
    registered_by   name NOT NULL,
    registered_at   timestamptz NOT NULL,
    applied_at      timestamptz,
    applied_by      name,
    apply_order     bigint UNIQUE,
    CHECK ((applied_at IS NULL) = (apply_order IS NULL)),
    CHECK ((down IS NULL) = (down_sha256 IS NULL))
);

COMMENT ON TABLE migrate.revisions IS
    'registered revisions; written only by the functions of schema migrate';
COMMENT ON COLUMN migrate.revisions.apply_order IS
    'position in the order revisions were applied or stamped; NULL while not applied';

-- The log: one row per revision applied, rolled back or stamped.
CREATE TABLE migrate.log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    logged_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    xact_id         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    role            name NOT NULL,
    session_role    name NOT NULL,
    database        name NOT NULL DEFAULT current_database(),
    action          text NOT NULL,
    revision        text,
    duration_ms     double precision,
    command         text,
    outcome         text NOT NULL,
    detail          text
);

COMMENT ON TABLE migrate.log IS
    'append-only record of every apply, rollback, stamp and DDL the guard let through';

-- The schema as each apply, rollback and stamp left it (see migrate.drift()).
CREATE TABLE migrate.snapshots (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    action          text NOT NULL,
    taken_by        name NOT NULL,
    snapshot        text NOT NULL
);

COMMENT ON TABLE migrate.snapshots IS
    'canonical snapshots of the user schemas, one per apply, rollback and stamp';

-- pg_dump keeps the history: the tables and their id sequences.
SELECT pg_catalog.pg_extension_config_dump('migrate.revisions', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.snapshots', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.snapshots_id_seq', '');

-- Nobody writes the catalog directly, superusers included.  The trigger
-- lets through only the statements the extension's own functions run; it
-- fires in replica mode too (ENABLE ALWAYS).
CREATE FUNCTION migrate.refuse_direct_write() RETURNS trigger
    AS 'MODULE_PATHNAME', 'pgmigrate_refuse_direct_write'
    LANGUAGE C;

CREATE TRIGGER refuse_direct_write
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.revisions
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.refuse_direct_write();
ALTER TABLE migrate.revisions ENABLE ALWAYS TRIGGER refuse_direct_write;

CREATE TRIGGER refuse_direct_write
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.log
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.refuse_direct_write();
ALTER TABLE migrate.log ENABLE ALWAYS TRIGGER refuse_direct_write;

CREATE TRIGGER refuse_direct_write
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.refuse_direct_write();
ALTER TABLE migrate.snapshots ENABLE ALWAYS TRIGGER refuse_direct_write;

-- Registering
CREATE FUNCTION migrate.add(
    id text,
    up text,
    down text DEFAULT NULL,
    parents text[] DEFAULT NULL,
    description text DEFAULT NULL,
    allow_destructive boolean DEFAULT false,
    transactional boolean DEFAULT true)
RETURNS text
    AS 'MODULE_PATHNAME', 'pgmigrate_add'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.lint(sql text)
RETURNS TABLE (rule text, severity text, statement text, message text, hint text,
               statement_number integer, line integer)
    AS 'MODULE_PATHNAME', 'pgmigrate_lint'
    LANGUAGE C STABLE;

-- Running
CREATE FUNCTION migrate.apply(target text DEFAULT 'head')
RETURNS TABLE (step integer, revision text, duration_ms double precision)
    AS 'MODULE_PATHNAME', 'pgmigrate_apply'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.rollback(target text DEFAULT '-1', allow_data_loss boolean DEFAULT false)
RETURNS TABLE (step integer, revision text, duration_ms double precision)
    AS 'MODULE_PATHNAME', 'pgmigrate_rollback'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.stamp(target text)
RETURNS TABLE (step integer, revision text)
    AS 'MODULE_PATHNAME', 'pgmigrate_stamp'
    LANGUAGE C VOLATILE;

-- Revisions that run outside a transaction block, through the client
CREATE FUNCTION migrate.begin_outside_transaction(id text, direction text DEFAULT 'up')
RETURNS TABLE (statement text)
    AS 'MODULE_PATHNAME', 'pgmigrate_begin_outside_transaction'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.finish_outside_transaction(id text, direction text DEFAULT 'up')
RETURNS void
    AS 'MODULE_PATHNAME', 'pgmigrate_finish_outside_transaction'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.abandon_outside_transaction()
RETURNS void
    AS 'MODULE_PATHNAME', 'pgmigrate_abandon_outside_transaction'
    LANGUAGE C VOLATILE;

-- Looking
CREATE FUNCTION migrate.status()
RETURNS TABLE (revision text, parents text[], applied boolean,
               applied_at timestamptz, is_head boolean, description text,
               destructive boolean, irreversible boolean, transactional boolean,
               down_derived boolean)
    AS 'MODULE_PATHNAME', 'pgmigrate_status'
    LANGUAGE C STABLE;

CREATE FUNCTION migrate.current() RETURNS text[]
    AS 'MODULE_PATHNAME', 'pgmigrate_current'
    LANGUAGE C STABLE;

CREATE FUNCTION migrate.heads() RETURNS text[]
    AS 'MODULE_PATHNAME', 'pgmigrate_heads'
    LANGUAGE C STABLE;

CREATE FUNCTION migrate.plan(target text DEFAULT 'head', direction text DEFAULT 'up',
                             allow_data_loss boolean DEFAULT false)
RETURNS TABLE (step integer, revision text, direction text, sql text)
    AS 'MODULE_PATHNAME', 'pgmigrate_plan'
    LANGUAGE C STABLE;

-- Verifying
CREATE FUNCTION migrate.drift()
RETURNS TABLE (object text, change text, detail text)
    AS 'MODULE_PATHNAME', 'pgmigrate_drift'
    LANGUAGE C STABLE;

CREATE FUNCTION migrate.verify()
RETURNS TABLE (problem text, object text, detail text)
    AS 'MODULE_PATHNAME', 'pgmigrate_verify'
    LANGUAGE C STABLE;

CREATE FUNCTION migrate.test_roundtrip(target text DEFAULT 'head')
RETURNS TABLE (revision text, ok boolean, detail text)
    AS 'MODULE_PATHNAME', 'pgmigrate_test_roundtrip'
    LANGUAGE C VOLATILE;

-- Privileges.  Reading is open to everybody; changing is for the roles the
-- DBA grants EXECUTE on the mutating functions (see README.md).
GRANT USAGE ON SCHEMA migrate TO PUBLIC;
GRANT SELECT ON migrate.revisions, migrate.log, migrate.snapshots TO PUBLIC;
REVOKE ALL ON FUNCTION migrate.refuse_direct_write() FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.apply(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.rollback(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.stamp(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.test_roundtrip(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.begin_outside_transaction(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.finish_outside_transaction(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.abandon_outside_transaction() FROM PUBLIC;

-- The guard: created last, so that it does not see this script's own DDL.
CREATE FUNCTION migrate.guard_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'pgmigrate_guard_ddl'
    LANGUAGE C;
REVOKE ALL ON FUNCTION migrate.guard_ddl() FROM PUBLIC;

CREATE EVENT TRIGGER pgmigrate_guard ON ddl_command_start
    EXECUTE FUNCTION migrate.guard_ddl();
ALTER EVENT TRIGGER pgmigrate_guard ENABLE ALWAYS;
