-- the guard: unmanaged DDL is refused, warned about or recorded; temporary
-- objects, the allow list and DML are never affected
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP EXTENSION IF EXISTS pgmigrate CASCADE;
DROP EXTENSION IF EXISTS pgcrypto;
DROP SCHEMA IF EXISTS app CASCADE;
CREATE SCHEMA app;
CREATE EXTENSION pgmigrate;
-- three roles: a superuser (postgres), a deploy role, an application role;
-- both non-superusers act through a role that owns the objects, so that
-- whatever the guard lets through also passes PostgreSQL's own checks
DROP ROLE IF EXISTS regress_pgm_app;
DROP ROLE IF EXISTS regress_pgm_deploy;
DROP ROLE IF EXISTS regress_pgm_owner;
CREATE ROLE regress_pgm_owner;
CREATE ROLE regress_pgm_app IN ROLE regress_pgm_owner;
CREATE ROLE regress_pgm_deploy IN ROLE regress_pgm_owner;
GRANT EXECUTE ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean),
                          migrate.apply(text), migrate.rollback(text, boolean), migrate.stamp(text)
   TO regress_pgm_deploy;
GRANT ALL ON SCHEMA app TO regress_pgm_owner;
SELECT current_database() AS db \gset
GRANT CREATE ON DATABASE :"db" TO regress_pgm_owner;
CREATE TABLE app.existing (id int);
ALTER TABLE app.existing OWNER TO regress_pgm_owner;
CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS one;
ALTER MATERIALIZED VIEW app.mv OWNER TO regress_pgm_owner;
RESET pgmigrate.guard;
RESET client_min_messages;

-- the settings, and who may change them
SHOW pgmigrate.guard;
SHOW pgmigrate.guard_allow;
SET ROLE regress_pgm_deploy;
SET pgmigrate.guard = off;
SET pgmigrate.guard_allow = 'CREATE TABLE';
RESET ROLE;
SET pgmigrate.guard = sideways;
SET pgmigrate.other = 1;

-- the refusal
CREATE TABLE app.adhoc (id int);
\echo :LAST_ERROR_SQLSTATE
DROP EXTENSION pgmigrate;
ALTER TABLE migrate.revisions DISABLE TRIGGER refuse_direct_write;
-- ... also in replica mode (the event trigger is ENABLE ALWAYS)
SET session_replication_role = replica;
CREATE TABLE app.adhoc (id int);
RESET session_replication_role;
SELECT evtname, evtevent, evtenabled FROM pg_event_trigger WHERE evtname = 'pgmigrate_guard';

-- the matrix: {superuser, deploy, application} x {commands} x {enforce, warn, off}
-- "refused" is the guard's refusal, "ok" ran, "ok, logged" ran and was
-- recorded in migrate.log; every command is rolled back after it ran
CREATE TEMP TABLE tmp_existing (id int);
GRANT ALL ON tmp_existing TO PUBLIC;
ALTER TABLE tmp_existing OWNER TO regress_pgm_owner;
CREATE FUNCTION pg_temp.cell(role text, mode text, cmd text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    logged_before bigint;
    logged_after bigint;
    result text;
BEGIN
    EXECUTE format('SET LOCAL pgmigrate.guard = %L', mode);
    IF role <> 'postgres' THEN
        EXECUTE format('SET LOCAL ROLE %I', role);
    END IF;
    SELECT count(*) INTO logged_before FROM migrate.log WHERE action = 'ddl';
    BEGIN
        EXECUTE cmd;
        IF to_regclass('migrate.log') IS NULL THEN
            RAISE EXCEPTION 'pgm-ok:extension dropped';
        END IF;
        SELECT count(*) INTO logged_after FROM migrate.log WHERE action = 'ddl';
        RAISE EXCEPTION 'pgm-ok:%', logged_after - logged_before;
    EXCEPTION WHEN OTHERS THEN
        result := CASE
            WHEN SQLERRM LIKE 'pgm-ok:0' THEN 'ok'
            WHEN SQLERRM LIKE 'pgm-ok:1' THEN 'ok, logged'
            WHEN SQLERRM LIKE 'pgm-ok:extension dropped' THEN 'ok, dropped'
            WHEN SQLERRM LIKE 'cannot execute % outside a migration' THEN 'refused'
            ELSE 'error ' || SQLSTATE || ': ' || SQLERRM
        END;
    END;
    RESET ROLE;
    RESET pgmigrate.guard;
    RETURN result;
END
$$;
CREATE TEMP TABLE commands (n serial, cmd text);
INSERT INTO commands (cmd) VALUES
    ('CREATE TABLE app.adhoc (id int)'),
    ('ALTER TABLE app.existing ADD COLUMN extra int'),
    ('DROP TABLE app.existing'),
    ('CREATE INDEX ON app.existing (id)'),
    ('CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS ''SELECT 1'''),
    ('GRANT SELECT ON app.existing TO PUBLIC'),
    ('COMMENT ON TABLE app.existing IS ''x'''),
    ('CREATE EXTENSION pgcrypto SCHEMA app'),
    ('CREATE TEMP TABLE tmp_new (id int)'),
    ('ALTER TABLE tmp_existing ADD COLUMN extra int'),
    ('REFRESH MATERIALIZED VIEW app.mv'),
    ('DROP EXTENSION pgmigrate'),
    ('INSERT INTO app.existing VALUES (1)'),
    ('UPDATE app.existing SET id = 2'),
    ('DELETE FROM app.existing'),
    ('SELECT * FROM app.existing');
SET client_min_messages = error;
SELECT c.n, c.cmd, r.role, m.mode, pg_temp.cell(r.role, m.mode, c.cmd) AS result
  INTO TEMP matrix
  FROM commands c,
       (VALUES ('postgres'), ('regress_pgm_deploy'), ('regress_pgm_app')) AS r(role),
       (VALUES ('enforce'), ('warn'), ('off')) AS m(mode);
RESET client_min_messages;
SELECT n, cmd, role, string_agg(mode || ': ' || result, ' | ' ORDER BY mode DESC) AS enforce_warn_off
  FROM matrix GROUP BY n, cmd, role ORDER BY n, role DESC;
-- every command is refused under enforce unless temporary, allowed or DML
SELECT count(*) FILTER (WHERE result = 'refused') AS refused,
       count(*) FILTER (WHERE result LIKE 'ok%') AS ran,
       count(*) FILTER (WHERE result LIKE 'error%') AS other_errors
  FROM matrix;
-- nothing of the matrix remains
SELECT count(*) AS ddl_rows FROM migrate.log WHERE action = 'ddl';
SELECT to_regclass('app.adhoc') AS adhoc, to_regclass('app.existing') AS existing;

-- warn: the command runs with a WARNING and is recorded with its text
SET pgmigrate.guard = warn;
CREATE TABLE app.warned (id int);
SET pgmigrate.guard = off;
CREATE TABLE app.unguarded (id int); DROP TABLE app.unguarded;
RESET pgmigrate.guard;
SELECT action, revision, command, outcome, detail, role = current_user AS me,
       database = current_database() AS here, logged_at IS NOT NULL AS timed
  FROM migrate.log WHERE action = 'ddl' ORDER BY id;

-- temporary objects are decided from the parse tree and the catalogs
CREATE TEMP TABLE tmp_a (id int);
CREATE TABLE pg_temp.tmp_b (id int);
CREATE TEMP VIEW tmp_v AS SELECT 1 AS one;
CREATE TEMP SEQUENCE tmp_s;
ALTER SEQUENCE tmp_s RESTART 5;
CREATE INDEX ON tmp_a (id);
ALTER TABLE tmp_a ADD COLUMN name text;
ALTER TABLE tmp_a RENAME COLUMN name TO label;
CREATE TEMP TABLE tmp_c AS SELECT 1 AS one;
SELECT 1 AS one INTO TEMP tmp_d;
CREATE FUNCTION pg_temp.tmp_f() RETURNS int LANGUAGE sql AS 'SELECT 1';
DROP TABLE tmp_a, tmp_b, tmp_c, tmp_d;
DROP VIEW tmp_v;
DROP SEQUENCE tmp_s;
DROP TABLE IF EXISTS tmp_never_created;
-- a temporary and a permanent table in one DROP: refused
CREATE TEMP TABLE tmp_e (id int);
DROP TABLE tmp_e, app.existing;
-- a permanent table whose name a temporary one shadows is still permanent
SET pgmigrate.guard = off;
CREATE TABLE app.shadow (id int);
RESET pgmigrate.guard;
SET search_path = app;
ALTER TABLE app.shadow ADD COLUMN x int;
CREATE TEMP TABLE shadow (id int);
ALTER TABLE shadow ADD COLUMN x int;
RESET search_path;
-- GRANT on temporary tables is let through, on permanent ones refused
GRANT SELECT ON tmp_e TO PUBLIC;
GRANT SELECT ON tmp_e, app.existing TO PUBLIC;
-- a view is judged by what it says: without TEMP it is refused, even where
-- PostgreSQL would make it temporary because it reads a temporary table
CREATE VIEW app.v AS SELECT 1 AS one;
CREATE VIEW tmp_over_temp AS SELECT * FROM tmp_e;

-- the allow list: command tags, separated by commas, any case
SET pgmigrate.guard_allow = 'create table, comment';
CREATE TABLE app.allowed (id int);
COMMENT ON TABLE app.allowed IS 'allowed';
CREATE INDEX ON app.allowed (id);
RESET pgmigrate.guard_allow;
REFRESH MATERIALIZED VIEW app.mv;
SET pgmigrate.guard_allow = '';
REFRESH MATERIALIZED VIEW app.mv;
RESET pgmigrate.guard_allow;
-- the list is parsed when it is set: blanks around and inside tags do not
-- matter, names that are not command tags, or name commands that fire no
-- event trigger, are refused with the setting unchanged
SET pgmigrate.guard_allow = '  Comment  ,refresh   materialized	view ';
SHOW pgmigrate.guard_allow;
COMMENT ON TABLE app.allowed IS 'allowed again';
REFRESH MATERIALIZED VIEW app.mv;
CREATE INDEX ON app.allowed (id);
SET pgmigrate.guard_allow = 'CREATE TABLE, CRATE INDEX';
SET pgmigrate.guard_allow = 'SELECT';
SET pgmigrate.guard_allow = 'CREATE ROLE';
SET pgmigrate.guard_allow = 'CREATE EVENT TRIGGER';
SET pgmigrate.guard_allow = 'CREATE TABLE,,COMMENT';
SET pgmigrate.guard_allow = 'CREATE TABLE,';
SET pgmigrate.guard_allow = ',';
SHOW pgmigrate.guard_allow;
CREATE TABLE app.still_refused (id int);
RESET pgmigrate.guard_allow;

-- DDL through apply and rollback is managed, whoever runs it
SET ROLE regress_pgm_deploy;
SELECT migrate.add('01', 'CREATE TABLE app.managed (id int);', 'DROP TABLE app.managed;');
SELECT step, revision FROM migrate.apply();
SELECT step, revision FROM migrate.rollback();
RESET ROLE;
-- the managed state ends with the call, also when it fails
SELECT migrate.add('02', 'CREATE TABLE app.m2 (id int); SELECT 1/0;', 'DROP TABLE app.m2;', parents => '{01}');
BEGIN;
SAVEPOINT before_apply;
SELECT step, revision FROM migrate.apply();
ROLLBACK TO SAVEPOINT before_apply;
CREATE TABLE app.after_failure (id int);
ROLLBACK;
CREATE TABLE app.after_failure (id int);

-- a revision cannot switch the guard off for the DDL that follows it
SELECT migrate.add('02', 'SET pgmigrate.guard = off;', 'SELECT 1;', parents => '{01}');
SET ROLE regress_pgm_deploy;
SELECT step, revision FROM migrate.apply('01');
SELECT step, revision FROM migrate.apply('02');
CREATE TABLE app.after_revision (id int);
RESET ROLE;

-- the emergency modes work for commands that must begin their transaction:
-- their log row is written when they end, not when they start (which gave
-- the transaction an id, and DROP INDEX CONCURRENTLY refused to run)
SELECT max(id) AS log_before FROM migrate.log \gset
SET pgmigrate.guard = warn;
CREATE INDEX CONCURRENTLY emergency_id ON app.existing (id);
DROP INDEX CONCURRENTLY app.emergency_id;
SET pgmigrate.guard = off;
CREATE INDEX CONCURRENTLY emergency_id ON app.existing (id);
DROP INDEX CONCURRENTLY app.emergency_id;
-- a command that fails leaves no row (its WARNING was the record); here
-- the INVALID index it leaves is dropped, and that is logged
INSERT INTO app.existing VALUES (1);
SET pgmigrate.guard = warn;
CREATE INDEX CONCURRENTLY emergency_bad ON app.existing ((1 / (id - id)));
DROP INDEX CONCURRENTLY app.emergency_bad;
-- a command whose row waits for its end, failing with only a subtransaction
-- undone, leaves no row for the next command of the same kind to write
BEGIN;
SAVEPOINT s;
CREATE INDEX CONCURRENTLY in_savepoint ON app.existing (id);
ROLLBACK TO SAVEPOINT s;
CREATE INDEX after_savepoint ON app.existing (id);
COMMIT;
DO $$ BEGIN CREATE INDEX CONCURRENTLY in_do ON app.existing (id); EXCEPTION WHEN OTHERS THEN NULL; END $$;
CREATE INDEX after_do ON app.existing (id);
RESET pgmigrate.guard;
SELECT action, command, outcome, detail FROM migrate.log WHERE id > :log_before ORDER BY id;
SELECT to_regclass('app.emergency_id') AS emergency_id, to_regclass('app.emergency_bad') AS emergency_bad;

-- clean up
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP SCHEMA app CASCADE;
DROP EXTENSION IF EXISTS pgcrypto;
REVOKE CREATE ON DATABASE :"db" FROM regress_pgm_owner;
DROP EXTENSION pgmigrate;
DROP ROLE regress_pgm_app;
DROP ROLE regress_pgm_deploy;
DROP ROLE regress_pgm_owner;
