\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.17'" to load this file. \quit

-- pgmigrate 0.16 -> 0.17.
--
-- ---- the keys of the schema as recorded are compared byte by byte ---------
--
-- migrate.snapshot_keys.key is written and looked up by every deploy: a row
-- per catalog entry its record holds, found again by key through the
-- index snapshot_keys_key.  With the database's collation, each comparison
-- in that index went through the locale (strcoll) for text that is only
-- ever compared for equality.  The column and its index now use the "C"
-- collation: the same rows, the same lookups, compared as bytes.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
ALTER TABLE migrate.snapshot_keys ALTER COLUMN key TYPE text COLLATE "C";
