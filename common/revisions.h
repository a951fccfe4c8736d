/*
 * revisions.h — what a revision id may be, and the order revisions run in.
 *
 * Shared by the extension and the client (compiled into both), so that a
 * file name the client accepts is an id the server accepts, and the order
 * the client pushes files in is the order the server applies them.
 */
#ifndef PGMIGRATE_REVISIONS_H
#define PGMIGRATE_REVISIONS_H

#define PGM_ID_MAXLEN		128

/* The rule in words, for messages and hints. */
#define PGM_ID_RULE \
	"1 to 128 characters of ASCII letters, digits, \"_\", \"-\" and \".\", " \
	"not beginning with \"-\", and not \"head\", \"heads\" or \"base\""

typedef enum PgmIdProblem
{
	PGM_ID_OK,
	PGM_ID_EMPTY,
	PGM_ID_TOO_LONG,
	PGM_ID_BAD_CHARACTER,		/* *position says which byte */
	PGM_ID_LEADING_DASH,		/* "-" marks a relative rollback target */
	PGM_ID_RESERVED				/* "head", "heads" and "base" name targets */
} PgmIdProblem;

extern bool pgm_id_character_allowed(char c);
extern PgmIdProblem pgm_id_problem(const char *id, size_t *position);

/* A revision as the topological order sees it. */
typedef struct PgmOrderNode
{
	const char *id;
	int			nparents;
	const int  *parents;		/* indexes of other nodes; < 0 is ignored */
} PgmOrderNode;

extern int	pgm_topological_order(const PgmOrderNode *nodes, int count, int *order);

#endif							/* PGMIGRATE_REVISIONS_H */
