/*
 * model.c — the diff engine's items: every key of either document, found by
 * key through a hash table, with its objects in both documents, its
 * dependencies, a relation's columns by position, and the names SQL gives
 * it.
 *
 * Calls snapshot.c, rows.c and validate.c.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "pgmigrate.h"
#include "schema/model.h"

static int
pgm_item_compare(const void *a, const void *b)
{
	return strcmp(((const PgmItem *) a)->key, ((const PgmItem *) b)->key);
}

/* Index the items by key, for pgm_item_find(): a hash table, as a
 * document's 80,000 keys are too many to search by halves each time. */
static void
pgm_index_items(PgmDiff *diff)
{
	uint32		size = 16;
	int			i;

	while (size < (uint32) diff->nitems * 2)
		size *= 2;
	diff->mask = size - 1;
	diff->slots = palloc0(sizeof(int) * size);
	diff->listed = palloc0(sizeof(uint32) * Max(diff->nitems, 1));
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		uint32		h;

		item->keylen = strlen(item->key);
		for (h = hash_bytes((const unsigned char *) item->key, item->keylen) & diff->mask;
			 diff->slots[h] != 0; h = (h + 1) & diff->mask)
			;
		diff->slots[h] = i + 1;
	}
}

/* The item of a key given as bytes, or -1. */
static int
pgm_item_find_bytes(PgmDiff *diff, const char *key, int len)
{
	uint32		h;

	for (h = hash_bytes((const unsigned char *) key, len) & diff->mask;
		 diff->slots[h] != 0; h = (h + 1) & diff->mask)
	{
		PgmItem    *item = &diff->items[diff->slots[h] - 1];

		if (item->keylen == len && memcmp(item->key, key, len) == 0)
			return diff->slots[h] - 1;
	}
	return -1;
}

int
pgm_item_find(PgmDiff *diff, const char *key)
{
	return key == NULL ? -1 : pgm_item_find_bytes(diff, key, strlen(key));
}

/* The item a string value names (as the target names it), or -1. */
static int
pgm_item_named(PgmDiff *diff, const JsonbValue *v, bool source)
{
	if (v == NULL || v->type != jbvString)
		return -1;
	if (source && diff->renames != NIL)
		return pgm_item_find(diff, pgm_renamed_key(diff, pnstrdup(v->val.string.val, v->val.string.len)));
	return pgm_item_find_bytes(diff, v->val.string.val, v->val.string.len);
}

/* A source key as the target names it, after the renames asked for. */
char *
pgm_renamed_key(PgmDiff *diff, const char *key)
{
	ListCell   *lc;
	char	   *cur = (char *) key;

	if (key == NULL)
		return NULL;
	/* table renames come first in the list, column renames name the new table */
	foreach(lc, diff->renames)
	{
		PgmRename  *r = lfirst(lc);

		if (strcmp(cur, r->from_key) == 0)
			cur = r->to_key;
		else if (r->table)
		{
			/* sub-objects: "column s.t.c", "constraint s.t.c", ... */
			const char *from_name = r->from_key + strlen("table ");
			const char *to_name = r->to_key + strlen("table ");
			const char *space = strchr(cur, ' ');
			size_t		len = strlen(from_name);

			if (space && strncmp(space + 1, from_name, len) == 0 && space[1 + len] == '.' &&
				(strncmp(cur, "column ", 7) == 0 || strncmp(cur, "constraint ", 11) == 0 ||
				 strncmp(cur, "trigger ", 8) == 0 || strncmp(cur, "policy ", 7) == 0))
				cur = psprintf("%.*s%s%s", (int) (space + 1 - cur), cur, to_name, space + 1 + len);
		}
	}
	return cur;
}

/* The attribute of the item's target object, else of its source object. */
JsonbContainer *
pgm_item_object(PgmItem *item)
{
	return item->tgt ? item->tgt : item->src;
}

char *
pgm_text(JsonbContainer *obj, const char *name)
{
	return obj ? pgm_attribute_text(obj, name) : NULL;
}

bool
pgm_same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Does an attribute differ between the item's source and target? */
bool
pgm_differs(PgmItem *item, const char *name)
{
	return !pgm_same_text(pgm_text(item->src, name), pgm_text(item->tgt, name));
}

/*
 * The attributes that are not the object's own: its name and place (the
 * key says them), where a column stands, how it was inherited, and the
 * dependencies.
 */
static bool
pgm_identity_attribute(const char *name)
{
	static const char *const identity[] = {
		"depends", "relation", "name", "schema", "position", "local", "inherited", "kind",
		"identity_arguments"
	};
	size_t		i;

	for (i = 0; i < lengthof(identity); i++)
		if (strcmp(name, identity[i]) == 0)
			return true;
	return false;
}

/* Does anything the item owns differ? */
bool
pgm_item_differs(PgmItem *item)
{
	int			pass;

	for (pass = 0; pass < 2; pass++)
	{
		JsonbContainer *obj = pass == 0 ? item->src : item->tgt;
		JsonbIterator *it = JsonbIteratorInit(obj);
		JsonbValue	v;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			char	   *name;

			if (tok != WJB_KEY)
				continue;
			name = pnstrdup(v.val.string.val, v.val.string.len);
			if (!pgm_identity_attribute(name) && pgm_differs(item, name))
				return true;
		}
	}
	return false;
}

static List *
pgm_dep_items(PgmDiff *diff, JsonbContainer *obj, bool source)
{
	List	   *out = NIL;
	int			r = pgm_item_named(diff, pgm_attribute(obj, "relation"), source);
	JsonbValue *depends = pgm_attribute(obj, "depends");

	/* each item once, without searching the list: linear in the array */
	diff->stamp++;
	if (r >= 0)
	{
		out = lappend_int(out, r);
		diff->listed[r] = diff->stamp;
	}
	if (depends != NULL && depends->type == jbvBinary && JsonContainerIsArray(depends->val.binary.data))
	{
		JsonbContainer *array = depends->val.binary.data;
		int			count = JsonContainerSize(array);
		const char *base = (const char *) &array->children[count];
		int			i;

		/* the strings where they are, without an iterator's copies */
		for (i = 0; i < count; i++)
		{
			JsonbValue	e;

			if (!JBE_ISSTRING(array->children[i]))
				continue;
			e.type = jbvString;
			e.val.string.val = (char *) base + getJsonbOffset(array, i);
			e.val.string.len = getJsonbLength(array, i);
			if ((r = pgm_item_named(diff, &e, source)) >= 0 && diff->listed[r] != diff->stamp)
			{
				out = lappend_int(out, r);
				diff->listed[r] = diff->stamp;
			}
		}
	}
	return out;
}

/* A column's position in one document. */
static int
pgm_position(PgmItem *column, bool source)
{
	JsonbValue *v = pgm_attribute(source ? column->src : column->tgt, "position");

	if (v == NULL || v->type != jbvNumeric)
		return 0;
	return DatumGetInt32(DirectFunctionCall1(numeric_int4, NumericGetDatum(v->val.numeric)));
}

/* A column of one document, where it stands. */
typedef struct PgmPlacedColumn
{
	int			relation;		/* its relation's item */
	int			position;
	int			column;			/* its own item */
} PgmPlacedColumn;

static int
pgm_compare_placed(const void *a, const void *b)
{
	const PgmPlacedColumn *x = a;
	const PgmPlacedColumn *y = b;

	if (x->relation != y->relation)
		return x->relation < y->relation ? -1 : 1;
	if (x->position != y->position)
		return x->position < y->position ? -1 : 1;
	return (x->column > y->column) - (x->column < y->column);
}

/* Each relation's columns in one document, in position order (columns of
 * one position in key order). */
static void
pgm_collect_columns(PgmDiff *diff, bool source)
{
	PgmPlacedColumn *placed = palloc(sizeof(PgmPlacedColumn) * Max(diff->nitems, 1));
	int			n = 0;
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *c = &diff->items[i];
		PgmItem    *rel;

		if ((source ? c->src : c->tgt) == NULL || !pgm_kind_is(c, "column") ||
			(rel = pgm_relation_item(diff, c, source)) == NULL)
			continue;
		placed[n].relation = rel - diff->items;
		placed[n].position = pgm_position(c, source);
		placed[n++].column = i;
	}
	qsort(placed, n, sizeof(PgmPlacedColumn), pgm_compare_placed);
	for (i = 0; i < n; i++)
	{
		PgmItem    *rel = &diff->items[placed[i].relation];
		List	  **list = source ? &rel->src_columns : &rel->tgt_columns;

		*list = lappend(*list, &diff->items[placed[i].column]);
	}
	pfree(placed);
}

/*
 * A table Citus colocates with another (distribution.c) is distributed
 * after the first table of its group: in the target, it depends on it.
 */
static void
pgm_colocation_dep(PgmDiff *diff, PgmItem *item)
{
	const char *group = item->tgt ? pgm_text(item->tgt, "colocated_with") : NULL;
	int			leader;

	if (group == NULL || strcmp(group, item->key) == 0 || !pgm_kind_is(item, "table"))
		return;
	leader = pgm_item_find(diff, group);
	if (leader >= 0 && diff->items[leader].tgt != NULL && !list_member_int(item->tgt_deps, leader))
	{
		/* (not the source's list, which identical items share) */
		item->tgt_deps = list_copy(item->tgt_deps);
		item->tgt_deps = lappend_int(item->tgt_deps, leader);
	}
}

/* The items of both documents, sorted by key; source keys renamed. */
void
pgm_diff_load(PgmDiff *diff, PgmSnapshot *src, PgmSnapshot *tgt)
{
	PgmItem    *source = palloc0(sizeof(PgmItem) * (src->count + 1));
	PgmItem    *items = palloc0(sizeof(PgmItem) * (src->count + tgt->count + 1));
	int			n = 0;
	int			i;
	int			j;

	/* the documents come sorted by key; renamed source keys are sorted again */
	for (i = 0; i < src->count; i++)
	{
		source[i].key = pgm_renamed_key(diff, src->objects[i].key);
		source[i].src = src->objects[i].attributes;
		source[i].src_size = src->objects[i].size;
		source[i].kind = src->objects[i].kind;	/* checked */
	}
	if (diff->renames != NIL)
		qsort(source, src->count, sizeof(PgmItem), pgm_item_compare);

	/* one merge pass over both */
	for (i = 0, j = 0; i < src->count || j < tgt->count;)
	{
		int			cmp = i >= src->count ? 1 : j >= tgt->count ? -1 :
			strcmp(source[i].key, tgt->objects[j].key);

		if (cmp <= 0)
			items[n] = source[i++];
		else
			items[n].key = tgt->objects[j].key;
		if (cmp >= 0)
		{
			items[n].tgt = tgt->objects[j].attributes;
			items[n].identical = pgm_same_bytes(items[n].src, items[n].src_size,
												items[n].tgt, tgt->objects[j].size);
			items[n].kind = tgt->objects[j++].kind;
		}
		n++;
	}
	diff->items = items;
	diff->nitems = n;
	pgm_index_items(diff);

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		item->carrier = -1;
		memset(item->node, -1, sizeof(item->node));
	}
	pgm_collect_columns(diff, true);
	pgm_collect_columns(diff, false);
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *c = &diff->items[i];
		PgmItem    *rel;

		if (c->tgt && pgm_kind_is(c, "constraint") && (rel = pgm_relation_item(diff, c, false)) != NULL)
			rel->tgt_constraints = lappend(rel->tgt_constraints, c);
	}
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (item->src)
			item->src_deps = pgm_dep_items(diff, item->src, true);
		/* the same bytes name the same items, unless renames change the source's names */
		if (item->identical && diff->renames == NIL)
			item->tgt_deps = list_copy(item->src_deps);
		else if (item->tgt)
			item->tgt_deps = pgm_dep_items(diff, item->tgt, false);
		pgm_colocation_dep(diff, item);
		foreach(lc, item->src_deps)
		{
			PgmItem    *dep = &diff->items[lfirst_int(lc)];

			if (dep != item)
				dep->src_dependents = lappend_int(dep->src_dependents, i);
		}
	}
}

bool
pgm_kind_is(PgmItem *item, const char *kind)
{
	return strcmp(item->kind, kind) == 0;
}

/* "app.users" for an object with schema and name. */
char *
pgm_qualified(JsonbContainer *obj)
{
	return psprintf("%s.%s", quote_identifier(pgm_attribute_text(obj, "schema")),
					quote_identifier(pgm_attribute_text(obj, "name")));
}

/* The relation a column, constraint, trigger or policy belongs to. */
PgmItem *
pgm_relation_item(PgmDiff *diff, PgmItem *item, bool source)
{
	JsonbContainer *obj = source && item->src ? item->src : pgm_item_object(item);
	int			r = pgm_item_named(diff, pgm_attribute(obj, "relation"), source && item->src);

	return r >= 0 ? &diff->items[r] : NULL;
}

/*
 * The relation's name for SQL.  Renames run first, so even a statement
 * about the source's objects names a renamed relation by its new name.
 */
char *
pgm_relation_name(PgmDiff *diff, PgmItem *item, bool source)
{
	PgmItem    *rel = pgm_relation_item(diff, item, source);

	if (rel == NULL)
		elog(ERROR, "object \"%s\" names no relation of the documents", item->key);
	return pgm_qualified(pgm_item_object(rel));
}

/* "TABLE", "VIEW", ... as ALTER, DROP and COMMENT spell the item's kind. */
const char *
pgm_sql_kind(PgmItem *item)
{
	JsonbContainer *obj = pgm_item_object(item);

	if (pgm_kind_is(item, "type"))
	{
		char	   *type = pgm_attribute_text(obj, "type");

		return strcmp(type, "domain") == 0 ? "DOMAIN" : "TYPE";
	}
	if (pgm_kind_is(item, "materialized view"))
		return "MATERIALIZED VIEW";
	if (pgm_kind_is(item, "foreign table"))
		return "FOREIGN TABLE";
	if (pgm_kind_is(item, "table"))
		return "TABLE";
	if (pgm_kind_is(item, "view"))
		return "VIEW";
	if (pgm_kind_is(item, "sequence"))
		return "SEQUENCE";
	if (pgm_kind_is(item, "function"))
		return "FUNCTION";
	if (pgm_kind_is(item, "procedure"))
		return "PROCEDURE";
	if (pgm_kind_is(item, "aggregate"))
		return "AGGREGATE";
	if (pgm_kind_is(item, "schema"))
		return "SCHEMA";
	if (pgm_kind_is(item, "extension"))
		return "EXTENSION";
	if (pgm_kind_is(item, "index"))
		return "INDEX";
	if (pgm_kind_is(item, "operator"))
		return "OPERATOR";
	if (pgm_kind_is(item, "cast"))
		return "CAST";
	if (pgm_kind_is(item, "transform"))
		return "TRANSFORM";
	return NULL;
}

/* The item's name as ALTER/COMMENT/GRANT want it (functions with arguments). */
char *
pgm_sql_name(PgmDiff *diff, PgmItem *item, bool source)
{
	JsonbContainer *obj = pgm_item_object(item);

	if (pgm_kind_is(item, "schema") || pgm_kind_is(item, "extension"))
		return pstrdup(quote_identifier(pgm_attribute_text(obj, "name")));
	if (pgm_kind_is(item, "operator") || pgm_kind_is(item, "cast") || pgm_kind_is(item, "transform"))
		return pgm_attribute_text(obj, "signature");	/* schema.op(left, right); (source AS target);
														 * FOR type LANGUAGE lang */
	if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure") || pgm_kind_is(item, "aggregate"))
	{
		char	   *args = pgm_attribute_text(obj, "identity_arguments");

		/* an aggregate of no argument is written agg(*) */
		if (pgm_kind_is(item, "aggregate") && (args == NULL || *args == '\0'))
			args = "*";
		return psprintf("%s(%s)", pgm_qualified(obj), args ? args : "");
	}
	if (pgm_kind_is(item, "column"))
		return psprintf("%s.%s", pgm_relation_name(diff, item, source),
						quote_identifier(pgm_attribute_text(obj, "name")));
	return pgm_qualified(obj);
}

char *
pgm_literal(const char *s)
{
	return quote_literal_cstr(s);
}

void
pgm_refuse(PgmItem *item, const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("the diff engine cannot %s %s", what, item->key),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("Write this change by hand in a revision of its own, then diff again.")));
}

bool
pgm_is_base_type(PgmItem *item, bool source)
{
	JsonbContainer *obj = source ? item->src : item->tgt;

	return obj && pgm_kind_is(item, "type") && pgm_same_text(pgm_attribute_text(obj, "type"), "base");
}

/*
 * Does the item depend on the type `type` (an item) in one document, by
 * itself or through types that hold it: a domain over it, a composite type
 * with an attribute of it, a range of it (an array has its element's key)?
 * A walk through types (and a composite type's attributes) only; an item
 * that names no type of the documents looks no further than its own
 * dependencies.
 */
bool
pgm_uses_type(PgmDiff *diff, int from, int type, bool source)
{
	List	   *stack = list_make1_int(from);
	bool	   *seen = NULL;
	bool		found = false;

	while (stack != NIL && !found)
	{
		PgmItem    *item = &diff->items[llast_int(stack)];
		List	   *next = NIL;
		ListCell   *lc;

		stack = list_delete_last(stack);
		CHECK_FOR_INTERRUPTS();
		foreach(lc, source ? item->src_deps : item->tgt_deps)
		{
			found |= lfirst_int(lc) == type;
			if (pgm_kind_is(&diff->items[lfirst_int(lc)], "type"))
				next = lappend_int(next, lfirst_int(lc));
		}
		/* a composite type's attributes */
		if (pgm_kind_is(item, "type"))
			foreach(lc, source ? item->src_columns : item->tgt_columns)
				next = lappend_int(next, (PgmItem *) lfirst(lc) - diff->items);
		if (next != NIL && seen == NULL)
		{
			seen = palloc0(sizeof(bool) * diff->nitems);
			seen[from] = true;
		}
		foreach(lc, next)
		{
			if (!seen[lfirst_int(lc)])
				stack = lappend_int(stack, lfirst_int(lc));
			seen[lfirst_int(lc)] = true;
		}
		list_free(next);
	}
	if (seen != NULL)
		pfree(seen);
	list_free(stack);
	return found;
}

/* The columns that come with a new relation (table, view, composite type), by position. */
List *
pgm_columns_of(PgmDiff *diff, PgmItem *rel)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, rel->tgt_columns)
	{
		PgmItem    *c = lfirst(lc);

		if (c->implied_create && c->carrier == rel - diff->items)
			out = lappend(out, c);
	}
	return out;
}

/*
 * A table's parents in one document (its partitioned table, or the tables
 * it inherits from), as table keys the target would name them.
 */
List *
pgm_parents(PgmDiff *diff, JsonbContainer *table, bool source)
{
	char	   *partition_of = pgm_text(table, "partition_of");
	List	   *parents = partition_of ? list_make1(partition_of) : pgm_attribute_strings(table, "inherits");
	ListCell   *lc;

	if (source)
		foreach(lc, parents)
			lfirst(lc) = pgm_renamed_key(diff, lfirst(lc));
	return parents;
}

/*
 * The column `name` of a child's first parent, in the target's order, that
 * has one, or with `giving_not_null` the first whose column is NOT NULL and
 * not NO INHERIT: its item, or -1.
 */
static int
pgm_first_parent_column(PgmDiff *diff, JsonbContainer *child, const char *name, bool giving_not_null)
{
	ListCell   *lc;

	foreach(lc, pgm_parents(diff, child, false))
	{
		int			c = pgm_item_find(diff, psprintf("column %s.%s", (char *) lfirst(lc) + strlen("table "),
													 quote_identifier(name)));

		if (c >= 0 && diff->items[c].tgt &&
			(!giving_not_null || (pgm_attribute_bool(diff->items[c].tgt, "not_null") &&
								  !pgm_attribute_bool(diff->items[c].tgt, "not_null_no_inherit"))))
			return c;
	}
	return -1;
}

/* The column `name` of a child's (first) parent that has one, in the target: its item, or -1. */
int
pgm_parent_column_item(PgmDiff *diff, JsonbContainer *child, const char *name)
{
	return pgm_first_parent_column(diff, child, name, false);
}

/*
 * The column of a new child's parents whose NOT NULL constraint the
 * child's column `name` takes (PostgreSQL 18): the first parent's, in the
 * target's order, that is NOT NULL and not NO INHERIT; NULL when none is.
 */
PgmItem *
pgm_not_null_giver(PgmDiff *diff, JsonbContainer *table, const char *name)
{
	int			c = pgm_first_parent_column(diff, table, name, true);

	return c >= 0 ? &diff->items[c] : NULL;
}

/* The same column's object. */
JsonbContainer *
pgm_parent_column(PgmDiff *diff, JsonbContainer *child, const char *name)
{
	int			c = pgm_parent_column_item(diff, child, name);

	return c >= 0 ? diff->items[c].tgt : NULL;
}

/*
 * A column's NOT NULL constraint (PostgreSQL 18) that is what a plain NOT
 * NULL makes: no "not_null_name", valid, inherited by children.
 */
bool
pgm_not_null_plain(JsonbContainer *col)
{
	return pgm_attribute(col, "not_null_name") == NULL &&
		(pgm_attribute(col, "not_null_valid") == NULL || pgm_attribute_bool(col, "not_null_valid")) &&
		!pgm_attribute_bool(col, "not_null_no_inherit");
}

/*
 * The name of a column's NOT NULL constraint in one document: its
 * "not_null_name", or else <table>_<column>_not_null, the relation's and
 * column's names in that document (README.md, "The schema document").
 */
char *
pgm_not_null_name(PgmDiff *diff, PgmItem *column, bool source)
{
	JsonbContainer *col = source ? column->src : column->tgt;
	PgmItem    *rel = pgm_relation_item(diff, column, source);
	char	   *name = pgm_text(col, "not_null_name");

	if (name != NULL)
		return name;
	return psprintf("%s_%s_not_null", pgm_text(source ? rel->src : rel->tgt, "name"), pgm_text(col, "name"));
}

/*
 * Is `item` a column NOT NULL in both documents whose constraint's name
 * differs, though its bytes may not (a table or column the caller renames,
 * whose constraint keeps its name)?
 */
bool
pgm_not_null_renamed(PgmDiff *diff, PgmItem *item)
{
	return PGM_HAS_NOT_NULL_CONSTRAINTS && pgm_kind_is(item, "column") && item->src != NULL && item->tgt != NULL &&
		pgm_attribute_bool(item->src, "not_null") && pgm_attribute_bool(item->tgt, "not_null") &&
		pgm_relation_item(diff, item, true) != NULL && pgm_relation_item(diff, item, false) != NULL &&
		strcmp(pgm_not_null_name(diff, item, true), pgm_not_null_name(diff, item, false)) != 0;
}

/* Who uses a constraint name in a schema, in either document. */
typedef struct PgmNameUse
{
	char		key[2 * NAMEDATALEN];	/* schema, NUL, name (cut short) */
	const char *owner;			/* the key of the first item that uses it */
	bool		shared;			/* another item uses it too */
} PgmNameUse;

static void
pgm_note_name_use(HTAB *uses, JsonbContainer *rel, const char *name, const char *owner)
{
	char		key[2 * NAMEDATALEN] = {0};
	PgmNameUse *use;
	bool		found;

	if (rel == NULL || name == NULL)
		return;
	strlcpy(key, pgm_text(rel, "schema"), NAMEDATALEN);
	strlcpy(key + NAMEDATALEN, name, NAMEDATALEN);
	use = hash_search(uses, key, HASH_ENTER, &found);
	if (!found)
	{
		use->owner = owner;
		use->shared = false;
	}
	else if (strcmp(use->owner, owner) != 0)
		use->shared = true;
}

/*
 * The constraint names of both documents, by schema: the constraints', the
 * domains', and the columns' NOT NULL constraints'.  PostgreSQL chooses a
 * NOT NULL's name unique in its schema (<table>_<column>_not_null1 when the
 * name is taken): built once, on first use.
 */
static HTAB *
pgm_name_uses(PgmDiff *diff)
{
	HASHCTL		ctl = {0};
	int			i;

	if (diff->constraint_names != NULL)
		return diff->constraint_names;
	ctl.keysize = 2 * NAMEDATALEN;
	ctl.entrysize = sizeof(PgmNameUse);
	ctl.hcxt = CurrentMemoryContext;
	diff->constraint_names = hash_create("pgmigrate constraint names", 1024, &ctl,
										 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		int			side;

		for (side = 0; side < 2; side++)
		{
			bool		source = side == 0;
			JsonbContainer *obj = source ? item->src : item->tgt;
			PgmItem    *rel;

			/* (not an inherited column's, which bears its parent's name, not one of its own) */
			if (obj == NULL || (!pgm_kind_is(item, "constraint") &&
								!(pgm_kind_is(item, "column") && pgm_attribute_bool(obj, "not_null") &&
								  (!pgm_attribute_bool(obj, "inherited") || pgm_attribute_bool(obj, "local")))) ||
				(rel = pgm_relation_item(diff, item, source)) == NULL)
				continue;
			pgm_note_name_use(diff->constraint_names, source ? rel->src : rel->tgt,
							  pgm_kind_is(item, "column") ? pgm_not_null_name(diff, item, source) :
							  pgm_text(obj, "name"), item->key);
		}
	}
	return diff->constraint_names;
}

/*
 * The name a statement gives a column's NOT NULL constraint of the target
 * (PostgreSQL 18), or NULL where PostgreSQL's own choice is the name: its
 * "not_null_name"; else <table>_<column>_not_null when another object of
 * either document uses that name in the schema, where PostgreSQL would
 * choose another.
 */
char *
pgm_not_null_name_to_say(PgmDiff *diff, PgmItem *column)
{
	char		key[2 * NAMEDATALEN] = {0};
	char	   *name = pgm_text(column->tgt, "not_null_name");
	PgmItem    *rel;
	PgmNameUse *use;

	if (name != NULL || !PGM_HAS_NOT_NULL_CONSTRAINTS ||
		(rel = pgm_relation_item(diff, column, false)) == NULL || rel->tgt == NULL)
		return name;
	name = pgm_not_null_name(diff, column, false);
	strlcpy(key, pgm_text(rel->tgt, "schema"), NAMEDATALEN);
	strlcpy(key + NAMEDATALEN, name, NAMEDATALEN);
	use = hash_search(pgm_name_uses(diff), key, HASH_FIND, NULL);
	return use != NULL && use->shared ? name : NULL;
}

/*
 * Before PostgreSQL 18 a column's NOT NULL has no name, and is never NOT
 * VALID nor NO INHERIT (a domain's has none before 17): a document that
 * says otherwise cannot be diffed here, as no script this server runs
 * reaches it.
 */
void
pgm_check_not_null_support(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		bool		column = pgm_kind_is(item, "column");

		if ((column ? PGM_HAS_NOT_NULL_CONSTRAINTS : PGM_HAS_DOMAIN_NOT_NULL_CONSTRAINTS) ||
			(!column && !pgm_kind_is(item, "type")) ||
			((item->src == NULL || pgm_not_null_plain(item->src)) &&
			 (item->tgt == NULL || pgm_not_null_plain(item->tgt))))
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s has a NOT NULL constraint that needs PostgreSQL %d", item->key, column ? 18 : 17),
				 errdetail(column ? "Its document says \"not_null_name\", \"not_null_valid\" or \"not_null_no_inherit\": "
						   "before PostgreSQL 18 a column's NOT NULL has no name, and is neither NOT VALID nor NO INHERIT." :
						   "Its document says \"not_null_name\": before PostgreSQL 17 a domain's NOT NULL has no name."),
				 errhint("Diff these documents on a server of PostgreSQL %d or later.", column ? 18 : 17)));
	}
}
