-- a column's NOT NULL constraint (PostgreSQL 18): named, NOT VALID, NO
-- INHERIT, in the document, diff() both ways, compare(), the lint, derived
-- downs and online revisions.  Before 18 a NOT NULL is no constraint: the
-- test shows that a document saying otherwise is refused there, and stops
-- (expected/diff_notnull18_1.out).
\i sql/include/reset.psql
\i sql/include/diff.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;
SELECT current_setting('server_version_num')::int >= 180000 AS not_null_constraints \gset
\if :not_null_constraints
\else
CREATE TABLE app.t (a int NOT NULL);
SELECT migrate.schema()->'objects'->'column app.t.a' AS plain;
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           jsonb_set(migrate.schema(), '{objects,column app.t.a,not_null_name}', '"named"'));
CREATE DOMAIN app.d AS int NOT NULL;
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           jsonb_set(migrate.schema(), '{objects,type app.d,not_null_name}', '"named"'));
\quit
\endif

-- the document says what a plain NOT NULL would not: the name, NOT VALID, NO INHERIT
CREATE TABLE app.t (plain int NOT NULL, named int CONSTRAINT t_named_nn NOT NULL,
                    ni int NOT NULL NO INHERIT, nv int, nullable int);
ALTER TABLE app.t ADD CONSTRAINT nv_nn NOT NULL nv NOT VALID;
CREATE TABLE app.child () INHERITS (app.t);
CREATE TABLE app.old_name (a int NOT NULL);
ALTER TABLE app.old_name RENAME TO renamed;
SELECT key, value->'not_null' AS not_null, value->'not_null_name' AS name,
       value->'not_null_valid' AS valid, value->'not_null_no_inherit' AS no_inherit
  FROM jsonb_each(migrate.schema()->'objects') WHERE key LIKE 'column app.%' ORDER BY key COLLATE "C";
-- compare() says what differs
SELECT * FROM migrate.compare(migrate.schema(),
                              jsonb_set(migrate.schema(), '{objects,column app.t.named,not_null_name}', '"other"'));
DROP TABLE app.t, app.child, app.renamed;

-- a table with each, created and dropped (NOT VALID comes after CREATE TABLE, which would validate it)
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.t (plain int NOT NULL, named int CONSTRAINT t_named_nn NOT NULL,
                    ni int NOT NULL NO INHERIT, nv int);
ALTER TABLE app.t ADD CONSTRAINT nv_nn NOT NULL nv NOT VALID;
$$);
DROP TABLE app.t;
CREATE TABLE app.t (a int, b int, c int);
INSERT INTO app.t VALUES (1, NULL, 1), (2, 2, 2);
-- a named NOT NULL added, and a NOT VALID one on a column with a NULL
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t ADD CONSTRAINT a_nn NOT NULL a;
ALTER TABLE app.t ADD CONSTRAINT b_nn NOT NULL b NOT VALID;
ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c NO INHERIT;
$$);
-- renamed, made NO INHERIT, back to the name PostgreSQL gives
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t RENAME CONSTRAINT a_nn TO a_not_null;
ALTER TABLE app.t ALTER CONSTRAINT a_not_null NO INHERIT;
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t RENAME CONSTRAINT a_not_null TO t_a_not_null;
$$);
-- validated, and back: made NOT VALID again (dropped and added NOT VALID)
UPDATE app.t SET b = 1 WHERE b IS NULL;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t VALIDATE CONSTRAINT b_nn;
$$);
-- a column added with a NOT VALID one
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t ADD COLUMN d int;
ALTER TABLE app.t ADD CONSTRAINT d_nn NOT NULL d NOT VALID;
$$);
-- a table renamed keeps its constraints' names: nothing to do for them
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t RENAME TO u;
$$, renames => '{app.t=u}', back_renames => '{app.u=t}');
SELECT key, value->'not_null_name' AS name FROM jsonb_each(migrate.schema()->'objects')
 WHERE key LIKE 'column app.u.%' ORDER BY key COLLATE "C";
ALTER TABLE app.u RENAME TO t;
-- a parent's constraint renamed: its child's follows
CREATE TABLE app.child () INHERITS (app.t);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t RENAME CONSTRAINT b_nn TO b_named;
$$);
-- a child's own change of an inherited NOT NULL: refused
SELECT * FROM migrate.diff(migrate.schema(),
                           jsonb_set(migrate.schema(), '{objects,column app.child.b,not_null_name}', '"other"'));
DROP TABLE app.child;

-- a document from elsewhere: the types, and only beside "not_null": true
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           jsonb_set(migrate.schema(), '{objects,column app.t.a,not_null_name}', '1'));
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           jsonb_set(migrate.schema(), '{objects,column app.t.b,not_null_valid}', '"no"'));
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           migrate.schema() #- '{objects,column app.t.c,not_null}');
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           jsonb_set(migrate.schema(), '{objects,column app.t.a,not_null_name}', to_jsonb(repeat('n', 64))));

-- a domain's NOT NULL is a named constraint too (since 17): created with
-- its name, renamed, added under another
SELECT * FROM pg_temp.diff_both_ways($$
CREATE DOMAIN app.dn AS int CONSTRAINT dn_named NOT NULL;
CREATE DOMAIN app.dp AS int NOT NULL;
CREATE DOMAIN app.dq AS int;
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER DOMAIN app.dn RENAME CONSTRAINT dn_named TO dn_other;
ALTER DOMAIN app.dp DROP NOT NULL;
ALTER DOMAIN app.dp ADD CONSTRAINT dp_nn NOT NULL;
ALTER DOMAIN app.dq ADD CONSTRAINT dq_nn NOT NULL;
$$);
SELECT * FROM migrate.diff('{"version": 1, "objects": {}}',
                           migrate.schema() #- '{objects,type app.dn,not_null}');
DROP DOMAIN app.dn, app.dp, app.dq;

-- the lint: ADD CONSTRAINT ... NOT NULL scans as SET NOT NULL does, but not NOT VALID
SELECT rule, severity FROM migrate.lint('ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c');
SELECT rule, severity FROM migrate.lint('ALTER TABLE app.t ADD CONSTRAINT c_nn NOT NULL c NOT VALID');
-- a derived down drops the constraint by its name
ALTER TABLE app.t ADD COLUMN e int;
RESET pgmigrate.guard;
SET client_min_messages = error;
SELECT migrate.add('01', 'ALTER TABLE app.t ADD CONSTRAINT e_nn NOT NULL e NOT VALID');
SELECT id, down_derived, down FROM migrate.revisions WHERE id = '01';
SELECT count(*) FROM migrate.apply();
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'app.t'::regclass AND conname = 'e_nn';
SELECT count(*) FROM migrate.rollback();
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'app.t'::regclass AND conname = 'e_nn';
SELECT count(*) FROM migrate.apply();
-- the same again: ADD CONSTRAINT does nothing where the column has it, so
-- DROP CONSTRAINT would drop what was there: the derived down is withdrawn
SELECT migrate.add('01b', 'ALTER TABLE app.t ADD CONSTRAINT e_nn NOT NULL e NOT VALID');
SELECT count(*) FROM migrate.apply();
SELECT id, down_derived, down FROM migrate.revisions WHERE id = '01b';
SELECT revision, irreversible FROM migrate.status() WHERE revision = '01b';

-- online type changes: of a column with a plain NOT NULL, the new
-- column's takes the old one's name; of one whose NOT NULL is NOT VALID,
-- refused
SELECT migrate.add('02', 'CREATE TABLE app.o (id int PRIMARY KEY, q int NOT NULL)');
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('03', 'ALTER TABLE app.o ALTER COLUMN q TYPE bigint', online => true, allow_destructive => true);
SELECT migrate.start('03');
CALL migrate.backfill('03');
SELECT migrate.complete('03');
SELECT a.attname, format_type(a.atttypid, NULL), k.conname
  FROM pg_attribute a JOIN pg_constraint k ON k.conrelid = a.attrelid AND k.conkey = ARRAY[a.attnum] AND k.contype = 'n'
 WHERE a.attrelid = 'app.o'::regclass ORDER BY 1;
SELECT * FROM migrate.drift();
-- an online SET NOT NULL: the column's own NOT NULL NOT VALID from start,
-- validated by the backfill, named at complete as SET NOT NULL names it
SELECT migrate.add('05', 'ALTER TABLE app.o ADD COLUMN note text', transactional => true);
SELECT count(*) FROM migrate.apply();
SET pgmigrate.guard = off;
UPDATE app.o SET note = 'n';
RESET pgmigrate.guard;
SELECT migrate.add('06', 'ALTER TABLE app.o ALTER COLUMN note SET NOT NULL', online => true);
SELECT migrate.start('06');
SELECT conname, contype, convalidated FROM pg_constraint WHERE conrelid = 'app.o'::regclass AND conname LIKE '\_pgm%';
CALL migrate.backfill('06');
SELECT migrate.complete('06');
SELECT k.conname, k.convalidated FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND k.conkey = ARRAY[a.attnum]
 WHERE k.conrelid = 'app.o'::regclass AND a.attname = 'note';
SELECT * FROM migrate.drift();
SELECT migrate.add('04', 'ALTER TABLE app.t ALTER COLUMN e TYPE bigint', online => true, allow_destructive => true);
SELECT migrate.start('04');

-- a new table whose NOT NULL's name PostgreSQL would find taken (by a
-- renamed table's, which kept it) says it: PostgreSQL would choose
-- swap_a_not_null1, which the target does not say
SET pgmigrate.guard = off;
SET client_min_messages = warning;
CREATE TABLE app.swap (a int NOT NULL);
ALTER TABLE app.swap RENAME TO swapped;
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.swap (a int CONSTRAINT swap_a_not_null NOT NULL);
$$);
SELECT conrelid::regclass, conname FROM pg_constraint WHERE conrelid IN ('app.swap'::regclass, 'app.swapped'::regclass) ORDER BY conrelid::regclass::text, conname;

-- a partition made alone and attached keeps its own NOT NULL's name, where
-- PARTITION OF would give it its parent's: the diff's PARTITION OF names it
CREATE TABLE app.part (f1 date NOT NULL, f2 int) PARTITION BY RANGE (f1);
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.part_a (f1 date NOT NULL, f2 int);
ALTER TABLE app.part ATTACH PARTITION app.part_a FOR VALUES FROM ('2016-09-01') TO ('2016-10-01');
CREATE TABLE app.part_b PARTITION OF app.part FOR VALUES FROM ('2016-10-01') TO ('2016-11-01');
$$);
SELECT conrelid::regclass, conname FROM pg_constraint
 WHERE conrelid IN ('app.part_a'::regclass, 'app.part_b'::regclass) AND contype = 'n' ORDER BY conrelid::regclass::text, conname;
DROP TABLE app.part;

-- an inheritance child takes the NOT NULL constraint of its first parent
-- that gives one, and its name, unless it makes one of its own: with a
-- primary key or NOT NULL of its own (PostgreSQL's constraints test,
-- notnull_tbl4_cld2 and _cld3), made alone and made to inherit, or left
-- by a parent it no longer inherits from.  The diff's CREATE TABLE names
-- those.
CREATE TABLE app.p1 (a int NOT NULL, b int CONSTRAINT p1_b NOT NULL, c int);
CREATE TABLE app.p2 (a int NOT NULL, b int NOT NULL, c int NOT NULL);
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.c_plain () INHERITS (app.p1);
CREATE TABLE app.c_pkey (PRIMARY KEY (a)) INHERITS (app.p1);
CREATE TABLE app.c_named (CONSTRAINT c_named_a NOT NULL a, NOT NULL b) INHERITS (app.p1);
CREATE TABLE app.c_local (a int NOT NULL, c int NOT NULL) INHERITS (app.p1);
CREATE TABLE app.c_alone (a int NOT NULL, b int NOT NULL, c int);
ALTER TABLE app.c_alone INHERIT app.p1;
CREATE TABLE app.c_two () INHERITS (app.p1, app.p2);
CREATE TABLE app.c_left () INHERITS (app.p1, app.p2);
ALTER TABLE app.c_left NO INHERIT app.p1;
CREATE TABLE app.g_pkey () INHERITS (app.c_pkey);
$$);
SELECT conrelid::regclass, a.attname, conname FROM pg_constraint k
  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
 WHERE contype = 'n' AND conrelid::regclass::text ~ '^app\.[cg]_' ORDER BY conrelid::regclass::text, 2;
DROP TABLE app.p1, app.p2 CASCADE;
-- a child's NOT VALID NOT NULL beside its parent's (only INHERIT makes
-- one): created alone, the constraint added NOT VALID, then INHERIT
CREATE TABLE app.p (a int);
ALTER TABLE app.p ADD CONSTRAINT p_a_nn NOT NULL a NOT VALID;
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.c (a int);
ALTER TABLE app.c ADD CONSTRAINT c_a_nn NOT NULL a NOT VALID;
ALTER TABLE app.c INHERIT app.p;
$$);
SELECT conrelid::regclass, conname, convalidated FROM pg_constraint
 WHERE contype = 'n' AND conrelid IN ('app.p'::regclass, 'app.c'::regclass) ORDER BY conrelid::regclass::text, conname;
DROP TABLE app.p CASCADE;
