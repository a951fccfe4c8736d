\echo Use "ALTER EXTENSION pgmigrate UPDATE TO '0.4'" to load this file. \quit

-- pgmigrate 0.3 -> 0.4.
--
-- 0.4 makes the schema data: migrate.schema() returns the user schemas as a
-- jsonb document, stored snapshots become such documents, and
-- migrate.diff() turns one document into another with DDL (the diff
-- engine, in C).  migrate.compare() says what differs between two
-- documents, as drift() does between the last snapshot and the live schema.
--
-- Snapshots stored by 0.3 were lines of text with other attributes than
-- 0.4's documents: they cannot be turned into documents that compare
-- truthfully with a live schema.  The update keeps each one, as text, in
-- the column legacy_snapshot, sets its document to NULL, and records a
-- fresh snapshot of the schema as it is now (action "upgrade"); drift()
-- compares with that one.  Drift that existed before the update is
-- therefore absorbed by it: run migrate.drift() before updating.
--
-- As every DDL statement, the update goes through the guard: run it as the
-- README says, SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE;
-- RESET pgmigrate.guard;

-- The document.  Every object of the user schemas (all but pg_catalog,
-- information_schema, migrate, pg_toast and temporary schemas, and not what
-- belongs to an extension) under a key "<kind> <qualified name>", with its
-- attributes, its definition in the server's own words where the server
-- has one, and the keys of the objects it depends on (from pg_depend).
-- The search_path is fixed, so every name in it is schema-qualified and
-- the document does not depend on the session that takes it.  Grants are
-- the effective privileges ("role=PRIVILEGE", "*" when grantable), with
-- the owner's defaults spelt out.  Column positions are ranks among the
-- live columns, so a dropped column leaves no gap.
CREATE FUNCTION migrate.schema() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
    SET jit = off
AS $schema$
WITH ext AS (
    SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
nsp AS (
    SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
      AND NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_namespace'::regclass AND ext.objid = n.oid)),
rel AS (
    SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relacl, c.relowner, c.reloptions,
           c.relrowsecurity, c.relforcerowsecurity, c.relispartition, c.relispopulated,
           c.relreplident, n.nspname,
           quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname,
           CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'p' THEN 'table ' WHEN 'v' THEN 'view '
                WHEN 'm' THEN 'materialized view ' WHEN 'S' THEN 'sequence ' WHEN 'f' THEN 'foreign table '
                WHEN 'c' THEN 'type ' ELSE 'index ' END
           || quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS key
    FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I')
      AND NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)
      -- identity sequences come with their column
      AND NOT (c.relkind = 'S' AND EXISTS (SELECT FROM pg_depend d
                                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                              AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'i'))),
col AS (
    SELECT r.oid AS relid, r.key AS relkey, r.relkind, a.attnum, a.attname, a.atttypid, a.atttypmod,
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
    WHERE c.contype <> 't' AND (r.oid IS NOT NULL OR t.oid IS NOT NULL)),
fun AS (
    SELECT p.oid, p.prokind, n.nspname, p.proname, p.proowner, p.proacl, p.prolang,
           p.provolatile, p.proisstrict, p.prosecdef, p.proconfig,
           pg_get_function_identity_arguments(p.oid) AS identity,
           CASE p.prokind WHEN 'p' THEN 'procedure ' WHEN 'a' THEN 'aggregate ' ELSE 'function ' END
           || quote_ident(n.nspname) || '.' || quote_ident(p.proname)
           || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS key
    FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
    WHERE NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid)
      -- the constructors of a range type come with it
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                                AND d.refclassid = 'pg_type'::regclass AND d.deptype = 'i')),
typ AS (
    SELECT t.oid, t.typname, t.typtype, t.typowner, t.typacl, t.typbasetype, t.typtypmod,
           t.typnotnull, t.typdefault, t.typcollation, t.typrelid, n.nspname,
           'type ' || quote_ident(n.nspname) || '.' || quote_ident(t.typname) AS key
    FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
    LEFT JOIN pg_class r ON r.oid = t.typrelid
    WHERE t.typtype IN ('e', 'd', 'r', 'b', 'c') AND t.typisdefined
      AND (t.typtype <> 'c' OR r.relkind = 'c')
      AND NOT (t.typtype = 'b' AND t.typcategory = 'A')
      AND NOT EXISTS (SELECT FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)),
trg AS (
    SELECT tg.oid, tg.tgname, tg.tgenabled, tg.tgparentid, r.key AS relkey,
           'trigger ' || r.qname || '.' || quote_ident(tg.tgname) AS key
    FROM pg_trigger tg JOIN rel r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal),
pol AS (
    SELECT p.*, r.key AS relkey, 'policy ' || r.qname || '.' || quote_ident(p.polname) AS key
    FROM pg_policy p JOIN rel r ON r.oid = p.polrelid),
xtn AS (
    SELECT e.oid, e.extname, e.extversion, n.nspname, 'extension ' || quote_ident(e.extname) AS key
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'pgmigrate'),
-- which key each catalog entry that pg_depend names belongs to
ids (classid, objid, objsubid, key) AS (
    SELECT 'pg_namespace'::regclass, oid, 0, 'schema ' || quote_ident(nspname) FROM nsp
    UNION ALL SELECT 'pg_class'::regclass, oid, 0, key FROM rel
    UNION ALL SELECT 'pg_class'::regclass, relid, attnum, key FROM col
    UNION ALL SELECT 'pg_type'::regclass, oid, 0, key FROM typ
    UNION ALL SELECT 'pg_type'::regclass, t.oid, 0, r.key       -- row types of relations
              FROM pg_type t JOIN rel r ON r.oid = t.typrelid WHERE r.relkind <> 'c'
    UNION ALL SELECT 'pg_type'::regclass, a.oid, 0, e.key       -- array types
              FROM pg_type a JOIN (SELECT oid, key FROM typ UNION ALL
                                   SELECT t.oid, r.key FROM pg_type t JOIN rel r ON r.oid = t.typrelid) e
                ON e.oid = a.typelem AND a.typcategory = 'A'
    UNION ALL SELECT 'pg_constraint'::regclass, oid, 0, key FROM con
    UNION ALL SELECT 'pg_proc'::regclass, oid, 0, key FROM fun
    UNION ALL SELECT 'pg_trigger'::regclass, oid, 0, key FROM trg
    UNION ALL SELECT 'pg_policy'::regclass, oid, 0, key FROM pol
    UNION ALL SELECT 'pg_extension'::regclass, oid, 0, key FROM xtn
    UNION ALL SELECT 'pg_rewrite'::regclass, w.oid, 0, r.key
              FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename = '_RETURN'
    UNION ALL SELECT 'pg_attrdef'::regclass, d.oid, 0, c.key
              FROM pg_attrdef d JOIN col c ON c.relid = d.adrelid AND c.attnum = d.adnum),
deps AS (
    SELECT o.key, jsonb_agg(DISTINCT r.key) AS depends
    FROM pg_depend d
    JOIN ids o ON o.classid = d.classid AND o.objid = d.objid AND o.objsubid = d.objsubid
    JOIN ids r ON r.classid = d.refclassid AND r.objid = d.refobjid AND r.objsubid = d.refobjsubid
    WHERE d.deptype NOT IN ('e', 'x') AND d.objid >= 16384 AND o.key <> r.key
      -- a serial's sequence is owned by its column, which depends on it
      AND NOT (d.deptype = 'a' AND o.key LIKE 'sequence %' AND r.key LIKE 'column %')
    GROUP BY o.key),
descr AS (
    SELECT classoid, objoid, objsubid, description FROM pg_description WHERE objoid >= 16384),
objects (key, doc) AS (
    -- schemas
    SELECT 'schema ' || quote_ident(nspname),
           jsonb_build_object('kind', 'schema', 'name', nspname, 'owner', pg_get_userbyid(nspowner),
               'grants', (SELECT jsonb_agg(g ORDER BY g) FROM (
                   SELECT CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END
                          || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
                   FROM aclexplode(coalesce(nspacl, acldefault('n'::"char", nspowner))) x) g (g)),
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_namespace'::regclass
                           AND objoid = nsp.oid AND objsubid = 0))
    FROM nsp
    -- tables, views, materialized views, sequences, foreign tables
    UNION ALL
    SELECT r.key,
           jsonb_build_object('kind', rtrim(split_part(r.key, ' ', 1) ||
                                  CASE r.relkind WHEN 'm' THEN ' view' WHEN 'f' THEN ' table' ELSE '' END),
               'schema', r.nspname, 'name', r.relname, 'owner', pg_get_userbyid(r.relowner),
               'grants', (SELECT jsonb_agg(g ORDER BY g) FROM (
                   SELECT CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END
                          || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
                   FROM aclexplode(coalesce(r.relacl, acldefault((CASE r.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char",
                                                                   r.relowner))) x) g (g)),
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_class'::regclass
                           AND objoid = r.oid AND objsubid = 0))
           || CASE WHEN r.relkind IN ('r', 'p', 'f') THEN jsonb_build_object(
                  'partitioned', r.relkind = 'p',
                  'unlogged', r.relpersistence = 'u',
                  'options', to_jsonb(r.reloptions),
                  'row_security', r.relrowsecurity,
                  'force_row_security', r.relforcerowsecurity,
                  'replica_identity', r.relreplident::text,
                  'partition_key', CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
                  'partition_of', (SELECT pr.key FROM pg_inherits i JOIN rel pr ON pr.oid = i.inhparent
                                   WHERE i.inhrelid = r.oid AND r.relispartition),
                  'partition_bound', CASE WHEN r.relispartition
                                          THEN pg_get_expr((SELECT relpartbound FROM pg_class WHERE oid = r.oid), r.oid) END,
                  'inherits', CASE WHEN NOT r.relispartition THEN
                                   (SELECT jsonb_agg(pr.key ORDER BY i.inhseqno) FROM pg_inherits i
                                    JOIN rel pr ON pr.oid = i.inhparent WHERE i.inhrelid = r.oid) END,
                  'server', CASE WHEN r.relkind = 'f' THEN
                                 (SELECT s.srvname FROM pg_foreign_table ft JOIN pg_foreign_server s
                                  ON s.oid = ft.ftserver WHERE ft.ftrelid = r.oid) END)
                WHEN r.relkind IN ('v', 'm') THEN jsonb_build_object(
                  'query', pg_get_viewdef(r.oid),
                  'options', to_jsonb(r.reloptions),
                  'populated', CASE WHEN r.relkind = 'm' THEN r.relispopulated END)
                ELSE (SELECT jsonb_build_object(
                  'type', format_type(s.seqtypid, NULL), 'start', s.seqstart::text,
                  'increment', s.seqincrement::text, 'min', s.seqmin::text, 'max', s.seqmax::text,
                  'cache', s.seqcache::text, 'cycle', s.seqcycle,
                  'owned_by', (SELECT c.key FROM pg_depend d JOIN col c ON c.relid = d.refobjid AND c.attnum = d.refobjsubid
                               WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                                 AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'))
                      FROM pg_sequence s WHERE s.seqrelid = r.oid) END
    FROM rel r WHERE r.relkind NOT IN ('i', 'I', 'c')
    -- columns of tables, views, foreign tables and composite types
    UNION ALL
    SELECT c.key,
           jsonb_build_object('kind', 'column', 'relation', c.relkey, 'name', c.attname,
               'type', format_type(c.atttypid, c.atttypmod),
               'not_null', c.attnotnull,
               'default', CASE WHEN c.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
               'generated', CASE WHEN c.attgenerated <> '' THEN pg_get_expr(d.adbin, d.adrelid) END,
               'identity', CASE c.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END,
               'collation', CASE WHEN c.attcollation <> 0 AND c.attcollation <> c.typcollation
                                 THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                       FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                       WHERE co.oid = c.attcollation) END,
               'grants', CASE WHEN c.attacl IS NOT NULL THEN (SELECT jsonb_agg(g ORDER BY g) FROM (
                   SELECT CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END
                          || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
                   FROM aclexplode(c.attacl) x) g (g)) END,
               'local', c.attislocal,
               'inherited', c.attinhcount > 0,
               'position', c.position,
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_class'::regclass
                           AND objoid = c.relid AND objsubid = c.attnum))
    FROM col c LEFT JOIN pg_attrdef d ON d.adrelid = c.relid AND d.adnum = c.attnum
    -- indexes
    UNION ALL
    SELECT r.key,
           jsonb_build_object('kind', 'index', 'schema', r.nspname, 'name', r.relname,
               'relation', (SELECT t.key FROM rel t WHERE t.oid = i.indrelid),
               'definition', pg_get_indexdef(r.oid),
               'valid', i.indisvalid,
               'constraint', (SELECT c.key FROM con c JOIN pg_constraint pc ON pc.oid = c.oid
                              WHERE pc.conindid = r.oid AND pc.contype IN ('p', 'u', 'x')
                                AND pc.conrelid = i.indrelid),
               'partition_of', (SELECT p.key FROM pg_inherits h JOIN rel p ON p.oid = h.inhparent
                                WHERE h.inhrelid = r.oid),
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_class'::regclass
                           AND objoid = r.oid AND objsubid = 0))
    FROM rel r JOIN pg_index i ON i.indexrelid = r.oid WHERE r.relkind IN ('i', 'I')
    -- table and domain constraints
    UNION ALL
    SELECT c.key,
           jsonb_build_object('kind', 'constraint', 'relation', c.relkey, 'name', c.conname,
               'type', CASE c.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'
                       WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check' WHEN 'x' THEN 'exclusion'
                       ELSE c.contype::text END,
               'definition', pg_get_constraintdef(c.oid),
               'valid', c.convalidated,
               'local', c.conislocal,
               'inherited', c.coninhcount > 0 OR c.conparentid <> 0,
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_constraint'::regclass
                           AND objoid = c.oid AND objsubid = 0))
    FROM con c
    -- functions, procedures and aggregates
    UNION ALL
    SELECT f.key,
           jsonb_build_object('kind', rtrim(split_part(f.key, ' ', 1)), 'schema', f.nspname, 'name', f.proname,
               'identity_arguments', f.identity,
               'arguments', pg_get_function_arguments(f.oid),
               'returns', pg_get_function_result(f.oid),
               'language', (SELECT lanname FROM pg_language WHERE oid = f.prolang),
               'volatility', CASE f.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END,
               'strict', f.proisstrict,
               'security_definer', f.prosecdef,
               'settings', to_jsonb(f.proconfig),
               'definition', CASE WHEN f.prokind <> 'a' THEN pg_get_functiondef(f.oid) END,
               'owner', pg_get_userbyid(f.proowner),
               'grants', (SELECT jsonb_agg(g ORDER BY g) FROM (
                   SELECT CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END
                          || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
                   FROM aclexplode(coalesce(f.proacl, acldefault('f'::"char", f.proowner))) x) g (g)),
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_proc'::regclass
                           AND objoid = f.oid AND objsubid = 0))
    FROM fun f
    -- enums, domains, ranges, composite and base types
    UNION ALL
    SELECT t.key,
           jsonb_build_object('kind', 'type', 'schema', t.nspname, 'name', t.typname,
               'type', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range'
                       WHEN 'c' THEN 'composite' ELSE 'base' END,
               'owner', pg_get_userbyid(t.typowner),
               'grants', (SELECT jsonb_agg(g ORDER BY g) FROM (
                   SELECT CASE x.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x.grantee) END
                          || '=' || x.privilege_type || CASE WHEN x.is_grantable THEN '*' ELSE '' END
                   FROM aclexplode(coalesce(t.typacl, acldefault('T'::"char", t.typowner))) x) g (g)),
               'comment', (SELECT description FROM descr WHERE classoid = CASE WHEN t.typtype = 'c'
                           THEN 'pg_class'::regclass ELSE 'pg_type'::regclass END
                           AND objoid = CASE WHEN t.typtype = 'c' THEN t.typrelid ELSE t.oid END
                           AND objsubid = 0))
           || CASE t.typtype
                WHEN 'e' THEN jsonb_build_object('labels',
                    (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid))
                WHEN 'd' THEN jsonb_build_object('base_type', format_type(t.typbasetype, t.typtypmod),
                    'not_null', t.typnotnull, 'default', t.typdefault,
                    'collation', CASE WHEN t.typcollation <> 0 AND t.typcollation <>
                                          (SELECT typcollation FROM pg_type WHERE oid = t.typbasetype)
                                      THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                                            FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
                                            WHERE co.oid = t.typcollation) END)
                WHEN 'r' THEN (SELECT jsonb_build_object('subtype', format_type(g.rngsubtype, NULL),
                    'subtype_opclass', (SELECT quote_ident(on_.nspname) || '.' || quote_ident(oc.opcname)
                                        FROM pg_opclass oc JOIN pg_namespace on_ ON on_.oid = oc.opcnamespace
                                        WHERE oc.oid = g.rngsubopc AND NOT oc.opcdefault),
                    'collation', CASE WHEN g.rngcollation <> 0 AND g.rngcollation <>
                                           (SELECT typcollation FROM pg_type WHERE oid = g.rngsubtype)
                                      THEN g.rngcollation::regcollation::text END,
                    'canonical', nullif(g.rngcanonical, 0)::regproc::text,
                    'subtype_diff', nullif(g.rngsubdiff, 0)::regproc::text,
                    'multirange', (SELECT quote_ident(mn.nspname) || '.' || quote_ident(m.typname)
                                   FROM pg_type m JOIN pg_namespace mn ON mn.oid = m.typnamespace
                                   WHERE m.oid = g.rngmultitypid))
                    FROM pg_range g WHERE g.rngtypid = t.oid)
                ELSE '{}'::jsonb END
    FROM typ t
    -- triggers
    UNION ALL
    SELECT g.key,
           jsonb_build_object('kind', 'trigger', 'relation', g.relkey, 'name', g.tgname,
               'definition', pg_get_triggerdef(g.oid),
               'enabled', CASE g.tgenabled WHEN 'O' THEN 'origin' WHEN 'D' THEN 'disabled'
                          WHEN 'R' THEN 'replica' ELSE 'always' END,
               'inherited', g.tgparentid <> 0,
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_trigger'::regclass
                           AND objoid = g.oid AND objsubid = 0))
    FROM trg g
    -- row security policies
    UNION ALL
    SELECT p.key,
           jsonb_build_object('kind', 'policy', 'relation', p.relkey, 'name', p.polname,
               'command', CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                          WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
               'permissive', p.polpermissive,
               'roles', (SELECT jsonb_agg(CASE WHEN x = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(x) END ORDER BY 1)
                         FROM unnest(p.polroles) AS x),
               'using', pg_get_expr(p.polqual, p.polrelid),
               'with_check', pg_get_expr(p.polwithcheck, p.polrelid),
               'comment', (SELECT description FROM descr WHERE classoid = 'pg_policy'::regclass
                           AND objoid = p.oid AND objsubid = 0))
    FROM pol p
    -- extensions, but pgmigrate itself
    UNION ALL
    SELECT x.key, jsonb_build_object('kind', 'extension', 'name', x.extname, 'version', x.extversion,
                                     'schema', x.nspname)
    FROM xtn x
)
SELECT jsonb_build_object('version', 1, 'objects', coalesce(jsonb_object_agg(o.key,
           jsonb_strip_nulls(o.doc) || jsonb_build_object('depends', coalesce(d.depends, '[]'::jsonb))), '{}'::jsonb))
FROM objects o LEFT JOIN deps d ON d.key = o.key
$schema$;

COMMENT ON FUNCTION migrate.schema() IS
    'the user schemas as a jsonb document: every object with its attributes, definition and dependencies';

-- Stored snapshots become documents.  0.3's text snapshots are kept as they
-- were in legacy_snapshot; a fresh document of the schema as it is now is
-- recorded when there was any snapshot, so drift() has one to compare with.
ALTER TABLE migrate.snapshots RENAME COLUMN snapshot TO legacy_snapshot;
ALTER TABLE migrate.snapshots ALTER COLUMN legacy_snapshot DROP NOT NULL;
ALTER TABLE migrate.snapshots ADD COLUMN snapshot jsonb;
COMMENT ON COLUMN migrate.snapshots.snapshot IS
    'the schema document (migrate.schema()) as the action left it';
COMMENT ON COLUMN migrate.snapshots.legacy_snapshot IS
    'snapshots recorded before 0.4, in their text form; NULL since';
ALTER TABLE migrate.snapshots DISABLE TRIGGER refuse_direct_write;
INSERT INTO migrate.snapshots (action, taken_by, snapshot)
    SELECT 'upgrade', current_user, migrate.schema()
    WHERE EXISTS (SELECT FROM migrate.snapshots);
ALTER TABLE migrate.snapshots ENABLE ALWAYS TRIGGER refuse_direct_write;
ALTER TABLE migrate.snapshots ADD CONSTRAINT snapshot_or_legacy
    CHECK (snapshot IS NOT NULL OR legacy_snapshot IS NOT NULL);

-- What differs between two documents, as drift() shows it.
CREATE FUNCTION migrate.compare(source jsonb, target jsonb)
RETURNS TABLE (object text, change text, detail text)
    AS 'MODULE_PATHNAME', 'pgmigrate_compare'
    LANGUAGE C STABLE STRICT;

COMMENT ON FUNCTION migrate.compare(jsonb, jsonb) IS
    'what differs from one schema document to another: objects added, removed and changed';

-- The diff engine: DDL that turns a schema equal to `source` into one equal
-- to `target`, one statement per step, with the lint's hazards.  `renames`
-- turns a drop and an add into a rename: '{app.todos.title=name}' for a
-- column, '{app.todos=tasks}' for a table.
CREATE FUNCTION migrate.diff(source jsonb, target jsonb, renames text[] DEFAULT '{}')
RETURNS TABLE (step integer, statement text, hazard text)
    AS 'MODULE_PATHNAME', 'pgmigrate_diff'
    LANGUAGE C STABLE;

COMMENT ON FUNCTION migrate.diff(jsonb, jsonb, text[]) IS
    'DDL that turns a schema equal to one document into one equal to another, in dependency order, with hazards';
