-- pgTAP: the guard's matrix of {superuser, deploy role, application role}
-- x {DDL commands, temporary objects, allowed commands, DML}
-- x {enforce, warn, off}.  Every cell runs in a subtransaction that is
-- rolled back, so the cells do not see each other.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SET LOCAL pgmigrate.guard = off;
CREATE EXTENSION IF NOT EXISTS pgmigrate;
CREATE SCHEMA tap_app;
CREATE ROLE tap_owner;
CREATE ROLE tap_app IN ROLE tap_owner;
CREATE ROLE tap_deploy IN ROLE tap_owner;
GRANT EXECUTE ON FUNCTION migrate.apply(text) TO tap_deploy;
GRANT ALL ON SCHEMA tap_app TO tap_owner;
CREATE TABLE tap_app.existing (id int);
ALTER TABLE tap_app.existing OWNER TO tap_owner;
CREATE MATERIALIZED VIEW tap_app.mv AS SELECT 1 AS one;
ALTER MATERIALIZED VIEW tap_app.mv OWNER TO tap_owner;
CREATE TEMP TABLE tmp_existing (id int);
ALTER TABLE tmp_existing OWNER TO tap_owner;
RESET pgmigrate.guard;
SET client_min_messages = error;
CREATE TEMP TABLE baseline AS SELECT count(*) AS ddl_rows FROM migrate.log WHERE action = 'ddl';

-- 'refused' (the guard), 'ran', 'ran, logged', or the SQLSTATE of another error
CREATE FUNCTION pg_temp.cell(who text, mode text, cmd text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    before bigint;
    after bigint;
    result text;
BEGIN
    SELECT count(*) INTO before FROM migrate.log WHERE action = 'ddl';
    BEGIN
        EXECUTE format('SET LOCAL pgmigrate.guard = %L', mode);
        IF who <> 'superuser' THEN
            EXECUTE format('SET LOCAL ROLE %I', who);
        END IF;
        EXECUTE cmd;
        RESET ROLE;
        IF to_regclass('migrate.log') IS NULL THEN
            RAISE EXCEPTION 'pgm-tap:ran, logged';
        END IF;
        SELECT count(*) INTO after FROM migrate.log WHERE action = 'ddl';
        RAISE EXCEPTION 'pgm-tap:%', CASE WHEN after > before THEN 'ran, logged' ELSE 'ran' END;
    EXCEPTION WHEN OTHERS THEN
        result := CASE
            WHEN SQLERRM LIKE 'pgm-tap:%' THEN substr(SQLERRM, 9)
            WHEN SQLSTATE = '42501' AND SQLERRM LIKE 'cannot execute % outside a migration' THEN 'refused'
            ELSE SQLSTATE
        END;
    END;
    RESET ROLE;
    RESET pgmigrate.guard;
    RETURN result;
END
$$;

CREATE TEMP TABLE commands (n int, kind text, cmd text);
INSERT INTO commands VALUES
    (1, 'ddl', 'CREATE TABLE tap_app.adhoc (id int)'),
    (2, 'ddl', 'ALTER TABLE tap_app.existing ADD COLUMN extra int'),
    (3, 'ddl', 'DROP TABLE tap_app.existing'),
    (4, 'ddl', 'CREATE INDEX ON tap_app.existing (id)'),
    (5, 'ddl', 'CREATE FUNCTION tap_app.f() RETURNS int LANGUAGE sql AS ''SELECT 1'''),
    (6, 'ddl', 'GRANT SELECT ON tap_app.existing TO PUBLIC'),
    (7, 'ddl', 'COMMENT ON TABLE tap_app.existing IS ''x'''),
    (8, 'extension', 'CREATE EXTENSION pgcrypto SCHEMA tap_app'),
    (9, 'temp', 'CREATE TEMP TABLE tmp_new (id int)'),
    (10, 'temp', 'ALTER TABLE tmp_existing ADD COLUMN extra int'),
    (11, 'allowed', 'REFRESH MATERIALIZED VIEW tap_app.mv'),
    (12, 'drop pgmigrate', 'DROP EXTENSION pgmigrate'),
    (13, 'dml', 'INSERT INTO tap_app.existing VALUES (1)'),
    (14, 'dml', 'UPDATE tap_app.existing SET id = 2'),
    (15, 'dml', 'DELETE FROM tap_app.existing');
CREATE TEMP TABLE cells AS
SELECT c.n, c.kind, c.cmd, r.who, m.mode,
       CASE
           WHEN c.kind IN ('temp', 'allowed', 'dml') THEN 'ran'
           WHEN m.mode = 'enforce' THEN 'refused'
           -- past the guard, PostgreSQL's own checks: only the extension's
           -- owner may drop it; pgcrypto is trusted, but creating it needs
           -- CREATE on the database, which these roles do not have
           WHEN c.kind = 'drop pgmigrate' AND r.who <> 'superuser' THEN '42501'
           WHEN c.kind = 'extension' AND r.who <> 'superuser' THEN '42501'
           ELSE 'ran, logged'
       END AS expected
  FROM commands c,
       (VALUES ('superuser'), ('tap_deploy'), ('tap_app')) AS r(who),
       (VALUES ('enforce'), ('warn'), ('off')) AS m(mode);

SELECT plan((SELECT count(*)::int FROM cells) + 4);

SELECT is(pg_temp.cell(who, mode, cmd), expected,
          format('%s, guard %s: %s -> %s', who, mode, cmd, expected))
  FROM cells ORDER BY n, who, mode;

-- DDL inside migrate.apply() is managed, for the deploy role too
SET LOCAL client_min_messages = error;
SET LOCAL pgmigrate.guard = off;
SELECT migrate.add('tap_01', 'CREATE TABLE tap_app.managed (id int);', 'DROP TABLE tap_app.managed;');
RESET pgmigrate.guard;
SET LOCAL ROLE tap_deploy;
SELECT lives_ok($$SELECT * FROM migrate.apply('tap_01')$$, 'the deploy role applies DDL through migrate.apply() under enforce');
RESET ROLE;
SELECT has_table('tap_app', 'managed', 'the managed table exists');
-- nothing of the matrix is left
SELECT hasnt_table('tap_app', 'adhoc', 'no ad-hoc table was left behind');
SELECT is((SELECT count(*) FROM migrate.log WHERE action = 'ddl'), (SELECT ddl_rows FROM baseline),
          'no guard log row of the matrix was left behind');

SELECT * FROM finish();
ROLLBACK;
