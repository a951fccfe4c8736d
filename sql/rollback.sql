-- migrate.rollback(): -N, an id, base, irreversible revisions
\i sql/include/reset.psql

SELECT migrate.add('01', 'CREATE TABLE app.t1 (id int);', 'DROP TABLE app.t1;');
SELECT migrate.add('02', 'CREATE TABLE app.t2 (id int);', 'DROP TABLE app.t2;');
SELECT migrate.add('03', 'CREATE TABLE app.t3 (id int);', 'DROP TABLE app.t3;');
SELECT migrate.add('04', 'ALTER TABLE app.t3 ADD COLUMN c int;', 'ALTER TABLE app.t3 DROP COLUMN c;');
SELECT migrate.add('05', 'CREATE TABLE app.t5 (id int);', 'DROP TABLE app.t5;');
SELECT count(*) FROM migrate.apply();

-- the default is -1: the newest revision
SELECT step, revision, duration_ms >= 0 AS timed FROM migrate.rollback();
SELECT migrate.current(), to_regclass('app.t5') AS t5;
SELECT step, revision FROM migrate.rollback('-2');
SELECT migrate.current(), to_regclass('app.t3') AS t3;
-- more than are applied: an error, and nothing is rolled back
SELECT step, revision FROM migrate.rollback('-3');
SELECT migrate.current();
-- an id stays applied; what came after it is rolled back
SELECT count(*) FROM migrate.apply();
SELECT step, revision FROM migrate.rollback('02');
SELECT migrate.current();
-- rolling back to the current revision does nothing
SELECT step, revision FROM migrate.rollback('02');
-- a revision that is not applied is not a rollback target
SELECT step, revision FROM migrate.rollback('04');
-- base: everything
SELECT step, revision FROM migrate.rollback('base');
SELECT migrate.current(), count(*) AS tables FROM pg_class WHERE relnamespace = 'app'::regnamespace;
SELECT step, revision FROM migrate.rollback('base');
SELECT step, revision FROM migrate.rollback('-1');

-- a revision without down SQL (and none derived: INSERT has no exact
-- inverse) stops the rollback before anything runs
SELECT migrate.add('06', 'CREATE TABLE app.t6 (id int); INSERT INTO app.t6 VALUES (1);');
SELECT count(*) FROM migrate.apply();
SELECT step, revision FROM migrate.rollback('02');
SELECT step, revision FROM migrate.rollback('-1');
SELECT migrate.current();
-- rolling back to it (it stays applied) is fine
SELECT migrate.add('07', 'CREATE TABLE app.t7 (id int);', 'DROP TABLE app.t7;');
SELECT count(*) FROM migrate.apply();
SELECT step, revision FROM migrate.rollback('06');

-- the log keeps both directions; what a rolled-back transaction did leaves no trace
BEGIN;
SELECT step, revision FROM migrate.apply();
ROLLBACK;
SELECT action, revision FROM migrate.log ORDER BY id;
