-- migrate.apply(): targets, notices, result rows, the log, transactions
\i sql/include/reset.psql

SELECT migrate.add('01', 'CREATE TABLE app.t1 (id int);', 'DROP TABLE app.t1;');
SELECT migrate.add('02', 'CREATE TABLE app.t2 (id int); CREATE INDEX ON app.t2 (id);', 'DROP TABLE app.t2;');
SELECT migrate.add('03', 'CREATE TABLE app.t3 (id int);', 'DROP TABLE app.t3;');
SELECT migrate.add('04', 'CREATE TABLE app.t4 (id int);', 'DROP TABLE app.t4;');
SELECT migrate.add('05', 'CREATE TABLE app.t5 (id int);', 'DROP TABLE app.t5;');

-- +N: the next N pending revisions
SELECT step, revision, duration_ms >= 0 AS timed FROM migrate.apply('+1');
SELECT step, revision FROM migrate.apply('+2');
-- more than are pending: an error, and nothing is applied
SELECT step, revision FROM migrate.apply('+3');
SELECT migrate.current();
-- an id: everything up to and including it
SELECT step, revision FROM migrate.apply('04');
-- an id that is already applied: nothing to do
SELECT step, revision FROM migrate.apply('02');
-- head
SELECT step, revision FROM migrate.apply();
SELECT step, revision FROM migrate.apply('head');
SELECT relname FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind = 'r' ORDER BY 1;

-- every revision that ran is in the log, in order, with who and how long
SELECT action, revision, role = current_user AS me, session_role = session_user AS session_me,
       database = current_database() AS here, duration_ms >= 0 AS timed, outcome
  FROM migrate.log ORDER BY id;
-- applied_by and apply_order record who applied and in what order
SELECT id, applied_by = current_user AS me, apply_order FROM migrate.revisions ORDER BY apply_order;

-- apply runs in the caller's transaction: rolled back with it
SELECT migrate.add('06', 'CREATE TABLE app.t6 (id int);', 'DROP TABLE app.t6;');
BEGIN;
SELECT step, revision FROM migrate.apply();
SELECT to_regclass('app.t6') IS NOT NULL AS t6_exists, migrate.current();
ROLLBACK;
SELECT to_regclass('app.t6') IS NOT NULL AS t6_exists, migrate.current();
SELECT count(*) FROM migrate.log WHERE revision = '06';

-- ... and committed with it
BEGIN;
SELECT step, revision FROM migrate.apply();
COMMIT;
SELECT to_regclass('app.t6') IS NOT NULL AS t6_exists, migrate.current();

-- the revision's SQL runs with the caller's search_path and settings
SELECT migrate.add('07', 'CREATE TABLE t7 (id int);', 'DROP TABLE t7;');
SET search_path = app;
SELECT step, revision FROM migrate.apply();
RESET search_path;
SELECT to_regclass('app.t7') IS NOT NULL AS t7_in_app;

-- ... and what a revision SETs lasts until the end of that revision
SELECT migrate.add('07b', $$SET search_path = app; SET work_mem = '1MB'; CREATE TABLE t7b (id int);$$, 'DROP TABLE app.t7b;');
SHOW work_mem;
SELECT step, revision FROM migrate.apply();
SHOW search_path;
SHOW work_mem;
SELECT to_regclass('app.t7b') IS NOT NULL AS t7b_in_app;

-- a revision registered with transactional => false is for the client
SELECT migrate.add('08', 'CREATE TABLE app.t8 (id int);', 'DROP TABLE app.t8;', transactional => false);
SELECT migrate.add('09', 'CREATE TABLE app.t9 (id int);', 'DROP TABLE app.t9;');
SELECT step, revision FROM migrate.apply();
SELECT step, revision FROM migrate.apply('07b');
SELECT migrate.current();
-- stamping it (as the client does after running it) lets apply go on
SELECT * FROM migrate.stamp('08');
SELECT step, revision FROM migrate.apply();

-- apply_steps() and rollback_steps(): the first K steps of the same plan,
-- what the client runs in one call per stretch of transactional revisions
SELECT migrate.add('10', 'CREATE TABLE app.t10 (id int);', 'DROP TABLE app.t10;');
SELECT migrate.add('11', 'CREATE TABLE app.t11 (id int);', 'DROP TABLE app.t11;', transactional => false);
SELECT migrate.add('12', 'CREATE TABLE app.t12 (id int);', 'DROP TABLE app.t12;');
SELECT migrate.add('13', 'CREATE TABLE app.t13 (id int);', 'DROP TABLE app.t13;');
SELECT step, revision, direction FROM migrate.plan('head');
SELECT step, revision FROM migrate.apply_steps('head', 1);
-- the next step is the client's: refused as apply() would refuse it
SELECT step, revision FROM migrate.apply_steps('head', 2);
SELECT * FROM migrate.stamp('11');
SELECT max(id) AS last_snapshot FROM migrate.snapshots \gset
SELECT step, revision FROM migrate.apply_steps('head', 5);
-- one snapshot for the call, not one per revision
SELECT count(*) FROM migrate.snapshots WHERE id > :last_snapshot;
SELECT step, revision FROM migrate.rollback_steps('-3', 2);
SELECT step, revision FROM migrate.rollback_steps('-1', 1);
SELECT step, revision FROM migrate.apply_steps('head', 0);
SELECT step, revision FROM migrate.apply_steps('head', NULL);
SELECT step, revision FROM migrate.rollback_steps('-1', 1, NULL);
SELECT migrate.current();
