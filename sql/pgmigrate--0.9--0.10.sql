\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.10'" to load this file. \quit

-- pgmigrate 0.9 -> 0.10.
--
-- ---- records of the schema that grow with the change ----------------------
--
-- Up to 0.9 every apply and rollback stored the whole schema document,
-- taken while the revisions' locks were held.  From 0.10 an apply or
-- rollback stores only the part of the document that belongs to what its
-- revisions changed (the objects their DDL named, and what depends on
-- them): a "part record".  Its `replaces` lists the keys whose objects it
-- replaces; the schema as recorded is the last whole record with each
-- later part laid over it in order (README.md, "Verifying").
ALTER TABLE migrate.snapshots ADD COLUMN replaces text[];

COMMENT ON COLUMN migrate.snapshots.replaces IS
    'NULL for a whole record; for a part record, the keys of the objects (with their columns, constraints, triggers, policies and rules) it replaces';

-- Which key each object had when it was last recorded, by catalog and oid
-- as pg_depend names it: where a part record finds the old keys of what a
-- revision renamed or dropped.  Written with each record, for the schema
-- as recorded.  It names oids of this database, so pg_dump does not keep
-- it: a restored database has none, and its first apply records the whole
-- schema again before its revisions run.
CREATE TABLE migrate.snapshot_keys (
    classid     oid NOT NULL,
    objid       oid NOT NULL,
    key         text NOT NULL,
    PRIMARY KEY (classid, objid)
);

CREATE INDEX snapshot_keys_key ON migrate.snapshot_keys (key);

COMMENT ON TABLE migrate.snapshot_keys IS
    'the key each recorded object had, by catalog and oid: kept with migrate.snapshots, for the part records';

CREATE TRIGGER refuse_direct_write
    BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON migrate.snapshot_keys
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.refuse_direct_write();
ALTER TABLE migrate.snapshot_keys ENABLE ALWAYS TRIGGER refuse_direct_write;

GRANT SELECT ON migrate.snapshot_keys TO PUBLIC;

-- Old records go: the schema as recorded written again as one whole
-- record, and every record before it deleted.
CREATE FUNCTION migrate.compact_snapshots() RETURNS bigint
    AS 'MODULE_PATHNAME', 'pgmigrate_compact_snapshots'
    LANGUAGE C STRICT;

REVOKE ALL ON FUNCTION migrate.compact_snapshots() FROM PUBLIC;

COMMENT ON FUNCTION migrate.compact_snapshots() IS
    'writes the schema as recorded as one whole record and deletes the records before it; returns how many were deleted';
