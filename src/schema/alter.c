/*
 * alter.c — the ALTER statements of an item both documents hold, the pass
 * that emits every item's statements, and the check that no value an enum
 * gains is used in the script that adds it.
 *
 * Calls rows.c, snapshot.c, model.c, plan.c, statements.c and create.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "parser/scanner.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "pgmigrate.h"
#include "schema/model.h"

/* A type name looked up; InvalidOid when there is no such type (yet). */
typedef struct PgmTypeLookup
{
	const char *name;
	Oid			type;
} PgmTypeLookup;

static void
pgm_lookup_type(void *arg)
{
	PgmTypeLookup *lookup = arg;
	int32		typmod;

	lookup->type = pgm_parse_type_string(lookup->name, &typmod);
}

/*
 * The type a column's "type" names in one document.  A string that is no
 * type name at all (the parser's error) refuses the document.
 */
static Oid
pgm_column_type(PgmItem *column, bool source)
{
	PgmTypeLookup lookup;
	ErrorData  *edata;

	lookup.name = pgm_attribute_text(source ? column->src : column->tgt, "type");
	lookup.type = InvalidOid;
	edata = pgm_in_subtransaction(pgm_lookup_type, &lookup, false);
	if (edata != NULL)
		pgm_document_error(source ? "source" : "target", column->key,
						   psprintf("has a \"type\" that is not a type name (%s)", edata->message));
	return lookup.type;
}

/*
 * Does PostgreSQL convert the old type to the new one by itself (an
 * assignment cast, as ALTER COLUMN TYPE without USING needs)?  False when a
 * type does not exist yet: USING is then spelt out.
 */
static bool
pgm_converts_by_itself(PgmItem *column)
{
	Oid			from_type = pgm_column_type(column, true);
	Oid			to_type = pgm_column_type(column, false);
	Oid			func;

	if (!OidIsValid(from_type) || !OidIsValid(to_type))
		return false;
	return find_coercion_pathway(to_type, from_type, COERCION_ASSIGNMENT, &func) != COERCION_PATH_NONE;
}

/*
 * Is a column's type in one document an enum: in the catalogs, or, for a
 * type that does not exist yet, in the document?
 */
static bool
pgm_type_is_enum(PgmDiff *diff, PgmItem *column, bool source, Oid type)
{
	int			t;
	JsonbContainer *obj;

	if (OidIsValid(type))
		return type_is_enum(type);
	t = pgm_item_find(diff, psprintf("type %s", pgm_attribute_text(source ? column->src : column->tgt, "type")));
	obj = t < 0 ? NULL : source ? diff->items[t].src : diff->items[t].tgt;
	return obj != NULL && pgm_same_text(pgm_attribute_text(obj, "type"), "enum");
}

/*
 * Is there no cast at all from the old type to the new one, so that USING
 * col::type could only fail?  Two enums never cast; other types that do not
 * exist yet are given the benefit of the doubt.
 */
static bool
pgm_has_no_cast(PgmDiff *diff, PgmItem *column)
{
	Oid			from_type = pgm_column_type(column, true);
	Oid			to_type = pgm_column_type(column, false);
	Oid			func;

	if (OidIsValid(from_type) && OidIsValid(to_type))
		return find_coercion_pathway(to_type, from_type, COERCION_EXPLICIT, &func) == COERCION_PATH_NONE;
	return !pgm_same_text(pgm_attribute_text(column->src, "type"), pgm_attribute_text(column->tgt, "type")) &&
		pgm_type_is_enum(diff, column, true, from_type) && pgm_type_is_enum(diff, column, false, to_type);
}

/*
 * ALTER COLUMN ... TYPE, with USING where the server would not convert by
 * itself; false when it would not (the default is then set again after).
 */
static bool
pgm_alter_column_type(PgmDiff *diff, int i, const char *relname, const char *col, bool type)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	bool		converts = true;
	char	   *collation = pgm_attribute_text(t, "collation");

	if (type)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s%s%s;", relname, col,
												   pgm_attribute_text(t, "type"), collation ? " COLLATE " : "",
												   collation ? collation : ""));
	else
	{
		char	   *new_type = pgm_attribute_text(t, "type");

		/* a default the server may not convert is set again after */
		converts = pgm_converts_by_itself(item);
		if (!converts && pgm_has_no_cast(diff, item))
			pgm_refuse(item, "change the type of",
					   psprintf("PostgreSQL has no cast from %s to %s: how the values convert is for you to write (USING).",
								pgm_attribute_text(s, "type"), new_type));
		if (pgm_text(s, "default") != NULL && item->change != PGM_REDEFAULT && !converts)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", relname, col));
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s%s%s%s%s;",
												   relname, col, new_type,
												   collation ? " COLLATE " : "", collation ? collation : "",
												   converts ? "" : " USING ", converts ? "" : col,
												   converts ? "" : "::", converts ? "" : new_type));
	}
	return converts;
}

/* A column's identity: added, dropped, changed, or its sequence's options. */
static void
pgm_alter_identity(PgmDiff *diff, int i, const char *relname, const char *col)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;

	if (pgm_differs(item, "identity"))
	{
		char	   *before = pgm_text(s, "identity");
		char	   *after = pgm_text(t, "identity");

		if (after == NULL)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;", relname, col));
		else if (before == NULL)
		{
			char	   *options = pgm_text(t, "identity_options");

			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY%s%s%s;",
													   relname, col, strcmp(after, "always") == 0 ? "ALWAYS" : "BY DEFAULT",
													   options ? " (" : "", options ? options : "", options ? ")" : ""));
		}
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;",
													   relname, col, strcmp(after, "always") == 0 ? "ALWAYS" : "BY DEFAULT"));
	}
	/* the identity's sequence options, where it stays an identity */
	if (pgm_text(s, "identity") && pgm_text(t, "identity") &&
		pgm_differs(item, "identity_options") && pgm_text(t, "identity_options"))
	{
		const char *p = pgm_text(t, "identity_options");
		StringInfoData set;
		bool		after_no = false;

		/* "INCREMENT BY 1 MINVALUE 1 ..." -> "SET INCREMENT BY 1 SET MINVALUE 1 ..." */
		initStringInfo(&set);
		while (*p)
		{
			size_t		len = strcspn(p, " ");
			char	   *word = pnstrdup(p, len);

			if (strcmp(word, "INCREMENT") == 0 || strcmp(word, "MINVALUE") == 0 ||
				strcmp(word, "MAXVALUE") == 0 || strcmp(word, "START") == 0 ||
				strcmp(word, "CACHE") == 0 || strcmp(word, "NO") == 0 ||
				(strcmp(word, "CYCLE") == 0 && !after_no))
				appendStringInfoString(&set, " SET");
			appendStringInfo(&set, " %s", word);
			after_no = strcmp(word, "NO") == 0;
			p += len;
			while (*p == ' ')
				p++;
		}
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s%s;", relname, col, set.data));
	}
}

/*
 * The grants `grants` of the item `owned` or of one of its columns, after
 * ALTER ... OWNER TO hands the old owner's privileges to the new owner.
 */
static List *
pgm_owner_handed(PgmItem *owned, List *grants)
{
	char	   *from = pgm_text(owned->src, "owner");
	char	   *to = pgm_text(owned->tgt, "owner");
	List	   *out = NIL;
	ListCell   *lc;

	if (from == NULL || to == NULL || !pgm_differs(owned, "owner"))
		return grants;
	from = pgm_grantee_spelling(from);
	to = pgm_grantee_spelling(to);
	foreach(lc, grants)
	{
		PgmGrant	g = pgm_parse_grant(lfirst(lc));

		out = lappend(out, strcmp(g.grantee, from) != 0 ? lfirst(lc) :
					  psprintf("%s=%s%s", to, g.privilege, g.grantable ? "*" : ""));
	}
	return out;
}

/*
 * A column's grants when its ALTER comes, after its relation's (order.c
 * puts it after): the relation's ALTER ... OWNER TO hands the old owner's
 * column privileges to the new owner, and a REVOKE on the relation takes
 * the privilege (or its grant option) from every column too.
 */
static List *
pgm_column_grants_now(PgmDiff *diff, PgmItem *column)
{
	PgmItem    *rel = pgm_relation_item(diff, column, false);
	List	   *grants;
	List	   *rel_after;
	ListCell   *lc;

	if (column->src == NULL)
		return NIL;				/* it comes with another object, without any */
	grants = pgm_attribute_strings(column->src, "grants");
	if (rel->change != PGM_ALTER)
		return grants;
	grants = pgm_owner_handed(rel, grants);
	rel_after = pgm_attribute_strings(rel->tgt, "grants");
	foreach(lc, pgm_owner_handed(rel, pgm_attribute_strings(rel->src, "grants")))
	{
		PgmRevoke	revoke = pgm_revoke_of(lfirst(lc), rel_after);
		PgmGrant	r = pgm_parse_grant(lfirst(lc));
		List	   *kept = NIL;
		ListCell   *c;

		if (revoke == PGM_REVOKE_NOTHING)
			continue;
		foreach(c, grants)
		{
			PgmGrant	g = pgm_parse_grant(lfirst(c));

			if (strcmp(g.grantee, r.grantee) != 0 || strcmp(g.privilege, r.privilege) != 0)
				kept = lappend(kept, lfirst(c));
			else if (revoke == PGM_REVOKE_OPTION)
				kept = lappend(kept, psprintf("%s=%s", g.grantee, g.privilege));
		}
		grants = kept;
	}
	return grants;
}

/* A column's GRANTs and REVOKEs (also of one otherwise the same, or new). */
static void
pgm_alter_column_grants(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];

	pgm_emit_grants(diff, i, PGM_NODE_ALTER, pgm_column_grants_now(diff, item),
					pgm_attribute_strings(item->tgt, "grants"),
					psprintf("TABLE %s", pgm_qualified(pgm_relation_item(diff, item, false)->tgt)),
					pgm_attribute_text(item->tgt, "name"));
}

static bool pgm_not_null_first(PgmDiff *diff, PgmItem *column);
static List *pgm_gained_parents(PgmDiff *diff, PgmItem *table);

/*
 * Does the column's table gain a parent?  Then its NOT NULL constraint
 * takes its new name between NO INHERIT or DETACH and INHERIT or ATTACH
 * (pgm_alter_parents()), where it is its own.
 */
static bool
pgm_gains_parent(PgmDiff *diff, PgmItem *column)
{
	PgmItem    *rel = pgm_relation_item(diff, column, false);

	return rel != NULL && rel->src != NULL && pgm_kind_is(rel, "table") &&
		pgm_gained_parents(diff, rel) != NIL;
}

/* Is a column's NOT NULL constraint "not_null_valid" in the document? */
static bool
pgm_not_null_valid(JsonbContainer *col)
{
	return pgm_attribute(col, "not_null_valid") == NULL || pgm_attribute_bool(col, "not_null_valid");
}

/*
 * An inherited column's NOT NULL constraint is its parent's: it changes
 * only as its parent column's does, which RENAME CONSTRAINT and VALIDATE
 * CONSTRAINT carry to it.  Does the parent's change carry the column's?
 */
static bool
pgm_not_null_carried(PgmDiff *diff, PgmItem *column)
{
	int			p = pgm_parent_column_item(diff, pgm_relation_item(diff, column, false)->tgt,
										   pgm_text(column->tgt, "name"));
	PgmItem    *parent = p >= 0 ? &diff->items[p] : NULL;

	return parent != NULL && parent->src != NULL && pgm_attribute_bool(parent->src, "not_null") &&
		pgm_attribute_bool(parent->tgt, "not_null") &&
		strcmp(pgm_not_null_name(diff, parent, true), pgm_not_null_name(diff, column, true)) == 0 &&
		strcmp(pgm_not_null_name(diff, parent, false), pgm_not_null_name(diff, column, false)) == 0 &&
		pgm_not_null_valid(parent->src) == pgm_not_null_valid(column->src) &&
		pgm_not_null_valid(parent->tgt) == pgm_not_null_valid(column->tgt) &&
		!pgm_differs(column, "not_null_no_inherit");
}

/*
 * A column's NOT NULL: set or dropped; or its constraint (PostgreSQL 18)
 * renamed, made to [NO] INHERIT, validated, or made NOT VALID again (the
 * only way there is: dropped and added NOT VALID).
 */
static void
pgm_alter_not_null(PgmDiff *diff, int i, const char *relname, const char *col)
{
	PgmItem    *item = &diff->items[i];
	char	   *before;
	char	   *after;

	if (pgm_differs(item, "not_null"))
	{
		if (pgm_not_null_first(diff, item))
			return;				/* the table's ALTER says it */
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_attribute_bool(item->tgt, "not_null") ?
				 pgm_not_null_statement(diff, item, relname, false) :
				 psprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;", relname, col));
		return;
	}
	/* before 18 a NOT NULL has no constraint of its own (nor a document's attributes of it) */
	if (!PGM_HAS_NOT_NULL_CONSTRAINTS || !pgm_attribute_bool(item->tgt, "not_null"))
		return;
	before = pgm_not_null_name(diff, item, true);
	after = pgm_not_null_name(diff, item, false);
	if (pgm_gains_parent(diff, item))
		before = after;			/* renamed by the table's ALTER */
	if (strcmp(before, after) == 0 && pgm_not_null_valid(item->src) == pgm_not_null_valid(item->tgt) &&
		!pgm_differs(item, "not_null_no_inherit"))
		return;
	if (pgm_attribute_bool(item->tgt, "inherited"))
	{
		if (pgm_not_null_carried(diff, item))
			return;
		pgm_refuse(item, "change the NOT NULL constraint of",
				   "The column is inherited: its NOT NULL constraint changes only with its parent column's.");
	}
	if (pgm_not_null_valid(item->src) && !pgm_not_null_valid(item->tgt))
	{
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;", relname, col));
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_not_null_statement(diff, item, relname, false));
		return;
	}
	if (strcmp(before, after) != 0)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s;", relname,
												   quote_identifier(before), quote_identifier(after)));
	if (pgm_differs(item, "not_null_no_inherit"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER CONSTRAINT %s %sINHERIT;", relname,
												   quote_identifier(after),
												   pgm_attribute_bool(item->tgt, "not_null_no_inherit") ? "NO " : ""));
	if (!pgm_not_null_valid(item->src) && pgm_not_null_valid(item->tgt))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;", relname,
												   quote_identifier(after)));
}

static void
pgm_alter_column(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	PgmItem    *rel = pgm_relation_item(diff, item, false);
	char	   *relname = pgm_qualified(rel->tgt);
	char	   *col = pstrdup(quote_identifier(pgm_attribute_text(t, "name")));
	bool		view = pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view");
	bool		type = pgm_kind_is(rel, "type");
	const char *alter = view ? "VIEW" : "TABLE";
	bool		converts = item->type_changed && !item->type_carried ?
		pgm_alter_column_type(diff, i, relname, col, type) : true;

	if (!type && !view)
		pgm_alter_identity(diff, i, relname, col);
	if (!type && (pgm_differs(item, "default") ||
				  (item->type_changed && !converts && pgm_text(t, "default") != NULL &&
				   item->change != PGM_REDEFAULT)))
	{
		char	   *def = pgm_text(t, "default");

		if (item->change == PGM_REDEFAULT)
			;				/* the drop and create nodes do it */
		else if (def)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s ALTER COLUMN %s SET DEFAULT %s;", alter, relname, col, def));
		else if (!item->type_changed || converts)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s ALTER COLUMN %s DROP DEFAULT;", alter, relname, col));
	}
	if (!type && !view)
		pgm_alter_not_null(diff, i, relname, col);
	pgm_alter_column_grants(diff, i);
	if (pgm_differs(item, "comment"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/* The first of the parents `gained` that has the part `kind` `name`, or NULL. */
static char *
pgm_first_giver(PgmDiff *diff, List *gained, const char *kind, const char *name)
{
	ListCell   *lc;

	foreach(lc, gained)
		if (pgm_item_find(diff, psprintf("%s %s.%s", kind, (char *) lfirst(lc) + strlen("table "),
										 quote_identifier(name))) >= 0)
		return lfirst(lc);
	return NULL;
}

/*
 * What the parent `parent` the table gains gives and the table lacks,
 * added before INHERIT or ATTACH PARTITION, which want it there: the
 * columns and CHECK constraints the target's table inherits and the
 * source's does not have, for the first of the parents `gained` that
 * gives each.  Their own items come with these statements.
 */
static void
pgm_add_inherited_parts(PgmDiff *diff, int i, const char *name, const char *parent, List *gained)
{
	PgmItem    *item = &diff->items[i];
	ListCell   *lc;

	foreach(lc, list_concat_copy(item->tgt_columns, item->tgt_constraints))
	{
		PgmItem    *part = lfirst(lc);
		bool		column = pgm_kind_is(part, "column");
		char	   *part_name = pgm_text(part->tgt, "name");

		if (part->src != NULL || !part->implied_create || part->carrier != i ||
			(!column && !pgm_same_text(pgm_text(part->tgt, "type"), "check")) ||
			!pgm_same_text(pgm_first_giver(diff, gained, part->kind, part_name), parent))
			continue;
		pgm_emit(diff, i, PGM_NODE_ALTER, column ?
				 psprintf("ALTER TABLE %s ADD COLUMN %s;", name, pgm_column_definition(diff, part, true)) :
				 psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s;", name, quote_identifier(part_name),
						  pgm_text(part->tgt, "definition")));
		if (column)
			pgm_emit_not_valid_not_null(diff, i, PGM_NODE_ALTER, part);
	}
}

/*
 * How many parents, from the first, a table of both documents keeps in
 * place (after renames) once those it leaves are gone.  INHERIT appends,
 * so from the first that differs on, every old parent goes (NO INHERIT)
 * and every target parent comes (INHERIT) in order: their columns stay,
 * local in between.
 */
static int
pgm_parents_kept(List *before, List *after)
{
	int			k = 0;
	ListCell   *lc;

	foreach(lc, before)
	{
		if (!pgm_list_has_string(after, lfirst(lc)))
			continue;
		if (k >= list_length(after) || strcmp(lfirst(lc), list_nth(after, k)) != 0)
			break;
		k++;
	}
	return k;
}

/*
 * The parents a table that both documents hold gains: INHERIT, or ATTACH
 * PARTITION (also again, to another bound).
 */
static List *
pgm_gained_parents(PgmDiff *diff, PgmItem *table)
{
	List	   *before = pgm_parents(diff, table->src, true);
	List	   *after = pgm_parents(diff, table->tgt, false);
	bool		partition = pgm_text(table->tgt, "partition_of") != NULL;
	bool		again = partition && (pgm_differs(table, "partition_bound") || pgm_text(table->src, "partition_of") == NULL);
	List	   *gained = NIL;
	ListCell   *lc;

	if (!partition && pgm_text(table->src, "partition_of") == NULL)
		return list_copy_tail(after, pgm_parents_kept(before, after));
	foreach(lc, after)
		if (!pgm_list_has_string(before, lfirst(lc)) || again)
			gained = lappend(gained, lfirst(lc));
	return gained;
}

/*
 * A column of a table that gains a parent giving it, NOT NULL in the
 * target and not in the source: INHERIT and ATTACH want it NOT NULL
 * before, so the table's ALTER says it, not the column's.
 */
static bool
pgm_not_null_first(PgmDiff *diff, PgmItem *column)
{
	PgmItem    *rel;

	if (!pgm_kind_is(column, "column") || column->src == NULL || column->tgt == NULL ||
		!pgm_differs(column, "not_null") || !pgm_attribute_bool(column->tgt, "not_null") ||
		!pgm_attribute_bool(column->tgt, "inherited") ||
		(rel = pgm_relation_item(diff, column, false)) == NULL || rel->src == NULL || !pgm_kind_is(rel, "table"))
		return false;
	return pgm_first_giver(diff, pgm_gained_parents(diff, rel), "column", pgm_text(column->tgt, "name")) != NULL;
}

/* A table's parents: those it leaves, then those it gains. */
static void
pgm_alter_parents(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	List	   *before = pgm_parents(diff, item->src, true);
	List	   *after = pgm_parents(diff, item->tgt, false);
	bool		partition = pgm_text(item->tgt, "partition_of") != NULL;
	bool		was_partition = pgm_text(item->src, "partition_of") != NULL;
	bool		rebound = pgm_differs(item, "partition_bound");
	List	   *gained = pgm_gained_parents(diff, item);
	int			kept;
	ListCell   *lc;

	foreach(lc, item->tgt_columns)
		if (pgm_not_null_first(diff, lfirst(lc)))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_not_null_statement(diff, lfirst(lc), name, false));
	kept = (partition || was_partition) ? list_length(before) : pgm_parents_kept(before, after);
	foreach(lc, before)
		if (!pgm_list_has_string(after, lfirst(lc)) || (was_partition && (rebound || !partition)) ||
			kept-- <= 0)
		pgm_emit(diff, i, PGM_NODE_ALTER,
				 psprintf(was_partition ? "ALTER TABLE %2$s DETACH PARTITION %1$s;" : "ALTER TABLE %s NO INHERIT %s;", name,
						  pgm_qualified(pgm_item_object(&diff->items[pgm_item_find(diff, lfirst(lc))]))));
	foreach(lc, gained != NIL ? item->tgt_columns : NIL)
	{
		PgmItem    *c = lfirst(lc);

		if (pgm_not_null_renamed(diff, c))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s RENAME CONSTRAINT %s TO %s;", name,
													   quote_identifier(pgm_not_null_name(diff, c, true)),
													   quote_identifier(pgm_not_null_name(diff, c, false))));
	}
	foreach(lc, gained)
	{
		char	   *parent = pgm_qualified(diff->items[pgm_item_find(diff, lfirst(lc))].tgt);

		pgm_add_inherited_parts(diff, i, name, lfirst(lc), gained);
		pgm_emit(diff, i, PGM_NODE_ALTER, partition ?
				 psprintf("ALTER TABLE %s ATTACH PARTITION %s %s;", parent, name,
						  pgm_attribute_text(item->tgt, "partition_bound")) :
				 psprintf("ALTER TABLE %s INHERIT %s;", name, parent));
	}
}

/* A table's own attributes: persistence, row security, replica identity, parents. */
static void
pgm_alter_table(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;

	if (pgm_differs(item, "unlogged"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s SET %s;", name,
												   pgm_attribute_bool(t, "unlogged") ? "UNLOGGED" : "LOGGED"));
	if (pgm_differs(item, "row_security"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s %s ROW LEVEL SECURITY;", name,
												   pgm_attribute_bool(t, "row_security") ? "ENABLE" : "DISABLE"));
	if (pgm_differs(item, "force_row_security"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s %sFORCE ROW LEVEL SECURITY;", name,
												   pgm_attribute_bool(t, "force_row_security") ? "" : "NO "));
	if (pgm_differs(item, "replica_identity"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_replica_identity(item, name));
	if (pgm_differs(item, "partition_of") || pgm_differs(item, "partition_bound") || pgm_differs(item, "inherits"))
		pgm_alter_parents(diff, i, name);
}

/* Storage options (reloptions) of a table, view or materialized view. */
static void
pgm_alter_options(PgmDiff *diff, int i, const char *kind, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	List	   *before = pgm_attribute_strings(s, "options");
	List	   *after = pgm_attribute_strings(t, "options");
	ListCell   *lc;
	StringInfoData reset;

	if (!pgm_differs(item, "options"))
		return;

	initStringInfo(&reset);
	foreach(lc, before)
	{
		char	   *eq = strchr(lfirst(lc), '=');
		char	   *opt = eq ? pnstrdup(lfirst(lc), eq - (char *) lfirst(lc)) : lfirst(lc);

		appendStringInfo(&reset, "%s%s", reset.len ? ", " : "", opt);
	}
	if (reset.len)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s RESET (%s);", kind, name, reset.data));
	if (after != NIL)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s SET%s;", kind, name, pgm_with_options(t) + 5));
}

static void
pgm_alter_sequence(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	static const char *const options[][2] = {
		{"type", "AS"}, {"increment", "INCREMENT BY"}, {"min", "MINVALUE"}, {"max", "MAXVALUE"},
		{"start", "START WITH"}, {"cache", "CACHE"}
	};
	StringInfoData buf;
	size_t		k;

	initStringInfo(&buf);
	for (k = 0; k < lengthof(options); k++)
		if (pgm_differs(item, options[k][0]))
			appendStringInfo(&buf, " %s %s", options[k][1], pgm_attribute_text(t, options[k][0]));
	if (pgm_differs(item, "cycle"))
		appendStringInfo(&buf, " %sCYCLE", pgm_attribute_bool(t, "cycle") ? "" : "NO ");
	if (buf.len)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER SEQUENCE %s%s;", name, buf.data));
	if (pgm_differs(item, "owned_by"))
	{
		char	   *owned = pgm_attribute_text(t, "owned_by");

		if (owned)
			pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("ALTER SEQUENCE %s OWNED BY %s;", name,
														  pgm_sql_name(diff, &diff->items[pgm_item_find(diff, owned)], false)));
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER SEQUENCE %s OWNED BY NONE;", name));
	}
}

/*
 * Where an enum's new values stand in the target's values (plan.c has
 * checked that the source's are there, in the same order): the place of
 * each, or NIL for an item that is no enum gaining values.
 */
static List *
pgm_enum_added(PgmItem *item)
{
	List	   *before;
	List	   *after;
	List	   *added = NIL;
	ListCell   *old;
	ListCell   *lc;

	if (!pgm_kind_is(item, "type") || item->change != PGM_ALTER ||
		!pgm_same_text(pgm_text(item->tgt, "type"), "enum") || !pgm_differs(item, "labels"))
		return NIL;
	before = pgm_attribute_strings(item->src, "labels");
	after = pgm_attribute_strings(item->tgt, "labels");
	old = list_head(before);
	foreach(lc, after)
	{
		if (old != NULL && strcmp(lfirst(lc), lfirst(old)) == 0)
			old = lnext(before, old);
		else
			added = lappend_int(added, foreach_current_index(lc));
	}
	return added;
}

/*
 * An enum's new values, in the target's order: each AFTER the value before
 * it, which is there by then (an old one, or the one added just before);
 * the first BEFORE the first old value; in an enum that had none, the
 * first alone.
 */
static void
pgm_add_enum_values(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	List	   *before = pgm_attribute_strings(item->src, "labels");
	List	   *after = pgm_attribute_strings(item->tgt, "labels");
	ListCell   *lc;

	foreach(lc, pgm_enum_added(item))
	{
		int			k = lfirst_int(lc);
		char	   *label = pgm_literal(list_nth(after, k));

		if (k > 0)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s AFTER %s;", name, label,
													   pgm_literal(list_nth(after, k - 1))));
		else if (before != NIL)
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s BEFORE %s;", name, label,
													   pgm_literal(linitial(before))));
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s;", name, label));
	}
}

/* A domain's NOT NULL name, <domain>_not_null where the document says none. */
static char *
pgm_domain_not_null_name(JsonbContainer *domain)
{
	char	   *name = pgm_text(domain, "not_null_name");

	return name ? name : psprintf("%s_not_null", pgm_text(domain, "name"));
}

/*
 * A domain's NOT NULL: set (ADD CONSTRAINT when the target names it
 * otherwise than PostgreSQL would), dropped, or its constraint renamed
 * (since 17 a constraint of its own).
 */
static void
pgm_alter_domain_not_null(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;

	if (pgm_differs(item, "not_null"))
		pgm_emit(diff, i, PGM_NODE_ALTER,
				 !pgm_attribute_bool(t, "not_null") ? psprintf("ALTER DOMAIN %s DROP NOT NULL;", name) :
				 pgm_text(t, "not_null_name") == NULL ? psprintf("ALTER DOMAIN %s SET NOT NULL;", name) :
				 psprintf("ALTER DOMAIN %s ADD CONSTRAINT %s NOT NULL;", name,
						  quote_identifier(pgm_text(t, "not_null_name"))));
	else if (pgm_attribute_bool(t, "not_null") &&
			 strcmp(pgm_domain_not_null_name(item->src), pgm_domain_not_null_name(t)) != 0)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER DOMAIN %s RENAME CONSTRAINT %s TO %s;", name,
												   quote_identifier(pgm_domain_not_null_name(item->src)),
												   quote_identifier(pgm_domain_not_null_name(t))));
}

/* An enum's new values; a domain's default and NOT NULL. */
static void
pgm_alter_type(PgmDiff *diff, int i, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	char	   *type = pgm_attribute_text(t, "type");

	if (strcmp(type, "enum") == 0)
		pgm_add_enum_values(diff, i, name);
	if (strcmp(type, "domain") == 0)
	{
		if (pgm_differs(item, "default"))
		{
			char	   *def = pgm_attribute_text(t, "default");

			pgm_emit(diff, i, PGM_NODE_ALTER, def ? psprintf("ALTER DOMAIN %s SET DEFAULT %s;", name, def) :
					 psprintf("ALTER DOMAIN %s DROP DEFAULT;", name));
		}
		pgm_alter_domain_not_null(diff, i, name);
	}
}

/* What every kind with a name of its own has: owner and grants. */
static void
pgm_alter_owner_grants(PgmDiff *diff, int i, const char *kind, const char *name)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;

	/*
	 * A sequence owned by a column has its table's owner: the table's OWNER
	 * TO changes it, and PostgreSQL refuses one of its own.
	 */
	if (pgm_differs(item, "owner") && pgm_text(t, "owner") != NULL &&
		!(pgm_kind_is(item, "sequence") && pgm_text(s, "owned_by") != NULL && pgm_text(t, "owned_by") != NULL))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s OWNER TO %s;", kind, name,
												   quote_identifier(pgm_attribute_text(t, "owner"))));
	pgm_emit_grants(diff, i, PGM_NODE_ALTER, pgm_owner_handed(item, pgm_attribute_strings(s, "grants")),
					pgm_attribute_strings(t, "grants"), pgm_grant_target(diff, item), NULL);
}

/*
 * A constraint that only validates, or a foreign key whose enforcement
 * changes.  A partition's foreign key that its parent's gives follows the
 * parent's ALTER CONSTRAINT, which recurses (PostgreSQL refuses one of the
 * partition's own).
 */
static void
pgm_alter_constraint(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	PgmEnforcementChange change = pgm_enforcement_change(item);
	char	   *parent = pgm_text(item->tgt, "parent");
	int			p;

	if (change != PGM_ENFORCEMENT_VALIDATE && parent != NULL &&
		pgm_same_text(pgm_renamed_key(diff, pgm_text(item->src, "parent")), parent) &&
		(p = pgm_item_find(diff, parent)) >= 0 && diff->items[p].change == PGM_ALTER &&
		pgm_enforcement_change(&diff->items[p]) == change)
		return;
	pgm_emit(diff, i, PGM_NODE_ALTER,
			 psprintf("ALTER %s %s %s CONSTRAINT %s%s;",
					  pgm_kind_is(pgm_relation_item(diff, item, false), "type") ? "DOMAIN" : "TABLE",
					  pgm_relation_name(diff, item, false),
					  change == PGM_ENFORCEMENT_VALIDATE ? "VALIDATE" : "ALTER",
					  quote_identifier(pgm_text(item->tgt, "name")),
					  change == PGM_ENFORCEMENT_ENFORCED ? " ENFORCED" :
					  change == PGM_ENFORCEMENT_NOT_ENFORCED ? " NOT ENFORCED" : ""));
}

/* ALTERs for what changed in an item both documents have. */
static void
pgm_emit_alter(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	JsonbContainer *t = item->tgt;
	const char *kind = pgm_sql_kind(item);
	char	   *name = kind ? pgm_sql_name(diff, item, false) : NULL;

	if (pgm_kind_is(item, "column"))
	{
		pgm_alter_column(diff, i);
		return;
	}
	if (pgm_kind_is(item, "table"))
		pgm_alter_table(diff, i, name);
	if (pgm_kind_is(item, "table") || pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view"))
		pgm_alter_options(diff, i, kind, name);
	if (pgm_kind_is(item, "materialized view") && pgm_differs(item, "populated"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("REFRESH MATERIALIZED VIEW %s WITH %sDATA;", name,
												   pgm_attribute_bool(t, "populated") ? "" : "NO "));
	if (pgm_kind_is(item, "view") && pgm_differs(item, "query"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("CREATE OR REPLACE VIEW %s%s AS\n%s;", name, pgm_with_options(t), pgm_query(t)));
	if (pgm_kind_is(item, "sequence"))
		pgm_alter_sequence(diff, i, name);
	if (pgm_kind_is(item, "constraint") && pgm_differs(item, "definition"))
		pgm_alter_constraint(diff, i);
	if ((pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure")) && pgm_differs(item, "definition"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
	if (pgm_kind_is(item, "type"))
		pgm_alter_type(diff, i, name);
	if (pgm_kind_is(item, "trigger") && pgm_differs(item, "enabled"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_trigger_enable(diff, item));
	if (pgm_kind_is(item, "rule") && pgm_differs(item, "enabled"))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_rule_enable(diff, item));
	if (pgm_kind_is(item, "policy") &&
		(pgm_differs(item, "roles") || pgm_differs(item, "using") || pgm_differs(item, "with_check")))
	{
		if ((pgm_text(s, "using") && !pgm_text(t, "using")) || (pgm_text(s, "with_check") && !pgm_text(t, "with_check")))
			pgm_mark_rebuild(diff, i, -1);
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, pgm_policy_statement(diff, item, false));
	}
	if (pgm_kind_is(item, "extension"))
	{
		if (pgm_differs(item, "version"))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER EXTENSION %s UPDATE TO %s;", name,
													   pgm_literal(pgm_attribute_text(t, "version"))));
		if (pgm_differs(item, "schema"))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER EXTENSION %s SET SCHEMA %s;", name,
													   quote_identifier(pgm_attribute_text(t, "schema"))));
	}
	if (kind != NULL)
		pgm_alter_owner_grants(diff, i, kind, name);
	if (pgm_differs(item, "comment") && (kind != NULL || pgm_kind_is(item, "constraint") ||
										 pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") ||
										 pgm_kind_is(item, "rule")))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/*
 * The column that owns a sequence in the source, when it goes (dropped, or
 * with its table): DROP would take the sequence with it.  NULL otherwise.
 */
PgmItem *
pgm_departing_owner(PgmDiff *diff, PgmItem *sequence)
{
	char	   *owner = pgm_text(sequence->src, "owned_by");
	int			col = owner ? pgm_item_find(diff, pgm_renamed_key(diff, owner)) : -1;
	PgmItem    *c = col >= 0 ? &diff->items[col] : NULL;

	if (c && (c->change == PGM_DROP || c->change == PGM_REBUILD || c->implied_drop))
		return c;
	return NULL;
}

/*
 * A sequence that stays while the column that owns it goes is let go of
 * first, and owned again, where the target says, once its column is there.
 */
static void
pgm_emit_keep_sequence(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	char	   *owned;
	char	   *name;

	if (!pgm_kind_is(item, "sequence") || item->src == NULL || item->tgt == NULL ||
		item->change == PGM_REBUILD || pgm_departing_owner(diff, item) == NULL)
		return;
	owned = pgm_text(item->tgt, "owned_by");
	name = pgm_qualified(item->tgt);
	if (!pgm_differs(item, "owned_by") || owned != NULL)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER SEQUENCE %s OWNED BY NONE;", name));
	if (owned != NULL && !pgm_differs(item, "owned_by"))
		pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("ALTER SEQUENCE %s OWNED BY %s;", name,
													  pgm_sql_name(diff, &diff->items[pgm_item_find(diff, owned)], false)));
}

/*
 * A column that comes with another object (a parent's new column, a view's
 * new one) but has grants or a comment of its own: said in its own ALTER,
 * after its relation's and (order.c) after the parent's ADD COLUMN.  A
 * relation created here has them in its CREATE.
 */
static void
pgm_emit_carried_column(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	PgmItem    *rel = pgm_relation_item(diff, item, false);

	if (rel->change == PGM_CREATE || rel->change == PGM_REBUILD)
		return;
	pgm_alter_column_grants(diff, i);
	if (pgm_text(item->tgt, "comment") != NULL)
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/*
 * A partition's index that comes with its parent's (CREATE INDEX on the
 * parent, PARTITION OF, ATTACH PARTITION) takes the name PostgreSQL
 * chooses, or keeps the one it had: renamed, when it runs, to the
 * target's (and a primary key or unique constraint with it).
 */
static char *
pgm_partition_index_rename(PgmDiff *diff, PgmItem *item)
{
	int			parent = pgm_item_find(diff, pgm_text(item->tgt, "partition_of"));

	if (parent < 0 || diff->items[parent].tgt == NULL)
		return NULL;
	return psprintf("DO $pgm_rename$\n"
					"DECLARE\n"
					"    i regclass;\n"
					"BEGIN\n"
					"    SELECT x.indexrelid INTO i FROM pg_index x\n"
					"      JOIN pg_inherits h ON h.inhrelid = x.indexrelid\n"
					"     WHERE x.indrelid = %s::regclass AND h.inhparent = %s::regclass;\n"
					"    IF i IS NOT NULL AND (SELECT relname FROM pg_class WHERE oid = i) <> %s THEN\n"
					"        EXECUTE format('ALTER INDEX %%s RENAME TO %%I', i, %s);\n"
					"    END IF;\n"
					"END\n"
					"$pgm_rename$;",
					pgm_literal(pgm_relation_name(diff, item, false)),
					pgm_literal(pgm_qualified(diff->items[parent].tgt)),
					pgm_literal(pgm_text(item->tgt, "name")), pgm_literal(pgm_text(item->tgt, "name")));
}

/*
 * What comes with another object but is not as it would come: a
 * partition's trigger or rule enabled otherwise than its parent's, a
 * comment on a constraint's index.  Said in the node that creates the
 * carrier, after it, or in an ALTER of the item's own.  A column's grants
 * and comment: pgm_emit_carried_column().
 */
void
pgm_emit_carried_extras(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		int			node;
		char	   *statement = NULL;

		if (!item->implied_create || item->carrier < 0)
			continue;
		if (pgm_kind_is(item, "column"))
		{
			pgm_emit_carried_column(diff, i);
			continue;
		}
		if (pgm_kind_is(item, "index") && pgm_text(item->tgt, "partition_of") != NULL &&
			(statement = pgm_partition_index_rename(diff, item)) != NULL)
		{
			pgm_emit(diff, i, PGM_NODE_ALTER, statement);
			/* the one it had, if kept (detached and attached again), may have a comment */
			if (pgm_text(item->tgt, "comment") != NULL ||
				(item->src != NULL && pgm_text(item->src, "comment") != NULL))
				pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
			continue;
		}
		if ((pgm_kind_is(item, "trigger") || pgm_kind_is(item, "rule")) &&
			strcmp(pgm_text(item->tgt, "enabled"), "origin") != 0)
			statement = pgm_kind_is(item, "trigger") ? pgm_trigger_enable(diff, item) : pgm_rule_enable(diff, item);
		else if ((pgm_kind_is(item, "index") ||
				  (pgm_kind_is(item, "constraint") && pgm_kind_is(&diff->items[item->carrier], "type"))) &&
				 pgm_text(item->tgt, "comment") != NULL)
			statement = pgm_comment_statement(diff, item);
		if (statement == NULL)
			continue;
		node = diff->items[item->carrier].node[PGM_NODE_CREATE];
		if (node >= 0)
			diff->nodes[node].statements = lappend(diff->nodes[node].statements, statement);
		else
			pgm_emit(diff, i, PGM_NODE_ALTER, statement);
	}
}

/*
 * The first of an enum's new values (places in `labels`) that a string
 * constant of the statement holds: the value itself, or an array, row or
 * range literal with it inside ('{...}', '(...)', '[...]'); a U& string
 * counts if it holds the value undecoded.  NULL when none does.
 */
static char *
pgm_value_in_statement(const char *statement, List *labels, List *added)
{
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	const PgmTokens *tokens = pgm_tokens();
	core_yyscan_t scanner = scanner_init(statement, &extra, &ScanKeywords, ScanKeywordTokens);
	char	   *found = NULL;
	int			token;

	while (found == NULL && (token = core_yylex(&yylval, &yylloc, scanner)) != 0)
	{
		ListCell   *lc;
		bool		inside;

		if (token != tokens->sconst && token != tokens->usconst)
			continue;
		inside = token == tokens->usconst || (yylval.str[0] != '\0' && strchr("{([", yylval.str[0]) != NULL);
		foreach(lc, added)
		{
			char	   *label = list_nth(labels, lfirst_int(lc));

			if (strcmp(yylval.str, label) == 0 || (inside && strstr(yylval.str, label) != NULL))
				found = label;
		}
	}
	scanner_finish(scanner);
	return found;
}

/* Does what the node makes (a relation with its columns and constraints) depend on the type? */
static bool
pgm_node_uses_type(PgmDiff *diff, PgmDiffNode *node, int type)
{
	PgmItem    *item = &diff->items[node->item];
	ListCell   *lc;

	if (pgm_uses_type(diff, node->item, type, false))
		return true;
	foreach(lc, list_concat_copy(item->tgt_columns, item->tgt_constraints))
		if (pgm_uses_type(diff, (PgmItem *) lfirst(lc) - diff->items, type, false))
		return true;
	return false;
}

/* `how`: a sentence on what uses the value */
static void
pgm_refuse_enum_use(PgmItem *type, const char *label, const char *how)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("the diff engine cannot add value %s to %s and use it in the same script",
					pgm_literal(label), type->key),
			 errdetail("%s PostgreSQL refuses a new enum value in the transaction that adds it, and the script runs in one.",
					   how),
			 errhint("Add the new values of %s in a revision of their own first, then diff again.", type->key)));
}

/*
 * A value an enum gains cannot be used in the transaction that adds it
 * ("unsafe use of new value"), and the script is one transaction.  Refused
 * where the script would use one: a string constant that holds it, in a
 * statement (but a comment) about an object that depends on the enum, by
 * itself or through a type that holds it (a default, a check, a view, an
 * index predicate, a partition bound, a domain's default, a function's
 * SQL-standard body); and a table column converted to the enum, whose
 * rows may hold it.
 */
void
pgm_check_enum_values_unused(PgmDiff *diff)
{
	int			e;

	for (e = 0; e < diff->nitems; e++)
	{
		PgmItem    *type = &diff->items[e];
		List	   *added = pgm_enum_added(type);
		List	   *labels;
		int			n;

		if (added == NIL)
			continue;
		labels = pgm_attribute_strings(type->tgt, "labels");
		for (n = 0; n < diff->nnodes; n++)
		{
			PgmDiffNode *node = &diff->nodes[n];
			ListCell   *lc;

			if (node->kind == PGM_NODE_DROP || node->item == e)
				continue;
			foreach(lc, node->statements)
			{
				char	   *label;

				if (strncmp(lfirst(lc), "COMMENT ON ", 11) == 0 ||
					(label = pgm_value_in_statement(lfirst(lc), labels, added)) == NULL)
					continue;
				if (pgm_node_uses_type(diff, node, e))
					pgm_refuse_enum_use(type, label, psprintf("It is used by %s.", diff->items[node->item].key));
			}
		}
		for (n = 0; n < diff->nitems; n++)
		{
			PgmItem    *c = &diff->items[n];
			PgmItem    *rel = c->type_changed ? pgm_relation_item(diff, c, false) : NULL;

			if (rel != NULL && pgm_kind_is(rel, "table") && pgm_uses_type(diff, n, e, false))
				pgm_refuse_enum_use(type, list_nth(labels, linitial_int(added)),
									psprintf("The rows of %s, converted to it, may hold it.", c->key));
		}
	}
}

void
pgm_emit_all(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		CHECK_FOR_INTERRUPTS();
		pgm_emit_keep_sequence(diff, i);

		switch (item->change)
		{
			case PGM_SAME:
				/* its relation's OWNER TO or REVOKE may change its grants */
				if (pgm_kind_is(item, "column") && pgm_relation_item(diff, item, false)->change == PGM_ALTER)
					pgm_alter_column_grants(diff, i);
				break;
			case PGM_DROP:
				if (!item->implied_drop)
					pgm_emit_drop(diff, i);
				break;
			case PGM_CREATE:
				if (!item->implied_create)
					pgm_emit_create(diff, i);
				break;
			case PGM_REBUILD:
				if (!item->implied_drop)
					pgm_emit_drop(diff, i);
				if (!item->implied_create)
					pgm_emit_create(diff, i);
				break;
			case PGM_ALTER:
				pgm_emit_alter(diff, i);
				break;
			case PGM_REDEFAULT:
				{
					PgmItem    *rel = pgm_relation_item(diff, item, false);
					char	   *def = pgm_text(item->tgt, "default");

					pgm_emit(diff, i, PGM_NODE_DROP, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;",
															  pgm_relation_name(diff, item, true),
															  quote_identifier(pgm_text(item->src, "name"))));
					if (def)
						pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;",
																	pgm_qualified(rel->tgt),
																	quote_identifier(pgm_text(item->tgt, "name")), def));
					pgm_emit_alter(diff, i);
				}
				break;
		}
	}
}
