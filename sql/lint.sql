-- migrate.lint() and the checks migrate.add() makes: every rule with SQL
-- that triggers it and SQL that must not, every refused statement class
\i sql/include/reset.psql

-- the corpus: each case is SQL and the rules it must produce (in order)
CREATE TEMP TABLE corpus (n serial, expected text, sql text);
INSERT INTO corpus (expected, sql) VALUES
    -- transaction control and role changes
    ('transaction-control', 'BEGIN'),
    ('transaction-control', 'COMMIT'),
    ('transaction-control', 'ROLLBACK'),
    ('transaction-control', 'SAVEPOINT s'),
    ('transaction-control', 'RELEASE SAVEPOINT s'),
    ('transaction-control', 'PREPARE TRANSACTION ''x'''),
    ('role-change', 'SET ROLE someone'),
    ('role-change', 'SET SESSION AUTHORIZATION someone'),
    ('', 'SET search_path = app, public'),
    -- statements that cannot run inside a transaction block
    ('non-transactional', 'CREATE INDEX CONCURRENTLY i ON t (a)'),
    ('non-transactional', 'DROP INDEX CONCURRENTLY i'),
    ('non-transactional', 'REINDEX INDEX CONCURRENTLY i'),
    ('non-transactional', 'VACUUM t'),
    ('non-transactional', 'VACUUM FULL'),
    ('', 'ANALYZE t'),
    ('non-transactional', 'CLUSTER'),
    ('', 'CLUSTER t USING i'),
    ('non-transactional', 'ALTER SYSTEM SET work_mem = ''64MB'''),
    ('non-transactional', 'CREATE DATABASE d'),
    ('non-transactional', 'DROP DATABASE d'),
    ('non-transactional', 'CREATE TABLESPACE ts LOCATION ''/nowhere'''),
    ('non-transactional', 'DROP TABLESPACE ts'),
    ('non-transactional', 'ALTER DATABASE d SET TABLESPACE ts'),
    ('', 'ALTER DATABASE d SET work_mem = ''64MB'''),
    ('non-transactional', 'DISCARD ALL'),
    ('', 'DISCARD PLANS'),
    ('missing-lock-timeout, non-transactional', 'ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY'),
    ('missing-lock-timeout', 'ALTER TABLE p DETACH PARTITION p1'),
    -- indexes
    ('missing-lock-timeout, index-without-concurrently', 'CREATE INDEX i ON t (a)'),
    ('', 'CREATE TABLE t (a int); CREATE INDEX i ON t (a)'),
    ('', 'CREATE TABLE app.t (a int); CREATE INDEX i ON app.t (a)'),
    ('reindex-without-concurrently', 'REINDEX TABLE t'),
    ('drop-index-without-concurrently', 'DROP INDEX i'),
    ('', 'CREATE TABLE t (a int); CREATE INDEX i ON t (a); DROP INDEX i'),
    -- constraints
    ('missing-lock-timeout, constraint-without-not-valid', 'ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u NOT VALID'),
    ('constraint-without-not-valid', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0)'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD CONSTRAINT ck CHECK (a > 0) NOT VALID'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t VALIDATE CONSTRAINT ck'),
    ('unique-without-index', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i'),
    ('add-primary-key', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD PRIMARY KEY (a)'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD CONSTRAINT pk PRIMARY KEY USING INDEX i'),
    ('', 'CREATE TABLE t (a bigint); ALTER TABLE t ADD PRIMARY KEY (a), ADD CHECK (a > 0)'),
    -- columns
    ('set-not-null', 'SET lock_timeout = ''2s''; ALTER TABLE t ALTER COLUMN a SET NOT NULL'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ALTER COLUMN a DROP NOT NULL'),
    ('add-column-volatile-default', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c double precision DEFAULT random()'),
    ('add-column-volatile-default', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp()'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c int DEFAULT 0'),
    ('add-column-not-null-without-default', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c int NOT NULL'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0'),
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY'),
    ('column-type-change', 'SET lock_timeout = ''2s''; ALTER TABLE t ALTER COLUMN a TYPE bigint'),
    ('', 'CREATE TABLE t (a int); ALTER TABLE t ALTER COLUMN a TYPE bigint'),
    ('table-rewrite', 'SET lock_timeout = ''2s''; ALTER TABLE t SET TABLESPACE ts'),
    ('table-rewrite', 'SET lock_timeout = ''2s''; ALTER TABLE t SET LOGGED'),
    -- renames
    ('missing-lock-timeout, rename-table', 'ALTER TABLE t RENAME TO t2'),
    ('rename-column', 'SET lock_timeout = ''2s''; ALTER TABLE t RENAME COLUMN a TO b'),
    ('', 'CREATE TABLE t (a int); ALTER TABLE t RENAME COLUMN a TO b; ALTER TABLE t RENAME TO t2'),
    -- drops of what existed before
    ('drop-table', 'DROP TABLE t'),
    ('drop-table, drop-table', 'DROP TABLE t, u'),
    ('', 'CREATE TABLE t (a int); DROP TABLE t'),
    ('missing-lock-timeout, drop-column', 'ALTER TABLE t DROP COLUMN a'),
    ('', 'CREATE TABLE t (a int, b int); ALTER TABLE t DROP COLUMN b'),
    ('drop-schema', 'DROP SCHEMA s CASCADE'),
    ('', 'CREATE SCHEMA s; DROP SCHEMA s'),
    ('drop-view', 'DROP VIEW v'),
    ('drop-view', 'DROP MATERIALIZED VIEW mv'),
    ('', 'CREATE VIEW v AS SELECT 1; DROP VIEW v'),
    ('drop-type', 'DROP TYPE mood'),
    ('drop-type', 'DROP DOMAIN positive'),
    ('', 'CREATE TYPE mood AS ENUM (''a''); DROP TYPE mood'),
    ('drop-sequence', 'DROP SEQUENCE s'),
    ('', 'CREATE SEQUENCE s; DROP SEQUENCE s'),
    ('drop-function', 'DROP FUNCTION f(int)'),
    ('drop-function', 'DROP PROCEDURE p()'),
    ('', 'CREATE FUNCTION f(i int) RETURNS int LANGUAGE sql AS ''SELECT i''; DROP FUNCTION f(int)'),
    -- data
    ('truncate', 'TRUNCATE t'),
    ('truncate, truncate-cascade', 'TRUNCATE t CASCADE'),
    ('', 'CREATE TABLE t (a int); TRUNCATE t'),
    ('delete-without-where', 'DELETE FROM t'),
    ('', 'DELETE FROM t WHERE a = 1'),
    ('update-without-where', 'UPDATE t SET a = 1'),
    ('', 'UPDATE t SET a = 1 WHERE a IS NULL'),
    ('', 'INSERT INTO t VALUES (1)'),
    -- enums
    ('enum-value-change', 'ALTER TYPE mood ADD VALUE ''meh'''),
    ('enum-value-change', 'ALTER TYPE mood RENAME VALUE ''sad'' TO ''blue'''),
    -- lock_timeout
    ('', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c text'),
    ('', 'SET LOCAL lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN c text'),
    ('missing-lock-timeout', 'ALTER TABLE t ADD COLUMN c text; ALTER TABLE u ADD COLUMN c text'),
    ('', 'CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN c text'),
    -- column types
    ('prefer-identity, prefer-bigint', 'CREATE TABLE t (id serial PRIMARY KEY)'),
    ('prefer-identity', 'CREATE TABLE t (id bigserial PRIMARY KEY)'),
    ('prefer-bigint', 'CREATE TABLE t (id int PRIMARY KEY)'),
    ('prefer-bigint', 'CREATE TABLE t (id integer, PRIMARY KEY (id))'),
    ('prefer-bigint', 'CREATE TABLE t (user_id int REFERENCES users)'),
    ('', 'CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int)'),
    ('prefer-timestamptz', 'CREATE TABLE t (at timestamp)'),
    ('prefer-timestamptz', 'CREATE TABLE t (at timestamp without time zone)'),
    ('', 'CREATE TABLE t (at timestamptz, at2 timestamp with time zone)'),
    ('char-column', 'CREATE TABLE t (code char(3))'),
    ('', 'CREATE TABLE t (code text CHECK (length(code) = 3))'),
    ('varchar-length', 'CREATE TABLE t (name varchar(100))'),
    ('', 'CREATE TABLE t (name varchar)'),
    ('varchar-length', 'SET lock_timeout = ''2s''; ALTER TABLE t ADD COLUMN name varchar(10)'),
    -- plain statements
    ('', 'SELECT 1'),
    ('', 'CREATE VIEW v AS SELECT 1'),
    ('', 'COMMENT ON TABLE t IS ''x''');

SELECT n, sql, coalesce((SELECT string_agg(rule, ', ' ORDER BY statement_number, rule)
                           FROM migrate.lint(sql)), '') AS found
  FROM corpus ORDER BY n;
-- every case finds exactly what it must: no rows here
SELECT n, sql, expected, found FROM (
    SELECT n, sql, expected,
           coalesce((SELECT string_agg(rule, ', ' ORDER BY rule) FROM migrate.lint(sql)), '') AS found,
           coalesce((SELECT string_agg(r, ', ' ORDER BY r)
                       FROM unnest(string_to_array(nullif(expected, ''), ', ')) AS r), '') AS wanted
      FROM corpus) AS c
 WHERE found <> wanted;
SELECT count(*) AS cases,
       sum(array_length(string_to_array(sql, '; '), 1)) AS statements,
       count(*) FILTER (WHERE expected <> '') AS must_find,
       count(*) FILTER (WHERE expected = '') AS must_not_find,
       (SELECT count(DISTINCT r) FROM corpus, unnest(string_to_array(nullif(expected, ''), ', ')) AS r) AS rules_covered
  FROM corpus;

-- a finding in full
SELECT * FROM migrate.lint($$
SET lock_timeout = '5s';
CREATE INDEX orders_created ON app.orders (created_at);
$$);
-- no SQL, no finding; bad SQL is a syntax error with its place
SELECT * FROM migrate.lint('');
SELECT * FROM migrate.lint('  -- only a comment');
SELECT * FROM migrate.lint(NULL);
SELECT * FROM migrate.lint(E'SELECT 1;\nCREATE TABLE (');
\echo :LAST_ERROR_SQLSTATE

-- migrate.add(): errors refuse the revision, the rest are WARNINGs
CREATE FUNCTION pg_temp.catalog_state() RETURNS text LANGUAGE sql AS $$
    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY id), '')) FROM migrate.revisions r
$$;
SELECT pg_temp.catalog_state() AS before \gset
SELECT migrate.add('01', 'CREATE TABLE app.t (id int); COMMIT;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'SET ROLE postgres; CREATE TABLE app.t (id int);');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'CREATE TABLE app.t (id int);', 'DROP TABLE app.t; ROLLBACK;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'CREATE TABLE app.t (id int);
CREATE INDEX CONCURRENTLY t_id ON app.t (id);');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'VACUUM app.t;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'DROP TABLE app.legacy;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'DELETE FROM app.legacy;');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate.add('01', 'ALTER TABLE app.legacy ALTER COLUMN id TYPE bigint;');
\echo :LAST_ERROR_SQLSTATE
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;

-- accepted: non-transactional statements with transactional => false,
-- destructive ones with allow_destructive => true (then marked), and a down
-- that drops what the up created
SET client_min_messages = error;
SELECT migrate.add('01', 'CREATE TABLE app.t (id bigint PRIMARY KEY);', 'DROP TABLE app.t;');
SELECT migrate.add('02', 'CREATE INDEX CONCURRENTLY t_id ON app.t (id);', 'DROP INDEX CONCURRENTLY app.t_id;',
                   transactional => false);
SELECT migrate.add('03', 'DROP TABLE app.legacy; TRUNCATE app.other;', allow_destructive => true);
RESET client_min_messages;
SELECT revision, destructive, transactional FROM migrate.status();

-- warnings at registration, in full
SELECT migrate.add('04', 'ALTER TABLE app.t ADD COLUMN created timestamp;
CREATE INDEX t_created ON app.t (created);');
-- a destructive revision shows its findings as warnings when allowed
SELECT migrate.add('05', 'ALTER TABLE app.t DROP COLUMN created;', 'SELECT 1;', allow_destructive => true);
