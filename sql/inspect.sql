-- status(), current(), heads(), plan()
\i sql/include/reset.psql

SELECT * FROM migrate.plan();
SELECT * FROM migrate.plan('base', 'down');

SELECT migrate.add('01', 'CREATE TABLE app.a (id int);', 'DROP TABLE app.a;', description => 'table a');
SELECT migrate.add('02', E'CREATE TABLE app.b (id int);\nCREATE INDEX ON app.b (id);', 'DROP TABLE app.b;');
SELECT migrate.add('03', 'CREATE TABLE app.c (id int); INSERT INTO app.c VALUES (1);');
SELECT migrate.add('04', 'CREATE TABLE app.d (id int);', 'DROP TABLE app.d;', transactional => false);

SELECT revision, parents, applied, applied_at IS NOT NULL AS has_applied_at, is_head, description,
       destructive, irreversible, transactional
  FROM migrate.status();

-- plan shows what apply would run, with the SQL, and runs nothing
SELECT * FROM migrate.plan();
SELECT * FROM migrate.plan('+1', 'up');
SELECT * FROM migrate.plan('02');
SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace;
SELECT step, revision FROM migrate.apply('02');
SELECT * FROM migrate.plan('-2', 'down');
SELECT * FROM migrate.plan('base', 'down');
-- what a rollback could not do, plan cannot either
SELECT * FROM migrate.stamp('03');
SELECT * FROM migrate.plan('01', 'down');
-- targets must fit the direction
SELECT * FROM migrate.plan('-1', 'up');
SELECT * FROM migrate.plan('head', 'down');
SELECT * FROM migrate.plan('head', 'sideways');
SELECT * FROM migrate.plan(NULL);
SELECT * FROM migrate.plan('head', NULL);

SELECT migrate.current(), migrate.heads();
-- the read-only functions see the caller's transaction
BEGIN;
SELECT * FROM migrate.stamp('04');
SELECT migrate.current();
SELECT revision, applied FROM migrate.status() WHERE revision = '04';
ROLLBACK;
SELECT migrate.current();
