-- the diff engine against documents nobody should pass it: every object is
-- checked before use, and what fails is refused with 22023 naming the
-- document, the key and the attribute; the backend stays up.  Each case
-- below crashed the server, or gave XX000, before the check was there.
\i sql/include/reset.psql
SET client_min_messages = warning;
SET pgmigrate.guard = off;

-- the error of a call, as SQLSTATE: detail (every message here is "source
-- (or target) is not a schema document the diff engine can use"), or 'ok'
CREATE FUNCTION pg_temp.refused(source jsonb, target jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text;
BEGIN
    PERFORM count(*) FROM migrate.diff(source, target);
    PERFORM count(*) FROM migrate.diff(target, source);
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN state || ': ' || CASE WHEN detail = '' THEN message ELSE detail END;
END
$$;
-- a document of one schema and whatever objects are given
CREATE FUNCTION pg_temp.doc(objects jsonb) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_build_object('version', 1, 'objects',
        '{"schema x": {"kind": "schema", "name": "x"},
          "table x.t": {"kind": "table", "schema": "x", "name": "t"},
          "column x.t.a": {"kind": "column", "relation": "table x.t", "name": "a", "type": "integer", "position": 1}}'::jsonb
        || objects)
$$;

-- a real schema to take real documents from
CREATE SCHEMA x;
CREATE TABLE x.t (a int PRIMARY KEY, b text CHECK (b <> ''));
CREATE TYPE x.mood AS ENUM ('sad', 'happy');
CREATE VIEW x.v AS SELECT a, b FROM x.t;
SELECT migrate.schema() AS real \gset

-- the same key of another kind in the target (a table that a document
-- calls a view): the kinds of one key must agree, so each key begins with
-- its kind, in both documents
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,kind}', '"view"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,kind}', '"constraint"'));
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc('{"view x.t": {"kind": "table", "schema": "x", "name": "t"}}'));
-- a kind the engine does not know
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc('{"widget x.w": {"kind": "widget"}}'));
-- grants on a kind that has none (and no schema to grant them in)
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,constraint x.t.t_b_check,grants}', '["PUBLIC=SELECT"]'));
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc(
    '{"trigger x.t.g": {"kind": "trigger", "relation": "table x.t", "name": "g", "definition": "CREATE TRIGGER", "enabled": "origin", "grants": ["r=SELECT"]}}'));
-- a type of a kind of type there is not (read an array at -1 before)
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,type x.mood,type}', '"shape"'));
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc('{"type x.z": {"kind": "type", "schema": "x", "name": "z", "type": "shape"}}'));
-- other enumerated values
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc(
    '{"trigger x.t.g": {"kind": "trigger", "relation": "table x.t", "name": "g", "definition": "CREATE TRIGGER", "enabled": "sometimes"}}'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,replica_identity}', '"x"'));
-- attributes of the wrong JSON type, or of another kind
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,type}', '42'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,not_null}', '"yes"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,position}', '"1"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,position}', '1e300'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,position}', '-3'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,grants}', '"postgres=SELECT"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,depends}', '["schema x", 7]'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,type x.mood,labels}', '[["sad"], "happy"]'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,query}', '"SELECT 1"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,labels}', '["a"]'));
-- a type has its own kind of type's attributes, an enum each label once
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,type x.mood,labels}', '["sad", "happy", "sad"]'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,type x.mood,base_type}', '"integer"'));
-- a grant's privilege goes into GRANT as it stands: it must be a privilege
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,grants}', '["postgres=SELECT ON x.t TO x; DROP TABLE x.t; GRANT SELECT"]'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,grants}', '["=SELECT"]'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,grants}', '["postgres"]'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,grants}', '["postgres=SELECT**"]'));
-- what an object names must be there, as what it must be
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.b,relation}', '"view x.v"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.b,relation}', '"type x.mood"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,constraint x.t.t_b_check,relation}', '"type x.mood"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,index x.t_pkey,relation}', '"view x.v"'));
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc(
    '{"table x.u": {"kind": "table", "schema": "x", "name": "u", "partition_of": "index x.t_pkey", "partition_bound": "DEFAULT"}}'));
-- a key that says another name than the object's own
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.b,name}', '"c"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,table x.t,schema}', '"public"'));
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc('{"table x.\"T\"": {"kind": "table", "schema": "x", "name": "t"}}'));
-- names that need quoting are keyed quoted, and pass
CREATE TABLE x."odd Name" ("Col 1" int, "select" int);
SELECT pg_temp.refused(:'real', migrate.schema());
DROP TABLE x."odd Name";
-- SQL in a document that does not parse: the object whose SQL it is is named
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.b,type}', '"/*text"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.b,type}', '""'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,constraint x.t.t_b_check,definition}', '"CHECK ((b <> ''''::text)"'));
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,view x.v,query}', '" SELECT a FROM x.t WHERE"'));
-- SQL that parses alone but ends in a comment, which takes in the semicolon
-- and the statement after it in the script (found by scripts/fuzz-documents.py:
-- a 42601 of the whole script before)
SELECT pg_temp.refused(:'real', jsonb_set(jsonb_set(:'real', '{objects,column x.t.a,default}', '"0--"'),
                                          '{objects,view x.v,comment}', '"v"'));
-- a new table keeps its replica identity (found by scripts/fuzz-semantic.py:
-- a table dropped and created again lost REPLICA IDENTITY FULL; one USING
-- INDEX is refused, as a change to it is)
CREATE TABLE x.ri (a int);
ALTER TABLE x.ri REPLICA IDENTITY FULL;
SELECT statement FROM migrate.diff(:'real', migrate.schema()) ORDER BY step;
ALTER TABLE x.ri ADD PRIMARY KEY (a), REPLICA IDENTITY USING INDEX ri_pkey;
SELECT pg_temp.refused(:'real', migrate.schema());
DROP TABLE x.ri;
-- an index of a materialized view, and a trigger and a rule of a view, are
-- dropped by themselves (found by scripts/fuzz-semantic.py: they were taken
-- to go with their view, which stays, and stayed too)
CREATE MATERIALIZED VIEW x.mv AS SELECT 1 AS one;
CREATE FUNCTION x.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
SELECT migrate.schema() AS before_parts \gset
CREATE INDEX mv_one ON x.mv (one);
CREATE TRIGGER v_del INSTEAD OF DELETE ON x.v FOR EACH ROW EXECUTE FUNCTION x.tf();
CREATE RULE v_ins AS ON INSERT TO x.v DO INSTEAD NOTHING;
SELECT statement FROM migrate.diff(migrate.schema(), :'before_parts') ORDER BY step;
DROP RULE v_ins ON x.v;
DROP FUNCTION x.tf() CASCADE;
DROP MATERIALIZED VIEW x.mv;
-- a column's new type that PostgreSQL has no cast to, from the old one, is
-- refused (found by scripts/fuzz-semantic.py: the script's USING a::time
-- could only fail)
SELECT pg_temp.refused(:'real', jsonb_set(:'real', '{objects,column x.t.a,type}', '"time without time zone"'));
-- so is one from an enum to another enum, which the script creates
CREATE TABLE x.e (m x.mood);
SELECT migrate.schema() AS with_e \gset
SELECT pg_temp.refused(:'with_e', jsonb_set(jsonb_set(:'with_e', '{objects,column x.e.m,type}', '"x.feeling"'),
    '{objects,type x.feeling}', '{"kind": "type", "schema": "x", "name": "feeling", "type": "enum", "labels": ["sad", "happy"]}'));
DROP TABLE x.e;
-- a sequence owned by a column changes owner with its table (found by
-- scripts/fuzz-semantic.py: an ALTER SEQUENCE ... OWNER TO of its own, which
-- PostgreSQL refuses)
CREATE TABLE x.s (id serial);
SELECT migrate.schema() AS with_s \gset
SELECT statement FROM migrate.diff(:'with_s',
    jsonb_set(jsonb_set(:'with_s', '{objects,table x.s}',
                        replace(:'with_s'::jsonb #>> '{objects,table x.s}', current_user, 'someone')::jsonb),
              '{objects,sequence x.s_id_seq}',
              replace(:'with_s'::jsonb #>> '{objects,sequence x.s_id_seq}', current_user, 'someone')::jsonb))
ORDER BY step;
DROP TABLE x.s;
-- an aggregate's grants change through GRANT ... ON FUNCTION (found by
-- scripts/fuzz-semantic.py: ON AGGREGATE, which GRANT does not have, was
-- taken for SQL of the document that does not parse)
CREATE AGGREGATE x.total(integer) (sfunc = int4pl, stype = integer, initcond = '0');
SELECT migrate.schema() AS with_agg \gset
REVOKE EXECUTE ON FUNCTION x.total(integer) FROM PUBLIC;
SELECT statement FROM migrate.diff(:'with_agg', migrate.schema()) ORDER BY step;
DROP AGGREGATE x.total(integer);
-- a document that is no document
SELECT pg_temp.refused(:'real', '{"version": 1e300, "objects": {}}');
SELECT pg_temp.refused(:'real', '{"version": 1, "objects": {"table x.t": 5}}');

-- a view on 30,000 columns, each named twice in its "depends": each
-- dependency once, read in linear time (each was searched for in the list
-- of those read before)
SELECT pg_temp.refused(pg_temp.doc('{}'), pg_temp.doc(
    (SELECT jsonb_object_agg('column x.t.c' || i, jsonb_build_object('kind', 'column', 'relation', 'table x.t',
                'name', 'c' || i, 'type', 'integer', 'position', 2 + i % 1000))
     FROM generate_series(1, 30000) i)
    || jsonb_build_object('view x.v', jsonb_build_object('kind', 'view', 'schema', 'x', 'name', 'v', 'query', 'SELECT 1',
           'depends', (SELECT jsonb_agg('column x.t.c' || (i % 30000 + 1)) FROM generate_series(1, 60000) i)))));

-- a chain of 150,000 materialized views each on the one before: a change
-- at its root rebuilds all of them, as deep as the chain; the stack is
-- checked on the way (it overflowed and crashed the server before)
CREATE TEMP TABLE chain AS
SELECT jsonb_object_agg('materialized view x.m' || i, jsonb_build_object('kind', 'materialized view', 'schema', 'x',
           'name', 'm' || i, 'query', 'SELECT 1',
           'depends', CASE WHEN i > 0 THEN jsonb_build_array('materialized view x.m' || (i - 1)) ELSE '[]' END)) AS objects
FROM generate_series(0, 150000) i;
SELECT left(pg_temp.refused(pg_temp.doc(objects),
                            pg_temp.doc(jsonb_set(objects, '{materialized view x.m0,query}', '"SELECT 2"'))), 40) AS deep
FROM chain;
SELECT 'the server is up' AS after_all;
