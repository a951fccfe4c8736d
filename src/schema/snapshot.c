/*
 * snapshot.c — the schema as data: schema documents, and what differs
 * between two of them.
 *
 * A schema document is what migrate.schema() (the install script) returns:
 * {"version": 1, "objects": {key: {attribute: value, ...}}}, one object per
 * schema, table, column, constraint, index, view, function, sequence,
 * type, trigger, policy and extension of the user schemas, under a key
 * such as "table app.users" or "column app.users.email", with its
 * attributes, its definition in the server's words and the keys it
 * depends on.  Here a document is read into an array of objects sorted by
 * key in byte order, so two documents compare with one merge pass;
 * attributes are read with the small accessors below (diff.c uses them
 * too).
 *
 * Taking a snapshot is writing the document in C (describe/units.c) where
 * the database holds only what the C writes and the catalog's
 * migrate.schema() writes the same document (0.10 and newer), or else
 * calling migrate.schema() under the fixed planner settings (rows.c); the
 * function fixes its own search_path, so every name in it is
 * schema-qualified.  The two are the same byte for byte (the tests compare
 * them on PostgreSQL's own regression suites).  Stored form: the document
 * itself, in migrate.snapshots.snapshot (jsonb); records.c stores and
 * reads them.
 *
 * Calls describe/units.c and rows.c.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "utils/lsyscache.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pgmigrate.h"

static SPIPlanPtr pgm_snapshot_plan = NULL;

/* The document's objects in byte order of their keys, for merge passes. */
static int
pgm_compare_objects(const void *a, const void *b)
{
	return strcmp(((const PgmObject *) a)->key, ((const PgmObject *) b)->key);
}

/*
 * Sort the objects in byte order of their keys.  A document lists its keys
 * in jsonb's order, shorter ones first, so it comes as a few dozen runs
 * (one per length) already in byte order: merging neighbouring runs until
 * one is left takes a fraction of the comparisons of a sort from scratch.
 * Any order is sorted, only more slowly.
 */
static void
pgm_sort_objects(PgmObject *objects, int count)
{
	PgmObject  *from = objects;
	PgmObject  *to = palloc(sizeof(PgmObject) * Max(count, 1));
	int		   *runs = palloc(sizeof(int) * (count + 1));	/* where each run starts */
	int			nruns = 0;
	int			i;

	for (i = 0; i < count; i++)
		if (i == 0 || pgm_compare_objects(&objects[i - 1], &objects[i]) > 0)
			runs[nruns++] = i;
	runs[nruns] = count;
	while (nruns > 1)
	{
		int			merged = 0;
		int			r;

		for (r = 0; r < nruns; r += 2)
		{
			int			a = runs[r];
			int			a_end = runs[r + 1];
			int			b = a_end;
			int			b_end = r + 2 <= nruns ? runs[Min(r + 2, nruns)] : a_end;
			int			out = a;

			while (a < a_end || b < b_end)
				to[out++] = (b >= b_end || (a < a_end && pgm_compare_objects(&from[a], &from[b]) <= 0))
					? from[a++] : from[b++];
			runs[merged++] = runs[r];
		}
		runs[merged] = count;
		nruns = merged;
		{
			PgmObject  *swap = from;

			from = to;
			to = swap;
		}
	}
	if (from != objects)
		memcpy(objects, from, sizeof(PgmObject) * count);
	pfree(from == objects ? to : from);
	pfree(runs);
}

/* An object's "kind": one of the kinds there are without a copy of its
 * own (a document has tens of thousands of objects), else a copy; NULL
 * when it has none. */
static const char *
pgm_object_kind(JsonbContainer *object)
{
	static const char *const kinds[] = {
		"column", "constraint", "index", "table", "view", "sequence", "function", "type",
		"schema", "trigger", "policy", "rule", "procedure", "aggregate", "materialized view",
		"foreign table", "extension", "operator", "cast", "transform"
	};
	JsonbValue *v = pgm_attribute(object, "kind");
	size_t		i;

	if (v == NULL || v->type != jbvString)
		return NULL;
	for (i = 0; i < lengthof(kinds); i++)
		if (strlen(kinds[i]) == (size_t) v->val.string.len &&
			memcmp(kinds[i], v->val.string.val, v->val.string.len) == 0)
			return kinds[i];
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static PGM_NORETURN void pgm_malformed(const char *what, const char *detail);

static void
pgm_malformed(const char *what, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s is not a schema document", what),
			 errdetail("%s", detail),
			 errhint("Pass what migrate.schema() returns, or a document stored in migrate.snapshots.")));
}

/*
 * Read a schema document (migrate.schema()'s result): {"version": 1,
 * "objects": {key: {attribute: value, ...}, ...}}.  `what` names it in
 * errors.  The objects point into `doc`, which must outlive the result.
 */
PgmSnapshot *
pgm_snapshot_read(Jsonb *doc, const char *what)
{
	PgmSnapshot *snap = palloc0(sizeof(PgmSnapshot));
	JsonbValue *version;
	JsonbValue *objects;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			capacity;

	if (!JB_ROOT_IS_OBJECT(doc) || JB_ROOT_IS_SCALAR(doc))
		pgm_malformed(what, "It is not a JSON object.");
	version = getKeyJsonValueFromContainer(&doc->root, "version", 7, NULL);
	/* compared as text: a number out of int's range is no error of its own */
	if (version == NULL || version->type != jbvNumeric ||
		strcmp(DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(version->val.numeric))), "1") != 0)
		pgm_malformed(what, "Its \"version\" is not 1.");
	objects = getKeyJsonValueFromContainer(&doc->root, "objects", 7, NULL);
	if (objects == NULL || objects->type != jbvBinary || !JsonContainerIsObject(objects->val.binary.data))
		pgm_malformed(what, "It has no \"objects\" object.");

	capacity = Max(JsonContainerSize(objects->val.binary.data), 1);
	snap->objects = palloc(sizeof(PgmObject) * capacity);
	it = JsonbIteratorInit(objects->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		CHECK_FOR_INTERRUPTS();
		if (tok == WJB_KEY)
		{
			snap->objects[snap->count].key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			pgm_malformed(what, psprintf("Its object \"%s\" is not a JSON object.",
										 snap->objects[snap->count].key));
		snap->objects[snap->count].attributes = v.val.binary.data;
		snap->objects[snap->count].size = v.val.binary.len;
		snap->objects[snap->count].kind = pgm_object_kind(v.val.binary.data);
		snap->count++;
	}
	pgm_sort_objects(snap->objects, snap->count);
	return snap;
}

/* A snapshot of `count` objects, sorted here; the array becomes its. */
PgmSnapshot *
pgm_snapshot_from(PgmObject *objects, int count)
{
	PgmSnapshot *snap = palloc0(sizeof(PgmSnapshot));

	pgm_sort_objects(objects, count);
	snap->objects = objects;
	snap->count = count;
	return snap;
}

/*
 * Is migrate.schema() there?  A library newer than the extension's SQL
 * objects (installed, ALTER EXTENSION ... UPDATE not yet run) finds the
 * SQL of 0.3 or older, which has neither the function nor documents.
 */
bool
pgm_snapshots_available(void)
{
	List	   *name = list_make2(makeString(PGM_SCHEMA), makeString("schema"));

	return OidIsValid(LookupFuncName(name, 0, NULL, true));
}

void
pgm_require_snapshots(void)
{
	if (!pgm_snapshots_available())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the pgmigrate extension in this database is older than its library"),
				 errdetail("Schema snapshots are documents from migrate.schema(), which version 0.4 brings."),
				 errhint("Update it: SET pgmigrate.guard = off; ALTER EXTENSION pgmigrate UPDATE; RESET pgmigrate.guard;")));
}

/*
 * Is this database's catalog 0.10 or newer: part records and their keys,
 * and a migrate.schema() whose document the C writes too?
 */
bool
pgm_records_in_parts(void)
{
	return OidIsValid(pgm_table_relid("snapshot_keys"));
}

/*
 * The live schema's document, by migrate.schema()'s query.  Must be
 * connected to SPI; the result lives in the current memory context.
 * `read_only` reads with the calling query's snapshot; otherwise the
 * catalogs are read as they are now, which is what a caller that just
 * changed them needs.
 */
Jsonb *
pgm_snapshot_query_document(bool read_only)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			guc_level;
	int			ret;
	Jsonb	   *doc;

	pgm_require_snapshots();

	/*
	 * The fixed settings (rows.c): no session can fool or slow down the
	 * query.  The function fixes its own search_path.
	 */
	guc_level = pgm_spi_fix_settings(false);
	ret = SPI_execute_plan(pgm_spi_kept_plan(&pgm_snapshot_plan, "SELECT " PGM_SCHEMA ".schema()", 0, NULL, 0),
						   NULL, NULL, read_only, 1);
	pgm_spi_restore_settings(guc_level);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "snapshot query failed: %s", SPI_result_code_string(ret));
	MemoryContextSwitchTo(cxt);
	doc = pgm_result_jsonb(0, 1, cxt);
	SPI_freetuptable(SPI_tuptable);
	return doc;
}

/*
 * The live schema's document: written in C where it can be (the catalogs
 * as they are now, this transaction's changes included), else by the
 * query.  Connected to SPI.
 */
Jsonb *
pgm_snapshot_take_document(bool read_only)
{
	Jsonb	   *doc;

	pgm_require_snapshots();
	if (pgm_records_in_parts() && (doc = pgm_describe_whole(CurrentMemoryContext, NULL)) != NULL)
		return doc;
	return pgm_snapshot_query_document(read_only);
}

PgmSnapshot *
pgm_snapshot_take(bool read_only)
{
	return pgm_snapshot_read(pgm_snapshot_take_document(read_only), "the live schema");
}

/* The object under `key`, or NULL. */
PgmObject *
pgm_snapshot_lookup(const PgmSnapshot *snap, const char *key)
{
	return pgm_snapshot_lookup_bytes(snap, key, strlen(key));
}

/* The object under a key given as bytes (not NUL-terminated), or NULL. */
PgmObject *
pgm_snapshot_lookup_bytes(const PgmSnapshot *snap, const char *key, int len)
{
	int			lo = 0;
	int			hi = snap->count - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const char *k = snap->objects[mid].key;
		int			c = strncmp(k, key, len);

		if (c == 0 && k[len] != '\0')
			c = 1;				/* the same start, longer */
		if (c == 0)
			return &snap->objects[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* The attributes of the object under `key`, or NULL. */
JsonbContainer *
pgm_snapshot_find(const PgmSnapshot *snap, const char *key)
{
	PgmObject  *found = pgm_snapshot_lookup(snap, key);

	return found ? found->attributes : NULL;
}

/* An attribute's value, NULL when absent or JSON null. */
JsonbValue *
pgm_attribute(JsonbContainer *object, const char *name)
{
	JsonbValue *v = getKeyJsonValueFromContainer(object, name, strlen(name), NULL);

	return v == NULL || v->type == jbvNull ? NULL : v;
}

/* An attribute as text: strings as they are, anything else as JSON; NULL when absent. */
char *
pgm_attribute_text(JsonbContainer *object, const char *name)
{
	JsonbValue *v = pgm_attribute(object, name);

	if (v == NULL)
		return NULL;
	if (v->type == jbvString)
		return pnstrdup(v->val.string.val, v->val.string.len);
	if (v->type == jbvBool)
		return pstrdup(v->val.boolean ? "true" : "false");
	if (v->type == jbvBinary)
		return JsonbToCString(NULL, v->val.binary.data, v->val.binary.len);
	return JsonbToCString(NULL, &JsonbValueToJsonb(v)->root, 0);
}

/* A string attribute; NULL when absent or not a string. */
char *
pgm_attribute_string(JsonbContainer *object, const char *name)
{
	JsonbValue *v = pgm_attribute(object, name);

	return v != NULL && v->type == jbvString ? pnstrdup(v->val.string.val, v->val.string.len) : NULL;
}

bool
pgm_attribute_bool(JsonbContainer *object, const char *name)
{
	JsonbValue *v = pgm_attribute(object, name);

	return v != NULL && v->type == jbvBool && v->val.boolean;
}

/* A JSON array of strings as a List of char *; NIL when absent. */
List *
pgm_attribute_strings(JsonbContainer *object, const char *name)
{
	JsonbValue *v = pgm_attribute(object, name);
	List	   *out = NIL;
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return NIL;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		if (tok == WJB_ELEM && e.type == jbvString)
			out = lappend(out, pnstrdup(e.val.string.val, e.val.string.len));
	return out;
}

/*
 * Attributes compared between two snapshots of an object: all but the
 * dependencies, which follow from the definitions, and whether an
 * inherited column is also declared locally, which no DDL can undo and
 * no query sees.
 */
static bool
pgm_compared_attribute(const char *name)
{
	return strcmp(name, "depends") != 0 && strcmp(name, "local") != 0;
}

/* "not null" for not_null: the attribute's name as a detail line shows it. */
static char *
pgm_attribute_label(const char *name)
{
	char	   *label = pstrdup(name);
	char	   *p;

	for (p = label; *p; p++)
		if (*p == '_')
			*p = ' ';
	return label;
}

/* A value as a detail shows it: long values are only said to change. */
static bool
pgm_is_short(const char *value)
{
	return value == NULL || strlen(value) <= 300;
}

/* A JSON array of strings as "a, b, c"; NULL when the attribute is not one. */
static char *
pgm_strings_text(JsonbContainer *object, const char *name, List **elements)
{
	JsonbValue *v = pgm_attribute(object, name);
	StringInfoData buf;
	ListCell   *lc;

	*elements = NIL;
	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return NULL;
	*elements = pgm_attribute_strings(object, name);
	initStringInfo(&buf);
	foreach(lc, *elements)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* "+x, -y": the elements only one of two lists has. */
static char *
pgm_describe_list_change(List *before, List *after)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, before)
		if (!pgm_list_has_string(after, lfirst(lc)))
			appendStringInfo(&buf, "%s-%s", buf.len ? ", " : "", (char *) lfirst(lc));
	foreach(lc, after)
		if (!pgm_list_has_string(before, lfirst(lc)))
			appendStringInfo(&buf, "%s+%s", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* One attribute's change, appended to a detail. */
static void
pgm_append_change(StringInfo buf, JsonbContainer *before, JsonbContainer *after, const char *name)
{
	List	   *list_before;
	List	   *list_after;
	char	   *mine = pgm_strings_text(before, name, &list_before);
	char	   *theirs = pgm_strings_text(after, name, &list_after);
	char	   *label = pgm_attribute_label(name);

	if (buf->len)
		appendStringInfoString(buf, "; ");
	if (mine == NULL)
		mine = pgm_attribute_text(before, name);
	if (theirs == NULL)
		theirs = pgm_attribute_text(after, name);

	/*
	 * A boolean is in a document only when it is not its usual value, so
	 * an absent one is the opposite of the present one.
	 */
	if (mine == NULL && theirs != NULL && pgm_attribute(after, name)->type == jbvBool)
		mine = pstrdup(strcmp(theirs, "true") == 0 ? "false" : "true");
	if (theirs == NULL && mine != NULL && pgm_attribute(before, name)->type == jbvBool)
		theirs = pstrdup(strcmp(mine, "true") == 0 ? "false" : "true");
	if (list_before != NIL && list_after != NIL && strlen(mine) + strlen(theirs) > 80)
	{
		char	   *change = pgm_describe_list_change(list_before, list_after);

		if (*change)
		{
			appendStringInfo(buf, "%s: %s", label, change);
			return;
		}
	}
	if (pgm_is_short(mine) && pgm_is_short(theirs))
		appendStringInfo(buf, "%s: %s -> %s", label, mine ? mine : "(none)", theirs ? theirs : "(none)");
	else
		appendStringInfo(buf, "%s changed", label);
}

/* Two attribute values are equal (scalars or containers). */
static bool
pgm_values_equal(JsonbValue *a, JsonbValue *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case jbvBinary:
			return compareJsonbContainers(a->val.binary.data, b->val.binary.data) == 0;
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		case jbvNumeric:
			return DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(a->val.numeric),
													NumericGetDatum(b->val.numeric)));
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		default:
			return true;
	}
}

/*
 * "type: text -> bigint; default: (none) -> 0" for the attributes that
 * differ; attributes in the order of `before`, then those only `after` has.
 */
static char *
pgm_describe_change(JsonbContainer *before, JsonbContainer *after)
{
	StringInfoData buf;
	int			pass;

	initStringInfo(&buf);
	for (pass = 0; pass < 2; pass++)
	{
		JsonbContainer *from = pass == 0 ? before : after;
		JsonbContainer *other = pass == 0 ? after : before;
		JsonbIterator *it = JsonbIteratorInit(from);
		JsonbValue	v;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			char	   *name;
			JsonbValue *mine;
			JsonbValue *theirs;

			if (tok != WJB_KEY)
				continue;
			name = pnstrdup(v.val.string.val, v.val.string.len);
			if (!pgm_compared_attribute(name))
				continue;
			mine = pgm_attribute(from, name);
			theirs = pgm_attribute(other, name);
			if (mine == NULL || (pass == 1 && theirs != NULL))
				continue;		/* nothing, or compared in the first pass */
			if (theirs != NULL && pgm_values_equal(mine, theirs))
				continue;
			pgm_append_change(&buf, before, after, name);
		}
	}
	return buf.data;
}

/* Do two objects differ in a compared attribute? */
static bool
pgm_objects_differ(JsonbContainer *a, JsonbContainer *b)
{
	return compareJsonbContainers(a, b) != 0 && *pgm_describe_change(a, b) != '\0';
}

/*
 * What differs from `before` to `after`, as PgmDrift rows in object order.
 */
List *
pgm_snapshot_diff(const PgmSnapshot *before, const PgmSnapshot *after)
{
	List	   *rows = NIL;
	int			i = 0;
	int			j = 0;

	while (i < before->count || j < after->count)
	{
		int			cmp;
		PgmDrift   *d;

		if (i >= before->count)
			cmp = 1;
		else if (j >= after->count)
			cmp = -1;
		else
			cmp = strcmp(before->objects[i].key, after->objects[j].key);

		if (cmp == 0 && !pgm_objects_differ(before->objects[i].attributes, after->objects[j].attributes))
		{
			i++, j++;
			continue;
		}
		d = palloc(sizeof(PgmDrift));
		if (cmp < 0)
		{
			d->object = before->objects[i].key;
			d->change = "removed";
			d->detail = pstrdup("");
			i++;
		}
		else if (cmp > 0)
		{
			d->object = after->objects[j].key;
			d->change = "added";
			d->detail = pstrdup("");
			j++;
		}
		else
		{
			d->object = before->objects[i].key;
			d->change = "changed";
			d->detail = pgm_describe_change(before->objects[i].attributes, after->objects[j].attributes);
			i++, j++;
		}
		rows = lappend(rows, d);
	}
	return rows;
}
