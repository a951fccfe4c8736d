-- Online revisions: registration, start, backfill, complete, abort, and
-- every refusal on the way.
\i sql/include/reset.psql
-- the tables live in schema app: the versions' schemas are app_<revision>
SET search_path = app;
SET pgmigrate.guard = 'enforce';
\set VERBOSITY default

SELECT migrate.add('o1', $$CREATE TABLE items (id bigint PRIMARY KEY, qty integer NOT NULL DEFAULT 0,
                                               label text, legacy text, price numeric(10,2));
                           CREATE INDEX items_price ON items (price);
                           CREATE TABLE other (id int PRIMARY KEY, note text);
                           CREATE TABLE keyless (a int, b int)$$);
SELECT count(*) FROM migrate.apply();
SET pgmigrate.guard = 'off';
INSERT INTO items SELECT g, g, 'item ' || g, 'legacy', g FROM generate_series(1, 2500) g;
INSERT INTO other VALUES (1, 'one');
RESET pgmigrate.guard;

-- registration: only what can run online
SELECT migrate.add('bad1', 'CREATE TABLE x (a int)', online => true);
SELECT migrate.add('bad2', 'ALTER TABLE items ADD COLUMN a int, ADD COLUMN b int', online => true);
SELECT migrate.add('bad3', 'ALTER TABLE items ADD COLUMN a int; ALTER TABLE other ADD COLUMN a int', online => true);
SELECT migrate.add('bad4', 'ALTER TABLE items RENAME COLUMN label TO title; ALTER TABLE items DROP COLUMN label', online => true);
SELECT migrate.add('bad5', 'ALTER TABLE items ALTER COLUMN qty TYPE bigint USING qty * 10', online => true);
SELECT migrate.add('bad6', 'ALTER TABLE items ADD COLUMN code text UNIQUE', online => true);
SELECT migrate.add('bad7', 'ALTER TABLE items ADD COLUMN code text NOT NULL', online => true);
SELECT migrate.add('bad8', 'ALTER TABLE items DROP COLUMN legacy CASCADE', online => true, allow_destructive => true);
SELECT migrate.add('bad9', 'ALTER TABLE items ADD COLUMN a int', online => true, transactional => false);
SELECT migrate.add('bad10', '-- nothing', online => true);
SELECT migrate.add('bad11', 'ALTER TABLE ONLY items ADD COLUMN a int', online => true);
SELECT migrate.add('bad12', 'ALTER TABLE items ALTER COLUMN qty DROP DEFAULT', online => true);
SELECT migrate.add('bad_merge', 'ALTER TABLE items ADD COLUMN a int', parents => ARRAY['o1', 'm1'], online => true);
SELECT count(*) FROM migrate.revisions WHERE id LIKE 'bad%';

-- a USING that is the plain cast of the column to the new type is the same
-- change as none: no reverse line (the way back is the cast back), and
-- lossless where the cast is (integer to bigint); lossy where the cast
-- back may fail (numeric to integer), then approved as destructive; any
-- other USING needs its reverse
BEGIN;
SELECT migrate.add('cast1', 'ALTER TABLE items ALTER COLUMN qty TYPE bigint USING qty::bigint', online => true);
SELECT migrate.add('cast2', 'ALTER TABLE items ALTER COLUMN qty TYPE pg_catalog.int8 USING CAST(qty AS bigint)', online => true,
                   parents => ARRAY['o1']);
SAVEPOINT lossy;
SELECT migrate.add('cast3', 'ALTER TABLE items ALTER COLUMN price TYPE integer USING price::integer', online => true,
                   parents => ARRAY['o1']);
ROLLBACK TO lossy;
SELECT migrate.add('cast3', 'ALTER TABLE items ALTER COLUMN price TYPE integer USING price::integer', online => true,
                   parents => ARRAY['o1'], allow_destructive => true);
SAVEPOINT other;
SELECT migrate.add('cast4', 'ALTER TABLE items ALTER COLUMN qty TYPE bigint USING qty::numeric', online => true,
                   parents => ARRAY['o1']);
ROLLBACK TO other;
SELECT migrate.add('cast5', 'ALTER TABLE items ALTER COLUMN qty TYPE bigint USING qty::int8::int8', online => true,
                   parents => ARRAY['o1']);
ROLLBACK;

-- the phases need an online revision, started, in order
SELECT migrate.add('o2', $$ALTER TABLE items ALTER COLUMN qty TYPE bigint USING qty * 10;
                           ALTER TABLE items RENAME COLUMN label TO title;
                           ALTER TABLE items ADD COLUMN done boolean NOT NULL DEFAULT false;
                           ALTER TABLE items DROP COLUMN legacy$$,
                   online => true, allow_destructive => true);
-- (its USING needs a reverse: say it in a comment line before the statement)
SELECT migrate.add('o2', $$-- migrate:reverse qty / 10
                           ALTER TABLE items ALTER COLUMN qty TYPE bigint USING qty * 10;
                           ALTER TABLE items RENAME COLUMN label TO title;
                           ALTER TABLE items ADD COLUMN done boolean NOT NULL DEFAULT false;
                           ALTER TABLE items DROP COLUMN legacy$$,
                   online => true, allow_destructive => true);
SELECT id, online FROM migrate.revisions ORDER BY id;
SELECT migrate.start('o1');
SELECT migrate.start('nope');
SELECT migrate.start(NULL);
SELECT migrate.complete('o2');
SELECT migrate.abort('o2');
CALL migrate.backfill('o2');

-- an application's session says which version it serves, once however often
SELECT migrate.use_version('app_o1');
SELECT migrate.use_version('app_o1');
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7366509 AND pid = pg_backend_pid();
SELECT pg_advisory_unlock_shared(7366509, hashtext('app_o1'));
SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 7366509 AND pid = pg_backend_pid();
SELECT migrate.use_version(NULL);

-- start: the new shape beside the old one, and a schema for each version
SELECT migrate.start('o2');
SELECT migrate.start('o2');
SELECT revision, applied, online FROM migrate.status() ORDER BY revision;
SELECT * FROM migrate.drift();
SELECT * FROM migrate.verify();
SELECT revision, phase, relation, rows_done, rows_left, rows_per_second, old_schema, new_schema
FROM migrate.online_progress;
SELECT n.nspname, c.relname, pg_catalog.obj_description(n.oid, 'pg_namespace')
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname LIKE 'app\_%' ORDER BY 1, 2;
-- only the changed table has a view: a version finds the others in the schema itself
SET search_path = app_o1, app;
SELECT n.nspname, c.relname FROM unnest(ARRAY['items'::regclass, 'other'::regclass, 'keyless'::regclass]) r
JOIN pg_catalog.pg_class c ON c.oid = r JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 1, 2;
SET search_path = app_o2, app;
SELECT n.nspname, c.relname FROM unnest(ARRAY['items'::regclass, 'other'::regclass]) r
JOIN pg_catalog.pg_class c ON c.oid = r JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY 1, 2;
SET search_path = app;
\d app_o1.items
\d app_o2.items
\d items

-- both versions write while it runs, each in its own shape
SET search_path = app_o2, app;
INSERT INTO items (id, qty, title, price) VALUES (10001, 70, 'new app', 1);
INSERT INTO items (id, title) VALUES (10002, 'new app, defaults');
UPDATE items SET qty = 990, done = true WHERE id = 2;
UPDATE items SET title = 'renamed by new' WHERE id = 4;
-- (a row the backfill has not reached reads converted, and takes writes)
SELECT id, qty, title FROM items WHERE id = 5;
UPDATE items SET qty = qty + 1 WHERE id = 5;
INSERT INTO items (id, title) VALUES (10004, 'returning') RETURNING id, qty, title, done;
DELETE FROM items WHERE id = 10004;
UPDATE items SET qty = 1 WHERE id = -1;
SET search_path = app_o1, app;
INSERT INTO items (id, qty, label, legacy) VALUES (10003, 5, 'old app', 'kept');
UPDATE items SET qty = 33 WHERE id = 3;
UPDATE items SET label = 'relabelled by old' WHERE id = 2;
SELECT * FROM items WHERE id IN (2, 3, 4, 10001, 10003) ORDER BY id;
SET search_path = app;
SELECT id, qty, _pgm_new_qty, label, done FROM items WHERE id IN (1, 2, 3, 4, 5, 10001, 10002, 10003, 10004) ORDER BY id;

-- nothing else runs meanwhile
SELECT migrate.add('o3', 'ALTER TABLE other ADD COLUMN extra int');
SELECT migrate.apply();
SELECT migrate.rollback();
SELECT migrate.stamp('o3');
ALTER TABLE items ADD COLUMN sneaky int;
SELECT migrate.complete('o2');

-- backfill: only outside a transaction block; in batches
BEGIN;
CALL migrate.backfill('o2');
ROLLBACK;
SET pgmigrate.backfill_batch = 1000;
CALL migrate.backfill('o2');
SELECT revision, phase, rows_done, rows_left, rows_per_second > 0 AS rate FROM migrate.online_progress;
SELECT count(*) AS rows, count(*) FILTER (WHERE _pgm_new_qty = qty * 10) AS filled_from_old,
       count(*) FILTER (WHERE _pgm_new_qty IS NULL) AS not_filled FROM items;
CALL migrate.backfill('o2');
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'c';
SELECT revision, online FROM migrate.status() WHERE revision = 'o2';
SELECT * FROM migrate.drift();

-- complete: the old shape goes, the revision is applied
SELECT migrate.complete('o2');
\d items
SELECT id, qty, title, price, done FROM items WHERE id IN (1, 2, 3, 4, 5, 10001, 10002, 10003) ORDER BY id;
SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'app\_o%';
SELECT count(*) FROM pg_proc WHERE proname LIKE '\_pgm%';
SELECT revision, applied, destructive, online FROM migrate.status() ORDER BY revision;
SELECT * FROM migrate.drift();
SELECT * FROM migrate.online;
SELECT action, revision, outcome, detail FROM migrate.log WHERE revision = 'o2' ORDER BY id;
SELECT migrate.complete('o2');

-- start checks the revision against the table
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('o4', $$ALTER TABLE keyless ALTER COLUMN a TYPE bigint$$, online => true);
SELECT migrate.start('o4');
SELECT migrate.add('o4', $$ALTER TABLE other ALTER COLUMN note TYPE date$$, online => true, allow_destructive => true);
SELECT migrate.start('o4');
SELECT migrate.add('o4', $$-- migrate:reverse no_such_function(note)
                           ALTER TABLE other ALTER COLUMN note TYPE int USING length(note)$$,
                   online => true, allow_destructive => true);
SELECT migrate.start('o4');
SELECT migrate.add('o4', $$ALTER TABLE other RENAME COLUMN note TO id$$, online => true);
SELECT migrate.start('o4');
SELECT migrate.add('o4', $$ALTER TABLE other ADD COLUMN stamp timestamptz DEFAULT clock_timestamp()$$, online => true);
SELECT migrate.add('o4', $$ALTER TABLE other ADD COLUMN note int DEFAULT 0$$, online => true);
SELECT migrate.start('o4');
SELECT * FROM migrate.online;
SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'app\_o%';

-- abort at each phase leaves the old shape and all data
SELECT migrate.add('o4', $$ALTER TABLE items ALTER COLUMN title TYPE varchar(200);
                           ALTER TABLE items ADD COLUMN code text DEFAULT 'none'$$, online => true);
CREATE TEMP TABLE snap AS SELECT * FROM items;
SELECT migrate.start('o4');
SELECT migrate.abort('o4');
\d items
SELECT count(*) FROM ((TABLE items EXCEPT TABLE snap) UNION ALL (TABLE snap EXCEPT TABLE items)) d;
SELECT migrate.start('o4');
CALL migrate.backfill('o4');
-- abort's own queries call nothing the caller's search_path puts first
SET pgmigrate.guard = 'off';
CREATE SCHEMA trojan;
CREATE FUNCTION trojan.eq(oid, oid) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE NOTICE 'trojan called'; RETURN $1 OPERATOR(pg_catalog.=) $2; END$$;
CREATE OPERATOR trojan.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = trojan.eq);
RESET pgmigrate.guard;
SET search_path = trojan, pg_catalog, app;
SELECT migrate.abort('o4');
SET search_path = app;
SET pgmigrate.guard = 'off';
DROP SCHEMA trojan CASCADE;
RESET pgmigrate.guard;
SELECT count(*) FROM ((TABLE items EXCEPT TABLE snap) UNION ALL (TABLE snap EXCEPT TABLE items)) d;
SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'app\_o%';
SELECT * FROM migrate.drift();
SELECT action, revision, outcome FROM migrate.log WHERE revision = 'o4' ORDER BY id;

-- a plain apply runs an online revision's statements as they are
SELECT count(*) FROM migrate.apply();
\d items
SELECT revision, applied FROM migrate.status() WHERE revision = 'o4';

-- NOT NULL with a fill, constraints validated by the backfill (enforced on every
-- write from start on), and the table renamed last
SELECT migrate.add('bad13', 'ALTER TABLE items ADD CONSTRAINT items_code PRIMARY KEY (code)', online => true);
SELECT migrate.add('bad14', 'ALTER TABLE items ADD CHECK (qty >= 0)', online => true);
SELECT migrate.add('bad15', 'ALTER TABLE items RENAME TO stock; ALTER TABLE items ADD COLUMN a int', online => true);
SELECT migrate.add('o5', 'ALTER TABLE items ALTER COLUMN qty SET NOT NULL', online => true);
SELECT migrate.start('o5');
SELECT migrate.add('o5', 'ALTER TABLE items RENAME TO other', online => true);
SELECT migrate.start('o5');
SELECT migrate.add('o5', 'ALTER TABLE items ADD CONSTRAINT items_pkey CHECK (qty >= 0)', online => true);
SELECT migrate.start('o5');
SELECT migrate.add('o5', $$-- migrate:fill 'none'
                           ALTER TABLE items ALTER COLUMN code SET NOT NULL;
                           ALTER TABLE items ADD CONSTRAINT items_qty CHECK (qty >= 0);
                           ALTER TABLE items ADD CONSTRAINT items_other FOREIGN KEY (qty) REFERENCES other (id) NOT VALID;
                           ALTER TABLE items RENAME TO stock$$, online => true);
SET pgmigrate.guard = 'off';
UPDATE items SET code = NULL WHERE id <= 10;
RESET pgmigrate.guard;
SELECT migrate.start('o5');
-- the NOT NULL NOT VALID (18: the column's own constraint; before, a CHECK
-- that SET NOT NULL uses), the new constraints NOT VALID, the trigger
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'items'::regclass AND (contype IN ('c', 'f') OR conname LIKE '\_pgm%') ORDER BY 1;
SELECT tgname FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal;
\d app_o5.stock
SET search_path = app_o4, app;
INSERT INTO items (id, title, qty, code) VALUES (20001, 'old app, no code', 1, NULL);
INSERT INTO items (id, title, qty) VALUES (20002, 'old app, negative', -1);
SET search_path = app_o5, app;
INSERT INTO stock (id, title, qty) VALUES (20003, 'new app', 1);
SELECT id, code FROM stock WHERE id > 20000 ORDER BY id;
SET search_path = app;
CALL migrate.backfill('o5');
SELECT count(*) FILTER (WHERE code IS NULL) AS nulls, count(*) FILTER (WHERE code = 'none') AS filled FROM items;
SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'items'::regclass AND (contype IN ('c', 'f') OR conname LIKE '\_pgm%') ORDER BY 1;
SELECT migrate.complete('o5');
\d stock
SELECT revision, applied, online FROM migrate.status() WHERE revision = 'o5';
SELECT * FROM migrate.drift();

-- indexes are built concurrently at top level, which no function can do: by
-- the client, or in psql with \gexec; a failed build is dropped and made again
SELECT migrate.add('bad16', 'CREATE INDEX ON stock (title)', online => true);
SELECT migrate.add('bad17', 'ALTER TABLE stock ADD CONSTRAINT stock_code UNIQUE (code) INCLUDE (title)', online => true);
SELECT migrate.add('o6', $$CREATE INDEX stock_title ON stock (title);
                           ALTER TABLE stock ADD CONSTRAINT stock_code_key UNIQUE (code)$$, online => true);
SELECT migrate.start('o6');
SELECT migrate.complete('o6');
SELECT statement FROM migrate.online_statements('o6') \gexec
SELECT statement FROM migrate.online_statements('o6');
UPDATE stock SET code = 'c' || id;
SELECT statement FROM migrate.online_statements('o6') \gexec
SELECT statement FROM migrate.online_statements('o6');
CREATE INDEX CONCURRENTLY stock_sneaky ON stock (price);
SELECT migrate.complete('o6');
\d stock
SELECT * FROM migrate.drift();
-- abort drops what was built
SELECT migrate.add('o7', 'CREATE INDEX stock_price ON stock (price)', online => true);
SELECT migrate.start('o7');
SELECT statement FROM migrate.online_statements('o7') \gexec
SELECT migrate.abort('o7');
SELECT count(*) FROM pg_class WHERE relname = 'stock_price';

-- a constraint or an index with columns changed at once is refused
SELECT migrate.add('bad18', $$ALTER TABLE stock RENAME COLUMN title TO name;
                             ALTER TABLE stock ADD CONSTRAINT stock_name CHECK (length(name) > 0)$$, online => true);
-- a type without =, and a key GENERATED ALWAYS AS IDENTITY, through the new version's view
SELECT migrate.add('o8', $$CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body json);
                           INSERT INTO events (body) SELECT json_build_object('n', g) FROM generate_series(1, 5) g$$);
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('o9', 'ALTER TABLE events ALTER COLUMN body TYPE jsonb USING body::jsonb', online => true);
SELECT migrate.add('o9', $$-- migrate:reverse body::json
                           ALTER TABLE events ALTER COLUMN body TYPE jsonb USING body::jsonb$$,
                   online => true, allow_destructive => true);
SELECT migrate.start('o9');
SET search_path = app_o8, app;
UPDATE events SET body = '{"n": 10}' WHERE id = 1;
INSERT INTO events (body) VALUES ('{"old": true}');
SET search_path = app_o9, app;
UPDATE events SET body = body || '{"new": true}' WHERE id = 2;
INSERT INTO events (body) VALUES ('{"new": 1}') RETURNING id, body;
SET search_path = app;
CALL migrate.backfill('o9');
SELECT migrate.complete('o9');
SELECT id, body FROM events ORDER BY id;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'events'::regclass AND attname = 'body';

-- an index of its own on a retyped column is built again on the new column,
-- and takes the old one's name at complete
SELECT migrate.add('o10', $$CREATE TABLE logs (id bigint PRIMARY KEY, at timestamp, level int, msg text);
                            CREATE INDEX logs_at ON logs (at DESC, level) INCLUDE (msg);
                            CREATE INDEX logs_lower ON logs (lower(msg));
                            INSERT INTO logs SELECT g, '2026-01-01'::timestamp + g * interval '1 minute', g % 5, 'm' || g
                            FROM generate_series(1, 100) g$$);
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('o11', 'ALTER TABLE logs ALTER COLUMN at TYPE timestamptz', online => true, allow_destructive => true);
SELECT migrate.start('o11');
SELECT statement FROM migrate.online_statements('o11');
CALL migrate.backfill('o11');
SELECT migrate.complete('o11');
SELECT statement FROM migrate.online_statements('o11') \gexec
SELECT migrate.complete('o11');
\d logs
SELECT * FROM migrate.drift();
-- an expression index on it is not
SELECT migrate.add('o12', 'ALTER TABLE logs ALTER COLUMN msg TYPE varchar(100)', online => true);
SELECT migrate.start('o12');
-- a long id: the names start makes must fit, and only what it makes is checked
SELECT migrate.add(repeat('z', 58), 'ALTER TABLE logs ALTER COLUMN level TYPE bigint', online => true, parents => '{o11}');
SELECT migrate.start(repeat('z', 58));
SELECT migrate.add(repeat('z', 58), 'ALTER TABLE logs ADD COLUMN source text DEFAULT ''app''', online => true, parents => '{o11}');
SELECT migrate.start(repeat('z', 58));
SELECT migrate.abort(repeat('z', 58));

-- any column names work: PL/pgSQL's words, the trigger's variables, mixed case,
-- the table's own name, pgmigrate's own prefix; expressions that end in a comment
SELECT migrate.add('n1', $$CREATE TABLE odd (id bigint PRIMARY KEY, new int, old int, found int, tg_op text,
                                             tg_name text, "begin" int, loop int, strict int, "end" int,
                                             "Mixed Case" int, odd int, "if" int, _pgm_row int, _pgm_t int);
                           INSERT INTO odd SELECT g, g, g, g, 'op' || g, 'name' || g, g, g, g, g, g, g, g, g, g
                           FROM generate_series(1, 6) g$$, parents => ARRAY['o12', repeat('z', 58)]);
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('n2', $$-- migrate:reverse (new / 10)::int -- the new value, back
                           ALTER TABLE odd ALTER COLUMN new TYPE bigint USING (new * 10 + old + found + "begin" + loop
                               + strict + "end" + "Mixed Case" + odd + "if" + _pgm_row + _pgm_t) -- ends in a comment
                           ;
                           -- migrate:fill length(tg_op) + coalesce(new, "if", 0) -- as the write gave them
                           ALTER TABLE odd ALTER COLUMN old SET NOT NULL;
                           ALTER TABLE odd ALTER COLUMN "end" TYPE bigint;
                           ALTER TABLE odd ALTER COLUMN "Mixed Case" TYPE numeric;
                           ALTER TABLE odd RENAME COLUMN loop TO "while"$$,
                   online => true, allow_destructive => true);
SELECT migrate.start('n2');
SELECT count(*) FROM pg_proc WHERE proname LIKE '\_pgm%';
-- the new version writes through its views: INSERT, UPDATE, DELETE
SET search_path = app_n2, app;
INSERT INTO odd (id, new, old, found, tg_op, "while", "end", "Mixed Case")
VALUES (101, 505, NULL, 1, 'new app', 3, 9, 2.5) RETURNING id, new, old, "while", "end", "Mixed Case";
UPDATE odd SET new = 990, tg_op = 'new app' WHERE id = 1 RETURNING id, new, old, tg_op;
UPDATE odd SET "end" = 77, strict = 0 WHERE id = 2 RETURNING id, new, strict, "end";
DELETE FROM odd WHERE id = 3 RETURNING id, new, "end";
-- the old version writes through its views, and the table is written directly
SET search_path = app_n1, app;
INSERT INTO odd VALUES (102, 5, 1, 1, 'old app', NULL, 1, 1, 1, 1, 1, 1, 1, 1, 1);
UPDATE odd SET new = 33, odd = 0 WHERE id = 4;
DELETE FROM odd WHERE id = 5;
SET search_path = app;
INSERT INTO odd (id, new, old, tg_op, "if") VALUES (103, 6, NULL, 'direct', 1);
UPDATE odd SET odd = 100 WHERE id = 6;
SELECT id, new, _pgm_new_new, old, "end", "_pgm_new_end", "Mixed Case", "_pgm_new_Mixed Case", loop
FROM odd ORDER BY id;
SELECT id, new, old, "end", "Mixed Case", "while" FROM app_n2.odd ORDER BY id;
CALL migrate.backfill('n2');
SELECT migrate.complete('n2');
SELECT id, new, old, found, tg_op, strict, "end", "Mixed Case", odd, "while" FROM odd ORDER BY id;
SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute
WHERE attrelid = 'odd'::regclass AND attname IN ('new', 'old', 'end', 'Mixed Case', 'while') ORDER BY attnum;
SELECT count(*) FROM pg_proc WHERE proname LIKE '\_pgm%';
SELECT * FROM migrate.drift();
-- abort leaves such a table in its old shape, with what both versions wrote
SELECT migrate.add('n3', $$-- migrate:reverse new::bigint
                           ALTER TABLE odd ALTER COLUMN new TYPE numeric USING new + found;
                           -- migrate:fill -1
                           ALTER TABLE odd ALTER COLUMN found SET NOT NULL$$,
                   online => true, allow_destructive => true);
CREATE TEMP TABLE odd_before AS SELECT * FROM odd;
SELECT migrate.start('n3');
SET search_path = app_n3, app;
INSERT INTO odd (id, new, old) VALUES (104, 1.5, 1) RETURNING id, new, found;
UPDATE odd SET new = new + 1 WHERE id = 1 RETURNING id, new;
SET search_path = app_n2, app;
UPDATE odd SET found = NULL WHERE id = 2;
SET search_path = app;
CALL migrate.backfill('n3');
SELECT id, new, _pgm_new_new, found FROM odd WHERE id IN (1, 2, 104) ORDER BY id;
SELECT migrate.abort('n3');
-- (the backfill filled row 103 too)
SELECT id, new, found FROM odd WHERE id IN (1, 2, 103, 104) ORDER BY id;
SELECT count(*) FROM ((SELECT * FROM odd WHERE id NOT IN (1, 2, 103, 104) EXCEPT TABLE odd_before)
                      UNION ALL (SELECT * FROM odd_before WHERE id NOT IN (1, 2, 103) EXCEPT TABLE odd)) d;
SELECT count(*) FROM pg_proc WHERE proname LIKE '\_pgm%';
SELECT revision, applied FROM migrate.status() WHERE revision = 'n3';
-- a table named new, whose USING names its column new; a column of its own
-- named like the ones pgmigrate adds is the user's
SELECT migrate.add('n3', $$CREATE TABLE "new" (id bigint PRIMARY KEY, "new" int, old int, _pgm_new_new int);
                           INSERT INTO "new" VALUES (1, 1, 1), (2, 2, 2)$$);
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('n4', $$-- migrate:reverse old::int
                           ALTER TABLE "new" ALTER COLUMN old TYPE bigint USING old + new$$,
                   online => true, allow_destructive => true);
SELECT migrate.start('n4');
SET search_path = app_n4, app;
INSERT INTO "new" (id, "new", old) VALUES (3, 30, 300) RETURNING *;
UPDATE "new" SET old = 20 WHERE id = 2 RETURNING *;
UPDATE "new" SET "new" = 10 WHERE id = 1 RETURNING *;
DELETE FROM "new" WHERE id = 3;
SET search_path = app;
SELECT * FROM "new" ORDER BY id;
CALL migrate.backfill('n4');
SELECT migrate.complete('n4');
SELECT * FROM "new" ORDER BY id;
-- but it cannot be the one added beside a retyped column
SELECT migrate.add('n5', 'ALTER TABLE "new" ALTER COLUMN "new" TYPE bigint', online => true, allow_destructive => true);
SELECT migrate.start('n5');
-- an expression names the table's columns, not the table
SELECT migrate.add('n5', $$-- migrate:reverse old::bigint
                           ALTER TABLE "new" ALTER COLUMN old TYPE numeric USING "new".old$$,
                   online => true, allow_destructive => true);
SELECT migrate.start('n5');

-- an index is built concurrently, however its statement is written: the
-- client gets a CONCURRENTLY build, and the guard lets no other through
SELECT migrate.add('n5', $$CREATE /* an index, not concurrently */ INDEX odd_found ON odd (found);
                           create   unique -- index
                             index odd_key ON odd (id, tg_op) WHERE old > 0;
                           CREATE UNIQUE /*x*/ INDEX odd_odd ON odd USING btree (odd, id) INCLUDE (tg_name)$$,
                   online => true);
SELECT migrate.start('n5');
SELECT statement FROM migrate.online_statements('n5');
CREATE /* an index, not concurrently */ INDEX odd_found ON odd (found);
SELECT statement FROM migrate.online_statements('n5') \gexec
SELECT migrate.complete('n5');
\d odd
SELECT * FROM migrate.drift();

-- a type change written with the plain cast runs as the same change
-- without USING: the new version's writes go back to the old column by the
-- cast back
SELECT migrate.add('n6', $$CREATE TABLE counters (id bigint PRIMARY KEY, hits integer NOT NULL);
                           INSERT INTO counters VALUES (1, 10), (2, 20)$$);
SELECT count(*) FROM migrate.apply();
SELECT migrate.add('n7', 'ALTER TABLE counters ALTER COLUMN hits TYPE bigint USING hits::bigint', online => true);
SELECT migrate.start('n7');
SET search_path = app_n7, app;
INSERT INTO counters VALUES (3, 30);
UPDATE counters SET hits = hits + 1 WHERE id = 1;
SET search_path = app_n6, app;
SELECT * FROM counters ORDER BY id;
SET search_path = app;
CALL migrate.backfill('n7');
SELECT migrate.complete('n7');
SELECT * FROM counters ORDER BY id;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'counters'::regclass AND attname = 'hits';
SELECT * FROM migrate.drift();

-- the first revision of a database may be online: a table that was there
-- before pgmigrate, changed without downtime; the old version is the
-- schema before any revision, <schema>_base
\i sql/include/reset.psql
SET search_path = app;
SET pgmigrate.guard = off;
CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer NOT NULL);
INSERT INTO accounts VALUES (1, 100), (2, 200);
RESET pgmigrate.guard;
SELECT migrate.add('0001_wide_balance', 'ALTER TABLE accounts ALTER COLUMN balance TYPE bigint USING balance::bigint', online => true);
SELECT parents FROM migrate.revisions WHERE id = '0001_wide_balance';
SELECT migrate.start('0001_wide_balance');
SET search_path = app_base, app;
UPDATE accounts SET balance = balance + 1 WHERE id = 1;
SET search_path = app_0001_wide_balance, app;
INSERT INTO accounts VALUES (3, 300);
SET search_path = app;
CALL migrate.backfill('0001_wide_balance');
SELECT migrate.complete('0001_wide_balance');
SELECT * FROM accounts ORDER BY id;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'balance';
SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'app\_%';
SELECT revision, applied FROM migrate.status();
SELECT * FROM migrate.drift();
-- after a stamped history, the old version is the stamped revision's
SELECT migrate.add('0002_accounts', 'CREATE TABLE accounts_log (id bigint PRIMARY KEY, note text)');
SET pgmigrate.guard = off;
CREATE TABLE accounts_log (id bigint PRIMARY KEY, note text);
RESET pgmigrate.guard;
SELECT count(*) FROM migrate.stamp('0002_accounts');
SELECT migrate.add('0003_note_text', 'ALTER TABLE accounts_log RENAME COLUMN note TO remark', online => true);
SELECT migrate.start('0003_note_text');
SELECT migrate.abort('0003_note_text');
