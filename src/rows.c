/*
 * rows.c — rows in and rows out: reading SPI results, returning sets.
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
