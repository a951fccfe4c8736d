/*
 * online/revision.c — an online revision and its tables: loaded, checked
 * for the phase that runs it, split into one part per table, named (the
 * new columns, triggers and version schemas each phase finds), and its
 * state as migrate.online holds it.
 *
 * Calls citus.c, rows.c, catalog.c, graph.c, sqltext.c, session.c,
 * online/plan.c, online/locks.c and engine.c.
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

char *
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

char *
pgm_qualified_name(const PgmOnline *on, const char *name)
{
	return quote_qualified_identifier(on->nspname, name);
}

bool
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

void
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
PgmOnline *
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
void
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

char *
pgm_type_sql(Oid type, int32 typmod)
{
	return format_type_extended(type, typmod, FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY);
}

/*
 * The sequence of a SEQUENCE_TYPE step when it is one owned by a column of
 * the table; else InvalidOid.  At start it is the one the name finds, as
 * the plain statement would; later, the one of the table's that has the
 * name (whatever the search_path then, and an identity's made again).
 */
Oid
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

/* The steps that need the trigger, a NOT NULL check, validation or a rename. */
void
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
char *
pgm_not_null_check(const PgmOnline *on, const char *column)
{
	return pgm_online_name(on, PGM_NOT_NULL_PREFIX, column, "NOT NULL check");
}

/* Is there anything between start and complete: rows to fill or constraints to validate? */
bool
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
const char *
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
PgmTypeChange *
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

/* Is the constraint `name` of table `relid` there: 1 validated, 0 NOT VALID, -1 not there. */
int
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
const char *
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

/* Is `name` a column start added beside a retyped one? */
bool
pgm_is_new_column(const PgmOnline *on, const char *name)
{
	ListCell   *lc;

	foreach(lc, on->type_changes)
		if (strcmp(((PgmTypeChange *) lfirst(lc))->new_column, name) == 0)
			return true;
	return false;
}

/* The type change of `column`, if this revision changes its type. */
PgmTypeChange *
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

/* The relids of the revision's tables. */
List *
pgm_online_relids(const PgmOnline *on)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, on->parts)
		relids = lappend_oid(relids, ((PgmOnline *) lfirst(lc))->relid);
	return relids;
}

/* Refuse to start while an online revision is in progress. */
void
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
void
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

char *
pgm_text_arg(FunctionCallInfo fcinfo, int n, const char *name, const char *function)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be NULL", name),
				 errhint("Pass the id of an online revision to %s.", function)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * The revision's tables, one part each (on->parts), with the steps that
 * change it, named from `relids` (one per table, in order); `on` itself is
 * named from the first.  A sequence's step goes to the table whose column
 * owns the sequence (to the first, which refuses it, when none does).
 */
void
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
bool
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
char *
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
void
pgm_online_find_tables_if_there(void *arg)
{
	(void) pgm_online_find_tables((PgmOnline *) arg, true);
}

/* The state of a started revision, its row locked; false when it is not started. */
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

void
pgm_require_started(const char *id, PgmOnlineState *state)
{
	if (!pgm_online_state(id, state))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("online revision \"%s\" is not started", id),
				 errhint("Start it with migrate.start('%s').", id)));
}

/* The table of a started revision named `name` (schema-qualified, quoted). */
Oid
pgm_started_table(const char *name)
{
	return RangeVarGetRelid(makeRangeVarFromNameList(textToQualifiedNameList(cstring_to_text(name))), NoLock, false);
}
