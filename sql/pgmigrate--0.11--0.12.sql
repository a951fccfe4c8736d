\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.12'" to load this file. \quit

-- pgmigrate 0.11 -> 0.12.
--
-- ---- Citus: a table's distribution is part of the schema document -------
--
-- Where Citus is installed, a table it distributes carries the attributes
-- "distribution" (README.md, "Running on Citus"): a reference table, or a
-- distributed one with its distribution column, its number of shards and
-- the group of tables it is colocated with (named by the group's first
-- key).  migrate.citus_distribution() reads Citus's metadata for
-- migrate.schema(); without Citus it returns no rows and the document does
-- not change.  migrate.schema() also hides Citus's shards itself, as
-- pgmigrate's own reads of it did: a session that shows them sees no shard
-- in the document.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;
CREATE FUNCTION migrate.citus_distribution()
RETURNS TABLE (relid oid, distribution text, distribution_column text, shard_count text,
               colocated_with text)
    AS 'MODULE_PATHNAME', 'pgmigrate_citus_distribution'
    LANGUAGE C STABLE;
COMMENT ON FUNCTION migrate.citus_distribution() IS
    'for migrate.schema(): the distribution of each table Citus distributes (no rows without Citus)';

CREATE OR REPLACE FUNCTION migrate.schema() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
    -- hash joins, whatever the catalogs' statistics say: right after a big
    -- migration they can be far off, and a nested loop over thousands of
    -- tables turns seconds into minutes (there is no correlated subquery
    -- with a join below, for the same reason); a merge join sorts what a
    -- hash join need not
    SET enable_nestloop = off
    SET enable_mergejoin = off
    -- the sorts and hashes of a schema of 10,000 tables stay in memory
    SET work_mem = '64MB'
    -- on Citus, never its shards, whatever the session asked to see
    SET citus.show_shards_for_app_name_prefixes = ''
    SET citus.override_table_visibility = on
AS $schema$
WITH nsp AS (
    SELECT n.oid, n.nspname, n.nspowner, coalesce(n.nspacl, acldefault('n'::"char", n.nspowner)) AS acl
    FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass
                                                AND d.objid = n.oid AND d.deptype = 'e')
      /*scoped AND n.oid = ANY($namespaces) */),
rel AS (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relacl, c.relowner, c.reloptions,
           c.relrowsecurity, c.relforcerowsecurity, c.relispartition, c.relispopulated,
           c.relreplident, c.relpartbound, n.nspname,
           coalesce(c.relacl, acldefault((CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)) AS acl,
           c.reltype, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname,
           CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view '
                WHEN 'm' THEN 'materialized view ' WHEN 'S' THEN 'sequence ' WHEN 'f' THEN 'foreign table '
                WHEN 'c' THEN 'type ' ELSE 'index ' END
           || quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS key
    FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I')
      /*scoped AND c.oid = ANY($relations) */
      -- not what belongs to an extension, nor an identity column's sequence (it comes with the column)
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                        AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype = 'i'
                                                 AND d.refclassid = 'pg_class'::regclass)))
      -- nor a composite type an extension brings (its pg_type row is the member)
      AND NOT (c.relkind = 'c' AND EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                              AND d.objid = c.reltype AND d.deptype = 'e'))),
col AS (
    SELECT r.oid AS relid, r.key AS relkey, r.relkind, r.relname, a.attnum, a.attname, a.atttypid, a.atttypmod,
           a.attnotnull, a.attidentity, a.attgenerated, a.attcollation, a.attacl, a.attislocal,
           a.attinhcount, t.typcollation,
           'column ' || r.qname || '.' || quote_ident(a.attname) AS key,
           rank() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS position
    FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid
    JOIN pg_type t ON t.oid = a.atttypid
    WHERE r.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND a.attnum > 0 AND NOT a.attisdropped),
con AS (
    SELECT c.oid, c.conname, c.contype, c.convalidated, c.conislocal, c.coninhcount, c.conrelid,
           c.contypid, c.conparentid,
           coalesce(r.key, 'type ' || quote_ident(tn.nspname) || '.' || quote_ident(t.typname)) AS relkey,
           'constraint ' || coalesce(r.qname, quote_ident(tn.nspname) || '.' || quote_ident(t.typname))
           || '.' || quote_ident(c.conname) AS key
    FROM pg_constraint c JOIN nsp n ON n.oid = c.connamespace
    LEFT JOIN rel r ON r.oid = c.conrelid
    LEFT JOIN pg_type t ON t.oid = c.contypid AND c.conrelid = 0
    LEFT JOIN pg_namespace tn ON tn.oid = t.typnamespace
    WHERE c.contype <> 't' AND (r.oid IS NOT NULL OR t.oid IS NOT NULL)
      /*scoped AND c.oid IN (SELECT x.oid FROM pg_constraint x WHERE x.conrelid = ANY($relations)
                             UNION ALL SELECT x.oid FROM pg_constraint x WHERE x.contypid = ANY($types)) */
      -- not a column's not-null constraint, which PostgreSQL 18 keeps here
      -- too, under a name of its own choosing: the column's "not null" says
      -- it, as on every version before
      AND c.contype <> 'n'
      -- not the clones of a foreign key that PostgreSQL keeps on the same
      -- table, one per partition of the table it references: they come and
      -- go with the foreign key, under names of PostgreSQL's choosing
      AND NOT EXISTS (SELECT FROM pg_constraint pc WHERE pc.oid = c.conparentid
                                                     AND pc.conrelid = c.conrelid)),
fun AS (
    SELECT p.oid, p.prokind, n.nspname, p.proname, p.proowner, p.prolang, p.proparallel,
           coalesce(p.proacl, acldefault('f'::"char", p.proowner)) AS acl,
           p.provolatile, p.proisstrict, p.prosecdef, p.proconfig,
           pg_get_function_identity_arguments(p.oid) AS identity,
           CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate ' ELSE 'function ' END
           || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
           || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key
    FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
    -- not what belongs to an extension, nor the constructors of a range type (they come with it)
    WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                        AND (d.deptype = 'e' OR (d.deptype = 'i' AND d.refclassid = 'pg_type'::regclass)))
      /*scoped AND p.oid = ANY($functions) */),
typ AS (
    SELECT t.oid, t.typname, t.typtype, t.typowner, t.typbasetype, t.typtypmod,
           coalesce(t.typacl, acldefault('T'::"char", t.typowner)) AS acl,
           t.typnotnull, t.typdefault, t.typcollation, t.typrelid, n.nspname,
           'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS key
    FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
    LEFT JOIN pg_class r ON r.oid = t.typrelid
    WHERE t.typtype IN ('e', 'd', 'r', 'b', 'c') AND t.typisdefined
      /*scoped AND t.oid = ANY($types) */
      AND (t.typtype <> 'c' OR r.relkind = 'c')
      AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                                                AND d.objid = t.oid AND d.deptype = 'e')),
trg AS (
    SELECT tg.oid, tg.tgname, tg.tgenabled, tg.tgparentid, r.key AS relkey,
           'trigger ' || r.qname || '.' || quote_ident(tg.tgname) AS key
    FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal),
pol AS (
    SELECT p.*, r.key AS relkey, 'policy ' || r.qname || '.' || quote_ident(p.polname) AS key
    FROM pg_policy p JOIN rel r ON r.oid = p.polrelid),
idseq AS (                  -- the sequences of identity columns
    SELECT d.refobjid AS relid, d.refobjsubid AS attnum,
           format('INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE',
                  s.seqincrement, s.seqmin, s.seqmax, s.seqstart, s.seqcache,
                  CASE WHEN s.seqcycle THEN '' ELSE 'NO ' END) AS options
    FROM pg_depend d JOIN pg_sequence s ON s.seqrelid = d.objid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype = 'i' AND d.refobjsubid > 0
      /*scoped AND d.refobjid = ANY($relations) */),
inh AS (
    SELECT i.inhrelid, jsonb_agg('table ' || quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
                                 ORDER BY i.inhseqno) AS parents
    FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
    JOIN pg_namespace pn ON pn.oid = pc.relnamespace
    /*scoped WHERE i.inhrelid = ANY($relations) */
    GROUP BY i.inhrelid),
rul AS (
    SELECT w.oid, w.rulename, w.ev_enabled, r.key AS relkey,
           'rule ' || r.qname || '.' || quote_ident(w.rulename) AS key
    FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename <> '_RETURN'),
opr AS (
    SELECT o.oid, o.oprname, o.oprowner, n.nspname,
           quote_ident(n.nspname) || '.' || o.oprname || '(' ||
           coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE') || ', ' || format_type(o.oprright, NULL) || ')'
           AS signature
    FROM pg_operator o JOIN nsp n ON n.oid = o.oprnamespace
    WHERE o.oprcode <> 0          -- not a shell that a COMMUTATOR or NEGATOR made
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_operator'::regclass
                                                AND d.objid = o.oid AND d.deptype = 'e')
      /*scoped AND o.oid = ANY($operators) */),
cst AS (
    SELECT c.oid, '(' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')' AS signature
    FROM pg_cast c
    WHERE c.oid >= 16384
      -- not what an extension brings, nor the casts a range type makes to its multirange
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_cast'::regclass
                                                AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
      /*scoped AND c.oid = ANY($casts) */),
trf AS (
    SELECT t.oid, t.trftype, t.trffromsql, t.trftosql, l.lanname,
           'FOR ' || format_type(t.trftype, NULL) || ' LANGUAGE ' || quote_ident(l.lanname) AS signature
    FROM pg_transform t JOIN pg_language l ON l.oid = t.trflang
    WHERE t.oid >= 16384
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_transform'::regclass
                                                AND d.objid = t.oid AND d.deptype = 'e')
      /*scoped AND t.oid = ANY($transforms) */),
-- the tables Citus distributes (none where Citus is not installed)
dist AS (
    SELECT d.relid, d.distribution, d.distribution_column, d.shard_count, d.colocated_with
    FROM migrate.citus_distribution() d),
xtn AS (
    SELECT e.oid, e.extname, e.extversion, n.nspname, 'extension ' || quote_ident(e.extname) AS key
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'pgmigrate'
      /*scoped AND e.oid = ANY($extensions) */),
-- the grants of each distinct ACL, as the document writes them: the
-- effective privileges ("role=PRIVILEGE", "*" when grantable, the owner's
-- defaults spelt out for a NULL ACL) in byte order.  Most objects share a
-- few ACLs, so each is spelt out once.
grants (acl, grants) AS (
    SELECT a.acl, (SELECT jsonb_agg(g ORDER BY g COLLATE "C") FROM (
                       SELECT CASE WHEN x.grantee = 0 THEN 'PUBLIC'
                                   -- a role named "PUBLIC", or whose name begins with ", quoted
                                   WHEN pg_get_userbyid(x.grantee) = 'PUBLIC' OR pg_get_userbyid(x.grantee) LIKE '"%'
                                   THEN quote_ident(pg_get_userbyid(x.grantee))
                                   ELSE pg_get_userbyid(x.grantee)::text END
                              || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
                       FROM aclexplode(a.acl) x) g (g))
    FROM (SELECT acl FROM nsp UNION SELECT acl FROM rel UNION SELECT attacl FROM col WHERE attacl IS NOT NULL
          UNION SELECT acl FROM fun UNION SELECT acl FROM typ) a (acl)),
-- which key each catalog entry that pg_depend names belongs to
ids (classid, objid, objsubid, key) AS (
    SELECT 'pg_namespace'::regclass, oid, 0, 'schema ' || quote_ident(nspname) FROM nsp
    UNION ALL SELECT 'pg_class'::regclass, oid, 0, key FROM rel
    UNION ALL SELECT 'pg_class'::regclass, relid, attnum, key FROM col
    UNION ALL SELECT 'pg_type'::regclass, oid, 0, key FROM typ
    UNION ALL SELECT 'pg_type'::regclass, r.reltype, 0, r.key   -- row types of relations
              FROM rel r WHERE r.relkind <> 'c' AND r.reltype <> 0
    UNION ALL SELECT 'pg_type'::regclass, a.oid, 0, e.key       -- array types
              FROM (SELECT oid, key FROM typ UNION ALL SELECT reltype, key FROM rel WHERE reltype <> 0) e
              JOIN pg_type el ON el.oid = e.oid JOIN pg_type a ON a.oid = el.typarray AND a.typcategory = 'A'
    UNION ALL SELECT 'pg_constraint'::regclass, oid, 0, key FROM con
    UNION ALL SELECT 'pg_proc'::regclass, oid, 0, key FROM fun
    UNION ALL SELECT 'pg_trigger'::regclass, oid, 0, key FROM trg
    UNION ALL SELECT 'pg_policy'::regclass, oid, 0, key FROM pol
    UNION ALL SELECT 'pg_rewrite'::regclass, oid, 0, key FROM rul
    UNION ALL SELECT 'pg_extension'::regclass, oid, 0, key FROM xtn
    UNION ALL SELECT 'pg_operator'::regclass, oid, 0, 'operator ' || signature FROM opr
    UNION ALL SELECT 'pg_cast'::regclass, oid, 0, 'cast ' || signature FROM cst
    UNION ALL SELECT 'pg_transform'::regclass, oid, 0, 'transform ' || signature FROM trf
    UNION ALL SELECT d.classid, d.objid, 0, x.key               -- what an extension brings
              FROM pg_depend d JOIN xtn x ON x.oid = d.refobjid
              WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
    UNION ALL SELECT 'pg_rewrite'::regclass, w.oid, 0, r.key
              FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename = '_RETURN'
    UNION ALL SELECT 'pg_attrdef'::regclass, d.oid, 0, c.key
              FROM pg_attrdef d JOIN col c ON c.relid = d.adrelid AND c.attnum = d.adnum),
-- each dependency between two objects, as the pair of their keys
deps (key, depends_on) AS (
    SELECT o.key, r.key
    FROM pg_depend d
    JOIN ids o ON o.classid = d.classid AND o.objid = d.objid AND o.objsubid = d.objsubid
    JOIN ids r ON r.classid = d.refclassid AND r.objid = d.refobjid AND r.objsubid = d.refobjsubid
    WHERE d.deptype NOT IN ('e', 'x') AND d.objid >= 16384 AND o.key <> r.key
      -- a serial's sequence is owned by its column, which depends on it
      AND NOT (d.deptype = 'a' AND o.key LIKE 'sequence %' AND r.key LIKE 'column %')),
objects (key, doc) AS (
    -- schemas
    SELECT 'schema ' || quote_ident(nsp.nspname),
           migrate.schema_object('kind', 'schema', 'name', nsp.nspname, 'owner', pg_get_userbyid(nsp.nspowner),
               'grants', nga.grants,
               'comment', ds.description)
    FROM nsp LEFT JOIN grants nga ON nga.acl = nsp.acl
    LEFT JOIN pg_description ds
      ON ds.objoid = nsp.oid AND ds.classoid = 'pg_namespace'::regclass AND ds.objsubid = 0
    -- tables, views, materialized views, sequences, foreign tables
    UNION ALL
    SELECT r.key,
           migrate.schema_object('kind', rtrim(split_part(r.key, ' ', 1) ||
                                     CASE r.relkind WHEN 'm' THEN ' view' WHEN 'f' THEN ' table' ELSE '' END),
               'schema', r.nspname, 'name', r.relname, 'owner', pg_get_userbyid(r.relowner),
               'grants', rga.grants,
               'comment', ds.description,
               -- tables and foreign tables
               'partitioned', CASE WHEN r.relkind = 'p' THEN true END,
               'unlogged', CASE WHEN r.relkind IN ('r', 'p', 'f') AND r.relpersistence = 'u' THEN true END,
               'options', CASE WHEN r.relkind <> 'S' THEN to_jsonb(r.reloptions) END,
               'row_security', CASE WHEN r.relkind IN ('r', 'p', 'f') AND r.relrowsecurity THEN true END,
               'force_row_security', CASE WHEN r.relkind IN ('r', 'p', 'f') AND r.relforcerowsecurity THEN true END,
               'replica_identity', CASE WHEN r.relkind IN ('r', 'p', 'f') AND r.relreplident <> 'd'
                                        THEN r.relreplident::text END,
               'partition_key', CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
               'partition_of', CASE WHEN r.relkind IN ('r', 'p', 'f') THEN pr.key END,
               'partition_bound', CASE WHEN r.relkind IN ('r', 'p', 'f') AND r.relispartition
                                       THEN pg_get_expr(r.relpartbound, r.oid) END,
               'inherits', CASE WHEN r.relkind IN ('r', 'p', 'f') AND NOT r.relispartition THEN ih.parents END,
               'server', CASE WHEN r.relkind IN ('r', 'p', 'f') THEN srv.srvname END,
               -- Citus's tables
               'distribution', dd.distribution, 'distribution_column', dd.distribution_column,
               'shard_count', dd.shard_count, 'colocated_with', dd.colocated_with,
               -- views and materialized views
               'query', CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid) END,
               'populated', CASE WHEN r.relkind = 'm' THEN r.relispopulated END,
               -- sequences
               'type', CASE WHEN r.relkind = 'S' THEN format_type(sq.seqtypid, NULL) END,
               'start', sq.seqstart::text, 'increment', sq.seqincrement::text,
               'min', sq.seqmin::text, 'max', sq.seqmax::text, 'cache', sq.seqcache::text,
               'cycle', CASE WHEN sq.seqcycle THEN true END,
               'owned_by', oc.key)
    FROM rel r
    LEFT JOIN grants rga ON rga.acl = r.acl
    LEFT JOIN pg_description ds ON ds.objoid = r.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
    LEFT JOIN pg_inherits pi ON pi.inhrelid = r.oid AND r.relispartition
    LEFT JOIN rel pr ON pr.oid = pi.inhparent
    LEFT JOIN pg_sequence sq ON sq.seqrelid = r.oid
    LEFT JOIN pg_depend od ON r.relkind = 'S' AND od.classid = 'pg_class'::regclass AND od.objid = r.oid
                          AND od.refclassid = 'pg_class'::regclass AND od.deptype = 'a'
    LEFT JOIN col oc ON oc.relid = od.refobjid AND oc.attnum = od.refobjsubid
    LEFT JOIN inh ih ON ih.inhrelid = r.oid
    LEFT JOIN pg_foreign_table ft ON ft.ftrelid = r.oid
    LEFT JOIN pg_foreign_server srv ON srv.oid = ft.ftserver
    LEFT JOIN dist dd ON dd.relid = r.oid
    WHERE r.relkind NOT IN ('i', 'I', 'c')
    -- columns of tables, views, foreign tables and composite types
    UNION ALL
    SELECT c.key,
           migrate.schema_object('kind', 'column', 'relation', c.relkey, 'name', c.attname,
               'type', format_type(c.atttypid, c.atttypmod),
               'not_null', CASE WHEN c.attnotnull THEN true END,
               -- its NOT NULL constraint (PostgreSQL 18), where it is not
               -- what a plain NOT NULL makes: named otherwise than
               -- <table>_<column>_not_null, NOT VALID, NO INHERIT
               'not_null_name', CASE WHEN nn.conname <> c.relname || '_' || c.attname || '_not_null'
                                     THEN nn.conname::text END,
               'not_null_valid', CASE WHEN NOT nn.convalidated THEN false END,
               'not_null_no_inherit', CASE WHEN nn.connoinherit THEN true END,
               'default', CASE WHEN c.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
               'generated', CASE WHEN c.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
               'virtual', CASE WHEN c.attgenerated = 'v' THEN true END,
               'identity', CASE c.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
               'identity_options', idq.options,
               'collation', quote_ident(cn.nspname) || '.' || quote_ident(co.collname),
               'grants', cga.grants,
               'inherited', CASE WHEN c.attinhcount > 0 THEN true END,
               'local', CASE WHEN c.attinhcount > 0 THEN c.attislocal END,
               'position', c.position,
               'comment', ds.description)
    FROM col c LEFT JOIN pg_attrdef d ON d.adrelid = c.relid AND d.adnum = c.attnum
    LEFT JOIN pg_constraint nn ON nn.conrelid = c.relid AND nn.contype = 'n' AND nn.conkey = ARRAY[c.attnum]
    LEFT JOIN grants cga ON cga.acl = c.attacl
    LEFT JOIN idseq idq ON c.attidentity <> '' AND idq.relid = c.relid AND idq.attnum = c.attnum
    LEFT JOIN pg_collation co ON co.oid = c.attcollation AND c.attcollation <> c.typcollation
    LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
    LEFT JOIN pg_description ds ON ds.objoid = c.relid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = c.attnum
    -- indexes
    UNION ALL
    SELECT r.key,
           migrate.schema_object('kind', 'index', 'schema', r.nspname, 'name', r.relname,
               'relation', t.key,
               -- the index of a constraint is the constraint's definition
               'definition', CASE WHEN pc.oid IS NULL THEN pg_get_indexdef(r.oid) END,
               'valid', CASE WHEN NOT i.indisvalid THEN false END,
               'constraint', 'constraint ' || t.qname || '.' || quote_ident(pc.conname),
               'partition_of', p.key,
               'comment', ds.description)
    FROM rel r JOIN pg_index i ON i.indexrelid = r.oid
    JOIN rel t ON t.oid = i.indrelid
    LEFT JOIN pg_constraint pc ON pc.conindid = r.oid AND pc.conrelid = i.indrelid AND pc.contype IN ('p', 'u', 'x')
    LEFT JOIN pg_inherits h ON h.inhrelid = r.oid
    LEFT JOIN rel p ON p.oid = h.inhparent
    LEFT JOIN pg_description ds ON ds.objoid = r.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
    WHERE r.relkind IN ('i', 'I')
    -- table and domain constraints
    UNION ALL
    SELECT c.key,
           migrate.schema_object('kind', 'constraint', 'relation', c.relkey, 'name', c.conname,
               'type', CASE c.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'
                       WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion'
                       ELSE c.contype::text END,
               'definition', pg_get_constraintdef(c.oid),
               'valid', CASE WHEN NOT c.convalidated THEN false END,
               'inherited', CASE WHEN c.coninhcount > 0 OR c.conparentid <> 0 THEN true END,
               'local', CASE WHEN c.coninhcount > 0 OR c.conparentid <> 0 THEN c.conislocal END,
               'parent', pcon.key,
               'comment', ds.description)
    FROM con c
    LEFT JOIN con pcon ON pcon.oid = c.conparentid AND c.conparentid <> 0
    LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_constraint'::regclass AND ds.objsubid = 0
    -- functions, procedures and aggregates
    UNION ALL
    SELECT f.key,
           migrate.schema_object('kind', rtrim(split_part(f.key, ' ', 1)), 'schema', f.nspname, 'name', f.proname,
               'identity_arguments', f.identity,
               'arguments', pg_get_function_arguments(f.oid),
               'returns', pg_get_function_result(f.oid),
               'language', l.lanname,
               'volatility', CASE f.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
               'strict', CASE WHEN f.proisstrict THEN true END,
               'security_definer', CASE WHEN f.prosecdef THEN true END,
               'settings', to_jsonb(f.proconfig),
               -- an aggregate's CREATE AGGREGATE, which the server does not write
               'definition', CASE WHEN f.prokind <> 'a' THEN pg_get_functiondef(f.oid) ELSE
                   format('CREATE AGGREGATE %s.%s(%s) (%s)', quote_ident(f.nspname), quote_ident(f.proname),
                          coalesce(nullif(pg_get_function_arguments(f.oid), ''), '*'),
                          concat_ws(', ',
                              'SFUNC = ' || ag.aggtransfn::regproc::text,
                              'STYPE = ' || format_type(ag.aggtranstype, NULL),
                              'SSPACE = ' || nullif(ag.aggtransspace, 0),
                              'FINALFUNC = ' || nullif(ag.aggfinalfn, 0)::regproc::text,
                              CASE WHEN ag.aggfinalextra THEN 'FINALFUNC_EXTRA' END,
                              CASE WHEN ag.aggfinalfn <> 0 THEN 'FINALFUNC_MODIFY = ' ||
                                   CASE ag.aggfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE'
                                        ELSE 'READ_WRITE' END END,
                              'COMBINEFUNC = ' || nullif(ag.aggcombinefn, 0)::regproc::text,
                              'SERIALFUNC = ' || nullif(ag.aggserialfn, 0)::regproc::text,
                              'DESERIALFUNC = ' || nullif(ag.aggdeserialfn, 0)::regproc::text,
                              'INITCOND = ' || quote_literal(ag.agginitval),
                              'MSFUNC = ' || nullif(ag.aggmtransfn, 0)::regproc::text,
                              'MINVFUNC = ' || nullif(ag.aggminvtransfn, 0)::regproc::text,
                              'MSTYPE = ' || format_type(nullif(ag.aggmtranstype, 0), NULL),
                              'MSSPACE = ' || nullif(ag.aggmtransspace, 0),
                              'MFINALFUNC = ' || nullif(ag.aggmfinalfn, 0)::regproc::text,
                              CASE WHEN ag.aggmfinalextra THEN 'MFINALFUNC_EXTRA' END,
                              CASE WHEN ag.aggmfinalfn <> 0 THEN 'MFINALFUNC_MODIFY = ' ||
                                   CASE ag.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY' WHEN 's' THEN 'SHAREABLE'
                                        ELSE 'READ_WRITE' END END,
                              'MINITCOND = ' || quote_literal(ag.aggminitval),
                              'SORTOP = OPERATOR(' || quote_ident(sopn.nspname) || '.' || sop.oprname || ')',
                              'PARALLEL = ' || CASE f.proparallel WHEN 's' THEN 'SAFE' WHEN 'r' THEN 'RESTRICTED'
                                                    ELSE 'UNSAFE' END,
                              CASE WHEN ag.aggkind = 'h' THEN 'HYPOTHETICAL' END)) END,
               'owner', pg_get_userbyid(f.proowner),
               'grants', fga.grants,
               'comment', ds.description)
    FROM fun f JOIN pg_language l ON l.oid = f.prolang
    LEFT JOIN grants fga ON fga.acl = f.acl
    LEFT JOIN pg_aggregate ag ON ag.aggfnoid = f.oid
    LEFT JOIN pg_operator sop ON sop.oid = ag.aggsortop
    LEFT JOIN pg_namespace sopn ON sopn.oid = sop.oprnamespace
    LEFT JOIN pg_description ds ON ds.objoid = f.oid AND ds.classoid = 'pg_proc'::regclass AND ds.objsubid = 0
    -- enums, domains, ranges, composite and base types
    UNION ALL
    SELECT t.key,
           migrate.schema_object('kind', 'type', 'schema', t.nspname, 'name', t.typname,
               'type', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range'
                       WHEN 'c' THEN 'composite' ELSE 'base' END,
               'owner', pg_get_userbyid(t.typowner),
               'grants', tga.grants,
               'comment', ds.description)
           || CASE t.typtype
                WHEN 'e' THEN migrate.schema_object('labels',
                    (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
                WHEN 'd' THEN migrate.schema_object('base_type', format_type(t.typbasetype, t.typtypmod),
                    'not_null', CASE WHEN t.typnotnull THEN true END,
                    -- its NOT NULL constraint's name (PostgreSQL 17 on) when not <domain>_not_null
                    'not_null_name', CASE WHEN dn.conname <> t.typname || '_not_null' THEN dn.conname::text END,
                    'default', t.typdefault,
                    'collation', quote_ident(dcn.nspname) || '.' || quote_ident(dco.collname))
                -- a base type's CREATE TYPE, which the server does not write
                WHEN 'b' THEN migrate.schema_object('definition', format('CREATE TYPE %s.%s (%s)',
                    quote_ident(t.nspname), quote_ident(t.typname), concat_ws(', ',
                        'INPUT = ' || tb.typinput::regproc::text,
                        'OUTPUT = ' || tb.typoutput::regproc::text,
                        'RECEIVE = ' || nullif(tb.typreceive, 0)::regproc::text,
                        'SEND = ' || nullif(tb.typsend, 0)::regproc::text,
                        'TYPMOD_IN = ' || nullif(tb.typmodin, 0)::regproc::text,
                        'TYPMOD_OUT = ' || nullif(tb.typmodout, 0)::regproc::text,
                        'ANALYZE = ' || nullif(tb.typanalyze, 0)::regproc::text,
                        'SUBSCRIPT = ' || nullif(tb.typsubscript, 0)::regproc::text,
                        'INTERNALLENGTH = ' || CASE WHEN tb.typlen = -1 THEN 'VARIABLE' ELSE tb.typlen::text END,
                        CASE WHEN tb.typbyval THEN 'PASSEDBYVALUE' END,
                        'ALIGNMENT = ' || CASE tb.typalign WHEN 'c' THEN 'char' WHEN 's' THEN 'int2'
                                               WHEN 'i' THEN 'int4' ELSE 'double' END,
                        'STORAGE = ' || CASE tb.typstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external'
                                             WHEN 'm' THEN 'main' ELSE 'extended' END,
                        'CATEGORY = ' || quote_literal(tb.typcategory::text),
                        CASE WHEN tb.typispreferred THEN 'PREFERRED = true' END,
                        'DEFAULT = ' || quote_literal(tb.typdefault),
                        'ELEMENT = ' || format_type(nullif(tb.typelem, 0), NULL),
                        'DELIMITER = ' || quote_literal(tb.typdelim::text),
                        CASE WHEN tb.typcollation <> 0 THEN 'COLLATABLE = true' END)))
                WHEN 'r' THEN migrate.schema_object('subtype', format_type(g.rngsubtype, NULL),
                    'subtype_opclass', quote_ident(ocn.nspname) || '.' || quote_ident(oc.opcname),
                    'collation', CASE WHEN g.rngcollation <> 0 AND g.rngcollation <>
                                           (SELECT typcollation FROM pg_type WHERE oid = g.rngsubtype)
                                      THEN g.rngcollation::regcollation::text END,
                    'canonical', nullif(g.rngcanonical, 0)::regproc::text,
                    'subtype_diff', nullif(g.rngsubdiff, 0)::regproc::text,
                    'multirange', quote_ident(mn.nspname) || '.' || quote_ident(m.typname))
                ELSE '{}'::jsonb END
    FROM typ t
    LEFT JOIN grants tga ON tga.acl = t.acl
    LEFT JOIN pg_type tb ON tb.oid = t.oid AND t.typtype = 'b'
    LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
    LEFT JOIN pg_constraint dn ON t.typtype = 'd' AND dn.contypid = t.oid AND dn.contype = 'n'
    LEFT JOIN pg_collation dco ON t.typtype = 'd' AND dco.oid = t.typcollation AND t.typcollation <> bt.typcollation
    LEFT JOIN pg_namespace dcn ON dcn.oid = dco.collnamespace
    LEFT JOIN pg_range g ON g.rngtypid = t.oid
    LEFT JOIN pg_opclass oc ON oc.oid = g.rngsubopc AND NOT oc.opcdefault
    LEFT JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace
    LEFT JOIN pg_type m ON m.oid = g.rngmultitypid
    LEFT JOIN pg_namespace mn ON mn.oid = m.typnamespace
    LEFT JOIN pg_description ds ON ds.objsubid = 0
         AND ds.objoid = CASE WHEN t.typtype = 'c' THEN t.typrelid ELSE t.oid END
         AND ds.classoid = CASE WHEN t.typtype = 'c' THEN 'pg_class'::regclass ELSE 'pg_type'::regclass END
    -- triggers
    UNION ALL
    SELECT g.key,
           migrate.schema_object('kind', 'trigger', 'relation', g.relkey, 'name', g.tgname,
               'definition', pg_get_triggerdef(g.oid),
               'enabled', CASE g.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled'
                          WHEN 'R' THEN 'replica' ELSE 'always' END,
               'inherited', CASE WHEN g.tgparentid <> 0 THEN true END,
               'comment', ds.description)
    FROM trg g
    LEFT JOIN pg_description ds ON ds.objoid = g.oid AND ds.classoid = 'pg_trigger'::regclass AND ds.objsubid = 0
    -- row security policies
    UNION ALL
    SELECT p.key,
           migrate.schema_object('kind', 'policy', 'relation', p.relkey, 'name', p.polname,
               'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                          WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
               'permissive', p.polpermissive,
               'roles', (SELECT jsonb_agg(r ORDER BY r COLLATE "C") FROM (
                             SELECT CASE WHEN x = 0 THEN 'PUBLIC'
                                         -- as in "grants"
                                         WHEN pg_get_userbyid(x) = 'PUBLIC' OR pg_get_userbyid(x) LIKE '"%'
                                         THEN quote_ident(pg_get_userbyid(x))
                                         ELSE pg_get_userbyid(x)::text END
                             FROM unnest(p.polroles) AS x) rr (r)),
               'using', pg_get_expr(p.polqual, p.polrelid),
               'with_check', pg_get_expr(p.polwithcheck, p.polrelid),
               'comment', ds.description)
    FROM pol p
    LEFT JOIN pg_description ds ON ds.objoid = p.oid AND ds.classoid = 'pg_policy'::regclass AND ds.objsubid = 0
    -- rules, but the ones that make views
    UNION ALL
    SELECT w.key,
           migrate.schema_object('kind', 'rule', 'relation', w.relkey, 'name', w.rulename,
               'definition', pg_get_ruledef(w.oid),
               'enabled', CASE w.ev_enabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled'
                          WHEN 'R' THEN 'replica' ELSE 'always' END,
               'comment', ds.description)
    FROM rul w
    LEFT JOIN pg_description ds ON ds.objoid = w.oid AND ds.classoid = 'pg_rewrite'::regclass AND ds.objsubid = 0
    -- operators, with the CREATE OPERATOR the server does not write
    UNION ALL
    SELECT 'operator ' || o.signature,
           migrate.schema_object('kind', 'operator', 'schema', o.nspname, 'name', o.oprname,
               'signature', o.signature, 'owner', pg_get_userbyid(o.oprowner),
               'definition', format('CREATE OPERATOR %s.%s (%s)', quote_ident(o.nspname), o.oprname, concat_ws(', ',
                   'FUNCTION = ' || po.oprcode::regprocedure::text,
                   'LEFTARG = ' || format_type(nullif(po.oprleft, 0), NULL),
                   'RIGHTARG = ' || format_type(po.oprright, NULL),
                   'COMMUTATOR = OPERATOR(' || quote_ident(comn.nspname) || '.' || com.oprname || ')',
                   'NEGATOR = OPERATOR(' || quote_ident(negn.nspname) || '.' || neg.oprname || ')',
                   'RESTRICT = ' || nullif(po.oprrest, 0)::regprocedure::text,
                   'JOIN = ' || nullif(po.oprjoin, 0)::regprocedure::text,
                   CASE WHEN po.oprcanhash THEN 'HASHES' END,
                   CASE WHEN po.oprcanmerge THEN 'MERGES' END)),
               'comment', ds.description)
    FROM opr o JOIN pg_operator po ON po.oid = o.oid
    LEFT JOIN pg_operator com ON com.oid = po.oprcom
    LEFT JOIN pg_namespace comn ON comn.oid = com.oprnamespace
    LEFT JOIN pg_operator neg ON neg.oid = po.oprnegate
    LEFT JOIN pg_namespace negn ON negn.oid = neg.oprnamespace
    LEFT JOIN pg_description ds ON ds.objoid = o.oid AND ds.classoid = 'pg_operator'::regclass AND ds.objsubid = 0
    -- casts that involve a user type or function
    UNION ALL
    SELECT 'cast ' || c.signature,
           migrate.schema_object('kind', 'cast', 'signature', c.signature,
               'definition', format('CREATE CAST %s %s%s', c.signature,
                   CASE pc.castmethod WHEN 'f' THEN 'WITH FUNCTION ' || pc.castfunc::regprocedure::text
                        WHEN 'i' THEN 'WITH INOUT' ELSE 'WITHOUT FUNCTION' END,
                   CASE pc.castcontext WHEN 'a' THEN ' AS ASSIGNMENT' WHEN 'i' THEN ' AS IMPLICIT' ELSE '' END),
               'comment', ds.description)
    FROM cst c JOIN pg_cast pc ON pc.oid = c.oid
    LEFT JOIN pg_description ds ON ds.objoid = c.oid AND ds.classoid = 'pg_cast'::regclass AND ds.objsubid = 0
    -- transforms (a function declared TRANSFORM FOR TYPE needs its transform)
    UNION ALL
    SELECT 'transform ' || t.signature,
           migrate.schema_object('kind', 'transform', 'signature', t.signature,
               'definition', format('CREATE TRANSFORM %s (%s)', t.signature,
                   concat_ws(', ', 'FROM SQL WITH FUNCTION ' || nullif(t.trffromsql, 0)::regprocedure::text,
                             'TO SQL WITH FUNCTION ' || nullif(t.trftosql, 0)::regprocedure::text)),
               'comment', ds.description)
    FROM trf t
    LEFT JOIN pg_description ds ON ds.objoid = t.oid AND ds.classoid = 'pg_transform'::regclass AND ds.objsubid = 0
    -- extensions, but pgmigrate itself
    UNION ALL
    SELECT x.key, migrate.schema_object('kind', 'extension', 'name', x.extname, 'version', x.extversion,
                                     'schema', x.nspname)
    FROM xtn x
)
-- the document: every object without its nulls, with the keys it depends on
-- (the aggregate is C, in document.c: jsonb_object_agg() would unpack every
-- object and pack them all again)
SELECT migrate.schema_document(x.key, x.doc, x.depends_on)
FROM (SELECT key, doc, NULL::text AS depends_on FROM objects
      UNION ALL
      SELECT key, NULL, depends_on FROM deps) x
$schema$;
