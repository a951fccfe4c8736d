\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.15'" to load this file. \quit

-- pgmigrate 0.14 -> 0.15.
--
-- ---- a timestamptz is written in UTC -----------------------------------------
--
-- A timestamptz constant (a partition bound, a default, a check, a view's
-- constant) is one instant, which the server writes in the session's
-- TimeZone: a deploy from a client in another zone recorded the same bound
-- under another text, and drift() from a session in UTC reported a change.
-- migrate.schema() now writes them in UTC, whatever the session, as
-- pgmigrate's own reads of the schema (records, drift, verify) do.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
ALTER FUNCTION migrate.schema() SET "TimeZone" = 'UTC';
