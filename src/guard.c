/*
 * guard.c — the event trigger that stops unmanaged DDL at the door.
 *
 * A ddl_command_start event trigger (ENABLE ALWAYS, so replica mode does
 * not switch it off) looks at every DDL command before it runs.  A command
 * is "managed" when it runs inside migrate.apply() or migrate.rollback():
 * that is backend-local state set only by the engine (engine.c) and reset
 * when it ends, fails or its transaction ends.  No setting a user can SET
 * makes DDL managed.
 *
 * Unmanaged DDL is refused (pgmigrate.guard = enforce, the default), let
 * through with a WARNING (warn) or let through silently (off); under warn
 * and off every such command is recorded in migrate.log.  Always let
 * through: temporary objects, decided from the parse tree and the catalogs;
 * the command tags listed in pgmigrate.guard_allow; the commands of an
 * extension script (judged by its CREATE/ALTER EXTENSION); the schema
 * restore of pg_upgrade (binary-upgrade mode); on a Citus cluster, what
 * Citus runs on a node for a command judged where it was sent (citus.c);
 * and the exact statements the client announced for a revision that runs
 * outside a transaction (nontx.c).
 *
 * Both settings are PGC_SUSET: only a superuser can weaken the guard.  A
 * value a non-superuser SET before the library was loaded is discarded by
 * PostgreSQL when the setting is defined, and the prefix is reserved.
 * pgmigrate.guard_allow is parsed once, by its check hook, into command
 * tags; a name that is not a command tag, or a tag that fires no event
 * trigger, is refused when it is set.
 *
 * The catalog tables' own trigger lives here too: it refuses every direct
 * write, and lets through only the catalog's own statements (catalog.c,
 * through session.c) and the INSERTs of a restore session.  And so does the
 * other side of the guard: while a revision runs (managed DDL), two more
 * event triggers, at ddl_command_end and sql_drop, refuse any change to
 * pgmigrate's own objects, so that a revision cannot switch the catalog's
 * protection off.
 *
 * Each command is recorded with the text of its statement, without the
 * secrets PostgreSQL keeps from other roles (secrets.c): migrate.log is
 * readable by every role.
 *
 * Calls catalog.c, changes.c, citus.c, engine.c, lint.c, online/locks.c, rows.c, secrets.c and
 * session.c.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_event_trigger.h"
#include "commands/defrem.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/scansup.h"
#include "tcop/cmdtag.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_guard_ddl);
PG_FUNCTION_INFO_V1(pgmigrate_refuse_direct_write);
PG_FUNCTION_INFO_V1(pgmigrate_guard_ddl_end);

typedef enum PgmGuardMode
{
	PGM_GUARD_ENFORCE,
	PGM_GUARD_WARN,
	PGM_GUARD_OFF
} PgmGuardMode;

static const struct config_enum_entry pgm_guard_modes[] = {
	{"enforce", PGM_GUARD_ENFORCE, false},
	{"warn", PGM_GUARD_WARN, false},
	{"off", PGM_GUARD_OFF, false},
	{NULL, 0, false}
};

/* pgmigrate.guard_allow, parsed by its check hook (malloc'd, as GUC wants) */
typedef struct PgmAllowedTags
{
	int			count;
	CommandTag	tags[FLEXIBLE_ARRAY_MEMBER];
} PgmAllowedTags;

static int	pgm_guard_mode = PGM_GUARD_ENFORCE;
static char *pgm_guard_allow = NULL;
static PgmAllowedTags *pgm_allowed_tags = NULL;

/*
 * A change of pgmigrate.guard away from enforce goes to the server log: the
 * assign hook cannot write tables, and every command it lets through is
 * recorded in migrate.log anyway.
 */
static void
pgm_guard_assign(int newval, void *extra)
{
	if (newval != PGM_GUARD_ENFORCE && newval != pgm_guard_mode && IsUnderPostmaster)
		ereport(LOG,
				(errmsg("pgmigrate.guard set to \"%s\"",
						newval == PGM_GUARD_WARN ? "warn" : "off")));
}

/*
 * Parse pgmigrate.guard_allow: command tags separated by commas, in any
 * case, blanks around them ignored and runs of blanks inside them read as
 * one space.  (SplitIdentifierString() would end a name at its first
 * blank, and most command tags have one.)
 */
static bool
pgm_guard_allow_check(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval ? *newval : "");
	char	   *item = copy;
	List	   *tags = NIL;
	PgmAllowedTags *parsed;
	ListCell   *lc;

	while (scanner_isspace(*item))
		item++;
	while (*item)
	{
		char	   *end = strchr(item, ',');
		char	   *out = item;
		char	   *in;
		CommandTag	tag;

		if (end)
			*end = '\0';
		/* collapse blanks to single spaces, drop them at both ends */
		for (in = item; *in; in++)
		{
			if (!scanner_isspace(*in))
				*out++ = *in;
			else if (out > item && !scanner_isspace(in[1]) && in[1] != '\0')
				*out++ = ' ';
		}
		*out = '\0';
		if (*item == '\0')
		{
			GUC_check_errdetail("The list has an empty entry.");
			GUC_check_errhint("Separate command tags, such as \"REFRESH MATERIALIZED VIEW\", with single commas.");
			return false;
		}
		tag = GetCommandTagEnum(item);
		if (tag == CMDTAG_UNKNOWN)
		{
			GUC_check_errdetail("\"%s\" is not a command tag.", item);
			GUC_check_errhint("Use command tags as PostgreSQL reports them, such as \"REFRESH MATERIALIZED VIEW\" or \"CREATE INDEX\".");
			return false;
		}
		if (!command_tag_event_trigger_ok(tag))
		{
			GUC_check_errdetail("%s does not fire event triggers, so the guard never sees it.",
								GetCommandTagName(tag));
			GUC_check_errhint("List only commands the guard refuses, such as \"REFRESH MATERIALIZED VIEW\".");
			return false;
		}
		tags = lappend_int(tags, (int) tag);
		if (end == NULL)
			break;
		item = end + 1;
		while (scanner_isspace(*item))
			item++;
		if (*item == '\0')
		{
			GUC_check_errdetail("The list ends with a comma.");
			GUC_check_errhint("Separate command tags, such as \"REFRESH MATERIALIZED VIEW\", with single commas.");
			return false;
		}
	}

	parsed = pgm_guc_extra_alloc(offsetof(PgmAllowedTags, tags) + sizeof(CommandTag) * Max(list_length(tags), 1));
	if (parsed == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		GUC_check_errmsg("out of memory");
		return false;
	}
	parsed->count = 0;
	foreach(lc, tags)
		parsed->tags[parsed->count++] = (CommandTag) lfirst_int(lc);
	list_free(tags);
	pfree(copy);
	*extra = parsed;
	return true;
}

static void
pgm_guard_allow_assign(const char *newval, void *extra)
{
	pgm_allowed_tags = (PgmAllowedTags *) extra;
}

void
pgm_guard_define_settings(void)
{
	DefineCustomEnumVariable("pgmigrate.guard",
							 "Whether DDL outside migrate.apply() and migrate.rollback() is refused.",
							 "enforce refuses it, warn allows it with a WARNING, off allows it; "
							 "warn and off record each such command in migrate.log.",
							 &pgm_guard_mode,
							 PGM_GUARD_ENFORCE,
							 pgm_guard_modes,
							 PGC_SUSET,
							 0,
							 NULL,
							 pgm_guard_assign,
							 NULL);
	DefineCustomStringVariable("pgmigrate.guard_allow",
							   "Command tags the guard always lets through, separated by commas.",
							   NULL,
							   &pgm_guard_allow,
							   "REFRESH MATERIALIZED VIEW",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   pgm_guard_allow_check,
							   pgm_guard_allow_assign,
							   NULL);
}

/*
 * A restore session: a superuser with the guard off and
 * session_replication_role = replica, as README.md's restore command sets
 * up.  Its DDL recreates what the dump's own log already records, so it is
 * not recorded again, and it may INSERT (COPY) into the catalog tables.
 */
static bool
pgm_guard_is_restoring(void)
{
	return pgm_guard_mode == PGM_GUARD_OFF &&
		SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA &&
		superuser();
}

/*
 * The server pg_upgrade starts (postgres -b) to restore the old cluster's
 * schema into the new one: pg_dump --binary-upgrade recreates each member
 * of the extension and attaches it with ALTER EXTENSION pgmigrate ADD,
 * the event triggers last, when the guard's own is back already.  That
 * restore recreates what the old cluster's
 * log already records (the catalog's rows come with the data files, after
 * it), so it is let through and not recorded.  Nothing is opened to anyone
 * who could not switch the guard off already: only superusers may connect
 * to a server in binary-upgrade mode, and no setting turns the mode on.
 */
static bool
pgm_guard_is_binary_upgrade(void)
{
	return IsBinaryUpgrade;
}

/* Is `tag` in pgmigrate.guard_allow? */
static bool
pgm_tag_allowed(CommandTag tag)
{
	int			i;

	for (i = 0; pgm_allowed_tags && i < pgm_allowed_tags->count; i++)
		if (pgm_allowed_tags->tags[i] == tag)
			return true;
	return false;
}

/*
 * Does `rv` name a temporary relation?  New relations carry their
 * persistence in the RangeVar; existing ones are looked up without a lock
 * (the command itself locks them).  A relation that does not exist yet is
 * temporary only when it is explicitly in pg_temp.
 */
static bool
pgm_rangevar_is_temp(const RangeVar *rv, bool creating)
{
	Oid			relid;

	if (rv == NULL)
		return false;
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return true;
	if (rv->schemaname && strcmp(rv->schemaname, "pg_temp") == 0)
		return true;
	if (creating)
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
}

/*
 * DROP of relations: let through when every named relation that exists is
 * temporary (names that do not exist are no-ops under IF EXISTS and errors
 * otherwise; either way nothing permanent changes).
 */
static bool
pgm_drop_is_temp(const DropStmt *stmt)
{
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_INDEX:
			break;
		default:
			return false;
	}
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			relid;

		if (rv->schemaname && strcmp(rv->schemaname, "pg_temp") == 0)
			continue;
		relid = RangeVarGetRelid(rv, NoLock, true);
		if (OidIsValid(relid) && get_rel_persistence(relid) != RELPERSISTENCE_TEMP)
			return false;
	}
	return true;
}

/* GRANT/REVOKE on tables: let through when all of them are temporary. */
static bool
pgm_grant_is_temp(const GrantStmt *stmt)
{
	ListCell   *lc;

	if (stmt->targtype != ACL_TARGET_OBJECT || stmt->objtype != OBJECT_TABLE)
		return false;
	foreach(lc, stmt->objects)
		if (!pgm_rangevar_is_temp((const RangeVar *) lfirst(lc), false))
			return false;
	return true;
}

/* Does this command create, change or drop only temporary objects? */
static bool
pgm_command_is_temp(const Node *parsetree)
{
	if (parsetree == NULL)
		return false;
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			return pgm_rangevar_is_temp(((const CreateStmt *) parsetree)->relation, true);
		case T_CreateTableAsStmt:
			return pgm_rangevar_is_temp(((const CreateTableAsStmt *) parsetree)->into->rel, true);
		case T_ViewStmt:
			return pgm_rangevar_is_temp(((const ViewStmt *) parsetree)->view, true);
		case T_CreateSeqStmt:
			return pgm_rangevar_is_temp(((const CreateSeqStmt *) parsetree)->sequence, true);
		case T_AlterSeqStmt:
			return pgm_rangevar_is_temp(((const AlterSeqStmt *) parsetree)->sequence, false);
		case T_AlterTableStmt:
			return pgm_rangevar_is_temp(((const AlterTableStmt *) parsetree)->relation, false);
		case T_IndexStmt:
			return pgm_rangevar_is_temp(((const IndexStmt *) parsetree)->relation, false);
		case T_CreateTrigStmt:
			return pgm_rangevar_is_temp(((const CreateTrigStmt *) parsetree)->relation, false);
		case T_RenameStmt:
			{
				const RenameStmt *stmt = (const RenameStmt *) parsetree;

				return stmt->relation != NULL && pgm_rangevar_is_temp(stmt->relation, false);
			}
		case T_DropStmt:
			return pgm_drop_is_temp((const DropStmt *) parsetree);
		case T_GrantStmt:
			return pgm_grant_is_temp((const GrantStmt *) parsetree);
		case T_CreateFunctionStmt:
			{
				List	   *name = ((const CreateFunctionStmt *) parsetree)->funcname;

				return list_length(name) == 2 &&
					strcmp(strVal(linitial(name)), "pg_temp") == 0;
			}
		default:
			return false;
	}
}

/*
 * Does the command have to begin its transaction?  DROP INDEX CONCURRENTLY
 * refuses to run once the transaction has an id, which a log row would give
 * it; CREATE INDEX CONCURRENTLY and DETACH PARTITION ... CONCURRENTLY commit
 * transactions of their own.  Their log row is written when they end.
 */
static bool
pgm_must_begin_transaction(const Node *parsetree)
{
	if (parsetree == NULL)
		return false;
	if (IsA(parsetree, IndexStmt))
		return ((const IndexStmt *) parsetree)->concurrent;
	if (IsA(parsetree, DropStmt))
		return ((const DropStmt *) parsetree)->concurrent;
	if (IsA(parsetree, AlterTableStmt))
	{
		ListCell   *lc;

		foreach(lc, ((const AlterTableStmt *) parsetree)->cmds)
		{
			AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

			if (cmd->subtype == AT_DetachPartition &&
				pgm_detach_is_concurrent((PartitionCmd *) cmd->def))
				return true;
		}
	}
	return false;
}

/* pgm_command_text() of the command now starting, in a subtransaction */
typedef struct PgmDetailArgs
{
	const char *query;
	Node	   *command;
	char	   *text;
} PgmDetailArgs;

static void
pgm_guard_detail_read(void *arg)
{
	PgmDetailArgs *args = (PgmDetailArgs *) arg;

	args->text = pgm_command_text(args->query, args->command);
}

/*
 * The text migrate.log keeps for the command: its statement, or the query
 * that ran it, without what PostgreSQL keeps from other roles (secrets.c).
 * The query's text is parsed again, and may not parse as it did when it
 * arrived (a SET of standard_conforming_strings earlier in the same query
 * string): then, and without a query text, the row keeps none (NULL).
 */
static char *
pgm_guard_detail(Node *parsetree)
{
	PgmDetailArgs args = {debug_query_string, parsetree, NULL};

	if (debug_query_string == NULL ||
		pgm_in_subtransaction(pgm_guard_detail_read, &args, false) != NULL)
		return NULL;
	return args.text;
}

/* Record an unmanaged command that the guard let through. */
static void
pgm_guard_record(const char *tag, const char *outcome, const char *detail)
{
	pgm_spi_connect();
	pgm_catalog_log("ddl", NULL, -1, tag, outcome, detail);
	SPI_finish();
}

/* A revision's DDL that changes pgmigrate's own objects; `detail` says which. */
static void
pgm_refuse_catalog_change(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("a revision must not change pgmigrate's own objects"),
			 errdetail_internal("%s", detail),
			 errhint("pgmigrate's catalog changes only through its own functions: remove this statement from the revision.")));
}

static void pgm_guard_refuse_or_record(const char *what, Node *parsetree);

/*
 * The utility statement running now at top level, as ProcessUtility was
 * given it: its query string and where in it the statement is (a string
 * may hold several: "SET LOCAL lock_timeout = 2000; ALTER TABLE ...");
 * NULL outside, and within a function, procedure or DO block, whose
 * statements are judged by the string the client sent.
 */
static const char *pgm_running_query = NULL;
static int	pgm_running_location = -1;
static int	pgm_running_length = 0;

/* The text of the statement running now: its own part of the query string
 * where ProcessUtility said which, else the whole string. */
static char *
pgm_guard_statement_text(void)
{
	int			length;

	if (pgm_running_query == NULL || pgm_running_location < 0)
		return (char *) debug_query_string;
	length = pgm_running_length > 0 ? pgm_running_length : (int) strlen(pgm_running_query + pgm_running_location);
	return pnstrdup(pgm_running_query + pgm_running_location, length);
}

/*
 * The guard's verdict on one DDL command, `tag` with its parse tree: let it
 * through, refuse it, or let it through with a WARNING and a log row.
 */
static void
pgm_guard_judge(CommandTag command_tag, Node *parsetree)
{
	const char *tag = GetCommandTagName(command_tag);

	/*
	 * The hot path: DDL run by apply or rollback.  Commands of an extension
	 * script are judged by the CREATE/ALTER EXTENSION that runs the script.
	 */
	if (creating_extension || pgm_guard_is_binary_upgrade())
		return;
	if (pgm_session_engine_running())
	{
		/*
		 * Managed, unless it names pgmigrate's own objects (DROP EXTENSION
		 * pgmigrate takes the end-of-command triggers with it, so it is
		 * refused here); what reaches them by other names is refused at
		 * the end of the command.
		 */
		if (parsetree && pgm_changes_catalog(parsetree))
			pgm_refuse_catalog_change(psprintf("%s names an object of schema migrate, the schema or the extension pgmigrate.",
											   tag));
		return;
	}

	if (pgm_tag_allowed(command_tag) || pgm_command_is_temp(parsetree))
		return;

	/* what Citus runs on this node for a command judged where it was sent */
	if (pgm_citus_own_backend())
		return;

	/* the next statement of a revision the client runs outside a transaction */
	if (pgm_session_consume_expected(pgm_guard_statement_text()))
	{
		pgm_online_before_handed_out(parsetree);
		return;
	}

	pgm_guard_refuse_or_record(tag, parsetree);
}

/*
 * An unmanaged change, `what` (a command tag, or a function's name), with
 * its parse tree when it has one: refused, or let through with a WARNING
 * and a log row, or let through with a log row, as the mode says.
 */
static void
pgm_guard_refuse_or_record(const char *what, Node *parsetree)
{
	if (pgm_guard_mode == PGM_GUARD_ENFORCE)
	{
		bool		worker = pgm_citus_is_worker();

		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot execute %s outside a migration", what),
				 errdetail("pgmigrate.guard is \"enforce\": schema changes reach this database only through migrate.apply() and migrate.rollback()."),
				 worker ?
				 errhint("This is a worker of a Citus cluster, whose schema changes come from the coordinator: register the change there as a revision with migrate.add(), then run migrate.apply() there.") :
				 errhint("Register the change as a revision with migrate.add(), then run migrate.apply().")));
	}

	if (pgm_guard_mode == PGM_GUARD_WARN)
		ereport(WARNING,
				(errmsg("%s ran outside a migration", what),
				 errdetail("pgmigrate.guard is \"warn\"; the command is recorded in migrate.log."),
				 errhint("Register the change as a revision with migrate.add(), so that every database gets it.")));
	if (!pgm_guard_is_restoring())
	{
		const char *outcome = pgm_guard_mode == PGM_GUARD_WARN ? "warned" : "allowed";
		const char *detail = pgm_guard_detail(parsetree);

		/* (0.1 has no end-of-command trigger: record at once there) */
		if (pgm_must_begin_transaction(parsetree) && pgm_event_trigger_fires("pgmigrate_guard_end"))
			pgm_session_defer_log(what, outcome, detail);
		else
			pgm_guard_record(what, outcome, detail);
	}
}

Datum
pgmigrate_guard_ddl(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function migrate.guard_ddl() must be called as an event trigger")));
	pgm_guard_judge(((EventTriggerData *) fcinfo->context)->tag,
					((EventTriggerData *) fcinfo->context)->parsetree);
	PG_RETURN_VOID();
}

/*
 * What event triggers do not see: EXPLAIN ANALYZE runs the statement it
 * explains, and EXPLAIN ANALYZE CREATE TABLE ... AS, SELECT ... INTO and
 * CREATE MATERIALIZED VIEW create a table without firing an event trigger.
 * A ProcessUtility hook judges them as the event trigger would the same
 * command.  It is in force in every session that has loaded the library
 * before the EXPLAIN: always with shared_preload_libraries or
 * session_preload_libraries, otherwise only after the session's first DDL
 * command or pgmigrate function (README.md says so).
 */
static ProcessUtility_hook_type pgm_prev_process_utility = NULL;

/* The CREATE TABLE AS, SELECT INTO or CREATE MATERIALIZED VIEW that an
 * EXPLAIN ANALYZE runs, or NULL. */
static CreateTableAsStmt *
pgm_explained_ctas(const ExplainStmt *stmt)
{
	Query	   *query = (Query *) stmt->query;
	ListCell   *lc;
	bool		analyze = false;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "analyze") == 0)
			analyze = defGetBoolean(opt);
	}
	if (!analyze || query == NULL || !IsA(query, Query) ||
		query->commandType != CMD_UTILITY || query->utilityStmt == NULL ||
		!IsA(query->utilityStmt, CreateTableAsStmt))
		return NULL;
	return (CreateTableAsStmt *) query->utilityStmt;
}

static void
pgm_guard_explain(const ExplainStmt *stmt)
{
	CreateTableAsStmt *ctas = pgm_explained_ctas(stmt);

	/* judged as the guard would judge it: where the guard fires */
	if (ctas == NULL || !pgm_event_trigger_fires("pgmigrate_guard"))
		return;
	pgm_guard_judge(ctas->objtype == OBJECT_MATVIEW ? CMDTAG_CREATE_MATERIALIZED_VIEW :
					ctas->is_select_into ? CMDTAG_SELECT_INTO : CMDTAG_CREATE_TABLE_AS,
					(Node *) ctas);
}

/*
 * A command that changes the schema document without an event trigger to
 * say which objects: a role's name is the owner and grantee of objects,
 * REASSIGN OWNED and DROP OWNED change owners and privileges everywhere,
 * and EXPLAIN ANALYZE of CREATE TABLE AS creates a table unseen.  While a deploy collects what it changes (changes.c), such a
 * command makes it record the whole schema.
 */
static void
pgm_guard_note_unnamed_change(const Node *stmt)
{
	if ((IsA(stmt, RenameStmt) && ((const RenameStmt *) stmt)->renameType == OBJECT_ROLE) ||
		IsA(stmt, ReassignOwnedStmt) || IsA(stmt, DropOwnedStmt))
		pgm_changes_note_whole("a command changed roles' objects that no event trigger names");
	if (IsA(stmt, ExplainStmt) && pgm_explained_ctas((const ExplainStmt *) stmt) != NULL)
		pgm_changes_note_whole("EXPLAIN ANALYZE created a relation that no event trigger names");
}

static void
pgm_guard_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
						  ProcessUtilityContext context, ParamListInfo params,
						  QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (pstmt->utilityStmt && IsA(pstmt->utilityStmt, ExplainStmt))
		pgm_guard_explain((ExplainStmt *) pstmt->utilityStmt);
	if (pstmt->utilityStmt && pgm_changes_collecting())
		pgm_guard_note_unnamed_change(pstmt->utilityStmt);
	{
		const char *saved_query = pgm_running_query;
		int			saved_location = pgm_running_location;
		int			saved_length = pgm_running_length;

		/* what a function or DO block runs is judged by what the client sent */
		pgm_running_query = context == PROCESS_UTILITY_TOPLEVEL ? queryString : NULL;
		pgm_running_location = pstmt->stmt_location;
		pgm_running_length = pstmt->stmt_len;
		PG_TRY();
		{
			if (pgm_prev_process_utility)
				pgm_prev_process_utility(pstmt, queryString, readOnlyTree, context, params,
										 queryEnv, dest, qc);
			else
				standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
										queryEnv, dest, qc);
		}
		PG_FINALLY();
		{
			pgm_running_query = saved_query;
			pgm_running_location = saved_location;
			pgm_running_length = saved_length;
		}
		PG_END_TRY();
	}
}

/*
 * What no event trigger sees either: Citus changes the schema through
 * functions (create_distributed_table() and its kin, citus.c).  fmgr asks
 * whether a function needs the hook when it looks the function up; a call
 * of one of those is judged as DDL would be, where the guard fires.  (What
 * such a call in a revision changes, a deploy finds in Citus's metadata:
 * changes.c.)  In force where the library is loaded, as the ProcessUtility
 * hook.
 */
static needs_fmgr_hook_type pgm_prev_needs_fmgr_hook = NULL;
static fmgr_hook_type pgm_prev_fmgr_hook = NULL;

static bool
pgm_guard_needs_fmgr_hook(Oid fn)
{
	if (pgm_prev_needs_fmgr_hook && pgm_prev_needs_fmgr_hook(fn))
		return true;
	return pgm_citus_schema_function(fn) != NULL;
}

static void
pgm_guard_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	const char *name;

	if (event == FHET_START && (name = pgm_citus_schema_function(flinfo->fn_oid)) != NULL &&
		!creating_extension && !pgm_guard_is_binary_upgrade() &&
		!pgm_session_engine_running() && !pgm_citus_own_backend() &&
		pgm_event_trigger_fires("pgmigrate_guard"))
		pgm_guard_refuse_or_record(psprintf("%s()", name), NULL);
	if (pgm_prev_fmgr_hook)
		pgm_prev_fmgr_hook(event, flinfo, private);
}

void
pgm_guard_install_hook(void)
{
	pgm_prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = pgm_guard_process_utility;
	pgm_prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = pgm_guard_needs_fmgr_hook;
	pgm_prev_fmgr_hook = fmgr_hook;
	fmgr_hook = pgm_guard_fmgr_hook;
	pgm_citus_watch_functions();
}

/*
 * Statement trigger on the catalog tables: refuse every direct write.
 */
Datum
pgmigrate_refuse_direct_write(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const char *command;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function migrate.refuse_direct_write() must be called as a trigger")));

	if (pgm_session_catalog_writing())
		return PointerGetDatum(NULL);
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) && pgm_guard_is_restoring())
		return PointerGetDatum(NULL);

	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		command = "INSERT INTO";
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		command = "UPDATE";
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		command = "DELETE FROM";
	else
		command = "TRUNCATE";

	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("cannot %s %s.%s directly", command, PGM_SCHEMA,
					RelationGetRelationName(trigdata->tg_relation)),
			 errdetail("The pgmigrate catalog is written only by the functions of schema migrate, so that its history cannot be lost by accident."),
			 errhint("Use migrate.add(), migrate.apply(), migrate.rollback() or migrate.stamp().")));
	PG_RETURN_NULL();			/* not reached */
}

/*
 * ddl_command_end and sql_drop.  First, at ddl_command_end, the log row of
 * an unmanaged command that had to begin its transaction (deferred by the
 * guard at its start).  Then, while a revision runs, refuse every change
 * to pgmigrate's own objects (anything in schema migrate, the schema, the
 * extension), whatever SQL reached them: ALTER TABLE migrate.revisions
 * DISABLE TRIGGER in a revision, or inside a function or DO block it
 * calls.  PostgreSQL says which objects a command changed or dropped
 * (pg_event_trigger_ddl_commands(), pg_event_trigger_dropped_objects()), so
 * nothing has to be guessed from the statement's text.  Raised at the end of
 * the command, the error undoes the command with the revision.
 */
/*
 * The rows of pg_event_trigger_ddl_commands() (ddl_command_end) or
 * pg_event_trigger_dropped_objects() (sql_drop) that name pgmigrate's own
 * objects: an object in schema migrate, the schema itself, or the
 * extension; that is, in SQL, the rows with schema_name = 'migrate', or
 * object_type 'schema' and object_identity (object_name for a drop)
 * 'migrate', or object_type 'extension' and object_identity (object_name)
 * 'pgmigrate'.  The function is called directly, as a query would call it,
 * without the planner and executor a query costs at the end of every
 * command a revision runs.
 */
typedef struct PgmChangeSource
{
	Oid			function;		/* the set-returning function */
	const char *tag_column;		/* NULL: the tag is "DROP" */
	const char *name_column;	/* compared with 'migrate' and 'pgmigrate' */
} PgmChangeSource;

static const PgmChangeSource pgm_change_sources[2] = {
	/* ddl_command_end */
	{F_PG_EVENT_TRIGGER_DDL_COMMANDS, "command_tag", "object_identity"},
	/* sql_drop */
	{F_PG_EVENT_TRIGGER_DROPPED_OBJECTS, NULL, "object_name"},
};

/* The number of column `name` of `desc` (which has it). */
static int
pgm_column_number(TupleDesc desc, const char *name)
{
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0)
			return i + 1;
	elog(ERROR, "column \"%s\" missing from the result of an event trigger function", name);
	return 0;					/* not reached */
}

/* The text in column `col` of `slot`, or NULL. */
static char *
pgm_slot_text(TupleTableSlot *slot, int col)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static bool
pgm_text_is(const char *value, const char *wanted)
{
	return value != NULL && strcmp(value, wanted) == 0;
}

/*
 * Pass the objects a row names to changes.c: a deploy records them.  A row
 * of sql_drop's (`dropped`) for a whole object (objsubid 0, not a column)
 * says it is gone.
 */
static void
pgm_guard_note_change(TupleTableSlot *slot, int classid_col, int objid_col, int objsubid_col,
					  int command_col, bool dropped, const char *type, int identity_col)
{
	bool		c_null,
				o_null,
				s_null,
				cmd_null = true;
	Datum		classid = slot_getattr(slot, classid_col, &c_null);
	Datum		objid = slot_getattr(slot, objid_col, &o_null);
	Datum		objsubid = slot_getattr(slot, objsubid_col, &s_null);
	Datum		command = command_col ? slot_getattr(slot, command_col, &cmd_null) : (Datum) 0;

	if (!c_null && !o_null && dropped && !s_null && DatumGetInt32(objsubid) == 0)
	{
		char	   *identity = pgm_text_is(type, "index") ? pgm_slot_text(slot, identity_col) : NULL;

		pgm_changes_note_dropped(DatumGetObjectId(classid), DatumGetObjectId(objid),
								 identity ? psprintf("index %s", identity) : NULL);
	}
	else if (!c_null && !o_null && pgm_text_is(type, "index") &&
			 DatumGetObjectId(classid) == RelationRelationId)
		pgm_changes_note_index(DatumGetObjectId(objid));
	else if (!c_null && !o_null)
		pgm_changes_note(DatumGetObjectId(classid), DatumGetObjectId(objid));
	if (!cmd_null)
		pgm_changes_note_command(command);
}

/*
 * Does the command that just ended change pgmigrate's own objects (asked
 * while a revision runs)?  While a deploy collects what it changes
 * (changes.c), every object named is passed on too.  If so,
 * *tag and *object say which (either may be NULL), palloc'd in the caller's
 * context.
 */
static bool
pgm_command_changes_catalog(int which, char **tag, char **object)
{
	const PgmChangeSource *source = &pgm_change_sources[which];
	MemoryContext caller = CurrentMemoryContext;
	MemoryContext cxt = AllocSetContextCreate(caller, "pgmigrate catalog guard",
											  ALLOCSET_SMALL_SIZES);
	FmgrInfo	flinfo;
	ReturnSetInfo rsinfo = {T_ReturnSetInfo};
	TupleTableSlot *slot = NULL;
	int			schema_col,
				type_col,
				name_col,
				identity_col,
				tag_col,
				classid_col,
				objid_col,
				objsubid_col,
				command_col;
	bool		found = false;
	bool		collect = pgm_changes_collecting();
	bool		judge = pgm_session_engine_running();

	LOCAL_FCINFO(fcinfo, 0);

	MemoryContextSwitchTo(cxt);
	fmgr_info(source->function, &flinfo);
	rsinfo.econtext = CreateStandaloneExprContext();
	rsinfo.allowedModes = SFRM_Materialize;
	InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, NULL, (Node *) &rsinfo);
	(void) FunctionCallInvoke(fcinfo);
	if (rsinfo.returnMode != SFRM_Materialize || rsinfo.setDesc == NULL)
		elog(ERROR, "event trigger function returned no set");

	if (rsinfo.setResult != NULL)
	{
		schema_col = pgm_column_number(rsinfo.setDesc, "schema_name");
		type_col = pgm_column_number(rsinfo.setDesc, "object_type");
		name_col = pgm_column_number(rsinfo.setDesc, source->name_column);
		identity_col = pgm_column_number(rsinfo.setDesc, "object_identity");
		tag_col = source->tag_column ? pgm_column_number(rsinfo.setDesc, source->tag_column) : 0;
		classid_col = pgm_column_number(rsinfo.setDesc, "classid");
		objid_col = pgm_column_number(rsinfo.setDesc, "objid");
		objsubid_col = pgm_column_number(rsinfo.setDesc, "objsubid");
		command_col = source->tag_column ? pgm_column_number(rsinfo.setDesc, "command") : 0;
		slot = MakeSingleTupleTableSlot(rsinfo.setDesc, &TTSOpsMinimalTuple);
		while (!found && tuplestore_gettupleslot(rsinfo.setResult, true, false, slot))
		{
			char	   *type = pgm_slot_text(slot, type_col);
			char	   *name = pgm_slot_text(slot, name_col);

			if (collect)
				pgm_guard_note_change(slot, classid_col, objid_col, objsubid_col, command_col, which == 1,
									  type, identity_col);
			found = judge &&
				(pgm_text_is(pgm_slot_text(slot, schema_col), PGM_SCHEMA) ||
				 (pgm_text_is(type, "schema") && pgm_text_is(name, PGM_SCHEMA)) ||
				 (pgm_text_is(type, "extension") && pgm_text_is(name, "pgmigrate")));
			if (found)
			{
				char	   *t = tag_col ? pgm_slot_text(slot, tag_col) : "DROP";
				char	   *o = pgm_slot_text(slot, identity_col);

				*tag = t ? MemoryContextStrdup(caller, t) : NULL;
				*object = o ? MemoryContextStrdup(caller, o) : NULL;
			}
		}
	}
	MemoryContextSwitchTo(caller);
	if (rsinfo.setResult != NULL)
	{
		ExecDropSingleTupleTableSlot(slot);
		tuplestore_end(rsinfo.setResult);
	}
	/* and the expression context with it: the function registered no callback */
	MemoryContextDelete(cxt);
	return found;
}

Datum
pgmigrate_guard_ddl_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	int			which;
	char	   *tag;
	char	   *object;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function migrate.guard_ddl_end() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	which = strcmp(trigdata->event, "sql_drop") == 0 ? 1 : 0;

	/* the log row of a command that had to begin its transaction */
	if (which == 0)
	{
		char	   *deferred_tag;
		char	   *deferred_outcome;
		char	   *deferred_detail;

		if (pgm_session_take_deferred_log(&deferred_tag, &deferred_outcome, &deferred_detail) &&
			strcmp(deferred_tag, GetCommandTagName(trigdata->tag)) == 0)
			pgm_guard_record(deferred_tag, deferred_outcome, deferred_detail);
	}
	if (!pgm_session_engine_running() && !pgm_changes_collecting())
		PG_RETURN_VOID();

	if (!pgm_command_changes_catalog(which, &tag, &object))
		PG_RETURN_VOID();
	pgm_refuse_catalog_change(psprintf("%s changes %s.", tag ? tag : "The command",
									   object ? object : "an object of schema migrate"));
	PG_RETURN_VOID();			/* not reached */
}
