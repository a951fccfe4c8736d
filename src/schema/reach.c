/*
 * reach.c — what a part record must hold, found in C.
 *
 * Given the catalog entries a deploy's commands named (changes.c), a part
 * record (records.c) holds those objects, the objects last recorded under
 * the same keys, and what depends on them, each as the unit whose part it
 * is in (part.c: a constraint, trigger, policy, rule or default as its
 * relation, or a domain's constraint as its type).  The rules, followed
 * through pg_depend's index of referenced objects:
 *  - an index a constraint has is followed to the constraint (renaming one
 *    renames the other), a partition's index to its parents' indexes (a
 *    partitioned index is valid once all its partitions are attached);
 *  - a view's rule is followed as its view;
 *  - a constraint, trigger, policy, default, rule or extension brings its
 *    table, not what depends on that table: only a partition's clones of a
 *    constraint or trigger are followed from it;
 *  - a schema's objects are followed only when the schema was renamed
 *    (migrate.snapshot_keys has it under another key).
 * What sql_drop named (changes.c) is gone: it is neither followed nor
 * looked up, only its old key is replaced.
 * Once a part is taken, every entry of it replaces the key it was last
 * recorded under, and whatever else was recorded under those keys must be
 * taken too: pgm_reach_more() says what is missing.
 *
 * migrate.snapshot_keys is read through its two indexes (key_rows.c),
 * with a snapshot that sees what this transaction wrote (the first deploy
 * writes the keys in the same statement).  The cost is that of the named
 * objects and their neighbours, not of the database.
 *
 * Calls key_rows.c and tables.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "common/hashfn.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_index.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "rewrite/rewriteSupport.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pgmigrate.h"

/* A catalog entry: a catalog and an oid. */
typedef struct PgmPair
{
	Oid			classid;
	Oid			objid;
} PgmPair;

/* Set of entries, and their order of arrival. */
typedef struct PgmPairs
{
	HTAB	   *set;
	PgmPair    *items;
	int			count;
	int			max;
} PgmPairs;

static void
pgm_pairs_init(PgmPairs *p)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(PgmPair);
	ctl.entrysize = sizeof(PgmPair);
	ctl.hcxt = CurrentMemoryContext;
	p->set = hash_create("pgmigrate entries", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	p->count = 0;
	p->max = 64;
	p->items = palloc(sizeof(PgmPair) * p->max);
}

static bool
pgm_pairs_has(PgmPairs *p, Oid classid, Oid objid)
{
	PgmPair		e;

	memset(&e, 0, sizeof(e));
	e.classid = classid;
	e.objid = objid;
	return hash_search(p->set, &e, HASH_FIND, NULL) != NULL;
}

/* Add an entry, once; true if it was new. */
static bool
pgm_pairs_add(PgmPairs *p, Oid classid, Oid objid)
{
	PgmPair		e;
	bool		found;

	memset(&e, 0, sizeof(e));
	e.classid = classid;
	e.objid = objid;
	(void) hash_search(p->set, &e, HASH_ENTER, &found);
	if (found)
		return false;
	if (p->count == p->max)
	{
		p->max *= 2;
		p->items = repalloc(p->items, sizeof(PgmPair) * p->max);
	}
	p->items[p->count++] = e;
	return true;
}

/* The entries of two oid arrays, as many of each. */
static void
pgm_pairs_add_arrays(PgmPairs *p, ArrayType *classids, ArrayType *objids)
{
	Datum	   *c;
	Datum	   *o;
	int			n;
	int			m;
	int			i;

	deconstruct_array(classids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &c, NULL, &n);
	deconstruct_array(objids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &o, NULL, &m);
	for (i = 0; i < Min(n, m); i++)
		(void) pgm_pairs_add(p, DatumGetObjectId(c[i]), DatumGetObjectId(o[i]));
}

/* The entries as two oid arrays, from `from` on. */
static void
pgm_pairs_arrays(PgmPairs *p, int from, ArrayType **classids, ArrayType **objids)
{
	Datum	   *c = palloc(sizeof(Datum) * Max(p->count - from, 1));
	Datum	   *o = palloc(sizeof(Datum) * Max(p->count - from, 1));
	int			i;

	for (i = from; i < p->count; i++)
	{
		c[i - from] = ObjectIdGetDatum(p->items[i].classid);
		o[i - from] = ObjectIdGetDatum(p->items[i].objid);
	}
	*classids = construct_array(c, p->count - from, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
	*objids = construct_array(o, p->count - from, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
}

/* ---- the scope ---- */

typedef struct PgmReach
{
	PgmKeyRows	keys;
	PgmLookups	catalogs;		/* pg_depend's and pg_index's indexes, opened once */
	HTAB	   *dropped;		/* named entries that are gone, or NULL */
	PgmPairs	seen;
	List	   *old;			/* keys recorded for the named entries, once each */
	HTAB	   *old_set;
} PgmReach;

static void
pgm_reach_add_entry(void *arg, Oid classid, Oid objid)
{
	(void) pgm_pairs_add(&((PgmReach *) arg)->seen, classid, objid);
}

/* Keep `key` among the old keys, once. */
static void
pgm_reach_keep_key(PgmReach *r, char *key)
{
	bool		found;

	(void) hash_search(r->old_set, &key, HASH_ENTER, &found);
	if (!found)
		r->old = lappend(r->old, key);
}

/* Was a schema renamed since it was recorded? */
static bool
pgm_reach_schema_renamed(PgmReach *r, Oid space)
{
	char	   *recorded = pgm_key_rows_key_of(&r->keys, NamespaceRelationId, space);
	char	   *name;

	if (recorded == NULL || (name = get_namespace_name(space)) == NULL)
		return false;
	return strcmp(recorded, psprintf("schema %s", quote_identifier(name))) != 0;
}

/*
 * A default's, trigger's, policy's or rule's relation, read by its catalog
 * and oid (describe/keys.c reads them too): false when it is gone, or of
 * another catalog.  Sets m->relid, and m->name (a default has none, but
 * its column, m->attnum), and whether a trigger is internal.
 */
bool
pgm_member_read(Oid classid, Oid objid, PgmMember *m)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			index;
	AttrNumber	oidattr;

	switch (classid)
	{
		case AttrDefaultRelationId:
			index = AttrDefaultOidIndexId;
			oidattr = Anum_pg_attrdef_oid;
			break;
		case TriggerRelationId:
			index = TriggerOidIndexId;
			oidattr = Anum_pg_trigger_oid;
			break;
		case PolicyRelationId:
			index = PolicyOidIndexId;
			oidattr = Anum_pg_policy_oid;
			break;
		case RewriteRelationId:
			index = RewriteOidIndexId;
			oidattr = Anum_pg_rewrite_oid;
			break;
		default:
			return false;
	}
	memset(m, 0, sizeof(*m));
	rel = table_open(classid, AccessShareLock);
	ScanKeyInit(&key, oidattr, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objid));
	scan = systable_beginscan(rel, index, true, NULL, 1, &key);
	if (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		switch (classid)
		{
			case AttrDefaultRelationId:
				m->relid = ((Form_pg_attrdef) GETSTRUCT(tuple))->adrelid;
				m->attnum = ((Form_pg_attrdef) GETSTRUCT(tuple))->adnum;
				break;
			case TriggerRelationId:
				m->relid = ((Form_pg_trigger) GETSTRUCT(tuple))->tgrelid;
				m->name = pstrdup(NameStr(((Form_pg_trigger) GETSTRUCT(tuple))->tgname));
				m->internal = ((Form_pg_trigger) GETSTRUCT(tuple))->tgisinternal;
				break;
			case PolicyRelationId:
				m->relid = ((Form_pg_policy) GETSTRUCT(tuple))->polrelid;
				m->name = pstrdup(NameStr(((Form_pg_policy) GETSTRUCT(tuple))->polname));
				break;
			default:
				m->relid = ((Form_pg_rewrite) GETSTRUCT(tuple))->ev_class;
				m->name = pstrdup(NameStr(((Form_pg_rewrite) GETSTRUCT(tuple))->rulename));
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return OidIsValid(m->relid);
}

/* Was the entry dropped (sql_drop named it)? */
static bool
pgm_reach_gone(PgmReach *r, PgmPair x)
{
	return r->dropped != NULL && hash_search(r->dropped, &x, HASH_FIND, NULL) != NULL;
}

/* Follow what depends on the entry at `i` of the set. */
static void
pgm_reach_follow(PgmReach *r, int i)
{
	PgmPair		x = r->seen.items[i];
	bool		owned_only = x.classid == ConstraintRelationId || x.classid == TriggerRelationId;
	ScanKeyData key[2];
	ListCell   *lc;

	if (x.classid == AttrDefaultRelationId || x.classid == PolicyRelationId ||
		x.classid == RewriteRelationId || x.classid == ExtensionRelationId)
		return;
	if (x.classid == NamespaceRelationId && !pgm_reach_schema_renamed(r, x.objid))
		return;
	/* nothing depends on what is gone any more */
	if (pgm_reach_gone(r, x))
		return;
	ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(x.classid));
	ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(x.objid));
	foreach(lc, pgm_lookup_rows(&r->catalogs, DependRelationId, DependReferenceIndexId, 2, key, NULL))
	{
		Form_pg_depend d = (Form_pg_depend) GETSTRUCT((HeapTuple) lfirst(lc));
		PgmMember	rule;

		if (d->deptype == DEPENDENCY_EXTENSION || d->deptype == DEPENDENCY_AUTO_EXTENSION)
			continue;
		/* but a partition's constraints and triggers are clones, and name theirs */
		if (owned_only && d->classid != x.classid)
			continue;
		if (d->classid == RewriteRelationId && pgm_member_read(d->classid, d->objid, &rule) &&
			strcmp(rule.name, ViewSelectRuleName) == 0)
			(void) pgm_pairs_add(&r->seen, RelationRelationId, rule.relid);
		else
			(void) pgm_pairs_add(&r->seen, d->classid, d->objid);
	}
}

/* The rows of pg_depend that name (classid, objid) as the dependent,
 * through `ls` (describe.c reads them too). */
List *
pgm_depend_rows(PgmLookups *ls, Oid classid, Oid objid)
{
	ScanKeyData key[2];
	List	   *rows = NIL;
	ListCell   *lc;

	ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(classid));
	ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objid));
	foreach(lc, pgm_lookup_rows(ls, DependRelationId, DependDependerIndexId, 2, key, NULL))
	{
		HeapTuple	tuple = lfirst(lc);
		Form_pg_depend row = palloc(sizeof(FormData_pg_depend));

		memcpy(row, GETSTRUCT(tuple), sizeof(FormData_pg_depend));
		rows = lappend(rows, row);
	}
	return rows;
}

/* The constraints whose index `relid` is (its dependencies of type 'i' on one). */
static List *
pgm_reach_index_constraints(PgmReach *r, Oid relid)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, pgm_depend_rows(&r->catalogs, RelationRelationId, relid))
	{
		Form_pg_depend d = lfirst(lc);

		if (d->refclassid == ConstraintRelationId && d->deptype == DEPENDENCY_INTERNAL)
			out = lappend_oid(out, d->refobjid);
	}
	return out;
}

/*
 * A named entry that migrate.snapshot_keys does not know by its oid: new,
 * or an index that REINDEX CONCURRENTLY (or a hand with the guard off)
 * made anew since the last record, under the same name.  Such an index,
 * dropped, is known by the key of the name sql_drop gave (returned), and
 * brings its table where a command of the deploy named it alive (it may
 * have been renamed first); alive and not made by this transaction, it
 * brings its table.  A table's part holds all its indexes and replaces
 * those recorded before (records.c).
 */
static char *
pgm_reach_unknown(PgmReach *r, PgmPair x)
{
	HeapTuple	tuple;

	if (x.classid != RelationRelationId)
		return NULL;
	if (pgm_reach_gone(r, x))
	{
		PgmDropped *d = hash_search(r->dropped, &x, HASH_FIND, NULL);

		/* renamed, then dropped: the name sql_drop gave is not the one recorded */
		if (OidIsValid(d->table))
			(void) pgm_pairs_add(&r->seen, RelationRelationId, d->table);
		return d->key;
	}
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(x.objid));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	if (!TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data)))
		(void) pgm_pairs_add(&r->seen, RelationRelationId, ((Form_pg_index) GETSTRUCT(tuple))->indrelid);
	ReleaseSysCache(tuple);
	return NULL;
}

/*
 * Operators name each other: an operator's commutator and negator are in
 * its definition, and making one fills in the link of the other, dropping
 * one empties it, moving one to another schema (or renaming that schema)
 * changes how the other names it; no event names the other operator.  So
 * where the scope holds operators (`set`, their oids), every operator that
 * links to one of them or that one links to, and every operator this
 * transaction wrote, is added: one pass over pg_operator, only for a
 * deploy that reaches an operator.  Returns whether any was added.
 */
static bool
pgm_reach_linked_operators(PgmReach *r)
{
	HTAB	   *set = NULL;
	Relation	rel;
	SysScanDesc scan;
	HeapTuple	tuple;
	int			before = r->seen.count;
	int			i;

	for (i = 0; i < r->seen.count; i++)
		if (r->seen.items[i].classid == OperatorRelationId)
		{
			if (set == NULL)
			{
				HASHCTL		ctl;

				memset(&ctl, 0, sizeof(ctl));
				ctl.keysize = ctl.entrysize = sizeof(Oid);
				ctl.hcxt = CurrentMemoryContext;
				set = hash_create("pgmigrate operators", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
			}
			(void) hash_search(set, &r->seen.items[i].objid, HASH_ENTER, NULL);
		}
	if (set == NULL)
		return false;
	rel = table_open(OperatorRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_operator o = (Form_pg_operator) GETSTRUCT(tuple);

		CHECK_FOR_INTERRUPTS();
		if (TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data)) ||
			(OidIsValid(o->oprcom) && hash_search(set, &o->oprcom, HASH_FIND, NULL) != NULL) ||
			(OidIsValid(o->oprnegate) && hash_search(set, &o->oprnegate, HASH_FIND, NULL) != NULL))
			(void) pgm_pairs_add(&r->seen, OperatorRelationId, o->oid);
		if (hash_search(set, &o->oid, HASH_FIND, NULL) != NULL)
		{
			if (OidIsValid(o->oprcom))
				(void) pgm_pairs_add(&r->seen, OperatorRelationId, o->oprcom);
			if (OidIsValid(o->oprnegate))
				(void) pgm_pairs_add(&r->seen, OperatorRelationId, o->oprnegate);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return r->seen.count > before;
}

/* Follow every entry of the set from `i` on, those it adds too; returns
 * where the set ends. */
static int
pgm_reach_follow_from(PgmReach *r, int i)
{
	for (; i < r->seen.count; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pgm_reach_follow(r, i);
	}
	return i;
}

/* Where the named entries start from: themselves, what was recorded under
 * their keys, an index's constraint, a partition's index's parents. */
static void
pgm_reach_start(PgmReach *r, ArrayType **named)
{
	PgmPairs	given;
	int			i;

	pgm_pairs_init(&given);
	pgm_pairs_add_arrays(&given, named[0], named[1]);
	for (i = 0; i < given.count; i++)
	{
		char	   *key = pgm_key_rows_key_of(&r->keys, given.items[i].classid, given.items[i].objid);

		if (key == NULL)
			key = pgm_reach_unknown(r, given.items[i]);
		if (key != NULL)
			pgm_reach_keep_key(r, key);
		(void) pgm_pairs_add(&r->seen, given.items[i].classid, given.items[i].objid);
	}
	for (i = 0; i < list_length(r->old); i++)
		pgm_key_rows_entries(&r->keys, list_nth(r->old, i), pgm_reach_add_entry, r);
	for (i = 0; i < given.count; i++)
	{
		Oid			objid = given.items[i].objid;
		ListCell   *lc;

		char		relkind;

		/* (only an index has a constraint, or parents of its kind; one that is gone has neither) */
		if (given.items[i].classid != RelationRelationId || pgm_reach_gone(r, given.items[i]) ||
			((relkind = get_rel_relkind(objid)) != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX))
			continue;
		foreach(lc, pgm_reach_index_constraints(r, objid))
			(void) pgm_pairs_add(&r->seen, ConstraintRelationId, lfirst_oid(lc));
		/* (a scan of pg_inherits: only for an index that is a partition) */
		if (get_rel_relispartition(objid))
			foreach(lc, get_partition_ancestors(objid))
				(void) pgm_pairs_add(&r->seen, RelationRelationId, lfirst_oid(lc));
	}
}

/* The unit an entry is in: a default, constraint, trigger, policy or rule
 * its relation (a domain's constraint its type); InvalidOid when it is gone. */
static PgmPair
pgm_reach_unit(PgmReach *r, PgmPair x)
{
	PgmPair		u = x;
	HeapTuple	tuple;
	PgmMember	m;

	/* a relation or type that is gone is its own unit still (its key is replaced) */
	if (pgm_reach_gone(r, x) &&
		(x.classid == ConstraintRelationId || x.classid == AttrDefaultRelationId ||
		 x.classid == TriggerRelationId || x.classid == PolicyRelationId ||
		 x.classid == RewriteRelationId))
	{
		u.objid = InvalidOid;
		return u;
	}

	if (x.classid == ConstraintRelationId)
	{
		u.objid = InvalidOid;
		if (HeapTupleIsValid(tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(x.objid))))
		{
			Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT(tuple);

			u.classid = OidIsValid(c->conrelid) ? RelationRelationId : TypeRelationId;
			u.objid = OidIsValid(c->conrelid) ? c->conrelid : c->contypid;
			ReleaseSysCache(tuple);
		}
		return u;
	}
	if (x.classid != AttrDefaultRelationId && x.classid != TriggerRelationId &&
		x.classid != PolicyRelationId && x.classid != RewriteRelationId)
		return u;
	u.classid = RelationRelationId;
	u.objid = pgm_member_read(x.classid, x.objid, &m) ? m.relid : InvalidOid;
	return u;
}

/* A list of C strings as a text[]. */
static ArrayType *
pgm_reach_texts(List *keys)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(list_length(keys), 1));
	int			i;

	for (i = 0; i < list_length(keys); i++)
		d[i] = CStringGetTextDatum(list_nth(keys, i));
	return construct_array(d, list_length(keys), TEXTOID, -1, false, TYPALIGN_INT);
}

static void
pgm_reach_begin(PgmReach *r, PgmKeyMemo *memo)
{
	/* what this transaction wrote so far, as a query of it would see */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgm_key_rows_open(&r->keys, false, memo);
	pgm_lookups_init(&r->catalogs);
	r->dropped = NULL;
	pgm_pairs_init(&r->seen);
	r->old = NIL;
	r->old_set = pgm_key_set("pgmigrate old keys", sizeof(char *), 64);
}

static void
pgm_reach_end(PgmReach *r)
{
	pgm_lookups_end(&r->catalogs);
	pgm_key_rows_close(&r->keys);
	PopActiveSnapshot();
}

/*
 * What a part must hold, given what the commands named (`named`: two oid
 * arrays, catalogs and oids): sets `units` (catalogs, oids) and *old_keys,
 * the keys the named entries were last recorded under.
 */
void
pgm_reach_scope(ArrayType **named, ArrayType **units, ArrayType **old_keys, PgmKeyMemo *memo,
				HTAB *dropped)
{
	PgmReach	r;
	PgmPairs	out;
	int			i;

	pgm_reach_begin(&r, memo);
	r.dropped = dropped;
	pgm_reach_start(&r, named);
	i = pgm_reach_follow_from(&r, 0);
	if (pgm_reach_linked_operators(&r))
		(void) pgm_reach_follow_from(&r, i);
	pgm_pairs_init(&out);
	for (i = 0; i < r.seen.count; i++)
	{
		PgmPair		u;

		CHECK_FOR_INTERRUPTS();
		u = pgm_reach_unit(&r, r.seen.items[i]);

		if (OidIsValid(u.objid))
			(void) pgm_pairs_add(&out, u.classid, u.objid);
	}
	pgm_pairs_arrays(&out, 0, &units[0], &units[1]);
	*old_keys = pgm_reach_texts(r.old);
	pgm_reach_end(&r);
}

typedef struct PgmMore
{
	PgmPairs   *part;
	PgmPairs   *named;
	int			missing;
} PgmMore;

static void
pgm_reach_add_missing(void *arg, Oid classid, Oid objid)
{
	PgmMore    *m = arg;

	if (!pgm_pairs_has(m->part, classid, objid) && pgm_pairs_add(m->named, classid, objid))
		m->missing++;
}

/*
 * After a part was taken, with the catalog entries `entries` (catalogs,
 * oids) for `units`: *old_keys becomes every key it replaces (the keys its
 * entries, its units and their indexes were last recorded under, with the
 * old keys given; a table that is gone (`dropped`) has no indexes left to
 * look for); returns how many entries recorded under those keys are
 * neither in the part nor named yet, and adds them to `named`.
 */
int
pgm_reach_more(ArrayType **entries, ArrayType **named, ArrayType **old_keys, ArrayType **units,
			   PgmKeyMemo *memo, HTAB *dropped)
{
	PgmReach	r;
	PgmPairs	part;
	PgmPairs	all;
	PgmPairs	given_units;
	PgmPairs	given;
	PgmMore		more;
	Datum	   *keys;
	int			nkeys;
	int			i;

	pgm_reach_begin(&r, memo);
	r.dropped = dropped;
	pgm_pairs_init(&part);
	pgm_pairs_add_arrays(&part, entries[0], entries[1]);
	pgm_pairs_init(&given);
	pgm_pairs_add_arrays(&given, named[0], named[1]);
	deconstruct_array(*old_keys, TEXTOID, -1, false, TYPALIGN_INT, &keys, NULL, &nkeys);
	for (i = 0; i < nkeys; i++)
		pgm_reach_keep_key(&r, TextDatumGetCString(keys[i]));

	/* the part's entries, and the units' with their indexes (which may have left the document) */
	pgm_pairs_init(&all);
	pgm_pairs_add_arrays(&all, entries[0], entries[1]);
	pgm_pairs_init(&given_units);
	pgm_pairs_add_arrays(&given_units, units[0], units[1]);
	for (i = 0; i < given_units.count; i++)
		(void) pgm_pairs_add(&all, given_units.items[i].classid, given_units.items[i].objid);
	for (i = 0; i < all.count; i++)
	{
		char	   *key;

		CHECK_FOR_INTERRUPTS();
		if (all.items[i].classid == RelationRelationId &&
			pgm_pairs_has(&given_units, RelationRelationId, all.items[i].objid) &&
			!pgm_reach_gone(&r, all.items[i]))
		{
			ListCell   *lc;
			ScanKeyData sk;

			ScanKeyInit(&sk, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(all.items[i].objid));
			foreach(lc, pgm_lookup_rows(&r.catalogs, IndexRelationId, IndexIndrelidIndexId, 1, &sk, NULL))
				(void) pgm_pairs_add(&all, RelationRelationId,
									 ((Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc)))->indexrelid);
		}
		key = pgm_key_rows_key_of(&r.keys, all.items[i].classid, all.items[i].objid);
		if (key != NULL)
			pgm_reach_keep_key(&r, key);
	}

	more.part = &part;
	more.named = &given;
	more.missing = 0;
	for (i = 0; i < list_length(r.old); i++)
		pgm_key_rows_entries(&r.keys, list_nth(r.old, i), pgm_reach_add_missing, &more);
	*old_keys = pgm_reach_texts(r.old);
	pgm_pairs_arrays(&given, 0, &named[0], &named[1]);
	pgm_reach_end(&r);
	return more.missing;
}
