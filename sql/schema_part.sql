-- migrate.schema_part(): the part of migrate.schema()'s document that
-- belongs to some objects, byte for byte what the whole document says of
-- them.  On a schema with one of each kind of object, every object alone
-- (and then all of them at once) is compared with the whole document cut
-- down to that object's part: no row may differ.
\i sql/include/reset.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;
CREATE SCHEMA other;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN app.positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0) NOT NULL;
CREATE TYPE app.pair AS (a integer, b app.mood);
CREATE TYPE app.span AS RANGE (subtype = integer);
CREATE SEQUENCE app.counter START 10;
CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    score app.positive,
    n integer DEFAULT nextval('app.counter'),
    p app.pair,
    s app.span,
    moods app.mood[]
);
COMMENT ON COLUMN app.users.email IS 'where we write';
CREATE TABLE other.orders (id serial PRIMARY KEY, user_id bigint REFERENCES app.users (id) ON DELETE CASCADE,
                           total numeric(10, 2) CHECK (total >= 0));
CREATE INDEX orders_user ON other.orders (user_id) WHERE total > 0;
CREATE TABLE app.events (at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_kind ON app.events (kind);
CREATE TABLE app.base (a integer CHECK (a > 0));
CREATE TABLE app.derived (b integer) INHERITS (app.base);
CREATE VIEW app.user_orders AS SELECT u.email, o.total FROM app.users u JOIN other.orders o ON o.user_id = u.id;
CREATE MATERIALIZED VIEW app.totals AS SELECT user_id, sum(total) AS total FROM other.orders GROUP BY user_id;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE FUNCTION app.mood_rank(app.mood) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE FUNCTION app.pair_eq(app.pair, app.pair) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR app.=== (LEFTARG = app.pair, RIGHTARG = app.pair, FUNCTION = app.pair_eq);
CREATE FUNCTION app.mood_text(app.mood) RETURNS text LANGUAGE sql IMMUTABLE AS 'SELECT $1::text';
CREATE CAST (app.mood AS text) WITH FUNCTION app.mood_text(app.mood);
CREATE AGGREGATE app.total_of(numeric) (SFUNC = numeric_add, STYPE = numeric, INITCOND = '0');
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.users USING (email = current_user);
CREATE RULE no_delete AS ON DELETE TO app.base DO INSTEAD NOTHING;
GRANT SELECT ON app.users TO PUBLIC;
GRANT USAGE ON SCHEMA other TO PUBLIC;

-- the whole document cut down to some units' objects: theirs, and their
-- columns', constraints', triggers', policies', rules' and a table's
-- indexes'
CREATE FUNCTION pg_temp.cut(doc jsonb, units text[]) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('version', 1, 'objects', coalesce(jsonb_object_agg(key, value), '{}'))
    FROM jsonb_each(doc -> 'objects')
    WHERE key = ANY (units)
       OR (value ->> 'relation' = ANY (units) AND value ->> 'kind' IN ('column', 'constraint', 'trigger', 'policy', 'rule', 'index'))
$$;
-- every unit of the user schemas: its catalog, oid, and key in the document
CREATE TEMP VIEW units AS
    SELECT 'pg_class'::regclass AS catalog, c.oid,
           CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view '
                WHEN 'm' THEN 'materialized view ' WHEN 'S' THEN 'sequence ' WHEN 'c' THEN 'type '
                ELSE 'index ' END || c.oid::regclass::text AS key
    FROM pg_class c WHERE c.relnamespace IN ('app'::regnamespace, 'other'::regnamespace)
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'i', 'I')
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND d.deptype = 'i' AND c.relkind = 'S')
    UNION ALL
    SELECT 'pg_type'::regclass, t.oid, 'type ' || t.oid::regtype::text
    FROM pg_type t WHERE t.typnamespace = 'app'::regnamespace AND t.typtype IN ('e', 'd', 'r')
    UNION ALL
    SELECT 'pg_proc'::regclass, p.oid,
           CASE p.prokind WHEN 'a' THEN 'aggregate ' ELSE 'function ' END || 'app.' || quote_ident(p.proname)
           || '(' || pg_get_function_identity_arguments(p.oid) || ')'
    FROM pg_proc p WHERE p.pronamespace = 'app'::regnamespace
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'i')
    UNION ALL
    SELECT 'pg_namespace'::regclass, n.oid, 'schema ' || n.nspname FROM pg_namespace n WHERE n.nspname IN ('app', 'other', 'public')
    UNION ALL
    SELECT 'pg_operator'::regclass, o.oid, 'operator app.===(app.pair, app.pair)' FROM pg_operator o
    WHERE o.oprnamespace = 'app'::regnamespace
    UNION ALL
    SELECT 'pg_cast'::regclass, c.oid, 'cast (app.mood AS text)' FROM pg_cast c WHERE c.castsource = 'app.mood'::regtype
    UNION ALL
    SELECT 'pg_extension'::regclass, e.oid, 'extension ' || e.extname FROM pg_extension e WHERE e.extname = 'plpgsql';

-- each unit's key is in the whole document
SELECT u.key FROM units u WHERE NOT (migrate.schema() -> 'objects') ? u.key;
-- each unit alone: what differs from the whole document's part (nothing)
SELECT u.key, c.object, c.change, c.detail
FROM units u, migrate.compare(pg_temp.cut(migrate.schema(), ARRAY[u.key]),
                              migrate.schema_part(ARRAY[u.catalog], ARRAY[u.oid])) c
ORDER BY 1, 2;
SELECT count(*) AS units, count(*) FILTER (WHERE u.catalog = 'pg_class'::regclass) AS relations,
       sum((SELECT count(*) FROM jsonb_object_keys(migrate.schema_part(ARRAY[u.catalog], ARRAY[u.oid]) -> 'objects'))) AS objects
FROM units u;
-- all at once: the whole document
SELECT c.* FROM migrate.compare(pg_temp.cut(migrate.schema(), (SELECT array_agg(key) FROM units)),
                                migrate.schema_part((SELECT array_agg(catalog) FROM units),
                                                    (SELECT array_agg(oid) FROM units))) c;
SELECT o.key AS not_in_a_unit FROM jsonb_each(migrate.schema() -> 'objects') o
WHERE NOT o.key = ANY (ARRAY(SELECT key FROM units))
  AND NOT coalesce(o.value ->> 'relation' = ANY (ARRAY(SELECT key FROM units)), false)
ORDER BY 1;
-- a composite type is its relation; an object that is gone is no part
SELECT jsonb_object_keys(migrate.schema_part(ARRAY['pg_type'::regclass], ARRAY['app.pair'::regtype::oid]) -> 'objects') AS k
ORDER BY 1;
-- a table's row type and its array are the table's unit; a partition's
-- part names its parent
SELECT c.* FROM migrate.compare(pg_temp.cut(migrate.schema(), ARRAY['table app.events_2024']),
                                migrate.schema_part(ARRAY['pg_type'::regclass], ARRAY['app.events_2024[]'::regtype::oid])) c;
SELECT migrate.schema_part(ARRAY['pg_type'::regclass], ARRAY['app.events_2024'::regtype::oid])
       -> 'objects' -> 'table app.events_2024' ->> 'partition_of' AS partition_of;
SELECT migrate.schema_part(ARRAY['pg_class'::regclass], ARRAY[0::oid]);
SELECT migrate.schema_part(ARRAY[NULL::regclass], ARRAY[NULL::oid]);
SELECT migrate.schema_part('{}', '{}');
-- after a rename, the part says the new names, and its neighbours' keys
ALTER TABLE app.users RENAME TO members;
SELECT c.* FROM migrate.compare(pg_temp.cut(migrate.schema(), ARRAY['view app.user_orders']),
                                migrate.schema_part(ARRAY['pg_class'::regclass], ARRAY['app.user_orders'::regclass::oid])) c;
SELECT migrate.schema_part(ARRAY['pg_class'::regclass], ARRAY['app.user_orders'::regclass::oid])
       -> 'objects' -> 'view app.user_orders' -> 'depends' AS depends;
-- bad arguments
SELECT migrate.schema_part(NULL, ARRAY[1::oid]);
SELECT migrate.schema_part(ARRAY['pg_class'::regclass], ARRAY[1::oid, 2::oid]);
RESET pgmigrate.guard;
