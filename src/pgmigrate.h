/*
 * pgmigrate.h — declarations shared by pgmigrate's C files.
 *
 * One section per file, in layers from the bottom up: each file calls only
 * files in the sections above its own (its "Calls" line in its banner says
 * which), so there is no loop among them.  scripts/check-layers.sh checks
 * that on the compiled objects.
 *
 *   common/revisions.c  revision ids and the topological order (shared
 *                       with the client)
 *   citus.c             Citus: present, its own backends, the node's role,
 *                       its schema-changing functions, shard visibility
 *   rows.c              SPI results, set-returning plumbing, string lists, the
 *                       fixed settings of every catalog read, subtransactions
 *   tables.c            migrate's own tables, read and written row by row
 *                       without SPI
 *   sqltext.c           the server's parser, statements, checksums
 *   secrets.c           what PostgreSQL keeps from other roles: which
 *                       statements write it, their text without it
 *   changes.c           what the DDL of a deploy changed, as the event
 *                       triggers name it
 *   session.c           backend-local state: engine running, catalog
 *                       writing, statements the client will send
 *   catalog.c           the catalog tables, written only as their owner
 *   schema/document.c   writing the schema document (the aggregate that
 *                       migrate.schema() ends with, and a builder in C)
 *   schema/describe/    the part of the document for some objects, read
 *                       from the catalogs in C (describe/describe.h)
 *   schema/snapshot.c   the schema as data: documents and their comparison
 *   schema/part.c       the part of the document for some objects
 *   schema/key_rows.c   migrate.snapshot_keys, row by row
 *   schema/reach.c      what a part record must hold: the scope of what
 *                       a deploy's commands named
 *   schema/records.c    the schema as recorded: whole and part records
 *   graph.c             the revision DAG and the targets
 *   lint.c, derive.c    rules over parse trees; down SQL from up SQL
 *   online/plan.c       what an online revision's up does, step by step
 *   online/sql.c        the SQL and PL/pgSQL of an online revision's views
 *                       and triggers
 *   online/sequences.c  a retyped column's sequence, carried over at complete
 *   online/foreign_keys.c  a retyped column's foreign keys, made again
 *   online/checks.c     a retyped column's CHECK constraints, made again
 *   online/views.c      the views that read a retyped column, made again
 *   schema/             the diff engine: DDL from one schema document to
 *                       another (migrate.diff()), layered as
 *                       schema/model.h lists
 *   dataloss.c          what a rollback would destroy
 *   engine.c            running revisions: apply, rollback, stamp
 *   online/locks.c      the locks of an online revision's start, complete
 *                       and abort, taken first, in the application's order
 *   online/             online revisions in phases: start, backfill,
 *                       complete, abort (revision.c, resolve.c, versions.c,
 *                       statements.c, backfill.c, phases.c, as
 *                       online/online.h lists them)
 *   guard.c             the event trigger, the catalog tables' trigger
 *   register.c, inspect.c, nontx.c, verify.c
 *                       the SQL-callable functions on top
 *   module.c            the loadable module
 */
#ifndef PGMIGRATE_H
#define PGMIGRATE_H

#include "postgres.h"

#include "compat.h"
#include "access/skey.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"

#include "revisions.h"

#define PGM_SCHEMA			"migrate"
#define PGM_SHA256_HEXLEN	64

/* ---- citus.c: living in a Citus cluster ---- */

extern bool pgm_citus_present(void);
extern bool pgm_citus_own_backend(void);
extern bool pgm_citus_is_worker(void);
extern int	pgm_citus_run_sequentially(void);
extern void pgm_citus_watch_functions(void);
extern const char *pgm_citus_schema_function(Oid fn);
extern int	pgm_citus_hide_shards(int level);
extern const char *pgm_citus_table_kind(Oid relid);
extern char *pgm_citus_distribution_digest(void);

/* ---- rows.c: SPI results, set-returning plumbing, fixed settings ---- */

extern void pgm_spi_connect(void);
extern SPIPlanPtr pgm_spi_kept_plan(SPIPlanPtr *cache, const char *sql, int nargs,
									Oid *argtypes, int cursor_options);
extern int	pgm_spi_fix_settings(bool search_path);
extern int	pgm_spi_fix_output_settings(void);
extern int	pgm_spi_prefer_lookups(void);
extern void pgm_spi_restore_settings(int level);
extern void pgm_spi_run(const char *sql);
extern List *pgm_spi_rows(const char *sql, int nargs, Oid *types, Datum *values);
extern List *pgm_spi_strings(const char *sql, int nargs, Oid *types, Datum *values);
extern int	pgm_int2_array_parse(const char *text, int *out, int max);
extern Datum pgm_int2_array_datum(const AttrNumber *attnums, int n);
extern char *pgm_result_text(int row, int col);
extern bool pgm_result_bool(int row, int col);
extern Jsonb *pgm_result_jsonb(int row, int col, MemoryContext into);
extern ArrayType *pgm_result_array(int row, int col, Oid elemtype, MemoryContext into);
extern Tuplestorestate *pgm_srf_begin(FunctionCallInfo fcinfo,
									  TupleDesc *tupdesc);
extern bool pgm_list_has_string(List *list, const char *s);
extern char *pgm_list_join(List *list, const char *separator);
extern ErrorData *pgm_in_subtransaction(void (*fn) (void *), void *arg, bool keep);

/* ---- tables.c: migrate's own tables, row by row, without SPI ---- */

/* How a table of migrate is opened: see pgm_table_open(). */
typedef enum PgmTableAccess
{
	PGM_TABLE_READ_STATEMENT,
	PGM_TABLE_READ_LATEST,
	PGM_TABLE_WRITE
} PgmTableAccess;

/* A table of migrate, open; see pgm_table_open(). */
typedef struct PgmTable
{
	Relation	rel;
	Oid			space;			/* schema migrate */
	LOCKMODE	lock;
	Snapshot	snapshot;		/* the latest rows, this transaction's too */
	struct ResultRelInfo *indexes;	/* open once written */
	List	   *lookups;		/* of PgmTableLookup, closed with the table */
} PgmTable;

/* Lookups through an index of a table of migrate: pgm_table_lookup_open(). */
typedef struct PgmTableLookup
{
	Relation	rel;
	Relation	index;
	struct IndexScanDescData *scan; /* NULL until a lookup, and after a refresh */
	struct TupleTableSlot *slot;
	int			nkeys;
	Oid			collation;		/* of the index's first column */
} PgmTableLookup;

extern bool pgm_table_open(PgmTable *t, const char *name, PgmTableAccess access, bool missing_ok);
extern void pgm_table_refresh(PgmTable *t);
extern void pgm_table_close(PgmTable *t);
extern AttrNumber pgm_table_column(PgmTable *t, const char *name);
extern Oid	pgm_table_index(PgmTable *t, const char *name, Oid *collation);
extern PgmTableLookup *pgm_table_lookup_open(PgmTable *t, const char *name, int nkeys,
											  AttrNumber *columns);
extern void pgm_table_lookup(PgmTable *t, PgmTableLookup *l, ScanKey keys);
extern HeapTuple pgm_table_lookup_next(PgmTable *t, PgmTableLookup *l);
/* Lookups through catalogs' indexes, each opened once: pgm_lookup_rows(). */
typedef struct PgmLookups
{
	MemoryContext cxt;			/* where they live: pgm_lookups_init()'s */
	Snapshot	snapshot;		/* the catalog snapshot of the first lookup */
	List	   *open;			/* of PgmTableLookup */
} PgmLookups;

extern void pgm_lookups_init(PgmLookups *ls);
extern List *pgm_lookup_rows(PgmLookups *ls, Oid catalog, Oid index, int nkeys, ScanKey keys,
							 TupleDesc *desc);
extern void pgm_lookups_end(PgmLookups *ls);
extern struct SysScanDescData *pgm_table_scan(PgmTable *t, Oid index, int nkeys, ScanKey keys);
extern Datum pgm_table_value(PgmTable *t, HeapTuple row, AttrNumber attnum, bool *isnull);
extern int	pgm_table_width(PgmTable *t);
extern void pgm_table_insert(PgmTable *t, Datum *values, bool *nulls, const bool *given);
extern void pgm_table_insert_named(const char *table, int n, const char *const *columns,
								   const Datum *values, const bool *nulls);
extern void pgm_table_update(PgmTable *t, HeapTuple old, Datum *values, bool *nulls,
							 const bool *replace);
extern void pgm_table_delete(PgmTable *t, HeapTuple old);
extern void pgm_table_delete_at(PgmTable *t, ItemPointer tid);
extern bool pgm_heap_surely_empty(Oid relid);
extern Oid	pgm_table_relid(const char *name);
extern bool pgm_table_surely_empty(const char *name);

/* ---- sha256.c: the checksum of a revision's SQL ---- */

extern char *pgm_sha256_hex(text *t);

/* ---- sqltext.c: the server's parser, statements ---- */

/* One statement of a revision's SQL. */
typedef struct PgmStatement
{
	int			number;			/* 1-based */
	int			line;			/* where it begins in the SQL */
	int			location;		/* where its text begins in the SQL, in bytes */
	char	   *text;			/* without leading blanks and comments */
	Node	   *tree;			/* raw parse tree */
} PgmStatement;

extern List *pgm_parse_sql(const char *sql, const char *revision,
						   const char *side);
extern List *pgm_split_statements(const char *sql, List *raw_statements);
extern char *pgm_statement_normalize(const char *sql);
extern char *pgm_statement_after_keyword(const PgmStatement *stmt,
										 const char *keyword);
extern int	pgm_keyword_before(const char *sql, int location, const char *keyword);
extern bool pgm_sql_has_identifier(const char *sql, const char *name);

/* ---- secrets.c: what PostgreSQL keeps from other roles ---- */

extern const char *pgm_secret_written(const Node *tree);
extern char *pgm_command_text(const char *query, const Node *command);

/* ---- changes.c: what the DDL of a deploy changed ---- */

extern bool pgm_event_trigger_fires(const char *name);
extern void pgm_changes_begin(void);
extern void pgm_changes_end(void);
extern bool pgm_changes_collecting(void);
extern void pgm_changes_note(Oid classid, Oid objid);
extern void pgm_changes_note_dropped(Oid classid, Oid objid, const char *key);
extern void pgm_changes_note_index(Oid index);
extern void pgm_changes_note_whole(const char *why);
extern void pgm_changes_note_command(Datum command);
/* an entry of the set of dropped objects pgm_changes_take() gives */
typedef struct PgmDropped
{
	Oid			classid;		/* the hash key: (classid, objid) */
	Oid			objid;
	char	   *key;			/* an index's key, from its name as sql_drop said it; or NULL */
	Oid			table;			/* an index's table, when a command of the deploy named it alive */
} PgmDropped;
extern const char *pgm_changes_take(ArrayType **classids, ArrayType **objids, HTAB **dropped);

/* ---- session.c: backend-local state ---- */

extern void pgm_session_init(void);
extern bool pgm_session_engine_running(void);
extern void pgm_session_set_engine_running(bool running);
extern void pgm_check_may_change(const char *function);
extern void pgm_session_begin_catalog_write(void);
extern void pgm_session_end_catalog_write(void);
extern bool pgm_session_catalog_writing(void);
extern void pgm_session_expect(const char *revision, List *statements);
extern const char *pgm_session_expected_revision(void);
extern bool pgm_session_consume_expected(const char *query);
extern void pgm_session_forget_expected(void);
extern void pgm_session_defer_log(const char *tag, const char *outcome,
								  const char *detail);
extern bool pgm_session_take_deferred_log(char **tag, char **outcome,
										  char **detail);

/* ---- catalog.c: the catalog tables, written only as their owner ---- */

typedef enum PgmQuery
{
	PGM_Q_GET_REVISION,
	PGM_Q_HEADS,
	PGM_Q_MISSING_PARENTS,
	PGM_Q_INSERT_REVISION,
	PGM_Q_UPDATE_REVISION,
	PGM_Q_UPDATE_DESCRIPTION,
	PGM_Q_LAST_SNAPSHOT,
	PGM_Q_RECORDS,
	PGM_Q_RECORDS_BEFORE,
	PGM_Q_LAST_RECORD_ID,
	PGM_Q_CHECKSUMS,
	PGM_Q_WITHDRAW_DOWN,
	PGM_Q_REPAIR_DOWN,
	PGM_Q_GET_ONLINE,
	PGM_Q_SET_ONLINE,
	PGM_Q_ONLINE_STATE,
	PGM_Q_ONLINE_INSERT,
	PGM_Q_ONLINE_PROGRESS,
	PGM_Q_ONLINE_DELETE,
	PGM_Q_ONLINE_PHASES,
	PGM_Q_COUNT
} PgmQuery;

/* Columns of PGM_Q_GET_REVISION, 1-based as SPI counts them. */
#define PGM_REV_UP				1
#define PGM_REV_UP_SHA			2
#define PGM_REV_DOWN			3
#define PGM_REV_DOWN_SHA		4
#define PGM_REV_PARENTS			5
#define PGM_REV_DESCRIPTION		6
#define PGM_REV_DESTRUCTIVE		7
#define PGM_REV_TRANSACTIONAL	8
#define PGM_REV_APPLIED			9
#define PGM_REV_DOWN_DERIVED	10

extern int	pgm_catalog_exec(PgmQuery query, Datum *values, const char *nulls,
							 bool read_only);
extern void pgm_catalog_log(const char *action, const char *revision,
							double duration_ms, const char *command,
							const char *outcome, const char *detail);
extern void pgm_lock_catalog(void);
extern char *pgm_caller_name(void);
extern char *pgm_catalog_fetch_sql(const char *id, bool up, bool read_only);
extern bool pgm_catalog_mark(const char *id, bool applied, Datum *values, char **sql);
extern char *pgm_online_in_progress(void);
extern void pgm_catalog_save_record(const char *action, Jsonb *doc, ArrayType *replaces);

/* ---- schema/document.c: writing a schema document ---- */

typedef struct PgmObjectPair PgmObjectPair;
typedef struct PgmDocState PgmDocState;

/* An object of a schema document being built: names and values. */
typedef struct PgmObjectBuild
{
	PgmObjectPair *pairs;
	int			npairs;
	int			maxpairs;
} PgmObjectBuild;

extern void pgm_object_text(PgmObjectBuild *o, const char *name, const char *value);
extern void pgm_object_bool(PgmObjectBuild *o, const char *name, bool value);
extern void pgm_object_int(PgmObjectBuild *o, const char *name, int64 value);
extern void pgm_object_jsonb(PgmObjectBuild *o, const char *name, Jsonb *value);
extern Jsonb *pgm_object_finish(PgmObjectBuild *o);
extern PgmDocState *pgm_doc_new(void);
extern void pgm_doc_add_object(PgmDocState *state, const char *key, Jsonb *doc);
extern void pgm_doc_add_depend(PgmDocState *state, const char *key, const char *depends_on);
extern Jsonb *pgm_doc_finish(PgmDocState *state);

/* ---- schema/describe/units.c: the part of the document, in C ---- */

extern Jsonb *pgm_describe_whole(MemoryContext into, ArrayType **keys);
extern Jsonb *pgm_describe_part(ArrayType *classids, ArrayType *objids, MemoryContext into,
								ArrayType **keys);

/* ---- schema/snapshot.c: the schema as data ---- */

/* One object of a schema document. */
typedef struct PgmObject
{
	char	   *key;			/* "table app.users", "column app.users.id" */
	JsonbContainer *attributes; /* into the document */
	int			size;			/* the attributes' bytes */
	const char *kind;			/* its "kind" string; NULL when it has none */
} PgmObject;

typedef struct PgmSnapshot
{
	int			count;
	PgmObject  *objects;		/* sorted by key, byte order */
} PgmSnapshot;

typedef struct PgmDrift
{
	const char *object;
	const char *change;			/* added, removed, changed */
	char	   *detail;
} PgmDrift;

extern bool pgm_snapshots_available(void);
extern PgmSnapshot *pgm_snapshot_read(Jsonb *doc, const char *what);
extern bool pgm_records_in_parts(void);
extern Jsonb *pgm_snapshot_query_document(bool read_only);
extern Jsonb *pgm_snapshot_take_document(bool read_only);
extern PgmSnapshot *pgm_snapshot_take(bool read_only);
extern PgmObject *pgm_snapshot_lookup(const PgmSnapshot *snap, const char *key);
extern PgmObject *pgm_snapshot_lookup_bytes(const PgmSnapshot *snap, const char *key, int len);
extern JsonbContainer *pgm_snapshot_find(const PgmSnapshot *snap, const char *key);
extern JsonbValue *pgm_attribute(JsonbContainer *object, const char *name);
extern char *pgm_attribute_text(JsonbContainer *object, const char *name);
extern char *pgm_attribute_string(JsonbContainer *object, const char *name);
extern bool pgm_attribute_bool(JsonbContainer *object, const char *name);
extern List *pgm_attribute_strings(JsonbContainer *object, const char *name);
extern List *pgm_snapshot_diff(const PgmSnapshot *before, const PgmSnapshot *after);
extern void pgm_require_snapshots(void);
extern PgmSnapshot *pgm_snapshot_from(PgmObject *objects, int count);

/* ---- schema/part.c: the part of the document for some objects ---- */

extern Jsonb *pgm_part_take(ArrayType *classids, ArrayType *objids, MemoryContext into,
							 ArrayType **keys);
extern bool pgm_part_all_keys(MemoryContext into, ArrayType **keys);

/* ---- schema/key_rows.c: migrate.snapshot_keys, row by row ---- */

/* What a record's lookups found in migrate.snapshot_keys: pgm_key_memo(). */
typedef struct PgmKeyMemo
{
	HTAB	   *entries;		/* (classid, objid) -> the key, or NULL: no row */
	HTAB	   *under;			/* key -> the entries recorded under it */
	bool		complete;		/* it holds every row: what it lacks has none */
	MemoryContext cxt;
} PgmKeyMemo;

/* migrate.snapshot_keys, open, with its columns and indexes */
typedef struct PgmKeyRows
{
	PgmTable	table;
	AttrNumber	classid;
	AttrNumber	objid;
	AttrNumber	key;
	PgmTableLookup *by_entry;	/* index (classid, objid) */
	PgmTableLookup *by_key;		/* index (key) */
	PgmKeyMemo *memo;			/* lookups remembered, or NULL */
} PgmKeyRows;

extern HTAB *pgm_key_set(const char *name, Size entrysize, long size);
extern PgmKeyMemo *pgm_key_memo(int lookups);
extern void pgm_key_rows_open(PgmKeyRows *k, bool write, PgmKeyMemo *memo);
extern void pgm_key_rows_close(PgmKeyRows *k);
extern char *pgm_key_rows_key_of(PgmKeyRows *k, Oid classid, Oid objid);
extern void pgm_key_rows_entries(PgmKeyRows *k, const char *keytext,
								 void (*fn) (void *arg, Oid classid, Oid objid), void *arg);
extern bool pgm_key_rows_complete(void);
extern void pgm_key_rows_write(ArrayType **forget, ArrayType **keys, PgmKeyMemo *memo);

/* ---- schema/reach.c: what a part record must hold ---- */

extern List *pgm_depend_rows(PgmLookups *ls, Oid classid, Oid objid);

/* A default, trigger, policy or rule, as pgm_member_read() reads it. */
typedef struct PgmMember
{
	Oid			relid;			/* its relation */
	char	   *name;			/* NULL for a default */
	int16		attnum;			/* a default's column */
	bool		internal;		/* a trigger the server made */
} PgmMember;

extern bool pgm_member_read(Oid classid, Oid objid, PgmMember *m);
extern void pgm_reach_scope(ArrayType **named, ArrayType **units, ArrayType **old_keys, PgmKeyMemo *memo,
							HTAB *dropped);
extern int	pgm_reach_more(ArrayType **entries, ArrayType **named, ArrayType **old_keys, ArrayType **units,
						   PgmKeyMemo *memo, HTAB *dropped);

/* ---- schema/records.c: the schema as recorded ---- */

extern void pgm_record_whole(const char *action);
extern void pgm_record_prepare(void);
extern void pgm_record_changes(const char *action);
extern PgmSnapshot *pgm_record_last(void);

/* ---- graph.c: the revision DAG and the targets ---- */

typedef struct PgmNode
{
	char	   *id;
	int			nparents;
	int		   *parents;		/* node indexes, in registered order */
	int			nchildren;
	int		   *children;
	bool		applied;
	TimestampTz applied_at;
	int64		apply_order;
	bool		transactional;
	bool		irreversible;	/* no down SQL */
	bool		destructive;
	bool		down_derived;	/* down SQL derived from the up */
	char	   *down_withdrawn;	/* why the derived down was withdrawn at this
								 * apply; NULL when it was not */
	char	   *description;	/* NULL when none */
	char	   *checked_down;	/* down SQL the data-loss check of this call
								 * read and checked against its checksum;
								 * NULL when it read none */
} PgmNode;

typedef struct PgmGraph
{
	int			nnodes;
	PgmNode    *nodes;
	struct HTAB *index;			/* id -> node index */
	int		   *topo;			/* parents before children, ties by id */
	int64		max_apply_order;
} PgmGraph;

/* A resolved target: the revisions to run, in the order to run them. */
typedef struct PgmPlan
{
	int			nsteps;
	int		   *steps;			/* node indexes */
} PgmPlan;

extern void pgm_check_id(const char *id, const char *what);
extern PgmGraph *pgm_graph_load(bool read_only);
extern int	pgm_graph_find(PgmGraph *graph, const char *id);
extern int *pgm_graph_heads(PgmGraph *graph, int *count);
extern int *pgm_graph_current(PgmGraph *graph, int *count);
extern bool pgm_graph_reaches(PgmGraph *graph, int from, int to);
extern PgmPlan pgm_plan_up(PgmGraph *graph, const char *target,
						   const char *function);
extern PgmPlan pgm_plan_down(PgmGraph *graph, const char *target,
							 const char *function);
extern char *pgm_join_ids(PgmGraph *graph, const int *nodes, int count);
extern void pgm_check_reversible(PgmGraph *graph, PgmPlan *plan);

/* ---- lint.c: rules over parse trees ---- */

typedef enum PgmSeverity
{
	PGM_SEVERITY_ERROR,
	PGM_SEVERITY_WARNING,
	PGM_SEVERITY_INFO
} PgmSeverity;

typedef struct PgmFinding
{
	const char *rule;
	PgmSeverity severity;
	int			sqlstate;		/* errors: what migrate.add() raises */
	bool		destructive;	/* allowed with allow_destructive */
	bool		non_transactional;	/* allowed with transactional => false */
	bool		at_apply;		/* judged when the revision is applied (a
								 * column not there yet): allow_destructive
								 * approves it in advance */
	PgmStatement *statement;
	char	   *message;
	const char *hint;
} PgmFinding;

extern List *pgm_lint(List *statements);
extern void pgm_judge_at_apply(const char *revision, List *stmts);
extern bool pgm_changes_catalog(Node *tree);
extern const char *pgm_severity_name(PgmSeverity severity);

/* ---- derive.c: down SQL from up SQL ---- */

extern char *pgm_derive_down(List *statements);
extern char *pgm_inverse_fails_here(Node *tree);

/* ---- online/plan.c: what an online revision's up does ---- */

typedef enum PgmOnlineKind
{
	PGM_ONLINE_TYPE,			/* ALTER COLUMN ... TYPE [USING] */
	PGM_ONLINE_RENAME_COLUMN,
	PGM_ONLINE_ADD_COLUMN,
	PGM_ONLINE_DROP_COLUMN,
	PGM_ONLINE_SET_NOT_NULL,
	PGM_ONLINE_ADD_CONSTRAINT,	/* CHECK or FOREIGN KEY */
	PGM_ONLINE_RENAME_TABLE,
	PGM_ONLINE_CREATE_INDEX,	/* built concurrently by the client */
	PGM_ONLINE_ADD_UNIQUE,		/* its index too, then USING INDEX */
	PGM_ONLINE_SEQUENCE_TYPE	/* ALTER SEQUENCE ... AS, of the table's sequence */
} PgmOnlineKind;

typedef struct PgmOnlineStep
{
	PgmOnlineKind kind;
	int			number;			/* of the statement, 1-based */
	char	   *statement;		/* its text */
	RangeVar   *relation;		/* the table it changes; NULL for SEQUENCE_TYPE */
	char	   *column;			/* the column it changes (ADD: adds); NULL for
								 * a constraint or the table's rename */
	char	   *new_name;		/* RENAME: the column's or the table's new name */
	char	   *constraint;		/* ADD CONSTRAINT: its name */
	bool		not_valid;		/* ADD CONSTRAINT: written NOT VALID */
	char	   *fill_sql;		/* SET NOT NULL: "-- migrate:fill"; NULL: none */
	char	   *index;			/* CREATE INDEX, ADD UNIQUE: the index's name */
	char	   *index_sql;		/* CREATE INDEX: its CREATE INDEX CONCURRENTLY */
	char	   *index_columns;	/* ADD UNIQUE: its columns, "a, b" */
	TypeName   *type;			/* TYPE, ADD: the column's (new) type; SEQUENCE_TYPE: the sequence's */
	RangeVar   *sequence;		/* SEQUENCE_TYPE: the sequence */
	char	   *using_sql;		/* TYPE: the USING expression; NULL: a cast */
	char	   *reverse_sql;	/* TYPE: "-- migrate:reverse"; NULL: a cast */
	bool		not_null;		/* ADD: NOT NULL */
	bool		has_default;	/* ADD: DEFAULT */
} PgmOnlineStep;

typedef struct PgmOnlinePlan
{
	RangeVar   *relation;		/* the (first) table the steps change */
	List	   *tables;			/* RangeVar *: each table, once, as first named */
	List	   *steps;			/* PgmOnlineStep * */
} PgmOnlinePlan;

extern PgmOnlinePlan *pgm_online_plan(const char *sql, List *statements,
									  const char *revision);
extern bool pgm_online_avoids_rule(const char *rule);
extern char *pgm_online_finding_message(const char *rule, const PgmStatement *stmt);
extern bool pgm_using_is_plain_cast(const ColumnDef *def, const char *column);

/* ---- online/sql.c: the SQL and PL/pgSQL of an online revision's views and triggers ---- */

/* A type change, resolved against the catalogs. */
typedef struct PgmTypeChange
{
	PgmOnlineStep *step;
	char	   *new_column;		/* the column beside it: _pgm_new_<column> */
	char	   *old_type;		/* SQL of the types, schema-qualified */
	char	   *new_type;
	char	   *new_default;	/* the new column's default, or NULL */
	bool		not_null;		/* the old column is NOT NULL */
	char	   *not_null_check; /* then: the check that proves the new one is */
} PgmTypeChange;

/* A column of a version's view of a table. */
typedef struct PgmViewColumn
{
	char	   *name;			/* in the view */
	char	   *base;			/* the table's column it reads and writes */
	PgmTypeChange *change;		/* a type change (base is the new column) */
	char	   *default_sql;	/* the table's default for it, or NULL */
	bool		generated;		/* a generated column: never written */
	bool		identity;
	bool		identity_always;	/* GENERATED ALWAYS AS IDENTITY: never updated */
} PgmViewColumn;

/* A column of the row an expression of the revision is evaluated on. */
typedef struct PgmRowColumn
{
	char	   *name;			/* as the expression names it */
	char	   *field;			/* the record's field it is; NULL: its name */
	Oid			type;
	char	   *type_sql;		/* schema-qualified, with its modifier */
} PgmRowColumn;

/* the name of the table wherever an expression of the revision is evaluated */
#define PGM_ONLINE_TABLE_ALIAS	"_pgm_t"

extern char *pgm_online_expression(const char *expr);
extern char *pgm_online_row_expression(const char *expr, const char *type,
									   List *row, const char *record);
extern char *pgm_online_view_read(const PgmViewColumn *col);
extern char *pgm_online_view_select_list(List *columns);
extern char *pgm_online_view_writer(const char *function, const char *revision,
									const char *nspname, const char *relname,
									List *columns, const char *key_column,
									const char *key_name);
extern char *pgm_online_sync_function(const char *function, const char *revision,
									  List *row, List *fills,
									  List *type_changes);

/* ---- online/sequences.c: a retyped column's sequence, carried over at complete ---- */

extern char *pgm_online_identity_misfit(Oid relid, AttrNumber attnum, Oid new_type);
extern void pgm_online_carry_sequence(Oid relid, AttrNumber attnum, const char *table,
									  const char *column, const char *new_column,
									  List **before, List **after);

/* ---- online/foreign_keys.c: a retyped column's foreign keys, made again on the new columns ---- */

typedef struct PgmMovedForeignKey
{
	Oid			oid;			/* the key */
	char	   *name;
	Oid			relid;			/* its table */
	char	   *table;			/* its table, qualified and quoted */
	char	   *definition;		/* FOREIGN KEY (...) REFERENCES ... on the new columns */
	char	   *comment;		/* its comment, or NULL */
	char	   *reason;			/* why it cannot be made again so; NULL: it can */
	char	   *narrower;		/* a column of it too narrow for the new key; NULL: none */
	char	   *widen;			/* then: "ALTER COLUMN c TYPE t", which would widen it */
	char	   *new_name;		/* the caller's name for the new one */
} PgmMovedForeignKey;

/* The columns an online revision retypes on one table, and their new columns. */
typedef struct PgmRetyped
{
	Oid			relid;
	int			ncolumns;
	AttrNumber *attnums;
	char	  **columns;
	char	  **new_columns;
	Oid		   *new_types;
} PgmRetyped;

extern int	pgm_int_width(Oid type);
extern List *pgm_online_find_foreign_keys(const PgmRetyped *table, List *retyped);

/* ---- online/checks.c: a retyped column's CHECK constraints, made again on the new column ---- */

typedef struct PgmMovedCheck
{
	char	   *name;
	char	   *definition;		/* CHECK (...) on the new columns */
	bool		validate;		/* it was validated: so is the new one */
	char	   *comment;		/* its comment, or NULL */
	char	   *reason;			/* why it cannot be made again so; NULL: it can */
	char	   *new_name;		/* the caller's name for the new one */
} PgmMovedCheck;

extern List *pgm_online_find_checks(Oid relid, int ncolumns, const AttrNumber *attnums,
									char **columns, char **new_columns);

/* ---- online/views.c: the views that read a retyped column, made again on the new column ---- */

typedef struct PgmFollowedView
{
	char	   *name;			/* qualified */
	List	   *reads;			/* the names of the views found with it that it reads */
	List	   *statements;		/* CREATE VIEW, its owner, its comments */
	bool		default_grants;	/* it had the default privileges */
	List	   *grants;			/* GRANTs, its owner's too */
} PgmFollowedView;

extern List *pgm_online_find_views(Oid relid, int ncolumns, const AttrNumber *attnums, List **problems);
extern void pgm_online_drop_views(List *views);
extern void pgm_online_make_view(void *view);
extern void pgm_online_make_views(List *views);

/* ---- dataloss.c: what a rollback would destroy ---- */

extern void pgm_check_data_loss(PgmGraph *graph, PgmPlan *plan, bool read_only);

/* ---- engine.c: running revisions ---- */

typedef enum PgmAction
{
	PGM_APPLY,
	PGM_ROLLBACK,
	PGM_STAMP,
	PGM_RECORD_APPLIED,			/* the client ran the up: record it */
	PGM_RECORD_ROLLED_BACK,		/* the client ran the down: record it */
	PGM_COMPLETE_ONLINE			/* an online revision completed: record it */
} PgmAction;

extern void pgm_engine_define_settings(void);
extern double pgm_run_revision(PgmGraph *graph, int n, PgmAction action,
							   int step, int nsteps);
extern void pgm_check_plan(PgmGraph *graph, PgmPlan *plan, PgmAction action);
extern int	pgm_lock_timeout_or(int fallback);
extern void pgm_with_lock_retries(const char *revision, const char *undone, int timeout_ms,
								  void (*fn) (void *), void *arg);
extern void pgm_sleep_interruptibly(int ms);
extern void pgm_engine_note_waited(Oid relid);

/* ---- online/locks.c: the phases' locks, taken before they change anything ---- */

extern void pgm_online_locks_begin(void);
extern int	pgm_online_wait_within_deadlock_check(int cap_ms);
extern void pgm_online_before_handed_out(Node *parsetree);
extern void pgm_online_lock_up_front(List *relids, List *keys);

/* ---- online/backfill.c: CALL migrate.backfill() ---- */

extern void pgm_online_define_settings(void);

/* ---- online/phases.c: start, complete and abort ---- */

extern void pgm_online_check_at_registration(const char *id);

/* ---- guard.c: the event trigger against unmanaged DDL ---- */

extern void pgm_guard_define_settings(void);
extern void pgm_guard_install_hook(void);

/* ---- register.c: migrate.add() ---- */

extern void pgm_register_define_settings(void);

#endif							/* PGMIGRATE_H */
