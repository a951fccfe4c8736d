/*
 * distribution.h — the query that reads Citus's distribution of tables for
 * the schema document, shared by the extension and the client.
 *
 * The extension runs it in migrate.citus_distribution() (src/citus.c)
 * where Citus is installed; the client, which reads a schema document with
 * migrate.schema()'s query where pgmigrate is not, puts it in the place of
 * that function's call (client/generate.c), or an empty set where Citus is
 * not installed either.  Its columns, in order: the table's oid, then the
 * attributes "distribution", "distribution_column", "shard_count" (the
 * colocation group's, as create_distributed_table() was given it: a shard
 * split does not change it) and "colocated_with" (the group's first table
 * that is not a partition, by key in byte order) (README.md, "Running on
 * Citus").
 */
#ifndef PGMIGRATE_DISTRIBUTION_H
#define PGMIGRATE_DISTRIBUTION_H

#define PGM_DISTRIBUTION_COLUMNS \
	"relid, distribution, distribution_column, shard_count, colocated_with"

#define PGM_DISTRIBUTION_QUERY \
	"WITH p AS (" \
	"  SELECT p.logicalrelid AS relid, p.partmethod, p.partkey, p.repmodel, p.colocationid," \
	"         c.relispartition," \
	"         'table ' || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS key" \
	"  FROM pg_catalog.pg_dist_partition p" \
	"  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid" \
	"  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace" \
	"  WHERE p.repmodel OPERATOR(pg_catalog.=) 't' OR p.partmethod OPERATOR(pg_catalog.=) 'h'" \
	"     OR (p.partmethod OPERATOR(pg_catalog.=) 'n' AND p.colocationid OPERATOR(pg_catalog.<>) 0))" \
	" SELECT p.relid," \
	"   CASE WHEN p.repmodel OPERATOR(pg_catalog.=) 't' THEN 'reference'" \
	"        WHEN p.partmethod OPERATOR(pg_catalog.=) 'h' THEN 'distributed' ELSE 'single shard' END," \
	"   CASE WHEN p.partmethod OPERATOR(pg_catalog.=) 'h'" \
	"        THEN pg_catalog.column_to_column_name(p.relid, p.partkey) END," \
	"   CASE WHEN p.partmethod OPERATOR(pg_catalog.=) 'h' THEN g.shardcount::pg_catalog.text END," \
	"   CASE WHEN p.repmodel OPERATOR(pg_catalog.<>) 't'" \
	"        THEN pg_catalog.min(p.key COLLATE \"C\") FILTER (WHERE NOT p.relispartition)" \
	"             OVER (PARTITION BY p.repmodel OPERATOR(pg_catalog.=) 't', p.colocationid) END" \
	" FROM p LEFT JOIN pg_catalog.pg_dist_colocation g" \
	"   ON g.colocationid OPERATOR(pg_catalog.=) p.colocationid"

/* The same columns, no rows: where Citus is not installed. */
#define PGM_DISTRIBUTION_NONE \
	"SELECT NULL::pg_catalog.oid, NULL::pg_catalog.text, NULL::pg_catalog.text," \
	" NULL::pg_catalog.text, NULL::pg_catalog.text WHERE false"

#endif							/* PGMIGRATE_DISTRIBUTION_H */
