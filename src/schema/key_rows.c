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

/* Open the table, for reading or for writing, with its two indexes. */
void
pgm_key_rows_open(PgmKeyRows *k, bool write)
{
	AttrNumber	columns[2];

	(void) pgm_table_open(&k->table, "snapshot_keys", write ? PGM_TABLE_WRITE : PGM_TABLE_READ_LATEST, false);
	pgm_key_rows_columns(k);
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

	pgm_key_rows_of(k, classid, objid);
	if (HeapTupleIsValid(tuple = pgm_table_lookup_next(&k->table, k->by_entry)))
	{
		bool		isnull;
		Datum		d = pgm_table_value(&k->table, tuple, k->key, &isnull);

		found = isnull ? NULL : TextDatumGetCString(d);
	}
	return found;
}

/*
 * Call `fn` for each entry recorded under `keytext` (not the row that says
 * the rows are complete); with `delete`, delete the row after.
 */
static void
pgm_key_rows_under(PgmKeyRows *k, Datum keytext, bool delete,
				   void (*fn) (void *arg, Oid classid, Oid objid), void *arg)
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
		if (delete)
			pgm_table_delete(&k->table, tuple);
	}
}

void
pgm_key_rows_entries(PgmKeyRows *k, const char *keytext,
					 void (*fn) (void *arg, Oid classid, Oid objid), void *arg)
{
	pgm_key_rows_under(k, CStringGetTextDatum(keytext), false, fn, arg);
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

	pgm_key_rows_open(&k, false);
	recorded = pgm_key_rows_key_of(&k, InvalidOid, InvalidOid);
	complete = recorded != NULL && strcmp(recorded, pgm_key_rows_cluster()) == 0;
	pgm_key_rows_close(&k);
	return complete;
}

/* Write (classid, objid, key), or change the key of the entry's row. */
static void
pgm_key_rows_put(PgmKeyRows *k, Datum classid, Datum objid, Datum keytext,
				 Datum *values, bool *nulls, bool *given)
{
	HeapTuple	tuple;

	pgm_key_rows_of(k, DatumGetObjectId(classid), DatumGetObjectId(objid));
	tuple = pgm_table_lookup_next(&k->table, k->by_entry);

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
 * Write the keys of a record: with `forget` (keys, catalogs, oids), the
 * rows under those keys and of those entries deleted first; without, every
 * row deleted first and the rows marked complete (a whole record).  Then
 * each entry of `keys` (catalogs, oids, keys) is written under its key.
 */
void
pgm_key_rows_write(ArrayType **forget, ArrayType **keys)
{
	PgmKeyRows	k;
	Datum	   *classids,
			   *objids,
			   *texts;
	Datum	   *values;
	bool	   *nulls,
			   *given;
	int			n,
				i;

	pgm_key_rows_open(&k, true);
	values = palloc0(sizeof(Datum) * pgm_table_width(&k.table));
	nulls = palloc(sizeof(bool) * pgm_table_width(&k.table));
	given = palloc(sizeof(bool) * pgm_table_width(&k.table));
	if (forget == NULL)
	{
		SysScanDesc scan = pgm_table_scan(&k.table, InvalidOid, 0, NULL);
		HeapTuple	tuple;

		while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			CHECK_FOR_INTERRUPTS();
			pgm_table_delete(&k.table, tuple);
		}
		systable_endscan(scan);
		pgm_table_refresh(&k.table);
		pgm_key_rows_put(&k, ObjectIdGetDatum(InvalidOid), ObjectIdGetDatum(InvalidOid),
						 CStringGetTextDatum(pgm_key_rows_cluster()), values, nulls, given);
	}
	else
	{
		/* keys once each (records.c makes them so); a row found again after its delete would be an error */
		texts = pgm_key_rows_elements(forget[0], TEXTOID, &n);
		for (i = 0; i < n; i++)
			pgm_key_rows_under(&k, texts[i], true, NULL, NULL);
		pgm_table_refresh(&k.table);
		classids = pgm_key_rows_elements(forget[1], OIDOID, &n);
		objids = pgm_key_rows_elements(forget[2], OIDOID, &n);
		for (i = 0; i < n; i++)
		{
			HeapTuple	tuple;

			CHECK_FOR_INTERRUPTS();
			pgm_key_rows_of(&k, DatumGetObjectId(classids[i]), DatumGetObjectId(objids[i]));
			while (HeapTupleIsValid(tuple = pgm_table_lookup_next(&k.table, k.by_entry)))
				pgm_table_delete(&k.table, tuple);
		}
	}
	pgm_table_refresh(&k.table);
	classids = pgm_key_rows_elements(keys[0], OIDOID, &n);
	objids = pgm_key_rows_elements(keys[1], OIDOID, &n);
	texts = pgm_key_rows_elements(keys[2], TEXTOID, &n);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pgm_key_rows_put(&k, classids[i], objids[i], texts[i], values, nulls, given);
	}
	pgm_key_rows_close(&k);
}
