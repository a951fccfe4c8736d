\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.5'" to load this file. \quit

-- pgmigrate 0.4 -> 0.5.
--
-- 0.5 runs schema changes without downtime: a revision registered with
-- online => true is run in phases (migrate.start(), CALL
-- migrate.backfill(), migrate.complete(), or migrate.abort()), while the
-- application's old and new versions are served at once, each through a
-- schema of views of its own.  migrate.online holds the revision in
-- progress; migrate.online_progress shows its backfill.  The tables, their
-- rows and every privilege granted on them stay as they are; migrate.add()
-- gains the argument online, and keeps the EXECUTE grants it had.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;

ALTER TABLE migrate.revisions ADD COLUMN online boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN migrate.revisions.online IS
    'registered with online => true: runs in phases, start, backfill and complete';

-- The online revision in progress: started, neither completed nor aborted.
CREATE TABLE migrate.online (
    revision            text PRIMARY KEY,       -- an online revision of migrate.revisions
    phase               text NOT NULL CHECK (phase IN ('expanded', 'backfilled')),
    relation            text NOT NULL,      -- the table it changes, schema-qualified
    key_column          text,               -- what the backfill walks; NULL: no backfill
    old_schema          text NOT NULL,      -- the old version's schema of views
    new_schema          text NOT NULL,      -- the new version's
    rows_total          bigint,             -- the table's rows when it started (an estimate)
    rows_done           bigint NOT NULL DEFAULT 0,
    last_key            text,               -- the last key the backfill reached
    started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_by          name NOT NULL,
    backfill_started_at timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT clock_timestamp()
);

COMMENT ON TABLE migrate.online IS
    'the online revision in progress, its phase and its backfill; written only by the functions of schema migrate';

CREATE TRIGGER refuse_direct_write
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.online
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.refuse_direct_write();
ALTER TABLE migrate.online ENABLE ALWAYS TRIGGER refuse_direct_write;
SELECT pg_catalog.pg_extension_config_dump('migrate.online', '');

CREATE VIEW migrate.online_progress AS
    SELECT o.revision, o.phase, o.relation, o.rows_done,
           CASE WHEN o.phase = 'backfilled' THEN 0
                ELSE greatest(coalesce(o.rows_total, 0) - o.rows_done, 0) END AS rows_left,
           CASE WHEN o.updated_at > o.backfill_started_at
                THEN round((o.rows_done / extract(epoch FROM o.updated_at - o.backfill_started_at))::numeric, 1)
           END AS rows_per_second,
           o.old_schema, o.new_schema, o.started_at, o.updated_at
    FROM migrate.online o;

COMMENT ON VIEW migrate.online_progress IS
    'the online revision in progress: its phase, rows backfilled, rows left (estimated) and rate';

GRANT SELECT ON migrate.online, migrate.online_progress TO PUBLIC;

-- migrate.add() gains `online`; the grants of the old signature move over.
DO $add$
DECLARE
    grants text[];
    g text;
BEGIN
    SELECT coalesce(array_agg(format('%s%s', a.grantee::regrole,
                                     CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)), '{}')
      INTO grants
      FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) a
     WHERE p.oid = 'migrate.add(text, text, text, text[], text, boolean, boolean)'::regprocedure
       AND a.grantee <> 0 AND a.grantee <> p.proowner AND a.privilege_type = 'EXECUTE';
    DROP FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean);
    CREATE FUNCTION migrate.add(
        id text,
        up text,
        down text DEFAULT NULL,
        parents text[] DEFAULT NULL,
        description text DEFAULT NULL,
        allow_destructive boolean DEFAULT false,
        transactional boolean DEFAULT true,
        online boolean DEFAULT false)
    RETURNS text
        AS 'MODULE_PATHNAME', 'pgmigrate_add'
        LANGUAGE C VOLATILE;
    REVOKE ALL ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean) FROM PUBLIC;
    FOREACH g IN ARRAY grants LOOP
        EXECUTE 'GRANT EXECUTE ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean) TO ' || g;
    END LOOP;
END
$add$;
COMMENT ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean) IS
    'register a revision (or re-register it unchanged); returns added, updated or unchanged';

-- status() says where each online revision is: pending, expanded,
-- backfilled or applied (NULL for a plain revision).
DROP FUNCTION migrate.status();
CREATE FUNCTION migrate.status()
RETURNS TABLE (revision text, parents text[], applied boolean,
               applied_at timestamptz, is_head boolean, description text,
               destructive boolean, irreversible boolean, transactional boolean,
               down_derived boolean, online text)
    AS 'MODULE_PATHNAME', 'pgmigrate_status'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.status() IS
    'every revision, parents first, with whether and when it was applied, and where an online one is';

-- The phases of an online revision.
CREATE FUNCTION migrate.start(id text)
RETURNS void
    AS 'MODULE_PATHNAME', 'pgmigrate_start'
    LANGUAGE C VOLATILE;

CREATE PROCEDURE migrate.backfill(id text)
    AS 'MODULE_PATHNAME', 'pgmigrate_backfill'
    LANGUAGE C;

CREATE FUNCTION migrate.complete(id text, force boolean DEFAULT false)
RETURNS void
    AS 'MODULE_PATHNAME', 'pgmigrate_complete'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.abort(id text)
RETURNS void
    AS 'MODULE_PATHNAME', 'pgmigrate_abort'
    LANGUAGE C VOLATILE;

-- What no function can run: the indexes an online revision builds
-- concurrently, for the client (or psql's \gexec) to run at top level.
CREATE FUNCTION migrate.online_statements(id text)
RETURNS TABLE (statement text)
    AS 'MODULE_PATHNAME', 'pgmigrate_online_statements'
    LANGUAGE C VOLATILE;
COMMENT ON FUNCTION migrate.online_statements(text) IS
    'for the client: the CREATE INDEX CONCURRENTLY statements of a started online revision, to run at top level';
REVOKE ALL ON FUNCTION migrate.online_statements(text) FROM PUBLIC;

-- An application's session says which version it serves: complete()
-- refuses while a session serves the old one, idle or not.  A shared
-- advisory lock of the session, key (7366509, hashtext(schema)), which
-- pg_locks shows and the session's end releases.
CREATE FUNCTION migrate.use_version(schema text)
RETURNS void
    LANGUAGE sql VOLATILE STRICT
    SET search_path = pg_catalog, pg_temp
AS $use$
    SELECT pg_catalog.pg_advisory_lock_shared(7366509, pg_catalog.hashtext(schema))
    WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_locks l
                      WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'advisory'
                        AND l.classid = 7366509 AND l.objid = pg_catalog.hashtext(schema)::oid
                        AND l.objsubid = 2)
$use$;

COMMENT ON FUNCTION migrate.use_version(text) IS
    'say that this session serves the application version whose schema is `schema`: migrate.complete() waits for it';

COMMENT ON FUNCTION migrate.start(text) IS
    'expand phase of an online revision: the new shape beside the old, kept in step, and a schema of views for each version';
COMMENT ON PROCEDURE migrate.backfill(text) IS
    'fill the new shape of an online revision''s rows, in batches, committing each: resumable';
COMMENT ON FUNCTION migrate.complete(text, boolean) IS
    'contract phase of an online revision: the old shape and both version schemas go, the revision is applied';
COMMENT ON FUNCTION migrate.abort(text) IS
    'throw away the new shape of an online revision; the old shape and its data stay as they were';

REVOKE ALL ON FUNCTION migrate.start(text) FROM PUBLIC;
REVOKE ALL ON PROCEDURE migrate.backfill(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.complete(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.abort(text) FROM PUBLIC;
