-- a failing revision: all or nothing, and an error that says where
\i sql/include/reset.psql

CREATE FUNCTION pg_temp.catalog_state() RETURNS text LANGUAGE sql AS $$
    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY id), ''))
           || '/' || (SELECT count(*) FROM migrate.log)
      FROM migrate.revisions r
$$;

SELECT migrate.add('01', 'CREATE TABLE app.a (id int PRIMARY KEY);', 'DROP TABLE app.a;');
SELECT migrate.add('02', 'CREATE TABLE app.b (id int);', 'DROP TABLE app.b;');
SELECT migrate.add('03', 'CREATE TABLE app.c (id int);
INSERT INTO app.c VALUES (1);
INSERT INTO app.c
  SELECT 1 / (id - 1) FROM app.c;', 'DROP TABLE app.c;');
SELECT migrate.add('04', 'CREATE TABLE app.d (id int);', 'DROP TABLE app.d;');
SELECT pg_temp.catalog_state() AS before \gset

-- the third revision fails in its third statement: PostgreSQL's own error,
-- SQLSTATE and position, with the revision and statement as context
SELECT step, revision FROM migrate.apply();
\echo :LAST_ERROR_SQLSTATE
-- nothing was applied, nothing was created, nothing was logged
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;
SELECT count(*) AS tables FROM pg_class WHERE relnamespace = 'app'::regnamespace;
SELECT migrate.current();

-- the same inside a transaction that catches the error: the savepoint
-- undoes the revisions and the caller carries on
BEGIN;
SAVEPOINT s;
SELECT step, revision FROM migrate.apply();
ROLLBACK TO SAVEPOINT s;
SELECT step, revision FROM migrate.apply('02');
COMMIT;
SELECT migrate.current();

-- a failing object: existing table
SELECT migrate.add('05', 'CREATE TABLE app.a (id int);', 'SELECT 1;', parents => '{02}');
SELECT step, revision FROM migrate.apply('05');
\echo :LAST_ERROR_SQLSTATE
-- an error with a position points into the statement that failed
SELECT migrate.add('05', E'CREATE TABLE app.h (id int);\n\nSELECT id,\n       nosuch FROM app.h;', 'SELECT 1;', parents => '{02}');
SELECT step, revision FROM migrate.apply('05');
\echo :LAST_ERROR_SQLSTATE

-- a failing down SQL keeps everything applied
SELECT migrate.add('06', 'CREATE TABLE app.e (id int);', 'DROP TABLE app.no_such_table;', parents => '{02}');
SELECT migrate.add('07', 'CREATE TABLE app.f (id int);', 'DROP TABLE app.f;', parents => '{06}');
SELECT step, revision FROM migrate.apply('07');
SELECT pg_temp.catalog_state() AS before \gset
SELECT step, revision FROM migrate.rollback('02');
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged, to_regclass('app.f') AS f;

-- a revision cannot end or split the transaction it runs in: refused when
-- it is registered (lint.c), and again when it runs, should such SQL get
-- into the catalog some other way
SELECT migrate.add('08', 'CREATE TABLE app.g (id int); COMMIT;', 'DROP TABLE app.g;', parents => '{07}');
SELECT migrate.add('08', 'CREATE TABLE app.g (id int);', 'DROP TABLE app.g; SAVEPOINT x;', parents => '{07}');
SELECT migrate.add('08', 'CREATE TABLE app.g (id int); SELECT 1;', 'DROP TABLE app.g;', parents => '{07}');
\i sql/include/tamper.psql
SELECT pg_temp.tamper('08', $$up = 'CREATE TABLE app.g (id int); COMMIT;',
       up_sha256 = encode(sha256(convert_to('CREATE TABLE app.g (id int); COMMIT;', 'UTF8')), 'hex')$$);
SELECT step, revision FROM migrate.apply('08');
-- ... nor call the engine from inside
SELECT migrate.add('08', $$SELECT * FROM migrate.apply('03');$$, 'SELECT 1;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
SELECT migrate.add('08', $$SELECT migrate.add('09', 'SELECT 1;');$$, 'SELECT 1;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
SELECT migrate.add('08', $$DO $do$ BEGIN PERFORM migrate.rollback('base'); END $do$;$$, 'SELECT 1;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
SELECT migrate.add('08', $$COPY app.a FROM STDIN;$$, 'SELECT 1;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
SELECT migrate.current(), count(*) AS logged FROM migrate.log WHERE revision = '08';

-- SQL changed behind pgmigrate's back is never run: here a superuser
-- switches the protection off to edit a stored revision
SELECT migrate.add('08', 'CREATE TABLE app.g (id int);', 'DROP TABLE app.g;', parents => '{07}');
SELECT pg_temp.tamper('08', $$up = 'DROP TABLE app.a;'$$);
SELECT step, revision FROM migrate.apply('08');
SELECT to_regclass('app.a') AS a;

-- a revision must not change pgmigrate's own objects: refused when it is
-- registered, where it names them ...
SELECT migrate.add('08', 'ALTER TABLE migrate.revisions DISABLE TRIGGER USER; DELETE FROM migrate.revisions;',
                   allow_destructive => true, parents => '{07}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('08', 'CREATE TABLE app.g (id int);', 'COMMENT ON TABLE migrate.log IS ''gone'';', parents => '{07}');
-- ... and when it runs, whatever SQL reaches them, with the revision undone
SELECT migrate.add('08', $$CREATE TABLE app.g (id int);
DO $do$ BEGIN
  EXECUTE format('ALTER TABLE %I.revisions DISABLE TRIGGER USER', 'mig' || 'rate');
  EXECUTE format('DELETE FROM %I.revisions', 'mig' || 'rate');
END $do$;$$, 'DROP TABLE app.g;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
\echo :LAST_ERROR_SQLSTATE
-- (names that do not say migrate, found through the search_path, are
-- refused at the end of the command that changed them)
SELECT migrate.add('08', 'SET search_path = migrate, public; ALTER TABLE revisions DISABLE TRIGGER USER;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
-- (and a drop of one of them, at the drop: an object a superuser put in
-- schema migrate)
SET pgmigrate.guard_allow = 'CREATE TABLE, DROP TABLE';
CREATE TABLE migrate.scratch (id int);
RESET pgmigrate.guard_allow;
SELECT migrate.add('08', 'SET search_path = migrate, public; DROP TABLE scratch;', parents => '{07}',
                   allow_destructive => true);
SELECT step, revision FROM migrate.apply('08');
SET pgmigrate.guard_allow = 'CREATE TABLE, DROP TABLE';
DROP TABLE migrate.scratch;
RESET pgmigrate.guard_allow;
SELECT migrate.add('08', $$DO $do$ BEGIN EXECUTE 'CREATE OR REPLACE FUNCTION ' || 'migrate.heads() RETURNS text[] LANGUAGE sql AS ''SELECT NULL::text[]'''; END $do$;$$,
                   'SELECT 1;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
SELECT migrate.add('08', $$DO $do$ BEGIN EXECUTE 'DROP EXTENSION ' || 'pgmigrate CASCADE'; END $do$;$$,
                   'SELECT 1;', parents => '{07}');
SELECT step, revision FROM migrate.apply('08');
SELECT count(*) AS revisions, to_regclass('app.g') AS g,
       (SELECT string_agg(tgenabled::text, '') FROM pg_trigger WHERE tgname = 'refuse_direct_write') AS triggers
  FROM migrate.revisions;
