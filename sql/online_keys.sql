-- Online type changes of keys: a primary key or unique constraint is built
-- again on the new column and attached at complete; a serial's sequence is
-- handed over, an identity made again; what is not supported is refused at
-- start.  The result is the plain ALTER's, but for the columns' order.
\i sql/include/reset.psql
SET search_path = app;
SET pgmigrate.guard = 'enforce';
\set VERBOSITY default
SET client_min_messages = warning;
SELECT migrate.add('k1', $$CREATE TABLE orders (id serial PRIMARY KEY, code int NOT NULL UNIQUE NULLS NOT DISTINCT, note text);
                           COMMENT ON CONSTRAINT orders_pkey ON orders IS 'the key';
                           COMMENT ON INDEX orders_code_key IS 'one order per code';
                           ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_code_key;
                           ALTER TABLE orders CLUSTER ON orders_pkey;
                           INSERT INTO orders (code, note) SELECT g, 'n' || g FROM generate_series(1, 2500) g;
                           CREATE TABLE events (id int GENERATED ALWAYS AS IDENTITY (START WITH 10 INCREMENT BY 2) PRIMARY KEY,
                                                body text);
                           INSERT INTO events (body) SELECT 'b' || g FROM generate_series(1, 1500) g;
                           CREATE TABLE parents (id int PRIMARY KEY);
                           CREATE TABLE kids (id bigint PRIMARY KEY, parent int REFERENCES parents);
                           CREATE TABLE checked (id bigint PRIMARY KEY, n int CHECK (n > 0));
                           CREATE TABLE spans (id bigint PRIMARY KEY, during int4range,
                                               EXCLUDE USING gist (during WITH &&))$$);
RESET client_min_messages;
SELECT count(*) FROM migrate.apply();

-- a serial's sequence stops where it does, whatever its column's type: the
-- revision widens it too, or start refuses
SELECT migrate.add('k2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE orders ALTER COLUMN code TYPE bigint$$, online => true);
SELECT migrate.start('k2');
-- only a sequence of the table's columns, and only its type
SELECT migrate.add('k2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER SEQUENCE events_id_seq AS bigint$$, online => true);
SELECT migrate.start('k2');
SELECT migrate.add('k2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER SEQUENCE orders_id_seq AS bigint MAXVALUE 100$$, online => true);
SELECT migrate.add('k2', 'ALTER SEQUENCE orders_id_seq AS bigint', online => true);
SELECT migrate.add('k2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE orders ALTER COLUMN code TYPE bigint;
                           ALTER SEQUENCE orders_id_seq AS bigint$$, online => true);

-- what the plain ALTERs make of the table, to compare with
BEGIN;
SET client_min_messages = warning;
SELECT count(*) FROM migrate.apply('k2');
SELECT migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['orders'::regclass]) AS plain \gset
ROLLBACK;

SELECT migrate.start('k2');
-- both versions write; the new one's key is bigint already
SET search_path = app_k1, app;
INSERT INTO orders (code, note) VALUES (5000, 'old') RETURNING id;
SET search_path = app_k2, app;
INSERT INTO orders (code, note) VALUES (5001, 'new') RETURNING id, pg_typeof(id);
UPDATE orders SET note = 'changed' WHERE id = 3;
DELETE FROM orders WHERE id = 4;
SET search_path = app;
CALL migrate.backfill('k2');
-- the keys' indexes are built concurrently on the new columns
SELECT statement FROM migrate.online_statements('k2');
SELECT statement FROM migrate.online_statements('k2') \gexec
SELECT migrate.complete('k2');
\d orders
SELECT id, code, note FROM orders WHERE id <= 5 OR id > 2500 ORDER BY id;
SELECT obj_description('orders_pkey'::regclass, 'pg_class') AS index_comment,
       (SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'orders_pkey' AND conrelid = 'orders'::regclass) AS key_comment,
       obj_description('orders_code_key'::regclass, 'pg_class') AS code_comment;
SELECT seqtypid::regtype, seqmax FROM pg_sequence WHERE seqrelid = 'orders_id_seq'::regclass;
SELECT pg_get_serial_sequence('orders', 'id');
-- the same table as the plain ALTERs make, but for the order of the columns
SELECT * FROM migrate.compare(:'plain'::jsonb,
                              migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['orders'::regclass]));
SELECT * FROM migrate.drift();
-- and past the old type's end
SELECT setval('orders_id_seq', 2147483647);
SET pgmigrate.guard = off;
INSERT INTO orders (code) VALUES (7000) RETURNING id;
RESET pgmigrate.guard;

-- an identity is made again on the new column: its sequence under the same
-- name, with its options, from where it was, bigint as the column
SELECT migrate.add('k3', 'ALTER TABLE events ALTER COLUMN id TYPE bigint USING id::bigint', online => true);
BEGIN;
SET client_min_messages = warning;
SELECT count(*) FROM migrate.apply('k3');
SELECT migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['events'::regclass]) AS plain \gset
ROLLBACK;
SELECT migrate.start('k3');
SET search_path = app_k2, app;
INSERT INTO events (body) VALUES ('old') RETURNING id;
SET search_path = app_k3, app;
INSERT INTO events (body) VALUES ('new') RETURNING id;
UPDATE events SET body = 'changed' WHERE id = 10;
SET search_path = app;
CALL migrate.backfill('k3');
SELECT statement FROM migrate.online_statements('k3') \gexec
SELECT migrate.complete('k3');
\d events
SELECT * FROM migrate.compare(:'plain'::jsonb,
                              migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['events'::regclass]));
SELECT seqtypid::regtype, seqstart, seqincrement, seqmax FROM pg_sequence WHERE seqrelid = 'events_id_seq'::regclass;
SET pgmigrate.guard = off;
INSERT INTO events (body) VALUES ('after') RETURNING id;
RESET pgmigrate.guard;
SELECT count(*), count(DISTINCT id) FROM events;
SELECT * FROM migrate.drift();

-- abort leaves the key as it was
SELECT migrate.add('k4', 'ALTER TABLE events ALTER COLUMN id TYPE numeric(20)', online => true, allow_destructive => true);
SELECT migrate.start('k4');
SELECT statement FROM migrate.online_statements('k4') \gexec
SELECT migrate.abort('k4');
\d events
SELECT * FROM migrate.drift();

-- refused at start, with the reason: a key other tables reference, a
-- column of a foreign key, a CHECK, an exclusion constraint
SELECT migrate.add('k4', 'ALTER TABLE parents ALTER COLUMN id TYPE bigint', online => true);
SELECT migrate.start('k4');
SELECT migrate.add('k4', 'ALTER TABLE kids ALTER COLUMN parent TYPE bigint', online => true);
SELECT migrate.start('k4');
SELECT migrate.add('k4', 'ALTER TABLE checked ALTER COLUMN n TYPE bigint', online => true);
SELECT migrate.start('k4');
SELECT migrate.add('k4', 'ALTER TABLE spans ALTER COLUMN during TYPE int8range', online => true, allow_destructive => true);
SELECT migrate.start('k4');
SELECT count(*) FROM migrate.online;
