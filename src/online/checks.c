/*
 * online/checks.c — the CHECK constraints of a retyped column, made again
 * on the new column.
 *
 * A CHECK constraint on a column an online revision retypes goes with the
 * old column at complete.  So start adds it again beside it, NOT VALID: its
 * expression as PostgreSQL keeps it, with each retyped column named by its
 * new one (found by the parser, not by searching the text), enforced on
 * every write of both versions from then on; the backfill validates it,
 * and at complete it takes the old one's name.  As a plain ALTER COLUMN
 * TYPE does, the expression is the same text on the new type.
 *
 * Calls rows.c and sqltext.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "pgmigrate.h"

/* A reference to a retyped column in an expression's text. */
typedef struct PgmCheckRef
{
	int			location;		/* where it starts */
	int			column;			/* which of the retyped columns */
} PgmCheckRef;

/* The column references of an expression to name otherwise. */
typedef struct PgmCheckRefs
{
	int			ncolumns;
	char	  **columns;		/* the retyped columns */
	List	   *refs;			/* PgmCheckRef * */
} PgmCheckRefs;

static bool
pgm_check_refs_walker(Node *node, void *context)
{
	PgmCheckRefs *refs = (PgmCheckRefs *) context;

	if (node == NULL)
		return false;
	if (IsA(node, ColumnRef) && list_length(((ColumnRef *) node)->fields) == 1 &&
		IsA(linitial(((ColumnRef *) node)->fields), String))
	{
		const char *name = strVal(linitial(((ColumnRef *) node)->fields));
		int			i;

		for (i = 0; i < refs->ncolumns; i++)
			if (strcmp(name, refs->columns[i]) == 0)
			{
				PgmCheckRef *ref = palloc(sizeof(PgmCheckRef));

				ref->location = ((ColumnRef *) node)->location;
				ref->column = i;
				refs->refs = lappend(refs->refs, ref);
			}
		return false;
	}
	return raw_expression_tree_walker(node, pgm_check_refs_walker, context);
}

/* The end of the identifier that starts at `p`, quoted or not. */
static const char *
pgm_identifier_end(const char *p)
{
	if (*p == '"')
	{
		for (p++; *p; p++)
			if (*p == '"')
			{
				if (p[1] != '"')
					return p + 1;
				p++;
			}
		return p;
	}
	while (*p && (isalnum((unsigned char) *p) || *p == '_' || *p == '$' || IS_HIGHBIT_SET(*p)))
		p++;
	return p;
}

/* PgmCheckRefs in the order of the text */
static int
pgm_check_ref_cmp(const ListCell *a, const ListCell *b)
{
	int			x = ((const PgmCheckRef *) lfirst(a))->location;
	int			y = ((const PgmCheckRef *) lfirst(b))->location;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * `expr` (as pg_get_expr() writes it) with each reference to one of
 * `columns` replaced by the matching one of `new_columns`.
 */
static char *
pgm_check_on_new_columns(const char *expr, int ncolumns, char **columns, char **new_columns)
{
	char	   *sql = psprintf("SELECT %s", expr);
	RawStmt    *raw = linitial_node(RawStmt, pgm_parse_sql(sql, NULL, NULL));
	ResTarget  *target = linitial_node(ResTarget, ((SelectStmt *) raw->stmt)->targetList);
	PgmCheckRefs refs = {ncolumns, columns, NIL};
	StringInfoData out;
	const char *done = sql + strlen("SELECT ");
	ListCell   *lc;

	(void) pgm_check_refs_walker(target->val, &refs);
	list_sort(refs.refs, pgm_check_ref_cmp);
	initStringInfo(&out);
	foreach(lc, refs.refs)
	{
		const PgmCheckRef *ref = lfirst(lc);
		const char *at = sql + ref->location;

		appendBinaryStringInfo(&out, done, at - done);
		appendStringInfoString(&out, quote_identifier(new_columns[ref->column]));
		/* the reference as written, quoted or not */
		done = pgm_identifier_end(at);
	}
	appendStringInfoString(&out, done);
	return out.data;
}

/*
 * The CHECK constraints of table `relid` on one of its columns `attnums`
 * (named `columns`, `ncolumns` of them) that an online revision retypes,
 * each to be made again with `new_columns` in their place.  `reason` of a
 * constraint is set when it cannot be made again so (the caller refuses).
 */
List *
pgm_online_find_checks(Oid relid, int ncolumns, const AttrNumber *attnums, char **columns, char **new_columns)
{
	Oid			types[2] = {OIDOID, INT2ARRAYOID};
	Datum		values[2] = {ObjectIdGetDatum(relid), pgm_int2_array_datum(attnums, ncolumns)};
	List	   *out = NIL;
	ListCell   *lc;
	foreach(lc, pgm_spi_rows("SELECT k.conname, pg_catalog.pg_get_expr(k.conbin, k.conrelid), k.connoinherit,"
							 " k.convalidated, pg_catalog.obj_description(k.oid, 'pg_constraint'),"
							 " CASE WHEN NOT k.conislocal OR k.coninhcount OPERATOR(pg_catalog.>) 0"
							 "        OR EXISTS (SELECT FROM pg_catalog.pg_inherits h"
							 "                   WHERE h.inhparent OPERATOR(pg_catalog.=) k.conrelid)"
							 "   THEN 'it is inherited, or its table has children'"
							 "  WHEN NOT k.convalidated"
							 "   THEN 'it is NOT VALID: the backfill''s writes would be checked against it, row by row' END"
							 " FROM pg_catalog.pg_constraint k"
							 " WHERE k.conrelid OPERATOR(pg_catalog.=) $1 AND k.contype OPERATOR(pg_catalog.=) 'c'"
							 " AND k.conkey OPERATOR(pg_catalog.&&) $2"
							 " ORDER BY k.conname",
							 2, types, values))
	{
		char	  **f = lfirst(lc);
		PgmMovedCheck *check = palloc0(sizeof(PgmMovedCheck));

		check->name = f[0];
		check->definition = psprintf("CHECK (%s)%s", pgm_check_on_new_columns(f[1], ncolumns, columns, new_columns),
									 strcmp(f[2], "t") == 0 ? " NO INHERIT" : "");
		check->validate = strcmp(f[3], "t") == 0;
		check->comment = f[4];
		check->reason = f[5];
		out = lappend(out, check);
	}
	return out;
}
