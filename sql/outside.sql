-- revisions that run outside a transaction block: the functions the client
-- uses, and what the guard lets through
\i sql/include/reset.psql
SET client_min_messages = error;

SELECT migrate.add('01', 'CREATE TABLE app.t (id int, v text);', 'DROP TABLE app.t;');
SELECT migrate.add('02', 'CREATE INDEX CONCURRENTLY t_v ON app.t (v); VACUUM app.t;',
                   'DROP INDEX CONCURRENTLY app.t_v;', transactional => false);
SELECT migrate.add('03', 'CREATE TABLE app.u (id int);', 'DROP TABLE app.u;');
RESET client_min_messages;

-- not next: its parent is not applied
SELECT * FROM migrate.begin_outside_transaction('02');
SELECT count(*) FROM migrate.apply('01');
-- errors
SELECT * FROM migrate.begin_outside_transaction(NULL);
SELECT * FROM migrate.begin_outside_transaction('02', NULL);
SELECT * FROM migrate.begin_outside_transaction('02', 'sideways');
SELECT * FROM migrate.begin_outside_transaction('nope');
SELECT * FROM migrate.begin_outside_transaction('bad id');
SELECT * FROM migrate.begin_outside_transaction('01');
SELECT * FROM migrate.begin_outside_transaction('03');
SELECT * FROM migrate.begin_outside_transaction('02', 'down');
SELECT migrate.finish_outside_transaction('02');
SELECT migrate.finish_outside_transaction(NULL);

-- the statements, in order; the guard lets exactly these through
SELECT * FROM migrate.begin_outside_transaction('02');
CREATE INDEX t_other ON app.t (id);
CREATE INDEX CONCURRENTLY t_v ON app.t (v);
VACUUM app.t;
-- each only once
CREATE INDEX CONCURRENTLY t_v2 ON app.t (v);
SELECT migrate.finish_outside_transaction('02');
SELECT revision, applied FROM migrate.status();
SELECT action, revision FROM migrate.log ORDER BY id;
-- apply goes on after it
SELECT step, revision FROM migrate.apply();

-- abandoning forgets the expected statements
SELECT step, revision FROM migrate.rollback('02');
SELECT * FROM migrate.begin_outside_transaction('02', 'down');
SELECT migrate.abandon_outside_transaction();
DROP INDEX CONCURRENTLY app.t_v;
SELECT migrate.finish_outside_transaction('02', 'down');
-- the down, run properly
SELECT * FROM migrate.begin_outside_transaction('02', 'down');
DROP INDEX CONCURRENTLY app.t_v;
SELECT migrate.finish_outside_transaction('02', 'down');
SELECT revision, applied FROM migrate.status();
SELECT to_regclass('app.t_v') AS t_v;

-- stored SQL changed behind pgmigrate's back is never handed to the client:
-- a superuser switches the protection off and edits the up of 02, which is
-- pending, then the down of it once applied
\i sql/include/tamper.psql
SELECT pg_temp.tamper('02', $$up = 'DROP TABLE app.t;'$$);
SELECT * FROM migrate.begin_outside_transaction('02');
\echo :LAST_ERROR_SQLSTATE
-- nothing is expected now: the guard still refuses the tampered statement
DROP TABLE app.t;
SELECT * FROM migrate.plan('02');
\echo :LAST_ERROR_SQLSTATE
-- the registered SQL back, by the same route: it runs
SELECT pg_temp.tamper('02', $$up = 'CREATE INDEX CONCURRENTLY t_v ON app.t (v); VACUUM app.t;'$$);
SELECT * FROM migrate.begin_outside_transaction('02');
CREATE INDEX CONCURRENTLY t_v ON app.t (v);
VACUUM app.t;
SELECT migrate.finish_outside_transaction('02');
-- the down, tampered with, is refused too (and so is the rollback's plan)
SELECT pg_temp.tamper('02', $$down = 'DROP TABLE app.t;'$$);
SELECT * FROM migrate.begin_outside_transaction('02', 'down');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.plan('01', 'down');
\echo :LAST_ERROR_SQLSTATE
SELECT revision, applied FROM migrate.status();
SELECT to_regclass('app.t') AS t, to_regclass('app.t_v') AS t_v;

-- DDL that a statement runs inside a DO block is judged by the statement
-- the client sent: a revision that commits within a DO block or procedure
SELECT count(*) FROM migrate.apply('03');
SELECT migrate.add('04', $q$CREATE INDEX CONCURRENTLY t_id ON app.t (id);
DO $$ BEGIN EXECUTE 'CREATE TABLE app.w (id int)'; COMMIT; END $$$q$,
                   'DROP TABLE app.w; DROP INDEX CONCURRENTLY app.t_id;', transactional => false);
SELECT * FROM migrate.begin_outside_transaction('04');
CREATE INDEX CONCURRENTLY t_id ON app.t (id);
DO $$ BEGIN EXECUTE 'CREATE TABLE app.w (id int)'; COMMIT; END $$;
SELECT migrate.finish_outside_transaction('04');
SELECT to_regclass('app.w') AS w, to_regclass('app.t_id') AS t_id;

-- a transaction of the revision that is prepared may still be rolled back,
-- its drops with it, and nothing tells this session: the deploy records
-- the whole schema, with the table that is still there
SELECT migrate.add('05', $q$CREATE INDEX CONCURRENTLY t_v2 ON app.t (v); DROP TABLE app.w;$q$,
                   'CREATE TABLE app.w (id int); DROP INDEX CONCURRENTLY app.t_v2;',
                   transactional => false, allow_destructive => true);
SELECT * FROM migrate.begin_outside_transaction('05');
CREATE INDEX CONCURRENTLY t_v2 ON app.t (v);
BEGIN;
DROP TABLE app.w;
PREPARE TRANSACTION 'pgm_outside_05';
ROLLBACK PREPARED 'pgm_outside_05';
SELECT migrate.finish_outside_transaction('05');
SELECT to_regclass('app.w') AS w, to_regclass('app.t_v2') AS t_v2;
SELECT action, replaces IS NULL AS whole FROM migrate.snapshots ORDER BY id DESC LIMIT 1;
SELECT * FROM migrate.drift();
