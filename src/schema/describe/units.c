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
 * databases.  Units of the kinds not done here, and a database where
 * Citus is installed, are left to the query: pgm_describe_part() returns
 * NULL for them.
 *
 * Calls keys.c, relations.c, document.c and rows.c.
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

/*
 * The units as relations, each once, a table's indexes with it; false
 * when one is not a relation (or row type, or its array) of a kind done
 * here.
 */
static bool
pgm_d_units(PgmDescribe *d, ArrayType *classids, ArrayType *objids, List **relids)
{
	Datum	   *classid;
	Datum	   *objid;
	int			n;
	int			m;
	List	   *out = NIL;
	int			i;

	if (ARR_HASNULL(classids) || ARR_HASNULL(objids))
		return false;
	deconstruct_array(classids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &classid, NULL, &n);
	deconstruct_array(objids, OIDOID, sizeof(Oid), true, TYPALIGN_INT, &objid, NULL, &m);
	if (n != m)
		return false;
	for (i = 0; i < n; i++)
	{
		Oid			relid = DatumGetObjectId(objid[i]);
		PgmRel	   *r;
		ListCell   *lc;

		if (DatumGetObjectId(classid[i]) == TypeRelationId)
		{
			HeapTuple	tuple = SearchSysCache1(TYPEOID, objid[i]);
			Form_pg_type t;

			if (!HeapTupleIsValid(tuple))
				continue;		/* gone: nothing of it */
			t = (Form_pg_type) GETSTRUCT(tuple);
			relid = t->typrelid;
			if (OidIsValid(t->typelem) && get_array_type(t->typelem) == DatumGetObjectId(objid[i]))
				relid = get_typ_typrelid(t->typelem);
			ReleaseSysCache(tuple);
			if (!OidIsValid(relid))
				return false;
		}
		else if (DatumGetObjectId(classid[i]) != RelationRelationId)
			return false;
		r = pgm_d_rel(d, relid);
		if (r->relkind == '\0')
			continue;			/* gone */
		if (r->relkind == RELKIND_COMPOSITE_TYPE)
			return false;
		out = lappend_oid(out, relid);
		if (!r->has_indexes)
			continue;
		foreach(lc, pgm_d_scan(IndexRelationId, IndexIndrelidIndexId, Anum_pg_index_indrelid, relid))
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
	MemoryContext work;
	MemoryContext old;
	PgmDescribe d;
	List	   *relids;
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
	if (pgm_d_units(&d, classids, objids, &relids))
	{
		foreach(lc, relids)
		{
			PgmRel	   *r = pgm_d_rel(&d, lfirst_oid(lc));

			CHECK_FOR_INTERRUPTS();
			if (!r->ok)
				continue;
			if (r->relkind == RELKIND_INDEX || r->relkind == RELKIND_PARTITIONED_INDEX)
				pgm_d_index(&d, r, NIL);
			else
				pgm_d_relation(&d, r);
		}
		MemoryContextSwitchTo(into);
		doc = pgm_doc_finish(d.doc);
		if (keys)
		{
			keys[0] = construct_array(d.own_classids, d.nowned, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
			keys[1] = construct_array(d.own_objids, d.nowned, OIDOID, sizeof(Oid), true, TYPALIGN_INT);
			keys[2] = construct_array(d.own_keys, d.nowned, TEXTOID, -1, false, TYPALIGN_INT);
		}
	}
	PopActiveSnapshot();
	pgm_spi_restore_settings(guc_level);
	MemoryContextSwitchTo(old);
	MemoryContextDelete(work);
	return doc;
}
