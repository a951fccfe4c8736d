/*
 * graph.c — the revision graph, and what a target means in it.
 *
 * Revisions form a DAG: a revision lists its parents, a merge lists several,
 * a root none.  The graph is loaded whole from migrate.revisions (ids and
 * flags only, never the SQL) into the current memory context.
 *
 * Order is deterministic: going up, parents come before children and ready
 * siblings in byte order of their ids (common/revisions.c, the order the
 * client pushes files in too); going down, revisions leave in the reverse
 * of the order they were applied, which always puts children before
 * parents.
 *
 * Calls catalog.c, rows.c, tables.c and common/revisions.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"

#include "pgmigrate.h"

typedef struct PgmIndexEntry
{
	char		id[PGM_ID_MAXLEN + 1];
	int			node;
} PgmIndexEntry;

typedef enum PgmTargetKind
{
	PGM_TARGET_HEAD,
	PGM_TARGET_HEADS,
	PGM_TARGET_BASE,
	PGM_TARGET_FORWARD,			/* +N */
	PGM_TARGET_BACKWARD,		/* -N */
	PGM_TARGET_REVISION
} PgmTargetKind;

typedef struct PgmTarget
{
	PgmTargetKind kind;
	int			count;			/* N of +N and -N */
	const char *id;				/* PGM_TARGET_REVISION */
} PgmTarget;

#define PGM_TARGET_HINT \
	"Targets are \"head\", \"heads\", a revision id or \"+N\" for apply, and \"-N\", a revision id or \"base\" for rollback."

/*
 * Refuse an id that breaks the rule of common/revisions.c: 1-128 ASCII
 * letters, digits, "_", "-" and ".", not beginning with "-" (which marks a
 * relative target), and not one of the target words.  `what` says which
 * argument it was.
 */
void
pgm_check_id(const char *id, const char *what)
{
	size_t		position = 0;
	unsigned char c;

	switch (pgm_id_problem(id, &position))
	{
		case PGM_ID_OK:
			break;
		case PGM_ID_EMPTY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not be empty", what),
					 errhint("Revision ids are 1 to %d characters of ASCII letters, digits, \"_\", \"-\" and \".\".",
							 PGM_ID_MAXLEN)));
			break;
		case PGM_ID_TOO_LONG:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s is too long", what),
					 errdetail("Revision ids are at most %d characters; this one has %zu bytes.",
							   PGM_ID_MAXLEN, strlen(id))));
			break;
		case PGM_ID_BAD_CHARACTER:
			c = (unsigned char) id[position];
			if (c >= 0x20 && c < 0x7f)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid %s \"%s\"", what, id),
						 errdetail("Character %zu, \"%c\", is not allowed in a revision id.", position + 1, c),
						 errhint("Revision ids consist of ASCII letters, digits, \"_\", \"-\" and \".\".")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s", what),
					 errdetail("Byte %zu, 0x%02x, is not allowed in a revision id.", position + 1, c),
					 errhint("Revision ids consist of ASCII letters, digits, \"_\", \"-\" and \".\".")));
			break;
		case PGM_ID_LEADING_DASH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid %s \"%s\"", what, id),
					 errdetail("A revision id must not begin with \"-\", which marks a relative rollback target.")));
			break;
		case PGM_ID_RESERVED:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s \"%s\" is reserved", what, id),
					 errdetail("\"head\", \"heads\" and \"base\" name targets, not revisions.")));
			break;
	}
}

static void
pgm_corrupt(const char *detail, const char *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("the revision graph in migrate.revisions is inconsistent"),
			 errdetail(detail, id),
			 errhint("The catalog was changed outside pgmigrate's functions; restore it from a backup.")));
}

/* Fill graph->topo: parents first, ready siblings by id. */
static void
pgm_graph_sort(PgmGraph *graph)
{
	PgmOrderNode *order_nodes = palloc(sizeof(PgmOrderNode) * Max(graph->nnodes, 1));
	bool	   *placed = palloc0(sizeof(bool) * Max(graph->nnodes, 1));
	int			sorted;
	int			i;

	for (i = 0; i < graph->nnodes; i++)
	{
		order_nodes[i].id = graph->nodes[i].id;
		order_nodes[i].nparents = graph->nodes[i].nparents;
		order_nodes[i].parents = graph->nodes[i].parents;
	}
	graph->topo = palloc(sizeof(int) * Max(graph->nnodes, 1));
	sorted = pgm_topological_order(order_nodes, graph->nnodes, graph->topo);
	if (sorted != graph->nnodes)
	{
		for (i = 0; i < sorted; i++)
			placed[graph->topo[i]] = true;
		for (i = 0; i < graph->nnodes; i++)
			if (!placed[i])
				pgm_corrupt("Revision \"%s\" is part of a cycle.", graph->nodes[i].id);
	}
	pfree(placed);
	pfree(order_nodes);
}

/* A row of migrate.revisions, as the graph needs it. */
typedef struct PgmGraphRow
{
	PgmNode		node;
	ArrayType  *parents;		/* NULL when NULL */
} PgmGraphRow;

/* A boolean column of a row of migrate.revisions (NULL is false). */
static bool
pgm_graph_bool(PgmTable *t, HeapTuple tuple, const char *column)
{
	bool		isnull;
	Datum		d = pgm_table_value(t, tuple, pgm_table_column(t, column), &isnull);

	return !isnull && DatumGetBool(d);
}

/*
 * The rows of migrate.revisions, read with the calling statement's
 * snapshot (read_only) or the latest rows.
 */
static List *
pgm_graph_rows(bool read_only)
{
	PgmTable	t;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *rows = NIL;
	AttrNumber	id,
				parents,
				applied_at,
				apply_order,
				down,
				description;

	(void) pgm_table_open(&t, "revisions", read_only ? PGM_TABLE_READ_STATEMENT : PGM_TABLE_READ_LATEST,
						  false);
	id = pgm_table_column(&t, "id");
	parents = pgm_table_column(&t, "parents");
	applied_at = pgm_table_column(&t, "applied_at");
	apply_order = pgm_table_column(&t, "apply_order");
	down = pgm_table_column(&t, "down");
	description = pgm_table_column(&t, "description");
	scan = pgm_table_scan(&t, InvalidOid, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		PgmGraphRow *row = palloc0(sizeof(PgmGraphRow));
		bool		isnull;
		Datum		d;

		CHECK_FOR_INTERRUPTS();
		row->node.id = TextDatumGetCString(pgm_table_value(&t, tuple, id, &isnull));
		d = pgm_table_value(&t, tuple, parents, &isnull);
		row->parents = isnull ? NULL : DatumGetArrayTypePCopy(d);
		d = pgm_table_value(&t, tuple, applied_at, &isnull);
		row->node.applied = !isnull;
		row->node.applied_at = isnull ? 0 : DatumGetTimestampTz(d);
		d = pgm_table_value(&t, tuple, apply_order, &isnull);
		row->node.apply_order = isnull ? 0 : DatumGetInt64(d);
		row->node.transactional = pgm_graph_bool(&t, tuple, "transactional");
		(void) pgm_table_value(&t, tuple, down, &isnull);
		row->node.irreversible = isnull;
		row->node.destructive = pgm_graph_bool(&t, tuple, "destructive");
		d = pgm_table_value(&t, tuple, description, &isnull);
		row->node.description = isnull ? NULL : TextDatumGetCString(d);
		row->node.down_derived = pgm_graph_bool(&t, tuple, "down_derived");
		rows = lappend(rows, row);
	}
	systable_endscan(scan);
	pgm_table_close(&t);
	return rows;
}

/*
 * Load the graph.  The graph lives in the
 * memory context current at the call.  read_only reads with the calling
 * query's snapshot; otherwise a fresh one is taken, which is what a caller
 * that just waited for the catalog lock needs to see the latest commits.
 */
PgmGraph *
pgm_graph_load(bool read_only)
{
	MemoryContext cxt = CurrentMemoryContext;
	PgmGraph   *graph = palloc0(sizeof(PgmGraph));
	HASHCTL		hctl;
	List	   *rows;
	Datum	  **parent_ids;
	int		   *nparent_ids;
	int			n;
	int			i;

	rows = pgm_graph_rows(read_only);
	n = list_length(rows);

	graph->nnodes = n;
	graph->nodes = palloc0(sizeof(PgmNode) * Max(n, 1));
	parent_ids = palloc0(sizeof(Datum *) * Max(n, 1));
	nparent_ids = palloc0(sizeof(int) * Max(n, 1));

	memset(&hctl, 0, sizeof(hctl));
	hctl.keysize = PGM_ID_MAXLEN + 1;
	hctl.entrysize = sizeof(PgmIndexEntry);
	hctl.hcxt = cxt;
	graph->index = hash_create("pgmigrate revision index", Max(n, 16), &hctl,
							   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	for (i = 0; i < n; i++)
	{
		PgmGraphRow *row = list_nth(rows, i);
		PgmNode    *node = &graph->nodes[i];
		PgmIndexEntry *entry;
		bool		found;

		*node = row->node;
		if (strlen(node->id) > PGM_ID_MAXLEN)
			pgm_corrupt("Revision id \"%s\" is too long.", node->id);
		if (row->parents != NULL)
			deconstruct_array(row->parents, TEXTOID, -1, false,
							  TYPALIGN_INT, &parent_ids[i], NULL,
							  &nparent_ids[i]);
		graph->max_apply_order = Max(graph->max_apply_order, node->apply_order);

		entry = hash_search(graph->index, node->id, HASH_ENTER, &found);
		entry->node = i;
	}

	/* Resolve parents to node indexes, then derive the children. */
	for (i = 0; i < n; i++)
	{
		PgmNode    *node = &graph->nodes[i];
		int			j;

		node->nparents = nparent_ids[i];
		node->parents = palloc(sizeof(int) * Max(node->nparents, 1));
		for (j = 0; j < node->nparents; j++)
		{
			char	   *pid = TextDatumGetCString(parent_ids[i][j]);
			int			p = strlen(pid) <= PGM_ID_MAXLEN ? pgm_graph_find(graph, pid) : -1;

			if (p < 0)
				pgm_corrupt("A parent of revision \"%s\" does not exist.", node->id);
			node->parents[j] = p;
			graph->nodes[p].nchildren++;
		}
	}
	for (i = 0; i < n; i++)
	{
		graph->nodes[i].children = palloc(sizeof(int) * Max(graph->nodes[i].nchildren, 1));
		graph->nodes[i].nchildren = 0;
	}
	for (i = 0; i < n; i++)
	{
		int			j;

		for (j = 0; j < graph->nodes[i].nparents; j++)
		{
			PgmNode    *parent = &graph->nodes[graph->nodes[i].parents[j]];

			parent->children[parent->nchildren++] = i;
		}
	}

	SPI_freetuptable(SPI_tuptable);
	pgm_graph_sort(graph);
	return graph;
}

/* Node index of `id`, or -1. */
int
pgm_graph_find(PgmGraph *graph, const char *id)
{
	PgmIndexEntry *entry;

	if (strlen(id) > PGM_ID_MAXLEN)
		return -1;
	entry = hash_search(graph->index, id, HASH_FIND, NULL);
	return entry ? entry->node : -1;
}

static int
pgm_cmp_nodes_by_id(const void *a, const void *b, void *arg)
{
	PgmGraph   *graph = (PgmGraph *) arg;

	return strcmp(graph->nodes[*(const int *) a].id,
				  graph->nodes[*(const int *) b].id);
}

/* The revisions no revision names as parent, sorted by id. */
int *
pgm_graph_heads(PgmGraph *graph, int *count)
{
	int		   *heads = palloc(sizeof(int) * Max(graph->nnodes, 1));
	int			i;

	*count = 0;
	for (i = 0; i < graph->nnodes; i++)
		if (graph->nodes[i].nchildren == 0)
			heads[(*count)++] = i;
	qsort_arg(heads, *count, sizeof(int), pgm_cmp_nodes_by_id, graph);
	return heads;
}

/* The applied revisions with no applied child, sorted by id. */
int *
pgm_graph_current(PgmGraph *graph, int *count)
{
	int		   *current = palloc(sizeof(int) * Max(graph->nnodes, 1));
	int			i;

	*count = 0;
	for (i = 0; i < graph->nnodes; i++)
	{
		PgmNode    *node = &graph->nodes[i];
		bool		leaf = node->applied;
		int			j;

		for (j = 0; leaf && j < node->nchildren; j++)
			if (graph->nodes[node->children[j]].applied)
				leaf = false;
		if (leaf)
			current[(*count)++] = i;
	}
	qsort_arg(current, *count, sizeof(int), pgm_cmp_nodes_by_id, graph);
	return current;
}

/*
 * Mark `start` and everything reachable from it along parents (up == true)
 * or children (up == false).
 */
static void
pgm_mark_reachable(PgmGraph *graph, int start, bool up, bool *mark)
{
	int		   *stack = palloc(sizeof(int) * Max(graph->nnodes, 1));
	int			depth = 0;

	mark[start] = true;
	stack[depth++] = start;
	while (depth > 0)
	{
		PgmNode    *node = &graph->nodes[stack[--depth]];
		int			count = up ? node->nparents : node->nchildren;
		int		   *next = up ? node->parents : node->children;
		int			i;

		for (i = 0; i < count; i++)
			if (!mark[next[i]])
			{
				mark[next[i]] = true;
				stack[depth++] = next[i];
			}
	}
	pfree(stack);
}

/* Is `to` reachable from `from` along children (is it a descendant)? */
bool
pgm_graph_reaches(PgmGraph *graph, int from, int to)
{
	bool	   *mark = palloc0(sizeof(bool) * Max(graph->nnodes, 1));
	bool		reached;

	pgm_mark_reachable(graph, from, false, mark);
	reached = mark[to];
	pfree(mark);
	return reached;
}

/* "a", "b", "c" — for messages. */
char *
pgm_join_ids(PgmGraph *graph, const int *nodes, int count)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < count; i++)
		appendStringInfo(&buf, "%s\"%s\"", i > 0 ? ", " : "", graph->nodes[nodes[i]].id);
	return buf.data;
}

/* Parse the N of "+N" / "-N". */
static int
pgm_parse_count(const char *target)
{
	const char *p = target + 1;
	int64		n = 0;

	if (*p == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid target \"%s\"", target),
				 errdetail("\"%c\" must be followed by a number of revisions.", target[0]),
				 errhint(PGM_TARGET_HINT)));
	for (; *p; p++)
	{
		if (*p < '0' || *p > '9')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid target \"%s\"", target),
					 errdetail("\"%c\" must be followed by digits only.", target[0]),
					 errhint(PGM_TARGET_HINT)));
		n = n * 10 + (*p - '0');
		if (n > PG_INT32_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("target \"%s\" is out of range", target),
					 errdetail("The number of revisions must be at most %d.", PG_INT32_MAX)));
	}
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid target \"%s\"", target),
				 errdetail("The number of revisions must be at least 1.")));
	return (int) n;
}

static PgmTarget
pgm_parse_target(PgmGraph *graph, const char *target)
{
	PgmTarget	t = {0};

	if (strcmp(target, "head") == 0)
		t.kind = PGM_TARGET_HEAD;
	else if (strcmp(target, "heads") == 0)
		t.kind = PGM_TARGET_HEADS;
	else if (strcmp(target, "base") == 0)
		t.kind = PGM_TARGET_BASE;
	else if (target[0] == '+' || target[0] == '-')
	{
		t.kind = target[0] == '+' ? PGM_TARGET_FORWARD : PGM_TARGET_BACKWARD;
		t.count = pgm_parse_count(target);
	}
	else
	{
		if (target[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target must not be empty"),
					 errhint(PGM_TARGET_HINT)));
		pgm_check_id(target, "target revision id");
		if (pgm_graph_find(graph, target) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("revision \"%s\" does not exist", target),
					 errhint("migrate.status() lists the registered revisions.")));
		t.kind = PGM_TARGET_REVISION;
		t.id = target;
	}
	return t;
}

static void
pgm_wrong_direction(const char *target, const char *function)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("target \"%s\" is not valid for %s", target, function),
			 errhint(PGM_TARGET_HINT)));
}

/*
 * The pending revisions on the way to `target`, parents first.  `function`
 * names the caller in messages.
 */
PgmPlan
pgm_plan_up(PgmGraph *graph, const char *target, const char *function)
{
	PgmTarget	t = pgm_parse_target(graph, target);
	bool	   *wanted = palloc0(sizeof(bool) * Max(graph->nnodes, 1));
	PgmPlan		plan = {0};
	int			limit = PG_INT32_MAX;
	int			i;

	switch (t.kind)
	{
		case PGM_TARGET_HEAD:
			{
				int			nheads;
				int		   *heads = pgm_graph_heads(graph, &nheads);

				if (nheads > 1)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							 errmsg("target \"head\" is ambiguous: there are %d heads", nheads),
							 errdetail("The heads are %s.", pgm_join_ids(graph, heads, nheads)),
							 errhint("Name one of them, use \"heads\" to apply every branch, or register a merge revision with these heads as parents.")));
				if (nheads == 1)
					pgm_mark_reachable(graph, heads[0], true, wanted);
				break;
			}
		case PGM_TARGET_HEADS:
			memset(wanted, true, sizeof(bool) * graph->nnodes);
			break;
		case PGM_TARGET_FORWARD:
			memset(wanted, true, sizeof(bool) * graph->nnodes);
			limit = t.count;
			break;
		case PGM_TARGET_REVISION:
			pgm_mark_reachable(graph, pgm_graph_find(graph, t.id), true, wanted);
			break;
		case PGM_TARGET_BASE:
		case PGM_TARGET_BACKWARD:
			pgm_wrong_direction(target, function);
			break;
	}

	plan.steps = palloc(sizeof(int) * Max(graph->nnodes, 1));
	for (i = 0; i < graph->nnodes && plan.nsteps < limit; i++)
	{
		int			n = graph->topo[i];

		if (wanted[n] && !graph->nodes[n].applied)
			plan.steps[plan.nsteps++] = n;
	}
	if (t.kind == PGM_TARGET_FORWARD && plan.nsteps < t.count)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg_plural("cannot apply %d revision", "cannot apply %d revisions",
							   t.count, t.count),
				 errdetail_plural("Only %d revision is pending.", "Only %d revisions are pending.",
								  plan.nsteps, plan.nsteps),
				 errhint("Use \"heads\" to apply everything that is pending.")));
	pfree(wanted);
	return plan;
}

static int
pgm_cmp_apply_order_desc(const void *a, const void *b, void *arg)
{
	PgmGraph   *graph = (PgmGraph *) arg;
	int64		oa = graph->nodes[*(const int *) a].apply_order;
	int64		ob = graph->nodes[*(const int *) b].apply_order;

	return oa < ob ? 1 : (oa > ob ? -1 : 0);
}

/*
 * The applied revisions to roll back to reach `target`, newest first.
 */
PgmPlan
pgm_plan_down(PgmGraph *graph, const char *target, const char *function)
{
	PgmTarget	t = pgm_parse_target(graph, target);
	bool	   *wanted = palloc0(sizeof(bool) * Max(graph->nnodes, 1));
	PgmPlan		plan = {0};
	int			i;

	switch (t.kind)
	{
		case PGM_TARGET_BASE:
		case PGM_TARGET_BACKWARD:
			memset(wanted, true, sizeof(bool) * graph->nnodes);
			break;
		case PGM_TARGET_REVISION:
			{
				int			n = pgm_graph_find(graph, t.id);

				if (!graph->nodes[n].applied)
					ereport(ERROR,
							(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
							 errmsg("revision \"%s\" is not applied", t.id),
							 errdetail("Rolling back to a revision keeps it applied and rolls back what was applied on top of it."),
							 errhint("Apply it first, or choose an applied revision; migrate.current() lists the newest ones.")));
				pgm_mark_reachable(graph, n, false, wanted);
				wanted[n] = false;
				break;
			}
		case PGM_TARGET_HEAD:
		case PGM_TARGET_HEADS:
		case PGM_TARGET_FORWARD:
			pgm_wrong_direction(target, function);
			break;
	}

	plan.steps = palloc(sizeof(int) * Max(graph->nnodes, 1));
	for (i = 0; i < graph->nnodes; i++)
		if (wanted[i] && graph->nodes[i].applied)
			plan.steps[plan.nsteps++] = i;
	qsort_arg(plan.steps, plan.nsteps, sizeof(int), pgm_cmp_apply_order_desc, graph);

	if (t.kind == PGM_TARGET_BACKWARD)
	{
		if (plan.nsteps < t.count)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg_plural("cannot roll back %d revision", "cannot roll back %d revisions",
								   t.count, t.count),
					 errdetail_plural("Only %d revision is applied.", "Only %d revisions are applied.",
									  plan.nsteps, plan.nsteps),
					 errhint("Use \"base\" to roll back everything that is applied.")));
		plan.nsteps = t.count;
	}
	pfree(wanted);
	return plan;
}

/* Refuse to roll back through a revision without down SQL. */
void
pgm_check_reversible(PgmGraph *graph, PgmPlan *plan)
{
	int			i;

	for (i = 0; i < plan->nsteps; i++)
	{
		PgmNode    *node = &graph->nodes[plan->steps[i]];

		if (node->irreversible)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("revision \"%s\" cannot be rolled back", node->id),
					 node->down_derived ?
					 errdetail("Its derived down was withdrawn when it was applied: it would not have undone the up in this database (migrate.log says why).") :
					 errdetail("It was registered without down SQL."),
					 errhint("Roll back to a target after it, give it down SQL with migrate.repair(), or register a new revision that reverses it.")));
	}
}
