-- the diff engine on types: enum values added in any pattern, a new value
-- used in the script that adds it, a composite type's attribute changed
-- while something uses the type, domains, ranges
\i sql/include/reset.psql
\i sql/include/diff.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;

-- pg_temp.enum_grows(old, new): the enum app.e with the values `new` is the
-- target, then with the values `old` the source, as the database is; the
-- script migrate.diff() gives, run; whether it reached the target
-- (compare() checks the values and their order) and the values it has
CREATE FUNCTION pg_temp.enum_grows(old text[], new text[]) RETURNS TABLE (step int, statement text)
    LANGUAGE plpgsql SET pgmigrate.guard = off AS $$
DECLARE
    source jsonb;
    target jsonb;
    r record;
    differences text;
BEGIN
    EXECUTE format('CREATE TYPE app.e AS ENUM (%s)', (SELECT string_agg(quote_literal(l), ', ') FROM unnest(new) l));
    target := migrate.schema();
    DROP TYPE app.e;
    EXECUTE format('CREATE TYPE app.e AS ENUM (%s)', (SELECT string_agg(quote_literal(l), ', ') FROM unnest(old) l));
    source := migrate.schema();
    FOR r IN SELECT * FROM migrate.diff(source, target) d ORDER BY d.step LOOP
        step := r.step; statement := r.statement;
        RETURN NEXT;
        EXECUTE r.statement;
    END LOOP;
    SELECT string_agg(c.object || ' ' || c.change || ': ' || c.detail, E'\n') INTO differences
      FROM migrate.compare(migrate.schema(), target) c;
    step := NULL;
    statement := coalesce('NOT REACHED: ' || differences, 'reached: ' ||
        (SELECT string_agg(enumlabel, ' ' ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = to_regtype('app.e')));
    RETURN NEXT;
    DROP TYPE app.e;
END
$$;

-- ---- an enum that had no values gains its first ---------------------------
-- two documents of real DDL (this read past a list and crashed the server)
CREATE TYPE app.e AS ENUM ();
CREATE TEMP TABLE docs (before jsonb, after jsonb);
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TYPE app.e ADD VALUE 'a';
UPDATE docs SET after = migrate.schema();
SELECT d.* FROM docs, migrate.diff(before, after) d;
-- run on the enum as it was, it gives the enum as it is
DROP TYPE app.e;
CREATE TYPE app.e AS ENUM ();
DO $$ DECLARE s text; BEGIN
    FOR s IN SELECT d.statement FROM docs, migrate.diff(before, after) d ORDER BY d.step LOOP EXECUTE s; END LOOP;
END $$;
SELECT count(*) AS differences FROM docs, migrate.compare(migrate.schema(), after);
-- back, the value would have to go: refused
SELECT count(*) FROM docs, migrate.diff(after, before);
DROP TYPE app.e;

-- ---- values added before, between and after the old ones --------------------
-- each new value AFTER the one before it in the target (there by then), the
-- first BEFORE the first old value, the first of an empty enum alone
SELECT * FROM pg_temp.enum_grows('{}', '{a,b,c}');
SELECT * FROM pg_temp.enum_grows('{c}', '{a,c}');
-- two before the first old one (the second was placed BEFORE a value not yet there)
SELECT * FROM pg_temp.enum_grows('{c}', '{a,b,c}');
SELECT * FROM pg_temp.enum_grows('{a}', '{a,b,c}');
SELECT * FROM pg_temp.enum_grows('{a,d}', '{a,b,c,d}');
-- runs of several before, between and after
SELECT * FROM pg_temp.enum_grows('{c,f}', '{a,b,c,d,e,f,g,h}');
SELECT * FROM pg_temp.enum_grows('{b,d,f}', '{a,b,c,d,e,f,g}');
-- values that need quoting
SELECT * FROM pg_temp.enum_grows('{"it''s"}', '{"a b","it''s","Ünï","x''"}');
-- with real DDL, on an enum a column holds
CREATE TYPE app.level AS ENUM ('c');
CREATE TABLE app.ranked (l app.level);
INSERT INTO app.ranked VALUES ('c');
DELETE FROM docs;
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TYPE app.level ADD VALUE 'a' BEFORE 'c';
ALTER TYPE app.level ADD VALUE 'b' BEFORE 'c';
ALTER TYPE app.level ADD VALUE 'd';
UPDATE docs SET after = migrate.schema();
SELECT d.* FROM docs, migrate.diff(before, after) d;
DROP TABLE app.ranked;
DROP TYPE app.level;

-- ---- a value an enum gains, used in the same script ---------------------------
-- PostgreSQL refuses a value in the transaction that adds it, and the
-- script is one transaction
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE TABLE app.t (id int, m app.mood, s text, ms app.mood[]);
CREATE TABLE app.by_mood (m app.mood) PARTITION BY LIST (m);
BEGIN;
ALTER TYPE app.mood ADD VALUE 'meh';
ALTER TABLE app.t ALTER COLUMN m SET DEFAULT 'meh';
ROLLBACK;
-- where the script does not use it, it runs: pg_temp.enum_forth(change) runs
-- the change in a subtransaction for the target, undoes it, runs the script
-- (in the transaction that adds the value), and undoes that too
CREATE FUNCTION pg_temp.enum_forth(change text) RETURNS TABLE (step int, statement text)
    LANGUAGE plpgsql SET pgmigrate.guard = off AS $$
DECLARE
    source jsonb := migrate.schema();
    target jsonb;
    r record;
    differences text;
BEGIN
    BEGIN
        EXECUTE change;
        target := migrate.schema();
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN
    END;
    BEGIN
        FOR r IN SELECT * FROM migrate.diff(source, target) d ORDER BY d.step LOOP
            step := r.step; statement := r.statement;
            RETURN NEXT;
            EXECUTE r.statement;
        END LOOP;
        SELECT string_agg(c.object || ' ' || c.change || ': ' || c.detail, E'\n') INTO differences
          FROM migrate.compare(migrate.schema(), target) c;
        step := NULL; statement := coalesce('NOT REACHED: ' || differences, 'reached');
        RETURN NEXT;
        RAISE EXCEPTION 'undo';
    EXCEPTION WHEN raise_exception THEN
    END;
END
$$;
-- a new column of the enum, a view and a check on an old value, a text
-- check that names the new one, a function body (not checked in the
-- script), a comment
SELECT * FROM pg_temp.enum_forth($$
ALTER TYPE app.mood ADD VALUE 'meh' BEFORE 'sad';
ALTER TABLE app.t ADD COLUMN m2 app.mood;
ALTER TABLE app.t ADD CONSTRAINT t_not_sad CHECK (m <> 'sad');
ALTER TABLE app.t ADD CONSTRAINT t_text CHECK (m::text <> 'meh');
CREATE VIEW app.happy AS SELECT id FROM app.t WHERE m = 'happy';
CREATE FUNCTION app.f() RETURNS app.mood LANGUAGE plpgsql AS $f$ BEGIN RETURN 'meh'; END $f$;
COMMENT ON COLUMN app.t.m IS 'meh';
$$);
-- an enum the script creates has all its values at once: they may be used
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TYPE app.mood2 AS ENUM ('a', 'b');
CREATE TABLE app.t2 (m app.mood2 DEFAULT 'b' CHECK (m <> 'a'));
CREATE VIEW app.v2 AS SELECT * FROM app.t2 WHERE m = 'b';
$$);
-- where it uses one, refused, naming the value and what uses it:
-- pg_temp.with_use(use) is the schema with `use` made, undone after
DELETE FROM docs;
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TYPE app.mood ADD VALUE 'meh';
CREATE FUNCTION pg_temp.with_use(use text) RETURNS jsonb
    LANGUAGE plpgsql SET pgmigrate.guard = off AS $$
DECLARE
    doc jsonb;
BEGIN
    EXECUTE use;
    doc := migrate.schema();
    RAISE EXCEPTION 'undo';
EXCEPTION WHEN raise_exception THEN
    RETURN doc;
END
$$;
-- a column's default; a new column's; a new table's
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
ALTER TABLE app.t ALTER COLUMN m SET DEFAULT 'meh' $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
ALTER TABLE app.t ADD COLUMN m2 app.mood DEFAULT 'meh' $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE TABLE app.t3 (id int, m app.mood NOT NULL DEFAULT 'meh') $$));
-- a check, an index predicate, a view (also in a list or an array literal)
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
ALTER TABLE app.t ADD CONSTRAINT t_m CHECK (m <> 'meh') $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE INDEX t_meh ON app.t (id) WHERE m = 'meh' $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE VIEW app.v AS SELECT * FROM app.t WHERE m IN ('happy', 'meh') $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE VIEW app.v AS SELECT * FROM app.t WHERE m = ANY ('{sad,meh}') $$));
-- a partition's bound, a trigger's WHEN, a policy
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE TABLE app.by_mood_meh PARTITION OF app.by_mood FOR VALUES IN ('meh') $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE FUNCTION app.tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER t_meh BEFORE INSERT ON app.t FOR EACH ROW WHEN (NEW.m = 'meh') EXECUTE FUNCTION app.tf() $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE POLICY t_meh ON app.t USING (m <> 'meh') $$));
-- a domain over the enum, its default and its check
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE DOMAIN app.dmood AS app.mood DEFAULT 'meh' $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE DOMAIN app.dmood AS app.mood CONSTRAINT not_meh CHECK (VALUE <> 'meh') $$));
-- a function's SQL-standard body (checked when created) and an argument's default
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE FUNCTION app.meh() RETURNS app.mood LANGUAGE sql BEGIN ATOMIC SELECT 'meh'::app.mood; END $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE FUNCTION app.g(m app.mood DEFAULT 'meh') RETURNS int LANGUAGE sql AS 'SELECT 1' $$));
-- inside a row literal of a composite type, an array's, a range's
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE TYPE app.mood_at AS (at date, m app.mood);
CREATE TABLE app.t4 (x app.mood_at DEFAULT '(2024-01-01,meh)') $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
ALTER TABLE app.t ALTER COLUMN ms SET DEFAULT '{happy,meh}' $$));
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
CREATE TYPE app.moods AS RANGE (subtype = app.mood);
CREATE TABLE app.t5 (r app.moods DEFAULT '[happy,meh]') $$));
-- a column converted to the enum: its rows may hold the new value
SELECT count(*) FROM docs, migrate.diff(before, pg_temp.with_use($$
ALTER TABLE app.t ALTER COLUMN s TYPE app.mood USING s::app.mood $$));
DROP TABLE app.t, app.by_mood;
DROP TYPE app.mood;

-- ---- a composite type's attribute changes type -------------------------------
CREATE TYPE app.pair AS (a int, b text);
CREATE TABLE app.held (id int, p app.pair);
-- PostgreSQL refuses while a table column holds the type
BEGIN;
ALTER TYPE app.pair ALTER ATTRIBUTE a TYPE bigint;
ROLLBACK;
-- so the diff refuses, naming the column (and the same through a domain,
-- an array and another composite type over it)
DELETE FROM docs;
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TABLE app.held DROP COLUMN p;
ALTER TYPE app.pair ALTER ATTRIBUTE a TYPE bigint;
ALTER TABLE app.held ADD COLUMN p app.pair;
UPDATE docs SET after = migrate.schema();
SELECT count(*) FROM docs, migrate.diff(before, after);
SELECT count(*) FROM docs, migrate.diff(after, before);
CREATE TYPE app.outer AS (x app.pair, y int);
CREATE DOMAIN app.dpair AS app.pair;
ALTER TABLE app.held DROP COLUMN p, ADD COLUMN o app.outer;
SELECT count(*) FROM migrate.diff(migrate.schema(),
    jsonb_set(migrate.schema(), '{objects,column app.pair.a,type}', '"integer"'));
ALTER TABLE app.held DROP COLUMN o, ADD COLUMN d app.dpair[];
SELECT count(*) FROM migrate.diff(migrate.schema(),
    jsonb_set(migrate.schema(), '{objects,column app.pair.a,type}', '"integer"'));
-- (a default of the type too: setting it again would not let go of the rows)
ALTER TABLE app.held DROP COLUMN d, ADD COLUMN p app.pair DEFAULT '(1,x)';
SELECT count(*) FROM migrate.diff(migrate.schema(),
    jsonb_set(migrate.schema(), '{objects,column app.pair.a,type}', '"integer"'));
DROP TABLE app.held;
-- a table that holds it dropped first, a new one created after
CREATE TABLE app.held (id int, p app.pair);
SELECT * FROM pg_temp.diff_both_ways($$
DROP TABLE app.held;
ALTER TYPE app.pair ALTER ATTRIBUTE a TYPE int;
CREATE TABLE app.holds (o app.outer, d app.dpair[]);
$$);
-- a column that lets go of it (its type changes) first; a column of an
-- existing domain over it, added, after
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.holds ALTER COLUMN o TYPE text;
ALTER TABLE app.holds DROP COLUMN d;
ALTER TYPE app.pair ALTER ATTRIBUTE a TYPE bigint;
ALTER TABLE app.holds ADD COLUMN d2 app.dpair;
$$);
DROP TABLE app.holds;
-- recent releases of PostgreSQL also refuse while an expression uses the
-- type: views, defaults, checks, indexes, policies, SQL-standard function
-- bodies (a function's arguments alone do not count); they are re-created
-- around it
CREATE TABLE app.tt (x int DEFAULT ((1, 'x')::app.pair).a CHECK ((x, 'a')::app.pair IS NOT NULL));
CREATE INDEX tt_row ON app.tt (((x, 'a')::app.pair));
CREATE POLICY tt_p ON app.tt USING ((x, 'a')::app.pair IS NOT NULL);
CREATE VIEW app.pv AS SELECT (1, 'x')::app.pair AS p;
CREATE VIEW app.pv2 AS SELECT (p).a FROM app.pv;
CREATE VIEW app.pv3 AS SELECT NULL::app.dpair[] AS d, NULL::app.outer AS o;
CREATE FUNCTION app.pf(app.pair) RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT ($1).a; END;
CREATE FUNCTION app.pg(app.pair) RETURNS int LANGUAGE sql AS 'SELECT 1';
SELECT * FROM pg_temp.diff_both_ways($$
DROP VIEW app.pv2, app.pv, app.pv3;
DROP FUNCTION app.pf;
DROP TABLE app.tt;
ALTER TYPE app.pair ALTER ATTRIBUTE a TYPE int;
CREATE TABLE app.tt (x int DEFAULT ((1, 'x')::app.pair).a CHECK ((x, 'a')::app.pair IS NOT NULL));
CREATE INDEX tt_row ON app.tt (((x, 'a')::app.pair));
CREATE POLICY tt_p ON app.tt USING ((x, 'a')::app.pair IS NOT NULL);
CREATE VIEW app.pv AS SELECT (1, 'x')::app.pair AS p;
CREATE VIEW app.pv2 AS SELECT (p).a FROM app.pv;
CREATE VIEW app.pv3 AS SELECT NULL::app.dpair[] AS d, NULL::app.outer AS o;
CREATE FUNCTION app.pf(app.pair) RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT ($1).a; END;
$$);
DROP TABLE app.tt;
DROP VIEW app.pv2, app.pv, app.pv3;
DROP FUNCTION app.pf, app.pg;
-- attributes added and dropped: PostgreSQL does it while a column holds the
-- type (the column's values gain a null, or lose the attribute); a view on
-- a dropped attribute goes first
CREATE TABLE app.held (id int, p app.pair, o app.outer);
CREATE VIEW app.bs AS SELECT (p).b FROM app.held;
SELECT * FROM pg_temp.diff_both_ways($$
DROP VIEW app.bs;
ALTER TYPE app.pair DROP ATTRIBUTE b;
ALTER TYPE app.pair ADD ATTRIBUTE c date;
$$);
DROP TABLE app.held;
DROP DOMAIN app.dpair;
DROP TYPE app.outer, app.pair;

-- ---- domains and ranges --------------------------------------------------------
CREATE DOMAIN app.pct AS int CONSTRAINT pct_range CHECK (VALUE BETWEEN 0 AND 100);
CREATE TABLE app.s (v app.pct);
-- a check changed, one renamed, one added NOT VALID; NOT NULL and default
SELECT * FROM pg_temp.diff_both_ways($$
ALTER DOMAIN app.pct DROP CONSTRAINT pct_range;
ALTER DOMAIN app.pct ADD CONSTRAINT pct_bounds CHECK (VALUE BETWEEN 0 AND 1000);
ALTER DOMAIN app.pct ADD CONSTRAINT pct_even CHECK (VALUE % 2 = 0) NOT VALID;
ALTER DOMAIN app.pct SET NOT NULL;
ALTER DOMAIN app.pct SET DEFAULT 6;
$$);
-- a check validated
SELECT * FROM pg_temp.diff_both_ways($$
ALTER DOMAIN app.pct VALIDATE CONSTRAINT pct_even;
$$);
-- a range type redefined, no column holding it
CREATE TYPE app.fr AS RANGE (subtype = float8);
SELECT * FROM pg_temp.diff_both_ways($$
DROP TYPE app.fr;
CREATE TYPE app.fr AS RANGE (subtype = float8, subtype_diff = float8mi, multirange_type_name = app.frs);
$$);

-- a domain's valid constraints come with its CREATE DOMAIN, before the
-- columns of the domain: added after, PostgreSQL 18 refuses them while a
-- generated column uses the domain (found by the PostgreSQL 18 corpus,
-- generated_stored)
SELECT * FROM pg_temp.diff_both_ways($$
CREATE DOMAIN app.small AS int CONSTRAINT small_max CHECK (VALUE < 10) CONSTRAINT small_min CHECK (VALUE > 0);
COMMENT ON CONSTRAINT small_max ON DOMAIN app.small IS 'below ten';
ALTER DOMAIN app.small ADD CONSTRAINT small_odd CHECK (VALUE % 2 = 1) NOT VALID;
CREATE TABLE app.gen (a int, b app.small GENERATED ALWAYS AS (a * 2 + 1) STORED);
$$);

-- ---- refused, with the reason -------------------------------------------------
-- enum values renamed look like values removed and added
CREATE TYPE app.e AS ENUM ('a', 'b', 'c');
DELETE FROM docs;
INSERT INTO docs (before) SELECT migrate.schema();
ALTER TYPE app.e RENAME VALUE 'b' TO 'x';
UPDATE docs SET after = migrate.schema();
SELECT count(*) FROM docs, migrate.diff(before, after);

RESET pgmigrate.guard;
