/*
 * dataloss.c — what a rollback would destroy, found before anything runs.
 *
 * The down SQL of every revision a rollback would run is parsed; each
 * DROP TABLE of a table that holds rows, and each ALTER TABLE ... DROP
 * COLUMN of a column that holds non-NULL values, is data loss.  Unless the
 * caller passed allow_data_loss => true, the rollback stops and names every
 * one of them, with the table's size as the planner's statistics have it.
 * Whether data is there is asked with LIMIT 1, which stops at the first row:
 * the check never reads a whole production table.
 *
 * Names resolve as the down SQL would resolve them (the caller's
 * search_path); the queries run as the caller, through quoted identifiers.
 *
 * Calls catalog.c, citus.c, rows.c and sqltext.c.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

typedef struct PgmLoss
{
	StringInfoData report;		/* one line per loss */
	int			count;
	const char *revision;
	bool		citus;			/* Citus is installed (asked once) */
} PgmLoss;

static char *
pgm_relation_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/*
 * Does `query` (SELECT 1 FROM ... LIMIT 1) find a row?  It stops at the
 * first row: a hundred-million-row table is not read to learn that it is
 * not empty.  (Not EXISTS: Citus plans an EXISTS over a distributed table
 * by fetching its subquery's rows, or not at all; a LIMIT it pushes down
 * to every shard, each of which stops at its first row.)
 */
static bool
pgm_exists(const char *query)
{
	bool		found;
	int			guc_level = pgm_spi_fix_settings(false);	/* no JIT, default plans */

	if (SPI_execute(query, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not look for rows: %s", query);
	pgm_spi_restore_settings(guc_level);
	found = SPI_processed > 0;
	SPI_freetuptable(SPI_tuptable);
	return found;
}

/*
 * The size of a table as the planner's statistics have it (pg_class.reltuples,
 * summed over the partitions of a partitioned table), for the report: "about
 * N rows", or a note that there are no statistics yet.
 */
static char *
pgm_estimated_size(Oid relid)
{
	float4		total = 0;
	bool		known = false;
	List	   *rels = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE ?
		find_all_inheritors(relid, NoLock, NULL) : list_make1_oid(relid);
	ListCell   *lc;

	foreach(lc, rels)
	{
		HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_class rel;

		if (!HeapTupleIsValid(tuple))
			continue;
		rel = (Form_pg_class) GETSTRUCT(tuple);
		if (rel->relkind == RELKIND_RELATION && rel->reltuples >= 0)
		{
			total += rel->reltuples;
			known = true;
		}
		ReleaseSysCache(tuple);
	}
	if (!known)
		return pstrdup("no statistics yet");
	return psprintf("about %.0f %s by the statistics", total, total == 1 ? "row" : "rows");
}

/*
 * Is table `relid` empty, as the storage says without a query
 * (pgm_heap_surely_empty())?  Then the query would find no row; asking
 * costs the parse, plan and relation cache entry of a query for every
 * table a rollback drops or drops a column of.  Only when the query would
 * have run: the caller may SELECT from the table (column privileges, which
 * the query would also accept, are left to the query) and no executor
 * permission hook has a say.  The table is locked as the query would lock
 * it.  False when not known: the query decides.
 */
static bool
pgm_rows_surely_none(Oid relid, bool citus)
{
	bool		missing = false;

	/*
	 * Where Citus is installed, a distributed table's rows are in shards on
	 * other nodes and its own file here is empty: the query decides.
	 */
	if (ExecutorCheckPerms_hook != NULL || citus ||
		pg_class_aclcheck_ext(relid, GetUserId(), ACL_SELECT, &missing) != ACLCHECK_OK)
		return false;			/* (a table dropped meanwhile, too) */
	LockRelationOid(relid, AccessShareLock);
	return pgm_heap_surely_empty(relid);
}

static void
pgm_check_drop_table(PgmLoss *loss, RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid) || (get_rel_relkind(relid) != RELKIND_RELATION &&
								get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE))
		return;
	if (pgm_rows_surely_none(relid, loss->citus))
		return;
	if (pgm_exists(psprintf("SELECT 1 FROM %s LIMIT 1", pgm_relation_name(relid))))
	{
		appendStringInfo(&loss->report, "\nrevision \"%s\" drops table %s, which holds rows (%s)",
						 loss->revision, pgm_relation_name(relid), pgm_estimated_size(relid));
		loss->count++;
	}
}

static void
pgm_check_drop_column(PgmLoss *loss, RangeVar *rv, const char *column)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid) || get_attnum(relid, column) == InvalidAttrNumber)
		return;
	if (pgm_rows_surely_none(relid, loss->citus))
		return;
	if (pgm_exists(psprintf("SELECT 1 FROM %s WHERE %s IS NOT NULL LIMIT 1",
							pgm_relation_name(relid), quote_identifier(column))))
	{
		appendStringInfo(&loss->report, "\nrevision \"%s\" drops column %s of table %s, which holds non-NULL values (table: %s)",
						 loss->revision, quote_identifier(column), pgm_relation_name(relid),
						 pgm_estimated_size(relid));
		loss->count++;
	}
}

static void
pgm_check_statement(PgmLoss *loss, Node *tree)
{
	ListCell   *lc;

	if (IsA(tree, DropStmt) && ((DropStmt *) tree)->removeType == OBJECT_TABLE)
	{
		foreach(lc, ((DropStmt *) tree)->objects)
			pgm_check_drop_table(loss, makeRangeVarFromNameList((List *) lfirst(lc)));
	}
	else if (IsA(tree, AlterTableStmt) && ((AlterTableStmt *) tree)->objtype == OBJECT_TABLE)
	{
		AlterTableStmt *stmt = (AlterTableStmt *) tree;

		foreach(lc, stmt->cmds)
		{
			AlterTableCmd *cmd = (AlterTableCmd *) lfirst(lc);

			if (cmd->subtype == AT_DropColumn)
				pgm_check_drop_column(loss, stmt->relation, cmd->name);
		}
	}
}

/*
 * Stop the rollback of `plan` if its down SQL would destroy data.  Connected
 * to SPI; runs before anything of the rollback, after pgm_check_reversible().
 * Each down SQL read is kept in its node (checked_down), in the caller's
 * memory context.
 * `read_only` reads the catalog with the calling query's snapshot.
 */
void
pgm_check_data_loss(PgmGraph *graph, PgmPlan *plan, bool read_only)
{
	PgmLoss		loss = {0};
	int			i;

	initStringInfo(&loss.report);
	loss.citus = pgm_citus_present();
	for (i = 0; i < plan->nsteps; i++)
	{
		PgmNode    *node = &graph->nodes[plan->steps[i]];
		char	   *down = pgm_catalog_fetch_sql(node->id, false, read_only);
		ListCell   *lc;

		node->checked_down = down;	/* the rollback runs it without reading it again */
		loss.revision = node->id;
		foreach(lc, pgm_parse_sql(down, node->id, "down"))
			pgm_check_statement(&loss, lfirst_node(RawStmt, lc)->stmt);
	}
	if (loss.count > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg_plural("rollback would destroy data in %d place",
							   "rollback would destroy data in %d places",
							   loss.count, loss.count),
				 errdetail("Nothing was rolled back.%s", loss.report.data),
				 errhint("Save the data first, or pass allow_data_loss => true to migrate.rollback().")));
}
