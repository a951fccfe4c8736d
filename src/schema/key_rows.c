/*
 * key_rows.c — migrate.snapshot_keys, read and written row by row.
 *
 * The table says under which key each catalog entry of the schema as
 * recorded is recorded (records.c): a row (classid, objid, key) per entry,
 * and a row (0, 0, the cluster's system identifier) when the rows are
 * complete.  reach.c reads it through its two indexes, by entry and by
 * key; records.c writes it with each record.  Both go through tables.c:
 * a deploy writes as many rows as its record has entries, and a statement
 * per write would cost more than the rows.
 *
 * Calls tables.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/xlog.h"
#include "common/hashfn.h"
#include "storage/bufmgr.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "pgmigrate.h"

/* the columns, as the table has them (by name: an update may add columns) */
static void
pgm_key_rows_columns(PgmKeyRows *k)
{
	k->classid = pgm_table_column(&k->table, "classid");
	k->objid = pgm_table_column(&k->table, "objid");
	k->key = pgm_table_column(&k->table, "key");
}

static void
pgm_key_rows_index_refused(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("index %s.%s is not on the columns pgmigrate reads it by", PGM_SCHEMA, name),
			 errhint("Reinstall the extension: DROP EXTENSION pgmigrate; CREATE EXTENSION pgmigrate;")));
}

/*
 * Sets of keys: hash tables whose entries begin with a key (a char *),
 * hashed and compared as the string it points to (reach.c and records.c use them too).
 */
static uint32
pgm_key_hash(const void *key, Size keysize)
{
	const char *k = *(const char *const *) key;

	return hash_bytes((const unsigned char *) k, (int) strlen(k));
}

static int
pgm_key_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

HTAB *
pgm_key_set(const char *name, Size entrysize, long size)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = entrysize;
	ctl.hash = pgm_key_hash;
	ctl.match = pgm_key_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, Max(size, 16), &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* The entries recorded under a key, in a memo. */
typedef struct PgmKeyMemoUnder
{
	char	   *key;			/* hash key */
	int			count;
	int			room;
	Oid		   *pairs;			/* classid, objid, ... */
	ItemPointerData *rows;		/* where their rows are, to delete them */
} PgmKeyMemoUnder;

/* An entry of a memo. */
typedef struct PgmKeyMemoEntry
{
	Oid			classid;		/* hash key, with objid */
	Oid			objid;
	char	   *key;			/* NULL: no row */
} PgmKeyMemoEntry;

static void pgm_key_memo_fill(PgmKeyMemo *m, int lookups);

/*
 * A memo of what the lookups of a record found, in the current memory
 * context: reach.c looks every entry of a part up, some twice, and
 * writing the keys needs to know them again.  Valid until the keys are
 * written.  `lookups`: about how many entries the record will look up.
 */
PgmKeyMemo *
pgm_key_memo(int lookups)
{
	PgmKeyMemo *m = palloc(sizeof(PgmKeyMemo));
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid) * 2;
	ctl.entrysize = sizeof(PgmKeyMemoEntry);
	ctl.hcxt = CurrentMemoryContext;
	m->entries = hash_create("pgmigrate keys found", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	m->under = pgm_key_set("pgmigrate entries found", sizeof(PgmKeyMemoUnder), 64);
	m->complete = false;
	m->cxt = CurrentMemoryContext;
	pgm_key_memo_fill(m, lookups);
	return m;
}

/* The memo's entry for (classid, objid); NULL when it has none. */
static PgmKeyMemoEntry *
pgm_key_memo_find(PgmKeyMemo *m, Oid classid, Oid objid)
{
	Oid			pair[2] = {classid, objid};

	return m == NULL ? NULL : hash_search(m->entries, pair, HASH_FIND, NULL);
}

/* Open the table, for reading or for writing, with its two indexes; what
 * is looked up is kept in `memo`, if given. */
void
pgm_key_rows_open(PgmKeyRows *k, bool write, PgmKeyMemo *memo)
{
	AttrNumber	columns[2];

	(void) pgm_table_open(&k->table, "snapshot_keys", write ? PGM_TABLE_WRITE : PGM_TABLE_READ_LATEST, false);
	pgm_key_rows_columns(k);
	k->memo = memo;
	k->by_entry = pgm_table_lookup_open(&k->table, "snapshot_keys_pkey", 2, columns);
	if (columns[0] != k->classid || columns[1] != k->objid)
		pgm_key_rows_index_refused("snapshot_keys_pkey");
	k->by_key = pgm_table_lookup_open(&k->table, "snapshot_keys_key", 1, columns);
	if (columns[0] != k->key)
		pgm_key_rows_index_refused("snapshot_keys_key");
}

void
pgm_key_rows_close(PgmKeyRows *k)
{
	pgm_table_close(&k->table);
}

/* Begin a lookup of the row of an entry (pgm_table_lookup_next()). */
static void
pgm_key_rows_of(PgmKeyRows *k, Oid classid, Oid objid)
{
	ScanKeyData key[2];

	ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(classid));
	ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objid));
	pgm_table_lookup(&k->table, k->by_entry, key);
}

/* The key an entry was last recorded under; NULL when none. */
char *
pgm_key_rows_key_of(PgmKeyRows *k, Oid classid, Oid objid)
{
	HeapTuple	tuple;
	char	   *found = NULL;
	PgmKeyMemoEntry *known = pgm_key_memo_find(k->memo, classid, objid);

	if (known != NULL)
		return known->key ? pstrdup(known->key) : NULL;
	if (k->memo != NULL && k->memo->complete)
		return NULL;
	pgm_key_rows_of(k, classid, objid);
	if (HeapTupleIsValid(tuple = pgm_table_lookup_next(&k->table, k->by_entry)))
	{
		bool		isnull;
		Datum		d = pgm_table_value(&k->table, tuple, k->key, &isnull);

		found = isnull ? NULL : TextDatumGetCString(d);
	}
	if (k->memo != NULL)
	{
		Oid			pair[2] = {classid, objid};

		known = hash_search(k->memo->entries, pair, HASH_ENTER, NULL);
		known->key = found ? MemoryContextStrdup(k->memo->cxt, found) : NULL;
	}
	return found;
}

/* A memo's new, empty list of the entries under `keytext`. */
static PgmKeyMemoUnder *
pgm_key_memo_under_new(PgmKeyMemo *m, const char *keytext)
{
	char	   *key = MemoryContextStrdup(m->cxt, keytext);
	PgmKeyMemoUnder *under = hash_search(m->under, &key, HASH_ENTER, NULL);

	under->count = 0;
	under->room = 4;
	under->pairs = MemoryContextAlloc(m->cxt, sizeof(Oid) * 2 * under->room);
	under->rows = MemoryContextAlloc(m->cxt, sizeof(ItemPointerData) * under->room);
	return under;
}

/* Add an entry, and where its row is, to a memo's list. */
static void
pgm_key_memo_under_add(PgmKeyMemoUnder *under, Oid classid, Oid objid, ItemPointer row)
{
	if (under->count == under->room)
	{
		under->room *= 2;
		under->pairs = repalloc(under->pairs, sizeof(Oid) * 2 * under->room);
		under->rows = repalloc(under->rows, sizeof(ItemPointerData) * under->room);
	}
	under->pairs[2 * under->count] = classid;
	under->pairs[2 * under->count + 1] = objid;
	under->rows[under->count++] = *row;
}

/*
 * Call `fn` for each entry recorded under `keytext` (not the row that says
 * the rows are complete), and add it to `into` if given; with `delete`,
 * delete the row after.
 */
static void
pgm_key_rows_under(PgmKeyRows *k, Datum keytext, bool delete,
				   void (*fn) (void *arg, Oid classid, Oid objid), void *arg,
				   PgmKeyMemoUnder *into)
{
	ScanKeyData key;
	HeapTuple	tuple;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, keytext);
	key.sk_collation = k->by_key->collation;
	pgm_table_lookup(&k->table, k->by_key, &key);
	while (HeapTupleIsValid(tuple = pgm_table_lookup_next(&k->table, k->by_key)))
	{
		bool		isnull;
		Oid			classid = DatumGetObjectId(pgm_table_value(&k->table, tuple, k->classid, &isnull));
		Oid			objid = DatumGetObjectId(pgm_table_value(&k->table, tuple, k->objid, &isnull));

		CHECK_FOR_INTERRUPTS();
		if (fn != NULL && OidIsValid(classid))
			fn(arg, classid, objid);
		if (into != NULL && OidIsValid(classid))
			pgm_key_memo_under_add(into, classid, objid, &tuple->t_self);
		if (delete)
			pgm_table_delete(&k->table, tuple);
	}
}

/*
 * The memo's entries under `keytext`, looked up now if they were not: the
 * rows with that key (but the one that says the rows are complete), and
 * where each is.
 */
static PgmKeyMemoUnder *
pgm_key_rows_memo_under(PgmKeyRows *k, const char *keytext)
{
	PgmKeyMemoUnder *under;
	char	   *key = (char *) keytext;

	under = hash_search(k->memo->under, &key, HASH_FIND, NULL);
	if (under != NULL)
		return under;
	under = pgm_key_memo_under_new(k->memo, keytext);
	if (!k->memo->complete)
		pgm_key_rows_under(k, CStringGetTextDatum(keytext), false, NULL, NULL, under);
	return under;
}

/*
 * Read every row into the memo, when that costs less than the lookups
 * would: a lookup reads a few index pages and a heap page, a scan every
 * heap page once.  So for a record that will look up more entries than
 * twice the table's pages (a deploy of many objects, or in a small
 * schema); a small change to a big schema looks its few entries up.
 */
static void
pgm_key_memo_fill(PgmKeyMemo *m, int lookups)
{
	PgmKeyRows	k;
	SysScanDesc scan;
	HeapTuple	tuple;
	MemoryContext old;

	/* the table alone: its rows are read in the heap's order, no index is used */
	(void) pgm_table_open(&k.table, "snapshot_keys", PGM_TABLE_READ_LATEST, false);
	if ((double) lookups <= 2.0 * RelationGetNumberOfBlocks(k.table.rel))
	{
		pgm_table_close(&k.table);
		return;
	}
	pgm_key_rows_columns(&k);
	old = MemoryContextSwitchTo(m->cxt);
	scan = pgm_table_scan(&k.table, InvalidOid, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Oid			pair[2];
		char	   *key;
		PgmKeyMemoEntry *e;
		PgmKeyMemoUnder *under;

		CHECK_FOR_INTERRUPTS();
		pair[0] = DatumGetObjectId(pgm_table_value(&k.table, tuple, k.classid, &isnull));
		pair[1] = DatumGetObjectId(pgm_table_value(&k.table, tuple, k.objid, &isnull));
		if (!OidIsValid(pair[0]))
			continue;			/* the row that says the rows are complete */
		key = TextDatumGetCString(pgm_table_value(&k.table, tuple, k.key, &isnull));
		e = hash_search(m->entries, pair, HASH_ENTER, NULL);
		e->key = key;
		under = hash_search(m->under, &key, HASH_FIND, NULL);
		if (under == NULL)
			under = pgm_key_memo_under_new(m, key);
		pgm_key_memo_under_add(under, pair[0], pair[1], &tuple->t_self);
	}
	systable_endscan(scan);
	MemoryContextSwitchTo(old);
	pgm_table_close(&k.table);
	m->complete = true;
}

/* Call `fn` for each entry recorded under `keytext` (looked up once per memo). */
void
pgm_key_rows_entries(PgmKeyRows *k, const char *keytext,
					 void (*fn) (void *arg, Oid classid, Oid objid), void *arg)
{
	PgmKeyMemoUnder *under;
	int			i;

	if (k->memo == NULL)
	{
		pgm_key_rows_under(k, CStringGetTextDatum(keytext), false, fn, arg, NULL);
		return;
	}
	under = pgm_key_rows_memo_under(k, keytext);
	for (i = 0; i < under->count; i++)
		fn(arg, under->pairs[2 * i], under->pairs[2 * i + 1]);
}

/* The row that says the rows are complete names this cluster. */
static char *
pgm_key_rows_cluster(void)
{
	return psprintf(UINT64_FORMAT, GetSystemIdentifier());
}

/*
 * Are the rows complete, and this cluster's?  pg_upgrade keeps the table
 * but not every oid (a function's changes), and gives the cluster a new
 * system identifier.
 */
bool
pgm_key_rows_complete(void)
{
	PgmKeyRows	k;
	char	   *recorded;
	bool		complete;

	pgm_key_rows_open(&k, false, NULL);
	recorded = pgm_key_rows_key_of(&k, InvalidOid, InvalidOid);
	complete = recorded != NULL && strcmp(recorded, pgm_key_rows_cluster()) == 0;
	pgm_key_rows_close(&k);
	return complete;
}

/*
 * Write (classid, objid, key), or change the key of the entry's row; with
 * `no_row`, the entry is known to have none (no lookup).
 */
static void
pgm_key_rows_put(PgmKeyRows *k, Datum classid, Datum objid, Datum keytext, bool no_row,
				 Datum *values, bool *nulls, bool *given)
{
	HeapTuple	tuple = NULL;

	if (!no_row)
	{
		pgm_key_rows_of(k, DatumGetObjectId(classid), DatumGetObjectId(objid));
		tuple = pgm_table_lookup_next(&k->table, k->by_entry);
	}
	memset(given, false, sizeof(bool) * pgm_table_width(&k->table));
	values[k->key - 1] = keytext;
	nulls[k->key - 1] = false;
	given[k->key - 1] = true;
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		was = pgm_table_value(&k->table, tuple, k->key, &isnull);

		/* an entry whose key has not changed is left as it is */
		if (isnull || !DatumGetBool(DirectFunctionCall2Coll(texteq, k->by_key->collation, was, keytext)))
			pgm_table_update(&k->table, tuple, values, nulls, given);
	}
	else
	{
		values[k->classid - 1] = classid;
		values[k->objid - 1] = objid;
		nulls[k->classid - 1] = nulls[k->objid - 1] = false;
		given[k->classid - 1] = given[k->objid - 1] = true;
		pgm_table_insert(&k->table, values, nulls, given);
	}
}

/* The elements of an array with no NULLs; *n says how many. */
static Datum *
pgm_key_rows_elements(ArrayType *a, Oid type, int *n)
{
	Datum	   *elems;
	bool	   *nulls;
	int16		len;
	bool		byval;
	char		align;

	get_typlenbyvalalign(type, &len, &byval, &align);
	deconstruct_array(a, type, len, byval, align, &elems, &nulls, n);
	return elems;
}

/*
 * What the memo says of an entry's row once the rows under the keys
 * `gone` and of the entries `units` are deleted: PGM_ROW_NONE (there is
 * none), PGM_ROW_KEY (there is one, under *key) or PGM_ROW_UNKNOWN (it
 * was not looked up).
 */
typedef enum PgmRowKnown
{
	PGM_ROW_UNKNOWN,
	PGM_ROW_NONE,
	PGM_ROW_KEY
} PgmRowKnown;

static PgmRowKnown
pgm_key_rows_known(PgmKeyMemo *memo, HTAB *gone, HTAB *units, Oid classid, Oid objid, char **key)
{
	PgmKeyMemoEntry *m = pgm_key_memo_find(memo, classid, objid);
	Oid			pair[2] = {classid, objid};

	if (m == NULL)
		return memo != NULL && memo->complete ? PGM_ROW_NONE : PGM_ROW_UNKNOWN;
	if (m->key == NULL || hash_search(gone, &m->key, HASH_FIND, NULL) != NULL ||
		(units != NULL && hash_search(units, pair, HASH_FIND, NULL) != NULL))
		return PGM_ROW_NONE;
	*key = m->key;
	return PGM_ROW_KEY;
}

/* Delete every row: a whole record writes them all again. */
static void
pgm_key_rows_clear(PgmKeyRows *k)
{
	SysScanDesc scan = pgm_table_scan(&k->table, InvalidOid, 0, NULL);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		CHECK_FOR_INTERRUPTS();
		pgm_table_delete(&k->table, tuple);
	}
	systable_endscan(scan);
}

/*
 * Delete the rows under the keys forget[0] and of the entries (forget[1],
 * forget[2]); *gone becomes the set of those keys, *units of those
 * entries.  A row the memo knows is gone already, or was never there, is
 * not looked up.
 */
static void
pgm_key_rows_forget(PgmKeyRows *k, ArrayType **forget, HTAB **gone, HTAB **units)
{
	Datum	   *texts,
			   *classids,
			   *objids;
	HASHCTL		ctl;
	int			n,
				i,
				j;

	/* keys once each (records.c makes them so); a row found again after its delete would be an error */
	texts = pgm_key_rows_elements(forget[0], TEXTOID, &n);
	*gone = pgm_key_set("pgmigrate keys forgotten", sizeof(char *), n);
	for (i = 0; i < n; i++)
	{
		char	   *key = TextDatumGetCString(texts[i]);
		PgmKeyMemoUnder *under = k->memo ? hash_search(k->memo->under, &key, HASH_FIND, NULL) : NULL;

		(void) hash_search(*gone, &key, HASH_ENTER, NULL);
		/* the rows the memo found under the key are there still: nothing wrote the table since
		 * (and a memo of every row that has none under it says there are none) */
		if (under != NULL)
			for (j = 0; j < under->count; j++)
				pgm_table_delete_at(&k->table, &under->rows[j]);
		else if (k->memo == NULL || !k->memo->complete)
			pgm_key_rows_under(k, texts[i], true, NULL, NULL, NULL);
	}
	pgm_table_refresh(&k->table);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid) * 2;
	ctl.entrysize = sizeof(Oid) * 2;
	ctl.hcxt = CurrentMemoryContext;
	classids = pgm_key_rows_elements(forget[1], OIDOID, &n);
	objids = pgm_key_rows_elements(forget[2], OIDOID, &n);
	*units = hash_create("pgmigrate units forgotten", Max(n, 16), &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (i = 0; i < n; i++)
	{
		Oid			pair[2] = {DatumGetObjectId(classids[i]), DatumGetObjectId(objids[i])};
		HeapTuple	tuple;
		char	   *key;

		CHECK_FOR_INTERRUPTS();
		if (pgm_key_rows_known(k->memo, *gone, NULL, pair[0], pair[1], &key) == PGM_ROW_NONE)
			continue;
		pgm_key_rows_of(k, pair[0], pair[1]);
		while (HeapTupleIsValid(tuple = pgm_table_lookup_next(&k->table, k->by_entry)))
			pgm_table_delete(&k->table, tuple);
	}
	/* entered after: a unit's own row is gone now, whatever the memo says */
	for (i = 0; i < n; i++)
	{
		Oid			pair[2] = {DatumGetObjectId(classids[i]), DatumGetObjectId(objids[i])};

		(void) hash_search(*units, pair, HASH_ENTER, NULL);
	}
}

/*
 * Write the keys of a record: with `forget` (keys, catalogs, oids), the
 * rows under those keys and of those entries deleted first; without, every
 * row deleted first and the rows marked complete (a whole record).  Then
 * each entry of `keys` (catalogs, oids, keys) is written under its key.
 * `memo` (or NULL) has what the record's lookups found: an entry it knows
 * has no row is written without looking for one, and one whose row has
 * the key already is left as it is.
 */
void
pgm_key_rows_write(ArrayType **forget, ArrayType **keys, PgmKeyMemo *memo)
{
	PgmKeyRows	k;
	Datum	   *classids,
			   *objids,
			   *texts;
	Datum	   *values;
	bool	   *nulls,
			   *given;
	HTAB	   *gone = NULL;
	HTAB	   *units = NULL;
	int			n,
				i;

	pgm_key_rows_open(&k, true, memo);
	values = palloc0(sizeof(Datum) * pgm_table_width(&k.table));
	nulls = palloc(sizeof(bool) * pgm_table_width(&k.table));
	given = palloc(sizeof(bool) * pgm_table_width(&k.table));
	if (forget == NULL)
	{
		pgm_key_rows_clear(&k);
		pgm_key_rows_put(&k, ObjectIdGetDatum(InvalidOid), ObjectIdGetDatum(InvalidOid),
						 CStringGetTextDatum(pgm_key_rows_cluster()), true, values, nulls, given);
	}
	else
		pgm_key_rows_forget(&k, forget, &gone, &units);
	pgm_table_refresh(&k.table);
	classids = pgm_key_rows_elements(keys[0], OIDOID, &n);
	objids = pgm_key_rows_elements(keys[1], OIDOID, &n);
	texts = pgm_key_rows_elements(keys[2], TEXTOID, &n);
	for (i = 0; i < n; i++)
	{
		PgmRowKnown known = PGM_ROW_NONE;	/* a whole record's: every row is gone */
		char	   *key = NULL;

		CHECK_FOR_INTERRUPTS();
		if (forget != NULL)
			known = pgm_key_rows_known(memo, gone, units, DatumGetObjectId(classids[i]),
									   DatumGetObjectId(objids[i]), &key);
		if (known == PGM_ROW_KEY && strcmp(key, TextDatumGetCString(texts[i])) == 0)
			continue;
		pgm_key_rows_put(&k, classids[i], objids[i], texts[i], known == PGM_ROW_NONE,
						 values, nulls, given);
	}
	pgm_key_rows_close(&k);
}
