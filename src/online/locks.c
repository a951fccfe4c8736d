/*
 * online/locks.c — the locks of an online revision's start, complete and
 * abort, all taken before their first statement, in the order the
 * application's queries take them.
 *
 * Complete and abort change several relations (start: the table, its
 * views, partitions and sequences): the views that read the
 * table (the versions' and the user's, dropped and made again), the tables
 * whose foreign keys are made again, the table, the tables those keys
 * reference, and the table's sequences.  Taken statement by statement, the
 * phase holds one while it waits for the next, and an application's
 * transaction can hold the next while it waits for the one held: an INSERT
 * into order_items holds it and then locks orders to check its key.  The
 * deadlock detector of whichever session waited first ends the cycle, a
 * second later, and that is often the application's transaction: it fails
 * with "deadlock detected" after waiting deadlock_timeout.
 *
 * So each is taken ACCESS EXCLUSIVE before the phase does anything, a view
 * before what it reads, a referencing table before the table it references,
 * a table before its partitions and its sequences.  The first is waited
 * for under the phase's lock timeout: the phase then holds none of them,
 * only the ACCESS SHARE lock its checks took on the table, which conflicts
 * with no application's reads or writes.
 * Each later one is waited for only until half of deadlock_timeout has
 * passed since the first was held, and the statements after them as well.
 * A session that closes a cycle with the phase waits for a lock the phase
 * holds, so it began waiting after the first was held; the phase gives up
 * (lock not available: the attempt is rolled back, every lock with it, and
 * retried, engine.c) before that session's deadlock check runs.  The
 * relation it gave up on is the first of the next attempt.
 *
 * An autovacuum of one of them would hold the phase until PostgreSQL's
 * deadlock check cancels it, deadlock_timeout into a wait, with the
 * application queued behind the phase all that time; and a wait bounded as
 * above would never see it cancelled.  So the phase cancels such an
 * autovacuum itself first, as that check would, where the role may see and
 * cancel it (a superuser; from PostgreSQL 18 also a member of both
 * pg_signal_autovacuum_worker and pg_read_all_stats).  One that prevents
 * wraparound, or may, is left to run.  The same is done
 * before a foreign key's ADD ... NOT VALID that the client runs (SHARE ROW
 * EXCLUSIVE on both tables: the application's writes queue behind it while
 * it waits), when the guard lets it through.
 *
 * Calls rows.c and engine.c.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "pgmigrate.h"

/*
 * The relations, each once, in the order they are locked: the views that
 * read the tables ($1), directly or through other views, the outermost
 * first; the other tables of the keys ($2) that reference them; the tables,
 * each after those of them that reference it, directly or through others
 * of them (by the longest such chain: a write of a referencing table locks
 * the referenced one for its key check), and their partitions (inheritance
 * children), each table's own first;
 * the other tables their keys reference; their sequences.
 */
static const char pgm_lock_order_sql[] =
"WITH RECURSIVE reader(oid, depth) AS ("
"    SELECT t, 0 FROM unnest($1) AS t"
"  UNION"
"    SELECT r.ev_class, reader.depth + 1"
"    FROM reader"
"    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass"
"         AND d.refobjid = reader.oid AND d.classid = 'pg_rewrite'::regclass"
"    JOIN pg_rewrite r ON r.oid = d.objid AND r.ev_class <> reader.oid"
"    JOIN pg_class v ON v.oid = r.ev_class AND v.relkind = 'v'"
"    WHERE reader.depth < 64"
"), chain(oid, n) AS ("
"    SELECT t, 0 FROM unnest($1) AS t"
"  UNION"
"    SELECT k.confrelid, chain.n + 1 FROM chain"
"    JOIN pg_constraint k ON k.conrelid = chain.oid AND k.contype = 'f'"
"         AND k.confrelid = ANY ($1) AND k.confrelid <> chain.oid"
"    WHERE chain.n < 64"
"), part(oid, root, depth) AS ("
"    SELECT t, t, 0 FROM unnest($1) AS t"
"  UNION"
"    SELECT i.inhrelid, part.root, part.depth + 1 FROM part JOIN pg_inherits i ON i.inhparent = part.oid"
"    WHERE part.depth < 64"
"), relation(oid, kind, rank) AS ("
"    SELECT oid, 0, -max(depth) FROM reader WHERE depth > 0 GROUP BY oid"
"  UNION ALL"
"    SELECT conrelid, 1, 0 FROM pg_constraint WHERE oid = ANY ($2) AND conrelid <> ALL ($1)"
"  UNION ALL"
"    SELECT oid, 2, depth + 100 * (SELECT max(n) FROM chain WHERE chain.oid = part.root)"
"    FROM part"
"  UNION ALL"
"    SELECT confrelid, 3, 0 FROM pg_constraint WHERE oid = ANY ($2) AND confrelid <> ALL ($1)"
"  UNION ALL"
"    SELECT d.objid, 4, 0 FROM pg_depend d"
"    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'"
"    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = ANY ($1)"
"      AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
")"
"SELECT oid FROM relation GROUP BY oid ORDER BY min(kind), min(rank), oid";

/*
 * The autovacuums of the relations ($1) that PostgreSQL's deadlock check
 * would cancel, and a table of each: none that prevents wraparound, which
 * its query says, unless the query was cut short (track_activity_query_size),
 * or its table's age may have made it one.
 */
static const char pgm_autovacuums_sql[] =
"SELECT DISTINCT ON (a.pid) a.pid, quote_ident(n.nspname) || '.' || quote_ident(c.relname)"
" FROM pg_locks l"
" JOIN pg_stat_activity a ON a.pid = l.pid"
" JOIN pg_class c ON c.oid = l.relation AND c.relkind IN ('r', 'm', 't')"
" JOIN pg_namespace n ON n.oid = c.relnamespace"
" WHERE l.locktype = 'relation' AND l.relation = ANY ($1)"
"   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
"   AND a.backend_type = 'autovacuum worker'"
"   AND a.query LIKE 'autovacuum: %' AND a.query NOT LIKE '%wraparound%'"
"   AND octet_length(a.query) < (SELECT setting::int4 FROM pg_settings WHERE name = 'track_activity_query_size') - 1"
"   AND age(c.relfrozenxid) < current_setting('vacuum_freeze_table_age')::int4"
"   AND mxid_age(c.relminmxid) < current_setting('vacuum_multixact_freeze_table_age')::int4"
" ORDER BY a.pid, c.oid";

/*
 * The relation a later lock of this phase was not had in time: the first
 * of its next attempt.  Forgotten when a phase begins and once it has
 * every lock.
 */
static Oid	pgm_lock_first = InvalidOid;

/* A phase begins: what an earlier one waited for is no reason to take anything first. */
void
pgm_online_locks_begin(void)
{
	pgm_lock_first = InvalidOid;
}

/* lock_timeout for what follows, in ms (at least 1: 0 would wait for ever) */
static void
pgm_set_lock_timeout(long ms)
{
	(void) set_config_option("lock_timeout", psprintf("%ld", Max(ms, 1)),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/* ms from now until `deadline` (none left: 0) */
static long
pgm_ms_until(TimestampTz deadline)
{
	return Max(TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline), 0);
}

/*
 * Take ACCESS EXCLUSIVE on `relid`, waiting until `deadline` at most; a
 * lock not there by then ends the attempt as a lock timeout would.
 */
static void
pgm_lock_by(Oid relid, TimestampTz deadline)
{
	long		left;

	if (ConditionalLockRelationOid(relid, AccessExclusiveLock))
		return;
	left = pgm_ms_until(deadline);
	pgm_engine_note_waited(relid);
	if (left <= 0)
	{
		char	   *name = get_rel_name(relid);
		char	   *schema = name ? get_namespace_name(get_rel_namespace(relid)) : NULL;

		pgm_lock_first = relid;
		/* (dropped meanwhile: its oid) */
		ereport(ERROR,
				(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
				 errmsg("could not obtain lock on relation %s in time",
						name && schema ? quote_qualified_identifier(schema, name) : psprintf("%u", relid))));
	}
	pgm_set_lock_timeout(left);
	pgm_lock_first = relid;
	LockRelationOid(relid, AccessExclusiveLock);
	pgm_lock_first = InvalidOid;
}

/* pg_cancel_backend() of the autovacuum (arg: its pid, text); false when it was gone */
static void
pgm_cancel_autovacuum(void *arg)
{
	char	  **pid = (char **) arg;
	int			level = NewGUCNestLevel();

	/* (a process that is gone gets a WARNING, not for the caller) */
	(void) set_config_option("client_min_messages", "error", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (strcmp(linitial(pgm_spi_strings(psprintf("SELECT pg_catalog.pg_cancel_backend(%s)::pg_catalog.text", *pid),
									   0, NULL, NULL)), "true") != 0)
		*pid = NULL;
	AtEOXact_GUC(true, level);
}

/* Cancel the autovacuums of the relations (an oid[] Datum) where the role may. */
static void
pgm_cancel_autovacuums(Datum relations)
{
	Oid			types[1] = {OIDARRAYOID};
	int			level = pgm_spi_fix_settings(true);
	ListCell   *lc;

	foreach(lc, pgm_spi_rows(pgm_autovacuums_sql, 1, types, &relations))
	{
		char	  **row = lfirst(lc);
		char	   *pid = row[0];
		ErrorData  *edata = pgm_in_subtransaction(pgm_cancel_autovacuum, &pid, true);

		if (edata)
			ereport(LOG,
					(errmsg("could not cancel the autovacuum of table %s (process %s), which an online revision locks: %s",
							row[1], row[0], edata->message)));
		else if (pid)
			ereport(LOG,
					(errmsg("cancelled the autovacuum of table %s (process %s), which an online revision locks",
							row[1], row[0])));
	}
	pgm_spi_restore_settings(level);
}

/* The oids of `list`, as an oid[] Datum. */
static Datum
pgm_oid_array(List *list)
{
	Datum	   *oids = palloc(sizeof(Datum) * Max(list_length(list), 1));
	ListCell   *lc;

	foreach(lc, list)
		oids[foreach_current_index(lc)] = ObjectIdGetDatum(lfirst_oid(lc));
	return PointerGetDatum(construct_array(oids, list_length(list), OIDOID, sizeof(Oid), true, TYPALIGN_INT));
}

/*
 * The relations to lock, in order (pgm_lock_order_sql), the one the last
 * attempt gave up on first.
 */
static List *
pgm_lock_order(List *relids, List *keys)
{
	Oid			types[2] = {OIDARRAYOID, OIDARRAYOID};
	Datum		values[2] = {pgm_oid_array(relids), pgm_oid_array(keys)};
	int			level = pgm_spi_fix_settings(true);
	int			lookups = pgm_spi_prefer_lookups();
	List	   *order = NIL;
	ListCell   *lc;

	foreach(lc, pgm_spi_strings(pgm_lock_order_sql, 2, types, values))
		order = lappend_oid(order, DatumGetObjectId(DirectFunctionCall1(oidin, CStringGetDatum(lfirst(lc)))));
	pgm_spi_restore_settings(lookups);
	pgm_spi_restore_settings(level);
	if (list_member_oid(order, pgm_lock_first))
		order = lcons_oid(pgm_lock_first, list_delete_oid(order, pgm_lock_first));
	return order;
}

/*
 * Called by the guard for a statement it lets through as one the client
 * was to send (migrate.online_statements(), or a revision run outside a
 * transaction), before the statement takes its locks: a foreign key's ADD
 * has the autovacuums of its table and the referenced one cancelled first.
 */
void
pgm_online_before_handed_out(Node *parsetree)
{
	List	   *relids = NIL;
	ListCell   *lc;

	if (parsetree == NULL || !IsA(parsetree, AlterTableStmt))
		return;
	foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Constraint *con = (Constraint *) cmd->def;

		if (cmd->subtype != AT_AddConstraint || con == NULL || !IsA(con, Constraint) ||
			con->contype != CONSTR_FOREIGN)
			continue;
		relids = lappend_oid(relids, RangeVarGetRelid(((AlterTableStmt *) parsetree)->relation, NoLock, true));
		relids = lappend_oid(relids, RangeVarGetRelid(con->pktable, NoLock, true));
	}
	if (relids == NIL)
		return;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pgm_cancel_autovacuums(pgm_oid_array(relids));
	SPI_finish();
}

/*
 * How long a phase may wait for a lock while it holds others an
 * application may wait for: half of deadlock_timeout, `cap_ms` at most.
 * Such an application's deadlock check comes a deadlock_timeout into its
 * wait, which began after the phase took what it holds.
 */
int
pgm_online_wait_within_deadlock_check(int cap_ms)
{
	return Min(Max(DeadlockTimeout / 2, 1), cap_ms);
}

/*
 * Lock what an online revision's start, complete or abort changes, on
 * its tables `relids` with the foreign keys `keys` (oids) made again (NIL
 * at start), before any of it is changed.  The caller runs in an attempt under a lock timeout
 * (pgm_with_lock_retries()), connected to SPI.
 */
void
pgm_online_lock_up_front(List *relids, List *keys)
{
	List	   *order = pgm_lock_order(relids, keys);
	TimestampTz deadline = 0;
	ListCell   *lc;

	pgm_cancel_autovacuums(pgm_oid_array(order));
	foreach(lc, order)
	{
		Oid			oid = lfirst_oid(lc);

		if (deadline == 0)
		{
			/* holding none of them: the phase's own lock timeout */
			pgm_engine_note_waited(oid);
			LockRelationOid(oid, AccessExclusiveLock);
			deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												   pgm_online_wait_within_deadlock_check(LockTimeout > 0 ? LockTimeout : INT_MAX));
		}
		else
			pgm_lock_by(oid, deadline);
	}
	/* whatever else the statements wait for, within the same time */
	pgm_lock_first = InvalidOid;
	pgm_engine_note_waited(InvalidOid);
	if (deadline != 0)
		pgm_set_lock_timeout(pgm_ms_until(deadline));
}
