/*
 * records.c — the schema as recorded: whole records, part records, and
 * the schema they add up to.
 *
 * drift() and verify() compare the live schema with the schema as the last
 * deploy left it.  A whole record is migrate.schema()'s document; it costs
 * what the database holds, so it is taken only where that is cheap or
 * asked for: migrate.record_snapshot(), stamp, and the first deploy of a
 * database (before its revisions run and lock anything).  An apply or
 * rollback stores a part record: the part of the document that belongs to
 * what its revisions changed (changes.c collects it from the event
 * triggers), with `replaces`, the keys whose objects it replaces.  Every
 * object is recorded under a key: its own, or for a column, constraint,
 * trigger, policy or rule its relation's ("owner keys").  The schema as
 * recorded is the last whole record with each later part laid over it:
 * for every key a part replaces, the part's objects under that key, and
 * none if it has none (the object was dropped or renamed); an index
 * recorded before a part that replaces its table's key goes too (the part
 * has the table's indexes as they are).
 *
 * Which objects a part must hold: every object a command named, by its
 * catalog and oid, as its owner (and an index's constraint: renaming one
 * renames the other); the owners those had when last recorded
 * (migrate.snapshot_keys, so a renamed or dropped object's old key is
 * replaced too, and whatever else was recorded under that key is taken
 * again); and what depends on them, since a dependent's definition names
 * them: followed through pg_depend, through views, types, functions,
 * indexes, sequences and inheriting tables, ending at constraints,
 * triggers, policies and defaults (their relation is taken, not what
 * depends on it, but for a partition's clones of them), and into a
 * schema's objects only when the schema was renamed.  Then every entry of
 * the part replaces the key it was last recorded under, whatever took it
 * there (a table moved to another schema takes its indexes and sequences
 * along, a renamed row type changes its functions' keys): the part is
 * taken again with whatever else was recorded under those keys, until
 * nothing is missing (a few rounds at most; the whole schema is recorded
 * if it does not settle).  reach.c finds them, in C.  The cost is that of
 * the objects and their neighbours, not of the database.
 *
 * A part takes its objects as they are: a change made by hand to one of
 * them (or to what depends on them) before the deploy is recorded with
 * it, as a whole record would; changes by hand to other objects stay
 * drift.
 *
 * migrate.snapshot_keys is written with each record: the key under which
 * each catalog entry of the schema as recorded is recorded; a row (0, 0,
 * the cluster's system identifier) says it is complete.  It names oids of
 * this database, so a restored database has none and a database pg_upgrade
 * moved to a new cluster has another cluster's: its first deploy takes a
 * whole record first.
 *
 * Calls catalog.c, changes.c, key_rows.c, part.c, reach.c, rows.c and
 * snapshot.c.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/numeric.h"
#include "access/xlog.h"
#include "utils/array.h"
#include "common/hashfn.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "pgmigrate.h"

static Jsonb *pgm_record_document(const PgmSnapshot *snap);

/* How many times a part is taken again with what it lacked, at most. */
#define PGM_RECORD_ROUNDS 8


/* The texts of a text[] (no NULLs in it), palloc'd; *n says how many. */
static Datum *
pgm_record_texts(ArrayType *a, int *n)
{
	Datum	   *elems;
	bool	   *nulls;

	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, n);
	return elems;
}

/* The keys a part replaces: its units' old keys and their keys now, once
 * each. */
static ArrayType *
pgm_record_replaces(ArrayType *old_keys, ArrayType *new_keys)
{
	int			nold,
				nnew,
				n = 0,
				i;
	Datum	   *old = pgm_record_texts(old_keys, &nold);
	Datum	   *new = pgm_record_texts(new_keys, &nnew);
	Datum	   *all = palloc(sizeof(Datum) * Max(nold + nnew, 1));
	HTAB	   *seen = pgm_key_set("pgmigrate keys replaced", sizeof(char *), nold + nnew);

	for (i = 0; i < nold + nnew; i++)
	{
		Datum		d = i < nold ? old[i] : new[i - nold];
		char	   *key = TextDatumGetCString(d);
		bool		found;

		(void) hash_search(seen, &key, HASH_ENTER, &found);
		if (!found)
			all[n++] = d;
	}
	return construct_array(all, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * Record the whole schema as it is now, as the record of `action`, and
 * the keys of all of it.  Connected to SPI.
 */
void
pgm_record_whole(const char *action)
{
	ArrayType  *keys[3];
	Jsonb	   *doc;

	/* until the update, an older extension's catalog gets no snapshot */
	if (!pgm_snapshots_available())
	{
		ereport(WARNING,
				(errmsg("no schema snapshot recorded: the pgmigrate extension in this database is older than its library"),
				 errhint("Update it: SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE; RESET pgmigrate.guard;")));
		return;
	}
	/* written in C where the database holds only what C writes (describe/units.c) */
	if (pgm_records_in_parts() && (doc = pgm_describe_whole(CurrentMemoryContext, keys)) != NULL)
	{
		pgm_catalog_save_record(action, doc, NULL);
		pgm_key_rows_write(NULL, keys, NULL);
		return;
	}
	pgm_catalog_save_record(action, pgm_snapshot_query_document(false), NULL);
	if (pgm_records_in_parts() && pgm_part_all_keys(CurrentMemoryContext, keys))
		pgm_key_rows_write(NULL, keys, NULL);
}

/*
 * The units that are there: those sql_drop named are gone (changes.c
 * forgets a drop its subtransaction rolled back), and a part has nothing
 * of them, so they are not looked for.  Sets alive[0] and alive[1].
 */
static void
pgm_record_alive(ArrayType **units, HTAB *dropped, ArrayType **alive)
{
	Datum	   *c;
	Datum	   *o;
	int			n,
				m,
				i,
				kept = 0;

	alive[0] = units[0];
	alive[1] = units[1];
	if (dropped == NULL || hash_get_num_entries(dropped) == 0)
		return;
	deconstruct_array(units[0], OIDOID, sizeof(Oid), true, TYPALIGN_INT, &c, NULL, &n);
	deconstruct_array(units[1], OIDOID, sizeof(Oid), true, TYPALIGN_INT, &o, NULL, &m);
	Assert(n == m);
	for (i = 0; i < Min(n, m); i++)
	{
		Oid			pair[2] = {DatumGetObjectId(c[i]), DatumGetObjectId(o[i])};

		if (hash_search(dropped, pair, HASH_FIND, NULL) != NULL)
			continue;
		c[kept] = c[i];
		o[kept++] = o[i];
	}
	alive[0] = construct_array(c, kept, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
	alive[1] = construct_array(o, kept, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
}

/*
 * The part for what the commands named (`named`, two oid arrays, widened
 * here): their objects, those last recorded under the same keys and what
 * depends on them (the scope query), taken again with whatever else was
 * recorded under a key the part replaces, until nothing is missing
 * (`dropped`: the named entries that are gone).  Sets
 * `units` (catalogs, oids), `keys` (catalogs, oids, keys of its entries)
 * and *old_keys (the keys it replaces besides its own); NULL when it did
 * not settle within PGM_RECORD_ROUNDS.  What the lookups of the keys find
 * is kept in `memo`, for the next round and for writing the keys.
 * Connected to SPI.
 */
static Jsonb *
pgm_record_part(ArrayType **named, ArrayType **units, ArrayType **keys, ArrayType **old_keys,
				PgmKeyMemo *memo, HTAB *dropped)
{
	int			round;

	for (round = 0; round < PGM_RECORD_ROUNDS; round++)
	{
		Jsonb	   *part;
		ArrayType  *alive[2];

		pgm_reach_scope(named, units, old_keys, memo, dropped);
		pgm_record_alive(units, dropped, alive);
		part = pgm_part_take(alive[0], alive[1], CurrentMemoryContext, keys);
		Assert(part != NULL);	/* 0.10's query has its filters */
		if (pgm_reach_more(keys, named, old_keys, units, memo, dropped) == 0)
			return part;
	}
	return NULL;
}

/*
 * Before a deploy's revisions run: start collecting what they change, and
 * where the keys of the schema as recorded are not complete (the first
 * deploy of a database, or of a restored one), take a whole record now,
 * while nothing is locked yet.  Connected to SPI.
 */
void
pgm_record_prepare(void)
{
	pgm_changes_begin();
	if (pgm_records_in_parts() && !pgm_key_rows_complete())
		pgm_record_whole("baseline");
}

/*
 * Record what a deploy changed (collected since pgm_record_prepare()) as
 * the part record of `action`; the whole schema where the changes cannot
 * be told (changes.c says why), the part does not settle, or the catalog
 * is older than 0.10.  Connected to SPI.
 */
void
pgm_record_changes(const char *action)
{
	ArrayType  *named[2];
	ArrayType  *units[2];
	ArrayType  *old_keys;
	ArrayType  *keys[3];
	ArrayType  *forget[3];
	HTAB	   *dropped;
	PgmKeyMemo *memo;
	Jsonb	   *part;

	if (!pgm_records_in_parts() || pgm_changes_take(&named[0], &named[1], &dropped) != NULL ||
		!pgm_key_rows_complete())
	{
		pgm_changes_end();
		pgm_record_whole(action);
		return;
	}
	pgm_changes_end();

	/* nothing named (the revisions changed rows only): the empty part, without a query */
	if (ArrayGetNItems(ARR_NDIM(named[0]), ARR_DIMS(named[0])) == 0)
	{
		pgm_catalog_save_record(action,
						pgm_record_document(pgm_snapshot_from(palloc(sizeof(PgmObject)), 0)),
						construct_empty_array(TEXTOID));
		return;
	}

	memo = pgm_key_memo(ArrayGetNItems(ARR_NDIM(named[0]), ARR_DIMS(named[0])));
	part = pgm_record_part(named, units, keys, &old_keys, memo, dropped);
	if (part == NULL)
	{
		pgm_record_whole(action);
		return;
	}

	/* it replaces the old keys and the new ones */
	forget[0] = pgm_record_replaces(old_keys, keys[2]);
	forget[1] = units[0];
	forget[2] = units[1];
	pgm_catalog_save_record(action, part, forget[0]);
	pgm_key_rows_write(forget, keys, memo);
}

/* The key an object is recorded under: its relation's for a column,
 * constraint, trigger, policy or rule, else its own. */
static char *
pgm_owner_key(const PgmObject *o)
{
	if (o->kind != NULL &&
		(strcmp(o->kind, "column") == 0 || strcmp(o->kind, "constraint") == 0 ||
		 strcmp(o->kind, "trigger") == 0 || strcmp(o->kind, "policy") == 0 ||
		 strcmp(o->kind, "rule") == 0))
	{
		JsonbValue *v = pgm_attribute(o->attributes, "relation");

		if (v != NULL && v->type == jbvString)
			return pnstrdup(v->val.string.val, v->val.string.len);
	}
	return o->key;
}

/* A key a part replaces, and which part (0 the newest) decided it. */
typedef struct PgmDecided
{
	char	   *key;
	int			by;
} PgmDecided;

/*
 * Is `o`, of record `i`, an index whose table a newer part replaced?  A
 * part that takes a table takes its indexes: those recorded before are
 * gone with the table's key, even under a key of their own that no part
 * names (an index rebuilt by hand, REINDEX CONCURRENTLY, has another oid
 * than the one last recorded, so dropping its table cannot find its key).
 */
static bool
pgm_record_index_replaced(HTAB *decided, const PgmObject *o, int i)
{
	JsonbValue *v;
	char	   *table;
	PgmDecided *d;

	if (o->kind == NULL || strcmp(o->kind, "index") != 0 ||
		(v = pgm_attribute(o->attributes, "relation")) == NULL || v->type != jbvString)
		return false;
	table = pnstrdup(v->val.string.val, v->val.string.len);
	d = hash_search(decided, &table, HASH_FIND, NULL);
	return d != NULL && d->by < i;
}

/*
 * The schema as recorded, from the records read (the newest first; the
 * last one whole): for each key, the objects of the newest part that
 * replaces it, else the whole record's.
 */
static PgmSnapshot *
pgm_record_lay(PgmSnapshot **records, ArrayType **replaces, int n)
{
	HTAB	   *decided = pgm_key_set("pgmigrate keys decided", sizeof(PgmDecided), 256);
	PgmObject  *out;
	int			count = 0;
	int			capacity = 0;
	int			i,
				j;

	for (i = 0; i < n; i++)
		capacity += records[i]->count;
	out = palloc(sizeof(PgmObject) * Max(capacity, 1));
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (replaces[i] != NULL)
		{
			int			nkeys;
			Datum	   *keys = pgm_record_texts(replaces[i], &nkeys);

			for (j = 0; j < nkeys; j++)
			{
				char	   *key = TextDatumGetCString(keys[j]);
				bool		found;
				PgmDecided *d = hash_search(decided, &key, HASH_ENTER, &found);

				if (!found)
					d->by = i;
			}
		}
		for (j = 0; j < records[i]->count; j++)
		{
			PgmObject  *o = &records[i]->objects[j];
			char	   *owner = pgm_owner_key(o);
			PgmDecided *d = hash_search(decided, &owner, HASH_FIND, NULL);

			if ((d == NULL ? replaces[i] == NULL : d->by == i) &&
				!pgm_record_index_replaced(decided, o, i))
				out[count++] = *o;
		}
	}
	return pgm_snapshot_from(out, count);
}

/*
 * The schema as the last record left it: what drift() and verify() compare
 * the live schema with; empty if nothing was recorded.  Connected to SPI.
 */
PgmSnapshot *
pgm_record_last(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	bool		parts = pgm_records_in_parts();
	int			n;
	int			i;
	PgmSnapshot **records;
	ArrayType **replaces;
	PgmSnapshot *snap;

	pgm_require_snapshots();
	n = pgm_catalog_exec(parts ? PGM_Q_RECORDS : PGM_Q_LAST_SNAPSHOT, NULL, NULL, true);
	records = palloc(sizeof(PgmSnapshot *) * Max(n, 1));
	replaces = palloc(sizeof(ArrayType *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		bool		isnull = true;
		Datum		d;

		(void) SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
		if (isnull)
		{
			/* a record of 0.3, in text: nothing to compare with */
			n = i;
			break;
		}
		records[i] = pgm_snapshot_read(pgm_result_jsonb(i, 1, cxt), "a stored snapshot");
		d = parts ? SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull) : (Datum) 0;
		MemoryContextSwitchTo(cxt);
		replaces[i] = parts && !isnull ? DatumGetArrayTypePCopy(d) : NULL;
	}
	SPI_freetuptable(SPI_tuptable);
	MemoryContextSwitchTo(cxt);
	if (n == 0)
		snap = pgm_snapshot_from(palloc(sizeof(PgmObject)), 0);
	else if (n == 1)
		snap = records[0];
	else
		snap = pgm_record_lay(records, replaces, n);
	return snap;
}

/* A schema document of the objects of `snap`. */
static Jsonb *
pgm_record_document(const PgmSnapshot *snap)
{
	JsonbParseState *state = NULL;
	JsonbValue	v;
	int			i;

	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	v.type = jbvString;
	v.val.string.val = "version";
	v.val.string.len = 7;
	(void) pushJsonbValue(&state, WJB_KEY, &v);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(1);
	(void) pushJsonbValue(&state, WJB_VALUE, &v);
	v.type = jbvString;
	v.val.string.val = "objects";
	v.val.string.len = 7;
	(void) pushJsonbValue(&state, WJB_KEY, &v);
	(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < snap->count; i++)
	{
		CHECK_FOR_INTERRUPTS();
		v.type = jbvString;
		v.val.string.val = snap->objects[i].key;
		v.val.string.len = strlen(snap->objects[i].key);
		(void) pushJsonbValue(&state, WJB_KEY, &v);
		v.type = jbvBinary;
		v.val.binary.data = snap->objects[i].attributes;
		v.val.binary.len = snap->objects[i].size;
		(void) pushJsonbValue(&state, WJB_VALUE, &v);
	}
	(void) pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
}

PG_FUNCTION_INFO_V1(pgmigrate_compact_snapshots);

/*
 * migrate.compact_snapshots(): the schema as recorded written as one whole
 * record, every record before it deleted; returns how many were.  The keys
 * stay: they are those of the same schema.
 */
Datum
pgmigrate_compact_snapshots(PG_FUNCTION_ARGS)
{
	PgmSnapshot *snap;
	Datum		id;
	bool		isnull;
	int			deleted;

	pgm_check_may_change("migrate.compact_snapshots()");
	pgm_spi_connect();
	pgm_lock_catalog();
	snap = pgm_record_last();
	pgm_catalog_save_record("compact", pgm_record_document(snap), NULL);
	pgm_catalog_exec(PGM_Q_LAST_RECORD_ID, NULL, NULL, false);	/* with the one just written */
	id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	deleted = pgm_catalog_exec(PGM_Q_RECORDS_BEFORE, &id, NULL, false);
	pgm_catalog_log("compact", NULL, -1, NULL, "ok",
					psprintf("%d snapshot record%s deleted", deleted, deleted == 1 ? "" : "s"));
	SPI_finish();
	PG_RETURN_INT64(deleted);
}
