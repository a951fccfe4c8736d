/*
 * validate.c — a schema document checked before the diff engine reads it.
 *
 * migrate.diff() takes both documents from its caller, and any role may call
 * it: nothing after this file checks a document again, so everything the
 * engine relies on is checked here, and what fails is refused with 22023,
 * naming the document, the key and the attribute:
 *
 *   - every object is of a kind the engine knows, and its key begins with
 *     that kind ("table app.users"): a key names one kind in both documents;
 *   - it has only the attributes its kind has, each of the JSON type the
 *     engine reads it as, and those its kind cannot do without;
 *   - the attributes that take one of a few values (a type's "type", a
 *     trigger's "enabled", a grant's privilege, ...) have one of them;
 *   - what it names (its relation, its parents, the column owning a
 *     sequence, ...) is in the same document, as an object of the kinds it
 *     must be, and a part of a relation is keyed under that relation's name.
 *
 * The document also carries SQL (definitions, queries, defaults, types),
 * which the engine writes into the script as it finds it: it is checked
 * when the script runs, not here.
 *
 * Calls snapshot.c.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "pgmigrate.h"
#include "schema/model.h"

/* The JSON type the engine reads an attribute as. */
typedef enum PgmJsonType
{
	PGM_JSON_STRING,
	PGM_JSON_BOOL,
	PGM_JSON_NUMBER,
	PGM_JSON_STRINGS			/* an array of strings */
} PgmJsonType;

/* Every attribute of every kind, in byte order (searched by halves). */
static const struct
{
	const char *name;
	PgmJsonType type;
}			pgm_attribute_types[] =
{
	{"arguments", PGM_JSON_STRING},
	{"base_type", PGM_JSON_STRING},
	{"cache", PGM_JSON_STRING},
	{"canonical", PGM_JSON_STRING},
	{"collation", PGM_JSON_STRING},
	{"colocated_with", PGM_JSON_STRING},
	{"command", PGM_JSON_STRING},
	{"comment", PGM_JSON_STRING},
	{"constraint", PGM_JSON_STRING},
	{"cycle", PGM_JSON_BOOL},
	{"default", PGM_JSON_STRING},
	{"definition", PGM_JSON_STRING},
	{"depends", PGM_JSON_STRINGS},
	{"distribution", PGM_JSON_STRING},
	{"distribution_column", PGM_JSON_STRING},
	{"enabled", PGM_JSON_STRING},
	{"force_row_security", PGM_JSON_BOOL},
	{"generated", PGM_JSON_STRING},
	{"grants", PGM_JSON_STRINGS},
	{"identity", PGM_JSON_STRING},
	{"identity_arguments", PGM_JSON_STRING},
	{"identity_options", PGM_JSON_STRING},
	{"increment", PGM_JSON_STRING},
	{"inherited", PGM_JSON_BOOL},
	{"inherits", PGM_JSON_STRINGS},
	{"kind", PGM_JSON_STRING},
	{"labels", PGM_JSON_STRINGS},
	{"language", PGM_JSON_STRING},
	{"local", PGM_JSON_BOOL},
	{"max", PGM_JSON_STRING},
	{"min", PGM_JSON_STRING},
	{"multirange", PGM_JSON_STRING},
	{"name", PGM_JSON_STRING},
	{"not_null", PGM_JSON_BOOL},
	{"not_null_name", PGM_JSON_STRING},
	{"not_null_no_inherit", PGM_JSON_BOOL},
	{"not_null_valid", PGM_JSON_BOOL},
	{"options", PGM_JSON_STRINGS},
	{"owned_by", PGM_JSON_STRING},
	{"owner", PGM_JSON_STRING},
	{"parent", PGM_JSON_STRING},
	{"partition_bound", PGM_JSON_STRING},
	{"partition_key", PGM_JSON_STRING},
	{"partition_of", PGM_JSON_STRING},
	{"partitioned", PGM_JSON_BOOL},
	{"permissive", PGM_JSON_BOOL},
	{"populated", PGM_JSON_BOOL},
	{"position", PGM_JSON_NUMBER},
	{"query", PGM_JSON_STRING},
	{"relation", PGM_JSON_STRING},
	{"replica_identity", PGM_JSON_STRING},
	{"returns", PGM_JSON_STRING},
	{"roles", PGM_JSON_STRINGS},
	{"row_security", PGM_JSON_BOOL},
	{"schema", PGM_JSON_STRING},
	{"security_definer", PGM_JSON_BOOL},
	{"server", PGM_JSON_STRING},
	{"settings", PGM_JSON_STRINGS},
	{"shard_count", PGM_JSON_STRING},
	{"signature", PGM_JSON_STRING},
	{"start", PGM_JSON_STRING},
	{"strict", PGM_JSON_BOOL},
	{"subtype", PGM_JSON_STRING},
	{"subtype_diff", PGM_JSON_STRING},
	{"subtype_opclass", PGM_JSON_STRING},
	{"type", PGM_JSON_STRING},
	{"unlogged", PGM_JSON_BOOL},
	{"using", PGM_JSON_STRING},
	{"valid", PGM_JSON_BOOL},
	{"version", PGM_JSON_STRING},
	{"virtual", PGM_JSON_BOOL},
	{"volatility", PGM_JSON_STRING},
	{"with_check", PGM_JSON_STRING},
};

#define PGM_RELATION_ATTRIBUTES "schema name owner grants comment options "
#define PGM_ROUTINE_ATTRIBUTES "schema name identity_arguments arguments returns language volatility " \
	"strict security_definer settings definition owner grants comment"

/*
 * Each kind: the attributes it may have (besides "kind" and "depends"),
 * those it must have as strings, and the kinds its "relation" may be.
 */
static const struct
{
	const char *kind;
	const char *attributes;
	const char *required[8];
	const char *relation_kinds[5];
}			pgm_kinds[] =
{
	{"schema", "name owner grants comment", {"name"}, {NULL}},
	{"table", PGM_RELATION_ATTRIBUTES "partitioned unlogged row_security force_row_security "
		"replica_identity partition_key partition_of partition_bound inherits "
		"distribution distribution_column shard_count colocated_with",
	{"schema", "name"}, {NULL}},
	{"foreign table", PGM_RELATION_ATTRIBUTES "partitioned unlogged row_security force_row_security "
		"replica_identity partition_key partition_of partition_bound inherits server",
	{"schema", "name"}, {NULL}},
	{"view", PGM_RELATION_ATTRIBUTES "query", {"schema", "name", "query"}, {NULL}},
	{"materialized view", PGM_RELATION_ATTRIBUTES "query populated", {"schema", "name", "query"}, {NULL}},
	{"sequence", "schema name owner grants comment type start increment min max cache cycle owned_by",
	{"schema", "name", "type", "start", "increment", "min", "max", "cache"}, {NULL}},
	{"column", "relation name type not_null not_null_name not_null_valid not_null_no_inherit default generated "
		"virtual identity identity_options collation grants inherited local position comment",
	{"relation", "name", "type"}, {"table", "foreign table", "view", "materialized view", "type"}},
	{"constraint", "relation name type definition valid inherited local parent comment",
	{"relation", "name", "type", "definition"}, {"table", "foreign table", "type"}},
	{"index", "schema name relation definition valid constraint partition_of comment",
	{"schema", "name", "relation"}, {"table", "materialized view"}},
	{"function", PGM_ROUTINE_ATTRIBUTES,
	{"schema", "name", "identity_arguments", "arguments", "returns", "definition"}, {NULL}},
	{"procedure", PGM_ROUTINE_ATTRIBUTES,
	{"schema", "name", "identity_arguments", "arguments", "definition"}, {NULL}},
	{"aggregate", PGM_ROUTINE_ATTRIBUTES, {"schema", "name", "identity_arguments", "definition"}, {NULL}},
	{"type", "schema name type owner grants comment labels base_type not_null not_null_name default collation "
		"definition subtype subtype_opclass canonical subtype_diff multirange",
	{"schema", "name", "type"}, {NULL}},
	{"trigger", "relation name definition enabled inherited comment",
	{"relation", "name", "definition", "enabled"}, {"table", "foreign table", "view"}},
	{"rule", "relation name definition enabled comment",
	{"relation", "name", "definition", "enabled"}, {"table", "view", "materialized view"}},
	{"policy", "relation name command permissive roles using with_check comment",
	{"relation", "name", "command"}, {"table", "foreign table"}},
	{"extension", "name version schema comment", {"name", "version", "schema"}, {NULL}},
	{"operator", "schema name signature owner definition comment",
	{"schema", "name", "signature", "definition"}, {NULL}},
	{"cast", "signature definition comment", {"signature", "definition"}, {NULL}},
	{"transform", "signature definition comment", {"signature", "definition"}, {NULL}},
};

#define PGM_NKINDS		lengthof(pgm_kinds)
#define PGM_NATTRIBUTES lengthof(pgm_attribute_types)

/* Attributes that name another object of the same document, and its kinds. */
static const struct
{
	const char *attribute;
	const char *kinds[3];
}			pgm_references[] =
{
	{"owned_by", {"column"}},
	{"partition_of", {"table"}},	/* an index's: an index */
	{"constraint", {"constraint"}},
	{"parent", {"constraint"}},
};

/* Attributes that take one of a few values: kind, attribute, the values. */
static const struct
{
	const char *kind;
	const char *attribute;
	const char *values[6];
}			pgm_enumerated[] =
{
	{"type", "type", {"enum", "domain", "range", "composite", "base"}},
	{"trigger", "enabled", {"origin", "disabled", "replica", "always"}},
	{"rule", "enabled", {"origin", "disabled", "replica", "always"}},
	{"column", "identity", {"always", "by default"}},
	{"policy", "command", {"SELECT", "INSERT", "UPDATE", "DELETE", "ALL"}},
	{"table", "replica_identity", {"d", "n", "f", "i"}},
	{"table", "distribution", {"distributed", "reference", "single shard"}},
	{"foreign table", "replica_identity", {"d", "n", "f", "i"}},
};

/* allowed[kind][attribute], from pgm_kinds, made once per backend */
static bool pgm_allowed[PGM_NKINDS][PGM_NATTRIBUTES];
static bool pgm_allowed_made = false;

void
pgm_document_error(const char *what, const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is not a schema document the diff engine can use", what),
			 errdetail("Its object \"%s\" %s.", key, detail),
			 errhint("Pass what migrate.schema() returns.")));
}

/* The attribute's index in pgm_attribute_types, or -1. */
static int
pgm_attribute_index(const char *name, int len)
{
	int			lo = 0;
	int			hi = PGM_NATTRIBUTES - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		const char *cand = pgm_attribute_types[mid].name;
		int			cmp = strncmp(cand, name, len);

		if (cmp == 0 && cand[len] != '\0')
			cmp = 1;
		if (cmp == 0)
			return mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static void
pgm_make_allowed(void)
{
	int			k;

	for (k = 0; k < (int) PGM_NKINDS; k++)
	{
		char	   *names = pstrdup(pgm_kinds[k].attributes);
		char	   *save = NULL;
		char	   *name;

		for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save))
		{
			int			a = pgm_attribute_index(name, strlen(name));

			Assert(a >= 0);
			pgm_allowed[k][a] = true;
		}
		pgm_allowed[k][pgm_attribute_index("kind", 4)] = true;
		pgm_allowed[k][pgm_attribute_index("depends", 7)] = true;
		pfree(names);
	}
	pgm_allowed_made = true;
}

/* The kind's index in pgm_kinds, or -1. */
static int
pgm_kind_index(const char *kind)
{
	int			k;

	for (k = 0; kind != NULL && k < (int) PGM_NKINDS; k++)
		if (strcmp(pgm_kinds[k].kind, kind) == 0)
			return k;
	return -1;
}

/* Is a JSON value (an entry of `container`) of the type the engine reads? */
static bool
pgm_has_json_type(JsonbContainer *container, int index, PgmJsonType type)
{
	JEntry		entry = container->children[index];
	JsonbContainer *array;
	int			count;
	int			i;

	switch (type)
	{
		case PGM_JSON_STRING:
			return JBE_ISSTRING(entry);
		case PGM_JSON_BOOL:
			return JBE_ISBOOL(entry);
		case PGM_JSON_NUMBER:
			return JBE_ISNUMERIC(entry);
		case PGM_JSON_STRINGS:
			if (!JBE_ISCONTAINER(entry))
				return false;
			array = (JsonbContainer *) ((char *) &container->children[JsonContainerSize(container) * 2] +
										INTALIGN(getJsonbOffset(container, index)));
			if (!JsonContainerIsArray(array) || JsonContainerIsScalar(array))
				return false;
			count = JsonContainerSize(array);
			for (i = 0; i < count; i++)
				if (!JBE_ISSTRING(array->children[i]))
					return false;
			return true;
	}
	return false;
}

/* Only attributes its kind has, each of its JSON type (null is absent). */
static void
pgm_check_attributes(const char *what, const char *key, JsonbContainer *obj, int k)
{
	int			count = JsonContainerSize(obj);
	const char *base = (const char *) &obj->children[count * 2];
	int			i;

	for (i = 0; i < count; i++)
	{
		const char *name = base + getJsonbOffset(obj, i);
		int			len = getJsonbLength(obj, i);
		int			a = pgm_attribute_index(name, len);

		if (a < 0 || !pgm_allowed[k][a])
			pgm_document_error(what, key, psprintf("has an attribute \"%.*s\", which a %s does not have",
												   len, name, pgm_kinds[k].kind));
		if (JBE_ISNULL(obj->children[count + i]))
			continue;
		if (!pgm_has_json_type(obj, count + i, pgm_attribute_types[a].type))
			pgm_document_error(what, key, psprintf("has an attribute \"%.*s\" that is not %s", len, name,
												   pgm_attribute_types[a].type == PGM_JSON_STRING ? "a string" :
												   pgm_attribute_types[a].type == PGM_JSON_BOOL ? "a boolean" :
												   pgm_attribute_types[a].type == PGM_JSON_NUMBER ? "a number" :
												   "an array of strings"));
	}
}

static bool
pgm_is_string(JsonbContainer *obj, const char *name)
{
	JsonbValue *v = pgm_attribute(obj, name);

	return v != NULL && v->type == jbvString;
}

/* The attributes its kind cannot do without, and the values of enumerated ones. */
static void
pgm_check_values(const char *what, const char *key, JsonbContainer *obj, int k)
{
	int			a;
	size_t		e;

	for (a = 0; a < (int) lengthof(pgm_kinds[k].required) && pgm_kinds[k].required[a]; a++)
		if (!pgm_is_string(obj, pgm_kinds[k].required[a]))
			pgm_document_error(what, key, psprintf("has no \"%s\" string", pgm_kinds[k].required[a]));
	for (e = 0; e < lengthof(pgm_enumerated); e++)
	{
		char	   *value;
		int			v;

		if (strcmp(pgm_enumerated[e].kind, pgm_kinds[k].kind) != 0 ||
			(value = pgm_attribute_string(obj, pgm_enumerated[e].attribute)) == NULL)
			continue;
		for (v = 0; v < (int) lengthof(pgm_enumerated[e].values) && pgm_enumerated[e].values[v]; v++)
			if (strcmp(value, pgm_enumerated[e].values[v]) == 0)
				break;
		if (v == (int) lengthof(pgm_enumerated[e].values) || pgm_enumerated[e].values[v] == NULL)
			pgm_document_error(what, key, psprintf("has \"%s\" \"%s\", which is not one the engine knows",
												   pgm_enumerated[e].attribute, value));
	}
	if (pgm_attribute(obj, "position") != NULL)
	{
		char	   *pos = pgm_attribute_text(obj, "position");

		if (strspn(pos, "0123456789") != strlen(pos) || strlen(pos) > 5 || atoi(pos) < 1 || atoi(pos) > 32767)
			pgm_document_error(what, key, "has a \"position\" that is not a column number");
	}
}

/*
 * A column's NOT NULL constraint (PostgreSQL 18), or a domain's (its name
 * only, since 17): its name, NOT VALID and
 * NO INHERIT only beside "not_null": true, the name one PostgreSQL keeps
 * as it is (not empty, at most NAMEDATALEN - 1 bytes, where a longer one
 * would be cut short).
 */
static void
pgm_check_not_null(const char *what, const char *key, JsonbContainer *obj)
{
	static const char *const attributes[] = {"not_null_name", "not_null_valid", "not_null_no_inherit"};
	char	   *name = pgm_attribute_string(obj, "not_null_name");
	size_t		a;

	for (a = 0; a < lengthof(attributes); a++)
		if (pgm_attribute(obj, attributes[a]) != NULL && !pgm_attribute_bool(obj, "not_null"))
			pgm_document_error(what, key, psprintf("has \"%s\" but no \"not_null\": true", attributes[a]));
	if (name != NULL && (name[0] == '\0' || strlen(name) >= NAMEDATALEN))
		pgm_document_error(what, key, psprintf("has a \"not_null_name\" that is empty or longer than %d bytes",
											   NAMEDATALEN - 1));
}

/*
 * Grants are "grantee=PRIVILEGE", with "*" when grantable: the privilege
 * goes into GRANT and REVOKE as it stands, so it must be one of
 * PostgreSQL's; the grantee (quoted by the engine) must be there.  A
 * policy's roles must be there too.
 */
static void
pgm_check_grants(const char *what, const char *key, JsonbContainer *obj)
{
	static const char *const privileges[] = {
		"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "EXECUTE",
		"USAGE", "CREATE", "CONNECT", "TEMPORARY", "MAINTAIN"
	};
	ListCell   *lc;

	foreach(lc, pgm_attribute_strings(obj, "grants"))
	{
		char	   *grant = lfirst(lc);
		char	   *eq = strrchr(grant, '=');
		size_t		len = eq ? strlen(eq + 1) : 0;
		size_t		p;

		if (len > 0 && eq[len] == '*')
			len--;
		for (p = 0; eq != NULL && eq != grant && p < lengthof(privileges); p++)
			if (strlen(privileges[p]) == len && strncmp(privileges[p], eq + 1, len) == 0)
				break;
		if (eq == NULL || eq == grant || p == lengthof(privileges))
			pgm_document_error(what, key, psprintf("has a grant \"%s\" that is not a role, \"=\" and a privilege", grant));
	}
	foreach(lc, pgm_attribute_strings(obj, "roles"))
		if (((char *) lfirst(lc))[0] == '\0')
			pgm_document_error(what, key, "has an empty role among its \"roles\"");
}

static int
pgm_compare_strings(const ListCell *a, const ListCell *b)
{
	return strcmp(lfirst(a), lfirst(b));
}

/*
 * A type's attributes are its kind of type's: an enum's labels (each
 * once), a domain's base type, a range's subtype, a base type's
 * definition.
 */
static void
pgm_check_type(const char *what, const char *key, JsonbContainer *obj)
{
	static const struct
	{
		const char *type;
		const char *attributes;
	}			own[] =
	{
		{"enum", " labels "},
		{"domain", " base_type not_null not_null_name default collation "},
		{"range", " subtype subtype_opclass collation canonical subtype_diff multirange "},
		{"base", " definition "},
		{"composite", " "},
	};
	static const char *const all[] = {
		"labels", "base_type", "not_null", "not_null_name", "default", "collation", "subtype", "subtype_opclass",
		"canonical", "subtype_diff", "multirange", "definition"
	};
	char	   *type = pgm_attribute_string(obj, "type");
	size_t		t;
	size_t		a;
	List	   *labels;
	ListCell   *lc;

	for (t = 0; t < lengthof(own) && strcmp(own[t].type, type) != 0; t++)
		;
	if (t == lengthof(own))
		return;					/* an unknown "type" is refused by pgm_check_values() */
	for (a = 0; a < lengthof(all); a++)
		if (pgm_attribute(obj, all[a]) != NULL &&
			strstr(own[t].attributes, psprintf(" %s ", all[a])) == NULL)
			pgm_document_error(what, key, psprintf("is a type of type %s, which has no \"%s\"", type, all[a]));
	labels = pgm_attribute_strings(obj, "labels");
	list_sort(labels, pgm_compare_strings);
	foreach(lc, labels)
		if (foreach_current_index(lc) > 0 &&
			strcmp(lfirst(lc), list_nth(labels, foreach_current_index(lc) - 1)) == 0)
			pgm_document_error(what, key, psprintf("has the label \"%s\" twice", (char *) lfirst(lc)));
}

/* The object `key` (bytes) names in `doc`, when it is of one of `kinds`. */
static PgmObject *
pgm_named(PgmSnapshot *doc, const char *key, int len, const char *const *kinds, int nkinds)
{
	PgmObject  *obj = pgm_snapshot_lookup_bytes(doc, key, len);
	int			k;

	for (k = 0; obj && obj->kind && k < nkinds && kinds[k]; k++)
		if (strcmp(kinds[k], obj->kind) == 0)
			return obj;
	return NULL;
}

/* A type of the document is of this "type" (composite, domain, ...). */
static bool
pgm_type_is(PgmObject *type, const char *what)
{
	char	   *t = pgm_attribute_string(type->attributes, "type");

	return t != NULL && strcmp(t, what) == 0;
}

/*
 * A part of a relation (column, constraint, trigger, rule, policy): its
 * relation is in the document, of a kind it may belong to (a column to a
 * composite type, a constraint to a domain), and its key is its kind, the
 * relation's name and its own: "column app.users.id".
 */
static void
pgm_check_relation(PgmSnapshot *doc, const char *what, PgmObject *object, int k)
{
	JsonbContainer *obj = object->attributes;
	char	   *relation = pgm_attribute_string(obj, "relation");
	PgmObject  *rel;
	const char *rel_name;
	char	   *expected;

	if (pgm_kinds[k].relation_kinds[0] == NULL)
		return;
	rel = pgm_named(doc, relation, strlen(relation), pgm_kinds[k].relation_kinds,
					lengthof(pgm_kinds[k].relation_kinds));
	if (rel != NULL && strcmp(rel->kind, "type") == 0 &&
		!pgm_type_is(rel, strcmp(object->kind, "column") == 0 ? "composite" : "domain"))
		rel = NULL;
	if (rel == NULL)
		pgm_document_error(what, object->key,
						   psprintf("names %s as its relation, which is not, in the document, a relation that can have this %s",
									relation, object->kind));
	if (strcmp(object->kind, "index") == 0)
		return;					/* an index has a name of its own in its schema */
	rel_name = rel->key + strlen(rel->kind) + 1;
	expected = psprintf("%s %s.%s", object->kind, rel_name, quote_identifier(pgm_attribute_string(obj, "name")));
	if (strcmp(expected, object->key) != 0)
		pgm_document_error(what, object->key, psprintf("is keyed otherwise than its relation and name say (%s)", expected));
}

/* An object with a schema and a name of its own is keyed by them. */
static void
pgm_check_key(const char *what, PgmObject *object)
{
	JsonbContainer *obj = object->attributes;
	const char *kind = object->kind;
	char	   *expected;

	if (strcmp(kind, "schema") == 0 || strcmp(kind, "extension") == 0)
		expected = psprintf("%s %s", kind, quote_identifier(pgm_attribute_string(obj, "name")));
	else if (strcmp(kind, "table") == 0 || strcmp(kind, "foreign table") == 0 || strcmp(kind, "view") == 0 ||
			 strcmp(kind, "materialized view") == 0 || strcmp(kind, "sequence") == 0 ||
			 strcmp(kind, "type") == 0 || strcmp(kind, "index") == 0)
		expected = psprintf("%s %s.%s", kind, quote_identifier(pgm_attribute_string(obj, "schema")),
							quote_identifier(pgm_attribute_string(obj, "name")));
	else
		return;
	if (strcmp(expected, object->key) != 0)
		pgm_document_error(what, object->key, psprintf("is keyed otherwise than its schema and name say (%s)", expected));
}

/* What it names besides its relation: sequences' columns, parents, ... */
static void
pgm_check_references(PgmSnapshot *doc, const char *what, PgmObject *object)
{
	JsonbContainer *obj = object->attributes;
	size_t		k;
	ListCell   *lc;

	for (k = 0; k < lengthof(pgm_references); k++)
	{
		static const char *const indexes[] = {"index"};
		char	   *ref = pgm_attribute_string(obj, pgm_references[k].attribute);
		bool		index_parent = strcmp(object->kind, "index") == 0 &&
			strcmp(pgm_references[k].attribute, "partition_of") == 0;

		if (ref && !(index_parent ? pgm_named(doc, ref, strlen(ref), indexes, 1) :
					 pgm_named(doc, ref, strlen(ref), pgm_references[k].kinds, lengthof(pgm_references[k].kinds))))
			pgm_document_error(what, object->key,
							   psprintf("names %s as its %s, which the document does not hold as such",
										ref, pgm_references[k].attribute));
	}
	foreach(lc, pgm_attribute_strings(obj, "inherits"))
	{
		static const char *const tables[] = {"table", "foreign table"};

		if (!pgm_named(doc, lfirst(lc), strlen(lfirst(lc)), tables, lengthof(tables)))
			pgm_document_error(what, object->key,
							   psprintf("inherits from %s, which the document does not hold as a table",
										(char *) lfirst(lc)));
	}
}

/* The same object, byte for byte, in both documents. */
bool
pgm_same_bytes(JsonbContainer *a, int asize, JsonbContainer *b, int bsize)
{
	return a != NULL && b != NULL && asize == bsize && memcmp(a, b, asize) == 0;
}

/* Every object is of a kind the engine knows, and its key begins with it. */
static void
pgm_check_kinds(PgmSnapshot *doc, const char *what)
{
	int			i;

	for (i = 0; i < doc->count; i++)
	{
		PgmObject  *object = &doc->objects[i];
		size_t		len;

		CHECK_FOR_INTERRUPTS();
		if (object->kind == NULL)
			pgm_document_error(what, object->key, "has no \"kind\" string");
		if (pgm_kind_index(object->kind) < 0)
			pgm_document_error(what, object->key, psprintf("is of kind \"%s\", which the engine does not know", object->kind));
		len = strlen(object->kind);
		if (strncmp(object->key, object->kind, len) != 0 || object->key[len] != ' ')
			pgm_document_error(what, object->key, psprintf("is of kind \"%s\", but its key does not begin with it", object->kind));
	}
}

/*
 * Every object of one document is as the engine needs it (the banner says
 * what that is).  With `checked` (a document already checked), an object
 * that is there byte for byte the same is as its kind needs already; what
 * it names is checked again, as this document may not hold it.
 */
void
pgm_check_document(PgmSnapshot *doc, const char *what, PgmSnapshot *checked)
{
	int			i;
	int			j = 0;
	MemoryContext scratch;
	MemoryContext caller;

	if (!pgm_allowed_made)
		pgm_make_allowed();
	pgm_check_kinds(doc, what);

	/*
	 * What the checks of one object allocate is gone before the next: the
	 * memory of 80,000 objects' lookups, kept, was most of the cost.
	 */
	scratch = AllocSetContextCreate(CurrentMemoryContext, "pgmigrate document check",
									ALLOCSET_DEFAULT_SIZES);
	caller = MemoryContextSwitchTo(scratch);
	for (i = 0; i < doc->count; i++)
	{
		PgmObject  *object = &doc->objects[i];
		int			k = pgm_kind_index(object->kind);
		bool		same;

		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(scratch);
		/* both documents are sorted by key: walk the other one alongside */
		while (checked && j < checked->count && strcmp(checked->objects[j].key, object->key) < 0)
			j++;
		same = checked && j < checked->count && strcmp(checked->objects[j].key, object->key) == 0 &&
			pgm_same_bytes(checked->objects[j].attributes, checked->objects[j].size,
						   object->attributes, object->size);
		if (!same)
		{
			pgm_check_attributes(what, object->key, object->attributes, k);
			pgm_check_values(what, object->key, object->attributes, k);
			pgm_check_grants(what, object->key, object->attributes);
			if (strcmp(object->kind, "type") == 0)
				pgm_check_type(what, object->key, object->attributes);
			if (strcmp(object->kind, "column") == 0 || strcmp(object->kind, "type") == 0)
				pgm_check_not_null(what, object->key, object->attributes);
			pgm_check_key(what, object);
		}
		pgm_check_relation(doc, what, object, k);
		pgm_check_references(doc, what, object);
	}
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(scratch);
}
