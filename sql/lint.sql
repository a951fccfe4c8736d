-- migrate.lint() and the checks migrate.add() makes: every rule with SQL
-- that triggers it and SQL that must not, every refused statement class.
-- Nothing here runs the SQL under test, so it names tables that do not exist.
\i sql/include/reset.psql
-- a table the catalogs know, for the rules that ask them
SET pgmigrate.guard = off;
DROP TABLE IF EXISTS lint_real;
CREATE TABLE lint_real (a int, v varchar(10), n numeric(10,2), c char(3), t text, i int, nn int,
                        CONSTRAINT nn_not_null CHECK (nn IS NOT NULL));
RESET pgmigrate.guard;

-- the corpus: each case is SQL, the rule it is about, and every rule it must
-- produce (in any order; '' for none)
CREATE TEMP TABLE corpus (n serial, about text, expected text, sql text);
INSERT INTO corpus (about, expected, sql) VALUES
    -- transaction control: refused, every form
    ('transaction-control', 'transaction-control', $$BEGIN$$),
    ('transaction-control', 'transaction-control', $$START TRANSACTION ISOLATION LEVEL SERIALIZABLE$$),
    ('transaction-control', 'transaction-control', $$COMMIT$$),
    ('transaction-control', 'transaction-control', $$END$$),
    ('transaction-control', 'transaction-control', $$ROLLBACK$$),
    ('transaction-control', 'transaction-control', $$ABORT$$),
    ('transaction-control', 'transaction-control', $$ROLLBACK AND CHAIN$$),
    ('transaction-control', 'transaction-control', $$SAVEPOINT s$$),
    ('transaction-control', 'transaction-control', $$RELEASE SAVEPOINT s$$),
    ('transaction-control', 'transaction-control', $$ROLLBACK TO SAVEPOINT s$$),
    ('transaction-control', 'transaction-control', $$PREPARE TRANSACTION 'x'$$),
    ('transaction-control', 'transaction-control', $$COMMIT PREPARED 'x'$$),
    ('transaction-control', 'transaction-control', $$ROLLBACK PREPARED 'x'$$),
    ('transaction-control', 'transaction-control', $$CREATE TABLE t (a bigint); COMMIT$$),
    ('transaction-control', '', $$COMMENT ON TABLE t IS 'commit'$$),
    ('transaction-control', '', $$CHECKPOINT$$),
    -- role changes: refused
    ('role-change', 'role-change', $$SET ROLE someone$$),
    ('role-change', 'role-change', $$SET LOCAL ROLE someone$$),
    ('role-change', 'role-change', $$SET SESSION AUTHORIZATION someone$$),
    ('role-change', 'role-change', $$RESET ROLE$$),
    ('role-change', 'role-change', $$RESET SESSION AUTHORIZATION$$),
    ('role-change', '', $$SET search_path = app, public$$),
    ('role-change', '', $$RESET ALL$$),
    ('role-change', '', $$GRANT SELECT ON t TO someone$$),
    ('role-change', '', $$ALTER ROLE someone SET work_mem = '64MB'$$),
    -- statements that cannot run inside a transaction block, every class,
    -- each next to a close variant that can
    ('non-transactional', 'non-transactional', $$CREATE INDEX CONCURRENTLY i ON t (a)$$),
    ('non-transactional', 'non-transactional', $$CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)$$),
    ('non-transactional', 'non-transactional', $$CREATE TABLE t (a bigint); CREATE INDEX CONCURRENTLY i ON t (a)$$),
    ('non-transactional', 'non-transactional', $$DROP INDEX CONCURRENTLY i$$),
    ('non-transactional', 'non-transactional', $$DROP INDEX CONCURRENTLY IF EXISTS app.i$$),
    ('non-transactional', 'non-transactional', $$REINDEX INDEX CONCURRENTLY i$$),
    ('non-transactional', 'non-transactional', $$REINDEX TABLE CONCURRENTLY t$$),
    ('non-transactional', 'non-transactional', $$REINDEX (CONCURRENTLY) TABLE t$$),
    ('non-transactional', 'non-transactional', $$REINDEX SCHEMA CONCURRENTLY app$$),
    ('non-transactional', 'non-transactional', $$REINDEX SCHEMA app$$),
    ('non-transactional', 'non-transactional', $$REINDEX DATABASE d$$),
    ('non-transactional', 'non-transactional', $$REINDEX SYSTEM d$$),
    ('non-transactional', 'reindex-without-concurrently', $$SET lock_timeout = '2s'; REINDEX (CONCURRENTLY false) TABLE t$$),
    ('non-transactional', 'non-transactional', $$VACUUM$$),
    ('non-transactional', 'non-transactional', $$VACUUM t$$),
    ('non-transactional', 'non-transactional, table-rewrite', $$VACUUM FULL t$$),
    ('non-transactional', 'non-transactional', $$VACUUM (ANALYZE) t$$),
    ('non-transactional', '', $$ANALYZE t$$),
    ('non-transactional', 'non-transactional, table-rewrite', $$CLUSTER$$),
    ('non-transactional', 'non-transactional, table-rewrite', $$CLUSTER VERBOSE$$),
    ('non-transactional', 'table-rewrite', $$SET lock_timeout = '2s'; CLUSTER t USING i$$),
    ('non-transactional', 'table-rewrite', $$SET lock_timeout = '2s'; CLUSTER t$$),
    ('non-transactional', 'non-transactional', $$ALTER SYSTEM SET work_mem = '64MB'$$),
    ('non-transactional', 'non-transactional', $$ALTER SYSTEM RESET ALL$$),
    ('non-transactional', 'non-transactional', $$CREATE DATABASE d$$),
    ('non-transactional', 'non-transactional', $$CREATE DATABASE d TEMPLATE template0$$),
    ('non-transactional', 'drop-database, non-transactional', $$DROP DATABASE d$$),
    ('non-transactional', 'drop-database, non-transactional', $$DROP DATABASE IF EXISTS d WITH (FORCE)$$),
    ('non-transactional', 'non-transactional', $$CREATE TABLESPACE ts LOCATION '/nowhere'$$),
    ('non-transactional', 'non-transactional', $$DROP TABLESPACE ts$$),
    ('non-transactional', 'non-transactional', $$DROP TABLESPACE IF EXISTS ts$$),
    ('non-transactional', 'non-transactional', $$ALTER DATABASE d SET TABLESPACE ts$$),
    ('non-transactional', '', $$ALTER DATABASE d SET default_tablespace = 'ts'$$),
    ('non-transactional', '', $$ALTER DATABASE d SET work_mem = '64MB'$$),
    ('non-transactional', '', $$ALTER DATABASE d RENAME TO e$$),
    ('non-transactional', 'non-transactional', $$DISCARD ALL$$),
    ('non-transactional', '', $$DISCARD PLANS$$),
    ('non-transactional', '', $$DISCARD TEMP$$),
    ('non-transactional', '', $$DISCARD SEQUENCES$$),
    ('non-transactional', 'missing-lock-timeout, non-transactional', $$ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY$$),
    ('non-transactional', 'detach-partition-without-concurrently, missing-lock-timeout', $$ALTER TABLE p DETACH PARTITION p1$$),
    ('non-transactional', 'missing-lock-timeout', $$ALTER TABLE p DETACH PARTITION p1 FINALIZE$$),
    -- CREATE INDEX on a table that existed before
    ('index-without-concurrently', 'index-without-concurrently, missing-lock-timeout', $$CREATE INDEX i ON t (a)$$),
    ('index-without-concurrently', 'index-without-concurrently, missing-lock-timeout', $$CREATE INDEX ON t (a)$$),
    ('index-without-concurrently', 'index-without-concurrently', $$SET lock_timeout = '2s'; CREATE UNIQUE INDEX i ON app.t (a)$$),
    ('index-without-concurrently', 'index-without-concurrently, missing-lock-timeout', $$CREATE TABLE IF NOT EXISTS t (a bigint); CREATE INDEX i ON t (a)$$),
    ('index-without-concurrently', '', $$CREATE TABLE t (a bigint); CREATE INDEX i ON t (a)$$),
    ('index-without-concurrently', '', $$CREATE TABLE app.t (a bigint); CREATE INDEX i ON app.t (a)$$),
    ('index-without-concurrently', '', $$CREATE TABLE t AS SELECT 1 AS a; CREATE INDEX ON t (a)$$),
    ('index-without-concurrently', '', $$CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a; CREATE UNIQUE INDEX ON mv (a)$$),
    -- REINDEX
    ('reindex-without-concurrently', 'reindex-without-concurrently', $$SET lock_timeout = '2s'; REINDEX TABLE t$$),
    ('reindex-without-concurrently', 'reindex-without-concurrently', $$SET lock_timeout = '2s'; REINDEX (VERBOSE) INDEX i$$),
    ('reindex-without-concurrently', '', $$CREATE TABLE t (a bigint); REINDEX TABLE t$$),
    ('reindex-without-concurrently', 'non-transactional', $$REINDEX INDEX CONCURRENTLY app.i$$),
    -- DROP INDEX
    ('drop-index-without-concurrently', 'drop-index-without-concurrently', $$SET lock_timeout = '2s'; DROP INDEX i$$),
    ('drop-index-without-concurrently', 'drop-index-without-concurrently', $$SET lock_timeout = '2s'; DROP INDEX IF EXISTS app.i, app.j$$),
    ('drop-index-without-concurrently', '', $$CREATE TABLE t (a bigint); CREATE INDEX i ON t (a); DROP INDEX i$$),
    ('drop-index-without-concurrently', 'non-transactional', $$DROP INDEX CONCURRENTLY app.i$$),
    -- FOREIGN KEY and CHECK constraints
    ('constraint-without-not-valid', 'constraint-without-not-valid, missing-lock-timeout', $$ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u$$),
    ('constraint-without-not-valid', 'constraint-without-not-valid', $$SET lock_timeout = '2s'; ALTER TABLE t ADD FOREIGN KEY (a) REFERENCES u (id) ON DELETE CASCADE$$),
    ('constraint-without-not-valid', 'constraint-without-not-valid', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0)$$),
    ('constraint-without-not-valid', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u NOT VALID$$),
    ('constraint-without-not-valid', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID$$),
    ('constraint-without-not-valid', '', $$SET lock_timeout = '2s'; ALTER TABLE t VALIDATE CONSTRAINT ck$$),
    ('constraint-without-not-valid', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u$$),
    -- UNIQUE and PRIMARY KEY constraints
    ('unique-without-index', 'unique-without-index', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)$$),
    ('unique-without-index', 'unique-without-index', $$SET lock_timeout = '2s'; ALTER TABLE app.t ADD UNIQUE (a, b)$$),
    ('unique-without-index', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i$$),
    ('unique-without-index', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD UNIQUE (a)$$),
    ('add-primary-key', 'add-primary-key', $$SET lock_timeout = '2s'; ALTER TABLE t ADD PRIMARY KEY (a)$$),
    ('add-primary-key', 'add-primary-key', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY (a, b)$$),
    ('add-primary-key', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX i$$),
    ('add-primary-key', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD PRIMARY KEY (a), ADD CHECK (a > 0)$$),
    -- SET NOT NULL
    ('set-not-null', 'set-not-null', $$SET lock_timeout = '2s'; ALTER TABLE t ALTER COLUMN a SET NOT NULL$$),
    ('set-not-null', 'set-not-null', $$SET lock_timeout = '2s'; ALTER TABLE app.t ALTER a SET NOT NULL, ALTER a SET DEFAULT 0$$),
    ('set-not-null', '', $$SET lock_timeout = '2s'; ALTER TABLE t ALTER COLUMN a DROP NOT NULL$$),
    ('set-not-null', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ALTER COLUMN a SET NOT NULL$$),
    -- ADD COLUMN with a volatile default: the table is rewritten
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c double precision DEFAULT random()$$),
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp()$$),
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c uuid NOT NULL DEFAULT gen_random_uuid()$$),
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('s')$$),
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c int DEFAULT (pg_catalog.random() * 10)::int$$),
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c text DEFAULT md5(random()::text)$$),
    ('add-column-volatile-default', 'add-column-volatile-default, prefer-identity', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigserial$$),
    ('add-column-volatile-default', 'add-column-volatile-default, prefer-bigint, prefer-identity', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c serial$$),
    ('add-column-volatile-default', 'add-column-volatile-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY$$),
    ('add-column-volatile-default', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()$$),
    ('add-column-volatile-default', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c timestamptz DEFAULT CURRENT_TIMESTAMP$$),
    ('add-column-volatile-default', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c int DEFAULT 0$$),
    ('add-column-volatile-default', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c text DEFAULT md5('x')$$),
    ('add-column-volatile-default', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()$$),
    -- ADD COLUMN ... NOT NULL without a default
    ('add-column-not-null-without-default', 'add-column-not-null-without-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigint NOT NULL$$),
    ('add-column-not-null-without-default', 'add-column-not-null-without-default', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN IF NOT EXISTS c text NOT NULL$$),
    ('add-column-not-null-without-default', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigint NOT NULL DEFAULT 0$$),
    ('add-column-not-null-without-default', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigint$$),
    ('add-column-not-null-without-default', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD COLUMN c bigint NOT NULL$$),
    -- ALTER COLUMN ... TYPE
    -- a column the catalogs do not know yet (t is not there): judged when the revision is applied
    ('column-type-change-at-apply', 'column-type-change-at-apply', $$SET lock_timeout = '2s'; ALTER TABLE t ALTER COLUMN a TYPE bigint$$),
    ('column-type-change-at-apply', 'column-type-change-at-apply', $$SET lock_timeout = '2s'; ALTER TABLE ONLY t ALTER COLUMN a SET DATA TYPE text USING a::text$$),
    ('column-type-change-at-apply', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE bigint USING i::numeric$$),
    ('column-type-change-at-apply', '', $$SET lock_timeout = '2s'; ALTER TABLE t ALTER COLUMN a SET DEFAULT 0$$),
    ('column-type-change', '', $$CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a TYPE bigint$$),
    -- other rewrites
    ('table-rewrite', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE t SET TABLESPACE ts$$),
    ('table-rewrite', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE t SET LOGGED$$),
    ('table-rewrite', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE t SET UNLOGGED$$),
    ('table-rewrite', '', $$SET lock_timeout = '2s'; ALTER TABLE t SET (fillfactor = 70)$$),
    ('table-rewrite', '', $$CREATE TABLE t (a bigint); ALTER TABLE t SET UNLOGGED$$),
    -- renames
    ('rename-table', 'missing-lock-timeout, rename-table', $$ALTER TABLE t RENAME TO t2$$),
    ('rename-table', 'rename-table', $$SET lock_timeout = '2s'; ALTER TABLE IF EXISTS app.t RENAME TO t2$$),
    ('rename-table', '', $$CREATE TABLE t (a bigint); ALTER TABLE t RENAME TO t2$$),
    ('rename-table', '', $$SET lock_timeout = '2s'; ALTER TABLE t RENAME CONSTRAINT c TO d$$),
    ('rename-column', 'rename-column', $$SET lock_timeout = '2s'; ALTER TABLE t RENAME COLUMN a TO b$$),
    ('rename-column', 'rename-column', $$SET lock_timeout = '2s'; ALTER TABLE t RENAME a TO b$$),
    ('rename-column', '', $$CREATE TABLE t (a bigint); ALTER TABLE t RENAME COLUMN a TO b$$),
    -- drops of what existed before this SQL; a drop of what it created is fine
    ('drop-table', 'drop-table', $$SET lock_timeout = '2s'; DROP TABLE t$$),
    ('drop-if-exists', 'drop-if-exists, drop-if-exists', $$SET lock_timeout = '2s'; DROP TABLE IF EXISTS app.t, app.u CASCADE$$),
    ('drop-table', 'drop-table', $$SET lock_timeout = '2s'; CREATE TABLE t (a bigint); DROP TABLE t, u$$),
    ('drop-table', 'drop-table', $$SET lock_timeout = '2s'; CREATE TABLE IF NOT EXISTS t (a bigint); DROP TABLE t$$),
    ('drop-table', '', $$SET lock_timeout = '2s'; CREATE TABLE t (a bigint); DROP TABLE t$$),
    ('drop-table', '', $$SET lock_timeout = '2s'; CREATE TABLE t AS SELECT 1 AS a; DROP TABLE t$$),
    ('drop-table', '', $$SET lock_timeout = '2s'; SELECT 1 AS a INTO t; DROP TABLE t$$),
    ('drop-table', '', $$SET lock_timeout = '2s'; CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); DROP TABLE p1$$),
    ('drop-table', '', $$SET lock_timeout = '2s'; CREATE TABLE t (a bigint); ALTER TABLE t RENAME TO t2; DROP TABLE t2$$),
    ('drop-column', 'drop-column, missing-lock-timeout', $$ALTER TABLE t DROP COLUMN a$$),
    ('drop-column', 'drop-column', $$SET lock_timeout = '2s'; ALTER TABLE IF EXISTS t DROP COLUMN IF EXISTS a CASCADE$$),
    ('drop-column', '', $$CREATE TABLE t (a bigint, b bigint); ALTER TABLE t DROP COLUMN b$$),
    ('drop-column', '', $$SET lock_timeout = '2s'; ALTER TABLE t DROP CONSTRAINT c$$),
    ('drop-cascade', 'drop-cascade', $$DROP SCHEMA s CASCADE$$),
    ('drop-schema', 'drop-schema, drop-schema', $$DROP SCHEMA IF EXISTS s1, s2$$),
    ('drop-cascade', 'drop-cascade', $$CREATE SCHEMA IF NOT EXISTS s; DROP SCHEMA s CASCADE$$),
    ('drop-schema', '', $$CREATE SCHEMA s; DROP SCHEMA s$$),
    ('drop-view', 'drop-view, missing-lock-timeout', $$DROP VIEW v$$),
    ('drop-view', 'drop-view, missing-lock-timeout', $$DROP MATERIALIZED VIEW mv$$),
    ('drop-view', '', $$CREATE VIEW v AS SELECT 1; DROP VIEW v$$),
    ('drop-view', '', $$CREATE MATERIALIZED VIEW mv AS SELECT 1; DROP MATERIALIZED VIEW mv$$),
    ('drop-type', 'drop-type', $$DROP TYPE mood$$),
    ('drop-type', 'drop-type', $$DROP DOMAIN positive$$),
    ('drop-type', '', $$CREATE TYPE mood AS ENUM ('a'); DROP TYPE mood$$),
    ('drop-type', '', $$CREATE TYPE pair AS (a int, b int); DROP TYPE pair$$),
    ('drop-type', '', $$CREATE TYPE fr AS RANGE (subtype = float8); DROP TYPE fr$$),
    ('drop-type', '', $$CREATE DOMAIN positive AS bigint CHECK (VALUE > 0); DROP DOMAIN positive$$),
    ('drop-sequence', 'drop-sequence, missing-lock-timeout', $$DROP SEQUENCE s$$),
    ('drop-sequence', 'drop-sequence, missing-lock-timeout', $$CREATE SEQUENCE IF NOT EXISTS s; DROP SEQUENCE s$$),
    ('drop-sequence', '', $$CREATE SEQUENCE s; DROP SEQUENCE s$$),
    ('drop-function', 'drop-function', $$DROP FUNCTION f(int)$$),
    ('drop-function', 'drop-function', $$DROP PROCEDURE p()$$),
    ('drop-function', 'drop-function', $$DROP ROUTINE r$$),
    ('drop-function', '', $$CREATE FUNCTION f(i int) RETURNS int LANGUAGE sql AS 'SELECT i'; DROP FUNCTION f(int)$$),
    ('drop-function', '', $$CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'; DROP PROCEDURE p()$$),
    -- data
    ('truncate', 'truncate', $$SET lock_timeout = '2s'; TRUNCATE t$$),
    ('truncate', 'truncate, truncate', $$SET lock_timeout = '2s'; TRUNCATE TABLE t, u$$),
    ('truncate', '', $$CREATE TABLE t (a bigint); TRUNCATE t$$),
    ('truncate-cascade', 'truncate, truncate-cascade', $$SET lock_timeout = '2s'; TRUNCATE t CASCADE$$),
    ('truncate-cascade', 'truncate-cascade', $$CREATE TABLE t (a bigint); TRUNCATE t CASCADE$$),
    ('truncate-cascade', 'truncate', $$SET lock_timeout = '2s'; TRUNCATE t RESTRICT$$),
    ('delete-without-where', 'delete-without-where', $$DELETE FROM t$$),
    ('delete-without-where', 'delete-without-where', $$DELETE FROM ONLY app.t$$),
    ('delete-without-where', 'delete-without-where', $$DELETE FROM t USING u$$),
    ('delete-without-where', '', $$DELETE FROM t WHERE a = 1$$),
    ('delete-without-where', '', $$DELETE FROM t USING u WHERE t.a = u.a$$),
    ('delete-without-where', '', $$CREATE TABLE t (a bigint); INSERT INTO t VALUES (1); DELETE FROM t$$),
    ('update-without-where', 'update-without-where', $$UPDATE t SET a = 1$$),
    ('update-without-where', 'update-without-where', $$UPDATE t SET a = u.a FROM u$$),
    ('update-without-where', '', $$UPDATE t SET a = 1 WHERE a IS NULL$$),
    ('update-without-where', '', $$CREATE TABLE t (a bigint); UPDATE t SET a = 1$$),
    ('update-without-where', '', $$INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1$$),
    -- enums
    ('enum-value-change', '', $$ALTER TYPE mood ADD VALUE 'meh'$$),
    ('enum-value-change', '', $$ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh' BEFORE 'sad'$$),
    ('enum-value-change', 'enum-value-change', $$ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'$$),
    ('enum-value-change', '', $$CREATE TYPE mood AS ENUM ('a'); ALTER TYPE mood ADD VALUE 'b'$$),
    ('enum-value-change', '', $$ALTER TYPE mood RENAME TO feeling$$),
    ('enum-value-change', '', $$CREATE TYPE mood AS ENUM ('a', 'b')$$),
    -- lock_timeout: once per SQL, for a statement that locks a table that
    -- existed before, unless a SET lock_timeout came first
    ('missing-lock-timeout', 'missing-lock-timeout', $$ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$ALTER TABLE t ADD COLUMN c text; ALTER TABLE u ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$ALTER TABLE t ADD COLUMN c text; SET lock_timeout = '2s'; ALTER TABLE u ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET statement_timeout = '2s'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout = 0; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout = '2s'; RESET lock_timeout; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$LOCK TABLE t$$),
    ('missing-lock-timeout', 'drop-index-without-concurrently, missing-lock-timeout', $$DROP INDEX i$$),
    ('missing-lock-timeout', 'missing-lock-timeout, reindex-without-concurrently', $$REINDEX TABLE t$$),
    ('missing-lock-timeout', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$SET LOCAL lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$SET lock_timeout TO '2s'; ALTER TABLE t ADD COLUMN c text$$),
    -- the value read as the server reads it: units, fractions, DEFAULT
    ('missing-lock-timeout', '', $$SET lock_timeout = '0.5s'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$SET lock_timeout = '500ms'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$SET lock_timeout = '1min'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$SET lock_timeout = 1.5; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$SET lock_timeout = 200; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout = '0s'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout = '0.0'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout = 0.2; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout TO DEFAULT; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$SET lock_timeout = 'soon'; ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD COLUMN c text$$),
    ('missing-lock-timeout', '', $$LOCK TABLE t IN ACCESS SHARE MODE$$),
    -- pgmigrate's own objects: refused, however they are named
    ('catalog-change', 'catalog-change, missing-lock-timeout', $$ALTER TABLE migrate.revisions DISABLE TRIGGER USER$$),
    ('catalog-change', 'catalog-change, delete-without-where', $$DELETE FROM migrate.revisions$$),
    ('catalog-change', 'catalog-change', $$INSERT INTO migrate.log (role) VALUES ('x')$$),
    ('catalog-change', 'catalog-change, missing-lock-timeout, truncate, truncate', $$TRUNCATE app.t, migrate.snapshots$$),
    ('catalog-change', 'catalog-change', $$CREATE TABLE migrate.extra (id bigint)$$),
    ('catalog-change', 'catalog-change', $$CREATE OR REPLACE FUNCTION migrate.heads() RETURNS text[] LANGUAGE sql AS 'SELECT NULL'$$),
    ('catalog-change', 'catalog-change, drop-function', $$DROP FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean)$$),
    ('catalog-change', 'catalog-change', $$COMMENT ON COLUMN migrate.revisions.id IS 'x'$$),
    ('catalog-change', 'catalog-change', $$COMMENT ON TRIGGER refuse_direct_write ON migrate.revisions IS 'x'$$),
    ('catalog-change', 'catalog-change', $$GRANT INSERT ON migrate.revisions TO public$$),
    ('catalog-change', 'catalog-change', $$GRANT USAGE ON SCHEMA migrate TO public$$),
    ('catalog-change', 'catalog-change, drop-cascade', $$DROP SCHEMA migrate CASCADE$$),
    ('catalog-change', 'catalog-change, rename-schema', $$ALTER SCHEMA migrate RENAME TO m2$$),
    ('catalog-change', 'catalog-change', $$DROP EXTENSION pgmigrate$$),
    ('catalog-change', 'catalog-change', $$ALTER EXTENSION pgmigrate UPDATE$$),
    ('catalog-change', 'catalog-change', $$ALTER TABLE app.t SET SCHEMA migrate$$),
    ('catalog-change', 'catalog-change', $$ALTER FUNCTION migrate.apply(text) OWNER TO someone$$),
    ('catalog-change', 'catalog-change, missing-lock-timeout', $$CREATE TRIGGER x BEFORE INSERT ON migrate.log FOR EACH ROW EXECUTE FUNCTION f()$$),
    ('catalog-change', 'catalog-change', $$REVOKE ALL ON ALL TABLES IN SCHEMA migrate FROM someone$$),
    ('catalog-change', 'catalog-change', $$ALTER DEFAULT PRIVILEGES IN SCHEMA migrate GRANT SELECT ON TABLES TO someone$$),
    ('catalog-change', '', $$GRANT SELECT ON ALL TABLES IN SCHEMA app TO someone$$),
    ('catalog-change', '', $$SELECT * FROM migrate.revisions$$),
    ('catalog-change', '', $$CREATE TABLE app.migrate (id bigint); COMMENT ON TABLE app.migrate IS 'fine'$$),
    ('catalog-change', '', $$CREATE TABLE migrate_v2.t (id bigint)$$),
    -- what PostgreSQL keeps from other roles: refused, every form
    ('secret', 'secret', $$CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'x')$$),
    ('secret', 'secret', $$CREATE USER MAPPING IF NOT EXISTS FOR PUBLIC SERVER s OPTIONS (user 'app')$$),
    ('secret', 'secret', $$ALTER USER MAPPING FOR CURRENT_USER SERVER s OPTIONS (SET password 'x')$$),
    ('secret', 'secret', $$ALTER USER MAPPING FOR app SERVER s OPTIONS (DROP user, ADD password 'x')$$),
    ('secret', 'secret', $$CREATE SUBSCRIPTION sub CONNECTION 'host=db dbname=app' PUBLICATION pub WITH (connect = false)$$),
    ('secret', 'secret', $$ALTER SUBSCRIPTION sub CONNECTION 'host=db2 dbname=app'$$),
    ('secret', 'secret', $$CREATE ROLE app LOGIN PASSWORD 'x'$$),
    ('secret', 'secret', $$CREATE USER app WITH ENCRYPTED PASSWORD 'SCRAM-SHA-256$4096:x'$$),
    ('secret', 'secret', $$ALTER ROLE app PASSWORD 'x' VALID UNTIL 'infinity'$$),
    ('secret', 'secret', $$ALTER USER app WITH PASSWORD 'x'$$),
    ('secret', '', $$CREATE USER MAPPING FOR app SERVER s$$),
    ('secret', '', $$ALTER USER MAPPING FOR app SERVER s OPTIONS (DROP password)$$),
    ('secret', '', $$DROP USER MAPPING FOR app SERVER s$$),
    ('secret', '', $$CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'db', dbname 'app')$$),
    ('secret', '', $$ALTER SERVER s OPTIONS (SET host 'db2')$$),
    ('secret', '', $$CREATE FOREIGN DATA WRAPPER w OPTIONS (debug 'true')$$),
    ('secret', '', $$ALTER SUBSCRIPTION sub SET (slot_name = 'sub2')$$),
    ('secret', '', $$ALTER SUBSCRIPTION sub SET PUBLICATION pub2$$),
    ('secret', '', $$CREATE ROLE app LOGIN PASSWORD NULL$$),
    ('secret', '', $$ALTER ROLE app VALID UNTIL 'infinity'$$),
    ('secret', '', $$COMMENT ON ROLE app IS 'password rotated'$$),
    -- column types
    ('prefer-bigint', 'prefer-bigint, prefer-identity', $$CREATE TABLE t (id serial PRIMARY KEY)$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (id int PRIMARY KEY)$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (id int4 PRIMARY KEY)$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (id smallint PRIMARY KEY)$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (id integer, PRIMARY KEY (id))$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY)$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (user_id int REFERENCES users)$$),
    ('prefer-bigint', 'prefer-bigint', $$CREATE TABLE t (user_id int, FOREIGN KEY (user_id) REFERENCES users)$$),
    ('prefer-bigint', 'constraint-without-not-valid, prefer-bigint', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN user_id int REFERENCES users$$),
    ('prefer-bigint', '', $$CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int)$$),
    ('prefer-bigint', '', $$CREATE TABLE t (id bigint PRIMARY KEY, n integer UNIQUE)$$),
    ('prefer-bigint', 'constraint-without-not-valid', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN user_id bigint REFERENCES users$$),
    ('prefer-identity', 'prefer-identity', $$CREATE TABLE t (id bigserial PRIMARY KEY)$$),
    ('prefer-identity', 'prefer-identity', $$CREATE TABLE t (id serial8)$$),
    ('prefer-identity', 'prefer-bigint, prefer-identity', $$CREATE TABLE t (id smallserial)$$),
    ('prefer-identity', '', $$CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY)$$),
    ('prefer-timestamptz', 'prefer-timestamptz', $$CREATE TABLE t (at timestamp)$$),
    ('prefer-timestamptz', 'prefer-timestamptz', $$CREATE TABLE t (at timestamp(3) without time zone)$$),
    ('prefer-timestamptz', 'prefer-timestamptz', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN at timestamp$$),
    ('prefer-timestamptz', '', $$CREATE TABLE t (at timestamptz, at2 timestamp with time zone)$$),
    ('char-column', 'char-column', $$CREATE TABLE t (code char(3))$$),
    ('char-column', 'char-column', $$CREATE TABLE t (code character)$$),
    ('char-column', '', $$CREATE TABLE t (code text CHECK (length(code) = 3))$$),
    ('char-column', '', $$CREATE TABLE t (flag "char")$$),
    ('varchar-length', 'varchar-length', $$CREATE TABLE t (name varchar(100))$$),
    ('varchar-length', 'varchar-length', $$CREATE TABLE t (name character varying(20))$$),
    ('varchar-length', 'varchar-length', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN name varchar(10)$$),
    ('varchar-length', '', $$CREATE TABLE t (name varchar)$$),
    -- what real histories do that is safe: a view or routine dropped and
    -- re-created in the same revision, a column filled right after it is
    -- added, DROP ... IF EXISTS of what is not there, type changes that
    -- PostgreSQL makes without a rewrite, SET NOT NULL over a valid CHECK
    ('drop-view', '', $$SET lock_timeout = '2s'; DROP VIEW v; CREATE VIEW v AS SELECT 1 AS a, 2 AS b$$),
    ('drop-view', '', $$SET lock_timeout = '2s'; DROP MATERIALIZED VIEW mv; CREATE MATERIALIZED VIEW mv AS SELECT 1$$),
    ('drop-function', '', $$DROP FUNCTION f(int); CREATE FUNCTION f(i int) RETURNS bigint LANGUAGE sql AS 'SELECT i'$$),
    ('drop-function', '', $$DROP PROCEDURE p(); CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'$$),
    ('drop-function', 'drop-function', $$DROP FUNCTION IF EXISTS f(int)$$),
    ('update-without-where', '', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c text; UPDATE t SET c = 'x'$$),
    ('update-without-where', 'update-without-where', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c text; UPDATE t SET c = 'x', a = 1$$),
    ('drop-if-exists', 'drop-if-exists', $$SET lock_timeout = '2s'; DROP TABLE IF EXISTS nowhere$$),
    ('drop-if-exists', 'drop-table', $$SET lock_timeout = '2s'; DROP TABLE IF EXISTS lint_real$$),
    ('drop-cascade', 'drop-cascade', $$DROP TYPE mood CASCADE$$),
    ('drop-cascade', 'drop-type', $$DROP TYPE mood$$),
    ('drop-cascade', 'drop-schema', $$DROP SCHEMA s$$),
    ('drop-cascade', '', $$CREATE SCHEMA s; DROP SCHEMA s CASCADE$$),
    ('drop-database', 'non-transactional', $$CREATE DATABASE d$$),
    ('column-type-change', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN v TYPE varchar(20)$$),
    ('column-type-change', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN v TYPE text$$),
    ('column-type-change', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN t TYPE varchar$$),
    ('column-type-change', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN n TYPE numeric(12,2)$$),
    ('column-type-change', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN n TYPE numeric$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE bigint$$),
    -- a limit PostgreSQL checks (an error on a longer value, not a cut one): a rewrite, no loss
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN v TYPE varchar(5)$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN t TYPE varchar(255)$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN t TYPE char(2)$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN n TYPE numeric(8,2)$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN t TYPE varchar(255) USING t::varchar(255)$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN n TYPE numeric(12,1)$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE smallint$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN t TYPE bigint USING t::bigint$$),
    -- a USING that is the plain cast of the column to the new type is the same change as none
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE bigint USING i::bigint$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE pg_catalog.int8 USING CAST(i AS bigint)$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE bigint USING i$$),
    ('column-type-change', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN v TYPE text USING v::text$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN v TYPE varchar(5) USING v::varchar(5)$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN v TYPE varchar(20) USING v::varchar(5)$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE bigint USING i::numeric$$),
    ('column-type-change', 'column-type-change', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i TYPE bigint USING a::bigint$$),
    ('column-type-change', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN c TYPE char(5)$$),
    ('set-not-null', '', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN nn SET NOT NULL$$),
    ('set-not-null', 'set-not-null', $$SET lock_timeout = '2s'; ALTER TABLE lint_real ALTER COLUMN i SET NOT NULL$$),
    -- hazards that Squawk or strong_migrations name
    ('table-rewrite', 'table-rewrite', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS (a * 2) STORED$$),
    ('table-rewrite', '', $$CREATE TABLE t (a bigint); ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS (a * 2) STORED$$),
    ('unique-without-index', 'unique-without-index', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN c bigint UNIQUE$$),
    ('add-primary-key', 'add-primary-key', $$SET lock_timeout = '2s'; ALTER TABLE t ADD COLUMN id bigint PRIMARY KEY$$),
    ('add-exclusion-constraint', 'add-exclusion-constraint', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT no_overlap EXCLUDE USING gist (r WITH &&)$$),
    ('add-exclusion-constraint', '', $$CREATE TABLE t (r int4range); ALTER TABLE t ADD CONSTRAINT no_overlap EXCLUDE USING gist (r WITH &&)$$),
    ('validate-in-same-transaction', 'validate-in-same-transaction', $$SET lock_timeout = '2s'; ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID; ALTER TABLE t VALIDATE CONSTRAINT c$$),
    ('validate-in-same-transaction', '', $$SET lock_timeout = '2s'; ALTER TABLE t VALIDATE CONSTRAINT c$$),
    ('constraint-without-not-valid', 'constraint-without-not-valid', $$ALTER DOMAIN positive ADD CONSTRAINT p CHECK (VALUE > 0)$$),
    ('constraint-without-not-valid', '', $$ALTER DOMAIN positive ADD CONSTRAINT p CHECK (VALUE > 0) NOT VALID$$),
    ('detach-partition-without-concurrently', '', $$CREATE TABLE p (a int) PARTITION BY LIST (a); ALTER TABLE p DETACH PARTITION p1$$),
    ('rename-schema', 'rename-schema', $$ALTER SCHEMA app RENAME TO app2$$),
    ('rename-schema', '', $$CREATE SCHEMA s; ALTER SCHEMA s RENAME TO s2$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$DROP TRIGGER tr ON t$$),
    ('missing-lock-timeout', 'missing-lock-timeout', $$REFRESH MATERIALIZED VIEW mv$$),
    ('missing-lock-timeout', '', $$REFRESH MATERIALIZED VIEW CONCURRENTLY mv$$),
    ('missing-lock-timeout', 'missing-lock-timeout, truncate', $$TRUNCATE t$$),
    ('missing-lock-timeout', 'drop-table, missing-lock-timeout', $$DROP TABLE t$$),
    ('identifier-too-long', 'identifier-too-long', $$CREATE TABLE a_table_name_that_is_far_too_long_to_be_kept_whole_by_postgresql_x (a bigint)$$),
    ('identifier-too-long', 'identifier-too-long', $$CREATE TABLE t ("a_table_name_that_is_far_too_long_to_be_kept_whole_by_postgresql_x" bigint)$$),
    ('identifier-too-long', '', $$CREATE TABLE a_table_name_of_exactly_sixty_three_bytes_which_is_kept_whole_1 (a bigint)$$),
    -- plain statements find nothing
    (NULL, '', $$SELECT 1$$),
    (NULL, '', $$CREATE VIEW v AS SELECT 1$$),
    (NULL, '', $$INSERT INTO t VALUES (1)$$),
    (NULL, '', $$CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz DEFAULT now())$$);

-- what migrate.lint() finds for each case, in statement order
SELECT n, about, sql,
       coalesce((SELECT string_agg(rule, ', ' ORDER BY statement_number, rule)
                   FROM migrate.lint(sql)), '') AS found
  FROM corpus ORDER BY n;

-- every case finds exactly what it must: no rows here
SELECT n, sql, wanted, found FROM (
    SELECT n, sql,
           coalesce((SELECT string_agg(rule, ', ' ORDER BY rule) FROM migrate.lint(sql)), '') AS found,
           coalesce((SELECT string_agg(r, ', ' ORDER BY r)
                       FROM unnest(string_to_array(nullif(expected, ''), ', ')) AS r), '') AS wanted
      FROM corpus) AS c
 WHERE found <> wanted;

-- every rule, with the severity migrate.lint() gives it, SQL that triggers it
-- and SQL about it that must not
CREATE TEMP TABLE rules (rule text PRIMARY KEY, severity text);
INSERT INTO rules VALUES
    ('transaction-control', 'error'), ('role-change', 'error'), ('non-transactional', 'error'),
    ('catalog-change', 'error'), ('secret', 'error'),
    ('drop-table', 'error'), ('drop-column', 'error'), ('drop-cascade', 'error'),
    ('drop-database', 'error'), ('drop-sequence', 'error'),
    ('truncate', 'error'), ('delete-without-where', 'error'),
    ('update-without-where', 'error'), ('column-type-change', 'error'),
    ('column-type-change-at-apply', 'warning'),
    ('index-without-concurrently', 'warning'), ('reindex-without-concurrently', 'warning'),
    ('drop-index-without-concurrently', 'warning'), ('constraint-without-not-valid', 'warning'),
    ('unique-without-index', 'warning'), ('add-primary-key', 'warning'), ('set-not-null', 'warning'),
    ('add-column-volatile-default', 'warning'), ('add-column-not-null-without-default', 'warning'),
    ('table-rewrite', 'warning'), ('rename-table', 'warning'), ('rename-column', 'warning'),
    ('truncate-cascade', 'warning'), ('enum-value-change', 'warning'),
    ('missing-lock-timeout', 'warning'),
    ('drop-schema', 'warning'), ('drop-view', 'warning'), ('drop-type', 'warning'),
    ('drop-function', 'warning'), ('add-exclusion-constraint', 'warning'),
    ('validate-in-same-transaction', 'warning'), ('detach-partition-without-concurrently', 'warning'),
    ('rename-schema', 'warning'), ('identifier-too-long', 'warning'), ('drop-if-exists', 'info'),
    ('prefer-bigint', 'info'), ('prefer-identity', 'info'), ('prefer-timestamptz', 'info'),
    ('char-column', 'info'), ('varchar-length', 'info');
CREATE TEMP TABLE findings AS
    SELECT c.n, f.rule, f.severity FROM corpus c, migrate.lint(c.sql) f;
SELECT r.rule, r.severity,
       (SELECT string_agg(DISTINCT f.severity, ', ') FROM findings f WHERE f.rule = r.rule) AS reported_as,
       (SELECT count(*) FROM corpus c
         WHERE r.rule = ANY (string_to_array(c.expected, ', '))) AS must_find,
       (SELECT count(*) FROM corpus c
         WHERE c.about = r.rule AND NOT r.rule = ANY (string_to_array(c.expected, ', '))) AS must_not_find
  FROM rules r ORDER BY array_position(ARRAY['error', 'warning', 'info'], r.severity), r.rule;
-- no rule without both kinds of case, reported with another severity, or
-- unknown: no rows here
SELECT r.rule, 'no case that triggers it' AS problem FROM rules r
 WHERE NOT EXISTS (SELECT FROM corpus c WHERE r.rule = ANY (string_to_array(c.expected, ', ')))
UNION ALL
SELECT r.rule, 'no case that must not trigger it' FROM rules r
 WHERE NOT EXISTS (SELECT FROM corpus c
                    WHERE c.about = r.rule AND NOT r.rule = ANY (string_to_array(c.expected, ', ')))
UNION ALL
SELECT DISTINCT f.rule, 'reported as ' || f.severity FROM findings f JOIN rules r USING (rule)
 WHERE f.severity <> r.severity
UNION ALL
SELECT DISTINCT f.rule, 'not a known rule' FROM findings f
 WHERE NOT EXISTS (SELECT FROM rules r WHERE r.rule = f.rule)
UNION ALL
SELECT DISTINCT c.about, 'case about an unknown rule' FROM corpus c
 WHERE c.about IS NOT NULL AND NOT EXISTS (SELECT FROM rules r WHERE r.rule = c.about)
ORDER BY 1, 2;

-- findings in full: statement text, number and first line; one
-- missing-lock-timeout per SQL, at the first statement that needs it
\x on
SELECT * FROM migrate.lint($$-- widen and index orders
SET search_path = app;

ALTER TABLE orders
    ADD COLUMN note varchar(200),   -- free text
    ADD COLUMN shipped timestamp;
CREATE INDEX orders_shipped ON orders (shipped); DROP TABLE legacy;
$$);
SELECT * FROM migrate.lint($$BEGIN;
SET ROLE admin;
VACUUM app.orders;
COMMIT;$$);
SELECT * FROM migrate.lint('CREATE TABLE app.t (id serial PRIMARY KEY, at timestamp, code char(2), name varchar(10))');
\x off

-- no SQL, no finding; NULL is an error; bad SQL is a syntax error that says
-- where
SELECT * FROM migrate.lint('');
SELECT * FROM migrate.lint('  -- only a comment');
SELECT * FROM migrate.lint(';;;');
SELECT * FROM migrate.lint(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.lint(E'SELECT 1;\nCREATE TABLE (');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.lint(E'SELECT 1;\nSELECT 2;\n  /* never closed');
\echo :LAST_ERROR_SQLSTATE

-- migrate.add(): errors refuse the revision with the finding's SQLSTATE, and
-- the catalog is not touched
CREATE FUNCTION pg_temp.catalog_state() RETURNS text LANGUAGE sql AS $$
    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY id), ''))
           || '/' || (SELECT count(*) FROM migrate.log)
           || '/' || (SELECT count(*) FROM migrate.snapshots)
      FROM migrate.revisions r
$$;
SELECT pg_temp.catalog_state() AS before \gset
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint); COMMIT;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'SET ROLE postgres; CREATE TABLE app.t (id bigint);');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint);
CREATE INDEX CONCURRENTLY t_id ON app.t (id);');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'SET lock_timeout = ''5s'';
DROP TABLE app.legacy;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint);', 'DROP TABLE app.t; ROLLBACK;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint);', 'RESET ROLE; DROP TABLE app.t;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint);', 'VACUUM; DROP TABLE app.t;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', E'CREATE TABLE app.t (id bigint);\nCREATE TABLE (', 'DROP TABLE app.t;');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;

-- every refused statement class, registered three ways: as it is, with
-- transactional => false and with allow_destructive => true.  Each call that
-- succeeds is undone, so the catalog stays empty.
CREATE FUNCTION pg_temp.try_add(up text, flags text DEFAULT '') RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    result text;
    detail text;
BEGIN
    EXECUTE format('SELECT migrate.add(%L, %L, parents => ''{}''%s)', 'x', up, flags) INTO result;
    RAISE SQLSTATE 'PGMOK' USING MESSAGE = result;
EXCEPTION
    WHEN SQLSTATE 'PGMOK' THEN
        RETURN SQLERRM;
    WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
        RETURN SQLSTATE || ' ' || coalesce(substring(detail FROM '^Rule ([a-z-]+),'), SQLERRM);
END
$$;
CREATE TEMP TABLE refused (n serial, up text);
INSERT INTO refused (up) VALUES
    ($$BEGIN; CREATE TABLE app.t (a bigint); COMMIT;$$),
    ($$CREATE TABLE app.t (a bigint); SAVEPOINT s;$$),
    ($$SET ROLE someone;$$),
    ($$SET SESSION AUTHORIZATION someone;$$),
    ($$CREATE INDEX CONCURRENTLY i ON app.t (a);$$),
    ($$DROP INDEX CONCURRENTLY app.i;$$),
    ($$REINDEX INDEX CONCURRENTLY app.i;$$),
    ($$REINDEX SCHEMA app;$$),
    ($$VACUUM app.t;$$),
    ($$CLUSTER;$$),
    ($$ALTER SYSTEM SET work_mem = '64MB';$$),
    ($$CREATE DATABASE d;$$),
    ($$DROP DATABASE d;$$),
    ($$CREATE TABLESPACE ts LOCATION '/nowhere';$$),
    ($$DROP TABLESPACE ts;$$),
    ($$ALTER DATABASE d SET TABLESPACE ts;$$),
    ($$DISCARD ALL;$$),
    ($$SET lock_timeout = '5s'; ALTER TABLE app.p DETACH PARTITION app.p1 CONCURRENTLY;$$),
    ($$SET lock_timeout = '5s'; DROP TABLE app.t;$$),
    ($$SET lock_timeout = '5s'; ALTER TABLE app.t DROP COLUMN a;$$),
    ($$DROP SCHEMA app CASCADE;$$),
    ($$DROP VIEW app.v;$$),
    ($$DROP TYPE app.mood;$$),
    ($$DROP SEQUENCE app.s;$$),
    ($$DROP FUNCTION app.f(int);$$),
    ($$SET lock_timeout = '5s'; TRUNCATE app.t;$$),
    ($$DELETE FROM app.t;$$),
    ($$UPDATE app.t SET a = 0;$$),
    ($$SET lock_timeout = '5s'; ALTER TABLE app.t ALTER COLUMN a TYPE text;$$),
    ($$SET lock_timeout = '5s'; DROP TABLE app.t; VACUUM app.u;$$),
    ($$SET lock_timeout = '5s'; DROP TABLE app.t; COMMIT;$$),
    ($$SET lock_timeout = '5s'; CREATE TABLE app.t (a bigint); DROP TABLE app.t;$$);
SET client_min_messages = error;
SELECT n, up, pg_temp.try_add(up) AS "as it is",
       pg_temp.try_add(up, ', transactional => false') AS "transactional => false",
       pg_temp.try_add(up, ', allow_destructive => true') AS "allow_destructive => true"
  FROM refused ORDER BY n;
RESET client_min_messages;
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;

-- accepted: non-transactional statements with transactional => false, and
-- downs that drop and empty what their up made: a down gets only the rules
-- about what cannot run in a revision at all, so no WARNING here.  (03 asks
-- for allow_destructive but has nothing destructive in its up: not marked.)
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint PRIMARY KEY, a bigint);',
                   'DELETE FROM app.t; TRUNCATE app.t CASCADE; DROP TABLE app.t;');
SELECT migrate.add('02', 'CREATE INDEX CONCURRENTLY t_a ON app.t (a);', 'DROP INDEX CONCURRENTLY app.t_a;',
                   transactional => false);
SELECT migrate.add('03', 'SET lock_timeout = ''5s''; ALTER TABLE app.t ADD COLUMN b text;',
                   'ALTER TABLE app.t DROP COLUMN b; DROP INDEX app.t_a;',
                   allow_destructive => true);
-- the same statement refused in a transactional revision's down
SELECT migrate.add('04', 'SET lock_timeout = ''5s''; ALTER TABLE app.t ADD COLUMN c text;',
                   'DROP INDEX CONCURRENTLY app.t_a;');
\echo :LAST_ERROR_SQLSTATE

-- warnings at registration, in full: info and warning findings; then the
-- destructive findings let through by allow_destructive, which marks 05
SELECT migrate.add('04', 'ALTER TABLE app.t ADD COLUMN created timestamp;
CREATE INDEX t_created ON app.t (created);');
SELECT migrate.add('05', 'SET lock_timeout = ''5s'';
ALTER TABLE app.t DROP COLUMN created;
DELETE FROM app.t;', 'SELECT 1;', allow_destructive => true);
SELECT revision, destructive, transactional, irreversible FROM migrate.status();

-- a refused re-registration leaves the revision as it was
SELECT pg_temp.catalog_state() AS before \gset
SELECT migrate.add('04', 'SET lock_timeout = ''5s''; ALTER TABLE app.t DROP COLUMN a;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('04', 'VACUUM app.t;', transactional => true);
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;

-- the size of the corpus
SELECT count(*) AS cases,
       sum(array_length(string_to_array(sql, '; '), 1)) AS statements,
       count(*) FILTER (WHERE expected <> '') AS must_find,
       count(*) FILTER (WHERE expected = '') AS must_not_find,
       (SELECT count(DISTINCT r) FROM corpus, unnest(string_to_array(nullif(expected, ''), ', ')) AS r) AS rules_covered
  FROM corpus;

-- judged as migrate.add() judges a revision registered with these flags
-- (what the client's lint command asks for each migration file)
SELECT rule, severity FROM migrate.lint('CREATE INDEX CONCURRENTLY i ON t (x)', false, true);
SELECT rule, severity FROM migrate.lint('CREATE INDEX CONCURRENTLY i ON t (x)', false, false);
SELECT rule, severity FROM migrate.lint('DROP TABLE t', false, true);
SELECT rule, severity FROM migrate.lint('DROP TABLE t', true, true);
SELECT rule, severity FROM migrate.lint('DROP TABLE t', NULL, true);

SET pgmigrate.guard = off;
DROP TABLE lint_real;
RESET pgmigrate.guard;

-- a type change of a column the catalogs do not know yet (a parent, not
-- applied, makes it: a history pushed to a new database) is judged when the
-- revision is applied, with the catalogs as the parents left them: a WARNING
-- at registration, an apply that stops before anything of it runs where the
-- old values may not convert back, and an apply where they do
SELECT rule, severity FROM migrate.lint('ALTER TABLE nowhere ALTER COLUMN a TYPE bigint');
SELECT migrate.add('jt1', 'CREATE TABLE app.jt (a int, b text); INSERT INTO app.jt VALUES (1, ''2'')', 'DROP TABLE app.jt',
                   parents => '{}');
SELECT migrate.add('jt2', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN a TYPE bigint',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN a TYPE integer', ARRAY['jt1']);
SELECT migrate.add('jt3', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN b TYPE integer USING b::integer',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN b TYPE text', ARRAY['jt2']);
SELECT * FROM migrate.apply('jt3');
\echo :LAST_ERROR_SQLSTATE
SELECT id, applied_at IS NOT NULL AS applied FROM migrate.revisions WHERE id LIKE 'jt%' ORDER BY id;
SELECT to_regclass('app.jt') AS nothing_ran;
-- int to bigint, judged now that the column is there: lossless, applied
SELECT revision FROM migrate.apply('jt2');
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'app.jt'::regclass AND attname = 'a';
-- approved, the lossy one applies too
SELECT migrate.add('jt3', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN b TYPE integer USING b::integer',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN b TYPE text', ARRAY['jt2'],
                   allow_destructive => true);
SELECT revision FROM migrate.apply('jt3');
SELECT b + 1 AS converted FROM app.jt;
SELECT revision FROM migrate.rollback('base', allow_data_loss => true);
-- still not there at apply: a column this SQL added has no old values; one
-- renamed by it, or found under a search_path it sets, is looked up under its
-- name before; one not found even so cannot be judged: destructive
SELECT migrate.add('jt5', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt ADD COLUMN c text; ALTER TABLE app.jt ALTER COLUMN c TYPE integer USING c::integer',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt DROP COLUMN c', ARRAY['jt1']);
SELECT revision FROM migrate.apply('jt5');
SELECT revision FROM migrate.rollback('base', allow_data_loss => true);
SELECT migrate.add('jt6', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt RENAME COLUMN b TO c; ALTER TABLE app.jt ALTER COLUMN c TYPE integer USING length(c)',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN c TYPE text; ALTER TABLE app.jt RENAME COLUMN c TO b', ARRAY['jt1']);
SELECT revision FROM migrate.apply('jt6');
SELECT migrate.add('jt7', 'SET lock_timeout = ''2s''; SELECT set_config(''search_path'', ''app'', true); ALTER TABLE jt ALTER COLUMN a TYPE bigint',
                   'SET lock_timeout = ''2s''; SELECT set_config(''search_path'', ''app'', true); ALTER TABLE jt ALTER COLUMN a TYPE integer', ARRAY['jt1']);
SELECT revision FROM migrate.apply('jt7');
SELECT to_regclass('app.jt') AS nothing_applied;
-- the same lossless change after renames, or under a search_path the SQL
-- sets (what a diff with --rename writes): the column is found, and it applies
SELECT migrate.add('jt9', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt RENAME TO jt2; ALTER TABLE app.jt2 RENAME COLUMN a TO a2; ALTER TABLE app.jt2 ALTER COLUMN a2 TYPE bigint',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt2 ALTER COLUMN a2 TYPE integer; ALTER TABLE app.jt2 RENAME COLUMN a2 TO a; ALTER TABLE app.jt2 RENAME TO jt', ARRAY['jt1']);
SELECT migrate.add('jt10', 'SET lock_timeout = ''2s''; SET search_path = app; ALTER TABLE jt ALTER COLUMN a TYPE bigint',
                   'SET lock_timeout = ''2s''; SET search_path = app; ALTER TABLE jt ALTER COLUMN a TYPE integer', ARRAY['jt1']);
SELECT revision FROM migrate.apply('jt9');
SELECT revision FROM migrate.rollback('jt1');
SELECT revision FROM migrate.apply('jt10');
SELECT revision FROM migrate.rollback('jt1');
-- outside a transaction (the client runs it statement by statement): judged
-- when migrate.begin_outside_transaction() hands out its statements
SELECT revision FROM migrate.rollback('base', allow_data_loss => true);
SELECT migrate.add('jt8', 'ALTER TABLE app.jt ALTER COLUMN b TYPE integer USING length(b); CREATE INDEX CONCURRENTLY jt_b ON app.jt (b)',
                   'DROP INDEX CONCURRENTLY app.jt_b; ALTER TABLE app.jt ALTER COLUMN b TYPE text', ARRAY['jt1'], transactional => false);
SELECT revision FROM migrate.apply('jt1');
SELECT * FROM migrate.begin_outside_transaction('jt8');
SELECT revision FROM migrate.rollback('base', allow_data_loss => true);
-- approved in advance, while the column is not there: the apply does not stop
SELECT migrate.add('jt4', 'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN a TYPE text USING a::text',
                   'SET lock_timeout = ''2s''; ALTER TABLE app.jt ALTER COLUMN a TYPE bigint USING a::bigint', ARRAY['jt3'],
                   allow_destructive => true);
SELECT revision, destructive FROM migrate.status() WHERE revision = 'jt4';
SELECT revision FROM migrate.apply('jt4');
SELECT revision FROM migrate.rollback('base', allow_data_loss => true);
