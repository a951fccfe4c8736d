-- privileges in the DDL of the diff engine: PUBLIC and a role named
-- "PUBLIC", grantees whose names need quoting, the column privileges that a
-- REVOKE on the table and an ALTER ... OWNER TO change too, those of
-- columns that come with another object, for every kind of object with
-- grants.  Each change goes through pg_temp.diff_both_ways:
-- the DDL back and forth, and whether each direction reached its target.
\i sql/include/reset.psql
\i sql/include/diff.psql
SET client_min_messages = warning;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['PUBLIC', '"PUBLIC"', 'regress_pgm_grants_other', 'regress_pgm_grants_a',
                             'regress_pgm_grants_b', 'regress Role=X', 'regress_a,b', 'regress_star*',
                             'regress_eq=', '"regress_q', 'regress_q"', 'Public'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I', r);
        END IF;
    END LOOP;
END $$;
SET pgmigrate.guard = off;

-- ---- a role named "PUBLIC" is not PUBLIC ---------------------------------
-- the document spells PUBLIC as it always did, and a role named "PUBLIC"
-- (or whose name begins with a double quote) quoted as SQL quotes it
CREATE TABLE app.t (a int, b int);
GRANT SELECT ON app.t TO "PUBLIC";
GRANT INSERT ON app.t TO PUBLIC;
GRANT UPDATE ON app.t TO """PUBLIC""", "Public";
GRANT UPDATE (a) ON app.t TO "PUBLIC";
SELECT jsonb_array_elements_text(migrate.schema()->'objects'->'table app.t'->'grants') AS grants;
SELECT migrate.schema()->'objects'->'column app.t.a'->'grants' AS column_grants;
-- compare() tells the one from the other
SELECT * FROM migrate.compare(migrate.schema(),
    jsonb_set(migrate.schema(), '{objects,column app.t.a,grants}', '["PUBLIC=UPDATE"]'));
REVOKE ALL ON app.t FROM "PUBLIC", PUBLIC, """PUBLIC""", "Public";
-- a grant to the role, then one to PUBLIC in its place
SELECT * FROM pg_temp.diff_both_ways($$ GRANT SELECT ON app.t TO "PUBLIC" $$);
-- the script ran last forth: a role that is not a member of "PUBLIC" got nothing
SELECT has_table_privilege('regress_pgm_grants_other', 'app.t', 'SELECT') AS other_may_select,
       has_table_privilege('PUBLIC', 'app.t', 'SELECT') AS role_public_may_select;
SELECT * FROM pg_temp.diff_both_ways($$
REVOKE SELECT ON app.t FROM "PUBLIC";
GRANT SELECT ON app.t TO PUBLIC;
$$);
-- now PUBLIC's: every role's
SELECT has_table_privilege('regress_pgm_grants_other', 'app.t', 'SELECT') AS other_may_select;
REVOKE SELECT ON app.t FROM PUBLIC;
-- column privileges, with the grant option
SELECT * FROM pg_temp.diff_both_ways($$ GRANT UPDATE (b) ON app.t TO "PUBLIC" WITH GRANT OPTION $$);
SELECT has_column_privilege('regress_pgm_grants_other', 'app.t', 'b', 'UPDATE') AS other_may_update;
REVOKE UPDATE (b) ON app.t FROM "PUBLIC";
-- every other kind with grants: schema, sequence, view, materialized view,
-- function, procedure, type (PUBLIC's EXECUTE and USAGE by default, taken
-- from PUBLIC and given to the role)
CREATE SEQUENCE app.s;
CREATE VIEW app.v AS SELECT a, b FROM app.t;
CREATE MATERIALIZED VIEW app.m AS SELECT a, b FROM app.t;
CREATE FUNCTION app.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE app.p() LANGUAGE sql AS 'SELECT 1';
CREATE TYPE app.e AS ENUM ('x');
CREATE DOMAIN app.d AS int;
SELECT * FROM pg_temp.diff_both_ways($$
GRANT USAGE ON SCHEMA app TO "PUBLIC";
GRANT USAGE ON SEQUENCE app.s TO "PUBLIC";
GRANT SELECT ON app.v TO "PUBLIC";
GRANT SELECT ON app.m TO "PUBLIC";
REVOKE EXECUTE ON FUNCTION app.f() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.f() TO "PUBLIC";
REVOKE EXECUTE ON PROCEDURE app.p() FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE app.p() TO "PUBLIC";
REVOKE USAGE ON TYPE app.e FROM PUBLIC;
GRANT USAGE ON TYPE app.e TO "PUBLIC";
REVOKE USAGE ON DOMAIN app.d FROM PUBLIC;
GRANT USAGE ON DOMAIN app.d TO "PUBLIC" WITH GRANT OPTION;
$$);
SELECT has_schema_privilege('regress_pgm_grants_other', 'app', 'USAGE') AS schema,
       has_sequence_privilege('regress_pgm_grants_other', 'app.s', 'USAGE') AS sequence,
       has_table_privilege('regress_pgm_grants_other', 'app.v', 'SELECT') AS view,
       has_table_privilege('regress_pgm_grants_other', 'app.m', 'SELECT') AS matview,
       has_function_privilege('regress_pgm_grants_other', 'app.f()', 'EXECUTE') AS function,
       has_function_privilege('regress_pgm_grants_other', 'app.p()', 'EXECUTE') AS procedure,
       has_type_privilege('regress_pgm_grants_other', 'app.e', 'USAGE') AS type,
       has_type_privilege('regress_pgm_grants_other', 'app.d', 'USAGE') AS domain;
-- new objects granted to the role, and one it owns
SELECT * FROM pg_temp.diff_both_ways($$
CREATE TABLE app.n (a int);
GRANT SELECT ON app.n TO "PUBLIC";
GRANT UPDATE (a) ON app.n TO "PUBLIC";
CREATE FUNCTION app.g() RETURNS int LANGUAGE sql AS 'SELECT 2';
REVOKE EXECUTE ON FUNCTION app.g() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.g() TO "PUBLIC";
CREATE TABLE app.owned (a int);
ALTER TABLE app.owned OWNER TO "PUBLIC";
$$);
SELECT has_table_privilege('regress_pgm_grants_other', 'app.n', 'SELECT') AS other_may_select,
       has_column_privilege('regress_pgm_grants_other', 'app.n', 'a', 'UPDATE') AS other_may_update,
       has_function_privilege('regress_pgm_grants_other', 'app.g()', 'EXECUTE') AS other_may_execute,
       has_table_privilege('regress_pgm_grants_other', 'app.owned', 'SELECT') AS other_may_read_owned;
DROP TABLE app.n, app.owned;
DROP FUNCTION app.g();
-- policies: to the role, to PUBLIC, from the one to the other
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
SELECT * FROM pg_temp.diff_both_ways($$
CREATE POLICY mine ON app.t TO "PUBLIC" USING (a > 0);
CREATE POLICY everyone ON app.t USING (a > 1);
$$);
SELECT polname, array_agg(r = 0 ORDER BY r) AS to_everyone, array_agg(pg_get_userbyid(r) ORDER BY r) AS roles
  FROM pg_policy, unnest(polroles) r WHERE polrelid = 'app.t'::regclass GROUP BY polname ORDER BY polname;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER POLICY mine ON app.t TO PUBLIC;
ALTER POLICY everyone ON app.t TO "PUBLIC", regress_pgm_grants_a;
$$);
SELECT polname, array_agg(r = 0 ORDER BY r) AS to_everyone
  FROM pg_policy, unnest(polroles) r WHERE polrelid = 'app.t'::regclass GROUP BY polname ORDER BY polname;
DROP POLICY mine ON app.t;
DROP POLICY everyone ON app.t;
ALTER TABLE app.t DISABLE ROW LEVEL SECURITY;

-- ---- grantees whose names need quoting -----------------------------------
-- "=" and "*" in a name: a grant reads up to its last "=", and its "*" says
-- the grant option; a name that begins or ends with a double quote
SELECT * FROM pg_temp.diff_both_ways($$
GRANT SELECT ON app.t TO "regress Role=X", "regress_a,b", "regress_eq=", "regress_q""" WITH GRANT OPTION;
GRANT INSERT ON app.t TO "regress_star*" WITH GRANT OPTION;
GRANT UPDATE ON app.t TO "regress_star*", """regress_q";
GRANT REFERENCES (a) ON app.t TO "regress Role=X", """regress_q";
GRANT USAGE ON SCHEMA app TO "regress_eq=" WITH GRANT OPTION;
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY odd ON app.t TO "regress Role=X", "regress_a,b", """regress_q", "regress_q""" USING (true);
$$);
SELECT jsonb_array_elements_text(migrate.schema()->'objects'->'table app.t'->'grants') AS grants;
SELECT migrate.schema()->'objects'->'policy app.t.odd'->'roles' AS roles;
SELECT has_table_privilege('regress_q"', 'app.t', 'SELECT WITH GRANT OPTION') AS q_may_grant,
       has_table_privilege('"regress_q', 'app.t', 'UPDATE') AS q_may_update,
       has_table_privilege('regress_star*', 'app.t', 'INSERT WITH GRANT OPTION') AS star_may_grant;
DROP POLICY odd ON app.t;
ALTER TABLE app.t DISABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.t FROM "regress Role=X", "regress_a,b", "regress_eq=", "regress_q""", "regress_star*", """regress_q";
REVOKE ALL ON SCHEMA app FROM "regress_eq=";
-- a quoted spelling that is no quoted name (a document before 0.7) is a
-- name as it stands, quoted again
SELECT statement FROM migrate.diff(migrate.schema(),
    jsonb_set(migrate.schema(), '{objects,table app.t,grants}',
              (migrate.schema()->'objects'->'table app.t'->'grants') || '["\"x\"y=SELECT", "\"=SELECT"]'));

-- ---- a REVOKE on a table takes the privilege from its columns too ----------
-- the column keeps its privilege: granted again after the table's REVOKE
GRANT SELECT, UPDATE ON app.t TO regress_pgm_grants_a;
GRANT SELECT (a), UPDATE (a) ON app.t TO regress_pgm_grants_a;
SELECT * FROM pg_temp.diff_both_ways($$
REVOKE SELECT, UPDATE ON app.t FROM regress_pgm_grants_a;
GRANT SELECT (a), UPDATE (a) ON app.t TO regress_pgm_grants_a;
$$);
SELECT has_column_privilege('regress_pgm_grants_a', 'app.t', 'a', 'SELECT') AS a_may_select_a,
       has_column_privilege('regress_pgm_grants_a', 'app.t', 'b', 'SELECT') AS a_may_select_b;
-- only the grant option goes; a column's own grant option stays
GRANT SELECT ON app.t TO regress_pgm_grants_a WITH GRANT OPTION;
GRANT SELECT (a) ON app.t TO regress_pgm_grants_a WITH GRANT OPTION;
SELECT * FROM pg_temp.diff_both_ways($$
REVOKE GRANT OPTION FOR SELECT ON app.t FROM regress_pgm_grants_a;
GRANT SELECT (a) ON app.t TO regress_pgm_grants_a WITH GRANT OPTION;
$$);
-- PUBLIC's column privilege, and a new column granted while the table's goes
GRANT SELECT ON app.t TO PUBLIC;
GRANT SELECT (b) ON app.t TO PUBLIC;
SELECT * FROM pg_temp.diff_both_ways($$
REVOKE SELECT ON app.t FROM PUBLIC;
GRANT SELECT (b) ON app.t TO PUBLIC;
ALTER TABLE app.t ADD COLUMN c int;
GRANT SELECT (c) ON app.t TO PUBLIC;
$$);
SELECT has_column_privilege('regress_pgm_grants_other', 'app.t', 'b', 'SELECT') AS other_may_select_b;
ALTER TABLE app.t DROP COLUMN c;
REVOKE ALL ON app.t FROM PUBLIC, regress_pgm_grants_a;
-- the same on a view and a materialized view
GRANT SELECT ON app.v, app.m TO regress_pgm_grants_a;
GRANT SELECT (a) ON app.v, app.m TO regress_pgm_grants_a;
SELECT * FROM pg_temp.diff_both_ways($$
REVOKE SELECT ON app.v, app.m FROM regress_pgm_grants_a;
GRANT SELECT (a) ON app.v, app.m TO regress_pgm_grants_a;
$$);
REVOKE ALL ON app.v, app.m FROM regress_pgm_grants_a;
-- a materialized view made again keeps its columns' privileges
GRANT SELECT (b) ON app.m TO regress_pgm_grants_b;
SELECT * FROM pg_temp.diff_both_ways($$
DROP MATERIALIZED VIEW app.m;
CREATE MATERIALIZED VIEW app.m AS SELECT a, b FROM app.t WHERE a > 0;
GRANT SELECT (b) ON app.m TO regress_pgm_grants_b;
$$);

-- ---- a column that comes with another object keeps its own grants -------
-- a parent's new column in a child, a grandchild and a partition, a view's
-- new column: granted after the ADD COLUMN that brings it (whose key comes
-- later here), and after the REVOKE on the child's table
CREATE TABLE app.zp (a int);
CREATE TABLE app.ac () INHERITS (app.zp);
CREATE TABLE app.ac2 () INHERITS (app.ac);
CREATE TABLE app.zr (a int) PARTITION BY RANGE (a);
CREATE TABLE app.ar PARTITION OF app.zr FOR VALUES FROM (0) TO (10);
CREATE VIEW app.w AS SELECT a FROM app.zp;
GRANT SELECT ON app.ac TO regress_pgm_grants_a;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.zp ADD COLUMN b int;
REVOKE SELECT ON app.ac FROM regress_pgm_grants_a;
GRANT SELECT (b) ON app.ac, app.ac2 TO regress_pgm_grants_a;
COMMENT ON COLUMN app.ac2.b IS 'from the grandparent';
ALTER TABLE app.zr ADD COLUMN b int;
GRANT UPDATE (b) ON app.ar TO regress_pgm_grants_a;
CREATE OR REPLACE VIEW app.w AS SELECT a, b FROM app.zp;
GRANT SELECT (b) ON app.w TO regress_pgm_grants_a;
$$);
DROP VIEW app.w;
DROP TABLE app.zp, app.ac, app.ac2, app.zr;

-- ---- ALTER ... OWNER TO hands the old owner's column privileges on --------
ALTER TABLE app.t OWNER TO regress_pgm_grants_a;
GRANT UPDATE (b) ON app.t TO regress_pgm_grants_a;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t OWNER TO regress_pgm_grants_b;
REVOKE UPDATE (b) ON app.t FROM regress_pgm_grants_b;
GRANT UPDATE (b) ON app.t TO regress_pgm_grants_a;
$$);
SELECT has_column_privilege('regress_pgm_grants_a', 'app.t', 'b', 'UPDATE') AS old_owner_may_update,
       (SELECT attacl FROM pg_attribute WHERE attrelid = 'app.t'::regclass AND attname = 'b') AS acl;
-- the old owner's privileges on the table, given back after it (the
-- grants are the same before and after, the owner is not)
REVOKE UPDATE (b) ON app.t FROM regress_pgm_grants_a;
ALTER TABLE app.t OWNER TO regress_pgm_grants_a;
GRANT ALL ON app.t TO regress_pgm_grants_b;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER TABLE app.t OWNER TO regress_pgm_grants_b;
GRANT ALL ON app.t TO regress_pgm_grants_a;
$$);
REVOKE ALL ON app.t FROM regress_pgm_grants_b;
ALTER TABLE app.t OWNER TO CURRENT_USER;
REVOKE ALL ON app.t FROM regress_pgm_grants_a;
-- a view's and a materialized view's
ALTER VIEW app.v OWNER TO regress_pgm_grants_a;
ALTER MATERIALIZED VIEW app.m OWNER TO regress_pgm_grants_a;
GRANT SELECT (a) ON app.v, app.m TO regress_pgm_grants_a;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER VIEW app.v OWNER TO regress_pgm_grants_b;
ALTER MATERIALIZED VIEW app.m OWNER TO regress_pgm_grants_b;
REVOKE SELECT (a) ON app.v, app.m FROM regress_pgm_grants_b;
GRANT SELECT (a) ON app.v, app.m TO regress_pgm_grants_a;
$$);
-- the new owner held the privilege with the grant option: it keeps both
ALTER FUNCTION app.f() OWNER TO regress_pgm_grants_a;
GRANT EXECUTE ON FUNCTION app.f() TO regress_pgm_grants_b WITH GRANT OPTION;
SELECT * FROM pg_temp.diff_both_ways($$ ALTER FUNCTION app.f() OWNER TO regress_pgm_grants_b $$);
-- and other kinds: schema, sequence, type
ALTER SEQUENCE app.s OWNER TO regress_pgm_grants_a;
ALTER TYPE app.e OWNER TO regress_pgm_grants_a;
CREATE SCHEMA pgm_grants AUTHORIZATION regress_pgm_grants_a;
GRANT USAGE ON SCHEMA pgm_grants TO regress_pgm_grants_b WITH GRANT OPTION;
SELECT * FROM pg_temp.diff_both_ways($$
ALTER SEQUENCE app.s OWNER TO "PUBLIC";
ALTER TYPE app.e OWNER TO "PUBLIC";
ALTER SCHEMA pgm_grants OWNER TO regress_pgm_grants_b;
GRANT CREATE ON SCHEMA pgm_grants TO regress_pgm_grants_a;
$$);
SELECT has_sequence_privilege('regress_pgm_grants_other', 'app.s', 'USAGE') AS other_may_use_sequence,
       has_type_privilege('regress_pgm_grants_other', 'app.e', 'USAGE') AS other_may_use_type;

DROP SCHEMA pgm_grants;
DROP SCHEMA app CASCADE;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['PUBLIC', '"PUBLIC"', 'regress_pgm_grants_other', 'regress_pgm_grants_a',
                             'regress_pgm_grants_b', 'regress Role=X', 'regress_a,b', 'regress_star*',
                             'regress_eq=', '"regress_q', 'regress_q"', 'Public'] LOOP
        EXECUTE format('DROP OWNED BY %I', r);
        EXECUTE format('DROP ROLE %I', r);
    END LOOP;
END $$;
RESET pgmigrate.guard;
