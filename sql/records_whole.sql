-- a whole record written in C: where the database holds only relations,
-- schemas, extensions, functions, enums and domains of its own, a whole
-- record (migrate.record_snapshot(), stamp, a first deploy's baseline) is
-- written in C, and is byte for byte migrate.schema(); its keys are the
-- keys the query writes
\i sql/include/reset.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP ROLE IF EXISTS "PUBLIC";
CREATE ROLE "PUBLIC";
CREATE SCHEMA "Other";
CREATE EXTENSION citext SCHEMA "Other";
-- a domain an extension brings: the extension's, but its constraint is an
-- object of the document all the same
CREATE DOMAIN "Other".mail AS text CONSTRAINT mail_at CHECK (VALUE LIKE '%@%');
ALTER EXTENSION citext ADD DOMAIN "Other".mail;
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE app.empty AS ENUM ();
CREATE DOMAIN app.positive AS integer CONSTRAINT positive_check CHECK (VALUE > 0) NOT NULL DEFAULT 1;
CREATE DOMAIN app.code AS text COLLATE "C" CHECK (length(VALUE) < 10);
CREATE SEQUENCE app.counter START 10 CACHE 5 CYCLE;
CREATE TABLE app.users (
    id bigint GENERATED ALWAYS AS IDENTITY (START 3) PRIMARY KEY,
    email "Other".citext NOT NULL UNIQUE,
    mood app.mood DEFAULT 'ok',
    score app.positive,
    n integer DEFAULT nextval('app.counter'),
    code app.code,
    twice integer GENERATED ALWAYS AS (n * 2) STORED,
    note text COLLATE "C"
) WITH (fillfactor = 80);
COMMENT ON TABLE app.users IS 'who';
COMMENT ON COLUMN app.users.email IS 'where we write';
GRANT SELECT ON app.users TO PUBLIC;
GRANT UPDATE (note) ON app.users TO "PUBLIC" WITH GRANT OPTION;
CREATE TABLE "Other"."Orders" (id serial PRIMARY KEY, user_id bigint REFERENCES app.users (id) ON DELETE CASCADE,
                               total numeric(10, 2) CHECK (total >= 0) NOT NULL);
CREATE INDEX orders_user ON "Other"."Orders" (user_id) WHERE total > 0;
CREATE TABLE app.events (at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE app.events_2024 PARTITION OF app.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_kind ON app.events (kind);
CREATE TABLE app.base (a integer CHECK (a > 0));
CREATE TABLE app.derived (b integer) INHERITS (app.base);
CREATE UNLOGGED TABLE app.scratch (a integer);
ALTER TABLE app.scratch REPLICA IDENTITY FULL;
CREATE VIEW app.user_orders AS SELECT u.email, o.total FROM app.users u JOIN "Other"."Orders" o ON o.user_id = u.id;
CREATE MATERIALIZED VIEW app.totals AS SELECT user_id, sum(total) AS total FROM "Other"."Orders" GROUP BY user_id
    WITH NO DATA;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = app
    AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
ALTER TABLE app.users DISABLE TRIGGER users_touch;
CREATE FUNCTION app.mood_rank(m app.mood, OUT rank integer) LANGUAGE sql IMMUTABLE STRICT AS 'SELECT 1';
CREATE PROCEDURE app.tidy(days integer DEFAULT 7) LANGUAGE sql AS 'SELECT 1';
REVOKE ALL ON FUNCTION app.mood_rank(app.mood) FROM PUBLIC;
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON app.users TO "PUBLIC", CURRENT_USER USING (email = current_user);
CREATE RULE no_delete AS ON DELETE TO app.base DO INSTEAD NOTHING;
COMMENT ON SCHEMA "Other" IS 'the others';
GRANT USAGE ON SCHEMA "Other" TO PUBLIC;

-- written in C: byte for byte the query's document
SELECT migrate.record_snapshot() AS differences;
SELECT snapshot = migrate.schema() AS same, replaces IS NULL AS whole
FROM migrate.snapshots ORDER BY id DESC LIMIT 1;
SELECT snapshot -> 'objects' -> 'constraint "Other".mail.mail_at' ->> 'relation' AS relation
FROM migrate.snapshots ORDER BY id DESC LIMIT 1;
CREATE TEMP TABLE keys_in_c AS SELECT classid, objid, key FROM migrate.snapshot_keys;
SELECT count(*) > 100 AS many_keys FROM keys_in_c;

-- an operator of its own: the query writes the whole record, with the
-- same keys (and the operator's)
CREATE FUNCTION app.same(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT $1 = $2';
CREATE OPERATOR app.=== (LEFTARG = integer, RIGHTARG = integer, FUNCTION = app.same);
SELECT migrate.record_snapshot() AS differences;
SELECT snapshot = migrate.schema() AS same FROM migrate.snapshots ORDER BY id DESC LIMIT 1;
SELECT 'only in C' AS side, classid::regclass, key FROM (
    SELECT classid, objid, key FROM keys_in_c EXCEPT ALL SELECT classid, objid, key FROM migrate.snapshot_keys) a
UNION ALL
SELECT 'only in the query', classid::regclass, key FROM (
    SELECT classid, objid, key FROM migrate.snapshot_keys EXCEPT ALL SELECT classid, objid, key FROM keys_in_c) b
ORDER BY 1, 3, 2;

-- and back: drift() against a record written in C finds nothing
DROP OPERATOR app.=== (integer, integer);
DROP FUNCTION app.same(integer, integer);
SELECT migrate.record_snapshot() AS differences;
SELECT * FROM migrate.drift();

DROP EXTENSION pgmigrate CASCADE;
DROP SCHEMA app CASCADE;
DROP EXTENSION citext;
DROP SCHEMA "Other" CASCADE;
CREATE SCHEMA app;
CREATE EXTENSION pgmigrate;
DROP ROLE "PUBLIC";
RESET pgmigrate.guard;
RESET client_min_messages;
