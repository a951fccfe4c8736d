-- part records: after each apply of a revision, drift() is empty (the
-- schema as recorded, the last whole record with the parts laid over it,
-- is the live schema), whatever the revision's DDL changed beyond what it
-- names; and compact_snapshots() writes exactly the live schema
\i sql/include/reset.psql
SET client_min_messages = error;
DROP ROLE IF EXISTS regress_pgm_rec_a;
DROP ROLE IF EXISTS regress_pgm_rec_b;
DROP ROLE IF EXISTS regress_pgm_rec_c;
CREATE ROLE regress_pgm_rec_a;
CREATE ROLE regress_pgm_rec_b;

-- register the up as a revision, apply it, and say what drift() says then
CREATE FUNCTION pg_temp.deploy(id text, up text, down text DEFAULT NULL)
    RETURNS TABLE (object text, change text, detail text) LANGUAGE plpgsql AS $$
BEGIN
    PERFORM migrate.add(id, up, down, allow_destructive => true);
    PERFORM migrate.apply();
    RETURN QUERY SELECT * FROM migrate.drift();
END
$$;

SELECT * FROM pg_temp.deploy('00', $$
CREATE TABLE app.users (id serial PRIMARY KEY, email text NOT NULL, score int DEFAULT 0);
CREATE INDEX users_email ON app.users (email);
CREATE VIEW app.active AS SELECT id, email FROM app.users WHERE score > 0;
CREATE VIEW app.active_emails AS SELECT email FROM app.active;
CREATE FUNCTION app.user_email(u app.users) RETURNS text LANGUAGE sql AS 'SELECT u.email';
CREATE FUNCTION app.twice(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i * 2';
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE TABLE app.moods (m app.mood);
CREATE TYPE app.pair AS (a int, b int);
CREATE FUNCTION app.pair_eq(app.pair, app.pair) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1.a = $2.a';
CREATE OPERATOR app.=== (LEFTARG = app.pair, RIGHTARG = app.pair, FUNCTION = app.pair_eq);
CREATE DOMAIN app.positive AS int;
CREATE TABLE app.amounts (n app.positive);
CREATE TABLE app.events (id int, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE app.events_2025 (id int NOT NULL, at date NOT NULL);
CREATE TABLE app.parent (id int);
CREATE TABLE app.child (id int, extra text);
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY users_own ON app.users USING (id = 1);
CREATE RULE users_log AS ON DELETE TO app.users DO ALSO NOTIFY users;
CREATE SCHEMA side;
CREATE TABLE side.things (id int PRIMARY KEY);
CREATE VIEW app.side_things AS SELECT id FROM side.things;
CREATE TYPE app.shape AS (sides int);
CREATE TABLE app.drawings (s app.shape);
CREATE TABLE app.system_bound (id serial PRIMARY KEY);
$$);
SELECT action, replaces IS NULL AS whole FROM migrate.snapshots ORDER BY id;

-- renames: the old key goes, with what else was recorded under it, and
-- what names the object (views over views, a function of a row type)
SELECT * FROM pg_temp.deploy('01_rename_column', 'ALTER TABLE app.users RENAME COLUMN email TO mail;');
SELECT * FROM pg_temp.deploy('02_rename_table', 'ALTER TABLE app.users RENAME TO people;');
SELECT * FROM pg_temp.deploy('03_rename_schema', 'ALTER SCHEMA side RENAME TO aside;');
SELECT * FROM pg_temp.deploy('04_rename_function', 'ALTER FUNCTION app.twice(int) RENAME TO double;');
SELECT * FROM pg_temp.deploy('05_rename_type', 'ALTER TYPE app.pair RENAME TO couple;');
SELECT * FROM pg_temp.deploy('06_rename_index', 'ALTER INDEX app.users_email RENAME TO people_mail;');
-- an index that is a constraint's renames the constraint, and the other way
SELECT * FROM pg_temp.deploy('07_rename_pkey_index', 'ALTER INDEX app.users_pkey RENAME TO people_pkey;');
SELECT * FROM pg_temp.deploy('08_rename_constraint', 'ALTER TABLE app.people RENAME CONSTRAINT people_pkey TO people_id;');
SELECT * FROM pg_temp.deploy('09_rename_value', $$ALTER TYPE app.mood RENAME VALUE 'sad' TO 'blue';$$);
-- a revision of relations only (their part is written in C): a view and
-- a rule made in the same transaction are read as they are then
SELECT * FROM pg_temp.deploy('09_relations_only', $$
CREATE TABLE app.notes (id int PRIMARY KEY, body text);
CREATE VIEW app.notes_view AS SELECT id, body FROM app.notes;
CREATE RULE notes_ins AS ON INSERT TO app.notes_view DO INSTEAD INSERT INTO app.notes VALUES (new.id, new.body);
COMMENT ON VIEW app.notes_view IS 'the notes';
$$);
SELECT snapshot -> 'objects' -> 'view app.notes_view' ->> 'query' = pg_get_viewdef('app.notes_view'::regclass) AS query_recorded
FROM migrate.snapshots ORDER BY id DESC LIMIT 1;

-- SET SCHEMA takes the table's indexes and sequences along; a type its
-- functions' and operators' signatures
SELECT * FROM pg_temp.deploy('10_table_set_schema', 'ALTER TABLE app.people SET SCHEMA aside;');
SELECT * FROM pg_temp.deploy('11_type_set_schema', 'ALTER TYPE app.couple SET SCHEMA aside;');
-- out of the document altogether: its index and sequence go with it
SELECT * FROM pg_temp.deploy('11_out_of_sight', 'ALTER TABLE app.system_bound SET SCHEMA pg_catalog;');

-- drops that take dependents along
SELECT * FROM pg_temp.deploy('12_drop_cascade', 'DROP TABLE aside.things CASCADE;');
SELECT * FROM pg_temp.deploy('13_drop_trigger', 'DROP TRIGGER users_touch ON aside.people;');
SELECT * FROM pg_temp.deploy('14_drop_policy', 'DROP POLICY users_own ON aside.people;');
SELECT * FROM pg_temp.deploy('15_drop_rule', 'DROP RULE users_log ON aside.people;');
-- a drop its subtransaction rolled back took nothing: the table and its
-- index are still there, and recorded so (what was dropped in the end is
-- not looked for)
SELECT * FROM pg_temp.deploy('15_drop_undone', $$
CREATE TABLE app.kept (id int PRIMARY KEY, note text);
CREATE TABLE app.scratch (id int PRIMARY KEY);
DO $do$
BEGIN
    BEGIN
        DROP TABLE app.kept;
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN NULL;
    END;
    DROP TABLE app.scratch;
END
$do$;
$$);
SELECT * FROM pg_temp.deploy('15_drop_kept', 'DROP TABLE app.kept;');

-- partitions and inheritance: the child changes too
SELECT * FROM pg_temp.deploy('16_attach', $$ALTER TABLE app.events ATTACH PARTITION app.events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');$$);
SELECT * FROM pg_temp.deploy('17_detach', 'ALTER TABLE app.events DETACH PARTITION app.events_2024;');
SELECT * FROM pg_temp.deploy('18_partitioned_index', 'CREATE INDEX events_at ON app.events (at);');
SELECT * FROM pg_temp.deploy('19_partitioned_trigger', 'CREATE TRIGGER events_touch BEFORE UPDATE ON app.events FOR EACH ROW EXECUTE FUNCTION app.touch();');
SELECT * FROM pg_temp.deploy('20_partitioned_fk', 'ALTER TABLE app.events ADD CONSTRAINT events_user FOREIGN KEY (id) REFERENCES aside.people (id);');
SELECT * FROM pg_temp.deploy('21_detach_with_clones', 'ALTER TABLE app.events DETACH PARTITION app.events_2025;');
SELECT * FROM pg_temp.deploy('22_inherit', 'ALTER TABLE app.child INHERIT app.parent;');
SELECT * FROM pg_temp.deploy('23_no_inherit', 'ALTER TABLE app.child NO INHERIT app.parent;');

-- privileges, comments, owners, domains
SELECT * FROM pg_temp.deploy('24_grant', 'GRANT SELECT ON app.moods TO regress_pgm_rec_a;');
SELECT * FROM pg_temp.deploy('25_grant_all', 'GRANT SELECT ON ALL TABLES IN SCHEMA app TO regress_pgm_rec_b;');
SELECT * FROM pg_temp.deploy('26_revoke', 'REVOKE SELECT ON app.moods FROM regress_pgm_rec_a;');
SELECT * FROM pg_temp.deploy('27_comment', $$COMMENT ON TABLE app.moods IS 'moods'; COMMENT ON COLUMN app.moods.m IS 'the mood';$$);
SELECT * FROM pg_temp.deploy('28_owner', 'ALTER TABLE app.moods OWNER TO regress_pgm_rec_a;');
SELECT * FROM pg_temp.deploy('29_domain_check', 'ALTER DOMAIN app.positive ADD CONSTRAINT positive_ck CHECK (VALUE > 0);');

-- renaming a role changes every object it owns or was granted: a whole record
SELECT * FROM pg_temp.deploy('30_rename_role', 'ALTER ROLE regress_pgm_rec_a RENAME TO regress_pgm_rec_c;');
SELECT replaces IS NULL AS whole FROM migrate.snapshots ORDER BY id DESC LIMIT 1;

-- EXPLAIN ANALYZE creates a table no event trigger names: a whole record
SELECT * FROM pg_temp.deploy('30_explain_ctas', $$DO $do$ BEGIN EXECUTE 'EXPLAIN ANALYZE CREATE TABLE app.explained AS SELECT 1 AS one'; END $do$;$$);
SELECT replaces IS NULL AS whole FROM migrate.snapshots ORDER BY id DESC LIMIT 1;

-- a change made by hand between two applies is still drift after the
-- second (a part takes only what the revisions changed, and what depends
-- on it: a change by hand to those objects themselves is taken with them)
SET pgmigrate.guard = off;
CREATE TABLE app.by_hand (id int);
ALTER TABLE app.amounts ADD COLUMN by_hand int;
RESET pgmigrate.guard;
SELECT * FROM pg_temp.deploy('31_after_by_hand', 'ALTER TABLE app.moods ADD COLUMN deployed int;');
SELECT migrate.record_snapshot() > 0 AS accepted;
SELECT * FROM migrate.drift();

-- rollbacks record their part too
SELECT * FROM pg_temp.deploy('32_rename_back', 'ALTER TABLE aside.people RENAME TO users;', 'ALTER TABLE aside.users RENAME TO people;');
SELECT count(*) FROM migrate.rollback('-1');
SELECT * FROM migrate.drift();

-- a table re-recorded alone still says its column depends on a composite type
SELECT * FROM pg_temp.deploy('33_composite_column', 'ALTER TABLE app.drawings ADD COLUMN n int;');

-- an index rebuilt by hand has another oid than the one recorded: dropping
-- its table still takes it from the schema as recorded
SET pgmigrate.guard = off;
REINDEX INDEX CONCURRENTLY aside.people_id;
RESET pgmigrate.guard;
SELECT * FROM migrate.drift();
SELECT * FROM pg_temp.deploy('34_drop_reindexed', 'DROP TABLE aside.users CASCADE;');
-- ... and renaming or dropping the index itself, or renaming the key
-- constraint whose index was rebuilt, replaces what was recorded of it
SELECT * FROM pg_temp.deploy('34_reindexed_table', $$
CREATE TABLE app.rebuilt (id int PRIMARY KEY, a int, b int);
CREATE INDEX rebuilt_a ON app.rebuilt (a);
CREATE INDEX rebuilt_b ON app.rebuilt (b);
$$);
SET pgmigrate.guard = off;
REINDEX TABLE CONCURRENTLY app.rebuilt;
RESET pgmigrate.guard;
SELECT * FROM pg_temp.deploy('34_rename_reindexed', 'ALTER INDEX app.rebuilt_a RENAME TO rebuilt_a2;');
SELECT * FROM pg_temp.deploy('34_drop_reindexed_index', 'DROP INDEX app.rebuilt_b;');
SELECT * FROM pg_temp.deploy('34_rename_reindexed_key', 'ALTER TABLE app.rebuilt RENAME CONSTRAINT rebuilt_pkey TO rebuilt_key;');
SET pgmigrate.guard = off;
REINDEX TABLE CONCURRENTLY app.rebuilt;
RESET pgmigrate.guard;
SELECT * FROM pg_temp.deploy('34_rename_drop_reindexed', 'ALTER INDEX app.rebuilt_a2 RENAME TO rebuilt_a3; DROP INDEX app.rebuilt_a3;',
                             'CREATE INDEX rebuilt_a2 ON app.rebuilt (a);');
SELECT count(*) FROM migrate.rollback('-1');
SELECT * FROM migrate.drift();

-- a timestamptz bound is one instant, recorded in UTC whatever the zone of
-- the session that deployed it: drift() from another zone finds nothing
SET TimeZone = 'Asia/Kolkata';
SELECT * FROM pg_temp.deploy('34_bounds_in_a_zone', $$
CREATE TABLE app.zoned (at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.zoned_2026 PARTITION OF app.zoned FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
$$);
RESET TimeZone;
SELECT * FROM migrate.drift();
SELECT (SELECT snapshot FROM migrate.snapshots ORDER BY id DESC LIMIT 1)::text LIKE '%2025-12-31 18:30:00+00%' AS bound_in_utc;

-- an operator's commutator and negator are written into the other
-- operator, and emptied there when one is dropped: no event names it
SELECT * FROM pg_temp.deploy('34_operator', $$
CREATE OPERATOR app.=== (FUNCTION = int8eq, LEFTARG = bigint, RIGHTARG = bigint, COMMUTATOR = ===);
$$);
SELECT * FROM pg_temp.deploy('34_operator_negator', $$
CREATE OPERATOR app.!== (FUNCTION = int8ne, LEFTARG = bigint, RIGHTARG = bigint, NEGATOR = OPERATOR(app.===), COMMUTATOR = !==);
$$);
SELECT count(*) FROM pg_operator WHERE oprname = '===' AND oprnegate <> 0;
SELECT * FROM pg_temp.deploy('34_operator_negator_dropped', 'DROP OPERATOR app.!== (bigint, bigint);');
SELECT count(*) FROM pg_operator WHERE oprname = '===' AND oprnegate <> 0;
-- a negator named before it exists is made as a shell, filled in later
SELECT * FROM pg_temp.deploy('34_operator_shell', $$
CREATE OPERATOR app.<| (FUNCTION = int8lt, LEFTARG = bigint, RIGHTARG = bigint, NEGATOR = OPERATOR(app.|>));
$$, 'DROP OPERATOR app.<| (bigint, bigint);');
SELECT * FROM pg_temp.deploy('34_operator_shell_filled', $$
CREATE OPERATOR app.|> (FUNCTION = int8gt, LEFTARG = bigint, RIGHTARG = bigint, NEGATOR = OPERATOR(app.<|));
$$, 'DROP OPERATOR app.|> (bigint, bigint);');
SELECT count(*) FROM migrate.rollback('34_operator_shell');
SELECT * FROM migrate.drift();
SELECT count(*) FROM migrate.rollback('34_operator_negator_dropped');
SELECT * FROM migrate.drift();
SELECT count(*) FROM migrate.apply();
SELECT * FROM migrate.drift();

-- moving an operator, or renaming its schema, changes how the other names it
SELECT * FROM pg_temp.deploy('34_operator_linked', $$
CREATE SCHEMA ops;
CREATE OPERATOR app.<=> (FUNCTION = int8eq, LEFTARG = bigint, RIGHTARG = bigint);
CREATE OPERATOR app.<!> (FUNCTION = int8ne, LEFTARG = bigint, RIGHTARG = bigint, NEGATOR = OPERATOR(app.<=>));
$$);
SELECT * FROM pg_temp.deploy('34_operator_moved', 'ALTER OPERATOR app.<=> (bigint, bigint) SET SCHEMA ops;',
                             'ALTER OPERATOR ops.<=> (bigint, bigint) SET SCHEMA app;');
SELECT * FROM pg_temp.deploy('34_operator_schema_renamed', 'ALTER SCHEMA ops RENAME TO ops2;',
                             'ALTER SCHEMA ops2 RENAME TO ops;');
SELECT count(*) FROM migrate.rollback('34_operator_linked');
SELECT * FROM migrate.drift();
SELECT count(*) FROM migrate.apply();
SELECT * FROM migrate.drift();
-- attaching the last partition's index makes the partitioned index valid
SELECT * FROM pg_temp.deploy('35_partitioned_index_only', $$
CREATE TABLE app.measures (at int) PARTITION BY RANGE (at);
CREATE TABLE app.measures_1 PARTITION OF app.measures FOR VALUES FROM (0) TO (10) PARTITION BY RANGE (at);
CREATE TABLE app.measures_1_1 PARTITION OF app.measures_1 FOR VALUES FROM (0) TO (10);
CREATE INDEX measures_at ON ONLY app.measures (at);
CREATE INDEX measures_1_at ON ONLY app.measures_1 (at);
ALTER INDEX app.measures_at ATTACH PARTITION app.measures_1_at;
CREATE INDEX measures_1_1_at ON app.measures_1_1 (at);
$$);
SELECT * FROM pg_temp.deploy('36_attach_last_index', 'ALTER INDEX app.measures_1_at ATTACH PARTITION app.measures_1_1_at;');

-- a revision that changes rows only records the empty part
SELECT * FROM pg_temp.deploy('36_rows_only', 'INSERT INTO app.measures VALUES (5);', 'DELETE FROM app.measures;');
SELECT action, replaces, snapshot FROM migrate.snapshots ORDER BY id DESC LIMIT 1;

-- a deploy of a few revisions plans the queries of a part of a few
-- objects before they run, and uses them then; a part of many objects
-- (tables and their indexes: more than 64) is planned for them, and a
-- deploy of more than 8 revisions plans when its part is taken: the same
-- records either way
SELECT * FROM pg_temp.deploy('37_many_objects', (
    SELECT string_agg(format('CREATE TABLE app.many_%s (id int PRIMARY KEY, v text); CREATE INDEX ON app.many_%s (v);', i, i), E'\n')
    FROM generate_series(1, 40) i));
SELECT count(*) FROM (SELECT migrate.add('38_many_' || i, format('ALTER TABLE app.many_%s ADD COLUMN w int; ALTER TABLE app.many_%s RENAME TO many_%s_w;', i, i, i),
                                     format('ALTER TABLE app.many_%s_w RENAME TO many_%s; ALTER TABLE app.many_%s DROP COLUMN w;', i, i, i))
                      FROM generate_series(1, 10) i) a;
SELECT count(*) FROM migrate.apply();
SELECT * FROM migrate.drift();
SELECT count(*) FROM migrate.rollback('37_many_objects');
SELECT * FROM migrate.drift();

-- the keys the parts wrote, one deploy after another, are the keys a whole
-- record writes (the query's): nothing missing, nothing wrong.  (One key of
-- an index that is gone stays behind: the old oid of the index rebuilt by
-- REINDEX CONCURRENTLY, then renamed; a row that names no object, harmless.)
SELECT * FROM pg_temp.deploy('39_other_units', $$
CREATE TYPE app.level AS ENUM ('low', 'high');
CREATE DOMAIN app.small AS int CONSTRAINT small_range CHECK (VALUE < 100) DEFAULT 1;
CREATE FUNCTION app.lift(l app.level) RETURNS app.level LANGUAGE sql IMMUTABLE AS $f$SELECT 'high'::app.level$f$;
CREATE SCHEMA extra;
CREATE EXTENSION citext SCHEMA extra;
$$);
SELECT * FROM pg_temp.deploy('40_other_units_changed', $$
ALTER TYPE app.level ADD VALUE 'mid' BEFORE 'high';
ALTER DOMAIN app.small DROP CONSTRAINT small_range;
CREATE OR REPLACE FUNCTION app.lift(l app.level) RETURNS app.level LANGUAGE sql STABLE AS $f$SELECT 'low'::app.level$f$;
ALTER SCHEMA extra RENAME TO extras;
$$);
CREATE TEMP TABLE keys_of_parts AS SELECT classid, objid, key FROM migrate.snapshot_keys WHERE classid <> 0;
SELECT migrate.record_snapshot() AS differences;
SELECT 'only in the parts' AS side, classid::regclass, key,
       pg_describe_object(classid, objid, 0) IS NOT NULL AS still_there FROM (
    SELECT classid, objid, key FROM keys_of_parts
    EXCEPT ALL SELECT classid, objid, key FROM migrate.snapshot_keys) a
UNION ALL
SELECT 'only in the whole', classid::regclass, key, true FROM (
    SELECT classid, objid, key FROM migrate.snapshot_keys WHERE classid <> 0
    EXCEPT ALL SELECT classid, objid, key FROM keys_of_parts) b
ORDER BY 1, 3, 2;

-- the schema as recorded, written whole, is the live schema
SELECT migrate.compact_snapshots() > 0 AS compacted;
SELECT (SELECT snapshot FROM migrate.snapshots ORDER BY id DESC LIMIT 1) = migrate.schema() AS same;

SET pgmigrate.guard = off;
DROP EXTENSION pgmigrate CASCADE;
DROP SCHEMA app CASCADE;
DROP SCHEMA aside CASCADE;
DROP SCHEMA extras CASCADE;
DROP SCHEMA ops2 CASCADE;
DROP TABLE pg_catalog.system_bound;
CREATE SCHEMA app;
CREATE EXTENSION pgmigrate;
DROP ROLE regress_pgm_rec_b;
DROP ROLE regress_pgm_rec_c;
