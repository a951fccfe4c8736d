-- the schema as a document, and the diff engine: for each kind of object,
-- a change made by hand, the DDL migrate.diff() generates back and forth,
-- and the proof that each direction reaches its target (pg_temp.diff_both_ways
-- runs the DDL and compares the schema with migrate.compare())
\i sql/include/reset.psql
\i sql/include/diff.psql
SET client_min_messages = warning;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgm_diff_reader') THEN CREATE ROLE pgm_diff_reader; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgm_diff_owner') THEN CREATE ROLE pgm_diff_owner; END IF;
END $$;
SET pgmigrate.guard = off;

-- ---- the document ----------------------------------------------------
CREATE TABLE app.users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                        email text NOT NULL UNIQUE, score int DEFAULT 0 CHECK (score >= 0));
CREATE VIEW app.active AS SELECT id, email FROM app.users WHERE score > 0;
-- every object under its key, with kind, attributes and dependencies
SELECT key, value->>'kind' AS kind, value->'depends' AS depends
  FROM jsonb_each(migrate.schema()->'objects') WHERE key LIKE '%app%' ORDER BY key COLLATE "C";
SELECT jsonb_pretty(migrate.schema()->'objects'->'column app.users.score');
SELECT jsonb_pretty(migrate.schema()->'objects'->'constraint app.users.users_email_key');
SELECT migrate.schema()->'objects'->'view app.active'->>'query' AS query;
-- names that need quoting are quoted in keys, as SQL would write them
CREATE TABLE app."Mixed Case" ("Col" int);
SELECT key FROM jsonb_each(migrate.schema()->'objects') WHERE key LIKE '%Mixed%' ORDER BY 1;
DROP TABLE app."Mixed Case";
-- two equal documents: nothing to compare, nothing to do
SELECT count(*) AS differences FROM migrate.compare(migrate.schema(), migrate.schema());
SELECT count(*) AS steps FROM migrate.diff(migrate.schema(), migrate.schema());

-- the aggregate that puts the document together (migrate.schema() ends
-- with it): each object without its null attributes, at any depth, as
-- jsonb_strip_nulls() leaves it, with "depends": the distinct keys it
-- depends on, in byte order; a key given twice keeps its last doc; the
-- dependencies of a key that is no object are left out
CREATE TEMP TABLE doc_rows (n int, key text, doc jsonb, depends_on text);
INSERT INTO doc_rows VALUES
  (1, 'table a.b', '{"kind": "table", "comment": null, "grants": ["x", null, "y"],
                     "nested": {"keep": 1, "drop": null, "deeper": [{"gone": null, "n": 2.50}, true, null]}}', NULL),
  (2, 'table a.b', NULL, 'schema a'),
  (3, 'table a.b', NULL, 'schema a'),
  (4, 'table a.b', NULL, 'Schema z'),
  (5, 'column a.b.c', '{"kind": "column", "depends": "replaced", "zzzzzzzzz": false, "a": -1e30}', 'table a.b'),
  (6, 'column a.b.d', '{"kind": "column", "first": "loses"}', NULL),
  (7, 'column a.b.d', '{"kind": "column", "later": "wins"}', NULL),
  (8, 'nothing', NULL, 'table a.b'),
  (9, 'schema a', '{}', NULL);
SELECT jsonb_pretty(migrate.schema_document(key, doc, depends_on ORDER BY n)) FROM doc_rows;
SELECT migrate.schema_document(key, doc, depends_on) FROM doc_rows WHERE false;
-- "depends" is there also when no row names a dependency
SELECT migrate.schema_document(k, d, NULL) FROM (VALUES ('a', '{"x": 1}'::jsonb)) v (k, d);
-- the same jsonb as jsonb's own functions make, also for objects of many
-- attributes (a jsonb object stores an offset every 32 entries) and many
-- objects: documents of random objects, numbers, strings, nulls, arrays and
-- nested objects
SELECT setseed(0.25);
CREATE TEMP TABLE random_rows AS
SELECT o, 'k' || repeat('x', (random() * 5)::int) || o AS key,
       (SELECT jsonb_object_agg('a' || repeat('b', (random() * 3)::int) || i,
                  CASE (random() * 5)::int WHEN 0 THEN NULL WHEN 1 THEN to_jsonb(random() * 1000)
                       WHEN 2 THEN to_jsonb(md5(i::text)) WHEN 3 THEN jsonb_build_array(i, NULL, jsonb_build_object('x', NULL, 'y', i))
                       ELSE jsonb_build_object('n', NULL, 'm', jsonb_build_object('deep', NULL, 'v', o)) END)
        FROM generate_series(1, 1 + (o % 45)) i WHERE o > 0) AS doc
FROM generate_series(1, 3000) o;
INSERT INTO random_rows SELECT o, key, NULL FROM random_rows, generate_series(1, o % 4) WHERE o % 7 <> 0;
WITH deps AS (SELECT key, jsonb_agg(DISTINCT ('dep' || (o * 7919 % 101)) COLLATE "C") AS depends
              FROM random_rows WHERE doc IS NULL GROUP BY key),
     ours AS (SELECT migrate.schema_document(key, doc, CASE WHEN doc IS NULL THEN 'dep' || (o * 7919 % 101) END) AS d
              FROM random_rows),
     theirs AS (SELECT jsonb_build_object('version', 1, 'objects', jsonb_object_agg(r.key,
                           jsonb_strip_nulls(r.doc) || jsonb_build_object('depends', coalesce(d.depends, '[]')))) AS d
                FROM random_rows r LEFT JOIN deps d ON d.key = r.key WHERE r.doc IS NOT NULL)
SELECT ours.d = theirs.d AS equal, ours.d::text = theirs.d::text AS same_text,
       pg_column_size(ours.d) = pg_column_size(theirs.d) AS same_size,
       (SELECT count(*) FROM jsonb_each(ours.d->'objects')) AS objects,
       -- every key found again by jsonb's binary search
       (SELECT count(*) FROM jsonb_each(theirs.d->'objects') e
        WHERE (ours.d->'objects')->e.key = e.value) AS found
FROM ours, theirs;
-- rows it cannot take
SELECT migrate.schema_document(NULL, '{}', NULL);
SELECT migrate.schema_document('table a.b', '[1, 2]', NULL);
SELECT migrate.schema_document('table a.b', '"text"', NULL);

-- one object's attributes, as migrate.schema() writes them:
-- jsonb_strip_nulls(jsonb_build_object(...)) for values of type text,
-- varchar, name, boolean, smallint, integer, bigint and jsonb; a name given
-- twice keeps its last value (and a last NULL takes the name out)
SELECT jsonb_pretty(migrate.schema_object('kind', 'table', 'name', 'users'::name, 'note', 'x'::varchar(3),
           'none', NULL::text, 'yes', true, 'no', false, 'small', (-2)::smallint, 'int', 2147483647,
           'big', (-9223372036854775807)::bigint, 'json_null', 'null'::jsonb, 'scalar', to_jsonb('s'::text),
           'number', '1.50'::jsonb, 'list', '[1, null, {"a": null, "b": 2}]'::jsonb,
           'nested', '{"keep": "k", "drop": null}'::jsonb, 'twice', 'first', 'twice', 'last',
           'gone', 'first', 'gone', NULL::text, '', 'empty name'));
-- the same jsonb as jsonb's own functions, on random values of every type it takes
SELECT setseed(0.5);
CREATE TEMP TABLE object_values AS
SELECT i, CASE WHEN random() < 0.2 THEN NULL ELSE md5(i::text) END AS t,
       CASE WHEN random() < 0.2 THEN NULL ELSE ('n' || i)::name END AS n,
       CASE WHEN random() < 0.2 THEN NULL ELSE random() < 0.5 END AS b,
       CASE WHEN random() < 0.2 THEN NULL ELSE (random() * 60000 - 30000)::smallint END AS s,
       CASE WHEN random() < 0.2 THEN NULL ELSE (random() * 4e9 - 2e9)::int END AS i4,
       CASE WHEN random() < 0.2 THEN NULL ELSE (random() * 1e18)::bigint * (i % 3 - 1) END AS i8,
       CASE (random() * 6)::int WHEN 0 THEN NULL WHEN 1 THEN 'null'::jsonb WHEN 2 THEN to_jsonb(random())
            WHEN 3 THEN jsonb_build_array(i, NULL, 'x') WHEN 4 THEN jsonb_build_object('a', NULL, 'b', i, 'c', jsonb_build_object('d', NULL))
            ELSE to_jsonb(i::text) END AS j
FROM generate_series(1, 2000) i;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE ours = theirs AND ours::text = theirs::text
                          AND pg_column_size(ours) = pg_column_size(theirs)) AS the_same
FROM (SELECT migrate.schema_object('text', t, 'name', n, 'bool', b, 'small', s, 'int', i4, 'big', i8, 'json', j,
                                   'kind', 'literal', 'a_rather_long_name_that_sorts_last', t) AS ours,
             jsonb_strip_nulls(jsonb_build_object('text', t, 'name', n, 'bool', b, 'small', s, 'int', i4, 'big', i8,
                                   'json', j, 'kind', 'literal', 'a_rather_long_name_that_sorts_last', t)) AS theirs
      FROM object_values) x;
-- what it cannot take
SELECT migrate.schema_object('odd');
SELECT migrate.schema_object(VARIADIC ARRAY['a', 'b']);
SELECT migrate.schema_object('when', now()::date);
SELECT migrate.schema_object('list', ARRAY[1, 2]);
SELECT migrate.schema_object(1, 'one');
SELECT migrate.schema_object(NULL::text, 'nameless');
-- a value nested deeper than the server's stack allows: an error, not a crash
\set VERBOSITY terse
SELECT migrate.schema_object('deep', (repeat('[', 12000) || repeat(']', 12000))::jsonb) IS NOT NULL;
\set VERBOSITY default

-- ---- tables and columns ------------------------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.todos (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    owner bigint NOT NULL REFERENCES app.users ON DELETE CASCADE,
    title text COLLATE "C" NOT NULL DEFAULT '',
    done boolean NOT NULL DEFAULT false
) WITH (fillfactor = 90);
CREATE INDEX todos_owner ON app.todos (owner) WHERE NOT done;
COMMENT ON TABLE app.todos IS 'things to do';
COMMENT ON COLUMN app.todos.title IS 'what';
$$);
-- a column added, one dropped: the drop is data loss, and looks like a rename
INSERT INTO app.users (email) VALUES ('ada@example.com');
INSERT INTO app.todos (owner, title) VALUES (1, 'write the diff engine');
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.todos ADD COLUMN name text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE app.todos DROP COLUMN title;
$$);
-- said to be a rename, it is one, both ways, and the row keeps its data
UPDATE app.todos SET name = 'write the diff engine';
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.todos RENAME COLUMN name TO title;
$$, renames => '{app.todos.name=title}', back_renames => '{app.todos.title=name}');
SELECT title FROM app.todos;
-- a table renamed, with a column of it
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.todos RENAME TO tasks;
ALTER TABLE app.tasks RENAME COLUMN done TO finished;
$$, renames => '{app.todos=tasks,app.todos.done=finished}', back_renames => '{app.tasks=todos,app.tasks.finished=done}');
SELECT count(*) AS rows_kept FROM app.tasks;
-- several columns of one type dropped and added in one table: no pairing is
-- guessed, no two drops are said to be the same add; each drop names the adds
-- it may have become and asks which, if any (a pair alone still looks like one)
CREATE TABLE app.pairs (id int, a text, b text, c int);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.pairs DROP COLUMN a, DROP COLUMN b, DROP COLUMN c,
    ADD COLUMN x text, ADD COLUMN y text, ADD COLUMN z text, ADD COLUMN d int;
$$);
DROP TABLE app.pairs;
-- types, defaults, NOT NULL, identity, generated expressions
ALTER TABLE app.tasks ADD COLUMN title_length int GENERATED ALWAYS AS (length(title)) STORED;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.users ALTER COLUMN score SET DEFAULT 10;
ALTER TABLE app.users ALTER COLUMN score SET NOT NULL;
ALTER TABLE app.users ALTER COLUMN id SET GENERATED BY DEFAULT;
ALTER TABLE app.tasks ALTER COLUMN owner DROP NOT NULL;
ALTER TABLE app.tasks ALTER COLUMN id DROP IDENTITY;
ALTER TABLE app.tasks DROP COLUMN title_length;
ALTER TABLE app.tasks ALTER COLUMN title TYPE varchar(200);
ALTER TABLE app.tasks ADD COLUMN title_length int GENERATED ALWAYS AS (length(title) + 1) STORED;
$$);
-- an identity's sequence options
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.users ALTER COLUMN id SET START WITH 1000 SET INCREMENT BY 10 SET CACHE 5;
CREATE TABLE app.numbered (n bigint GENERATED ALWAYS AS IDENTITY (START WITH 7 MAXVALUE 99 CYCLE));
$$);
-- a type change with data that needs a conversion
CREATE TABLE app.readings (id int PRIMARY KEY, value text);
INSERT INTO app.readings VALUES (1, '42'), (2, '7');
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.readings ALTER COLUMN value TYPE integer USING value::integer;
$$);
SELECT * FROM app.readings ORDER BY id;
-- storage and security of a table
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.readings SET UNLOGGED;
ALTER TABLE app.readings SET (fillfactor = 70, autovacuum_enabled = false);
ALTER TABLE app.readings ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.readings FORCE ROW LEVEL SECURITY;
ALTER TABLE app.readings REPLICA IDENTITY FULL;
CREATE POLICY readings_small ON app.readings FOR SELECT TO pgm_diff_reader USING (value < 100);
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER POLICY readings_small ON app.readings TO pgm_diff_reader, pgm_diff_owner USING (value < 50);
$$);

-- ---- constraints and indexes -------------------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.readings ADD CONSTRAINT readings_positive CHECK (value > 0) NOT VALID;
ALTER TABLE app.readings ADD CONSTRAINT readings_value_key UNIQUE (value);
ALTER TABLE app.readings ADD COLUMN during int4range;
ALTER TABLE app.readings ADD CONSTRAINT readings_no_overlap EXCLUDE USING gist (during WITH &&);
CREATE UNIQUE INDEX readings_lower ON app.readings (lower(during));
$$);
-- validating is an ALTER; a changed definition is a new constraint
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.readings VALIDATE CONSTRAINT readings_positive;
DROP INDEX app.readings_lower;
CREATE UNIQUE INDEX readings_lower ON app.readings (upper(during));
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.readings DROP CONSTRAINT readings_positive;
ALTER TABLE app.readings ADD CONSTRAINT readings_positive CHECK (value >= 0);
$$);

-- ---- sequences -----------------------------------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
CREATE SEQUENCE app.tickets AS integer START 100 INCREMENT 5 CACHE 10;
CREATE TABLE app.queue (n int NOT NULL DEFAULT nextval('app.tickets'));
ALTER SEQUENCE app.tickets OWNED BY app.queue.n;
CREATE TABLE app.serials (id bigserial PRIMARY KEY);
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER SEQUENCE app.tickets INCREMENT 1 MAXVALUE 1000000 CYCLE;
$$);
-- a table dropped and one of the same shape created looks like a rename; the
-- sequence its column owns is let go of before the drop and owned again after
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.queue RENAME TO jobs;
$$);

-- ---- views ---------------------------------------------------------------
-- a column appended to a view: CREATE OR REPLACE; one removed: re-created,
-- with the view that depends on it
CREATE VIEW app.active_emails AS SELECT email FROM app.active;
SELECT * FROM pg_temp.diff_both_ways($$
CREATE OR REPLACE VIEW app.active AS SELECT id, email, score FROM app.users WHERE score > 0;
$$);
SELECT * FROM pg_temp.diff_both_ways($$
DROP VIEW app.active_emails;
DROP VIEW app.active;
CREATE VIEW app.active AS SELECT email, id FROM app.users WHERE score > 1;
CREATE VIEW app.active_emails AS SELECT email FROM app.active;
$$);
-- a column type change under views: they are dropped and re-created around it
SELECT * FROM pg_temp.diff_both_ways($$
DROP VIEW app.active_emails;
DROP VIEW app.active;
ALTER TABLE app.users ALTER COLUMN email TYPE varchar(320);
CREATE VIEW app.active AS SELECT email, id FROM app.users WHERE score > 1;
CREATE VIEW app.active_emails AS SELECT email FROM app.active;
$$);
SELECT * FROM pg_temp.diff_both_ways($$
CREATE MATERIALIZED VIEW app.scores AS SELECT score, count(*) AS n FROM app.users GROUP BY score WITH NO DATA;
CREATE UNIQUE INDEX scores_score ON app.scores (score);
CREATE VIEW app.checked WITH (security_barrier) AS SELECT * FROM app.readings WHERE value > 0 WITH LOCAL CHECK OPTION;
$$);

-- ---- functions, procedures, triggers --------------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
CREATE FUNCTION app.double(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i * 2';
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $f$BEGIN NEW.score := NEW.score + 1; RETURN NEW; END$f$;
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE PROCEDURE app.reset_scores() LANGUAGE sql AS 'UPDATE app.users SET score = 0';
CREATE VIEW app.doubled AS SELECT app.double(score) AS d FROM app.users;
$$);
-- a body changed: CREATE OR REPLACE; a signature changed: re-created, with
-- the view that calls it; a trigger disabled
SELECT * FROM pg_temp.diff_both_ways($$
CREATE OR REPLACE FUNCTION app.double(i int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT i + i';
ALTER TABLE app.users DISABLE TRIGGER users_touch;
$$);
SELECT * FROM pg_temp.diff_both_ways($$
DROP VIEW app.doubled;
DROP FUNCTION app.double(int);
CREATE FUNCTION app.double(i bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT i * 2';
CREATE VIEW app.doubled AS SELECT app.double(score) AS d FROM app.users;
$$);
-- aggregates: plain, of no argument, ordered-set, with a sort operator; one changed
SELECT * FROM pg_temp.diff_both_ways($$
CREATE AGGREGATE app.total(int) (sfunc = int4pl, stype = int, combinefunc = int4pl, parallel = safe);
CREATE AGGREGATE app.counted(*) (sfunc = int8inc, stype = int8, initcond = '0');
CREATE AGGREGATE app.largest(int) (sfunc = int4larger, stype = int, sortop = >);
CREATE AGGREGATE app.pct(float8 ORDER BY float8) (sfunc = ordered_set_transition, stype = internal,
                                                  finalfunc = percentile_disc_final, finalfunc_extra);
$$);
SELECT * FROM pg_temp.diff_both_ways($$
DROP AGGREGATE app.total(int);
CREATE AGGREGATE app.total(int) (sfunc = int4pl, stype = int, initcond = '100');
$$);
-- a default that calls a function that is re-created: the default is set again
SELECT * FROM pg_temp.diff_both_ways($$
CREATE FUNCTION app.start_score() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER TABLE app.readings ADD COLUMN bonus int DEFAULT app.start_score();
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.readings ALTER COLUMN bonus DROP DEFAULT;
DROP FUNCTION app.start_score();
CREATE FUNCTION app.start_score() RETURNS bigint LANGUAGE sql AS 'SELECT 2';
ALTER TABLE app.readings ALTER COLUMN bonus SET DEFAULT app.start_score();
$$);

-- ---- types ---------------------------------------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE DOMAIN app.percent AS int DEFAULT 0 NOT NULL CONSTRAINT percent_range CHECK (VALUE BETWEEN 0 AND 100);
CREATE TYPE app.pair AS (a int, b text);
CREATE TYPE app.floatrange AS RANGE (subtype = float8, subtype_diff = float8mi);
CREATE TABLE app.feelings (mood app.mood, level app.percent, p app.pair, r app.floatrange);
$$);
-- enum values added (in the middle too), a domain's default and constraint,
-- an attribute of a composite type
-- (values cannot be removed: one way only, the way back is refused below)
CREATE TEMP TABLE docs (before jsonb, after jsonb);
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TYPE app.mood ADD VALUE 'meh' BEFORE 'sad';
ALTER TYPE app.mood ADD VALUE 'great';
UPDATE docs SET after = migrate.schema();
SELECT d.* FROM docs, migrate.diff(before, after) d;
-- run on the enum as it was, they give the enum as it is
ALTER TABLE app.feelings DROP COLUMN mood;
DROP TYPE app.mood;
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
ALTER TABLE app.feelings ADD COLUMN mood app.mood;
DO $$ DECLARE s text; BEGIN
    FOR s IN SELECT d.statement FROM docs, migrate.diff(before, after) d ORDER BY d.step LOOP EXECUTE s; END LOOP;
END $$;
SELECT enum_range(NULL::app.mood);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER DOMAIN app.percent SET DEFAULT 50;
ALTER DOMAIN app.percent ADD CONSTRAINT percent_even CHECK (VALUE % 2 = 0) NOT VALID;
ALTER TYPE app.pair ADD ATTRIBUTE c date;
$$);

-- a base type: a shell, its input and output functions, then the type; it
-- goes with them (DROP TYPE ... CASCADE once what uses it is gone)
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TYPE app.mytext;
CREATE FUNCTION app.mytext_in(cstring) RETURNS app.mytext LANGUAGE internal IMMUTABLE STRICT AS 'textin';
CREATE FUNCTION app.mytext_out(app.mytext) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'textout';
CREATE TYPE app.mytext (INPUT = app.mytext_in, OUTPUT = app.mytext_out, INTERNALLENGTH = VARIABLE, CATEGORY = 'S');
CREATE TABLE app.typed (v app.mytext);
$$);

-- operators (commutators of each other) and casts, used by a policy
SELECT * FROM pg_temp.diff_both_ways($$
CREATE DOMAIN app.score AS int;
CREATE FUNCTION app.score_lt(app.score, app.score) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1::int < $2::int';
CREATE FUNCTION app.score_gt(app.score, app.score) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1::int > $2::int';
CREATE OPERATOR app.<<< (FUNCTION = app.score_lt, LEFTARG = app.score, RIGHTARG = app.score, COMMUTATOR = OPERATOR(app.>>>));
CREATE OPERATOR app.>>> (FUNCTION = app.score_gt, LEFTARG = app.score, RIGHTARG = app.score, COMMUTATOR = OPERATOR(app.<<<));
CREATE TABLE app.scored (s app.score);
CREATE POLICY low ON app.scored USING (s OPERATOR(app.<<<) 5::app.score);
CREATE FUNCTION app.score_of(text) RETURNS app.score LANGUAGE sql IMMUTABLE AS 'SELECT length($1)';
CREATE CAST (text AS app.score) WITH FUNCTION app.score_of(text) AS ASSIGNMENT;
COMMENT ON OPERATOR app.<<< (app.score, app.score) IS 'lower';
$$);

-- a transform (SQL functions ignore it), and a function declared TRANSFORM
-- FOR TYPE, which needs it made first
SELECT * FROM pg_temp.diff_both_ways($$
CREATE FUNCTION app.int_from_sql(internal) RETURNS internal LANGUAGE internal IMMUTABLE STRICT AS 'prsd_lextype';
CREATE TRANSFORM FOR int LANGUAGE sql (FROM SQL WITH FUNCTION app.int_from_sql(internal),
                                       TO SQL WITH FUNCTION int4recv(internal));
COMMENT ON TRANSFORM FOR int LANGUAGE sql IS 'not used';
CREATE FUNCTION app.plus_one(text) RETURNS text LANGUAGE sql AS 'SELECT $1 || 1' TRANSFORM FOR TYPE int;
$$);

-- ---- partitions and inheritance ------------------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.events (id bigint NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE app.events_2026 PARTITION OF app.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE app.events_old PARTITION OF app.events DEFAULT;
ALTER TABLE app.events ADD PRIMARY KEY (id, at);
CREATE INDEX events_kind ON app.events (kind);
CREATE TABLE app.base (id int, note text);
CREATE TABLE app.derived (extra int) INHERITS (app.base);
$$);
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.events DETACH PARTITION app.events_2026;
ALTER TABLE app.events ATTACH PARTITION app.events_2026 FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');
ALTER TABLE app.derived NO INHERIT app.base;
CREATE INDEX events_at ON app.events (at);
ALTER TABLE app.events_old ALTER COLUMN kind SET DEFAULT 'old';
$$);

-- ---- owners, grants, comments, extensions ---------------------------------
SELECT * FROM pg_temp.diff_both_ways($$
CREATE SCHEMA reports AUTHORIZATION pgm_diff_owner;
GRANT USAGE ON SCHEMA app TO pgm_diff_reader;
GRANT SELECT ON app.users TO pgm_diff_reader WITH GRANT OPTION;
GRANT UPDATE (score) ON app.users TO pgm_diff_reader;
REVOKE EXECUTE ON FUNCTION app.double(bigint) FROM PUBLIC;
ALTER TABLE app.readings OWNER TO pgm_diff_owner;
COMMENT ON SCHEMA app IS 'the application';
COMMENT ON CONSTRAINT readings_positive ON app.readings IS 'no negative readings';
COMMENT ON FUNCTION app.double(bigint) IS 'twice';
COMMENT ON TRIGGER users_touch ON app.users IS 'count updates';
$$);
SELECT * FROM pg_temp.diff_both_ways($$
CREATE EXTENSION citext SCHEMA app;
ALTER TABLE app.users ADD COLUMN nick app.citext;
$$);

-- ---- found on PostgreSQL's own regression SQL (scripts/diff-corpus.sh) ----
-- a function whose body names a table made later: bodies are not checked
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.counted (x int);
CREATE FUNCTION app.how_many() RETURNS int LANGUAGE sql AS 'SELECT count(*)::int FROM app.counted';
$$);
-- a child whose columns do not stand as INHERITS or PARTITION OF puts them:
-- created with all of them, then made to inherit, or attached
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.p (f1 int CHECK (f1 > 0), g int GENERATED ALWAYS AS (f1 * 2) STORED);
CREATE TABLE app.c (extra int) INHERITS (app.p);
ALTER TABLE app.p ADD COLUMN f2 int;
CREATE TABLE app.c2 (f1 int CHECK (f1 > 0), g int GENERATED ALWAYS AS (f1 * 2) STORED, own int);
CREATE TABLE app.parted (a int, b text) PARTITION BY LIST (a);
CREATE TABLE app.parted_1 (b text, a int);
ALTER TABLE app.parted ATTACH PARTITION app.parted_1 FOR VALUES IN (1);
$$);
-- a child's column generated where its parent's is not: only INHERIT makes that
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.plain (a int, b int);
CREATE TABLE app.plain_child (a int, b int GENERATED ALWAYS AS (a * 2) STORED);
ALTER TABLE app.plain_child INHERIT app.plain;
$$);
-- a constraint a child declares and inherits too; a partition's trigger
-- disabled on its own; a comment on a primary key's index
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.c ADD CONSTRAINT c_k CHECK (f2 > 0);
ALTER TABLE app.p ADD CONSTRAINT c_k CHECK (f2 > 0) NOT VALID;
CREATE FUNCTION app.noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER parted_noop BEFORE INSERT ON app.parted FOR EACH ROW EXECUTE FUNCTION app.noop();
ALTER TABLE ONLY app.parted_1 DISABLE TRIGGER parted_noop;
CREATE TABLE app.keyed (id int CONSTRAINT keyed_pk PRIMARY KEY);
COMMENT ON INDEX app.keyed_pk IS 'the key';
$$);
-- a foreign key to a partitioned table (PostgreSQL clones it per partition)
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.pk (a int PRIMARY KEY) PARTITION BY RANGE (a);
CREATE TABLE app.pk1 PARTITION OF app.pk FOR VALUES FROM (0) TO (10);
CREATE TABLE app.fk (a int REFERENCES app.pk);
$$);
-- rules; policies whose queries use each other's views, dropped with their tables
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.audit (x int);
CREATE TABLE app.watched (x int);
CREATE RULE watched_audit AS ON INSERT TO app.watched DO ALSO INSERT INTO app.audit VALUES (new.x);
CREATE TABLE app.r1 (a int);
CREATE TABLE app.r2 (a int);
CREATE VIEW app.v1 AS SELECT * FROM app.r1;
CREATE VIEW app.v2 AS SELECT * FROM app.r2;
CREATE POLICY p1 ON app.r1 USING (a IN (SELECT a FROM app.v2));
CREATE POLICY p2 ON app.r2 USING (a IN (SELECT a FROM app.v1));
$$);
-- an aggregate of no argument is dropped as agg(*)
CREATE AGGREGATE app.cnt(*) (sfunc = int8inc, stype = int8, initcond = '0');
CREATE TEMP TABLE with_cnt AS SELECT migrate.schema() AS before;
DROP AGGREGATE app.cnt(*);
SELECT d.* FROM with_cnt, migrate.diff(before, migrate.schema()) d;

-- ---- refused, with the reason ---------------------------------------------
-- enum values cannot be removed (nor renamed: it would look the same)
SELECT count(*) FROM docs, migrate.diff(after, before);
-- a column whose type must be re-created would lose its data
DELETE FROM docs;
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TABLE app.feelings DROP COLUMN r;
DROP TYPE app.floatrange;
CREATE TYPE app.floatrange AS RANGE (subtype = float8);
ALTER TABLE app.feelings ADD COLUMN r app.floatrange;
SELECT count(*) FROM migrate.diff(migrate.schema(), (SELECT before FROM docs));
-- foreign tables are not created (the document holds no server options)
DELETE FROM docs;
INSERT INTO docs (before) SELECT migrate.schema();
CREATE FOREIGN DATA WRAPPER pgm_diff_fdw;
CREATE SERVER pgm_diff_server FOREIGN DATA WRAPPER pgm_diff_fdw;
CREATE FOREIGN TABLE app.remote (a int) SERVER pgm_diff_server;
SELECT count(*) FROM migrate.diff((SELECT before FROM docs), migrate.schema());
DROP SERVER pgm_diff_server CASCADE;
DROP FOREIGN DATA WRAPPER pgm_diff_fdw;
-- documents that are not documents, renames that name nothing
SELECT count(*) FROM migrate.diff('[]', migrate.schema());
SELECT count(*) FROM migrate.diff('{"version": 2, "objects": {}}', migrate.schema());
SELECT count(*) FROM migrate.diff('{"version": 1}', migrate.schema());
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {"table x.y": 1}}', migrate.schema());
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {"table x.y": {}}}', migrate.schema());
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {}}',
    '{"version": 1, "objects": {"column x.y.z": {"kind": "column", "relation": "table x.y", "name": "z", "type": "int"}}}');
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {}}',
    '{"version": 1, "objects": {"schema x": {"kind": "schema", "name": "x"},
      "column x.y.z": {"kind": "column", "relation": "schema x", "name": "z", "type": "int"}}}');
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {}}',
    '{"version": 1, "objects": {"table x.y": {"kind": "table", "schema": "x"}}}');
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {}}',
    '{"version": 1, "objects": {"index x.i": {"kind": "index", "schema": "x", "name": "i", "relation": "table x.y"},
      "table x.y": {"kind": "table", "schema": "x", "name": "y", "inherits": ["table x.nothing"]}}}');
SELECT count(*) FROM migrate.diff('{"version": 1, "objects": {}}',
    '{"version": 1, "objects": {"widget x.w": {"kind": "widget"}}}');
-- an object the same in both documents is checked again for what it names:
-- the target may not hold it (a partition's parent, an inheritance parent,
-- a sequence's owning column)
CREATE TABLE app.pgm_parted (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE app.pgm_part0 PARTITION OF app.pgm_parted FOR VALUES FROM (0) TO (10);
CREATE TABLE app.pgm_base (a int);
CREATE TABLE app.pgm_kid (b int) INHERITS (app.pgm_base);
CREATE TABLE app.pgm_owner (id int);
CREATE SEQUENCE app.pgm_owned OWNED BY app.pgm_owner.id;
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema() #- '{objects,table app.pgm_parted}'
    #- '{objects,column app.pgm_parted.id}' #- '{objects,column app.pgm_parted.v}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema()
    #- '{objects,table app.pgm_base}' #- '{objects,column app.pgm_base.a}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema() #- '{objects,column app.pgm_owner.id}');
-- a rename to a name that is taken, in the source or by another rename
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{app.users=active}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{app.users.email=score}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{app.users.email=x,app.users.score=x}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{app.users=x,app.pgm_owner=x}');
DROP TABLE app.pgm_parted, app.pgm_base, app.pgm_kid, app.pgm_owner;
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{app.users.nothing=x}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{app.users}');
SELECT count(*) FROM migrate.diff(migrate.schema(), migrate.schema(), '{a.b.c.d=x}');
SELECT count(*) FROM migrate.diff(NULL, migrate.schema());
SELECT count(*) FROM migrate.compare('{}', migrate.schema());

RESET pgmigrate.guard;
