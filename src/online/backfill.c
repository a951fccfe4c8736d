/*
 * online/backfill.c — CALL migrate.backfill(id): the rows there were, in
 * batches of pgmigrate.backfill_batch keys, each committed with its
 * progress in migrate.online, so that a crash or a cancel loses one batch
 * at most; the revision's tables one after the other, each validated once
 * filled.  A batch that waits too long for a row gives way and is retried.
 *
 * Calls rows.c, session.c, catalog.c, schema/records.c, engine.c,
 * online/locks.c, online/revision.c and online/resolve.c.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "online/online.h"

PG_FUNCTION_INFO_V1(pgmigrate_backfill);

static int	pgm_backfill_batch = 1000;
static int	pgm_backfill_delay = 0;

void
pgm_online_define_settings(void)
{
	DefineCustomIntVariable("pgmigrate.backfill_batch",
							"Rows migrate.backfill() fills per transaction.",
							NULL,
							&pgm_backfill_batch,
							1000, 1, 1000000,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pgmigrate.backfill_delay",
							"Pause of migrate.backfill() after each batch, to leave the server to the application.",
							NULL,
							&pgm_backfill_delay,
							0, 0, 3600000,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
}

/*
 * The new shape's NOT NULL checks and the constraints added, validated: a
 * scan under a lock that lets reads and writes go on.
 */
static void
pgm_online_validate(void *arg)
{
	PgmOnline  *on = (PgmOnline *) arg;
	ListCell   *lc;

	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		if (c->not_null)
			pgm_spi_run(psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", on->table,
									 quote_identifier(c->not_null_check)));
	}
	foreach(lc, on->not_nulls)
		pgm_spi_run(psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", on->table,
								 quote_identifier(pgm_not_null_check(on, ((PgmOnlineStep *) lfirst(lc))->column))));
	foreach(lc, on->validations)
		pgm_spi_run(psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", on->table,
								 quote_identifier(((PgmOnlineStep *) lfirst(lc))->constraint)));
	foreach(lc, on->moved_checks)
	{
		PgmMovedCheck *check = lfirst(lc);

		if (check->validate)
			pgm_spi_run(psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s", on->table, quote_identifier(check->new_name)));
	}
}

/*
 * One batch of the backfill: the next pgmigrate.backfill_batch keys after
 * `last_key`, their rows set to themselves so that the trigger fills them.
 * Returns how many keys it took (0: the table is done, and only then: rows
 * deleted meanwhile do not end it early); *filled how many rows it filled,
 * *reached the last key it took.
 */
static int64
pgm_backfill_batch_run(PgmOnline *on, const char *last_key, int64 *filled, char **reached)
{
	MemoryContext cxt = CurrentMemoryContext;
	const char *column = quote_identifier(pgm_backfill_column(on));
	const char *key = quote_identifier(on->key_column);
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {last_key ? CStringGetTextDatum(last_key) : (Datum) 0};
	char		nulls[1] = {last_key ? ' ' : 'n'};
	char	   *sql;
	int			ret;
	int64		taken;

	/* the old version's path through the trigger, its functions found as the old version finds them */
	pgm_spi_run(psprintf("SET LOCAL search_path = pg_catalog, %s", quote_identifier(on->nspname)));
	/* only the trigger that fills the new shape fires, where the role may say so */
	if (superuser())
		pgm_spi_run("SET LOCAL session_replication_role = replica");
	sql = psprintf("WITH batch AS MATERIALIZED (SELECT %s AS k FROM %s WHERE %s ORDER BY %s LIMIT %d),"
				   " done AS (UPDATE %s SET %s = %s.%s WHERE %s OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT k FROM batch))"
				   " RETURNING 1)"
				   " SELECT (SELECT pg_catalog.count(*) FROM batch)::pg_catalog.text,"
				   " (SELECT pg_catalog.max(k) FROM batch)::pg_catalog.text,"
				   " (SELECT pg_catalog.count(*) FROM done)::pg_catalog.text",
				   key, on->table,
				   last_key ? psprintf("%s OPERATOR(pg_catalog.>) $1::%s", key, on->key_type) : "$1 IS NULL",
				   key, pgm_backfill_batch,
				   on->table, column, on->table, column, key);
	ret = SPI_execute_with_args(sql, 1, types, values, nulls, false, 0);
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "backfill batch failed: %s", SPI_result_code_string(ret));
	taken = pg_strtoint64(pgm_result_text(0, 1));
	*reached = pgm_result_text(0, 2);
	*filled = pg_strtoint64(pgm_result_text(0, 3));
	SPI_freetuptable(SPI_tuptable);
	return taken;
}

typedef struct PgmBatch
{
	PgmOnline  *on;
	const char *last_key;		/* the last key of the batch before; NULL: none */
	int64		taken;			/* out: how many keys it took */
	int64		filled;			/* out: how many rows it filled */
	char	   *reached;		/* out: the last key it took */
} PgmBatch;

static void
pgm_backfill_batch_attempt(void *arg)
{
	PgmBatch   *batch = (PgmBatch *) arg;

	/* a row of the table, for the error after the last try */
	pgm_engine_note_waited(batch->on->relid);
	batch->taken = pgm_backfill_batch_run(batch->on, batch->last_key, &batch->filled, &batch->reached);
}

/*
 * One batch, retried when it waits too long for a row an application's
 * transaction holds.  It holds the rows it has updated meanwhile, and the
 * application's transaction may wait for one of them: the batch gives up
 * before that transaction's deadlock check would end one of the two, and
 * before a long transaction makes writes queue behind the batch's rows.
 */
static int64
pgm_backfill_batch_retried(PgmOnline *on, const char *last_key, int64 *filled, char **reached)
{
	PgmBatch	batch = {on, last_key, 0, 0, NULL};

	pgm_with_lock_retries(on->id, "filled by that batch (those before it are kept)",
						  pgm_online_wait_within_deadlock_check(pgm_lock_timeout_or(PGM_ONLINE_LOCK_TIMEOUT_MS)),
						  pgm_backfill_batch_attempt, &batch);
	*filled = batch.filled;
	*reached = batch.reached;
	return batch.taken;
}

Datum
pgmigrate_backfill(PG_FUNCTION_ARGS)
{
	char	   *id = pgm_text_arg(fcinfo, 0, "id", "migrate.backfill()");
	bool		nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	MemoryContext keep;
	MemoryContext batch_cxt;
	PgmOnline  *on = NULL;
	int64		total = 0;
	ListCell   *lc;

	if (!nonatomic)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("migrate.backfill() must be called outside a transaction block"),
				 errdetail("It commits after each batch of rows, so that a crash or a cancel loses at most one batch."),
				 errhint("Run CALL migrate.backfill('%s') on its own, not inside BEGIN ... COMMIT or a function.", id)));
	pgm_check_may_change("migrate.backfill()");
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");
	keep = CurrentMemoryContext;
	batch_cxt = AllocSetContextCreate(keep, "pgmigrate backfill batch", ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		PgmOnlineState state;
		PgmOnline  *table;
		char	   *reached = NULL;
		int64		filled = 0;
		bool		done;
		bool		last;

		MemoryContextReset(batch_cxt);
		MemoryContextSwitchTo(batch_cxt);
		/*
		 * the catalog before the revision's row, as complete and abort take
		 * them; in every batch, since the last may record what it validated
		 * (migrate.snapshot_keys has one writer at a time)
		 */
		pgm_lock_catalog();
		pgm_require_started(id, &state);
		if (on == NULL)
		{
			MemoryContextSwitchTo(keep);
			on = pgm_online_load(id, "migrate.backfill()");
			pgm_online_reload(on, &state);
			foreach(lc, on->parts)
				pgm_online_find_key(lfirst(lc));
			MemoryContextSwitchTo(batch_cxt);
		}
		if (strcmp(state.phase, "backfilled") == 0)
			break;
		/* the tables one after the other, each filled, then validated */
		table = list_nth(on->parts, Min(Max(state.part, 1), list_length(on->parts)) - 1);
		last = table->part == list_length(on->parts);
		/* no rows to fill: only the validation */
		done = table->key_column == NULL ||
			pgm_backfill_batch_retried(table, state.last_key, &filled, &reached) == 0;
		total += filled;
		if (done)
		{
			pgm_record_prepare();
			pgm_online_run_ddl(table, "validated", pgm_online_validate);
			pgm_record_changes("backfill");
		}
		{
			/* the next table's batches begin at its first key */
			Datum		values[5] = {CStringGetTextDatum(id), Int64GetDatum(filled),
				reached ? CStringGetTextDatum(reached) : (Datum) 0,
				CStringGetTextDatum(done && last ? "backfilled" : "expanded"),
			Int32GetDatum(done && !last ? table->part + 1 : table->part)};
			char		nulls[5] = {' ', ' ', reached ? ' ' : 'n', ' ', ' '};

			pgm_catalog_exec(PGM_Q_ONLINE_PROGRESS, values, nulls, false);
		}
		MemoryContextSwitchTo(keep);
		SPI_commit();
		if (done && last)
			break;
		if (pgm_backfill_delay > 0)
			pgm_sleep_interruptibly(pgm_backfill_delay);
		CHECK_FOR_INTERRUPTS();
	}
	MemoryContextSwitchTo(keep);
	ereport(NOTICE,
			(errmsg("online revision \"%s\" is backfilled: %lld rows filled by this call",
					id, (long long) total),
			 pgm_online_built_later(on) ?
			 errhint("Build its %s with SELECT statement FROM migrate.online_statements('%s') \\gexec, then run migrate.complete('%s') once the old version is gone.",
					 pgm_online_built_later(on), id, id) :
			 errhint("Run migrate.complete('%s') once the old version is gone.", id)));
	SPI_finish();
	PG_RETURN_VOID();
}
