\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.14'" to load this file. \quit

-- pgmigrate 0.13 -> 0.14.
--
-- ---- a document is the same in every session ------------------------------
--
-- migrate.schema() deparses definitions (views, defaults, checks, partition
-- bounds) whose constants the server writes as the session's output
-- settings say: a float in full or cut short (extra_float_digits), a date
-- or an interval in the session's style, bytea in hex or escaped, strings
-- with or without standard backslashes, every identifier quoted or only
-- where it must be.  The function now writes them as
-- the defaults do, whatever the session, as pgmigrate's own reads of the
-- schema (records, drift, verify) do: a record made by a deploy from a
-- client with other settings reads as no drift, and a view made again reads
-- back the same constants.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
ALTER FUNCTION migrate.schema()
    SET extra_float_digits = 1
    SET "DateStyle" = 'ISO'
    SET "IntervalStyle" = 'postgres'
    SET bytea_output = 'hex'
    SET standard_conforming_strings = on
    SET quote_all_identifiers = off;
