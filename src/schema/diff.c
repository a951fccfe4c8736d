/*
 * diff.c — the diff engine: DDL that turns a schema equal to one schema
 * document into one equal to another, migrate.diff().
 *
 * Every key of either document is an item.  An item only the source has is
 * dropped, one only the target has is created, one both have and that
 * differs is altered in place where PostgreSQL has an ALTER for what
 * changed, or rebuilt (dropped and created again) where it has none.  A
 * rebuild spreads to what depends on the rebuilt object in the source (a
 * view on a view that is re-created is re-created too), and a column type
 * change spreads to the views, triggers, policies and generated columns
 * that use the column; a column whose default uses a re-created function or
 * sequence only has its default dropped and set again; a composite type's
 * attribute whose type changes has what uses the type in an expression
 * re-created around it.  A change that would
 * re-create a table column (and lose its data) because something it
 * depends on must be re-created is refused.
 *
 * Objects created or dropped with another are not statements of their own:
 * the columns of a new table are in its CREATE TABLE, the index of a
 * primary key comes with the constraint, what a partition or an
 * inheritance child inherits comes with it, everything of a dropped table
 * goes with it.
 *
 * Each drop, create and alter of an item is a node; nodes are ordered by
 * the dependencies of both documents (drop what depends on an object before
 * the object, create an object before what depends on it), ties broken by
 * drops first, then by kind and key, so the same two documents always give
 * the same script.  Each statement's hazard is what migrate.lint() says of
 * it, judged on the whole script.
 *
 * What the engine refuses (with 0A000 and the object's name): base types
 * and foreign tables to be created or changed, base types dropped, enum
 * values removed or reordered, a value added to an enum and used in the
 * same script, a composite type's attribute retyped while a table column
 * holds the type, a partition key column's type, invalid indexes, and
 * column changes that would lose data.
 *
 * Calls rows.c, sqltext.c, lint.c, snapshot.c, validate.c, model.c,
 * renames.c, plan.c, alter.c and order.c.
 */
#include "postgres.h"

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pgmigrate.h"
#include "schema/model.h"

PG_FUNCTION_INFO_V1(pgmigrate_diff);

/* "id bigint, name text": a table's columns in order, from one document. */
static char *
pgm_table_shape(PgmDiff *diff, PgmItem *table, bool source)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, source ? table->src_columns : table->tgt_columns)
	{
		PgmItem    *c = lfirst(lc);
		JsonbContainer *obj = source ? c->src : c->tgt;

		appendStringInfo(&buf, "%s%s %s", buf.len ? ", " : "", pgm_attribute_text(obj, "name"),
						 pgm_attribute_text(obj, "type"));
	}
	return buf.data;
}

/*
 * What an item created by a statement of its own would be a rename of, as
 * a string: "c<relation item> <type>" for a column, "t<schema> <shape>"
 * for a table; NULL for anything else.
 */
static char *
pgm_rename_shape(PgmDiff *diff, PgmItem *item, bool source)
{
	JsonbContainer *obj = source ? item->src : item->tgt;

	if (pgm_kind_is(item, "column"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, source);

		return psprintf("c%d %s", rel ? (int) (rel - diff->items) : -1, pgm_text(obj, "type"));
	}
	if (pgm_kind_is(item, "table"))
		return psprintf("t%s %s", pgm_text(obj, "schema"), pgm_table_shape(diff, item, source));
	return NULL;
}

/* The items created (or dropped) by statements of their own, by shape then item. */
typedef struct PgmShaped
{
	char	   *shape;
	int			item;
} PgmShaped;

/* Both sides, sorted once, at the first drop that asks. */
typedef struct PgmShapes
{
	PgmShaped  *created;
	int			ncreated;
	PgmShaped  *dropped;
	int			ndropped;
} PgmShapes;

static int
pgm_compare_shaped(const void *a, const void *b)
{
	const PgmShaped *x = a;
	const PgmShaped *y = b;
	int			cmp = strcmp(x->shape, y->shape);

	return cmp != 0 ? cmp : (x->item > y->item) - (x->item < y->item);
}

static PgmShaped *
pgm_shapes_of(PgmDiff *diff, PgmChange change, int *count)
{
	PgmShaped  *shaped = palloc(sizeof(PgmShaped) * Max(diff->nitems, 1));
	int			i;

	*count = 0;
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *it = &diff->items[i];
		char	   *shape;

		CHECK_FOR_INTERRUPTS();
		if (it->change != change || (change == PGM_CREATE ? it->implied_create : it->implied_drop) ||
			(shape = pgm_rename_shape(diff, it, change == PGM_DROP)) == NULL)
			continue;
		shaped[*count].shape = shape;
		shaped[(*count)++].item = i;
	}
	qsort(shaped, *count, sizeof(PgmShaped), pgm_compare_shaped);
	return shaped;
}

/* How many of `shaped` have `shape`; *first is the first of them. */
static int
pgm_shape_range(const PgmShaped *shaped, int n, const char *shape, int *first)
{
	int			lo = 0;
	int			hi = n;
	int			end;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (strcmp(shaped[mid].shape, shape) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (end = lo; end < n && strcmp(shaped[end].shape, shape) == 0; end++)
		;
	return end - lo;
}

/* The maximum of candidates a hint names. */
#define PGM_RENAME_CANDIDATES 8

/*
 * A drop of a column (or a table) next to an add of one of the same shape
 * looks like a rename; the hazard says how to ask for one.  Where the
 * pairing is not one to one (several drops or adds of that shape), each
 * drop's hint lists the adds it may have become, and asks which, if any:
 * two drops are never both said to be the same add.
 */
static char *
pgm_rename_hint(PgmDiff *diff, PgmItem *dropped, PgmShapes *shapes)
{
	bool		column = pgm_kind_is(dropped, "column");
	char	   *shape;
	int			first;
	int			adds;
	int			first_drop;
	int			drops;
	const char *from;
	const char *old_name;
	StringInfoData names;
	int			i;

	if (dropped->implied_drop || (shape = pgm_rename_shape(diff, dropped, true)) == NULL)
		return NULL;
	if (shapes->created == NULL)
	{
		shapes->created = pgm_shapes_of(diff, PGM_CREATE, &shapes->ncreated);
		shapes->dropped = pgm_shapes_of(diff, PGM_DROP, &shapes->ndropped);
	}
	if ((adds = pgm_shape_range(shapes->created, shapes->ncreated, shape, &first)) == 0)
		return NULL;
	from = strchr(dropped->key, ' ') + 1;
	old_name = column ? quote_identifier(pgm_text(dropped->src, "name")) : pgm_qualified(dropped->src);
	drops = pgm_shape_range(shapes->dropped, shapes->ndropped, shape, &first_drop);
	if (adds == 1 && drops == 1)
	{
		const char *new_bare = pgm_text(diff->items[shapes->created[first].item].tgt, "name");

		return psprintf("it looks like a rename of %s %s to %s: say so with renames => '{%s=%s}' "
						"(pgmigrate diff --rename %s=%s)", column ? "column" : "table", old_name,
						quote_identifier(new_bare), from, new_bare, from, new_bare);
	}
	initStringInfo(&names);
	for (i = first; i < first + Min(adds, PGM_RENAME_CANDIDATES); i++)
		appendStringInfo(&names, "%s%s", i > first ? ", " : "",
						 quote_identifier(pgm_text(diff->items[shapes->created[i].item].tgt, "name")));
	if (adds > PGM_RENAME_CANDIDATES)
		appendStringInfo(&names, " and %d more", adds - PGM_RENAME_CANDIDATES);
	return psprintf("it may be a rename of %s %s to %s%s (%d %s%s of that shape dropped, %d added): say which, if any, "
					"with renames => '{%s=NEW_NAME}' (pgmigrate diff --rename %s=NEW_NAME)",
					column ? "column" : "table", old_name, adds > 1 ? "one of " : "", names.data,
					drops, column ? "column" : "table", drops == 1 ? "" : "s", adds, from, from);
}

/*
 * The lint's errors and warnings on each statement, judged on the whole
 * script.  *unguarded says whether it locks a table that exists without a
 * lock_timeout (the lint's missing-lock-timeout); that finding is not a
 * hazard of its own, since the script then begins with SET lock_timeout,
 * which is all it changes in what the lint says.
 */
static char **
pgm_hazards(List *statements, bool *unguarded)
{
	StringInfoData script;
	ListCell   *lc;
	char	  **hazards = palloc0(sizeof(char *) * (list_length(statements) + 1));
	List	   *parsed;
	int			count = 0;

	if (statements == NIL)
		return hazards;
	initStringInfo(&script);
	foreach(lc, statements)
	{
		appendStringInfo(&script, "%s\n", (char *) lfirst(lc));
	}
	parsed = pgm_split_statements(script.data, pgm_parse_sql(script.data, NULL, NULL));
	/* statement numbers of the script -> steps: one statement per step */
	count = list_length(parsed);
	foreach(lc, pgm_lint(parsed))
	{
		PgmFinding *f = lfirst(lc);
		int			step = f->statement ? f->statement->number - 1 : -1;
		char	   *said;

		if (strcmp(f->rule, "missing-lock-timeout") == 0)
		{
			*unguarded = true;
			continue;
		}
		if (f->severity == PGM_SEVERITY_INFO || step < 0 || step >= count ||
			step >= list_length(statements))
			continue;
		said = psprintf("%s%s", f->destructive ? "data loss: " : "", f->message);
		hazards[step] = hazards[step] ? psprintf("%s; %s", hazards[step], said) : said;
	}
	return hazards;
}

/* pgm_hazards() in a subtransaction: its arguments and results */
typedef struct PgmHazardsCall
{
	List	   *statements;
	bool		unguarded;
	char	  **hazards;
} PgmHazardsCall;

static void
pgm_hazards_call(void *arg)
{
	PgmHazardsCall *call = arg;

	call->hazards = pgm_hazards(call->statements, &call->unguarded);
}

static void
pgm_parse_statement(void *arg)
{
	pgm_parse_sql((const char *) arg, NULL, NULL);
}

/*
 * The statement followed by another: a statement that parses alone may
 * still end inside a comment of a document's SQL ("DEFAULT 0--;"), which
 * then swallows its own semicolon and the statement after it.
 */
static void
pgm_parse_statement_and_next(void *arg)
{
	pgm_parse_sql(psprintf("%s\nSELECT 1;", (const char *) arg), NULL, NULL);
}

/*
 * The hazards of the script, when it parses.  It is made of the documents'
 * SQL (definitions, defaults, types, queries), so a script that does not
 * parse holds SQL of a document that does not: refused, naming the object
 * whose statement it is.
 */
static char **
pgm_script_hazards(PgmDiff *diff, List *statements, List *sources, bool *unguarded)
{
	PgmHazardsCall call = {statements, false, NULL};
	ErrorData  *edata = pgm_in_subtransaction(pgm_hazards_call, &call, true);
	ListCell   *lc;

	if (edata == NULL)
	{
		*unguarded = call.unguarded;
		return call.hazards;
	}
	foreach(lc, statements)
	{
		int			item = list_nth_int(sources, foreach_current_index(lc));
		ErrorData  *bad = pgm_in_subtransaction(pgm_parse_statement, lfirst(lc), false);
		const char *why = bad ? bad->message : NULL;

		if (bad == NULL &&
			pgm_in_subtransaction(pgm_parse_statement_and_next, lfirst(lc), false) != NULL)
			why = "it does not end where it seems to, and takes in the statement after it";
		if (why != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a document holds SQL that does not parse"),
					 errdetail("The statement for %s does not parse (%s): %.300s",
							   item >= 0 ? diff->items[item].key : "a rename", why,
							   (char *) lfirst(lc)),
					 errhint("Pass what migrate.schema() returns.")));
	}
	ReThrowError(edata);		/* the whole script's error, then */
}

Datum
pgmigrate_diff(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	Tuplestorestate *store;
	PgmDiff		diff;
	PgmSnapshot *src;
	PgmSnapshot *tgt;
	List	   *statements;
	List	   *sources;
	char	  **hazards;
	bool		unguarded = false;
	ListCell   *lc;
	int			step = 0;
	PgmShapes	shapes = {0};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the source and the target of migrate.diff() must not be NULL"),
				 errhint("Pass two documents from migrate.schema().")));
	store = pgm_srf_begin(fcinfo, &desc);
	memset(&diff, 0, sizeof(diff));
	diff.role = GetUserNameFromId(GetUserId(), false);
	src = pgm_snapshot_read(PG_GETARG_JSONB_P(0), "source");
	tgt = pgm_snapshot_read(PG_GETARG_JSONB_P(1), "target");
	pgm_check_document(src, "source", NULL);
	pgm_check_document(tgt, "target", src);
	if (!PG_ARGISNULL(2))
		pgm_parse_renames(&diff, PG_GETARG_ARRAYTYPE_P(2), src, tgt);

	pgm_diff_load(&diff, src, tgt);
	pgm_check_not_null_support(&diff);
	pgm_classify(&diff);
	pgm_emit_all(&diff);
	pgm_emit_carried_extras(&diff);
	pgm_check_enum_values_unused(&diff);
	pgm_order_edges(&diff);
	statements = pgm_order(&diff, &sources);
	hazards = pgm_script_hazards(&diff, statements, sources, &unguarded);

	/*
	 * A script that locks tables in use waits for them at most 5 seconds,
	 * as the lint asks of every revision: it fails fast rather than queue
	 * every query on the table behind a long transaction.
	 */
	if (unguarded)
	{
		char	  **shifted = palloc0(sizeof(char *) * (list_length(statements) + 2));

		memcpy(shifted + 1, hazards, sizeof(char *) * list_length(statements));
		hazards = shifted;
		statements = lcons(pstrdup("SET lock_timeout = '5s';"), statements);
		sources = lcons_int(-1, sources);
	}

	foreach(lc, statements)
	{
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		int			item = list_nth_int(sources, step);
		char	   *hint = item >= 0 && diff.items[item].change == PGM_DROP ?
			pgm_rename_hint(&diff, &diff.items[item], &shapes) : NULL;

		if (hint)
			hazards[step] = hazards[step] ? psprintf("%s; %s", hazards[step], hint) : hint;
		values[0] = Int32GetDatum(step + 1);
		values[1] = CStringGetTextDatum((char *) lfirst(lc));
		if (hazards[step])
			values[2] = CStringGetTextDatum(hazards[step]);
		else
			nulls[2] = true;
		tuplestore_putvalues(store, desc, values, nulls);
		step++;
	}
	return (Datum) 0;
}
