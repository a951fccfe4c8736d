-- a non-superuser's SET of pgmigrate.guard before the library is loaded is
-- discarded when it loads: the guard still refuses
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP EXTENSION IF EXISTS pgmigrate CASCADE;
DROP SCHEMA IF EXISTS app CASCADE;
CREATE SCHEMA app;
CREATE EXTENSION pgmigrate;
DROP ROLE IF EXISTS regress_pgm_sneaky;
CREATE ROLE regress_pgm_sneaky;
GRANT ALL ON SCHEMA app TO regress_pgm_sneaky;
RESET pgmigrate.guard;
RESET client_min_messages;
-- a new session: the library is not loaded yet
\c
SELECT count(*) FROM pg_settings WHERE name LIKE 'pgmigrate.%';
SET ROLE regress_pgm_sneaky;
SET pgmigrate.guard = off;
SET pgmigrate.guard_allow = 'CREATE TABLE';
-- the first DDL loads the library; the placeholders are discarded
CREATE TABLE app.sneaky (id int);
SHOW pgmigrate.guard;
SHOW pgmigrate.guard_allow;
CREATE TABLE app.sneaky (id int);
RESET ROLE;
SELECT to_regclass('app.sneaky') AS sneaky;
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP SCHEMA app CASCADE;
DROP ROLE regress_pgm_sneaky;
DROP EXTENSION pgmigrate;
