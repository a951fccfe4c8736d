/*
 * relations.c — what the document says of a relation and what it holds:
 * the relation (a table, partition, view, materialized view, sequence or
 * foreign table), its columns, constraints, triggers, policies and rules,
 * and an index; each object as migrate.schema()'s query writes it.
 *
 * Calls keys.c and document.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
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
#include "catalog/pg_opclass.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_transform.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/comment.h"
#include "commands/defrem.h"
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

/*
 * Is `opclass` the default btree operator class of `type`?  A default btree
 * class of exactly that type, which is not a domain, is: its own row says
 * so.  (CREATE OPERATOR CLASS refuses a second default for a type; two
 * sessions racing could still make one, and then the server's deparser
 * refuses such an index, where this writes the column without its class.)
 * Any other case is asked of the server's GetDefaultOpClass(), whose answer
 * is remembered for the rest of the document: it scans all of pg_opclass,
 * half a million instructions in a new session.  A domain's default is its
 * base type's there, whatever class names the domain itself; a
 * binary-coercible type has the class of the type it coerces to.
 */
static bool
pgm_d_default_btree_opclass(PgmDescribe *d, Oid opclass, Oid type)
{
	HeapTuple	tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	Oid			found;
	int			i;

	if (HeapTupleIsValid(tuple))
	{
		Form_pg_opclass c = (Form_pg_opclass) GETSTRUCT(tuple);
		bool		exact = c->opcmethod == BTREE_AM_OID && c->opcdefault && c->opcintype == type &&
			get_typtype(type) != TYPTYPE_DOMAIN;

		ReleaseSysCache(tuple);
		if (exact)
			return true;
	}
	for (i = 0; i < d->nopclasses; i++)
		if (d->opclass_types[i] == type)
			return d->opclass_defaults[i] == opclass;
	found = GetDefaultOpClass(type, BTREE_AM_OID);
	if (d->nopclasses < (int) lengthof(d->opclass_types))
	{
		d->opclass_types[d->nopclasses] = type;
		d->opclass_defaults[d->nopclasses++] = found;
	}
	return found == opclass;
}

/*
 * The key column `k` of btree index `index` as pg_get_indexdef() writes
 * it, into `buf`; false when it is more than a column with its default
 * collation, operator class and no options (the server's deparser then
 * writes the whole definition).
 */
static bool
pgm_d_plain_index_column(PgmDescribe *d, Form_pg_index index, int k, oidvector *collations,
						 oidvector *classes, int2vector *options, StringInfo buf)
{
	HeapTuple	column = SearchSysCache2(ATTNUM, ObjectIdGetDatum(index->indrelid),
										 Int16GetDatum(index->indkey.values[k]));
	Form_pg_attribute att;
	bool		plain = true;

	if (!HeapTupleIsValid(column))
		return false;
	att = (Form_pg_attribute) GETSTRUCT(column);
	appendStringInfoString(buf, quote_identifier(NameStr(att->attname)));
	/* an INCLUDE column is its name alone */
	if (k < index->indnkeyatts)
	{
		plain = (!OidIsValid(collations->values[k]) || collations->values[k] == att->attcollation) &&
			get_attoptions(index->indexrelid, k + 1) == (Datum) 0 &&
			pgm_d_default_btree_opclass(d, classes->values[k], att->atttypid);
		if (options->values[k] & INDOPTION_DESC)
			appendStringInfoString(buf, (options->values[k] & INDOPTION_NULLS_FIRST) ? " DESC" : " DESC NULLS LAST");
		else if (options->values[k] & INDOPTION_NULLS_FIRST)
			appendStringInfoString(buf, " NULLS FIRST");
	}
	ReleaseSysCache(column);
	return plain;
}

/*
 * What pg_get_indexdef() gives for a btree index on columns of a table of
 * `t` (no expression, predicate or options), without its lookup of each
 * column's default operator class, a scan of pg_opclass each time; NULL
 * for any other index, which the server's deparser writes.
 */
static char *
pgm_d_plain_indexdef(PgmDescribe *d, HeapTuple tuple, Form_pg_index index, PgmRel *t)
{
	HeapTuple	rel = SearchSysCache1(RELOID, ObjectIdGetDatum(index->indexrelid));
	Form_pg_class c;
	StringInfoData buf;
	oidvector  *collations;
	oidvector  *classes;
	int2vector *options;
	bool		null;
	bool		plain;
	int			k;

	if (!HeapTupleIsValid(rel))
		return NULL;
	c = (Form_pg_class) GETSTRUCT(rel);
	/* (an index is in its table's schema) */
	if (c->relam != BTREE_AM_OID || !heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(tuple, Anum_pg_index_indpred, NULL) || !heap_attisnull(rel, Anum_pg_class_reloptions, NULL) ||
		isAnyTempNamespace(c->relnamespace))
	{
		ReleaseSysCache(rel);
		return NULL;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE %sINDEX %s ON %s%s USING btree (", index->indisunique ? "UNIQUE " : "",
					 quote_identifier(NameStr(c->relname)), c->relkind == RELKIND_PARTITIONED_INDEX ? "ONLY " : "",
					 t->qname);
	ReleaseSysCache(rel);
	collations = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indcollation, &null));
	classes = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indclass, &null));
	options = (int2vector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tuple, Anum_pg_index_indoption, &null));
	for (k = 0, plain = true; plain && k < index->indnatts; k++)
	{
		appendStringInfoString(&buf, k == index->indnkeyatts ? ") INCLUDE (" : k > 0 ? ", " : "");
		plain = pgm_d_plain_index_column(d, index, k, collations, classes, options, &buf);
	}
	if (!plain)
		return NULL;
	appendStringInfoChar(&buf, ')');
	if (index->indnullsnotdistinct)
		appendStringInfoString(&buf, " NULLS NOT DISTINCT");
	return buf.data;
}

/* An index unit: its object, when it and its table are in the document. */
void
pgm_d_index(PgmDescribe *d, PgmRel *r)
{
	HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(r->oid));
	Form_pg_index index;
	PgmRel	   *t;
	const char *constraint = NULL;
	char	   *definition = NULL;
	ListCell   *lc;
	HeapTuple	parent;

	if (!HeapTupleIsValid(tuple))
		return;
	index = (Form_pg_index) GETSTRUCT(tuple);
	t = pgm_d_rel(d, index->indrelid);
	if (!t->ok)
	{
		/* (an index of an extension's table: recorded under its own key, no object) */
		ReleaseSysCache(tuple);
		pgm_d_entry(d, RelationRelationId, r->oid, r->key);
		return;
	}
	/* the constraint it is the index of (which it depends on, internally) */
	foreach(lc, pgm_d_depends(d, RelationRelationId, r->oid))
	{
		Form_pg_depend dep = lfirst(lc);
		HeapTuple	ct;
		Form_pg_constraint c;

		if (dep->refclassid != ConstraintRelationId || dep->deptype != DEPENDENCY_INTERNAL ||
			(ct = SearchSysCache1(CONSTROID, ObjectIdGetDatum(dep->refobjid))) == NULL)
			continue;
		c = (Form_pg_constraint) GETSTRUCT(ct);
		if (c->conindid == r->oid && c->conrelid == index->indrelid &&
			(c->contype == CONSTRAINT_PRIMARY || c->contype == CONSTRAINT_UNIQUE ||
			 c->contype == CONSTRAINT_EXCLUSION))
			constraint = psprintf("constraint %s.%s", t->qname, quote_identifier(NameStr(c->conname)));
		ReleaseSysCache(ct);
	}
	pgm_object_text(&d->object, "kind", "index");
	pgm_object_text(&d->object, "schema", r->nspname);
	pgm_object_text(&d->object, "name", r->relname);
	pgm_object_text(&d->object, "relation", t->key);
	if (constraint == NULL && (definition = pgm_d_plain_indexdef(d, tuple, index, t)) == NULL)
		definition = pgm_d_call(pg_get_indexdef, 1, ObjectIdGetDatum(r->oid), 0);
	pgm_object_text(&d->object, "definition", definition);
	if (!index->indisvalid)
		pgm_object_bool(&d->object, "valid", false);
	pgm_object_text(&d->object, "constraint", constraint);
	ReleaseSysCache(tuple);
	parent = !r->is_partition ? NULL :
		pgm_d_fetch(d, InheritsRelationId, InheritsRelidSeqnoIndexId, r->oid);
	if (parent != NULL)
		pgm_object_text(&d->object, "partition_of",
						pgm_d_rel(d, ((Form_pg_inherits) GETSTRUCT(parent))->inhparent)->key);
	pgm_d_object(d, r->key, r->oid, RelationRelationId, 0);
	pgm_d_entry(d, RelationRelationId, r->oid, r->key);
}

/* A sequence's attributes. */
void
pgm_d_sequence(PgmDescribe *d, PgmRel *r)
{
	HeapTuple	tuple = SearchSysCache1(SEQRELID, ObjectIdGetDatum(r->oid));
	ListCell   *lc;

	if (HeapTupleIsValid(tuple))
	{
		Form_pg_sequence s = (Form_pg_sequence) GETSTRUCT(tuple);

		pgm_object_text(&d->object, "type", pgm_d_type_name(s->seqtypid));
		pgm_object_text(&d->object, "start", psprintf(INT64_FORMAT, s->seqstart));
		pgm_object_text(&d->object, "increment", psprintf(INT64_FORMAT, s->seqincrement));
		pgm_object_text(&d->object, "min", psprintf(INT64_FORMAT, s->seqmin));
		pgm_object_text(&d->object, "max", psprintf(INT64_FORMAT, s->seqmax));
		pgm_object_text(&d->object, "cache", psprintf(INT64_FORMAT, s->seqcache));
		if (s->seqcycle)
			pgm_object_bool(&d->object, "cycle", true);
		ReleaseSysCache(tuple);
	}
	else
		pgm_object_text(&d->object, "type", NULL);
	foreach(lc, pgm_d_depends(d, RelationRelationId, r->oid))
	{
		Form_pg_depend row = lfirst(lc);

		if (row->refclassid == RelationRelationId && row->deptype == DEPENDENCY_AUTO)
			pgm_object_text(&d->object, "owned_by", pgm_d_column_key(d, row->refobjid, row->refobjsubid));
	}
}

/* A table's or foreign table's place among others: partition, parents, server. */
void
pgm_d_table_place(PgmDescribe *d, PgmRel *r, HeapTuple tuple)
{
	Form_pg_class c = (Form_pg_class) GETSTRUCT(tuple);
	List	   *parents = pgm_d_scan(d, InheritsRelationId, InheritsRelidSeqnoIndexId,
									 r->oid);

	if (c->relispartition)
	{
		bool		isnull;
		Datum		bound = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_relpartbound, &isnull);

		if (parents != NIL)
			pgm_object_text(&d->object, "partition_of",
							pgm_d_rel(d, ((Form_pg_inherits) GETSTRUCT((HeapTuple) linitial(parents)))->inhparent)->key);
		pgm_object_text(&d->object, "partition_bound", isnull ? NULL :
						pgm_d_call(pg_get_expr, 2, bound, ObjectIdGetDatum(r->oid)));
	}
	else if (parents != NIL)
	{
		char	  **names = palloc(sizeof(char *) * list_length(parents));
		int			n = 0;
		ListCell   *lc;

		foreach(lc, parents)
		{
			Oid			parent = ((Form_pg_inherits) GETSTRUCT((HeapTuple) lfirst(lc)))->inhparent;
			char	   *name = get_rel_name(parent);
			char	   *space = get_namespace_name(get_rel_namespace(parent));

			if (name != NULL && space != NULL)
				names[n++] = psprintf("table %s", pgm_d_qualified(space, name));
		}
		pgm_object_jsonb(&d->object, "inherits", pgm_d_strings(names, n));
	}
	if (c->relkind == RELKIND_FOREIGN_TABLE)
		pgm_object_text(&d->object, "server", GetForeignServer(GetForeignTable(r->oid)->serverid)->servername);
}

/* A relation's own object (not an index's). */
void
pgm_d_relation_object(PgmDescribe *d, PgmRel *r)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(r->oid));
	Form_pg_class c;
	bool		table;
	bool		isnull;
	Datum		options;

	if (!HeapTupleIsValid(tuple))
		return;
	c = (Form_pg_class) GETSTRUCT(tuple);
	table = c->relkind == RELKIND_RELATION || c->relkind == RELKIND_PARTITIONED_TABLE ||
		c->relkind == RELKIND_FOREIGN_TABLE;
	pgm_object_text(&d->object, "kind", c->relkind == RELKIND_MATVIEW ? "materialized view" :
					c->relkind == RELKIND_FOREIGN_TABLE ? "foreign table" :
					c->relkind == RELKIND_SEQUENCE ? "sequence" :
					c->relkind == RELKIND_VIEW ? "view" : "table");
	pgm_object_text(&d->object, "schema", r->nspname);
	pgm_object_text(&d->object, "name", r->relname);
	pgm_object_text(&d->object, "owner", pgm_d_role(c->relowner));
	pgm_object_jsonb(&d->object, "grants",
					 pgm_d_grants(pgm_d_acl(tuple, RELOID, Anum_pg_class_relacl,
											c->relkind == RELKIND_SEQUENCE ? OBJECT_SEQUENCE : OBJECT_TABLE,
											c->relowner)));
	if (c->relkind == RELKIND_PARTITIONED_TABLE)
		pgm_object_bool(&d->object, "partitioned", true);
	if (table && c->relpersistence == RELPERSISTENCE_UNLOGGED)
		pgm_object_bool(&d->object, "unlogged", true);
	options = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_reloptions, &isnull);
	if (c->relkind != RELKIND_SEQUENCE)
		pgm_object_jsonb(&d->object, "options", pgm_d_text_array(options, isnull));
	if (table && c->relrowsecurity)
		pgm_object_bool(&d->object, "row_security", true);
	if (table && c->relforcerowsecurity)
		pgm_object_bool(&d->object, "force_row_security", true);
	if (table && c->relreplident != REPLICA_IDENTITY_DEFAULT)
		pgm_object_text(&d->object, "replica_identity", psprintf("%c", c->relreplident));
	if (c->relkind == RELKIND_PARTITIONED_TABLE)
		pgm_object_text(&d->object, "partition_key",
						pgm_d_call(pg_get_partkeydef, 1, ObjectIdGetDatum(r->oid), 0));
	if (table)
		pgm_d_table_place(d, r, tuple);
	if (c->relkind == RELKIND_VIEW || c->relkind == RELKIND_MATVIEW)
		pgm_object_text(&d->object, "query", pgm_d_call(pg_get_viewdef, 1, ObjectIdGetDatum(r->oid), 0));
	if (c->relkind == RELKIND_MATVIEW)
		pgm_object_bool(&d->object, "populated", c->relispopulated);
	if (c->relkind == RELKIND_SEQUENCE)
		pgm_d_sequence(d, r);
	ReleaseSysCache(tuple);
	pgm_d_object(d, r->key, r->oid, RelationRelationId, 0);
}

/* The options of an identity column's sequence, as idseq writes them. */
char *
pgm_d_identity_options(Oid relid, int16 attnum)
{
	Relation	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *options = NULL;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(attnum));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 3, key);
	while (options == NULL && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend row = (Form_pg_depend) GETSTRUCT(tuple);
		HeapTuple	seq;

		if (row->classid != RelationRelationId || row->deptype != DEPENDENCY_INTERNAL)
			continue;
		seq = SearchSysCache1(SEQRELID, ObjectIdGetDatum(row->objid));
		if (HeapTupleIsValid(seq))
		{
			Form_pg_sequence s = (Form_pg_sequence) GETSTRUCT(seq);

			options = psprintf("INCREMENT BY " INT64_FORMAT " MINVALUE " INT64_FORMAT " MAXVALUE " INT64_FORMAT
							   " START WITH " INT64_FORMAT " CACHE " INT64_FORMAT " %sCYCLE",
							   s->seqincrement, s->seqmin, s->seqmax, s->seqstart, s->seqcache,
							   s->seqcycle ? "" : "NO ");
			ReleaseSysCache(seq);
		}
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return options;
}

/* A column's collation, where it is not its type's. */
char *
pgm_d_collation(Oid collation, Oid type)
{
	HeapTuple	tuple;
	char	   *name = NULL;
	char	   *space;

	if (collation == get_typcollation(type))
		return NULL;
	tuple = SearchSysCache1(COLLOID, ObjectIdGetDatum(collation));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	space = get_namespace_name(((Form_pg_collation) GETSTRUCT(tuple))->collnamespace);
	if (space != NULL)
		name = pgm_d_qualified(space, NameStr(((Form_pg_collation) GETSTRUCT(tuple))->collname));
	ReleaseSysCache(tuple);
	return name;
}

/* A column's NOT NULL constraint (PostgreSQL 18), where not a plain one. */
void
pgm_d_not_null(PgmDescribe *d, PgmRel *r, const char *column, int16 attnum, List *constraints)
{
	ListCell   *lc;

	foreach(lc, constraints)
	{
		HeapTuple	tuple = lfirst(lc);
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT(tuple);
		bool		isnull;
		Datum		conkey;
		ArrayType  *keys;
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		if (c->contype != 'n')
			continue;
		conkey = SysCacheGetAttr(CONSTROID, tuple, Anum_pg_constraint_conkey, &isnull);
		if (isnull)
			continue;
		keys = DatumGetArrayTypeP(conkey);
		deconstruct_array(keys, INT2OID, sizeof(int16), true, TYPALIGN_SHORT, &elems, &nulls, &n);
		if (n != 1 || nulls[0] || DatumGetInt16(elems[0]) != attnum)
			continue;
		if (strcmp(NameStr(c->conname), psprintf("%s_%s_not_null", r->relname, column)) != 0)
			pgm_object_text(&d->object, "not_null_name", NameStr(c->conname));
		if (!c->convalidated)
			pgm_object_bool(&d->object, "not_null_valid", false);
		if (c->connoinherit)
			pgm_object_bool(&d->object, "not_null_no_inherit", true);
	}
}

/* A column's default or generation expression. */
void
pgm_d_default(PgmDescribe *d, PgmRel *r, Form_pg_attribute a, List *defaults)
{
	ListCell   *lc;

	foreach(lc, defaults)
	{
		HeapTuple	tuple = lfirst(lc);
		Form_pg_attrdef def = (Form_pg_attrdef) GETSTRUCT(tuple);
		Relation	rel;
		char	   *expr;

		if (def->adnum != a->attnum)
			continue;
		rel = table_open(AttrDefaultRelationId, AccessShareLock);
		expr = pgm_d_expr(tuple, RelationGetDescr(rel), Anum_pg_attrdef_adbin, r->oid);
		table_close(rel, AccessShareLock);
		pgm_object_text(&d->object, a->attgenerated == '\0' ? "default" : "generated", expr);
	}
}

/* The columns of a relation, and its defaults' entries. */
void
pgm_d_columns(PgmDescribe *d, PgmRel *r, List *constraints)
{
	Relation	rel = table_open(AttributeRelationId, AccessShareLock);
	List	   *attributes = pgm_d_scan(d, AttributeRelationId, AttributeRelidNumIndexId,
										r->oid);
	List	   *defaults = NIL;
	int64		position = 0;
	ListCell   *lc;

	foreach(lc, attributes)
		if (((Form_pg_attribute) GETSTRUCT((HeapTuple) lfirst(lc)))->atthasdef)
		{
			defaults = pgm_d_scan(d, AttrDefaultRelationId, AttrDefaultIndexId, r->oid);
			break;
		}

	foreach(lc, attributes)
	{
		HeapTuple	tuple = lfirst(lc);
		Form_pg_attribute a = (Form_pg_attribute) GETSTRUCT(tuple);
		const char *name = NameStr(a->attname);
		bool		isnull;
		Datum		acl;

		if (a->attnum <= 0 || a->attisdropped || !SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(a->atttypid)))
			continue;
		pgm_object_text(&d->object, "kind", "column");
		pgm_object_text(&d->object, "relation", r->key);
		pgm_object_text(&d->object, "name", name);
		pgm_object_text(&d->object, "type", format_type_extended(a->atttypid, a->atttypmod,
																 FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_ALLOW_INVALID));
		if (a->attnotnull)
			pgm_object_bool(&d->object, "not_null", true);
		pgm_d_not_null(d, r, name, a->attnum, constraints);
		pgm_d_default(d, r, a, defaults);
		if (a->attgenerated == 'v')
			pgm_object_bool(&d->object, "virtual", true);
		if (a->attidentity != '\0')
		{
			pgm_object_text(&d->object, "identity",
							a->attidentity == ATTRIBUTE_IDENTITY_ALWAYS ? "always" :
							a->attidentity == ATTRIBUTE_IDENTITY_BY_DEFAULT ? "by default" : NULL);
			pgm_object_text(&d->object, "identity_options", pgm_d_identity_options(r->oid, a->attnum));
		}
		pgm_object_text(&d->object, "collation", pgm_d_collation(a->attcollation, a->atttypid));
		acl = heap_getattr(tuple, Anum_pg_attribute_attacl, RelationGetDescr(rel), &isnull);
		if (!isnull)
			pgm_object_jsonb(&d->object, "grants", pgm_d_grants(DatumGetAclPCopy(acl)));
		if (a->attinhcount > 0)
		{
			pgm_object_bool(&d->object, "inherited", true);
			pgm_object_bool(&d->object, "local", a->attislocal);
		}
		pgm_object_int(&d->object, "position", ++position);
		pgm_d_object(d, psprintf("column %s.%s", r->qname, quote_identifier(name)),
					 r->oid, RelationRelationId, a->attnum);
	}
	table_close(rel, AccessShareLock);
	foreach(lc, defaults)
	{
		Form_pg_attrdef def = (Form_pg_attrdef) GETSTRUCT((HeapTuple) lfirst(lc));

		if (pgm_d_column_key(d, r->oid, def->adnum) != NULL)
			pgm_d_entry(d, AttrDefaultRelationId, def->oid, r->key);
	}
}

/* The constraints of a relation or domain (con), but their NOT NULL ones,
 * as the objects of `relkey`. */
void
pgm_d_constraints(PgmDescribe *d, const char *relkey, List *constraints)
{
	static const char *const types[][2] = {
		{"p", "primary key"}, {"u", "unique"}, {"f", "foreign key"}, {"c", "check"}, {"x", "exclusion"}
	};
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(lc));
		char	   *key = pgm_d_constraint_key_of(d, c, NULL);
		const char *type = psprintf("%c", c->contype);
		size_t		i;

		if (key == NULL)
			continue;
		for (i = 0; i < lengthof(types); i++)
			if (types[i][0][0] == c->contype)
				type = types[i][1];
		pgm_object_text(&d->object, "kind", "constraint");
		pgm_object_text(&d->object, "relation", relkey);
		pgm_object_text(&d->object, "name", NameStr(c->conname));
		pgm_object_text(&d->object, "type", type);
		pgm_object_text(&d->object, "definition", pgm_d_call(pg_get_constraintdef, 1, ObjectIdGetDatum(c->oid), 0));
		if (!c->convalidated)
			pgm_object_bool(&d->object, "valid", false);
		if (c->coninhcount > 0 || OidIsValid(c->conparentid))
		{
			pgm_object_bool(&d->object, "inherited", true);
			pgm_object_bool(&d->object, "local", c->conislocal);
		}
		if (OidIsValid(c->conparentid))
			pgm_object_text(&d->object, "parent", pgm_d_constraint_key(d, c->conparentid, NULL));
		pgm_d_object(d, key, c->oid, ConstraintRelationId, 0);
		pgm_d_entry(d, ConstraintRelationId, c->oid, relkey);
	}
}

/* The triggers of a relation, but internal ones. */
void
pgm_d_triggers(PgmDescribe *d, PgmRel *r)
{
	ListCell   *lc;

	foreach(lc, pgm_d_scan(d, TriggerRelationId, TriggerRelidNameIndexId, r->oid))
	{
		Form_pg_trigger t = (Form_pg_trigger) GETSTRUCT((HeapTuple) lfirst(lc));

		if (t->tgisinternal)
			continue;
		pgm_object_text(&d->object, "kind", "trigger");
		pgm_object_text(&d->object, "relation", r->key);
		pgm_object_text(&d->object, "name", NameStr(t->tgname));
		pgm_object_text(&d->object, "definition", pgm_d_call(pg_get_triggerdef, 1, ObjectIdGetDatum(t->oid), 0));
		pgm_object_text(&d->object, "enabled", pgm_d_enabled(t->tgenabled));
		if (OidIsValid(t->tgparentid))
			pgm_object_bool(&d->object, "inherited", true);
		pgm_d_object(d, psprintf("trigger %s.%s", r->qname, quote_identifier(NameStr(t->tgname))),
					 t->oid, TriggerRelationId, 0);
		pgm_d_entry(d, TriggerRelationId, t->oid, r->key);
	}
}

/* The row security policies of a relation. */
void
pgm_d_policies(PgmDescribe *d, PgmRel *r)
{
	Relation	rel = table_open(PolicyRelationId, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	ListCell   *lc;

	foreach(lc, pgm_d_scan(d, PolicyRelationId, PolicyPolrelidPolnameIndexId, r->oid))
	{
		HeapTuple	tuple = lfirst(lc);
		Form_pg_policy p = (Form_pg_policy) GETSTRUCT(tuple);
		bool		isnull;
		Datum		roles = heap_getattr(tuple, Anum_pg_policy_polroles, desc, &isnull);
		Datum	   *elems;
		int			n = 0;
		char	  **names;
		int			i;

		if (!isnull)
			deconstruct_array(DatumGetArrayTypeP(roles), OIDOID, sizeof(Oid), true, TYPALIGN_INT,
							  &elems, NULL, &n);
		names = palloc(sizeof(char *) * Max(n, 1));
		for (i = 0; i < n; i++)
			names[i] = pgm_d_grantee(DatumGetObjectId(elems[i]));
		qsort(names, n, sizeof(char *), pgm_d_compare_strings);
		pgm_object_text(&d->object, "kind", "policy");
		pgm_object_text(&d->object, "relation", r->key);
		pgm_object_text(&d->object, "name", NameStr(p->polname));
		pgm_object_text(&d->object, "command", p->polcmd == 'r' ? "SELECT" : p->polcmd == 'a' ? "INSERT" :
						p->polcmd == 'w' ? "UPDATE" : p->polcmd == 'd' ? "DELETE" : "ALL");
		pgm_object_bool(&d->object, "permissive", p->polpermissive);
		pgm_object_jsonb(&d->object, "roles", pgm_d_strings(names, n));
		pgm_object_text(&d->object, "using", pgm_d_expr(tuple, desc, Anum_pg_policy_polqual, r->oid));
		pgm_object_text(&d->object, "with_check", pgm_d_expr(tuple, desc, Anum_pg_policy_polwithcheck, r->oid));
		pgm_d_object(d, psprintf("policy %s.%s", r->qname, quote_identifier(NameStr(p->polname))),
					 p->oid, PolicyRelationId, 0);
		pgm_d_entry(d, PolicyRelationId, p->oid, r->key);
	}
	table_close(rel, AccessShareLock);
}

/* The rules of a relation; a view's own rule is an entry of the view's. */
void
pgm_d_rules(PgmDescribe *d, PgmRel *r)
{
	ListCell   *lc;

	foreach(lc, pgm_d_scan(d, RewriteRelationId, RewriteRelRulenameIndexId, r->oid))
	{
		Form_pg_rewrite w = (Form_pg_rewrite) GETSTRUCT((HeapTuple) lfirst(lc));

		if (strcmp(NameStr(w->rulename), ViewSelectRuleName) != 0)
		{
			pgm_object_text(&d->object, "kind", "rule");
			pgm_object_text(&d->object, "relation", r->key);
			pgm_object_text(&d->object, "name", NameStr(w->rulename));
			pgm_object_text(&d->object, "definition", pgm_d_call(pg_get_ruledef, 1, ObjectIdGetDatum(w->oid), 0));
			pgm_object_text(&d->object, "enabled", pgm_d_enabled(w->ev_enabled));
			pgm_d_object(d, psprintf("rule %s.%s", r->qname, quote_identifier(NameStr(w->rulename))),
						 w->oid, RewriteRelationId, 0);
		}
		pgm_d_entry(d, RewriteRelationId, w->oid, r->key);
	}
}

/* A relation unit that is not an index: its objects and entries. */
void
pgm_d_relation(PgmDescribe *d, PgmRel *r)
{
	List	   *constraints = pgm_d_scan(d, ConstraintRelationId, ConstraintRelidTypidNameIndexId,
										 r->oid);
	HeapTuple	tuple;

	pgm_d_read_comments(d, r->oid);
	pgm_d_relation_object(d, r);
	pgm_d_entry(d, RelationRelationId, r->oid, r->key);
	/* its row type and that type's array */
	if (OidIsValid(r->reltype) && (tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(r->reltype))) != NULL)
	{
		Oid			array = ((Form_pg_type) GETSTRUCT(tuple))->typarray;

		ReleaseSysCache(tuple);
		pgm_d_entry(d, TypeRelationId, r->reltype, r->key);
		if (OidIsValid(array))
		{
			char	   *key = pgm_d_key(d, TypeRelationId, array, 0);

			if (key != NULL && strcmp(key, r->key) == 0)
				pgm_d_entry(d, TypeRelationId, array, r->key);
		}
	}
	if (strchr("rpvmf", r->relkind) != NULL)
		pgm_d_columns(d, r, constraints);
	pgm_d_constraints(d, r->key, constraints);
	if (r->has_triggers)
		pgm_d_triggers(d, r);
	pgm_d_policies(d, r);
	if (r->has_rules)
		pgm_d_rules(d, r);
}
