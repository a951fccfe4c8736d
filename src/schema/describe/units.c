/*
 * units.c — the part of the document for some units, written in C.
 *
 * A deploy records the part of migrate.schema()'s document that belongs to
 * what its revisions changed (part.c).  Most of the time that is tables
 * and their indexes, and running migrate.schema()'s long query for them
 * costs more to plan than the lookups it makes.  Here the same part is
 * written by syscache and index lookups: the objects of each unit, the
 * keys of what they depend on, and the keys their catalog entries are
 * recorded under.  What it writes is what the query writes, byte for byte:
 * the tests compare the two on every relation of PostgreSQL's regression
 * databases.  Relations, schemas, extensions, functions, enums and
 * domains are done here; a part with a unit of another kind (an aggregate,
 * a composite, range or base type, an operator, a cast, a transform), and
 * any part where Citus is installed, is left to the query:
 * pgm_describe_part() returns NULL for it.
 *
 * Calls keys.c, objects.c, relations.c, document.c, rows.c and tables.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_description.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_transform.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/comment.h"
#include "commands/extension.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "rewrite/rewriteSupport.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "schema/describe/describe.h"

/* ---- the units ---- */

/* The extension an object belongs to, but pgmigrate's own; InvalidOid when none. */
static Oid
pgm_d_unit_extension(PgmDescribe *d, Oid classid, Oid objid)
{
	return pgm_d_extension_of(pgm_d_depends(d, classid, objid));
}

/*
 * A unit as part.c's units have it: an array type as its element, a row
 * type as its relation; InvalidOid when it is gone.
 */
static void
pgm_d_unit_normal(Oid *classid, Oid *objid)
{
	HeapTuple	tuple;
	Form_pg_type t;
	Oid			type;
	Oid			relid;

	if (*classid != TypeRelationId)
		return;
	if ((tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(*objid))) == NULL)
	{
		*objid = InvalidOid;
		return;
	}
	t = (Form_pg_type) GETSTRUCT(tuple);
	type = *objid;
	if (OidIsValid(t->typelem) && get_array_type(t->typelem) == *objid)
		type = t->typelem;
	ReleaseSysCache(tuple);
	if (OidIsValid(relid = get_typ_typrelid(type)))
	{
		*classid = RelationRelationId;
		*objid = relid;
	}
	else
		*objid = type;
}

/*
 * The units, each once: relations (a table's indexes with it) in
 * `relids`, the others as (catalog, oid) pairs in `others` (what an
 * extension brings as the extension); false when one is of a kind left to
 * the query.
 */
static bool
pgm_d_units(PgmDescribe *d, ArrayType *classids, ArrayType *objids, List **relids, List **others)
{
	Datum	   *classid;
	Datum	   *objid;
	int			n;
	int			m;
	List	   *out = NIL;
	int			i;

	*others = NIL;
	if (ARR_HASNULL(classids) || ARR_HASNULL(objids))
		return false;
	deconstruct_array(classids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &classid, NULL, &n);
	deconstruct_array(objids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &objid, NULL, &m);
	if (n != m)
		return false;
	for (i = 0; i < n; i++)
	{
		Oid			catalog = DatumGetObjectId(classid[i]);
		Oid			oid = DatumGetObjectId(objid[i]);
		Oid			extension;
		PgmRel	   *r = NULL;
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		pgm_d_unit_normal(&catalog, &oid);
		if (!OidIsValid(oid))
			continue;			/* gone: nothing of it */
		if (catalog == RelationRelationId && (r = pgm_d_rel(d, oid))->relkind == '\0')
			continue;
		if (catalog != ExtensionRelationId &&
			OidIsValid(extension = pgm_d_unit_extension(d, catalog, oid)))
		{
			/* what an extension brings is the extension's (and a table's indexes its table's) */
			*others = lappend(*others, list_make2_oid(ExtensionRelationId, extension));
			if (r == NULL)
				continue;
		}
		else if (r == NULL)
		{
			/* (an entry with no key, such as an operator family's member, has nothing in the document) */
			if (pgm_d_key(d, catalog, oid, 0) == NULL)
				continue;
			if (!pgm_d_object_done_here(catalog, oid))
				return false;
			*others = lappend(*others, list_make2_oid(catalog, oid));
			continue;
		}
		else if (r->relkind == RELKIND_COMPOSITE_TYPE)
			return false;
		else
			out = lappend_oid(out, oid);
		if (!r->has_indexes)
			continue;
		foreach(lc, pgm_d_scan(d, IndexRelationId, IndexIndrelidIndexId, oid))
			out = lappend_oid(out, ((Form_pg_index) GETSTRUCT((HeapTuple) lfirst(lc)))->indexrelid);
	}
	list_sort(out, list_oid_cmp);
	list_deduplicate_oid(out);
	*relids = out;
	return true;
}

/* Set up the lookups of a part, in the current memory context. */
static void
pgm_d_begin(PgmDescribe *d)
{
	HASHCTL		ctl;

	memset(d, 0, sizeof(*d));
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(PgmEntry);
	ctl.entrysize = sizeof(PgmKeyEntry);
	ctl.hcxt = CurrentMemoryContext;
	d->keys = hash_create("pgmigrate keys", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	d->depends = hash_create("pgmigrate dependencies", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(PgmRel);
	d->rels = hash_create("pgmigrate relations", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	d->spaces = hash_create("pgmigrate schemas", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	d->doc = pgm_doc_new();
	d->own_classids = palloc(sizeof(Datum));
	d->own_objids = palloc(sizeof(Datum));
	d->own_keys = palloc(sizeof(Datum));
	pgm_lookups_init(&d->lookups);
}

/* Add every entry of `catalog` whose namespace column (or, for
 * InvalidAttrNumber, every entry at all) passes, as units. */
static void
pgm_d_all_of(PgmDescribe *d, Oid catalog, AttrNumber oidattr, AttrNumber spaceattr, bool user_oids,
			 List **classids, List **objids)
{
	Relation	rel = table_open(catalog, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Oid			oid = DatumGetObjectId(heap_getattr(tuple, oidattr, RelationGetDescr(rel), &isnull));

		CHECK_FOR_INTERRUPTS();
		if (user_oids && oid < FirstNormalObjectId)
			continue;
		if (spaceattr != InvalidAttrNumber &&
			!pgm_d_space_ok(d, DatumGetObjectId(heap_getattr(tuple, spaceattr, RelationGetDescr(rel), &isnull)),
							NULL))
			continue;
		*classids = lappend_oid(*classids, catalog);
		*objids = lappend_oid(*objids, oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* An oid list as an oid[]. */
static ArrayType *
pgm_d_oid_array(List *oids)
{
	Datum	   *d = palloc(sizeof(Datum) * Max(list_length(oids), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, oids)
		d[n++] = ObjectIdGetDatum(lfirst_oid(lc));
	return construct_array(d, n, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
}

/*
 * The part of the units (oid arrays `classids`, `objids`), or with `whole`
 * every object of the document as its units; NULL when one is of a kind
 * left to the query.
 */
static Jsonb *
pgm_d_take(ArrayType *classids, ArrayType *objids, bool whole, MemoryContext into, ArrayType **keys)
{
	MemoryContext work;
	MemoryContext old;
	PgmDescribe d;
	List	   *relids;
	List	   *others;
	ListCell   *lc;
	Jsonb	   *doc = NULL;
	int			guc_level;

	if (OidIsValid(get_extension_oid("citus", true)))
		return NULL;
	work = AllocSetContextCreate(CurrentMemoryContext, "pgmigrate describe", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);
	/* the keys are written with migrate.schema()'s search_path */
	guc_level = pgm_spi_fix_settings(true);
	/*
	 * and read with what this transaction did so far, as the query would
	 * be (SPI): the server's deparsers of views and rules read pg_rewrite
	 * with the active snapshot
	 */
	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgm_d_begin(&d);
	if (whole)
	{
		List	   *c = NIL;
		List	   *o = NIL;

		pgm_d_read_all_depends(&d);
		pgm_d_read_all_comments(&d);

		pgm_d_all_of(&d, NamespaceRelationId, Anum_pg_namespace_oid, InvalidAttrNumber, false, &c, &o);
		pgm_d_all_of(&d, ExtensionRelationId, Anum_pg_extension_oid, InvalidAttrNumber, false, &c, &o);
		pgm_d_all_of(&d, RelationRelationId, Anum_pg_class_oid, Anum_pg_class_relnamespace, false, &c, &o);
		pgm_d_all_of(&d, TypeRelationId, Anum_pg_type_oid, Anum_pg_type_typnamespace, false, &c, &o);
		pgm_d_all_of(&d, ProcedureRelationId, Anum_pg_proc_oid, Anum_pg_proc_pronamespace, false, &c, &o);
		pgm_d_all_of(&d, OperatorRelationId, Anum_pg_operator_oid, Anum_pg_operator_oprnamespace, false, &c, &o);
		pgm_d_all_of(&d, CastRelationId, Anum_pg_cast_oid, InvalidAttrNumber, true, &c, &o);
		pgm_d_all_of(&d, TransformRelationId, Anum_pg_transform_oid, InvalidAttrNumber, true, &c, &o);
		classids = pgm_d_oid_array(c);
		objids = pgm_d_oid_array(o);
	}
	if (pgm_d_units(&d, classids, objids, &relids, &others))
	{
		HASHCTL		ctl;
		HTAB	   *done;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(PgmEntry);
		ctl.entrysize = sizeof(PgmEntry);
		ctl.hcxt = CurrentMemoryContext;
		done = hash_create("pgmigrate units", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		foreach(lc, others)
		{
			List	   *unit = lfirst(lc);
			PgmEntry	e;
			bool		seen;

			memset(&e, 0, sizeof(e));
			e.classid = linitial_oid(unit);
			e.objid = lsecond_oid(unit);
			(void) hash_search(done, &e, HASH_ENTER, &seen);
			if (seen)
				continue;
			CHECK_FOR_INTERRUPTS();
			pgm_d_object_unit(&d, e.classid, e.objid);
		}
		foreach(lc, relids)
		{
			PgmRel	   *r = pgm_d_rel(&d, lfirst_oid(lc));

			CHECK_FOR_INTERRUPTS();
			if (!r->ok)
				continue;
			if (r->relkind == RELKIND_INDEX || r->relkind == RELKIND_PARTITIONED_INDEX)
				pgm_d_index(&d, r);
			else
				pgm_d_relation(&d, r);
		}
		if (whole)
			pgm_d_extension_domain_constraints(&d);
		MemoryContextSwitchTo(into);
		doc = pgm_doc_finish(d.doc);
		if (keys)
		{
			keys[0] = construct_array(d.own_classids, d.nowned, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
			keys[1] = construct_array(d.own_objids, d.nowned, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
			keys[2] = construct_array(d.own_keys, d.nowned, TEXTOID, -1, false, TYPALIGN_INT);
		}
	}
	pgm_lookups_end(&d.lookups);
	PopActiveSnapshot();
	pgm_spi_restore_settings(guc_level);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return doc;
}

/*
 * The part of migrate.schema()'s document that belongs to the units given
 * as `classids` and `objids` (as pgm_part_take() takes them), in `into`,
 * with the keys of their entries when `keys` is given; NULL when a unit is
 * of a kind left to the query, or Citus is installed.  The catalogs are
 * read as they are now, with migrate.schema()'s search_path.
 */
Jsonb *
pgm_describe_part(ArrayType *classids, ArrayType *objids, MemoryContext into, ArrayType **keys)
{
	return pgm_d_take(classids, objids, false, into, keys);
}

/*
 * The whole document, as migrate.schema() writes it, with the keys of
 * every catalog entry of it, in `into`; NULL when the database holds an
 * object of a kind left to the query (an aggregate, a composite, range or
 * base type, an operator, a cast or a transform of its own), or Citus is
 * installed.  What an extension brings is its extension's, whatever it is.
 */
Jsonb *
pgm_describe_whole(MemoryContext into, ArrayType **keys)
{
	return pgm_d_take(NULL, NULL, true, into, keys);
}
