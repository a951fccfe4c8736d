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
 * extension script (judged by its CREATE/ALTER EXTENSION); and the exact
 * statements the client announced for a revision that runs outside a
 * transaction (nontx.c).
 *
 * Both settings are PGC_SUSET: only a superuser can weaken the guard.  A
 * value a non-superuser SET before the library was loaded is discarded by
 * PostgreSQL when the setting is defined, and the prefix is reserved.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/cmdtag.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_guard_ddl);

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

static int	pgm_guard_mode = PGM_GUARD_ENFORCE;
static char *pgm_guard_allow = NULL;

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
							   NULL,
							   NULL,
							   NULL);
}

/*
 * A restore session: a superuser with the guard off and
 * session_replication_role = replica, as README.md's restore command sets
 * up.  Its DDL recreates what the dump's own log already records, so it is
 * not recorded again, and it may INSERT (COPY) into the catalog tables.
 */
bool
pgm_guard_is_restoring(void)
{
	return pgm_guard_mode == PGM_GUARD_OFF &&
		SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA &&
		superuser();
}

/* Is `tag` in pgmigrate.guard_allow (case-insensitive, blanks ignored)? */
static bool
pgm_tag_allowed(const char *tag)
{
	const char *p = pgm_guard_allow;
	size_t		taglen = strlen(tag);

	while (p && *p)
	{
		const char *end;
		const char *last;

		while (*p == ' ' || *p == ',')
			p++;
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		last = end;
		while (last > p && last[-1] == ' ')
			last--;
		if ((size_t) (last - p) == taglen && pg_strncasecmp(p, tag, taglen) == 0)
			return true;
		p = end;
	}
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

/* Record an unmanaged command that the guard let through. */
static void
pgm_guard_record(const char *tag)
{
	const char *query = debug_query_string ? debug_query_string : "";

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pgm_catalog_log("ddl", NULL, -1, tag,
					pgm_guard_mode == PGM_GUARD_WARN ? "warned" : "allowed", query);
	SPI_finish();
}

Datum
pgmigrate_guard_ddl(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	const char *tag;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function migrate.guard_ddl() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;

	/*
	 * The hot path: DDL run by apply or rollback.  Commands of an extension
	 * script are judged by the CREATE/ALTER EXTENSION that runs the script.
	 */
	if (pgm_engine_is_running() || creating_extension)
		PG_RETURN_VOID();

	tag = GetCommandTagName(trigdata->tag);
	if (pgm_tag_allowed(tag) || pgm_command_is_temp(trigdata->parsetree))
		PG_RETURN_VOID();

	/* the next statement of a revision the client runs outside a transaction */
	if (pgm_outside_transaction_expected(debug_query_string))
		PG_RETURN_VOID();

	if (pgm_guard_mode == PGM_GUARD_ENFORCE)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("cannot execute %s outside a migration", tag),
				 errdetail("pgmigrate.guard is \"enforce\": schema changes reach this database only through migrate.apply() and migrate.rollback()."),
				 errhint("Register the change as a revision with migrate.add(), then run migrate.apply().")));

	if (pgm_guard_mode == PGM_GUARD_WARN)
		ereport(WARNING,
				(errmsg("%s ran outside a migration", tag),
				 errdetail("pgmigrate.guard is \"warn\"; the command is recorded in migrate.log."),
				 errhint("Register the change as a revision with migrate.add(), so that every database gets it.")));
	if (!pgm_guard_is_restoring())
		pgm_guard_record(tag);
	PG_RETURN_VOID();
}
