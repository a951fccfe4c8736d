/*
 * verify.c — turning "we think the migrations are right" into facts:
 * migrate.drift(), migrate.verify() and migrate.test_roundtrip().
 *
 * drift() compares the live schema with the snapshot the last apply,
 * rollback or stamp recorded.  verify() adds the stored checksums.
 * test_roundtrip() runs every pending revision up, down and up again inside
 * a subtransaction that it rolls back at the end, so the database and the
 * catalog are left exactly as they were.  Each step runs in a subtransaction
 * of its own (engine.c), so a failing down (or up) is reported, not raised.
 *
 * Calls catalog.c, citus.c, engine.c, graph.c, records.c, rows.c, session.c,
 * snapshot.c and sqltext.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_compare);
PG_FUNCTION_INFO_V1(pgmigrate_drift);
PG_FUNCTION_INFO_V1(pgmigrate_verify);
PG_FUNCTION_INFO_V1(pgmigrate_test_roundtrip);

/* Drift rows into a (object, change, detail) result. */
static void
pgm_put_drift(Tuplestorestate *store, TupleDesc desc, List *drift)
{
	ListCell   *lc;

	foreach(lc, drift)
	{
		PgmDrift   *d = (PgmDrift *) lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(d->object);
		values[1] = CStringGetTextDatum(d->change);
		values[2] = CStringGetTextDatum(d->detail);
		tuplestore_putvalues(store, desc, values, nulls);
	}
}

Datum
pgmigrate_compare(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = pgm_srf_begin(fcinfo, &desc);

	pgm_put_drift(store, desc,
				  pgm_snapshot_diff(pgm_snapshot_read(PG_GETARG_JSONB_P(0), "source"),
									pgm_snapshot_read(PG_GETARG_JSONB_P(1), "target")));
	return (Datum) 0;
}

Datum
pgmigrate_drift(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = pgm_srf_begin(fcinfo, &desc);

	pgm_spi_connect();
	pgm_put_drift(store, desc, pgm_snapshot_diff(pgm_record_last(), pgm_snapshot_take(true)));
	SPI_finish();
	return (Datum) 0;
}

static void
pgm_verify_row(Tuplestorestate *store, TupleDesc desc, const char *problem,
			   const char *object, const char *detail)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	values[0] = CStringGetTextDatum(problem);
	values[1] = CStringGetTextDatum(object);
	values[2] = CStringGetTextDatum(detail);
	tuplestore_putvalues(store, desc, values, nulls);
}

/* Does the SQL in column sql_col still match the checksum in sha_col? */
static bool
pgm_checksum_matches(int row, int sql_col, int sha_col)
{
	bool		isnull;
	Datum		sql = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, sql_col, &isnull);
	char	   *sha = pgm_result_text(row, sha_col);

	if (isnull || sha == NULL)
		return isnull && sha == NULL;
	return strcmp(pgm_sha256_hex(DatumGetTextPP(sql)), sha) == 0;
}

Datum
pgmigrate_verify(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store = pgm_srf_begin(fcinfo, &desc);
	ListCell   *lc;
	List	   *drift;
	int			n;
	int			i;

	pgm_spi_connect();
	n = pgm_catalog_exec(PGM_Q_CHECKSUMS, NULL, NULL, true);
	for (i = 0; i < n; i++)
	{
		char	   *id = pgm_result_text(i, 1);

		if (!pgm_checksum_matches(i, 2, 3))
			pgm_verify_row(store, desc, "checksum", psprintf("revision %s", id),
						   "the stored up SQL does not match its checksum");
		if (!pgm_checksum_matches(i, 4, 5))
			pgm_verify_row(store, desc, "checksum", psprintf("revision %s", id),
						   "the stored down SQL does not match its checksum");
	}
	SPI_freetuptable(SPI_tuptable);

	/* an older catalog under this library has no snapshots to compare */
	if (!pgm_snapshots_available())
	{
		ereport(WARNING,
				(errmsg("drift not checked: the pgmigrate extension in this database is older than its library"),
				 errhint("Update it: SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE; RESET pgmigrate.guard;")));
		SPI_finish();
		return (Datum) 0;
	}
	drift = pgm_snapshot_diff(pgm_record_last(), pgm_snapshot_take(true));
	foreach(lc, drift)
	{
		PgmDrift   *d = (PgmDrift *) lfirst(lc);

		pgm_verify_row(store, desc, "drift", d->object,
					   *d->detail ? psprintf("%s: %s", d->change, d->detail) : d->change);
	}
	SPI_finish();
	return (Datum) 0;
}

/* What the down failed to restore, one line per object; "" when nothing. */
static char *
pgm_describe_drift(List *drift)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, drift)
	{
		PgmDrift   *d = (PgmDrift *) lfirst(lc);

		appendStringInfo(&buf, "%s%s %s%s%s", buf.len ? "\n" : "", d->object, d->change,
						 *d->detail ? ": " : "", d->detail);
	}
	return buf.data;
}

/* One revision's round trip, as the steps below see it. */
typedef struct PgmRoundTrip
{
	PgmGraph   *graph;
	int			node;
	int			step;
	int			nsteps;
	PgmSnapshot *before;		/* before the up */
	List	   *drift;			/* what the down left different */
	char	   *up_again_error; /* the second up failed */
} PgmRoundTrip;

/* Run fn(arg) in a subtransaction (engine.c); NULL when it ran, else its error as text. */
static char *
pgm_step(void (*fn) (void *), PgmRoundTrip *rt, bool keep)
{
	ErrorData  *edata = pgm_in_subtransaction(fn, rt, keep);

	if (edata == NULL)
		return NULL;
	return psprintf("%s (SQLSTATE %s)", edata->message, unpack_sql_state(edata->sqlerrcode));
}

static void
pgm_step_up(void *arg)
{
	PgmRoundTrip *rt = (PgmRoundTrip *) arg;

	pgm_run_revision(rt->graph, rt->node, PGM_APPLY, rt->step, rt->nsteps);
}

static void
pgm_step_down_compare_up(void *arg)
{
	PgmRoundTrip *rt = (PgmRoundTrip *) arg;

	pgm_run_revision(rt->graph, rt->node, PGM_ROLLBACK, rt->step, rt->nsteps);
	rt->drift = pgm_snapshot_diff(rt->before, pgm_snapshot_take(false));
	/* up again, in a subtransaction of its own inside the down's */
	rt->up_again_error = pgm_step(pgm_step_up, rt, false);
}

/*
 * One round trip: up (kept), then in a subtransaction that is always
 * undone: down, compare with the snapshot before the up, up again.  The
 * next revision so starts exactly where a deploy would have left it.
 * Returns false when the up itself failed: later revisions cannot run.
 */
/*
 * What one transaction cannot test, told apart from real failures.  A
 * column dropped and added back by the down comes back at another
 * position, which no down can restore and no query by name sees.  An enum
 * value the up added cannot be used in the transaction that added it
 * (55P04), though a real rollback, in a transaction of its own, uses it.
 */
static bool
pgm_drift_is_position_only(List *drift)
{
	ListCell   *lc;

	foreach(lc, drift)
	{
		PgmDrift   *d = (PgmDrift *) lfirst(lc);

		if (strcmp(d->change, "changed") != 0 || strncmp(d->detail, "position: ", 10) != 0 ||
			strchr(d->detail, ';') != NULL || strncmp(d->object, "column ", 7) != 0)
			return false;
	}
	return drift != NIL;
}

static bool
pgm_is_new_enum_value_use(const char *failure)
{
	return failure != NULL && strstr(failure, "(SQLSTATE 55P04)") != NULL;
}

static bool
pgm_round_trip(PgmRoundTrip *rt, bool *ok, char **detail)
{
	char	   *failure;

	rt->before = pgm_snapshot_take(false);
	if ((failure = pgm_step(pgm_step_up, rt, true)) != NULL)
	{
		/* a value an earlier revision added: the client commits in between */
		*ok = pgm_is_new_enum_value_use(failure);
		*detail = *ok ?
			psprintf("note: not tested: the up uses an enum value an earlier revision added, which PostgreSQL allows only after that transaction commits (the client commits there); the revisions after it were not tested either: %s", failure) :
			psprintf("the up SQL failed: %s", failure);
		return false;
	}
	if (rt->graph->nodes[rt->node].irreversible)
	{
		*ok = false;
		*detail = rt->graph->nodes[rt->node].down_withdrawn ?
			psprintf("the derived down was withdrawn: %s", rt->graph->nodes[rt->node].down_withdrawn) :
			pstrdup("the revision has no down SQL");
		return true;
	}
	if ((failure = pgm_step(pgm_step_down_compare_up, rt, false)) != NULL)
	{
		*ok = pgm_is_new_enum_value_use(failure);
		*detail = *ok ?
			psprintf("note: the down uses an enum value the up added, which PostgreSQL allows only after the transaction that added it; a real rollback runs in a transaction of its own, so this was not tested: %s", failure) :
			psprintf("the down SQL failed: %s", failure);
	}
	else if (rt->drift != NIL && !pgm_drift_is_position_only(rt->drift))
	{
		*ok = false;
		*detail = psprintf("the down did not restore the schema:\n%s", pgm_describe_drift(rt->drift));
	}
	else if (rt->up_again_error)
	{
		*ok = pgm_is_new_enum_value_use(rt->up_again_error);
		*detail = *ok ?
			psprintf("note: the up again uses an enum value added in the same transaction, which PostgreSQL refuses there but not in a deploy of its own: %s", rt->up_again_error) :
			psprintf("the up SQL failed after the down: %s", rt->up_again_error);
	}
	else if (rt->drift != NIL)
	{
		*ok = true;
		*detail = psprintf("note: the down restored everything but where columns are (no down can put a column back in its place; queries by name do not see it):\n%s",
						   pgm_describe_drift(rt->drift));
	}
	else
	{
		*ok = true;
		*detail = pstrdup("");
	}
	/* the undone subtransaction rolled the catalog back; so does the graph */
	rt->graph->nodes[rt->node].applied = true;
	return true;
}

/* Every round trip of a plan, a row each, until an up fails. */
typedef struct PgmRoundTrips
{
	PgmGraph   *graph;
	PgmPlan		plan;
	Tuplestorestate *store;
	TupleDesc	desc;
	bool		stopped;		/* an up failed: the run ended there */
} PgmRoundTrips;

static void
pgm_round_trips(void *arg)
{
	PgmRoundTrips *all = (PgmRoundTrips *) arg;
	bool		go_on = true;
	int			i;

	for (i = 0; i < all->plan.nsteps && go_on; i++)
	{
		PgmRoundTrip rt = {all->graph, all->plan.steps[i], i + 1, all->plan.nsteps};
		Datum		values[3];
		bool		nulls[3] = {false, false, false};
		bool		ok;
		char	   *detail;

		go_on = pgm_round_trip(&rt, &ok, &detail);
		all->stopped = !go_on;
		values[0] = CStringGetTextDatum(all->graph->nodes[all->plan.steps[i]].id);
		values[1] = BoolGetDatum(ok);
		values[2] = CStringGetTextDatum(detail);
		tuplestore_putvalues(all->store, all->desc, values, nulls);
	}
}

Datum
pgmigrate_test_roundtrip(PG_FUNCTION_ARGS)
{
	PgmRoundTrips all;
	ErrorData  *volatile edata = NULL;
	int			outside;
	const char *untested;
	int			sequential;

	pgm_check_may_change("migrate.test_roundtrip()");
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("target must not be NULL"),
				 errhint("Pass a target to migrate.test_roundtrip(), such as 'head'.")));
	all.store = pgm_srf_begin(fcinfo, &all.desc);
	all.stopped = false;
	pgm_spi_connect();
	sequential = pgm_citus_run_sequentially();
	pgm_lock_catalog();
	all.graph = pgm_graph_load(false);
	all.plan = pgm_plan_up(all.graph, text_to_cstring(PG_GETARG_TEXT_PP(0)), "migrate.test_roundtrip()");

	/*
	 * A revision that runs outside a transaction (the client runs it) cannot
	 * be tested in one: the round trips stop before it, and its row says so.
	 */
	for (outside = 0; outside < all.plan.nsteps; outside++)
		if (!all.graph->nodes[all.plan.steps[outside]].transactional)
			break;
	untested = outside < all.plan.nsteps ? all.graph->nodes[all.plan.steps[outside]].id : NULL;
	all.plan.nsteps = outside;
	pgm_check_plan(all.graph, &all.plan, PGM_APPLY);

	/* everything below is undone at the end, errors or not */
	pgm_session_set_engine_running(true);
	PG_TRY();
	{
		edata = pgm_in_subtransaction(pgm_round_trips, &all, false);
	}
	PG_FINALLY();
	{
		pgm_session_set_engine_running(false);
	}
	PG_END_TRY();
	if (edata)
		ReThrowError(edata);
	if (untested && !all.stopped)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(untested);
		values[1] = BoolGetDatum(true);
		values[2] = CStringGetTextDatum("note: not tested: it runs outside a transaction (the client runs it statement by statement), so the revisions after it were not tested either; test up to it, apply it, then test on");
		tuplestore_putvalues(all.store, all.desc, values, nulls);
	}

	pgm_spi_restore_settings(sequential);
	SPI_finish();
	return (Datum) 0;
}
