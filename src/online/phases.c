/*
 * online/phases.c — running a revision without downtime: start, complete
 * and abort, the phases that change the tables' shape.
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
 * complete and abort take all their locks first (online/locks.c).  The
 * backfill is online/backfill.c's, the statements the client runs at top
 * level online/statements.c's; online/online.h lists the files.
 *
 * Calls rows.c, session.c, changes.c, catalog.c, graph.c, schema/records.c,
 * engine.c, online/sql.c, online/sequences.c, online/views.c,
 * online/locks.c and the files online/online.h lists.
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

PG_FUNCTION_INFO_V1(pgmigrate_start);
PG_FUNCTION_INFO_V1(pgmigrate_complete);
PG_FUNCTION_INFO_V1(pgmigrate_abort);

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
