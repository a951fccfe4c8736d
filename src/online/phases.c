/*
 * online/phases.c — running a revision without downtime: expand, backfill,
 * contract.
 *
 * An online revision (online/plan.c says which statements it may hold) is
 * run in phases while the application's old and new versions both work:
 *
 *   migrate.start(id)      the new shape beside the old one: a new column
 *                          for each type change, filled by a trigger from
 *                          every write of either version; columns added;
 *                          and a schema of views for each version, named
 *                          <schema>_<revision> (the old version's after the
 *                          revision's parent), showing each version the
 *                          names and types it expects
 *   CALL migrate.backfill  the rows there were, in batches, each committed
 *                          with its progress in migrate.online: resumable
 *                          after a crash or a cancel
 *   migrate.complete(id)   the old shape goes: old columns dropped, new
 *                          ones renamed, renames and drops made, both
 *                          version schemas dropped (a version's search_path
 *                          then falls through to the tables themselves,
 *                          which now have its shape); the revision is
 *                          applied
 *   migrate.abort(id)      the new shape goes; the old one is untouched
 *
 * Every phase takes its locks under pgmigrate.lock_timeout, with retries
 * (engine.c), and holds ACCESS EXCLUSIVE only for catalog changes: the
 * scans (backfill, validating NOT NULL) run under weaker locks.  Start,
 * complete and abort take all their locks first (online/locks.c).
 *
 * Calls citus.c, rows.c, sqltext.c, session.c, changes.c, catalog.c, records.c, graph.c,
 * online/plan.c, online/sql.c, online/locks.c and engine.c.
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

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_start);
PG_FUNCTION_INFO_V1(pgmigrate_backfill);
PG_FUNCTION_INFO_V1(pgmigrate_complete);
PG_FUNCTION_INFO_V1(pgmigrate_abort);
PG_FUNCTION_INFO_V1(pgmigrate_online_statements);

#define PGM_NEW_COLUMN_PREFIX	"_pgm_new_"
#define PGM_NOT_NULL_PREFIX		"_pgm_nn_"
#define PGM_SYNC_PREFIX			"_pgm_sync_"
#define PGM_VIEW_PREFIX			"_pgm_view_"

/*
 * The first key of the shared advisory lock migrate.use_version() takes
 * (the bytes of "pgm"); the second is hashtext() of the version's schema.
 */
#define PGM_VERSION_LOCK_KEY	7366509

/* what a phase waits at most for a lock when pgmigrate.lock_timeout is off */
#define PGM_ONLINE_LOCK_TIMEOUT_MS	2000

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

/* An index on a retyped column, built again on the new column. */
typedef struct PgmMovedIndex
{
	char	   *name;			/* the index on the old column */
	char	   *new_name;		/* the one on the new column, renamed at complete */
	char	   *create_sql;		/* its CREATE INDEX CONCURRENTLY */
	List	   *after;			/* after its rename to the old name: a key's constraint, and what else the old one had */
} PgmMovedIndex;

/*
 * An online revision and its table, resolved.  A revision that changes
 * several tables (type changes only: a key and the columns that reference
 * it) is one of these for the revision, its `parts` one for each table.
 */
typedef struct PgmOnline
{
	char	   *id;
	int			part;			/* of a table: its position among the revision's, 1-based */
	List	   *parts;			/* of the revision: PgmOnline * of each table, in order */
	PgmGraph   *graph;
	int			node;
	PgmOnlinePlan *plan;
	Oid			relid;
	Oid			nspid;
	char	   *nspname;
	char	   *relname;
	char	   *table;			/* schema-qualified, quoted */
	char	   *old_schema;		/* the version schemas, unquoted */
	char	   *new_schema;
	char	   *sync;			/* the trigger's and its function's name */
	char	   *view_writer;	/* the function of the new view's INSTEAD OF trigger */
	List	   *row;			/* PgmRowColumn *: the table's columns before start */
	List	   *type_changes;	/* PgmTypeChange * */
	List	   *fills;			/* SET NOT NULL steps with a fill */
	List	   *not_nulls;		/* SET NOT NULL steps */
	List	   *validations;	/* ADD CONSTRAINT steps to validate */
	PgmOnlineStep *rename_table;	/* RENAME TO, or NULL */
	List	   *indexes;		/* CREATE INDEX and ADD UNIQUE steps */
	List	   *moved_indexes;	/* PgmMovedIndex * of the retyped columns */
	List	   *moved_fks;		/* PgmMovedForeignKey * on or to the retyped columns */
	List	   *moved_checks;	/* PgmMovedCheck * on the retyped columns */
	List	   *views;			/* PgmFollowedView * reading the retyped columns (online/views.c) */
	bool		lenient;		/* abort: what start would refuse is not refused */
	char	   *key_column;		/* what the backfill walks; NULL: none needed */
	char	   *key_type;
} PgmOnline;

/* ------------------------------------------------------------ names */

static char *
pgm_online_name(const PgmOnline *on, const char *prefix, const char *name, const char *what)
{
	char	   *result = psprintf("%s%s", prefix, name);

	/* abort: what such a name would be for was never made */
	if (strlen(result) >= NAMEDATALEN && on->lenient)
		return NULL;
	if (strlen(result) >= NAMEDATALEN)
		ereport(ERROR,
				(errcode(ERRCODE_NAME_TOO_LONG),
				 errmsg("the %s of online revision \"%s\" would be named \"%s\", longer than %d bytes",
						what, on->id, result, NAMEDATALEN - 1),
				 /* what is named after a column, index or constraint: the revision id does not help */
				 strcmp(prefix, PGM_NEW_COLUMN_PREFIX) == 0 || strcmp(prefix, PGM_NOT_NULL_PREFIX) == 0 ?
				 errhint("Rename %s in a revision before this one, %d bytes shorter or more.", quote_identifier(name),
						 (int) strlen(result) - (NAMEDATALEN - 1)) :
				 errhint("Use a shorter revision id (or schema name).")));
	return result;
}

static char *
pgm_qualified_name(const PgmOnline *on, const char *name)
{
	return quote_qualified_identifier(on->nspname, name);
}

static bool
pgm_step_is(const PgmOnline *on, PgmOnlineKind kind, const char *column)
{
	ListCell   *lc;

	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind == kind && step->column && strcmp(step->column, column) == 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ SQL */

/* ------------------------------------------------------------ loading */

static PGM_NORETURN void pgm_online_refused(const PgmOnline *on, const char *message, const char *hint);

static void
pgm_online_refused(const PgmOnline *on, const char *message, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("online revision \"%s\" cannot start: %s", on->id, message),
			 errhint("%s", hint)));
}

/*
 * The online revision `id`, checked for `function`: registered, online,
 * not applied, its one parent applied.  Connected to SPI, holding the
 * catalog lock.
 */
static PgmOnline *
pgm_online_load(const char *id, const char *function)
{
	PgmOnline  *on = palloc0(sizeof(PgmOnline));
	PgmNode    *node;
	Datum		idarg = CStringGetTextDatum(id);
	char	   *up;

	on->id = pstrdup(id);
	on->graph = pgm_graph_load(false);
	on->node = pgm_graph_find(on->graph, id);
	if (on->node < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" is not registered", id),
				 errhint("Register it with migrate.add(..., online => true) first.")));
	node = &on->graph->nodes[on->node];
	if (pgm_catalog_exec(PGM_Q_GET_ONLINE, &idarg, NULL, false) != 1 || !pgm_result_bool(0, 1))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not an online revision", id),
				 errdetail("%s runs only revisions registered with online => true.", function),
				 errhint("Apply it with migrate.apply(), or register it again with online => true.")));
	SPI_freetuptable(SPI_tuptable);
	if (node->applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is already applied", id),
				 errhint("Nothing is left to do for it.")));
	if (node->nparents > 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("online revision \"%s\" has %d parents", id, node->nparents),
				 errdetail("The old version of the application is the schema as the revision's parent left it, so an online revision has one parent (none when it is the first revision)."),
				 errhint("Apply a plain revision first that merges the branches, and make it the online revision's parent.")));
	if (node->nparents == 1 && !on->graph->nodes[node->parents[0]].applied)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the parent \"%s\" of online revision \"%s\" is not applied",
						on->graph->nodes[node->parents[0]].id, id),
				 errhint("Apply it first: SELECT migrate.apply('%s').", on->graph->nodes[node->parents[0]].id)));

	up = pgm_catalog_fetch_sql(id, true, false);
	on->plan = pgm_online_plan(up, pgm_split_statements(up, pgm_parse_sql(up, id, "up")), id);
	return on;
}

/*
 * A table of Citus's cannot change online: its rows are in shards on other
 * nodes, where the triggers that keep the old and new columns in step, and
 * the version views, would not be.
 */
static void
pgm_online_refuse_citus_table(const PgmOnline *on)
{
	const char *kind = pgm_citus_table_kind(on->relid);

	if (kind)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("online revision \"%s\" cannot change table %s: it is a %s table of Citus",
						on->id, on->table, kind),
				 errdetail("An online revision keeps old and new columns in step with triggers and views on this server; the table's rows are in shards, which Citus changes on its nodes."),
				 errhint("Make it a plain revision (online => false): Citus runs its DDL on every shard, in one distributed transaction.")));
}

/* Name the table and the version schemas of `on`, from the table's oid. */
static void
pgm_online_name_table(PgmOnline *on, Oid relid)
{
	PgmNode    *node = &on->graph->nodes[on->node];

	on->relid = relid;
	on->nspid = get_rel_namespace(relid);
	on->nspname = get_namespace_name(on->nspid);
	on->relname = get_rel_name(relid);
	on->table = quote_qualified_identifier(on->nspname, on->relname);
	/* the old version is the parent's; the first revision's, "base" (no revision is named so) */
	on->old_schema = pgm_online_name(on, psprintf("%s_", on->nspname),
									 node->nparents == 0 ? "base" : on->graph->nodes[node->parents[0]].id,
									 "old version's schema");
	on->new_schema = pgm_online_name(on, psprintf("%s_", on->nspname), on->id, "new version's schema");
	/* (checked for length where start makes them: only type changes and fills need them) */
	/* the first table's as they were before a revision could change several */
	on->sync = on->part > 1 ? psprintf("%s%s_%d", PGM_SYNC_PREFIX, on->id, on->part) :
		psprintf("%s%s", PGM_SYNC_PREFIX, on->id);
	on->view_writer = on->part > 1 ? psprintf("%s%s_%d", PGM_VIEW_PREFIX, on->id, on->part) :
		psprintf("%s%s", PGM_VIEW_PREFIX, on->id);
}

/* The column's attribute row, or an error naming what the step needs. */
static Form_pg_attribute
pgm_online_attribute(const PgmOnline *on, const char *column, bool must_exist)
{
	HeapTuple	tuple = SearchSysCacheCopyAttName(on->relid, column);

	if (!HeapTupleIsValid(tuple))
	{
		if (must_exist)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of table %s does not exist", column, on->table),
					 errhint("Online revision \"%s\" changes it: check the revision against the table.", on->id)));
		return NULL;
	}
	return (Form_pg_attribute) GETSTRUCT(tuple);
}

/* What depends on the table's column `attnum`, of what `filter` (SQL on d, a pg_depend row) keeps, in words. */
static List *
pgm_column_depending(const PgmOnline *on, AttrNumber attnum, const char *filter)
{
	Oid			types[2] = {OIDOID, INT4OID};
	Datum		values[2] = {ObjectIdGetDatum(on->relid), Int32GetDatum(attnum)};

	return pgm_spi_strings(psprintf("SELECT DISTINCT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)"
									" FROM pg_catalog.pg_depend d"
									" WHERE d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
									" AND d.refobjid OPERATOR(pg_catalog.=) $1"
									" AND d.refobjsubid OPERATOR(pg_catalog.=) $2 %s"
									" ORDER BY 1", filter),
						   2, types, values);
}

/* What depends on a column, besides its default, in words; NIL when nothing. */
static List *
pgm_column_dependents(const PgmOnline *on, AttrNumber attnum)
{
	return pgm_column_depending(on, attnum, ""
								/* its own default (a generated column's expression is another's) */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_attrdef'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_attrdef a WHERE a.oid OPERATOR(pg_catalog.=) d.objid"
								"                      AND a.adnum OPERATOR(pg_catalog.=) $2))"
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
								"          AND d.objid OPERATOR(pg_catalog.=) $1)"
								/* an index of its own (not a constraint's) is built again on the new column */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_index i"
								"                      WHERE i.indexrelid OPERATOR(pg_catalog.=) d.objid)"
								"          AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k"
								"                          WHERE k.conindid OPERATOR(pg_catalog.=) d.objid))"
								/* nor the table's primary key or unique constraint on it: its index is built again */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_constraint k"
								"                      WHERE k.oid OPERATOR(pg_catalog.=) d.objid"
								"                      AND k.conrelid OPERATOR(pg_catalog.=) $1"
								"                      AND k.contype OPERATOR(pg_catalog.=) ANY ('{p,u}')))"
								/*
								 * nor its sequence, carried over at complete: a serial's, or an
								 * identity's without grants or a comment (made again)
								 */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_class s"
								"                      WHERE s.oid OPERATOR(pg_catalog.=) d.objid"
								"                      AND s.relkind OPERATOR(pg_catalog.=) 'S'"
								"                      AND (d.deptype OPERATOR(pg_catalog.=) 'a'"
								"                           OR d.deptype OPERATOR(pg_catalog.=) 'i' AND s.relacl IS NULL"
								"                              AND pg_catalog.obj_description(s.oid, 'pg_class') IS NULL)))"
								/* nor a foreign key on it or referencing it, nor a CHECK on it: made again on the new column */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_constraint k"
								"                      WHERE k.oid OPERATOR(pg_catalog.=) d.objid"
								"                      AND (k.contype OPERATOR(pg_catalog.=) 'f'"
								"                           OR k.contype OPERATOR(pg_catalog.=) 'c'"
								"                              AND k.conrelid OPERATOR(pg_catalog.=) $1)))"
								/* nor a view that reads it: made again on the new column (online/views.c) */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class v"
								"                        ON v.oid OPERATOR(pg_catalog.=) r.ev_class"
								"                      WHERE r.oid OPERATOR(pg_catalog.=) d.objid"
								"                      AND r.rulename OPERATOR(pg_catalog.=) '_RETURN'"
								"                      AND v.relkind OPERATOR(pg_catalog.=) 'v'))"
								/* nor its NOT NULL, a constraint of its own since 18: the column's attnotnull */
								" AND NOT (d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_constraint'::pg_catalog.regclass"
								"          AND EXISTS (SELECT FROM pg_catalog.pg_constraint k"
								"                      WHERE k.oid OPERATOR(pg_catalog.=) d.objid"
								"                      AND k.contype OPERATOR(pg_catalog.=) 'n'))"
								);
}

/*
 * What would stop DROP COLUMN (without CASCADE) at complete, in words; NIL
 * when nothing: whatever depends on the column but is not dropped with it
 * (views, foreign keys that reference it, ...).
 */
static List *
pgm_column_drop_blockers(const PgmOnline *on, AttrNumber attnum)
{
	/* what also depends on the column automatically is dropped with it (a CHECK on it, its own foreign key) */
	return pgm_column_depending(on, attnum, " AND d.deptype OPERATOR(pg_catalog.=) 'n'"
								" AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend x"
								"   WHERE x.classid OPERATOR(pg_catalog.=) d.classid"
								"   AND x.objid OPERATOR(pg_catalog.=) d.objid"
								"   AND x.refclassid OPERATOR(pg_catalog.=) d.refclassid"
								"   AND x.refobjid OPERATOR(pg_catalog.=) d.refobjid"
								"   AND x.refobjsubid OPERATOR(pg_catalog.=) d.refobjsubid"
								"   AND x.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'))");
}

/*
 * The column's NOT NULL constraint (PostgreSQL 18) when it is not what a
 * plain SET NOT NULL on the new column makes (named otherwise than
 * <table>_<column>_not_null, NOT VALID or NO INHERIT): its name, or NULL.
 */
static char *
pgm_unusual_not_null(const PgmOnline *on, AttrNumber attnum)
{
	Oid			types[2] = {OIDOID, INT4OID};
	Datum		values[2] = {ObjectIdGetDatum(on->relid), Int32GetDatum(attnum)};
	List	   *names = pgm_spi_strings("SELECT k.conname::pg_catalog.text FROM pg_catalog.pg_constraint k"
										   " JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) k.conrelid"
										   " JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) k.conrelid"
										   " AND a.attnum OPERATOR(pg_catalog.=) $2"
										   " WHERE k.conrelid OPERATOR(pg_catalog.=) $1"
										   " AND k.contype OPERATOR(pg_catalog.=) 'n'"
										   " AND k.conkey OPERATOR(pg_catalog.=) ARRAY[$2::pg_catalog.int2]"
										   " AND (NOT k.convalidated OR k.connoinherit"
										   "      OR k.conname::pg_catalog.text OPERATOR(pg_catalog.<>)"
										   "         (c.relname OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) a.attname"
										   "          OPERATOR(pg_catalog.||) '_not_null'))",
										   2, types, values);

	return names != NIL ? linitial(names) : NULL;
}

static char *
pgm_type_sql(Oid type, int32 typmod)
{
	return format_type_extended(type, typmod, FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
}

/* The table's columns as they are before start: what the revision's expressions may name. */
static List *
pgm_online_row(const PgmOnline *on)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(on->relid)};
	List	   *row = NIL;
	ListCell   *lc;

	foreach(lc, pgm_spi_rows("SELECT attname, atttypid, atttypmod FROM pg_catalog.pg_attribute"
								" WHERE attrelid OPERATOR(pg_catalog.=) $1 AND attnum OPERATOR(pg_catalog.>) 0"
								" AND NOT attisdropped ORDER BY attnum",
								1, types, values))
	{
		char	  **fields = lfirst(lc);
		PgmRowColumn *col = palloc0(sizeof(PgmRowColumn));

		col->name = fields[0];
		col->type = (Oid) strtoul(fields[1], NULL, 10);
		col->type_sql = pgm_type_sql(col->type, (int32) strtol(fields[2], NULL, 10));
		row = lappend(row, col);
	}
	return row;
}

/* What an expression being tried is, for the context of its errors. */
static void
pgm_online_try_context(void *arg)
{
	errcontext("%s", (const char *) arg);
}

/*
 * Try the revision's expression `expr` (`what` of statement `number`),
 * cast to `type`, on `row` as the table's trigger evaluates it: parsed and
 * analysed, not run, so that no value it is tried with can make it fail.
 */
static void
pgm_online_try(const PgmOnline *on, const char *what, int number, const char *expr, const char *type, List *row)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid		   *types = palloc(sizeof(Oid) * (list_length(row) + 1));
	ErrorContextCallback context;
	SPIPlanPtr	plan;
	ListCell   *lc;

	foreach(lc, row)
		types[foreach_current_index(lc)] = ((PgmRowColumn *) lfirst(lc))->type;
	context.callback = pgm_online_try_context;
	context.arg = psprintf("%s of statement %d of online revision \"%s\"", what, number, on->id);
	context.previous = error_context_stack;
	error_context_stack = &context;
	plan = SPI_prepare(psprintf("SELECT %s", pgm_online_row_expression(expr, type, row, NULL)),
					   list_length(row), types);
	error_context_stack = context.previous;
	MemoryContextSwitchTo(cxt);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	SPI_freeplan(plan);
}

/*
 * The sequence of a SEQUENCE_TYPE step when it is one owned by a column of
 * the table; else InvalidOid.  At start it is the one the name finds, as
 * the plain statement would; later, the one of the table's that has the
 * name (whatever the search_path then, and an identity's made again).
 */
static Oid
pgm_step_sequence_of(const PgmOnline *on, const PgmOnlineStep *step, bool by_path)
{
	Oid			seq = InvalidOid;
	Oid			table = InvalidOid;
	int32		column;
	ListCell   *lc;

	if (by_path)
		seq = RangeVarGetRelid(step->sequence, NoLock, true);
	else
		foreach(lc, getOwnedSequences(on->relid))
		{
			Oid			owned = lfirst_oid(lc);

			if (strcmp(get_rel_name(owned), step->sequence->relname) == 0 &&
				(step->sequence->schemaname == NULL ||
				 strcmp(get_namespace_name(get_rel_namespace(owned)), step->sequence->schemaname) == 0))
				seq = owned;
		}
	if (!OidIsValid(seq) || get_rel_relkind(seq) != RELKIND_SEQUENCE ||
		!(sequenceIsOwned(seq, DEPENDENCY_AUTO, &table, &column) ||
		  sequenceIsOwned(seq, DEPENDENCY_INTERNAL, &table, &column)) || table != on->relid)
		return InvalidOid;
	return seq;
}

/* The same, refused when the step's sequence is not one of the table's. */
static Oid
pgm_online_step_sequence(const PgmOnline *on, const PgmOnlineStep *step, bool by_path)
{
	Oid			seq;

	/* one that is not there: the error the plain statement gives */
	if (by_path)
		(void) RangeVarGetRelid(step->sequence, NoLock, false);
	seq = pgm_step_sequence_of(on, step, by_path);
	if (!OidIsValid(seq))
		pgm_online_refused(on, psprintf("statement %d changes %s, which is not a sequence owned by a column of table %s",
										step->number, quote_identifier(step->sequence->relname), on->table),
						   "Online, ALTER SEQUENCE ... AS widens the sequence of a column the revision retypes: change other sequences in a plain revision.");
	return seq;
}

/*
 * A serial whose column becomes wider than its sequence would stop where
 * the sequence does: refused unless the revision widens the sequence too
 * (a plain ALTER COLUMN TYPE leaves it, so the revision says it, and does
 * the same applied plainly).
 */
static void
pgm_online_check_serial(const PgmOnline *on, AttrNumber attnum, Oid new_type)
{
	ListCell   *lc;

	foreach(lc, getOwnedSequences(on->relid))
	{
		Oid			seq = lfirst_oid(lc);
		Oid			table;
		int32		column;
		Oid			seq_type = InvalidOid;
		HeapTuple	tuple;
		ListCell   *sc;
		bool		widened = false;

		if (!sequenceIsOwned(seq, DEPENDENCY_AUTO, &table, &column) || column != attnum)
			continue;
		tuple = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seq));
		if (HeapTupleIsValid(tuple))
		{
			seq_type = ((Form_pg_sequence) GETSTRUCT(tuple))->seqtypid;
			ReleaseSysCache(tuple);
		}
		if (pgm_int_width(seq_type) == 0 || pgm_int_width(seq_type) >= pgm_int_width(new_type))
			continue;
		foreach(sc, on->plan->steps)
		{
			PgmOnlineStep *step = lfirst(sc);

			/* (to the column's new type at least) */
			widened |= step->kind == PGM_ONLINE_SEQUENCE_TYPE && pgm_online_step_sequence(on, step, true) == seq &&
				pgm_int_width(typenameTypeId(NULL, step->type)) >= pgm_int_width(new_type);
		}
		if (!widened)
		{
			char	   *name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(seq)), get_rel_name(seq));

			pgm_online_refused(on, psprintf("column %s of table %s takes its values from sequence %s, which is %s: they would stop at its end",
											quote_identifier(get_attname(on->relid, attnum, false)), on->table, name,
											format_type_be(seq_type)),
							   psprintf("Add \"ALTER SEQUENCE %s AS %s;\" to the revision: a plain ALTER COLUMN ... TYPE leaves a serial's sequence as it is.",
										name, format_type_be(new_type)));
		}
	}
}

/* The type change of `step`, checked against the table as it is before start. */
static PgmTypeChange *
pgm_resolve_type_change(PgmOnline *on, PgmOnlineStep *step)
{
	PgmTypeChange *change = palloc0(sizeof(PgmTypeChange));
	Form_pg_attribute att = pgm_online_attribute(on, step->column, true);
	Oid			new_type;
	int32		new_typmod;
	List	   *dependents;
	char	   *unusual;

	change->step = step;
	change->new_column = pgm_online_name(on, PGM_NEW_COLUMN_PREFIX, step->column, "new column");
	change->old_type = pgm_type_sql(att->atttypid, att->atttypmod);
	typenameTypeIdAndMod(NULL, step->type, &new_type, &new_typmod);
	change->new_type = pgm_type_sql(new_type, new_typmod);
	change->not_null = att->attnotnull;
	if (change->not_null)
		change->not_null_check = pgm_online_name(on, PGM_NOT_NULL_PREFIX, step->column, "NOT NULL check");
	if (pgm_online_attribute(on, change->new_column, false))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column \"%s\" of table %s already exists", change->new_column, on->table),
				 errdetail("Online revision \"%s\" adds it beside column %s, which statement %d retypes.",
						   on->id, quote_identifier(step->column), step->number),
				 errhint("Rename the column in a revision before this one.")));

	if (att->attgenerated != '\0')
		pgm_online_refused(on, psprintf("column %s of table %s is a generated column",
										quote_identifier(step->column), on->table),
						   "A generated column is computed from others, which both versions would have to compute alike: change its type in a plain revision.");
	if (change->not_null && (unusual = pgm_unusual_not_null(on, att->attnum)) != NULL)
		pgm_online_refused(on, psprintf("column %s of table %s has the NOT NULL constraint %s, which is NOT VALID, NO INHERIT or named otherwise than PostgreSQL names it",
										quote_identifier(step->column), on->table, quote_identifier(unusual)),
						   "The new column's NOT NULL would be a plain one: run this type change as a plain revision, or make the constraint plain in a revision before this one.");
	pgm_online_check_serial(on, att->attnum, new_type);
	if (att->attidentity && pgm_int_width(new_type) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("identity column type must be smallint, integer, or bigint"),
				 errdetail("Statement %d of online revision \"%s\" makes identity column %s of table %s %s.",
						   step->number, on->id, quote_identifier(step->column), on->table, change->new_type),
				 errhint("Drop the identity in a revision before this one, or choose an integer type.")));
	if (att->attidentity && (unusual = pgm_online_identity_misfit(on->relid, att->attnum, new_type)) != NULL)
		pgm_online_refused(on, psprintf("identity column %s of table %s becomes %s, and %s",
										quote_identifier(step->column), on->table, change->new_type, unusual),
						   "Change the sequence's bounds (ALTER TABLE ... ALTER COLUMN ... SET MAXVALUE ...) in a revision before this one, or keep a wider type.");
	dependents = pgm_column_dependents(on, att->attnum);
	if (dependents != NIL)
		pgm_online_refused(on, psprintf("column %s of table %s has dependents: %s",
										quote_identifier(step->column), on->table, pgm_list_join(dependents, ", ")),
						   "Online type changes of columns with exclusion constraints, generated columns, materialized views, rules, or an identity sequence with grants or a comment are not supported yet: run this one as a plain revision.");
	if (step->using_sql == NULL &&
		!can_coerce_type(1, &att->atttypid, &new_type, COERCION_ASSIGNMENT))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" cannot be cast automatically to type %s", step->column, change->new_type),
				 errhint("Give statement %d a USING expression.", step->number)));
	if (step->reverse_sql)
	{
		/* the column's name stands for the new value */
		PgmRowColumn reversed = {step->column, NULL, new_type, change->new_type};

		pgm_online_try(on, "the reverse expression", step->number, step->reverse_sql, change->old_type,
					   list_make1(&reversed));
	}
	else if (!can_coerce_type(1, &new_type, &att->atttypid, COERCION_EXPLICIT))
		pgm_online_refused(on, psprintf("there is no cast from %s back to %s", change->new_type, change->old_type),
						   "While both versions run, the new version's writes are copied back to the old column: give the statement a line \"-- migrate:reverse EXPRESSION\" before it.");
	if (step->using_sql)
		pgm_online_try(on, "the USING expression", step->number, step->using_sql, change->new_type, on->row);
	return change;
}

/* Check every step against the table as it is before start. */
static void
pgm_online_check_steps(PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);
		Form_pg_attribute att;
		List	   *blockers;

		switch (step->kind)
		{
			case PGM_ONLINE_TYPE:
				on->type_changes = lappend(on->type_changes, pgm_resolve_type_change(on, step));
				break;
			case PGM_ONLINE_RENAME_COLUMN:
				(void) pgm_online_attribute(on, step->column, true);
				if (pgm_online_attribute(on, step->new_name, false))
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("column \"%s\" of table %s already exists", step->new_name, on->table),
							 errhint("Statement %d of online revision \"%s\" renames a column to it.", step->number, on->id)));
				break;
			case PGM_ONLINE_ADD_COLUMN:
				if (pgm_online_attribute(on, step->column, false))
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_COLUMN),
							 errmsg("column \"%s\" of table %s already exists", step->column, on->table),
							 errhint("Statement %d of online revision \"%s\" adds it.", step->number, on->id)));
				break;
			case PGM_ONLINE_DROP_COLUMN:
				att = pgm_online_attribute(on, step->column, true);
				blockers = pgm_column_drop_blockers(on, att->attnum);
				if (blockers != NIL)
					pgm_online_refused(on, psprintf("column %s of table %s, which it drops, is used by: %s",
													quote_identifier(step->column), on->table,
													pgm_list_join(blockers, ", ")),
									   "Complete drops the column as DROP COLUMN does, which refuses while something else uses it: drop or change those in a revision before this one.");
				if (att->attnotnull && !att->atthasdef)
					pgm_online_refused(on, psprintf("column %s of table %s is NOT NULL without a default",
													quote_identifier(step->column), on->table),
									   "The new version does not write the column, so its inserts would fail: give the column a default, or drop NOT NULL, in a revision before this one.");
				break;
			case PGM_ONLINE_SET_NOT_NULL:
				att = pgm_online_attribute(on, step->column, true);
				if (att->attnotnull)
					pgm_online_refused(on, psprintf("column %s of table %s is NOT NULL already",
													quote_identifier(step->column), on->table),
									   "Remove the statement from the revision (a NOT VALID NOT NULL constraint of PostgreSQL 18 is validated by ALTER TABLE ... VALIDATE CONSTRAINT, in a plain revision).");
				if (step->fill_sql)
					pgm_online_try(on, "the fill", step->number, step->fill_sql,
								   pgm_type_sql(att->atttypid, att->atttypmod), on->row);
				break;
			case PGM_ONLINE_SEQUENCE_TYPE:
				(void) pgm_online_step_sequence(on, step, true);
				break;
			case PGM_ONLINE_RENAME_TABLE:
				if (OidIsValid(get_relname_relid(step->new_name, on->nspid)))
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_TABLE),
							 errmsg("relation \"%s\" already exists in schema \"%s\"", step->new_name, on->nspname),
							 errhint("Statement %d of online revision \"%s\" renames table %s to it.",
									 step->number, on->id, on->table)));
				break;
			case PGM_ONLINE_ADD_CONSTRAINT:
			case PGM_ONLINE_ADD_UNIQUE:
				if (OidIsValid(get_relation_constraint_oid(on->relid, step->constraint, true)))
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_OBJECT),
							 errmsg("constraint \"%s\" of table %s already exists", step->constraint, on->table),
							 errhint("Statement %d of online revision \"%s\" adds it.", step->number, on->id)));
				if (step->kind == PGM_ONLINE_ADD_CONSTRAINT)
					break;
				/* a unique constraint's index too */
				/* FALLTHROUGH */
			case PGM_ONLINE_CREATE_INDEX:
				if (OidIsValid(get_relname_relid(step->index, on->nspid)))
					ereport(ERROR,
							(errcode(ERRCODE_DUPLICATE_TABLE),
							 errmsg("relation \"%s\" already exists in schema \"%s\"", step->index, on->nspname),
							 errhint("Statement %d of online revision \"%s\" creates an index of that name.",
									 step->number, on->id)));
				break;
		}
	}
}

/* The steps that need the trigger, a NOT NULL check, validation or a rename. */
static void
pgm_online_collect(PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind == PGM_ONLINE_SET_NOT_NULL)
		{
			on->not_nulls = lappend(on->not_nulls, step);
			if (step->fill_sql)
				on->fills = lappend(on->fills, step);
		}
		else if (step->kind == PGM_ONLINE_ADD_CONSTRAINT && !step->not_valid)
			on->validations = lappend(on->validations, step);
		else if (step->kind == PGM_ONLINE_RENAME_TABLE)
			on->rename_table = step;
		else if (step->kind == PGM_ONLINE_CREATE_INDEX || step->kind == PGM_ONLINE_ADD_UNIQUE)
			on->indexes = lappend(on->indexes, step);
	}
}

/* The name of the NOT NULL check of SET NOT NULL on `column`. */
static char *
pgm_not_null_check(const PgmOnline *on, const char *column)
{
	return pgm_online_name(on, PGM_NOT_NULL_PREFIX, column, "NOT NULL check");
}

/* Is there anything between start and complete: rows to fill or constraints to validate? */
static bool
pgm_online_has_backfill(const PgmOnline *on)
{
	ListCell   *lc;

	/* of the revision: of any of its tables */
	foreach(lc, on->parts)
		if (pgm_online_has_backfill(lfirst(lc)))
			return true;
	return on->type_changes != NIL || on->not_nulls != NIL || on->validations != NIL;
}

/* The column the backfill's batches set to itself, so that the trigger fills the row; NULL: none. */
static const char *
pgm_backfill_column(const PgmOnline *on)
{
	/* the new column: the old one may be an identity GENERATED ALWAYS, which no UPDATE sets to itself */
	if (on->type_changes != NIL)
		return ((PgmTypeChange *) linitial(on->type_changes))->new_column;
	if (on->fills != NIL)
		return ((PgmOnlineStep *) linitial(on->fills))->column;
	return NULL;
}

/* The retyped column at `attnum`, if any. */
static PgmTypeChange *
pgm_type_change_at(const PgmOnline *on, AttrNumber attnum)
{
	ListCell   *lc;

	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		if (get_attnum(on->relid, c->step->column) == attnum)
			return c;
	}
	return NULL;
}

/*
 * What complete does with a moved index besides building it: a primary
 * key or unique constraint is attached to it (the index takes the
 * constraint's name, the old one's), a plain index takes the old one's
 * name; then whatever the old index was to the table comes back, as a
 * plain ALTER COLUMN TYPE keeps it.  `fields` are
 * pgm_online_find_moved_indexes()'s row.
 */
static void
pgm_moved_index_finish(const PgmOnline *on, PgmMovedIndex *moved, char **fields)
{
	char	   *name = pgm_qualified_name(on, moved->name);

	/* (a key's index has its constraint's name; a deferrable key was refused at start) */
	if (fields[8])
		moved->after = lappend(moved->after,
							   psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s", on->table,
										quote_identifier(fields[9]), fields[8][0] == 'p' ? "PRIMARY KEY" : "UNIQUE",
										quote_identifier(moved->name)));
	if (strcmp(fields[13], "t") == 0)
		moved->after = lappend(moved->after, psprintf("ALTER TABLE %s REPLICA IDENTITY USING INDEX %s", on->table,
													  quote_identifier(moved->name)));
	if (strcmp(fields[14], "t") == 0)
		moved->after = lappend(moved->after, psprintf("ALTER TABLE %s CLUSTER ON %s", on->table,
													  quote_identifier(moved->name)));
	if (fields[15])
		moved->after = lappend(moved->after, psprintf("COMMENT ON INDEX %s IS %s", name,
													  quote_literal_cstr(fields[15])));
	if (fields[16])
		moved->after = lappend(moved->after, psprintf("COMMENT ON CONSTRAINT %s ON %s IS %s", quote_identifier(fields[9]),
													  on->table, quote_literal_cstr(fields[16])));
}

/*
 * The indexes of table $1, with what pgm_online_find_moved_indexes()
 * needs of each: name, unique, method, key columns, columns, options,
 * plain (on columns, no predicate, options, or collation or operator class
 * of its own), the columns it depends on, then a key's constraint and what
 * the index has besides its definition.
 */
static const char pgm_moved_index_query[] =
	"SELECT c.relname, i.indisunique, am.amname, i.indnkeyatts,"
	" i.indkey::pg_catalog.int2[], i.indoption::pg_catalog.int2[],"
	" i.indexprs IS NULL AND i.indpred IS NULL AND c.reloptions IS NULL"
	" AND COALESCE((SELECT pg_catalog.bool_and(o.opcdefault)"
	"      FROM pg_catalog.unnest(i.indclass::pg_catalog.oid[]) AS u (opc)"
	"      JOIN pg_catalog.pg_opclass o ON o.oid OPERATOR(pg_catalog.=) u.opc), true)"
	" AND NOT EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(i.indcollation::pg_catalog.oid[]),"
	"      pg_catalog.unnest(i.indkey::pg_catalog.int2[])) AS u (coll, att)"
	"      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid"
	"       AND a.attnum OPERATOR(pg_catalog.=) u.att"
	"      WHERE u.coll OPERATOR(pg_catalog.<>) 0 AND u.coll OPERATOR(pg_catalog.<>) a.attcollation),"
	/* the columns it depends on, in expressions and predicates too */
	" ARRAY(SELECT d.refobjsubid FROM pg_catalog.pg_depend d"
	"       WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
	"         AND d.objid OPERATOR(pg_catalog.=) i.indexrelid"
	"         AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass"
	"         AND d.refobjid OPERATOR(pg_catalog.=) i.indrelid)"
	/* a key's constraint, and what the index has besides its definition */
	", k.contype, k.conname, k.condeferrable, i.indnullsnotdistinct,"
	" (SELECT pg_catalog.quote_ident(t.spcname) FROM pg_catalog.pg_tablespace t"
	"  WHERE t.oid OPERATOR(pg_catalog.=) c.reltablespace),"
	" i.indisreplident, i.indisclustered,"
	" pg_catalog.obj_description(c.oid, 'pg_class'), pg_catalog.obj_description(k.oid, 'pg_constraint')"
	" FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.indexrelid"
	" JOIN pg_catalog.pg_am am ON am.oid OPERATOR(pg_catalog.=) c.relam"
	" LEFT JOIN pg_catalog.pg_constraint k ON k.conindid OPERATOR(pg_catalog.=) i.indexrelid"
	"  AND k.conrelid OPERATOR(pg_catalog.=) i.indrelid AND k.contype OPERATOR(pg_catalog.=) ANY ('{p,u,x}')"
	" WHERE i.indrelid OPERATOR(pg_catalog.=) $1"
	/* an exclusion constraint's column is a dependent: refused */
	" AND (k.contype IS NULL OR k.contype OPERATOR(pg_catalog.<>) 'x')"
	" ORDER BY c.relname";

/*
 * The indexes on retyped columns, each to be built again on the new
 * columns (concurrently, by migrate.online_statements()) and renamed to
 * the old name at complete, when the old column and its index go.  Only
 * plain indexes of their own: on columns, not expressions, without a
 * predicate, storage options, or a collation or operator class other than
 * the column's default; anything else refuses.
 */
static void
pgm_online_find_moved_indexes(PgmOnline *on)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(on->relid)};
	ListCell   *lc;

	if (on->type_changes == NIL)
		return;
	foreach(lc, pgm_spi_rows(pgm_moved_index_query, 1, types, values))
	{
		char	  **fields = lfirst(lc);
		int			keys[INDEX_MAX_KEYS];
		int			options[INDEX_MAX_KEYS];
		int			depends[MaxHeapAttributeNumber];
		int			ndepends;
		int			nkeys;
		int			nkeyatts;
		int			k;
		bool		retyped = false;
		List	   *columns = NIL;
		List	   *included = NIL;
		PgmMovedIndex *moved;

		nkeyatts = atoi(fields[3]);
		nkeys = pgm_int2_array_parse(fields[4], keys, INDEX_MAX_KEYS);
		(void) pgm_int2_array_parse(fields[5], options, INDEX_MAX_KEYS);
		ndepends = pgm_int2_array_parse(fields[7], depends, MaxHeapAttributeNumber);
		/* (a constraint's index depends on its constraint, not on its columns) */
		for (k = 0; k < ndepends; k++)
			retyped |= depends[k] > 0 && pgm_type_change_at(on, depends[k]) != NULL;
		for (k = 0; k < nkeys; k++)
			retyped |= keys[k] > 0 && pgm_type_change_at(on, keys[k]) != NULL;
		if (!retyped)
			continue;
		if (strcmp(fields[6], "t") != 0 && on->lenient)
			continue;
		if (fields[8] && strcmp(fields[10], "t") == 0 && !on->lenient)
			pgm_online_refused(on, psprintf("key %s is on a retyped column and DEFERRABLE", quote_identifier(fields[9])),
							   "While both versions run, the key is a unique index on the new column, which cannot wait for the end of a transaction: make the key NOT DEFERRABLE in a revision before this one, or run this change as a plain revision.");
		if (strcmp(fields[6], "t") != 0)
			pgm_online_refused(on, psprintf("index %s is on a retyped column, with an expression, a predicate, storage options, or a collation or operator class of its own",
											quote_identifier(fields[0])),
							   "Online, an index on a retyped column is built again on the new column, which pgmigrate does for plain indexes only: run this change as a plain revision.");
		for (k = 0; k < nkeys; k++)
		{
			PgmTypeChange *c = pgm_type_change_at(on, keys[k]);
			const char *name = quote_identifier(c ? c->new_column : get_attname(on->relid, keys[k], false));

			if (k >= nkeyatts)
				included = lappend(included, (char *) name);
			else
				columns = lappend(columns, psprintf("%s%s%s", name,
													(options[k] & INDOPTION_DESC) ? " DESC" : "",
													(options[k] & INDOPTION_DESC) ?
													((options[k] & INDOPTION_NULLS_FIRST) ? "" : " NULLS LAST") :
													((options[k] & INDOPTION_NULLS_FIRST) ? " NULLS FIRST" : "")));
		}
		moved = palloc0(sizeof(PgmMovedIndex));
		moved->name = pstrdup(fields[0]);
		moved->new_name = pgm_online_name(on, PGM_NEW_COLUMN_PREFIX, fields[0], "index on the new column");
		if (moved->new_name == NULL)
			continue;
		moved->create_sql = psprintf("CREATE %sINDEX CONCURRENTLY %s ON %s USING %s (%s)%s%s%s",
									 strcmp(fields[1], "t") == 0 ? "UNIQUE " : "",
									 quote_identifier(moved->new_name), on->table, quote_identifier(fields[2]),
									 pgm_list_join(columns, ", "),
									 included ? psprintf(" INCLUDE (%s)", pgm_list_join(included, ", ")) : "",
									 strcmp(fields[11], "t") == 0 ? " NULLS NOT DISTINCT" : "",
									 fields[12] ? psprintf(" TABLESPACE %s", fields[12]) : "");
		pgm_moved_index_finish(on, moved, fields);
		on->moved_indexes = lappend(on->moved_indexes, moved);
	}
}

/* The single-column primary key of `relid`: a row of its type, typmod and name; NIL: none. */
static List *
pgm_single_column_key(Oid relid)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(relid)};

	return pgm_spi_rows("SELECT a.atttypid, a.atttypmod, a.attname"
						" FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute a"
						"   ON a.attrelid OPERATOR(pg_catalog.=) i.indrelid"
						"  AND a.attnum OPERATOR(pg_catalog.=) i.indkey[0]"
						" WHERE i.indrelid OPERATOR(pg_catalog.=) $1 AND i.indisprimary"
						"   AND i.indnkeyatts OPERATOR(pg_catalog.=) 1",
						1, types, values);
}

/*
 * How to widen the column of foreign key `fk` that is too narrow for the
 * key it references: in this revision, where its table could be one of
 * the revision's; else in a plain revision first.
 */
static char *
pgm_widen_hint(const PgmOnline *on, const PgmMovedForeignKey *fk)
{
	const char *why = get_rel_namespace(fk->relid) != on->nspid ?
		psprintf("it is in another schema than table %s", on->table) :
		pgm_single_column_key(fk->relid) == NIL ? "it has no single-column primary key, which the backfill walks" :
		NULL;

	if (why == NULL)
		return psprintf("Retype it in this revision too (ALTER TABLE %s %s), or first, in an online revision of its own.",
						fk->table, fk->widen);
	return psprintf("Widen it first, in a plain revision (ALTER TABLE %s %s), which rewrites that table under its lock: table %s cannot change in this online revision, since %s.",
					fk->table, fk->widen, fk->table, why);
}

/*
 * The CHECK constraints and foreign keys on the retyped columns, or
 * referencing them, each to be made again on the new columns
 * (online/checks.c, online/foreign_keys.c); any that cannot be refuses.
 */
static void
pgm_online_find_moved_constraints(PgmOnline *on, List *retyped, List **taken)
{
	PgmRetyped *mine = NULL;
	ListCell   *lc;

	foreach(lc, retyped)
		if (((PgmRetyped *) lfirst(lc))->relid == on->relid)
			mine = lfirst(lc);
	if (mine == NULL || mine->ncolumns == 0)
		return;
	foreach(lc, pgm_online_find_checks(on->relid, mine->ncolumns, mine->attnums, mine->columns, mine->new_columns))
	{
		PgmMovedCheck *check = lfirst(lc);

		if (check->reason && !on->lenient)
			pgm_online_refused(on, psprintf("check constraint %s of table %s is on a retyped column, and %s",
											quote_identifier(check->name), on->table, check->reason),
							   "Validate a NOT VALID check (ALTER TABLE ... VALIDATE CONSTRAINT) in a revision before this one; a check that is inherited, or of a table with children, takes a plain revision.");
		check->new_name = pgm_online_name(on, PGM_NEW_COLUMN_PREFIX, check->name, "check constraint on the new column");
		if (check->new_name == NULL)
			continue;
		on->moved_checks = lappend(on->moved_checks, check);
	}
	foreach(lc, pgm_online_find_foreign_keys(mine, retyped))
	{
		PgmMovedForeignKey *fk = lfirst(lc);

		/* a key between two tables the revision retypes: made again once, by the first */
		if (list_member_oid(*taken, fk->oid))
			continue;
		if (fk->reason && !on->lenient)
			pgm_online_refused(on, psprintf("foreign key %s of table %s is on a retyped column or references one, and %s",
											quote_identifier(fk->name), fk->table, fk->reason),
							   "Online, such a key is made again on the new column, which pgmigrate does for plain foreign keys of plain tables only: run this change as a plain revision.");
		if (fk->narrower && !on->lenient)
			pgm_online_refused(on, psprintf("foreign key %s of table %s has the column %s, which could not hold the new values of the column it references",
											quote_identifier(fk->name), fk->table, fk->narrower),
							   pgm_widen_hint(on, fk));
		fk->new_name = pgm_online_name(on, PGM_NEW_COLUMN_PREFIX, fk->name, "foreign key on the new column");
		if (fk->new_name == NULL)
			continue;
		*taken = lappend_oid(*taken, fk->oid);
		on->moved_fks = lappend(on->moved_fks, fk);
	}
}

/* Is the constraint `name` of table `relid` there: 1 validated, 0 NOT VALID, -1 not there. */
static int
pgm_constraint_state(Oid relid, const char *name)
{
	Oid			oid = get_relation_constraint_oid(relid, name, true);
	HeapTuple	tuple;
	int			state;

	if (!OidIsValid(oid))
		return -1;
	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(oid));
	if (!HeapTupleIsValid(tuple))
		return -1;
	state = ((Form_pg_constraint) GETSTRUCT(tuple))->convalidated ? 1 : 0;
	ReleaseSysCache(tuple);
	return state;
}

/* What migrate.online_statements() builds, in words ("indexes", ...); NULL: nothing. */
static const char *
pgm_online_built_later(const PgmOnline *on)
{
	bool		indexes = on->indexes || on->moved_indexes;
	bool		keys = on->moved_fks != NIL;
	ListCell   *lc;

	/* of the revision: of any of its tables */
	foreach(lc, on->parts)
	{
		PgmOnline  *part = lfirst(lc);

		indexes |= part->indexes || part->moved_indexes;
		keys |= part->moved_fks != NIL;
	}
	if (!keys)
		return indexes ? "indexes" : NULL;
	return indexes ? "indexes and foreign keys" : "foreign keys";
}

/* The single-column primary key the backfill walks. */
static void
pgm_online_find_key(PgmOnline *on)
{
	List	   *keys;

	if (pgm_backfill_column(on) == NULL)
		return;
	keys = pgm_single_column_key(on->relid);
	if (keys == NIL)
		pgm_online_refused(on, psprintf("table %s has no single-column primary key", on->table),
						   "The backfill walks the table in primary key order: give it a primary key of one column first.");
	on->key_type = pgm_type_sql((Oid) strtoul(((char **) linitial(keys))[0], NULL, 10),
								(int32) strtol(((char **) linitial(keys))[1], NULL, 10));
	on->key_column = ((char **) linitial(keys))[2];
}

/* ------------------------------------------------------------ views */

/* Is `name` a column start added beside a retyped one? */
static bool
pgm_is_new_column(const PgmOnline *on, const char *name)
{
	ListCell   *lc;

	foreach(lc, on->type_changes)
		if (strcmp(((PgmTypeChange *) lfirst(lc))->new_column, name) == 0)
			return true;
	return false;
}

/* The type change of `column`, if this revision changes its type. */
static PgmTypeChange *
pgm_type_change_of(const PgmOnline *on, const char *column)
{
	ListCell   *lc;

	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		if (strcmp(c->step->column, column) == 0)
			return c;
	}
	return NULL;
}

/*
 * The columns of the changed table's view for one version, in the table's
 * order: the old version sees the old columns and the new version the new
 * shape (renamed, retyped, added, not dropped).
 */
static List *
pgm_view_columns(const PgmOnline *on, bool new_version)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(on->relid)};
	List	   *rows = pgm_spi_rows("SELECT a.attname, a.attgenerated OPERATOR(pg_catalog.<>) '', a.attidentity,"
										  " CASE WHEN a.attidentity OPERATOR(pg_catalog.<>) '' THEN pg_catalog.format('pg_catalog.nextval(%L::pg_catalog.regclass)',"
										  "   pg_catalog.pg_get_serial_sequence(pg_catalog.format('%I.%I', n.nspname, c.relname), a.attname))"
										  " WHEN a.attgenerated OPERATOR(pg_catalog.=) '' THEN pg_catalog.pg_get_expr(d.adbin, d.adrelid) END"
										  " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid"
										  " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
										  " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid OPERATOR(pg_catalog.=) a.attrelid"
										  "  AND d.adnum OPERATOR(pg_catalog.=) a.attnum"
										  " WHERE a.attrelid OPERATOR(pg_catalog.=) $1 AND a.attnum OPERATOR(pg_catalog.>) 0"
										  " AND NOT a.attisdropped ORDER BY a.attnum",
										  1, types, values);
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, rows)
	{
		char	  **fields = lfirst(lc);
		PgmViewColumn *col = palloc0(sizeof(PgmViewColumn));
		ListCell   *sc;

		col->name = col->base = fields[0];
		col->generated = strcmp(fields[1], "t") == 0;
		col->identity = fields[2][0] != '\0';
		col->identity_always = strcmp(fields[2], "a") == 0;
		col->default_sql = fields[3];
		/* the new columns show under the old names, in the new version only */
		if (pgm_is_new_column(on, col->name))
			continue;
		if (!new_version && pgm_step_is(on, PGM_ONLINE_ADD_COLUMN, col->name))
			continue;
		if (new_version && pgm_step_is(on, PGM_ONLINE_DROP_COLUMN, col->name))
			continue;
		foreach(sc, on->plan->steps)
		{
			PgmOnlineStep *step = lfirst(sc);

			if (new_version && step->kind == PGM_ONLINE_RENAME_COLUMN && strcmp(step->column, col->base) == 0)
				col->name = step->new_name;
		}
		if (new_version && (col->change = pgm_type_change_of(on, col->base)) != NULL)
		{
			col->base = col->change->new_column;
			/* an identity's next value, which the old column gets from the new one */
			col->default_sql = col->identity ?
				psprintf("(%s)::%s", col->default_sql, col->change->new_type) : col->change->new_default;
		}
		out = lappend(out, col);
	}
	return out;
}

/*
 * The new version's view of a table whose column types change reads new
 * columns through COALESCE, which no view can write through: its writes go
 * to the table by an INSTEAD OF trigger (online/sql.c says how).
 */
static void
pgm_create_view_writer(const PgmOnline *on, const char *view, List *columns)
{
	char	   *function = pgm_qualified_name(on, pgm_online_name(on, "", on->view_writer, "view trigger"));
	const char *key_name = NULL;
	ListCell   *lc;

	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		/* (a retyped key reads the new column, and is found by the old one) */
		if (strcmp(col->change ? col->change->step->column : col->base, on->key_column) == 0)
			key_name = col->name;
	}
	if (key_name == NULL)
		pgm_online_refused(on, psprintf("it drops the key column %s of table %s", quote_identifier(on->key_column),
										on->table),
						   "Drop the key column in a revision of its own.");
	pgm_spi_run(pgm_online_view_writer(function, on->id, on->nspname, on->relname, columns,
										   on->key_column, key_name));
	pgm_spi_run(psprintf("CREATE TRIGGER %s INSTEAD OF INSERT OR UPDATE OR DELETE ON %s"
							 " FOR EACH ROW EXECUTE FUNCTION %s()",
							 quote_identifier(PGM_VIEW_PREFIX "write"), view, function));
	/*
	 * what an INSERT leaves out gets the table's default, as through a plain
	 * view; a GENERATED ALWAYS identity's, from the trigger (which so tells a
	 * value given from none)
	 */
	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		if (col->default_sql && !col->identity_always)
			pgm_spi_run(psprintf("ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s", view,
									 quote_identifier(col->name), col->default_sql));
	}
}

/* A version's schema must be new: refused when there is one of its name. */
static void
pgm_online_check_schema_free(const PgmOnline *on, const char *schema)
{
	if (OidIsValid(get_namespace_oid(schema, true)))
		pgm_online_refused(on, psprintf("schema %s exists", quote_identifier(schema)),
						   "It would be a version's schema of views: drop or rename it first.");
}

/*
 * A schema of views for one version: the changed table's view (each
 * changed table's, when the revision changes several), with the
 * caller's privileges checked on the table (security_invoker), so that
 * granting it to PUBLIC widens nothing.  Every other table is found in the
 * schema itself, next in the version's search_path, as functions and
 * sequences are: what start and complete do does not grow with the schema.
 */
static void
pgm_create_version_schema(const PgmOnline *on, const char *schema, bool new_version)
{
	char	   *view = quote_qualified_identifier(schema, new_version && on->rename_table ?
												  on->rename_table->new_name : on->relname);
	List	   *columns = pgm_view_columns(on, new_version);

	/* the revision's other tables have their views in the first one's */
	if (on->part <= 1)
	{
		pgm_online_check_schema_free(on, schema);
		pgm_spi_run(psprintf("CREATE SCHEMA %s", quote_identifier(schema)));
		pgm_spi_run(psprintf("COMMENT ON SCHEMA %s IS %s", quote_identifier(schema),
							 quote_literal_cstr(psprintf("pgmigrate: the %s version's views while online revision %s runs",
														 new_version ? "new" : "old", on->id))));
		pgm_spi_run(psprintf("GRANT USAGE ON SCHEMA %s TO PUBLIC", quote_identifier(schema)));
	}
	pgm_spi_run(psprintf("CREATE VIEW %s WITH (security_invoker = true) AS SELECT %s FROM %s AS %s",
							 view, pgm_online_view_select_list(columns), on->table, PGM_ONLINE_TABLE_ALIAS));
	pgm_spi_run(psprintf("GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO PUBLIC", view));
	if (new_version && on->type_changes != NIL)
		pgm_create_view_writer(on, view, columns);
}

/* Drop a version schema's views, then the schema (anything else in it stops the drop). */
static void
pgm_drop_version_schema(const char *schema)
{
	Oid			nspid = get_namespace_oid(schema, true);
	Oid			types[1] = {OIDOID};
	Datum		values[1];
	ListCell   *lc;

	if (!OidIsValid(nspid))
		return;
	values[0] = ObjectIdGetDatum(nspid);
	foreach(lc, pgm_spi_strings("SELECT pg_catalog.quote_ident(relname) FROM pg_catalog.pg_class"
								   " WHERE relnamespace OPERATOR(pg_catalog.=) $1 AND relkind OPERATOR(pg_catalog.=) 'v'",
								   1, types, values))
		pgm_spi_run(psprintf("DROP VIEW %s.%s", quote_identifier(schema), (char *) lfirst(lc)));
	pgm_spi_run(psprintf("DROP SCHEMA %s", quote_identifier(schema)));
}

/* ------------------------------------------------------------ start */

/*
 * The views that read the retyped columns (directly or through other
 * views), as they are now, each after the views it reads; what could not be
 * made again on the new columns refuses `phase` ("start" or "complete").
 */
static List *
pgm_online_views(const PgmOnline *on, const char *phase)
{
	int			n = list_length(on->type_changes);
	AttrNumber *attnums = palloc(sizeof(AttrNumber) * Max(n, 1));
	List	   *problems = NIL;
	List	   *views;
	ListCell   *lc;

	if (n == 0)
		return NIL;
	foreach(lc, on->type_changes)
		attnums[foreach_current_index(lc)] = get_attnum(on->relid, ((PgmTypeChange *) lfirst(lc))->step->column);
	views = pgm_online_find_views(on->relid, n, attnums, &problems);
	if (problems != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("online revision \"%s\" cannot %s: views read a column it retypes, and cannot be made again on the new column",
						on->id, phase),
				 errdetail("%s.", pgm_list_join(problems, "; ")),
				 strcmp(phase, "complete") == 0 ?
				 errhint("Undo what stops it, as it was done (it was not there at start), or abort with migrate.abort('%s').", on->id) :
				 errhint("Drop such a view in a revision before this one and make it again in one after it, or run this change as a plain revision that does the same.")));
	return views;
}

/*
 * Start's trial of the views (on->views) on the new columns, in a
 * subtransaction that is rolled back: each retyped column's new one takes
 * its name, and each view is made again from its definition, in a
 * subtransaction of its own.  The trial has no primary key on the new
 * columns (its index is built after the backfill): a view that groups by
 * the key alone, and the views that read it, are left to complete, which
 * makes them once the key is attached, or fails whole.  Any other error
 * ends the trial.
 */
static void
pgm_online_try_views(void *arg)
{
	PgmOnline  *on = (PgmOnline *) arg;
	bool		key_retyped = on->key_column != NULL && pgm_type_change_of(on, on->key_column) != NULL;
	List	   *untried = NIL;
	ListCell   *lc;

	pgm_online_drop_views(on->views);
	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		pgm_spi_run(psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", on->table, quote_identifier(c->step->column),
							 quote_identifier(psprintf("_pgm_trial_%d", foreach_current_index(lc)))));
		pgm_spi_run(psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", on->table, quote_identifier(c->new_column),
							 quote_identifier(c->step->column)));
	}
	foreach(lc, on->views)
	{
		PgmFollowedView *f = lfirst(lc);
		ListCell   *rc;
		ErrorData  *edata;
		bool		reads_untried = false;

		foreach(rc, f->reads)
			reads_untried = reads_untried || pgm_list_has_string(untried, lfirst(rc));
		if (reads_untried)
		{
			untried = lappend(untried, f->name);
			continue;
		}
		edata = pgm_in_subtransaction(pgm_online_make_view, f, true);
		if (edata != NULL && edata->sqlerrcode == ERRCODE_GROUPING_ERROR && key_retyped)
			untried = lappend(untried, f->name);
		else if (edata != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("online revision \"%s\" cannot start: view %s, which reads a column it retypes, could not be made again on the new column",
							on->id, f->name),
					 errdetail("Made again from its definition: %s", edata->message),
					 errhint("Change the view in a revision before this one so that its definition holds for the new type, or drop it there and make it again in a revision after this one.")));
	}
}

/* Refuse start where a view would not be made again on the new columns. */
static void
pgm_online_check_views_made(PgmOnline *on)
{
	ErrorData  *edata;

	if (on->views == NIL)
		return;
	edata = pgm_in_subtransaction(pgm_online_try_views, on, false);
	if (edata != NULL)
		ReThrowError(edata);
}

/* The default of the new column of `c`: the old one's, cast to the new type; NULL: none. */
static char *
pgm_new_default(const PgmOnline *on, const PgmTypeChange *c)
{
	List	   *defaults = pgm_spi_strings(psprintf("SELECT pg_catalog.pg_get_expr(adbin, adrelid) FROM pg_catalog.pg_attrdef"
													" WHERE adrelid OPERATOR(pg_catalog.=) %u AND adnum OPERATOR(pg_catalog.=) %d",
													on->relid, get_attnum(on->relid, c->step->column)), 0, NULL, NULL);

	return defaults != NIL ? psprintf("(%s)::%s", (char *) linitial(defaults), c->new_type) : NULL;
}

static void
pgm_online_expand_table(PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		pgm_spi_run(psprintf("ALTER TABLE %s ADD COLUMN %s %s", on->table,
								 quote_identifier(c->new_column), c->new_type));
		/*
		 * The new version's view has it; the new column itself only at
		 * complete: every other insert fills it from the old column, and
		 * would take a second value of a serial's sequence for nothing.
		 */
		c->new_default = pgm_new_default(on, c);
		if (c->not_null)
			pgm_spi_run(psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID", on->table,
									 quote_identifier(c->not_null_check), quote_identifier(c->new_column)));
	}
	pgm_online_check_views_made(on);
	/* enforced on the new columns from now on; validated by the backfill */
	foreach(lc, on->moved_checks)
	{
		PgmMovedCheck *check = lfirst(lc);

		pgm_spi_run(psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID", on->table,
							 quote_identifier(check->new_name), check->definition));
	}
	foreach(lc, on->not_nulls)
	{
		PgmOnlineStep *step = lfirst(lc);

		/* 18: the column's own NOT NULL constraint, NOT VALID; before, a CHECK that SET NOT NULL uses */
		pgm_spi_run(psprintf(PGM_HAS_NOT_NULL_CONSTRAINTS ?
								 "ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID" :
								 "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID", on->table,
								 quote_identifier(pgm_not_null_check(on, step->column)),
								 quote_identifier(step->column)));
	}
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		/* enforced on every write from now on; the rows there are, validated by the backfill */
		if (step->kind == PGM_ONLINE_ADD_CONSTRAINT)
			pgm_spi_run(step->not_valid ? step->statement : psprintf("%s\nNOT VALID", step->statement));
	}
	if (on->type_changes != NIL || on->fills != NIL)
	{
		(void) pgm_online_name(on, "", on->sync, "trigger");
		/* the trigger that keeps old and new columns in step (online/sql.c says how) */
		pgm_spi_run(pgm_online_sync_function(pgm_qualified_name(on, on->sync), on->id, on->row, on->fills,
												 on->type_changes));
		pgm_spi_run(psprintf("CREATE TRIGGER %s BEFORE INSERT OR UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION %s()",
								 quote_identifier(on->sync), on->table, pgm_qualified_name(on, on->sync)));
		/* the backfill runs as a replica where it may, so that only this trigger fires */
		pgm_spi_run(psprintf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", on->table, quote_identifier(on->sync)));
	}
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind == PGM_ONLINE_ADD_COLUMN)
			pgm_spi_run(step->statement);
	}
	pgm_create_version_schema(on, on->old_schema, false);
	pgm_create_version_schema(on, on->new_schema, true);
}

/* The relids of the revision's tables. */
static List *
pgm_online_relids(const PgmOnline *on)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, on->parts)
		relids = lappend_oid(relids, ((PgmOnline *) lfirst(lc))->relid);
	return relids;
}

static void
pgm_online_expand(void *arg)
{
	PgmOnline  *on = (PgmOnline *) arg;
	ListCell   *lc;

	/* the tables, their views (tried again below), partitions and sequences, an autovacuum cancelled */
	pgm_online_lock_up_front(pgm_online_relids(on), NIL);
	foreach(lc, on->parts)
		pgm_online_expand_table(lfirst(lc));
}

/* Refuse to start while an online revision is in progress. */
static void
pgm_check_none_in_progress(const char *id)
{
	char	   *busy = pgm_online_in_progress();

	if (busy && strcmp(busy, id) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("online revision \"%s\" is already started", id),
				 errhint("Go on with CALL migrate.backfill('%s') and migrate.complete('%s'), or migrate.abort('%s').", id, id, id)));
	if (busy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("online revision \"%s\" is in progress", busy),
				 errdetail("One online revision runs at a time."),
				 errhint("Complete it with migrate.complete('%s'), or abort it with migrate.abort('%s'), first.", busy, busy)));
}

/* Run fn(on) as managed DDL, under the lock timeout, with retries. */
static void
pgm_online_run_ddl(PgmOnline *on, const char *undone, void (*fn) (void *))
{
	pgm_session_set_engine_running(true);
	pgm_online_locks_begin();
	PG_TRY();
	{
		pgm_with_lock_retries(on->id, undone, pgm_lock_timeout_or(PGM_ONLINE_LOCK_TIMEOUT_MS), fn, on);
	}
	PG_FINALLY();
	{
		pgm_session_set_engine_running(false);
	}
	PG_END_TRY();
}

static char *
pgm_text_arg(FunctionCallInfo fcinfo, int n, const char *name, const char *function)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass the id of an online revision to %s.", function)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* ------------------------------------------------------------ the tables */

/*
 * The revision's tables, one part each (on->parts), with the steps that
 * change it, named from `relids` (one per table, in order); `on` itself is
 * named from the first.  A sequence's step goes to the table whose column
 * owns the sequence (to the first, which refuses it, when none does).
 */
static void
pgm_online_split(PgmOnline *on, const Oid *relids, bool by_path)
{
	ListCell   *lc;

	on->parts = NIL;
	pgm_online_name_table(on, relids[0]);
	foreach(lc, on->plan->tables)
	{
		RangeVar   *table = lfirst(lc);
		PgmOnline  *part = palloc0(sizeof(PgmOnline));
		ListCell   *sc;

		part->id = on->id;
		part->graph = on->graph;
		part->node = on->node;
		part->lenient = on->lenient;
		part->part = foreach_current_index(lc) + 1;
		part->plan = palloc0(sizeof(PgmOnlinePlan));
		part->plan->relation = table;
		part->plan->tables = list_make1(table);
		foreach(sc, on->plan->steps)
		{
			PgmOnlineStep *step = lfirst(sc);

			if (step->relation && equal(step->relation, table))
				part->plan->steps = lappend(part->plan->steps, step);
		}
		pgm_online_name_table(part, relids[foreach_current_index(lc)]);
		on->parts = lappend(on->parts, part);
	}
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);
		PgmOnline  *owner = linitial(on->parts);
		ListCell   *pc;

		if (step->kind != PGM_ONLINE_SEQUENCE_TYPE)
			continue;
		foreach(pc, on->parts)
			if (OidIsValid(pgm_step_sequence_of(lfirst(pc), step, by_path)))
			{
				owner = lfirst(pc);
				break;
			}
		owner->plan->steps = lappend(owner->plan->steps, step);
	}
}

/* A table as a statement names it: "items", "app.items". */
static char *
pgm_range_var_text(const RangeVar *table)
{
	return quote_qualified_identifier(table->schemaname, table->relname);
}

/*
 * Before start: the tables as the statements name them, split into parts;
 * false when one is not there and `missing_ok`.
 */
static bool
pgm_online_find_tables(PgmOnline *on, bool missing_ok)
{
	Oid		   *relids = palloc(sizeof(Oid) * list_length(on->plan->tables));
	ListCell   *lc;

	foreach(lc, on->plan->tables)
	{
		RangeVar   *table = lfirst(lc);
		int			i = foreach_current_index(lc);
		int			j;

		relids[i] = RangeVarGetRelid(table, NoLock, missing_ok);
		if (!OidIsValid(relids[i]))
			return false;
		for (j = 0; j < i; j++)
			if (relids[j] == relids[i])
				pgm_online_refused(on, psprintf("its statements name table %s in two ways, %s and %s",
												quote_qualified_identifier(get_namespace_name(get_rel_namespace(relids[i])),
																		   get_rel_name(relids[i])),
												pgm_range_var_text(list_nth(on->plan->tables, j)),
												pgm_range_var_text(table)),
								   "Name each table the same way in every statement of the revision.");
	}
	pgm_online_split(on, relids, true);
	return true;
}

/* The revision's tables, "a.t, a.u"; before they are found, as its statements name them. */
static char *
pgm_online_tables_text(const PgmOnline *on)
{
	List	   *tables = NIL;
	ListCell   *lc;

	foreach(lc, on->parts)
		tables = lappend(tables, ((PgmOnline *) lfirst(lc))->table);
	if (on->parts == NIL)
		foreach(lc, on->plan->tables)
			tables = lappend(tables, pgm_range_var_text(lfirst(lc)));
	return pgm_list_join(tables, ", ");
}

/* At registration: the tables, when they are there. */
static void
pgm_online_find_tables_if_there(void *arg)
{
	(void) pgm_online_find_tables((PgmOnline *) arg, true);
}

/* The columns a table's type changes retype, for the foreign keys between the revision's tables. */
static PgmRetyped *
pgm_online_retyped(const PgmOnline *on)
{
	PgmRetyped *r = palloc0(sizeof(PgmRetyped));
	int			n = list_length(on->type_changes);
	ListCell   *lc;

	r->relid = on->relid;
	r->ncolumns = n;
	r->attnums = palloc(sizeof(AttrNumber) * Max(n, 1));
	r->columns = palloc(sizeof(char *) * Max(n, 1));
	r->new_columns = palloc(sizeof(char *) * Max(n, 1));
	r->new_types = palloc(sizeof(Oid) * Max(n, 1));
	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);
		int			i = foreach_current_index(lc);

		r->attnums[i] = get_attnum(on->relid, c->step->column);
		r->columns[i] = c->step->column;
		r->new_columns[i] = c->new_column;
		r->new_types[i] = typenameTypeId(NULL, c->step->type);
	}
	return r;
}

/*
 * What a table's keys, checks and indexes on the retyped columns become:
 * each table's, once every table's type changes are known (a key between
 * two of them is made again on both new columns).
 */
static void
pgm_online_find_moved(PgmOnline *on)
{
	List	   *retyped = NIL;
	List	   *taken = NIL;
	ListCell   *lc;

	foreach(lc, on->parts)
	{
		pgm_online_find_moved_indexes(lfirst(lc));
		retyped = lappend(retyped, pgm_online_retyped(lfirst(lc)));
	}
	foreach(lc, on->parts)
		pgm_online_find_moved_constraints(lfirst(lc), retyped, &taken);
}

/* What start checks before it changes anything, on a revision split into its tables. */
static void
pgm_online_check_now(void *arg)
{
	PgmOnline  *on = (PgmOnline *) arg;
	PgmOnline  *first = linitial(on->parts);
	ListCell   *lc;

	foreach(lc, on->parts)
	{
		PgmOnline  *part = lfirst(lc);

		pgm_online_refuse_citus_table(part);
		if (part->nspid != first->nspid)
			pgm_online_refused(on, psprintf("its tables %s and %s are in different schemas", first->table, part->table),
							   "An online revision's tables share the versions' schemas of views: change the tables of each schema in an online revision of its own.");
		pgm_online_collect(part);
		part->row = pgm_online_row(part);
		pgm_online_check_steps(part);
	}
	pgm_online_find_moved(on);
	foreach(lc, on->parts)
	{
		PgmOnline  *part = lfirst(lc);

		part->views = pgm_online_views(part, "start");
		pgm_online_find_key(part);
		/* the names start gives what it makes besides */
		if (part->type_changes != NIL || part->fills != NIL)
			(void) pgm_online_name(part, "", part->sync, "trigger");
		if (part->type_changes != NIL)
			(void) pgm_online_name(part, "", part->view_writer, "view trigger");
	}
	pgm_online_check_schema_free(on, on->old_schema);
	pgm_online_check_schema_free(on, on->new_schema);
}

/*
 * At registration (migrate.add()), what start would refuse, where it can be
 * known now: when the revision's parent is applied (or it has none) and its
 * table is there.  A warning, not an error: the table may change before
 * start, which checks again.
 */
void
pgm_online_check_at_registration(const char *id)
{
	PgmGraph   *graph = pgm_graph_load(false);
	int			n = pgm_graph_find(graph, id);
	PgmNode    *node;
	PgmOnline  *on;
	ListCell   *lc;
	ErrorData  *edata;

	if (n < 0)
		return;
	node = &graph->nodes[n];
	if (node->applied || node->nparents > 1 || (node->nparents == 1 && !graph->nodes[node->parents[0]].applied))
		return;
	on = pgm_online_load(id, "migrate.add()");
	edata = pgm_in_subtransaction(pgm_online_find_tables_if_there, on, false);
	/* a table that is not there yet: nothing to check against */
	if (edata == NULL && on->parts == NIL)
		return;
	if (edata == NULL)
	{
		/* what no later change of the table makes possible: refused now */
		foreach(lc, on->parts)
			pgm_online_refuse_citus_table(lfirst(lc));
		edata = pgm_in_subtransaction(pgm_online_check_now, on, false);
	}
	if (edata == NULL)
		return;
	ereport(WARNING,
			(errcode(edata->sqlerrcode),
			 errmsg("%s", edata->message),
			 errdetail("%s%sChecked against %s %s as %s now: migrate.start('%s') checks again.",
					   edata->detail ? edata->detail : "", edata->detail ? " " : "",
					   list_length(on->plan->tables) > 1 ? "tables" : "table", pgm_online_tables_text(on),
					   list_length(on->plan->tables) > 1 ? "they are" : "it is", id),
			 edata->hint ? errhint("%s", edata->hint) : 0,
			 edata->context ? errcontext("%s", edata->context) : 0));
}

Datum
pgmigrate_start(PG_FUNCTION_ARGS)
{
	char	   *id = pgm_text_arg(fcinfo, 0, "id", "migrate.start()");
	PgmOnline  *on;
	Datum		values[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Datum	   *tables;
	int64		rows = 0;
	ListCell   *lc;
	instr_time	start;
	instr_time	elapsed;
	int			output_level;

	pgm_check_may_change("migrate.start()");
	INSTR_TIME_SET_CURRENT(start);
	pgm_spi_connect();
	/* what start deparses (defaults, checks, views) is made again from its text: floats in full */
	output_level = pgm_spi_fix_output_settings();
	pgm_lock_catalog();
	pgm_check_none_in_progress(id);
	on = pgm_online_load(id, "migrate.start()");
	(void) pgm_online_find_tables(on, false);
	pgm_online_check_now(on);

	tables = palloc(sizeof(Datum) * list_length(on->parts));
	foreach(lc, on->parts)
	{
		PgmOnline  *part = lfirst(lc);

		/* the planner's estimate; counted, before any lock, when the table was never analysed */
		rows += pg_strtoint64(linitial(pgm_spi_strings(psprintf("SELECT CASE WHEN reltuples OPERATOR(pg_catalog.>=) 0"
																" THEN reltuples::pg_catalog.int8"
																" ELSE (SELECT pg_catalog.count(*) FROM %s) END::pg_catalog.text"
																" FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) %u",
																part->table, part->relid), 0, NULL, NULL)));
		tables[foreach_current_index(lc)] = CStringGetTextDatum(part->table);
	}
	values[6] = Int64GetDatum(rows);
	values[8] = PointerGetDatum(construct_array(tables, list_length(on->parts), TEXTOID, -1, false, TYPALIGN_INT));

	pgm_record_prepare();
	pgm_online_run_ddl(on, "started", pgm_online_expand);

	values[0] = CStringGetTextDatum(id);
	values[1] = CStringGetTextDatum(pgm_online_has_backfill(on) ? "expanded" : "backfilled");
	values[2] = CStringGetTextDatum(on->table);
	/* the first table's: what its backfill walks first */
	values[3] = ((PgmOnline *) linitial(on->parts))->key_column ?
		CStringGetTextDatum(((PgmOnline *) linitial(on->parts))->key_column) : (Datum) 0;
	nulls[3] = values[3] ? ' ' : 'n';
	values[4] = CStringGetTextDatum(on->old_schema);
	values[5] = CStringGetTextDatum(on->new_schema);
	values[7] = DirectFunctionCall1(namein, CStringGetDatum(pgm_caller_name()));
	pgm_catalog_exec(PGM_Q_ONLINE_INSERT, values, nulls, false);
	/* drift() compares with the schema as start left it, not as it was */
	pgm_record_changes("start");

	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	pgm_catalog_log("start", id, INSTR_TIME_GET_MILLISEC(elapsed), NULL, "ok",
					psprintf("old version: schema %s; new version: schema %s", on->old_schema, on->new_schema));
	ereport(NOTICE,
			(errmsg("online revision \"%s\" started: the old version reads schema %s, the new version schema %s",
					id, quote_identifier(on->old_schema), quote_identifier(on->new_schema)),
			 pgm_online_has_backfill(on) ?
			 errhint("Fill the new shape with CALL migrate.backfill('%s')%s, then run migrate.complete('%s').", id,
					 pgm_online_built_later(on) ?
					 psprintf(" and build its %s with SELECT statement FROM migrate.online_statements('%s') \\gexec",
							  pgm_online_built_later(on), id) : "",
					 id) :
			 pgm_online_built_later(on) ?
			 errhint("Build its indexes with SELECT statement FROM migrate.online_statements('%s') \\gexec, then run migrate.complete('%s').", id, id) :
			 errhint("Nothing needs filling: migrate.complete('%s') finishes it once the old version is gone.", id)));
	pgm_spi_restore_settings(output_level);
	SPI_finish();
	PG_RETURN_VOID();
}

/* ------------------------------------------------------------ indexes */

/* The CREATE INDEX CONCURRENTLY of an index step. */
static char *
pgm_index_statement(const PgmOnline *on, const PgmOnlineStep *step)
{
	if (step->kind == PGM_ONLINE_ADD_UNIQUE)
		return psprintf("CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s)", quote_identifier(step->index),
						on->table, step->index_columns);
	return step->index_sql;
}

/* Is the index `name` of the table's schema there: 1 valid, 0 invalid (a build that failed), -1 not there. */
static int
pgm_index_state_by_name(const PgmOnline *on, const char *name)
{
	Oid			index = get_relname_relid(name, on->nspid);
	HeapTuple	tuple;
	int			state;

	if (!OidIsValid(index))
		return -1;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index));
	if (!HeapTupleIsValid(tuple))
		return -1;
	state = ((Form_pg_index) GETSTRUCT(tuple))->indisvalid ? 1 : 0;
	ReleaseSysCache(tuple);
	return state;
}

static int
pgm_index_state(const PgmOnline *on, const PgmOnlineStep *step)
{
	return pgm_index_state_by_name(on, step->index);
}

/* ------------------------------------------------------------ after start */

/* The state of a started revision, its row locked; false when it is not started. */
typedef struct PgmOnlineState
{
	char	   *phase;
	int64		rows_done;
	char	   *last_key;
	char	   *relation;
	int			part;			/* the table the backfill is at, 1-based */
	Datum	   *tables;			/* each table, qualified (text); NULL: relation alone */
	int			ntables;
} PgmOnlineState;

static bool
pgm_online_state(const char *id, PgmOnlineState *state)
{
	Datum		idarg = CStringGetTextDatum(id);
	bool		found = pgm_catalog_exec(PGM_Q_ONLINE_STATE, &idarg, NULL, false) == 1;

	if (found)
	{
		state->phase = pgm_result_text(0, 1);
		state->rows_done = pg_strtoint64(pgm_result_text(0, 2));
		state->last_key = pgm_result_text(0, 3);
		state->relation = pgm_result_text(0, 5);
		state->part = (int) pg_strtoint32(pgm_result_text(0, 6));
		state->tables = NULL;
		state->ntables = 0;
		/* (a revision started before its tables were kept: the relation alone) */
		if (pgm_result_text(0, 7) != NULL)
			deconstruct_array(pgm_result_array(0, 7, TEXTOID, CurrentMemoryContext), TEXTOID, -1, false,
							  TYPALIGN_INT, &state->tables, NULL, &state->ntables);
	}
	SPI_freetuptable(SPI_tuptable);
	return found;
}

static void
pgm_require_started(const char *id, PgmOnlineState *state)
{
	if (!pgm_online_state(id, state))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("online revision \"%s\" is not started", id),
				 errhint("Start it with migrate.start('%s').", id)));
}

/* The table of a started revision named `name` (schema-qualified, quoted). */
static Oid
pgm_started_table(const char *name)
{
	return RangeVarGetRelid(makeRangeVarFromNameList(textToQualifiedNameList(cstring_to_text(name))), NoLock, false);
}

/* `on` as start left it: its tables, and the names start gave the new shape. */
static void
pgm_online_reload(PgmOnline *on, const PgmOnlineState *state)
{
	int			n = list_length(on->plan->tables);
	Oid		   *relids = palloc(sizeof(Oid) * n);
	ListCell   *pc;
	int			i;

	if (Max(state->ntables, 1) != n)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("online revision \"%s\" was started on %d tables, and its SQL changes %d", on->id,
						state->ntables, n),
				 errhint("Abort it with migrate.abort('%s') after restoring its SQL, or restore migrate.online.", on->id)));
	for (i = 0; i < n; i++)
		relids[i] = pgm_started_table(state->ntables > 0 ? TextDatumGetCString(state->tables[i]) : state->relation);
	pgm_online_split(on, relids, false);
	foreach(pc, on->parts)
	{
		PgmOnline  *part = lfirst(pc);
		ListCell   *lc;

		foreach(lc, part->plan->steps)
		{
			PgmOnlineStep *step = lfirst(lc);
			PgmTypeChange *c;
			Oid			new_type;
			int32		new_typmod;

			if (step->kind != PGM_ONLINE_TYPE)
				continue;
			c = palloc0(sizeof(PgmTypeChange));
			c->step = step;
			typenameTypeIdAndMod(NULL, step->type, &new_type, &new_typmod);
			c->new_type = pgm_type_sql(new_type, new_typmod);
			c->new_column = pgm_online_name(part, PGM_NEW_COLUMN_PREFIX, step->column, "new column");
			c->not_null_check = pgm_online_name(part, PGM_NOT_NULL_PREFIX, step->column, "NOT NULL check");
			c->not_null = OidIsValid(get_relation_constraint_oid(part->relid, c->not_null_check, true));
			part->type_changes = lappend(part->type_changes, c);
		}
		pgm_online_collect(part);
	}
	pgm_online_find_moved(on);
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
		/* the catalog before the revision's row, as complete and abort take them */
		if (on == NULL)
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

/* SET LOCAL lock_timeout = ... */
static bool
pgm_is_local_lock_timeout(const Node *tree)
{
	return IsA(tree, VariableSetStmt) && ((const VariableSetStmt *) tree)->kind == VAR_SET_VALUE &&
		((const VariableSetStmt *) tree)->is_local &&
		strcmp(((const VariableSetStmt *) tree)->name, "lock_timeout") == 0;
}

/* ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, or VALIDATE CONSTRAINT */
static bool
pgm_is_foreign_key_step(const Node *tree)
{
	AlterTableCmd *cmd;

	if (!IsA(tree, AlterTableStmt) || list_length(((const AlterTableStmt *) tree)->cmds) != 1)
		return false;
	cmd = linitial_node(AlterTableCmd, ((const AlterTableStmt *) tree)->cmds);
	return cmd->subtype == AT_ValidateConstraint ||
		(cmd->subtype == AT_AddConstraint && ((Constraint *) cmd->def)->contype == CONSTR_FOREIGN &&
		 ((Constraint *) cmd->def)->skip_validation);
}

/*
 * A statement for migrate.online_statements() to hand out, judged by its
 * parse tree: one CREATE INDEX or DROP INDEX, CONCURRENTLY, or a foreign
 * key's step under its lock timeout, since the guard lets it through as it
 * is; never a build or a scan that blocks writes.  Returns the statement
 * the guard is to let through, normalized (of a key's, the ALTER alone: a
 * client that splits the string at semicolons sends it alone).
 */
static char *
pgm_check_concurrent(const PgmOnline *on, const char *sql)
{
	List	   *raw = pgm_parse_sql(sql, NULL, NULL);
	Node	   *tree = list_length(raw) == 1 ? linitial_node(RawStmt, raw)->stmt : NULL;

	if (tree && IsA(tree, IndexStmt) && ((IndexStmt *) tree)->concurrent)
		return pgm_statement_normalize(sql);
	if (tree && IsA(tree, DropStmt) && ((DropStmt *) tree)->removeType == OBJECT_INDEX &&
		((DropStmt *) tree)->concurrent)
		return pgm_statement_normalize(sql);
	/*
	 * a foreign key added NOT VALID, or validated (no scan under a lock that
	 * stops writes), after a SET LOCAL lock_timeout in the same string: one
	 * implicit transaction, which takes the timeout with it, also when the
	 * statement fails
	 */
	if (list_length(raw) == 2 && pgm_is_local_lock_timeout(linitial_node(RawStmt, raw)->stmt) &&
		pgm_is_foreign_key_step(lsecond_node(RawStmt, raw)->stmt))
		return pgm_statement_normalize(((PgmStatement *) lsecond(pgm_split_statements(sql, raw)))->text);
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("online revision \"%s\" would hand out a statement that does not build or drop an index concurrently, or add a foreign key NOT VALID or validate it",
					on->id),
			 errdetail("The statement: %s", sql),
			 errhint("Abort it with migrate.abort('%s') and apply the change as a plain revision.", on->id)));
}

/*
 * A table's indexes not built yet: CREATE INDEX CONCURRENTLY of each, after
 * a DROP INDEX CONCURRENTLY of what a failed build left.
 */
static List *
pgm_online_index_statements(const PgmOnline *on)
{
	List	   *statements = NIL;
	ListCell   *lc;

	foreach(lc, on->indexes)
	{
		PgmOnlineStep *step = lfirst(lc);
		int			built = pgm_index_state(on, step);

		if (built == 0)
			statements = lappend(statements, psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
													  pgm_qualified_name(on, step->index)));
		if (built < 1)
			statements = lappend(statements, pgm_index_statement(on, step));
	}
	foreach(lc, on->moved_indexes)
	{
		PgmMovedIndex *moved = lfirst(lc);
		int			built = pgm_index_state_by_name(on, moved->new_name);

		if (built == 0)
			statements = lappend(statements, psprintf("DROP INDEX CONCURRENTLY IF EXISTS %s",
													  pgm_qualified_name(on, moved->new_name)));
		if (built < 1)
			statements = lappend(statements, moved->create_sql);
	}
	return statements;
}

/*
 * A table's foreign keys not made again yet, under the lock timeout:
 * adding one takes a brief SHARE ROW EXCLUSIVE lock on both tables, which
 * must never queue writes behind a long transaction (a failure is run
 * again, as a failed build is).  SET LOCAL in the same string: the
 * session's own timeout is back after it, whether the statement worked or
 * not.
 */
static List *
pgm_online_key_statements(const PgmOnline *on)
{
	char	   *timeout = psprintf("SET LOCAL lock_timeout = %d; ", pgm_lock_timeout_or(PGM_ONLINE_LOCK_TIMEOUT_MS));
	List	   *statements = NIL;
	ListCell   *lc;

	foreach(lc, on->moved_fks)
	{
		PgmMovedForeignKey *fk = lfirst(lc);
		int			fk_state = pgm_constraint_state(fk->relid, fk->new_name);

		if (fk_state < 0)
			statements = lappend(statements, psprintf("%sALTER TABLE %s ADD CONSTRAINT %s %s NOT VALID", timeout,
													  fk->table, quote_identifier(fk->new_name), fk->definition));
		if (fk_state < 1)
			statements = lappend(statements, psprintf("%sALTER TABLE %s VALIDATE CONSTRAINT %s", timeout,
													  fk->table, quote_identifier(fk->new_name)));
	}
	return statements;
}

/*
 * migrate.online_statements(id): the statements of a started online
 * revision that no function can run, to run at top level, in this order:
 * CREATE INDEX CONCURRENTLY of each index not built yet, after a DROP
 * INDEX CONCURRENTLY of what a failed build left; then, once backfilled,
 * each foreign key's ADD ... NOT VALID and VALIDATE, each after a SET
 * LOCAL lock_timeout in the same string.  The guard lets exactly these
 * through, in this session, once.
 */
Datum
pgmigrate_online_statements(PG_FUNCTION_ARGS)
{
	char	   *id = pgm_text_arg(fcinfo, 0, "id", "migrate.online_statements()");
	TupleDesc	desc;
	Tuplestorestate *store = pgm_srf_begin(fcinfo, &desc);
	PgmOnlineState state;
	PgmOnline  *on;
	List	   *statements = NIL;
	List	   *expected = NIL;
	ListCell   *lc;

	pgm_check_may_change("migrate.online_statements()");
	pgm_spi_connect();
	pgm_lock_catalog();
	on = pgm_online_load(id, "migrate.online_statements()");
	pgm_require_started(id, &state);
	pgm_online_reload(on, &state);
	foreach(lc, on->parts)
		statements = list_concat(statements, pgm_online_index_statements(lfirst(lc)));
	/*
	 * After the indexes (a key references a unique index, which may be one
	 * of them, of another of the revision's tables), and only once the
	 * backfill is done: until then the new columns are not all filled, and
	 * a key validated on them would prove nothing (the backfill's own
	 * writes are not checked by the keys).
	 */
	if (strcmp(state.phase, "backfilled") == 0)
		foreach(lc, on->parts)
			statements = list_concat(statements, pgm_online_key_statements(lfirst(lc)));
	foreach(lc, statements)
	{
		Datum		value = CStringGetTextDatum((char *) lfirst(lc));
		bool		null = false;

		expected = lappend(expected, pgm_check_concurrent(on, lfirst(lc)));
		tuplestore_putvalues(store, desc, &value, &null);
	}
	pgm_session_expect(id, expected);
	SPI_finish();
	return (Datum) 0;
}

/*
 * Sessions of the old version, in words; NIL when none: those that said
 * so with migrate.use_version() (idle or not), and those with a lock on
 * its views now (a transaction using them).
 */
static List *
pgm_old_version_users(const PgmOnline *on)
{
	Oid			types[3] = {OIDOID, TEXTOID, OIDOID};
	Datum		values[3] = {ObjectIdGetDatum(get_namespace_oid(on->old_schema, true)),
		CStringGetTextDatum(on->old_schema), ObjectIdGetDatum(PGM_VERSION_LOCK_KEY)};

	return pgm_spi_strings("SELECT pg_catalog.format('pid %s (%s)', a.pid,"
							  " COALESCE(NULLIF(a.application_name, ''), a.usename::pg_catalog.text))"
							  " FROM pg_catalog.pg_stat_activity a"
							  " WHERE a.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid() AND a.pid IN ("
							  "  SELECT l.pid FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c"
							  "    ON c.oid OPERATOR(pg_catalog.=) l.relation"
							  "  WHERE c.relnamespace OPERATOR(pg_catalog.=) $1"
							  "  UNION"
							  "  SELECT l.pid FROM pg_catalog.pg_locks l"
							  "  WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory'"
							  "    AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d"
							  "       WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())"
							  "    AND l.classid OPERATOR(pg_catalog.=) $3"
							  "    AND l.objid OPERATOR(pg_catalog.=) pg_catalog.hashtext($2)::pg_catalog.oid"
							  "    AND l.objsubid OPERATOR(pg_catalog.=) 2)"
							  " ORDER BY a.pid",
							  3, types, values);
}

/* What start put up for the time both versions run: their schemas of views and the triggers. */
static void
pgm_online_drop_scaffolding(const PgmOnline *on)
{
	pgm_drop_version_schema(on->old_schema);
	pgm_drop_version_schema(on->new_schema);
	if (on->type_changes != NIL)
		pgm_spi_run(psprintf("DROP FUNCTION %s()", pgm_qualified_name(on, on->view_writer)));
	if (on->type_changes != NIL || on->fills != NIL)
	{
		pgm_spi_run(psprintf("DROP TRIGGER %s ON %s", quote_identifier(on->sync), on->table));
		pgm_spi_run(psprintf("DROP FUNCTION %s()", pgm_qualified_name(on, on->sync)));
	}
}

/* Complete: each retyped column swapped for its new one, with its sequence. */
static void
pgm_online_swap_columns(const PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);
		List	   *before = NIL;
		List	   *after = NIL;
		char	   *def = pgm_new_default(on, c);
		ListCell   *sc;

		pgm_online_carry_sequence(on->relid, get_attnum(on->relid, c->step->column), on->table, c->step->column,
								  c->new_column, &before, &after);
		foreach(sc, before)
			pgm_spi_run(lfirst(sc));
		pgm_spi_run(psprintf("ALTER TABLE %s DROP COLUMN %s", on->table, quote_identifier(c->step->column)));
		pgm_spi_run(psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", on->table,
							 quote_identifier(c->new_column), quote_identifier(c->step->column)));
		if (def)
			pgm_spi_run(psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", on->table,
								 quote_identifier(c->step->column), def));
		/*
		 * After the rename: since 18 the NOT NULL constraint takes the
		 * column's name then, the one the old column's had.
		 */
		if (c->not_null)
		{
			/* the validated check spares SET NOT NULL its scan */
			pgm_spi_run(psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", on->table,
								 quote_identifier(c->step->column)));
			pgm_spi_run(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", on->table,
								 quote_identifier(c->not_null_check)));
		}
		/* an identity needs the NOT NULL */
		foreach(sc, after)
			pgm_spi_run(lfirst(sc));
	}
}

/*
 * Complete, after the swap: what went with the old columns comes back
 * under its name on the new ones — indexes (a key's attached to its
 * constraint), checks, foreign keys — and the sequences are widened.
 */
static void
pgm_online_rename_moved(const PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->moved_indexes)
	{
		PgmMovedIndex *moved = lfirst(lc);
		ListCell   *ac;

		pgm_spi_run(psprintf("ALTER INDEX %s RENAME TO %s", pgm_qualified_name(on, moved->new_name),
							 quote_identifier(moved->name)));
		foreach(ac, moved->after)
			pgm_spi_run(lfirst(ac));
	}
	foreach(lc, on->moved_checks)
	{
		PgmMovedCheck *check = lfirst(lc);

		pgm_spi_run(psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", on->table, quote_identifier(check->new_name),
							 quote_identifier(check->name)));
		if (check->comment)
			pgm_spi_run(psprintf("COMMENT ON CONSTRAINT %s ON %s IS %s", quote_identifier(check->name), on->table,
								 quote_literal_cstr(check->comment)));
	}
	foreach(lc, on->moved_fks)
	{
		PgmMovedForeignKey *fk = lfirst(lc);

		pgm_spi_run(psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", fk->table, quote_identifier(fk->new_name),
							 quote_identifier(fk->name)));
		if (fk->comment)
			pgm_spi_run(psprintf("COMMENT ON CONSTRAINT %s ON %s IS %s", quote_identifier(fk->name), fk->table,
								 quote_literal_cstr(fk->comment)));
	}
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);
		Oid			seq;

		if (step->kind != PGM_ONLINE_SEQUENCE_TYPE)
			continue;
		seq = pgm_online_step_sequence(on, step, false);
		pgm_spi_run(psprintf("ALTER SEQUENCE %s AS %s",
							 quote_qualified_identifier(get_namespace_name(get_rel_namespace(seq)), get_rel_name(seq)),
							 format_type_be(typenameTypeId(NULL, step->type))));
	}
}

/*
 * Complete's or abort's locks, before either changes anything; then what
 * start put up for the time both versions run, and each foreign key made
 * again (`new_keys`: the new ones, which abort drops; else the old ones):
 * one on an old column goes with it, one referencing it, or a new column
 * of another of the revision's tables, would stop its drop.
 */
static void
pgm_online_take_down(const PgmOnline *on, bool new_keys)
{
	List	   *keys = NIL;
	ListCell   *pc;
	ListCell   *lc;

	foreach(pc, on->parts)
		foreach(lc, ((PgmOnline *) lfirst(pc))->moved_fks)
			keys = lappend_oid(keys, ((PgmMovedForeignKey *) lfirst(lc))->oid);
	pgm_online_lock_up_front(pgm_online_relids(on), keys);
	foreach(pc, on->parts)
		pgm_online_drop_scaffolding(lfirst(pc));
	foreach(pc, on->parts)
		foreach(lc, ((PgmOnline *) lfirst(pc))->moved_fks)
		{
			PgmMovedForeignKey *fk = lfirst(lc);

			if (!new_keys)
				pgm_spi_run(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", fk->table, quote_identifier(fk->name)));
			else if (pgm_constraint_state(fk->relid, fk->new_name) >= 0)
				pgm_spi_run(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", fk->table,
									 quote_identifier(fk->new_name)));
		}
}

/* Complete, on one table, once every table's scaffolding and old keys are gone. */
static void
pgm_online_contract_table(PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->not_nulls)
	{
		const char *column = ((PgmOnlineStep *) lfirst(lc))->column;

		if (PGM_HAS_NOT_NULL_CONSTRAINTS)
		{
			/* validated by the backfill: it takes the name SET NOT NULL would have given it */
			pgm_spi_run(psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s", on->table,
									 quote_identifier(pgm_not_null_check(on, column)),
									 quote_identifier(ChooseConstraintName(get_rel_name(on->relid), column, "not_null",
																		   get_rel_namespace(on->relid), NIL))));
			continue;
		}
		/* the validated check spares SET NOT NULL its scan */
		pgm_spi_run(psprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL", on->table, quote_identifier(column)));
		pgm_spi_run(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", on->table,
								 quote_identifier(pgm_not_null_check(on, column))));
	}
	/* found once the versions' views are gone: those are not made again */
	on->views = pgm_online_views(on, "complete");
	pgm_online_drop_views(on->views);
	pgm_online_swap_columns(on);
	pgm_online_rename_moved(on);
	/*
	 * With the keys attached (a view may group by the primary key alone),
	 * before the renames (the definitions name the columns as they are now)
	 */
	pgm_online_make_views(on->views);
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		/* on the table start resolved, whatever the search_path now */
		if (step->kind == PGM_ONLINE_RENAME_COLUMN)
			pgm_spi_run(psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s", on->table,
									 quote_identifier(step->column), quote_identifier(step->new_name)));
		else if (step->kind == PGM_ONLINE_DROP_COLUMN)
			pgm_spi_run(psprintf("ALTER TABLE %s DROP COLUMN %s", on->table, quote_identifier(step->column)));
	}
	foreach(lc, on->indexes)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind == PGM_ONLINE_ADD_UNIQUE)
			pgm_spi_run(psprintf("ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s", on->table,
									 quote_identifier(step->constraint), quote_identifier(step->index)));
	}
	/* last: the statements before it name the table by its old name */
	if (on->rename_table)
		pgm_spi_run(psprintf("ALTER TABLE %s RENAME TO %s", on->table,
								 quote_identifier(on->rename_table->new_name)));
}

static void
pgm_online_contract(void *arg)
{
	PgmOnline  *on = (PgmOnline *) arg;
	ListCell   *lc;

	pgm_online_take_down(on, false);
	foreach(lc, on->parts)
		pgm_online_contract_table(lfirst(lc));
}

/* The tables complete or abort changes, for the record: the revision's, and those of the keys made again. */
static void
pgm_online_note_tables(const PgmOnline *on)
{
	ListCell   *pc;
	ListCell   *lc;

	foreach(pc, on->parts)
	{
		PgmOnline  *part = lfirst(pc);

		pgm_changes_note(RelationRelationId, part->relid);
		foreach(lc, part->moved_fks)
			pgm_changes_note(RelationRelationId, ((PgmMovedForeignKey *) lfirst(lc))->relid);
	}
}

/*
 * Complete's checks before any lock: every index and key the client builds
 * is there and valid, and no row of a nullable retyped column lacks its
 * new value.
 */
static void
pgm_online_check_ready(const PgmOnline *on)
{
	const char *id = on->id;
	ListCell   *lc;

	foreach(lc, on->indexes)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (pgm_index_state(on, step) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("index %s of online revision \"%s\" is not built", quote_identifier(step->index), id),
					 errdetail("An index is built concurrently, which no function can do: the client builds it after the backfill."),
					 errhint("Run pgmigrate backfill %s, or in psql: SELECT statement FROM migrate.online_statements('%s') \\gexec",
							 id, id)));
	}
	foreach(lc, on->moved_indexes)
	{
		PgmMovedIndex *moved = lfirst(lc);

		if (pgm_index_state_by_name(on, moved->new_name) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("index %s of online revision \"%s\" is not built on the new column yet",
							quote_identifier(moved->name), id),
					 errdetail("An index is built concurrently, which no function can do: the client builds it after the backfill."),
					 errhint("Run pgmigrate backfill %s, or in psql: SELECT statement FROM migrate.online_statements('%s') \\gexec",
							 id, id)));
	}
	foreach(lc, on->moved_fks)
	{
		PgmMovedForeignKey *fk = lfirst(lc);

		if (pgm_constraint_state(fk->relid, fk->new_name) < 1)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("foreign key %s of table %s is not made again on the new column and validated yet",
							quote_identifier(fk->name), fk->table),
					 errdetail("Online revision \"%s\" adds it NOT VALID and validates it in transactions of their own, which the client runs after the backfill.", id),
					 errhint("Run pgmigrate backfill %s, or in psql: SELECT statement FROM migrate.online_statements('%s') \\gexec",
							 id, id)));
	}
	/* a nullable new column has no check to prove it filled: look */
	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		if (c->not_null)
			continue;
		if (pgm_spi_strings(psprintf("SELECT 'unfilled' FROM %s AS %s WHERE %s IS NULL AND %s IS NOT NULL LIMIT 1",
										on->table, PGM_ONLINE_TABLE_ALIAS, quote_identifier(c->new_column),
										pgm_online_expression(c->step->using_sql ? c->step->using_sql :
															  quote_identifier(c->step->column))),
							   0, NULL, NULL) != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("rows of table %s have no value yet in the new column of %s", on->table,
							quote_identifier(c->step->column)),
					 errdetail("Complete would drop their old values."),
					 errhint("Run CALL migrate.backfill('%s') again.", id)));
	}
}

Datum
pgmigrate_complete(PG_FUNCTION_ARGS)
{
	char	   *id = pgm_text_arg(fcinfo, 0, "id", "migrate.complete()");
	bool		force = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	PgmOnlineState state;
	PgmOnline  *on;
	List	   *users;
	Datum		idarg;
	int			output_level;
	ListCell   *lc;

	pgm_check_may_change("migrate.complete()");
	pgm_spi_connect();
	/* what complete deparses (views) is made again from its text: floats in full */
	output_level = pgm_spi_fix_output_settings();
	pgm_lock_catalog();
	on = pgm_online_load(id, "migrate.complete()");
	pgm_require_started(id, &state);
	if (strcmp(state.phase, "backfilled") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("online revision \"%s\" is not backfilled yet", id),
				 errdetail("%lld rows are filled so far.", (long long) state.rows_done),
				 errhint("Run CALL migrate.backfill('%s') to the end first; migrate.online_progress shows how far it is.", id)));
	pgm_online_reload(on, &state);
	foreach(lc, on->parts)
		pgm_online_check_ready(lfirst(lc));
	users = pgm_old_version_users(on);
	if (users != NIL && !force)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("the old version's schema %s is still in use", quote_identifier(on->old_schema)),
				 errdetail("Sessions using it: %s.", pgm_list_join(users, ", ")),
				 errhint("Wait until the old version of the application is gone, or pass force => true.")));

	pgm_record_prepare();
	/* with the indexes the client built concurrently since the backfill */
	pgm_online_note_tables(on);
	pgm_online_run_ddl(on, "completed", pgm_online_contract);
	idarg = CStringGetTextDatum(id);
	pgm_catalog_exec(PGM_Q_ONLINE_DELETE, &idarg, NULL, false);
	(void) pgm_run_revision(on->graph, on->node, PGM_COMPLETE_ONLINE, 1, 1);
	pgm_record_changes("apply");
	pgm_spi_restore_settings(output_level);
	SPI_finish();
	PG_RETURN_VOID();
}

/* Abort, on one table, once every table's scaffolding and new keys are gone. */
static void
pgm_online_throw_away_table(PgmOnline *on)
{
	ListCell   *lc;

	foreach(lc, on->not_nulls)
		pgm_spi_run(psprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", on->table,
								 quote_identifier(pgm_not_null_check(on, ((PgmOnlineStep *) lfirst(lc))->column))));
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind == PGM_ONLINE_ADD_CONSTRAINT)
			pgm_spi_run(psprintf("ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s", on->table,
									 quote_identifier(step->constraint)));
	}
	foreach(lc, on->indexes)
		pgm_spi_run(psprintf("DROP INDEX IF EXISTS %s", pgm_qualified_name(on, ((PgmOnlineStep *) lfirst(lc))->index)));
	foreach(lc, on->type_changes)
	{
		PgmTypeChange *c = lfirst(lc);

		/* its NOT NULL check goes with it */
		pgm_spi_run(psprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s", on->table, quote_identifier(c->new_column)));
	}
	foreach(lc, on->plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind == PGM_ONLINE_ADD_COLUMN)
			pgm_spi_run(psprintf("ALTER TABLE %s DROP COLUMN IF EXISTS %s", on->table, quote_identifier(step->column)));
	}
}

static void
pgm_online_throw_away(void *arg)
{
	PgmOnline  *on = (PgmOnline *) arg;
	ListCell   *lc;

	pgm_online_take_down(on, true);
	foreach(lc, on->parts)
		pgm_online_throw_away_table(lfirst(lc));
}

Datum
pgmigrate_abort(PG_FUNCTION_ARGS)
{
	char	   *id = pgm_text_arg(fcinfo, 0, "id", "migrate.abort()");
	PgmOnlineState state;
	PgmOnline  *on;
	Datum		idarg;

	pgm_check_may_change("migrate.abort()");
	pgm_spi_connect();
	pgm_lock_catalog();
	on = pgm_online_load(id, "migrate.abort()");
	pgm_require_started(id, &state);
	/* what start would refuse now (a key added since, say) must not keep the revision from going */
	on->lenient = true;
	pgm_online_reload(on, &state);
	pgm_record_prepare();
	pgm_online_note_tables(on);
	pgm_online_run_ddl(on, "aborted", pgm_online_throw_away);
	idarg = CStringGetTextDatum(id);
	pgm_catalog_exec(PGM_Q_ONLINE_DELETE, &idarg, NULL, false);
	pgm_catalog_log("abort", id, -1, NULL, "ok",
					psprintf("%lld rows had been backfilled", (long long) state.rows_done));
	pgm_record_changes("abort");
	ereport(NOTICE,
			(errmsg(list_length(on->parts) > 1 ? "online revision \"%s\" aborted: tables %s have their old shape" :
					"online revision \"%s\" aborted: table %s has its old shape", id, pgm_online_tables_text(on))));
	SPI_finish();
	PG_RETURN_VOID();
}
