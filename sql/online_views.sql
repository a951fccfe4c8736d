-- Online type changes of columns that views read: each view that reads the
-- column, and each view that reads those, is made again on the new column
-- at complete, with its options, owner, grants and comments; start tries
-- them first.  What could not be made again is refused with the reason.
\i sql/include/reset.psql
SET search_path = app;
SET pgmigrate.guard = 'enforce';
\set VERBOSITY default
SET client_min_messages = warning;
DROP ROLE IF EXISTS pgm_views_reader;
DROP ROLE IF EXISTS pgm_views_owner;
CREATE ROLE pgm_views_reader;
CREATE ROLE pgm_views_owner;
SELECT migrate.add('w1', $$CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                                                  balance int NOT NULL, name text);
  INSERT INTO accounts (balance, name) SELECT g, 'a' || g FROM generate_series(1, 100) g;
  CREATE VIEW rich WITH (security_barrier) AS
    SELECT id, balance * 2 AS twice, name FROM accounts WHERE balance > 50;
  CREATE VIEW richest AS SELECT max(twice) AS top, count(*) FROM rich;
  CREATE VIEW both_ AS SELECT r.id, t.top FROM rich r, richest t WHERE r.twice = t.top;
  CREATE VIEW "New" (k, "PUBLIC") AS SELECT id, balance FROM accounts WITH LOCAL CHECK OPTION;
  CREATE VIEW names AS SELECT name FROM accounts;
  CREATE VIEW constants AS SELECT id, balance * '0.30000000000000004'::float8 AS f, '2026-12-07'::date AS d,
                                  '1 day 02:00:00'::interval AS i, '\x0102ff'::bytea AS b, 'a\b' AS s,
                                  '2026-12-07 12:00:00+00'::timestamptz AS t FROM accounts;
  COMMENT ON VIEW rich IS 'the rich';
  COMMENT ON COLUMN rich.twice IS 'twice the balance';
  GRANT SELECT ON rich TO pgm_views_reader;
  GRANT SELECT, INSERT ON "New" TO pgm_views_reader WITH GRANT OPTION;
  REVOKE DELETE ON "New" FROM CURRENT_USER;
  ALTER VIEW richest OWNER TO pgm_views_owner;
  GRANT SELECT ON rich TO pgm_views_owner$$);
SELECT count(*) FROM migrate.apply();
RESET client_min_messages;
SELECT oid AS names_oid FROM pg_class WHERE oid = 'names'::regclass \gset

-- what a careful hand would do on the plain path, to compare with
BEGIN;
SET pgmigrate.guard = off;
DROP VIEW both_, richest, rich, "New", constants;
ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;
CREATE VIEW rich WITH (security_barrier) AS
  SELECT id, balance * 2 AS twice, name FROM accounts WHERE balance > 50;
CREATE VIEW richest AS SELECT max(twice) AS top, count(*) FROM rich;
CREATE VIEW both_ AS SELECT r.id, t.top FROM rich r, richest t WHERE r.twice = t.top;
CREATE VIEW "New" (k, "PUBLIC") AS SELECT id, balance FROM accounts WITH LOCAL CHECK OPTION;
CREATE VIEW constants AS SELECT id, balance * '0.30000000000000004'::float8 AS f, '2026-12-07'::date AS d,
                                '1 day 02:00:00'::interval AS i, '\x0102ff'::bytea AS b, 'a\b' AS s,
                                  '2026-12-07 12:00:00+00'::timestamptz AS t FROM accounts;
COMMENT ON VIEW rich IS 'the rich';
COMMENT ON COLUMN rich.twice IS 'twice the balance';
GRANT SELECT ON rich TO pgm_views_reader;
GRANT SELECT, INSERT ON "New" TO pgm_views_reader WITH GRANT OPTION;
REVOKE DELETE ON "New" FROM CURRENT_USER;
ALTER VIEW richest OWNER TO pgm_views_owner;
GRANT SELECT ON rich TO pgm_views_owner;
SELECT migrate.schema_part(ARRAY['pg_class', 'pg_class', 'pg_class', 'pg_class', 'pg_class']::regclass[],
                           ARRAY['rich', 'richest', 'both_', '"New"', 'constants']::regclass[]) AS plain \gset
ROLLBACK;

-- default privileges of the role that completes add nothing to the views made again
SET pgmigrate.guard = off;
ALTER DEFAULT PRIVILEGES IN SCHEMA app GRANT SELECT ON TABLES TO pgm_views_owner;
RESET pgmigrate.guard;

SELECT migrate.add('w2', 'ALTER TABLE accounts ALTER COLUMN balance TYPE bigint', online => true);
SELECT migrate.start('w2');
-- while both versions run, the views read the old column
SELECT * FROM both_;
SET search_path = app_w2, app;
UPDATE accounts SET balance = 4242 WHERE id = 100;
SET search_path = app;
SELECT pg_typeof(twice), twice FROM rich WHERE id = 100;
CALL migrate.backfill('w2');
-- settings a client may have: constants are read and written back whole all the same
SET extra_float_digits = 0;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET bytea_output = 'escape';
SET standard_conforming_strings = off;
SET quote_all_identifiers = on;
SET TimeZone = 'Asia/Kolkata';
SELECT migrate.complete('w2');
RESET extra_float_digits;
RESET DateStyle;
RESET IntervalStyle;
RESET bytea_output;
RESET standard_conforming_strings;
RESET quote_all_identifiers;
RESET TimeZone;
SELECT f = 0.30000000000000004::float8 AS f_whole, d, i, b, s, t FROM constants WHERE id = 1;
-- and a document is the same in every session
SET extra_float_digits = -15;
SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'sql_standard';
SET bytea_output = 'escape';
SET standard_conforming_strings = off;
SET quote_all_identifiers = on;
SET TimeZone = 'Asia/Kolkata';
SELECT migrate.schema() AS odd_document \gset
SELECT migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['constants'::regclass]) AS odd_part \gset
RESET extra_float_digits;
RESET DateStyle;
RESET IntervalStyle;
RESET bytea_output;
RESET standard_conforming_strings;
RESET quote_all_identifiers;
RESET TimeZone;
SELECT :'odd_document'::jsonb = migrate.schema() AS same_document,
       :'odd_part'::jsonb = migrate.schema_part(ARRAY['pg_class']::regclass[], ARRAY['constants'::regclass]) AS same_part;
-- the views read the new column, and are what the careful hand made
SELECT pg_typeof(twice), twice FROM rich WHERE id = 100;
SELECT * FROM both_;
SELECT * FROM "New" WHERE k > 98 ORDER BY k;
SELECT c.relname, a.attname, a.atttypid::regtype, col_description(c.oid, a.attnum)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.oid IN ('rich'::regclass, 'richest'::regclass, 'both_'::regclass, '"New"'::regclass) ORDER BY 1, a.attnum;
SELECT c.relname, c.reloptions, obj_description(c.oid, 'pg_class'), pg_get_userbyid(c.relowner) AS owner,
       (SELECT string_agg(x, ', ' ORDER BY x)
          FROM aclexplode(COALESCE(c.relacl, acldefault('r', c.relowner))) g,
               format('%s %s%s', CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END,
                      g.privilege_type, CASE WHEN g.is_grantable THEN '*' ELSE '' END) x
         WHERE g.privilege_type <> 'MAINTAIN') AS grants
  FROM pg_class c
 WHERE c.oid IN ('rich'::regclass, 'richest'::regclass, 'both_'::regclass, '"New"'::regclass) ORDER BY 1;
SELECT * FROM migrate.compare(:'plain'::jsonb,
                              migrate.schema_part(ARRAY['pg_class', 'pg_class', 'pg_class', 'pg_class', 'pg_class']::regclass[],
                                                  ARRAY['rich', 'richest', 'both_', '"New"', 'constants']::regclass[]));
-- a view that does not read the column is left alone
SELECT 'names'::regclass::oid = :names_oid AS names_kept;
SELECT * FROM migrate.drift();
SET pgmigrate.guard = off;
ALTER DEFAULT PRIVILEGES IN SCHEMA app REVOKE SELECT ON TABLES FROM pgm_views_owner;
RESET pgmigrate.guard;

-- with a rename and the table's rename in the same revision: the views follow
SELECT migrate.add('w3', $$ALTER TABLE accounts ALTER COLUMN balance TYPE numeric(20);
                           ALTER TABLE accounts RENAME COLUMN name TO full_name;
                           ALTER TABLE accounts RENAME TO wallets$$, online => true);
SELECT migrate.start('w3');
CALL migrate.backfill('w3');
SELECT migrate.complete('w3');
SELECT a.attname, a.atttypid::regtype FROM pg_attribute a WHERE a.attrelid = 'rich'::regclass AND a.attnum > 0
 ORDER BY a.attnum;
SELECT pg_get_viewdef('rich'::regclass) LIKE '%full_name AS name%FROM app.wallets%' OR
       pg_get_viewdef('rich'::regclass) LIKE '%full_name AS name%FROM wallets%' AS follows;
SELECT pg_typeof(twice), twice FROM rich WHERE id = 100;
SELECT * FROM migrate.drift();

-- abort leaves every view as it was
SELECT oid AS rich_oid FROM pg_class WHERE oid = 'rich'::regclass \gset
-- (a column without NOT NULL: on 18, the table's rename left the NOT NULL
-- constraint of balance a name start refuses)
SELECT migrate.add('w4', 'ALTER TABLE wallets ALTER COLUMN full_name TYPE varchar(200)', online => true,
                   allow_destructive => true);
SELECT migrate.start('w4');
SELECT migrate.abort('w4');
SELECT 'rich'::regclass::oid = :rich_oid AS rich_kept, pg_typeof(name) FROM rich LIMIT 1;
SELECT * FROM migrate.drift();

-- what cannot be made again is refused, with the reason, at registration
-- (a warning: the parent is applied) and at start
SET client_min_messages = warning;
SELECT migrate.add('w5', $$CREATE TABLE t (id bigint PRIMARY KEY, n int, m int, p int, q int, r int, s int);
  CREATE FUNCTION only_int(i int) RETURNS int LANGUAGE sql IMMUTABLE RETURN i + 1;
  CREATE VIEW tn AS SELECT id, only_int(n) AS k FROM t;
  CREATE VIEW tm AS SELECT id, m FROM t;
  CREATE FUNCTION tm_f(tm) RETURNS int LANGUAGE sql RETURN 1;
  CREATE MATERIALIZED VIEW tp AS SELECT sum(p) FROM t;
  CREATE VIEW tq AS SELECT id, q FROM t;
  CREATE FUNCTION tq_write() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
  CREATE TRIGGER tq_write INSTEAD OF INSERT ON tq FOR EACH ROW EXECUTE FUNCTION tq_write();
  CREATE VIEW tr AS SELECT id, r FROM t;
  CREATE VIEW tr2 AS SELECT * FROM tr;
  ALTER VIEW tr2 ALTER COLUMN r SET DEFAULT 0;
  GRANT SELECT (id) ON tr2 TO pgm_views_reader;
  CREATE VIEW ts AS SELECT id, s FROM t;
  ALTER VIEW ts OWNER TO pgm_views_owner;$$, parents => ARRAY['w3']);
SELECT count(*) FROM migrate.apply('w5');
RESET client_min_messages;
-- a definition that does not hold for the new type: start tries it
SELECT migrate.add('w6', 'ALTER TABLE t ALTER COLUMN n TYPE bigint', online => true, parents => ARRAY['w5']);
SELECT migrate.start('w6');
SELECT migrate.add('w6', 'ALTER TABLE t ALTER COLUMN m TYPE bigint', online => true, parents => ARRAY['w5']);
SELECT migrate.start('w6');
SELECT migrate.add('w6', 'ALTER TABLE t ALTER COLUMN p TYPE bigint', online => true, parents => ARRAY['w5']);
SELECT migrate.start('w6');
SELECT migrate.add('w6', 'ALTER TABLE t ALTER COLUMN q TYPE bigint', online => true, parents => ARRAY['w5']);
SELECT migrate.start('w6');
SELECT migrate.add('w6', 'ALTER TABLE t ALTER COLUMN r TYPE bigint', online => true, parents => ARRAY['w5']);
SELECT migrate.start('w6');
-- a view of a role the one registering (or starting) is not a member of:
-- it could not drop the view
CREATE ROLE pgm_views_deployer;
SET pgmigrate.guard = off;
GRANT EXECUTE ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean) TO pgm_views_deployer;
GRANT USAGE ON SCHEMA app TO pgm_views_deployer;
RESET pgmigrate.guard;
SET ROLE pgm_views_deployer;
SELECT migrate.add('w6', 'ALTER TABLE t ALTER COLUMN s TYPE bigint', online => true, parents => ARRAY['w5']);
RESET ROLE;
-- (a superuser may)
SELECT migrate.start('w6');
CALL migrate.backfill('w6');
-- complete looks again: a view made since start, which cannot be made again, stops it
SET pgmigrate.guard = off;
CREATE VIEW ts2 AS SELECT s FROM ts;
CREATE FUNCTION ts2_f(ts2) RETURNS int LANGUAGE sql RETURN 1;
RESET pgmigrate.guard;
SELECT migrate.complete('w6');
SET pgmigrate.guard = off;
DROP FUNCTION ts2_f(ts2);
RESET pgmigrate.guard;
SELECT migrate.complete('w6');
SELECT a.attrelid::regclass, a.atttypid::regtype FROM pg_attribute a
 WHERE a.attrelid IN ('ts'::regclass, 'ts2'::regclass) AND a.attname = 's' ORDER BY 1;
SELECT pg_get_userbyid(c.relowner) AS owner, a.atttypid::regtype
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 's' WHERE c.oid = 'ts'::regclass;
-- (but for what was done by hand above)
SELECT * FROM migrate.drift();

-- a temporary view is a session's own: refused
CREATE TEMP VIEW mine AS SELECT id, s FROM t;
SELECT migrate.add('w6b', 'ALTER TABLE t ALTER COLUMN s TYPE numeric', online => true, parents => ARRAY['w6']);
SELECT migrate.start('w6b');
DROP VIEW mine;

-- a view that groups by the primary key alone (the other columns depend on
-- it): start cannot try it (the key is on the new column only after the
-- backfill), complete makes it again once the key is attached
SET client_min_messages = warning;
SELECT migrate.add('w7', $$CREATE TABLE keyed (id int PRIMARY KEY, label text);
  INSERT INTO keyed SELECT g, 'k' || g FROM generate_series(1, 10) g;
  CREATE VIEW keyed_labels AS SELECT k.id, k.label, count(*) FROM keyed k GROUP BY k.id;
  CREATE TABLE keyed2 (id int PRIMARY KEY, label text);
  CREATE VIEW keyed2_labels AS SELECT k.id, k.label, count(*) FROM keyed2 k GROUP BY k.id;
  CREATE VIEW keyed2_more AS SELECT * FROM keyed2_labels;
  CREATE VIEW keyed2_ints AS SELECT only_int(id) AS i FROM keyed2;
  CREATE TABLE gen (id bigint PRIMARY KEY, n int, twice int GENERATED ALWAYS AS (n * 2) STORED, note text);
  CREATE TABLE dropper (id bigint PRIMARY KEY, a int CHECK (a > 0), b int CHECK (b::float8 <> '0.30000000000000004'::float8),
                        CHECK (a < b), FOREIGN KEY (a) REFERENCES dropper (id));
  CREATE VIEW gen_notes AS SELECT id, note FROM gen$$, parents => ARRAY['w6']);
SELECT count(*) FROM migrate.apply('w7');
RESET client_min_messages;
SELECT migrate.add('w8', 'ALTER TABLE keyed ALTER COLUMN id TYPE bigint', online => true, parents => ARRAY['w7']);
SELECT migrate.start('w8');
CALL migrate.backfill('w8');
SELECT statement FROM migrate.online_statements('w8') \gexec
SELECT migrate.complete('w8');
SELECT pg_typeof(id), count(*) FROM keyed_labels GROUP BY 1;
-- (the views start cannot try do not stop it from trying the others)
SELECT migrate.add('w9', 'ALTER TABLE keyed2 ALTER COLUMN id TYPE bigint', online => true, parents => ARRAY['w8']);
SELECT migrate.start('w9');
-- a generated column of a retyped one, and a column dropped that a view
-- reads: refused at start (complete could not drop the old column)
SELECT migrate.add('w10', 'ALTER TABLE gen ALTER COLUMN n TYPE bigint', online => true, parents => ARRAY['w8']);
SELECT migrate.start('w10');
SELECT migrate.add('w10', 'ALTER TABLE gen DROP COLUMN note', online => true, parents => ARRAY['w8'],
                   allow_destructive => true);
SELECT migrate.start('w10');
-- a generated column itself
SELECT migrate.add('w10', 'ALTER TABLE gen ALTER COLUMN twice TYPE bigint', online => true, parents => ARRAY['w8']);
SELECT migrate.start('w10');
-- what DROP COLUMN drops with the column does not stop it: a CHECK on it, its own foreign key
SELECT migrate.add('w10', 'ALTER TABLE dropper DROP COLUMN a', online => true, parents => ARRAY['w8'],
                   allow_destructive => true);
SELECT migrate.start('w10');
SELECT migrate.abort('w10');
-- a CHECK made again on the new column keeps its constants, whatever the session's settings at start
SELECT migrate.add('w10', 'ALTER TABLE dropper ALTER COLUMN b TYPE bigint', online => true, parents => ARRAY['w8']);
SET extra_float_digits = 0;
SELECT migrate.start('w10');
RESET extra_float_digits;
CALL migrate.backfill('w10');
SELECT migrate.complete('w10');
SELECT pg_get_constraintdef(oid) LIKE '%0.30000000000000004%' AS whole FROM pg_constraint WHERE conname = 'dropper_b_check';

SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP EXTENSION pgmigrate CASCADE;
DROP SCHEMA app CASCADE;
DROP OWNED BY pgm_views_reader, pgm_views_owner, pgm_views_deployer;
DROP ROLE pgm_views_reader, pgm_views_owner, pgm_views_deployer;
