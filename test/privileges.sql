-- pgTAP: the privilege matrix of an application role, a deploy role granted
-- EXECUTE, and a superuser: who may read, register, apply, roll back and
-- stamp, and that nobody writes the catalog directly.
BEGIN;
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
SET LOCAL pgmigrate.guard = off;
CREATE EXTENSION IF NOT EXISTS pgmigrate;
CREATE SCHEMA tap_priv;
CREATE TABLE tap_priv.app_sees (id int);
CREATE ROLE tap_app;
CREATE ROLE tap_deploy;
GRANT EXECUTE ON FUNCTION
    migrate.add(text, text, text, text[], text, boolean, boolean, boolean),
    migrate.apply(text), migrate.rollback(text, boolean), migrate.stamp(text)
  TO tap_deploy;
GRANT CREATE, USAGE ON SCHEMA tap_priv TO tap_deploy;
RESET pgmigrate.guard;
SET client_min_messages = error;

SELECT plan(60);

-- what PUBLIC may do
SELECT ok(NOT has_function_privilege('public', 'migrate.add(text, text, text, text[], text, boolean, boolean, boolean)', 'EXECUTE'), 'PUBLIC cannot execute migrate.add');
SELECT ok(NOT has_function_privilege('public', 'migrate.apply(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.apply');
SELECT ok(NOT has_function_privilege('public', 'migrate.rollback(text, boolean)', 'EXECUTE'), 'PUBLIC cannot execute migrate.rollback');
SELECT ok(NOT has_function_privilege('public', 'migrate.stamp(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.stamp');
SELECT ok(NOT has_function_privilege('public', 'migrate.test_roundtrip(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.test_roundtrip');
SELECT ok(NOT has_function_privilege('public', 'migrate.record_snapshot()', 'EXECUTE'), 'PUBLIC cannot execute migrate.record_snapshot');
SELECT ok(NOT has_function_privilege('public', 'migrate.compact_snapshots()', 'EXECUTE'), 'PUBLIC cannot execute migrate.compact_snapshots');
SELECT ok(NOT has_table_privilege('public', 'migrate.snapshot_keys', 'DELETE'), 'PUBLIC cannot delete from migrate.snapshot_keys');
SELECT ok(NOT has_function_privilege('public', 'migrate.begin_outside_transaction(text, text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.begin_outside_transaction');
SELECT ok(NOT has_function_privilege('public', 'migrate.start(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.start');
SELECT ok(NOT has_function_privilege('public', 'migrate.backfill(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.backfill');
SELECT ok(NOT has_function_privilege('public', 'migrate.complete(text, boolean)', 'EXECUTE'), 'PUBLIC cannot execute migrate.complete');
SELECT ok(NOT has_function_privilege('public', 'migrate.abort(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.abort');
SELECT ok(NOT has_function_privilege('public', 'migrate.online_statements(text)', 'EXECUTE'), 'PUBLIC cannot execute migrate.online_statements');
SELECT ok(has_function_privilege('public', 'migrate.use_version(text)', 'EXECUTE'), 'PUBLIC can execute migrate.use_version (an application says which version it serves)');
SELECT ok(has_function_privilege('public', 'migrate.status()', 'EXECUTE'), 'PUBLIC can execute migrate.status');
SELECT ok(has_function_privilege('public', 'migrate.plan(text, text, boolean)', 'EXECUTE'), 'PUBLIC can execute migrate.plan');
SELECT ok(has_table_privilege('public', 'migrate.revisions', 'SELECT'), 'PUBLIC can read migrate.revisions');
SELECT ok(NOT has_table_privilege('public', 'migrate.revisions', 'INSERT'), 'PUBLIC cannot insert into migrate.revisions');
SELECT ok(NOT has_table_privilege('tap_deploy', 'migrate.log', 'DELETE'), 'the deploy role has no DELETE on migrate.log');

-- the application role: reads, never changes
SET LOCAL ROLE tap_app;
SELECT lives_ok('SELECT * FROM migrate.status()', 'app: status()');
SELECT lives_ok('SELECT migrate.current(), migrate.heads()', 'app: current() and heads()');
SELECT lives_ok($$SELECT * FROM migrate.plan('heads')$$, 'app: plan()');
SELECT lives_ok('SELECT count(*) FROM migrate.revisions', 'app: read the revisions');
SELECT lives_ok($$SELECT * FROM migrate.lint('SELECT 1')$$, 'app: lint()');
SELECT lives_ok($$SELECT migrate.schema()$$, 'app: schema()');
SELECT is((SELECT migrate.schema_part(ARRAY['pg_class'::regclass], ARRAY(SELECT oid FROM pg_class WHERE relname = 'app_sees')) -> 'objects' -> 'table tap_priv.app_sees'),
          (SELECT migrate.schema() -> 'objects' -> 'table tap_priv.app_sees'), 'app: schema_part() says what schema() says');
SELECT lives_ok($$SELECT * FROM migrate.compare(migrate.schema(), migrate.schema())$$, 'app: compare()');
SELECT lives_ok($$SELECT * FROM migrate.diff('{"version": 1, "objects": {}}', migrate.schema())$$, 'app: diff()');
-- diff() reads its arguments and writes nothing: the DDL it returns is only text
SELECT is((SELECT count(*) FROM migrate.diff(migrate.schema(), '{"version": 1, "objects": {}}') WHERE statement LIKE 'DROP%') > 0
          AND EXISTS (SELECT FROM pg_class WHERE relname = 'app_sees'), true, 'app: diff() to nothing drops nothing');
SELECT throws_ok($$SELECT migrate.add('tap_x', 'SELECT 1')$$, '42501', NULL, 'app: add() is denied');
SELECT throws_ok($$SELECT * FROM migrate.apply()$$, '42501', NULL, 'app: apply() is denied');
SELECT throws_ok($$SELECT * FROM migrate.rollback()$$, '42501', NULL, 'app: rollback() is denied');
SELECT throws_ok($$SELECT * FROM migrate.stamp('heads')$$, '42501', NULL, 'app: stamp() is denied');
SELECT throws_ok($$SELECT migrate.record_snapshot()$$, '42501', NULL, 'app: record_snapshot() is denied');
SELECT throws_ok($$SELECT migrate.compact_snapshots()$$, '42501', NULL, 'app: compact_snapshots() is denied');
SELECT throws_ok($$INSERT INTO migrate.revisions (id, up, up_sha256, registered_by, registered_at) VALUES ('x', 'SELECT 1', '', 'x', now())$$,
                 '42501', NULL, 'app: INSERT into migrate.revisions is denied');
SELECT throws_ok($$DELETE FROM migrate.log$$, '42501', NULL, 'app: DELETE from migrate.log is denied');
SELECT throws_ok($$CREATE TABLE tap_priv.adhoc (id int)$$, '42501', NULL, 'app: ad-hoc DDL is denied');
RESET ROLE;

-- the deploy role: registers, applies, rolls back, stamps; never writes the catalog directly
SET LOCAL ROLE tap_deploy;
SELECT lives_ok($$SELECT migrate.add('tap_01', 'CREATE TABLE tap_priv.t1 (id bigint PRIMARY KEY);', 'DROP TABLE tap_priv.t1;')$$, 'deploy: add()');
SELECT lives_ok($$SELECT migrate.add('tap_02', 'CREATE TABLE tap_priv.t2 (id bigint PRIMARY KEY);', 'DROP TABLE IF EXISTS tap_priv.t2;')$$, 'deploy: add() a second');
SELECT lives_ok($$SELECT * FROM migrate.apply('tap_01')$$, 'deploy: apply()');
SELECT lives_ok($$SELECT * FROM migrate.stamp('tap_02')$$, 'deploy: stamp()');
SELECT lives_ok($$SELECT * FROM migrate.rollback('-1')$$, 'deploy: rollback()');
SELECT throws_ok($$UPDATE migrate.revisions SET applied_at = NULL$$, '42501', NULL, 'deploy: UPDATE of migrate.revisions is denied');
SELECT throws_ok($$TRUNCATE migrate.log$$, '42501', NULL, 'deploy: TRUNCATE of migrate.log is denied');
SELECT throws_ok($$SELECT migrate.add('tap_01', 'CREATE TABLE tap_priv.t1 (id int);', 'DROP TABLE tap_priv.t1;')$$,
                 '55000', NULL, 'deploy: cannot rewrite an applied revision');
SELECT throws_ok($$SELECT * FROM migrate.test_roundtrip()$$, '42501', NULL, 'deploy: test_roundtrip() needs its own grant');
RESET ROLE;
SELECT is((SELECT tableowner::text FROM pg_tables WHERE schemaname = 'tap_priv' AND tablename = 't1'), 'tap_deploy',
          'the DDL of a revision runs as the caller: the deploy role owns the table');
SELECT is((SELECT registered_by::text || '/' || applied_by::text FROM migrate.revisions WHERE id = 'tap_01'), 'tap_deploy/tap_deploy',
          'registered_by and applied_by record the deploy role');
SELECT is((SELECT string_agg(DISTINCT role::text, ',') FROM migrate.log WHERE revision LIKE 'tap_%'), 'tap_deploy',
          'the log records the deploy role');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'migrate.revisions'::regclass), current_user::text,
          'the catalog rows were written as the owner of the catalog, not the deploy role');

-- the superuser: everything through the functions, nothing directly
SELECT throws_ok($$INSERT INTO migrate.revisions (id, up, up_sha256, registered_by, registered_at) VALUES ('x', 'SELECT 1', '', 'x', now())$$,
                 '42501', NULL, 'superuser: INSERT into migrate.revisions is denied');
SELECT throws_ok($$UPDATE migrate.revisions SET up = 'SELECT 2'$$, '42501', NULL, 'superuser: UPDATE of migrate.revisions is denied');
SELECT throws_ok($$DELETE FROM migrate.revisions$$, '42501', NULL, 'superuser: DELETE from migrate.revisions is denied');
SELECT throws_ok($$TRUNCATE migrate.snapshots$$, '42501', NULL, 'superuser: TRUNCATE of migrate.snapshots is denied');
SET LOCAL session_replication_role = replica;
SELECT throws_ok($$DELETE FROM migrate.log$$, '42501', NULL, 'superuser in replica mode: DELETE from migrate.log is denied');
RESET session_replication_role;
SELECT lives_ok($$SELECT * FROM migrate.apply('tap_01')$$, 'superuser: apply()');
SELECT lives_ok($$SELECT * FROM migrate.rollback('base')$$, 'superuser: rollback()');
SELECT throws_ok($$CREATE TABLE tap_priv.adhoc (id int)$$, '42501', NULL, 'superuser: ad-hoc DDL is denied too');

SELECT * FROM finish();
ROLLBACK;
