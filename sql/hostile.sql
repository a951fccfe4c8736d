-- hostile input across every public function: each case is a clean error
-- with a specific SQLSTATE (never XX000), the backend stays up, and the
-- catalog is unchanged
\i sql/include/reset.psql
SET client_min_messages = error;

CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END
$$;
CREATE FUNCTION pg_temp.catalog_state() RETURNS text LANGUAGE sql AS $$
    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY id), ''))
           || '/' || (SELECT count(*) FROM migrate.log)
           || '/' || (SELECT count(*) FROM migrate.snapshots)
      FROM migrate.revisions r
$$;
SELECT migrate.add('h1', 'CREATE TABLE app.h1 (id int);', 'DROP TABLE app.h1;');
SELECT migrate.add('h2', 'CREATE TABLE app.h2 (id int);', 'DROP TABLE app.h2;');
SELECT migrate.add('h3', 'CREATE TABLE app.h3 (id int);', 'DROP TABLE app.h3;');
SELECT count(*) FROM migrate.apply('h1');
CREATE ROLE regress_hostile;
SET pgmigrate.guard = off;
GRANT EXECUTE ON FUNCTION migrate.apply(text), migrate.add(text, text, text, text[], text, boolean, boolean, boolean) TO regress_hostile;
RESET pgmigrate.guard;
SELECT pg_temp.catalog_state() AS before \gset

CREATE TEMP TABLE hostile (n serial, family text, stmt text);
-- ids with every kind of character that is not allowed, in every function that takes one
INSERT INTO hostile (family, stmt)
SELECT 'id character ' || to_hex(c), format('SELECT migrate.add(%L, %L)', 'x' || chr(c) || 'y', 'SELECT 1')
  FROM unnest(ARRAY[1, 9, 10, 13, 27, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 47, 58, 59,
                    60, 61, 62, 63, 64, 91, 92, 93, 94, 96, 123, 124, 125, 126, 127,
                    233, 955, 8364, 65279, 128512]) AS c;
INSERT INTO hostile (family, stmt)
SELECT 'target ' || label, format('SELECT * FROM migrate.%s(%L)', fn, t)
  FROM (VALUES ('apply'), ('stamp'), ('rollback'), ('test_roundtrip')) AS f(fn),
       (VALUES ('quote', 'h1'';DROP TABLE app.h1;--'), ('semicolon', 'h1;h2'), ('unicode', 'hé'),
               ('control', E'h\x01'), ('huge', repeat('h', 100000)), ('overflow', '+9223372036854775808'),
               ('overflow down', '-9223372036854775808'), ('float', '+1.5'), ('hex', '+0x10'),
               ('spaces', ' head '), ('empty', ''), ('nul-looking', 'h\0')) AS t(label, t);
INSERT INTO hostile (family, stmt) VALUES
    -- parents that would form a cycle, or are hostile themselves
    ('cycle', $$SELECT migrate.add('h2', 'CREATE TABLE app.h2 (id int);', 'DROP TABLE app.h2;', parents => '{h3}')$$),
    ('cycle via self', $$SELECT migrate.add('h3', 'CREATE TABLE app.h3 (id int);', parents => '{h3}')$$),
    ('parent quote', $$SELECT migrate.add('h9', 'SELECT 1', parents => ARRAY['h1'' OR ''1''=''1'])$$),
    ('parent huge', $$SELECT migrate.add('h9', 'SELECT 1', parents => ARRAY[repeat('p', 100000)])$$),
    ('parents 2-d', $$SELECT migrate.add('h9', 'SELECT 1', parents => ARRAY[ARRAY['h1'],ARRAY['h2']])$$),
    ('parents many unknown', $$SELECT migrate.add('h9', 'SELECT 1', parents => (SELECT array_agg('p' || i) FROM generate_series(1, 10000) i))$$),
    -- SQL that tries to escape its revision
    ('escape commit', $$SELECT migrate.add('h9', 'CREATE TABLE app.h9 (id int); COMMIT; DROP TABLE app.h1;')$$),
    ('escape rollback', $$SELECT migrate.add('h9', 'ROLLBACK; DROP TABLE app.h1;')$$),
    ('escape savepoint', $$SELECT migrate.add('h9', 'SAVEPOINT a; DROP TABLE app.h1; ROLLBACK TO a;')$$),
    ('escape begin', $$SELECT migrate.add('h9', 'BEGIN; SELECT 1;')$$),
    ('escape set role', $$SELECT migrate.add('h9', 'SET ROLE postgres; CREATE TABLE app.h9 (id int);')$$),
    ('escape set session authorization', $$SELECT migrate.add('h9', 'SET SESSION AUTHORIZATION postgres;')$$),
    ('escape reset role', $$SELECT migrate.add('h9', 'RESET ROLE; SELECT 1;')$$),
    ('escape nested apply', $$SELECT migrate.add('h9', 'SELECT * FROM migrate.apply(''heads'');', parents => '{h3}'); SELECT * FROM migrate.apply('h9')$$),
    ('escape nested add', $$SELECT migrate.add('h9', 'SELECT migrate.add(''h10'', ''SELECT 1'');', parents => '{h3}'); SELECT * FROM migrate.apply('h9')$$),
    ('escape nested stamp', $$SELECT migrate.add('h9', 'SELECT * FROM migrate.stamp(''h3'');', parents => '{h3}'); SELECT * FROM migrate.apply('h9')$$),
    ('escape nested rollback in DO', $$SELECT migrate.add('h9', 'DO $d$ BEGIN PERFORM migrate.rollback(''base''); END $d$;', parents => '{h3}'); SELECT * FROM migrate.apply('h9')$$),
    ('escape catalog write', $$SELECT migrate.add('h9', 'DELETE FROM migrate.log WHERE true;', parents => '{h3}', allow_destructive => true); SELECT * FROM migrate.apply('h9')$$),
    ('escape catalog truncate', $$SELECT migrate.add('h9', 'TRUNCATE migrate.revisions;', parents => '{h3}', allow_destructive => true); SELECT * FROM migrate.apply('h9')$$),
    ('escape guard setting', $$SELECT migrate.add('h9', 'SELECT set_config(''pgmigrate.guard'', ''off'', false); CREATE TABLE app.h9 (id int);', parents => '{h3}'); SET ROLE regress_hostile; SELECT * FROM migrate.apply('h9')$$),
    ('escape copy', $$SELECT migrate.add('h9', 'COPY app.h1 FROM STDIN;', parents => '{h3}'); SELECT * FROM migrate.apply('h9')$$),
    -- very long and deeply nested SQL
    ('sql 1 MB of garbage', $$SELECT migrate.add('h9', repeat('garbage ', 131072))$$),
    ('sql 50,000 statements, the last broken', $$SELECT migrate.add('h9', repeat('SELECT 1; ', 50000) || 'SELEC 2;')$$),
    ('sql nested 100,000 deep', $$SELECT migrate.add('h9', 'SELECT ' || repeat('(', 100000) || '1' || repeat(')', 100000))$$),
    ('sql only semicolons', $$SELECT migrate.add('h9', repeat(';', 100000))$$),
    ('sql unterminated dollar quote', $$SELECT migrate.add('h9', 'SELECT $a$ ' || repeat('x', 100000))$$),
    ('sql invalid escape', $$SELECT migrate.add('h9', E'SELECT E''\\u00zz'';')$$),
    ('down huge garbage', $$SELECT migrate.add('h9', 'SELECT 1;', repeat('(', 50000))$$),
    ('lint garbage', $$SELECT * FROM migrate.lint(repeat('garbage ', 131072))$$),
    ('lint nested', $$SELECT * FROM migrate.lint('SELECT ' || repeat('(', 100000) || '1' || repeat(')', 100000))$$),
    -- NULLs and odd values in the functions without ids
    ('lint null', $$SELECT * FROM migrate.lint(NULL)$$),
    ('plan null direction', $$SELECT * FROM migrate.plan('head', NULL)$$),
    ('plan direction quote', $$SELECT * FROM migrate.plan('head', 'up''; DROP TABLE app.h1; --')$$),
    ('plan direction huge', $$SELECT * FROM migrate.plan('head', repeat('u', 100000))$$),
    ('rollback null data loss', $$SELECT * FROM migrate.rollback('-1', NULL)$$),
    ('outside null', $$SELECT * FROM migrate.begin_outside_transaction(NULL)$$),
    ('outside quote', $$SELECT * FROM migrate.begin_outside_transaction('h1''--')$$),
    ('outside huge', $$SELECT * FROM migrate.begin_outside_transaction(repeat('h', 100000))$$),
    ('outside direction', $$SELECT * FROM migrate.begin_outside_transaction('h1', 'sideways')$$),
    ('finish unknown', $$SELECT migrate.finish_outside_transaction('h1')$$),
    ('finish null', $$SELECT migrate.finish_outside_transaction(NULL, 'up')$$),
    -- the catalog, directly
    ('direct insert', $$INSERT INTO migrate.revisions (id, up, up_sha256, registered_by, registered_at) VALUES ('x', 'x', 'x', 'x', now())$$),
    ('direct update', $$UPDATE migrate.revisions SET applied_at = NULL$$),
    ('direct delete snapshot', $$DELETE FROM migrate.snapshots$$),
    ('direct alter', $$ALTER TABLE migrate.revisions DISABLE TRIGGER ALL$$),
    ('direct drop', $$DROP TABLE migrate.log$$),
    ('trigger function called', $$SELECT migrate.refuse_direct_write()$$),
    ('guard function called', $$SELECT migrate.guard_ddl()$$);

SELECT family, pg_temp.try(stmt) AS sqlstate FROM hostile ORDER BY n;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE pg_temp.try(stmt) = 'ok') AS succeeded,
       count(*) FILTER (WHERE pg_temp.try(stmt) LIKE 'XX%') AS internal_errors
  FROM hostile;
-- the backend is alive and the catalog is as it was
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged, migrate.current();
RESET client_min_messages;

-- what a revision may do, it does inside the revision only
SET client_min_messages = error;
SELECT migrate.add('h4', 'SET search_path = pg_temp; SET work_mem = ''64kB''; CREATE TABLE app.h4 (id int);',
                   'DROP TABLE app.h4;', parents => '{h3}');
RESET client_min_messages;
SELECT step, revision FROM migrate.apply('h4');
SHOW search_path;
SHOW work_mem;
SELECT count(*) FROM migrate.rollback('h1');
SET client_min_messages = error;
SET pgmigrate.guard = off;
REVOKE ALL ON FUNCTION migrate.apply(text), migrate.add(text, text, text, text[], text, boolean, boolean, boolean) FROM regress_hostile;
RESET pgmigrate.guard;
DROP ROLE regress_hostile;
