-- a derived down meets the database it runs in: what the parse tree cannot
-- know is checked right before each statement of the up runs, and a down
-- that would not undo the up here is withdrawn (the revision becomes
-- irreversible) instead of being kept to do harm later
\i sql/include/reset.psql

CREATE FUNCTION pg_temp.constraints() RETURNS TABLE (rel text, con text, islocal boolean, inhcount int)
    LANGUAGE sql AS $$
    SELECT conrelid::regclass::text, conname, conislocal, coninhcount FROM pg_constraint
     WHERE connamespace = 'app'::regnamespace AND contype = 'c' ORDER BY 1, 2
$$;

SELECT migrate.add('00_base', $$
CREATE TABLE app.parted (a int, b int) PARTITION BY LIST (a);
CREATE TABLE app.part_b PARTITION OF app.parted (CONSTRAINT check_b CHECK (b >= 0)) FOR VALUES IN (2);
CREATE TABLE app.part_c PARTITION OF app.parted FOR VALUES IN (3);
CREATE TABLE app.p1 (f1 int);
CREATE TABLE app.p1_c1 () INHERITS (app.p1);
CREATE TABLE app.p2 (f1 int);
CREATE TABLE app.p2_c1 (f1 int CONSTRAINT p2_ck CHECK (f1 < 10)) INHERITS (app.p2);
CREATE TABLE app.target (id int PRIMARY KEY);
CREATE TABLE app.refs (a int, t int) PARTITION BY LIST (a);
CREATE TABLE app.refs_1 PARTITION OF app.refs FOR VALUES IN (1);
ALTER TABLE app.refs_1 ADD CONSTRAINT refs_1_t_fk FOREIGN KEY (t) REFERENCES app.target;
CREATE INDEX refs_1_t_idx ON app.refs_1 (t);
CREATE TABLE app.p3 (f1 int);
CREATE TABLE app.p3_c1 (f2 int) INHERITS (app.p3);
$$);
-- (refs_1's own foreign key and index are what a parent's could adopt)
SELECT count(*) FROM migrate.apply('00_base');

-- each case is proven by a round trip, which undoes everything it did (the
-- withdrawals too); revisions branch from 00_base, lint warnings are not
-- the point here
SET client_min_messages = error;
-- a CHECK on an inheritance child that inherits one of that name: merged,
-- and DROP CONSTRAINT could not drop it
SELECT migrate.add('02_parent_check', 'ALTER TABLE app.p1 ADD CONSTRAINT p1_ck CHECK (f1 > 0);', parents => '{00_base}');
SELECT migrate.add('03_child_merge', 'ALTER TABLE app.p1_c1 ADD CONSTRAINT p1_ck CHECK (f1 > 0);', parents => '{02_parent_check}');
-- an inheritance parent's CHECK that merges with a child's own keeps the
-- child's local: that merge is undone exactly, and the down stays
SELECT migrate.add('04_parent_merge', 'ALTER TABLE app.p2 ADD CONSTRAINT p2_ck CHECK (f1 < 10);', parents => '{00_base}');
-- a CHECK on a partitioned table whose partitions have none: created, not adopted
SELECT migrate.add('05_parted_fresh', 'ALTER TABLE app.parted ADD CONSTRAINT check_a CHECK (a > 0);', parents => '{00_base}');
-- an index or a foreign key on a partitioned table attaches a partition's
-- matching one of its own; a UNIQUE constraint only a unique index (refs_1
-- has none), and its down holds
SELECT migrate.add('06_parted_index', 'CREATE INDEX refs_t_idx ON app.refs (t);', parents => '{00_base}');
SELECT migrate.add('07_parted_unique', 'ALTER TABLE app.refs ADD CONSTRAINT refs_u UNIQUE (a, t);', parents => '{00_base}');
SELECT migrate.add('08_parted_fk', 'ALTER TABLE app.refs ADD CONSTRAINT refs_t_fk FOREIGN KEY (t) REFERENCES app.target;', parents => '{00_base}');
-- ONLY builds no partition's index: nothing to adopt
SELECT migrate.add('09_only_index', 'CREATE INDEX refs_a_idx ON ONLY app.refs (a);', parents => '{00_base}');
-- a NOT NULL column on a parent whose child has a column of that name:
-- merged, and (PostgreSQL 18) the child's column made NOT NULL, which DROP COLUMN on the
-- parent leaves; a nullable one merges and is undone exactly
SELECT migrate.add('17_merge_not_null', 'ALTER TABLE app.p3 ADD COLUMN f2 int NOT NULL;', parents => '{00_base}');
SELECT migrate.add('18_merge_nullable', 'ALTER TABLE app.p3 ADD COLUMN f2 int;', parents => '{00_base}');
RESET client_min_messages;
SELECT r.revision, r.ok, r.detail
  FROM unnest(ARRAY['03_child_merge', '04_parent_merge', '05_parted_fresh', '06_parted_index',
                    '07_parted_unique', '08_parted_fk', '09_only_index',
                    '17_merge_not_null', '18_merge_nullable']) AS t(target),
       LATERAL migrate.test_roundtrip(t.target) AS r
 WHERE r.revision = t.target;
SELECT id, down FROM migrate.revisions WHERE id IN ('03_child_merge', '06_parted_index') ORDER BY id;

-- a temporary table of the same name does not shadow the permanent one a
-- derived down drops: the down searches pg_temp last
SET search_path = app, public;
SELECT migrate.add('10_sometable', 'CREATE TABLE sometable (id int);', parents => '{00_base}');
CREATE TEMP TABLE sometable (temp_id int);
SELECT step, revision FROM migrate.apply('10_sometable');
SELECT step, revision FROM migrate.rollback('00_base');
SELECT to_regclass('app.sometable') IS NULL AS permanent_dropped,
       to_regclass('pg_temp.sometable') IS NOT NULL AS temporary_kept;
-- and a SET search_path the up makes is repeated by the down with pg_temp at its end
SELECT migrate.add('11_set_path', 'SET search_path = app; CREATE TABLE othertable (id int);', parents => '{00_base}');
SELECT down FROM migrate.revisions WHERE id = '11_set_path';
CREATE TEMP TABLE othertable (temp_id int);
SELECT step, revision FROM migrate.apply('11_set_path');
SELECT step, revision FROM migrate.rollback('00_base');
SELECT to_regclass('app.othertable') IS NULL AS permanent_dropped,
       to_regclass('pg_temp.othertable') IS NOT NULL AS temporary_kept;
DROP TABLE pg_temp.sometable, pg_temp.othertable;

-- an up that lands in pg_temp (the search_path names it first) has no
-- down that another session could run
SET search_path = pg_temp, app;
SELECT migrate.add('12_lands_in_temp', 'CREATE TABLE landed (id int);', parents => '{00_base}');
SELECT revision, ok, detail FROM migrate.test_roundtrip('12_lands_in_temp');
RESET search_path;
-- what an up does to a temporary table is gone with the session: an index
-- on one, dropped later by name, would be a permanent namesake
SET pgmigrate.guard = off;
CREATE TABLE app.temptest (tcol int);
CREATE INDEX i_temptest ON app.temptest (tcol);
RESET pgmigrate.guard;
CREATE TEMP TABLE temptest (tcol int);
SET client_min_messages = error;
SELECT migrate.add('16_temp_index', 'CREATE INDEX i_temptest ON temptest (tcol);', parents => '{00_base}');
RESET client_min_messages;
SELECT revision, ok, detail FROM migrate.test_roundtrip('16_temp_index');
DROP TABLE pg_temp.temptest;
-- a temporary object, or a search_path set to its default: no down at all
SELECT migrate.add('13_temp', 'CREATE TEMP TABLE scratch (id int);', parents => '{00_base}');
SELECT migrate.add('14_temp_function', 'CREATE FUNCTION pg_temp.f14() RETURNS int LANGUAGE sql AS ''SELECT 1'';', parents => '{00_base}');
SELECT migrate.add('15_default_path', 'SET search_path TO DEFAULT; CREATE TABLE app.t15 (id int);', parents => '{00_base}');
SELECT id, down IS NULL AS irreversible, down_derived FROM migrate.revisions
 WHERE id IN ('13_temp', '14_temp_function', '15_default_path') ORDER BY id;

-- a CHECK on a partitioned table whose partition has its own of that name:
-- the partition's becomes inherited, and DROP CONSTRAINT on the parent
-- would take it along.  Applied for real: the withdrawal is kept, logged
-- and shown, and the revision cannot be rolled back.
SET client_min_messages = error;
SELECT migrate.add('01_parted_check', 'ALTER TABLE app.parted ADD CONSTRAINT check_b CHECK (b >= 0);', parents => '{00_base}');
RESET client_min_messages;
SELECT down FROM migrate.revisions WHERE id = '01_parted_check';
SELECT step, revision FROM migrate.apply('01_parted_check');
SELECT down IS NULL AS withdrawn, down_derived FROM migrate.revisions WHERE id = '01_parted_check';
SELECT revision, irreversible, down_derived FROM migrate.status() WHERE revision = '01_parted_check';
SELECT detail FROM migrate.log WHERE action = 'apply' AND revision = '01_parted_check';
SELECT * FROM pg_temp.constraints() WHERE con = 'check_b';
SELECT count(*) FROM migrate.rollback('00_base');
SELECT * FROM migrate.plan('00_base', 'down');
-- pushing the same file again changes nothing: the down it was applied with stays
SET client_min_messages = error;
SELECT migrate.add('01_parted_check', 'ALTER TABLE app.parted ADD CONSTRAINT check_b CHECK (b >= 0);', parents => '{00_base}');
RESET client_min_messages;
SELECT down IS NULL AS withdrawn FROM migrate.revisions WHERE id = '01_parted_check';
