/*
 * objects.c — what the document says of a unit that is not a relation:
 * a schema, an extension (with what it brings), a function or procedure,
 * an enum or a domain (with its constraints); each as migrate.schema()'s
 * query writes it.  Aggregates, composite, range and base types,
 * operators, casts and transforms are left to the query
 * (pgm_d_object_done_here()).
 *
 * Calls keys.c, relations.c and document.c.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "schema/describe/describe.h"

/*
 * Can the unit (classid, objid) be written here?  True for one that is
 * gone (nothing is written of it).  A pg_type unit is given as part.c's
 * units have it: not an array type, not a relation's row type.
 */
bool
pgm_d_object_done_here(Oid classid, Oid objid)
{
	HeapTuple	tuple;
	bool		done = true;

	switch (classid)
	{
		case NamespaceRelationId:
		case ExtensionRelationId:
			return true;
		case ProcedureRelationId:
			if ((tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(objid))) != NULL)
			{
				done = ((Form_pg_proc) GETSTRUCT(tuple))->prokind != PROKIND_AGGREGATE;
				ReleaseSysCache(tuple);
			}
			return done;
		case TypeRelationId:
			if ((tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(objid))) != NULL)
			{
				char		t = ((Form_pg_type) GETSTRUCT(tuple))->typtype;

				done = t == TYPTYPE_ENUM || t == TYPTYPE_DOMAIN;
				ReleaseSysCache(tuple);
			}
			return done;
		default:
			return false;
	}
}

/* A schema unit. */
static void
pgm_d_schema(PgmDescribe *d, Oid space)
{
	HeapTuple	tuple;
	Form_pg_namespace n;
	char	   *name;
	char	   *key;

	if (!pgm_d_space_ok(d, space, &name) ||
		(tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(space))) == NULL)
		return;
	n = (Form_pg_namespace) GETSTRUCT(tuple);
	key = psprintf("schema %s", quote_identifier(name));
	pgm_object_text(&d->object, "kind", "schema");
	pgm_object_text(&d->object, "name", name);
	pgm_object_text(&d->object, "owner", pgm_d_role(n->nspowner));
	pgm_object_jsonb(&d->object, "grants",
					 pgm_d_grants(pgm_d_acl(tuple, NAMESPACEOID, Anum_pg_namespace_nspacl, OBJECT_SCHEMA,
											n->nspowner)));
	ReleaseSysCache(tuple);
	pgm_d_object(d, key, space, NamespaceRelationId, 0);
	pgm_d_entry(d, NamespaceRelationId, space, key);
}

/* An extension unit: its object (which has no comment), and what it
 * brings as its entries. */
static void
pgm_d_extension(PgmDescribe *d, Oid extension)
{
	char	   *key = pgm_d_extension_key(extension);
	HeapTuple	tuple;
	Form_pg_extension e;
	bool		isnull;
	Datum		version;
	char	   *space;
	Relation	rel;
	ScanKeyData sk[2];
	SysScanDesc scan;
	List	   *members = NIL;
	ListCell   *lc;

	if (key == NULL)
		return;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&sk[0], Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(extension));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, sk);
	tuple = systable_getnext(scan);
	if (!HeapTupleIsValid(tuple) ||
		(space = get_namespace_name(((Form_pg_extension) GETSTRUCT(tuple))->extnamespace)) == NULL)
	{
		systable_endscan(scan);
		table_close(rel, AccessShareLock);
		return;
	}
	e = (Form_pg_extension) GETSTRUCT(tuple);
	version = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
	pgm_object_text(&d->object, "kind", "extension");
	pgm_object_text(&d->object, "name", pstrdup(NameStr(e->extname)));	/* (kept past the scan) */
	pgm_object_text(&d->object, "version", isnull ? NULL : TextDatumGetCString(version));
	pgm_object_text(&d->object, "schema", space);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	pgm_doc_add_object(d->doc, key, pgm_object_finish(&d->object));
	pgm_d_entry(d, ExtensionRelationId, extension, key);

	/* what it brings: recorded under its key (a constraint, trigger, policy or default never is) */
	rel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&sk[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ExtensionRelationId));
	ScanKeyInit(&sk[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(extension));
	scan = systable_beginscan(rel, DependReferenceIndexId, true, NULL, 2, sk);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend m = (Form_pg_depend) GETSTRUCT(tuple);

		if (m->deptype == DEPENDENCY_EXTENSION)
			members = lappend(members, list_make2_oid(m->classid, m->objid));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	foreach(lc, members)
	{
		Oid			classid = linitial_oid((List *) lfirst(lc));
		Oid			objid = lsecond_oid((List *) lfirst(lc));

		CHECK_FOR_INTERRUPTS();
		if (classid != ConstraintRelationId && classid != TriggerRelationId &&
			classid != PolicyRelationId && classid != AttrDefaultRelationId)
			pgm_d_entry(d, classid, objid, key);
	}
}

/* A function or procedure unit (not an aggregate). */
static void
pgm_d_function(PgmDescribe *d, Oid fn)
{
	char	   *key = pgm_d_function_key(d, fn);
	HeapTuple	tuple;
	Form_pg_proc p;
	char	   *language;
	bool		isnull;
	Datum		config;

	if (key == NULL || (tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn))) == NULL)
		return;
	p = (Form_pg_proc) GETSTRUCT(tuple);
	if ((language = get_language_name(p->prolang, true)) == NULL)
	{
		ReleaseSysCache(tuple);
		return;
	}
	pgm_object_text(&d->object, "kind", p->prokind == PROKIND_PROCEDURE ? "procedure" : "function");
	pgm_object_text(&d->object, "schema", get_namespace_name(p->pronamespace));
	pgm_object_text(&d->object, "name", pstrdup(NameStr(p->proname)));	/* (kept past the release) */
	pgm_object_text(&d->object, "identity_arguments",
					pgm_d_call(pg_get_function_identity_arguments, 1, ObjectIdGetDatum(fn), 0));
	pgm_object_text(&d->object, "arguments", pgm_d_call(pg_get_function_arguments, 1, ObjectIdGetDatum(fn), 0));
	pgm_object_text(&d->object, "returns", pgm_d_call(pg_get_function_result, 1, ObjectIdGetDatum(fn), 0));
	pgm_object_text(&d->object, "language", language);
	pgm_object_text(&d->object, "volatility", p->provolatile == PROVOLATILE_IMMUTABLE ? "immutable" :
					p->provolatile == PROVOLATILE_STABLE ? "stable" : "volatile");
	if (p->proisstrict)
		pgm_object_bool(&d->object, "strict", true);
	if (p->prosecdef)
		pgm_object_bool(&d->object, "security_definer", true);
	config = SysCacheGetAttr(PROCOID, tuple, Anum_pg_proc_proconfig, &isnull);
	pgm_object_jsonb(&d->object, "settings", pgm_d_text_array(config, isnull));
	pgm_object_text(&d->object, "definition", pgm_d_call(pg_get_functiondef, 1, ObjectIdGetDatum(fn), 0));
	pgm_object_text(&d->object, "owner", pgm_d_role(p->proowner));
	pgm_object_jsonb(&d->object, "grants",
					 pgm_d_grants(pgm_d_acl(tuple, PROCOID, Anum_pg_proc_proacl, OBJECT_FUNCTION, p->proowner)));
	ReleaseSysCache(tuple);
	pgm_d_object(d, key, fn, ProcedureRelationId, 0);
	pgm_d_entry(d, ProcedureRelationId, fn, key);
}

/* An enum's labels, in their order. */
static Jsonb *
pgm_d_enum_labels(PgmDescribe *d, Oid type)
{
	List	   *rows = pgm_d_scan(d, EnumRelationId, EnumTypIdSortOrderIndexId, type);
	char	  **labels = palloc(sizeof(char *) * Max(list_length(rows), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, rows)
		labels[n++] = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT((HeapTuple) lfirst(lc)))->enumlabel));
	return pgm_d_strings(labels, n);
}

/* A domain's attributes (its constraints are objects of their own). */
static void
pgm_d_domain(PgmDescribe *d, HeapTuple tuple, List *constraints)
{
	Form_pg_type t = (Form_pg_type) GETSTRUCT(tuple);
	bool		isnull;
	Datum		def = SysCacheGetAttr(TYPEOID, tuple, Anum_pg_type_typdefault, &isnull);
	ListCell   *lc;

	pgm_object_text(&d->object, "base_type",
					format_type_extended(t->typbasetype, t->typtypmod,
										 FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_ALLOW_INVALID));
	if (t->typnotnull)
		pgm_object_bool(&d->object, "not_null", true);
	foreach(lc, constraints)
	{
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(lc));

		if (c->contype == 'n' &&
			strcmp(NameStr(c->conname), psprintf("%s_not_null", NameStr(t->typname))) != 0)
			pgm_object_text(&d->object, "not_null_name", NameStr(c->conname));
	}
	pgm_object_text(&d->object, "default", isnull ? NULL : TextDatumGetCString(def));
	if (OidIsValid(t->typcollation) && SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(t->typbasetype)) &&
		t->typcollation != get_typcollation(t->typbasetype))
	{
		HeapTuple	coll = SearchSysCache1(COLLOID, ObjectIdGetDatum(t->typcollation));
		char	   *space;

		if (HeapTupleIsValid(coll))
		{
			space = get_namespace_name(((Form_pg_collation) GETSTRUCT(coll))->collnamespace);
			if (space != NULL)
				pgm_object_text(&d->object, "collation",
								pgm_d_qualified(space, NameStr(((Form_pg_collation) GETSTRUCT(coll))->collname)));
			ReleaseSysCache(coll);
		}
	}
}

/* An enum or domain unit, with a domain's constraints. */
static void
pgm_d_type(PgmDescribe *d, Oid type)
{
	Form_pg_type form;
	char	   *key = pgm_d_type_key(d, type, &form);
	HeapTuple	tuple;
	Form_pg_type t;
	List	   *constraints = NIL;
	char	   *array;

	if (key == NULL || (tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type))) == NULL)
		return;
	t = (Form_pg_type) GETSTRUCT(tuple);
	pgm_object_text(&d->object, "kind", "type");
	pgm_object_text(&d->object, "schema", get_namespace_name(t->typnamespace));
	pgm_object_text(&d->object, "name", NameStr(t->typname));
	pgm_object_text(&d->object, "type", t->typtype == TYPTYPE_ENUM ? "enum" : "domain");
	pgm_object_text(&d->object, "owner", pgm_d_role(t->typowner));
	pgm_object_jsonb(&d->object, "grants",
					 pgm_d_grants(pgm_d_acl(tuple, TYPEOID, Anum_pg_type_typacl, OBJECT_TYPE, t->typowner)));
	if (t->typtype == TYPTYPE_ENUM)
		pgm_object_jsonb(&d->object, "labels", pgm_d_enum_labels(d, type));
	else
	{
		constraints = pgm_d_scan(d, ConstraintRelationId, ConstraintTypidIndexId, type);
		pgm_d_domain(d, tuple, constraints);
	}
	array = OidIsValid(t->typarray) ? pgm_d_key(d, TypeRelationId, t->typarray, 0) : NULL;
	if (array != NULL && strcmp(array, key) == 0)
		array = key;
	else
		array = NULL;
	pgm_d_object(d, key, type, TypeRelationId, 0);
	pgm_d_entry(d, TypeRelationId, type, key);
	if (array != NULL)
		pgm_d_entry(d, TypeRelationId, t->typarray, key);
	ReleaseSysCache(tuple);
	pgm_d_constraints(d, key, constraints);
}

/*
 * For a whole document: the constraints of domains that are no type of
 * their own in it (an extension's), which migrate.schema()'s query
 * describes all the same, as objects of "type schema.name".
 */
void
pgm_d_extension_domain_constraints(PgmDescribe *d)
{
	Relation	rel = table_open(ConstraintRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;
	List	   *found = NIL;
	ListCell   *lc;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT(tuple);
		Form_pg_type form;

		CHECK_FOR_INTERRUPTS();
		if (OidIsValid(c->conrelid) || !OidIsValid(c->contypid) ||
			pgm_d_type_key(d, c->contypid, &form) != NULL)
			continue;
		found = lappend(found, heap_copytuple(tuple));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	foreach(lc, found)
	{
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(lc));
		char	   *relkey;

		if (pgm_d_constraint_key_of(d, c, &relkey) != NULL)
			pgm_d_constraints(d, relkey, list_make1(lfirst(lc)));
	}
}

/* Write a unit that pgm_d_object_done_here() accepted. */
void
pgm_d_object_unit(PgmDescribe *d, Oid classid, Oid objid)
{
	switch (classid)
	{
		case NamespaceRelationId:
			pgm_d_schema(d, objid);
			break;
		case ExtensionRelationId:
			pgm_d_extension(d, objid);
			break;
		case ProcedureRelationId:
			pgm_d_function(d, objid);
			break;
		case TypeRelationId:
			pgm_d_type(d, objid);
			break;
	}
}
