/*
 * plan.c — what happens to each item: kept, dropped, created, altered in
 * place, or rebuilt; what a rebuild or a column type change spreads to;
 * what is carried by another object's statement rather than said on its
 * own.
 *
 * Calls rows.c, sqltext.c, snapshot.c, model.c and distribution.c.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"

#include "pgmigrate.h"
#include "schema/model.h"

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

/*
 * What a constraint's definition says of its rows, from its end (where
 * pg_get_constraintdef() writes it, after DEFERRABLE and the like); the
 * length of the rest in *base_length.
 */
static PgmConstraintState
pgm_constraint_state(const char *definition, size_t *base_length)
{
	static const char *const suffixes[] = {
		[PGM_CONSTRAINT_NOT_VALID] = " NOT VALID",
		[PGM_CONSTRAINT_NOT_ENFORCED] = " NOT ENFORCED",
	};
	size_t		len = strlen(definition);
	int			state;

	for (state = PGM_CONSTRAINT_NOT_VALID; state <= PGM_CONSTRAINT_NOT_ENFORCED; state++)
	{
		size_t		slen = strlen(suffixes[state]);

		if (len > slen && strcmp(definition + len - slen, suffixes[state]) == 0)
		{
			*base_length = len - slen;
			return (PgmConstraintState) state;
		}
	}
	*base_length = len;
	return PGM_CONSTRAINT_VALID;
}

/*
 * The ALTER that turns a constraint of the source into the target's, when
 * the two differ in how they hold their rows only: VALIDATE CONSTRAINT
 * (NOT VALID to valid), or for a foreign key ALTER CONSTRAINT ... [NOT]
 * ENFORCED (18).  ENFORCED validates, so NOT ENFORCED to NOT VALID, like
 * valid to NOT VALID, is no ALTER: the constraint is added again.
 * PostgreSQL 18 alters the enforcement of no CHECK constraint either.
 */
PgmEnforcementChange
pgm_enforcement_change(PgmItem *item)
{
	char	   *before = pgm_text(item->src, "definition");
	char	   *after = pgm_text(item->tgt, "definition");
	size_t		blen;
	size_t		alen;
	PgmConstraintState from;
	PgmConstraintState to;

	if (before == NULL || after == NULL)
		return PGM_ENFORCEMENT_NONE;
	from = pgm_constraint_state(before, &blen);
	to = pgm_constraint_state(after, &alen);
	if (blen != alen || strncmp(before, after, alen) != 0 || from == to)
		return PGM_ENFORCEMENT_NONE;
	if (from == PGM_CONSTRAINT_NOT_VALID && to == PGM_CONSTRAINT_VALID)
		return PGM_ENFORCEMENT_VALIDATE;
	if (!pgm_same_text(pgm_text(item->src, "type"), "foreign key") ||
		!pgm_same_text(pgm_text(item->tgt, "type"), "foreign key"))
		return PGM_ENFORCEMENT_NONE;
	if (to == PGM_CONSTRAINT_NOT_ENFORCED)
		return PGM_ENFORCEMENT_NOT_ENFORCED;
	return to == PGM_CONSTRAINT_VALID ? PGM_ENFORCEMENT_ENFORCED : PGM_ENFORCEMENT_NONE;
}

/* What to do with an item both documents have and that differs. */
static PgmChange
pgm_change_in_place(PgmDiff *diff, PgmItem *item)
{
	if (pgm_kind_is(item, "table"))
	{
		if (pgm_distribution_changed(diff, item))
			pgm_refuse(item, "change the distribution of",
					   "Citus changes a table's distribution by moving its rows: write create_distributed_table(), alter_distributed_table() or undistribute_table() in a revision of its own.");
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
		if (pgm_differs(item, "generated") || pgm_differs(item, "virtual"))
			return PGM_REBUILD;
		item->type_changed = pgm_differs(item, "type") || pgm_differs(item, "collation");
		if (item->type_changed && rel && pgm_text(rel->src, "partition_key") != NULL &&
			!pgm_differs(rel, "partition_key") &&
			pgm_sql_has_identifier(pgm_text(rel->src, "partition_key"), pgm_text(item->src, "name")))
			pgm_refuse(item, "change the type of",
					   psprintf("It is in the partition key of %s, and PostgreSQL does not change the type of a partition key column.",
								pgm_qualified(rel->src)));
		return PGM_ALTER;
	}
	if (pgm_kind_is(item, "index"))
		return pgm_differs(item, "definition") ? PGM_REBUILD : PGM_ALTER;
	if (pgm_kind_is(item, "constraint"))
		return !pgm_differs(item, "definition") || pgm_enforcement_change(item) != PGM_ENFORCEMENT_NONE ?
			PGM_ALTER : PGM_REBUILD;
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
		{
			/* a value renamed looks like one removed and one added: only the author knows */
			bool		as_many = list_length(pgm_attribute_strings(item->src, "labels")) ==
				list_length(pgm_attribute_strings(item->tgt, "labels"));

			pgm_refuse(item, "remove or reorder the values of",
					   psprintf("Its values are %s in the source and %s in the target; PostgreSQL can only add values to an enum.%s",
								pgm_text(item->src, "labels") ? pgm_text(item->src, "labels") : "[]",
								pgm_text(item->tgt, "labels") ? pgm_text(item->tgt, "labels") : "[]",
								as_many ? " If values were renamed, write ALTER TYPE ... RENAME VALUE by hand." : ""));
		}
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
		pgm_kind_is(item, "operator") || pgm_kind_is(item, "cast") || pgm_kind_is(item, "transform"))
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

/*
 * Is the inherited part (a column, a constraint, a partition's index) of a
 * table that stays left behind by every parent that gives it: the table
 * leaves them (NO INHERIT, DETACH PARTITION), which keeps the part as the
 * table's own?  It is then dropped by itself, after.
 */
static bool
pgm_left_behind(PgmDiff *diff, PgmItem *item)
{
	PgmItem    *rel = pgm_relation_item(diff, item, true);
	bool		index = pgm_kind_is(item, "index");
	List	   *after;
	ListCell   *lc;

	if (rel == NULL || rel->tgt == NULL || rel->change == PGM_DROP || rel->change == PGM_REBUILD ||
		!pgm_kind_is(rel, "table") || !(pgm_kind_is(item, "column") || pgm_kind_is(item, "constraint") || index))
		return false;
	if (index ? pgm_text(item->src, "partition_of") == NULL || pgm_text(item->src, "constraint") != NULL :
		!pgm_attribute_bool(item->src, "inherited"))
		return false;			/* a constraint's index goes with the constraint */
	after = pgm_parents(diff, rel->tgt, false);
	foreach(lc, pgm_parents(diff, rel->src, true))
	{
		char	   *parent = lfirst(lc);
		int			given;

		if (!pgm_list_has_string(after, parent))
			continue;
		if (index || pgm_text(item->src, "parent") != NULL)
			return false;		/* a partition's: the table keeps its parent, which gives it */
		given = pgm_item_find(diff, psprintf("%s %s.%s", item->kind, parent + strlen("table "),
											 quote_identifier(pgm_text(item->src, "name"))));
		if (given >= 0 && diff->items[given].src != NULL)
			return false;		/* a parent it keeps still gives it */
	}
	return true;
}

/*
 * An inherited column whose parent's column changes type: ALTER TABLE ...
 * ALTER COLUMN ... TYPE on the parent changes the child's too (and the
 * child's own would fail), so the child's is carried by the parent's.
 */
static void
pgm_mark_type_carried(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		PgmItem    *rel;
		int			p;

		if (!item->type_changed || !pgm_attribute_bool(item->src, "inherited") ||
			!pgm_attribute_bool(item->tgt, "inherited") || (rel = pgm_relation_item(diff, item, false)) == NULL)
			continue;
		p = pgm_parent_column_item(diff, rel->tgt, pgm_text(item->tgt, "name"));
		if (p >= 0 && diff->items[p].src != NULL && diff->items[p].type_changed)
			item->type_carried = true;
	}
}

/* A column dependency that comes from its default (not its type). */
static bool
pgm_default_dependency(PgmItem *column, PgmItem *dep)
{
	return pgm_kind_is(dep, "function") || pgm_kind_is(dep, "sequence");
}

/*
 * Is `dep` a child of `parent` (a table, or a partition's constraint or
 * index of the parent's), which the child keeps when it leaves the parent?
 */
static bool
pgm_detached_from(PgmDiff *diff, PgmItem *dep, PgmItem *parent)
{
	if (pgm_kind_is(dep, "table"))
		return pgm_list_has_string(pgm_parents(diff, dep->src, true), parent->key);
	if (pgm_kind_is(dep, "constraint"))
		return pgm_same_text(pgm_renamed_key(diff, pgm_text(dep->src, "parent")), parent->key);
	if (pgm_kind_is(dep, "index"))
	{
		PgmItem    *rel = pgm_relation_item(diff, dep, true);
		PgmItem    *parent_rel = pgm_relation_item(diff, parent, true);

		if (!pgm_same_text(pgm_renamed_key(diff, pgm_text(dep->src, "partition_of")), parent->key))
			return false;
		/* kept only by a partition that leaves: else DROP INDEX on the parent's takes it along */
		return rel == NULL || rel->tgt == NULL || parent_rel == NULL ||
			!pgm_list_has_string(pgm_parents(diff, rel->tgt, false), parent_rel->key);
	}
	return false;
}

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
		if (item->change == PGM_DROP && pgm_detached_from(diff, dep, item))
			continue;			/* NO INHERIT or DETACH PARTITION, rows kept */
		if (type_change_only &&
			!(pgm_kind_is(dep, "view") || pgm_kind_is(dep, "materialized view") ||
			  pgm_kind_is(dep, "trigger") || pgm_kind_is(dep, "policy") ||
			  pgm_kind_is(dep, "function") || pgm_kind_is(dep, "procedure") ||
			  (pgm_kind_is(dep, "column") && pgm_text(dep->src, "generated") != NULL)))
			continue;			/* ALTER COLUMN TYPE rebuilds indexes and constraints */
		pgm_mark_rebuild(diff, d, i);
	}
}

/*
 * Is the item a column of a table or materialized view whose type, in one
 * document, is the type `type` or one over it (a domain, an array, a
 * composite type that holds it): do its rows hold the type?
 */
bool
pgm_column_holds_type(PgmDiff *diff, int i, int type, bool source)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *obj = source ? item->src : item->tgt;
	PgmItem    *rel;
	char	   *name;
	size_t		len;
	int			t;

	if (obj == NULL || !pgm_kind_is(item, "column") || (rel = pgm_relation_item(diff, item, source)) == NULL ||
		!(pgm_kind_is(rel, "table") || pgm_kind_is(rel, "materialized view")) ||
		(name = pgm_text(obj, "type")) == NULL)
		return false;
	/* an array has its element's key */
	for (len = strlen(name); len > 2 && strcmp(name + len - 2, "[]") == 0; len -= 2)
		;
	t = pgm_item_find(diff, psprintf("type %.*s", (int) len, name));
	return t == type || (t >= 0 && pgm_uses_type(diff, t, type, source));
}

/*
 * Does the item hold the type `type` in an expression PostgreSQL keeps
 * parsed, in one document (by itself or through a domain, array or
 * composite type over it): a view, a column's default or generation, a
 * check, an index, a trigger's WHEN, a policy, a rule, a function's
 * SQL-standard body?  ALTER TYPE ... ALTER ATTRIBUTE ... TYPE on a
 * composite type fails while one stands.
 */
bool
pgm_type_user(PgmDiff *diff, int i, int type, bool source)
{
	PgmItem    *item = &diff->items[i];
	JsonbContainer *obj = source ? item->src : item->tgt;
	char	   *def;
	bool		user;

	if (obj == NULL)
		return false;
	if (pgm_kind_is(item, "column"))
		user = (pgm_text(obj, "default") != NULL || pgm_text(obj, "generated") != NULL) &&
			!pgm_column_holds_type(diff, i, type, source);
	else if (pgm_kind_is(item, "function") || pgm_kind_is(item, "procedure"))
		user = (def = pgm_text(obj, "definition")) != NULL && strstr(def, "BEGIN ATOMIC") != NULL;
	else
		user = pgm_kind_is(item, "view") || pgm_kind_is(item, "materialized view") ||
			pgm_kind_is(item, "constraint") || pgm_kind_is(item, "index") || pgm_kind_is(item, "trigger") ||
			pgm_kind_is(item, "policy") || pgm_kind_is(item, "rule");
	return user && pgm_uses_type(diff, i, type, source);
}

/*
 * A composite type's attribute changes type: what holds the type with an
 * expression is re-created around the change (a column's default dropped
 * and set again); order.c puts the change between, and refuses where a
 * table column holds the type.
 */
static void
pgm_spread_attribute_retype(PgmDiff *diff, int attribute)
{
	int			type = pgm_relation_item(diff, &diff->items[attribute], true) - diff->items;
	int			d;

	for (d = 0; d < diff->nitems; d++)
	{
		PgmItem    *dep = &diff->items[d];

		if (dep->tgt == NULL || dep->change == PGM_REBUILD || !pgm_type_user(diff, d, type, true))
			continue;
		if (!pgm_kind_is(dep, "column") || pgm_text(dep->src, "generated") != NULL)
			pgm_mark_rebuild(diff, d, attribute);
		else if (pgm_text(dep->src, "default") != NULL &&
				 (dep->change == PGM_SAME || dep->change == PGM_ALTER))
			dep->change = PGM_REDEFAULT;
	}
}

void
pgm_mark_rebuild(PgmDiff *diff, int i, int because)
{
	PgmItem    *item = &diff->items[i];
	PgmItem    *cause = because >= 0 ? &diff->items[because] : NULL;

	/* a rebuild spreads along chains of dependents as deep as the document's */
	check_stack_depth();
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
		/*
		 * a column generated otherwise than its parent's, or NOT VALID NOT
		 * NULL where a parent gives a NOT NULL (which CREATE TABLE would
		 * validate): only INHERIT makes that
		 */
		foreach(lc, t->tgt_columns)
		{
			PgmItem    *c = lfirst(lc);
			JsonbContainer *parent_col = pgm_parent_column(diff, t->tgt, pgm_text(c->tgt, "name"));

			if (parent_col && !pgm_same_text(pgm_text(c->tgt, "generated"), pgm_text(parent_col, "generated")))
				renamed = true;
			if (pgm_attribute(c->tgt, "not_null_valid") != NULL && !pgm_attribute_bool(c->tgt, "not_null_valid") &&
				pgm_not_null_giver(diff, t->tgt, pgm_text(c->tgt, "name")) != NULL)
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

/*
 * Each item's change, then what a drop, a rebuild or a column's type
 * change spreads to.
 */
static void
pgm_decide_changes(PgmDiff *diff)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		if (item->src == NULL)
			item->change = PGM_CREATE;
		else if (item->tgt == NULL)
			item->change = PGM_DROP;
		else if ((!item->identical && compareJsonbContainers(item->src, item->tgt) != 0 &&
				  pgm_item_differs(item)) || pgm_not_null_renamed(diff, item))
			item->change = pgm_change_in_place(diff, item);
		else
			item->change = PGM_SAME;
	}
	pgm_mark_type_carried(diff);
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];

		CHECK_FOR_INTERRUPTS();
		if (item->change == PGM_DROP || item->change == PGM_REBUILD)
			pgm_spread(diff, i, false);
		else if (item->type_changed)
		{
			PgmItem    *rel = pgm_relation_item(diff, item, true);

			pgm_spread(diff, i, true);
			if (rel != NULL && pgm_kind_is(rel, "type"))
				pgm_spread_attribute_retype(diff, i);
		}
	}
}

/*
 * Is the table (an ancestor of a partition) referenced by a foreign key in
 * the source: does one depend on an index of it?  Found through the
 * table's columns, which such a key depends on too.
 */
bool
pgm_table_referenced(PgmDiff *diff, PgmItem *table)
{
	ListCell   *lc;

	foreach(lc, table->src_columns)
	{
		PgmItem    *column = lfirst(lc);
		ListCell   *dc;

		foreach(dc, column->src_dependents)
		{
			PgmItem    *fk = &diff->items[lfirst_int(dc)];
			ListCell   *ic;

			if (!pgm_kind_is(fk, "constraint") || fk->src == NULL ||
				!pgm_same_text(pgm_text(fk->src, "type"), "foreign key"))
				continue;
			foreach(ic, fk->src_deps)
			{
				PgmItem    *index = &diff->items[lfirst_int(ic)];

				/* (the referenced key's index: on the table only for a key that references it) */
				if (pgm_kind_is(index, "index") && index->src != NULL &&
					pgm_relation_item(diff, index, true) == table)
					return true;
			}
		}
	}
	return false;
}

/*
 * The parent a dropped partition had, when it is dropped too and it or a
 * dropped ancestor is referenced by a foreign key: the parent's DROP TABLE
 * takes the partition with it (dropped on its own first, it fails while
 * the key references it), or -1.
 */
static int
pgm_dropped_parent(PgmDiff *diff, PgmItem *item)
{
	char	   *parent_key = pgm_text(item->src, "partition_of");
	int			parent = parent_key ? pgm_item_find(diff, pgm_renamed_key(diff, parent_key)) : -1;
	int			ancestor = parent;
	int			hops;

	for (hops = 0; ancestor >= 0 && hops < diff->nitems; hops++)
	{
		PgmItem    *a = &diff->items[ancestor];
		char	   *up;

		if (a->change != PGM_DROP)
			return -1;
		if (pgm_table_referenced(diff, a))
			return parent;
		up = pgm_text(a->src, "partition_of");
		ancestor = up ? pgm_item_find(diff, pgm_renamed_key(diff, up)) : -1;
	}
	return -1;
}

/*
 * The domain a valid constraint comes with, in its CREATE DOMAIN, when the
 * domain is created: added after, it would find a column of the domain
 * already there (which PostgreSQL refuses for a generated one), or -1.
 */
static int
pgm_created_domain(PgmDiff *diff, PgmItem *item)
{
	PgmItem    *rel = pgm_relation_item(diff, item, false);

	if (rel == NULL || !pgm_kind_is(rel, "type") || !pgm_same_text(pgm_text(rel->tgt, "type"), "domain") ||
		(rel->change != PGM_CREATE && rel->change != PGM_REBUILD) ||
		(pgm_attribute(item->tgt, "valid") != NULL && !pgm_attribute_bool(item->tgt, "valid")))
		return -1;
	return rel - diff->items;
}

void
pgm_classify(PgmDiff *diff)
{
	int			i;

	pgm_decide_changes(diff);

	/* what goes or comes with another */
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *item = &diff->items[i];
		bool		drops = item->change == PGM_DROP || item->change == PGM_REBUILD;
		bool		creates = item->change == PGM_CREATE || item->change == PGM_REBUILD;
		int			carrier;

		CHECK_FOR_INTERRUPTS();
		if (drops)
		{
			item->left_behind = item->change == PGM_DROP && pgm_left_behind(diff, item);
			carrier = item->left_behind ? -1 : pgm_inherited_carrier(diff, item, item->src, true);
			if (carrier < 0 && pgm_is_part_of_relation(item))
			{
				PgmItem    *rel = pgm_relation_item(diff, item, true);

				/* a view's columns go with its query; its indexes, triggers and rules do not */
				if (rel && (rel->change == PGM_DROP || rel->change == PGM_REBUILD ||
							(pgm_kind_is(item, "column") &&
							 (pgm_kind_is(rel, "view") || pgm_kind_is(rel, "materialized view")))))
					carrier = rel - diff->items;
			}
			/* a partition goes with its dropped parent's DROP TABLE */
			if (carrier < 0 && item->change == PGM_DROP && pgm_kind_is(item, "table"))
				carrier = pgm_dropped_parent(diff, item);
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
			if (carrier < 0 && pgm_kind_is(item, "constraint"))
				carrier = pgm_created_domain(diff, item);
			if (carrier >= 0)
			{
				item->implied_create = true;
				item->carrier = carrier;
			}
		}
	}
	pgm_mark_detached(diff);
}
