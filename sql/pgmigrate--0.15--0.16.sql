\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.16'" to load this file. \quit

-- pgmigrate 0.15 -> 0.16.
--
-- ---- an online revision may change several tables ---------------------------
--
-- An online revision that retypes columns may change several tables of one
-- schema: a primary key and the columns that reference it, widened in one
-- revision, their foreign keys made again on both new columns.
-- migrate.online keeps the tables of the revision in progress, the first
-- of them its relation as before, and the table its backfill is at: the
-- backfill fills them one after the other, each resumable where it
-- stopped.  A revision started before the update has its relation alone
-- (tables NULL) and goes on as it was.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
ALTER TABLE migrate.online
    ADD COLUMN tables text[],
    ADD COLUMN part integer NOT NULL DEFAULT 1 CHECK (part >= 1);
COMMENT ON COLUMN migrate.online.tables IS
    'the tables the revision changes, schema-qualified, relation first; NULL: relation alone';
COMMENT ON COLUMN migrate.online.part IS
    'the table the backfill is at: its position in tables, 1-based';

CREATE OR REPLACE VIEW migrate.online_progress AS
    SELECT o.revision, o.phase, o.relation, o.rows_done,
           CASE WHEN o.phase = 'backfilled' THEN 0
                ELSE greatest(coalesce(o.rows_total, 0) - o.rows_done, 0) END AS rows_left,
           CASE WHEN o.updated_at > o.backfill_started_at
                THEN round((o.rows_done / extract(epoch FROM o.updated_at - o.backfill_started_at))::numeric, 1)
           END AS rows_per_second,
           o.old_schema, o.new_schema, o.started_at, o.updated_at,
           coalesce(o.tables, ARRAY[o.relation]) AS tables,
           CASE WHEN o.phase = 'expanded' THEN (coalesce(o.tables, ARRAY[o.relation]))[o.part] END AS backfilling
    FROM migrate.online o;
