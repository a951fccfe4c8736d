/*
 * model.h — what the files of the diff engine (src/schema/) share: the
 * items of two documents, the nodes statements are gathered in, and each
 * file's functions, one section per file, from the bottom layer up.
 *
 *   validate.c     a document checked before use (22023 when it fails)
 *   model.c        the items: lookup, dependencies, columns, names
 *   distribution.c a table's distribution on Citus
 *   renames.c      the renames the caller asks for
 *   plan.c         each item's change, and what it spreads to
 *   statements.c   SQL pieces the emitters share; the nodes
 *   create.c       CREATE and DROP
 *   alter.c        ALTER, and the pass over every item
 *   order.c        the statements in an order that runs
 *   diff.c         migrate.diff(): the pipeline, hazards and hints
 *
 * Each file calls only files above it in this list (and the files of
 * src/ below it in src/pgmigrate.h).
 */
#ifndef PGM_SCHEMA_MODEL_H
#define PGM_SCHEMA_MODEL_H

#include "pgmigrate.h"
#include "utils/hsearch.h"

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
	bool		left_behind;	/* inherited from parents its relation leaves:
								 * dropped on its own, after NO INHERIT/DETACH */
	bool		type_carried;	/* an inherited column whose type its parent's
								 * ALTER ... TYPE changes (it recurses) */
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
	uint32	   *listed;			/* by item: the stamp of the last list it joined */
	uint32		stamp;
	int			nnodes;
	int			maxnodes;
	PgmDiffNode *nodes;
	List	   *renames;		/* PgmRename * */
	List	   *rename_statements;
	const char *role;			/* who will run the script: owner of what it creates */
	HTAB	   *constraint_names;	/* by schema and name: who uses it (model.c) */
} PgmDiff;

/* A rename the caller asked for: source key prefix -> target key prefix. */
typedef struct PgmRename
{
	char	   *from_key;		/* "table s.t" or "column s.t.c" */
	char	   *to_key;
	bool		table;
} PgmRename;

/* How a constraint holds its rows, as its definition ends. */
typedef enum PgmConstraintState
{
	PGM_CONSTRAINT_VALID,
	PGM_CONSTRAINT_NOT_VALID,
	PGM_CONSTRAINT_NOT_ENFORCED
} PgmConstraintState;

/* The ALTER that changes only that (pgm_enforcement_change()). */
typedef enum PgmEnforcementChange
{
	PGM_ENFORCEMENT_NONE,		/* none: the definitions differ otherwise */
	PGM_ENFORCEMENT_VALIDATE,	/* VALIDATE CONSTRAINT */
	PGM_ENFORCEMENT_ENFORCED,	/* ALTER CONSTRAINT ... ENFORCED */
	PGM_ENFORCEMENT_NOT_ENFORCED	/* ALTER CONSTRAINT ... NOT ENFORCED */
} PgmEnforcementChange;

/*
 * Grants as (grantee, privilege, grantable) triples from "role=PRIV*"
 * strings, the grantee as the document spells it (pgm_grantee_spelling()).
 */
typedef struct PgmGrant
{
	char	   *grantee;
	char	   *privilege;
	bool		grantable;
} PgmGrant;

/* What REVOKE takes of a grant (pgm_revoke_of()). */
typedef enum PgmRevoke
{
	PGM_REVOKE_NOTHING,
	PGM_REVOKE_OPTION,			/* REVOKE GRANT OPTION FOR */
	PGM_REVOKE_ALL
} PgmRevoke;

/* ---- validate.c ---- */

extern PGM_NORETURN void pgm_document_error(const char *what, const char *key, const char *detail);
extern bool pgm_same_bytes(JsonbContainer *a, int asize, JsonbContainer *b, int bsize);
extern void pgm_check_document(PgmSnapshot *doc, const char *what, PgmSnapshot *checked);

/* ---- model.c ---- */

extern int pgm_item_find(PgmDiff *diff, const char *key);
extern char *pgm_renamed_key(PgmDiff *diff, const char *key);
extern JsonbContainer *pgm_item_object(PgmItem *item);
extern char *pgm_text(JsonbContainer *obj, const char *name);
extern bool pgm_same_text(const char *a, const char *b);
extern bool pgm_differs(PgmItem *item, const char *name);
extern bool pgm_item_differs(PgmItem *item);
extern void pgm_diff_load(PgmDiff *diff, PgmSnapshot *src, PgmSnapshot *tgt);
extern bool pgm_kind_is(PgmItem *item, const char *kind);
extern char *pgm_qualified(JsonbContainer *obj);
extern PgmItem *pgm_relation_item(PgmDiff *diff, PgmItem *item, bool source);
extern char *pgm_relation_name(PgmDiff *diff, PgmItem *item, bool source);
extern const char *pgm_sql_kind(PgmItem *item);
extern char *pgm_sql_name(PgmDiff *diff, PgmItem *item, bool source);
extern char *pgm_literal(const char *s);
extern PGM_NORETURN void pgm_refuse(PgmItem *item, const char *what, const char *detail);
extern bool pgm_is_base_type(PgmItem *item, bool source);
extern bool pgm_uses_type(PgmDiff *diff, int from, int type, bool source);
extern List *pgm_columns_of(PgmDiff *diff, PgmItem *rel);
extern List *pgm_parents(PgmDiff *diff, JsonbContainer *table, bool source);
extern int	pgm_parent_column_item(PgmDiff *diff, JsonbContainer *child, const char *name);
extern JsonbContainer *pgm_parent_column(PgmDiff *diff, JsonbContainer *child, const char *name);
extern PgmItem *pgm_not_null_giver(PgmDiff *diff, JsonbContainer *table, const char *name);
extern bool pgm_not_null_plain(JsonbContainer *col);
extern char *pgm_not_null_name(PgmDiff *diff, PgmItem *column, bool source);
extern bool pgm_not_null_renamed(PgmDiff *diff, PgmItem *item);
extern char *pgm_not_null_name_to_say(PgmDiff *diff, PgmItem *column);
extern void pgm_check_not_null_support(PgmDiff *diff);

/* ---- distribution.c ---- */

extern bool pgm_distribution_changed(PgmDiff *diff, PgmItem *item);
extern char *pgm_distribution_statement(PgmDiff *diff, PgmItem *item);

/* ---- renames.c ---- */

extern void pgm_parse_renames(PgmDiff *diff, ArrayType *renames, PgmSnapshot *src, PgmSnapshot *tgt);

/* ---- plan.c ---- */

extern PgmEnforcementChange pgm_enforcement_change(PgmItem *item);
extern void pgm_mark_rebuild(PgmDiff *diff, int i, int because);
extern bool pgm_column_holds_type(PgmDiff *diff, int i, int type, bool source);
extern bool pgm_type_user(PgmDiff *diff, int i, int type, bool source);
extern bool pgm_table_referenced(PgmDiff *diff, PgmItem *table);
extern void pgm_classify(PgmDiff *diff);

/* ---- statements.c ---- */

extern void pgm_emit(PgmDiff *diff, int item, PgmNodeKind kind, char *statement);
extern char *pgm_column_definition(PgmDiff *diff, PgmItem *column, bool with_constraints);
extern char *pgm_not_null_clause(PgmDiff *diff, PgmItem *column);
extern char *pgm_not_null_statement(PgmDiff *diff, PgmItem *column, const char *relname, bool only);
extern void pgm_emit_not_valid_not_null(PgmDiff *diff, int i, PgmNodeKind kind, PgmItem *column);
extern PgmGrant pgm_parse_grant(const char *s);
extern char *pgm_grantee_spelling(const char *role);
extern PgmRevoke pgm_revoke_of(const char *grant, List *after);
extern void pgm_emit_grants(PgmDiff *diff, int i, PgmNodeKind kind, List *before, List *after, const char *on, const char *column);
extern char *pgm_grant_target(PgmDiff *diff, PgmItem *item);
extern char *pgm_comment_statement(PgmDiff *diff, PgmItem *item);
extern void pgm_emit_new_object_extras(PgmDiff *diff, int i, PgmNodeKind kind);
extern char *pgm_query(JsonbContainer *obj);
extern char *pgm_with_options(JsonbContainer *obj);
extern char *pgm_sequence_options(JsonbContainer *s);
extern char *pgm_replica_identity(PgmItem *table, const char *name);
extern char *pgm_trimmed(char *s);
extern char *pgm_policy_statement(PgmDiff *diff, PgmItem *item, bool create);
extern char *pgm_trigger_enable(PgmDiff *diff, PgmItem *item);
extern char *pgm_rule_enable(PgmDiff *diff, PgmItem *item);

/* ---- create.c ---- */

extern void pgm_emit_create(PgmDiff *diff, int i);
extern void pgm_emit_drop(PgmDiff *diff, int i);

/* ---- alter.c ---- */

extern PgmItem *pgm_departing_owner(PgmDiff *diff, PgmItem *sequence);
extern void pgm_emit_carried_extras(PgmDiff *diff);
extern void pgm_check_enum_values_unused(PgmDiff *diff);
extern void pgm_emit_all(PgmDiff *diff);

/* ---- order.c ---- */

extern void pgm_order_edges(PgmDiff *diff);
extern List *pgm_order(PgmDiff *diff, List **sources);

#endif							/* PGM_SCHEMA_MODEL_H */
