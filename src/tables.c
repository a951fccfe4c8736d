/*
 * tables.c — migrate's own tables, read and written row by row, without
 * SPI.
 *
 * What a deploy writes for each revision (its log row) and once (its
 * record and its keys) is written here through the heap and its indexes:
 * it costs what the rows cost, not what planning and running a statement
 * costs, which in a new session is most of a small deploy's overhead.
 *
 * A row is written as INSERT would write it: the columns it does not set
 * take the table's defaults (an identity, clock_timestamp(), ...), NOT NULL
 * and CHECK constraints are checked, and every index is written (a unique
 * one checks, as INSERT checks).  No trigger runs: the only ones these
 * tables have are the guard's statement triggers, which refuse every write
 * but pgmigrate's own.  Nor is any privilege checked: pgmigrate writes its
 * catalog as its owner would.
 *
 * Rows are read with a snapshot taken after CommandCounterIncrement(): what
 * is committed and what this transaction wrote, the latest rows whatever
 * the isolation level.  The writers hold pgmigrate's advisory lock
 * (catalog.c), so no other writer is at work on the rows they change.
 *
 * Calls nothing of pgmigrate's.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/tableam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

/*
 * Open migrate.`name` for reading (AccessShareLock) or for writing
 * (RowExclusiveLock), with a snapshot of the latest rows, or for reading
 * with the calling statement's snapshot (PGM_TABLE_READ_STATEMENT, what a
 * STABLE function reads).  A table that is not there (a catalog older
 * than the library) is an error unless `missing_ok`; then false.
 */
bool
pgm_table_open(PgmTable *t, const char *name, PgmTableAccess access, bool missing_ok)
{
	bool		write = access == PGM_TABLE_WRITE;

	Oid			space = get_namespace_oid(PGM_SCHEMA, missing_ok);
	Oid			relid = OidIsValid(space) ? get_relname_relid(name, space) : InvalidOid;

	memset(t, 0, sizeof(*t));
	if (!OidIsValid(relid))
	{
		if (missing_ok)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table %s.%s does not exist", PGM_SCHEMA, name),
				 errhint("Update the extension: ALTER EXTENSION pgmigrate UPDATE;")));
	}
	/* as INSERT would say in a read-only transaction, or on a standby */
	if (write)
		PreventCommandIfReadOnly(psprintf("a write to %s.%s", PGM_SCHEMA, name));
	t->space = space;
	t->lock = write ? RowExclusiveLock : AccessShareLock;
	t->rel = table_open(relid, t->lock);
	if (access == PGM_TABLE_READ_STATEMENT)
	{
		t->snapshot = RegisterSnapshot(ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot());
		return true;
	}
	/* what this transaction wrote before, and every committed row */
	CommandCounterIncrement();
	t->snapshot = RegisterSnapshot(GetLatestSnapshot());
	return true;
}

/*
 * End a lookup's kept scan (it is begun again at its next lookup); with
 * `close`, close it: its slot, its index, and with `heap` its relation.
 */
static void
pgm_lookup_end(PgmTableLookup *l, bool close, bool heap)
{
	if (l->scan != NULL)
		index_endscan(l->scan);
	l->scan = NULL;
	if (!close)
		return;
	ExecDropSingleTupleTableSlot(l->slot);
	index_close(l->index, AccessShareLock);
	if (heap)
		table_close(l->rel, AccessShareLock);
}

/*
 * A new snapshot, after CommandCounterIncrement(): the rows as this
 * transaction's last writes left them (a scan's snapshot still sees the
 * rows it deleted itself).
 */
void
pgm_table_refresh(PgmTable *t)
{
	ListCell   *lc;

	/* a kept scan has the old snapshot */
	foreach(lc, t->lookups)
		pgm_lookup_end(lfirst(lc), false, false);
	CommandCounterIncrement();
	UnregisterSnapshot(t->snapshot);
	t->snapshot = RegisterSnapshot(GetLatestSnapshot());
}

void
pgm_table_close(PgmTable *t)
{
	ListCell   *lc;

	foreach(lc, t->lookups)
		pgm_lookup_end(lfirst(lc), true, false);
	if (t->indexes != NULL)
		CatalogCloseIndexes(t->indexes);
	UnregisterSnapshot(t->snapshot);
	table_close(t->rel, t->lock);
	t->rel = NULL;
}

/*
 * Does heap table `relid` surely hold no row, as its storage says?  A
 * permanent heap table with no inheritance children whose main fork has
 * no block has none, in any transaction's view.  Asked of the storage
 * manager, without the relation's cache entry, which a new session would
 * otherwise build first.  The caller holds a lock on the table.  False
 * when not known.
 */
bool
pgm_heap_surely_empty(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Form_pg_class rel;
	bool		empty = false;

	if (!HeapTupleIsValid(tuple))
		return false;
	rel = (Form_pg_class) GETSTRUCT(tuple);
	if (rel->relkind == RELKIND_RELATION && !rel->relhassubclass &&
		rel->relpersistence == RELPERSISTENCE_PERMANENT && rel->relam == HEAP_TABLE_AM_OID &&
		OidIsValid(rel->relfilenode))
		empty = pgm_permanent_main_fork_blocks(rel->reltablespace, rel->relfilenode) == 0;
	ReleaseSysCache(tuple);
	return empty;
}

/* The relation migrate.`name`; InvalidOid when it (or the schema) is missing. */
Oid
pgm_table_relid(const char *name)
{
	Oid			space = get_namespace_oid(PGM_SCHEMA, true);

	return OidIsValid(space) ? get_relname_relid(name, space) : InvalidOid;
}

/* Does migrate.`name` surely hold no row (above)?  False when it is missing. */
bool
pgm_table_surely_empty(const char *name)
{
	Oid			relid = pgm_table_relid(name);
	bool		empty;

	if (!OidIsValid(relid))
		return false;
	LockRelationOid(relid, AccessShareLock);
	empty = pgm_heap_surely_empty(relid);
	UnlockRelationOid(relid, AccessShareLock);
	return empty;
}

/* The number of column `name`; an error when the table has none. */
AttrNumber
pgm_table_column(PgmTable *t, const char *name)
{
	TupleDesc	desc = RelationGetDescr(t->rel);
	int			i;

	/* the open relation's own descriptor: no catalog lookup */
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of table %s.%s does not exist",
					name, PGM_SCHEMA, RelationGetRelationName(t->rel)),
			 errhint("Update the extension: ALTER EXTENSION pgmigrate UPDATE;")));
	return InvalidAttrNumber;
}

/* Index migrate.`name` of the table, and the collation of its first column. */
Oid
pgm_table_index(PgmTable *t, const char *name, Oid *collation)
{
	Oid			index = get_relname_relid(name, t->space);

	if (!OidIsValid(index))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("index %s.%s is missing", PGM_SCHEMA, name),
				 errhint("Reinstall the extension: DROP EXTENSION pgmigrate; CREATE EXTENSION pgmigrate;")));
	if (collation != NULL)
	{
		Relation	rel = index_open(index, AccessShareLock);

		*collation = rel->rd_indcollation[0];
		index_close(rel, AccessShareLock);
	}
	return index;
}

/*
 * Lookups through index migrate.`name` of the table, `nkeys` of its columns
 * at a time: the index is opened once, and one scan serves them all, begun
 * again with each lookup's keys (whose sk_attno are the index's column
 * numbers).  A deploy looks up thousands of rows; opening, locking and
 * closing the index for each would cost more than finding the row.
 * *columns, if given, has the table's column of each of the index's first
 * `nkeys` columns.
 */
PgmTableLookup *
pgm_table_lookup_open(PgmTable *t, const char *name, int nkeys, AttrNumber *columns)
{
	PgmTableLookup *l = palloc0(sizeof(PgmTableLookup));
	int			i;

	l->rel = t->rel;
	l->index = index_open(pgm_table_index(t, name, NULL), AccessShareLock);
	if (l->index->rd_index->indnkeyatts < nkeys)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index %s.%s has fewer than %d columns", PGM_SCHEMA, name, nkeys),
				 errhint("Reinstall the extension: DROP EXTENSION pgmigrate; CREATE EXTENSION pgmigrate;")));
	for (i = 0; columns != NULL && i < nkeys; i++)
		columns[i] = l->index->rd_index->indkey.values[i];
	l->nkeys = nkeys;
	l->collation = l->index->rd_indcollation[0];
	l->slot = table_slot_create(t->rel, NULL);
	t->lookups = lappend(t->lookups, l);
	return l;
}

/* Begin a lookup with `keys`; its rows come from pgm_table_lookup_next(). */
void
pgm_table_lookup(PgmTable *t, PgmTableLookup *l, ScanKey keys)
{
	if (l->scan == NULL)
		l->scan = pgm_index_beginscan(l->rel, l->index, t->snapshot, l->nkeys);
	index_rescan(l->scan, keys, l->nkeys, NULL, 0);
}

/* The next row of the lookup, valid until the next call; NULL at the end. */
HeapTuple
pgm_table_lookup_next(PgmTable *t, PgmTableLookup *l)
{
	if (!index_getnext_slot(l->scan, ForwardScanDirection, l->slot))
		return NULL;
	return ExecFetchSlotHeapTuple(l->slot, false, NULL);
}

/*
 * The rows of `catalog` that `keys` (`nkeys` of them, numbered as the
 * columns of `index`) find through `index`, in its order, copied; *desc,
 * if asked for, is the catalog's tuple descriptor.  The
 * catalog and the index stay open, and the scan is kept for the next
 * lookup, until pgm_lookups_end(): what a part record reads, it reads
 * thousands of times, and a systable scan locks, opens and closes both
 * each time.  The rows are read with the catalog snapshot of the first
 * lookup: nothing changes the catalogs between them.
 */
List *
pgm_lookup_rows(PgmLookups *ls, Oid catalog, Oid index, int nkeys, ScanKey keys, TupleDesc *desc)
{
	PgmTableLookup *l = NULL;
	ListCell   *lc;
	List	   *rows = NIL;

	foreach(lc, ls->open)
		if (RelationGetRelid(((PgmTableLookup *) lfirst(lc))->index) == index &&
			((PgmTableLookup *) lfirst(lc))->nkeys == nkeys)
			l = lfirst(lc);
	if (l == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(ls->cxt);

		if (ls->snapshot == NULL)
			ls->snapshot = RegisterSnapshot(GetCatalogSnapshot(catalog));
		l = palloc0(sizeof(PgmTableLookup));
		l->rel = table_open(catalog, AccessShareLock);
		l->index = index_open(index, AccessShareLock);
		l->nkeys = nkeys;
		l->slot = table_slot_create(l->rel, NULL);
		l->scan = pgm_index_beginscan(l->rel, l->index, ls->snapshot, nkeys);
		ls->open = lappend(ls->open, l);
		MemoryContextSwitchTo(old);
	}
	if (desc != NULL)
		*desc = RelationGetDescr(l->rel);
	index_rescan(l->scan, keys, nkeys, NULL, 0);
	while (index_getnext_slot(l->scan, ForwardScanDirection, l->slot))
		rows = lappend(rows, ExecCopySlotHeapTuple(l->slot));
	return rows;
}

/* No lookup open yet; they will live in the current memory context. */
void
pgm_lookups_init(PgmLookups *ls)
{
	ls->cxt = CurrentMemoryContext;
	ls->snapshot = NULL;
	ls->open = NIL;
}

void
pgm_lookups_end(PgmLookups *ls)
{
	ListCell   *lc;

	foreach(lc, ls->open)
		pgm_lookup_end(lfirst(lc), true, true);
	list_free_deep(ls->open);
	ls->open = NIL;
	if (ls->snapshot != NULL)
		UnregisterSnapshot(ls->snapshot);
	ls->snapshot = NULL;
}

/* A scan of the table, through `index` (InvalidOid: the heap). */
SysScanDesc
pgm_table_scan(PgmTable *t, Oid index, int nkeys, ScanKey keys)
{
	return systable_beginscan(t->rel, index, OidIsValid(index), t->snapshot, nkeys, keys);
}

/* A column of a row the table's scan returned; *isnull says if NULL. */
Datum
pgm_table_value(PgmTable *t, HeapTuple row, AttrNumber attnum, bool *isnull)
{
	return heap_getattr(row, attnum, RelationGetDescr(t->rel), isnull);
}

/*
 * A table's defaults and CHECK constraints, planned once per backend and
 * kept until the table changes (a relcache invalidation): planning them
 * again for each row would cost more than the row.
 */
typedef struct PgmTableExprs
{
	Oid			relid;			/* hash key */
	bool		valid;
	MemoryContext cxt;
	int			natts;
	Expr	  **defaults;		/* per column; NULL: none */
	int			nchecks;
	Expr	  **checks;
	char	  **check_names;
} PgmTableExprs;

static HTAB *pgm_table_exprs = NULL;

static void
pgm_table_exprs_invalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	PgmTableExprs *e;

	hash_seq_init(&status, pgm_table_exprs);
	while ((e = hash_seq_search(&status)) != NULL)
		if (relid == InvalidOid || e->relid == relid)
			e->valid = false;
}

static PgmTableExprs *
pgm_table_exprs_of(PgmTable *t)
{
	TupleDesc	desc = RelationGetDescr(t->rel);
	TupleConstr *constr = desc->constr;
	Oid			relid = RelationGetRelid(t->rel);
	PgmTableExprs *e;
	MemoryContext old;
	bool		found;
	int			i;

	if (pgm_table_exprs == NULL)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(PgmTableExprs);
		ctl.hcxt = CacheMemoryContext;
		pgm_table_exprs = hash_create("pgmigrate table expressions", 8, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(pgm_table_exprs_invalidate, (Datum) 0);
	}
	e = hash_search(pgm_table_exprs, &relid, HASH_ENTER, &found);
	if (!found)
		e->cxt = NULL;
	else if (e->valid)
		return e;
	e->valid = false;
	if (e->cxt != NULL)
		MemoryContextDelete(e->cxt);
	e->cxt = NULL;
	e->cxt = AllocSetContextCreate(CacheMemoryContext, "pgmigrate table expressions",
								   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(e->cxt);
	e->natts = desc->natts;
	e->defaults = palloc0(sizeof(Expr *) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Node	   *def = TupleDescAttr(desc, i)->attisdropped ? NULL : build_column_default(t->rel, i + 1);

		if (def != NULL)
			e->defaults[i] = expression_planner((Expr *) def);
	}
	e->nchecks = 0;
	e->checks = palloc0(sizeof(Expr *) * Max(constr ? constr->num_check : 0, 1));
	e->check_names = palloc0(sizeof(char *) * Max(constr ? constr->num_check : 0, 1));
	for (i = 0; constr != NULL && i < constr->num_check; i++)
	{
		if (!pgm_check_enforced(&constr->check[i]))
			continue;
		e->checks[e->nchecks] = expression_planner((Expr *) stringToNode(constr->check[i].ccbin));
		e->check_names[e->nchecks++] = pstrdup(constr->check[i].ccname);
	}
	MemoryContextSwitchTo(old);
	e->valid = true;
	return e;
}

/*
 * Fill the columns a row does not set (`given` false) with the table's
 * defaults, then check NOT NULL and CHECK constraints as INSERT does.
 */
static void
pgm_table_complete_row(PgmTable *t, Datum *values, bool *nulls, const bool *given)
{
	TupleDesc	desc = RelationGetDescr(t->rel);
	PgmTableExprs *exprs = pgm_table_exprs_of(t);
	ExprContext *econtext = CreateStandaloneExprContext();
	int			i;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (given[i] || att->attisdropped)
			continue;
		values[i] = (Datum) 0;
		nulls[i] = true;
		if (i < exprs->natts && exprs->defaults[i] != NULL)
		{
			values[i] = ExecEvalExprSwitchContext(ExecInitExpr(exprs->defaults[i], NULL),
												  econtext, &nulls[i]);
			if (!nulls[i])
				values[i] = datumCopy(values[i], att->attbyval, att->attlen);
		}
	}
	for (i = 0; i < desc->natts; i++)
		if (TupleDescAttr(desc, i)->attnotnull && nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of relation \"%s\" violates not-null constraint",
							NameStr(TupleDescAttr(desc, i)->attname), RelationGetRelationName(t->rel)),
					 errdetail("pgmigrate wrote a row its own catalog refuses."),
					 errhint("Update the extension to the library's version (ALTER EXTENSION pgmigrate UPDATE), and undo any change made by hand to the tables of schema migrate.")));
	if (exprs->nchecks > 0)
	{
		TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsVirtual);

		memcpy(slot->tts_values, values, sizeof(Datum) * desc->natts);
		memcpy(slot->tts_isnull, nulls, sizeof(bool) * desc->natts);
		ExecStoreVirtualTuple(slot);
		econtext->ecxt_scantuple = slot;
		for (i = 0; i < exprs->nchecks; i++)
			if (!ExecCheck(ExecInitExpr(exprs->checks[i], NULL), econtext))
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("new row for relation \"%s\" violates check constraint \"%s\"",
								RelationGetRelationName(t->rel), exprs->check_names[i]),
						 errdetail("pgmigrate wrote a row its own catalog refuses."),
						 errhint("Update the extension to the library's version (ALTER EXTENSION pgmigrate UPDATE), and undo any change made by hand to the tables of schema migrate.")));
		ExecDropSingleTupleTableSlot(slot);
	}
	FreeExprContext(econtext, true);
}

static void
pgm_table_open_indexes(PgmTable *t)
{
	if (t->indexes == NULL)
		t->indexes = CatalogOpenIndexes(t->rel);
}

/*
 * Insert a row: `values` and `nulls` for every column of the table (by
 * number), `given` saying which the caller set; the others take their
 * defaults.  The arrays are the table's width (pgm_table_width()).
 */
void
pgm_table_insert(PgmTable *t, Datum *values, bool *nulls, const bool *given)
{
	HeapTuple	row;

	pgm_table_complete_row(t, values, nulls, given);
	row = heap_form_tuple(RelationGetDescr(t->rel), values, nulls);
	pgm_table_open_indexes(t);
	CatalogTupleInsertWithInfo(t->rel, row, t->indexes);
	heap_freetuple(row);
}

/*
 * Insert a row into migrate.`table`: `n` columns named by `columns` take
 * `values` (NULL where `nulls` says, if given); the others their defaults.
 */
void
pgm_table_insert_named(const char *table, int n, const char *const *columns,
					   const Datum *values, const bool *nulls)
{
	PgmTable	t;
	Datum	   *row;
	bool	   *rownulls;
	bool	   *given;
	int			i;

	(void) pgm_table_open(&t, table, PGM_TABLE_WRITE, false);
	row = palloc0(sizeof(Datum) * pgm_table_width(&t));
	rownulls = palloc0(sizeof(bool) * pgm_table_width(&t));
	given = palloc0(sizeof(bool) * pgm_table_width(&t));
	for (i = 0; i < n; i++)
	{
		AttrNumber	attnum = pgm_table_column(&t, columns[i]);

		row[attnum - 1] = values[i];
		rownulls[attnum - 1] = nulls != NULL && nulls[i];
		given[attnum - 1] = true;
	}
	pgm_table_insert(&t, row, rownulls, given);
	pgm_table_close(&t);
}

/*
 * Update a row the table's scan returned: the columns `replace` says take
 * `values` and `nulls`; the others keep theirs.
 */
void
pgm_table_update(PgmTable *t, HeapTuple old, Datum *values, bool *nulls, const bool *replace)
{
	TupleDesc	desc = RelationGetDescr(t->rel);
	HeapTuple	row = heap_modify_tuple(old, desc, values, nulls, (bool *) replace);
	Datum	   *all = palloc(sizeof(Datum) * desc->natts);
	bool	   *allnulls = palloc(sizeof(bool) * desc->natts);
	bool	   *every = palloc(sizeof(bool) * desc->natts);

	/* the new row checked whole, nothing defaulted */
	heap_deform_tuple(row, desc, all, allnulls);
	memset(every, true, sizeof(bool) * desc->natts);
	pgm_table_complete_row(t, all, allnulls, every);
	pgm_table_open_indexes(t);
	CatalogTupleUpdateWithInfo(t->rel, &old->t_self, row, t->indexes);
	heap_freetuple(row);
}

/* Delete a row the table's scan returned. */
void
pgm_table_delete(PgmTable *t, HeapTuple old)
{
	pgm_table_delete_at(t, &old->t_self);
}

/* Delete the row at `tid`, found by an earlier lookup of this transaction. */
void
pgm_table_delete_at(PgmTable *t, ItemPointer tid)
{
	CatalogTupleDelete(t->rel, tid);
}

/* How many columns a row of the table has (dropped ones included). */
int
pgm_table_width(PgmTable *t)
{
	return RelationGetDescr(t->rel)->natts;
}
