/*
 * describe.c — the document of some relations, read from the catalogs in C.
 *
 * A deploy records the part of migrate.schema()'s document that belongs to
 * what its revisions changed (part.c).  Most of the time that is tables
 * and their indexes, and running migrate.schema()'s long query for them
 * costs more to plan than the lookups it makes.  Here the same part is
 * written in C, by syscache and index lookups: the objects of each
 * relation unit (the relation, its columns, constraints, triggers,
 * policies and rules; a table's indexes are units of their own), the keys
 * of what they depend on, and the keys their catalog entries are recorded
 * under.  What it writes is what the query writes, byte for byte: the
 * tests compare the two on every relation of PostgreSQL's regression
 * databases.  Units of any other kind (a type, a function, a schema, ...),
 * a composite type, and a database where Citus is installed are left to
 * the query: pgm_describe_part() returns NULL for them.
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
 * Calls rows.c, document.c and reach.c.
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

#include "pgmigrate.h"

/* A catalog entry, as pg_depend names it. */
typedef struct PgmEntry
{
	Oid			classid;
	Oid			objid;
	int32		objsubid;
} PgmEntry;

/* Its key in the document, looked up once (NULL: none). */
typedef struct PgmKeyEntry
{
	PgmEntry	entry;
	char	   *key;
	List	   *depends;		/* in PgmDescribe.depends: its rows of pg_depend */
} PgmKeyEntry;

/* What the document says of a relation, and whether it is in it. */
typedef struct PgmRel
{
	Oid			oid;			/* hash key */
	bool		ok;				/* in rel */
	char		relkind;
	Oid			reltype;
	bool		has_triggers;	/* (or had: never false when it has) */
	bool		has_rules;
	bool		has_indexes;
	char	   *nspname;
	char	   *relname;
	char	   *qname;			/* schema.name, quoted */
	char	   *key;
} PgmRel;

typedef struct PgmDescribe
{
	HTAB	   *keys;			/* PgmKeyEntry */
	HTAB	   *depends;		/* PgmKeyEntry, objsubid 0 */
	HTAB	   *rels;			/* PgmRel */
	HTAB	   *spaces;			/* oid -> whether in nsp */
	PgmDocState *doc;
	PgmObjectBuild object;
	/* the keys the entries of the units are recorded under */
	Datum	   *own_classids;
	Datum	   *own_objids;
	Datum	   *own_keys;
	int			nowned;
	int			maxowned;
	/* the comments of a relation and its columns, read at once */
	Oid			comments_of;
	List	   *comments;		/* PgmComment */
} PgmDescribe;

typedef struct PgmComment
{
	int32		subid;
	char	   *text;
} PgmComment;

static char *pgm_d_key(PgmDescribe *d, Oid classid, Oid objid, int32 objsubid);

/* ---- small lookups ---- */

/* A function of the server's taking one or two arguments, its text
 * result; NULL for NULL. */
static char *
pgm_d_call(PGFunction fn, int nargs, Datum a0, Datum a1)
{
	LOCAL_FCINFO(fcinfo, 2);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, nargs, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = a0;
	fcinfo->args[0].isnull = false;
	fcinfo->args[1].value = a1;
	fcinfo->args[1].isnull = false;
	result = (*fn) (fcinfo);
	return fcinfo->isnull ? NULL : TextDatumGetCString(result);
}

/* format_type(type, NULL) */
static char *
pgm_d_type_name(Oid type)
{
	return format_type_extended(type, -1, FORMAT_TYPE_ALLOW_INVALID);
}

/* pg_get_userbyid() */
static char *
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
static char *
pgm_d_grantee(Oid role)
{
	char	   *name;

	if (role == ACL_ID_PUBLIC)
		return pstrdup("PUBLIC");
	name = pgm_d_role(role);
	return strcmp(name, "PUBLIC") == 0 || name[0] == '"' ? (char *) quote_identifier(name) : name;
}

static char *
pgm_d_qualified(const char *space, const char *name)
{
	return psprintf("%s.%s", quote_identifier(space), quote_identifier(name));
}

static int
pgm_d_compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A jsonb array of strings, in the order given; NULL when there are none. */
static Jsonb *
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
static Jsonb *
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
static Jsonb *
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
static Acl *
pgm_d_acl(HeapTuple tuple, int cacheid, AttrNumber attnum, ObjectType type, Oid owner)
{
	bool		isnull;
	Datum		acl = SysCacheGetAttr(cacheid, tuple, attnum, &isnull);

	return isnull ? acldefault(type, owner) : DatumGetAclPCopy(acl);
}

/* The same, read once per part (a relation's are asked for its filter, its
 * key and its dependencies). */
static List *
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
		e->depends = pgm_depend_rows(classid, objid);
	return e->depends;
}

/* The extension an object belongs to (a dependency of type 'e'). */
static Oid
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
static bool
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

/* The tuples of `catalog` whose first key column is `value`, through
 * `index`, in its order. */
static List *
pgm_d_scan(Oid catalog, Oid index, AttrNumber attnum, Oid value)
{
	Relation	rel = table_open(catalog, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *rows = NIL;

	ScanKeyInit(&key, attnum, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(value));
	scan = systable_beginscan(rel, index, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		rows = lappend(rows, heap_copytuple(tuple));
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return rows;
}

/* The first tuple of `catalog` whose first key column is `value`. */
static HeapTuple
pgm_d_fetch(Oid catalog, Oid index, AttrNumber attnum, Oid value)
{
	List	   *rows = pgm_d_scan(catalog, index, attnum, value);

	return rows == NIL ? NULL : linitial(rows);
}

/* ---- nsp, rel ---- */

/* Is the schema one the document describes (nsp)? */
static bool
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
static PgmRel *
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
static char *
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
static char *
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
static char *
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

/* con: a constraint of a relation or domain the document describes, and
 * the key of what it belongs to. */
static char *
pgm_d_constraint_key(PgmDescribe *d, Oid conid, char **relkey)
{
	HeapTuple	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conid));
	Form_pg_constraint c;
	char	   *owner = NULL;
	char	   *key = NULL;
	char	   *space;

	if (relkey)
		*relkey = NULL;
	if (!HeapTupleIsValid(tuple))
		return NULL;
	c = (Form_pg_constraint) GETSTRUCT(tuple);
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
	ReleaseSysCache(tuple);
	return key;
}

/* fun */
static char *
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
static char *
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
static char *
pgm_d_cast_key(PgmDescribe *d, Oid cast)
{
	HeapTuple	tuple;
	Form_pg_cast c;

	if (cast < FirstNormalObjectId)
		return NULL;
	tuple = pgm_d_fetch(CastRelationId, CastOidIndexId, Anum_pg_cast_oid, cast);
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
static char *
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
static char *
pgm_d_extension_key(Oid extension)
{
	char	   *name = get_extension_name(extension);

	if (name == NULL || strcmp(name, "pgmigrate") == 0)
		return NULL;
	return psprintf("extension %s", quote_identifier(name));
}

/* A trigger's, policy's or rule's relation, and its name; false when it
 * is none the document describes. */
static bool
pgm_d_member(Oid classid, Oid objid, Oid *relid, char **name)
{
	HeapTuple	tuple;

	if (classid == TriggerRelationId)
	{
		tuple = pgm_d_fetch(TriggerRelationId, TriggerOidIndexId, Anum_pg_trigger_oid, objid);
		if (tuple == NULL || ((Form_pg_trigger) GETSTRUCT(tuple))->tgisinternal)
			return false;
		*relid = ((Form_pg_trigger) GETSTRUCT(tuple))->tgrelid;
		*name = pstrdup(NameStr(((Form_pg_trigger) GETSTRUCT(tuple))->tgname));
	}
	else if (classid == PolicyRelationId)
	{
		tuple = pgm_d_fetch(PolicyRelationId, PolicyOidIndexId, Anum_pg_policy_oid, objid);
		if (tuple == NULL)
			return false;
		*relid = ((Form_pg_policy) GETSTRUCT(tuple))->polrelid;
		*name = pstrdup(NameStr(((Form_pg_policy) GETSTRUCT(tuple))->polname));
	}
	else
	{
		tuple = pgm_d_fetch(RewriteRelationId, RewriteOidIndexId, Anum_pg_rewrite_oid, objid);
		if (tuple == NULL)
			return false;
		*relid = ((Form_pg_rewrite) GETSTRUCT(tuple))->ev_class;
		*name = pstrdup(NameStr(((Form_pg_rewrite) GETSTRUCT(tuple))->rulename));
	}
	return true;
}

/* The key of a trigger, policy or rule (a view's own rule: the view's). */
static char *
pgm_d_member_key(PgmDescribe *d, Oid classid, Oid objid)
{
	Oid			relid;
	char	   *name;
	PgmRel	   *r;

	if (!pgm_d_member(classid, objid, &relid, &name))
		return NULL;
	r = pgm_d_rel(d, relid);
	if (!r->ok)
		return NULL;
	if (classid == RewriteRelationId && strcmp(name, ViewSelectRuleName) == 0)
		return r->key;
	return psprintf("%s %s.%s", classid == TriggerRelationId ? "trigger" :
					classid == PolicyRelationId ? "policy" : "rule", r->qname, quote_identifier(name));
}

/* A default's column's key. */
static char *
pgm_d_default_key(PgmDescribe *d, Oid attrdef)
{
	HeapTuple	tuple = pgm_d_fetch(AttrDefaultRelationId, AttrDefaultOidIndexId,
									Anum_pg_attrdef_oid, attrdef);

	if (tuple == NULL)
		return NULL;
	return pgm_d_column_key(d, ((Form_pg_attrdef) GETSTRUCT(tuple))->adrelid,
							((Form_pg_attrdef) GETSTRUCT(tuple))->adnum);
}

/* The key of a catalog entry, as ids writes it (no caching). */
static char *
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
static char *
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
static void
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

/* The comments of a relation and its columns, for pgm_d_object(). */
static void
pgm_d_read_comments(PgmDescribe *d, Oid relid)
{
	Relation	rel = table_open(DescriptionRelationId, AccessShareLock);
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tuple;

	d->comments_of = relid;
	d->comments = NIL;
	ScanKeyInit(&key[0], Anum_pg_description_objoid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[1], Anum_pg_description_classoid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(RelationRelationId));
	scan = systable_beginscan(rel, DescriptionObjIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		description = heap_getattr(tuple, Anum_pg_description_description, RelationGetDescr(rel), &isnull);
		PgmComment *c = palloc(sizeof(PgmComment));

		c->subid = ((Form_pg_description) GETSTRUCT(tuple))->objsubid;
		c->text = isnull ? NULL : TextDatumGetCString(description);
		d->comments = lappend(d->comments, c);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
}

/* An object's comment: of the relation read by pgm_d_read_comments(), or looked up. */
static char *
pgm_d_comment(PgmDescribe *d, Oid objoid, Oid classoid, int32 subid)
{
	ListCell   *lc;

	if (classoid != RelationRelationId || objoid != d->comments_of)
		return GetComment(objoid, classoid, subid);
	foreach(lc, d->comments)
		if (((PgmComment *) lfirst(lc))->subid == subid)
			return ((PgmComment *) lfirst(lc))->text;
	return NULL;
}

/* Add the object being built as `key`, with its "comment". */
static void
pgm_d_object(PgmDescribe *d, const char *key, Oid objoid, Oid classoid, int32 subid)
{
	pgm_object_text(&d->object, "comment", pgm_d_comment(d, objoid, classoid, subid));
	pgm_doc_add_object(d->doc, key, pgm_object_finish(&d->object));
}

static const char *
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
static char *
pgm_d_expr(HeapTuple tuple, TupleDesc desc, AttrNumber attnum, Oid relid)
{
	bool		isnull;
	Datum		tree = heap_getattr(tuple, attnum, desc, &isnull);

	return isnull ? NULL : pgm_d_call(pg_get_expr, 2, tree, ObjectIdGetDatum(relid));
}

/* An index unit: its object, when it and its table are in the document. */
static void
pgm_d_index(PgmDescribe *d, PgmRel *r, List *constraints)
{
	HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(r->oid));
	Form_pg_index index;
	PgmRel	   *t;
	const char *constraint = NULL;
	ListCell   *lc;
	HeapTuple	parent;

	if (!HeapTupleIsValid(tuple))
		return;
	index = (Form_pg_index) GETSTRUCT(tuple);
	t = pgm_d_rel(d, index->indrelid);
	if (!t->ok)
	{
		ReleaseSysCache(tuple);
		return;
	}
	if (constraints == NIL)
		constraints = pgm_d_scan(ConstraintRelationId, ConstraintRelidTypidNameIndexId,
								 Anum_pg_constraint_conrelid, index->indrelid);
	foreach(lc, constraints)
	{
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(lc));

		if (c->conindid == r->oid && c->conrelid == index->indrelid &&
			(c->contype == CONSTRAINT_PRIMARY || c->contype == CONSTRAINT_UNIQUE ||
			 c->contype == CONSTRAINT_EXCLUSION))
			constraint = psprintf("constraint %s.%s", t->qname, quote_identifier(NameStr(c->conname)));
	}
	pgm_object_text(&d->object, "kind", "index");
	pgm_object_text(&d->object, "schema", r->nspname);
	pgm_object_text(&d->object, "name", r->relname);
	pgm_object_text(&d->object, "relation", t->key);
	pgm_object_text(&d->object, "definition", constraint ? NULL :
					pgm_d_call(pg_get_indexdef, 1, ObjectIdGetDatum(r->oid), 0));
	if (!index->indisvalid)
		pgm_object_bool(&d->object, "valid", false);
	pgm_object_text(&d->object, "constraint", constraint);
	ReleaseSysCache(tuple);
	parent = pgm_d_fetch(InheritsRelationId, InheritsRelidSeqnoIndexId, Anum_pg_inherits_inhrelid, r->oid);
	if (parent != NULL)
		pgm_object_text(&d->object, "partition_of",
						pgm_d_rel(d, ((Form_pg_inherits) GETSTRUCT(parent))->inhparent)->key);
	pgm_d_object(d, r->key, r->oid, RelationRelationId, 0);
	pgm_d_entry(d, RelationRelationId, r->oid, r->key);
}

/* A sequence's attributes. */
static void
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
static void
pgm_d_table_place(PgmDescribe *d, PgmRel *r, HeapTuple tuple)
{
	Form_pg_class c = (Form_pg_class) GETSTRUCT(tuple);
	List	   *parents = pgm_d_scan(InheritsRelationId, InheritsRelidSeqnoIndexId,
									 Anum_pg_inherits_inhrelid, r->oid);

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
static void
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
static char *
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
static char *
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
static void
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
static void
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
static void
pgm_d_columns(PgmDescribe *d, PgmRel *r, List *constraints)
{
	Relation	rel = table_open(AttributeRelationId, AccessShareLock);
	List	   *attributes = pgm_d_scan(AttributeRelationId, AttributeRelidNumIndexId,
										Anum_pg_attribute_attrelid, r->oid);
	List	   *defaults = NIL;
	int64		position = 0;
	ListCell   *lc;

	foreach(lc, attributes)
		if (((Form_pg_attribute) GETSTRUCT((HeapTuple) lfirst(lc)))->atthasdef)
		{
			defaults = pgm_d_scan(AttrDefaultRelationId, AttrDefaultIndexId, Anum_pg_attrdef_adrelid, r->oid);
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

/* The constraints of a relation (con), but its NOT NULL ones. */
static void
pgm_d_constraints(PgmDescribe *d, PgmRel *r, List *constraints)
{
	static const char *const types[][2] = {
		{"p", "primary key"}, {"u", "unique"}, {"f", "foreign key"}, {"c", "check"}, {"x", "exclusion"}
	};
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Form_pg_constraint c = (Form_pg_constraint) GETSTRUCT((HeapTuple) lfirst(lc));
		char	   *key = pgm_d_constraint_key(d, c->oid, NULL);
		const char *type = psprintf("%c", c->contype);
		size_t		i;

		if (key == NULL)
			continue;
		for (i = 0; i < lengthof(types); i++)
			if (types[i][0][0] == c->contype)
				type = types[i][1];
		pgm_object_text(&d->object, "kind", "constraint");
		pgm_object_text(&d->object, "relation", r->key);
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
		pgm_d_entry(d, ConstraintRelationId, c->oid, r->key);
	}
}

/* The triggers of a relation, but internal ones. */
static void
pgm_d_triggers(PgmDescribe *d, PgmRel *r)
{
	ListCell   *lc;

	foreach(lc, pgm_d_scan(TriggerRelationId, TriggerRelidNameIndexId, Anum_pg_trigger_tgrelid, r->oid))
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
static void
pgm_d_policies(PgmDescribe *d, PgmRel *r)
{
	Relation	rel = table_open(PolicyRelationId, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	ListCell   *lc;

	foreach(lc, pgm_d_scan(PolicyRelationId, PolicyPolrelidPolnameIndexId, Anum_pg_policy_polrelid, r->oid))
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
static void
pgm_d_rules(PgmDescribe *d, PgmRel *r)
{
	ListCell   *lc;

	foreach(lc, pgm_d_scan(RewriteRelationId, RewriteRelRulenameIndexId, Anum_pg_rewrite_ev_class, r->oid))
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
static void
pgm_d_relation(PgmDescribe *d, PgmRel *r)
{
	List	   *constraints = pgm_d_scan(ConstraintRelationId, ConstraintRelidTypidNameIndexId,
										 Anum_pg_constraint_conrelid, r->oid);
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
	pgm_d_constraints(d, r, constraints);
	if (r->has_triggers)
		pgm_d_triggers(d, r);
	pgm_d_policies(d, r);
	if (r->has_rules)
		pgm_d_rules(d, r);
}

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
