-- derived down SQL: exact inverses, in reverse order, that restore the schema
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP EXTENSION IF EXISTS pgmigrate CASCADE;
DROP SCHEMA IF EXISTS app CASCADE;
DROP SCHEMA IF EXISTS app_extra CASCADE;
CREATE SCHEMA app;
CREATE EXTENSION pgmigrate;
RESET pgmigrate.guard;
RESET client_min_messages;

-- what the schema looks like: every object a revision here can touch
CREATE FUNCTION pg_temp.schema_shape() RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(item, E'\n' ORDER BY item) FROM (
        SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname LIKE 'app%'
        UNION ALL
        SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text
          FROM pg_class c WHERE c.relnamespace::regnamespace::text LIKE 'app%'
        UNION ALL
        SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relnamespace::regnamespace::text LIKE 'app%' AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL
        SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE connamespace::regnamespace::text LIKE 'app%'
        UNION ALL
        SELECT 'function ' || p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace::regnamespace::text LIKE 'app%'
        UNION ALL
        SELECT 'type ' || t.oid::regtype FROM pg_type t
         WHERE t.typnamespace::regnamespace::text LIKE 'app%' AND t.typrelid = 0 AND t.typelem = 0
        UNION ALL
        SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger
         WHERE NOT tgisinternal AND tgrelid::regclass::text LIKE 'app%'
        UNION ALL
        SELECT 'policy ' || schemaname || '.' || tablename || ' ' || policyname FROM pg_policies
         WHERE schemaname LIKE 'app%'
    ) AS shape(item)
$$;

-- a base table the revisions below build on
SELECT migrate.add('00_base', 'CREATE TABLE app.accounts (id bigint PRIMARY KEY, email text);',
                   'DROP TABLE app.accounts;');
SELECT count(*) FROM migrate.apply();

-- every statement has an exact inverse: a down is derived
SELECT migrate.add('01_tables', $$
SET lock_timeout = '5s';
CREATE TABLE app.orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, total numeric);
CREATE INDEX orders_account ON app.orders (account_id);
CREATE SEQUENCE app.invoice_numbers;
CREATE VIEW app.big_orders AS SELECT * FROM app.orders WHERE total > 1000;
CREATE MATERIALIZED VIEW app.order_totals AS SELECT account_id, sum(total) AS total FROM app.orders GROUP BY 1;
ALTER TABLE app.accounts ADD COLUMN name text, ADD CONSTRAINT accounts_email_ck CHECK (email LIKE '%@%') NOT VALID;
$$);
SELECT migrate.add('02_types', $$
CREATE TYPE app.mood AS ENUM ('happy', 'sad');
CREATE TYPE app.pair AS (a int, b int);
CREATE DOMAIN app.positive AS int CHECK (VALUE > 0);
CREATE TYPE app.floatrange AS RANGE (subtype = float8);
CREATE SCHEMA app_extra;
$$);
SELECT migrate.add('03_code', $$
CREATE FUNCTION app.order_count(account bigint, OUT n bigint) AS 'SELECT count(*) FROM app.orders WHERE account_id = account' LANGUAGE sql;
CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE PROCEDURE app.noop(int[], text) LANGUAGE sql AS 'SELECT 1';
CREATE TRIGGER orders_touch BEFORE UPDATE ON app.orders FOR EACH ROW EXECUTE FUNCTION app.touch();
CREATE POLICY own_orders ON app.orders USING (account_id = 1);
$$);
SELECT migrate.add('04_renames', $$
ALTER TABLE app.orders RENAME COLUMN total TO amount;
ALTER TABLE app.orders RENAME TO purchases;
ALTER INDEX app.orders_account RENAME TO purchases_account;
ALTER TABLE app.accounts RENAME CONSTRAINT accounts_email_ck TO accounts_email_check;
ALTER SCHEMA app_extra RENAME TO app_more;
$$);
-- the derived downs: inverses of the statements, last first
SELECT id, down_derived, down FROM migrate.revisions WHERE id <> '00_base' ORDER BY id;
SELECT revision, irreversible, down_derived FROM migrate.status();

-- applying and rolling back restores the schema exactly
SELECT pg_temp.schema_shape() AS before \gset
SELECT step, revision FROM migrate.apply();
SELECT pg_temp.schema_shape() <> :'before' AS changed_by_apply;
SELECT step, revision FROM migrate.rollback('00_base');
SELECT pg_temp.schema_shape() = :'before' AS restored;
-- and again, so the downs did not leave anything that breaks the ups
SELECT count(*) FROM migrate.apply();
SELECT count(*) FROM migrate.rollback('00_base');
SELECT pg_temp.schema_shape() = :'before' AS restored_twice;

-- one statement without an exact inverse leaves the revision irreversible
SELECT migrate.add('10_data', 'CREATE TABLE app.t10 (id int); INSERT INTO app.t10 VALUES (1);');
SELECT migrate.add('11_replace', 'CREATE OR REPLACE VIEW app.v11 AS SELECT 1 AS one;', parents => '{10_data}');
SELECT migrate.add('12_if_not_exists', 'CREATE TABLE IF NOT EXISTS app.t12 (id int);', parents => '{11_replace}');
SELECT migrate.add('13_unnamed_index', 'CREATE INDEX ON app.accounts (email);', parents => '{12_if_not_exists}');
SELECT migrate.add('14_unnamed_constraint', 'ALTER TABLE app.accounts ADD CHECK (id > 0);', parents => '{13_unnamed_index}');
SELECT migrate.add('15_comment', $$COMMENT ON TABLE app.accounts IS 'people';$$, parents => '{14_unnamed_constraint}');
SELECT migrate.add('16_drop', 'ALTER TABLE app.accounts DROP COLUMN email;', parents => '{15_comment}',
                   allow_destructive => true);
SELECT migrate.add('17_set_default', 'ALTER TABLE app.accounts ALTER COLUMN id SET DEFAULT 1;', parents => '{16_drop}');
SELECT migrate.add('18_type_pct', 'CREATE FUNCTION app.f(x app.accounts.id%TYPE) RETURNS int LANGUAGE sql AS ''SELECT 1'';', parents => '{17_set_default}');
SELECT revision, irreversible, down_derived FROM migrate.status() WHERE revision >= '10';

-- an explicit down is kept as given, and an empty merge gets an empty down
SELECT migrate.add('20_explicit', 'CREATE TABLE app.t20 (id int);', 'DROP TABLE IF EXISTS app.t20;', parents => '{00_base}');
SELECT migrate.add('21_merge', '', parents => '{18_type_pct,20_explicit}');
SELECT id, down_derived, down FROM migrate.revisions WHERE id IN ('20_explicit', '21_merge') ORDER BY id;

-- re-registering the same revision without down is still a no-op
SELECT migrate.add('01_tables', $$
SET lock_timeout = '5s';
CREATE TABLE app.orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, total numeric);
CREATE INDEX orders_account ON app.orders (account_id);
CREATE SEQUENCE app.invoice_numbers;
CREATE VIEW app.big_orders AS SELECT * FROM app.orders WHERE total > 1000;
CREATE MATERIALIZED VIEW app.order_totals AS SELECT account_id, sum(total) AS total FROM app.orders GROUP BY 1;
ALTER TABLE app.accounts ADD COLUMN name text, ADD CONSTRAINT accounts_email_ck CHECK (email LIKE '%@%') NOT VALID;
$$);

-- a derived down names exactly what the up created: types as written and
-- quoted ("char" is not char, which is bpchar; "My T" is one name), and a
-- procedure's parameters with their modes (without them, DROP PROCEDURE
-- p31(int4, int4) is ambiguous beside p31(IN int, OUT int))
SET client_min_messages = error;
SELECT migrate.add('30_other_f', 'CREATE FUNCTION app.f30(x char) RETURNS int LANGUAGE sql AS ''SELECT 1'';',
                   'DROP FUNCTION app.f30(char);', parents => '{00_base}');
SELECT migrate.add('31_overload', 'CREATE PROCEDURE app.p31(IN a int, IN b int) LANGUAGE sql AS ''SELECT 1'';',
                   'DROP PROCEDURE app.p31(IN int, IN int);', parents => '{30_other_f}');
SELECT migrate.add('32_quoted', $$
CREATE TYPE app."My T" AS (a int);
CREATE SCHEMA "S 9";
CREATE TABLE "S 9"."MixedCase" (id int);
CREATE FUNCTION app.f30(x "char", y app."My T"[], z "S 9"."MixedCase") RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE app.p31(IN a int, OUT b int) LANGUAGE sql AS 'SELECT 1';
$$, parents => '{31_overload}');
RESET client_min_messages;
SELECT id, down FROM migrate.revisions WHERE id = '32_quoted';
SELECT count(*) FROM migrate.apply('31_overload');
SELECT pg_temp.schema_shape() AS before \gset
SELECT step, revision FROM migrate.apply('32_quoted');
SELECT step, revision FROM migrate.rollback('31_overload');
SELECT pg_temp.schema_shape() = :'before' AS restored,
       to_regprocedure('app.f30(char)') IS NOT NULL AS other_f_kept,
       to_regprocedure('app.p31(int, int)') IS NOT NULL AS overload_kept;
SELECT count(*) FROM migrate.rollback('00_base');

-- no down is derived where the inverse cannot be known from the SQL
SELECT migrate.add('33_rename_if_exists', 'ALTER TABLE IF EXISTS app.maybe RENAME TO perhaps;', parents => '{00_base}');
SELECT migrate.add('34_primary_key', 'SET lock_timeout = ''1s''; ALTER TABLE app.accounts ADD CONSTRAINT accounts_pk2 PRIMARY KEY (email);',
                   parents => '{33_rename_if_exists}');
SELECT migrate.add('35_unique_using_index', 'SET lock_timeout = ''1s''; ALTER TABLE app.accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_idx;',
                   parents => '{34_primary_key}');
SELECT migrate.add('36_named_check', 'SET lock_timeout = ''1s''; ALTER TABLE app.accounts ADD CONSTRAINT accounts_id_ck CHECK (id > 0) NOT VALID;',
                   parents => '{35_unique_using_index}');
SELECT revision, irreversible, down_derived FROM migrate.status() WHERE revision >= '33' ORDER BY revision;
-- a CHECK written on a new column that does not name the column does not
-- depend on it, and DROP COLUMN would leave it; one that names it goes with it
SET client_min_messages = error;
SELECT migrate.add('39_column_check', 'SET lock_timeout = ''1s''; ALTER TABLE app.accounts ADD COLUMN score int CHECK (id > 0);',
                   parents => '{00_base}');
SELECT migrate.add('39_column_own_check', 'SET lock_timeout = ''1s''; ALTER TABLE app.accounts ADD COLUMN score int CHECK (accounts.score >= 0);',
                   parents => '{00_base}');
RESET client_min_messages;
SELECT id, down FROM migrate.revisions WHERE id LIKE '39%' ORDER BY id;
SELECT revision, ok, detail FROM migrate.test_roundtrip('39_column_own_check');

-- an unqualified name that pg_catalog also has would be dropped there:
-- CREATE TABLE pg_attrdef is the user's table, DROP TABLE pg_attrdef the catalog's
SET client_min_messages = error;
SELECT migrate.add('37_catalog_name', 'CREATE TABLE pg_attrdef (id int);', parents => '{36_named_check}');
SELECT migrate.add('38_catalog_function', 'CREATE FUNCTION now(x int) RETURNS int LANGUAGE sql AS ''SELECT 1'';',
                   parents => '{37_catalog_name}');
-- a partition is detached before it is dropped: attaching it cloned the
-- foreign keys that reference its parent, which a plain DROP TABLE refuses
SELECT migrate.add('40_partitioned', $$
CREATE TABLE app.pk (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE app.pk1 PARTITION OF app.pk FOR VALUES FROM (0) TO (10);
CREATE TABLE app.fk (id int REFERENCES app.pk);
$$, parents => '{00_base}');
SELECT migrate.add('41_partition', 'CREATE TABLE app.pk2 PARTITION OF app.pk FOR VALUES FROM (10) TO (20);',
                   parents => '{40_partitioned}');
RESET client_min_messages;
SELECT revision, irreversible, down_derived FROM migrate.status() WHERE revision IN ('37_catalog_name', '38_catalog_function', '41_partition');
SELECT down FROM migrate.revisions WHERE id = '41_partition';
SELECT count(*) FROM migrate.apply('40_partitioned');
SELECT revision, ok, detail FROM migrate.test_roundtrip('41_partition');
SELECT count(*) FROM migrate.rollback('00_base');
