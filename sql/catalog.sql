-- the catalog tables: readable, never directly writable, privileges
\i sql/include/reset.psql

SELECT migrate.add('01', 'CREATE TABLE app.a (id int);', 'DROP TABLE app.a;');
SELECT count(*) FROM migrate.apply();

-- superusers cannot write the catalog directly either, not even as a replica
INSERT INTO migrate.revisions (id, up, up_sha256, registered_by, registered_at)
    VALUES ('x', 'SELECT 1', '', 'x', now());
UPDATE migrate.revisions SET applied_at = NULL;
DELETE FROM migrate.log;
TRUNCATE migrate.revisions;
SET session_replication_role = replica;
DELETE FROM migrate.revisions;
TRUNCATE migrate.log;
RESET session_replication_role;
COPY migrate.log (role, session_role, action, outcome) FROM STDIN;
x	x	apply	ok
\.
SELECT count(*) AS revisions, (SELECT count(*) FROM migrate.log) AS log_rows FROM migrate.revisions;
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger WHERE tgrelid IN ('migrate.revisions'::regclass, 'migrate.log'::regclass) AND NOT tgisinternal ORDER BY 1;

-- who may do what
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p WHERE p.pronamespace = 'migrate'::regnamespace ORDER BY 1;
SELECT c.relname, has_table_privilege('public', c.oid, 'SELECT') AS public_may_read,
       has_table_privilege('public', c.oid, 'INSERT') AS public_may_insert
  FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r' ORDER BY 1;

-- an application role reads but does not change
CREATE ROLE regress_pgm_app;
CREATE ROLE regress_pgm_deploy;
SET pgmigrate.guard = off;   -- GRANT is DDL: the DBA switches the guard off for it
GRANT EXECUTE ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean, boolean),
                          migrate.apply(text), migrate.rollback(text, boolean), migrate.stamp(text)
   TO regress_pgm_deploy;
GRANT CREATE, USAGE ON SCHEMA app TO regress_pgm_deploy;
RESET pgmigrate.guard;
SET ROLE regress_pgm_app;
SELECT revision, applied FROM migrate.status();
SELECT migrate.current(), migrate.heads();
SELECT count(*) FROM migrate.revisions;
SELECT migrate.add('02', 'CREATE TABLE app.b (id int);');
SELECT * FROM migrate.apply();
SELECT * FROM migrate.rollback();
SELECT * FROM migrate.stamp('heads');
DELETE FROM migrate.log;
RESET ROLE;

-- a deploy role registers and applies; its SQL runs as itself, the
-- catalog rows are written as the catalog's owner
SET ROLE regress_pgm_deploy;
SELECT migrate.add('02', 'CREATE TABLE app.b (id int);', 'DROP TABLE app.b;');
SELECT step, revision FROM migrate.apply();
UPDATE migrate.revisions SET applied_at = NULL;
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE schemaname = 'app' ORDER BY tablename;
SELECT id, registered_by, applied_by FROM migrate.revisions ORDER BY id;
SELECT action, revision, role, command FROM migrate.log ORDER BY id;
-- the deploy role's DDL needs its own privileges: without CREATE it fails
SET pgmigrate.guard = off;
REVOKE CREATE ON SCHEMA app FROM regress_pgm_deploy;
RESET pgmigrate.guard;
SET ROLE regress_pgm_deploy;
SELECT migrate.add('03', 'CREATE TABLE app.c (id int);', 'DROP TABLE app.c;');
SELECT step, revision FROM migrate.apply();
RESET ROLE;
-- a rollback's data-loss check reads the tables it would drop as the
-- caller: one the caller may not read stops it, empty as it is
SELECT step, revision FROM migrate.apply();
SET ROLE regress_pgm_deploy;
SELECT count(*) FROM migrate.rollback('02');
RESET ROLE;

SELECT count(*) FROM migrate.rollback('base');

-- a deploy's own rows are written through the tables' heap and indexes, as
-- INSERT and UPDATE would write them: refused in a read-only transaction,
-- with the tables' defaults, and held to their CHECK constraints
BEGIN READ ONLY;
SELECT step, revision FROM migrate.apply('01');
ROLLBACK;
BEGIN;
SELECT count(*) FROM migrate.apply('01');
SELECT action, revision, logged_at IS NOT NULL AS logged_at,
       xact_id = pg_current_xact_id() AS this_transaction, database = current_database() AS database
FROM migrate.log ORDER BY id DESC LIMIT 1;
SELECT applied_at = now() AS applied_now, applied_by = current_user AS applied_by,
       apply_order IS NOT NULL AS ordered
FROM migrate.revisions WHERE id = '01';
COMMIT;
SET pgmigrate.guard = off;
ALTER TABLE migrate.log ADD CONSTRAINT regress_no_rollback CHECK (action <> 'rollback') NOT VALID;
RESET pgmigrate.guard;
SELECT count(*) FROM migrate.rollback('base');
SELECT applied_at IS NOT NULL AS still_applied FROM migrate.revisions WHERE id = '01';
SET pgmigrate.guard = off;
ALTER TABLE migrate.log DROP CONSTRAINT regress_no_rollback;
RESET pgmigrate.guard;
SELECT count(*) FROM migrate.rollback('base');

SET pgmigrate.guard = off;
DROP OWNED BY regress_pgm_app, regress_pgm_deploy;
DROP ROLE regress_pgm_app;
DROP ROLE regress_pgm_deploy;
