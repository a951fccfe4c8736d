/*
 * part.c — the part of the schema document that belongs to some objects.
 *
 * migrate.schema() documents every object of the user schemas; a deploy
 * needs only what its revisions changed.  Here the document's part for a
 * set of "units" is taken: a unit is a relation (with its columns,
 * constraints, triggers, policies and rules; its indexes come along as
 * units of their own), a type (with a domain's constraints), a function,
 * a schema, an extension, an operator, a cast or a transform, named by
 * its catalog and oid.  The part is what migrate.schema() says of those objects, byte for
 * byte: the same query, its /\*scoped ... *\/ filters switched on (the
 * install script, 0.9), so there is one definition of the document.
 *
 * The query needs, besides the units, every object their objects depend
 * on (a dependency is written as the other object's key) and the schemas
 * all of them live in: pgm_part_scope() finds them through pg_depend's
 * indexes, and the query's filters are on oids, so the cost is that of
 * the units and their neighbours, not of the database.  What belongs to
 * the neighbours is not in the part: only the units' objects are.
 *
 * Calls rows.c and describe/units.c (which writes the part of some units in
 * C, as this query would).
 */
#include "postgres.h"

#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

/* A catalog's oid, in the queries below. */
#define PGM_CATALOG(name) "'" name "'::pg_catalog.regclass::pg_catalog.oid"

/* The filters of migrate.schema()'s query, in the order of the arguments. */
static const char *const pgm_part_filters[] = {
	"$namespaces", "$relations", "$types", "$functions", "$operators", "$casts", "$transforms",
	"$extensions"
};

#define PGM_PART_NFILTERS lengthof(pgm_part_filters)

/*
 * The units, and what else the query must see: given the units as two
 * arrays ($1 catalogs, $2 oids), one row of oid arrays in the order of
 * pgm_part_filters, then the units' own (classid, oid) pairs as they are
 * written in the query's ids: an array type is its element, a row type its
 * relation (a composite type is both), and a table's indexes are units
 * with it.
 */
static const char pgm_part_scope_query[] =
	"WITH given (classid, objid) AS (SELECT * FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.oid[]), pg_catalog.unnest($2::pg_catalog.oid[]))),"
	/*
	 * the units: an array type as its element, a relation's row type (a
	 * composite type's too) as its relation ...
	 */
	" types (classid, objid) AS ("
	"  SELECT g.classid, CASE WHEN e.oid IS NOT NULL THEN e.oid ELSE g.objid END FROM given g"
	"  LEFT JOIN pg_catalog.pg_type t ON g.classid = " PGM_CATALOG("pg_type") " AND t.oid = g.objid"
	"  LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND e.typarray = t.oid),"
	" units0 (classid, objid) AS ("
	"  SELECT CASE WHEN t.typrelid <> 0 THEN " PGM_CATALOG("pg_class") " ELSE g.classid END,"
	"         CASE WHEN t.typrelid <> 0 THEN t.typrelid ELSE g.objid END"
	"  FROM types g LEFT JOIN pg_catalog.pg_type t"
	"    ON g.classid = " PGM_CATALOG("pg_type") " AND t.oid = g.objid),"
	/* ... with a table's indexes, and a composite type as its type too (the document's object is the type's) */
	" units (classid, objid) AS ("
	"  SELECT classid, objid FROM units0"
	"  UNION SELECT " PGM_CATALOG("pg_class") ", i.indexrelid FROM pg_catalog.pg_index i"
	"  JOIN units0 u ON u.classid = " PGM_CATALOG("pg_class") " AND i.indrelid = u.objid"
	"  UNION SELECT " PGM_CATALOG("pg_type") ", c.reltype FROM units0 u JOIN pg_catalog.pg_class c"
	"   ON u.classid = " PGM_CATALOG("pg_class") " AND c.oid = u.objid AND c.relkind = 'c'),"
	/* the units' objects, each with its own pg_depend entries */
	" parts (classid, objid) AS ("
	"  SELECT classid, objid FROM units"
	"  UNION ALL SELECT " PGM_CATALOG("pg_attrdef") ", d.oid FROM pg_catalog.pg_attrdef d"
	"   JOIN units u ON u.classid = " PGM_CATALOG("pg_class") " AND d.adrelid = u.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_constraint") ", c.oid FROM pg_catalog.pg_constraint c"
	"   JOIN units u ON u.classid = " PGM_CATALOG("pg_class") " AND c.conrelid = u.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_constraint") ", c.oid FROM pg_catalog.pg_constraint c"
	"   JOIN units u ON u.classid = " PGM_CATALOG("pg_type") " AND c.contypid = u.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_trigger") ", t.oid FROM pg_catalog.pg_trigger t"
	"   JOIN units u ON u.classid = " PGM_CATALOG("pg_class") " AND t.tgrelid = u.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_policy") ", p.oid FROM pg_catalog.pg_policy p"
	"   JOIN units u ON u.classid = " PGM_CATALOG("pg_class") " AND p.polrelid = u.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_rewrite") ", w.oid FROM pg_catalog.pg_rewrite w"
	"   JOIN units u ON u.classid = " PGM_CATALOG("pg_class") " AND w.ev_class = u.objid),"
	/* what they depend on, as the units those objects belong to */
	" refs0 (classid, objid) AS ("
	"  SELECT DISTINCT d.refclassid, d.refobjid FROM pg_catalog.pg_depend d"
	"  JOIN parts p ON d.classid = p.classid AND d.objid = p.objid),"
	" refs1 (classid, objid) AS ("
	"  SELECT " PGM_CATALOG("pg_class") ", x.adrelid FROM refs0 r JOIN pg_catalog.pg_attrdef x"
	"   ON r.classid = " PGM_CATALOG("pg_attrdef") " AND x.oid = r.objid"
	"  UNION ALL SELECT CASE WHEN x.conrelid <> 0 THEN " PGM_CATALOG("pg_class") " ELSE " PGM_CATALOG("pg_type") " END,"
	"                   CASE WHEN x.conrelid <> 0 THEN x.conrelid ELSE x.contypid END"
	"   FROM refs0 r JOIN pg_catalog.pg_constraint x ON r.classid = " PGM_CATALOG("pg_constraint") " AND x.oid = r.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_class") ", x.tgrelid FROM refs0 r JOIN pg_catalog.pg_trigger x"
	"   ON r.classid = " PGM_CATALOG("pg_trigger") " AND x.oid = r.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_class") ", x.polrelid FROM refs0 r JOIN pg_catalog.pg_policy x"
	"   ON r.classid = " PGM_CATALOG("pg_policy") " AND x.oid = r.objid"
	"  UNION ALL SELECT " PGM_CATALOG("pg_class") ", x.ev_class FROM refs0 r JOIN pg_catalog.pg_rewrite x"
	"   ON r.classid = " PGM_CATALOG("pg_rewrite") " AND x.oid = r.objid"
	/* a type: an array is its element's, a row type its relation's */
	"  UNION ALL SELECT CASE WHEN e.typrelid <> 0 THEN " PGM_CATALOG("pg_class") " ELSE " PGM_CATALOG("pg_type") " END,"
	"                   CASE WHEN e.typrelid <> 0 THEN e.typrelid ELSE e.oid END"
	"   FROM refs0 r JOIN pg_catalog.pg_type x ON r.classid = " PGM_CATALOG("pg_type") " AND x.oid = r.objid"
	"   JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN x.typcategory = 'A' AND x.typelem <> 0 THEN x.typelem ELSE x.oid END"
	/* (a composite type is its type too: what depends on it names the type) */
	"  UNION ALL SELECT " PGM_CATALOG("pg_type") ", e.oid"
	"   FROM refs0 r JOIN pg_catalog.pg_type x ON r.classid = " PGM_CATALOG("pg_type") " AND x.oid = r.objid"
	"   JOIN pg_catalog.pg_type e ON e.oid = CASE WHEN x.typcategory = 'A' AND x.typelem <> 0 THEN x.typelem ELSE x.oid END"
	"   JOIN pg_catalog.pg_class c ON c.oid = e.typrelid AND c.relkind = 'c'"
	"  UNION ALL SELECT classid, objid FROM refs0"
	"   WHERE classid NOT IN (" PGM_CATALOG("pg_attrdef") ", " PGM_CATALOG("pg_constraint") ","
	"                         " PGM_CATALOG("pg_trigger") ", " PGM_CATALOG("pg_policy") ","
	"                         " PGM_CATALOG("pg_rewrite") ", " PGM_CATALOG("pg_type") ")),"
	/* all the query must see: the units, their neighbours, the extensions those belong to */
	" seen (classid, objid) AS ("
	"  SELECT classid, objid FROM units UNION SELECT classid, objid FROM refs1"
	"  UNION SELECT d.refclassid, d.refobjid FROM refs0 r JOIN pg_catalog.pg_depend d"
	"   ON d.classid = r.classid AND d.objid = r.objid AND d.deptype = 'e'),"
	" spaces (oid) AS ("
	"  SELECT objid FROM seen WHERE classid = " PGM_CATALOG("pg_namespace")
	"  UNION SELECT c.relnamespace FROM seen s JOIN pg_catalog.pg_class c"
	"   ON s.classid = " PGM_CATALOG("pg_class") " AND c.oid = s.objid"
	"  UNION SELECT t.typnamespace FROM seen s JOIN pg_catalog.pg_type t"
	"   ON s.classid = " PGM_CATALOG("pg_type") " AND t.oid = s.objid"
	"  UNION SELECT p.pronamespace FROM seen s JOIN pg_catalog.pg_proc p"
	"   ON s.classid = " PGM_CATALOG("pg_proc") " AND p.oid = s.objid"
	"  UNION SELECT o.oprnamespace FROM seen s JOIN pg_catalog.pg_operator o"
	"   ON s.classid = " PGM_CATALOG("pg_operator") " AND o.oid = s.objid)"
	" SELECT (SELECT pg_catalog.array_agg(oid) FROM spaces),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_class") "),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_type") "),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_proc") "),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_operator") "),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_cast") "),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_transform") "),"
	"  (SELECT pg_catalog.array_agg(objid) FROM seen WHERE classid = " PGM_CATALOG("pg_extension") "),"
	"  (SELECT pg_catalog.array_agg(classid) FROM units), (SELECT pg_catalog.array_agg(objid) FROM units)";

/*
 * After migrate.schema()'s CTEs: the units' keys ($9 catalogs, $10 oids, as
 * ids writes them) and their objects (a column, constraint, trigger,
 * policy or rule by its relation's key), then the document of those
 * objects with their dependencies.
 */
#define PGM_PART_UNITS \
	"\n,unit_keys (key) AS (\n" \
	"    SELECT i.key FROM ids i JOIN ROWS FROM (unnest($9::oid[]), unnest($10::oid[])) u (classid, objid)\n" \
	"      ON i.classid = u.classid AND i.objid = u.objid AND i.objsubid = 0),\n" \
	"part (key, doc) AS (\n" \
	"    SELECT o.key, o.doc FROM objects o\n" \
	"    WHERE o.key IN (SELECT key FROM unit_keys)\n" \
	"       OR (o.doc ->> 'relation' IN (SELECT key FROM unit_keys)\n" \
	"           AND o.doc ->> 'kind' IN ('column', 'constraint', 'trigger', 'policy', 'rule')))\n"

/*
 * (The IN stays a hashed subplan, IS TRUE: as a join, a planner that
 * guessed one row of deps ran it as a nested loop over the part's keys,
 * quadratic in the objects of a large part.)
 */
#define PGM_PART_DOCUMENT \
	"(SELECT migrate.schema_document(x.key, x.doc, x.depends_on)\n" \
	" FROM (SELECT key, doc, NULL::text AS depends_on FROM part\n" \
	"       UNION ALL\n" \
	"       SELECT key, NULL, depends_on FROM deps WHERE (key IN (SELECT key FROM part)) IS TRUE) x)"

/* The end of the part's query: its document. */
static const char pgm_part_tail[] =
	PGM_PART_UNITS
	"SELECT " PGM_PART_DOCUMENT "\n";

/*
 * Which key each catalog entry of the query's objects is recorded under
 * (records.c keeps them in migrate.snapshot_keys): a relation, type,
 * function, schema, extension, operator, cast or transform its own key (an
 * array type, a row type, a view's rule and what an extension brings, the
 * key of what they belong to); a constraint, trigger, policy, rule or
 * default its relation's (a domain's constraint its type's).  After
 * migrate.schema()'s CTEs.
 */
#define PGM_PART_OWNERS \
	"\n,owners (classid, objid, key) AS (\n" \
	"    SELECT classid, objid, key FROM ids\n" \
	"    WHERE objsubid = 0 AND classid NOT IN ('pg_constraint'::regclass, 'pg_trigger'::regclass,\n" \
	"                                           'pg_policy'::regclass, 'pg_attrdef'::regclass)\n" \
	"      AND NOT (classid = 'pg_rewrite'::regclass AND key LIKE 'rule %')\n" \
	"    UNION ALL SELECT 'pg_constraint'::regclass, oid, relkey FROM con\n" \
	"    UNION ALL SELECT 'pg_trigger'::regclass, oid, relkey FROM trg\n" \
	"    UNION ALL SELECT 'pg_policy'::regclass, oid, relkey FROM pol\n" \
	"    UNION ALL SELECT 'pg_rewrite'::regclass, oid, relkey FROM rul\n" \
	"    UNION ALL SELECT 'pg_attrdef'::regclass, d.oid, c.relkey\n" \
	"              FROM pg_attrdef d JOIN col c ON c.relid = d.adrelid AND c.attnum = d.adnum),\n" \
	"owned (classid, objid, key) AS (\n" \
	"    SELECT DISTINCT ON (classid, objid) classid, objid, key FROM owners)\n"

/*
 * The part's end for a record: the part's document as above, then the
 * keys its objects' catalog entries are recorded under.
 */
static const char pgm_part_record_tail[] =
	PGM_PART_UNITS
	PGM_PART_OWNERS
	"SELECT " PGM_PART_DOCUMENT ",\n"
	"       pg_catalog.array_agg(classid), pg_catalog.array_agg(objid), pg_catalog.array_agg(key)\n"
	"FROM owned WHERE key IN (SELECT key FROM unit_keys)\n";

/* The end of the query of every key (filters off): for a whole record. */
static const char pgm_part_keys_tail[] =
	PGM_PART_OWNERS
	"SELECT pg_catalog.array_agg(classid), pg_catalog.array_agg(objid), pg_catalog.array_agg(key)\n"
	"FROM owned\n";

/* migrate.schema()'s query as the installed extension has it. */
static char *
pgm_schema_source(void)
{
	List	   *name = list_make2(makeString(PGM_SCHEMA), makeString("schema"));
	Oid			fn = LookupFuncName(name, 0, NULL, true);
	HeapTuple	tuple;
	bool		isnull;
	Datum		src;
	char	   *out;

	if (!OidIsValid(fn) || !HeapTupleIsValid(tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn))))
		return NULL;
	src = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_prosrc, &isnull);
	out = isnull ? NULL : TextDatumGetCString(src);
	ReleaseSysCache(tuple);
	return out;
}

/*
 * Does the installed migrate.schema() have its filters (0.9)?  Every
 * catalog that records in parts (0.10) does, which is asked without
 * reading the function's text: a deploy's record would otherwise begin by
 * reading and decompressing the whole query.
 */
static bool
pgm_part_filtered(void)
{
	char	   *src;

	if (pgm_records_in_parts())
		return true;
	src = pgm_schema_source();
	return src != NULL && strstr(src, "/*scoped ") != NULL;
}

/*
 * migrate.schema()'s query, its filters on ($1 ... $8) if `scoped`, with
 * `tail` for its end; NULL when the installed query has no filters (an
 * extension older than 0.9): the caller takes the whole document then.
 */
static char *
pgm_part_query(const char *tail, bool scoped)
{
	char	   *src = pgm_schema_source();
	char	   *end;
	StringInfoData buf;
	const char *p;

	if (src == NULL || (end = strstr(src, "\nSELECT migrate.schema_document(")) == NULL ||
		strstr(src, "/*scoped ") == NULL)
		return NULL;
	*end = '\0';
	initStringInfo(&buf);
	for (p = src; *p;)
	{
		size_t		i;
		const char *close;

		if (scoped && strncmp(p, "/*scoped ", 9) == 0 && (close = strstr(p, "*/")) != NULL)
		{
			p += 9;				/* the filter itself, the comment's text */
			while (p < close)
			{
				for (i = 0; i < PGM_PART_NFILTERS; i++)
					if (strncmp(p, pgm_part_filters[i], strlen(pgm_part_filters[i])) == 0)
						break;
				if (i < PGM_PART_NFILTERS)
				{
					appendStringInfo(&buf, "$%d::oid[]", (int) i + 1);
					p += strlen(pgm_part_filters[i]);
				}
				else
					appendStringInfoChar(&buf, *p++);
			}
			p = close + 2;
			continue;
		}
		appendStringInfoChar(&buf, *p++);
	}
	appendStringInfoString(&buf, tail);
	return buf.data;
}

/*
 * A part of at most this many units is taken with generic plans, planned
 * once per session: a few lookups by oid, whose best plan does not depend
 * on how many.  A larger part is planned for its units.  (A part of
 * relations only is written in C, describe.c: no query at all.)
 */
#define PGM_PART_FEW 64

static SPIPlanPtr pgm_scope_plan = NULL;
static SPIPlanPtr pgm_scope_few_plan = NULL;

/* The generic plan of the part's query for a record, and its text. */
static SPIPlanPtr pgm_part_few_plan = NULL;
static char *pgm_part_few_sql = NULL;

/* Is a set of `n` units few enough for the generic plans? */
static bool
pgm_part_few(int n)
{
	return n <= PGM_PART_FEW;
}

/*
 * The arguments of the part's query for the units given as `classids` and
 * `objids` (as many of each): the eight arrays of oids of pgm_part_filters
 * and the units as ids writes them.  Connected to SPI.
 */
static void
pgm_part_scope(ArrayType *classids, ArrayType *objids, bool few, Datum *args, char *nulls)
{
	Oid			types[2] = {OIDARRAYOID, OIDARRAYOID};
	Datum		given[2] = {PointerGetDatum(classids), PointerGetDatum(objids)};
	int			guc_level = pgm_spi_prefer_lookups();
	int			ret;
	int			i;

	ret = SPI_execute_plan(few ? pgm_spi_kept_plan(&pgm_scope_few_plan, pgm_part_scope_query, 2, types,
												   CURSOR_OPT_GENERIC_PLAN) :
						   pgm_spi_kept_plan(&pgm_scope_plan, pgm_part_scope_query, 2, types, 0),
						   given, NULL, false, 1);
	pgm_spi_restore_settings(guc_level);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "the scope of a schema part could not be read: %s", SPI_result_code_string(ret));
	for (i = 0; i < (int) PGM_PART_NFILTERS + 2; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);

		/* an empty set is an empty array: = ANY(NULL) would be no answer at all */
		args[i] = isnull ? PointerGetDatum(construct_empty_array(OIDOID)) :
			PointerGetDatum(DatumGetArrayTypePCopy(d));
		nulls[i] = ' ';
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * The generic plan of `query` (the part's query for a record), kept for
 * the session; planned again when the installed migrate.schema() is
 * another (an update in this session).
 */
static SPIPlanPtr
pgm_part_few_query(const char *query, Oid *types)
{
	if (pgm_part_few_sql != NULL && strcmp(pgm_part_few_sql, query) != 0)
	{
		SPI_freeplan(pgm_part_few_plan);
		pgm_part_few_plan = NULL;
		pfree(pgm_part_few_sql);
		pgm_part_few_sql = NULL;
	}
	if (pgm_part_few_plan == NULL)
	{
		(void) pgm_spi_kept_plan(&pgm_part_few_plan, query, PGM_PART_NFILTERS + 2, types,
								 CURSOR_OPT_GENERIC_PLAN);
		pgm_part_few_sql = MemoryContextStrdup(TopMemoryContext, query);
	}
	return pgm_part_few_plan;
}

/*
 * Run migrate.schema()'s query, scoped to the units given as `classids`
 * and `objids` (oid arrays, as many of each) unless they are NULL, with
 * `tail` for its end; one row in SPI_tuptable, or false when the installed
 * extension's query has no filters (older than 0.9).  Connected to SPI;
 * the catalogs are read as they are now.
 */
static bool
pgm_part_run(const char *tail, ArrayType *classids, ArrayType *objids)
{
	char	   *query = pgm_part_query(tail, classids != NULL);
	bool		few = classids != NULL && tail == pgm_part_record_tail &&
		pgm_part_few(ArrayGetNItems(ARR_NDIM(classids), ARR_DIMS(classids)));
	Oid			types[PGM_PART_NFILTERS + 2];
	Datum		args[PGM_PART_NFILTERS + 2];
	char		nulls[PGM_PART_NFILTERS + 2];
	int			guc_level;
	int			ret;
	size_t		i;

	if (query == NULL)
		return false;
	for (i = 0; i < lengthof(types); i++)
		types[i] = OIDARRAYOID;
	guc_level = pgm_spi_fix_settings(true);
	if (classids != NULL)
		pgm_part_scope(classids, objids, few, args, nulls);
	if (few)
	{
		/* planned once for any few units: lookups by oid, never a scan of a catalog */
		int			lookups = pgm_spi_prefer_lookups();

		ret = SPI_execute_plan(pgm_part_few_query(query, types), args, nulls, false, 1);
		pgm_spi_restore_settings(lookups);
	}
	else
		ret = SPI_execute_with_args(query, classids != NULL ? lengthof(types) : 0, types, args, nulls,
									false, 1);
	pgm_spi_restore_settings(guc_level);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "schema part query failed: %s", SPI_result_code_string(ret));
	return true;
}

/*
 * The part of the live schema's document that belongs to the units given
 * as `classids` and `objids` (oid arrays, as many of each; a unit that is
 * not there anymore is simply not in it): a schema document of those
 * objects, with their dependencies, in memory context `into`.  With
 * `keys`, also the keys their catalog entries are recorded under, as three
 * arrays (catalogs, oids, keys) in `into`.  NULL when the installed
 * extension's query has no filters (older than 0.9).  Connected to SPI;
 * the catalogs are read as they are now.
 */
Jsonb *
pgm_part_take(ArrayType *classids, ArrayType *objids, MemoryContext into, ArrayType **keys)
{
	MemoryContext cxt = CurrentMemoryContext;
	Jsonb	   *doc;

	/* relations (the most a deploy changes) read in C, when the installed query has its filters */
	if (pgm_part_filtered() && (doc = pgm_describe_part(classids, objids, into, keys)) != NULL)
		return doc;
	if (!pgm_part_run(keys ? pgm_part_record_tail : pgm_part_tail, classids, objids))
		return NULL;
	MemoryContextSwitchTo(cxt);
	doc = pgm_result_jsonb(0, 1, into);
	if (keys)
	{
		keys[0] = pgm_result_array(0, 2, OIDOID, into);
		keys[1] = pgm_result_array(0, 3, OIDOID, into);
		keys[2] = pgm_result_array(0, 4, TEXTOID, into);
	}
	SPI_freetuptable(SPI_tuptable);
	return doc;
}

/*
 * The keys every catalog entry of the live schema's objects is recorded
 * under, as three arrays (catalogs, oids, keys) in `into`; false when the
 * installed extension's query is older than 0.9.  Connected to SPI.
 */
bool
pgm_part_all_keys(MemoryContext into, ArrayType **keys)
{
	MemoryContext cxt = CurrentMemoryContext;

	if (!pgm_part_run(pgm_part_keys_tail, NULL, NULL))
		return false;
	MemoryContextSwitchTo(cxt);
	keys[0] = pgm_result_array(0, 1, OIDOID, into);
	keys[1] = pgm_result_array(0, 2, OIDOID, into);
	keys[2] = pgm_result_array(0, 3, TEXTOID, into);
	SPI_freetuptable(SPI_tuptable);
	return true;
}

PG_FUNCTION_INFO_V1(pgmigrate_schema_part);

/*
 * migrate.schema_part(catalogs, objects): the part of migrate.schema()'s
 * document that belongs to the objects named by their catalogs and oids
 * (as pg_depend names them).
 */
Datum
pgmigrate_schema_part(PG_FUNCTION_ARGS)
{
	MemoryContext caller = CurrentMemoryContext;
	ArrayType  *classids;
	ArrayType  *objids;
	Jsonb	   *part;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("catalogs and objects must not be NULL"),
				 errhint("Pass two arrays of the same length, such as ARRAY['pg_class'::regclass] and ARRAY['app.users'::regclass::oid].")));
	/* regclass[] as the oid[] it is */
	classids = PG_GETARG_ARRAYTYPE_P_COPY(0);
	ARR_ELEMTYPE(classids) = OIDOID;
	objids = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(classids) > 1 || ARR_NDIM(objids) > 1 ||
		ArrayGetNItems(ARR_NDIM(classids), ARR_DIMS(classids)) != ArrayGetNItems(ARR_NDIM(objids), ARR_DIMS(objids)))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("catalogs and objects must be one-dimensional arrays of the same length"),
				 errhint("Name each object by its catalog and its oid, as pg_depend does.")));
	pgm_spi_connect();
	part = pgm_part_take(classids, objids, caller, NULL);	/* outlives SPI's memory */
	if (part == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the pgmigrate extension in this database is older than its library"),
				 errdetail("migrate.schema_part() needs the query of version 0.9's migrate.schema()."),
				 errhint("Update it: SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE; RESET pgmigrate.guard;")));
	SPI_finish();
	PG_RETURN_JSONB_P(part);
}
