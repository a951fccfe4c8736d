-- migrate.stamp(): adopting an existing database
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP EXTENSION IF EXISTS pgmigrate CASCADE;
DROP SCHEMA IF EXISTS app CASCADE;
CREATE SCHEMA app;
-- the schema already exists when pgmigrate arrives
CREATE TABLE app.legacy (id int);
CREATE EXTENSION pgmigrate;
RESET pgmigrate.guard;
RESET client_min_messages;

-- its history is registered afterwards
SELECT migrate.add('01_legacy', 'CREATE TABLE app.legacy (id int);', 'DROP TABLE app.legacy;');
SELECT migrate.add('02_legacy_name', 'ALTER TABLE app.legacy ADD COLUMN name text;', 'ALTER TABLE app.legacy DROP COLUMN name;');
SELECT migrate.add('03_new', 'CREATE TABLE app.fresh (id int);', 'DROP TABLE app.fresh;');
-- stamping runs nothing (01_legacy would fail: the table exists)
SELECT * FROM migrate.stamp('01_legacy');
SELECT migrate.current();
SELECT action, revision, duration_ms IS NOT NULL AS timed FROM migrate.log ORDER BY id;
-- then apply runs only what is new
SELECT step, revision FROM migrate.apply();
SELECT column_name FROM information_schema.columns WHERE table_schema = 'app' AND table_name = 'legacy' ORDER BY 1;
-- stamping what is applied does nothing
SELECT * FROM migrate.stamp('heads');
-- stamp targets are the apply targets
SELECT * FROM migrate.stamp('-1');
SELECT * FROM migrate.stamp('base');
SELECT * FROM migrate.stamp(NULL);
-- a stamped revision rolls back like any other
SELECT step, revision FROM migrate.rollback('base');
SELECT to_regclass('app.legacy') AS legacy, migrate.current();
-- +N
SELECT * FROM migrate.stamp('+2');
SELECT revision, applied FROM migrate.status();
