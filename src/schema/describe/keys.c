/*
 * keys.c — the keys of catalog entries as migrate.schema() writes them
 * (its CTE ids), the lookups they need, and writing an object of a part.
 *
 * The rules of migrate.schema()'s CTEs, restated for C:
 *  - nsp: a schema not pg_catalog, information_schema, migrate, pg_toast,
 *    pg_temp_* or pg_toast_temp_*, and not an extension's;
 *  - rel: a relation of those kinds in such a schema, not an extension's,
 *    not an identity column's sequence;
 *  - ids: the key of each catalog entry pg_depend may name (an array type
 *    its element's, a row type its relation's, a default its column's,
 *    what an extension brings the extension's, a view's rule the view's).
 *
 * Calls document.c, reach.c and tables.c.
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

/* ---- small lookups ---- */

/*
 * A function of the server's taking one or two arguments, its text result
 * (in the caller's memory context); NULL for NULL.  The deparsers leave
 * what they worked with behind: they run in a context of their own, emptied
 * after each call, so that a whole document reuses the same memory.
 */
char *
pgm_d_call(PGFunction fn, int nargs, Datum a0, Datum a1)
{
	static MemoryContext scratch = NULL;
	MemoryContext caller = CurrentMemoryContext;
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;
	char	   *out;

	if (scratch == NULL)
		scratch = AllocSetContextCreate(TopMemoryContext, "pgmigrate deparse", ALLOCSET_DEFAULT_SIZES);
	InitFunctionCallInfoData(*fcinfo, NULL, nargs, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a0;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = a1;
	fcinfo->args[1].isnull = false;
	MemoryContextSwitchTo(scratch);
	result = (*fn) (fcinfo);
	MemoryContextSwitchTo(caller);
	out = fcinfo->isnull ? NULL : TextDatumGetCString(result);
	MemoryContextReset(scratch);
	return out;
}

/* format_type(type, NULL) */
char *
pgm_d_type_name(Oid type)
{
	return format_type_extended(type, -1, FORMAT_TYPE_ALLOW_INVALID);
}

/* pg_get_userbyid() */
char *
pgm_d_role(Oid role)
{
	HeapTuple	tuple = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	char	   *name;

	if (!HeapTupleIsValid(tuple))
		return psprintf("unknown (OID=%u)", role);
	name = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tuple))->rolname));
	ReleaseSysCache(tuple);
	return name;
}

/* A role as "grants" and "roles" write it: PUBLIC, or its name (quoted
 * where it could be read as PUBLIC or as quoted). */
char *
pgm_d_grantee(Oid role)
{
	char	   *name;

	if (role == ACL_ID_PUBLIC)
		return pstrdup("PUBLIC");
	name = pgm_d_role(role);
	return strcmp(name, "PUBLIC") == 0 || name[0] == '"' ? (char *) quote_identifier(name) : name;
}

char *
pgm_d_qualified(const char *space, const char *name)
{
	return psprintf("%s.%s", quote_identifier(space), quote_identifier(name));
}

int
pgm_d_compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A jsonb array of strings, in the order given; NULL when there are none. */
Jsonb *
pgm_d_strings(char **items, int n)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	int			i;

	if (n == 0)
		return NULL;
	(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		JsonbValue	v;

		v.type = jbvString;
		v.val.string.val = items[i];
		v.val.string.len = strlen(items[i]);
		(void) pushJsonbValue(&state, WJB_ELEM, &v);
	}
	result = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	return JsonbValueToJsonb(result);
}

/* to_jsonb() of a text[] without NULLs; NULL for NULL. */
Jsonb *
pgm_d_text_array(Datum array, bool isnull)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	char	  **items;
	int			i;

	if (isnull)
		return NULL;
	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	items = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
		items[i] = nulls[i] ? NULL : TextDatumGetCString(elems[i]);
	if (n == 0)
	{
		/* '[]', not absent */
		JsonbParseState *state = NULL;

		(void) pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
		return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, NULL));
	}
	return pgm_d_strings(items, n);
}

/* The privileges of an ACL as "grants" writes them: "role=PRIVILEGE",
 * "*" when grantable, in byte order; NULL when none. */
Jsonb *
pgm_d_grants(Acl *acl)
{
	static const struct
	{
		AclMode		bit;
		const char *name;
	}			rights[] =
	{
		{ACL_INSERT, "INSERT"}, {ACL_SELECT, "SELECT"}, {ACL_UPDATE, "UPDATE"},
		{ACL_DELETE, "DELETE"}, {ACL_TRUNCATE, "TRUNCATE"}, {ACL_REFERENCES, "REFERENCES"},
		{ACL_TRIGGER, "TRIGGER"}, {ACL_EXECUTE, "EXECUTE"}, {ACL_USAGE, "USAGE"},
		{ACL_CREATE, "CREATE"}, {ACL_CREATE_TEMP, "TEMPORARY"}, {ACL_CONNECT, "CONNECT"},
		{ACL_SET, "SET"}, {ACL_ALTER_SYSTEM, "ALTER SYSTEM"},
#ifdef ACL_MAINTAIN
		{ACL_MAINTAIN, "MAINTAIN"},
#endif
	};
	Datum	   *elems;
	int			count;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	char	  **grants;
	int			n = 0;
	int			i;

	if (acl == NULL)
		return NULL;
	get_typlenbyvalalign(ACLITEMOID, &typlen, &typbyval, &typalign);
	deconstruct_array(acl, ACLITEMOID, typlen, typbyval, typalign, &elems, NULL, &count);
	grants = palloc(sizeof(char *) * (count * lengthof(rights) + 1));
	for (i = 0; i < count; i++)
	{
		AclItem    *item = (AclItem *) DatumGetPointer(elems[i]);
		char	   *grantee = pgm_d_grantee(item->ai_grantee);
		size_t		r;

		for (r = 0; r < lengthof(rights); r++)
			if (ACLITEM_GET_PRIVS(*item) & rights[r].bit)
				grants[n++] = psprintf("%s=%s%s", grantee, rights[r].name,
									   (ACLITEM_GET_GOPTIONS(*item) & rights[r].bit) ? "*" : "");
	}
	qsort(grants, n, sizeof(char *), pgm_d_compare_strings);
	return pgm_d_strings(grants, n);
}

/* An object's ACL, or its owner's defaults for a NULL one. */
Acl *
pgm_d_acl(HeapTuple tuple, int cacheid, AttrNumber attnum, ObjectType type, Oid owner)
{
	bool		isnull;
	Datum		acl = SysCacheGetAttr(cacheid, tuple, attnum, &isnull);

	return isnull ? acldefault(type, owner) : DatumGetAclPCopy(acl);
}

/* The same, read once per part (a relation's are asked for its filter, its
 * key and its dependencies). */
List *
pgm_d_depends(PgmDescribe *d, Oid classid, Oid objid)
{
	PgmKeyEntry *e;
	PgmEntry	entry;
	bool		found;

	memset(&entry, 0, sizeof(entry));
	entry.classid = classid;
	entry.objid = objid;
	e = hash_search(d->depends, &entry, HASH_ENTER, &found);
	if (!found)
		e->depends = d->depends_complete ? NIL : pgm_depend_rows(&d->lookups, classid, objid);
	return e->depends;
}

/*
 * All of pg_depend, read in one pass into the dependencies of each entry:
 * what the whole document needs, for a fraction of a lookup per entry.
 * The rows of an entry come in the heap's order, not the index's: every
 * reader of them takes each for itself (the document sorts the
 * dependencies it writes).
 */
void
pgm_d_read_all_depends(PgmDescribe *d)
{
	Relation	rel = table_open(DependRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;

	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend row = palloc(sizeof(FormData_pg_depend));
		PgmKeyEntry *e;
		PgmEntry	entry;
		bool		found;

		CHECK_FOR_INTERRUPTS();
		memcpy(row, GETSTRUCT(tuple), sizeof(FormData_pg_depend));
		memset(&entry, 0, sizeof(entry));
		entry.classid = row->classid;
		entry.objid = row->objid;
		e = hash_search(d->depends, &entry, HASH_ENTER, &found);
		if (!found)
			e->depends = NIL;
		e->depends = lappend(e->depends, row);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	d->depends_complete = true;
}

/* The extension an object belongs to (a dependency of type 'e'). */
Oid
pgm_d_extension_of(List *depends)
{
	ListCell   *lc;

	foreach(lc, depends)
	{
		Form_pg_depend row = lfirst(lc);

		if (row->deptype == DEPENDENCY_EXTENSION && row->refclassid == ExtensionRelationId)
			return row->refobjid;
	}
	return InvalidOid;
}

/* Has the object a dependency of type `deptype` (on a `refclassid`, or on
 * anything for InvalidOid)? */
bool
pgm_d_has_depend(List *depends, char deptype, Oid refclassid)
{
	ListCell   *lc;

	foreach(lc, depends)
	{
		Form_pg_depend row = lfirst(lc);

		if (row->deptype == deptype && (!OidIsValid(refclassid) || row->refclassid == refclassid))
			return true;
	}
	return false;
}

/* The tuples of `catalog` whose first key column (an oid) is `value`,
 * through `index`, in its order. */
List *
pgm_d_scan(PgmDescribe *d, Oid catalog, Oid index, Oid value)
{
	ScanKeyData key;

	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(value));
	return pgm_lookup_rows(&d->lookups, catalog, index, 1, &key, NULL);
}

/* The first tuple of `catalog` whose first key column is `value`. */
HeapTuple
pgm_d_fetch(PgmDescribe *d, Oid catalog, Oid index, Oid value)
{
	List	   *rows = pgm_d_scan(d, catalog, index, value);

	return rows == NIL ? NULL : linitial(rows);
}

/* ---- nsp, rel ---- */

/* Is the schema one the document describes (nsp)? */
bool
pgm_d_space_ok(PgmDescribe *d, Oid space, char **name)
{
	bool		found;
	PgmRel	   *s = hash_search(d->spaces, &space, HASH_ENTER, &found);

	if (!found)
	{
		HeapTuple	tuple = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(space));

		s->ok = false;
		s->nspname = NULL;
		if (HeapTupleIsValid(tuple))
		{
			const char *n = NameStr(((Form_pg_namespace) GETSTRUCT(tuple))->nspname);

			s->nspname = pstrdup(n);
			s->ok = strcmp(n, "pg_catalog") != 0 && strcmp(n, "information_schema") != 0 &&
				strcmp(n, PGM_SCHEMA) != 0 && strcmp(n, "pg_toast") != 0 &&
				strncmp(n, "pg_temp_", 8) != 0 && strncmp(n, "pg_toast_temp_", 14) != 0 &&
				!OidIsValid(pgm_d_extension_of(pgm_d_depends(d, NamespaceRelationId, space)));
			ReleaseSysCache(tuple);
		}
	}
	if (name)
		*name = s->nspname;
	return s->ok;
}

/* A relation, as rel says of it. */
PgmRel *
pgm_d_rel(PgmDescribe *d, Oid relid)
{
	bool		found;
	PgmRel	   *r = hash_search(d->rels, &relid, HASH_ENTER, &found);
	HeapTuple	tuple;
	Form_pg_class c;
	List	   *depends;
	const char *word;

	if (found)
		return r;
	r->ok = false;
	r->key = NULL;
	r->relkind = '\0';
	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return r;
	c = (Form_pg_class) GETSTRUCT(tuple);
	r->relkind = c->relkind;
	r->reltype = c->reltype;
	r->has_triggers = c->relhastriggers;
	r->has_rules = c->relhasrules;
	r->has_indexes = c->relhasindex;
	r->is_partition = c->relispartition;
	r->relname = pstrdup(NameStr(c->relname));
	if (strchr("rpvmSfciI", c->relkind) != NULL && pgm_d_space_ok(d, c->relnamespace, &r->nspname))
	{
		depends = pgm_d_depends(d, RelationRelationId, relid);
		r->ok = !pgm_d_has_depend(depends, DEPENDENCY_EXTENSION, InvalidOid) &&
			!(c->relkind == RELKIND_SEQUENCE && pgm_d_has_depend(depends, DEPENDENCY_INTERNAL, RelationRelationId)) &&
			!(c->relkind == RELKIND_COMPOSITE_TYPE &&
			  OidIsValid(pgm_d_extension_of(pgm_d_depends(d, TypeRelationId, c->reltype))));
	}
	ReleaseSysCache(tuple);
	if (!r->ok)
		return r;
	switch (r->relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			word = "table";
			break;
		case RELKIND_VIEW:
			word = "view";
			break;
		case RELKIND_MATVIEW:
			word = "materialized view";
			break;
		case RELKIND_SEQUENCE:
			word = "sequence";
			break;
		case RELKIND_FOREIGN_TABLE:
			word = "foreign table";
			break;
		case RELKIND_COMPOSITE_TYPE:
			word = "type";
			break;
		default:
			word = "index";
	}
	r->qname = pgm_d_qualified(r->nspname, r->relname);
	r->key = psprintf("%s %s", word, r->qname);
	return r;
}

/* The key of a column (col): of a table, view, foreign table or composite type. */
char *
pgm_d_column_key(PgmDescribe *d, Oid relid, int32 attnum)
{
	PgmRel	   *r = pgm_d_rel(d, relid);
	HeapTuple	tuple;
	char	   *key = NULL;

	if (!r->ok || strchr("rpvmfc", r->relkind) == NULL || attnum <= 0)
		return NULL;
	tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	if (!((Form_pg_attribute) GETSTRUCT(tuple))->attisdropped)
		key = psprintf("column %s.%s", r->qname, quote_identifier(NameStr(((Form_pg_attribute) GETSTRUCT(tuple))->attname)));
	ReleaseSysCache(tuple);
	return key;
}

/* ---- the keys of the other kinds (ids) ---- */

/* typ: the key of a type the document describes as a type of its own. */
char *
pgm_d_type_key(PgmDescribe *d, Oid type, Form_pg_type *form)
{
	HeapTuple	tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
	Form_pg_type t;
	char	   *space;
	char	   *key = NULL;
	bool		ok;

	*form = NULL;
	if (!HeapTupleIsValid(tuple))
		return NULL;
	t = palloc(sizeof(FormData_pg_type));
	memcpy(t, GETSTRUCT(tuple), sizeof(FormData_pg_type));
	ReleaseSysCache(tuple);
	*form = t;
	ok = strchr("edrbc", t->typtype) != NULL && t->typisdefined &&
		!(t->typtype == TYPTYPE_BASE && t->typcategory == TYPCATEGORY_ARRAY) &&
		pgm_d_space_ok(d, t->typnamespace, &space);
	if (ok && t->typtype == TYPTYPE_COMPOSITE)
		ok = get_rel_relkind(t->typrelid) == RELKIND_COMPOSITE_TYPE;
	if (ok && !OidIsValid(pgm_d_extension_of(pgm_d_depends(d, TypeRelationId, type))))
		key = psprintf("type %s", pgm_d_qualified(space, NameStr(t->typname)));
	return key;
}

/* The key a pg_type entry is named by in ids: its own (typ), its
 * relation's (a row type), or its element's (an array type). */
char *
pgm_d_any_type_key(PgmDescribe *d, Oid type)
{
	Form_pg_type t;
	Form_pg_type el;
	char	   *key = pgm_d_type_key(d, type, &t);
	PgmRel	   *r;

	if (key != NULL || t == NULL)
		return key;
	if (OidIsValid(t->typrelid))
	{
		r = pgm_d_rel(d, t->typrelid);
		if (r->ok && r->relkind != RELKIND_COMPOSITE_TYPE && r->reltype == type)
			return r->key;
	}
	if (t->typcategory != TYPCATEGORY_ARRAY || !OidIsValid(t->typelem))
		return NULL;
	key = pgm_d_type_key(d, t->typelem, &el);
	if (el == NULL || el->typarray != type)
		return NULL;
	if (key != NULL)
		return key;
	if (OidIsValid(el->typrelid))
	{
		r = pgm_d_rel(d, el->typrelid);
		if (r->ok && r->reltype == t->typelem)
			return r->key;
	}
	return NULL;
}

/* con: the key of a constraint (`c`, its row) of a relation or domain the
 * document describes, and the key of what it belongs to; NULL if none. */
char *
pgm_d_constraint_key_of(PgmDescribe *d, Form_pg_constraint c, char **relkey)
{
	char	   *owner = NULL;
	char	   *key = NULL;
	char	   *space;

	if (relkey)
		*relkey = NULL;
	if (c->contype != CONSTRAINT_TRIGGER && c->contype != 'n' && pgm_d_space_ok(d, c->connamespace, NULL))
	{
		if (OidIsValid(c->conrelid))
		{
			PgmRel	   *r = pgm_d_rel(d, c->conrelid);

			if (r->ok)
			{
				owner = r->qname;
				if (relkey)
					*relkey = r->key;
			}
		}
		else
		{
			HeapTuple	tt = SearchSysCache1(TYPEOID, ObjectIdGetDatum(c->contypid));

			if (HeapTupleIsValid(tt))
			{
				Form_pg_type t = (Form_pg_type) GETSTRUCT(tt);

				space = get_namespace_name(t->typnamespace);
				if (space != NULL)
				{
					owner = pgm_d_qualified(space, NameStr(t->typname));
					if (relkey)
						*relkey = psprintf("type %s", owner);
				}
				ReleaseSysCache(tt);
			}
		}
	}
	/* not the clone of a foreign key on the same table (one per partition it references) */
	if (owner != NULL && OidIsValid(c->conparentid))
	{
		HeapTuple	pt = SearchSysCache1(CONSTROID, ObjectIdGetDatum(c->conparentid));

		if (HeapTupleIsValid(pt))
		{
			if (((Form_pg_constraint) GETSTRUCT(pt))->conrelid == c->conrelid)
				owner = NULL;
			ReleaseSysCache(pt);
		}
	}
	if (owner != NULL)
		key = psprintf("constraint %s.%s", owner, quote_identifier(NameStr(c->conname)));
	else if (relkey)
		*relkey = NULL;
	return key;
}

/* The same, of the constraint `conid`. */
char *
pgm_d_constraint_key(PgmDescribe *d, Oid conid, char **relkey)
{
	HeapTuple	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conid));
	char	   *key;

	if (!HeapTupleIsValid(tuple))
	{
		if (relkey)
			*relkey = NULL;
		return NULL;
	}
	key = pgm_d_constraint_key_of(d, (Form_pg_constraint) GETSTRUCT(tuple), relkey);
	ReleaseSysCache(tuple);
	return key;
}

/* fun */
char *
pgm_d_function_key(PgmDescribe *d, Oid fn)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn));
	Form_pg_proc p;
	char	   *space;
	char	   *key = NULL;

	if (!HeapTupleIsValid(tuple))
		return NULL;
	p = (Form_pg_proc) GETSTRUCT(tuple);
	if (pgm_d_space_ok(d, p->pronamespace, &space))
	{
		List	   *depends = pgm_d_depends(d, ProcedureRelationId, fn);

		if (!pgm_d_has_depend(depends, DEPENDENCY_EXTENSION, InvalidOid) &&
			!pgm_d_has_depend(depends, DEPENDENCY_INTERNAL, TypeRelationId))
		{
			char	   *args = pgm_d_call(pg_get_function_identity_arguments, 1, ObjectIdGetDatum(fn), 0);

			if (args != NULL)
				key = psprintf("%s %s(%s)",
							   p->prokind == PROKIND_PROCEDURE ? "procedure" :
							   p->prokind == PROKIND_AGGREGATE ? "aggregate" : "function",
							   pgm_d_qualified(space, NameStr(p->proname)), args);
		}
	}
	ReleaseSysCache(tuple);
	return key;
}

/* opr */
char *
pgm_d_operator_key(PgmDescribe *d, Oid op)
{
	HeapTuple	tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(op));
	Form_pg_operator o;
	char	   *space;
	char	   *key = NULL;

	if (!HeapTupleIsValid(tuple))
		return NULL;
	o = (Form_pg_operator) GETSTRUCT(tuple);
	if (OidIsValid(o->oprcode) && pgm_d_space_ok(d, o->oprnamespace, &space) &&
		!OidIsValid(pgm_d_extension_of(pgm_d_depends(d, OperatorRelationId, op))))
		key = psprintf("operator %s.%s(%s, %s)", quote_identifier(space), NameStr(o->oprname),
					   OidIsValid(o->oprleft) ? pgm_d_type_name(o->oprleft) : "NONE",
					   pgm_d_type_name(o->oprright));
	ReleaseSysCache(tuple);
	return key;
}

/* cst */
char *
pgm_d_cast_key(PgmDescribe *d, Oid cast)
{
	HeapTuple	tuple;
	Form_pg_cast c;

	if (cast < FirstNormalObjectId)
		return NULL;
	tuple = pgm_d_fetch(d, CastRelationId, CastOidIndexId, cast);
	if (tuple == NULL)
		return NULL;
	{
		List	   *depends = pgm_d_depends(d, CastRelationId, cast);

		if (pgm_d_has_depend(depends, DEPENDENCY_EXTENSION, InvalidOid) ||
			pgm_d_has_depend(depends, DEPENDENCY_INTERNAL, InvalidOid))
			return NULL;
	}
	c = (Form_pg_cast) GETSTRUCT(tuple);
	return psprintf("cast (%s AS %s)", pgm_d_type_name(c->castsource), pgm_d_type_name(c->casttarget));
}

/* trf */
char *
pgm_d_transform_key(PgmDescribe *d, Oid transform)
{
	HeapTuple	tuple;
	Form_pg_transform t;
	char	   *language;
	char	   *key = NULL;

	if (transform < FirstNormalObjectId)
		return NULL;
	tuple = SearchSysCache1(TRFOID, ObjectIdGetDatum(transform));
	if (!HeapTupleIsValid(tuple))
		return NULL;
	t = (Form_pg_transform) GETSTRUCT(tuple);
	language = get_language_name(t->trflang, true);
	if (language != NULL && !OidIsValid(pgm_d_extension_of(pgm_d_depends(d, TransformRelationId, transform))))
		key = psprintf("transform FOR %s LANGUAGE %s", pgm_d_type_name(t->trftype), quote_identifier(language));
	ReleaseSysCache(tuple);
	return key;
}

/* xtn: an extension, but pgmigrate */
char *
pgm_d_extension_key(Oid extension)
{
	char	   *name = get_extension_name(extension);

	if (name == NULL || strcmp(name, "pgmigrate") == 0)
		return NULL;
	return psprintf("extension %s", quote_identifier(name));
}

/* The key of a trigger, policy or rule (a view's own rule: the view's). */
char *
pgm_d_member_key(PgmDescribe *d, Oid classid, Oid objid)
{
	PgmMember	m;
	PgmRel	   *r;

	if (!pgm_member_read(classid, objid, &m) || m.internal)
		return NULL;
	r = pgm_d_rel(d, m.relid);
	if (!r->ok)
		return NULL;
	if (classid == RewriteRelationId && strcmp(m.name, ViewSelectRuleName) == 0)
		return r->key;
	return psprintf("%s %s.%s", classid == TriggerRelationId ? "trigger" :
					classid == PolicyRelationId ? "policy" : "rule", r->qname, quote_identifier(m.name));
}

/* A default's column's key. */
char *
pgm_d_default_key(PgmDescribe *d, Oid attrdef)
{
	PgmMember	m;

	return pgm_member_read(AttrDefaultRelationId, attrdef, &m) ? pgm_d_column_key(d, m.relid, m.attnum) : NULL;
}

/* The key of a catalog entry, as ids writes it (no caching). */
char *
pgm_d_key_of(PgmDescribe *d, Oid classid, Oid objid, int32 objsubid)
{
	Oid			extension;

	if (objsubid != 0)
		return classid == RelationRelationId ? pgm_d_column_key(d, objid, objsubid) : NULL;
	/* what an extension brings is the extension's */
	if (classid != ExtensionRelationId &&
		OidIsValid(extension = pgm_d_extension_of(pgm_d_depends(d, classid, objid))))
		return pgm_d_extension_key(extension);
	switch (classid)
	{
		case NamespaceRelationId:
			{
				char	   *name;

				return pgm_d_space_ok(d, objid, &name) ? psprintf("schema %s", quote_identifier(name)) : NULL;
			}
		case RelationRelationId:
			return pgm_d_rel(d, objid)->key;
		case TypeRelationId:
			return pgm_d_any_type_key(d, objid);
		case ConstraintRelationId:
			return pgm_d_constraint_key(d, objid, NULL);
		case ProcedureRelationId:
			return pgm_d_function_key(d, objid);
		case TriggerRelationId:
		case PolicyRelationId:
		case RewriteRelationId:
			return pgm_d_member_key(d, classid, objid);
		case ExtensionRelationId:
			return pgm_d_extension_key(objid);
		case OperatorRelationId:
			return pgm_d_operator_key(d, objid);
		case CastRelationId:
			return pgm_d_cast_key(d, objid);
		case TransformRelationId:
			return pgm_d_transform_key(d, objid);
		case AttrDefaultRelationId:
			return pgm_d_default_key(d, objid);
		default:
			return NULL;
	}
}

/* The key of a catalog entry, as ids writes it; NULL when it has none. */
char *
pgm_d_key(PgmDescribe *d, Oid classid, Oid objid, int32 objsubid)
{
	PgmEntry	entry;
	PgmKeyEntry *k;
	bool		found;

	memset(&entry, 0, sizeof(entry));
	entry.classid = classid;
	entry.objid = objid;
	entry.objsubid = objsubid;
	k = hash_search(d->keys, &entry, HASH_ENTER, &found);
	if (!found)
	{
		k->key = pgm_d_key_of(d, classid, objid, objsubid);
	}
	return k->key;
}

/* ---- the part's objects ---- */

/*
 * A catalog entry of a unit: recorded under `owner` (the unit's key), and
 * the dependencies of what it is (its entries in pg_depend, each as the
 * pair of keys deps writes).
 */
void
pgm_d_entry(PgmDescribe *d, Oid classid, Oid objid, const char *owner)
{
	ListCell   *lc;

	if (d->nowned == d->maxowned)
	{
		d->maxowned = Max(64, 2 * d->maxowned);
		d->own_classids = repalloc(d->own_classids, sizeof(Datum) * d->maxowned);
		d->own_objids = repalloc(d->own_objids, sizeof(Datum) * d->maxowned);
		d->own_keys = repalloc(d->own_keys, sizeof(Datum) * d->maxowned);
	}
	d->own_classids[d->nowned] = ObjectIdGetDatum(classid);
	d->own_objids[d->nowned] = ObjectIdGetDatum(objid);
	d->own_keys[d->nowned] = CStringGetTextDatum(owner);
	d->nowned++;

	if (objid < FirstNormalObjectId)
		return;
	foreach(lc, pgm_d_depends(d, classid, objid))
	{
		Form_pg_depend row = lfirst(lc);
		char	   *key;
		char	   *on;

		CHECK_FOR_INTERRUPTS();
		if (row->deptype == DEPENDENCY_EXTENSION || row->deptype == DEPENDENCY_AUTO_EXTENSION)
			continue;
		key = pgm_d_key(d, row->classid, row->objid, row->objsubid);
		on = key ? pgm_d_key(d, row->refclassid, row->refobjid, row->refobjsubid) : NULL;
		if (on == NULL || strcmp(key, on) == 0)
			continue;
		/* a serial's sequence is owned by its column, which depends on it */
		if (row->deptype == DEPENDENCY_AUTO && strncmp(key, "sequence ", 9) == 0 &&
			strncmp(on, "column ", 7) == 0)
			continue;
		pgm_doc_add_depend(d->doc, key, on);
	}
}

/* a comment of pg_description, by its object */
typedef struct PgmCommentEntry
{
	Oid			objoid;			/* the hash key: objoid, classoid, objsubid */
	Oid			classoid;
	int32		subid;
	char	   *text;
} PgmCommentEntry;

/*
 * Every comment, for a whole document: one pass over pg_description (a few
 * thousand rows, the server's own) costs less than a lookup per object of
 * ten thousand tables.
 */
void
pgm_d_read_all_comments(PgmDescribe *d)
{
	Relation	rel = table_open(DescriptionRelationId, AccessShareLock);
	SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, NULL, 0, NULL);
	HeapTuple	tuple;
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = offsetof(PgmCommentEntry, text);
	ctl.entrysize = sizeof(PgmCommentEntry);
	ctl.hcxt = CurrentMemoryContext;
	d->all_comments = hash_create("pgmigrate comments", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_description row = (Form_pg_description) GETSTRUCT(tuple);
		PgmCommentEntry key;
		PgmCommentEntry *e;
		bool		isnull;
		Datum		value = heap_getattr(tuple, Anum_pg_description_description, RelationGetDescr(rel), &isnull);

		CHECK_FOR_INTERRUPTS();
		memset(&key, 0, sizeof(key));
		key.objoid = row->objoid;
		key.classoid = row->classoid;
		key.subid = row->objsubid;
		e = hash_search(d->all_comments, &key, HASH_ENTER, NULL);
		e->text = isnull ? NULL : TextDatumGetCString(value);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* The comments of a relation and its columns, for pgm_d_object(). */
void
pgm_d_read_comments(PgmDescribe *d, Oid relid)
{
	ScanKeyData key[2];
	TupleDesc	desc;
	ListCell   *lc;

	if (d->all_comments != NULL)
		return;
	d->comments_of = relid;
	d->comments = NIL;
	ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	foreach(lc, pgm_lookup_rows(&d->lookups, DescriptionRelationId, DescriptionObjIndexId, 2, key, &desc))
	{
		HeapTuple	tuple = lfirst(lc);
		bool		isnull;
		Datum		description = heap_getattr(tuple, Anum_pg_description_description, desc, &isnull);
		PgmComment *c = palloc(sizeof(PgmComment));

		c->subid = ((Form_pg_description) GETSTRUCT(tuple))->objsubid;
		c->text = isnull ? NULL : TextDatumGetCString(description);
		d->comments = lappend(d->comments, c);
	}
}

/* An object's comment: of the relation read by pgm_d_read_comments(), or
 * looked up (as GetComment() would, through the index kept open). */
char *
pgm_d_comment(PgmDescribe *d, Oid objoid, Oid classoid, int32 subid)
{
	ListCell   *lc;

	if (d->all_comments != NULL)
	{
		PgmCommentEntry key;
		PgmCommentEntry *e;

		memset(&key, 0, sizeof(key));
		key.objoid = objoid;
		key.classoid = classoid;
		key.subid = subid;
		e = hash_search(d->all_comments, &key, HASH_FIND, NULL);
		return e ? e->text : NULL;
	}
	if (classoid != RelationRelationId || objoid != d->comments_of)
	{
		ScanKeyData key[3];
		TupleDesc	desc;
		List	   *rows;
		bool		isnull;
		Datum		description;

		ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(objoid));
		ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(classoid));
		ScanKeyInit(&key[2], 3, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(subid));
		rows = pgm_lookup_rows(&d->lookups, DescriptionRelationId, DescriptionObjIndexId, 3, key, &desc);
		if (rows == NIL)
			return NULL;
		description = heap_getattr(linitial(rows), Anum_pg_description_description, desc, &isnull);
		return isnull ? NULL : TextDatumGetCString(description);
	}
	foreach(lc, d->comments)
		if (((PgmComment *) lfirst(lc))->subid == subid)
			return ((PgmComment *) lfirst(lc))->text;
	return NULL;
}

/* Add the object being built as `key`, with its "comment". */
void
pgm_d_object(PgmDescribe *d, const char *key, Oid objoid, Oid classoid, int32 subid)
{
	pgm_object_text(&d->object, "comment", pgm_d_comment(d, objoid, classoid, subid));
	pgm_doc_add_object(d->doc, key, pgm_object_finish(&d->object));
}

const char *
pgm_d_enabled(char e)
{
	switch (e)
	{
		case TRIGGER_FIRES_ON_ORIGIN:
			return "origin";
		case TRIGGER_DISABLED:
			return "disabled";
		case TRIGGER_FIRES_ON_REPLICA:
			return "replica";
		default:
			return "always";
	}
}

/* pg_get_expr() of a pg_node_tree attribute, NULL for NULL. */
char *
pgm_d_expr(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, Oid relid)
{
	bool		isnull;
	Datum		tree = heap_getattr(tuple, attnum, desc, &isnull);

	return isnull ? NULL : pgm_d_call(pg_get_expr, 2, tree, ObjectIdGetDatum(relid));
}
