-- the revision graph: branches, merges, several roots, deterministic order
\i sql/include/reset.psql

-- an empty catalog: no heads, nothing applied, nothing to do
SELECT migrate.heads(), migrate.current();
SELECT * FROM migrate.apply('head');
SELECT * FROM migrate.apply('heads');
SELECT * FROM migrate.status();

--        base
--       /    \
--   b_left   a_right      (siblings: ordered by id, so a_right first)
--      |        |
--   b_left2     |
--       \      /
--        merge          z_root (a second root)  ->  z_child
--          |
--        after
SELECT migrate.add('base', 'SELECT 1;');
SELECT migrate.add('r_base', 'CREATE TABLE app.log (step text, at serial);',
                   'DROP TABLE app.log;', parents => '{}');
SELECT migrate.add('b_left', $$INSERT INTO app.log VALUES ('b_left');$$,
                   $$DELETE FROM app.log WHERE step = 'b_left';$$, parents => '{r_base}');
SELECT migrate.add('a_right', $$INSERT INTO app.log VALUES ('a_right');$$,
                   $$DELETE FROM app.log WHERE step = 'a_right';$$, parents => '{r_base}');
SELECT migrate.add('b_left2', $$INSERT INTO app.log VALUES ('b_left2');$$,
                   $$DELETE FROM app.log WHERE step = 'b_left2';$$, parents => '{b_left}');
SELECT migrate.heads();
-- 'head' is ambiguous while there are two heads
SELECT * FROM migrate.apply('head');
SELECT * FROM migrate.plan('head');
-- a branch can be applied on its own
SELECT step, revision FROM migrate.apply('b_left2');
SELECT migrate.current();
SELECT migrate.add('merge', '', '', parents => '{b_left2,a_right}');
SELECT migrate.add('after', $$INSERT INTO app.log VALUES ('after');$$,
                   $$DELETE FROM app.log WHERE step = 'after';$$);
SELECT migrate.add('z_root', $$INSERT INTO app.log VALUES ('z_root');$$,
                   $$DELETE FROM app.log WHERE step = 'z_root';$$, parents => '{}');
SELECT migrate.add('z_child', $$INSERT INTO app.log VALUES ('z_child');$$,
                   $$DELETE FROM app.log WHERE step = 'z_child';$$, parents => '{z_root}');
SELECT migrate.heads();

-- status lists parents before children, ties broken by id
SELECT revision, parents, applied, is_head FROM migrate.status();
-- the merge pulls in the other branch first
SELECT * FROM migrate.plan('after');
SELECT step, revision FROM migrate.apply('after');
SELECT migrate.current();
SELECT step, revision FROM migrate.apply('heads');
SELECT migrate.current(), migrate.heads();
SELECT step FROM app.log ORDER BY at;

-- going down: children before parents, newest first (the log table holds
-- rows, so a plan down to base stops as the rollback would, unless allowed)
SELECT step, revision, direction FROM migrate.plan('base', 'down');
-- the check asks whether a row exists, never counts them; the size comes
-- from the statistics, once there are some
ANALYZE app.log;
SELECT step, revision, direction FROM migrate.plan('base', 'down');
SELECT step, revision, direction FROM migrate.plan('base', 'down', allow_data_loss => true);
SELECT step, revision FROM migrate.rollback('r_base');
SELECT migrate.current();
SELECT step FROM app.log ORDER BY at;

-- pending revisions: parents first, ready siblings by id
SELECT step, revision FROM migrate.plan('heads');
