-- snapshots, drift, verify, round trips, data-loss checks
\i sql/include/reset.psql
-- the lint's advice is not what this test is about
SET client_min_messages = error;

-- before any apply, rollback or stamp nothing is recorded: every object is drift
SELECT * FROM migrate.drift() WHERE object LIKE '%app%';

SELECT migrate.add('01', $$
CREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL, score int DEFAULT 0);
CREATE INDEX users_email ON app.users (email);
CREATE VIEW app.active AS SELECT id FROM app.users WHERE score > 0;
CREATE SEQUENCE app.tickets;
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE FUNCTION app.double(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i * 2';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own ON app.users USING (id = 1);
ALTER TABLE app.users ADD CONSTRAINT users_score_ck CHECK (score >= 0);
$$, 'DROP SCHEMA app CASCADE; CREATE SCHEMA app;');
SELECT count(*) FROM migrate.apply();
-- the first apply recorded the whole schema before its revisions ran
-- (nothing was recorded yet), then the part its revisions changed: no drift
SELECT action, replaces IS NULL AS whole FROM migrate.snapshots ORDER BY id;
SELECT * FROM migrate.drift();
SELECT * FROM migrate.verify();
-- a part record names every object it covers, schema-qualified, and the
-- keys it replaces: the objects recorded under those keys before
SELECT object
  FROM migrate.snapshots, jsonb_object_keys(snapshot->'objects') AS object
 WHERE id = (SELECT max(id) FROM migrate.snapshots) ORDER BY object COLLATE "C";
SELECT array(SELECT unnest(replaces) ORDER BY 1 COLLATE "C") AS replaces
  FROM migrate.snapshots WHERE id = (SELECT max(id) FROM migrate.snapshots);

-- ad-hoc changes of every kind, made with the guard off
SET pgmigrate.guard = off;
-- added
CREATE TABLE app.adhoc (id int);
CREATE INDEX users_score ON app.users (score);
CREATE VIEW app.adhoc_view AS SELECT 1 AS one;
CREATE SEQUENCE app.adhoc_seq;
CREATE TYPE app.pair AS (a int, b int);
CREATE FUNCTION app.triple(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i * 3';
CREATE TRIGGER users_touch2 BEFORE INSERT ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE POLICY users_all ON app.users USING (true);
ALTER TABLE app.users ADD CONSTRAINT users_email_ck CHECK (email <> '');
-- changed
ALTER TABLE app.users ALTER COLUMN email TYPE varchar(200);
ALTER TABLE app.users ALTER COLUMN score SET DEFAULT 1;
ALTER TABLE app.users ALTER COLUMN email DROP NOT NULL;
CREATE OR REPLACE VIEW app.active AS SELECT id FROM app.users WHERE score > 1;
ALTER SEQUENCE app.tickets INCREMENT BY 10;
ALTER TYPE app.mood ADD VALUE 'meh';
CREATE OR REPLACE FUNCTION app.double(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i + i';
GRANT SELECT ON app.users TO PUBLIC;
ALTER TABLE app.users DISABLE TRIGGER users_touch;
-- removed
DROP INDEX app.users_email;
ALTER TABLE app.users DROP CONSTRAINT users_score_ck;
DROP POLICY users_own ON app.users;
RESET pgmigrate.guard;
SELECT * FROM migrate.drift();
SELECT problem, count(*) FROM migrate.verify() GROUP BY 1;

-- the next apply records what its revisions changed, not the changes made
-- by hand: drift() still shows them all, until migrate.record_snapshot()
-- accepts them
SELECT migrate.add('02', 'CREATE TABLE app.later (id int);', 'DROP TABLE app.later;');
SELECT count(*) AS drift_before FROM migrate.drift() \gset
SELECT count(*) FROM migrate.apply();
SELECT count(*) = :drift_before AS same_drift FROM migrate.drift();
SELECT migrate.record_snapshot() > 0 AS accepted;
SELECT * FROM migrate.drift();

-- verify: stored SQL edited behind pgmigrate's back (by the owner, switching
-- the protection off) shows as a checksum problem
\i sql/include/tamper.psql
SELECT pg_temp.tamper('01', $$up = up || ' '$$), pg_temp.tamper('02', $$down = 'SELECT 1;'$$);
SELECT * FROM migrate.verify();
SELECT pg_temp.tamper('01', $$up = rtrim(up, ' ')$$), pg_temp.tamper('02', $$down = 'DROP TABLE app.later;'$$);
SELECT * FROM migrate.verify();

-- round trips: a correct revision, a lossy down, a failing down, a down
-- that leaves an object behind, a down after which the up cannot run again
-- (its data stayed), an irreversible revision, a derived down
SELECT migrate.add('10_ok', 'CREATE TABLE app.t10 (id int); CREATE INDEX t10_id ON app.t10 (id);',
                   'DROP TABLE app.t10;');
SELECT migrate.add('11_lossy', 'ALTER TABLE app.t10 ADD COLUMN note text; CREATE INDEX t10_note ON app.t10 (note);',
                   'DROP INDEX app.t10_note;');
SELECT migrate.add('12_failing', 'CREATE TABLE app.t12 (id int);', 'DROP TABLE app.t12_typo;');
SELECT migrate.add('13_leftover', 'CREATE SEQUENCE app.s13; CREATE TABLE app.t13 (id int DEFAULT nextval(''app.s13''));',
                   'DROP TABLE app.t13;');
SELECT migrate.add('13_no_second_up', $$CREATE TABLE app.t13b (id int); INSERT INTO app.users (id, email) VALUES (13, 'x');$$,
                   'DROP TABLE app.t13b;');
SELECT migrate.add('14_irreversible', 'CREATE TABLE app.t14 (id int); INSERT INTO app.t14 VALUES (1);');
SELECT migrate.add('15_derived', 'CREATE TABLE app.t15 (id int); CREATE INDEX t15_id ON app.t15 (id);');
SELECT md5(string_agg(r::text, '|' ORDER BY id)) AS revisions_before,
       (SELECT count(*) FROM migrate.log) AS log_before,
       (SELECT count(*) FROM migrate.snapshots) AS snapshots_before,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace) AS relations_before
  FROM migrate.revisions r \gset
SELECT * FROM migrate.test_roundtrip('head');
-- ... and nothing of it remains
SELECT md5(string_agg(r::text, '|' ORDER BY id)) = :'revisions_before' AS revisions_unchanged,
       (SELECT count(*) FROM migrate.log) = :log_before AS log_unchanged,
       (SELECT count(*) FROM migrate.snapshots) = :snapshots_before AS snapshots_unchanged,
       (SELECT count(*) FROM pg_class WHERE relnamespace = 'app'::regnamespace) = :relations_before AS schema_unchanged
  FROM migrate.revisions r;
SELECT migrate.current();
-- a target, and a revision whose up fails: the round trips stop there
SELECT * FROM migrate.test_roundtrip('11_lossy');
SELECT migrate.add('09_broken', 'CREATE TABLE app.users (id int);', 'DROP TABLE app.users;', parents => '{02}');
SELECT * FROM migrate.test_roundtrip('heads');
SELECT * FROM migrate.test_roundtrip(NULL);
SELECT * FROM migrate.test_roundtrip('nope');

-- rollback stops before destroying data, naming table, column and count
SELECT count(*) FROM migrate.apply('11_lossy');
SELECT migrate.add('16_extra', 'ALTER TABLE app.t10 ADD COLUMN extra text;', parents => '{11_lossy}');
SELECT count(*) FROM migrate.apply('16_extra');
INSERT INTO app.t10 VALUES (1, 'a', 'kept'), (2, 'b', NULL), (3, 'c', 'also kept');
RESET client_min_messages;
SELECT * FROM migrate.rollback('02');
SELECT * FROM migrate.rollback('-1');
SELECT migrate.current();
-- empty tables and NULL columns are no loss
UPDATE app.t10 SET extra = NULL;
SELECT step, revision FROM migrate.rollback('11_lossy');
SELECT * FROM migrate.rollback('02');
DELETE FROM app.t10;
SELECT step, revision FROM migrate.rollback('02');
-- allow_data_loss lets it through
SELECT count(*) FROM migrate.apply('10_ok');
INSERT INTO app.t10 VALUES (1);
SELECT step, revision FROM migrate.rollback('02', allow_data_loss => true);
SELECT * FROM migrate.rollback('-1', allow_data_loss => NULL);

-- what one transaction cannot test is a note, not a failure: a column the
-- down adds back comes back at another position; an enum value the up
-- added cannot be used in the same transaction (a real rollback can)
SET client_min_messages = error;
SELECT migrate.add('50_positions', 'CREATE TABLE app.t50 (a bigint, b bigint);', 'DROP TABLE app.t50;',
                   parents => '{}');
SELECT migrate.add('51_drop_a', 'SET lock_timeout = ''1s''; ALTER TABLE app.t50 DROP COLUMN a;',
                   'SET lock_timeout = ''1s''; ALTER TABLE app.t50 ADD COLUMN a bigint;', allow_destructive => true,
                   parents => '{50_positions}');
SELECT migrate.add('52_feeling', $$CREATE TYPE app.feeling AS ENUM ('ok'); CREATE TABLE app.t52 (m app.feeling);$$,
                   'DROP TABLE app.t52; DROP TYPE app.feeling;', parents => '{51_drop_a}');
SELECT migrate.add('53_add_value', $$ALTER TYPE app.feeling ADD VALUE 'great'$$,
                   $$SET lock_timeout = '1s'; UPDATE app.t52 SET m = 'ok' WHERE m = 'great'$$,
                   parents => '{52_feeling}');
-- and a real failure beside them stays one
SELECT migrate.add('54_wrong', 'CREATE TABLE app.t54 (id bigint);', 'SELECT 1;', parents => '{53_add_value}');
RESET client_min_messages;
SELECT revision, ok, detail FROM migrate.test_roundtrip('54_wrong') WHERE revision >= '50';
-- a revision the client runs outside a transaction cannot be tested in one:
-- the round trips stop before it, and its row says so
SET client_min_messages = error;
SELECT migrate.add('55_outside', 'CREATE INDEX CONCURRENTLY t54_id ON app.t54 (id);',
                   'DROP INDEX CONCURRENTLY app.t54_id;', parents => '{54_wrong}', transactional => false);
SELECT migrate.add('56_after', 'CREATE TABLE app.t56 (id bigint);', parents => '{55_outside}');
RESET client_min_messages;
SELECT revision, ok, detail FROM migrate.test_roundtrip('56_after') WHERE revision >= '54';
-- an up that uses an enum value an earlier revision added cannot run in the
-- same transaction (the client commits in between): a note, and the end
SET client_min_messages = error;
SELECT migrate.add('60_e', $$CREATE TYPE app.e60 AS ENUM ('x')$$, 'DROP TYPE app.e60;', parents => '{}');
SELECT migrate.add('61_y', $$ALTER TYPE app.e60 ADD VALUE 'y'$$, 'SELECT 1;', parents => '{60_e}');
SELECT migrate.add('62_use', $$CREATE TABLE app.t62 (v app.e60 DEFAULT 'y')$$, 'DROP TABLE app.t62;', parents => '{61_y}');
RESET client_min_messages;
SELECT revision, ok, detail FROM migrate.test_roundtrip('62_use') WHERE revision >= '60';
-- migrate.record_snapshot(): the live schema becomes the snapshot drift()
-- compares with (after pg_upgrade, what the new major version spells
-- anew), without applying anything; logged with the count
SET client_min_messages = error;
SET pgmigrate.guard = off;
CREATE TABLE app.by_hand (id bigint);
RESET pgmigrate.guard;
RESET client_min_messages;
SELECT object, change FROM migrate.drift() ORDER BY object;
SELECT migrate.record_snapshot();
SELECT count(*) AS drift FROM migrate.drift();
SELECT count(*) AS problems FROM migrate.verify();
SELECT action, revision, outcome, detail FROM migrate.log ORDER BY id DESC LIMIT 1;
SELECT action FROM migrate.snapshots ORDER BY id DESC LIMIT 1;
-- nothing differs now: it records again, and says 0
SELECT migrate.record_snapshot();
-- not for everybody, and not from a revision
SELECT has_function_privilege('public', 'migrate.record_snapshot()', 'EXECUTE') AS public_may_execute;
SET client_min_messages = error;
SELECT migrate.add('70_snap', 'SELECT migrate.record_snapshot();', 'SELECT 1;', parents => '{}');
RESET client_min_messages;
SELECT * FROM migrate.apply('70_snap');
-- migrate.compact_snapshots(): the schema as recorded (the last whole
-- record and the parts after it) becomes one whole record, the older ones
-- go; drift() says the same before and after
SET client_min_messages = error;
SELECT migrate.add('71_part', 'ALTER TABLE app.by_hand ADD COLUMN note text;', 'ALTER TABLE app.by_hand DROP COLUMN note;', parents => '{}');
SELECT count(*) FROM migrate.apply('71_part');
SET pgmigrate.guard = off;
ALTER TABLE app.by_hand ADD COLUMN by_hand2 int;
RESET pgmigrate.guard;
RESET client_min_messages;
SELECT action, replaces IS NULL AS whole FROM migrate.snapshots ORDER BY id DESC LIMIT 2;
SELECT * FROM migrate.drift();
SELECT migrate.compact_snapshots() > 1 AS deleted_older;
SELECT action, replaces IS NULL AS whole FROM migrate.snapshots;
SELECT * FROM migrate.drift();
SELECT action, outcome, detail LIKE '% snapshot records deleted' AS counted FROM migrate.log ORDER BY id DESC LIMIT 1;
-- with the change by hand undone, the compacted record is the schema, byte for byte
SET pgmigrate.guard = off;
ALTER TABLE app.by_hand DROP COLUMN by_hand2;
RESET pgmigrate.guard;
SELECT snapshot = migrate.schema() AS record_is_schema FROM migrate.snapshots;
-- a rollback's part, laid over the compacted record
SELECT step, revision FROM migrate.rollback('-1');
SELECT * FROM migrate.drift();
-- not for everybody, and not from a revision
SELECT has_function_privilege('public', 'migrate.compact_snapshots()', 'EXECUTE') AS public_may_execute;
SET client_min_messages = error;
SELECT migrate.add('72_compact', 'SELECT migrate.compact_snapshots();', 'SELECT 1;', parents => '{}');
RESET client_min_messages;
SELECT * FROM migrate.apply('72_compact');

-- a table whose file has no block holds nothing to lose, which the rollback
-- sees without a query; an inheritance parent's file may be empty while its
-- children hold the values of the column it drops: those are a loss
SET client_min_messages = error;
SELECT migrate.add('80_parent', 'CREATE TABLE app.t80 (id int); CREATE TABLE app.t80c () INHERITS (app.t80);',
                   'DROP TABLE app.t80c; DROP TABLE app.t80;', parents => '{}');
SELECT migrate.add('81_note', 'ALTER TABLE app.t80 ADD COLUMN note text;', 'ALTER TABLE app.t80 DROP COLUMN note;',
                   parents => '{80_parent}');
SELECT count(*) FROM migrate.apply('81_note');
INSERT INTO app.t80c VALUES (1, 'kept');
RESET client_min_messages;
SELECT pg_relation_size('app.t80') AS parent_bytes;
SELECT step, revision FROM migrate.rollback('80_parent');
-- the child emptied by TRUNCATE (its file too): nothing to lose
TRUNCATE app.t80c;
SELECT step, revision FROM migrate.rollback('80_parent');
