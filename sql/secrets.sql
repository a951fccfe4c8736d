-- what PostgreSQL keeps from other roles stays out of migrate.log and
-- migrate.revisions, which every role can read: a user mapping's options,
-- a subscription's connection string, a role's password.  Every secret
-- below contains "Sekr1t"; none of them may reach the catalog.
\i sql/include/reset.psql
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_pgm_reader;
DROP ROLE IF EXISTS regress_pgm_login;
RESET client_min_messages;
CREATE ROLE regress_pgm_reader;
SET pgmigrate.guard = off;
CREATE FOREIGN DATA WRAPPER regress_pgm_wrapper;
RESET pgmigrate.guard;
SELECT max(id) AS log_before FROM migrate.log \gset

-- by hand, as a superuser: under warn and under off
SET pgmigrate.guard = warn;
CREATE SERVER regress_pgm_server FOREIGN DATA WRAPPER regress_pgm_wrapper
    OPTIONS (host 'db.internal', dbname 'shop');
CREATE USER MAPPING FOR regress_pgm_reader SERVER regress_pgm_server
    OPTIONS (user 'reader', password 'warn-Sekr1t');
SET pgmigrate.guard = off;
CREATE USER MAPPING FOR CURRENT_USER SERVER regress_pgm_server OPTIONS (password 'off-Sekr1t');
ALTER USER MAPPING FOR regress_pgm_reader SERVER regress_pgm_server
    OPTIONS (SET password 'alter-Sekr1t', DROP user);
-- the options of a server are no secret: every role reads them in pg_foreign_server
ALTER SERVER regress_pgm_server OPTIONS (SET host 'db2.internal');
-- a subscription's connection string (connect = false: no publisher needed)
CREATE SUBSCRIPTION regress_pgm_sub
    CONNECTION 'host=db.internal dbname=shop user=repl password=sub-Sekr1t'
    PUBLICATION regress_pgm_pub WITH (connect = false, slot_name = NONE);
ALTER SUBSCRIPTION regress_pgm_sub CONNECTION 'host=db2.internal password=sub2-Sekr1t';
ALTER SUBSCRIPTION regress_pgm_sub SET (synchronous_commit = 'off');
-- strings as the server's lexer reads them: a quote in a comment, doubled
-- quotes, E'' escapes, a string continued on the next line, dollar quoting
ALTER USER MAPPING FOR regress_pgm_reader SERVER regress_pgm_server
    OPTIONS (ADD user /* the 'new' one */ 'it''s-Sekr1t', -- rotated 'today'
             SET password E'esc\'Sekr1t');
ALTER USER MAPPING FOR regress_pgm_reader SERVER regress_pgm_server
    OPTIONS (SET password 'cont-'
    'Sekr1t', SET user $q$dollar-Sekr1t$q$);
ALTER USER MAPPING FOR regress_pgm_reader SERVER regress_pgm_server OPTIONS (DROP user);
-- strings that are no secret stay as they were
COMMENT ON SERVER regress_pgm_server IS 'the shop''s replica';
CREATE TABLE app.kept (note text DEFAULT 'not a secret');
-- several statements in one query string: each row holds its own statement;
-- CREATE ROLE fires no event trigger, and its password is in no row
CREATE ROLE regress_pgm_login PASSWORD 'role-Sekr1t'\; CREATE TABLE app.multi ()\; CREATE USER MAPPING FOR regress_pgm_login SERVER regress_pgm_server OPTIONS (password 'multi-Sekr1t')\; COMMENT ON TABLE app.multi IS 'kept';
-- a command run by a DO block or a function: only the query's text is
-- there, with every string constant replaced (a DO block's code is kept)
DO $$
BEGIN
    CREATE TABLE app.by_do (note text DEFAULT 'x');
    EXECUTE 'CREATE USER MAPPING FOR PUBLIC SERVER regress_pgm_server OPTIONS (password ''do-Sekr1t'')';
END
$$;
CREATE FUNCTION app.map(pw text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
    CREATE TABLE app.by_function ();
    EXECUTE format('ALTER USER MAPPING FOR PUBLIC SERVER regress_pgm_server OPTIONS (SET password %L)', pw);
END
$f$;
SELECT app.map('fn-Sekr1t');
-- CREATE TABLE AS and SELECT INTO reach the guard analysed: still their own statement
CREATE TABLE app.copied AS SELECT 'a value' AS v;
SELECT 'a value' AS v INTO app.selected;
-- a query string that no longer parses as it did: the row keeps no text
SET standard_conforming_strings = off;
SET standard_conforming_strings = on\; CREATE TABLE app.reread (v text DEFAULT 'it\'s-Sekr1t')\; SELECT 1 AS one;
RESET standard_conforming_strings;
RESET pgmigrate.guard;

\pset null '(null)'
SELECT command, outcome, detail FROM migrate.log WHERE id > :log_before ORDER BY id;
\pset null ''
-- no secret in the log
SELECT count(*) AS secrets_in_log FROM migrate.log WHERE detail LIKE '%Sekr1t%';
-- PostgreSQL has them, and shows them to no other role
SELECT count(*) AS mappings_with_secrets FROM pg_user_mappings
 WHERE array_to_string(umoptions, ',') LIKE '%Sekr1t%';
SET ROLE regress_pgm_reader;
SELECT srvname, umoptions FROM pg_user_mappings ORDER BY usename COLLATE "C";
SELECT count(*) AS secrets_the_reader_sees FROM migrate.log WHERE detail LIKE '%Sekr1t%';
RESET ROLE;

-- a revision's SQL is readable by every role: a secret is refused at
-- registration (rule secret), in the up and in the down
SELECT migrate.add('s1', $$CREATE USER MAPPING FOR PUBLIC SERVER regress_pgm_server OPTIONS (password 'rev-Sekr1t')$$,
                   'DROP USER MAPPING FOR PUBLIC SERVER regress_pgm_server');
SELECT migrate.add('s2', $$CREATE TABLE app.t (); ALTER SUBSCRIPTION regress_pgm_sub CONNECTION 'password=rev-Sekr1t'$$);
SELECT migrate.add('s3', $$ALTER ROLE regress_pgm_login PASSWORD 'rev-Sekr1t'$$);
SELECT migrate.add('s4', 'CREATE TABLE app.t ()',
                   $$DROP TABLE app.t; CREATE USER MAPPING FOR PUBLIC SERVER regress_pgm_server OPTIONS (user 'x')$$);
SELECT count(*) AS secrets_in_revisions FROM migrate.revisions WHERE up LIKE '%Sekr1t%' OR down LIKE '%Sekr1t%';
-- what PostgreSQL shows every role is accepted
SELECT migrate.add('s5', $$CREATE SERVER regress_pgm_other FOREIGN DATA WRAPPER regress_pgm_wrapper OPTIONS (host 'db.internal');
CREATE USER MAPPING FOR PUBLIC SERVER regress_pgm_other;
ALTER USER MAPPING FOR regress_pgm_reader SERVER regress_pgm_server OPTIONS (DROP password);
ALTER SUBSCRIPTION regress_pgm_sub SET (synchronous_commit = 'local');
ALTER ROLE regress_pgm_login PASSWORD NULL$$,
                   'SELECT 1');
-- nor does a down SQL given by repair()
SELECT migrate.repair('s5', $$DROP SERVER regress_pgm_other CASCADE; ALTER ROLE regress_pgm_login PASSWORD 'rev-Sekr1t'$$);
SELECT count(*) AS secrets_in_revisions FROM migrate.revisions WHERE up LIKE '%Sekr1t%' OR down LIKE '%Sekr1t%';
SELECT rule, severity, statement_number, message, hint
  FROM migrate.lint($$CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p;
CREATE ROLE r LOGIN ENCRYPTED PASSWORD 'x'$$);

-- clean up
SET client_min_messages = warning;
SET pgmigrate.guard = off;
DROP SUBSCRIPTION regress_pgm_sub;
DROP FOREIGN DATA WRAPPER regress_pgm_wrapper CASCADE;
DROP SCHEMA app CASCADE;
DROP EXTENSION pgmigrate;
DROP ROLE regress_pgm_reader;
DROP ROLE regress_pgm_login;
