\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.8'" to load this file. \quit

-- pgmigrate 0.7 -> 0.8.
--
-- migrate.record_snapshot(): records the live schema as the snapshot
-- drift() compares with, without applying anything, and returns how many
-- objects differed from the last one.  For what no revision changed but the
-- server spells anew: after pg_upgrade to a newer major version a table's
-- owner holds MAINTAIN (17) and a view's query is written without table
-- names on its columns (16), so drift() shows tables and views the upgrade
-- did not touch (README.md, "Upgrading PostgreSQL").  It accepts whatever
-- drift there is: revoked from PUBLIC, as stamp, and logged (action
-- 'snapshot', with the count in detail).  No other catalog change.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;

CREATE FUNCTION migrate.record_snapshot()
RETURNS integer
    AS 'MODULE_PATHNAME', 'pgmigrate_record_snapshot'
    LANGUAGE C VOLATILE;

COMMENT ON FUNCTION migrate.record_snapshot() IS
    'record the live schema as the snapshot drift() compares with, without applying anything; returns how many objects differed from the last snapshot';

REVOKE ALL ON FUNCTION migrate.record_snapshot() FROM PUBLIC;
