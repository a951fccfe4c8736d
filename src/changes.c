/*
 * changes.c — what the DDL of a deploy changed, as PostgreSQL names it.
 *
 * A deploy records the part of the schema document its revisions changed
 * (records.c).  Which objects those are, PostgreSQL says at the end of each
 * command: the guard's ddl_command_end and sql_drop event triggers
 * (guard.c) pass every object pg_event_trigger_ddl_commands() and
 * pg_event_trigger_dropped_objects() name to pgm_changes_note(), and the
 * command itself to pgm_changes_note_command(), which reads what the row
 * does not say: the partition an ALTER TABLE attached or detached (by the
 * name in its subcommand: DETACH's address is the partitioned table), the
 * objects of a GRANT.  Kept here, by catalog and oid, from
 * pgm_changes_begin() until the deploy records them.
 *
 * What changes the document but names no object (REASSIGN OWNED, DROP
 * OWNED, renaming a role, whose name is every object's owner), and a
 * deploy during which the event triggers do not fire, make the set
 * "whole": the deploy then records the whole schema, as before 0.10.
 *
 * The set lives in the session's memory, not the transaction's: a revision
 * that runs outside a transaction (nontx.c) spans several.  An object named
 * in a subtransaction that was then rolled back stays in the set;
 * recording it again as it is costs a little and is still right.  But a
 * drop rolled back with its subtransaction (a lock retry, an exception
 * block) is forgotten: what is left marked dropped is gone, and records.c
 * does not look for it.  A transaction that fails ends the collecting.
 *
 * Calls citus.c only.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_event_trigger.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "tcop/deparse_utility.h"
#include "utils/aclchk_internal.h"
#include "utils/array.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

typedef struct PgmChangeKey
{
	Oid			classid;
	Oid			objid;
} PgmChangeKey;

typedef struct PgmChange
{
	PgmChangeKey key;
	bool		dropped;		/* sql_drop named it: it is gone */
	char	   *dropped_key;	/* then, for an index, the key of its name */
	SubTransactionId dropped_in;	/* and the subtransaction that dropped it */
	Oid			table;			/* an index's table, when a command named it alive */
} PgmChange;

static MemoryContext pgm_changes_cxt = NULL;
static HTAB *pgm_changes = NULL;	/* of PgmChange; NULL: not collecting */
static const char *pgm_changes_whole = NULL;	/* why the whole schema must be recorded */
static char *pgm_changes_citus = NULL;	/* Citus's distribution when it began (citus.c) */
static List *pgm_changes_drops = NIL;	/* the entries dropped in this transaction */

/*
 * Would the event trigger `name` fire in this session?  It exists in this
 * database (so does the extension), event triggers are on, and its ENABLE
 * setting fires it under the session's session_replication_role.
 */
bool
pgm_event_trigger_fires(const char *name)
{
	HeapTuple	tuple;
	char		enabled;

	if (!PGM_EVENT_TRIGGERS_ON)
		return false;
	tuple = SearchSysCache1(EVENTTRIGGERNAME, CStringGetDatum(name));
	if (!HeapTupleIsValid(tuple))
		return false;
	enabled = ((Form_pg_event_trigger) GETSTRUCT(tuple))->evtenabled;
	ReleaseSysCache(tuple);
	switch (enabled)
	{
		case TRIGGER_FIRES_ALWAYS:
			return true;
		case TRIGGER_FIRES_ON_ORIGIN:
			return SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA;
		case TRIGGER_FIRES_ON_REPLICA:
			return SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA;
		default:
			return false;
	}
}

/*
 * A transaction that fails ends the collecting: the deploy failed with it.
 * One that commits makes its drops final (the next one numbers its
 * subtransactions anew).  One that is prepared (between the statements of
 * a revision that runs outside a transaction) may still be rolled back,
 * its drops with it, and nothing tells this session: the deploy records
 * the whole schema.
 */
static void
pgm_changes_at_end_of_transaction(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		pgm_changes_end();
	else if (event == XACT_EVENT_PREPARE)
	{
		pgm_changes_note_whole("a transaction of the deploy was prepared, and may be rolled back");
		pgm_changes_drops = NIL;
	}
	else if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
		pgm_changes_drops = NIL;	/* (its cells go with the context) */
}

/*
 * A subtransaction rolled back: what it dropped (it, or one begun inside
 * it, whose numbers are higher: every subtransaction begun since it began
 * is inside it) is there again.  It stays in the set, to be recorded as it
 * is.
 */
static void
pgm_changes_at_end_of_subtransaction(SubXactEvent event, SubTransactionId mySubid,
									 SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event != SUBXACT_EVENT_ABORT_SUB || pgm_changes == NULL)
		return;
	foreach(lc, pgm_changes_drops)
	{
		PgmChange  *change = lfirst(lc);

		if (change->dropped && change->dropped_in >= mySubid)
		{
			change->dropped = false;
			change->dropped_key = NULL;
		}
	}
}

/* Start collecting, forgetting what was collected before. */
void
pgm_changes_begin(void)
{
	HASHCTL		ctl;

	if (pgm_changes_cxt == NULL)
	{
		pgm_changes_cxt = AllocSetContextCreate(TopMemoryContext, "pgmigrate changes",
												ALLOCSET_SMALL_SIZES);
		RegisterXactCallback(pgm_changes_at_end_of_transaction, NULL);
		RegisterSubXactCallback(pgm_changes_at_end_of_subtransaction, NULL);
	}
	MemoryContextReset(pgm_changes_cxt);
	pgm_changes_drops = NIL;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(PgmChangeKey);
	ctl.entrysize = sizeof(PgmChange);
	ctl.hcxt = pgm_changes_cxt;
	pgm_changes = hash_create("pgmigrate changes", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	pgm_changes_whole = NULL;
	pgm_changes_citus = pgm_citus_distribution_digest();
	if (pgm_changes_citus)
		pgm_changes_citus = MemoryContextStrdup(pgm_changes_cxt, pgm_changes_citus);
	/* without the event triggers nothing would be collected */
	if (!pgm_event_trigger_fires("pgmigrate_guard_end") || !pgm_event_trigger_fires("pgmigrate_guard_drop"))
		pgm_changes_whole = "the event triggers of pgmigrate do not fire in this session";
}

/* Stop collecting and forget. */
void
pgm_changes_end(void)
{
	pgm_changes = NULL;
	pgm_changes_whole = NULL;
	pgm_changes_citus = NULL;
	pgm_changes_drops = NIL;
	if (pgm_changes_cxt != NULL)
		MemoryContextReset(pgm_changes_cxt);
}

bool
pgm_changes_collecting(void)
{
	return pgm_changes != NULL;
}

/* Note (classid, objid); once it was dropped, it stays gone (an oid is
 * not given again within a transaction), unless the subtransaction that
 * dropped it rolls back.  Returns its entry, or NULL when nothing is
 * collected. */
static PgmChange *
pgm_changes_note_entry(Oid classid, Oid objid, bool dropped, const char *dropped_key)
{
	PgmChangeKey key;
	PgmChange  *change;
	bool		found;

	if (pgm_changes == NULL || !OidIsValid(classid) || !OidIsValid(objid))
		return NULL;
	key.classid = classid;
	key.objid = objid;
	change = hash_search(pgm_changes, &key, HASH_ENTER, &found);
	if (!found)
	{
		change->dropped = false;
		change->dropped_key = NULL;
		change->dropped_in = InvalidSubTransactionId;
		change->table = InvalidOid;
	}
	if (dropped && !change->dropped)
	{
		MemoryContext old = MemoryContextSwitchTo(pgm_changes_cxt);

		change->dropped = true;
		change->dropped_in = GetCurrentSubTransactionId();
		pgm_changes_drops = lappend(pgm_changes_drops, change);
		MemoryContextSwitchTo(old);
	}
	if (dropped_key != NULL && change->dropped_key == NULL)
		change->dropped_key = MemoryContextStrdup(pgm_changes_cxt, dropped_key);
	return change;
}

/* The object (classid, objid) may have changed. */
void
pgm_changes_note(Oid classid, Oid objid)
{
	(void) pgm_changes_note_entry(classid, objid, false, NULL);
}

/* The index `index` may have changed: noted with its table, which a
 * deploy that drops it later can no longer read (records.c, reach.c). */
void
pgm_changes_note_index(Oid index)
{
	HeapTuple	tuple;
	PgmChange  *change = pgm_changes_note_entry(RelationRelationId, index, false, NULL);

	if (change == NULL || OidIsValid(change->table))
		return;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (HeapTupleIsValid(tuple))
	{
		change->table = ((Form_pg_index) GETSTRUCT(tuple))->indrelid;
		ReleaseSysCache(tuple);
	}
}

/* The object (classid, objid) was dropped; `key`: an index's key, from
 * the name sql_drop gives (its last record may know it by another oid:
 * REINDEX CONCURRENTLY, outside any deploy, makes an index anew). */
void
pgm_changes_note_dropped(Oid classid, Oid objid, const char *key)
{
	(void) pgm_changes_note_entry(classid, objid, true, key);
}

/* Something changed that no object names: record the whole schema. */
void
pgm_changes_note_whole(const char *why)
{
	if (pgm_changes != NULL && pgm_changes_whole == NULL)
		pgm_changes_whole = why;
}

/* The catalog of the objects of a GRANT or REVOKE; InvalidOid for those
 * the schema document has none of. */
static Oid
pgm_grant_catalog(ObjectType objtype, bool *known)
{
	*known = true;
	switch (objtype)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
			return RelationRelationId;
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
			return ProcedureRelationId;
		case OBJECT_SCHEMA:
			return NamespaceRelationId;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			return TypeRelationId;
		case OBJECT_DATABASE:
		case OBJECT_TABLESPACE:
		case OBJECT_LARGEOBJECT:
		case OBJECT_FDW:
		case OBJECT_FOREIGN_SERVER:
		case OBJECT_LANGUAGE:
		case OBJECT_PARAMETER_ACL:
			return InvalidOid;
		default:
			*known = false;
			return InvalidOid;
	}
}

/*
 * The partition an ATTACH or DETACH PARTITION subcommand names: DETACH
 * gives the partitioned table as its address, yet the partition changes
 * most (its bound, its inherited columns, constraints and indexes).
 */
static void
pgm_changes_note_partition(Node *subcmd)
{
	AlterTableCmd *at = (AlterTableCmd *) subcmd;

	if (subcmd == NULL || !IsA(subcmd, AlterTableCmd) ||
		(at->subtype != AT_AttachPartition && at->subtype != AT_DetachPartition &&
		 at->subtype != AT_DetachPartitionFinalize) ||
		at->def == NULL || !IsA(at->def, PartitionCmd))
		return;
	pgm_changes_note(RelationRelationId, RangeVarGetRelid(((PartitionCmd *) at->def)->name, NoLock, true));
}

/*
 * What the command PostgreSQL collected (the `command` column of
 * pg_event_trigger_ddl_commands()) changed beyond the object of its row:
 * each subcommand's object of an ALTER TABLE (the partition ATTACH or
 * DETACH PARTITION names), the second object of a simple command, the
 * objects of a GRANT.
 */
void
pgm_changes_note_command(Datum command)
{
	CollectedCommand *cmd = (CollectedCommand *) DatumGetPointer(command);
	ListCell   *lc;

	if (pgm_changes == NULL || cmd == NULL)
		return;
	switch (cmd->type)
	{
		case SCT_Simple:
			pgm_changes_note(cmd->d.simple.address.classId, cmd->d.simple.address.objectId);
			pgm_changes_note(cmd->d.simple.secondaryObject.classId,
							 cmd->d.simple.secondaryObject.objectId);
			break;
		case SCT_AlterTable:
			pgm_changes_note(cmd->d.alterTable.classId, cmd->d.alterTable.objectId);
			foreach(lc, cmd->d.alterTable.subcmds)
			{
				CollectedATSubcmd *sub = (CollectedATSubcmd *) lfirst(lc);

				pgm_changes_note(sub->address.classId, sub->address.objectId);
				pgm_changes_note_partition(sub->parsetree);
			}
			break;
		case SCT_Grant:
			{
				InternalGrant *istmt = cmd->d.grant.istmt;
				bool		known;
				Oid			catalog = pgm_grant_catalog(istmt->objtype, &known);

				if (!known)
					pgm_changes_note_whole("a GRANT or REVOKE on objects pgmigrate does not know");
				if (OidIsValid(catalog))
					foreach(lc, istmt->objects)
						pgm_changes_note(catalog, lfirst_oid(lc));
			}
			break;
		default:
			/* operator classes and families, text search configurations,
			 * default privileges: not in the document */
			break;
	}
}

/*
 * What was collected, as two oid arrays (catalogs, objects) in the current
 * memory context, and *dropped, the set of those that were dropped (a hash
 * of (classid, objid) pairs); returns why the whole schema must be
 * recorded instead, or NULL.  Collecting goes on.
 */
const char *
pgm_changes_take(ArrayType **classids, ArrayType **objids, HTAB **dropped)
{
	long		n = pgm_changes ? hash_get_num_entries(pgm_changes) : 0;
	Datum	   *c = palloc(sizeof(Datum) * Max(n, 1));
	Datum	   *o = palloc(sizeof(Datum) * Max(n, 1));
	int			i = 0;
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(PgmChangeKey);
	ctl.entrysize = sizeof(PgmDropped);
	ctl.hcxt = CurrentMemoryContext;
	*dropped = hash_create("pgmigrate dropped", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (pgm_changes == NULL)
		return "no changes were collected";
	/* no event names every table whose distribution, or group's name, changed */
	if (pgm_changes_whole == NULL && pgm_changes_citus != NULL &&
		strcmp(pgm_citus_distribution_digest(), pgm_changes_citus) != 0)
		pgm_changes_whole = "Citus's distribution of tables changed";
	if (n > 0)
	{
		HASH_SEQ_STATUS seq;
		PgmChange  *change;

		hash_seq_init(&seq, pgm_changes);
		while ((change = hash_seq_search(&seq)) != NULL)
		{
			c[i] = ObjectIdGetDatum(change->key.classid);
			o[i] = ObjectIdGetDatum(change->key.objid);
			if (change->dropped)
			{
				PgmDropped *d = hash_search(*dropped, &change->key, HASH_ENTER, NULL);

				d->key = change->dropped_key ? pstrdup(change->dropped_key) : NULL;
				d->table = change->table;
			}
			i++;
		}
	}
	*classids = construct_array(c, i, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
	*objids = construct_array(o, i, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
	return pgm_changes_whole;
}
