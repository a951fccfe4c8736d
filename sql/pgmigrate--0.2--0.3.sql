\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.3'" to load this file. \quit

-- pgmigrate 0.2 -> 0.3.
--
-- 0.3 lets the client deploy in a constant number of round trips (and lint
-- migration files as migrate.add() would judge them): it runs
-- the plan in stretches, one call for every run of revisions that can share
-- a transaction, with the two functions below, and only the revisions that
-- must run outside a transaction cost it a round trip per statement.  The
-- tables, their rows and every privilege granted on them stay as they are.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;

CREATE FUNCTION migrate.apply_steps(target text, steps integer)
RETURNS TABLE (step integer, revision text, duration_ms double precision)
    AS 'MODULE_PATHNAME', 'pgmigrate_apply_steps'
    LANGUAGE C VOLATILE;

CREATE FUNCTION migrate.rollback_steps(target text, steps integer, allow_data_loss boolean DEFAULT false)
RETURNS TABLE (step integer, revision text, duration_ms double precision)
    AS 'MODULE_PATHNAME', 'pgmigrate_rollback_steps'
    LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrate.apply_steps(text, integer) IS
    'the first steps of migrate.apply(target), in the caller''s transaction (what the client runs in one call)';
COMMENT ON FUNCTION migrate.rollback_steps(text, integer, boolean) IS
    'the first steps of migrate.rollback(target), in the caller''s transaction (what the client runs in one call)';

REVOKE ALL ON FUNCTION migrate.apply_steps(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.rollback_steps(text, integer, boolean) FROM PUBLIC;

-- lint as migrate.add() would judge a revision with these flags: what the
-- client's lint command runs on migration files before they are pushed
CREATE FUNCTION migrate.lint(sql text, allow_destructive boolean, transactional boolean)
RETURNS TABLE (rule text, severity text, statement text, message text, hint text,
               statement_number integer, line integer)
    AS 'MODULE_PATHNAME', 'pgmigrate_lint'
    LANGUAGE C STABLE;

COMMENT ON FUNCTION migrate.lint(text, boolean, boolean) IS
    'the findings of the lint rules as migrate.add() would judge a revision registered with these flags';

-- repair: the down SQL of an applied revision, which migrate.add() may not
-- change, replaced in place, logged with the old and new checksums
CREATE FUNCTION migrate.repair(id text, down text)
RETURNS void
    AS 'MODULE_PATHNAME', 'pgmigrate_repair'
    LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrate.repair(text, text) IS
    'replace the down SQL of an applied revision (checked, logged with old and new checksums)';

REVOKE ALL ON FUNCTION migrate.repair(text, text) FROM PUBLIC;
