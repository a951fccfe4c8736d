/*
 * distribution.c — a table's distribution on Citus, in a diff: whether it
 * changed, and the call that gives a new table its distribution.
 *
 * A document made where Citus is installed holds the object "extension
 * citus", and each table Citus distributes holds "distribution"
 * ("distributed", "reference" or "single shard"), for a distributed one
 * "distribution_column" and "shard_count", and for a distributed or
 * single-shard one "colocated_with": its colocation group, named by the
 * group's first key (README.md, "Running on Citus").
 *
 * A new table takes the distribution the target gives it:
 * create_reference_table(), or create_distributed_table() with a new
 * colocation group (colocate_with => 'none', and the shard count) for the
 * first table of a new group, with colocate_with => a table there already
 * is for the first of a group that has one, and with colocate_with => the
 * first table for the others (model.c orders those after it).  The
 * distribution of a table both documents hold is compared only when both
 * were made where Citus is installed: a target made from models on a plain
 * PostgreSQL says nothing of distribution, and keeps the tables as they
 * are.  A change of an
 * existing table's distribution is refused: Citus changes it by moving the
 * rows (alter_distributed_table(), undistribute_table()), which a revision
 * should say in words of its own.  A partition takes its parent's.
 *
 * Calls model.c only.
 */
#include "postgres.h"

#include "schema/model.h"

static const char *const pgm_distribution_attributes[] = {
	"distribution", "distribution_column", "shard_count"
};

/* Were both documents made where Citus is installed? */
static bool
pgm_both_know_citus(PgmDiff *diff)
{
	int			x = pgm_item_find(diff, "extension citus");

	return x >= 0 && diff->items[x].src != NULL && diff->items[x].tgt != NULL;
}

/* The table's colocation group in one document: its first key, or NULL. */
static const char *
pgm_group(PgmItem *item, bool source)
{
	return pgm_text(source ? item->src : item->tgt, "colocated_with");
}

/*
 * Do tables a and b share a group in one document?  (Each names its group
 * by its first key, so a new table that sorts first renames the group
 * without changing who is in it.)
 */
static bool
pgm_grouped(PgmItem *a, PgmItem *b, bool source)
{
	const char *ga = pgm_group(a, source);

	return ga != NULL && pgm_same_text(ga, pgm_group(b, source));
}

/*
 * Did table `item`'s distribution change between the documents, where both
 * know of Citus?  Its colocation changed when another table of both
 * documents joins or leaves its group, not when the group's name does.
 */
bool
pgm_distribution_changed(PgmDiff *diff, PgmItem *item)
{
	size_t		a;
	int			i;

	if (!pgm_both_know_citus(diff) || item->src == NULL || item->tgt == NULL)
		return false;
	for (a = 0; a < lengthof(pgm_distribution_attributes); a++)
		if (pgm_differs(item, pgm_distribution_attributes[a]))
			return true;
	if (pgm_same_text(pgm_group(item, true), pgm_group(item, false)))
		return false;
	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *other = &diff->items[i];

		CHECK_FOR_INTERRUPTS();
		if (other == item || other->src == NULL || other->tgt == NULL ||
			!pgm_kind_is(other, "table"))
			continue;
		if (pgm_grouped(item, other, true) != pgm_grouped(item, other, false))
			return true;
	}
	return false;
}

/*
 * A table of both documents in the target's colocation group `group`
 * (which a new table that sorts first names after itself), or -1.
 */
static int
pgm_existing_member(PgmDiff *diff, PgmItem *item, const char *group)
{
	int			i;

	for (i = 0; i < diff->nitems; i++)
	{
		PgmItem    *other = &diff->items[i];

		CHECK_FOR_INTERRUPTS();
		if (other != item && other->src != NULL && other->tgt != NULL &&
			pgm_kind_is(other, "table") && pgm_same_text(pgm_group(other, false), group))
			return i;
	}
	return -1;
}

/*
 * The statement that gives new table `item` its distribution in the
 * target, or NULL when it has none (or takes its parent's, as a partition
 * does).
 */
char *
pgm_distribution_statement(PgmDiff *diff, PgmItem *item)
{
	JsonbContainer *t = item->tgt;
	const char *type = pgm_text(t, "distribution");
	const char *group = pgm_text(t, "colocated_with");
	const char *column = pgm_text(t, "distribution_column");
	const char *shards = pgm_text(t, "shard_count");
	char	   *colocate;
	int			leader;

	if (type == NULL || pgm_text(t, "partition_of") != NULL)
		return NULL;
	if (shards && (strspn(shards, "0123456789") != strlen(shards) || strlen(shards) == 0 || strlen(shards) > 9))
		pgm_refuse(item, "distribute", psprintf("Its shard_count, \"%s\", is not a number of shards.", shards));
	if (strcmp(type, "reference") == 0)
		return psprintf("SELECT create_reference_table(%s);", pgm_literal(pgm_qualified(t)));
	if (strcmp(type, "distributed") == 0 && column == NULL)
		pgm_refuse(item, "distribute", "It is distributed, but the document does not say by which column (distribution_column).");
	if (group == NULL || strcmp(group, item->key) == 0)
	{
		/* first of its group: a new group, unless a table there already is in it */
		leader = group ? pgm_existing_member(diff, item, group) : -1;
	}
	else
	{
		leader = pgm_item_find(diff, group);
		if (leader < 0 || diff->items[leader].tgt == NULL ||
			!pgm_kind_is(&diff->items[leader], "table"))
			pgm_refuse(item, "distribute",
					   psprintf("It is colocated with %s, which the target document does not hold as a table.", group));
	}
	colocate = leader >= 0 ? pgm_literal(pgm_qualified(diff->items[leader].tgt)) :
		psprintf("'none'%s%s", shards ? ", shard_count => " : "", shards ? shards : "");
	return psprintf("SELECT create_distributed_table(%s, %s, colocate_with => %s);",
					pgm_literal(pgm_qualified(t)), column ? pgm_literal(column) : "NULL", colocate);
}
