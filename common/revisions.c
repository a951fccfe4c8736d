/*
 * revisions.c — what a revision id may be, and the order revisions run in.
 *
 * Compiled into the extension and into the client (with FRONTEND defined),
 * so that both apply one rule and one order.  It uses only what PostgreSQL
 * offers on both sides: palloc and pfree (common/fe_memutils.h in a
 * frontend program).
 *
 * The order: parents before children, and of the revisions that are ready
 * at the same time, the smallest id in byte order first (Kahn's algorithm
 * over a binary min-heap), so the order never depends on the order in
 * which the revisions were read.
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include "revisions.h"

bool
pgm_id_character_allowed(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * What is wrong with `id`, if anything.  For PGM_ID_BAD_CHARACTER,
 * *position is the 0-based offset of the first byte not allowed.
 */
PgmIdProblem
pgm_id_problem(const char *id, size_t *position)
{
	size_t		len = strlen(id);
	size_t		i;

	if (len == 0)
		return PGM_ID_EMPTY;
	if (len > PGM_ID_MAXLEN)
		return PGM_ID_TOO_LONG;
	for (i = 0; i < len; i++)
		if (!pgm_id_character_allowed(id[i]))
		{
			*position = i;
			return PGM_ID_BAD_CHARACTER;
		}
	if (id[0] == '-')
		return PGM_ID_LEADING_DASH;
	if (strcmp(id, "head") == 0 || strcmp(id, "heads") == 0 || strcmp(id, "base") == 0)
		return PGM_ID_RESERVED;
	return PGM_ID_OK;
}

/* ---- a min-heap of node indexes, by id ---- */

typedef struct PgmReadyHeap
{
	const PgmOrderNode *nodes;
	int		   *items;
	int			size;
} PgmReadyHeap;

static bool
pgm_heap_less(const PgmReadyHeap *heap, int a, int b)
{
	return strcmp(heap->nodes[heap->items[a]].id, heap->nodes[heap->items[b]].id) < 0;
}

static void
pgm_heap_swap(PgmReadyHeap *heap, int a, int b)
{
	int			tmp = heap->items[a];

	heap->items[a] = heap->items[b];
	heap->items[b] = tmp;
}

static void
pgm_heap_push(PgmReadyHeap *heap, int node)
{
	int			i = heap->size++;

	heap->items[i] = node;
	while (i > 0 && pgm_heap_less(heap, i, (i - 1) / 2))
	{
		pgm_heap_swap(heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static int
pgm_heap_pop(PgmReadyHeap *heap)
{
	int			top = heap->items[0];
	int			i = 0;

	heap->items[0] = heap->items[--heap->size];
	for (;;)
	{
		int			left = 2 * i + 1;
		int			smallest = i;

		if (left < heap->size && pgm_heap_less(heap, left, smallest))
			smallest = left;
		if (left + 1 < heap->size && pgm_heap_less(heap, left + 1, smallest))
			smallest = left + 1;
		if (smallest == i)
			break;
		pgm_heap_swap(heap, i, smallest);
		i = smallest;
	}
	return top;
}

/*
 * Fill order[] with the indexes of `nodes`, parents first, ready siblings
 * by id.  Returns how many were placed: fewer than `count` when parents
 * form a cycle, in which case the nodes on it, and those after it, are not
 * in order[].
 */
int
pgm_topological_order(const PgmOrderNode *nodes, int count, int *order)
{
	int			slots = count > 0 ? count : 1;
	int		   *pending = palloc0(sizeof(int) * slots);
	int		   *first_child = palloc0(sizeof(int) * (slots + 1));
	int		   *children;
	int		   *filled = palloc0(sizeof(int) * slots);
	PgmReadyHeap ready = {nodes, palloc(sizeof(int) * slots), 0};
	int			nedges = 0;
	int			placed = 0;
	int			i;
	int			j;

	/* children as one array, sliced by first_child[] */
	for (i = 0; i < count; i++)
		for (j = 0; j < nodes[i].nparents; j++)
			if (nodes[i].parents[j] >= 0)
			{
				first_child[nodes[i].parents[j] + 1]++;
				pending[i]++;
				nedges++;
			}
	for (i = 0; i < count; i++)
		first_child[i + 1] += first_child[i];
	children = palloc(sizeof(int) * (nedges > 0 ? nedges : 1));
	for (i = 0; i < count; i++)
		for (j = 0; j < nodes[i].nparents; j++)
		{
			int			parent = nodes[i].parents[j];

			if (parent >= 0)
				children[first_child[parent] + filled[parent]++] = i;
		}

	for (i = 0; i < count; i++)
		if (pending[i] == 0)
			pgm_heap_push(&ready, i);
	while (ready.size > 0)
	{
		int			n = pgm_heap_pop(&ready);

		order[placed++] = n;
		for (j = first_child[n]; j < first_child[n + 1]; j++)
			if (--pending[children[j]] == 0)
				pgm_heap_push(&ready, children[j]);
	}

	pfree(pending);
	pfree(first_child);
	pfree(children);
	pfree(filled);
	pfree(ready.items);
	return placed;
}
