-- the diff engine on inheritance and relations: a child that leaves its
-- parent, a parent dropped under a child that stays, a replica identity
-- of a new table, a materialized view's data, an index predicate that
-- reads " ON ONLY ", a renamed table's sequence, and scripts that used to
-- fail when run
\i sql/include/reset.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;

-- pg_temp.migrate(target, source, renames): the schema app built by the
-- DDL `target` is the target document; app is dropped and built again by
-- `source` (rows too); the script migrate.diff() gives from there to the
-- target, run step by step; and a last row: whether the schema reached the
-- target (what migrate.compare() finds, but where columns stand)
CREATE FUNCTION pg_temp.migrate(target_ddl text, source_ddl text, renames text[] DEFAULT '{}')
RETURNS TABLE (step int, statement text)
    LANGUAGE plpgsql SET pgmigrate.guard = off AS $$
DECLARE
    target jsonb;
    r record;
    differences text;
BEGIN
    EXECUTE target_ddl;
    target := migrate.schema();
    DROP SCHEMA app CASCADE;
    CREATE SCHEMA app;
    EXECUTE source_ddl;
    FOR r IN SELECT * FROM migrate.diff(migrate.schema(), target, renames) d ORDER BY d.step LOOP
        step := r.step; statement := r.statement;
        RETURN NEXT;
        EXECUTE r.statement;
    END LOOP;
    SELECT string_agg(c.object || ' ' || c.change || CASE WHEN c.detail <> '' THEN ': ' || c.detail ELSE '' END,
                      E'\n' ORDER BY c.object)
      INTO differences FROM migrate.compare(migrate.schema(), target) c
     WHERE c.detail !~ '^position: [0-9]+ -> [0-9]+$';
    step := NULL;
    statement := coalesce('NOT REACHED: ' || differences, 'reached');
    RETURN NEXT;
END
$$;
-- pg_temp.fresh(): an empty schema app for the next case
CREATE FUNCTION pg_temp.fresh() RETURNS void LANGUAGE sql AS $$
    DROP SCHEMA app CASCADE; CREATE SCHEMA app;
$$;

-- ---- 1. a child leaves its parent ------------------------------------------
-- NO INHERIT keeps the columns it inherited: those the target's child does
-- not have are dropped after it, those it keeps stay (local now)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (a int, x int);
$$, $$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    INSERT INTO app.c VALUES (1, 'one', 10);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- and a CHECK constraint it inherited, which the target's child has not
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a int CHECK (a > 0));
    CREATE TABLE app.c (a int, x int);
$$, $$
    CREATE TABLE app.p (a int CHECK (a > 0));
    CREATE TABLE app.c (x int) INHERITS (app.p);
    INSERT INTO app.c VALUES (1, 10);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- of two parents it leaves one: what the other gives stays inherited
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p1 (a int, b int);
    CREATE TABLE app.p2 (a int, c int);
    CREATE TABLE app.c (x int) INHERITS (app.p2);
$$, $$
    CREATE TABLE app.p1 (a int, b int);
    CREATE TABLE app.p2 (a int, c int);
    CREATE TABLE app.c (x int) INHERITS (app.p1, app.p2);
    INSERT INTO app.c VALUES (1, 2, 3, 4);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- the parent's column dropped too, the child keeping it: it leaves first
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (b int);
    CREATE TABLE app.c (a int, x int);
$$, $$
    CREATE TABLE app.p (a int, b int);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    INSERT INTO app.c VALUES (1, 2, 3);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- a partition detached keeps its index of the parent's index: dropped
-- where the target's table has none, and rows stay
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE INDEX ON app.parted (id);
    CREATE TABLE app.part0 (id int, note text);
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE INDEX ON app.parted (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1, 'one');
$$);
SELECT * FROM app.part0;
SELECT pg_temp.fresh();

-- ---- 2. a new table's replica identity ---------------------------------------
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.full_ri (a int);
    ALTER TABLE app.full_ri REPLICA IDENTITY FULL;
    CREATE TABLE app.no_ri (a int);
    ALTER TABLE app.no_ri REPLICA IDENTITY NOTHING;
$$, '');
SELECT relname, relreplident FROM pg_class WHERE relnamespace = 'app'::regnamespace ORDER BY 1;
SELECT pg_temp.fresh();

-- ---- 3. a materialized view's data -------------------------------------------
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.t (a int);
    CREATE MATERIALIZED VIEW app.filled AS SELECT a FROM app.t WHERE a > 0;
    CREATE MATERIALIZED VIEW app.empty AS SELECT a FROM app.t WHERE a > 1 WITH NO DATA;
$$, $$
    CREATE TABLE app.t (a int);
    INSERT INTO app.t VALUES (1), (2);
    CREATE MATERIALIZED VIEW app.filled AS SELECT a FROM app.t WITH NO DATA;
    CREATE MATERIALIZED VIEW app.empty AS SELECT a FROM app.t;
$$);
SELECT relname, relispopulated FROM pg_class WHERE relnamespace = 'app'::regnamespace AND relkind = 'm' ORDER BY 1;
SELECT * FROM app.filled ORDER BY a;
SELECT pg_temp.fresh();
-- populated in the target but not in the source, the query the same
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.t (a int);
    CREATE MATERIALIZED VIEW app.m AS SELECT a FROM app.t;
$$, $$
    CREATE TABLE app.t (a int);
    INSERT INTO app.t VALUES (1), (2);
    CREATE MATERIALIZED VIEW app.m AS SELECT a FROM app.t WITH NO DATA;
$$);
SELECT count(*) FROM app.m;
SELECT pg_temp.fresh();

-- and back: populated in the source, not in the target
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.t (a int);
    CREATE MATERIALIZED VIEW app.m AS SELECT a FROM app.t WITH NO DATA;
$$, $$
    CREATE TABLE app.t (a int);
    INSERT INTO app.t VALUES (1), (2);
    CREATE MATERIALIZED VIEW app.m AS SELECT a FROM app.t;
$$);
SELECT relispopulated FROM pg_class WHERE oid = 'app.m'::regclass;
SELECT pg_temp.fresh();

-- ---- 4. an index predicate that reads " ON ONLY " ------------------------------
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    CREATE INDEX parted_note ON app.parted (note) WHERE note <> ' ON ONLY ';
    CREATE TABLE app.plain (id int, note text);
    CREATE INDEX plain_note ON app.plain (note) WHERE note <> ' ON ONLY ';
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    CREATE TABLE app.plain (id int, note text);
$$);
SELECT pg_temp.fresh();

-- ---- 5. a parent dropped, its child kept ---------------------------------------
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.c (a int, b text, x int);
$$, $$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    INSERT INTO app.c VALUES (1, 'one', 10);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- keeping some of the columns it inherited
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.c (a int, x int);
$$, $$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    INSERT INTO app.c VALUES (1, 'one', 10);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- a child with a child of its own: the grandchild stays under it
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.c (a int, x int);
    CREATE TABLE app.g (y int) INHERITS (app.c);
$$, $$
    CREATE TABLE app.p (a int);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    CREATE TABLE app.g (y int) INHERITS (app.c);
    INSERT INTO app.g VALUES (1, 2, 3);
$$);
SELECT * FROM app.g;
SELECT pg_temp.fresh();
-- a partition whose partitioned table goes becomes a plain table
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.part0 (id int, note text);
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1, 'one');
$$);
SELECT * FROM app.part0;
SELECT pg_temp.fresh();
-- with its primary key of the parent's: kept as its own, or dropped
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.part0 (id int PRIMARY KEY, note text);
$$, $$
    CREATE TABLE app.parted (id int PRIMARY KEY, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1, 'one');
$$);
SELECT * FROM app.part0;
SELECT pg_temp.fresh();
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int PRIMARY KEY, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 (id int NOT NULL, note text);
$$, $$
    CREATE TABLE app.parted (id int PRIMARY KEY, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1, 'one');
$$);
SELECT * FROM app.part0;
SELECT pg_temp.fresh();

-- ---- 6. a renamed table keeps its sequences ------------------------------------
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.tasks (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, title text);
$$, $$
    CREATE TABLE app.todos (id serial PRIMARY KEY, n bigint GENERATED ALWAYS AS IDENTITY, title text);
    INSERT INTO app.todos (title) VALUES ('one'), ('two');
$$, '{app.todos=tasks}');
INSERT INTO app.tasks (title) VALUES ('three');
SELECT * FROM app.tasks ORDER BY id;
SELECT pg_temp.fresh();
-- a serial column renamed: its sequence takes the target's name too
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.t (ident serial PRIMARY KEY);
$$, $$
    CREATE TABLE app.t (id serial PRIMARY KEY);
    INSERT INTO app.t DEFAULT VALUES;
$$, '{app.t.id=ident}');
INSERT INTO app.t DEFAULT VALUES;
SELECT * FROM app.t ORDER BY ident;
SELECT pg_temp.fresh();

-- ---- 7. scripts that failed when run --------------------------------------------
-- a table made to inherit a parent gets the parent's columns it lacks first
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
$$, $$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (x int);
    INSERT INTO app.c VALUES (10);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- and its CHECK constraints; a table attached as a partition, its columns
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a int CHECK (a > 0), b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
$$, $$
    CREATE TABLE app.p (a int CHECK (a > 0), b text);
    CREATE TABLE app.c (x int);
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 (id int);
    INSERT INTO app.part0 VALUES (1);
$$);
SELECT * FROM app.parted;
SELECT pg_temp.fresh();
-- a column the parent has NOT NULL is made so before INHERIT, which wants it
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a int NOT NULL);
    CREATE TABLE app.c (a int NOT NULL, x int) INHERITS (app.p);
$$, $$
    CREATE TABLE app.p (a int NOT NULL);
    CREATE TABLE app.c (a int, x int);
    INSERT INTO app.c VALUES (1, 2);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- a parent's column retyped: the child's inherited column follows by itself
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a bigint, b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
$$, $$
    CREATE TABLE app.p (a int, b text);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    INSERT INTO app.c VALUES (1, 'one', 10);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- a partitioned table's column retyped: its partitions' follow
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
$$, $$
    CREATE TABLE app.parted (id int, note varchar(5)) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1, 'one');
$$);
SELECT * FROM app.parted;
SELECT pg_temp.fresh();
-- but a partition key column's: PostgreSQL does not, refused
\set SHOW_CONTEXT never
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id bigint, note text) PARTITION BY RANGE (id);
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
$$);
\set SHOW_CONTEXT errors
SELECT pg_temp.fresh();
-- with a view on the child's column, re-created around the parent's change
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p (a bigint);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    CREATE VIEW app.v AS SELECT a FROM app.c;
$$, $$
    CREATE TABLE app.p (a int);
    CREATE TABLE app.c (x int) INHERITS (app.p);
    CREATE VIEW app.v AS SELECT a FROM app.c;
    INSERT INTO app.c VALUES (1, 10);
$$);
SELECT * FROM app.v;
SELECT pg_temp.fresh();
-- a rename to a name the target does not hold: refused, where the
-- script used to rename, then fail to drop what it renamed
CREATE TABLE app.todos (id int, name text);
CREATE TEMP TABLE docs AS SELECT migrate.schema() AS before;
ALTER TABLE app.todos RENAME TO tasks;
ALTER TABLE app.tasks RENAME COLUMN name TO title;
SELECT count(*) FROM docs, migrate.diff(before, migrate.schema(), '{app.todos=jobs}');
SELECT count(*) FROM docs, migrate.diff(before, migrate.schema(), '{app.todos=tasks,app.todos.name=label}');
-- as the target has them, they are renames
SELECT d.statement FROM docs, migrate.diff(before, migrate.schema(), '{app.todos=tasks,app.todos.name=title}') d;
SELECT pg_temp.fresh();
-- ---- fuzz cases ------------------------------------------------------------
-- of two parents the first is replaced: INHERIT appends, so every parent
-- from the first that differs goes and comes again, in the target's order
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.p1 (a int);
    CREATE TABLE app.p2 (b int);
    CREATE TABLE app.p3 (a int);
    CREATE TABLE app.c (x int) INHERITS (app.p3, app.p2);
$$, $$
    CREATE TABLE app.p1 (a int);
    CREATE TABLE app.p2 (b int);
    CREATE TABLE app.c (x int) INHERITS (app.p1, app.p2);
    INSERT INTO app.c VALUES (1, 2, 3);
$$);
SELECT * FROM app.c;
SELECT pg_temp.fresh();
-- a partitioned table's primary key dropped: its partitions' go with it
-- (PostgreSQL refuses to drop them by themselves)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY LIST (id);
    CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES IN (1);
$$, $$
    CREATE TABLE app.parted (id int PRIMARY KEY, note text) PARTITION BY LIST (id);
    CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES IN (1);
$$);
SELECT pg_temp.fresh();
-- a partition renamed reads as a drop and a create: the old one goes
-- first, as the new one takes its bounds
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.zpart PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.apart PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
$$);
SELECT pg_temp.fresh();
-- a partition's index that comes with its parent's is named by
-- PostgreSQL: renamed, when the script runs, to the target's name (its
-- primary key with it), and left alone where it has it
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int PRIMARY KEY, note text) PARTITION BY RANGE (id);
    CREATE INDEX parted_note ON app.parted (note);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    ALTER INDEX app.part0_note_idx RENAME TO part0_by_note;
    ALTER INDEX app.part0_pkey RENAME TO part0_key;
$$, $$
    CREATE TABLE app.parted (id int PRIMARY KEY, note text) PARTITION BY RANGE (id);
    CREATE INDEX parted_note ON app.parted (note);
$$);
SELECT c.conname, c.conindid::regclass FROM pg_constraint c WHERE c.conrelid = 'app.part0'::regclass AND c.contype <> 'n';  -- 18's not-null rows aside
SELECT pg_temp.fresh();
-- a partition's index renamed
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE INDEX parted_note ON app.parted (note);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    ALTER INDEX app.part0_note_idx RENAME TO part0_by_note;
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE INDEX parted_note ON app.parted (note);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
$$);
SELECT pg_temp.fresh();
-- a partitioned index renamed reads as one dropped and one created: the
-- old one goes first, with its partitions' indexes, whose names the new
-- one's take (and the comment one of them has)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES FROM (10) TO (20);
    CREATE INDEX renamed ON app.parted (note);
    COMMENT ON INDEX app.part0_note_idx IS 'part zero';
$$, $$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES FROM (10) TO (20);
    CREATE INDEX parted_note ON app.parted (note);
$$);
SELECT pg_temp.fresh();
-- a partitioned table renamed reads as one dropped and one created: the
-- new one's primary key, of the old one's name, after the old one is gone
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.renamed (id int, CONSTRAINT parted_pkey PRIMARY KEY (id)) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.renamed FOR VALUES FROM (0) TO (10);
$$, $$
    CREATE TABLE app.parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1);
$$);
SELECT * FROM app.renamed;
SELECT pg_temp.fresh();
-- a child gains its parent while both change a column's type: both
-- ALTERs before INHERIT (after it, the parent's reaches the child, whose
-- own is refused: "cannot alter inherited column"; found by the fuzzer)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.pet (id int, owner text);
    CREATE TABLE app.petdog (id int, owner text) INHERITS (app.pet);
$$, $$
    CREATE TABLE app.pet (id int, owner interval);
    CREATE TABLE app.petdog (id int, owner interval);
    INSERT INTO app.petdog VALUES (1, NULL);
$$);
SELECT * FROM app.petdog;
SELECT pg_temp.fresh();
-- a partition detached keeps its primary key while the parent's goes: it
-- leaves before the parent's is dropped, which would take it along (found
-- by the semantic fuzzer)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, CONSTRAINT parted_pkey PRIMARY KEY (id)) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    ALTER TABLE app.parted DETACH PARTITION app.part0;
    ALTER TABLE app.parted DROP CONSTRAINT parted_pkey;
$$, $$
    CREATE TABLE app.parted (id int, CONSTRAINT parted_pkey PRIMARY KEY (id)) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    INSERT INTO app.parted VALUES (1);
$$);
SELECT c.conname, c.conparentid <> 0 AS inherited FROM pg_constraint c
 WHERE c.conrelid = 'app.part0'::regclass AND c.contype <> 'n';  -- 18's not-null rows aside
SELECT * FROM app.part0;
SELECT pg_temp.fresh();
-- a column a child declares and inherits (merged) comes back with its
-- parent's: the child's own ADD COLUMN first, then the parent's merges
-- into it (the other way round the child's was refused: "already exists";
-- found by the semantic fuzzer)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.animal (id int, legs int DEFAULT 4);
    CREATE TABLE app.bird (legs int DEFAULT 2) INHERITS (app.animal);
$$, $$
    CREATE TABLE app.animal (id int);
    CREATE TABLE app.bird () INHERITS (app.animal);
    INSERT INTO app.bird VALUES (1);
$$);
SELECT * FROM app.bird;
SELECT pg_temp.fresh();
-- a CHECK a grandchild inherits through a parent it leaves, and that the
-- grandparent drops: the grandchild leaves first (else the grandparent's
-- drop reaches it through the parent, and its own drop fails)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.animal (id int, legs int);
    CREATE TABLE app.dog (bark text) INHERITS (app.animal);
    CREATE TABLE app.pet (owner text);
    CREATE TABLE app.petdog () INHERITS (app.dog, app.pet);
$$, $$
    CREATE TABLE app.animal (id int, legs int, CONSTRAINT legs_ok CHECK (legs >= 0));
    CREATE TABLE app.hound (bark text) INHERITS (app.animal);
    CREATE TABLE app.pet (owner text);
    CREATE TABLE app.petdog () INHERITS (app.hound, app.pet);
    INSERT INTO app.petdog VALUES (1, 4, 'woof', 'ann');
$$);
SELECT * FROM app.petdog;
SELECT pg_temp.fresh();
-- a partition moved to a new parent keeps its index, which the parent's
-- new index adopts: the comment it had goes, as the target says (the
-- partition partitioned too, one of its own partitions' index renamed)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10) PARTITION BY HASH (id);
    CREATE TABLE app.part0_a PARTITION OF app.part0 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
    CREATE TABLE app.part0_b PARTITION OF app.part0 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
    CREATE INDEX parted_note ON app.parted (note);
$$, $$
    CREATE TABLE app.old_parted (id int, note text) PARTITION BY RANGE (id);
    CREATE TABLE app.part0 PARTITION OF app.old_parted FOR VALUES FROM (0) TO (10) PARTITION BY HASH (id);
    CREATE TABLE app.part0_a PARTITION OF app.part0 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
    CREATE TABLE app.part0_b PARTITION OF app.part0 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
    CREATE INDEX parted_note ON app.old_parted (note);
    ALTER INDEX app.part0_a_note_idx RENAME TO renamed_idx;
    COMMENT ON INDEX app.part0_note_idx IS 'part zero';
$$);
SELECT obj_description('app.part0_note_idx'::regclass, 'pg_class');
SELECT pg_temp.fresh();
-- a partition dropped from a table a foreign key references: detached
-- first (DROP TABLE is refused while the key depends on it), also one
-- level down
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
    CREATE TABLE app.p0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10) PARTITION BY RANGE (id);
    CREATE TABLE app.p0a PARTITION OF app.p0 FOR VALUES FROM (0) TO (5);
    CREATE TABLE app.ref (id int REFERENCES app.parted);
$$, $$
    CREATE TABLE app.parted (id int PRIMARY KEY) PARTITION BY RANGE (id);
    CREATE TABLE app.p0 PARTITION OF app.parted FOR VALUES FROM (0) TO (10) PARTITION BY RANGE (id);
    CREATE TABLE app.p0a PARTITION OF app.p0 FOR VALUES FROM (0) TO (5);
    CREATE TABLE app.p0b PARTITION OF app.p0 FOR VALUES FROM (5) TO (10);
    CREATE TABLE app.p1 PARTITION OF app.parted FOR VALUES FROM (10) TO (20);
    CREATE TABLE app.ref (id int REFERENCES app.parted);
    INSERT INTO app.parted VALUES (1), (7), (15);
    INSERT INTO app.ref VALUES (1);
$$);
SELECT * FROM app.parted;
SELECT pg_temp.fresh();
-- a partition attached later whose columns stand elsewhere is created on
-- its own, but without the identity it takes from its parent when attached
-- (PostgreSQL 17 on: the table being attached may have none of its own;
-- found by the PostgreSQL 18 corpus, identity)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (f1 date NOT NULL, f3 bigint GENERATED ALWAYS AS IDENTITY) PARTITION BY RANGE (f1);
    CREATE TABLE app.part2 (f3 bigint NOT NULL, f1 date NOT NULL);
    ALTER TABLE app.parted ATTACH PARTITION app.part2 FOR VALUES FROM ('2016-08-01') TO ('2016-09-01');
$$, $$
$$);
INSERT INTO app.parted (f1) VALUES ('2016-08-02');
SELECT f3 FROM app.part2;
SELECT pg_temp.fresh();
-- a partition's own primary key that its parent's unique index adopted:
-- the primary key first, then the parent's index, which adopts it (the
-- other way round the parent's index built one of its own and the primary
-- key another; found by the PostgreSQL 18 corpus, constraints)
SELECT * FROM pg_temp.migrate($$
    CREATE TABLE app.parted (a int) PARTITION BY LIST (a);
    CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES IN (1);
    ALTER TABLE app.part1 ADD PRIMARY KEY (a);
    CREATE UNIQUE INDEX ON app.parted (a);
$$, $$
$$);
SELECT i.indexrelid::regclass AS index, h.inhparent::regclass AS attached_to
  FROM pg_index i LEFT JOIN pg_inherits h ON h.inhrelid = i.indexrelid
 WHERE i.indrelid = 'app.part1'::regclass;
SELECT pg_temp.fresh();
-- a partitioned table dropped with its partitions (one partitioned itself)
-- while a foreign key of its own references it: its DROP TABLE takes them
-- (a partition dropped first fails while the key references it; found by
-- the PostgreSQL 18 corpus, foreign_key)
SELECT * FROM pg_temp.migrate($$
$$, $$
    CREATE TABLE app.parted (id bigint PRIMARY KEY, ref bigint REFERENCES app.parted (id)) PARTITION BY RANGE (id);
    CREATE TABLE app.part1 PARTITION OF app.parted FOR VALUES FROM (0) TO (10);
    CREATE TABLE app.part2 PARTITION OF app.parted FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (id);
    CREATE TABLE app.part21 PARTITION OF app.part2 FOR VALUES FROM (10) TO (15);
$$);
SELECT pg_temp.fresh();
