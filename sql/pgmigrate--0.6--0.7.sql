\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.7'" to load this file. \quit

-- pgmigrate 0.6 -> 0.7.
--
-- 0.7 hardens what any role can call and what any role can read: the diff
-- engine validates both documents before use.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
