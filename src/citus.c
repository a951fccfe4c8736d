/*
 * citus.c — living in a Citus cluster: whether Citus is in this database
 * and which node this is, which backends are Citus's own, which of its
 * functions change the schema, which tables it manages, and the settings
 * pgmigrate's work runs with there (sequential multi-shard mode, shards
 * hidden from catalog reads).
 *
 * pgmigrate is installed on every node (Citus propagates CREATE EXTENSION
 * and creates the extension on each node that joins), and the guard judges
 * DDL on every node.  The DDL a user sends to the coordinator is judged
 * there; what Citus then runs on the nodes for it (the shards' DDL, the
 * objects it propagates, shard moves and their clean-up, a node joining)
 * arrives on connections Citus opened itself, which it names with
 * application_name "citus_internal gpid=N", "citus_rebalancer gpid=N" or
 * "citus_shard_…", or runs in its own background workers.  Those are let
 * through, on every node (a coordinator may hold shards and receive
 * moves): they were judged where they came from.  run_command_on_*()
 * ("citus_run_command gpid=N") is not: its text was never judged anywhere.
 * Citus itself trusts these names for its own internal functions; so does
 * the guard, only in a database where the extension citus is installed
 * (README.md: "Running on Citus").
 *
 * Citus also changes the schema through functions, create_distributed_table()
 * and its kin, which fire no event trigger: the guard asks here whether a
 * function it is about to call is one of them.
 *
 * Calls nothing of pgmigrate's.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "utils/catcache.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "distribution.h"
#include "pgmigrate.h"

static void
pgm_citus_spi_connect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/*
 * Read Citus's metadata with `query` (with `relid` as $1 when valid), at
 * most `rows` rows (0: all); an error says what it could not read.  Not
 * read-only: it must see what the statements before it did (a table a
 * revision dropped is gone from the metadata too).
 */
static void
pgm_citus_read(const char *query, Oid relid, long rows)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};

	if (SPI_execute_with_args(query, OidIsValid(relid) ? 1 : 0, argtypes, args, NULL, false, rows) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_EXCEPTION),
				 errmsg("could not read Citus's distribution of tables"),
				 errhint("Check that the extension citus is loaded (shared_preload_libraries) and at a version pgmigrate knows (README.md, \"Running on Citus\").")));
}

/*
 * The first column of the first row of `query` (with `relid` as $1 when
 * valid), as text in the caller's memory, or NULL when there is none.
 */
static char *
pgm_citus_value(const char *query, Oid relid)
{
	MemoryContext cxt = CurrentMemoryContext;
	char	   *value = NULL;

	pgm_citus_spi_connect();
	pgm_citus_read(query, relid, 1);
	if (SPI_processed > 0)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		value = v ? MemoryContextStrdup(cxt, v) : NULL;
	}
	SPI_finish();
	return value;
}

/* Is the extension citus installed in this database? */
bool
pgm_citus_present(void)
{
	return OidIsValid(get_extension_oid("citus", true));
}

/* Does `name` start with `prefix` followed by a global process id? */
static bool
pgm_citus_gpid_name(const char *name, const char *prefix)
{
	size_t		len = strlen(prefix);
	const char *p = name + len;

	if (strncmp(name, prefix, len) != 0 || *p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0';
}

/*
 * Is this backend one Citus runs for its own work on this node: a
 * background worker of Citus's, or a connection Citus opened (from another
 * node or from this one) to carry out a command judged where it was sent:
 * a shard's DDL, a propagated object, a shard moved here or cleaned up?
 */
bool
pgm_citus_own_backend(void)
{
	const char *name = application_name ? application_name : "";

	if (MyBgworkerEntry != NULL)
	{
		if (strcmp(MyBgworkerEntry->bgw_library_name, "citus") != 0)
			return false;
	}
	else if (!pgm_citus_gpid_name(name, "citus_internal gpid=") &&
			 !pgm_citus_gpid_name(name, "citus_rebalancer gpid=") &&
			 strncmp(name, "citus_shard_", strlen("citus_shard_")) != 0)
		return false;
	return pgm_citus_present();
}

/*
 * Is this node a Citus worker, not the coordinator?  (The coordinator's
 * group is 0; a database without Citus is its own coordinator.)
 */
bool
pgm_citus_is_worker(void)
{
	char	   *worker;

	if (!pgm_citus_present())
		return false;
	worker = pgm_citus_value("SELECT groupid <> 0 FROM pg_catalog.pg_dist_local_group", InvalidOid);
	return worker != NULL && strcmp(worker, "t") == 0;
}

/*
 * Set Citus's setting `name` to `value` until the end of nesting level
 * *level, which is made when it is -1.
 */
static void
pgm_citus_set(int *level, const char *name, const char *value)
{
	if (*level < 0)
		*level = NewGUCNestLevel();
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Run what follows the way Citus needs for a revision's mixed DDL: over
 * one connection per node (citus.multi_shard_modify_mode = sequential).
 * In parallel mode, a foreign key to a reference table after other
 * multi-shard DDL in the same transaction fails; sequential mode is what
 * Citus's own hint asks for.  Returns the setting's nesting level, to give
 * to pgm_spi_restore_settings(), or -1 when Citus is not here.  A revision
 * may still SET the mode itself.
 */
int
pgm_citus_run_sequentially(void)
{
	int			level = -1;

	if (pgm_citus_present())
		pgm_citus_set(&level, "citus.multi_shard_modify_mode", "sequential");
	return level;
}

/*
 * Citus's functions that change the schema (a table's distribution, its
 * access method, its partitions), by name; the guard judges a call of any
 * of them as it judges DDL.  Not here: what moves data without changing the
 * schema (shard moves and splits, the rebalancer, nodes joining), nor
 * create_time_partitions() and drop_old_time_partitions(), whose CREATE and
 * DROP TABLE the event triggers see.
 */
static const char *const pgm_citus_schema_function_names[] = {
	"create_distributed_table",
	"create_distributed_table_concurrently",
	"create_reference_table",
	"undistribute_table",
	"alter_distributed_table",
	"alter_table_set_access_method",
	"alter_old_partitions_set_access_method",
	"citus_add_local_table_to_metadata",
	"remove_local_tables_from_metadata",
	"update_distributed_table_colocation",
	"mark_tables_colocated",
	"create_distributed_function",
	"citus_schema_distribute",
	"citus_schema_undistribute",
};

/* Those functions' oids here, and their names; found on first need. */
typedef struct PgmCitusFunction
{
	Oid			oid;
	const char *name;
} PgmCitusFunction;

static PgmCitusFunction *pgm_citus_functions = NULL;
static int	pgm_citus_nfunctions = 0;
static bool pgm_citus_functions_known = false;
static bool pgm_citus_functions_finding = false;

/* pg_proc changed (Citus installed, updated or dropped): find them again. */
static void
pgm_citus_forget_functions(Datum arg, int cacheid, uint32 hashvalue)
{
	pgm_citus_functions_known = false;
}

void
pgm_citus_watch_functions(void)
{
	CacheRegisterSyscacheCallback(PROCOID, pgm_citus_forget_functions, (Datum) 0);
}

static void
pgm_citus_find_functions(void)
{
	Oid			citus = get_extension_oid("citus", true);
	List	   *oids = NIL;
	List	   *names = NIL;
	PgmCitusFunction *found;
	int			i;
	int			j;

	for (i = 0; OidIsValid(citus) && i < (int) lengthof(pgm_citus_schema_function_names); i++)
	{
		CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP,
											   CStringGetDatum(pgm_citus_schema_function_names[i]));

		for (j = 0; j < list->n_members; j++)
		{
			Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(&list->members[j]->tuple);

			if (proc->pronamespace == PG_CATALOG_NAMESPACE &&
				getExtensionOfObject(ProcedureRelationId, proc->oid) == citus)
			{
				oids = lappend_oid(oids, proc->oid);
				names = lappend(names, (void *) pgm_citus_schema_function_names[i]);
			}
		}
		ReleaseSysCacheList(list);
	}
	/* kept once all is read: an error above leaves nothing behind */
	found = MemoryContextAlloc(TopMemoryContext, sizeof(PgmCitusFunction) * Max(list_length(oids), 1));
	for (i = 0; i < list_length(oids); i++)
	{
		found[i].oid = list_nth_oid(oids, i);
		found[i].name = list_nth(names, i);
	}
	if (pgm_citus_functions)
		pfree(pgm_citus_functions);
	pgm_citus_functions = found;
	pgm_citus_nfunctions = list_length(oids);
}

/*
 * The name of Citus's function `fn` when it changes the schema, or NULL.
 * Called by fmgr for every function it looks up: a built-in function is
 * answered at once, and the catalogs are read only inside a transaction,
 * not while they are being read for this very question.
 */
const char *
pgm_citus_schema_function(Oid fn)
{
	int			i;

	if (fn < FirstNormalObjectId)
		return NULL;
	if (!pgm_citus_functions_known)
	{
		if (pgm_citus_functions_finding || !IsTransactionState())
			return NULL;
		/* known from now on, unless pg_proc changes while they are found */
		pgm_citus_functions_known = true;
		pgm_citus_functions_finding = true;
		PG_TRY();
		{
			pgm_citus_find_functions();
		}
		PG_CATCH();
		{
			pgm_citus_functions_known = false;
			pgm_citus_functions_finding = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
		pgm_citus_functions_finding = false;
	}
	for (i = 0; i < pgm_citus_nfunctions; i++)
		if (pgm_citus_functions[i].oid == fn)
			return pgm_citus_functions[i].name;
	return NULL;
}

/*
 * Citus hides its shards from the catalogs a session reads unless the
 * session asks to see them (citus.show_shards_for_app_name_prefixes,
 * citus.override_table_visibility): pgmigrate's reads of the schema never
 * see them, whatever the session asked.  From within a nesting level of
 * settings, `level`, or a new one when it is -1 and a setting must change;
 * returns the level.  Nothing to do where the Citus library is not loaded.
 */
int
pgm_citus_hide_shards(int level)
{
	const char *prefixes = GetConfigOption("citus.show_shards_for_app_name_prefixes", true, false);
	const char *override = GetConfigOption("citus.override_table_visibility", true, false);

	if (prefixes != NULL && prefixes[0] != '\0')
		pgm_citus_set(&level, "citus.show_shards_for_app_name_prefixes", "");
	if (override != NULL && strcmp(override, "on") != 0)
		pgm_citus_set(&level, "citus.override_table_visibility", "on");
	return level;
}

/*
 * What Citus makes of table `relid`: "distributed", "reference", "Citus
 * local" (a local table in Citus's metadata), or NULL for a table Citus
 * does not manage.
 */
const char *
pgm_citus_table_kind(Oid relid)
{
	if (!pgm_citus_present())
		return NULL;
	return pgm_citus_value("SELECT CASE WHEN repmodel = 't' THEN 'reference'"
						   " WHEN partmethod <> 'n' OR colocationid <> 0 THEN 'distributed' ELSE 'Citus local' END"
						   " FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1", relid);
}

/*
 * migrate.citus_distribution(): for migrate.schema(), the distribution of
 * each table Citus distributes, as the document writes it, in attributes
 * of the table: "distribution" ("distributed", "reference" or "single
 * shard"), and for a distributed table "distribution_column" and
 * "shard_count"; "colocated_with" names the group of tables whose shards
 * sit together (a distributed or single-shard table's) by the group's first
 * key in byte order, the table's own when it comes first: Citus's
 * colocation ids are numbers of this database only.  Citus local tables
 * (local tables Citus keeps in its metadata) are local: no row.  No rows
 * where Citus is not installed.
 */
PG_FUNCTION_INFO_V1(pgmigrate_citus_distribution);

Datum
pgmigrate_citus_distribution(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		i;

	InitMaterializedSRF(fcinfo, 0);
	if (!pgm_citus_present())
		return (Datum) 0;
	pgm_citus_spi_connect();
	pgm_citus_read(PGM_DISTRIBUTION_QUERY, InvalidOid, 0);
	for (i = 0; i < SPI_processed; i++)
	{
		Datum		values[5];
		bool		nulls[5];
		int			c;

		for (c = 0; c < 5; c++)
			values[c] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, c + 1, &nulls[c]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	return (Datum) 0;
}

/*
 * A digest of Citus's distribution of every table, as the schema document
 * writes it (common/distribution.h), or NULL where Citus is not installed.
 * A deploy compares the digests before and after its revisions
 * (changes.c): a table's distribution, and the name of its colocation
 * group, change without an event naming every table they change.  It costs
 * a read of Citus's metadata, in proportion to the tables Citus keeps.
 */
char *
pgm_citus_distribution_digest(void)
{
	char	   *digest;

	if (!pgm_citus_present())
		return NULL;
	digest = pgm_citus_value("SELECT pg_catalog.md5(pg_catalog.string_agg(d::pg_catalog.text, ',' ORDER BY d.relid))"
							 " FROM (" PGM_DISTRIBUTION_QUERY ") d (" PGM_DISTRIBUTION_COLUMNS ")", InvalidOid);
	return digest ? digest : pstrdup("");
}
