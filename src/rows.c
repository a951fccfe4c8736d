/*
 * rows.c — rows in and rows out: reading SPI results, returning sets, and
 * the fixed settings every catalog read runs with.
 *
 * The bottom of pgmigrate's C files: it calls none of the others.
 *
 * Every function of pgmigrate that returns rows materialises them in a
 * tuplestore.  The store lives in the per-query context, so rows survive
 * SPI_finish() and the per-revision memory resets of the engine.
 */
#include "postgres.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

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
 * The settings every read of the catalogs and of pgmigrate's catalog runs
 * with, whatever the session set: a search_path that puts pg_temp last (a
 * temporary table named pg_depend must not stand in for the real one), no
 * JIT, and the planner's enable_* flags at their defaults (after SET
 * enable_seqscan = off every sequential scan costs 1e10, and JIT would
 * compile the snapshot query each time it runs).
 */
static const struct
{
	const char *name;
	const char *value;
}			pgm_fixed_settings[] =
{
	{"search_path", "pg_catalog, pg_temp"},
	{"jit", "off"},
	{"enable_async_append", "on"},
	{"enable_bitmapscan", "on"},
	{"enable_gathermerge", "on"},
	{"enable_hashagg", "on"},
	{"enable_hashjoin", "on"},
	{"enable_incremental_sort", "on"},
	{"enable_indexonlyscan", "on"},
	{"enable_indexscan", "on"},
	{"enable_material", "on"},
	{"enable_memoize", "on"},
	{"enable_mergejoin", "on"},
	{"enable_nestloop", "on"},
	{"enable_parallel_append", "on"},
	{"enable_parallel_hash", "on"},
	{"enable_partition_pruning", "on"},
	{"enable_partitionwise_aggregate", "off"},
	{"enable_partitionwise_join", "off"},
	{"enable_seqscan", "on"},
	{"enable_sort", "on"},
	{"enable_tidscan", "on"},
};

/*
 * Put the fixed settings in force until AtEOXact_GUC(true, level) with the
 * level returned (an error undoes them with its transaction or
 * subtransaction).  Only settings that differ are changed.
 */
int
pgm_spi_fix_settings(void)
{
	int			level = NewGUCNestLevel();
	size_t		i;

	for (i = 0; i < lengthof(pgm_fixed_settings); i++)
	{
		const char *current = GetConfigOption(pgm_fixed_settings[i].name, true, false);

		if (current == NULL || strcmp(current, pgm_fixed_settings[i].value) != 0)
			(void) set_config_option(pgm_fixed_settings[i].name, pgm_fixed_settings[i].value,
									 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}
	return level;
}
