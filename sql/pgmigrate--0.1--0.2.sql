\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.2'" to load this file. \quit

-- pgmigrate 0.1 -> 0.2.
--
-- 0.2 closes two holes in the guard.  While a revision runs, its DDL is
-- managed, and a revision could ALTER TABLE migrate.revisions DISABLE
-- TRIGGER and then rewrite the history: two more event triggers, at the
-- end of each DDL command and when objects are dropped, now refuse any
-- change to pgmigrate's own objects during a revision.  And in the guard's
-- emergency modes (warn, off) DROP INDEX CONCURRENTLY failed, because its
-- log row gave the transaction an id first: the log row of a command that
-- must begin its transaction is now written when the command ends.  And 0.2 describes
-- every function in the catalog, so that \df+ migrate.* and \dx+ pgmigrate
-- say what each one does.  The tables, their rows and every privilege
-- granted on them stay as they are.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;

COMMENT ON FUNCTION migrate.add(text, text, text, text[], text, boolean, boolean) IS
    'register a revision (or re-register it unchanged); returns added, updated or unchanged';
COMMENT ON FUNCTION migrate.lint(text) IS
    'the findings of the lint rules on any SQL, without registering anything';
COMMENT ON FUNCTION migrate.apply(text) IS
    'apply the pending revisions on the way to a target, in the caller''s transaction';
COMMENT ON FUNCTION migrate.rollback(text, boolean) IS
    'run the down SQL of applied revisions, newest first, back to a target';
COMMENT ON FUNCTION migrate.stamp(text) IS
    'mark revisions applied without running them, to adopt an existing schema';
COMMENT ON FUNCTION migrate.begin_outside_transaction(text, text) IS
    'for the client: the statements of a revision that runs outside a transaction block';
COMMENT ON FUNCTION migrate.finish_outside_transaction(text, text) IS
    'for the client: record a revision it ran outside a transaction block';
COMMENT ON FUNCTION migrate.abandon_outside_transaction() IS
    'for the client: forget the statements of a revision that failed outside a transaction block';
COMMENT ON FUNCTION migrate.status() IS
    'every revision, parents first, with whether and when it was applied';
COMMENT ON FUNCTION migrate.current() IS
    'the applied revisions with no applied child';
COMMENT ON FUNCTION migrate.heads() IS
    'the registered revisions with no child';
COMMENT ON FUNCTION migrate.plan(text, text, boolean) IS
    'what apply or rollback would run, step by step, without running it';
COMMENT ON FUNCTION migrate.drift() IS
    'what differs between the live schema and the snapshot the last apply, rollback or stamp recorded';
COMMENT ON FUNCTION migrate.verify() IS
    'stored SQL that no longer matches its checksum, and drift; no rows when all is well';
COMMENT ON FUNCTION migrate.test_roundtrip(text) IS
    'up, down and up again for each pending revision, rolled back at the end';
COMMENT ON FUNCTION migrate.refuse_direct_write() IS
    'trigger of the catalog tables: refuses every write but the extension''s own';
COMMENT ON FUNCTION migrate.guard_ddl() IS
    'event trigger: refuses DDL outside migrate.apply() and migrate.rollback()';

CREATE FUNCTION migrate.guard_ddl_end() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'pgmigrate_guard_ddl_end'
    LANGUAGE C;
REVOKE ALL ON FUNCTION migrate.guard_ddl_end() FROM PUBLIC;
COMMENT ON FUNCTION migrate.guard_ddl_end() IS
    'event trigger: refuses changes to pgmigrate''s own objects from a revision, and logs unmanaged commands that must begin their transaction';

CREATE EVENT TRIGGER pgmigrate_guard_end ON ddl_command_end
    EXECUTE FUNCTION migrate.guard_ddl_end();
ALTER EVENT TRIGGER pgmigrate_guard_end ENABLE ALWAYS;
CREATE EVENT TRIGGER pgmigrate_guard_drop ON sql_drop
    EXECUTE FUNCTION migrate.guard_ddl_end();
ALTER EVENT TRIGGER pgmigrate_guard_drop ENABLE ALWAYS;
