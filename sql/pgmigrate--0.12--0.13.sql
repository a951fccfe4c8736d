\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.13'" to load this file. \quit

-- pgmigrate 0.12 -> 0.13.
--
-- ---- records compressed with lz4 -----------------------------------------
--
-- A deploy's record (migrate.snapshots.snapshot) is compressed as it is
-- written, inside the deploy's transaction: with lz4 where the server was
-- built with it (it is one of default_toast_compression's values), a
-- fraction of pglz's cost for the same document; records already stored
-- keep their compression and read as before.  A server built without lz4
-- keeps pglz.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
DO $$
BEGIN
    IF 'lz4' = ANY ((SELECT enumvals FROM pg_catalog.pg_settings
                     WHERE name OPERATOR(pg_catalog.=) 'default_toast_compression')::text[]) THEN
        ALTER TABLE migrate.snapshots ALTER COLUMN snapshot SET COMPRESSION lz4;
    END IF;
END
$$;
