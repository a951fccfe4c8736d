-- the diff engine on virtual generated columns (PostgreSQL 18): a table
-- with one, one added, one turned stored and back, an expression changed,
-- each both ways; and the lint of what 18 changed (a virtual column
-- rewrites nothing, NOT NULL NOT VALID).  Before 18 there are none: the
-- test says so and stops (expected/diff_virtual_1.out).
SELECT current_setting('server_version_num')::int >= 180000 AS virtual_columns \gset
\if :virtual_columns
\else
\echo 'no virtual generated columns before PostgreSQL 18'
\quit
\endif
\i sql/include/reset.psql
\i sql/include/diff.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;

-- the document says "virtual": true beside the expression; a stored one says nothing more
CREATE TABLE app.v (a int, s int GENERATED ALWAYS AS (a * 2) STORED, v int GENERATED ALWAYS AS (a * 3) VIRTUAL);
SELECT key, value->>'generated' AS generated, value->'virtual' AS virtual
  FROM jsonb_each(migrate.schema()->'objects') WHERE key LIKE 'column app.v.%' ORDER BY key COLLATE "C";
DROP TABLE app.v;

-- a table with a virtual column, created and dropped
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.v (a int, v int GENERATED ALWAYS AS (a * 3) VIRTUAL);
$$);
INSERT INTO app.v (a) VALUES (1), (2);
-- a virtual column added to a table with rows: no rewrite, no hazard
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.v ADD COLUMN w int GENERATED ALWAYS AS (a + 1) VIRTUAL;
$$);
-- its expression changed
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.v ALTER COLUMN v SET EXPRESSION AS (a * 4);
$$);
-- turned stored: the column is made again, computed for the rows there are; so is the other way
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.v DROP COLUMN v;
ALTER TABLE app.v ADD COLUMN v int GENERATED ALWAYS AS (a * 3) STORED;
$$);
SELECT a, v FROM app.v ORDER BY a;
-- a document from elsewhere must say "virtual" with true or false
SELECT migrate.diff('{"version": 1, "objects": {}}',
                    jsonb_set(migrate.schema(), '{objects,column app.v.v,virtual}', '"yes"'));
-- the lint: a stored generated column added or given a new expression
-- rewrites the table; a virtual one does neither
CREATE TABLE app.lintv (a int, s int GENERATED ALWAYS AS (a * 2) STORED, v int GENERATED ALWAYS AS (a * 3) VIRTUAL);
SELECT rule, statement_number, message FROM migrate.lint($$
ALTER TABLE app.lintv ALTER COLUMN s SET EXPRESSION AS (a * 5);
ALTER TABLE app.lintv ALTER COLUMN v SET EXPRESSION AS (a * 5);
ALTER TABLE app.lintv ADD COLUMN s2 int GENERATED ALWAYS AS (a * 2) STORED;
ALTER TABLE app.lintv ADD COLUMN v2 int GENERATED ALWAYS AS (a * 2);
$$) WHERE rule <> 'missing-lock-timeout' ORDER BY statement_number, rule;
-- and NOT NULL: 18 adds it as a constraint NOT VALID and validates it
-- later, which the advice says
SELECT rule, statement_number, message, hint FROM migrate.lint($$
ALTER TABLE app.lintv ALTER COLUMN a SET NOT NULL;
ALTER TABLE app.lintv ADD CONSTRAINT a_nn NOT NULL a;
ALTER TABLE app.lintv ADD CONSTRAINT a_nn2 NOT NULL a NOT VALID;
ALTER TABLE app.lintv VALIDATE CONSTRAINT a_nn2;
$$) WHERE rule <> 'missing-lock-timeout' ORDER BY statement_number, rule;
DROP TABLE app.lintv;
