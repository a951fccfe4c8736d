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
 * sequence only has its default dropped and set again.  A change that would
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
 * values removed or reordered, invalid indexes, and column changes that
 * would lose data.
 *
 * Calls lint.c, rows.c, snapshot.c and sqltext.c.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/varlena.h"

#include "pgmigrate.h"

PG_FUNCTION_INFO_V1(pgmigrate_diff);

typedef enum PgmChange
{
	PGM_SAME,
	PGM_DROP,
	PGM_CREATE,
	PGM_ALTER,
	PGM_REBUILD,
	PGM_REDEFAULT				/* a column's default dropped and set again */
} PgmChange;

typedef enum PgmNodeKind
{
	PGM_NODE_DROP,
	PGM_NODE_ALTER,
	PGM_NODE_CREATE,
	PGM_NODE_OWNED_BY			/* a sequence's OWNED BY, after its column */
} PgmNodeKind;

typedef struct PgmItem
{
	char	   *key;
	int			keylen;
	const char *kind;			/* "table", "column", ... */
	JsonbContainer *src;		/* NULL when only the target has it */
	JsonbContainer *tgt;		/* NULL when only the source has it */
	int			src_size;		/* the source's bytes */
	bool		identical;		/* source and target byte for byte the same */
	PgmChange	change;
	bool		type_changed;	/* a column whose type changes */
	bool		implied_drop;	/* goes with another's drop */
	bool		implied_create; /* comes with another's create */
	int			carrier;		/* the item it goes or comes with, or -1 */
	List	   *src_deps;		/* item indexes, source document */
	List	   *tgt_deps;		/* item indexes, target document */
	List	   *src_dependents; /* items that depend on this one in the source */
	List	   *src_columns;	/* a relation's columns, by position (PgmItem *) */
	List	   *tgt_columns;
	List	   *tgt_constraints;	/* a relation's constraints in the target */
	bool		detached;		/* a child created alone, then INHERIT/ATTACH */
	int			node[4];		/* by PgmNodeKind, -1 when none */
} PgmItem;

typedef struct PgmDiffNode
{
	int			item;
	PgmNodeKind kind;
	List	   *statements;		/* char * */
	List	   *successors;		/* node indexes */
	int			waiting;		/* predecessors not yet emitted */
} PgmDiffNode;

typedef struct PgmDiff
{
	int			nitems;
	PgmItem    *items;			/* sorted by key */
	int		   *slots;			/* the items by key: open addressing, item + 1 */
	uint32		mask;			/* the number of slots - 1 */
	int			nnodes;
	int			maxnodes;
	PgmDiffNode *nodes;
	List	   *renames;		/* PgmRename * */
	List	   *rename_statements;
	const char *role;			/* who will run the script: owner of what it creates */
} PgmDiff;

/* A rename the caller asked for: source key prefix -> target key prefix. */
typedef struct PgmRename
{
	char	   *from_key;		/* "table s.t" or "column s.t.c" */
	char	   *to_key;
	bool		table;
} PgmRename;

/* ---------------------------------------------------------------- items */

static int
pgm_item_compare(const void *a, const void *b)
{
	return strcmp(((const PgmItem *) a)->key, ((const PgmItem *) b)->key);
}

static char *pgm_renamed_key(PgmDiff *diff, const char *key);

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

static int
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
static char *
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
static JsonbContainer *
pgm_item_object(PgmItem *item)
{
	return item->tgt ? item->tgt : item->src;
}

static char *
pgm_text(JsonbContainer *obj, const char *name)
{
	return obj ? pgm_attribute_text(obj, name) : NULL;
}

static bool
pgm_same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Does an attribute differ between the item's source and target? */
static bool
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
static bool
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

	if (r >= 0)
		out = lappend_int(out, r);
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
			if ((r = pgm_item_named(diff, &e, source)) >= 0)
				out = list_append_unique_int(out, r);
		}
	}
	return out;
}

static PgmItem *pgm_relation_item(PgmDiff *diff, PgmItem *item, bool source);
static bool pgm_kind_is(PgmItem *item, const char *kind);

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
 * What each kind of object must have, as strings, for the engine to write
 * its DDL: a document that lacks one (or names an object it does not hold)
 * is refused here, before anything is generated from it.
 */
static const struct
{
	const char *kind;
	const char *attributes[7];
}			pgm_required[] =
{
	{"schema", {"name"}},
	{"table", {"schema", "name"}},
	{"foreign table", {"schema", "name"}},
	{"view", {"schema", "name", "query"}},
	{"materialized view", {"schema", "name", "query"}},
	{"sequence", {"schema", "name", "type", "start", "increment", "min", "max"}},
	{"column", {"relation", "name", "type"}},
	{"constraint", {"relation", "name", "type", "definition"}},
	{"index", {"schema", "name", "relation"}},
	{"function", {"schema", "name", "identity_arguments", "arguments", "returns", "definition"}},
	{"procedure", {"schema", "name", "identity_arguments", "arguments", "definition"}},
	{"aggregate", {"schema", "name", "identity_arguments", "definition"}},
	{"type", {"schema", "name", "type"}},
	{"trigger", {"relation", "name", "definition", "enabled"}},
	{"rule", {"relation", "name", "definition", "enabled"}},
	{"policy", {"relation", "name", "command"}},
	{"extension", {"name", "version", "schema"}},
	{"operator", {"schema", "name", "signature", "definition"}},
	{"cast", {"signature", "definition"}},
};

/* Attributes that name another object of the same document, and its kinds. */
static const struct
{
	const char *attribute;
	const char *kinds[5];
}			pgm_references[] =
{
	{"relation", {"table", "view", "materialized view", "foreign table", "type"}},
	{"owned_by", {"column"}},
	{"partition_of", {"table", "index"}},
	{"constraint", {"constraint"}},
	{"parent", {"constraint"}},
};

/* Does `key` (bytes) name, in `doc`, an object of one of `kinds`? */
static bool
pgm_names_kind(PgmSnapshot *doc, const char *key, int len, const char *const *kinds, int nkinds)
{
	PgmObject  *obj = pgm_snapshot_lookup_bytes(doc, key, len);
	const char *kind = obj ? obj->kind : NULL;
	int			k;

	for (k = 0; kind && k < nkinds && kinds[k]; k++)
		if (strcmp(kinds[k], kind) == 0)
			return true;
	return false;
}

static void pgm_document_error(const char *what, const char *key, const char *detail) pg_attribute_noreturn();

static void
pgm_document_error(const char *what, const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is not a schema document the diff engine can use", what),
			 errdetail("Its object \"%s\" %s.", key, detail),
			 errhint("Pass what migrate.schema() returns.")));
}

static bool
pgm_is_string(JsonbContainer *obj, const char *name)
{
	JsonbValue *v = pgm_attribute(obj, name);

	return v != NULL && v->type == jbvString;
}

/* The same object, byte for byte, in both documents. */
static bool
pgm_same_bytes(JsonbContainer *a, int asize, JsonbContainer *b, int bsize)
{
	return a != NULL && b != NULL && asize == bsize && memcmp(a, b, asize) == 0;
}

/*
 * Every object of one document has what its kind needs, and names only
 * what the document holds.  With `checked` (a document already checked
 * with the same keys), an object that is there byte for byte the same has
 * what its kind needs already; what it names is checked again, as this
 * document may not hold it.
 */
static void
pgm_check_document(PgmSnapshot *doc, const char *what, PgmSnapshot *checked)
{
	int			i;
	int			j = 0;

	for (i = 0; i < doc->count; i++)
	{
		JsonbContainer *obj = doc->objects[i].attributes;
		const char *kind = doc->objects[i].kind;
		size_t		k;
		int			a;
		ListCell   *lc;
		bool		same;

		/* both documents are sorted by key: walk the other one alongside */
		while (checked && j < checked->count && strcmp(checked->objects[j].key, doc->objects[i].key) < 0)
			j++;
		same = checked && j < checked->count && strcmp(checked->objects[j].key, doc->objects[i].key) == 0 &&
			pgm_same_bytes(checked->objects[j].attributes, checked->objects[j].size, obj, doc->objects[i].size);
		if (kind == NULL)
			pgm_document_error(what, doc->objects[i].key, "has no kind");
		for (k = 0; k < lengthof(pgm_required) && !same; k++)
		{
			if (strcmp(pgm_required[k].kind, kind) != 0)
				continue;
			for (a = 0; a < (int) lengthof(pgm_required[k].attributes) && pgm_required[k].attributes[a]; a++)
				if (!pgm_is_string(obj, pgm_required[k].attributes[a]))
					pgm_document_error(what, doc->objects[i].key,
									   psprintf("has no \"%s\" string", pgm_required[k].attributes[a]));
		}
		for (k = 0; k < lengthof(pgm_references); k++)
		{
			JsonbValue *ref = pgm_attribute(obj, pgm_references[k].attribute);

			if (ref && (ref->type != jbvString ||
						!pgm_names_kind(doc, ref->val.string.val, ref->val.string.len,
										pgm_references[k].kinds, lengthof(pgm_references[k].kinds))))
				pgm_document_error(what, doc->objects[i].key,
								   psprintf("names %s as its %s, which the document does not hold as such",
											pgm_attribute_text(obj, pgm_references[k].attribute),
											pgm_references[k].attribute));
		}
		foreach(lc, pgm_attribute_strings(obj, "inherits"))
		{
			static const char *const tables[] = {"table"};

			if (!pgm_names_kind(doc, lfirst(lc), strlen(lfirst(lc)), tables, 1))
				pgm_document_error(what, doc->objects[i].key,
								   psprintf("inherits from %s, which the document does not hold as a table",
											(char *) lfirst(lc)));
		}
	}
}

/* The items of both documents, sorted by key; source keys renamed. */
static void
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

		if (item->src)
			item->src_deps = pgm_dep_items(diff, item->src, true);
		/* the same bytes name the same items, unless renames change the source's names */
		if (item->identical && diff->renames == NIL)
			item->tgt_deps = list_copy(item->src_deps);
		else if (item->tgt)
			item->tgt_deps = pgm_dep_items(diff, item->tgt, false);
		foreach(lc, item->src_deps)
		{
			PgmItem    *dep = &diff->items[lfirst_int(lc)];

			if (dep != item)
				dep->src_dependents = lappend_int(dep->src_dependents, i);
		}
	}
}

/* ------------------------------------------------------------ names */

static bool
pgm_kind_is(PgmItem *item, const char *kind)
{
	return strcmp(item->kind, kind) == 0;
}

/* "app.users" for an object with schema and name. */
static char *
pgm_qualified(JsonbContainer *obj)
{
	return psprintf("%s.%s", quote_identifier(pgm_attribute_text(obj, "schema")),
					quote_identifier(pgm_attribute_text(obj, "name")));
}

/* The relation a column, constraint, trigger or policy belongs to. */
static PgmItem *
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
static char *
pgm_relation_name(PgmDiff *diff, PgmItem *item, bool source)
{
	PgmItem    *rel = pgm_relation_item(diff, item, source);

	if (rel == NULL)
		elog(ERROR, "object \"%s\" names no relation of the documents", item->key);
	return pgm_qualified(pgm_item_object(rel));
}

/* "TABLE", "VIEW", ... as ALTER, DROP and COMMENT spell the item's kind. */
static const char *
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
	return NULL;
}

/* The item's name as ALTER/COMMENT/GRANT want it (functions with arguments). */
static char *
pgm_sql_name(PgmDiff *diff, PgmItem *item, bool source)
{
	JsonbContainer *obj = pgm_item_object(item);

	if (pgm_kind_is(item, "schema") || pgm_kind_is(item, "extension"))
		return pstrdup(quote_identifier(pgm_attribute_text(obj, "name")));
	if (pgm_kind_is(item, "operator") || pgm_kind_is(item, "cast"))
		return pgm_attribute_text(obj, "signature");	/* schema.op(left, right); (source AS target) */
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

static char *
pgm_literal(const char *s)
{
	return quote_literal_cstr(s);
}

/* ------------------------------------------------------- refusals */

static void pgm_refuse(PgmItem *item, const char *what, const char *detail) pg_attribute_noreturn();

static void
pgm_refuse(PgmItem *item, const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("the diff engine cannot %s %s", what, item->key),
			 detail ? errdetail("%s", detail) : 0,
			 errhint("Write this change by hand in a revision of its own, then diff again.")));
}

/* ------------------------------------------------------ classifying */

/* Is the source's enum label list a subsequence of the target's? */
static bool
pgm_labels_only_added(List *before, List *after)
{
	ListCell   *a = list_head(after);
	ListCell   *b;

	foreach(b, before)
	{
		while (a && strcmp(lfirst(a), lfirst(b)) != 0)
			a = lnext(after, a);
		if (a == NULL)
			return false;
		a = lnext(after, a);
	}
	return true;
}

/* Columns of a view, "name type" in position order, from one document. */
static List *
pgm_view_columns(PgmDiff *diff, PgmItem *view, bool source)
{
	List	   *cols = NIL;
	ListCell   *lc;

	foreach(lc, source ? view->src_columns : view->tgt_columns)
	{
		PgmItem    *c = lfirst(lc);
		JsonbContainer *obj = source ? c->src : c->tgt;

		cols = lappend(cols, psprintf("%s %s", pgm_attribute_text(obj, "name"), pgm_attribute_text(obj, "type")));
	}
	return cols;
}

/* Can CREATE OR REPLACE VIEW do it: the old columns, unchanged, come first? */
static bool
pgm_view_replaceable(PgmDiff *diff, PgmItem *view)
{
	List	   *before = pgm_view_columns(diff, view, true);
	List	   *after = pgm_view_columns(diff, view, false);
	ListCell   *a;
	ListCell   *b;

	if (list_length(before) > list_length(after))
		return false;
	forboth(b, before, a, after)
		if (strcmp(lfirst(a), lfirst(b)) != 0)
		return false;
	return true;
}

/* What to do with an item both documents have and that differs. */
static PgmChange
pgm_change_in_place(PgmDiff *diff, PgmItem *item)
{
	if (pgm_kind_is(item, "table"))
	{
		if (pgm_differs(item, "partitioned") || pgm_differs(item, "partition_key"))
			return PGM_REBUILD;
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "foreign table"))
	{
		if (pgm_differs(item, "server"))
			pgm_refuse(item, "move", "Foreign tables are not created or moved between servers by the diff engine.");
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "view"))
	{
		if (pgm_differs(item, "query") && !pgm_view_replaceable(diff, item))
			return PGM_REBUILD;
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "materialized view"))
		return pgm_differs(item, "query") ? PGM_REBUILD : PGM_ALTER;
	if (pgm_kind_is(item, "column"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		if (rel && (pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view")))
			return PGM_ALTER;	/* the view's query says the rest */
		if (pgm_differs(item, "generated"))
			return PGM_REBUILD;
		item->type_changed = pgm_differs(item, "type") || pgm_differs(item, "collation");
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "index"))
		return pgm_differs(item, "definition") ? PGM_REBUILD : PGM_ALTER;
	if (pgm_kind_is(item, "constraint"))
	{
		char	   *before = pgm_text(item->src, "definition");
		char	   *after = pgm_text(item->tgt, "definition");
		size_t		alen = strlen(after);

		/* validating is an ALTER; anything else a new constraint */
		if (strcmp(before, after) == 0 ||
			(strlen(before) == alen + strlen(" NOT VALID") && strncmp(before, after, alen) == 0 &&
			 strcmp(before + alen, " NOT VALID") == 0))
			return PGM_ALTER;
		return PGM_REBUILD;
	}
	if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure"))
	{
		if (pgm_differs(item, "arguments") || pgm_differs(item, "returns"))
			return PGM_REBUILD;
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "aggregate"))
		return pgm_differs(item, "definition") || pgm_differs(item, "returns") ? PGM_REBUILD : PGM_ALTER;
	if (pgm_kind_is(item, "type"))
	{
		char	   *type = pgm_text(item->tgt, "type");

		if (pgm_differs(item, "type"))
			return PGM_REBUILD;
		if (strcmp(type, "enum") == 0 && pgm_differs(item, "labels") &&
			!pgm_labels_only_added(pgm_attribute_strings(item->src, "labels"),
								   pgm_attribute_strings(item->tgt, "labels")))
			pgm_refuse(item, "remove or reorder the values of",
					   psprintf("Its values are %s in the source and %s in the target; PostgreSQL can only add values to an enum.",
								pgm_text(item->src, "labels"), pgm_text(item->tgt, "labels")));
		if (strcmp(type, "domain") == 0 && (pgm_differs(item, "base_type") || pgm_differs(item, "collation")))
			return PGM_REBUILD;
		if (strcmp(type, "range") == 0 &&
			(pgm_differs(item, "subtype") || pgm_differs(item, "subtype_opclass") ||
			 pgm_differs(item, "collation") || pgm_differs(item, "canonical") ||
			 pgm_differs(item, "subtype_diff") || pgm_differs(item, "multirange")))
			return PGM_REBUILD;
		if (strcmp(type, "base") == 0 && pgm_differs(item, "definition"))
			return PGM_REBUILD;
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "trigger") || pgm_kind_is(item, "rule") ||
		pgm_kind_is(item, "operator") || pgm_kind_is(item, "cast"))
		return pgm_differs(item, "definition") ? PGM_REBUILD : PGM_ALTER;
	if (pgm_kind_is(item, "policy"))
		return pgm_differs(item, "command") || pgm_differs(item, "permissive") ? PGM_REBUILD : PGM_ALTER;
	return PGM_ALTER;
}

/* Is this item one that goes with its relation (column, constraint, ...)? */
static bool
pgm_is_part_of_relation(PgmItem *item)
{
	return pgm_kind_is(item, "column") || pgm_kind_is(item, "constraint") ||
		pgm_kind_is(item, "index") || pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") ||
		pgm_kind_is(item, "rule");
}

/* Does it come with another object rather than by a statement of its own? */
static int
pgm_inherited_carrier(PgmDiff *diff, PgmItem *item, JsonbContainer *obj, bool source)
{
	char	   *owner;

	if (pgm_kind_is(item, "index") && (owner = pgm_attribute_text(obj, "constraint")) != NULL)
		return pgm_item_find(diff, source ? pgm_renamed_key(diff, owner) : owner);
	if ((pgm_kind_is(item, "column") || pgm_kind_is(item, "constraint")) &&
		pgm_attribute_bool(obj, "inherited") && !pgm_attribute_bool(obj, "local"))
		return pgm_relation_item(diff, item, source) - diff->items;
	if (pgm_kind_is(item, "trigger") && pgm_attribute_bool(obj, "inherited"))
		return pgm_relation_item(diff, item, source) - diff->items;
	if (pgm_kind_is(item, "index") && pgm_attribute_text(obj, "partition_of") != NULL)
		return pgm_relation_item(diff, item, source) - diff->items;
	return -1;
}

/* A column dependency that comes from its default (not its type). */
static bool
pgm_default_dependency(PgmItem *column, PgmItem *dep)
{
	return pgm_kind_is(dep, "function") || pgm_kind_is(dep, "sequence");
}

static void pgm_mark_rebuild(PgmDiff *diff, int i, int because);

/* What depends on item i in the source must follow its drop or rebuild. */
static void
pgm_spread(PgmDiff *diff, int i, bool type_change_only)
{
	PgmItem    *item = &diff->items[i];
	ListCell   *lc;

	foreach(lc, item->src_dependents)
	{
		int			d = lfirst_int(lc);
		PgmItem    *dep = &diff->items[d];

		if (dep->tgt == NULL || dep->change == PGM_REBUILD)
			continue;			/* dropped anyway, or already */
		if (type_change_only &&
			!(pgm_kind_is(dep, "view") || pgm_kind_is(dep, "materialized view") ||
			  pgm_kind_is(dep, "trigger") || pgm_kind_is(dep, "policy") ||
			  pgm_kind_is(dep, "function") || pgm_kind_is(dep, "procedure") ||
			  (pgm_kind_is(dep, "column") && pgm_text(dep->src, "generated") != NULL)))
			continue;			/* ALTER COLUMN TYPE rebuilds indexes and constraints */
		pgm_mark_rebuild(diff, d, i);
	}
}

static void
pgm_mark_rebuild(PgmDiff *diff, int i, int because)
{
	PgmItem    *item = &diff->items[i];
	PgmItem    *cause = because >= 0 ? &diff->items[because] : NULL;

	if (pgm_kind_is(item, "column") && cause != NULL && cause != pgm_relation_item(diff, item, true) &&
		pgm_text(item->src, "generated") == NULL)
	{
		PgmItem    *rel = pgm_relation_item(diff, item, true);

		if (rel && (pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view")))
			return;				/* the view itself is re-created */
		if (!list_member_int(item->tgt_deps, because))
			return;				/* its ALTER lets go of the cause first */
		if (pgm_default_dependency(item, cause))
		{
			if (item->change == PGM_SAME || item->change == PGM_ALTER)
				item->change = PGM_REDEFAULT;
			return;
		}
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the diff engine cannot change %s without re-creating %s", cause->key, item->key),
				 errdetail("Re-creating the column would lose its data."),
				 errhint("Write this change by hand in a revision of its own (for instance a new column, a copy of the data and a swap), then diff again.")));
	}
	item->change = PGM_REBUILD;
	pgm_spread(diff, i, false);
}

static JsonbContainer *pgm_parent_column(PgmDiff *diff, JsonbContainer *child, const char *name);

/*
 * Do a new child's columns stand where CREATE TABLE ... PARTITION OF (the
 * parent's, in its order) or ... INHERITS (the parents', then its own)
 * would put them?  A child attached or made to inherit later need not.
 */
static bool
pgm_natural_order(PgmDiff *diff, PgmItem *table)
{
	char	   *partition_of = pgm_text(table->tgt, "partition_of");
	List	   *inherits = pgm_attribute_strings(table->tgt, "inherits");
	List	   *parents = NIL;
	List	   *expected = NIL;
	ListCell   *lc;
	ListCell   *pc;

	if (partition_of)
		parents = list_make1(partition_of);
	else
		parents = inherits;
	foreach(lc, parents)
	{
		int			p = pgm_item_find(diff, lfirst(lc));

		if (p < 0)
			return false;
		foreach(pc, diff->items[p].tgt_columns)
		{
			char	   *name = pgm_text(((PgmItem *) lfirst(pc))->tgt, "name");

			if (!pgm_list_has_string(expected, name))
				expected = lappend(expected, name);
		}
	}
	foreach(lc, table->tgt_columns)
	{
		char	   *name = pgm_text(((PgmItem *) lfirst(lc))->tgt, "name");

		if (!pgm_list_has_string(expected, name))
			expected = lappend(expected, name);
	}
	if (list_length(expected) != list_length(table->tgt_columns))
		return false;
	forboth(lc, expected, pc, table->tgt_columns)
		if (strcmp(lfirst(lc), pgm_text(((PgmItem *) lfirst(pc))->tgt, "name")) != 0)
		return false;
	return true;
}

/*
 * New children whose columns stand in another order are created with all
 * their columns and the parents' CHECK constraints, then attached or made
 * to inherit: their inherited CHECK constraints come with them.
 */
static void
pgm_mark_detached(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *t = &diff->items[i];
		List	   *inherited = NIL;
		bool		renamed = false;	/* or otherwise not as CREATE would make it */
		ListCell   *lc;
		int			p;

		if ((t->change != PGM_CREATE && t->change != PGM_REBUILD) || !pgm_kind_is(t, "table") ||
			(pgm_text(t->tgt, "partition_of") == NULL && pgm_attribute_strings(t->tgt, "inherits") == NIL))
			continue;
		/* its inherited CHECK constraints and foreign keys */
		foreach(lc, t->tgt_constraints)
		{
			PgmItem    *c = lfirst(lc);
			char	   *type;
			char	   *parent;

			if (!pgm_attribute_bool(c->tgt, "inherited"))
				continue;
			type = pgm_text(c->tgt, "type");
			if (strcmp(type, "check") != 0 && strcmp(type, "foreign key") != 0)
				continue;
			inherited = lappend_int(inherited, c - diff->items);
			/* a partition's foreign key named otherwise than its parent's: it was attached */
			parent = pgm_text(c->tgt, "parent");
			if (parent && (p = pgm_item_find(diff, parent)) >= 0 && diff->items[p].tgt &&
				!pgm_same_text(pgm_text(diff->items[p].tgt, "name"), pgm_text(c->tgt, "name")))
				renamed = true;
		}
		/* a column generated otherwise than its parent's: only INHERIT makes that */
		foreach(lc, t->tgt_columns)
		{
			PgmItem    *c = lfirst(lc);
			JsonbContainer *parent_col = pgm_parent_column(diff, t->tgt, pgm_text(c->tgt, "name"));

			if (parent_col && !pgm_same_text(pgm_text(c->tgt, "generated"), pgm_text(parent_col, "generated")))
				renamed = true;
		}
		if (!renamed && pgm_natural_order(diff, t))
			continue;
		t->detached = true;
		foreach(lc, inherited)
		{
			PgmItem    *c = &diff->items[lfirst_int(lc)];

			c->implied_create = true;
			c->carrier = i;
		}
	}
}

static bool
pgm_is_base_type(PgmItem *item, bool source)
{
	JsonbContainer *obj = source ? item->src : item->tgt;

	return obj && pgm_kind_is(item, "type") && pgm_same_text(pgm_attribute_text(obj, "type"), "base");
}

static void
pgm_classify(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		if (item->src == NULL)
			item->change = PGM_CREATE;
		else if (item->tgt == NULL)
			item->change = PGM_DROP;
		else if (!item->identical && compareJsonbContainers(item->src, item->tgt) != 0 &&
				 pgm_item_differs(item))
			item->change = pgm_change_in_place(diff, item);
		else
			item->change = PGM_SAME;
	}
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		if (item->change == PGM_DROP || item->change == PGM_REBUILD)
			pgm_spread(diff, i, false);
		else if (item->type_changed)
			pgm_spread(diff, i, true);
	}

	/* what goes or comes with another */
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		bool		drops = item->change == PGM_DROP || item->change == PGM_REBUILD;
		bool		creates = item->change == PGM_CREATE || item->change == PGM_REBUILD;
		int			carrier;

		if (drops)
		{
			carrier = pgm_inherited_carrier(diff, item, item->src, true);
			if (carrier < 0 && pgm_is_part_of_relation(item))
			{
				PgmItem    *rel = pgm_relation_item(diff, item, true);

				if (rel && (rel->change == PGM_DROP || rel->change == PGM_REBUILD ||
							pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view")))
					carrier = rel - diff->items;
			}
			if (carrier < 0 && pgm_kind_is(item, "sequence"))
			{
				int			col = pgm_item_find(diff, pgm_renamed_key(diff, pgm_text(item->src, "owned_by")));

				if (col >= 0 && (diff->items[col].change == PGM_DROP || diff->items[col].change == PGM_REBUILD))
					carrier = col;
			}
			/*
			 * A part of a dropped table that depends on something else that
			 * is dropped (a policy on a view, say) is dropped by itself
			 * first: with its table, the two drops could wait for each other.
			 */
			if (carrier >= 0 && (pgm_kind_is(item, "policy") || pgm_kind_is(item, "trigger")) &&
				!pgm_attribute_bool(item->src, "inherited"))
			{
				ListCell   *lc;

				foreach(lc, item->src_deps)
				{
					PgmItem    *dep = &diff->items[lfirst_int(lc)];

					if (lfirst_int(lc) != carrier && (dep->change == PGM_DROP || dep->change == PGM_REBUILD) &&
						dep != pgm_relation_item(diff, item, true))
						carrier = -1;
				}
			}
			if (carrier >= 0)
			{
				item->implied_drop = true;
				item->carrier = carrier;
			}
			/* a base type's input and output functions go with it (DROP TYPE ... CASCADE) */
			if (pgm_is_base_type(item, true))
			{
				ListCell   *lc;

				foreach(lc, item->src_deps)
				{
					PgmItem    *f = &diff->items[lfirst_int(lc)];

					if (pgm_kind_is(f, "function") && (f->change == PGM_DROP || f->change == PGM_REBUILD))
					{
						f->implied_drop = true;
						f->carrier = i;
					}
				}
			}
		}
		if (creates)
		{
			carrier = pgm_inherited_carrier(diff, item, item->tgt, false);
			if (carrier < 0 && pgm_kind_is(item, "column"))
			{
				PgmItem    *rel = pgm_relation_item(diff, item, false);

				if (rel && (rel->change == PGM_CREATE || rel->change == PGM_REBUILD ||
							pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view")))
					carrier = rel - diff->items;
				/* a partition's columns come from its parent */
				if (rel && pgm_text(rel->tgt, "partition_of") != NULL)
					carrier = rel - diff->items;
			}
			if (carrier >= 0)
			{
				item->implied_create = true;
				item->carrier = carrier;
			}
		}
	}
	pgm_mark_detached(diff);
}

/* ----------------------------------------------------- statements */

static int
pgm_new_node(PgmDiff *diff, int item, PgmNodeKind kind)
{
	PgmDiffNode *node;

	if (diff->items[item].node[kind] >= 0)
		return diff->items[item].node[kind];
	if (diff->nnodes == diff->maxnodes)
	{
		diff->maxnodes = Max(64, diff->maxnodes * 2);
		diff->nodes = diff->nodes ? repalloc(diff->nodes, sizeof(PgmDiffNode) * diff->maxnodes)
			: palloc(sizeof(PgmDiffNode) * diff->maxnodes);
	}
	node = &diff->nodes[diff->nnodes];
	node->item = item;
	node->kind = kind;
	node->statements = NIL;
	node->successors = NIL;
	node->waiting = 0;
	diff->items[item].node[kind] = diff->nnodes;
	return diff->nnodes++;
}

static void
pgm_emit(PgmDiff *diff, int item, PgmNodeKind kind, char *statement)
{
	int			n = pgm_new_node(diff, item, kind);	/* may move the nodes */

	diff->nodes[n].statements = lappend(diff->nodes[n].statements, statement);
}

/*
 * A column as CREATE TABLE and ADD COLUMN spell it: with its default,
 * identity, generation and NOT NULL when `with_constraints` (a column a
 * child declares beside its parent's takes the parent's generation).
 */
static char *
pgm_column_definition(JsonbContainer *col, bool with_constraints)
{
	StringInfoData buf;
	char	   *collation = pgm_attribute_text(col, "collation");
	char	   *generated = pgm_attribute_text(col, "generated");
	char	   *identity = pgm_attribute_text(col, "identity");
	char	   *def = pgm_attribute_text(col, "default");

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s", quote_identifier(pgm_attribute_text(col, "name")),
					 pgm_attribute_text(col, "type"));
	if (collation)
		appendStringInfo(&buf, " COLLATE %s", collation);
	if (!with_constraints)
		return buf.data;
	if (generated)
		appendStringInfo(&buf, " GENERATED ALWAYS AS (%s) STORED", generated);
	if (identity)
	{
		char	   *options = pgm_attribute_text(col, "identity_options");

		appendStringInfo(&buf, " GENERATED %s AS IDENTITY", strcmp(identity, "always") == 0 ? "ALWAYS" : "BY DEFAULT");
		if (options)
			appendStringInfo(&buf, " (%s)", options);
	}
	if (def)
		appendStringInfo(&buf, " DEFAULT %s", def);
	if (pgm_attribute_bool(col, "not_null"))
		appendStringInfoString(&buf, " NOT NULL");
	return buf.data;
}

/* Grants as (grantee, privilege, grantable) triples from "role=PRIV*" strings. */
typedef struct PgmGrant
{
	char	   *grantee;
	char	   *privilege;
	bool		grantable;
} PgmGrant;

static PgmGrant
pgm_parse_grant(const char *s)
{
	PgmGrant	g;
	const char *eq = strrchr(s, '=');
	size_t		len;

	g.grantee = eq ? pnstrdup(s, eq - s) : pstrdup(s);
	g.privilege = pstrdup(eq ? eq + 1 : "");
	len = strlen(g.privilege);
	g.grantable = len > 0 && g.privilege[len - 1] == '*';
	if (g.grantable)
		g.privilege[len - 1] = '\0';
	return g;
}

static char *
pgm_grantee_sql(const char *grantee)
{
	return strcmp(grantee, "PUBLIC") == 0 ? pstrdup("PUBLIC") : pstrdup(quote_identifier(grantee));
}

/* The privileges a new object of this kind has, owned by `owner`. */
static List *
pgm_default_grants(PgmItem *item, const char *owner)
{
	static const char *const table_privileges[] = {
		"DELETE", "INSERT", "REFERENCES", "SELECT", "TRIGGER", "TRUNCATE", "UPDATE"
	};
	List	   *out = NIL;
	size_t		i;

	if (pgm_kind_is(item, "table") || pgm_kind_is(item, "view") ||
		pgm_kind_is(item, "materialized view") || pgm_kind_is(item, "foreign table"))
		for (i = 0; i < lengthof(table_privileges); i++)
			out = lappend(out, psprintf("%s=%s", owner, table_privileges[i]));
	else if (pgm_kind_is(item, "sequence"))
	{
		out = lappend(out, psprintf("%s=SELECT", owner));
		out = lappend(out, psprintf("%s=UPDATE", owner));
		out = lappend(out, psprintf("%s=USAGE", owner));
	}
	else if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure") || pgm_kind_is(item, "aggregate"))
	{
		out = lappend(out, pstrdup("PUBLIC=EXECUTE"));
		out = lappend(out, psprintf("%s=EXECUTE", owner));
	}
	else if (pgm_kind_is(item, "type"))
	{
		out = lappend(out, pstrdup("PUBLIC=USAGE"));
		out = lappend(out, psprintf("%s=USAGE", owner));
	}
	else if (pgm_kind_is(item, "schema"))
	{
		out = lappend(out, psprintf("%s=CREATE", owner));
		out = lappend(out, psprintf("%s=USAGE", owner));
	}
	return out;
}

/* GRANT and REVOKE statements from one list of grants to another. */
static void
pgm_emit_grants(PgmDiff *diff, int i, PgmNodeKind kind, List *before, List *after,
				const char *on, const char *column)
{
	ListCell   *lc;
	char	   *cols = column ? psprintf(" (%s)", quote_identifier(column)) : "";

	foreach(lc, before)
	{
		if (!pgm_list_has_string(after, lfirst(lc)))
		{
			PgmGrant	g = pgm_parse_grant(lfirst(lc));
			char	   *plain = psprintf("%s=%s", g.grantee, g.privilege);

			/* grantable -> plain is a REVOKE GRANT OPTION FOR */
			if (g.grantable && pgm_list_has_string(after, plain))
				pgm_emit(diff, i, kind, psprintf("REVOKE GRANT OPTION FOR %s%s ON %s FROM %s;",
												 g.privilege, cols, on, pgm_grantee_sql(g.grantee)));
			else
				pgm_emit(diff, i, kind, psprintf("REVOKE %s%s ON %s FROM %s;",
												 g.privilege, cols, on, pgm_grantee_sql(g.grantee)));
		}
	}
	foreach(lc, after)
	{
		if (!pgm_list_has_string(before, lfirst(lc)))
		{
			PgmGrant	g = pgm_parse_grant(lfirst(lc));

			pgm_emit(diff, i, kind, psprintf("GRANT %s%s ON %s TO %s%s;", g.privilege, cols, on,
											 pgm_grantee_sql(g.grantee),
											 g.grantable ? " WITH GRANT OPTION" : ""));
		}
	}
}

/* What GRANT and REVOKE call the item: "TABLE app.users", "FUNCTION app.f(integer)". */
static char *
pgm_grant_target(PgmDiff *diff, PgmItem *item)
{
	const char *kind = pgm_sql_kind(item);

	if (pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view") ||
		pgm_kind_is(item, "foreign table"))
		kind = "TABLE";
	if (pgm_kind_is(item, "type"))
		kind = "TYPE";
	return psprintf("%s %s", kind, pgm_sql_name(diff, item, false));
}

/* COMMENT ON for the item in the target (IS NULL when it has none). */
static char *
pgm_comment_statement(PgmDiff *diff, PgmItem *item)
{
	char	   *comment = pgm_text(item->tgt, "comment");
	char	   *what;
	JsonbContainer *obj = item->tgt;

	if (pgm_kind_is(item, "column"))
		what = psprintf("COLUMN %s", pgm_sql_name(diff, item, false));
	else if (pgm_kind_is(item, "constraint"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		what = psprintf("CONSTRAINT %s ON %s%s", quote_identifier(pgm_attribute_text(obj, "name")),
						pgm_kind_is(rel, "type") ? "DOMAIN " : "",
						pgm_relation_name(diff, item, false));
	}
	else if (pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") || pgm_kind_is(item, "rule"))
		what = psprintf("%s %s ON %s", pgm_kind_is(item, "trigger") ? "TRIGGER" :
						pgm_kind_is(item, "policy") ? "POLICY" : "RULE",
						quote_identifier(pgm_attribute_text(obj, "name")),
						pgm_relation_name(diff, item, false));
	else
		what = psprintf("%s %s", pgm_sql_kind(item), pgm_sql_name(diff, item, false));
	return psprintf("COMMENT ON %s IS %s;", what, comment ? pgm_literal(comment) : "NULL");
}

/* Owner, grants and comment of a new object, in the node that creates it. */
static void
pgm_emit_new_object_extras(PgmDiff *diff, int i, PgmNodeKind kind)
{
	PgmItem    *item = &diff->items[i];
	char	   *owner = pgm_text(item->tgt, "owner");
	List	   *grants = pgm_attribute_strings(item->tgt, "grants");

	if (owner && strcmp(owner, diff->role) != 0 && pgm_sql_kind(item) != NULL &&
		!pgm_kind_is(item, "index") && !pgm_kind_is(item, "extension"))
		pgm_emit(diff, i, kind, psprintf("ALTER %s %s OWNER TO %s;", pgm_sql_kind(item),
										 pgm_sql_name(diff, item, false), quote_identifier(owner)));
	if (grants != NIL && !pgm_kind_is(item, "column"))
		pgm_emit_grants(diff, i, kind, pgm_default_grants(item, owner ? owner : diff->role), grants,
						pgm_grant_target(diff, item), NULL);
	if (pgm_kind_is(item, "column") && grants != NIL)
		pgm_emit_grants(diff, i, kind, NIL, grants, psprintf("TABLE %s", pgm_relation_name(diff, item, false)),
						pgm_text(item->tgt, "name"));
	if (pgm_text(item->tgt, "comment") != NULL)
		pgm_emit(diff, i, kind, pgm_comment_statement(diff, item));
}

/* The view query without its final semicolon. */
static char *
pgm_query(JsonbContainer *obj)
{
	char	   *q = pgm_attribute_text(obj, "query");
	size_t		len = strlen(q);

	while (len > 0 && (q[len - 1] == ';' || q[len - 1] == ' ' || q[len - 1] == '\n'))
		q[--len] = '\0';
	return q;
}

/* "WITH (a=1, b=2)" from a reloptions array, "" when none. */
static char *
pgm_with_options(JsonbContainer *obj)
{
	List	   *options = pgm_attribute_strings(obj, "options");
	StringInfoData buf;
	ListCell   *lc;

	if (options == NIL)
		return "";
	initStringInfo(&buf);
	appendStringInfoString(&buf, " WITH (");
	foreach(lc, options)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", (char *) lfirst(lc));
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* The columns that come with a new relation (table, view, composite type), by position. */
static List *
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

/* The column `name` of a child's (first) parent that has one, in the target. */
static JsonbContainer *
pgm_parent_column(PgmDiff *diff, JsonbContainer *child, const char *name)
{
	char	   *partition_of = pgm_attribute_text(child, "partition_of");
	List	   *parents = partition_of ? list_make1(partition_of) : pgm_attribute_strings(child, "inherits");
	ListCell   *lc;

	foreach(lc, parents)
	{
		int			c = pgm_item_find(diff, psprintf("column %s.%s", (char *) lfirst(lc) + strlen("table "),
													 quote_identifier(name)));

		if (c >= 0 && diff->items[c].tgt)
			return diff->items[c].tgt;
	}
	return NULL;
}

static void
pgm_emit_create_table(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	StringInfoData buf;
	ListCell   *lc;
	List	   *columns = pgm_columns_of(diff, item);
	char	   *partition_of = pgm_attribute_text(t, "partition_of");
	char	   *partition_key = pgm_attribute_text(t, "partition_key");
	List	   *inherits = pgm_attribute_strings(t, "inherits");
	bool		first = true;

	if (pgm_kind_is(item, "foreign table"))
		pgm_refuse(item, "create", "Foreign tables need a server and options the schema document does not hold.");
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE %sTABLE %s", pgm_attribute_bool(t, "unlogged") ? "UNLOGGED " : "",
					 pgm_qualified(t));
	if (partition_of && !item->detached)
	{
		PgmItem    *parent = &diff->items[pgm_item_find(diff, partition_of)];

		appendStringInfo(&buf, " PARTITION OF %s %s", pgm_qualified(parent->tgt),
						 pgm_attribute_text(t, "partition_bound"));
	}
	else
	{
		appendStringInfoString(&buf, " (");
		foreach(lc, columns)
		{
			PgmItem    *c = lfirst(lc);
			bool		inherited = pgm_attribute_bool(c->tgt, "inherited") && !item->detached;
			char	   *def;

			if (inherited && !pgm_attribute_bool(c->tgt, "local"))
				continue;		/* the parent's, and only the parent's */
			def = pgm_column_definition(c->tgt, true);
			if (inherited && pgm_text(c->tgt, "generated") != NULL)
			{
				/* declared beside the parent's: the generation is the parent's */
				def = pgm_column_definition(c->tgt, false);
				if (pgm_attribute_bool(c->tgt, "not_null"))
					def = psprintf("%s NOT NULL", def);
			}
			appendStringInfo(&buf, "%s\n    %s", first ? "" : ",", def);
			first = false;
		}
		appendStringInfoString(&buf, first ? ")" : "\n)");
		if (inherits != NIL && !item->detached)
		{
			appendStringInfoString(&buf, " INHERITS (");
			foreach(lc, inherits)
			{
				int			p = pgm_item_find(diff, lfirst(lc));

				appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
								 pgm_qualified(diff->items[p].tgt));
			}
			appendStringInfoChar(&buf, ')');
		}
	}
	if (partition_key)
		appendStringInfo(&buf, " PARTITION BY %s", partition_key);
	appendStringInfo(&buf, "%s;", pgm_with_options(t));
	pgm_emit(diff, i, PGM_NODE_CREATE, buf.data);

	if (item->detached)
	{
		/* the parents' CHECK constraints first: INHERIT and ATTACH want them */
		foreach(lc, item->tgt_constraints)
		{
			PgmItem    *c = lfirst(lc);

			if (c->implied_create && c->carrier == i)
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ADD CONSTRAINT %s %s;", pgm_qualified(t),
															quote_identifier(pgm_text(c->tgt, "name")),
															pgm_text(c->tgt, "definition")));
		}
		if (partition_of)
			pgm_emit(diff, i, PGM_NODE_CREATE,
					 psprintf("ALTER TABLE %s ATTACH PARTITION %s %s;",
							  pgm_qualified(diff->items[pgm_item_find(diff, partition_of)].tgt),
							  pgm_qualified(t), pgm_attribute_text(t, "partition_bound")));
		foreach(lc, inherits)
			pgm_emit(diff, i, PGM_NODE_CREATE,
					 psprintf("ALTER TABLE %s INHERIT %s;", pgm_qualified(t),
							  pgm_qualified(diff->items[pgm_item_find(diff, lfirst(lc))].tgt)));
	}

	if (pgm_attribute_bool(t, "row_security"))
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", pgm_qualified(t)));
	if (pgm_attribute_bool(t, "force_row_security"))
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", pgm_qualified(t)));
	pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	/* the extras of the columns that came with it */
	foreach(lc, columns)
	{
		PgmItem    *c = lfirst(lc);
		List	   *grants = pgm_attribute_strings(c->tgt, "grants");

		/*
		 * A column a child takes from its parent takes its default and NOT
		 * NULL too: where the child's own differ, they are set after.
		 */
		if ((partition_of || inherits != NIL) && !item->detached &&
			!(pgm_attribute_bool(c->tgt, "local") && !partition_of))
		{
			JsonbContainer *parent_col = pgm_parent_column(diff, t, pgm_text(c->tgt, "name"));
			char	   *def = pgm_text(c->tgt, "default");
			char	   *parent_def = parent_col ? pgm_text(parent_col, "default") : NULL;
			char	   *col = pstrdup(quote_identifier(pgm_text(c->tgt, "name")));

			if (def != NULL && !pgm_same_text(def, parent_def))
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE ONLY %s ALTER COLUMN %s SET DEFAULT %s;",
															pgm_qualified(t), col, def));
			else if (def == NULL && parent_def != NULL && pgm_text(c->tgt, "generated") == NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE ONLY %s ALTER COLUMN %s DROP DEFAULT;",
															pgm_qualified(t), col));
			if (pgm_attribute_bool(c->tgt, "not_null") && (parent_col == NULL || !pgm_attribute_bool(parent_col, "not_null")))
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE ONLY %s ALTER COLUMN %s SET NOT NULL;",
															pgm_qualified(t), col));
		}
		if (grants != NIL)
			pgm_emit_grants(diff, i, PGM_NODE_CREATE, NIL, grants, psprintf("TABLE %s", pgm_qualified(t)),
							pgm_text(c->tgt, "name"));
		if (pgm_text(c->tgt, "comment") != NULL)
			pgm_emit(diff, i, PGM_NODE_CREATE, pgm_comment_statement(diff, c));
	}
}

static char *
pgm_sequence_options(JsonbContainer *s)
{
	return psprintf("AS %s INCREMENT BY %s MINVALUE %s MAXVALUE %s START WITH %s CACHE %s %sCYCLE",
					pgm_attribute_text(s, "type"), pgm_attribute_text(s, "increment"),
					pgm_attribute_text(s, "min"), pgm_attribute_text(s, "max"),
					pgm_attribute_text(s, "start"), pgm_attribute_text(s, "cache"),
					pgm_attribute_bool(s, "cycle") ? "" : "NO ");
}

static char *
pgm_trimmed(char *s)
{
	size_t		len = strlen(s);

	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' ' || s[len - 1] == ';'))
		s[--len] = '\0';
	return s;
}

static char *
pgm_policy_statement(PgmDiff *diff, PgmItem *item, bool create)
{
	JsonbContainer *p = item->tgt;
	StringInfoData buf;
	List	   *roles = pgm_attribute_strings(p, "roles");
	char	   *using = pgm_attribute_text(p, "using");
	char	   *check = pgm_attribute_text(p, "with_check");
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s POLICY %s ON %s", create ? "CREATE" : "ALTER",
					 quote_identifier(pgm_attribute_text(p, "name")), pgm_relation_name(diff, item, false));
	if (create)
		appendStringInfo(&buf, " AS %s FOR %s", pgm_attribute_bool(p, "permissive") ? "PERMISSIVE" : "RESTRICTIVE",
						 pgm_attribute_text(p, "command"));
	appendStringInfoString(&buf, " TO ");
	foreach(lc, roles)
		appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", pgm_grantee_sql(lfirst(lc)));
	if (roles == NIL)
		appendStringInfoString(&buf, "PUBLIC");
	if (using)
		appendStringInfo(&buf, " USING (%s)", using);
	if (check)
		appendStringInfo(&buf, " WITH CHECK (%s)", check);
	appendStringInfoChar(&buf, ';');
	return buf.data;
}

/* ALTER TABLE ONLY t ENABLE/DISABLE ... TRIGGER|RULE name, as the target has it. */
static char *
pgm_enable_statement(PgmDiff *diff, PgmItem *item, const char *what)
{
	char	   *enabled = pgm_text(item->tgt, "enabled");
	const char *how = strcmp(enabled, "disabled") == 0 ? "DISABLE" :
		strcmp(enabled, "replica") == 0 ? "ENABLE REPLICA" :
		strcmp(enabled, "always") == 0 ? "ENABLE ALWAYS" : "ENABLE";

	return psprintf("ALTER TABLE ONLY %s %s %s %s;", pgm_relation_name(diff, item, false), how, what,
					quote_identifier(pgm_text(item->tgt, "name")));
}

static char *
pgm_trigger_enable(PgmDiff *diff, PgmItem *item)
{
	return pgm_enable_statement(diff, item, "TRIGGER");
}

static char *
pgm_rule_enable(PgmDiff *diff, PgmItem *item)
{
	return pgm_enable_statement(diff, item, "RULE");
}

static void
pgm_emit_create_type(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;
	char	   *type = pgm_attribute_text(t, "type");
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (strcmp(type, "enum") == 0)
	{
		appendStringInfo(&buf, "CREATE TYPE %s AS ENUM (", pgm_qualified(t));
		foreach(lc, pgm_attribute_strings(t, "labels"))
			appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "", pgm_literal(lfirst(lc)));
		appendStringInfoString(&buf, ");");
	}
	else if (strcmp(type, "domain") == 0)
	{
		char	   *collation = pgm_attribute_text(t, "collation");
		char	   *def = pgm_attribute_text(t, "default");

		appendStringInfo(&buf, "CREATE DOMAIN %s AS %s", pgm_qualified(t), pgm_attribute_text(t, "base_type"));
		if (collation)
			appendStringInfo(&buf, " COLLATE %s", collation);
		if (def)
			appendStringInfo(&buf, " DEFAULT %s", def);
		if (pgm_attribute_bool(t, "not_null"))
			appendStringInfoString(&buf, " NOT NULL");
		appendStringInfoChar(&buf, ';');
	}
	else if (strcmp(type, "composite") == 0)
	{
		List	   *columns = pgm_columns_of(diff, item);

		appendStringInfo(&buf, "CREATE TYPE %s AS (", pgm_qualified(t));
		foreach(lc, columns)
			appendStringInfo(&buf, "%s%s", foreach_current_index(lc) ? ", " : "",
							 pgm_column_definition(((PgmItem *) lfirst(lc))->tgt, false));
		appendStringInfoString(&buf, ");");
	}
	else if (strcmp(type, "range") == 0)
	{
		static const char *const options[] = {"subtype_opclass", "collation", "canonical", "subtype_diff"};
		size_t		k;
		char	   *multirange = pgm_attribute_text(t, "multirange");

		appendStringInfo(&buf, "CREATE TYPE %s AS RANGE (subtype = %s", pgm_qualified(t),
						 pgm_attribute_text(t, "subtype"));
		for (k = 0; k < lengthof(options); k++)
		{
			char	   *value = pgm_attribute_text(t, options[k]);

			if (value)
				appendStringInfo(&buf, ", %s = %s", options[k], value);
		}
		if (multirange)
			appendStringInfo(&buf, ", multirange_type_name = %s", multirange);
		appendStringInfoString(&buf, ");");
	}
	else
	{
		/*
		 * A base type and its input and output functions need each other:
		 * a shell first, the functions, then the type itself (its own node).
		 */
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("CREATE TYPE %s;", pgm_qualified(t)));
		pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("%s;", pgm_attribute_text(t, "definition")));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_OWNED_BY);
		return;
	}
	pgm_emit(diff, i, PGM_NODE_CREATE, buf.data);
	pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
}

static void
pgm_emit_create(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *t = item->tgt;

	if (pgm_kind_is(item, "schema"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("CREATE SCHEMA %s;", quote_identifier(pgm_attribute_text(t, "name"))));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "extension"))
		pgm_emit(diff, i, PGM_NODE_CREATE,
				 psprintf("CREATE EXTENSION %s WITH SCHEMA %s VERSION %s;",
						  quote_identifier(pgm_attribute_text(t, "name")),
						  quote_identifier(pgm_attribute_text(t, "schema")),
						  pgm_literal(pgm_attribute_text(t, "version"))));
	else if (pgm_kind_is(item, "table") || pgm_kind_is(item, "foreign table"))
		pgm_emit_create_table(diff, i);
	else if (pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view"))
	{
		bool		mat = pgm_kind_is(item, "materialized view");
		List	   *columns = pgm_columns_of(diff, item);
		ListCell   *lc;

		pgm_emit(diff, i, PGM_NODE_CREATE,
				 psprintf("CREATE %s %s%s AS\n%s%s;", mat ? "MATERIALIZED VIEW" : "VIEW", pgm_qualified(t),
						  pgm_with_options(t), pgm_query(t),
						  mat ? (pgm_attribute_bool(t, "populated") ? "\nWITH DATA" : "\nWITH NO DATA") : ""));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
		foreach(lc, columns)
		{
			PgmItem    *c = lfirst(lc);

			if (pgm_text(c->tgt, "default") != NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER VIEW %s ALTER COLUMN %s SET DEFAULT %s;",
															pgm_qualified(t), quote_identifier(pgm_text(c->tgt, "name")),
															pgm_text(c->tgt, "default")));
			if (pgm_text(c->tgt, "comment") != NULL)
				pgm_emit(diff, i, PGM_NODE_CREATE, pgm_comment_statement(diff, c));
		}
	}
	else if (pgm_kind_is(item, "sequence"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("CREATE SEQUENCE %s %s;", pgm_qualified(t), pgm_sequence_options(t)));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
		if (pgm_attribute_text(t, "owned_by") != NULL)
		{
			PgmItem    *col = &diff->items[pgm_item_find(diff, pgm_attribute_text(t, "owned_by"))];

			pgm_emit(diff, i, PGM_NODE_OWNED_BY, psprintf("ALTER SEQUENCE %s OWNED BY %s;", pgm_qualified(t),
														  pgm_sql_name(diff, col, false)));
		}
	}
	else if (pgm_kind_is(item, "column"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		if (pgm_kind_is(rel, "type"))
			pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TYPE %s ADD ATTRIBUTE %s;", pgm_qualified(rel->tgt),
														pgm_column_definition(t, false)));
		else
			pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER TABLE %s ADD COLUMN %s;", pgm_qualified(rel->tgt),
														pgm_column_definition(t, true)));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "index"))
	{
		/*
		 * An index of a partitioned table reads "ON ONLY": created so, it
		 * would not build the partitions' indexes, which come with it here.
		 */
		char	   *def = pgm_attribute_text(t, "definition");
		char	   *only;

		if (def == NULL)
			pgm_document_error("target", item->key, "has no definition");
		only = strstr(def, " ON ONLY ");

		if (pgm_attribute(t, "valid") != NULL && !pgm_attribute_bool(t, "valid"))
			pgm_refuse(item, "create", "The index is invalid in the target: a build that failed, or a partitioned index not yet attached on every partition.");

		if (only)
			def = psprintf("%.*s ON %s", (int) (only - def), def, only + strlen(" ON ONLY "));
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", def));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "constraint"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, false);

		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("ALTER %s %s ADD CONSTRAINT %s %s;",
													pgm_kind_is(rel, "type") ? "DOMAIN" : "TABLE",
													pgm_qualified(rel->tgt),
													quote_identifier(pgm_attribute_text(t, "name")),
													pgm_attribute_text(t, "definition")));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "aggregate") || pgm_kind_is(item, "operator") || pgm_kind_is(item, "cast"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_attribute_text(t, "definition")));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "type"))
		pgm_emit_create_type(diff, i);
	else if (pgm_kind_is(item, "trigger"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_attribute_text(t, "definition")));
		if (strcmp(pgm_attribute_text(t, "enabled"), "origin") != 0)
			pgm_emit(diff, i, PGM_NODE_CREATE, pgm_trigger_enable(diff, item));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "policy"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, pgm_policy_statement(diff, item, true));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else if (pgm_kind_is(item, "rule"))
	{
		pgm_emit(diff, i, PGM_NODE_CREATE, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
		if (strcmp(pgm_attribute_text(t, "enabled"), "origin") != 0)
			pgm_emit(diff, i, PGM_NODE_CREATE, pgm_rule_enable(diff, item));
		pgm_emit_new_object_extras(diff, i, PGM_NODE_CREATE);
	}
	else
		pgm_refuse(item, "create", NULL);
}

/*
 * Does PostgreSQL convert the old type to the new one by itself (an
 * assignment cast, as ALTER COLUMN TYPE without USING needs)?  False when a
 * type does not exist yet: USING is then spelt out.
 */
static bool
pgm_converts_by_itself(const char *from, const char *to)
{
	Oid			from_type;
	Oid			to_type;
	int32		typmod;
	Oid			func;

	parseTypeString(from, &from_type, &typmod, true);
	parseTypeString(to, &to_type, &typmod, true);
	if (!OidIsValid(from_type) || !OidIsValid(to_type))
		return false;
	return find_coercion_pathway(to_type, from_type, COERCION_ASSIGNMENT, &func) != COERCION_PATH_NONE;
}

static void
pgm_emit_drop(PgmDiff *diff, int i)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *s = item->src;
	char	   *statement;

	if (pgm_kind_is(item, "column"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, true);

		statement = pgm_kind_is(rel, "type") ?
			psprintf("ALTER TYPE %s DROP ATTRIBUTE %s;", pgm_relation_name(diff, item, true),
					 quote_identifier(pgm_attribute_text(s, "name"))) :
			psprintf("ALTER TABLE %s DROP COLUMN %s;", pgm_relation_name(diff, item, true),
					 quote_identifier(pgm_attribute_text(s, "name")));
	}
	else if (pgm_kind_is(item, "constraint"))
	{
		PgmItem    *rel = pgm_relation_item(diff, item, true);

		statement = psprintf("ALTER %s %s DROP CONSTRAINT %s;", pgm_kind_is(rel, "type") ? "DOMAIN" : "TABLE",
							 pgm_relation_name(diff, item, true), quote_identifier(pgm_attribute_text(s, "name")));
	}
	else if (pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") || pgm_kind_is(item, "rule"))
		statement = psprintf("DROP %s %s ON %s;", pgm_kind_is(item, "trigger") ? "TRIGGER" :
							 pgm_kind_is(item, "policy") ? "POLICY" : "RULE",
							 quote_identifier(pgm_attribute_text(s, "name")), pgm_relation_name(diff, item, true));
	else if (pgm_is_base_type(item, true))
		statement = psprintf("DROP TYPE %s CASCADE;", pgm_sql_name(diff, item, true));	/* and its I/O functions */
	else if (pgm_sql_kind(item) != NULL)
		statement = psprintf("DROP %s %s;", pgm_sql_kind(item), pgm_sql_name(diff, item, true));
	else
		pgm_refuse(item, "drop", NULL);
	pgm_emit(diff, i, PGM_NODE_DROP, statement);
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
		PgmItem    *rel = pgm_relation_item(diff, item, false);
		char	   *relname = pgm_qualified(rel->tgt);
		char	   *col = pstrdup(quote_identifier(pgm_attribute_text(t, "name")));
		bool		view = pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view");
		bool		type = pgm_kind_is(rel, "type");
		const char *alter = view ? "VIEW" : "TABLE";
		bool		converts = true;

		if (item->type_changed)
		{
			char	   *collation = pgm_attribute_text(t, "collation");

			if (type)
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s%s%s;", relname, col,
														   pgm_attribute_text(t, "type"), collation ? " COLLATE " : "",
														   collation ? collation : ""));
			else
			{
				char	   *old_type = pgm_attribute_text(s, "type");
				char	   *new_type = pgm_attribute_text(t, "type");

				/* a default the server may not convert is set again after */
				converts = pgm_converts_by_itself(old_type, new_type);
				if (pgm_text(s, "default") != NULL && item->change != PGM_REDEFAULT && !converts)
					pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;", relname, col));
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s%s%s%s%s;",
														   relname, col, new_type,
														   collation ? " COLLATE " : "", collation ? collation : "",
														   converts ? "" : " USING ", converts ? "" : col,
														   converts ? "" : "::", converts ? "" : new_type));
			}
		}
		if (!type && !view && (pgm_differs(item, "identity")))
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
		if (!type && !view && pgm_text(s, "identity") && pgm_text(t, "identity") &&
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
		if (!type && !view && pgm_differs(item, "not_null"))
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ALTER COLUMN %s %s NOT NULL;", relname, col,
													   pgm_attribute_bool(t, "not_null") ? "SET" : "DROP"));
		if (pgm_differs(item, "grants"))
			pgm_emit_grants(diff, i, PGM_NODE_ALTER, pgm_attribute_strings(s, "grants"), pgm_attribute_strings(t, "grants"),
							psprintf("TABLE %s", relname), pgm_attribute_text(t, "name"));
		if (pgm_differs(item, "comment"))
			pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
		return;
	}

	if (pgm_kind_is(item, "table"))
	{
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
		{
			char	   *ri = pgm_attribute_text(t, "replica_identity");

			if (ri == NULL)
				ri = "d";
			if (strcmp(ri, "i") == 0)
				pgm_refuse(item, "set the replica identity of", "A replica identity USING INDEX names an index the schema document does not link.");
			pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s REPLICA IDENTITY %s;", name,
													   strcmp(ri, "f") == 0 ? "FULL" : strcmp(ri, "n") == 0 ? "NOTHING" : "DEFAULT"));
		}
		if (pgm_differs(item, "partition_of") || pgm_differs(item, "partition_bound"))
		{
			char	   *before = pgm_text(s, "partition_of");
			char	   *after = pgm_text(t, "partition_of");

			if (before)
			{
				PgmItem    *parent = &diff->items[pgm_item_find(diff, pgm_renamed_key(diff, before))];

				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s DETACH PARTITION %s;",
														   pgm_qualified(pgm_item_object(parent)), name));
			}
			if (after)
			{
				PgmItem    *parent = &diff->items[pgm_item_find(diff, after)];

				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s ATTACH PARTITION %s %s;",
														   pgm_qualified(parent->tgt), name,
														   pgm_attribute_text(t, "partition_bound")));
			}
		}
		if (pgm_differs(item, "inherits"))
		{
			List	   *before = pgm_attribute_strings(s, "inherits");
			List	   *after = pgm_attribute_strings(t, "inherits");
			ListCell   *lc;

			foreach(lc, before)
				if (!pgm_list_has_string(after, pgm_renamed_key(diff, lfirst(lc))))
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s NO INHERIT %s;", name,
														   pgm_qualified(pgm_item_object(&diff->items[pgm_item_find(diff, pgm_renamed_key(diff, lfirst(lc)))]))));
			foreach(lc, after)
				if (!pgm_list_has_string(before, lfirst(lc)))
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TABLE %s INHERIT %s;", name,
														   pgm_qualified(diff->items[pgm_item_find(diff, lfirst(lc))].tgt)));
		}
	}
	if (pgm_kind_is(item, "table") || pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view"))
	{
		if (pgm_differs(item, "options"))
		{
			List	   *before = pgm_attribute_strings(s, "options");
			List	   *after = pgm_attribute_strings(t, "options");
			ListCell   *lc;
			StringInfoData reset;

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
	}
	if (pgm_kind_is(item, "view") && pgm_differs(item, "query"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("CREATE OR REPLACE VIEW %s%s AS\n%s;", name, pgm_with_options(t), pgm_query(t)));
	if (pgm_kind_is(item, "sequence"))
	{
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
	if (pgm_kind_is(item, "constraint") && pgm_differs(item, "definition"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s VALIDATE CONSTRAINT %s;",
												   pgm_kind_is(pgm_relation_item(diff, item, false), "type") ? "DOMAIN" : "TABLE",
												   pgm_relation_name(diff, item, false),
												   quote_identifier(pgm_attribute_text(t, "name"))));
	if ((pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure")) && pgm_differs(item, "definition"))
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("%s;", pgm_trimmed(pgm_attribute_text(t, "definition"))));
	if (pgm_kind_is(item, "type"))
	{
		char	   *type = pgm_attribute_text(t, "type");

		if (strcmp(type, "enum") == 0 && pgm_differs(item, "labels"))
		{
			List	   *before = pgm_attribute_strings(s, "labels");
			List	   *after = pgm_attribute_strings(t, "labels");
			ListCell   *lc;

			foreach(lc, after)
			{
				if (pgm_list_has_string(before, lfirst(lc)))
					continue;
				if (foreach_current_index(lc) == 0)
					pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s BEFORE %s;", name,
															   pgm_literal(lfirst(lc)),
															   pgm_literal(list_nth(after, 1))));
				else
					pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER TYPE %s ADD VALUE %s AFTER %s;", name,
															   pgm_literal(lfirst(lc)),
															   pgm_literal(list_nth(after, foreach_current_index(lc) - 1))));
			}
		}
		if (strcmp(type, "domain") == 0)
		{
			if (pgm_differs(item, "default"))
			{
				char	   *def = pgm_attribute_text(t, "default");

				pgm_emit(diff, i, PGM_NODE_ALTER, def ? psprintf("ALTER DOMAIN %s SET DEFAULT %s;", name, def) :
						 psprintf("ALTER DOMAIN %s DROP DEFAULT;", name));
			}
			if (pgm_differs(item, "not_null"))
				pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER DOMAIN %s %s NOT NULL;", name,
														   pgm_attribute_bool(t, "not_null") ? "SET" : "DROP"));
		}
	}
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

	/* what every kind has */
	if (pgm_differs(item, "owner") && kind != NULL && pgm_text(t, "owner") != NULL)
		pgm_emit(diff, i, PGM_NODE_ALTER, psprintf("ALTER %s %s OWNER TO %s;", kind, name,
												   quote_identifier(pgm_attribute_text(t, "owner"))));
	if (pgm_differs(item, "grants") && kind != NULL)
	{
		List	   *before = pgm_attribute_strings(s, "grants");

		/* ALTER ... OWNER TO hands the old owner's privileges to the new one */
		if (pgm_differs(item, "owner") && pgm_text(s, "owner") && pgm_text(t, "owner"))
		{
			char	   *old_owner = pgm_text(s, "owner");
			List	   *moved = NIL;
			ListCell   *lc;

			foreach(lc, before)
			{
				PgmGrant	g = pgm_parse_grant(lfirst(lc));

				moved = lappend(moved, strcmp(g.grantee, old_owner) == 0 ?
								psprintf("%s=%s%s", pgm_text(t, "owner"), g.privilege, g.grantable ? "*" : "") :
								lfirst(lc));
			}
			before = moved;
		}
		pgm_emit_grants(diff, i, PGM_NODE_ALTER, before, pgm_attribute_strings(t, "grants"),
						pgm_grant_target(diff, item), NULL);
	}
	if (pgm_differs(item, "comment") && (kind != NULL || pgm_kind_is(item, "constraint") ||
										 pgm_kind_is(item, "trigger") || pgm_kind_is(item, "policy") ||
										 pgm_kind_is(item, "rule")))
		pgm_emit(diff, i, PGM_NODE_ALTER, pgm_comment_statement(diff, item));
}

/*
 * The column that owns a sequence in the source, when it goes (dropped, or
 * with its table): DROP would take the sequence with it.  NULL otherwise.
 */
static PgmItem *
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
 * What comes with another object but is not as it would come: a
 * partition's trigger or rule enabled otherwise than its parent's, a
 * comment on a constraint's index.  Said in the node that creates the
 * carrier, after it, or in an ALTER of the item's own.
 */
static void
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
		if ((pgm_kind_is(item, "trigger") || pgm_kind_is(item, "rule")) &&
			strcmp(pgm_text(item->tgt, "enabled"), "origin") != 0)
			statement = pgm_kind_is(item, "trigger") ? pgm_trigger_enable(diff, item) : pgm_rule_enable(diff, item);
		else if (pgm_kind_is(item, "index") && pgm_text(item->tgt, "comment") != NULL)
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

static void
pgm_emit_all(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		pgm_emit_keep_sequence(diff, i);

		switch (item->change)
		{
			case PGM_SAME:
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

/* ------------------------------------------------------------ order */

static void
pgm_edge(PgmDiff *diff, int from, int to)
{
	if (from < 0 || to < 0 || from == to)
		return;
	diff->nodes[from].successors = lappend_int(diff->nodes[from].successors, to);
	diff->nodes[to].waiting++;
}

/* The node that drops (or creates) the item: its own, or its carrier's. */
static int
pgm_node_of(PgmDiff *diff, int i, PgmNodeKind kind)
{
	int			hops;

	for (hops = 0; i >= 0 && hops < 8; hops++)
	{
		PgmItem    *item = &diff->items[i];

		if (item->node[kind] >= 0)
			return item->node[kind];
		if ((kind == PGM_NODE_DROP && item->implied_drop) || (kind == PGM_NODE_CREATE && item->implied_create))
			i = item->carrier;
		else
			return -1;
	}
	return -1;
}

/*
 * A constraint a child declares and inherits too (the same name on a
 * parent): created before the parent's, which merges into it, and dropped
 * after it, while the parent's would still hold it.
 */
static void
pgm_order_merged_constraint(PgmDiff *diff, PgmItem *item)
{
	int			pass;

	for (pass = 0; pass < 2; pass++)
	{
		bool		source = pass == 0;
		JsonbContainer *obj = source ? item->src : item->tgt;
		PgmItem    *rel;
		ListCell   *lc;

		if (obj == NULL || !pgm_attribute_bool(obj, "inherited") || !pgm_attribute_bool(obj, "local") ||
			(rel = pgm_relation_item(diff, item, source)) == NULL)
			continue;
		foreach(lc, pgm_attribute_strings(source ? rel->src : rel->tgt, "inherits"))
		{
			char	   *parent_key = source ? pgm_renamed_key(diff, lfirst(lc)) : lfirst(lc);
			int			p = pgm_item_find(diff, parent_key);
			int			pc;

			if (p < 0)
				continue;
			pc = pgm_item_find(diff, psprintf("constraint %s.%s", pgm_qualified(pgm_item_object(&diff->items[p])),
											  quote_identifier(pgm_text(obj, "name"))));
			if (pc < 0)
				continue;
			if (source)
				pgm_edge(diff, pgm_node_of(diff, pc, PGM_NODE_DROP), item->node[PGM_NODE_DROP]);
			else
				pgm_edge(diff, item->node[PGM_NODE_CREATE], pgm_node_of(diff, pc, PGM_NODE_CREATE));
		}
	}
}

static void
pgm_order_edges(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		int			d = pgm_node_of(diff, i, PGM_NODE_DROP);
		int			a = item->node[PGM_NODE_ALTER];
		int			c = pgm_node_of(diff, i, PGM_NODE_CREATE);
		int			o = item->node[PGM_NODE_OWNED_BY];
		ListCell   *lc;

		if (item->node[PGM_NODE_DROP] >= 0)
		{
			pgm_edge(diff, d, a);
			pgm_edge(diff, d, c);
		}
		if (item->node[PGM_NODE_CREATE] >= 0)
			pgm_edge(diff, a, c);
		/* drop dependents first; alter away from what is dropped */
		foreach(lc, item->src_deps)
		{
			int			r = lfirst_int(lc);
			int			rd = pgm_node_of(diff, r, PGM_NODE_DROP);
			int			ra = diff->items[r].node[PGM_NODE_ALTER];

			if (rd >= 0)
				pgm_edge(diff, d >= 0 ? d : a, rd);
			/* ALTER COLUMN ... TYPE wants what uses the column gone first */
			if (ra >= 0 && d >= 0 && diff->items[r].type_changed &&
				(item->node[PGM_NODE_DROP] >= 0 || item->implied_drop))
				pgm_edge(diff, d, ra);
		}
		/* create and alter what it depends on first */
		foreach(lc, item->tgt_deps)
		{
			int			r = lfirst_int(lc);
			int			rc = pgm_node_of(diff, r, PGM_NODE_CREATE);
			int			ra = diff->items[r].node[PGM_NODE_ALTER];
			int			rdefine = diff->items[r].node[PGM_NODE_OWNED_BY];

			/* a new base type: its functions between its shell and itself */
			if (o >= 0 && pgm_is_base_type(item, false) && pgm_kind_is(&diff->items[r], "function"))
			{
				pgm_edge(diff, rc, o);
				pgm_edge(diff, ra, o);
				continue;
			}
			if (rdefine >= 0 && pgm_is_base_type(&diff->items[r], false) &&
				!list_member_int(diff->items[r].tgt_deps, i))
			{
				/* what uses a new base type, but its own functions, waits for all of it */
				pgm_edge(diff, rdefine, c);
				pgm_edge(diff, rdefine, a);
			}

			if (item->change == PGM_CREATE || item->change == PGM_REBUILD || item->change == PGM_REDEFAULT)
			{
				pgm_edge(diff, rc, c);
				pgm_edge(diff, ra, c);
			}
			pgm_edge(diff, rc, a);
			pgm_edge(diff, ra, a);
		}
		if (pgm_kind_is(item, "constraint"))
			pgm_order_merged_constraint(diff, item);
		if (a >= 0 && pgm_kind_is(item, "sequence") && item->src && pgm_departing_owner(diff, item))
			pgm_edge(diff, a, pgm_node_of(diff, pgm_departing_owner(diff, item) - diff->items, PGM_NODE_DROP));
		if (o >= 0 && pgm_is_base_type(item, false))
			pgm_edge(diff, c, o);
		else if (o >= 0)
		{
			int			col = pgm_item_find(diff, pgm_text(item->tgt, "owned_by"));

			pgm_edge(diff, c, o);
			pgm_edge(diff, a, o);
			pgm_edge(diff, pgm_node_of(diff, col, PGM_NODE_CREATE), o);
			pgm_edge(diff, diff->items[col].node[PGM_NODE_ALTER], o);
		}
	}
}

/* The rank of a kind when nothing else decides: containers before contents. */
static int
pgm_kind_rank(PgmItem *item)
{
	static const char *const order[] = {
		"schema", "extension", "type", "function", "procedure", "aggregate", "operator", "cast", "sequence", "table",
		"foreign table", "column", "constraint", "index", "view", "materialized view", "trigger", "policy",
		"rule"
	};
	size_t		i;

	for (i = 0; i < lengthof(order); i++)
		if (pgm_kind_is(item, order[i]))
			return (int) i;
	return (int) lengthof(order);
}

/* Which of two ready nodes goes first. */
static bool
pgm_node_before(PgmDiff *diff, int a, int b)
{
	PgmDiffNode *na = &diff->nodes[a];
	PgmDiffNode *nb = &diff->nodes[b];
	PgmItem    *ia = &diff->items[na->item];
	PgmItem    *ib = &diff->items[nb->item];
	int			ra;
	int			rb;
	int			cmp;

	if ((na->kind == PGM_NODE_DROP) != (nb->kind == PGM_NODE_DROP))
		return na->kind == PGM_NODE_DROP;
	ra = pgm_kind_rank(ia);
	rb = pgm_kind_rank(ib);
	if (na->kind == PGM_NODE_DROP)
	{
		ra = -ra;				/* contents before containers */
		rb = -rb;
	}
	if (ra != rb)
		return ra < rb;
	cmp = strcmp(ia->key, ib->key);
	if (cmp != 0)
		return cmp < 0;
	return na->kind < nb->kind;
}

/* A binary heap of ready nodes. */
typedef struct PgmHeap
{
	int		   *slots;
	int			count;
} PgmHeap;

static void
pgm_heap_push(PgmDiff *diff, PgmHeap *heap, int node)
{
	int			i = heap->count++;

	heap->slots[i] = node;
	while (i > 0)
	{
		int			parent = (i - 1) / 2;

		if (!pgm_node_before(diff, heap->slots[i], heap->slots[parent]))
			break;
		heap->slots[i] = heap->slots[parent];
		heap->slots[parent] = node;
		i = parent;
	}
}

static int
pgm_heap_pop(PgmDiff *diff, PgmHeap *heap)
{
	int			top = heap->slots[0];
	int			i = 0;

	heap->slots[0] = heap->slots[--heap->count];
	for (;;)
	{
		int			l = 2 * i + 1;
		int			r = l + 1;
		int			best = i;
		int			tmp;

		if (l < heap->count && pgm_node_before(diff, heap->slots[l], heap->slots[best]))
			best = l;
		if (r < heap->count && pgm_node_before(diff, heap->slots[r], heap->slots[best]))
			best = r;
		if (best == i)
			break;
		tmp = heap->slots[i];
		heap->slots[i] = heap->slots[best];
		heap->slots[best] = tmp;
		i = best;
	}
	return top;
}

/*
 * The statements in the order to run them; *sources gets the item each
 * comes from (-1 for the renames).
 */
static List *
pgm_order(PgmDiff *diff, List **sources)
{
	PgmHeap		heap;
	List	   *out = list_copy(diff->rename_statements);
	int			done = 0;
	int			i;

	/*
	 * As pg_dump does: function bodies name tables and types that may come
	 * later in the script (or never appear in pg_depend), so they are not
	 * checked when the functions are created.
	 */
	for (i = 0; i < diff->nnodes; i++)
	{
		PgmItem    *item = &diff->items[diff->nodes[i].item];

		if ((pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure")) &&
			diff->nodes[i].kind != PGM_NODE_DROP)
		{
			out = lcons(pstrdup("SET check_function_bodies = false;"), out);
			break;
		}
	}
	*sources = NIL;
	for (i = 0; i < list_length(out); i++)
		*sources = lappend_int(*sources, -1);

	heap.slots = palloc(sizeof(int) * Max(diff->nnodes, 1));
	heap.count = 0;
	for (i = 0; i < diff->nnodes; i++)
		if (diff->nodes[i].waiting == 0)
			pgm_heap_push(diff, &heap, i);
	while (heap.count > 0)
	{
		int			n = pgm_heap_pop(diff, &heap);
		ListCell   *lc;

		out = list_concat(out, diff->nodes[n].statements);
		for (i = 0; i < list_length(diff->nodes[n].statements); i++)
			*sources = lappend_int(*sources, diff->nodes[n].item);
		done++;
		foreach(lc, diff->nodes[n].successors)
		{
			int			s = lfirst_int(lc);

			if (--diff->nodes[s].waiting == 0)
				pgm_heap_push(diff, &heap, s);
		}
	}
	if (done < diff->nnodes)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (i = 0; i < diff->nnodes && buf.len < 400; i++)
			if (diff->nodes[i].waiting > 0)
				appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", diff->items[diff->nodes[i].item].key);
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("the diff engine found no order for changes that depend on each other"),
				 errdetail("Changes left: %s.", buf.data),
				 errhint("Split the change into two revisions, then diff again.")));
	}
	return out;
}

/* ---------------------------------------------------------- renames */

/*
 * A rename's new name is free: the source has no relation or type of that
 * name in the schema (for a table), no column of that name in the table
 * (for a column), and no other rename takes it.  Else two objects would
 * have one key, and the script would fail where it renames.
 */
static void
pgm_check_rename_free(PgmDiff *diff, PgmSnapshot *src, PgmRename *rename, const char *schema,
					  const char *table, const char *column, const char *to)
{
	static const char *const relation_kinds[] = {
		"table", "view", "materialized view", "sequence", "foreign table", "index", "type"
	};
	const char *qualified = psprintf("%s.%s", quote_identifier(schema), quote_identifier(table));
	char	   *taken = NULL;
	char	   *detail = NULL;
	ListCell   *lc;
	size_t		k;

	if (column != NULL)
	{
		char	   *key = psprintf("column %s.%s", qualified, quote_identifier(to));

		if (pgm_snapshot_find(src, key) != NULL)
			taken = key;
	}
	for (k = 0; column == NULL && k < lengthof(relation_kinds) && taken == NULL; k++)
	{
		char	   *key = psprintf("%s %s.%s", relation_kinds[k], quote_identifier(schema), quote_identifier(to));

		if (pgm_snapshot_find(src, key) != NULL)
			taken = key;
	}
	if (taken != NULL)
		detail = psprintf("The source holds %s.", taken);
	foreach(lc, diff->renames)
		if (detail == NULL && strcmp(((PgmRename *) lfirst(lc))->to_key, rename->to_key) == 0)
			detail = psprintf("Another rename gives %s that name.",
							  ((PgmRename *) lfirst(lc))->from_key);
	if (detail != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("cannot rename %s%s%s to %s: the name is taken", qualified,
						column != NULL ? "." : "", column != NULL ? quote_identifier(column) : "",
						quote_identifier(to)),
				 errdetail("%s", detail),
				 errhint("Rename it to a name that is free, or leave the rename out.")));
}

static void
pgm_parse_renames(PgmDiff *diff, ArrayType *renames, PgmSnapshot *src)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			k;
	int			pass;

	deconstruct_array(renames, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	/* tables first: a column rename then names the table by its new name */
	for (pass = 0; pass < 2; pass++)
	{
		for (k = 0; k < n; k++)
		{
			char	   *spec;
			char	   *eq;
			List	   *names;
			PgmRename  *r;
			char	   *to;
			char	   *table_key;

			if (nulls[k])
				continue;
			spec = TextDatumGetCString(elems[k]);
			eq = strrchr(spec, '=');
			if (eq != NULL && eq != spec && eq[1] != '\0')
			{
				*eq = '\0';
				to = eq + 1;
			}
			else
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rename \"%s\" is not of the form schema.table.column=new_name or schema.table=new_name", spec)));
			if (!SplitIdentifierString(pstrdup(spec), '.', &names) ||
				(list_length(names) != 2 && list_length(names) != 3))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("rename \"%s=%s\" names neither a table (schema.table) nor a column (schema.table.column)", spec, to)));
			if ((pass == 0) != (list_length(names) == 2))
				continue;
			r = palloc(sizeof(PgmRename));
			r->table = list_length(names) == 2;
			table_key = psprintf("table %s.%s", quote_identifier(linitial(names)), quote_identifier(lsecond(names)));
			r->from_key = r->table ? table_key :
				psprintf("column %s.%s.%s", quote_identifier(linitial(names)),
						 quote_identifier(lsecond(names)), quote_identifier(lthird(names)));
			if (pgm_snapshot_find(src, r->from_key) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("cannot rename %s: the source has no such object", r->from_key + (r->table ? 6 : 7)),
						 errhint("Name it as schema.table or schema.table.column, as the source document has it.")));
			if (r->table)
			{
				r->to_key = psprintf("table %s.%s", quote_identifier(linitial(names)), quote_identifier(to));
				diff->rename_statements = lappend(diff->rename_statements,
												  psprintf("ALTER TABLE %s RENAME TO %s;", table_key + 6,
														   quote_identifier(to)));
			}
			else
			{
				/* the column under its table's new name */
				char	   *table = pgm_renamed_key(diff, table_key) + 6;

				r->from_key = psprintf("column %s.%s", table, quote_identifier(lthird(names)));
				r->to_key = psprintf("column %s.%s", table, quote_identifier(to));
				diff->rename_statements = lappend(diff->rename_statements,
												  psprintf("ALTER TABLE %s RENAME COLUMN %s TO %s;", table,
														   quote_identifier(lthird(names)), quote_identifier(to)));
			}
			pgm_check_rename_free(diff, src, r, linitial(names), lsecond(names),
								  r->table ? NULL : lthird(names), to);
			diff->renames = lappend(diff->renames, r);
		}
	}
}

/* ----------------------------------------------------------- hazards */

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

static char *
pgm_rename_advice(const char *what, const char *old_name, const char *new_name, const char *from_key,
				  const char *new_bare)
{
	const char *from = strchr(from_key, ' ') + 1;

	return psprintf("it looks like a rename of %s %s to %s: say so with renames => '{%s=%s}' (pgmigrate diff --rename %s=%s)",
					what, old_name, new_name, from, new_bare, from, new_bare);
}

/*
 * A drop of a column (or a table) next to an add of one of the same shape
 * looks like a rename; the hazard says how to ask for one.
 */
static char *
pgm_rename_hint(PgmDiff *diff, PgmItem *dropped)
{
	int			i;
	bool		table = pgm_kind_is(dropped, "table");
	char	   *shape = NULL;

	if ((!pgm_kind_is(dropped, "column") && !table) || dropped->implied_drop)
		return NULL;
	if (table)
		shape = pgm_table_shape(diff, dropped, true);
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *added = &diff->items[i];

		if (added->change != PGM_CREATE || added->implied_create || strcmp(added->kind, dropped->kind) != 0)
			continue;
		if (!table && pgm_relation_item(diff, added, false) == pgm_relation_item(diff, dropped, true) &&
			pgm_same_text(pgm_text(added->tgt, "type"), pgm_text(dropped->src, "type")))
			return pgm_rename_advice("column", quote_identifier(pgm_text(dropped->src, "name")),
									 quote_identifier(pgm_text(added->tgt, "name")), dropped->key,
									 pgm_text(added->tgt, "name"));
		if (table && pgm_same_text(pgm_text(added->tgt, "schema"), pgm_text(dropped->src, "schema")) &&
			strcmp(shape, pgm_table_shape(diff, added, false)) == 0)
			return pgm_rename_advice("table", pgm_qualified(dropped->src), quote_identifier(pgm_text(added->tgt, "name")),
									 dropped->key, pgm_text(added->tgt, "name"));
	}
	return NULL;
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

/* ------------------------------------------------------------ entry */

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
		pgm_parse_renames(&diff, PG_GETARG_ARRAYTYPE_P(2), src);

	pgm_diff_load(&diff, src, tgt);
	pgm_classify(&diff);
	pgm_emit_all(&diff);
	pgm_emit_carried_extras(&diff);
	pgm_order_edges(&diff);
	statements = pgm_order(&diff, &sources);
	hazards = pgm_hazards(statements, &unguarded);

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
			pgm_rename_hint(&diff, &diff.items[item]) : NULL;

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
