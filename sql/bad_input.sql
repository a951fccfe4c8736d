-- bad input: every case is a clean error with a specific SQLSTATE, and the
-- catalog is unchanged afterwards
\i sql/include/reset.psql

-- runs a statement, returns 'ok' or SQLSTATE and message
CREATE FUNCTION pg_temp.try(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE FUNCTION pg_temp.catalog_state() RETURNS text LANGUAGE sql AS $$
    SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY id), ''))
           || '/' || (SELECT count(*) FROM migrate.log)
      FROM migrate.revisions r
$$;

SELECT migrate.add('a1', 'CREATE TABLE app.a1 (id int);', 'DROP TABLE app.a1;');
SELECT migrate.add('a2', 'CREATE TABLE app.a2 (id int);', 'DROP TABLE app.a2;');
SELECT migrate.add('b1', 'CREATE TABLE app.b1 (id int);', 'DROP TABLE app.b1;', parents => '{}');
SELECT count(*) FROM migrate.apply('a1');
SELECT pg_temp.catalog_state() AS before \gset

CREATE TEMP TABLE cases (n serial, stmt text);
INSERT INTO cases (stmt) VALUES
    -- NULLs
    ($$SELECT migrate.add(NULL, 'SELECT 1')$$),
    ($$SELECT migrate.add('x1', NULL)$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', allow_destructive => NULL)$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', transactional => NULL)$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => ARRAY[NULL]::text[])$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{a1,NULL}')$$),
    ($$SELECT * FROM migrate.apply(NULL)$$),
    ($$SELECT * FROM migrate.rollback(NULL)$$),
    ($$SELECT * FROM migrate.stamp(NULL)$$),
    -- ids
    ($$SELECT migrate.add('', 'SELECT 1')$$),
    ($$SELECT migrate.add(' ', 'SELECT 1')$$),
    ($$SELECT migrate.add('has space', 'SELECT 1')$$),
    ($$SELECT migrate.add('quote''s', 'SELECT 1')$$),
    ($$SELECT migrate.add('semi;colon', 'SELECT 1')$$),
    ($$SELECT migrate.add('slash/x', 'SELECT 1')$$),
    ($$SELECT migrate.add('naïve', 'SELECT 1')$$),
    ($$SELECT migrate.add(E'tab\there', 'SELECT 1')$$),
    ($$SELECT migrate.add(E'new\nline', 'SELECT 1')$$),
    ($$SELECT migrate.add('-1', 'SELECT 1')$$),
    ($$SELECT migrate.add('+1', 'SELECT 1')$$),
    ($$SELECT migrate.add('head', 'SELECT 1')$$),
    ($$SELECT migrate.add('heads', 'SELECT 1')$$),
    ($$SELECT migrate.add('base', 'SELECT 1')$$),
    ($$SELECT migrate.add(repeat('x', 129), 'SELECT 1')$$),
    -- parents
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{nope}')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{a1,nope}')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{a1,a1}')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{x1}')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{"bad id"}')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', parents => '{{a1},{a2}}')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1')$$),
    -- SQL
    ($$SELECT migrate.add('x1', '', parents => '{a1}')$$),
    ($$SELECT migrate.add('x1', '  ;  ', parents => '{a1}')$$),
    ($$SELECT migrate.add('x1', 'SELEC 1')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1', 'DROP TABLE')$$),
    ($$SELECT migrate.add('x1', 'CREATE TABLE t (')$$),
    ($$SELECT migrate.add('x1', 'SELECT $x$ never closed')$$),
    ($$SELECT migrate.add('x1', '/* never closed')$$),
    ($$SELECT migrate.add('x1', 'SELECT "unterminated')$$),
    ($$SELECT migrate.add('x1', 'SELECT 1; COMMIT TRANSACTION ISOLATION')$$),
    -- applied revisions
    ($$SELECT migrate.add('a1', 'CREATE TABLE app.a1 (id bigint);', 'DROP TABLE app.a1;')$$),
    -- apply targets
    ($$SELECT * FROM migrate.apply('')$$),
    ($$SELECT * FROM migrate.apply('head')$$),
    ($$SELECT * FROM migrate.apply('nope')$$),
    ($$SELECT * FROM migrate.apply('bad id')$$),
    ($$SELECT * FROM migrate.apply('+')$$),
    ($$SELECT * FROM migrate.apply('+0')$$),
    ($$SELECT * FROM migrate.apply('+-1')$$),
    ($$SELECT * FROM migrate.apply('+1x')$$),
    ($$SELECT * FROM migrate.apply('+ 1')$$),
    ($$SELECT * FROM migrate.apply('+99999999999999999999')$$),
    ($$SELECT * FROM migrate.apply('+2147483648')$$),
    ($$SELECT * FROM migrate.apply('+5')$$),
    ($$SELECT * FROM migrate.apply('-1')$$),
    ($$SELECT * FROM migrate.apply('base')$$),
    ($$SELECT * FROM migrate.apply('HEAD')$$),
    ($$SELECT * FROM migrate.apply(repeat('a', 10000))$$),
    -- rollback targets
    ($$SELECT * FROM migrate.rollback('')$$),
    ($$SELECT * FROM migrate.rollback('head')$$),
    ($$SELECT * FROM migrate.rollback('heads')$$),
    ($$SELECT * FROM migrate.rollback('+1')$$),
    ($$SELECT * FROM migrate.rollback('-0')$$),
    ($$SELECT * FROM migrate.rollback('-')$$),
    ($$SELECT * FROM migrate.rollback('--1')$$),
    ($$SELECT * FROM migrate.rollback('-2')$$),
    ($$SELECT * FROM migrate.rollback('-99999999999')$$),
    ($$SELECT * FROM migrate.rollback('a2')$$),
    ($$SELECT * FROM migrate.rollback('nope')$$),
    ($$SELECT * FROM migrate.rollback('1; DROP TABLE app.a1')$$),
    -- stamp targets
    ($$SELECT * FROM migrate.stamp('')$$),
    ($$SELECT * FROM migrate.stamp('nope')$$),
    ($$SELECT * FROM migrate.stamp('head')$$),
    -- plan
    ($$SELECT * FROM migrate.plan('head', '')$$),
    ($$SELECT * FROM migrate.plan('head', 'UP')$$),
    ($$SELECT * FROM migrate.plan('nope')$$),
    -- direct writes
    ($$INSERT INTO migrate.revisions (id, up, up_sha256, registered_by, registered_at) VALUES ('x', 'SELECT 1', '', 'x', now())$$),
    ($$UPDATE migrate.revisions SET up = 'SELECT 2'$$),
    ($$DELETE FROM migrate.revisions$$),
    ($$TRUNCATE migrate.revisions$$),
    ($$INSERT INTO migrate.log (role, session_role, action, outcome) VALUES ('x', 'x', 'apply', 'ok')$$),
    ($$DELETE FROM migrate.log$$),
    ($$TRUNCATE migrate.log$$),
    -- the trigger function is a trigger only
    ($$SELECT migrate.refuse_direct_write()$$);

SELECT n, pg_temp.try(stmt) AS result FROM cases ORDER BY n;
-- no XX000 anywhere, and the catalog is as it was
SELECT count(*) AS internal_errors FROM cases WHERE pg_temp.try(stmt) LIKE 'XX000%';
SELECT count(*) AS cases, count(*) FILTER (WHERE pg_temp.try(stmt) = 'ok') AS succeeded FROM cases;
SELECT pg_temp.catalog_state() = :'before' AS catalog_unchanged;
SELECT migrate.current(), migrate.heads();

-- a few in full, as psql shows them
SELECT migrate.add('has space', 'SELECT 1');
SELECT * FROM migrate.apply('+0');
SELECT * FROM migrate.apply('+99999999999999999999');
SELECT * FROM migrate.rollback('heads');
SELECT * FROM migrate.apply('nope');
SELECT migrate.add(repeat('x', 129), 'SELECT 1');
SELECT migrate.add(E'new\nline', 'SELECT 1');
