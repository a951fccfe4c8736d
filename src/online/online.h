/*
 * online/online.h — what the files of online revisions share: a revision
 * and its tables, resolved (PgmOnline), and their functions.
 *
 * The files, from the bottom up, each calling only those above it here
 * (and the files pgmigrate.h lists before online/locks.c):
 *
 *   revision.c    a revision and its tables, loaded and named; its state
 *   resolve.c     what start checks against the catalogs, and what the
 *                 retyped columns take along (indexes, keys, checks, views)
 *   versions.c    the versions' schemas of views
 *   statements.c  what the client runs at top level: index builds, keys
 *   backfill.c    CALL migrate.backfill()
 *   phases.c      start, complete and abort
 */
#ifndef PGM_ONLINE_H
#define PGM_ONLINE_H

#include "pgmigrate.h"

#define PGM_NEW_COLUMN_PREFIX	"_pgm_new_"
#define PGM_NOT_NULL_PREFIX		"_pgm_nn_"
#define PGM_SYNC_PREFIX			"_pgm_sync_"
#define PGM_VIEW_PREFIX			"_pgm_view_"

/*
 * The first key of the shared advisory lock migrate.use_version() takes
 * (the bytes of "pgm"); the second is hashtext() of the version's schema.
 */
#define PGM_VERSION_LOCK_KEY	7366509

/* what a phase waits at most for a lock when pgmigrate.lock_timeout is off */
#define PGM_ONLINE_LOCK_TIMEOUT_MS	2000

/* An index on a retyped column, built again on the new column. */
typedef struct PgmMovedIndex
{
	char	   *name;			/* the index on the old column */
	char	   *new_name;		/* the one on the new column, renamed at complete */
	char	   *create_sql;		/* its CREATE INDEX CONCURRENTLY */
	List	   *after;			/* after its rename to the old name: a key's constraint, and what else the old one had */
} PgmMovedIndex;

/*
 * An online revision and its table, resolved.  A revision that changes
 * several tables (type changes only: a key and the columns that reference
 * it) is one of these for the revision, its `parts` one for each table.
 */
typedef struct PgmOnline
{
	char	   *id;
	int			part;			/* of a table: its position among the revision's, 1-based */
	List	   *parts;			/* of the revision: PgmOnline * of each table, in order */
	PgmGraph   *graph;
	int			node;
	PgmOnlinePlan *plan;
	Oid			relid;
	Oid			nspid;
	char	   *nspname;
	char	   *relname;
	char	   *table;			/* schema-qualified, quoted */
	char	   *old_schema;		/* the version schemas, unquoted */
	char	   *new_schema;
	char	   *sync;			/* the trigger's and its function's name */
	char	   *view_writer;	/* the function of the new view's INSTEAD OF trigger */
	List	   *row;			/* PgmRowColumn *: the table's columns before start */
	List	   *type_changes;	/* PgmTypeChange * */
	List	   *fills;			/* SET NOT NULL steps with a fill */
	List	   *not_nulls;		/* SET NOT NULL steps */
	List	   *validations;	/* ADD CONSTRAINT steps to validate */
	PgmOnlineStep *rename_table;	/* RENAME TO, or NULL */
	List	   *indexes;		/* CREATE INDEX and ADD UNIQUE steps */
	List	   *moved_indexes;	/* PgmMovedIndex * of the retyped columns */
	List	   *moved_fks;		/* PgmMovedForeignKey * on or to the retyped columns */
	List	   *moved_checks;	/* PgmMovedCheck * on the retyped columns */
	List	   *views;			/* PgmFollowedView * reading the retyped columns (online/views.c) */
	bool		lenient;		/* abort: what start would refuse is not refused */
	char	   *key_column;		/* what the backfill walks; NULL: none needed */
	char	   *key_type;
} PgmOnline;

/* The state of a started revision, as migrate.online holds it. */
typedef struct PgmOnlineState
{
	char	   *phase;
	int64		rows_done;
	char	   *last_key;
	char	   *relation;
	int			part;			/* the table the backfill is at, 1-based */
	Datum	   *tables;			/* each table, qualified (text); NULL: relation alone */
	int			ntables;
} PgmOnlineState;

/* ---- online/revision.c: an online revision and its tables, loaded and named; its state ---- */

extern char *pgm_online_name(const PgmOnline *on, const char *prefix, const char *name, const char *what);
extern char *pgm_qualified_name(const PgmOnline *on, const char *name);
extern bool pgm_step_is(const PgmOnline *on, PgmOnlineKind kind, const char *column);
extern PGM_NORETURN void pgm_online_refused(const PgmOnline *on, const char *message, const char *hint);
extern PgmOnline *pgm_online_load(const char *id, const char *function);
extern void pgm_online_refuse_citus_table(const PgmOnline *on);
extern char *pgm_type_sql(Oid type, int32 typmod);
extern Oid pgm_step_sequence_of(const PgmOnline *on, const PgmOnlineStep *step, bool by_path);
extern void pgm_online_collect(PgmOnline *on);
extern char *pgm_not_null_check(const PgmOnline *on, const char *column);
extern bool pgm_online_has_backfill(const PgmOnline *on);
extern const char *pgm_backfill_column(const PgmOnline *on);
extern PgmTypeChange *pgm_type_change_at(const PgmOnline *on, AttrNumber attnum);
extern int pgm_constraint_state(Oid relid, const char *name);
extern const char *pgm_online_built_later(const PgmOnline *on);
extern bool pgm_is_new_column(const PgmOnline *on, const char *name);
extern PgmTypeChange *pgm_type_change_of(const PgmOnline *on, const char *column);
extern List *pgm_online_relids(const PgmOnline *on);
extern void pgm_check_none_in_progress(const char *id);
extern void pgm_online_run_ddl(PgmOnline *on, const char *undone, void (*fn) (void *));
extern char *pgm_text_arg(FunctionCallInfo fcinfo, int n, const char *name, const char *function);
extern void pgm_online_split(PgmOnline *on, const Oid *relids, bool by_path);
extern bool pgm_online_find_tables(PgmOnline *on, bool missing_ok);
extern char *pgm_online_tables_text(const PgmOnline *on);
extern void pgm_online_find_tables_if_there(void *arg);
extern void pgm_require_started(const char *id, PgmOnlineState *state);
extern Oid pgm_started_table(const char *name);

/* ---- online/resolve.c: what start checks, and what the retyped columns take along ---- */

extern Oid pgm_online_step_sequence(const PgmOnline *on, const PgmOnlineStep *step, bool by_path);
extern void pgm_online_find_key(PgmOnline *on);
extern void pgm_online_check_schema_free(const PgmOnline *on, const char *schema);
extern List *pgm_online_views(const PgmOnline *on, const char *phase);
extern void pgm_online_check_now(void *arg);
extern void pgm_online_reload(PgmOnline *on, const PgmOnlineState *state);

/* ---- online/versions.c: the versions' schemas of views ---- */

extern void pgm_create_version_schema(const PgmOnline *on, const char *schema, bool new_version);
extern void pgm_drop_version_schema(const char *schema);
extern List *pgm_old_version_users(const PgmOnline *on);

/* ---- online/statements.c: the statements the client runs: index builds, foreign keys ---- */

extern int pgm_index_state_by_name(const PgmOnline *on, const char *name);
extern int pgm_index_state(const PgmOnline *on, const PgmOnlineStep *step);

#endif							/* PGM_ONLINE_H */
