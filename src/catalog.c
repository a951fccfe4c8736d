/*
 * catalog.c — every read and write of the catalog tables: migrate.revisions,
 * migrate.log and migrate.snapshots.
 *
 * Three rules hold here:
 *
 * 1. Catalog statements run as the owner of the catalog tables (the role
 *    that created the extension), never as the caller, so a deploy role
 *    needs EXECUTE on the functions but no privilege on the tables.  The
 *    user's own migration SQL is run elsewhere (engine.c) as the caller.
 *    What a deploy writes for itself (the mark of each revision, its log
 *    row, the record) and reads (the graph, the online revision in
 *    progress, the SQL it runs) goes through the heap and indexes instead
 *    (tables.c): no privilege is checked there, nor any statement planned.
 *
 * 2. The tables carry a statement trigger (guard.c) that refuses every
 *    INSERT, UPDATE, DELETE and TRUNCATE, superusers included.  It lets a
 *    statement through only while pgm_catalog_exec() runs one of the fixed
 *    statements below: backend-local state (session.c) that PG_FINALLY
 *    resets, so an error can never leave it open.  The rows tables.c
 *    writes fire no trigger.
 *
 * 3. Stored SQL leaves the catalog only through pgm_catalog_fetch_sql()
 *    and pgm_catalog_mark() (which reads it as it marks the revision),
 *    which check it against its checksum: SQL changed behind pgmigrate's
 *    back is never run, nor handed to the client.
 *
 * The statements are prepared once per backend.  Every name in them is
 * schema-qualified, operators included, so no search_path can redirect them;
 * they run with the fixed settings of rows.c (no JIT, default planner
 * flags), whatever the session set.
 *
 * Calls rows.c, session.c, sqltext.c and tables.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

/*
 * Key of the transaction-level advisory lock that serialises every change to
 * the revision graph: the bytes of "pgmigrat".  Documented in README.md.
 */
#define PGM_ADVISORY_KEY	INT64CONST(0x70676d6967726174)

typedef struct PgmQueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[11];
} PgmQueryDef;

static const PgmQueryDef pgm_query_defs[PGM_Q_COUNT] = {
	[PGM_Q_GET_REVISION] = {
		"SELECT up, up_sha256, down, down_sha256, parents, description,"
		" destructive, transactional, applied_at IS NOT NULL, down_derived"
		" FROM migrate.revisions WHERE id OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[PGM_Q_HEADS] = {
		"SELECT r.id FROM migrate.revisions r"
		" WHERE NOT EXISTS (SELECT FROM migrate.revisions c,"
		"   pg_catalog.unnest(c.parents) AS p(id)"
		"   WHERE p.id OPERATOR(pg_catalog.=) r.id)"
		" ORDER BY r.id COLLATE \"C\"",
		0, {0}
	},
	[PGM_Q_MISSING_PARENTS] = {
		/* a correlated subquery: one index probe per parent, never a scan */
		"SELECT p.id FROM pg_catalog.unnest($1) AS p(id)"
		" WHERE (SELECT r.id FROM migrate.revisions r"
		"   WHERE r.id OPERATOR(pg_catalog.=) p.id) IS NULL",
		1, {TEXTARRAYOID}
	},
	[PGM_Q_INSERT_REVISION] = {
		"INSERT INTO migrate.revisions (id, parents, description, up, down,"
		" up_sha256, down_sha256, destructive, transactional,"
		" registered_by, down_derived, registered_at)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
		" pg_catalog.now())",
		11, {TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, BOOLOID, BOOLOID, NAMEOID, BOOLOID}
	},
	[PGM_Q_UPDATE_REVISION] = {
		"UPDATE migrate.revisions SET parents = $2, description = $3,"
		" up = $4, down = $5, up_sha256 = $6, down_sha256 = $7,"
		" destructive = $8, transactional = $9, registered_by = $10,"
		" down_derived = $11, registered_at = pg_catalog.now()"
		" WHERE id OPERATOR(pg_catalog.=) $1 AND applied_at IS NULL",
		11, {TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTOID, BOOLOID, BOOLOID, NAMEOID, BOOLOID}
	},
	[PGM_Q_UPDATE_DESCRIPTION] = {
		"UPDATE migrate.revisions SET description = $2"
		" WHERE id OPERATOR(pg_catalog.=) $1",
		2, {TEXTOID, TEXTOID}
	},
	[PGM_Q_RECORDS] = {
		/* the last whole record and the parts after it, the newest first */
		"SELECT snapshot, replaces FROM migrate.snapshots"
		" WHERE id OPERATOR(pg_catalog.>=) (SELECT pg_catalog.max(id) FROM migrate.snapshots"
		"   WHERE replaces IS NULL)"
		" ORDER BY id DESC",
		0, {0}
	},
	[PGM_Q_RECORDS_BEFORE] = {
		"DELETE FROM migrate.snapshots WHERE id OPERATOR(pg_catalog.<) $1",
		1, {INT8OID}
	},
	[PGM_Q_LAST_RECORD_ID] = {
		"SELECT pg_catalog.max(id) FROM migrate.snapshots",
		0, {0}
	},
	[PGM_Q_LAST_SNAPSHOT] = {
		"SELECT snapshot FROM migrate.snapshots ORDER BY id DESC LIMIT 1",
		0, {0}
	},
	[PGM_Q_CHECKSUMS] = {
		"SELECT id, up, up_sha256, down, down_sha256 FROM migrate.revisions"
		" ORDER BY id COLLATE \"C\"",
		0, {0}
	},
	[PGM_Q_REPAIR_DOWN] = {
		"UPDATE migrate.revisions SET down = $2, down_sha256 = $3, down_derived = false"
		" WHERE id OPERATOR(pg_catalog.=) $1 AND applied_at IS NOT NULL",
		3, {TEXTOID, TEXTOID, TEXTOID}
	},
	[PGM_Q_GET_ONLINE] = {
		"SELECT online FROM migrate.revisions WHERE id OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[PGM_Q_SET_ONLINE] = {
		"UPDATE migrate.revisions SET online = $2"
		" WHERE id OPERATOR(pg_catalog.=) $1 AND applied_at IS NULL",
		2, {TEXTOID, BOOLOID}
	},
	[PGM_Q_ONLINE_STATE] = {
		"SELECT phase, rows_done::pg_catalog.text, last_key, key_column, relation, part::pg_catalog.text, tables"
		" FROM migrate.online"
		" WHERE revision OPERATOR(pg_catalog.=) $1 FOR UPDATE",
		1, {TEXTOID}
	},
	[PGM_Q_ONLINE_INSERT] = {
		"INSERT INTO migrate.online (revision, phase, relation, key_column,"
		" old_schema, new_schema, rows_total, started_by, tables)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		9, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT8OID, NAMEOID, TEXTARRAYOID}
	},
	[PGM_Q_ONLINE_PROGRESS] = {
		"UPDATE migrate.online SET rows_done = rows_done OPERATOR(pg_catalog.+) $2,"
		/* the next table's backfill begins at its first key */
		" last_key = CASE WHEN part OPERATOR(pg_catalog.=) $5 THEN COALESCE($3, last_key) END,"
		" part = $5, phase = $4,"
		" backfill_started_at = COALESCE(backfill_started_at, pg_catalog.clock_timestamp()),"
		" updated_at = pg_catalog.clock_timestamp()"
		" WHERE revision OPERATOR(pg_catalog.=) $1",
		5, {TEXTOID, INT8OID, TEXTOID, TEXTOID, INT4OID}
	},
	[PGM_Q_ONLINE_DELETE] = {
		"DELETE FROM migrate.online WHERE revision OPERATOR(pg_catalog.=) $1",
		1, {TEXTOID}
	},
	[PGM_Q_ONLINE_PHASES] = {
		"SELECT r.id, CASE WHEN o.phase IS NOT NULL THEN o.phase"
		" WHEN r.applied_at IS NOT NULL THEN 'applied' ELSE 'pending' END"
		" FROM migrate.revisions r LEFT JOIN migrate.online o"
		"   ON o.revision OPERATOR(pg_catalog.=) r.id WHERE r.online",
		0, {0}
	},
	[PGM_Q_WITHDRAW_DOWN] = {
		/* down_derived stays true: the revision file still has no down */
		"UPDATE migrate.revisions SET down = NULL, down_sha256 = NULL"
		" WHERE id OPERATOR(pg_catalog.=) $1 AND down_derived",
		1, {TEXTOID}
	},
};

static SPIPlanPtr pgm_plans[PGM_Q_COUNT];

/*
 * The owner of migrate.revisions: the role catalog statements run as.
 */
static Oid
pgm_catalog_owner(void)
{
	Oid			relid = pgm_table_relid("revisions");
	HeapTuple	tuple;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table migrate.revisions does not exist"),
				 errhint("Run CREATE EXTENSION pgmigrate in this database.")));

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * Run one of the fixed catalog statements as the catalog owner.  The caller
 * must be connected to SPI.  Returns SPI_processed; the rows, if any, are in
 * SPI_tuptable (free it with SPI_freetuptable when done).  The caller's
 * memory context is current again on return.
 */
int
pgm_catalog_exec(PgmQuery query, Datum *values, const char *nulls,
				 bool read_only)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	Oid			owner = pgm_catalog_owner();
	Oid			saved_user;
	int			saved_context;
	int			guc_level = pgm_spi_fix_settings(false);
	volatile int ret = 0;

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	pgm_session_begin_catalog_write();
	PG_TRY();
	{
		/* generic plans: these statements never profit from replanning */
		ret = SPI_execute_plan(pgm_spi_kept_plan(&pgm_plans[query], pgm_query_defs[query].sql,
												 pgm_query_defs[query].nargs,
												 (Oid *) pgm_query_defs[query].argtypes,
												 CURSOR_OPT_GENERIC_PLAN),
							   values, nulls, read_only, 0);
	}
	PG_FINALLY();
	{
		pgm_session_end_catalog_write();
		SetUserIdAndSecContext(saved_user, saved_context);
	}
	PG_END_TRY();
	pgm_spi_restore_settings(guc_level);
	/* SPI leaves us in its own context; the caller's allocations go on */
	MemoryContextSwitchTo(caller_cxt);

	if (ret < 0)
		elog(ERROR, "catalog statement failed: %s", SPI_result_code_string(ret));
	return (int) SPI_processed;
}

/* Name of the role the caller acts as (current_user). */
char *
pgm_caller_name(void)
{
	return GetUserNameFromId(GetUserId(), false);
}

/*
 * Record one row in migrate.log.  The row belongs to the caller's
 * transaction: it exists exactly when what it records happened.
 */
void
pgm_catalog_log(const char *action, const char *revision, double duration_ms,
				const char *command, const char *outcome, const char *detail)
{
	static const char *const columns[] = {"role", "session_role", "action", "revision",
	"duration_ms", "command", "outcome", "detail"};
	Datum		values[8];
	bool		nulls[8] = {false};

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(pgm_caller_name()));
	values[1] = DirectFunctionCall1(namein,
									CStringGetDatum(GetUserNameFromId(GetSessionUserId(), false)));
	values[2] = CStringGetTextDatum(action);
	nulls[3] = revision == NULL;
	values[3] = revision ? CStringGetTextDatum(revision) : (Datum) 0;
	nulls[4] = duration_ms < 0;
	values[4] = Float8GetDatum(duration_ms);
	nulls[5] = command == NULL;
	values[5] = command ? CStringGetTextDatum(command) : (Datum) 0;
	values[6] = CStringGetTextDatum(outcome);
	nulls[7] = detail == NULL;
	values[7] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	pgm_table_insert_named("log", lengthof(columns), columns, values, nulls);
}

/*
 * Store a record of the schema (records.c): whole (`replaces` NULL), or a
 * part that replaces the keys `replaces` names.
 */
void
pgm_catalog_save_record(const char *action, Jsonb *doc, ArrayType *replaces)
{
	static const char *const columns[] = {"action", "taken_by", "snapshot", "replaces"};
	Datum		values[4];

	values[0] = CStringGetTextDatum(action);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(pgm_caller_name()));
	values[2] = JsonbPGetDatum(doc);
	values[3] = PointerGetDatum(replaces);
	/* a whole record sets no `replaces`: a catalog older than 0.10 has none */
	pgm_table_insert_named("snapshots", replaces ? 4 : 3, columns, values, NULL);
}

/*
 * Serialise changes to the revision graph.  A transaction-level advisory
 * lock: released at commit or abort, so a crash can never leave it behind.
 */
void
pgm_lock_catalog(void)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 (uint32) (PGM_ADVISORY_KEY >> 32),
						 (uint32) PGM_ADVISORY_KEY, 1);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * migrate.revisions, open, and the row of revision `id` (a copy), or NULL.
 */
static HeapTuple
pgm_revision_row(PgmTable *t, const char *id, PgmTableAccess access)
{
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	row;
	Oid			collation;
	Oid			index;

	(void) pgm_table_open(t, "revisions", access, false);
	index = pgm_table_index(t, "revisions_pkey", &collation);
	ScanKeyInit(&key, pgm_table_column(t, "id"), BTEqualStrategyNumber, F_TEXTEQ,
				CStringGetTextDatum(id));
	key.sk_collation = collation;
	scan = pgm_table_scan(t, index, 1, &key);
	row = systable_getnext(scan);
	if (HeapTupleIsValid(row))
		row = heap_copytuple(row);
	systable_endscan(scan);
	return row;
}

/*
 * The up (or down) SQL of a row of migrate.revisions, checked against its
 * stored checksum.  Every path that runs stored SQL or hands it out comes
 * through here, after checking that the revision has the side it asks for
 * (a down is missing only when pgm_check_reversible() refuses).  A side
 * that is not there, or SQL that does not match, is XX001: only a change
 * to the catalog behind pgmigrate's back can cause them.
 */
static char *
pgm_checked_sql(PgmTable *t, HeapTuple row, const char *id, bool up)
{
	const char *side = up ? "up" : "down";
	bool		isnull,
				shanull;
	Datum		sql = pgm_table_value(t, row, pgm_table_column(t, side), &isnull);
	Datum		sha = pgm_table_value(t, row, pgm_table_column(t, up ? "up_sha256" : "down_sha256"),
									  &shanull);

	if (isnull || shanull ||
		strcmp(pgm_sha256_hex(DatumGetTextPP(sql)), TextDatumGetCString(sha)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s SQL of revision \"%s\" does not match its checksum", side, id),
				 errdetail("The stored SQL was changed outside pgmigrate's functions."),
				 errhint("Restore the registered SQL from your migration files; nothing of this call was kept.")));
	return TextDatumGetCString(sql);
}

static void
pgm_revision_disappeared(const char *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("revision \"%s\" disappeared from migrate.revisions", id),
			 errdetail("It was in the revision graph read earlier in this call."),
			 errhint("The catalog was changed outside pgmigrate's functions; restore it from a backup.")));
}

/*
 * The up (or down) SQL of revision `id`, checked (pgm_checked_sql()).
 * read_only reads with the calling statement's snapshot, else the latest
 * rows.
 */
char *
pgm_catalog_fetch_sql(const char *id, bool up, bool read_only)
{
	PgmTable	t;
	HeapTuple	row = pgm_revision_row(&t, id, read_only ? PGM_TABLE_READ_STATEMENT : PGM_TABLE_READ_LATEST);
	char	   *sql;

	if (!HeapTupleIsValid(row))
		pgm_revision_disappeared(id);
	sql = pgm_checked_sql(&t, row, id, up);
	pgm_table_close(&t);
	return sql;
}

/*
 * Mark revision `id` applied (with `values`: id, applied_by, apply_order)
 * or not applied (`values`: id).  Returns whether the row was marked
 * (false: a concurrent transaction marked it first).  When `sql` is given,
 * *sql is the up SQL (applying) or the down SQL (not), read from the row
 * and checked as pgm_catalog_fetch_sql() checks it, with the same errors,
 * which come before the caller's own.
 */
bool
pgm_catalog_mark(const char *id, bool applied, Datum *values, char **sql)
{
	PgmTable	t;
	HeapTuple	row = pgm_revision_row(&t, id, PGM_TABLE_WRITE);
	bool		marked = false;

	if (!HeapTupleIsValid(row))
	{
		if (sql)
			pgm_revision_disappeared(id);
	}
	else
	{
		AttrNumber	at = pgm_table_column(&t, "applied_at");
		AttrNumber	by = pgm_table_column(&t, "applied_by");
		AttrNumber	order = pgm_table_column(&t, "apply_order");
		int			width = pgm_table_width(&t);
		Datum	   *v = palloc0(sizeof(Datum) * width);
		bool	   *nulls = palloc0(sizeof(bool) * width);
		bool	   *replace = palloc0(sizeof(bool) * width);
		bool		isnull;

		(void) pgm_table_value(&t, row, at, &isnull);
		/* what reading it says comes before the caller's error */
		if (sql)
			*sql = pgm_checked_sql(&t, row, id, applied);
		marked = applied == isnull;
		if (marked)
		{
			replace[at - 1] = replace[by - 1] = replace[order - 1] = true;
			nulls[at - 1] = nulls[by - 1] = nulls[order - 1] = !applied;
			if (applied)
			{
				v[at - 1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
				v[by - 1] = values[1];
				v[order - 1] = values[2];
			}
			pgm_table_update(&t, row, v, nulls, replace);
		}
	}
	pgm_table_close(&t);
	return marked;
}

/*
 * The online revision in progress (started, not completed nor aborted),
 * or NULL; NULL too on a catalog older than 0.5, which has none.
 */
char *
pgm_online_in_progress(void)
{
	PgmTable	t;
	SysScanDesc scan;
	HeapTuple	row;
	AttrNumber	revision,
				started;
	char	   *id = NULL;
	TimestampTz first = 0;

	/* most of the time it is empty: a new session need not build its cache entry to see that */
	if (pgm_table_surely_empty("online") ||
		!pgm_table_open(&t, "online", PGM_TABLE_READ_STATEMENT, true))
		return NULL;
	revision = pgm_table_column(&t, "revision");
	started = pgm_table_column(&t, "started_at");
	/* a few rows at most: one per online revision between start and complete */
	scan = pgm_table_scan(&t, InvalidOid, 0, NULL);
	while (HeapTupleIsValid(row = systable_getnext(scan)))
	{
		bool		isnull;
		TimestampTz at = DatumGetTimestampTz(pgm_table_value(&t, row, started, &isnull));

		if (id == NULL || at < first)
		{
			id = TextDatumGetCString(pgm_table_value(&t, row, revision, &isnull));
			first = at;
		}
	}
	systable_endscan(scan);
	pgm_table_close(&t);
	return id;
}
