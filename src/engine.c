/*
 * engine.c — migrate.apply(), migrate.rollback() and migrate.stamp(), and
 * migrate.record_snapshot().
 *
 * All three run in the caller's transaction and hold the catalog lock (a
 * transaction-level advisory lock) from before they read the graph until
 * the transaction ends, so concurrent callers queue and the second one
 * finds nothing left to do.  A failing statement aborts the transaction:
 * the schema and the catalog change together or not at all.
 *
 * Rules a reader must know:
 * - Everything that can be checked is checked before the first revision
 *   runs (target, irreversible revisions, revisions the client must run).
 * - A revision's SQL runs as the caller, statement by statement, through
 *   SPI; an error keeps PostgreSQL's own SQLSTATE, message and position and
 *   gains a CONTEXT line naming the revision and the statement.
 * - Each revision runs in a memory context that is reset before the next,
 *   so a 10,000-revision apply keeps backend memory flat.
 * - SET in a revision lasts until the end of that revision.
 * - A derived down is checked against the catalogs while its up runs
 *   (derive.c) and withdrawn when it would not undo the up here; it runs
 *   with the session's temporary schema searched last.
 * - The session's "engine running" state (session.c) is set only while
 *   revisions run and is cleared by PG_FINALLY; a revision's SQL cannot
 *   call back into the engine.
 *
 * Calls catalog.c, citus.c, dataloss.c, graph.c, records.c, rows.c, session.c,
 * snapshot.c and sqltext.c.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "portability/instr_time.h"
#include "storage/latch.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/varlena.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_apply);
PG_FUNCTION_INFO_V1(pgmigrate_rollback);
PG_FUNCTION_INFO_V1(pgmigrate_stamp);
PG_FUNCTION_INFO_V1(pgmigrate_apply_steps);
PG_FUNCTION_INFO_V1(pgmigrate_rollback_steps);
PG_FUNCTION_INFO_V1(pgmigrate_record_snapshot);

typedef struct PgmActionInfo
{
	const char *function;		/* for messages */
	const char *log_action;		/* migrate.log.action */
	const char *verb;			/* NOTICE per revision as it starts */
	const char *done;			/* and as it finishes, with pgmigrate.progress */
	const char *nothing;		/* NOTICE when there is nothing to do */
} PgmActionInfo;

static const PgmActionInfo pgm_actions[] = {
	[PGM_APPLY] = {"migrate.apply()", "apply", "applying", "applied", "no revision is pending"},
	[PGM_ROLLBACK] = {"migrate.rollback()", "rollback", "rolling back", "rolled back", "no revision to roll back"},
	[PGM_STAMP] = {"migrate.stamp()", "stamp", "stamping", "stamped", "no revision is pending"},
	[PGM_RECORD_APPLIED] = {"migrate.finish_outside_transaction()", "apply", "recording the run of", "recorded", ""},
	[PGM_RECORD_ROLLED_BACK] = {"migrate.finish_outside_transaction()", "rollback", "recording the run of", "recorded", ""},
	[PGM_COMPLETE_ONLINE] = {"migrate.complete()", "apply", "completing", "completed", ""},
};

/* Where a failing statement was: shown as the error's CONTEXT. */
typedef struct PgmStatementContext
{
	const char *revision;
	const char *side;
	int			number;
	int			line;
	Node	   *tree;
} PgmStatementContext;

/* The relation a statement locks, as far as its parse tree tells. */
static RangeVar *
pgm_statement_relation(Node *tree)
{
	switch (nodeTag(tree))
	{
		case T_AlterTableStmt:
			return ((AlterTableStmt *) tree)->relation;
		case T_IndexStmt:
			return ((IndexStmt *) tree)->relation;
		case T_RenameStmt:
			return ((RenameStmt *) tree)->relation;
		case T_CreateTrigStmt:
			return ((CreateTrigStmt *) tree)->relation;
		case T_CreatePolicyStmt:
			return ((CreatePolicyStmt *) tree)->table;
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) tree;

				if (stmt->objects != NIL &&
					(stmt->removeType == OBJECT_TABLE || stmt->removeType == OBJECT_INDEX ||
					 stmt->removeType == OBJECT_VIEW || stmt->removeType == OBJECT_SEQUENCE ||
					 stmt->removeType == OBJECT_MATVIEW))
					return makeRangeVarFromNameList((List *) linitial(stmt->objects));
				return NULL;
			}
		case T_TruncateStmt:
			return linitial_node(RangeVar, ((TruncateStmt *) tree)->relations);
		case T_LockStmt:
			return linitial_node(RangeVar, ((LockStmt *) tree)->relations);
		case T_InsertStmt:
			return ((InsertStmt *) tree)->relation;
		case T_UpdateStmt:
			return ((UpdateStmt *) tree)->relation;
		case T_DeleteStmt:
			return ((DeleteStmt *) tree)->relation;
		default:
			return NULL;
	}
}

/* pgmigrate.lock_timeout (ms, 0 = off) and pgmigrate.lock_retries */
static int	pgm_lock_timeout = 0;
static int	pgm_lock_retries = 3;
static bool pgm_progress = false;

/*
 * The relation the last statement that timed out on a lock works on, from
 * its parse tree: by the time the error is raised, PostgreSQL has already
 * forgotten which lock it waited for.
 */
static bool pgm_waited_valid = false;
static char pgm_waited_schema[NAMEDATALEN];
static char pgm_waited_relation[NAMEDATALEN];

void
pgm_engine_define_settings(void)
{
	DefineCustomIntVariable("pgmigrate.lock_timeout",
							"Lock timeout for each revision that apply and rollback run; 0 turns it off.",
							"A revision that waits longer for a lock is rolled back and retried, so that "
							"a migration never queues behind a long transaction while blocking the application.",
							&pgm_lock_timeout,
							0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pgmigrate.lock_retries",
							"How many times a revision that hit pgmigrate.lock_timeout is retried.",
							NULL,
							&pgm_lock_retries,
							3, 0, 1000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("pgmigrate.progress",
							 "Send a NOTICE as each revision finishes, with its duration.",
							 "The pgmigrate client turns it on, to show a line per revision while a "
							 "long apply or rollback runs in one call.",
							 &pgm_progress,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}

static void
pgm_statement_error_callback(void *arg)
{
	PgmStatementContext *ctx = (PgmStatementContext *) arg;

	/* a lock timeout: remember which relation the statement works on */
	if (geterrcode() == ERRCODE_LOCK_NOT_AVAILABLE)
	{
		RangeVar   *rv = pgm_statement_relation(ctx->tree);

		pgm_waited_valid = rv != NULL;
		if (rv)
		{
			strlcpy(pgm_waited_schema, rv->schemaname ? rv->schemaname : "", NAMEDATALEN);
			strlcpy(pgm_waited_relation, rv->relname, NAMEDATALEN);
		}
	}

	errcontext("statement %d of the %s SQL of revision \"%s\", line %d",
			   ctx->number, ctx->side, ctx->revision, ctx->line);
}

/*
 * Run `sql`, one statement at a time, as the caller; with `judge` (the up
 * of a revision not registered destructive), its type changes judged
 * first (pgm_judge_at_apply()).  With `withdrawn`
 * (an up whose down was derived), each statement is first asked whether
 * its derived inverse would undo it here (derive.c); the first reason it
 * would not is kept in *withdrawn.
 */
static void
pgm_run_sql(const char *revision, const char *side, const char *sql, bool judge, char **withdrawn)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *stmts = pgm_split_statements(sql, pgm_parse_sql(sql, revision, side));
	PgmStatementContext ctx;
	ErrorContextCallback callback;
	ListCell   *lc;

	if (judge)
		pgm_judge_at_apply(revision, stmts);

	ctx.revision = revision;
	ctx.side = side;
	callback.callback = pgm_statement_error_callback;
	callback.arg = &ctx;

	foreach(lc, stmts)
	{
		PgmStatement *stmt = (PgmStatement *) lfirst(lc);
		int			ret;

		ctx.number = stmt->number;
		ctx.line = stmt->line;
		ctx.tree = stmt->tree;
		callback.previous = error_context_stack;
		error_context_stack = &callback;

		if (withdrawn && *withdrawn == NULL)
			*withdrawn = pgm_inverse_fails_here(stmt->tree);
		ret = SPI_execute(stmt->text, false, 0);
		MemoryContextSwitchTo(cxt);

		if (ret == SPI_ERROR_TRANSACTION)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
					 errmsg("transaction control statements are not allowed in a revision"),
					 errdetail("A revision runs inside the transaction of the migrate function that runs it."),
					 errhint("Remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT statements from the revision.")));
		if (ret == SPI_ERROR_COPY)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("COPY to or from the client is not allowed in a revision"),
					 errhint("Use INSERT statements, or COPY from a file on the server.")));
		if (ret < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));

		error_context_stack = callback.previous;
		SPI_freetuptable(SPI_tuptable);
	}
}

/*
 * Checks that must pass before anything runs.
 */
void
pgm_check_plan(PgmGraph *graph, PgmPlan *plan, PgmAction action)
{
	int			i;

	if (action == PGM_ROLLBACK)
		pgm_check_reversible(graph, plan);
	if (action == PGM_STAMP)
		return;
	for (i = 0; i < plan->nsteps; i++)
	{
		PgmNode    *node = &graph->nodes[plan->steps[i]];

		if (!node->transactional)
			ereport(ERROR,
					(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
					 errmsg("revision \"%s\" cannot run inside a transaction block", node->id),
					 errdetail("It was registered with transactional => false; nothing was %s.",
							   action == PGM_APPLY ? "applied" : "rolled back"),
					 errhint("Run it with the pgmigrate client, or stop before it with a revision id as target.")));
	}
}

static double pgm_run_revision_once(PgmGraph *graph, int n, PgmAction action,
									int step, int nsteps);

/*
 * The relation an online phase is about to wait for (online/locks.c), for
 * the error after its last try; InvalidOid: none.
 */
void
pgm_engine_note_waited(Oid relid)
{
	char	   *name = OidIsValid(relid) ? get_rel_name(relid) : NULL;
	char	   *schema = name ? get_namespace_name(get_rel_namespace(relid)) : NULL;

	/* (dropped meanwhile: no name) */
	pgm_waited_valid = name != NULL && schema != NULL;
	if (pgm_waited_valid)
	{
		strlcpy(pgm_waited_schema, schema, NAMEDATALEN);
		strlcpy(pgm_waited_relation, name, NAMEDATALEN);
	}
}

/* "a lock on table app.users", resolved as the statement would resolve it */
static char *
pgm_describe_waited_lock(void)
{
	RangeVar   *rv;
	Oid			relid;

	if (!pgm_waited_valid)
		return pstrdup("a lock");
	rv = makeRangeVar(pgm_waited_schema[0] ? pstrdup(pgm_waited_schema) : NULL,
					  pstrdup(pgm_waited_relation), -1);
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return psprintf("a lock on %s", quote_qualified_identifier(rv->schemaname, rv->relname));
	return psprintf("a lock on %s", quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
															   get_rel_name(relid)));
}

/* Sleep `ms`, but end at once, with its error, on a cancel or a timeout. */
void
pgm_sleep_interruptibly(int ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);
	long		left;

	while ((left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end)) > 0)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* One attempt of some work under pgmigrate.lock_timeout. */
typedef struct PgmTimedAttempt
{
	void		(*fn) (void *);
	void	   *arg;
	int			timeout_ms;
} PgmTimedAttempt;

static void
pgm_attempt_under_lock_timeout(void *arg)
{
	PgmTimedAttempt *attempt = (PgmTimedAttempt *) arg;
	int			guc_level = NewGUCNestLevel();

	(void) set_config_option("lock_timeout", psprintf("%d", attempt->timeout_ms),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	pgm_waited_valid = false;
	attempt->fn(attempt->arg);
	AtEOXact_GUC(true, guc_level);
}

/*
 * pgmigrate.lock_timeout, or `fallback` when it is off: what an online
 * revision's phases wait at most for a lock, since they must never queue.
 */
int
pgm_lock_timeout_or(int fallback)
{
	return pgm_lock_timeout > 0 ? pgm_lock_timeout : fallback;
}

/*
 * The error after the last try of pgm_with_lock_retries(): "within
 * pgmigrate.lock_timeout" when that is what each try waited (an online
 * phase waits 2 s when it is off, and less for what it takes while it
 * holds other locks: online/locks.c).
 */
static void
pgm_lock_retries_exhausted(const char *revision, const char *undone, int timeout_ms, int tries)
{
	char	   *lock = pgm_describe_waited_lock();

	ereport(ERROR,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 timeout_ms == pgm_lock_timeout ?
			 errmsg("revision \"%s\" could not get %s within pgmigrate.lock_timeout", revision, lock) :
			 errmsg("revision \"%s\" could not get %s in time", revision, lock),
			 errdetail_plural("It was tried %d time, waiting at most %d ms; nothing was %s.",
							  "It was tried %d times, each waiting at most %d ms; nothing was %s.",
							  tries, tries, timeout_ms, undone),
			 errhint("Find the transaction holding the lock in pg_locks and pg_stat_activity, or retry when it is done.")));
}

/*
 * Run fn(arg), the work of revision `revision`, under a lock_timeout of
 * `timeout_ms` (none when 0), in a subtransaction that is rolled back and
 * retried pgmigrate.lock_retries times, with back-off, when a statement
 * times out on a lock.  A cancel or statement_timeout ends it at once, also
 * while it waits to retry.  `undone` completes "nothing was ..." in the
 * error after the last try.
 */
void
pgm_with_lock_retries(const char *revision, const char *undone, int timeout_ms,
					  void (*fn) (void *), void *arg)
{
	PgmTimedAttempt attempt = {fn, arg, timeout_ms};
	int			backoff_ms = 100;
	int			tries;

	if (timeout_ms <= 0)
	{
		fn(arg);
		return;
	}
	for (tries = 0;; tries++)
	{
		ErrorData  *edata = pgm_in_subtransaction(pgm_attempt_under_lock_timeout, &attempt, true);

		if (edata == NULL)
			return;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		if (tries >= pgm_lock_retries)
			pgm_lock_retries_exhausted(revision, undone, timeout_ms, tries + 1);
		ereport(NOTICE,
				(errmsg("revision \"%s\" waited too long for %s; retrying in %d ms (retry %d of %d)",
						revision, pgm_describe_waited_lock(), backoff_ms,
						tries + 1, pgm_lock_retries)));
		pgm_sleep_interruptibly(backoff_ms);
		backoff_ms = Min(backoff_ms * 2, 10000);
	}
}

/* One attempt of a revision. */
typedef struct PgmAttempt
{
	PgmGraph   *graph;
	int			node;
	PgmAction	action;
	int			step;
	int			nsteps;
	double		ms;
} PgmAttempt;

static void
pgm_attempt_revision(void *arg)
{
	PgmAttempt *attempt = (PgmAttempt *) arg;

	/* as it was before: an attempt rolled back takes the catalog mark with it */
	attempt->graph->nodes[attempt->node].applied =
		attempt->action == PGM_ROLLBACK || attempt->action == PGM_RECORD_ROLLED_BACK;
	attempt->ms = pgm_run_revision_once(attempt->graph, attempt->node, attempt->action,
										attempt->step, attempt->nsteps);
}

/*
 * Apply, roll back or stamp one revision; returns its duration in ms.  The
 * caller is connected to SPI, holds the catalog lock and has marked the
 * engine running.
 */
double
pgm_run_revision(PgmGraph *graph, int n, PgmAction action, int step, int nsteps)
{
	PgmAttempt	attempt = {graph, n, action, step, nsteps, 0};

	if (action == PGM_APPLY || action == PGM_ROLLBACK)
		pgm_with_lock_retries(graph->nodes[n].id, action == PGM_ROLLBACK ? "rolled back" : "applied",
							  pgm_lock_timeout, pgm_attempt_revision, &attempt);
	else
		pgm_attempt_revision(&attempt);
	return attempt.ms;
}

/*
 * A derived down names objects without a schema, as the up did.  The
 * session's temporary schema, searched first unless the search_path names
 * it, could hold a namesake the down would drop instead: search it last.
 * Undone with the revision's other settings.
 */
static void
pgm_search_temp_last(void)
{
	char	   *path = pstrdup(namespace_search_path);
	List	   *names;
	ListCell   *lc;

	if (!SplitIdentifierString(path, ',', &names))
		return;					/* the server would not have accepted it */
	foreach(lc, names)
		if (strncmp((char *) lfirst(lc), "pg_temp", 7) == 0)
			return;
	(void) set_config_option("search_path",
							 psprintf("%s%spg_temp", namespace_search_path,
									  names == NIL ? "" : ", "),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * The up just run adopted something its derived down would remove too, or
 * cannot run here (derive.c says why): the down is withdrawn in the same
 * transaction, and the revision is irreversible in this database.
 */
static void
pgm_withdraw_down(PgmGraph *graph, PgmNode *node, const char *why)
{
	Datum		id = CStringGetTextDatum(node->id);

	if (pgm_catalog_exec(PGM_Q_WITHDRAW_DOWN, &id, NULL, false) != 1)
		elog(ERROR, "derived down of revision \"%s\" was not withdrawn", node->id);
	node->irreversible = true;
	node->down_withdrawn = MemoryContextStrdup(GetMemoryChunkContext(graph->nodes), why);
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("revision \"%s\" is now irreversible", node->id),
			 errdetail("Its derived down would not undo it in this database: %s.", why),
			 errhint("Register the revision with down SQL of its own to roll it back.")));
}

static double
pgm_run_revision_once(PgmGraph *graph, int n, PgmAction action, int step, int nsteps)
{
	PgmNode    *node = &graph->nodes[n];
	Datum		values[3];
	instr_time	start;
	instr_time	elapsed;
	char	   *sql = NULL;
	bool		want_sql;
	double		ms;

	INSTR_TIME_SET_CURRENT(start);
	ereport(NOTICE,
			(errmsg("%s revision \"%s\" (%d of %d)",
					pgm_actions[action].verb, node->id, step, nsteps)));

	/* the SQL to run: read as the revision is marked, unless read already */
	if (action == PGM_ROLLBACK && node->checked_down)
		sql = node->checked_down;	/* read and checked by the data-loss check */
	want_sql = (action == PGM_APPLY || action == PGM_ROLLBACK) && sql == NULL;

	values[0] = CStringGetTextDatum(node->id);
	if (action == PGM_ROLLBACK || action == PGM_RECORD_ROLLED_BACK)
	{
		if (!pgm_catalog_mark(node->id, false, values, want_sql ? &sql : NULL))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("revision \"%s\" was rolled back by a concurrent transaction", node->id),
					 errhint("Retry the rollback.")));
		node->applied = false;
	}
	else
	{
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(pgm_caller_name()));
		values[2] = Int64GetDatum(++graph->max_apply_order);
		if (!pgm_catalog_mark(node->id, true, values, want_sql ? &sql : NULL))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("revision \"%s\" was applied by a concurrent transaction", node->id),
					 errhint("Retry: the retry will find it applied.")));
		node->applied = true;
	}

	if (sql)
	{
		/*
		 * Settings a revision changes (SET search_path, SET lock_timeout,
		 * even SET ROLE) last until the end of the revision: undo them as a
		 * subtransaction abort would.
		 */
		int			guc_level = NewGUCNestLevel();
		char	   *withdrawn = NULL;

		if (action == PGM_ROLLBACK && node->down_derived)
			pgm_search_temp_last();
		pgm_run_sql(node->id, action == PGM_APPLY ? "up" : "down", sql, action == PGM_APPLY && !node->destructive,
					action == PGM_APPLY && node->down_derived && !node->irreversible ? &withdrawn : NULL);
		AtEOXact_GUC(false, guc_level);
		if (withdrawn)
			pgm_withdraw_down(graph, node, withdrawn);
	}

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	ms = INSTR_TIME_GET_MILLISEC(elapsed);
	if (pgm_progress)
		ereport(NOTICE,
				(errmsg("%s revision \"%s\" (%d of %d) in %.3f ms",
						pgm_actions[action].done, node->id, step, nsteps, ms)));
	pgm_catalog_log(pgm_actions[action].log_action, node->id, ms, NULL, "ok",
					action == PGM_APPLY && node->down_withdrawn ?
					psprintf("derived down withdrawn: %s", node->down_withdrawn) : NULL);
	return ms;
}

/* With the catalog locked: refuse while an online revision is in progress. */
static void
pgm_refuse_while_online(const char *function)
{
	char	   *busy = pgm_online_in_progress();

	if (busy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("online revision \"%s\" is in progress", busy),
				 errdetail("%s waits until it is completed or aborted.", function),
				 errhint("Complete it with migrate.complete('%s'), or abort it with migrate.abort('%s'), first.",
						 busy, busy)));
}

/*
 * apply, rollback or stamp to the target at argument 0; with `max_steps`
 * >= 0, only the first that many steps of the plan (what the client runs
 * up to a revision it must run itself).
 */
static Datum
pgm_run(FunctionCallInfo fcinfo, PgmAction action, bool allow_data_loss, int max_steps)
{
	const PgmActionInfo *info = &pgm_actions[action];
	Tuplestorestate *store;
	TupleDesc	desc;
	MemoryContext revision_cxt;
	MemoryContext cxt;
	PgmGraph   *graph;
	PgmPlan		plan;
	char	   *target;
	int			sequential;

	pgm_check_may_change(info->function);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("target must not be NULL"),
				 errhint("Pass a target to %s.", info->function)));
	target = text_to_cstring(PG_GETARG_TEXT_PP(0));
	store = pgm_srf_begin(fcinfo, &desc);

	pgm_spi_connect();
	cxt = CurrentMemoryContext;
	sequential = pgm_citus_run_sequentially();
	pgm_lock_catalog();
	pgm_refuse_while_online(info->function);
	graph = pgm_graph_load(false);
	plan = action == PGM_ROLLBACK ? pgm_plan_down(graph, target, info->function) :
		pgm_plan_up(graph, target, info->function);
	if (max_steps >= 0 && plan.nsteps > max_steps)
		plan.nsteps = max_steps;
	pgm_check_plan(graph, &plan, action);
	if (action == PGM_ROLLBACK && !allow_data_loss)
		pgm_check_data_loss(graph, &plan, false);
	if (plan.nsteps == 0)
		ereport(NOTICE, (errmsg("%s", info->nothing)));

	/* a stamp runs nothing and records the whole schema */
	if (action != PGM_STAMP && plan.nsteps > 0)
		pgm_record_prepare();
	revision_cxt = AllocSetContextCreate(cxt, "pgmigrate revision", ALLOCSET_DEFAULT_SIZES);
	pgm_session_set_engine_running(true);
	PG_TRY();
	{
		int			i;

		for (i = 0; i < plan.nsteps; i++)
		{
			PgmNode    *node = &graph->nodes[plan.steps[i]];
			Datum		values[3];
			bool		nulls[3] = {false, false, false};
			double		ms;

			MemoryContextReset(revision_cxt);
			MemoryContextSwitchTo(revision_cxt);
			ms = pgm_run_revision(graph, plan.steps[i], action, i + 1, plan.nsteps);
			values[0] = Int32GetDatum(i + 1);
			values[1] = CStringGetTextDatum(node->id);
			values[2] = Float8GetDatum(ms);
			/* copies the row into the store; desc says how many columns */
			tuplestore_putvalues(store, desc, values, nulls);
			MemoryContextSwitchTo(cxt);
		}
	}
	PG_FINALLY();
	{
		pgm_session_set_engine_running(false);
	}
	PG_END_TRY();

	if (plan.nsteps > 0 && action == PGM_STAMP)
		pgm_record_whole(info->log_action);
	else if (plan.nsteps > 0)
		pgm_record_changes(info->log_action);
	pgm_spi_restore_settings(sequential);
	SPI_finish();
	return (Datum) 0;
}

Datum
pgmigrate_apply(PG_FUNCTION_ARGS)
{
	return pgm_run(fcinfo, PGM_APPLY, false, -1);
}

static bool
pgm_allow_data_loss_arg(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("allow_data_loss must not be NULL"),
				 errhint("Pass true or false.")));
	return PG_GETARG_BOOL(n);
}

Datum
pgmigrate_rollback(PG_FUNCTION_ARGS)
{
	return pgm_run(fcinfo, PGM_ROLLBACK, pgm_allow_data_loss_arg(fcinfo, 1), -1);
}

static int
pgm_steps_arg(FunctionCallInfo fcinfo, const char *function)
{
	if (PG_ARGISNULL(1) || PG_GETARG_INT32(1) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("steps must be a positive number"),
				 errhint("Pass how many steps of the plan %s should run, 1 or more.", function)));
	return PG_GETARG_INT32(1);
}

/*
 * The first `steps` steps of apply(target): the client runs the plan in
 * stretches, one call for every run of revisions that can share a
 * transaction, and runs the others itself in between.
 */
Datum
pgmigrate_apply_steps(PG_FUNCTION_ARGS)
{
	return pgm_run(fcinfo, PGM_APPLY, false, pgm_steps_arg(fcinfo, "migrate.apply_steps()"));
}

Datum
pgmigrate_rollback_steps(PG_FUNCTION_ARGS)
{
	int			steps = pgm_steps_arg(fcinfo, "migrate.rollback_steps()");

	return pgm_run(fcinfo, PGM_ROLLBACK, pgm_allow_data_loss_arg(fcinfo, 2), steps);
}

Datum
pgmigrate_stamp(PG_FUNCTION_ARGS)
{
	return pgm_run(fcinfo, PGM_STAMP, false, -1);
}

/*
 * migrate.record_snapshot(): record the live schema as the snapshot drift()
 * compares with, without applying anything; returns how many objects
 * differed from the last snapshot.  For what no revision changed but the
 * server spells anew, such as a newer major version after pg_upgrade
 * (README.md, "Upgrading PostgreSQL"): it accepts whatever drift there is,
 * so it is revoked from PUBLIC, and leaves a log row that says how much.
 */
Datum
pgmigrate_record_snapshot(PG_FUNCTION_ARGS)
{
	const char *function = "migrate.record_snapshot()";
	int			changed;

	pgm_check_may_change(function);
	pgm_spi_connect();
	pgm_lock_catalog();
	pgm_refuse_while_online(function);
	changed = list_length(pgm_snapshot_diff(pgm_record_last(), pgm_snapshot_take(false)));
	pgm_record_whole("record");
	pgm_catalog_log("snapshot", NULL, -1, NULL, "ok",
					psprintf("%d object%s differed from the last snapshot",
							 changed, changed == 1 ? "" : "s"));
	SPI_finish();
	PG_RETURN_INT32(changed);
}
