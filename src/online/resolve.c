/*
 * online/resolve.c — what start checks of an online revision against the
 * catalogs before it changes anything, statement by statement, and what
 * each retyped column takes along to its new column: its indexes, the
 * foreign keys on it or referencing it (between the revision's tables too),
 * its CHECK constraints and the views that read it.  Each later phase
 * finds the same again (pgm_online_reload()).
 *
 * Calls rows.c, online/sql.c, online/sequences.c, online/foreign_keys.c,
 * online/checks.c, online/views.c and online/revision.c.
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

/* The same, refused when the step's sequence is not one of the table's. */
Oid
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

/* The single-column primary key the backfill walks. */
void
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

/* A version's schema must be new: refused when there is one of its name. */
void
pgm_online_check_schema_free(const PgmOnline *on, const char *schema)
{
	if (OidIsValid(get_namespace_oid(schema, true)))
		pgm_online_refused(on, psprintf("schema %s exists", quote_identifier(schema)),
						   "It would be a version's schema of views: drop or rename it first.");
}

/*
 * The views that read the retyped columns (directly or through other
 * views), as they are now, each after the views it reads; what could not be
 * made again on the new columns refuses `phase` ("start" or "complete").
 */
List *
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
void
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

/* `on` as start left it: its tables, and the names start gave the new shape. */
void
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
