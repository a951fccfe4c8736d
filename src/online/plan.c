/*
 * online/plan.c — what an online revision's up does, step by step.
 *
 * An online revision (migrate.add(..., online => true)) is plain SQL made
 * only of statements pgmigrate knows how to run without holding a strong
 * lock while it rewrites or scans a table: on one table, ALTER COLUMN ...
 * TYPE [USING], ALTER COLUMN ... SET NOT NULL, RENAME COLUMN, ADD COLUMN
 * [NOT NULL] DEFAULT, DROP COLUMN, ADD CONSTRAINT (CHECK, FOREIGN KEY,
 * UNIQUE), CREATE INDEX and, last, RENAME TO, one change per statement;
 * or, on several tables, ALTER COLUMN ... TYPE only (a key and the columns
 * that reference it), with ALTER SEQUENCE ... AS.  This file reads the parse trees into
 * steps, and refuses, with the reason, anything else; it is called when the
 * revision is registered (so that a revision that cannot run online is
 * never stored as one) and again by each phase (online/phases.c), which resolves
 * names and types against the live catalogs.
 *
 * Calls rows.c and sqltext.c.
 */
#include "postgres.h"

#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

static PGM_NORETURN void pgm_online_refuse(const char *revision, const PgmStatement *stmt, const char *why);

static void
pgm_online_refuse(const char *revision, const PgmStatement *stmt, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("statement %d of online revision \"%s\" cannot run online", stmt->number, revision),
			 errdetail("%s", why),
			 errhint("An online revision holds only ALTER TABLE statements on one table, one change each "
					 "(on several tables of one schema, type changes only): "
					 "ALTER COLUMN ... TYPE (with a line \"-- migrate:reverse EXPRESSION\" before it when its USING is more than the cast of the column to the new type), "
					 "ALTER COLUMN ... SET NOT NULL, RENAME COLUMN, ADD COLUMN, DROP COLUMN, "
					 "ADD CONSTRAINT (CHECK, FOREIGN KEY or UNIQUE), CREATE INDEX, and RENAME TO last; "
					 "besides, ALTER SEQUENCE ... AS of the sequence of a column it retypes. "
					 "Register other statements as plain revisions before or after it.")));
}

/*
 * An expression given by a line "-- migrate:<name> EXPR" among the comments
 * before the statement (after the statement before it); NULL when none.
 * "reverse" (of a type change): how a value the new version writes becomes
 * one of the old type, the column's name standing for the new value.
 * "fill" (of SET NOT NULL): what a NULL becomes.
 */
static char *
pgm_annotation(const char *name, const char *sql, const PgmStatement *stmt, const PgmStatement *previous)
{
	char	   *marker = psprintf("-- migrate:%s ", name);
	int			from = previous ? previous->location + (int) strlen(previous->text) : 0;
	/* between the two statements: blanks and comments only */
	char	   *comments = pnstrdup(sql + from, Max(stmt->location - from, 0));
	const char *found = NULL;
	const char *p;

	for (p = strstr(comments, marker); p; p = strstr(p + 1, marker))
		found = p + strlen(marker);
	if (found == NULL)
		return NULL;
	for (p = found; *p && *p != '\n' && *p != '\r'; p++)
		;
	while (p > found && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == ';'))
		p--;
	return p > found ? pnstrdup(found, p - found) : NULL;
}

/*
 * ADD CONSTRAINT name UNIQUE (columns): its index is built concurrently,
 * under the constraint's name, then becomes the constraint (USING INDEX).
 */
static void
pgm_online_unique(PgmOnlineStep *step, Constraint *c, const char *revision, const PgmStatement *stmt)
{
	List	   *columns = NIL;
	ListCell   *lc;

	/* built as a plain unique index, it would hold overlapping periods apart no more */
	if (pgm_constraint_without_overlaps(c))
		pgm_online_refuse(revision, stmt,
						  "A unique constraint WITHOUT OVERLAPS (PostgreSQL 18) is not added online: its index is a GiST one, which no CREATE UNIQUE INDEX CONCURRENTLY builds and no USING INDEX takes.");
	if (c->including != NIL || c->options != NIL || c->indexspace || c->indexname || c->nulls_not_distinct ||
		c->deferrable)
		pgm_online_refuse(revision, stmt,
						  "A unique constraint is added online from its columns only: without INCLUDE, WITH, USING INDEX, "
						  "NULLS NOT DISTINCT or DEFERRABLE.");
	foreach(lc, c->keys)
		columns = lappend(columns, (char *) quote_identifier(strVal(lfirst(lc))));
	step->kind = PGM_ONLINE_ADD_UNIQUE;
	step->index = step->constraint;
	step->index_columns = pgm_list_join(columns, ", ");
}

/*
 * CREATE [UNIQUE] INDEX name ON table ...: built CONCURRENTLY by the client
 * (or by hand: migrate.online_statements()), since no function can.  The
 * statement is made again from its parse tree up to the table's name (how
 * it is built), followed by its own text from there (what it indexes), so
 * that nothing written before the table's name, a comment or CONCURRENTLY
 * or not, decides how it is built.
 */
static PgmOnlineStep *
pgm_online_index(const char *sql, const PgmStatement *stmt, IndexStmt *index, const char *revision)
{
	PgmOnlineStep *step = palloc0(sizeof(PgmOnlineStep));
	int			table = index->relation->location;
	int			end = stmt->location + (int) strlen(stmt->text);

	step->kind = PGM_ONLINE_CREATE_INDEX;
	step->number = stmt->number;
	step->statement = stmt->text;
	if (index->idxname == NULL)
		pgm_online_refuse(revision, stmt, "The index has no name: name it, so that its phases can find it.");
	if (index->if_not_exists)
		pgm_online_refuse(revision, stmt, "CREATE INDEX IF NOT EXISTS cannot run online: the index must be new.");
	if (table < stmt->location || table >= end)
		pgm_online_refuse(revision, stmt, "The place of its table's name in its text is not known.");
	step->index = pstrdup(index->idxname);
	step->index_sql = psprintf("CREATE %sINDEX CONCURRENTLY %s ON %s%.*s", index->unique ? "UNIQUE " : "",
							   quote_identifier(index->idxname), index->relation->inh ? "" : "ONLY ",
							   end - table, sql + table);
	return step;
}

/* The step of an ADD COLUMN: a default that is not volatile, NOT NULL, nothing else. */
static void
pgm_online_add_column(PgmOnlineStep *step, ColumnDef *def, const char *revision, const PgmStatement *stmt)
{
	ListCell   *lc;

	step->column = pstrdup(def->colname);
	step->type = def->typeName;
	if (def->collClause)
		pgm_online_refuse(revision, stmt, "A COLLATE clause on a new column is not supported online yet.");
	foreach(lc, def->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		switch (c->contype)
		{
			case CONSTR_NULL:
				break;
			case CONSTR_NOTNULL:
				step->not_null = true;
				break;
			case CONSTR_DEFAULT:
				step->has_default = true;
				break;
			default:
				pgm_online_refuse(revision, stmt,
								  psprintf("Column %s is added with a constraint other than NOT NULL and DEFAULT; "
										   "add the constraint in a revision of its own.",
										   quote_identifier(def->colname)));
		}
	}
	if (step->not_null && !step->has_default)
		pgm_online_refuse(revision, stmt,
						  psprintf("Column %s is added NOT NULL without a DEFAULT: the rows there are would have no value.",
								   quote_identifier(def->colname)));
}

/*
 * Is the USING of a type change of `column` the same change as none: the
 * column alone, or the column cast to exactly the new type (USING
 * val::bigint, CAST(val AS bigint), with the new type spelled any way that
 * names the same type and modifier)?  Then what the change does, and
 * whether it is lossless, is the cast's own, and the way back is the cast
 * back.  Both types are looked up in the catalogs; a type not there yet
 * makes it an expression like any other.
 */
bool
pgm_using_is_plain_cast(const ColumnDef *def, const char *column)
{
	Node	   *expr = def->raw_default;
	ColumnRef  *ref;

	if (expr == NULL)
		return false;
	if (IsA(expr, TypeCast))
	{
		TypeCast   *cast = (TypeCast *) expr;
		int32		castmod;
		int32		newmod;
		Type		casttype = LookupTypeName(NULL, cast->typeName, &castmod, true);
		Type		newtype = LookupTypeName(NULL, def->typeName, &newmod, true);
		bool		same = casttype != NULL && newtype != NULL &&
			typeTypeId(casttype) == typeTypeId(newtype) && castmod == newmod;

		if (casttype != NULL)
			ReleaseSysCache(casttype);
		if (newtype != NULL)
			ReleaseSysCache(newtype);
		if (!same)
			return false;
		expr = cast->arg;
	}
	if (!IsA(expr, ColumnRef))
		return false;
	ref = (ColumnRef *) expr;
	return list_length(ref->fields) == 1 && IsA(linitial(ref->fields), String) &&
		strcmp(strVal(linitial(ref->fields)), column) == 0;
}

static PgmOnlineStep *
pgm_online_step(const char *sql, const PgmStatement *stmt, const PgmStatement *previous,
				AlterTableCmd *cmd, const char *revision)
{
	PgmOnlineStep *step = palloc0(sizeof(PgmOnlineStep));

	step->number = stmt->number;
	step->statement = stmt->text;
	switch (cmd->subtype)
	{
		case AT_AlterColumnType:
			{
				ColumnDef  *def = (ColumnDef *) cmd->def;

				step->kind = PGM_ONLINE_TYPE;
				step->column = pstrdup(cmd->name);
				step->type = def->typeName;
				if (def->collClause)
					pgm_online_refuse(revision, stmt, "A COLLATE clause in a type change is not supported online yet.");
				if (def->raw_default)
					step->using_sql = pgm_statement_after_keyword(stmt, "using");
				if (def->raw_default && step->using_sql == NULL)
					pgm_online_refuse(revision, stmt, "The place of its USING expression in its text is not known.");
				step->reverse_sql = pgm_annotation("reverse", sql, stmt, previous);
				/* the cast back is the way back of a plain cast */
				if (step->using_sql && step->reverse_sql == NULL && !pgm_using_is_plain_cast(def, cmd->name))
					pgm_online_refuse(revision, stmt,
									  psprintf("Its USING expression has no reverse: while both versions run, what the new version writes to column %s must be turned back into the old type.",
											   quote_identifier(cmd->name)));
				break;
			}
		case AT_AddColumn:
			step->kind = PGM_ONLINE_ADD_COLUMN;
			pgm_online_add_column(step, (ColumnDef *) cmd->def, revision, stmt);
			if (cmd->missing_ok)
				pgm_online_refuse(revision, stmt, "ADD COLUMN IF NOT EXISTS cannot run online: the column must be new.");
			break;
		case AT_SetNotNull:
			step->kind = PGM_ONLINE_SET_NOT_NULL;
			step->column = pstrdup(cmd->name);
			step->fill_sql = pgm_annotation("fill", sql, stmt, previous);
			break;
		case AT_AddConstraint:
			{
				Constraint *c = (Constraint *) cmd->def;

				step->kind = PGM_ONLINE_ADD_CONSTRAINT;
				if (c->contype != CONSTR_CHECK && c->contype != CONSTR_FOREIGN && c->contype != CONSTR_UNIQUE)
					pgm_online_refuse(revision, stmt,
									  "Only CHECK, FOREIGN KEY and UNIQUE constraints are added online: a primary key or an exclusion constraint is not supported online yet.");
				if (c->conname == NULL)
					pgm_online_refuse(revision, stmt, "The constraint has no name: name it, so that its phases can find it.");
				step->constraint = pstrdup(c->conname);
				step->not_valid = c->skip_validation;
				if (c->contype == CONSTR_UNIQUE)
					pgm_online_unique(step, c, revision, stmt);
				break;
			}
		case AT_DropColumn:
			step->kind = PGM_ONLINE_DROP_COLUMN;
			step->column = pstrdup(cmd->name);
			if (cmd->behavior == DROP_CASCADE)
				pgm_online_refuse(revision, stmt, "DROP COLUMN ... CASCADE cannot run online: drop what depends on the column first.");
			if (cmd->missing_ok)
				pgm_online_refuse(revision, stmt, "DROP COLUMN IF EXISTS cannot run online: the column must be there.");
			break;
		default:
			pgm_online_refuse(revision, stmt, "This ALTER TABLE subcommand is not one that pgmigrate runs online.");
	}
	return step;
}

/*
 * ALTER SEQUENCE ... AS, and nothing else: a serial's sequence widened with
 * its column (start checks that it is the table's).
 */
static PgmOnlineStep *
pgm_online_sequence_type(const PgmStatement *stmt, AlterSeqStmt *alter, const char *revision)
{
	PgmOnlineStep *step = palloc0(sizeof(PgmOnlineStep));
	DefElem    *as = list_length(alter->options) == 1 ? linitial_node(DefElem, alter->options) : NULL;

	if (as == NULL || strcmp(as->defname, "as") != 0 || !IsA(as->arg, TypeName))
		pgm_online_refuse(revision, stmt, "Of ALTER SEQUENCE, only AS, the sequence's type, runs online, alone.");
	if (alter->missing_ok)
		pgm_online_refuse(revision, stmt, "ALTER SEQUENCE IF EXISTS cannot run online: the sequence must be there.");
	step->kind = PGM_ONLINE_SEQUENCE_TYPE;
	step->number = stmt->number;
	step->statement = stmt->text;
	step->sequence = alter->sequence;
	step->type = (TypeName *) as->arg;
	return step;
}

/* Note `table` (NULL: none) among the plan's tables: the first is its relation. */
static void
pgm_online_plan_table(PgmOnlinePlan *plan, RangeVar *table)
{
	ListCell   *lc;

	if (table == NULL)
		return;
	foreach(lc, plan->tables)
		if (equal(lfirst(lc), table))
			return;
	plan->tables = lappend(plan->tables, table);
	if (plan->relation == NULL)
		plan->relation = table;
}

/*
 * A revision that changes several tables holds type changes only (with
 * their sequences): a primary key widened with the columns that reference
 * it, in one revision.  Its tables share the version schemas (start checks
 * that they are of one schema), and what else a revision may do (renames,
 * drops, a table renamed, constraints and indexes added) would have the
 * phases of one table change names another table's use.
 */
static void
pgm_online_plan_check_tables(const PgmOnlinePlan *plan, List *statements, const char *revision)
{
	ListCell   *lc;

	if (list_length(plan->tables) < 2)
		return;
	foreach(lc, plan->tables)
	{
		RangeVar   *a = lfirst(lc);
		ListCell   *lc2;

		/* "t" and "app.t": one table, most likely */
		for_each_cell(lc2, plan->tables, lnext(plan->tables, lc))
		{
			RangeVar   *b = lfirst(lc2);

			if (strcmp(a->relname, b->relname) == 0 && (a->schemaname == NULL || b->schemaname == NULL))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("online revision \"%s\" names table %s also as %s", revision,
								quote_qualified_identifier(a->schemaname, a->relname),
								quote_qualified_identifier(b->schemaname, b->relname)),
						 errhint("Name each table the same way in every statement of the revision.")));
		}
	}
	foreach(lc, plan->steps)
	{
		PgmOnlineStep *step = lfirst(lc);

		if (step->kind != PGM_ONLINE_TYPE && step->kind != PGM_ONLINE_SEQUENCE_TYPE)
			pgm_online_refuse(revision, list_nth(statements, foreach_current_index(lc)),
							  psprintf("The revision changes tables %s and %s; an online revision that changes several tables holds only type changes (ALTER COLUMN ... TYPE, with ALTER SEQUENCE ... AS of their sequences): put this change in an online revision of its own.",
									   quote_qualified_identifier(((RangeVar *) linitial(plan->tables))->schemaname,
																  ((RangeVar *) linitial(plan->tables))->relname),
									   quote_qualified_identifier(((RangeVar *) lsecond(plan->tables))->schemaname,
																  ((RangeVar *) lsecond(plan->tables))->relname)));
	}
}

/*
 * The steps of an online revision's up.  Refuses, with error 0A000 and the
 * statement's number, any statement that is not one of the supported
 * changes, a second table, or a column changed twice.
 */
PgmOnlinePlan *
pgm_online_plan(const char *sql, List *statements, const char *revision)
{
	PgmOnlinePlan *plan = palloc0(sizeof(PgmOnlinePlan));
	PgmStatement *previous = NULL;
	ListCell   *lc;

	if (statements == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("online revision \"%s\" has no statement", revision),
				 errhint("Give it the ALTER TABLE statements to run online.")));
	foreach(lc, statements)
	{
		PgmStatement *stmt = lfirst(lc);
		PgmOnlineStep *step;
		RangeVar   *table = NULL;
		ListCell   *prev;

		if (IsA(stmt->tree, RenameStmt) && ((RenameStmt *) stmt->tree)->renameType == OBJECT_COLUMN &&
			((RenameStmt *) stmt->tree)->relationType == OBJECT_TABLE)
		{
			RenameStmt *rename = (RenameStmt *) stmt->tree;

			if (rename->missing_ok)
				pgm_online_refuse(revision, stmt, "ALTER TABLE IF EXISTS cannot run online: the table must be there.");
			step = palloc0(sizeof(PgmOnlineStep));
			step->kind = PGM_ONLINE_RENAME_COLUMN;
			step->number = stmt->number;
			step->statement = stmt->text;
			step->column = pstrdup(rename->subname);
			step->new_name = pstrdup(rename->newname);
			table = rename->relation;
		}
		else if (IsA(stmt->tree, RenameStmt) && ((RenameStmt *) stmt->tree)->renameType == OBJECT_TABLE)
		{
			RenameStmt *rename = (RenameStmt *) stmt->tree;

			if (rename->missing_ok)
				pgm_online_refuse(revision, stmt, "ALTER TABLE IF EXISTS cannot run online: the table must be there.");
			step = palloc0(sizeof(PgmOnlineStep));
			step->kind = PGM_ONLINE_RENAME_TABLE;
			step->number = stmt->number;
			step->statement = stmt->text;
			step->new_name = pstrdup(rename->newname);
			table = rename->relation;
		}
		else if (IsA(stmt->tree, IndexStmt))
		{
			IndexStmt  *index = (IndexStmt *) stmt->tree;

			step = pgm_online_index(sql, stmt, index, revision);
			table = index->relation;
		}
		else if (IsA(stmt->tree, AlterSeqStmt))
			step = pgm_online_sequence_type(stmt, (AlterSeqStmt *) stmt->tree, revision);
		else if (IsA(stmt->tree, AlterTableStmt) && ((AlterTableStmt *) stmt->tree)->objtype == OBJECT_TABLE)
		{
			AlterTableStmt *alter = (AlterTableStmt *) stmt->tree;

			if (list_length(alter->cmds) != 1)
				pgm_online_refuse(revision, stmt, "It makes several changes; write one ALTER TABLE statement per change.");
			if (alter->missing_ok)
				pgm_online_refuse(revision, stmt, "ALTER TABLE IF EXISTS cannot run online: the table must be there.");
			table = alter->relation;
			step = pgm_online_step(sql, stmt, previous, linitial_node(AlterTableCmd, alter->cmds), revision);
		}
		else
			pgm_online_refuse(revision, stmt, "It is not an ALTER TABLE statement.");

		if (table && !table->inh)
			pgm_online_refuse(revision, stmt, "ALTER TABLE ONLY cannot run online.");
		step->relation = table;
		pgm_online_plan_table(plan, table);
		foreach(prev, plan->steps)
		{
			PgmOnlineStep *other = lfirst(prev);

			if (other->kind == PGM_ONLINE_RENAME_TABLE)
				pgm_online_refuse(revision, stmt,
								  psprintf("Statement %d renames the table before it; make the rename the last statement.",
										   other->number));
			if (step->column == NULL || other->column == NULL || !equal(step->relation, other->relation))
				continue;
			if (strcmp(other->column, step->column) == 0 ||
				(other->kind == PGM_ONLINE_RENAME_COLUMN && strcmp(other->new_name, step->column) == 0) ||
				(step->kind == PGM_ONLINE_RENAME_COLUMN && strcmp(step->new_name, other->column) == 0))
				pgm_online_refuse(revision, stmt,
								  psprintf("Column %s is changed by statement %d too; an online revision changes each column once.",
										   quote_identifier(step->column), other->number));
		}
		plan->steps = lappend(plan->steps, step);
		previous = stmt;
	}

	if (plan->relation == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("online revision \"%s\" changes no table", revision),
				 errdetail("An online revision changes one table; a sequence's type changes online with its table's column."),
				 errhint("Register the change as a plain revision.")));

	pgm_online_plan_check_tables(plan, statements, revision);

	/*
	 * A constraint or an index is added at start, on the columns as they are
	 * then: with columns retyped, renamed or dropped by the same revision it
	 * would name the old ones, which complete drops.
	 */
	foreach(lc, plan->steps)
	{
		PgmOnlineStep *a = lfirst(lc);
		ListCell   *lc2;

		if (a->kind != PGM_ONLINE_ADD_CONSTRAINT && a->kind != PGM_ONLINE_ADD_UNIQUE &&
			a->kind != PGM_ONLINE_CREATE_INDEX)
			continue;
		foreach(lc2, plan->steps)
		{
			PgmOnlineStep *b = lfirst(lc2);

			if (b->kind == PGM_ONLINE_TYPE || b->kind == PGM_ONLINE_RENAME_COLUMN || b->kind == PGM_ONLINE_DROP_COLUMN)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("online revision \"%s\" cannot add a constraint or an index and change columns at once", revision),
						 errdetail("Statement %d adds a constraint or an index, which start adds on the columns as they are; statement %d changes column %s, which complete changes.",
								   a->number, b->number, quote_identifier(b->column)),
						 errhint("Put the constraints and indexes in an online revision of their own, after this one.")));
		}
	}
	return plan;
}

/*
 * Lint rules whose hazard an online revision does not have: its phases
 * take their locks under a lock timeout, rewrite no table, keep the old
 * names for the old version, add constraints NOT VALID and validate them
 * in the backfill, in a transaction of their own, and build indexes
 * concurrently, at top level (the statements that need it are the online
 * plan's own: nothing else gets that far).  Their findings are not
 * reported for it.
 */
bool
pgm_online_avoids_rule(const char *rule)
{
	static const char *const avoided[] = {
		"missing-lock-timeout", "rename-column", "rename-table", "table-rewrite", "set-not-null",
		"constraint-without-not-valid", "validate-in-same-transaction", "index-without-concurrently",
		"unique-without-index", "non-transactional"
	};
	int			i;

	for (i = 0; i < (int) lengthof(avoided); i++)
		if (strcmp(rule, avoided[i]) == 0)
			return true;
	return false;
}

/*
 * The message of a lint finding as it holds for an online revision: a type
 * change rewrites nothing online, but complete still drops the old values.
 * NULL: the finding's own message holds.
 */
char *
pgm_online_finding_message(const char *rule, const PgmStatement *stmt)
{
	AlterTableStmt *alter;
	AlterTableCmd *cmd;

	if (strcmp(rule, "column-type-change") != 0 || !IsA(stmt->tree, AlterTableStmt))
		return NULL;
	alter = (AlterTableStmt *) stmt->tree;
	if (list_length(alter->cmds) != 1)
		return NULL;
	cmd = linitial_node(AlterTableCmd, alter->cmds);
	return psprintf("changing the type of column %s of table %s online rewrites nothing, but complete drops the old values, which may not convert back",
					quote_identifier(cmd->name),
					quote_qualified_identifier(alter->relation->schemaname, alter->relation->relname));
}
