/*
 * order.c — the statements in an order that runs: each node (an item's
 * drop, alter, create or OWNED BY) after what it needs, by the
 * dependencies of both documents; ties broken by drops first, then kind,
 * then key, so the same documents always give the same script.
 *
 * Calls snapshot.c, model.c, plan.c and alter.c.
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "pgmigrate.h"
#include "schema/model.h"

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

/*
 * A partition's constraint or index that stays while its table leaves the
 * parent (DETACH, NO INHERIT): the table leaves before the parent's drops
 * them, which would drop the partition's with them.
 */
static void
pgm_order_kept_on_detach(PgmDiff *diff, PgmItem *item)
{
	const char *attribute = pgm_kind_is(item, "index") ? "partition_of" : "parent";
	char	   *before = pgm_text(item->src, attribute);
	char	   *after = pgm_text(item->tgt, attribute);
	PgmItem    *table = pgm_relation_item(diff, item, false);
	int			parent;

	if (before == NULL || (after != NULL && strcmp(before, after) == 0) || table == NULL)
		return;
	parent = pgm_item_find(diff, before);
	if (parent >= 0)
		pgm_edge(diff, table->node[PGM_NODE_ALTER], pgm_node_of(diff, parent, PGM_NODE_DROP));
}

/* Does constraint item `p` change enforcement with an ALTER CONSTRAINT? */
static bool
pgm_enforcement_altered(PgmDiff *diff, int p)
{
	PgmItem    *c = p >= 0 ? &diff->items[p] : NULL;
	PgmEnforcementChange change;

	if (c == NULL || c->change != PGM_ALTER || c->node[PGM_NODE_ALTER] < 0)
		return false;
	change = pgm_enforcement_change(c);
	return change == PGM_ENFORCEMENT_ENFORCED || change == PGM_ENFORCEMENT_NOT_ENFORCED;
}

/*
 * A partition's foreign key that leaves its parent's, or joins it, while
 * the parent's changes enforcement (PostgreSQL 18): the partition leaves
 * (DETACH) before the parent's ALTER CONSTRAINT, which would reach it, and
 * joins (ATTACH, PARTITION OF) after it, since PostgreSQL attaches a
 * foreign key only to one enforced alike.
 */
static void
pgm_order_partition_enforcement(PgmDiff *diff, PgmItem *item)
{
	char	   *before = item->src ? pgm_renamed_key(diff, pgm_text(item->src, "parent")) : NULL;
	char	   *after = item->tgt ? pgm_text(item->tgt, "parent") : NULL;
	PgmItem    *table;
	int			p;

	if (pgm_same_text(before, after))
		return;
	if (before != NULL && pgm_enforcement_altered(diff, p = pgm_item_find(diff, before)) &&
		(table = pgm_relation_item(diff, item, true)) != NULL)
		pgm_edge(diff, table->node[PGM_NODE_ALTER], diff->items[p].node[PGM_NODE_ALTER]);
	if (after != NULL && pgm_enforcement_altered(diff, p = pgm_item_find(diff, after)) &&
		(table = pgm_relation_item(diff, item, false)) != NULL)
	{
		pgm_edge(diff, diff->items[p].node[PGM_NODE_ALTER], table->node[PGM_NODE_ALTER]);
		pgm_edge(diff, diff->items[p].node[PGM_NODE_ALTER], pgm_node_of(diff, table - diff->items, PGM_NODE_CREATE));
	}
}

/*
 * A column or constraint a table keeps as it leaves its parents, dropped
 * by itself after that: the table leaves before the drop of any
 * ancestor's of that name, which would reach it through the parents.
 */
static void
pgm_order_left_behind(PgmDiff *diff, PgmItem *item)
{
	PgmItem    *table = pgm_relation_item(diff, item, true);
	int			a = table->node[PGM_NODE_ALTER];
	const char *name = quote_identifier(pgm_text(item->src, "name"));
	List	   *parents = list_copy(pgm_parents(diff, table->src, true));
	int			seen;

	pgm_edge(diff, a, item->node[PGM_NODE_DROP]);
	/* breadth first up the source's parents; a document's cycle ends at the bound */
	for (seen = 0; parents != NIL && seen < diff->nitems; seen++)
	{
		char	   *parent = linitial(parents);
		int			p = pgm_item_find(diff, psprintf("%s %s.%s", item->kind, parent + strlen("table "), name));
		int			t = pgm_item_find(diff, parent);

		parents = list_delete_first(parents);
		if (p < 0 || diff->items[p].src == NULL)
			continue;
		pgm_edge(diff, a, pgm_node_of(diff, p, PGM_NODE_DROP));	/* its own, or its carrier's */
		if (t >= 0 && diff->items[t].src != NULL && pgm_attribute_bool(diff->items[p].src, "inherited"))
			parents = list_concat(parents, pgm_parents(diff, diff->items[t].src, true));
	}
}

/*
 * A column of a table that gains its parent in the script, with an ALTER
 * of its own: that ALTER comes before the table's (which says INHERIT).
 */
static bool
pgm_column_joins_parent(PgmItem *item)
{
	return pgm_kind_is(item, "column") && item->node[PGM_NODE_ALTER] >= 0 &&
		item->src != NULL && !pgm_attribute_bool(item->src, "inherited") &&
		item->tgt != NULL && pgm_attribute_bool(item->tgt, "inherited");
}

/*
 * The statements of a column that comes with its parent's (a grant, a
 * comment) after the ADD COLUMN that brings it, through as many parents
 * as it takes; an inherited column's ALTER after its parent column's
 * (DROP NOT NULL wants the parent's gone first).
 */
static void
pgm_order_inherited_column(PgmDiff *diff, PgmItem *item)
{
	PgmItem    *c = item;
	PgmItem    *table = pgm_relation_item(diff, item, false);
	bool		inherited = item->tgt != NULL && pgm_attribute_bool(item->tgt, "inherited");
	int			parent = inherited && table != NULL ?
		pgm_parent_column_item(diff, table->tgt, pgm_text(item->tgt, "name")) : -1;
	int			hops;

	if (inherited)
	{
		if (parent >= 0)
			pgm_edge(diff, diff->items[parent].node[PGM_NODE_ALTER], item->node[PGM_NODE_ALTER]);

		/*
		 * A column that becomes inherited (its table gains the parent in
		 * this script) is altered, as is its parent's, before INHERIT: once
		 * inherited, the parent's ALTER reaches it and its own is refused.
		 */
		if (pgm_column_joins_parent(item))
		{
			int			inherit = table ? table->node[PGM_NODE_ALTER] : -1;

			pgm_edge(diff, item->node[PGM_NODE_ALTER], inherit);
			if (parent >= 0)
				pgm_edge(diff, diff->items[parent].node[PGM_NODE_ALTER], inherit);
		}
	}
	/*
	 * A new column its table declares and inherits too (merged): its own
	 * ADD COLUMN first, then the parent's, which merges into it; the other
	 * way round the parent's brings it and the child's own is refused.
	 */
	if (item->node[PGM_NODE_CREATE] >= 0 && !item->implied_create && inherited &&
		pgm_attribute_bool(item->tgt, "local") && parent >= 0)
		pgm_edge(diff, item->node[PGM_NODE_CREATE], diff->items[parent].node[PGM_NODE_CREATE]);
	for (hops = 0; hops < 64 && c->implied_create; hops++)
	{
		int			p = pgm_parent_column_item(diff, pgm_relation_item(diff, c, false)->tgt,
											   pgm_text(c->tgt, "name"));

		if (p < 0)
			return;
		c = &diff->items[p];
		if (c->node[PGM_NODE_CREATE] >= 0)
		{
			pgm_edge(diff, c->node[PGM_NODE_CREATE], item->node[PGM_NODE_ALTER]);
			return;
		}
	}
}

/*
 * The renaming of a partition's index that comes with its parent's, after
 * what brings it: its parent index, its table (created or attached), its
 * constraint; and after the drop of the parent index it had, if that goes.
 */
static void
pgm_order_partition_index(PgmDiff *diff, PgmItem *index)
{
	int			a = index->node[PGM_NODE_ALTER];
	int			parent = pgm_item_find(diff, pgm_text(index->tgt, "partition_of"));
	int			constraint = pgm_item_find(diff, pgm_text(index->tgt, "constraint"));
	PgmItem    *rel = pgm_relation_item(diff, index, false);

	pgm_edge(diff, pgm_node_of(diff, parent, PGM_NODE_CREATE), a);
	pgm_edge(diff, pgm_node_of(diff, constraint, PGM_NODE_CREATE), a);
	/* a parent index dropped takes the partition's old one, and its name, along */
	if (index->src != NULL && pgm_text(index->src, "partition_of") != NULL)
		pgm_edge(diff, pgm_node_of(diff, pgm_item_find(diff, pgm_renamed_key(diff, pgm_text(index->src, "partition_of"))),
								   PGM_NODE_DROP), a);
	if (rel != NULL)
	{
		pgm_edge(diff, pgm_node_of(diff, rel - diff->items, PGM_NODE_CREATE), a);
		pgm_edge(diff, rel->node[PGM_NODE_ALTER], a);
	}
}

/*
 * Is `index` a partition's index of a constraint the partition gets on its
 * own (a primary key added to the partition) that the partition's parent
 * index `parent` adopts?  The constraint then comes before the parent's
 * index, which attaches the constraint's index instead of building one
 * (after it, the parent's index would have built its own and the
 * constraint another).
 */
static bool
pgm_index_adopted(PgmDiff *diff, PgmItem *index, int parent)
{
	int			constraint;

	if (!pgm_kind_is(index, "index") || index->tgt == NULL ||
		!pgm_same_text(pgm_text(index->tgt, "partition_of"), diff->items[parent].key))
		return false;
	constraint = pgm_item_find(diff, pgm_text(index->tgt, "constraint"));
	return constraint >= 0 && diff->items[constraint].node[PGM_NODE_CREATE] >= 0;
}

/* The partitions the script drops (their items), found once. */
static List *
pgm_dropped_partitions(PgmDiff *diff)
{
	List	   *dropped = NIL;
	int			j;

	for (j = 0; j < diff->nitems; j++)
	{
		PgmItem    *other = &diff->items[j];

		if (other->node[PGM_NODE_DROP] >= 0 && pgm_kind_is(other, "table") &&
			pgm_text(other->src, "partition_of") != NULL)
			dropped = lappend(dropped, other);
	}
	return dropped;
}

/*
 * A new partition after the drops of its parent's partitions that go
 * (`dropped`, from pgm_dropped_partitions()): one of them may hold its
 * bounds (a partition renamed reads as a drop and a create).
 */
static void
pgm_order_new_partition(PgmDiff *diff, PgmItem *table, List *dropped)
{
	char	   *parent = pgm_text(table->tgt, "partition_of");
	ListCell   *lc;

	foreach(lc, dropped)
	{
		PgmItem    *other = lfirst(lc);

		if (strcmp(pgm_renamed_key(diff, pgm_text(other->src, "partition_of")), parent) == 0)
			pgm_edge(diff, other->node[PGM_NODE_DROP], table->node[PGM_NODE_CREATE]);
	}
}

/*
 * A table that leaves parents (NO INHERIT, DETACH PARTITION) does so
 * before a column of theirs is dropped, which would take the table's
 * inherited column with it; what it keeps of them but the target does not
 * (pgm_left_behind()) is dropped after.
 */
static void
pgm_order_left_parents(PgmDiff *diff, PgmItem *table)
{
	int			a = table->node[PGM_NODE_ALTER];
	List	   *after = pgm_parents(diff, table->tgt, false);
	ListCell   *lc;
	ListCell   *cc;

	foreach(lc, pgm_parents(diff, table->src, true))
	{
		int			p = pgm_item_find(diff, lfirst(lc));

		if (p < 0 || pgm_list_has_string(after, lfirst(lc)))
			continue;
		foreach(cc, diff->items[p].src_columns)
			pgm_edge(diff, a, pgm_node_of(diff, (PgmItem *) lfirst(cc) - diff->items, PGM_NODE_DROP));
	}
}

/*
 * The node that changes a column's type: its own ALTER, or for a column
 * whose parent's ALTER ... TYPE changes it too, the parent column's.
 */
static int
pgm_type_node(PgmDiff *diff, int i)
{
	int			hops;

	for (hops = 0; hops < 64 && diff->items[i].type_carried; hops++)
	{
		PgmItem    *rel = pgm_relation_item(diff, &diff->items[i], false);
		int			p = pgm_parent_column_item(diff, rel->tgt, pgm_text(diff->items[i].tgt, "name"));

		if (p < 0)
			break;
		i = p;
	}
	return diff->items[i].node[PGM_NODE_ALTER];
}

/*
 * ALTER TYPE ... ALTER ATTRIBUTE ... TYPE fails while a table column holds
 * the composite type (pgm_column_holds_type()) or an expression uses it
 * (pgm_type_user()): what lets go of it (a drop, a column's type change, a
 * default dropped) comes first, what takes it (a create, a type change, a
 * default set) after.  A column whose rows hold the type before and after
 * is refused: they would have to be rewritten, which PostgreSQL does not do.
 */
static void
pgm_order_attribute_retype(PgmDiff *diff, int attribute, int type)
{
	int			a = diff->items[attribute].node[PGM_NODE_ALTER];
	int			n;

	for (n = 0; n < diff->nitems; n++)
	{
		PgmItem    *c = &diff->items[n];
		bool		rows_before = pgm_column_holds_type(diff, n, type, true);
		bool		rows_after = pgm_column_holds_type(diff, n, type, false);
		/* a column whose default only is set again keeps its rows */
		bool		kept = c->change == PGM_REDEFAULT;
		int			before = rows_before || pgm_type_user(diff, n, type, true) ?
			pgm_node_of(diff, n, PGM_NODE_DROP) : -1;
		int			after = rows_after || pgm_type_user(diff, n, type, false) ?
			pgm_node_of(diff, n, PGM_NODE_CREATE) : -1;

		if (rows_before && (before < 0 || kept))
			before = c->type_changed && !rows_after ? c->node[PGM_NODE_ALTER] : -1;
		if (rows_after && (after < 0 || kept))
			after = c->type_changed && !rows_before ? c->node[PGM_NODE_ALTER] : -1;
		if ((rows_before && before < 0) || (rows_after && after < 0))
			pgm_refuse(&diff->items[attribute], "change the type of",
					   psprintf("Column %s holds values of %s, and PostgreSQL does not change a composite type's attribute while a table column holds the type. Write it by hand: for instance a new composite type, the column converted to it with USING, and the old type dropped.",
								pgm_sql_name(diff, c, rows_before), diff->items[type].key));
		pgm_edge(diff, before, a);
		pgm_edge(diff, a, after);
	}
}

void
pgm_order_edges(PgmDiff *diff)
{
	List	   *dropped_partitions = pgm_dropped_partitions(diff);
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		int			d = pgm_node_of(diff, i, PGM_NODE_DROP);
		int			a = item->node[PGM_NODE_ALTER];
		int			c = pgm_node_of(diff, i, PGM_NODE_CREATE);
		int			o = item->node[PGM_NODE_OWNED_BY];
		PgmItem    *rel;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		if (item->node[PGM_NODE_DROP] >= 0)
		{
			pgm_edge(diff, d, a);
			pgm_edge(diff, d, c);
		}
		if (item->node[PGM_NODE_CREATE] >= 0)
			pgm_edge(diff, a, c);
		/* one that goes and comes with others (an index of the same name on a new table) */
		if (item->change == PGM_REBUILD && (item->implied_drop || item->implied_create))
			pgm_edge(diff, d, c);
		/* drop dependents first; alter away from what is dropped */
		foreach(lc, item->src_deps)
		{
			int			r = lfirst_int(lc);
			int			rd = pgm_node_of(diff, r, PGM_NODE_DROP);
			int			ra = diff->items[r].type_changed ? pgm_type_node(diff, r) : -1;

			/* (the ALTER of one re-created by another's statement is of the new one) */
			if (rd >= 0 && (d >= 0 || item->change != PGM_REBUILD))
				pgm_edge(diff, d >= 0 ? d : a, rd);
			/* ALTER COLUMN ... TYPE wants what uses the column gone first */
			if (ra >= 0 && d >= 0 &&
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

			if (pgm_index_adopted(diff, item, r))
				pgm_edge(diff, c, rc);	/* the parent's index adopts it */
			else if (item->change == PGM_CREATE || item->change == PGM_REBUILD || item->change == PGM_REDEFAULT)
			{
				pgm_edge(diff, rc, c);
				pgm_edge(diff, ra, c);
			}
			pgm_edge(diff, rc, a);
			if (!(pgm_column_joins_parent(item) && pgm_relation_item(diff, item, false) == &diff->items[r]))
				pgm_edge(diff, ra, a);
		}
		if (pgm_kind_is(item, "constraint"))
		{
			pgm_order_merged_constraint(diff, item);
			pgm_order_partition_enforcement(diff, item);
		}
		if ((pgm_kind_is(item, "constraint") || pgm_kind_is(item, "index")) && item->src && item->tgt)
			pgm_order_kept_on_detach(diff, item);
		if (a >= 0 && pgm_kind_is(item, "table") && item->src && item->tgt)
			pgm_order_left_parents(diff, item);
		if (a >= 0 && pgm_kind_is(item, "index") && item->implied_create &&
			pgm_text(item->tgt, "partition_of") != NULL)
			pgm_order_partition_index(diff, item);
		if (item->node[PGM_NODE_CREATE] >= 0 && pgm_kind_is(item, "table") &&
			pgm_text(item->tgt, "partition_of") != NULL)
			pgm_order_new_partition(diff, item, dropped_partitions);
		if (item->left_behind)
			pgm_order_left_behind(diff, item);
		if (pgm_kind_is(item, "column") && (a >= 0 || item->node[PGM_NODE_CREATE] >= 0))
			pgm_order_inherited_column(diff, item);
		if (a >= 0 && item->type_changed && (rel = pgm_relation_item(diff, item, false)) != NULL &&
			pgm_kind_is(rel, "type"))
			pgm_order_attribute_retype(diff, i, rel - diff->items);
		if (a >= 0 && pgm_kind_is(item, "sequence") && item->src && pgm_departing_owner(diff, item))
			pgm_edge(diff, a, pgm_node_of(diff, pgm_departing_owner(diff, item) - diff->items, PGM_NODE_DROP));
		if (o >= 0 && pgm_is_base_type(item, false))
			pgm_edge(diff, c, o);
		else if (o >= 0)
		{
			int			col = pgm_item_find(diff, pgm_text(item->tgt, "owned_by"));

			pgm_edge(diff, c, o);
			pgm_edge(diff, a, o);
			if (col >= 0)
			{
				pgm_edge(diff, pgm_node_of(diff, col, PGM_NODE_CREATE), o);
				pgm_edge(diff, diff->items[col].node[PGM_NODE_ALTER], o);
			}
		}
	}
	list_free(dropped_partitions);
}

/* The rank of a kind when nothing else decides: containers before contents. */
static int
pgm_kind_rank(PgmItem *item)
{
	static const char *const order[] = {
		"schema", "extension", "type", "transform", "function", "procedure", "aggregate", "operator", "cast", "sequence", "table",
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
List *
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

		CHECK_FOR_INTERRUPTS();
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
