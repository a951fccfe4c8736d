/*
 * session.c — what this backend remembers while pgmigrate works.
 *
 * Three pieces of backend-local state, each set only by pgmigrate's own C
 * code and never by anything a user can SET:
 *
 * - engine running: a revision's SQL is running (engine.c, verify.c).  The
 *   guard lets DDL through only then, and the functions that change the
 *   catalog refuse to be called from inside a revision.  Cleared by the
 *   engine's PG_FINALLY and again at the end of every transaction.
 * - catalog writing: one of the catalog's own fixed statements is running
 *   (catalog.c); the catalog tables' trigger (guard.c) lets it write.
 * - expected statements: the statements the client announced for a
 *   revision it runs outside a transaction (nontx.c), which the guard lets
 *   through once each, in order, in this session.
 * - a deferred log row: the guard's record of an unmanaged command that
 *   must begin its own transaction (DROP INDEX CONCURRENTLY and the like),
 *   written when the command ends instead of when it starts.  Forgotten
 *   when a transaction, or the subtransaction the command started in,
 *   aborts (the command failed), but not when one commits: such commands
 *   commit transactions of their own on the way.
 *
 * Calls citus.c and sqltext.c only.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "utils/memutils.h"

#include "pgmigrate.h"

static bool pgm_engine_running = false;
static int	pgm_catalog_write_depth = 0;

/* The guard's deferred log row, in TopMemoryContext; NULL tag when none. */
static char *pgm_deferred_tag = NULL;
static char *pgm_deferred_outcome = NULL;
static char *pgm_deferred_detail = NULL;
static SubTransactionId pgm_deferred_subxact = InvalidSubTransactionId;

/* What the guard lets through, in TopMemoryContext; empty when none. */
static char pgm_expected_revision[PGM_ID_MAXLEN + 1];
static List *pgm_expected_statements = NIL;

/*
 * The end of a transaction ends every revision that was running in it,
 * whatever happened in between.
 */
static void
pgm_session_xact_callback(XactEvent event, void *arg)
{
	pgm_engine_running = false;
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		pgm_session_take_deferred_log(NULL, NULL, NULL);
}

/*
 * A command whose row is deferred can fail with only a subtransaction
 * rolled back (a SAVEPOINT, a DO block's exception handler): its row goes
 * with it, or the next command's end would write it.
 */
static void
pgm_session_subxact_callback(SubXactEvent event, SubTransactionId subxact,
							 SubTransactionId parent, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && subxact == pgm_deferred_subxact)
		pgm_session_take_deferred_log(NULL, NULL, NULL);
}

void
pgm_session_init(void)
{
	RegisterXactCallback(pgm_session_xact_callback, NULL);
	RegisterSubXactCallback(pgm_session_subxact_callback, NULL);
}

bool
pgm_session_engine_running(void)
{
	return pgm_engine_running;
}

void
pgm_session_set_engine_running(bool running)
{
	pgm_engine_running = running;
}

/*
 * What every function that changes the catalog checks first: that this is
 * not a standby (the catalog changes on the primary and reaches standbys
 * through replication), nor a worker of a Citus cluster (the catalog is the
 * coordinator's), and that it is not called from a revision's SQL.
 */
void
pgm_check_may_change(const char *function)
{
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("%s cannot run on a standby server", function),
				 errdetail("This server is in recovery: its schema and its migrations come from the primary."),
				 errhint("Run %s on the primary; what it does reaches this standby through replication.", function)));
	if (pgm_citus_is_worker())
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s cannot run on a worker of a Citus cluster", function),
				 errdetail("The cluster's schema and its migrations are kept on the coordinator; Citus carries each change to the workers."),
				 errhint("Connect to the coordinator and run %s there.", function)));
	if (pgm_engine_running)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot be called while a revision is running", function),
				 errdetail("A revision's SQL must not register, apply, roll back or stamp revisions."),
				 errhint("Make this call outside the revision.")));
}

/* Around each of the catalog's own statements; the end runs in PG_FINALLY. */
void
pgm_session_begin_catalog_write(void)
{
	pgm_catalog_write_depth++;
}

void
pgm_session_end_catalog_write(void)
{
	pgm_catalog_write_depth--;
}

bool
pgm_session_catalog_writing(void)
{
	return pgm_catalog_write_depth > 0;
}

void
pgm_session_forget_expected(void)
{
	list_free_deep(pgm_expected_statements);
	pgm_expected_statements = NIL;
	pgm_expected_revision[0] = '\0';
}

/*
 * Expect `statements` (C strings, as pgm_statement_normalize() leaves
 * them), in this order, for `revision`; whatever was expected before is
 * forgotten.
 */
void
pgm_session_expect(const char *revision, List *statements)
{
	MemoryContext old;
	ListCell   *lc;

	pgm_session_forget_expected();
	old = MemoryContextSwitchTo(TopMemoryContext);
	foreach(lc, statements)
		pgm_expected_statements = lappend(pgm_expected_statements, pstrdup((char *) lfirst(lc)));
	MemoryContextSwitchTo(old);
	strlcpy(pgm_expected_revision, revision, sizeof(pgm_expected_revision));
}

/* The revision whose statements are expected; "" when none. */
const char *
pgm_session_expected_revision(void)
{
	return pgm_expected_revision;
}

/*
 * Called by the guard for a top-level command: is it one of the statements
 * still to come?  If so, it and the ones before it (statements that fire no
 * event trigger, such as VACUUM, are never seen here) are consumed, so no
 * statement is let through twice, and it is let through.
 */
bool
pgm_session_consume_expected(const char *query)
{
	char	   *normalized;
	int			position = -1;
	ListCell   *lc;

	if (pgm_expected_statements == NIL || query == NULL)
		return false;
	normalized = pgm_statement_normalize(query);
	foreach(lc, pgm_expected_statements)
		if (strcmp(normalized, (char *) lfirst(lc)) == 0)
		{
			position = foreach_current_index(lc);
			break;
		}
	pfree(normalized);
	if (position < 0)
		return false;
	for (; position >= 0; position--)
	{
		pfree(linitial(pgm_expected_statements));
		pgm_expected_statements = list_delete_first(pgm_expected_statements);
	}
	return true;
}

/* Remember the guard's log row for the command now starting. */
void
pgm_session_defer_log(const char *tag, const char *outcome, const char *detail)
{
	MemoryContext old;

	pgm_session_take_deferred_log(NULL, NULL, NULL);
	old = MemoryContextSwitchTo(TopMemoryContext);
	pgm_deferred_tag = pstrdup(tag);
	pgm_deferred_outcome = pstrdup(outcome);
	pgm_deferred_detail = detail ? pstrdup(detail) : NULL;
	MemoryContextSwitchTo(old);
	pgm_deferred_subxact = GetCurrentSubTransactionId();
}

/*
 * Hand over the deferred log row, if any (copies in the current context),
 * and forget it.  Returns whether there was one; NULL pointers only forget.
 */
bool
pgm_session_take_deferred_log(char **tag, char **outcome, char **detail)
{
	bool		had = pgm_deferred_tag != NULL;

	if (had && tag)
	{
		*tag = pstrdup(pgm_deferred_tag);
		*outcome = pstrdup(pgm_deferred_outcome);
		*detail = pgm_deferred_detail ? pstrdup(pgm_deferred_detail) : NULL;
	}
	if (had)
	{
		pfree(pgm_deferred_tag);
		pfree(pgm_deferred_outcome);
		if (pgm_deferred_detail)
			pfree(pgm_deferred_detail);
		pgm_deferred_tag = pgm_deferred_outcome = pgm_deferred_detail = NULL;
		pgm_deferred_subxact = InvalidSubTransactionId;
	}
	return had;
}
