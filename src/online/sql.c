/*
 * online/sql.c — the SQL and PL/pgSQL an online revision runs while both
 * versions work: the select list of a version's view, the new version's
 * view writer, and the trigger that keeps old and new columns in step.
 *
 * None of it depends on what the user's names look like:
 *
 *   - an identifier in PL/pgSQL is always quoted: quote_identifier() leaves
 *     new, loop, strict, begin... bare, and PL/pgSQL reads some of them as
 *     its own words, after NEW. too;
 *   - no PL/pgSQL variable is named after a column: the only one declared
 *     is _pgm_row;
 *   - every function says #variable_conflict use_column: in an expression
 *     of the revision (USING, a fill, a reverse) a column named new, found
 *     or tg_op is that column, never a trigger variable, whatever
 *     plpgsql.variable_conflict says;
 *   - wherever the table or the row such an expression is evaluated on is
 *     in scope, it is named PGM_ONLINE_TABLE_ALIAS, so NEW.x and OLD.x can
 *     only be the trigger's records (a name of two parts is a table's and
 *     its column's, never a column's and its field's);
 *   - the trigger evaluates an expression on a row, a subquery with a
 *     column of each name, so the expression names columns as in its ALTER
 *     TABLE; it is embedded in parentheses and ended by a new line, so a
 *     comment at its end ends there;
 *   - a function's body is a string literal, not a dollar quote whose tag
 *     the body could hold.
 *
 * Calls rows.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "pgmigrate.h"

/*
 * Set, for the statement, by the new version's view writer to the id of
 * the revision: the table's trigger then knows the new version wrote.  A
 * prefix of its own, so that no session needs pgmigrate's library to set it.
 */
#define PGM_WRITER_SETTING		"pgm_online.writer"

/* The row an expression of the revision is evaluated on, in the trigger. */
#define PGM_ROW_VARIABLE		"_pgm_row"

/* An identifier, always in double quotes. */
static char *
pgm_ident(const char *name)
{
	StringInfoData out;
	const char *p;

	initStringInfo(&out);
	appendStringInfoChar(&out, '"');
	for (p = name; *p; p++)
	{
		if (*p == '"')
			appendStringInfoChar(&out, '"');
		appendStringInfoChar(&out, *p);
	}
	appendStringInfoChar(&out, '"');
	return out.data;
}

/* "schema"."name" */
static char *
pgm_qualified(const char *nspname, const char *relname)
{
	return psprintf("%s.%s", pgm_ident(nspname), pgm_ident(relname));
}

/* An expression of the revision as it is embedded: it may end in a comment. */
char *
pgm_online_expression(const char *expr)
{
	return psprintf("(%s\n)", expr);
}

/*
 * `expr`, cast to `type`, evaluated on a row with a column of each name of
 * `row` (PgmRowColumn *), named PGM_ONLINE_TABLE_ALIAS as the table is
 * wherever the revision's expressions are: the field of the record
 * `record` of the same name (or the column's `field`), or with `record`
 * NULL the parameters $1, $2, ... (to check the expression without
 * running it).
 */
char *
pgm_online_row_expression(const char *expr, const char *type, List *row, const char *record)
{
	List	   *columns = NIL;
	ListCell   *lc;

	foreach(lc, row)
	{
		PgmRowColumn *col = lfirst(lc);
		char	   *value = record ? psprintf("%s.%s", record, pgm_ident(col->field ? col->field : col->name)) :
			psprintf("$%d", foreach_current_index(lc) + 1);

		columns = lappend(columns, psprintf("%s AS %s", value, pgm_ident(col->name)));
	}
	return psprintf("(SELECT %s::%s FROM (SELECT %s) AS " PGM_ONLINE_TABLE_ALIAS ")", pgm_online_expression(expr),
					type, pgm_list_join(columns, ", "));
}

/*
 * What a view column reads, in the table's terms (the table named
 * PGM_ONLINE_TABLE_ALIAS in the view's FROM): a new column not filled
 * yet by the backfill reads as the old one converted, so the new version
 * never sees a hole.
 */
char *
pgm_online_view_read(const PgmViewColumn *col)
{
	char	   *base = psprintf(PGM_ONLINE_TABLE_ALIAS ".%s", pgm_ident(col->base));

	if (col->change)
		return psprintf("COALESCE(%s, %s::%s)", base,
						pgm_online_expression(col->change->step->using_sql ? col->change->step->using_sql :
											  pgm_ident(col->change->step->column)),
						col->change->new_type);
	return base;
}

/* The select list of a version's view: each column under its name in the version. */
char *
pgm_online_view_select_list(List *columns)
{
	List	   *items = NIL;
	ListCell   *lc;

	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		items = lappend(items, psprintf("%s AS %s", pgm_online_view_read(col), pgm_ident(col->name)));
	}
	return pgm_list_join(items, ", ");
}

/* ------------------------------------------------------------ the view writer */

/* " RETURNING what the new version reads INTO NEW's fields" */
static char *
pgm_writer_returning(List *columns)
{
	List	   *reads = NIL;
	List	   *targets = NIL;
	ListCell   *lc;

	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		reads = lappend(reads, pgm_online_view_read(col));
		targets = lappend(targets, psprintf("NEW.%s", pgm_ident(col->name)));
	}
	return psprintf("\n            RETURNING %s\n            INTO %s", pgm_list_join(reads, ", "),
					pgm_list_join(targets, ", "));
}

/*
 * The statements that refuse a value written to a GENERATED ALWAYS
 * identity, as the table does (428C9): on INSERT the view has no default
 * for it, so a value there was given, and the identity's next value is
 * taken here; on UPDATE, a change.
 */
static char *
pgm_writer_identity_checks(List *columns, bool insert)
{
	StringInfoData out;
	ListCell   *lc;

	initStringInfo(&out);
	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);
		const char *name = pgm_ident(col->name);

		if (!col->identity_always || col->default_sql == NULL)
			continue;
		appendStringInfo(&out, "IF NEW.%s IS %s THEN\n"
						 "            RAISE EXCEPTION USING ERRCODE = '428C9', MESSAGE = %s,\n"
						 "                DETAIL = %s;\n"
						 "        END IF;\n        ",
						 name, insert ? "NOT NULL" : psprintf("NOT NULL AND NEW.%s IS DISTINCT FROM OLD.%s", name, name),
						 quote_literal_cstr(psprintf(insert ? "cannot insert a non-DEFAULT value into column \"%s\"" :
													 "column \"%s\" can only be updated to DEFAULT", col->name)),
						 quote_literal_cstr(psprintf("Column \"%s\" is an identity column defined as GENERATED ALWAYS.",
													 col->name)));
		if (insert)
			appendStringInfo(&out, "NEW.%s := %s;\n        ", name, col->default_sql);
	}
	return out.data;
}

static char *
pgm_writer_insert(const char *table, List *columns)
{
	List	   *targets = NIL;
	List	   *values = NIL;
	bool		identity = false;
	ListCell   *lc;

	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);

		identity |= col->identity;
		if (col->generated)
			continue;
		targets = lappend(targets, pgm_ident(col->base));
		values = lappend(values, psprintf("NEW.%s", pgm_ident(col->name)));
		/*
		 * a retyped column's old one is the table's trigger's to fill from
		 * the new: given, so that its own default (a sequence's next value)
		 * is not taken for nothing
		 */
		if (col->change != NULL)
		{
			targets = lappend(targets, pgm_ident(col->change->step->column));
			values = lappend(values, "NULL");
		}
	}
	return psprintf("%sINSERT INTO %s AS " PGM_ONLINE_TABLE_ALIAS " (%s)%s\n            VALUES (%s)%s;",
					pgm_writer_identity_checks(columns, true),
					table, pgm_list_join(targets, ", "), identity ? " OVERRIDING SYSTEM VALUE" : "",
					pgm_list_join(values, ", "), pgm_writer_returning(columns));
}

/*
 * Only what the statement changed is written (compared as text: every
 * type has one, not every type has =), so that a column the statement did
 * not touch keeps what a concurrent writer gave it.
 */
static char *
pgm_writer_update(const char *table, List *columns, const char *key_column, const char *key_name)
{
	List	   *sets = NIL;
	ListCell   *lc;

	foreach(lc, columns)
	{
		PgmViewColumn *col = lfirst(lc);
		const char *name = pgm_ident(col->name);
		const char *base = pgm_ident(col->base);

		if (col->generated || col->identity_always)
			continue;
		sets = lappend(sets, psprintf("%s = CASE WHEN NEW.%s::pg_catalog.text IS DISTINCT FROM OLD.%s::pg_catalog.text"
									  " THEN NEW.%s ELSE " PGM_ONLINE_TABLE_ALIAS ".%s END",
									  base, name, name, name, base));
	}
	if (sets == NIL)
		sets = list_make1(psprintf("%s = " PGM_ONLINE_TABLE_ALIAS ".%s", pgm_ident(key_column),
								   pgm_ident(key_column)));
	return psprintf("%sUPDATE %s AS " PGM_ONLINE_TABLE_ALIAS " SET %s\n"
					"            WHERE " PGM_ONLINE_TABLE_ALIAS ".%s OPERATOR(pg_catalog.=) OLD.%s%s;",
					pgm_writer_identity_checks(columns, false), table, pgm_list_join(sets, ", "), pgm_ident(key_column), pgm_ident(key_name),
					pgm_writer_returning(columns));
}

static char *
pgm_writer_delete(const char *table, const char *key_column, const char *key_name)
{
	return psprintf("DELETE FROM %s AS " PGM_ONLINE_TABLE_ALIAS
					" WHERE " PGM_ONLINE_TABLE_ALIAS ".%s OPERATOR(pg_catalog.=) OLD.%s;",
					table, pgm_ident(key_column), pgm_ident(key_name));
}

/*
 * The CREATE FUNCTION of the new version's view writer: its view reads new
 * columns through COALESCE, which no view can write through, so its writes
 * go to the table by this INSTEAD OF trigger.  A retyped column is written
 * only when the statement changed it, so that what the other version wrote
 * is never recomputed from a conversion of itself.  `columns` are the
 * view's (PgmViewColumn *); the key column is `key_name` in the view.
 */
char *
pgm_online_view_writer(const char *function, const char *revision, const char *nspname, const char *relname,
					   List *columns, const char *key_column, const char *key_name)
{
	char	   *table = pgm_qualified(nspname, relname);
	/* the table's trigger knows by the setting that the new version wrote, for this statement */
	char	   *flag_on = psprintf("PERFORM pg_catalog.set_config('%s', %s, true);", PGM_WRITER_SETTING,
								   quote_literal_cstr(revision));
	char	   *flag_off = psprintf("PERFORM pg_catalog.set_config('%s', '', true);", PGM_WRITER_SETTING);
	char	   *body = psprintf("#variable_conflict use_column\n"
								"BEGIN\n"
								"    %s\n"
								"    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN\n"
								"        %s\n"
								"        %s\n"
								"        RETURN NEW;\n"
								"    ELSIF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN\n"
								"        %s\n"
								"        %s\n"
								"        IF NOT FOUND THEN RETURN NULL; END IF;\n"
								"        RETURN NEW;\n"
								"    END IF;\n"
								"    %s\n"
								"    %s\n"
								"    IF NOT FOUND THEN RETURN NULL; END IF;\n"
								"    RETURN OLD;\n"
								"END\n",
								flag_on,
								pgm_writer_insert(table, columns), flag_off,
								pgm_writer_update(table, columns, key_column, key_name), flag_off,
								flag_off, pgm_writer_delete(table, key_column, key_name));

	return psprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS %s", function,
					quote_literal_cstr(body));
}

/* ------------------------------------------------------------ the table's trigger */

/* The type of `name` in `row`, as SQL. */
static const char *
pgm_row_type(List *row, const char *name)
{
	ListCell   *lc;

	foreach(lc, row)
	{
		PgmRowColumn *col = lfirst(lc);

		if (strcmp(col->name, name) == 0)
			return col->type_sql;
	}
	elog(ERROR, "column \"%s\" is not in the row of the online revision", name);
	return NULL;				/* not reached */
}

/*
 * "NEW.<column> := <expr>;", the expression on the row as the write gave
 * it; without an expression, the row's `field` cast to `type` (a simple
 * expression, which PL/pgSQL evaluates without the executor).
 */
static void
pgm_sync_assign(StringInfo body, const char *indent, const char *column, const char *expr, const char *field,
				const char *type, List *row)
{
	appendStringInfo(body, "%sNEW.%s := %s;\n", indent, pgm_ident(column),
					 expr ? pgm_online_row_expression(expr, type, row, PGM_ROW_VARIABLE) :
					 psprintf(PGM_ROW_VARIABLE ".%s::%s", pgm_ident(field), type));
}

/* The new version wrote: the old column from the new one, where it changed; the new one where it is not filled. */
static void
pgm_sync_from_new(StringInfo body, const PgmTypeChange *c, List *row)
{
	const char *new_column = pgm_ident(c->new_column);
	/* in the reverse expression the column's name stands for the new value */
	PgmRowColumn reversed = {c->step->column, c->new_column, InvalidOid, c->new_type};

	appendStringInfo(body, "        IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.%s::pg_catalog.text"
					 " IS DISTINCT FROM OLD.%s::pg_catalog.text THEN\n", new_column, new_column);
	pgm_sync_assign(body, "            ", c->step->column, c->step->reverse_sql, c->new_column, c->old_type,
					list_make1(&reversed));
	appendStringInfo(body, "        ELSIF NEW.%s IS NULL THEN\n", new_column);
	pgm_sync_assign(body, "            ", c->new_column, c->step->using_sql, c->step->column, c->new_type, row);
	appendStringInfoString(body, "        END IF;\n");
}

/* Anybody else wrote (the backfill too): the new column from the old one, where it changed or is not filled. */
static void
pgm_sync_from_old(StringInfo body, const PgmTypeChange *c, List *row)
{
	const char *column = pgm_ident(c->step->column);

	appendStringInfo(body, "        IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.%s::pg_catalog.text"
					 " IS DISTINCT FROM OLD.%s::pg_catalog.text\n"
					 "           OR NEW.%s IS NULL THEN\n", column, column, pgm_ident(c->new_column));
	pgm_sync_assign(body, "            ", c->new_column, c->step->using_sql, c->step->column, c->new_type, row);
	appendStringInfoString(body, "        END IF;\n");
}

/*
 * The CREATE FUNCTION of the trigger that keeps old and new columns in
 * step.  A write through the new version's schema (its view writer sets
 * the setting) sets each old column it changed from the new one, with the
 * revision's reverse expression or a cast, and fills a new column the
 * backfill has not reached; any other write, the backfill's included, sets
 * each new column whose old one it changed, or that is not filled yet,
 * with the statement's USING expression or a cast.  So what one version
 * writes is never recomputed from what the other made of it.  A NULL
 * where a column becomes NOT NULL takes the fill, whoever wrote.  Every
 * expression sees the row as the write gave it (`row`: PgmRowColumn *, the
 * table's columns as start found them).
 */
char *
pgm_online_sync_function(const char *function, const char *revision, List *row, List *fills,
						 List *type_changes)
{
	StringInfoData body;
	ListCell   *lc;

	initStringInfo(&body);
	appendStringInfoString(&body, "#variable_conflict use_column\n"
						   "DECLARE\n    " PGM_ROW_VARIABLE " record := NEW;\nBEGIN\n");
	foreach(lc, fills)
	{
		PgmOnlineStep *step = lfirst(lc);

		appendStringInfo(&body, "    IF NEW.%s IS NULL THEN\n", pgm_ident(step->column));
		pgm_sync_assign(&body, "        ", step->column, step->fill_sql, NULL, pgm_row_type(row, step->column),
						row);
		appendStringInfoString(&body, "    END IF;\n");
	}
	if (type_changes != NIL)
	{
		appendStringInfo(&body, "    IF pg_catalog.current_setting('%s', true) OPERATOR(pg_catalog.=) %s THEN\n",
						 PGM_WRITER_SETTING, quote_literal_cstr(revision));
		foreach(lc, type_changes)
			pgm_sync_from_new(&body, lfirst(lc), row);
		appendStringInfoString(&body, "    ELSE\n");
		foreach(lc, type_changes)
			pgm_sync_from_old(&body, lfirst(lc), row);
		appendStringInfoString(&body, "    END IF;\n");
	}
	appendStringInfoString(&body, "    RETURN NEW;\nEND\n");
	return psprintf("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS %s", function,
					quote_literal_cstr(body.data));
}
