/*
 * rows.c — rows in and rows out: reading SPI results, returning sets, the
 * fixed settings every catalog read runs with, looking a string up in a
 * list of them (PostgreSQL's list_member() compares nodes, not C strings),
 * and running a function in a subtransaction that keeps its error.
 *
 * Near the bottom of pgmigrate's C files: it calls only citus.c (to keep
 * Citus's shards out of every catalog read).
 *
 * Every function of pgmigrate that returns rows materialises them in a
 * tuplestore.  The store lives in the per-query context, so rows survive
 * SPI_finish() and the per-revision memory resets of the engine.
 */
#include "postgres.h"

#include "access/xact.h"
#include "funcapi.h"
#include "jit/jit.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "parser/parser.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/bytea.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/plancache.h"

#include "pgmigrate.h"

/* Connect to SPI; every SQL-callable function that reads the catalog does. */
void
pgm_spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* Row `row` (0-based), column `col` (1-based) of SPI_tuptable as a C string. */
char *
pgm_result_text(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * The same for a jsonb column, copied into `into` (to outlive the rows, or
 * SPI's own memory); NULL for NULL.  The current memory context stays.
 */
Jsonb *
pgm_result_jsonb(int row, int col, MemoryContext into)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);
	MemoryContext old;
	Jsonb	   *copy;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(into);
	copy = DatumGetJsonbPCopy(d);
	MemoryContextSwitchTo(old);
	return copy;
}

/*
 * The same for an array column of `elemtype`, copied into `into`; an empty
 * array for NULL (as array_agg() over no rows gives).
 */
ArrayType *
pgm_result_array(int row, int col, Oid elemtype, MemoryContext into)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);
	MemoryContext old = MemoryContextSwitchTo(into);
	ArrayType  *a = isnull ? construct_empty_array(elemtype) : DatumGetArrayTypePCopy(d);

	MemoryContextSwitchTo(old);
	return a;
}

/* The same for a boolean column; NULL reads as false. */
bool
pgm_result_bool(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc,
								  col, &isnull);

	return !isnull && DatumGetBool(d);
}

/*
 * The plan of `sql`, prepared on the first call and kept in *cache for the
 * rest of the backend's life.
 */
SPIPlanPtr
pgm_spi_kept_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *argtypes,
				  int cursor_options)
{
	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, cursor_options);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*cache = plan;
	}
	return *cache;
}

/*
 * Begin returning rows from a set-returning function: the tuplestore to
 * put them in, and (in *tupdesc) their description.
 */
Tuplestorestate *
pgm_srf_begin(FunctionCallInfo fcinfo, TupleDesc *tupdesc)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	Tuplestorestate *store;
	TupleDesc	desc;
	Oid			result_type;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("materialize mode required, but it is not allowed in this context")));

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	switch (get_call_result_type(fcinfo, &result_type, &desc))
	{
		case TYPEFUNC_COMPOSITE:
			desc = CreateTupleDescCopy(desc);
			break;
		case TYPEFUNC_SCALAR:
			/* RETURNS TABLE with one column is SETOF that column's type */
			desc = CreateTemplateTupleDesc(1);
			TupleDescInitEntry(desc, (AttrNumber) 1, "value", result_type, -1, 0);
			break;
		default:
			elog(ERROR, "return type must be a row type");
	}
	store = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
								  false, work_mem);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	MemoryContextSwitchTo(oldcxt);

	*tupdesc = desc;
	return store;
}

/*
 * The planner settings every read of the catalogs and of pgmigrate's
 * catalog runs with, whatever the session set: no JIT, and the enable_*
 * flags at their defaults (after SET enable_seqscan = off every sequential
 * scan costs 1e10, and JIT would compile the snapshot query each time it
 * runs).  Each with the variable that holds it, so that the usual case, a
 * session that changed none of them, costs a few loads.
 */
static const struct
{
	const char *name;
	bool	   *variable;
	bool		wanted;
}			pgm_fixed_settings[] =
{
	{"jit", &jit_enabled, false},
	{"enable_async_append", &enable_async_append, true},
	{"enable_bitmapscan", &enable_bitmapscan, true},
	{"enable_gathermerge", &enable_gathermerge, true},
	{"enable_hashagg", &enable_hashagg, true},
	{"enable_hashjoin", &enable_hashjoin, true},
	{"enable_incremental_sort", &enable_incremental_sort, true},
	{"enable_indexonlyscan", &enable_indexonlyscan, true},
	{"enable_indexscan", &enable_indexscan, true},
	{"enable_material", &enable_material, true},
	{"enable_memoize", &enable_memoize, true},
	{"enable_mergejoin", &enable_mergejoin, true},
	{"enable_nestloop", &enable_nestloop, true},
	{"enable_parallel_append", &enable_parallel_append, true},
	{"enable_parallel_hash", &enable_parallel_hash, true},
	{"enable_partition_pruning", &enable_partition_pruning, true},
	{"enable_partitionwise_aggregate", &enable_partitionwise_aggregate, false},
	{"enable_partitionwise_join", &enable_partitionwise_join, false},
	{"enable_seqscan", &enable_seqscan, true},
	{"enable_sort", &enable_sort, true},
	{"enable_tidscan", &enable_tidscan, true},
};

/* Set `name` to `value` until the end of the nest level `*level` (begun if < 0). */
static void
pgm_fix_setting(int *level, const char *name, const char *value)
{
	if (*level < 0)
		*level = NewGUCNestLevel();
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * The output settings of a document: values written as the defaults write
 * them, whatever the session's (floats in full, dates and intervals in the
 * ISO and postgres styles, bytea in hex, strings with standard backslashes,
 * identifiers quoted only where they must be), and a timestamptz in UTC (a
 * partition bound or a constant is one instant, written in the session's
 * zone).  Only settings that differ are changed, at the nest level `level`
 * (begun if < 0); returns it.
 */
static int
pgm_fix_output(int level)
{
	long		offset;

	/* a zone that is UTC under another name (Etc/UTC, GMT) writes the same */
	if (!pg_get_timezone_offset(session_timezone, &offset) || offset != 0)
		pgm_fix_setting(&level, "TimeZone", "UTC");
	if (extra_float_digits <= 0)
		pgm_fix_setting(&level, "extra_float_digits", "1");
	if (DateStyle != USE_ISO_DATES)
		pgm_fix_setting(&level, "DateStyle", "ISO");
	if (IntervalStyle != INTSTYLE_POSTGRES)
		pgm_fix_setting(&level, "IntervalStyle", "postgres");
	if (bytea_output != BYTEA_OUTPUT_HEX)
		pgm_fix_setting(&level, "bytea_output", "hex");
	if (!standard_conforming_strings)
		pgm_fix_setting(&level, "standard_conforming_strings", "on");
	if (quote_all_identifiers)
		pgm_fix_setting(&level, "quote_all_identifiers", "off");
	return level;
}

/*
 * Floats written in full, until pgm_spi_restore_settings() with the level
 * returned (-1: they were): for a caller that deparses what it makes again
 * in the same session (an online revision's constraints, defaults and
 * views), so that it reads back the same.  The other output settings read
 * back the same in the session that wrote them, and stay the session's.
 */
int
pgm_spi_fix_output_settings(void)
{
	int			level = -1;

	if (extra_float_digits <= 0)
		pgm_fix_setting(&level, "extra_float_digits", "1");
	return level;
}

/*
 * Put the fixed settings in force until pgm_spi_restore_settings() with the
 * level returned (an error undoes them with its transaction or
 * subtransaction).  Only settings that differ are changed; -1 when none
 * did.  With `search_path`, also a search_path of pg_catalog then pg_temp,
 * for SQL that names catalogs without their schema: a temporary table named
 * pg_depend must not stand in for the real one.  (SQL that qualifies every
 * name does without: setting search_path costs a recomputation of the path,
 * and the statement after it pays again.)  Where Citus is loaded, its
 * shards stay hidden from the read (citus.c).  Values are written out as
 * the defaults write them, whatever the session's output settings
 * (pgm_fix_output()), so that a document or a definition deparsed here
 * reads back the same, and is the same in every session.
 */
int
pgm_spi_fix_settings(bool search_path)
{
	int			level = -1;
	size_t		i;

	if (search_path)
		pgm_fix_setting(&level, "search_path", "pg_catalog, pg_temp");
	/* a plan pgmigrate keeps is generic or custom as it asks, whatever the session forces */
	if (plan_cache_mode != PLAN_CACHE_MODE_AUTO)
		pgm_fix_setting(&level, "plan_cache_mode", "auto");
	level = pgm_fix_output(level);
	for (i = 0; i < lengthof(pgm_fixed_settings); i++)
		if (*pgm_fixed_settings[i].variable != pgm_fixed_settings[i].wanted)
			pgm_fix_setting(&level, pgm_fixed_settings[i].name, pgm_fixed_settings[i].wanted ? "on" : "off");
	return pgm_citus_hide_shards(level);
}

/*
 * For a query that looks up a few objects by their oids, from within
 * pgm_spi_fix_settings(): index lookups only, no hash or merge join and no
 * sequential scan.  The planner's estimates for such a query (a recursion
 * through pg_depend, oids from arrays) can say hundreds of rows where
 * there are a few, and a hash of pg_depend costs what the database holds,
 * at every deploy.  Until pgm_spi_restore_settings() with the level
 * returned.
 */
int
pgm_spi_prefer_lookups(void)
{
	static const char *const off[] = {"enable_hashjoin", "enable_mergejoin", "enable_seqscan"};
	int			level = NewGUCNestLevel();
	size_t		i;

	for (i = 0; i < lengthof(off); i++)
		(void) set_config_option(off[i], "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
	return level;
}

/* The session's own settings back, after pgm_spi_fix_settings(). */
void
pgm_spi_restore_settings(int level)
{
	if (level >= 0)
		AtEOXact_GUC(true, level);
}

/* Run one statement of pgmigrate's own making. */
void
pgm_spi_run(const char *sql)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			ret = SPI_execute(sql, false, 0);

	/* SPI leaves its own context current: the caller's allocations go on in theirs */
	MemoryContextSwitchTo(cxt);
	if (ret < 0)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	SPI_freetuptable(SPI_tuptable);
}

/* "{1,3}" or "[0:1]={1,3}" (an int2[] as text) as numbers; returns how many. */
int
pgm_int2_array_parse(const char *text, int *out, int max)
{
	int			n = 0;
	const char *p = strchr(text, '=') ? strchr(text, '=') + 1 : text;

	while (*p && n < max)
	{
		char	   *end;
		long		v = strtol(p, &end, 10);

		if (end == p)
			p++;
		else
		{
			out[n++] = (int) v;
			p = end;
		}
	}
	return n;
}

/* `n` attribute numbers as an int2[] datum, a query's argument. */
Datum
pgm_int2_array_datum(const AttrNumber *attnums, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = Int16GetDatum(attnums[i]);
	return PointerGetDatum(construct_array(elems, n, INT2OID, sizeof(int16), true, TYPALIGN_SHORT));
}

/*
 * Run a query; its rows as a List of char *[] (each column in its text
 * form, NULL for a null), in the caller's memory context.
 */
List *
pgm_spi_rows(const char *sql, int nargs, Oid *types, Datum *values)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *out = NIL;
	/* not read-only: it must see what the statements before it did */
	int			ret = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);
	uint64		i;

	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_with_args failed: %s", SPI_result_code_string(ret));
	MemoryContextSwitchTo(cxt);
	for (i = 0; i < SPI_processed; i++)
	{
		int			natts = SPI_tuptable->tupdesc->natts;
		char	  **row = palloc(sizeof(char *) * natts);
		int			c;

		for (c = 0; c < natts; c++)
			row[c] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1);
		out = lappend(out, row);
	}
	SPI_freetuptable(SPI_tuptable);
	return out;
}

/* Run a query of one column; its values as a List of char * (NULLs skipped). */
List *
pgm_spi_strings(const char *sql, int nargs, Oid *types, Datum *values)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, pgm_spi_rows(sql, nargs, types, values))
		if (((char **) lfirst(lc))[0])
			out = lappend(out, ((char **) lfirst(lc))[0]);
	return out;
}

/* Is `s` in `list`, a List of C strings? */
bool
pgm_list_has_string(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp((const char *) lfirst(lc), s) == 0)
			return true;
	return false;
}

/* The strings of `list`, `separator` between them, palloc'd. */
char *
pgm_list_join(List *list, const char *separator)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, list)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) > 0 ? separator : "", (char *) lfirst(lc));
	return buf.data;
}

/*
 * Run fn(arg) in a subtransaction: released when fn returns and `keep`,
 * rolled back otherwise.  Returns NULL when fn returned, else a copy of its
 * error, the subtransaction rolled back.  A cancel (query cancel,
 * statement_timeout) is never returned: once the subtransaction is rolled
 * back it is raised again, so that it ends the whole call at once.
 */
ErrorData *
pgm_in_subtransaction(void (*fn) (void *), void *arg, bool keep)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	ErrorData  *volatile edata = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		fn(arg);
		if (keep)
			ReleaseCurrentSubTransaction();
		else
			RollbackAndReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	CurrentResourceOwner = owner;
	if (edata != NULL && edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		ReThrowError(edata);
	return edata;
}
