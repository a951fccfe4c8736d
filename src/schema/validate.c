/*
 * validate.c — a schema document checked before the diff engine reads it.
 *
 * migrate.diff() takes both documents from its caller, and any role may call
 * it: every object must have what its kind needs, with the JSON type the
 * engine reads it as, and name only what the document holds, as what it
 * must be.  What fails is refused here with 22023, naming the document, the
 * key and the attribute; nothing after this file checks a document again.
 *
 * Calls snapshot.c.
 */
#include "postgres.h"

#include "pgmigrate.h"
#include "schema/model.h"

/*
 * What each kind of object must have, as strings, for the engine to write
 * its DDL: a document that lacks one (or names an object it does not hold)
 * is refused here, before anything is generated from it.
 */
static const struct
{
	const char *kind;
	const char *attributes[7];
}			pgm_required[] =
{
	{"schema", {"name"}},
	{"table", {"schema", "name"}},
	{"foreign table", {"schema", "name"}},
	{"view", {"schema", "name", "query"}},
	{"materialized view", {"schema", "name", "query"}},
	{"sequence", {"schema", "name", "type", "start", "increment", "min", "max"}},
	{"column", {"relation", "name", "type"}},
	{"constraint", {"relation", "name", "type", "definition"}},
	{"index", {"schema", "name", "relation"}},
	{"function", {"schema", "name", "identity_arguments", "arguments", "returns", "definition"}},
	{"procedure", {"schema", "name", "identity_arguments", "arguments", "definition"}},
	{"aggregate", {"schema", "name", "identity_arguments", "definition"}},
	{"type", {"schema", "name", "type"}},
	{"trigger", {"relation", "name", "definition", "enabled"}},
	{"rule", {"relation", "name", "definition", "enabled"}},
	{"policy", {"relation", "name", "command"}},
	{"extension", {"name", "version", "schema"}},
	{"operator", {"schema", "name", "signature", "definition"}},
	{"cast", {"signature", "definition"}},
};

/* Attributes that name another object of the same document, and its kinds. */
static const struct
{
	const char *attribute;
	const char *kinds[5];
}			pgm_references[] =
{
	{"relation", {"table", "view", "materialized view", "foreign table", "type"}},
	{"owned_by", {"column"}},
	{"partition_of", {"table", "index"}},
	{"constraint", {"constraint"}},
	{"parent", {"constraint"}},
};

/* Does `key` (bytes) name, in `doc`, an object of one of `kinds`? */
static bool
pgm_names_kind(PgmSnapshot *doc, const char *key, int len, const char *const *kinds, int nkinds)
{
	PgmObject  *obj = pgm_snapshot_lookup_bytes(doc, key, len);
	const char *kind = obj ? obj->kind : NULL;
	int			k;

	for (k = 0; kind && k < nkinds && kinds[k]; k++)
		if (strcmp(kinds[k], kind) == 0)
			return true;
	return false;
}

void
pgm_document_error(const char *what, const char *key, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is not a schema document the diff engine can use", what),
			 errdetail("Its object \"%s\" %s.", key, detail),
			 errhint("Pass what migrate.schema() returns.")));
}

static bool
pgm_is_string(JsonbContainer *obj, const char *name)
{
	JsonbValue *v = pgm_attribute(obj, name);

	return v != NULL && v->type == jbvString;
}

/* The same object, byte for byte, in both documents. */
bool
pgm_same_bytes(JsonbContainer *a, int asize, JsonbContainer *b, int bsize)
{
	return a != NULL && b != NULL && asize == bsize && memcmp(a, b, asize) == 0;
}

/*
 * Every object of one document has what its kind needs, and names only
 * what the document holds.  With `checked` (a document already checked
 * with the same keys), an object that is there byte for byte the same has
 * what its kind needs already; what it names is checked again, as this
 * document may not hold it.
 */
void
pgm_check_document(PgmSnapshot *doc, const char *what, PgmSnapshot *checked)
{
	int			i;
	int			j = 0;

	for (i = 0; i < doc->count; i++)
	{
		JsonbContainer *obj = doc->objects[i].attributes;
		const char *kind = doc->objects[i].kind;
		size_t		k;
		int			a;
		ListCell   *lc;
		bool		same;

		/* both documents are sorted by key: walk the other one alongside */
		while (checked && j < checked->count && strcmp(checked->objects[j].key, doc->objects[i].key) < 0)
			j++;
		same = checked && j < checked->count && strcmp(checked->objects[j].key, doc->objects[i].key) == 0 &&
			pgm_same_bytes(checked->objects[j].attributes, checked->objects[j].size, obj, doc->objects[i].size);
		if (kind == NULL)
			pgm_document_error(what, doc->objects[i].key, "has no kind");
		for (k = 0; k < lengthof(pgm_required) && !same; k++)
		{
			if (strcmp(pgm_required[k].kind, kind) != 0)
				continue;
			for (a = 0; a < (int) lengthof(pgm_required[k].attributes) && pgm_required[k].attributes[a]; a++)
				if (!pgm_is_string(obj, pgm_required[k].attributes[a]))
					pgm_document_error(what, doc->objects[i].key,
									   psprintf("has no \"%s\" string", pgm_required[k].attributes[a]));
		}
		for (k = 0; k < lengthof(pgm_references); k++)
		{
			JsonbValue *ref = pgm_attribute(obj, pgm_references[k].attribute);

			if (ref && (ref->type != jbvString ||
						!pgm_names_kind(doc, ref->val.string.val, ref->val.string.len,
										pgm_references[k].kinds, lengthof(pgm_references[k].kinds))))
				pgm_document_error(what, doc->objects[i].key,
								   psprintf("names %s as its %s, which the document does not hold as such",
											pgm_attribute_text(obj, pgm_references[k].attribute),
											pgm_references[k].attribute));
		}
		foreach(lc, pgm_attribute_strings(obj, "inherits"))
		{
			static const char *const tables[] = {"table"};

			if (!pgm_names_kind(doc, lfirst(lc), strlen(lfirst(lc)), tables, 1))
				pgm_document_error(what, doc->objects[i].key,
								   psprintf("inherits from %s, which the document does not hold as a table",
											(char *) lfirst(lc)));
		}
	}
}
