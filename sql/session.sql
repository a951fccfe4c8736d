-- what a session sets or creates does not change what pgmigrate reads or
-- how long it runs: temporary tables named like catalogs, planner switches,
-- and a statement_timeout that must end test_roundtrip at once
\i sql/include/reset.psql
SET client_min_messages = error;
SELECT migrate.add('01', 'CREATE TABLE app.a (id int PRIMARY KEY, v text);', 'DROP TABLE app.a;');
SELECT migrate.add('02', 'CREATE INDEX a_v ON app.a (v);', 'DROP INDEX app.a_v;');
RESET client_min_messages;

-- temporary tables named like catalogs (always allowed) are not read in
-- their place: pgmigrate's reads search pg_catalog before pg_temp
CREATE TEMP TABLE pg_depend (x int);
CREATE TEMP TABLE pg_attribute (x int);
SELECT step, revision FROM migrate.apply('01');
SELECT * FROM migrate.drift();
SELECT * FROM migrate.verify();
SELECT revision, ok, detail FROM migrate.test_roundtrip();
-- nor can a temporary copy of a catalog hide drift
SET pgmigrate.guard = off;
CREATE TABLE app.sneaky (id int);
RESET pgmigrate.guard;
CREATE TEMP TABLE pg_class AS SELECT * FROM pg_catalog.pg_class WHERE relname <> 'sneaky';
SELECT object, change FROM migrate.drift();
SELECT problem, object FROM migrate.verify();
SET pgmigrate.guard = off;
DROP TABLE app.sneaky;
RESET pgmigrate.guard;
DROP TABLE pg_temp.pg_class, pg_temp.pg_depend, pg_temp.pg_attribute;

-- planner switches change nothing pgmigrate reports
SET enable_seqscan = off;
SET enable_indexscan = off;
SET enable_hashjoin = off;
SET jit_above_cost = 0;
SELECT step, revision FROM migrate.apply();
SELECT * FROM migrate.drift();
SELECT step, revision FROM migrate.rollback();
RESET enable_seqscan;
RESET enable_indexscan;
RESET enable_hashjoin;
RESET jit_above_cost;

-- a statement_timeout ends test_roundtrip at once, with its own error, and
-- leaves nothing behind; before, each timeout ended one step and the run
-- went on without a limit
SET client_min_messages = error;
SELECT migrate.add('03_slow_down', 'CREATE TABLE app.s (id int);', 'SELECT pg_sleep(0.5); DROP TABLE app.s;');
SELECT migrate.add('04', 'CREATE TABLE app.t4 (id int);', 'DROP TABLE app.t4;');
RESET client_min_messages;
SELECT count(*) AS log_rows FROM migrate.log \gset
SET statement_timeout = '200ms';
-- (where it fires depends on the machine's speed: show only the error)
SET client_min_messages = warning;
\set VERBOSITY terse
SELECT revision, ok FROM migrate.test_roundtrip();
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
RESET client_min_messages;
RESET statement_timeout;
SELECT revision, applied FROM migrate.status();
SELECT to_regclass('app.s') AS s, to_regclass('app.t4') AS t4,
       (SELECT count(*) FROM migrate.log) = :log_rows AS log_unchanged;
