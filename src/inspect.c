/*
 * inspect.c — the read-only questions: status(), current(), heads(), plan().
 *
 * None of these takes the catalog lock or changes anything; they read the
 * catalog with the calling query's snapshot, so inside a transaction they
 * see what that transaction has applied so far.
 *
 * Calls catalog.c, dataloss.c, graph.c and rows.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_status);
PG_FUNCTION_INFO_V1(pgmigrate_current);
PG_FUNCTION_INFO_V1(pgmigrate_heads);
PG_FUNCTION_INFO_V1(pgmigrate_plan);

static PgmGraph *
pgm_inspect_begin(void)
{
	pgm_spi_connect();
	return pgm_graph_load(true);
}

/* text[] of the ids of `nodes`, allocated in the caller's (upper) context. */
static Datum
pgm_id_array(PgmGraph *graph, const int *nodes, int count)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(count, 1));
	ArrayType  *array;
	void	   *copy;
	int			i;

	for (i = 0; i < count; i++)
		elems[i] = CStringGetTextDatum(graph->nodes[nodes[i]].id);
	array = construct_array(elems, count, TEXTOID, -1, false, TYPALIGN_INT);
	copy = SPI_palloc(VARSIZE(array));	/* survives SPI_finish() */
	memcpy(copy, array, VARSIZE(array));
	return PointerGetDatum(copy);
}

Datum
pgmigrate_status(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = pgm_srf_begin(fcinfo, &desc);
	PgmGraph   *graph = pgm_inspect_begin();
	List	   *online = NIL;	/* id, phase, id, phase, ... */
	int			i;

	/* 0.5's status() says where each online revision is */
	if (desc->natts > 10)
	{
		int			n = pgm_catalog_exec(PGM_Q_ONLINE_PHASES, NULL, NULL, true);

		for (i = 0; i < n; i++)
			online = lappend(lappend(online, pgm_result_text(i, 1)), pgm_result_text(i, 2));
		SPI_freetuptable(SPI_tuptable);
	}
	for (i = 0; i < graph->nnodes; i++)
	{
		PgmNode    *node = &graph->nodes[graph->topo[i]];
		Datum		values[11];
		bool		nulls[11] = {false};
		ListCell   *lc;
		Datum	   *parents = palloc(sizeof(Datum) * Max(node->nparents, 1));
		int			j;

		for (j = 0; j < node->nparents; j++)
			parents[j] = CStringGetTextDatum(graph->nodes[node->parents[j]].id);
		values[0] = CStringGetTextDatum(node->id);
		values[1] = PointerGetDatum(construct_array(parents, node->nparents, TEXTOID,
													-1, false, TYPALIGN_INT));
		values[2] = BoolGetDatum(node->applied);
		values[3] = TimestampTzGetDatum(node->applied_at);
		nulls[3] = !node->applied;
		values[4] = BoolGetDatum(node->nchildren == 0);
		values[5] = node->description ? CStringGetTextDatum(node->description) : (Datum) 0;
		nulls[5] = node->description == NULL;
		values[6] = BoolGetDatum(node->destructive);
		values[7] = BoolGetDatum(node->irreversible);
		values[8] = BoolGetDatum(node->transactional);
		values[9] = BoolGetDatum(node->down_derived);
		nulls[10] = true;
		for (lc = list_head(online); lc; lc = lnext(online, lnext(online, lc)))
			if (strcmp(lfirst(lc), node->id) == 0)
			{
				values[10] = CStringGetTextDatum(lfirst(lnext(online, lc)));
				nulls[10] = false;
			}
		tuplestore_putvalues(store, desc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

Datum
pgmigrate_current(PG_FUNCTION_ARGS)
{
	PgmGraph   *graph = pgm_inspect_begin();
	int			count;
	int		   *current = pgm_graph_current(graph, &count);
	Datum		result = pgm_id_array(graph, current, count);

	SPI_finish();
	PG_RETURN_DATUM(result);
}

Datum
pgmigrate_heads(PG_FUNCTION_ARGS)
{
	PgmGraph   *graph = pgm_inspect_begin();
	int			count;
	int		   *heads = pgm_graph_heads(graph, &count);
	Datum		result = pgm_id_array(graph, heads, count);

	SPI_finish();
	PG_RETURN_DATUM(result);
}

Datum
pgmigrate_plan(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	PgmGraph   *graph;
	PgmPlan		plan;
	char	   *target;
	char	   *direction;
	bool		up;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL",
						PG_ARGISNULL(0) ? "target" : PG_ARGISNULL(1) ? "direction" : "allow_data_loss"),
				 errhint("migrate.plan() takes a target and a direction, \"up\" or \"down\".")));
	target = text_to_cstring(PG_GETARG_TEXT_PP(0));
	direction = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (strcmp(direction, "up") != 0 && strcmp(direction, "down") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid direction \"%s\"", direction),
				 errhint("The direction is \"up\" (what apply would run) or \"down\" (what rollback would run).")));
	up = direction[0] == 'u';

	store = pgm_srf_begin(fcinfo, &desc);
	graph = pgm_inspect_begin();
	plan = up ? pgm_plan_up(graph, target, "migrate.plan() going up") :
		pgm_plan_down(graph, target, "migrate.plan() going down");
	/* the checks rollback makes before it runs anything */
	if (!up)
	{
		pgm_check_reversible(graph, &plan);
		if (!PG_GETARG_BOOL(2))
			pgm_check_data_loss(graph, &plan, true);
	}

	for (i = 0; i < plan.nsteps; i++)
	{
		PgmNode    *node = &graph->nodes[plan.steps[i]];
		Datum		values[4];
		bool		nulls[4] = {false};

		values[0] = Int32GetDatum(i + 1);
		values[1] = CStringGetTextDatum(node->id);
		values[2] = CStringGetTextDatum(direction);
		values[3] = CStringGetTextDatum(pgm_catalog_fetch_sql(node->id, up, true));
		tuplestore_putvalues(store, desc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}
