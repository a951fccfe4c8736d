-- PostgreSQL 18's NOT ENFORCED constraints and temporal keys (WITHOUT
-- OVERLAPS, PERIOD) in the document, the diff engine (each change both
-- ways), the lint and derived downs.  Range-typed key columns, as
-- PostgreSQL's own tests have them (a scalar one wants btree_gist).
-- Before 18 there are none: the test says so and stops
-- (expected/diff_temporal_1.out).
SELECT current_setting('server_version_num')::int >= 180000 AS temporal_keys \gset
\if :temporal_keys
\else
\echo 'no NOT ENFORCED constraints nor temporal keys before PostgreSQL 18'
\quit
\endif
\i sql/include/reset.psql
\i sql/include/diff.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;

CREATE TABLE app.p (id int PRIMARY KEY);
CREATE TABLE app.f (a int);
INSERT INTO app.p VALUES (1);
INSERT INTO app.f VALUES (1);

-- the document: the definition says NOT ENFORCED, WITHOUT OVERLAPS, PERIOD;
-- a NOT ENFORCED constraint is never valid (PostgreSQL says NOT ENFORCED
-- only, even of one added NOT VALID NOT ENFORCED)
CREATE TABLE app.d (a int, CONSTRAINT d_fk FOREIGN KEY (a) REFERENCES app.p NOT VALID NOT ENFORCED,
                    CONSTRAINT d_ck CHECK (a > 0) NOT ENFORCED,
                    id int4range, valid_at daterange, CONSTRAINT d_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS),
                    CONSTRAINT d_self FOREIGN KEY (id, PERIOD valid_at) REFERENCES app.d (id, PERIOD valid_at));
SELECT key, value->>'definition' AS definition, value->'valid' AS valid
  FROM jsonb_each(migrate.schema()->'objects') WHERE key LIKE 'constraint app.d.%' ORDER BY key COLLATE "C";
-- the index of a temporal key is the constraint's, like any key's
SELECT key, value - 'depends' AS index FROM jsonb_each(migrate.schema()->'objects') WHERE key = 'index app.d_pk';
DROP TABLE app.d;

-- NOT ENFORCED constraints added and dropped: no scan, no hazard
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.f ADD CONSTRAINT f_fk FOREIGN KEY (a) REFERENCES app.p NOT ENFORCED,
                  ADD CONSTRAINT f_ck CHECK (a > 0) NOT ENFORCED;
$$);
-- a foreign key made ENFORCED: ALTER CONSTRAINT, which checks every row
-- (the hazard says so); back, NOT ENFORCED
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.f ALTER CONSTRAINT f_fk ENFORCED;
$$);
-- a NOT VALID foreign key made NOT ENFORCED: ALTER CONSTRAINT; back, NOT
-- VALID again is a new constraint (ENFORCED would validate it)
ALTER TABLE app.f DROP CONSTRAINT f_fk, ADD CONSTRAINT f_fk FOREIGN KEY (a) REFERENCES app.p NOT VALID;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.f ALTER CONSTRAINT f_fk NOT ENFORCED;
$$);
-- a CHECK made ENFORCED: PostgreSQL alters no CHECK's enforcement, it is added again
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.f DROP CONSTRAINT f_ck, ADD CONSTRAINT f_ck CHECK (a > 0);
$$);
-- enforcement and something else: a new constraint
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.f DROP CONSTRAINT f_fk, ADD CONSTRAINT f_fk FOREIGN KEY (a) REFERENCES app.p ON DELETE CASCADE;
$$);
-- a row the foreign key does not hold: NOT ENFORCED lets it in, and the
-- script that makes the key ENFORCED fails on it, as PostgreSQL's own would
ALTER TABLE app.f DROP CONSTRAINT f_fk, ADD CONSTRAINT f_fk FOREIGN KEY (a) REFERENCES app.p NOT ENFORCED;
INSERT INTO app.f VALUES (2);
SELECT migrate.schema() AS not_enforced \gset
SELECT string_agg(statement, E'\n' ORDER BY step) AS script FROM migrate.diff(:'not_enforced',
    jsonb_set(:'not_enforced', '{objects,constraint app.f.f_fk,definition}',
              '"FOREIGN KEY (a) REFERENCES app.p(id)"') #- '{objects,constraint app.f.f_fk,valid}') \gset
\echo :script
:script
DELETE FROM app.f WHERE a = 2;
ALTER TABLE app.f ALTER CONSTRAINT f_fk ENFORCED;
-- compare(), and so drift() and verify(), see enforcement
SELECT * FROM migrate.compare(:'not_enforced',
    jsonb_set(:'not_enforced', '{objects,constraint app.f.f_fk,definition}',
              '"FOREIGN KEY (a) REFERENCES app.p(id)"') #- '{objects,constraint app.f.f_fk,valid}');

-- temporal keys: tables with a temporal primary key, unique constraint and
-- foreign keys (one NOT ENFORCED), created and dropped; the referenced
-- key's index comes before the foreign keys
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.t (id int4range, valid_at daterange, CONSTRAINT t_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS));
CREATE TABLE app.u (id int4range, valid_at daterange, CONSTRAINT u_uq UNIQUE (id, valid_at WITHOUT OVERLAPS));
CREATE TABLE app.r (id int4range, valid_at daterange, parent_id int4range,
                    CONSTRAINT r_fk FOREIGN KEY (parent_id, PERIOD valid_at) REFERENCES app.t (id, PERIOD valid_at));
CREATE TABLE app.r2 (id int4range, valid_at daterange, parent_id int4range,
                     CONSTRAINT r2_fk FOREIGN KEY (parent_id, PERIOD valid_at) REFERENCES app.u (id, PERIOD valid_at) NOT ENFORCED);
$$);
INSERT INTO app.t VALUES ('[1,2)', '[2025-01-01,2026-01-01)'), ('[1,2)', '[2026-01-01,2027-01-01)');
INSERT INTO app.r VALUES ('[1,2)', '[2025-01-01,2026-01-01)', '[1,2)');
-- a temporal foreign key made NOT ENFORCED and back
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.r ALTER CONSTRAINT r_fk NOT ENFORCED;
$$);
-- a temporal key made a plain one, and back: the key is made again, and so
-- is the foreign key that uses its index
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.r DROP CONSTRAINT r_fk;
ALTER TABLE app.t DROP CONSTRAINT t_pk, ADD CONSTRAINT t_pk PRIMARY KEY (id, valid_at);
ALTER TABLE app.r ADD CONSTRAINT r_fk FOREIGN KEY (parent_id, valid_at) REFERENCES app.t (id, valid_at);
$$);
-- a temporal unique constraint added to a table with rows: the hazard says
-- it builds a GiST index under ACCESS EXCLUSIVE
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.r ADD CONSTRAINT r_uq UNIQUE (id, valid_at WITHOUT OVERLAPS);
$$);

-- a partitioned table's foreign key: ALTER CONSTRAINT on the parent
-- reaches the partitions, which say nothing of their own
CREATE TABLE app.pf (k int, a int, CONSTRAINT pf_fk FOREIGN KEY (a) REFERENCES app.p) PARTITION BY LIST (k);
CREATE TABLE app.pf_1 PARTITION OF app.pf FOR VALUES IN (1);
CREATE TABLE app.pf_2 PARTITION OF app.pf FOR VALUES IN (2);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.pf ALTER CONSTRAINT pf_fk NOT ENFORCED;
$$);
-- a partition that leaves while its parent's foreign key is made ENFORCED
-- keeps its own NOT ENFORCED: it leaves before the parent's ALTER
-- CONSTRAINT, which would reach it; back, it joins after the parent's is
-- NOT ENFORCED again (PostgreSQL attaches a foreign key only to one
-- enforced alike)
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.pf DETACH PARTITION app.pf_2;
ALTER TABLE app.pf ALTER CONSTRAINT pf_fk ENFORCED;
$$);
-- a temporal key on a partitioned table
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.pt (id int4range, valid_at daterange, CONSTRAINT pt_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS))
    PARTITION BY RANGE (id);
CREATE TABLE app.pt_1 PARTITION OF app.pt FOR VALUES FROM ('[1,2)') TO ('[100,101)');
$$);
RESET pgmigrate.guard;

-- the lint: making a foreign key ENFORCED checks every row under lock;
-- NOT ENFORCED, added or made so, checks none; a temporal key builds a
-- GiST index under ACCESS EXCLUSIVE, which no USING INDEX avoids; a
-- temporal foreign key is a foreign key
SELECT rule, statement_number, message, hint FROM migrate.lint($$
SET lock_timeout = '5s';
ALTER TABLE app.f ALTER CONSTRAINT f_fk ENFORCED;
ALTER TABLE app.f ALTER CONSTRAINT f_fk NOT ENFORCED;
ALTER TABLE app.f ADD CONSTRAINT f_fk2 FOREIGN KEY (a) REFERENCES app.p NOT ENFORCED;
ALTER TABLE app.f ADD CONSTRAINT f_ck2 CHECK (a > 0) NOT ENFORCED;
ALTER TABLE app.f ALTER CONSTRAINT f_fk DEFERRABLE;
ALTER TABLE app.t ADD CONSTRAINT t_uq UNIQUE (id, valid_at WITHOUT OVERLAPS);
ALTER TABLE app.u ADD CONSTRAINT u_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS);
ALTER TABLE app.r ADD CONSTRAINT r_fk2 FOREIGN KEY (parent_id, PERIOD valid_at) REFERENCES app.t (id, PERIOD valid_at);
CREATE TABLE app.n (a int, CONSTRAINT n_fk FOREIGN KEY (a) REFERENCES app.p NOT ENFORCED);
ALTER TABLE app.n ALTER CONSTRAINT n_fk ENFORCED;
$$) WHERE severity <> 'info' ORDER BY statement_number, rule;

-- an online revision: a temporal unique constraint is refused (a plain
-- unique index built concurrently would hold overlapping periods apart no
-- more)
SELECT migrate.add('online_temporal', 'ALTER TABLE app.r ADD CONSTRAINT r_uq3 UNIQUE (id, valid_at WITHOUT OVERLAPS);',
                   online => true);

-- derived downs: ADD CONSTRAINT ... NOT ENFORCED is undone by DROP
-- CONSTRAINT, ALTER CONSTRAINT ... ENFORCED by NOT ENFORCED and the other
-- way; a temporal unique constraint by DROP CONSTRAINT, a temporal primary
-- key by none (its columns stay NOT NULL)
SET client_min_messages = error;
SELECT migrate.add('01_not_enforced', $$
SET lock_timeout = '5s';
ALTER TABLE app.f ADD CONSTRAINT f_fk3 FOREIGN KEY (a) REFERENCES app.p NOT ENFORCED;
ALTER TABLE app.f ALTER CONSTRAINT f_fk NOT ENFORCED;
$$);
SELECT migrate.add('02_enforced', $$
SET lock_timeout = '5s';
ALTER TABLE app.f ALTER CONSTRAINT f_fk3 ENFORCED;
ALTER TABLE app.r ADD CONSTRAINT r_uq2 UNIQUE (id, valid_at WITHOUT OVERLAPS);
$$);
SELECT migrate.add('03_temporal_pk', $$
CREATE TABLE app.k (id int4range, valid_at daterange);
ALTER TABLE app.k ADD CONSTRAINT k_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS);
$$);
-- ONLY: no down derived
SELECT migrate.add('04_only', 'ALTER TABLE ONLY app.f ALTER CONSTRAINT f_fk ENFORCED;');
RESET client_min_messages;
SELECT id, down_derived, down FROM migrate.revisions ORDER BY id;
SET client_min_messages = warning;
SELECT revision, ok, detail FROM migrate.test_roundtrip('03_temporal_pk');
RESET client_min_messages;
-- the catalogs at apply: a constraint already so, or one NOT VALID made NOT
-- ENFORCED (ENFORCED again would validate it), withdraws the derived down
SET client_min_messages = error;
SELECT migrate.add('05_already', 'ALTER TABLE app.f ALTER CONSTRAINT f_fk ENFORCED;');
SELECT migrate.add('06_not_valid', $$
ALTER TABLE app.f DROP CONSTRAINT f_fk, ADD CONSTRAINT f_fk FOREIGN KEY (a) REFERENCES app.p NOT VALID;
$$, $$
ALTER TABLE app.f DROP CONSTRAINT f_fk, ADD CONSTRAINT f_fk FOREIGN KEY (a) REFERENCES app.p;
$$);
SELECT migrate.add('07_from_not_valid', 'ALTER TABLE app.f ALTER CONSTRAINT f_fk NOT ENFORCED;');
-- a partition's own temporal key is what its parent's adopts
SELECT migrate.add('08_parted', $$
CREATE TABLE app.ptt (id int4range, valid_at daterange) PARTITION BY RANGE (id);
CREATE TABLE app.ptt_1 PARTITION OF app.ptt (CONSTRAINT ptt_1_uq UNIQUE (id, valid_at WITHOUT OVERLAPS))
    FOR VALUES FROM ('[1,2)') TO ('[100,101)');
$$, 'DROP TABLE app.ptt;');
SELECT migrate.add('09_parted_key', 'ALTER TABLE app.ptt ADD CONSTRAINT ptt_uq UNIQUE (id, valid_at WITHOUT OVERLAPS);');
SET client_min_messages = warning;
SELECT count(*) FROM migrate.apply();
RESET client_min_messages;
SELECT c.relname, i.inhparent::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'app.ptt_uq'::regclass;
SELECT id, down_derived, down FROM migrate.revisions WHERE id IN ('05_already', '07_from_not_valid', '09_parted_key') ORDER BY id;
SELECT revision, irreversible FROM migrate.status() WHERE revision IN ('05_already', '07_from_not_valid', '09_parted_key') ORDER BY 1;
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'app.f'::regclass ORDER BY 1;
