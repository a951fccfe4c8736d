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
                           CREATE TABLE notes (id bigint PRIMARY KEY, kid int);
                           ALTER TABLE notes ADD CONSTRAINT notes_kid FOREIGN KEY (kid) REFERENCES kids NOT VALID;
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
-- GENERATED ALWAYS holds through the new version's view too
INSERT INTO events (id, body) VALUES (11, 'mine');
UPDATE events SET id = 500 WHERE id = 10;
UPDATE events SET id = DEFAULT, body = 'kept its id' WHERE id = 10 RETURNING id, body;
INSERT INTO events VALUES (DEFAULT, 'default') RETURNING id;
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
-- (an identity stays an integer)
SELECT migrate.add('k4', 'ALTER TABLE events ALTER COLUMN id TYPE numeric(20)', online => true, allow_destructive => true);
SELECT migrate.start('k4');
SELECT migrate.add('k4', 'ALTER TABLE events ALTER COLUMN id TYPE integer', online => true, allow_destructive => true);
SELECT migrate.start('k4');
SELECT statement FROM migrate.online_statements('k4') \gexec
SELECT migrate.abort('k4');
\d events
SELECT * FROM migrate.drift();

-- refused at start, with the reason: a key referenced by a narrower
-- column, a foreign key that is NOT VALID, an exclusion constraint
SELECT migrate.add('k4', 'ALTER TABLE parents ALTER COLUMN id TYPE bigint', online => true);
SELECT migrate.start('k4');
SELECT migrate.add('k4', 'ALTER TABLE notes ALTER COLUMN kid TYPE bigint', online => true);
SELECT migrate.start('k4');
SELECT migrate.add('k4', 'ALTER TABLE spans ALTER COLUMN during TYPE int8range', online => true, allow_destructive => true);
SELECT migrate.start('k4');
SELECT count(*) FROM migrate.online;

-- foreign keys: each one on a retyped column, or referencing one, is made
-- again on the new column, added NOT VALID and validated by
-- online_statements() after the backfill, and takes the old one's name at
-- complete.  An int key referenced by int columns: the referencing columns
-- first, each in a revision of its own, then the key
\i sql/include/reset.psql
SET search_path = app;
SET client_min_messages = warning;
SELECT migrate.add('f1', $$CREATE TABLE orders (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, note text,
                                               parent int REFERENCES orders);
                           CREATE TABLE order_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                                     order_id int NOT NULL REFERENCES orders ON DELETE CASCADE, qty int);
                           CREATE INDEX order_items_order ON order_items (order_id);
                           CREATE TABLE payments (id bigint PRIMARY KEY,
                                                  order_id int CONSTRAINT paid_for REFERENCES orders DEFERRABLE, amount numeric);
                           COMMENT ON CONSTRAINT paid_for ON payments IS 'the order paid';
                           INSERT INTO orders (note) SELECT 'o' || g FROM generate_series(1, 2000) g;
                           UPDATE orders SET parent = id - 1 WHERE id > 1;
                           INSERT INTO order_items (order_id, qty) SELECT 1 + g % 2000, g FROM generate_series(1, 4000) g;
                           INSERT INTO payments SELECT g, g, g FROM generate_series(1, 2000) g$$);
RESET client_min_messages;
SELECT count(*) FROM migrate.apply();
SET pgmigrate.guard = 'enforce';
SELECT migrate.add('f2', 'ALTER TABLE orders ALTER COLUMN id TYPE bigint', online => true);
SELECT migrate.start('f2');
SELECT migrate.add('f2', 'ALTER TABLE order_items ALTER COLUMN order_id TYPE bigint', online => true);
SELECT migrate.start('f2');
CALL migrate.backfill('f2');
SELECT statement FROM migrate.online_statements('f2');
SELECT migrate.complete('f2');
SELECT statement FROM migrate.online_statements('f2') \gexec
-- both keys hold meanwhile, for both versions
SET search_path = app_f1, app;
INSERT INTO order_items (order_id, qty) VALUES (999999, 1);
SET search_path = app_f2, app;
INSERT INTO order_items (order_id, qty) VALUES (999999, 1);
INSERT INTO order_items (order_id, qty) VALUES (7, 1) RETURNING order_id, pg_typeof(order_id);
SET search_path = app;
SELECT migrate.complete('f2');
\d order_items
SELECT migrate.add('f3', 'ALTER TABLE payments ALTER COLUMN order_id TYPE bigint', online => true, parents => '{f2}');
SELECT migrate.start('f3');
CALL migrate.backfill('f3');
-- each key's statement carries its lock timeout (SET LOCAL, one implicit
-- transaction when the string is sent whole, as \gexec and the client do):
-- the session's own is back after it, also after a failure
SET lock_timeout = '7s';
SELECT statement AS add_key FROM migrate.online_statements('f3') LIMIT 1 \gset
-- psql splits what it reads at semicolons: the ALTER alone is let through too
:add_key;
SHOW lock_timeout;
-- the next one, run inside a DO block (with its own timeout), is refused
DO $$ BEGIN SET LOCAL lock_timeout = 0; EXECUTE 'ALTER TABLE app.payments VALIDATE CONSTRAINT _pgm_new_paid_for'; END $$;
-- sent whole again: refused (it ran once), and the timeout goes with it
SELECT :'add_key' \gexec
SHOW lock_timeout;
SELECT statement FROM migrate.online_statements('f3') \gexec
SHOW lock_timeout;
RESET lock_timeout;
SELECT migrate.complete('f3');
-- the key, with the self-reference retyped by the same revision
SELECT migrate.add('f4', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE orders ALTER COLUMN parent TYPE bigint$$, online => true, parents => '{f3}');
BEGIN;
SET client_min_messages = warning;
SELECT count(*) FROM migrate.apply('f4');
SELECT migrate.schema() AS plain \gset
ROLLBACK;
SELECT migrate.start('f4');
SET search_path = app_f3, app;
INSERT INTO orders (note, parent) VALUES ('old', 2) RETURNING id;
INSERT INTO order_items (order_id, qty) VALUES (2001, 5);
SET search_path = app_f4, app;
INSERT INTO orders (note, parent) VALUES ('new', 2001) RETURNING id;
INSERT INTO order_items (order_id, qty) VALUES (2002, 6);
DELETE FROM orders WHERE id = 2002;
SET search_path = app;
CALL migrate.backfill('f4');
SELECT statement FROM migrate.online_statements('f4');
SELECT statement FROM migrate.online_statements('f4') \gexec
SELECT migrate.complete('f4');
\d orders
\d payments
SELECT obj_description(oid, 'pg_constraint') FROM pg_constraint WHERE conname = 'paid_for' AND conrelid = 'payments'::regclass;
SELECT conrelid::regclass, conname, convalidated FROM pg_constraint
WHERE contype = 'f' AND connamespace = 'app'::regnamespace ORDER BY 1, 2;
-- the schema the plain ALTERs make, but for the order of the columns
SELECT * FROM migrate.compare(:'plain'::jsonb, migrate.schema());
SELECT * FROM migrate.drift();
SELECT count(*) FROM order_items WHERE order_id = 2002;

-- abort drops the keys made again before the new column they reference
SELECT migrate.add('f5', 'ALTER TABLE orders ALTER COLUMN id TYPE integer', online => true,
                   allow_destructive => true, parents => '{f4}');
SELECT migrate.start('f5');
CALL migrate.backfill('f5');
SELECT statement FROM migrate.online_statements('f5') \gexec
SELECT migrate.abort('f5');
SELECT conrelid::regclass, conname, convalidated FROM pg_constraint
WHERE contype = 'f' AND connamespace = 'app'::regnamespace ORDER BY 1, 2;
SELECT * FROM migrate.drift();

-- CHECK constraints on a retyped column are made again on the new column,
-- NOT VALID at start (enforced on both versions' writes), validated by the
-- backfill, and take the old names at complete; the parser finds the
-- column in the expression, not a search of its text
SELECT migrate.add('c1', $$CREATE TABLE "Checked" ("N" int NOT NULL, id bigint PRIMARY KEY, n int, note text,
                             CONSTRAINT positive CHECK (n > 0),
                             CONSTRAINT both_ways CHECK ("N" + n < 1000 AND note <> 'n' AND note <> '"N"'),
                             CONSTRAINT upper_n CHECK ("N" >= 0) NO INHERIT);
                           ALTER TABLE "Checked" ADD CONSTRAINT later CHECK (n <> 13) NOT VALID;
                           COMMENT ON CONSTRAINT positive ON "Checked" IS 'n counts';
                           INSERT INTO "Checked" SELECT g % 7, g, 2 * g, 'x' FROM generate_series(1, 300) g$$, parents => '{f4}');
SELECT count(*) FROM migrate.apply('c1');
-- a NOT VALID check would stop the backfill at the first row that breaks it:
-- validated first
SELECT migrate.add('c2', $$ALTER TABLE "Checked" ALTER COLUMN n TYPE bigint;
                           ALTER TABLE "Checked" ALTER COLUMN "N" TYPE bigint$$, online => true, parents => '{c1}');
SELECT migrate.start('c2');
SELECT migrate.add('c1v', 'ALTER TABLE "Checked" VALIDATE CONSTRAINT later', parents => '{c1}');
SELECT count(*) FROM migrate.apply('c1v');
SELECT migrate.add('c2', $$ALTER TABLE "Checked" ALTER COLUMN n TYPE bigint;
                           ALTER TABLE "Checked" ALTER COLUMN "N" TYPE bigint$$, online => true, parents => '{c1v}');
BEGIN;
SET client_min_messages = warning;
SELECT count(*) FROM migrate.apply('c2');
SELECT migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['"Checked"'::regclass]) AS plain \gset
ROLLBACK;
SELECT migrate.start('c2');
SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
WHERE conrelid = '"Checked"'::regclass AND contype = 'c' AND conname NOT LIKE '\_pgm\_nn%' ORDER BY conname;
-- both versions' writes are checked on the new columns
SET search_path = app_c1v, app;
INSERT INTO "Checked" VALUES (1, 1001, -5, 'x');
INSERT INTO "Checked" VALUES (1, 1001, 13, 'x');
SET search_path = app_c2, app;
INSERT INTO "Checked" VALUES (1, 1001, -5, 'x');
INSERT INTO "Checked" VALUES (999, 1001, 5, 'x');
SET search_path = app;
CALL migrate.backfill('c2');
SELECT migrate.complete('c2');
SELECT conname, pg_get_constraintdef(oid), convalidated, obj_description(oid, 'pg_constraint') FROM pg_constraint
WHERE conrelid = '"Checked"'::regclass AND contype = 'c' ORDER BY conname;
SELECT * FROM migrate.compare(:'plain'::jsonb,
                              migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['"Checked"'::regclass]));
SELECT * FROM migrate.drift();

-- what a review found: each refused at start with the reason, or handled
SELECT migrate.add('r0', $$CREATE TABLE deferred_keys (id bigint PRIMARY KEY, code int,
                                                      CONSTRAINT code_once UNIQUE (code) DEFERRABLE INITIALLY DEFERRED);
                           CREATE TABLE wide (a int, b int, CONSTRAINT wide_a UNIQUE (a) INCLUDE (b), id bigint PRIMARY KEY);
                           CREATE TABLE narrow_ref (id bigint PRIMARY KEY, a int REFERENCES wide (a));
                           CREATE TABLE texts (id bigint PRIMARY KEY, code int UNIQUE);
                           CREATE TABLE text_refs (id bigint PRIMARY KEY, code int REFERENCES texts (code));
                           CREATE TABLE serials (id serial PRIMARY KEY);
                           CREATE TABLE tree (id bigint PRIMARY KEY, parent int REFERENCES tree);
                           CREATE TABLE big_ids (id bigint GENERATED BY DEFAULT AS IDENTITY (MAXVALUE 5000000000) PRIMARY KEY)$$,
                   parents => '{c2}');
SELECT count(*) FROM migrate.apply('r0');
-- a deferrable key: the unique index of the new column could not wait
SELECT migrate.add('r1', 'ALTER TABLE deferred_keys ALTER COLUMN code TYPE bigint', online => true, parents => '{r0}');
SELECT migrate.start('r1');
-- a key through a unique index that includes the retyped column
SELECT migrate.add('r1', 'ALTER TABLE wide ALTER COLUMN b TYPE bigint', online => true, parents => '{r0}');
SELECT migrate.start('r1');
-- types the key could not compare
SELECT migrate.add('r1', 'ALTER TABLE text_refs ALTER COLUMN code TYPE text', online => true, parents => '{r0}',
                   allow_destructive => true);
SELECT migrate.start('r1');
-- an identity whose sequence goes past the new type
SELECT migrate.add('r1', 'ALTER TABLE big_ids ALTER COLUMN id TYPE integer', online => true, parents => '{r0}',
                   allow_destructive => true);
SELECT migrate.start('r1');
-- a serial's sequence widened, but not far enough
SELECT migrate.add('r1', $$ALTER TABLE serials ALTER COLUMN id TYPE bigint;
                           ALTER SEQUENCE serials_id_seq AS integer$$, online => true, parents => '{r0}');
SELECT migrate.start('r1');
-- the sequence is found at complete whatever the search_path; a started
-- revision cannot be registered again; its keys are built only after the backfill
SELECT migrate.add('r1', $$ALTER TABLE serials ALTER COLUMN id TYPE bigint;
                           ALTER SEQUENCE serials_id_seq AS bigint$$, online => true, parents => '{r0}');
SELECT migrate.start('r1');
SELECT migrate.add('r1', 'ALTER TABLE serials ALTER COLUMN id TYPE numeric', online => true, parents => '{r0}');
SELECT migrate.add('r1', $$ALTER TABLE serials ALTER COLUMN id TYPE bigint;
                           ALTER SEQUENCE serials_id_seq AS bigint$$, online => true, parents => '{r0}');
SET search_path = public;
CALL migrate.backfill('r1');
SELECT statement FROM migrate.online_statements('r1') \gexec
SELECT migrate.complete('r1');
SET search_path = app;
SELECT seqtypid::regtype FROM pg_sequence WHERE seqrelid = 'serials_id_seq'::regclass;
-- the keys of the new columns are handed out once the backfill is done
SET pgmigrate.guard = off;
INSERT INTO texts SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO text_refs SELECT g, g FROM generate_series(1, 10) g;
RESET pgmigrate.guard;
SELECT migrate.add('r2', 'ALTER TABLE text_refs ALTER COLUMN code TYPE bigint', online => true, parents => '{r1}');
SELECT migrate.start('r2');
SELECT statement FROM migrate.online_statements('r2');
CALL migrate.backfill('r2');
SELECT statement FROM migrate.online_statements('r2');
-- abort goes, even when start would refuse now (a key added NOT VALID since)
SET pgmigrate.guard = off;
ALTER TABLE text_refs ADD CONSTRAINT text_refs_again FOREIGN KEY (code) REFERENCES texts (code) NOT VALID;
RESET pgmigrate.guard;
SELECT migrate.abort('r2');
SET pgmigrate.guard = off;
ALTER TABLE text_refs DROP CONSTRAINT text_refs_again;
RESET pgmigrate.guard;
SELECT * FROM migrate.drift();

-- a self-reference retyped on the referencing side only
SELECT migrate.add('r3', 'ALTER TABLE tree ALTER COLUMN parent TYPE bigint', online => true, parents => '{r1}');
SELECT migrate.start('r3');
SELECT migrate.abort('r3');

-- a key and the columns that reference it, in one revision: each table a
-- new column, the keys made again between the new columns
\i sql/include/reset.psql
SET search_path = app;
SET client_min_messages = warning;
SELECT migrate.add('m1', $$CREATE TABLE orders (id serial PRIMARY KEY, parent int REFERENCES orders, note text);
                           CREATE TABLE items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                               order_id int NOT NULL REFERENCES orders ON DELETE CASCADE, qty int);
                           CREATE INDEX items_order ON items (order_id);
                           CREATE TABLE payments (id int PRIMARY KEY,
                                                  order_id int CONSTRAINT paid_for REFERENCES orders, amount numeric);
                           COMMENT ON CONSTRAINT paid_for ON payments IS 'the order paid';
                           INSERT INTO orders (note) SELECT 'o' || g FROM generate_series(1, 1500) g;
                           UPDATE orders SET parent = id - 1 WHERE id > 1;
                           INSERT INTO items (order_id, qty) SELECT 1 + g % 1500, g FROM generate_series(1, 3000) g;
                           INSERT INTO payments SELECT g, g, g FROM generate_series(1, 1500) g;
                           CREATE SCHEMA elsewhere;
                           CREATE TABLE elsewhere.refunds (id bigint PRIMARY KEY, order_id int REFERENCES app.orders)$$);
RESET client_min_messages;
SELECT count(*) FROM migrate.apply();
SET pgmigrate.guard = 'enforce';
-- the key alone: the columns that reference it would be too narrow
SELECT migrate.add('m2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER SEQUENCE orders_id_seq AS bigint$$, online => true);
-- several tables hold type changes only
SELECT migrate.add('m2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE items RENAME COLUMN qty TO quantity$$, online => true);
-- and are of one schema
SELECT migrate.add('m2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE orders ALTER COLUMN parent TYPE bigint;
                           ALTER SEQUENCE orders_id_seq AS bigint;
                           ALTER TABLE items ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE payments ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE elsewhere.refunds ALTER COLUMN order_id TYPE bigint$$, online => true);
SELECT migrate.start('m2');
-- a referencing column of another schema: widened by a plain revision first
SELECT migrate.add('m2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE orders ALTER COLUMN parent TYPE bigint;
                           ALTER SEQUENCE orders_id_seq AS bigint;
                           ALTER TABLE items ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE payments ALTER COLUMN order_id TYPE bigint$$, online => true);
-- each table named one way; one that is not there is named
SELECT migrate.add('m2', $$ALTER TABLE items ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE payments ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE app.items ALTER COLUMN qty TYPE bigint$$, online => true);
SELECT migrate.add('m2', $$ALTER TABLE items ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE nowhere ALTER COLUMN order_id TYPE bigint$$, online => true);
SELECT migrate.start('m2');
SELECT migrate.add('m1b', 'DROP TABLE elsewhere.refunds; DROP SCHEMA elsewhere', parents => '{m1}', allow_destructive => true);
SELECT count(*) FROM migrate.apply('m1b');
-- a referencing table without a single-column key: the same
BEGIN;
SET client_min_messages = error;
SELECT migrate.add('m1t', 'CREATE TABLE order_tags (order_id int REFERENCES orders, tag text, PRIMARY KEY (order_id, tag))',
                   parents => '{m1b}');
SELECT count(*) FROM migrate.apply('m1t');
RESET client_min_messages;
SELECT migrate.add('m2t', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                            ALTER TABLE orders ALTER COLUMN parent TYPE bigint;
                            ALTER SEQUENCE orders_id_seq AS bigint;
                            ALTER TABLE items ALTER COLUMN order_id TYPE bigint;
                            ALTER TABLE payments ALTER COLUMN order_id TYPE bigint$$, online => true, parents => '{m1t}');
ROLLBACK;
SELECT migrate.add('m2', $$ALTER TABLE orders ALTER COLUMN id TYPE bigint;
                           ALTER TABLE orders ALTER COLUMN parent TYPE bigint;
                           ALTER SEQUENCE orders_id_seq AS bigint;
                           ALTER TABLE items ALTER COLUMN order_id TYPE bigint;
                           ALTER TABLE payments ALTER COLUMN order_id TYPE bigint$$, online => true, parents => '{m1b}');
BEGIN;
SET client_min_messages = warning;
SELECT count(*) FROM migrate.apply('m2');
SELECT migrate.schema() AS plain \gset
ROLLBACK;
SELECT migrate.start('m2');
SELECT revision, phase, relation, tables, backfilling, rows_left FROM migrate.online_progress;
-- one view per table in each version's schema, a trigger per table
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname IN ('app_m1', 'app_m2') ORDER BY 1, 2;
SELECT tgrelid::regclass, tgname FROM pg_trigger WHERE tgname LIKE '\_pgm%' ORDER BY 1, 2;
-- both versions write, the keys hold for both
SET search_path = app_m1, app;
INSERT INTO orders (note) VALUES ('old') RETURNING id, pg_typeof(id);
INSERT INTO items (order_id, qty) VALUES (1501, 1) RETURNING order_id, pg_typeof(order_id);
INSERT INTO items (order_id, qty) VALUES (999999, 1);
SET search_path = app_m2, app;
INSERT INTO orders (note, parent) VALUES ('new', 1500) RETURNING id, pg_typeof(id);
INSERT INTO items (order_id, qty) VALUES (1502, 2) RETURNING order_id, pg_typeof(order_id);
INSERT INTO payments VALUES (1503, 1502, 10) RETURNING order_id, pg_typeof(order_id);
INSERT INTO payments VALUES (1504, 999999, 10);
-- (a cascade from the old version's side reaches the new version's rows)
DELETE FROM orders WHERE id = 1501;
SET search_path = app;
-- the keys are handed out once every table is backfilled; the indexes first
SELECT statement FROM migrate.online_statements('m2');
SET pgmigrate.backfill_batch = 1000;
CALL migrate.backfill('m2');
RESET pgmigrate.backfill_batch;
SELECT o.phase, o.rows_done, o.part, p.backfilling FROM migrate.online o JOIN migrate.online_progress p USING (revision);
SELECT migrate.complete('m2');
SELECT statement FROM migrate.online_statements('m2');
SELECT statement FROM migrate.online_statements('m2') \gexec
SELECT migrate.complete('m2');
\d orders
\d items
\d payments
SELECT conrelid::regclass, conname, convalidated, obj_description(oid, 'pg_constraint') FROM pg_constraint
WHERE contype = 'f' AND connamespace = 'app'::regnamespace ORDER BY 1, 2;
SELECT seqtypid::regtype FROM pg_sequence WHERE seqrelid = 'orders_id_seq'::regclass;
-- the schema the plain ALTERs make, but for the order of the columns
SELECT * FROM migrate.compare(:'plain'::jsonb, migrate.schema());
SELECT * FROM migrate.drift();
SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM items), (SELECT count(*) FROM payments),
       (SELECT count(*) FROM items WHERE order_id IN (1501, 1502));
-- past the old type's end
SELECT setval('orders_id_seq', 2147483647);
INSERT INTO orders (note) VALUES ('big') RETURNING id;
INSERT INTO items (order_id, qty) VALUES (2147483648, 3) RETURNING order_id;

-- abort, after the keys were made again: every table as it was
SELECT migrate.add('m3', $$ALTER TABLE orders ALTER COLUMN id TYPE numeric(20);
                           ALTER TABLE items ALTER COLUMN order_id TYPE numeric(20);
                           ALTER TABLE payments ALTER COLUMN order_id TYPE numeric(20);
                           ALTER TABLE orders ALTER COLUMN parent TYPE numeric(20)$$, online => true, parents => '{m2}');
SELECT migrate.start('m3');
CALL migrate.backfill('m3');
SELECT statement FROM migrate.online_statements('m3') \gexec
SELECT conrelid::regclass, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE contype = 'f' AND connamespace = 'app'::regnamespace ORDER BY 1, 2;
SELECT migrate.abort('m3');
SELECT conrelid::regclass, conname, convalidated FROM pg_constraint
WHERE contype = 'f' AND connamespace = 'app'::regnamespace ORDER BY 1, 2;
SELECT count(*) FROM pg_attribute WHERE attname LIKE '\_pgm%' AND attrelid IN ('orders'::regclass, 'items'::regclass, 'payments'::regclass);
SELECT * FROM migrate.drift();
